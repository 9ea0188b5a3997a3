//! What a hostile signer can do to honest users with signed calls alone, on the real runtime:
//! one test per defence, each named after what it defends (issue 19's findings).

use super::*;
use crate::configs::aiblock::{
	ReferenceWorker, MAX_BATCH_SIZE, MAX_CHECKPOINTS, MAX_JOBS_PER_POSTER, MAX_STEPS, MAX_TIMEOUTS,
	POSTING_FEE, TIMEOUT_DEPOSIT, TRAINER_COLLATERAL,
};
use aiblock_primitives::jobs::min_windows;
use pallet_aiblock_jobs::{Error as JobsError, Stage};

type JobsCall = pallet_aiblock_jobs::Call<Runtime>;

fn trainer_only() -> Roles {
	Roles::only(Role::Trainer)
}

fn listed(role: Role, who: &crate::AccountId) -> bool {
	pallet_aiblock_workers::OnlineByRole::<Runtime>::get(role).iter().any(|e| e.who == *who)
}

/// Finding 1: a job's (or an open submission's) windows leave the reference worker the time
/// its work takes, so nobody can make honest evaluators or trainers miss a deadline by choosing
/// short windows; and `steps` is bounded.
#[test]
fn no_window_is_shorter_than_the_reference_worker_needs() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let (alice, bob) = (account(Sr25519Keyring::Alice), account(Sr25519Keyring::Bob));
		register(&bob, trainer_only(), 0);
		let size = crate::ExpertDag::payload_size(current().0).expect("the base exists");

		// 10 000 steps of 4096 tokens: the submit window needs more than a reaction.
		let mut spec = job_spec();
		(spec.steps, spec.hyper.batch_size, spec.hyper.checkpoint_every) = (10_000, 4096, 1000);
		let min = min_windows(&spec, size, size, &ReferenceWorker::get());
		assert!(min.submit > min.accept && min.commit > min.reveal, "work takes time: {min:?}");
		for shorten in 0..4 {
			let mut short = spec.clone();
			short.windows = min;
			let w = &mut short.windows;
			*[&mut w.accept, &mut w.submit, &mut w.commit, &mut w.reveal][shorten] -= 1;
			assert_noop!(
				dispatch(
					&alice,
					RuntimeCall::Jobs(JobsCall::post_job { spec: short, budget: BUDGET })
				),
				JobsError::<Runtime>::WindowTooShort
			);
		}
		// Twice the steps need a longer submit window than the minimum of the shorter job.
		let mut longer = spec.clone();
		(longer.steps, longer.windows) = (2 * spec.steps, min);
		assert_noop!(
			dispatch(
				&alice,
				RuntimeCall::Jobs(JobsCall::post_job { spec: longer, budget: BUDGET })
			),
			JobsError::<Runtime>::WindowTooShort
		);
		spec.windows = min;
		post_job(&alice, spec, BUDGET);

		// The attack itself: an open submission giving its evaluators one block to commit and
		// one to reveal, so that all of them are slashed for missing the reveal.
		let mut trap = job_spec();
		trap.windows = Windows { accept: 1, submit: 1, commit: 1, reveal: 1 };
		assert_noop!(
			dispatch(
				&bob,
				RuntimeCall::Jobs(JobsCall::submit_candidate {
					spec: trap,
					candidates: one(payload(0xc1)),
					sealed_claim: seal(&bob, &payload(0xa1), current().1 - 20_000),
					manifest: payload(0xa1),
					checkpoint_root: H256([2; 32]),
					trained_with: Default::default(),
					revision: revision(),
				})
			),
			JobsError::<Runtime>::WindowTooShort
		);

		// Jobs beyond what the chain lets anyone ask of its workers: more steps than any window
		// can hold, a batch no evaluator could replay (the worker found u32::MAX tokens
		// allocating terabytes), a checkpoint every step of a long run (a manifest every
		// evaluator must read). Each is refused before anyone is drawn for it.
		let mut endless = job_spec();
		endless.steps = MAX_STEPS + 1;
		let mut huge = job_spec();
		huge.hyper.batch_size = MAX_BATCH_SIZE + 1;
		let mut chatty = job_spec();
		chatty.steps = MAX_CHECKPOINTS + 1;
		chatty.hyper.checkpoint_every = 1;
		for (spec, error) in [
			(endless, JobsError::<Runtime>::TooManySteps),
			(huge, JobsError::<Runtime>::BatchTooLarge),
			(chatty, JobsError::<Runtime>::TooManyCheckpoints),
		] {
			let call = RuntimeCall::Jobs(JobsCall::post_job { spec, budget: BUDGET });
			assert_noop!(dispatch(&alice, call), error);
		}
		try_state();
	});
}

/// Finding 2: a job its trainers cannot finish (steps beyond the window, datasets nobody can
/// fetch) pays each trainer that times out the poster's deposit, and closes after
/// `MAX_TIMEOUTS` instead of reopening for ever.
#[test]
fn a_trap_job_costs_its_poster_and_closes() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let alice = account(Sr25519Keyring::Alice);
		let trainers: Vec<_> = [Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave]
			.into_iter()
			.map(account)
			.collect();
		for who in &trainers {
			register(who, trainer_only(), 0);
		}
		assert!(TIMEOUT_DEPOSIT < TRAINER_COLLATERAL, "a lazy trainer still loses");
		let alice_start = free(&alice);
		let job = post_job(&alice, job_spec(), BUDGET);

		for (round, trainer) in trainers.iter().enumerate() {
			let Some(record) = pallet_aiblock_jobs::Jobs::<Runtime>::get(job) else {
				assert_eq!(round as u32, MAX_TIMEOUTS, "closed after MAX_TIMEOUTS timeouts");
				break;
			};
			assert!(matches!(record.stage, Stage::Open { .. }));
			assert_eq!(record.timeouts, round as u32);
			let (before, stake) = (free(trainer), Stake::active_stake(trainer));
			let heartbeat = RuntimeCall::Workers(pallet_aiblock_workers::Call::heartbeat {});
			assert_ok!(dispatch(trainer, heartbeat));
			assert_ok!(dispatch(trainer, RuntimeCall::Jobs(JobsCall::accept_job { job })));
			run_to(System::block_number() + job_spec().windows.submit + 1);
			assert_eq!(Stake::active_stake(trainer), stake - TRAINER_COLLATERAL);
			assert_eq!(free(trainer), before + TIMEOUT_DEPOSIT, "the poster's deposit is paid");
		}
		assert!(pallet_aiblock_jobs::Jobs::<Runtime>::get(job).is_none());
		System::assert_has_event(
			pallet_aiblock_jobs::Event::<Runtime>::JobClosed { job, timeouts: MAX_TIMEOUTS }.into(),
		);
		let cost = POSTING_FEE + TIMEOUT_DEPOSIT * MAX_TIMEOUTS as u128;
		assert_eq!(free(&alice), alice_start - cost, "everything else is refunded");
		try_state();
	});
}

/// Finding 5: the 4096 places for open jobs cannot be filled cheaply: each account has at most
/// `MAX_JOBS_PER_POSTER`, posting costs a fee that cancelling or expiry does not refund, and a
/// job nobody could accept (more GPU memory than any trainer has) is refused.
#[test]
fn the_live_job_cap_cannot_be_squatted() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let (alice, bob) = (account(Sr25519Keyring::Alice), account(Sr25519Keyring::Bob));
		let treasury = TreasuryAccount::get();
		register(&bob, trainer_only(), 80);
		let (alice_start, treasury_start) = (free(&alice), free(&treasury));

		let mut greedy = job_spec();
		greedy.min_vram_gib = 81;
		assert_noop!(
			dispatch(
				&alice,
				RuntimeCall::Jobs(JobsCall::post_job { spec: greedy, budget: 10 * UNIT })
			),
			JobsError::<Runtime>::NoTrainerHasVram
		);
		let mut big = job_spec();
		big.min_vram_gib = 80;
		let jobs: Vec<_> =
			(0..MAX_JOBS_PER_POSTER).map(|_| post_job(&alice, big.clone(), 10 * UNIT)).collect();
		assert_noop!(
			dispatch(
				&alice,
				RuntimeCall::Jobs(JobsCall::post_job { spec: big, budget: 10 * UNIT })
			),
			JobsError::<Runtime>::TooManyJobsOfPoster
		);

		// Cancelling one frees a place but keeps the fee; the rest expire, likewise.
		assert_ok!(dispatch(&alice, RuntimeCall::Jobs(JobsCall::cancel_job { job: jobs[0] })));
		post_job(&alice, job_spec(), 10 * UNIT);
		run_to(System::block_number() + job_spec().windows.accept + 1);
		assert_eq!(pallet_aiblock_jobs::LiveJobs::<Runtime>::get(), 0);
		assert_eq!(pallet_aiblock_jobs::JobsOfPoster::<Runtime>::get(&alice), None);
		let fees = POSTING_FEE * (MAX_JOBS_PER_POSTER as u128 + 1);
		assert_eq!(free(&alice), alice_start - fees);
		assert_eq!(free(&treasury), treasury_start + fees);
		try_state();
	});
}

/// Finding 6: workers that unbonded below the minimum leave the role lists at their next
/// heartbeat, declaration change or liveness sweep, so they cannot fill the lists and starve
/// evaluator draws while heartbeating.
#[test]
fn workers_below_the_bond_leave_the_role_lists() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let [by_heartbeat, by_update, by_sweep, honest] = [
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
			Sr25519Keyring::Eve,
			Sr25519Keyring::Ferdie,
		]
		.map(account);
		let evaluator = Roles::only(Role::Evaluator);
		for who in [&by_heartbeat, &by_update, &by_sweep, &honest] {
			register(who, evaluator, 0);
		}
		let unbond = |who: &crate::AccountId| {
			assert_ok!(dispatch(
				who,
				RuntimeCall::Stake(pallet_aiblock_stake::Call::unbond { amount: MIN_WORKER_BOND })
			));
		};
		for who in [&by_heartbeat, &by_update, &by_sweep] {
			unbond(who);
			assert!(!Workers::is_active(who, Role::Evaluator));
		}

		assert_ok!(dispatch(
			&by_heartbeat,
			RuntimeCall::Workers(pallet_aiblock_workers::Call::heartbeat {})
		));
		assert!(!listed(Role::Evaluator, &by_heartbeat));
		System::assert_has_event(
			pallet_aiblock_workers::Event::<Runtime>::WorkerUnbonded { who: by_heartbeat.clone() }
				.into(),
		);
		let info = pallet_aiblock_workers::Workers::<Runtime>::get(&by_update).unwrap();
		assert_ok!(dispatch(
			&by_update,
			RuntimeCall::Workers(pallet_aiblock_workers::Call::update_worker {
				capabilities: info.capabilities,
				roles: Roles { trainer: true, evaluator: true, auditor: false },
				endpoint: info.endpoint,
			})
		));
		assert!(!listed(Role::Evaluator, &by_update) && !listed(Role::Trainer, &by_update));
		assert!(listed(Role::Evaluator, &by_sweep), "until the sweep reaches it");
		run_to(System::block_number() + 1);
		assert!(!listed(Role::Evaluator, &by_sweep));
		let evaluators = pallet_aiblock_workers::OnlineByRole::<Runtime>::get(Role::Evaluator);
		assert_eq!(evaluators.iter().map(|e| e.who.clone()).collect::<Vec<_>>(), vec![honest]);

		// Bonding again and a heartbeat bring a worker back.
		assert_ok!(dispatch(
			&by_heartbeat,
			RuntimeCall::Stake(pallet_aiblock_stake::Call::bond { amount: MIN_WORKER_BOND })
		));
		assert_ok!(dispatch(
			&by_heartbeat,
			RuntimeCall::Workers(pallet_aiblock_workers::Call::heartbeat {})
		));
		assert!(listed(Role::Evaluator, &by_heartbeat));
		try_state();
	});
}

/// Finding 7: transactions pay for their weight and their length, and a chain kept full pays
/// more every block. Prints what keeping blocks full for an hour costs (the README's figure).
#[test]
fn fees_price_spam_and_sustained_full_blocks() {
	use crate::{configs::RuntimeBlockWeights, TransactionPayment, MILLI_UNIT};
	use codec::Encode;
	use frame_support::{
		dispatch::{DispatchClass, GetDispatchInfo},
		traits::OnFinalize,
		weights::WeightToFee,
	};
	use pallet_transaction_payment::{Multiplier, NextFeeMultiplier};
	use sp_runtime::FixedPointNumber;

	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		// A signed extrinsic adds about 110 bytes to its call: address, signature, extensions.
		let fee = |call: RuntimeCall| {
			let len = call.encoded_size() as u32 + 110;
			TransactionPayment::compute_fee(len, &call.get_dispatch_info(), 0)
		};
		let bob = account(Sr25519Keyring::Bob);
		let transfer = fee(RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: bob.into(),
			value: UNIT,
		}));
		assert!((MILLI_UNIT..=10 * MILLI_UNIT).contains(&transfer), "a transfer costs {transfer}");
		let remark =
			fee(RuntimeCall::System(frame_system::Call::remark { remark: vec![0; 1 << 20] }));
		assert!(remark >= 10 * UNIT, "a 1 MiB remark costs {remark}");

		// The cheapest way to fill a block is by weight: its normal share, at the multiplier.
		let normal = RuntimeBlockWeights::get().get(DispatchClass::Normal).max_total.unwrap();
		let full_block =
			<Runtime as pallet_transaction_payment::Config>::WeightToFee::weight_to_fee(&normal);
		let mut hour = 0u128;
		for block in 1..=600u32 {
			hour += NextFeeMultiplier::<Runtime>::get().saturating_mul_int(full_block);
			System::set_block_consumed_resources(normal, 0);
			TransactionPayment::on_finalize(block);
		}
		let multiplier = NextFeeMultiplier::<Runtime>::get();
		assert!(multiplier > Multiplier::saturating_from_integer(9), "{multiplier:?}");
		assert!(hour > 20_000 * UNIT, "an hour of full blocks costs {hour}");
		println!(
			"transfer {transfer} planck; 1 MiB remark {remark} planck; full block at first {} \
			 AIB; an hour of full blocks {} AIB; multiplier after it {multiplier:?}",
			full_block / UNIT,
			hour / UNIT,
		);
	});
}

/// Finding 3: once the seed of a draw exists, nobody can change who it picks: accounts that join
/// the evaluator list after the submission are not in the pool, and the panel is the pool's
/// lowest lottery tickets for the seed, whatever else joins or leaves.
#[test]
fn panels_cannot_be_ground_after_the_seed_is_known() {
	use aiblock_primitives::workers::lottery_ticket;
	use frame_support::traits::fungible::Mutate;

	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let (alice, bob) = (account(Sr25519Keyring::Alice), account(Sr25519Keyring::Bob));
		register(&bob, trainer_only(), 0);
		let honest: Vec<_> = [
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
			Sr25519Keyring::Eve,
			Sr25519Keyring::Ferdie,
		]
		.map(account)
		.to_vec();
		for who in &honest {
			register(who, Roles::only(Role::Evaluator), 0);
		}
		let job = post_job(&alice, job_spec(), BUDGET);
		assert_ok!(dispatch(&bob, RuntimeCall::Jobs(JobsCall::accept_job { job })));
		run_to(2);
		assert_ok!(dispatch(
			&bob,
			RuntimeCall::Jobs(JobsCall::submit_result {
				job,
				candidates: one(payload(0xc7)),
				sealed_claim: seal(&bob, &payload(0xa7), current().1 - 20_000),
				manifest: payload(0xa7),
				checkpoint_root: H256([2; 32]),
				trained_with: Default::default(),
				revision: revision(),
			})
		));
		// Twelve sybils join in the submission's block and in the block of the draw.
		let sybils: Vec<crate::AccountId> = (0..12u8).map(|i| [0xe0 + i; 32].into()).collect();
		for (i, who) in sybils.iter().enumerate() {
			Balances::set_balance(who, 10 * MIN_WORKER_BOND);
			if i == 6 {
				run_to(3);
			}
			register(who, Roles::only(Role::Evaluator), 0);
		}
		run_to(4);
		let Some(pallet_aiblock_jobs::Job { stage: Stage::Evaluating(e), .. }) =
			pallet_aiblock_jobs::Jobs::<Runtime>::get(job)
		else {
			panic!("job {job} is under evaluation");
		};
		let panel: Vec<_> = e.panel.iter().map(|s| s.evaluator.clone()).collect();
		let mut expected = honest.clone();
		expected.sort_by_key(|who| lottery_ticket(&e.seed, who));
		assert_eq!(panel, expected[..3], "the lowest tickets of the evaluators listed before");
		try_state();
	});
}

/// Another slot of the genesis model than `SLOT`.
const OTHER_SLOT: BlockKind = BlockKind::Expert { layer: 0, expert: 0 };

/// A job like `job_spec` on the current block of `kind`.
fn job_on(kind: BlockKind) -> JobSpec {
	let base = crate::ExpertDag::current(0, kind).expect("genesis fills every slot").0;
	on_slot(0, kind, base)
}

fn submit(
	trainer: &crate::AccountId,
	job: u64,
	claimed: Score,
	revision: u32,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	dispatch(
		trainer,
		RuntimeCall::Jobs(JobsCall::submit_result {
			job,
			candidates: one(payload(0xc0 + job as u8)),
			sealed_claim: seal(trainer, &payload(0xa0 + job as u8), claimed),
			manifest: payload(0xa0 + job as u8),
			checkpoint_root: H256([2; 32]),
			trained_with: Default::default(),
			revision,
		}),
	)
}

/// The panel of a job under evaluation.
fn panel_of(job: u64) -> Vec<crate::AccountId> {
	match pallet_aiblock_jobs::Jobs::<Runtime>::get(job).map(|j| j.stage) {
		Some(Stage::Evaluating(e)) => e.panel.iter().map(|s| s.evaluator.clone()).collect(),
		other => panic!("job {job} is not under evaluation: {other:?}"),
	}
}

/// Every panel member commits `attestation`, the trainer reveals its claim, and the panel
/// reveals.
fn attest_all(job: u64, attestation: aiblock_primitives::jobs::Attestation) {
	use aiblock_primitives::jobs::attestation_commitment;
	let panel = panel_of(job);
	for who in &panel {
		let commitment = attestation_commitment(job, who, &attestation, &[9; 32]);
		assert_ok!(dispatch(
			who,
			RuntimeCall::Jobs(JobsCall::commit_attestation { job, commitment })
		));
	}
	assert_ok!(reveal_claim(job));
	for who in &panel {
		let reveal = JobsCall::reveal_attestation {
			job,
			score: attestation.score,
			replay_ok: attestation.replay_ok,
			salt: [9; 32],
		};
		assert_ok!(dispatch(who, RuntimeCall::Jobs(reveal)));
	}
}

fn jobs_events() -> Vec<pallet_aiblock_jobs::Event<Runtime>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			crate::RuntimeEvent::Jobs(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// `trainer` submits a candidate for the accepted `job` in the model's current revision, and
/// the panel attests `score` for it: the candidate is adopted and the model moves on.
fn adopt(trainer: &crate::AccountId, job: u64, score: Score) {
	let before = revision();
	assert_ok!(submit(trainer, job, score, before));
	run_to(System::block_number() + 2);
	attest_all(job, aiblock_primitives::jobs::Attestation { score, replay_ok: true });
	assert_eq!(revision(), before + 1, "adopted");
}

/// A trainer (Bob), four evaluators, and Alice posting: the accounts of finding 4's tests.
fn trainer_and_four_evaluators() -> (crate::AccountId, crate::AccountId, Vec<crate::AccountId>) {
	let (alice, bob) = (account(Sr25519Keyring::Alice), account(Sr25519Keyring::Bob));
	register(&bob, trainer_only(), 0);
	let evaluators: Vec<_> = [
		Sr25519Keyring::Charlie,
		Sr25519Keyring::Dave,
		Sr25519Keyring::Eve,
		Sr25519Keyring::Ferdie,
	]
	.map(account)
	.to_vec();
	for who in &evaluators {
		register(who, Roles::only(Role::Evaluator), 0);
	}
	(alice, bob, evaluators)
}

/// From block 1: Alice posts a job, Bob (trainer, with four evaluators registered) accepts it
/// and submits a candidate claiming `claimed`, and the panel is drawn. Returns Bob, the job and
/// its evaluation.
fn a_job_under_evaluation(
	claimed: Score,
) -> (crate::AccountId, u64, pallet_aiblock_jobs::Evaluation<Runtime>) {
	System::set_block_number(1);
	let (alice, bob, _) = trainer_and_four_evaluators();
	run_to(2);
	let job = post_job(&alice, job_spec(), BUDGET);
	assert_ok!(dispatch(&bob, RuntimeCall::Jobs(JobsCall::accept_job { job })));
	assert_ok!(submit(&bob, job, claimed, revision()));
	run_to(4);
	match pallet_aiblock_jobs::Jobs::<Runtime>::get(job).map(|j| j.stage) {
		Some(Stage::Evaluating(e)) => (bob, job, e),
		other => panic!("job {job} is not under evaluation: {other:?}"),
	}
}

/// Finding 4: a candidate is judged in the model state it was trained against. An adoption in
/// another slot before the verdict voids the evaluation (the evaluators' replays, done in a
/// state that is gone, prove nothing): the honest trainer is not slashed `ProvenFraud`, no
/// evaluator is slashed, the poster is refunded.
#[test]
fn an_adoption_elsewhere_in_the_model_voids_the_verdict_and_slashes_nobody() {
	use aiblock_primitives::jobs::Attestation;
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let (alice, bob, evaluators) = trainer_and_four_evaluators();
		run_to(2);
		let genesis = current().1;
		let here = post_job(&alice, job_on(SLOT), BUDGET);
		let there = post_job(&alice, job_on(OTHER_SLOT), BUDGET);
		for job in [here, there] {
			assert_ok!(dispatch(&bob, RuntimeCall::Jobs(JobsCall::accept_job { job })));
			assert_ok!(submit(&bob, job, genesis - 20_000, revision()));
		}
		run_to(4);
		let stakes: Vec<_> = evaluators.iter().map(Stake::active_stake).collect();
		let (bob_stake, alice_free) = (Stake::active_stake(&bob), free(&alice));

		attest_all(here, Attestation { score: genesis - 20_000, replay_ok: true });
		assert_eq!(revision(), 1, "the adoption moved the model on");
		// The other job's evaluators replayed in the new state, where the run does not reproduce.
		attest_all(there, Attestation { score: genesis - 20_000, replay_ok: false });
		assert!(jobs_events().contains(&pallet_aiblock_jobs::Event::JobVoided { job: there }));
		assert_eq!(Stake::active_stake(&bob), bob_stake, "the honest trainer is not slashed");
		for (who, stake) in evaluators.iter().zip(stakes) {
			assert_eq!(Stake::active_stake(who), stake, "no evaluator is slashed");
		}
		let fee = crate::configs::aiblock::ProtocolFee::get() * BUDGET;
		// Refunded: the void job in full, and the adopted job's timeout deposit.
		assert_eq!(free(&alice), alice_free + BUDGET + fee + 2 * TIMEOUT_DEPOSIT);
		try_state();
	});
}

/// Finding 4: the gain is measured against the model as it stands, not against the slot
/// block's own score from before other slots improved the model; a trainer whose model moved
/// on while it trained is released without a slash (the job reopens) and cannot name a state
/// older than its acceptance or one the model never reached.
#[test]
fn a_candidate_is_judged_against_the_model_as_it_stands() {
	use aiblock_primitives::jobs::Attestation;
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let (alice, bob, _) = trainer_and_four_evaluators();
		run_to(2);
		let genesis = current().1;
		let (here, there, late) = (
			post_job(&alice, job_on(SLOT), BUDGET),
			post_job(&alice, job_on(OTHER_SLOT), BUDGET),
			post_job(&alice, job_on(OTHER_SLOT), BUDGET),
		);
		assert_ok!(dispatch(&bob, RuntimeCall::Jobs(JobsCall::accept_job { job: here })));
		assert_ok!(dispatch(&bob, RuntimeCall::Jobs(JobsCall::accept_job { job: late })));
		adopt(&bob, here, genesis - 20_000);
		assert_eq!(current().1, genesis - 20_000);

		// Bob trained `late` in revision 0, which is gone: released, the job open again.
		let stake = Stake::active_stake(&bob);
		assert_noop!(submit(&bob, late, genesis, 2), JobsError::<Runtime>::UnknownRevision);
		assert_ok!(submit(&bob, late, genesis - 15_000, 0));
		assert!(matches!(
			pallet_aiblock_jobs::Jobs::<Runtime>::get(late).map(|j| j.stage),
			Some(Stage::Open { .. })
		));
		assert_eq!(Stake::active_stake(&bob), stake, "released, not slashed");
		assert_eq!(pallet_aiblock_jobs::Assigned::<Runtime>::get(&bob), None, "nothing committed");

		// 15 000 better than the other slot's own (genesis) score, but worse than the model now.
		assert_ok!(dispatch(&bob, RuntimeCall::Jobs(JobsCall::accept_job { job: there })));
		assert_noop!(
			submit(&bob, there, genesis - 15_000, 0),
			JobsError::<Runtime>::RevisionBeforeAcceptance
		);
		assert_ok!(submit(&bob, there, genesis - 15_000, 1));
		run_to(6);
		attest_all(there, Attestation { score: genesis - 15_000, replay_ok: true });
		assert!(jobs_events().iter().any(|e| matches!(
			e,
			pallet_aiblock_jobs::Event::JobFinalized { job, adopted: false, refuted: false, .. }
				if *job == there
		)));
		assert_eq!(current().1, genesis - 20_000, "the model is not made worse");
		try_state();
	});
}

/// Finding 9: a trainer whose model moved on while it trained is released whether it submits
/// (junk or not) or lets the deadline pass, so junk submitted after the move gains it nothing;
/// a trainer that misses the deadline in a model that did not move is slashed as before.
#[test]
fn junk_after_the_model_moved_on_changes_nothing() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let (alice, bob, _) = trainer_and_four_evaluators();
		run_to(2);
		let genesis = current().1;
		let (here, silent) =
			(post_job(&alice, job_on(SLOT), BUDGET), post_job(&alice, job_on(OTHER_SLOT), BUDGET));
		for job in [here, silent] {
			assert_ok!(dispatch(&bob, RuntimeCall::Jobs(JobsCall::accept_job { job })));
		}
		adopt(&bob, here, genesis - 20_000);

		// Bob never submits `silent`: at its deadline it is released, not slashed.
		let stake = Stake::active_stake(&bob);
		let Some(Stage::Training { deadline, .. }) =
			pallet_aiblock_jobs::Jobs::<Runtime>::get(silent).map(|j| j.stage)
		else {
			panic!("in training");
		};
		let heartbeat = || {
			let call = RuntimeCall::Workers(pallet_aiblock_workers::Call::heartbeat {});
			assert_ok!(dispatch(&bob, call));
		};
		run_to(deadline / 2);
		heartbeat();
		run_to(deadline + 1);
		assert!(jobs_events().iter().any(|e| matches!(
			e,
			pallet_aiblock_jobs::Event::TrainingSuperseded { job, .. } if *job == silent
		)));
		assert_eq!(Stake::active_stake(&bob), stake, "released, not slashed");
		assert!(matches!(
			pallet_aiblock_jobs::Jobs::<Runtime>::get(silent).map(|j| j.stage),
			Some(Stage::Open { .. })
		));

		// Taken again in the new state and not delivered: slashed as any missed deadline.
		heartbeat();
		assert_ok!(dispatch(&bob, RuntimeCall::Jobs(JobsCall::accept_job { job: silent })));
		let Some(Stage::Training { deadline, .. }) =
			pallet_aiblock_jobs::Jobs::<Runtime>::get(silent).map(|j| j.stage)
		else {
			panic!("in training");
		};
		run_to(deadline + 1);
		assert_eq!(Stake::active_stake(&bob), stake - TRAINER_COLLATERAL);
		try_state();
	});
}

/// Finding 9: on a job with a large reward the trainer commits the reward and the evaluators
/// together as much again, so a worker with the minimum bond cannot take it on.
#[test]
fn collateral_grows_with_the_reward() {
	use frame_support::traits::fungible::Mutate;
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let (alice, bob, _) = trainer_and_four_evaluators();
		run_to(2);
		let budget = 1_003 * UNIT;
		let reward = budget - 3 * crate::configs::aiblock::EVALUATOR_FEE;
		let job = post_job(&alice, job_spec(), budget);
		let record = pallet_aiblock_jobs::Jobs::<Runtime>::get(job).expect("posted");
		assert_eq!(record.trainer_collateral, reward);
		assert_eq!(record.evaluator_collateral, reward / 3);
		assert!(dispatch(&bob, RuntimeCall::Jobs(JobsCall::accept_job { job })).is_err());

		// A trainer that bonds enough takes it, with the reward committed.
		Balances::set_balance(&bob, 2 * reward);
		assert_ok!(dispatch(
			&bob,
			RuntimeCall::Stake(pallet_aiblock_stake::Call::bond { amount: reward })
		));
		let uncommitted = Stake::uncommitted_stake(&bob);
		assert_ok!(dispatch(&bob, RuntimeCall::Jobs(JobsCall::accept_job { job })));
		assert_eq!(uncommitted - Stake::uncommitted_stake(&bob), reward);
		try_state();
	});
}

/// Finding 9: a refused submission does not grow the state for ever: its record is pruned a
/// week after the verdict (`RejectedRetention`), and nothing can depend on it meanwhile.
#[test]
fn rejected_candidates_are_pruned_after_a_week() {
	use aiblock_primitives::{dag::BlockStatus, jobs::Attestation};
	use frame_support::traits::OnIdle;
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		let genesis = current().1;
		let (_, job, e) = a_job_under_evaluation(genesis - 500_000);
		let candidate = e.submission.candidates[0];
		attest_all(job, Attestation { score: genesis - 2_000, replay_ok: true });
		assert_eq!(crate::ExpertDag::status(candidate), Some(BlockStatus::Rejected));

		let week = System::block_number() + 7 * DAYS;
		<crate::ExpertDag as OnIdle<_>>::on_idle(week - 1, Weight::MAX);
		assert!(crate::ExpertDag::status(candidate).is_some(), "kept a week for audits");
		<crate::ExpertDag as OnIdle<_>>::on_idle(week, Weight::MAX);
		assert_eq!(crate::ExpertDag::status(candidate), None, "pruned");
		try_state();
	});
}

/// Finding 9: evaluators cannot echo the trainer's claim, because nobody can read it before
/// every evaluator is bound to its own attestation; and a trainer that sees the evaluators'
/// reveals refute its claim gains nothing by withholding it, not even by waiting for an
/// adoption elsewhere in the model to void the job.
#[test]
fn evaluators_commit_before_the_claim_is_known() {
	use aiblock_primitives::jobs::{attestation_commitment, Attestation, Claim};
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		let genesis = current().1;
		let claimed = genesis - 500_000;
		let (bob, job, e) = a_job_under_evaluation(claimed);

		// All the chain shows of the claim, in storage and in the submission's event, is a
		// hash over the trainer, the manifest, the score and a secret salt.
		assert!(matches!(e.submission.claim, Claim::Sealed(_)));
		assert!(jobs_events().iter().any(|ev| matches!(ev,
			pallet_aiblock_jobs::Event::ResultSubmitted { submission, .. }
				if submission.claim == e.submission.claim)));
		let panel = panel_of(job);
		let measured = Attestation { score: genesis - 2_000, replay_ok: true };
		for (i, who) in panel.iter().enumerate() {
			// Not while any evaluator could still choose what to commit; then only by its
			// trainer.
			assert_noop!(reveal_claim(job), JobsError::<Runtime>::RevealNotOpen);
			let commitment = attestation_commitment(job, who, &measured, &[9; 32]);
			assert_ok!(dispatch(
				who,
				RuntimeCall::Jobs(JobsCall::commit_attestation { job, commitment })
			));
			if i + 1 == panel.len() {
				let call = JobsCall::reveal_claim { job, claimed, salt: CLAIM_SALT };
				assert_noop!(
					dispatch(who, RuntimeCall::Jobs(call)),
					JobsError::<Runtime>::NotTrainer
				);
			}
		}

		// The panel reveals a median that refutes the claim; the trainer keeps it sealed.
		let stake = Stake::active_stake(&bob);
		let paid: Vec<_> = panel.iter().map(free).collect();
		for who in &panel {
			let reveal = JobsCall::reveal_attestation {
				job,
				score: measured.score,
				replay_ok: true,
				salt: [9; 32],
			};
			assert_ok!(dispatch(who, RuntimeCall::Jobs(reveal)));
		}
		assert!(pallet_aiblock_jobs::Jobs::<Runtime>::get(job).is_some(), "waits for the claim");
		// Nor does waiting until a candidate elsewhere in the model is adopted: the
		// attestations were bound in the pinned state, so they still judge the trainer.
		let there = post_job(&account(Sr25519Keyring::Alice), job_on(OTHER_SLOT), BUDGET);
		assert_ok!(dispatch(&bob, RuntimeCall::Jobs(JobsCall::accept_job { job: there })));
		adopt(&bob, there, genesis - 20_000);
		run_to(e.reveal_deadline + 1);
		assert!(!jobs_events().contains(&pallet_aiblock_jobs::Event::JobVoided { job }));
		assert!(pallet_aiblock_jobs::Jobs::<Runtime>::get(job).is_none(), "judged at the deadline");
		// Slashed as much as a refuted claim, and the evaluators who judged it are paid and
		// share the reporter's part.
		let collateral = crate::configs::aiblock::TRAINER_COLLATERAL;
		assert_eq!(Stake::active_stake(&bob), stake - collateral);
		assert!(System::events().iter().any(|r| matches!(
			&r.event,
			crate::RuntimeEvent::Stake(pallet_aiblock_stake::Event::Slashed {
				who,
				reason: SlashReason::ClaimWithheld,
				..
			}) if *who == bob
		)));
		for (who, before) in panel.iter().zip(paid) {
			assert!(free(who) > before + crate::configs::aiblock::EVALUATOR_FEE);
		}
		try_state();
	});
}
