//! What happens without a call: the agenda worked in `on_idle` (expiry, missed submission
//! deadlines, evaluator draws, reveal deadlines), the verdict, and the movement of escrow and
//! collateral it decides.

use super::*;
use aiblock_primitives::{
	jobs::{data_rewards, settle, EvaluatorVerdict, Rules, TrainerVerdict},
	stake::SlashReason,
	workers::Outcome,
};
use alloc::vec::Vec;
use frame_support::traits::tokens::{Precision, Restriction};
use sp_runtime::SaturatedConversion;

impl<T: Config> Pallet<T> {
	// --- The agenda ------------------------------------------------------------------------

	/// Put `id` on the agenda at `at`, or at the first later block with room (see the crate
	/// docs for why there always is one), and remember where in `job.due`.
	pub(crate) fn schedule(id: JobId, job: &mut Job<T>, at: BlockNumberFor<T>) {
		let mut block = at;
		for _ in 0..T::MaxScheduleShift::get().max(1) {
			if Agenda::<T>::mutate(block, |list| list.try_push(id).is_ok()) {
				job.due = block;
				return;
			}
			block = block.saturating_add(1u32.into());
		}
		frame_support::defensive!("the agenda is full although MaxLiveJobs fits in it");
		job.due = at;
	}

	/// Take `id` off the agenda entry at `due`.
	pub(crate) fn unschedule(id: JobId, due: BlockNumberFor<T>) {
		Agenda::<T>::mutate_exists(due, |maybe| {
			if let Some(list) = maybe {
				list.retain(|j| *j != id);
				if list.is_empty() {
					*maybe = None;
				}
			}
		});
	}

	/// Move `id`'s agenda entry to `at`.
	pub(crate) fn reschedule(id: JobId, job: &mut Job<T>, at: BlockNumberFor<T>) {
		Self::unschedule(id, job.due);
		Self::schedule(id, job, at);
	}

	/// Work through due agenda entries, oldest block first, as far as `remaining` allows.
	/// Returns the weight used.
	pub(crate) fn work_agenda(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
		let db = T::DbWeight::get();
		// The cursor, and one read of an agenda block per block visited.
		let mut used = db.reads_writes(1, 1);
		if remaining.any_lt(used) {
			return Weight::zero();
		}
		let mut cursor = AgendaCursor::<T>::get();
		let start = cursor;
		while cursor <= now {
			let visit = db.reads_writes(1, 1);
			if remaining.any_lt(used.saturating_add(visit)) {
				break;
			}
			used.saturating_accrue(visit);
			let Some(id) = Agenda::<T>::get(cursor).first().copied() else {
				cursor = cursor.saturating_add(1u32.into());
				continue;
			};
			let cost = Self::agenda_step_weight(id);
			if remaining.any_lt(used.saturating_add(cost)) {
				break;
			}
			used.saturating_accrue(cost);
			Self::attend(id, cursor);
		}
		if cursor != start {
			AgendaCursor::<T>::put(cursor);
		}
		used
	}

	/// The weight of attending to `id`, judged from its stage (one read).
	pub(crate) fn agenda_step_weight(id: JobId) -> Weight {
		let read = T::DbWeight::get().reads(1);
		let Some(job) = Jobs::<T>::get(id) else { return read };
		let (n, slots) = (job.spec.evaluators, job.spec.slots.len() as u32);
		read.saturating_add(match &job.stage {
			Stage::Open { .. } => {
				T::WeightInfo::expire_job().saturating_add(Self::outcome_weight())
			},
			// A trainer whose model moved on is released instead.
			Stage::Training { .. } => T::WeightInfo::trainer_timeout()
				.saturating_add(Self::outcome_weight())
				.max(Self::release_weight(slots)),
			Stage::Evaluating(e) if e.panel.len() < n as usize => {
				// A draw that falls short at its deadline ends the job instead.
				T::WeightInfo::draw_evaluators(n, T::MaxEvaluatorPool::get())
					.max(Self::finalize_weight(n, slots))
			},
			Stage::Evaluating(_) => Self::finalize_weight(n, slots),
		})
	}

	/// Handle job `id`, whose agenda entry at `at` is due.
	pub(crate) fn attend(id: JobId, at: BlockNumberFor<T>) {
		let Some(mut job) = Jobs::<T>::get(id) else {
			Self::unschedule(id, at);
			return;
		};
		Self::unschedule(id, job.due);
		let now = Self::now();
		match job.stage.clone() {
			Stage::Open { .. } => {
				Self::remove(id, &job, job.held(), JobOutcome::Expired);
				Self::deposit_event(Event::JobExpired { job: id });
			},
			Stage::Training { trainer, revision, .. } => Self::time_out(id, job, trainer, revision),
			Stage::Evaluating(e) if e.panel.len() < job.spec.evaluators as usize => {
				if !Self::draw(id, &mut job) {
					if now >= e.commit_deadline {
						Self::no_quorum(id, job);
						return;
					}
					let retry = Self::after(T::RedrawInterval::get()).min(e.commit_deadline);
					Self::schedule(id, &mut job, retry);
				}
				Jobs::<T>::insert(id, job);
			},
			Stage::Evaluating(_) => Self::finalize(id, job),
		}
	}

	/// The trainer of job `id` missed its submission deadline: slash it, pay it the poster's
	/// timeout deposit, and reopen the job with a new deposit, or close it after `MaxTimeouts`
	/// missed deadlines or when the poster cannot hold a new deposit.
	///
	/// If the model moved on since the trainer accepted (`revision`), whatever it trained is
	/// moot, exactly as when it submits it (see `submit_result`): it is released without a
	/// slash, so that submitting junk after the model moved on changes nothing for it.
	fn time_out(id: JobId, mut job: Job<T>, trainer: T::AccountId, revision: u32) {
		let now = T::Gate::state(job.spec.model).map(|s| s.revision);
		if now.is_some_and(|now| now > revision) {
			return Self::release_superseded(id, job, trainer);
		}
		Self::judge_worker(&trainer, job.trainer_collateral, Some(SlashReason::MissedDeadline));
		let unpaid = Self::pay(id, &job.poster, &trainer, job.deposit);
		job.deposit = unpaid;
		job.timeouts = job.timeouts.saturating_add(1);
		let deposit = T::TimeoutDeposit::get().saturating_sub(job.deposit);
		let reopen = job.timeouts < T::MaxTimeouts::get()
			&& T::Currency::hold(&HoldReason::Escrow.into(), &job.poster, deposit).is_ok();
		if !reopen {
			Self::deposit_event(Event::JobClosed { job: id, timeouts: job.timeouts });
			Self::remove(id, &job, job.held(), JobOutcome::Closed);
			return;
		}
		job.deposit = T::TimeoutDeposit::get();
		let deadline = Self::after(job.spec.windows.accept);
		job.stage = Stage::Open { deadline };
		Self::schedule(id, &mut job, deadline);
		Jobs::<T>::insert(id, job);
		Self::deposit_event(Event::TrainerTimedOut { job: id, trainer, deadline });
	}

	/// The model moved on while `trainer` trained job `id` (whose agenda entry is already
	/// removed): release it without a slash, and reopen the job for a trainer of the new state,
	/// or void it (everything refunded) when its own base block was replaced.
	pub(crate) fn release_superseded(id: JobId, mut job: Job<T>, trainer: T::AccountId) {
		Self::unassign(&trainer, job.trainer_collateral);
		if !Self::base_is_current(&job.spec) {
			Self::remove(id, &job, job.held(), JobOutcome::Voided);
			return Self::deposit_event(Event::JobVoided { job: id });
		}
		let deadline = Self::after(job.spec.windows.accept);
		job.stage = Stage::Open { deadline };
		Self::schedule(id, &mut job, deadline);
		Jobs::<T>::insert(id, job);
		Self::deposit_event(Event::TrainingSuperseded { job: id, trainer, deadline });
	}

	// --- The draw --------------------------------------------------------------------------

	/// Fill the panel of `job` with evaluators drawn from the parent block's hash (see the
	/// crate docs on randomness), each committing the job's evaluator collateral. Returns whether the
	/// panel is complete; then the commit and reveal windows start and the job is scheduled
	/// at the reveal deadline.
	pub(crate) fn draw(id: JobId, job: &mut Job<T>) -> bool {
		let wanted = job.spec.evaluators as usize;
		let windows = job.spec.windows;
		let collateral = job.evaluator_collateral;
		let Stage::Evaluating(e) = &mut job.stage else { return false };
		let seed = sp_crypto_hashing::blake2_256(
			&(frame_system::Pallet::<T>::parent_hash(), id, &e.submission.candidates).encode(),
		);
		let mut exclude: Vec<T::AccountId> = e.panel.iter().map(|s| s.evaluator.clone()).collect();
		exclude.push(e.trainer.clone());
		exclude.push(job.poster.clone());
		let pool_fixed_at = e.submitted_at;
		for evaluator in
			T::Registry::sample(Role::Evaluator, wanted as u32, &seed, &exclude, pool_fixed_at)
		{
			if e.panel.len() >= wanted {
				break;
			}
			// An evaluator without enough free stake is passed over.
			if Self::assign(&evaluator, collateral).is_ok() {
				let seat = Seat { evaluator, commitment: None, attestation: None };
				if e.panel.try_push(seat).is_err() {
					break;
				}
			}
		}
		e.seed = seed;
		if e.panel.len() < wanted {
			return false;
		}
		e.commit_deadline = Self::after(windows.commit);
		e.reveal_deadline = e.commit_deadline.saturating_add(windows.reveal.into());
		let event = Event::EvaluatorsDrawn {
			job: id,
			evaluators: BoundedVec::truncate_from(
				e.panel.iter().map(|s| s.evaluator.clone()).collect(),
			),
			seed,
			commit_deadline: e.commit_deadline,
			reveal_deadline: e.reveal_deadline,
		};
		let reveal_deadline = e.reveal_deadline;
		Self::schedule(id, job, reveal_deadline);
		Self::deposit_event(event);
		true
	}

	// --- Verdicts --------------------------------------------------------------------------

	/// Judge a job under evaluation (its agenda entry already removed) and settle its escrow.
	pub(crate) fn finalize(id: JobId, job: Job<T>) {
		let Stage::Evaluating(e) = &job.stage else {
			frame_support::defensive!("finalize called on a job not under evaluation");
			return;
		};
		if e.panel.len() < job.spec.evaluators as usize {
			return Self::no_quorum(id, job);
		}
		let moved =
			T::Gate::state(job.spec.model).map(|s| s.revision) != Some(e.submission.revision);
		if moved && !e.context_held {
			// Another candidate of the model was adopted before the attestations were bound:
			// the state the candidate was trained and scored in is gone, so its scores and
			// replays judge nothing.
			Self::dissolve(id, job, JobOutcome::Voided);
			return Self::deposit_event(Event::JobVoided { job: id });
		}
		let candidates = e.submission.candidates.clone();
		let attestations: Vec<_> = e.panel.iter().map(|s| s.attestation).collect();
		let rules = Rules {
			base_score: job.base_score,
			delta: job.delta,
			tolerance: T::ScoreTolerance::get(),
		};
		let verdict = settle(e.submission.claim.revealed(), &attestations, rules, job.escrow());
		// The model moved on after the attestations were bound (a late reveal, or a claim
		// withheld until the deadline): they still judge the trainer and the evaluators, but
		// the gain was measured against a state that is gone, so nothing is adopted; the same
		// when another candidate for the slot was adopted since this one was proposed. The
		// reward then goes back to the poster.
		let adopted = verdict.adopt && !moved && Self::adopt(&candidates, verdict.median);
		if !adopted {
			Self::reject_all(&candidates);
		}

		// The honest evaluators: paid, credited, and the provers of a fraud the verdict finds.
		let honest: Vec<T::AccountId> = e
			.panel
			.iter()
			.zip(&verdict.evaluators)
			.filter(|(_, v)| **v == EvaluatorVerdict::Honest)
			.map(|(seat, _)| seat.evaluator.clone())
			.collect();

		// What cannot be paid (see `pay`) is refunded, and so is the timeout deposit.
		let mut refund = verdict.refund.saturating_add(job.deposit);
		if adopted {
			let proposers = Self::dataset_proposers(&job);
			refund.saturating_accrue(Self::pay_trainer_and_data(
				id,
				&job,
				&e.trainer,
				verdict.pay_trainer,
				&proposers,
			));
			// A base without a score (`Score::MAX`) measures no gain: the adoption earns as one
			// that cleared the delta exactly, not as one of four billion micro-nats.
			let gain = if job.base_score == Score::MAX {
				job.delta
			} else {
				job.base_score.saturating_sub(verdict.median.unwrap_or(job.base_score))
			};
			T::Credits::mint(
				&e.trainer,
				Contribution::Adoption { job: id, gain, delta: job.delta },
			);
			// A dataset without a usable proposer leaves its part to the trainer, as in the
			// poster's reward.
			let datasets: Vec<(T::AccountId, u32)> = proposers
				.into_iter()
				.zip(job.spec.datasets.iter().map(|d| d.parts))
				.map(|(proposer, parts)| (proposer.unwrap_or_else(|| e.trainer.clone()), parts))
				.collect();
			T::Rewards::reward_adoption(
				RewardCause::Job(id),
				gain,
				job.delta,
				job.trainer_collateral.saturated_into(),
				Rewardees { trainer: &e.trainer, evaluators: &honest, datasets: &datasets },
			);
			// Evaluation credits only for an adoption: a junk submission that is merely not
			// adopted must not buy its own (Sybil) panel credits for the price of its fees.
			for who in &honest {
				T::Credits::mint(who, Contribution::Evaluation { job: id });
			}
		} else {
			refund.saturating_accrue(verdict.pay_trainer);
		}
		for ((seat, v), amount) in
			e.panel.iter().zip(&verdict.evaluators).zip(&verdict.pay_evaluators)
		{
			refund.saturating_accrue(Self::pay(id, &job.poster, &seat.evaluator, *amount));
			let slash = match v {
				EvaluatorVerdict::Honest => None,
				EvaluatorVerdict::Outlier => Some(SlashReason::EvaluatorOutlier),
				EvaluatorVerdict::MissedReveal => Some(SlashReason::MissedReveal),
			};
			Self::judge_worker(&seat.evaluator, job.evaluator_collateral, slash);
		}
		refund.saturating_accrue(Self::pay(id, &job.poster, &T::Treasury::get(), verdict.fee));

		let trainer_slash = match verdict.trainer {
			TrainerVerdict::ClaimRefuted => Some(Some(SlashReason::ClaimRefuted)),
			TrainerVerdict::ClaimWithheld => Some(Some(SlashReason::ClaimWithheld)),
			TrainerVerdict::ReplayFailed => Some(Some(SlashReason::ProvenFraud)),
			TrainerVerdict::Adopted | TrainerVerdict::NotAdopted => Some(None),
			TrainerVerdict::Unjudged => None,
		};
		// The honest evaluators proved the fault (their median refuted the claim or judged a
		// withheld one, or their replays failed): they share the reporter's part of the trainer's slash.
		let provers: Vec<&T::AccountId> = honest.iter().collect();
		match trainer_slash {
			Some(Some(reason)) => {
				Self::unassign(&e.trainer, job.trainer_collateral);
				Self::slash_for(&e.trainer, job.trainer_collateral, reason, &provers);
				T::Registry::record_outcome(&e.trainer, Outcome::Failure);
				// A withheld claim proves nothing false: no fraud credits for it (a trainer
				// could withhold on purpose to credit its own evaluators). The provers of a
				// refuted or unreplayable claim share one fraud's credits.
				if reason != SlashReason::ClaimWithheld {
					let count = provers.len() as u32;
					for prover in &provers {
						T::Credits::mint(
							prover,
							Contribution::FraudProven { job: id, provers: count },
						);
					}
				}
			},
			Some(None) => Self::judge_worker(&e.trainer, job.trainer_collateral, None),
			None => Self::unassign(&e.trainer, job.trainer_collateral),
		}
		let refuted = matches!(
			verdict.trainer,
			TrainerVerdict::ClaimRefuted
				| TrainerVerdict::ClaimWithheld
				| TrainerVerdict::ReplayFailed
		);
		Self::deposit_event(Event::JobFinalized {
			job: id,
			candidates,
			median: verdict.median,
			adopted,
			refuted,
		});
		let outcome = JobOutcome::Finalized { adopted, refuted, median: verdict.median };
		Self::remove(id, &job, refund, outcome);
	}

	/// Adopt every candidate of a job with the attested `median`, or none: when one cannot be
	/// adopted (another candidate took its slot since), every adoption is undone.
	fn adopt(candidates: &[H256], median: Option<Score>) -> bool {
		let score = median.unwrap_or(0);
		frame_support::storage::with_storage_layer(|| -> DispatchResult {
			candidates.iter().try_for_each(|&candidate| T::Gate::accept(candidate, score))
		})
		.is_ok()
	}

	/// Refuse every candidate of a job still pending (none is when they were adopted).
	fn reject_all(candidates: &[H256]) {
		for &candidate in candidates {
			let _ = T::Gate::reject(candidate);
		}
	}

	/// The panel could not be completed in time: nobody is judged.
	fn no_quorum(id: JobId, job: Job<T>) {
		let Stage::Evaluating(e) = &job.stage else { return };
		Self::deposit_event(Event::NoQuorum {
			job: id,
			candidates: e.submission.candidates.clone(),
		});
		Self::dissolve(id, job, JobOutcome::NoQuorum);
	}

	/// End an evaluation without a verdict: reject the candidate, release everyone's
	/// collateral and refund the whole escrow.
	fn dissolve(id: JobId, job: Job<T>, outcome: JobOutcome) {
		let Stage::Evaluating(e) = &job.stage else { return };
		Self::reject_all(&e.submission.candidates);
		for seat in &e.panel {
			Self::unassign(&seat.evaluator, job.evaluator_collateral);
		}
		Self::unassign(&e.trainer, job.trainer_collateral);
		Self::remove(id, &job, job.held(), outcome);
	}

	/// Release `who`'s collateral for one assignment, slash it for `fault` if any, and record
	/// the outcome in the registry.
	fn judge_worker(who: &T::AccountId, collateral: BalanceOf<T>, fault: Option<SlashReason>) {
		// Release first: a slash shrinks the active stake but would leave this job's share
		// counted as committed.
		Self::unassign(who, collateral);
		match fault {
			Some(reason) => {
				T::Stake::slash(who, collateral, reason, None);
				T::Registry::record_outcome(who, Outcome::Failure);
			},
			None => T::Registry::record_outcome(who, Outcome::Success),
		}
	}

	/// Slash `amount` of `who`'s stake for `reason`, in equal parts (the last takes the
	/// remainder) each naming one of `reporters`, who is paid the reporter's share of its part.
	fn slash_for(
		who: &T::AccountId,
		amount: BalanceOf<T>,
		reason: SlashReason,
		reporters: &[&T::AccountId],
	) {
		let Some((last, others)) = reporters.split_last() else {
			T::Stake::slash(who, amount, reason, None);
			return;
		};
		let part = amount / BalanceOf::<T>::from(reporters.len() as u32);
		for reporter in others {
			T::Stake::slash(who, part, reason, Some(*reporter));
		}
		let rest = amount.saturating_sub(part.saturating_mul((others.len() as u32).into()));
		T::Stake::slash(who, rest, reason, Some(*last));
	}

	// --- Escrow ----------------------------------------------------------------------------

	/// Pay an adopted job's trainer `pay_trainer`, less the data contributors' share
	/// ([`Config::DataShare`], split by the datasets' parts of the mix), which goes to the
	/// datasets' proposers. A dataset no longer usable (quarantined since the posting) or
	/// without a proposer (a job posted before the Datasets pallet) leaves its part to the
	/// trainer. Returns what could not be paid.
	fn pay_trainer_and_data(
		id: JobId,
		job: &Job<T>,
		trainer: &T::AccountId,
		pay_trainer: BalanceOf<T>,
		proposers: &[Option<T::AccountId>],
	) -> BalanceOf<T> {
		let parts: Vec<u32> = job.spec.datasets.iter().map(|d| d.parts).collect();
		let (mut trainer_part, data_parts) = data_rewards(pay_trainer, T::DataShare::get(), &parts);
		let mut unpaid = BalanceOf::<T>::zero();
		for ((dataset, amount), proposer) in job.spec.datasets.iter().zip(data_parts).zip(proposers)
		{
			let Some(proposer) = proposer.clone() else {
				trainer_part.saturating_accrue(amount);
				continue;
			};
			if amount.is_zero() || proposer == job.poster {
				unpaid.saturating_accrue(amount);
			} else if Self::transfer_escrow(&job.poster, &proposer, amount) {
				Self::deposit_event(Event::DataRewardPaid {
					job: id,
					dataset: dataset.id,
					who: proposer,
					amount,
				});
			} else {
				unpaid.saturating_accrue(amount);
			}
		}
		unpaid.saturating_add(Self::pay(id, &job.poster, trainer, trainer_part))
	}

	/// The proposer of each of `job`'s datasets, in the job's order: `None` for a dataset no
	/// longer usable (quarantined since the posting) or without a proposer (a job posted before
	/// the Datasets pallet).
	fn dataset_proposers(job: &Job<T>) -> Vec<Option<T::AccountId>> {
		job.spec
			.datasets
			.iter()
			.map(|dataset| T::Datasets::usable(dataset.id, true).ok().map(|usable| usable.proposer))
			.collect()
	}

	/// Move `amount` of the escrow held from `poster` to `who`; whether it moved.
	fn transfer_escrow(poster: &T::AccountId, who: &T::AccountId, amount: BalanceOf<T>) -> bool {
		T::Currency::transfer_on_hold(
			&HoldReason::Escrow.into(),
			poster,
			who,
			amount,
			Precision::Exact,
			Restriction::Free,
			Fortitude::Polite,
		)
		.is_ok()
	}

	/// Pay `amount` of the escrow held from `poster` to `who`. Returns what could not be paid:
	/// nothing, or all of it when the transfer is impossible (e.g. it would leave `who` below
	/// the existential deposit) or `who` is the poster itself; the caller refunds that.
	fn pay(
		id: JobId,
		poster: &T::AccountId,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> BalanceOf<T> {
		if amount.is_zero() || who == poster || !Self::transfer_escrow(poster, who, amount) {
			return amount;
		}
		Self::deposit_event(Event::Paid { job: id, who: who.clone(), amount });
		Zero::zero()
	}

	/// Remove a job from storage, returning `refund` of its escrow to the poster, and record how
	/// it ended while its id is among the last `OutcomesKept` (a job that outlived that many
	/// later posts keeps no outcome, so that `Outcomes` never holds more than that).
	pub(crate) fn remove(id: JobId, job: &Job<T>, refund: BalanceOf<T>, outcome: JobOutcome) {
		if id.saturating_add(T::OutcomesKept::get().into()) >= NextJobId::<T>::get() {
			Outcomes::<T>::insert(id, outcome);
		}
		if !refund.is_zero() {
			let released = T::Currency::release(
				&HoldReason::Escrow.into(),
				&job.poster,
				refund,
				Precision::BestEffort,
			)
			.unwrap_or_default();
			Self::deposit_event(Event::Refunded {
				job: id,
				who: job.poster.clone(),
				amount: released,
			});
		}
		Jobs::<T>::remove(id);
		LiveJobs::<T>::mutate(|n| *n = n.saturating_sub(1));
		JobsOfPoster::<T>::mutate_exists(&job.poster, |n| {
			*n = n.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0);
		});
	}
}
