//! The epoch's transitions, one per block at most, in `on_initialize`.

use super::*;
use aiblock_primitives::{
	rewards::{RewardCause, Rewardees},
	stake::SlashReason,
	workers::Outcome as WorkOutcome,
};

impl<T: Config> Pallet<T> {
	/// Move the epoch on if its phase's window is over; the weight used.
	pub(crate) fn advance(now: BlockNumberFor<T>) -> Weight {
		let Some(epoch) = Epoch::<T>::get() else {
			Self::open_epoch(0, now);
			return T::WeightInfo::open_epoch();
		};
		if now <= epoch.until {
			return T::DbWeight::get().reads(1);
		}
		let index = epoch.index;
		match epoch.phase {
			Phase::Proposing => {
				Self::select(index, now);
				// Each proposal returns its endorsements: the cost grows with their product,
				// which the benchmark's additive fit would underestimate.
				T::WeightInfo::select(1, T::MaxEndorsements::get())
					.saturating_mul(T::MaxProposals::get().into())
			},
			Phase::Reserving { proposal } => {
				Self::close_bids(index, proposal, now);
				T::WeightInfo::close_bids(T::MaxBids::get())
					.saturating_add(T::Models::current_blocks_weight())
					.saturating_add(T::DbWeight::get().reads_writes(1, 1))
			},
			Phase::Training { proposal, trainer } => {
				Self::draw_panel(index, proposal, trainer, now);
				T::WeightInfo::draw_panel(T::MaxEvaluatorPool::get())
			},
			Phase::Benchmarking { proposal, trainer, .. } => {
				Self::conclude(index, proposal, trainer, now);
				// The measured conclusion promotes a model of the benchmark runtime's size; the
				// registry's worst-case import is added on top.
				T::WeightInfo::conclude().saturating_add(T::Models::promote_weight())
			},
			Phase::Cleanup { .. } => {
				Self::open_epoch(index.saturating_add(1), now);
				T::WeightInfo::open_epoch()
			},
		}
	}

	/// The last block of a phase of `window` blocks starting at `now` (at least `now`).
	fn until(now: BlockNumberFor<T>, window: BlockNumberFor<T>) -> BlockNumberFor<T> {
		now.saturating_add(window.max(1u32.into())).saturating_sub(1u32.into())
	}

	fn set_phase(index: EpochIndex, phase: PhaseOf<T>, until: BlockNumberFor<T>) {
		Epoch::<T>::put(EpochInfo { index, phase, until });
	}

	pub(crate) fn open_epoch(index: EpochIndex, now: BlockNumberFor<T>) {
		let until = Self::until(now, Self::windows().proposing);
		Self::set_phase(index, Phase::Proposing, until);
		Self::deposit_event(Event::EpochStarted { epoch: index, until });
	}

	/// End the proposals: keep the best-backed proposal that still grows the newest model into
	/// a valid successor (ties: the earlier), return every other proposal's credits.
	pub(crate) fn select(index: EpochIndex, now: BlockNumberFor<T>) {
		let newest = T::Models::newest().map(|(model, ..)| model);
		let open = Open::<T>::get();
		let mut best: Option<(ProposalId, Credits)> = None;
		for &id in open.iter() {
			let Some(proposal) = Proposals::<T>::get(id) else { continue };
			// Still a successor of the newest model, still on approved data (a dataset may have
			// been quarantined since the proposal).
			let feasible = Some(proposal.parent) == newest
				&& T::Models::check_successor(&proposal.spec).is_ok()
				&& Self::check_data(&proposal.migration, &proposal.spec.validation_dataset).is_ok();
			if feasible && best.is_none_or(|(_, backing)| proposal.backing > backing) {
				best = Some((id, proposal.backing));
			}
		}
		for &id in open.iter() {
			if best.map(|(chosen, _)| chosen) != Some(id) {
				Self::release(id);
			}
		}
		let Some((proposal, backing)) = best else {
			Open::<T>::kill();
			return Self::close(index, Outcome::NoProposal, now);
		};
		Open::<T>::put(BoundedVec::truncate_from(alloc::vec![proposal]));
		let until = Self::until(now, Self::windows().reserving);
		Self::set_phase(index, Phase::Reserving { proposal }, until);
		Self::deposit_event(Event::ProposalSelected { epoch: index, proposal, backing, until });
	}

	/// End the bids: the highest bid of a trainer still active wins (ties: the earlier); the
	/// others are returned.
	pub(crate) fn close_bids(index: EpochIndex, proposal: ProposalId, now: BlockNumberFor<T>) {
		let bids = Bids::<T>::take();
		let mut winner: Option<(T::AccountId, Credits)> = None;
		for (who, credits) in bids.iter() {
			let eligible = T::Registry::is_active(who, Role::Trainer);
			if eligible && winner.as_ref().is_none_or(|(_, best)| credits > best) {
				winner = Some((who.clone(), *credits));
			}
		}
		for (who, credits) in bids {
			if winner.as_ref().map(|(w, _)| w) != Some(&who) {
				T::Credits::unlock(&who, credits);
			}
		}
		let Some((trainer, credits)) = winner else {
			return Self::close(index, Outcome::NoTrainer, now);
		};
		// Pin the parent's blocks the grown model is built from (see [`ParentBlocks`]).
		let parent = Proposals::<T>::get(proposal).map(|record| record.parent);
		let pinned = parent
			.filter(|parent| T::Models::newest().map(|(model, ..)| model) == Some(*parent))
			.and_then(T::Models::current_blocks)
			.and_then(|blocks| BoundedVec::try_from(blocks).ok());
		let Some(pinned) = pinned else {
			T::Credits::unlock(&trainer, credits);
			return Self::close(index, Outcome::ParentReplaced, now);
		};
		ParentBlocks::<T>::put(pinned);
		Bids::<T>::put(BoundedVec::truncate_from(alloc::vec![(trainer.clone(), credits)]));
		let until = Self::until(now, Self::windows().training);
		Self::set_phase(index, Phase::Training { proposal, trainer: trainer.clone() }, until);
		Self::deposit_event(Event::TrainerReserved { epoch: index, trainer, credits, until });
	}

	/// End the training: draw the panel for the candidate, with this block's parent hash, among
	/// evaluators listed before the submission; or end the epoch without a candidate.
	pub(crate) fn draw_panel(
		index: EpochIndex,
		proposal: ProposalId,
		trainer: T::AccountId,
		now: BlockNumberFor<T>,
	) {
		let Some(candidate) = Candidate::<T>::get() else {
			// A reserved trainer that submits nothing kept the epoch from anyone else: its
			// bid pays for that.
			Self::spend_bid(&trainer);
			return Self::close(index, Outcome::NoCandidate, now);
		};
		let Some(record) = Proposals::<T>::get(proposal) else {
			return Self::close(index, Outcome::NoProposal, now);
		};
		if T::Models::newest().map(|(model, ..)| model) != Some(record.parent) {
			return Self::close(index, Outcome::ParentReplaced, now);
		}
		// The panel's and the replay's seed: unknown to the trainer when it submitted.
		let seed = sp_crypto_hashing::blake2_256(
			&(frame_system::Pallet::<T>::parent_hash(), index, candidate.manifest.hash).encode(),
		);
		let size = T::PanelSize::get();
		let exclude = [trainer.clone(), record.proposer];
		let drawn =
			T::Registry::sample(Role::Evaluator, size, &seed, &exclude, candidate.submitted_at);
		if (drawn.len() as u32) < size {
			return Self::close(index, Outcome::NoPanel, now);
		}
		let seats: Vec<_> = drawn
			.iter()
			.map(|evaluator| Seat {
				evaluator: evaluator.clone(),
				commitment: None,
				benchmark: None,
			})
			.collect();
		Panel::<T>::put(BoundedVec::truncate_from(seats));
		let commit_until = Self::until(now, Self::windows().commit);
		let until = commit_until.saturating_add(Self::windows().reveal.max(1u32.into()));
		Self::set_phase(
			index,
			Phase::Benchmarking { proposal, trainer, commit_until, seed },
			until,
		);
		Self::deposit_event(Event::PanelDrawn {
			epoch: index,
			panel: BoundedVec::truncate_from(drawn),
			commit_until,
			until,
		});
	}

	/// End the benchmarks: judge the candidate and promote it, or keep the parent.
	pub(crate) fn conclude(
		index: EpochIndex,
		proposal: ProposalId,
		trainer: T::AccountId,
		now: BlockNumberFor<T>,
	) {
		let panel = Panel::<T>::get();
		let (Some(candidate), Some(record)) =
			(Candidate::<T>::get(), Proposals::<T>::get(proposal))
		else {
			return Self::close(index, Outcome::NoCandidate, now);
		};
		let mut revealed = Vec::with_capacity(panel.len());
		for seat in panel.iter() {
			match seat.benchmark {
				Some(benchmark) => revealed.push((seat.evaluator.clone(), benchmark)),
				None => {
					T::Stake::slash(
						&seat.evaluator,
						T::EvaluatorPenalty::get(),
						SlashReason::MissedReveal,
						None,
					);
					T::Registry::record_outcome(&seat.evaluator, WorkOutcome::Failure);
				},
			}
		}
		let newest = T::Models::newest();
		let Some(parent_score) = newest
			.filter(|(model, ..)| *model == record.parent)
			.map(|(_, _, score)| score.unwrap_or(0))
		else {
			return Self::close(index, Outcome::ParentReplaced, now);
		};
		let benchmarks: Vec<Benchmark> = revealed.iter().map(|(_, b)| *b).collect();
		let min_gain = T::MinRelativeGain::get();
		let verdict =
			aiblock_primitives::evolution::judge(&benchmarks, panel.len(), parent_score, min_gain);
		// Who agreed with the verdict: the failed replays when the replay failed, the
		// reproduced ones otherwise.
		let fraud = verdict == Verdict::ReplayFailed;
		let (honest, dissent): (Vec<_>, Vec<_>) =
			revealed.iter().partition(|(_, b)| b.replay_ok != fraud);
		for (who, _) in &dissent {
			T::Registry::record_outcome(who, WorkOutcome::Failure);
		}
		let honest: Vec<T::AccountId> = honest.into_iter().map(|(who, _)| who.clone()).collect();
		if verdict != Verdict::NoQuorum {
			for who in &honest {
				T::Registry::record_outcome(who, WorkOutcome::Success);
				T::Credits::mint(who, Contribution::EpochEvaluation { epoch: index });
			}
		}
		let outcome = match verdict {
			Verdict::Promoted { validation, held_out } => {
				match T::Models::promote(
					record.spec,
					&candidate.blocks,
					validation,
					candidate.manifest,
				) {
					Ok(model) => {
						T::Credits::mint(
							&record.proposer,
							Contribution::MigrationPromoted { epoch: index },
						);
						T::Credits::mint(&trainer, Contribution::EpochTraining { epoch: index });
						T::Registry::record_outcome(&trainer, WorkOutcome::Success);
						T::Rewards::reward_adoption(
							RewardCause::Epoch(index),
							parent_score.saturating_sub(validation),
							min_gain.mul_ceil(parent_score),
							// No more than the trainer stood to lose on a false submission.
							T::TrainerPenalty::get(),
							Rewardees { trainer: &trainer, evaluators: &honest, datasets: &[] },
						);
						Self::deposit_event(Event::MigrationPromoted {
							epoch: index,
							model,
							validation,
							held_out,
						});
						Outcome::Promoted { model }
					},
					Err(_) => Outcome::ParentReplaced,
				}
			},
			Verdict::ReplayFailed => {
				// The provers (the failed replays) proved the fraud; the first named is paid
				// the reporter's share of the slash.
				T::Stake::slash(
					&trainer,
					T::TrainerPenalty::get(),
					SlashReason::ProvenFraud,
					honest.first(),
				);
				T::Registry::record_outcome(&trainer, WorkOutcome::Failure);
				let provers = honest.len() as u32;
				for who in &honest {
					T::Credits::mint(who, Contribution::EpochFraudProven { epoch: index, provers });
				}
				Self::spend_bid(&trainer);
				Outcome::Rejected { verdict }
			},
			Verdict::TooLittleGain { .. } | Verdict::NoQuorum => Outcome::Rejected { verdict },
		};
		Self::close(index, outcome, now);
	}

	/// Destroy `trainer`'s locked bid (it failed the epoch).
	fn spend_bid(trainer: &T::AccountId) {
		let bids = Bids::<T>::take();
		for (who, credits) in bids {
			if who == *trainer {
				T::Credits::spend_locked(&who, credits);
			} else {
				T::Credits::unlock(&who, credits);
			}
		}
	}

	/// Return a proposal's deposit and endorsements, and forget it.
	fn release(id: ProposalId) {
		let Some(proposal) = Proposals::<T>::take(id) else { return };
		T::Credits::unlock(&proposal.proposer, proposal.deposit);
		for (who, credits) in proposal.endorsements {
			T::Credits::unlock(&who, credits);
		}
	}

	/// End the epoch with `outcome`: return every credit still locked for it, clear its
	/// records, and wait [`Config::CleanupWindow`] before the next epoch.
	pub(crate) fn close(index: EpochIndex, outcome: Outcome, now: BlockNumberFor<T>) {
		for id in Open::<T>::take() {
			Self::release(id);
		}
		for (who, credits) in Bids::<T>::take() {
			T::Credits::unlock(&who, credits);
		}
		Candidate::<T>::kill();
		Panel::<T>::kill();
		ParentBlocks::<T>::kill();
		if !matches!(outcome, Outcome::Promoted { .. }) {
			Self::deposit_event(Event::MigrationRejected { epoch: index, outcome });
		}
		let until = Self::until(now, Self::windows().cleanup);
		Self::set_phase(index, Phase::Cleanup { outcome }, until);
		Self::deposit_event(Event::EpochClosed { epoch: index, outcome, until });
	}
}
