//! The pipeline's stage transitions: drawing a panel, judging an audit, counting a vote.

use super::*;

impl<T: Config> Pallet<T> {
	/// Draw dataset `id`'s auditors at block `now` with the parent block's hash.
	pub(crate) fn draw_panel(id: DatasetId, now: BlockNumberFor<T>, parent: &[u8]) {
		let Some(mut info) = Datasets::<T>::get(id) else { return };
		let seed = sp_crypto_hashing::blake2_256(&(parent, id).encode());
		let drawn = T::Registry::sample(
			Role::Auditor,
			T::AuditorsPerDataset::get().min(T::MaxAuditors::get()),
			&seed,
			core::slice::from_ref(&info.proposer),
			info.proposed_at,
		);
		let panel: PanelOf<T> = BoundedVec::truncate_from(drawn);
		// A short panel would let fewer auditors decide than the runtime asks for.
		if (panel.len() as u32) < T::AuditorsPerDataset::get().min(T::MaxAuditors::get()) {
			info.stage = Stage::Rejected { reason: Rejection::NotAudited };
			Self::free_content(id, &info, Rejection::NotAudited, now);
			CommittedAt::<T>::remove(id);
			Self::deposit_event(Event::DatasetRejected { id, reason: Rejection::NotAudited });
		} else {
			// Windows count blocks from the first: commits in `now ..= commit_until`.
			let params = Self::params();
			let commit_until =
				now.saturating_add(params.audit_commit_window).saturating_sub(One::one());
			let reveal_until = commit_until.saturating_add(params.audit_reveal_window);
			Self::deposit_event(Event::AuditorsDrawn { id, panel: panel.clone(), reveal_until });
			info.stage = Stage::Auditing { panel, commit_until, reveal_until };
		}
		Datasets::<T>::insert(id, info);
	}

	/// The stage after dataset `id`'s audit by `panel`: the vote, or a rejection. Clears the
	/// commitments and reports and records each auditor's outcome: a success for a report equal
	/// to the median, a failure for another report or none.
	pub(crate) fn judge_audit(
		id: DatasetId,
		panel: &[T::AccountId],
		now: BlockNumberFor<T>,
	) -> Stage<T> {
		let mut revealed_by = Vec::with_capacity(panel.len());
		for auditor in panel {
			let committed = AuditCommits::<T>::take(id, auditor).is_some();
			match AuditReports::<T>::take(id, auditor) {
				Some(report) if committed => revealed_by.push((auditor, report)),
				_ => T::Registry::record_outcome(auditor, Outcome::Failure),
			}
		}
		let reports: Vec<AuditReport> = revealed_by.iter().map(|(_, report)| *report).collect();
		let median = median_report(&reports);
		// Credits only for an audit a majority of the panel carried: a lone revealer's report
		// is its own median.
		let carried = reports.len() * 2 > panel.len();
		for (auditor, report) in revealed_by {
			if Some(report) == median {
				T::Registry::record_outcome(auditor, Outcome::Success);
				if carried {
					T::Credits::mint(auditor, Contribution::Audit { dataset: id });
				}
			} else {
				T::Registry::record_outcome(auditor, Outcome::Failure);
				Self::deposit_event(Event::AuditDisagreed { id, auditor: auditor.clone() });
			}
		}
		let revealed = reports.len() as u32;
		let rules = Self::audit_rules();
		let judged = match median {
			Some(median) if reports.len() * 2 > panel.len() => match rules.judge(&median) {
				// A verdict on the bytes stands for good: it needs a majority of the panel
				// behind it, not a median that a lying auditor tips when another is silent.
				Err(reason)
					if !reason.allows_retry()
						&& reports.iter().filter(|r| rules.judge(r).is_err()).count() * 2
							<= panel.len() =>
				{
					Err(Rejection::NotAudited)
				},
				verdict => verdict.map(|()| median),
			},
			_ => Err(Rejection::NotAudited),
		};
		match judged {
			Ok(median) => {
				let until =
					now.saturating_add(Self::params().voting_window).saturating_sub(One::one());
				Self::deposit_event(Event::VotingOpened { id, median, revealed, until });
				Stage::Voting { median, opened: now, until }
			},
			Err(reason) => {
				Self::deposit_event(Event::DatasetRejected { id, reason });
				Stage::Rejected { reason }
			},
		}
	}

	/// The stage after dataset `id`'s vote.
	pub(crate) fn count_votes(
		id: DatasetId,
		proposer: &T::AccountId,
		median: AuditReport,
		tally: Tally,
	) -> Stage<T> {
		match Self::vote_rules().tier(tally.ayes, tally.nays) {
			Ok(tier) => {
				Proposers::<T>::mutate(proposer, |record| record.approvals.saturating_inc());
				if tier == Tier::Gold {
					T::Credits::mint(proposer, Contribution::GoldDataset { dataset: id });
				}
				Self::deposit_event(Event::DatasetApproved {
					id,
					tier,
					ayes: tally.ayes,
					nays: tally.nays,
				});
				Stage::Approved { tier, median }
			},
			Err(reason) => {
				Self::deposit_event(Event::DatasetRejected { id, reason });
				Stage::Rejected { reason }
			},
		}
	}
}
