//! The invariants listed in the crate documentation, checked in `try_state` and after every
//! unit test.

use super::*;

impl<T: Config> Pallet<T> {
	/// Check the invariants listed in the crate documentation.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let next = NextDatasetId::<T>::get();
		let drawing = Drawing::<T>::get();
		for (id, info) in Datasets::<T>::iter() {
			ensure!(id < next, "a dataset id at or past NextDatasetId");
			ensure!(
				matches!(info.stage, Stage::Proposed) == drawing.contains(&id),
				"a proposed dataset not awaiting its draw, or the reverse"
			);
		}
		for (id, auditor, _) in AuditCommits::<T>::iter() {
			let Ok((panel, ..)) = Self::auditing(id) else {
				return Err("an audit commitment for a dataset not being audited".into());
			};
			ensure!(panel.contains(&auditor), "an audit commitment from outside the panel");
		}
		for (id, auditor, _) in AuditReports::<T>::iter() {
			ensure!(AuditCommits::<T>::contains_key(id, &auditor), "a report without commitment");
		}
		let mut counted: alloc::collections::BTreeMap<DatasetId, Tally> = Default::default();
		for (id, _, aye) in Votes::<T>::iter() {
			let tally = counted.entry(id).or_default();
			if aye {
				tally.ayes += 1;
			} else {
				tally.nays += 1;
			}
		}
		for (id, tally) in Tallies::<T>::iter() {
			ensure!(counted.remove(&id) == Some(tally), "a tally that does not count its votes");
			ensure!(tally.votes() <= T::MaxVotesPerDataset::get(), "more votes than allowed");
			ensure!(
				matches!(Datasets::<T>::get(id).map(|i| i.stage), Some(Stage::Voting { .. })),
				"a tally of a dataset not being voted on"
			);
		}
		ensure!(counted.is_empty(), "votes without a tally");
		let now = frame_system::Pallet::<T>::block_number();
		for (_, commits) in ProposalCommits::<T>::iter() {
			ensure!(!commits.is_empty(), "an empty list of proposal commitments");
			for (i, (commitment, at)) in commits.iter().enumerate() {
				ensure!(*at <= now, "a proposal commitment from a block still to come");
				ensure!(
					commits[..i].iter().all(|(c, _)| c != commitment),
					"a proposal commitment held twice"
				);
			}
		}
		for (id, committed_at) in CommittedAt::<T>::iter() {
			let info = Datasets::<T>::get(id).ok_or("CommittedAt names no dataset")?;
			ensure!(
				matches!(info.stage, Stage::Proposed | Stage::Auditing { .. }),
				"a commitment block kept past the audit"
			);
			ensure!(committed_at < info.proposed_at, "committed after its proposal");
		}
		for (root, _) in Reserved::<T>::iter() {
			ensure!(!ByContent::<T>::contains_key(root), "reserved content is also proposed");
		}
		for (root, id) in ByContent::<T>::iter() {
			let info = Datasets::<T>::get(id).ok_or("ByContent names no dataset")?;
			ensure!(info.meta.merkle_root == root, "ByContent under another root");
			ensure!(
				!matches!(info.stage, Stage::Rejected { reason } if reason.allows_retry()),
				"ByContent names a dataset that may be proposed again"
			);
		}
		Ok(())
	}
}
