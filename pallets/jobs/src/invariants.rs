//! The invariants listed in the crate documentation, checked by `try_state`.

use super::*;
use aiblock_primitives::stake::StakeInspect;
use alloc::{collections::BTreeMap, vec::Vec};
use frame_support::traits::fungible::InspectHold;

impl<T: Config> Pallet<T> {
	/// Check every invariant of the crate documentation.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut escrow: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut assigned: BTreeMap<T::AccountId, Assignment<BalanceOf<T>>> = BTreeMap::new();
		let mut count = |who: &T::AccountId, collateral: BalanceOf<T>| {
			let a = assigned.entry(who.clone()).or_default();
			a.jobs += 1;
			a.collateral = a.collateral.saturating_add(collateral);
		};
		let mut live = 0u32;
		let mut posted: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let cursor = AgendaCursor::<T>::get();
		let next = NextJobId::<T>::get();
		for (id, _) in Outcomes::<T>::iter() {
			ensure!(
				id < next && id.saturating_add(T::OutcomesKept::get().into()) >= next,
				"an outcome outside the last OutcomesKept job ids"
			);
			ensure!(!Jobs::<T>::contains_key(id), "an outcome of a job still open");
		}
		for (id, job) in Jobs::<T>::iter() {
			live += 1;
			ensure!(id < NextJobId::<T>::get(), "job id not yet issued");
			let held = escrow.entry(job.poster.clone()).or_default();
			*held = held.saturating_add(job.held());
			*posted.entry(job.poster.clone()).or_default() += 1;
			ensure!(
				job.deposit <= T::TimeoutDeposit::get() && job.timeouts < T::MaxTimeouts::get(),
				"a deposit above TimeoutDeposit, or a job kept after MaxTimeouts"
			);
			ensure!(
				job.trainer_collateral >= T::TrainerCollateral::get()
					&& job.evaluator_collateral >= T::EvaluatorCollateral::get(),
				"a job's collateral below the minimum"
			);

			let mut kinds: Vec<_> = job.spec.kinds().collect();
			kinds.sort();
			kinds.dedup();
			ensure!(
				!kinds.is_empty() && kinds.len() == job.spec.slots.len(),
				"a job without slots, or with a slot twice"
			);
			if let Stage::Evaluating(e) = &job.stage {
				ensure!(
					e.submission.candidates.len() == job.spec.slots.len(),
					"a submission without exactly one candidate per slot"
				);
			}
			ensure!(
				Agenda::<T>::get(job.due).iter().filter(|j| **j == id).count() == 1,
				"open job without exactly one agenda entry at its due block"
			);
			ensure!(job.due >= cursor, "agenda entry behind the cursor");

			match &job.stage {
				Stage::Open { .. } => {},
				Stage::Training { trainer, .. } => count(trainer, job.trainer_collateral),
				Stage::Evaluating(e) => {
					count(&e.trainer, job.trainer_collateral);
					ensure!(
						e.panel.len() <= job.spec.evaluators as usize,
						"panel larger than the job asks"
					);
					let members: Vec<_> = e.panel.iter().map(|s| &s.evaluator).collect();
					for (i, seat) in e.panel.iter().enumerate() {
						ensure!(
							!members[..i].contains(&&seat.evaluator),
							"an evaluator sits twice on a panel"
						);
						ensure!(
							seat.evaluator != e.trainer && seat.evaluator != job.poster,
							"the trainer or the poster sits on the panel"
						);
						ensure!(
							seat.attestation.is_none() || seat.commitment.is_some(),
							"revealed without a commitment"
						);
						count(&seat.evaluator, job.evaluator_collateral);
					}
				},
			}
		}
		ensure!(live == LiveJobs::<T>::get(), "LiveJobs differs from the open jobs");
		let entries: usize = Agenda::<T>::iter_values().map(|list| list.len()).sum();
		ensure!(entries == live as usize, "agenda entries without an open job");

		ensure!(
			JobsOfPoster::<T>::iter().collect::<BTreeMap<_, _>>() == posted,
			"JobsOfPoster differs from the open jobs' posters"
		);
		for (who, held) in &escrow {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::Escrow.into(), who) == *held,
				"escrow hold differs from the open jobs' escrow"
			);
		}
		for (who, _) in Assigned::<T>::iter() {
			ensure!(assigned.contains_key(&who), "assignment kept for an account with no job");
		}
		for (who, expected) in &assigned {
			ensure!(
				Assigned::<T>::get(who) == Some(*expected),
				"Assigned differs from the open jobs"
			);
			let active = T::Stake::active_stake(who);
			let committed = active.saturating_sub(T::Stake::uncommitted_stake(who));
			ensure!(
				committed >= expected.collateral.min(active),
				"collateral not committed in Stake"
			);
		}
		Ok(())
	}
}
