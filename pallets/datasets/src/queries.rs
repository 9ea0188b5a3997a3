//! What the registry answers: the runtime API's records and the Jobs pallet's
//! [`DatasetsInspect`].

use super::*;

impl<T: Config> Pallet<T> {
	/// Dataset `id` as the runtime API reports it.
	pub fn record(id: DatasetId) -> Option<DatasetRecord<T::AccountId, BlockNumberFor<T>>> {
		let info = Datasets::<T>::get(id)?;
		let status = match info.stage {
			Stage::Proposed => DatasetStatus::Proposed,
			Stage::Auditing { panel, commit_until, reveal_until } => {
				DatasetStatus::Auditing { panel: panel.into_inner(), commit_until, reveal_until }
			},
			Stage::Voting { median, opened, until } => {
				let tally = Tallies::<T>::get(id);
				DatasetStatus::Voting { median, opened, until, ayes: tally.ayes, nays: tally.nays }
			},
			Stage::Approved { tier, median } => DatasetStatus::Approved { tier, median },
			Stage::Rejected { reason } => DatasetStatus::Rejected { reason },
			Stage::Quarantined { tier } => DatasetStatus::Quarantined { tier },
		};
		Some(DatasetRecord {
			id,
			meta: info.meta,
			proposer: info.proposer,
			proposed_at: info.proposed_at,
			status,
		})
	}

	/// Up to `max` datasets in id order after `start_after` (for the runtime API).
	pub fn records(
		start_after: Option<DatasetId>,
		max: u32,
	) -> Vec<DatasetRecord<T::AccountId, BlockNumberFor<T>>> {
		let first = start_after.map_or(0, |id| id.saturating_add(1));
		let next = NextDatasetId::<T>::get();
		(first..next).take(max as usize).filter_map(Self::record).collect()
	}

	/// The ayes' share of a tally (for queries).
	pub fn ayes_share(tally: Tally) -> Permill {
		Permill::from_rational(tally.ayes, tally.votes().max(1))
	}
}

impl<T: Config> DatasetsInspect<T::AccountId> for Pallet<T> {
	fn usable(id: DatasetId, experimental: bool) -> Result<UsableDataset<T::AccountId>, Unusable> {
		let info = Datasets::<T>::get(id).ok_or(Unusable::Unknown)?;
		match info.stage {
			Stage::Approved { tier: Tier::Experimental, .. } if !experimental => {
				Err(Unusable::Experimental)
			},
			Stage::Approved { .. } => Ok(UsableDataset {
				cid: info.meta.cid,
				proposer: info.proposer,
				size: info.meta.size,
			}),
			Stage::Rejected { .. } => Err(Unusable::Rejected),
			Stage::Quarantined { .. } => Err(Unusable::Quarantined),
			Stage::Proposed | Stage::Auditing { .. } | Stage::Voting { .. } => {
				Err(Unusable::NotApproved)
			},
		}
	}
}
