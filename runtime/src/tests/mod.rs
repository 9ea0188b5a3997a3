//! The AI-Block pallets working together in the real runtime (not a mock): a worker's life from
//! bonding to withdrawal, through the calls users submit and the traits other pallets use.

use crate::{
	configs::aiblock::{TreasuryAccount, MIN_WORKER_BOND},
	genesis_config_presets::tests::with_preset_state,
	Balances, Jobs, Runtime, RuntimeCall, RuntimeOrigin, Stake, System, Workers, DAYS, MINUTES,
	UNIT,
};
use aiblock_primitives::{
	dag::{BlockKind, Payload, QualityGate, Score},
	datasets::{DatasetMeta, Tier},
	jobs::{Candidates, HyperParams, JobDataset, JobSlot, JobSpec, Windows},
	stake::{Slash, SlashReason, StakeInspect},
	workers::{ComputeSpec, Role, Roles, WorkerRegistry},
};
use codec::{Decode, Encode};
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::Inspect, OnIdle, UnfilteredDispatchable},
	weights::Weight,
};
use sp_core::H256;
use sp_keyring::Sr25519Keyring;

mod contracts;
mod datasets;
mod evolution;
mod fuzz;
mod governance;
mod hostile;
mod inference;
mod rewards;
mod transformer;
mod upgrade;
mod validators;

fn dispatch(
	who: &crate::AccountId,
	call: RuntimeCall,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	// Through SCALE, as a wallet would submit it.
	let call = RuntimeCall::decode(&mut &call.encode()[..]).expect("a call decodes");
	call.dispatch_bypass_filter(RuntimeOrigin::signed(who.clone()))
}

/// Our pallets' hooks. Consensus pallets are left out: they need real slots and timestamps.
type Hooked = (
	System,
	Stake,
	Workers,
	Jobs,
	crate::ExpertDag,
	crate::Datasets,
	crate::LearningRewards,
	crate::Evolution,
	crate::Inference,
);

/// Run blocks up to `n`, giving `on_idle` spare weight as the executive does.
fn run_to(n: u32) {
	System::run_to_block_with::<Hooked>(
		n,
		frame_system::RunToBlockHooks::default().before_finalize(|bn| {
			Hooked::on_idle(bn, Weight::from_parts(500_000_000_000, 5 * 1024 * 1024));
		}),
	);
}

#[test]
fn register_heartbeat_slash_unbond_withdraw() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let bob = Sr25519Keyring::Bob.to_account_id();
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let start = Balances::balance(&bob);
		let capabilities = pallet_aiblock_workers::WorkerCapabilities {
			gpu_model: b"NVIDIA H100 80GB HBM3".to_vec().try_into().unwrap(),
			spec: ComputeSpec { vram_gib: 80, gpu_count: 1, cpu_cores: 16 },
		};
		let register = RuntimeCall::Workers(pallet_aiblock_workers::Call::register_worker {
			capabilities,
			roles: Roles { trainer: true, evaluator: true, auditor: false },
			endpoint: b"/ip4/127.0.0.1/tcp/4001".to_vec().try_into().unwrap(),
		});

		// Registration needs the bond first.
		assert_noop!(
			dispatch(&bob, register.clone()),
			pallet_aiblock_workers::Error::<Runtime>::InsufficientBond
		);
		assert_ok!(dispatch(
			&bob,
			RuntimeCall::Stake(pallet_aiblock_stake::Call::bond { amount: MIN_WORKER_BOND })
		));
		assert_ok!(dispatch(&bob, register));
		assert!(Workers::is_active(&bob, Role::Trainer));
		assert_eq!(Workers::sample(Role::Evaluator, 3, &[0; 32], &[], 2), vec![bob.clone()]);

		// Heartbeats keep it active across the timeout; silence takes it offline.
		run_to(1 + 8 * MINUTES);
		assert_ok!(dispatch(
			&bob,
			RuntimeCall::Workers(pallet_aiblock_workers::Call::heartbeat {})
		));
		run_to(1 + 16 * MINUTES);
		assert!(Workers::is_active(&bob, Role::Trainer));
		run_to(1 + 30 * MINUTES);
		assert!(!Workers::is_active(&bob, Role::Trainer));
		assert!(!pallet_aiblock_workers::Workers::<Runtime>::get(&bob).unwrap().online);
		assert_ok!(dispatch(
			&bob,
			RuntimeCall::Workers(pallet_aiblock_workers::Call::heartbeat {})
		));
		assert!(Workers::is_active(&bob, Role::Trainer));

		// A refuted claim costs 10 AIB: 1 to the reporter, 9 to the treasury.
		let treasury = Balances::balance(&TreasuryAccount::get());
		let reporter = Balances::balance(&charlie);
		let slashed =
			<Stake as Slash<_>>::slash(&bob, 10 * UNIT, SlashReason::ClaimRefuted, Some(&charlie));
		assert_eq!(slashed, 10 * UNIT);
		assert_eq!(Balances::balance(&charlie), reporter + UNIT);
		assert_eq!(Balances::balance(&TreasuryAccount::get()), treasury + 9 * UNIT);
		assert!(!Workers::is_active(&bob, Role::Trainer), "below the minimum bond now");

		// Unbond the rest and wait out the unbonding period.
		let rest = Stake::active_stake(&bob);
		assert_ok!(dispatch(
			&bob,
			RuntimeCall::Stake(pallet_aiblock_stake::Call::unbond { amount: rest })
		));
		assert_noop!(
			dispatch(&bob, RuntimeCall::Stake(pallet_aiblock_stake::Call::withdraw_unbonded {})),
			pallet_aiblock_stake::Error::<Runtime>::NothingToWithdraw
		);
		System::set_block_number(System::block_number() + DAYS);
		assert_ok!(dispatch(
			&bob,
			RuntimeCall::Stake(pallet_aiblock_stake::Call::withdraw_unbonded {})
		));
		assert_ok!(dispatch(
			&bob,
			RuntimeCall::Workers(pallet_aiblock_workers::Call::deregister_worker {})
		));

		// Bob has everything back but the slash (transaction fees are not charged on this path).
		assert_eq!(Balances::balance(&bob), start - 10 * UNIT);
		assert!(pallet_aiblock_stake::Ledgers::<Runtime>::get(&bob).is_none());
		pallet_aiblock_stake::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_aiblock_workers::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

const SLOT: BlockKind = BlockKind::Expert { layer: 0, expert: 1 };

fn account(k: Sr25519Keyring) -> crate::AccountId {
	k.to_account_id()
}

fn free(k: &crate::AccountId) -> crate::Balance {
	Balances::balance(k)
}

fn current() -> (H256, Score) {
	let (id, score) = crate::ExpertDag::current(0, SLOT).expect("genesis fills the slot");
	(id, score.expect("genesis blocks are scored"))
}

/// A job's budget whose reward (20 AIB) needs no more than the minimum collateral.
const BUDGET: crate::Balance = 23 * UNIT;

/// The genesis model's current revision.
fn revision() -> u32 {
	pallet_aiblock_expert_dag::States::<Runtime>::get(0).revision
}

fn register(who: &crate::AccountId, roles: Roles, vram_gib: u32) {
	assert_ok!(dispatch(
		who,
		RuntimeCall::Stake(pallet_aiblock_stake::Call::bond { amount: MIN_WORKER_BOND })
	));
	let capabilities = pallet_aiblock_workers::WorkerCapabilities {
		gpu_model: if vram_gib > 0 { b"NVIDIA H100".to_vec() } else { vec![] }.try_into().unwrap(),
		spec: ComputeSpec { vram_gib, gpu_count: (vram_gib > 0) as u32, cpu_cores: 2 },
	};
	assert_ok!(dispatch(
		who,
		RuntimeCall::Workers(pallet_aiblock_workers::Call::register_worker {
			capabilities,
			roles,
			endpoint: b"http://127.0.0.1:9000".to_vec().try_into().unwrap(),
		})
	));
}

thread_local! {
	/// The score each trainer sealed for each manifest, so that tests can reveal it.
	static CLAIMS: core::cell::RefCell<std::collections::BTreeMap<(crate::AccountId, H256), Score>> =
		Default::default();
}

/// The salt the tests seal claims with.
const CLAIM_SALT: [u8; 32] = [5; 32];

/// `trainer`'s claim of `claimed` for the submission with `manifest`, sealed (and remembered
/// for [`reveal_claim`]).
fn seal(trainer: &crate::AccountId, manifest: &Payload, claimed: Score) -> H256 {
	CLAIMS.with(|c| c.borrow_mut().insert((trainer.clone(), manifest.hash), claimed));
	aiblock_primitives::jobs::claim_commitment(trainer, &manifest.hash, claimed, &CLAIM_SALT)
}

/// The trainer of `job` reveals the claim it sealed with [`seal`].
fn reveal_claim(job: u64) -> frame_support::dispatch::DispatchResultWithPostInfo {
	let Some(pallet_aiblock_jobs::Job { stage: pallet_aiblock_jobs::Stage::Evaluating(e), .. }) =
		pallet_aiblock_jobs::Jobs::<Runtime>::get(job)
	else {
		panic!("job {job} is not under evaluation");
	};
	let key = (e.trainer.clone(), e.submission.manifest.hash);
	let claimed = CLAIMS.with(|c| c.borrow().get(&key).copied()).expect("sealed with seal()");
	dispatch(
		&e.trainer,
		RuntimeCall::Jobs(pallet_aiblock_jobs::Call::reveal_claim {
			job,
			claimed,
			salt: CLAIM_SALT,
		}),
	)
}

fn payload(seed: u8) -> Payload {
	let mut cid = vec![0x01, 0x55, 0x12, 32];
	cid.extend([seed; 32]);
	Payload { cid: cid.try_into().unwrap(), hash: H256([seed; 32]), size: 4096 }
}

/// The one candidate of a one-slot job.
fn one(payload: Payload) -> Candidates<Payload> {
	Candidates::truncate_from(vec![payload])
}

/// A job like [`job_spec`] on one slot, `kind` of `model`, whose current block is `base`.
fn on_slot(model: u32, kind: BlockKind, base: H256) -> JobSpec {
	JobSpec { model, slots: vec![JobSlot { kind, base }].try_into().unwrap(), ..job_spec() }
}

/// A job on `SLOT`'s current block with windows the reference worker can keep.
fn job_spec() -> JobSpec {
	JobSpec {
		model: 0,
		slots: vec![JobSlot { kind: SLOT, base: current().0 }].try_into().unwrap(),
		datasets: vec![corpus()].try_into().unwrap(),
		allow_experimental: false,
		hyper: HyperParams {
			hash: H256([1; 32]),
			learning_rate_micros: 3_000,
			batch_size: 16,
			seed: 42,
			checkpoint_every: 50,
		},
		steps: 300,
		trainers: 1,
		evaluators: 3,
		min_vram_gib: 0,
		windows: Windows { accept: 20, submit: 100, commit: 20, reveal: 20 },
	}
}

/// A dataset's metadata, content `payload(seed)`, Merkle root `seed` repeated.
fn dataset_meta(seed: u8) -> DatasetMeta {
	DatasetMeta {
		name: b"corpus".to_vec().try_into().unwrap(),
		version: aiblock_primitives::dag::SemVer { major: 1, minor: 0, patch: 0 },
		license: b"CC0-1.0".to_vec().try_into().unwrap(),
		cid: payload(seed).cid,
		size: 1 << 20,
		merkle_root: H256([seed; 32]),
		sample_hashes: Default::default(),
		derived_from: Default::default(),
	}
}

/// Who proposed the tests' corpus.
fn corpus_proposer() -> crate::AccountId {
	account(Sr25519Keyring::Ferdie)
}

/// The tests' corpus as a job names it: a Gold dataset root entered on first use.
fn corpus() -> JobDataset {
	approved_dataset(dataset_meta(0xd0))
}

/// The Gold dataset `meta` describes, entered on first use.
fn approved_dataset(meta: DatasetMeta) -> JobDataset {
	let id =
		pallet_aiblock_datasets::ByContent::<Runtime>::get(meta.merkle_root).unwrap_or_else(|| {
			let id = pallet_aiblock_datasets::NextDatasetId::<Runtime>::get();
			assert_ok!(crate::Datasets::register_approved(
				RuntimeOrigin::root(),
				meta.clone(),
				corpus_proposer(),
				Tier::Gold
			));
			id
		});
	JobDataset { id, cid: meta.cid, parts: 1 }
}

fn post_job(poster: &crate::AccountId, spec: JobSpec, budget: crate::Balance) -> u64 {
	assert_ok!(dispatch(
		poster,
		RuntimeCall::Jobs(pallet_aiblock_jobs::Call::post_job { spec, budget })
	));
	pallet_aiblock_jobs::NextJobId::<Runtime>::get() - 1
}

/// What `who` was paid of learning rewards in this block (the events of earlier blocks are
/// gone).
fn learning_paid(who: &crate::AccountId) -> crate::Balance {
	System::events()
		.iter()
		.filter_map(|r| match &r.event {
			crate::RuntimeEvent::LearningRewards(
				pallet_aiblock_learning_rewards::Event::LearningRewardPaid {
					who: w, amount, ..
				},
			) if w == who => Some(*amount),
			_ => None,
		})
		.sum()
}

/// Every pallet's invariants.
fn try_state() {
	pallet_aiblock_jobs::Pallet::<Runtime>::do_try_state().unwrap();
	pallet_aiblock_stake::Pallet::<Runtime>::do_try_state().unwrap();
	pallet_aiblock_workers::Pallet::<Runtime>::do_try_state().unwrap();
	pallet_aiblock_expert_dag::Pallet::<Runtime>::do_try_state().unwrap();
	pallet_aiblock_datasets::Pallet::<Runtime>::do_try_state().unwrap();
	pallet_aiblock_pol_credits::Pallet::<Runtime>::do_try_state().unwrap();
	pallet_aiblock_learning_rewards::Pallet::<Runtime>::do_try_state().unwrap();
	pallet_aiblock_evolution::Pallet::<Runtime>::do_try_state().unwrap();
	pallet_aiblock_inference::Pallet::<Runtime>::do_try_state().unwrap();
}

pub(super) mod jobs {
	use super::*;
	use crate::configs::aiblock::{LearningEvaluatorShare, ValidatorShare};
	use crate::configs::aiblock::{ReporterShare, EVALUATOR_FEE, POSTING_FEE, TRAINER_COLLATERAL};
	use crate::PolCredits;
	use aiblock_primitives::{
		credits::seed_table::{ADOPTION, EVALUATION, FRAUD, MAX_ADOPTION_MULTIPLE},
		dag::QualityGate,
		jobs::{attestation_commitment, Attestation},
		rewards::{scale_by_gain, RewardSplit},
	};
	use frame_support::traits::Get;
	use pallet_aiblock_learning_rewards::Config as LearningRewardsConfig;

	/// One job through every call: post, accept, submit, three commits, the claim's reveal,
	/// three reveals.
	/// Returns the job's candidate.
	fn run_job(claimed: Score, measured: Score, budget: crate::Balance) -> H256 {
		run_job_on(job_spec(), claimed, measured, budget)
	}

	/// [`run_job`] of `spec`, posted by Alice and trained by Bob.
	pub(super) fn run_job_on(
		spec: JobSpec,
		claimed: Score,
		measured: Score,
		budget: crate::Balance,
	) -> H256 {
		let (alice, bob) = (account(Sr25519Keyring::Alice), account(Sr25519Keyring::Bob));
		let job = post_job(&alice, spec, budget);
		assert_ok!(dispatch(
			&bob,
			RuntimeCall::Jobs(pallet_aiblock_jobs::Call::accept_job { job })
		));
		assert_ok!(dispatch(
			&bob,
			RuntimeCall::Jobs(pallet_aiblock_jobs::Call::submit_result {
				job,
				candidates: one(payload(0xc0 + job as u8)),
				sealed_claim: seal(&bob, &payload(0xa0 + job as u8), claimed),
				manifest: payload(0xa0 + job as u8),
				checkpoint_root: H256([2; 32]),
				trained_with: Default::default(),
				revision: revision(),
			})
		));
		let now = System::block_number();
		run_to(now + 2);
		let Some(pallet_aiblock_jobs::Job {
			stage: pallet_aiblock_jobs::Stage::Evaluating(e), ..
		}) = pallet_aiblock_jobs::Jobs::<Runtime>::get(job)
		else {
			panic!("job {job} is under evaluation");
		};
		let panel: Vec<_> = e.panel.iter().map(|s| s.evaluator.clone()).collect();
		assert_eq!(panel.len(), 3);
		let attestation = Attestation { score: measured, replay_ok: true };
		for who in &panel {
			let commitment = attestation_commitment(job, who, &attestation, &[7; 32]);
			assert_ok!(dispatch(
				who,
				RuntimeCall::Jobs(pallet_aiblock_jobs::Call::commit_attestation {
					job,
					commitment
				})
			));
		}
		assert_ok!(reveal_claim(job));
		for who in &panel {
			assert_ok!(dispatch(
				who,
				RuntimeCall::Jobs(pallet_aiblock_jobs::Call::reveal_attestation {
					job,
					score: measured,
					replay_ok: true,
					salt: [7; 32],
				})
			));
		}
		assert!(
			pallet_aiblock_jobs::Jobs::<Runtime>::get(job).is_none(),
			"the last reveal ends it"
		);
		e.submission.candidates[0]
	}

	#[test]
	fn a_job_from_posting_to_adoption_and_a_refuted_claim() {
		with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
			System::set_block_number(1);
			let (alice, bob) = (account(Sr25519Keyring::Alice), account(Sr25519Keyring::Bob));
			let evaluators: Vec<_> =
				[Sr25519Keyring::Charlie, Sr25519Keyring::Dave, Sr25519Keyring::Eve]
					.into_iter()
					.map(account)
					.collect();
			let evaluator = Roles { trainer: false, evaluator: true, auditor: false };
			register(&bob, Roles { trainer: true, evaluator: false, auditor: false }, 80);
			for who in &evaluators {
				register(who, evaluator, 0);
			}
			// Draws count evaluators listed before the submission's block.
			run_to(2);
			let treasury = TreasuryAccount::get();
			let budget = BUDGET;
			let reward = budget - 3 * EVALUATOR_FEE;
			// The protocol fee (5 % of the budget) and the posting fee.
			let fee = crate::configs::aiblock::ProtocolFee::get() * budget + POSTING_FEE;

			// Adoption: the median beats the genesis score by more than delta.
			let (genesis_block, genesis_score) = current();
			let before: Vec<_> =
				[&alice, &bob, &treasury].into_iter().chain(&evaluators).map(free).collect();
			let proposer = free(&corpus_proposer());
			let candidate = run_job(genesis_score - 20_000, genesis_score - 20_000, budget);
			assert_eq!(current(), (candidate, genesis_score - 20_000), "ExpertDag.Current moved");
			assert_eq!(
				crate::ExpertDag::status(genesis_block),
				Some(aiblock_primitives::dag::BlockStatus::Superseded)
			);
			assert_eq!(free(&alice), before[0] - budget - fee);
			// The corpus's proposer takes the data contributors' tenth of the reward.
			let data = crate::configs::aiblock::DataShare::get().mul_floor(reward);
			// The network's learning reward comes on top, minted: a gain of twice the delta
			// or more earns more than the base, shared as the runtime says.
			let delta = <crate::ExpertDag as QualityGate<_>>::delta(0).expect("the genesis model");
			let learning = scale_by_gain(
				<Runtime as LearningRewardsConfig>::AdoptionReward::get(),
				<Runtime as LearningRewardsConfig>::MaxAdoptionMultiple::get(),
				20_000,
				delta,
			);
			let split = RewardSplit {
				validators: ValidatorShare::get(),
				evaluators: LearningEvaluatorShare::get(),
				data: crate::configs::aiblock::DataShare::get(),
			};
			let (to_trainer, to_evaluator, to_data) = split.adoption(learning, 3, &[1]);
			assert!(to_trainer > 0 && to_evaluator > 0 && to_data[0] > 0);
			assert_eq!(learning_paid(&bob), to_trainer);
			assert_eq!(learning_paid(&corpus_proposer()), to_data[0]);
			assert_eq!(free(&bob), before[1] + reward - data + to_trainer);
			assert_eq!(free(&corpus_proposer()), proposer + data + to_data[0]);
			assert_eq!(free(&treasury), before[2] + fee);
			for (i, who) in evaluators.iter().enumerate() {
				assert_eq!(free(who), before[3 + i] + EVALUATOR_FEE + to_evaluator);
			}
			// PoL credits: the trainer's scaled by its gain over the model's delta, and one
			// honest evaluation each.
			let adoption = pallet_aiblock_pol_credits::adoption_credits(
				ADOPTION,
				MAX_ADOPTION_MULTIPLE,
				20_000,
				delta,
			);
			assert!(adoption >= ADOPTION);
			assert_eq!(PolCredits::credits(&bob).free, adoption);
			for who in &evaluators {
				assert_eq!(PolCredits::credits(who).free, EVALUATION);
			}

			// A refuted claim: the trainer claims far more than the evaluators measure.
			let (base, base_score) = current();
			let before: Vec<_> =
				[&alice, &bob, &treasury].into_iter().chain(&evaluators).map(free).collect();
			let stake = Stake::active_stake(&bob);
			let refused = run_job(base_score - 500_000, base_score - 2_000, budget);
			assert_eq!(current().0, base, "nothing adopted");
			assert_eq!(
				crate::ExpertDag::status(refused),
				Some(aiblock_primitives::dag::BlockStatus::Rejected)
			);
			assert_eq!(Stake::active_stake(&bob), stake - TRAINER_COLLATERAL);
			assert_eq!(free(&alice), before[0] - budget - fee + reward, "the reward is refunded");
			assert_eq!(free(&bob), before[1]);
			// The evaluators whose median refuted the claim share the reporter's tenth of the
			// slash (in thirds, rounded down); the treasury takes the rest.
			let mut reported = 0;
			for (i, who) in evaluators.iter().enumerate() {
				let share = free(who) - before[3 + i] - EVALUATOR_FEE;
				assert!(share > 0, "evaluator {i} shares the reporter's part");
				reported += share;
			}
			assert!(
				reported.abs_diff(ReporterShare::get() * TRAINER_COLLATERAL) <= 3,
				"{reported}"
			);
			assert_eq!(free(&treasury), before[2] + fee + TRAINER_COLLATERAL - reported);
			// The three proved the fraud and share its credits; nothing for the trainer.
			assert_eq!(PolCredits::credits(&bob).free, adoption);
			for who in &evaluators {
				assert_eq!(PolCredits::credits(who).free, EVALUATION + FRAUD / 3);
			}
			assert_eq!(PolCredits::total(), adoption + 3 * (EVALUATION + FRAUD / 3));
			try_state();
		});
	}
}
