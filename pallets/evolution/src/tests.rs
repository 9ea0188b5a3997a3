//! The Evolution pallet against the real registry, stake, credits and model DAG: every phase
//! transition, every outcome, and every call's bad input.

use crate::{
	mock::*, Bids, Candidate, Epoch, Error, Event, Open, Outcome, Panel, ParentBlocks, Phase,
	Proposals,
};
use aiblock_primitives::{
	credits::CreditAccount,
	dag::BlockKind,
	evolution::{Growth, HeldOut, ModelRegistry, Verdict},
	stake::StakeInspect,
};
use frame_support::{assert_noop, assert_ok, BoundedVec};
use sp_core::H256;

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Evolution(e) => Some(e),
			_ => None,
		})
		.collect()
}

fn phase() -> Phase<AccountId, u64> {
	Epoch::<Test>::get().unwrap().phase
}

fn credits(who: AccountId) -> CreditAccount {
	PolCredits::credits(&who)
}

/// The grown spec of the doubling migration.
fn doubled() -> aiblock_primitives::dag::ModelSpec {
	Growth::DoubleExperts { noise_ppm: 0 }.grown_spec(&parent_spec()).unwrap()
}

/// Propose the doubling, endorse it, and take the epoch to its Training phase with `TRAINER`.
fn to_training() {
	assert_ok!(Evolution::propose(signed(PROPOSER), doubling()));
	assert_ok!(Evolution::endorse(signed(ENDORSER), 0, 300));
	end_phase();
	assert_ok!(Evolution::reserve(signed(TRAINER), 50));
	end_phase();
	assert!(matches!(phase(), Phase::Training { trainer: TRAINER, .. }));
}

/// Submit the grown model, draw the panel, and have each member commit and reveal `benches`
/// (`None`: silent). Returns the panel.
fn benchmark_with(benches: &[Option<aiblock_primitives::evolution::Benchmark>]) -> Vec<AccountId> {
	let blocks = BoundedVec::truncate_from(blocks_of(&doubled(), 100));
	assert_ok!(Evolution::submit_migration(signed(TRAINER), blocks, payload(200)));
	end_phase();
	let panel: Vec<_> = Panel::<Test>::get().iter().map(|s| s.evaluator).collect();
	assert_eq!(panel.len(), 3);
	for (who, b) in panel.iter().zip(benches) {
		if let Some(b) = b {
			assert_ok!(Evolution::commit_benchmark(signed(*who), commitment(*who, b)));
		}
	}
	let Phase::Benchmarking { commit_until, .. } = phase() else { panic!("{:?}", phase()) };
	run_to_block(commit_until + 1);
	for (who, b) in panel.iter().zip(benches) {
		if let Some(b) = b {
			assert_ok!(Evolution::reveal_benchmark(signed(*who), *b, salt(*who)));
		}
	}
	end_phase();
	panel
}

#[test]
fn an_epoch_runs_from_proposal_to_promotion() {
	build_and_execute(|| {
		assert_eq!(events(), [Event::EpochStarted { epoch: 0, until: PROPOSING }]);
		to_training();
		// The proposer's deposit, the endorsement and the bid are locked.
		assert_eq!(credits(PROPOSER).locked, DEPOSIT);
		assert_eq!(credits(ENDORSER).locked, 300);
		assert_eq!(credits(TRAINER).locked, 50);
		let panel = benchmark_with(&[Some(benchmark(1_600_000, 1_650_000, true)); 3]);

		// Model 1 is the grown model, with every block the trainer submitted.
		let (model, spec, score) = ExpertDag::newest().unwrap();
		assert_eq!((model, spec.clone(), score), (1, doubled(), Some(1_600_000)));
		assert_eq!((spec.experts, spec.top_k, spec.generation), (8, 4, 1));
		assert_eq!(ExpertDag::current_blocks(1).len(), doubled().param_block_count() as usize);
		assert!(events().contains(&Event::MigrationPromoted {
			epoch: 0,
			model: 1,
			validation: 1_600_000,
			held_out: 1_650_000
		}));
		assert_eq!(phase(), Phase::Cleanup { outcome: Outcome::Promoted { model: 1 } });
		// Every locked credit is back, and the contributions earned theirs.
		assert_eq!(credits(PROPOSER), CreditAccount { free: STARTING_CREDITS + 200, locked: 0 });
		assert_eq!(credits(ENDORSER), CreditAccount { free: STARTING_CREDITS, locked: 0 });
		assert_eq!(credits(TRAINER), CreditAccount { free: STARTING_CREDITS + 1_000, locked: 0 });
		for who in panel {
			assert_eq!(credits(who), CreditAccount { free: 25, locked: 0 });
		}
		assert!(Proposals::<Test>::iter().next().is_none() && Open::<Test>::get().is_empty());
		// The next epoch opens after the cleanup, growing the new model.
		end_phase();
		assert_eq!(Epoch::<Test>::get().unwrap().index, 1);
		assert_eq!(phase(), Phase::Proposing);
		assert_ok!(Evolution::propose(
			signed(PROPOSER),
			migration(Growth::AddLayers { layers: 1 })
		));
		assert_eq!(Proposals::<Test>::get(1).unwrap().parent, 1);
	});
}

#[test]
fn a_candidate_short_of_the_threshold_is_rejected_and_the_credits_return() {
	build_and_execute(|| {
		to_training();
		// 10 % better: not the 15 % the runtime asks.
		benchmark_with(&[Some(benchmark(1_800_000, 1_800_000, true)); 3]);
		let verdict = Verdict::TooLittleGain { validation: 1_800_000, held_out: 1_800_000 };
		assert_eq!(phase(), Phase::Cleanup { outcome: Outcome::Rejected { verdict } });
		assert_eq!(ExpertDag::newest().unwrap().0, 0, "nothing changes");
		for who in [PROPOSER, ENDORSER, TRAINER] {
			assert_eq!(credits(who), CreditAccount { free: STARTING_CREDITS, locked: 0 });
		}
		assert!(events().contains(&Event::MigrationRejected {
			epoch: 0,
			outcome: Outcome::Rejected { verdict }
		}));
	});
}

#[test]
fn an_overfit_candidate_is_rejected_on_the_held_out_set() {
	build_and_execute(|| {
		to_training();
		benchmark_with(&[Some(benchmark(1_500_000, 1_900_000, true)); 3]);
		assert!(matches!(
			phase(),
			Phase::Cleanup {
				outcome: Outcome::Rejected { verdict: Verdict::TooLittleGain { .. } }
			}
		));
		assert_eq!(ExpertDag::newest().unwrap().0, 0);
	});
}

#[test]
fn a_failed_replay_slashes_the_trainer_spends_its_bid_and_credits_the_provers() {
	build_and_execute(|| {
		to_training();
		let failed = Some(benchmark(1_000_000, 1_000_000, false));
		let panel = benchmark_with(&[failed, failed, Some(benchmark(1_000_000, 1_000_000, true))]);
		assert_eq!(
			phase(),
			Phase::Cleanup { outcome: Outcome::Rejected { verdict: Verdict::ReplayFailed } }
		);
		assert_eq!(Stake::active_stake(&TRAINER), WORKER_BOND - TRAINER_PENALTY);
		assert_eq!(credits(TRAINER), CreditAccount { free: STARTING_CREDITS - 50, locked: 0 });
		// The two provers share one fraud's credits, besides their honest benchmarks'.
		assert_eq!(credits(panel[0]).free, 25 + 75 / 2);
		assert_eq!(credits(panel[1]).free, 25 + 75 / 2);
		assert_eq!(credits(panel[2]).free, 0, "vouched for a replay the majority could not make");
		assert_eq!(ExpertDag::newest().unwrap().0, 0);
	});
}

#[test]
fn a_silent_panel_member_is_slashed_and_two_reveals_still_decide() {
	build_and_execute(|| {
		to_training();
		let good = Some(benchmark(1_600_000, 1_600_000, true));
		let panel = benchmark_with(&[good, None, good]);
		assert_eq!(Stake::active_stake(&panel[1]), WORKER_BOND - EVALUATOR_PENALTY);
		assert_eq!(phase(), Phase::Cleanup { outcome: Outcome::Promoted { model: 1 } });
	});
}

#[test]
fn without_a_majority_of_reveals_there_is_no_verdict() {
	build_and_execute(|| {
		to_training();
		benchmark_with(&[Some(benchmark(1_600_000, 1_600_000, true)), None, None]);
		assert_eq!(
			phase(),
			Phase::Cleanup { outcome: Outcome::Rejected { verdict: Verdict::NoQuorum } }
		);
		assert_eq!(credits(TRAINER), CreditAccount { free: STARTING_CREDITS, locked: 0 });
	});
}

#[test]
fn the_best_backed_feasible_proposal_is_selected_and_the_others_are_returned_at_once() {
	build_and_execute(|| {
		assert_ok!(Evolution::propose(signed(PROPOSER), doubling()));
		assert_ok!(Evolution::propose(
			signed(ENDORSER),
			migration(Growth::AddLayers { layers: 1 })
		));
		assert_ok!(Evolution::endorse(signed(TRAINER), 1, 150));
		end_phase();
		assert_eq!(phase(), Phase::Reserving { proposal: 1 });
		assert!(events().contains(&Event::ProposalSelected {
			epoch: 0,
			proposal: 1,
			backing: DEPOSIT + 150,
			until: PROPOSING + RESERVING
		}));
		// The losing proposal's deposit is free again; the winner's stays locked.
		assert_eq!(credits(PROPOSER), CreditAccount { free: STARTING_CREDITS, locked: 0 });
		assert_eq!(credits(ENDORSER).locked, DEPOSIT);
		assert!(Proposals::<Test>::get(0).is_none());
	});
}

#[test]
fn an_epoch_without_proposals_trainers_or_a_candidate_closes_and_returns_everything() {
	build_and_execute(|| {
		end_phase();
		assert_eq!(phase(), Phase::Cleanup { outcome: Outcome::NoProposal });
		end_phase();
		// Epoch 1: a proposal, no bid.
		assert_ok!(Evolution::propose(signed(PROPOSER), doubling()));
		end_phase();
		end_phase();
		assert_eq!(phase(), Phase::Cleanup { outcome: Outcome::NoTrainer });
		assert_eq!(credits(PROPOSER).locked, 0);
		end_phase();
		// Epoch 2: a trainer that never submits loses its bid, and only its bid.
		assert_ok!(Evolution::propose(signed(PROPOSER), doubling()));
		end_phase();
		assert_ok!(Evolution::reserve(signed(TRAINER), 40));
		assert_ok!(Evolution::reserve(signed(OTHER_TRAINER), 30));
		end_phase();
		assert_eq!(credits(OTHER_TRAINER), CreditAccount { free: STARTING_CREDITS, locked: 0 });
		end_phase();
		assert_eq!(phase(), Phase::Cleanup { outcome: Outcome::NoCandidate });
		assert_eq!(credits(TRAINER), CreditAccount { free: STARTING_CREDITS - 40, locked: 0 });
		assert_eq!(credits(PROPOSER), CreditAccount { free: STARTING_CREDITS, locked: 0 });
		assert!(Bids::<Test>::get().is_empty() && Candidate::<Test>::get().is_none());
	});
}

#[test]
fn proposals_are_refused_for_what_they_get_wrong() {
	build_and_execute(|| {
		assert_noop!(
			Evolution::propose(signed(PAUPER), doubling()),
			pallet_aiblock_pol_credits::Error::<Test>::InsufficientCredits
		);
		let refused = |growth| Evolution::propose(signed(PROPOSER), migration(growth));
		assert_noop!(refused(Growth::WidenFf { d_ff: 48, noise_ppm: 0 }), Error::<Test>::BadWidth);
		assert_noop!(refused(Growth::AddLayers { layers: 0 }), Error::<Test>::NoLayers);
		assert_noop!(
			refused(Growth::DoubleExperts { noise_ppm: 1_000_000 }),
			Error::<Test>::NoiseTooLarge
		);
		// Beyond the chain's limits (4 layers): the registry's error.
		assert_noop!(
			refused(Growth::AddLayers { layers: 3 }),
			pallet_aiblock_expert_dag::Error::<Test>::SpecOutOfLimits
		);
		let mut lazy = doubling();
		lazy.steps = 0;
		assert_noop!(Evolution::propose(signed(PROPOSER), lazy), Error::<Test>::BadRecipe);
		let mut long = doubling();
		long.steps = 10_001;
		assert_noop!(Evolution::propose(signed(PROPOSER), long), Error::<Test>::BadRecipe);
		// The data: approved, named with its content, each once, the held-out set apart.
		let with_data = |edit: &dyn Fn(&mut aiblock_primitives::evolution::Migration)| {
			let mut m = doubling();
			edit(&mut m);
			Evolution::propose(signed(PROPOSER), m)
		};
		let dataset = |id, cid, parts| aiblock_primitives::jobs::JobDataset { id, cid, parts };
		assert_noop!(
			with_data(&|m| m.datasets[0] = dataset(QUARANTINED, dataset_cid(0), 1)),
			Error::<Test>::DatasetUnusable
		);
		assert_noop!(
			with_data(&|m| m.datasets[0] = dataset(APPROVED, dataset_cid(0), 1)),
			Error::<Test>::DatasetUnusable
		);
		assert_noop!(
			with_data(&|m| m.datasets[0].cid = dataset_cid(1)),
			Error::<Test>::DatasetContentMismatch
		);
		assert_noop!(with_data(&|m| m.datasets[0].parts = 0), Error::<Test>::BadMix);
		assert_noop!(
			with_data(&|m| m.datasets.try_push(dataset(0, dataset_cid(0), 2)).unwrap()),
			Error::<Test>::BadMix
		);
		assert_noop!(
			with_data(&|m| m.held_out = HeldOut { id: 0, cid: dataset_cid(0) }),
			Error::<Test>::HeldOutTrainedOn
		);
		assert_noop!(
			with_data(&|m| m.held_out.cid = dataset_cid(3)),
			Error::<Test>::DatasetContentMismatch
		);
		assert_noop!(
			with_data(&|m| m.held_out = HeldOut { id: QUARANTINED, cid: dataset_cid(7) }),
			Error::<Test>::DatasetUnusable
		);
		// Neither trained on nor held out: the model's validation set.
		assert_noop!(
			with_data(&|m| m.held_out.cid = parent_spec().validation_dataset),
			Error::<Test>::ValidationInRecipe
		);
		assert_noop!(
			with_data(&|m| m.datasets[0].cid = parent_spec().validation_dataset),
			Error::<Test>::ValidationInRecipe
		);
		// The run: its checkpoints, its batch, and time for the slowest worker the chain
		// protects to train it in the training window and replay it in the commit window.
		assert_noop!(with_data(&|m| m.hyper.checkpoint_every = 0), Error::<Test>::BadRecipe);
		assert_noop!(
			with_data(&|m| m.hyper.checkpoint_every = 1),
			Error::<Test>::TooManyCheckpoints
		);
		assert_noop!(
			with_data(&|m| m.hyper.batch_size = (1 << 16) + 1),
			Error::<Test>::BatchTooLarge
		);
		assert_noop!(
			with_data(&|m| {
				m.steps = 10_000;
				m.hyper.batch_size = 1 << 16;
				m.hyper.checkpoint_every = 1_000;
			}),
			Error::<Test>::RecipeTooLong
		);
		for who in [PROPOSER, ENDORSER, TRAINER] {
			assert_ok!(Evolution::propose(signed(who), doubling()));
		}
		assert_noop!(
			Evolution::propose(signed(OTHER_TRAINER), doubling()),
			Error::<Test>::TooManyProposals
		);
		// Outside the proposing window.
		end_phase();
		assert_noop!(
			Evolution::propose(signed(OTHER_TRAINER), doubling()),
			Error::<Test>::WrongPhase
		);
	});
}

#[test]
fn endorsements_are_refused_for_what_they_get_wrong() {
	build_and_execute(|| {
		assert_ok!(Evolution::propose(signed(PROPOSER), doubling()));
		assert_noop!(Evolution::endorse(signed(PROPOSER), 0, 10), Error::<Test>::OwnProposal);
		assert_noop!(Evolution::endorse(signed(ENDORSER), 9, 10), Error::<Test>::UnknownProposal);
		assert_noop!(Evolution::endorse(signed(ENDORSER), 0, 0), Error::<Test>::ZeroAmount);
		assert_noop!(
			Evolution::endorse(signed(ENDORSER), 0, STARTING_CREDITS + 1),
			pallet_aiblock_pol_credits::Error::<Test>::InsufficientCredits
		);
		assert_ok!(Evolution::endorse(signed(ENDORSER), 0, 10));
		assert_noop!(Evolution::endorse(signed(ENDORSER), 0, 10), Error::<Test>::AlreadyEndorsed);
		assert_ok!(Evolution::endorse(signed(TRAINER), 0, 10));
		assert_noop!(
			Evolution::endorse(signed(OTHER_TRAINER), 0, 10),
			Error::<Test>::TooManyEndorsements
		);
		assert_eq!(Proposals::<Test>::get(0).unwrap().backing, DEPOSIT + 20);
		end_phase();
		assert_noop!(Evolution::endorse(signed(OTHER_TRAINER), 0, 10), Error::<Test>::WrongPhase);
	});
}

#[test]
fn bids_are_refused_for_what_they_get_wrong_and_the_highest_wins() {
	build_and_execute(|| {
		assert_noop!(Evolution::reserve(signed(TRAINER), 50), Error::<Test>::WrongPhase);
		assert_ok!(Evolution::propose(signed(PROPOSER), doubling()));
		end_phase();
		assert_noop!(Evolution::reserve(signed(PROPOSER), 50), Error::<Test>::NotATrainer);
		assert_noop!(Evolution::reserve(signed(EVALUATORS[0]), 50), Error::<Test>::NotATrainer);
		assert_noop!(Evolution::reserve(signed(TRAINER), MIN_BID - 1), Error::<Test>::BidTooLow);
		assert_ok!(Evolution::reserve(signed(TRAINER), 20));
		assert_noop!(Evolution::reserve(signed(TRAINER), 30), Error::<Test>::AlreadyBid);
		assert_ok!(Evolution::reserve(signed(OTHER_TRAINER), 30));
		end_phase();
		assert!(matches!(phase(), Phase::Training { trainer: OTHER_TRAINER, .. }));
		assert_eq!(credits(TRAINER).locked, 0);
		assert_eq!(credits(OTHER_TRAINER).locked, 30);
	});
}

#[test]
fn only_the_reserved_trainer_submits_the_grown_model_once_and_whole() {
	build_and_execute(|| {
		to_training();
		let blocks = || BoundedVec::truncate_from(blocks_of(&doubled(), 100));
		assert_noop!(
			Evolution::submit_migration(signed(OTHER_TRAINER), blocks(), payload(200)),
			Error::<Test>::NotTheTrainer
		);
		// The parent's slots are not the grown model's.
		let parent = BoundedVec::truncate_from(blocks_of(&parent_spec(), 100));
		assert_noop!(
			Evolution::submit_migration(signed(TRAINER), parent, payload(200)),
			Error::<Test>::WrongBlocks
		);
		let mut shuffled = blocks_of(&doubled(), 100);
		shuffled.swap(1, 2);
		assert_noop!(
			Evolution::submit_migration(
				signed(TRAINER),
				BoundedVec::truncate_from(shuffled),
				payload(200)
			),
			Error::<Test>::WrongBlocks
		);
		let mut bad_cid = blocks_of(&doubled(), 100);
		bad_cid[0].1.cid = Default::default();
		assert_noop!(
			Evolution::submit_migration(
				signed(TRAINER),
				BoundedVec::truncate_from(bad_cid),
				payload(200)
			),
			pallet_aiblock_expert_dag::Error::<Test>::InvalidCid
		);
		assert_ok!(Evolution::submit_migration(signed(TRAINER), blocks(), payload(200)));
		assert_noop!(
			Evolution::submit_migration(signed(TRAINER), blocks(), payload(200)),
			Error::<Test>::AlreadySubmitted
		);
		assert_eq!(Candidate::<Test>::get().unwrap().blocks[0].0, BlockKind::Shared);
	});
}

#[test]
fn benchmarks_are_refused_out_of_turn_or_unbound() {
	build_and_execute(|| {
		to_training();
		let blocks = BoundedVec::truncate_from(blocks_of(&doubled(), 100));
		assert_ok!(Evolution::submit_migration(signed(TRAINER), blocks, payload(200)));
		let b = benchmark(1_600_000, 1_600_000, true);
		assert_noop!(
			Evolution::commit_benchmark(signed(EVALUATORS[0]), commitment(EVALUATORS[0], &b)),
			Error::<Test>::WrongPhase
		);
		end_phase();
		let panel: Vec<_> = Panel::<Test>::get().iter().map(|s| s.evaluator).collect();
		let outsider = *EVALUATORS.iter().find(|e| !panel.contains(e)).unwrap();
		assert_noop!(
			Evolution::commit_benchmark(signed(outsider), commitment(outsider, &b)),
			Error::<Test>::NotOnPanel
		);
		assert_ok!(Evolution::commit_benchmark(signed(panel[0]), commitment(panel[0], &b)));
		assert_noop!(
			Evolution::commit_benchmark(signed(panel[0]), commitment(panel[0], &b)),
			Error::<Test>::AlreadyCommitted
		);
		assert_noop!(
			Evolution::reveal_benchmark(signed(panel[0]), b, salt(panel[0])),
			Error::<Test>::RevealNotOpen
		);
		let Phase::Benchmarking { commit_until, .. } = phase() else { panic!() };
		run_to_block(commit_until + 1);
		assert_noop!(
			Evolution::commit_benchmark(signed(panel[1]), commitment(panel[1], &b)),
			Error::<Test>::CommitClosed
		);
		assert_noop!(
			Evolution::reveal_benchmark(signed(panel[1]), b, salt(panel[1])),
			Error::<Test>::NotCommitted
		);
		// Revealing another benchmark than the one committed to.
		assert_noop!(
			Evolution::reveal_benchmark(signed(panel[0]), benchmark(1, 1, true), salt(panel[0])),
			Error::<Test>::CommitmentMismatch
		);
		assert_ok!(Evolution::reveal_benchmark(signed(panel[0]), b, salt(panel[0])));
		assert_noop!(
			Evolution::reveal_benchmark(signed(panel[0]), b, salt(panel[0])),
			Error::<Test>::AlreadyRevealed
		);
	});
}

#[test]
fn a_version_registered_during_the_epoch_voids_its_candidate() {
	build_and_execute(|| {
		to_training();
		let blocks = BoundedVec::truncate_from(blocks_of(&doubled(), 100));
		assert_ok!(Evolution::submit_migration(signed(TRAINER), blocks, payload(200)));
		// Governance imports another successor meanwhile.
		let other = Growth::AddLayers { layers: 1 }.grown_spec(&parent_spec()).unwrap();
		let imported = blocks_of(&other, 50)
			.into_iter()
			.map(|(kind, payload)| pallet_aiblock_expert_dag::ImportedBlock {
				kind,
				payload,
				score: Some(1_900_000),
			})
			.collect::<Vec<_>>();
		assert_ok!(ExpertDag::import_model(
			RuntimeOrigin::root(),
			other,
			BoundedVec::truncate_from(imported)
		));
		end_phase();
		assert_eq!(phase(), Phase::Cleanup { outcome: Outcome::ParentReplaced });
		assert_eq!(credits(TRAINER), CreditAccount { free: STARTING_CREDITS, locked: 0 });
	});
}

#[test]
fn the_genesis_windows_replace_the_runtimes() {
	build_and_execute(|| {
		let windows = crate::EpochWindows {
			proposing: 2,
			reserving: 1,
			training: 1,
			commit: 1,
			reveal: 1,
			cleanup: 7,
		};
		crate::Windows::<Test>::put(windows);
		assert_eq!(Evolution::windows(), windows);
		// Epoch 0 opened with the constants; its cleanup and epoch 1 follow the genesis's.
		end_phase();
		assert_eq!(Epoch::<Test>::get().unwrap().until, PROPOSING + 7);
		end_phase();
		assert_eq!(Epoch::<Test>::get().unwrap().until, PROPOSING + 8 + 1);
	});
}

#[test]
fn the_parent_blocks_are_pinned_when_training_starts_whatever_jobs_adopt_meanwhile() {
	build_and_execute(|| {
		assert!(ParentBlocks::<Test>::get().is_empty());
		to_training();
		let pinned = ParentBlocks::<Test>::get().into_inner();
		assert_eq!(Some(pinned.clone()), <ExpertDag as ModelRegistry>::current_blocks(0));
		assert_eq!(pinned.len() as u32, parent_spec().param_block_count());
		// A job adopts a new shared block on the parent during the training.
		let current = pallet_aiblock_expert_dag::Current::<Test>::get(0, BlockKind::Shared);
		pallet_aiblock_expert_dag::Current::<Test>::insert(0, BlockKind::Shared, H256([7; 32]));
		assert_eq!(ParentBlocks::<Test>::get().into_inner(), pinned, "the pin holds");
		// (Back to a block the DAG holds, for its invariants.)
		pallet_aiblock_expert_dag::Current::<Test>::set(0, BlockKind::Shared, current);
		let blocks = BoundedVec::truncate_from(blocks_of(&doubled(), 100));
		assert_ok!(Evolution::submit_migration(signed(TRAINER), blocks, payload(200)));
		end_phase();
		// The replay's seed was drawn with the panel, after the submission.
		let Phase::Benchmarking { seed, .. } = phase() else { panic!("{:?}", phase()) };
		assert_ne!(seed, [0; 32]);
		assert_eq!(ParentBlocks::<Test>::get().into_inner(), pinned);
		end_phase();
		assert!(matches!(phase(), Phase::Cleanup { .. }));
		assert!(ParentBlocks::<Test>::get().is_empty(), "unpinned when the epoch closes");
	});
}

#[test]
fn a_proposal_whose_data_was_quarantined_is_not_selected() {
	build_and_execute(|| {
		let mut m = doubling();
		m.datasets[0] =
			aiblock_primitives::jobs::JobDataset { id: 5, cid: dataset_cid(5), parts: 1 };
		assert_ok!(Evolution::propose(signed(PROPOSER), m));
		QUARANTINE.with(|q| q.borrow_mut().push(5));
		end_phase();
		assert_eq!(phase(), Phase::Cleanup { outcome: Outcome::NoProposal });
		assert_eq!(credits(PROPOSER).locked, 0, "its deposit returned");
	});
}

#[test]
fn an_epoch_under_way_at_the_upgrade_to_version_1_is_closed_and_its_credits_returned() {
	use crate::migrations::v1::{old, OldEpoch, OldMigration, OldPhase, OldProposal};
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	build_and_execute(|| {
		// Epoch 4 of version 0, training a proposal endorsed by ENDORSER, TRAINER's bid won.
		let m = doubling();
		let migration = OldMigration {
			growth: m.growth,
			seed: m.seed,
			steps: m.steps,
			hyper: m.hyper,
			datasets: m.datasets,
		};
		for (who, credits) in [(PROPOSER, DEPOSIT), (ENDORSER, 300), (TRAINER, 50)] {
			assert_ok!(<PolCredits as aiblock_primitives::credits::SpendCredits<_>>::lock(
				&who, credits
			));
		}
		old::Proposals::<Test>::insert(
			0,
			OldProposal::<Test> {
				proposer: PROPOSER,
				epoch: 4,
				parent: 0,
				migration,
				spec: doubled(),
				deposit: DEPOSIT,
				endorsements: BoundedVec::truncate_from(vec![(ENDORSER, 300)]),
				backing: DEPOSIT + 300,
			},
		);
		Open::<Test>::put(BoundedVec::truncate_from(vec![0]));
		Bids::<Test>::put(BoundedVec::truncate_from(vec![(TRAINER, 50)]));
		old::Epoch::<Test>::put(OldEpoch {
			index: 4,
			phase: OldPhase::Training { proposal: 0, trainer: TRAINER },
			until: 99,
		});
		StorageVersion::new(0).put::<Evolution>();

		crate::migrations::v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();

		assert_eq!(Evolution::on_chain_storage_version(), StorageVersion::new(1));
		for who in [PROPOSER, ENDORSER, TRAINER] {
			assert_eq!(credits(who).locked, 0, "{who}'s credits are free again");
		}
		let epoch = Epoch::<Test>::get().unwrap();
		assert_eq!((epoch.index, epoch.phase), (5, Phase::Proposing), "the next epoch is open");
		assert!(Proposals::<Test>::iter().next().is_none() && Open::<Test>::get().is_empty());
		assert!(Bids::<Test>::get().is_empty());
		// A second run does nothing: the version is 1.
		crate::migrations::v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Epoch::<Test>::get().unwrap().index, 5);
	});
}
