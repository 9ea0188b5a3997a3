//! A call-sequence fuzzer on the real runtime: random sequences of every signed call of Stake,
//! Workers and Jobs (and root's slash) from ten funded accounts, with hostile arguments (zero,
//! maximum, unknown ids, other accounts' jobs, windows around the minimum, calls out of their
//! window), while blocks advance with `on_idle`. After every block, every pallet's invariants
//! hold and the total issuance has not moved (these calls pay no transaction fee here, and
//! slashes and fees go to the treasury, not away).
//!
//! Arguments lean towards what moves jobs on (open job ids, the account a job waits for,
//! attestations that match their commitments), so that sequences reach verdicts; the test fails
//! if a run of ten or more sequences judges no candidate.
//!
//! Each sequence is reproducible from its seed. `AIBLOCK_FUZZ_SEQUENCES` sets how many run
//! (default 40; `.ci/test` runs 400), `AIBLOCK_FUZZ_SEED` the first seed (default 1), and
//! `AIBLOCK_FUZZ_TRACE=1` prints every call with its result; the test prints sequences per
//! second.

use super::*;
use crate::configs::aiblock::{ReferenceWorker, MAX_STEPS};
use aiblock_primitives::dag::BlockStatus;
use aiblock_primitives::jobs::{
	attestation_commitment, claim_commitment, min_windows, Attestation, JobSlot,
};
use frame_support::traits::ConstU32;
use pallet_aiblock_jobs::Stage;
use std::time::Instant;

/// Calls per sequence.
const STEPS: u32 = 150;

/// splitmix64: small, fast and good enough to pick hostile arguments.
struct Rng(u64);

impl Rng {
	fn next(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
		z ^ (z >> 31)
	}

	fn below(&mut self, n: u64) -> u64 {
		self.next() % n.max(1)
	}

	fn pick<T: Clone>(&mut self, items: &[T]) -> T {
		items[self.below(items.len() as u64) as usize].clone()
	}

	fn chance(&mut self, percent: u64) -> bool {
		self.below(100) < percent
	}
}

fn amount(rng: &mut Rng) -> crate::Balance {
	let some = rng.below(200) as u128 * UNIT;
	rng.pick(&[0, 1, MIN_WORKER_BOND, 10 * UNIT, 1_000_000 * UNIT, u128::MAX, some])
}

/// An open job's id most of the time (so that sequences get somewhere), else a hostile one.
fn job_id(rng: &mut Rng) -> u64 {
	let open: Vec<u64> = pallet_aiblock_jobs::Jobs::<Runtime>::iter_keys().collect();
	if !open.is_empty() && rng.chance(75) {
		return rng.pick(&open);
	}
	let next = pallet_aiblock_jobs::NextJobId::<Runtime>::get();
	let any = rng.below(next + 1);
	rng.pick(&[next.saturating_sub(1), next, u64::MAX, any])
}

/// An open job in `stage`, with the account that may act on it there, if any.
fn acting_on(
	rng: &mut Rng,
	actor: impl Fn(&pallet_aiblock_jobs::Job<Runtime>) -> Vec<crate::AccountId>,
) -> Option<(u64, crate::AccountId)> {
	let candidates: Vec<(u64, crate::AccountId)> = pallet_aiblock_jobs::Jobs::<Runtime>::iter()
		.flat_map(|(id, job)| actor(&job).into_iter().map(move |who| (id, who)))
		.collect();
	(!candidates.is_empty()).then(|| rng.pick(&candidates))
}

/// The attestation an honest evaluator of `job` makes: a gain over the base, replay reproduced.
fn honest_attestation(job: u64) -> Attestation {
	let base = pallet_aiblock_jobs::Jobs::<Runtime>::get(job).map(|j| j.base_score).unwrap_or(0);
	Attestation { score: base.saturating_sub(20_000), replay_ok: true }
}

fn roles(rng: &mut Rng) -> Roles {
	Roles { trainer: rng.chance(60), evaluator: rng.chance(60), auditor: rng.chance(10) }
}

fn capabilities(rng: &mut Rng) -> pallet_aiblock_workers::WorkerCapabilities<ConstU32<64>> {
	let vram_gib = rng.pick(&[0, 8, 80, u32::MAX]);
	pallet_aiblock_workers::WorkerCapabilities {
		gpu_model: if vram_gib > 0 { b"GPU".to_vec() } else { vec![] }.try_into().unwrap(),
		spec: ComputeSpec {
			vram_gib,
			gpu_count: u32::from(vram_gib > 0 || rng.chance(5)),
			cpu_cores: rng.pick(&[0, 2, u32::MAX]),
		},
	}
}

/// A job spec: half the time one the runtime accepts, else hostile numbers around it.
/// Mostly the model's current revision; sometimes one it left, one it never reached, or junk.
fn revision(rng: &mut Rng) -> u32 {
	let now = pallet_aiblock_expert_dag::States::<Runtime>::get(0).revision;
	match rng.below(8) {
		0 => 0,
		1 => now.saturating_sub(1),
		2 => now.saturating_add(1),
		3 => u32::MAX,
		_ => now,
	}
}

fn spec(rng: &mut Rng) -> JobSpec {
	let mut spec = job_spec();
	if rng.chance(50) {
		return spec;
	}
	let kind = rng.pick(&[SLOT, BlockKind::Shared, BlockKind::Expert { layer: 9, expert: 9 }]);
	let mut base = crate::ExpertDag::current(0, kind).map(|(id, _)| id).unwrap_or_default();
	if rng.chance(10) {
		base = H256::repeat_byte(rng.below(256) as u8);
	}
	spec.slots = match rng.below(10) {
		// No slot, the same slot twice, or two slots of the byte model (which trains one).
		0 => Default::default(),
		1 => vec![JobSlot { kind, base }; 2].try_into().unwrap(),
		2 => {
			let shared = crate::ExpertDag::current(0, BlockKind::Shared).expect("genesis").0;
			let shared = JobSlot { kind: BlockKind::Shared, base: shared };
			vec![shared, JobSlot { kind, base }].try_into().unwrap()
		},
		_ => vec![JobSlot { kind, base }].try_into().unwrap(),
	};
	spec.steps = rng.pick(&[0, 1, 300, MAX_STEPS, MAX_STEPS + 1, u32::MAX]);
	spec.hyper.batch_size = rng.pick(&[0, 16, 4096, u32::MAX]);
	spec.hyper.checkpoint_every = rng.pick(&[0, 1, 50, u32::MAX]);
	spec.evaluators = rng.pick(&[0, 1, 3, 4, 5, 15, 17, u32::MAX]);
	spec.trainers = rng.pick(&[1, 1, 1, 0, 2]);
	spec.min_vram_gib = rng.pick(&[0, 0, 8, 80, 81, u32::MAX]);
	let size = crate::ExpertDag::payload_size(base).unwrap_or(0);
	let min = min_windows(&spec, size, size, &ReferenceWorker::get());
	let mut window = |least: u32| {
		rng.pick(&[0, 1, least.saturating_sub(1), least, least + 5, crate::DAYS, crate::DAYS + 1])
	};
	spec.windows = Windows {
		accept: window(min.accept),
		submit: window(min.submit),
		commit: window(min.commit),
		reveal: window(min.reveal),
	};
	spec
}

/// One random call, from `who` or from the account a job waits for, or root's slash.
fn call(
	rng: &mut Rng,
	accounts: &[crate::AccountId],
	who: crate::AccountId,
) -> (RuntimeCall, RuntimeOrigin) {
	use pallet_aiblock_jobs::Call as J;
	use pallet_aiblock_stake::Call as S;
	use pallet_aiblock_workers::Call as W;
	let hostile_score = rng.pick(&[0, current().1, u32::MAX]);
	let mut signer = who;
	let call = match rng.below(18) {
		0 => RuntimeCall::Stake(S::bond { amount: amount(rng) }),
		1 => RuntimeCall::Stake(S::unbond { amount: amount(rng) }),
		2 => RuntimeCall::Stake(S::withdraw_unbonded {}),
		3 => {
			let target = rng.pick(accounts);
			let reporter = rng.chance(50).then(|| rng.pick(accounts));
			let slash = RuntimeCall::Stake(S::slash { who: target, amount: amount(rng), reporter });
			let origin =
				if rng.chance(80) { RuntimeOrigin::root() } else { RuntimeOrigin::signed(signer) };
			return (slash, origin);
		},
		4 | 5 => RuntimeCall::Workers(W::register_worker {
			capabilities: capabilities(rng),
			roles: roles(rng),
			endpoint: b"/ip4/127.0.0.1/tcp/1".to_vec().try_into().unwrap(),
		}),
		6 => RuntimeCall::Workers(W::update_worker {
			capabilities: capabilities(rng),
			roles: roles(rng),
			endpoint: if rng.chance(90) { b"e".to_vec() } else { vec![] }.try_into().unwrap(),
		}),
		7 => RuntimeCall::Workers(W::heartbeat {}),
		8 => RuntimeCall::Workers(W::deregister_worker {}),
		9 | 10 => {
			let budget = if rng.chance(60) { 50 * UNIT } else { amount(rng) };
			RuntimeCall::Jobs(J::post_job { spec: spec(rng), budget })
		},
		11 => RuntimeCall::Jobs(J::cancel_job { job: job_id(rng) }),
		12 => RuntimeCall::Jobs(J::accept_job { job: job_id(rng) }),
		13 => {
			let mut job = job_id(rng);
			if let (true, Some((id, trainer))) = (
				rng.chance(75),
				acting_on(rng, |j| match &j.stage {
					Stage::Training { trainer, .. } => vec![trainer.clone()],
					_ => vec![],
				}),
			) {
				(job, signer) = (id, trainer);
			}
			let honest = honest_attestation(job).score;
			let manifest = payload(rng.below(256) as u8);
			let claimed = if rng.chance(80) { honest } else { hostile_score };
			RuntimeCall::Jobs(J::submit_result {
				job,
				candidates: one(payload(rng.below(256) as u8)),
				sealed_claim: claim_commitment(&signer, &manifest.hash, claimed, &[7; 32]),
				manifest,
				checkpoint_root: H256::zero(),
				trained_with: Default::default(),
				revision: revision(rng),
			})
		},
		14 => {
			let manifest = payload(rng.below(256) as u8);
			let claimed =
				if rng.chance(50) { current().1.saturating_sub(20_000) } else { hostile_score };
			RuntimeCall::Jobs(J::submit_candidate {
				spec: spec(rng),
				candidates: one(payload(rng.below(256) as u8)),
				sealed_claim: claim_commitment(&signer, &manifest.hash, claimed, &[7; 32]),
				manifest,
				checkpoint_root: H256::zero(),
				trained_with: Default::default(),
				revision: revision(rng),
			})
		},
		// Trainers reveal one of the claims the calls above seal (not always the one they
		// sealed), at any time, or with the wrong salt.
		17 => {
			let mut job = job_id(rng);
			if let (true, Some((id, trainer))) = (
				rng.chance(80),
				acting_on(rng, |j| match &j.stage {
					Stage::Evaluating(e) => vec![e.trainer.clone()],
					_ => vec![],
				}),
			) {
				(job, signer) = (id, trainer);
			}
			let claimed = rng.pick(&[
				honest_attestation(job).score,
				current().1.saturating_sub(20_000),
				hostile_score,
			]);
			let salt = if rng.chance(90) { [7; 32] } else { [8; 32] };
			RuntimeCall::Jobs(J::reveal_claim { job, claimed, salt })
		},
		// Evaluators mostly commit and reveal what an honest evaluator would, so that jobs reach
		// verdicts; some lie, some reveal what they did not commit.
		kind => {
			let mut job = job_id(rng);
			if let (true, Some((id, member))) = (
				rng.chance(80),
				acting_on(rng, |j| match &j.stage {
					Stage::Evaluating(e) => e.panel.iter().map(|s| s.evaluator.clone()).collect(),
					_ => vec![],
				}),
			) {
				(job, signer) = (id, member);
			}
			let mut attestation = honest_attestation(job);
			if rng.chance(15) {
				attestation = Attestation { score: hostile_score, replay_ok: rng.chance(50) };
			}
			if kind == 15 {
				let commitment = attestation_commitment(job, &signer, &attestation, &[7; 32]);
				RuntimeCall::Jobs(J::commit_attestation { job, commitment })
			} else {
				RuntimeCall::Jobs(J::reveal_attestation {
					job,
					score: attestation.score,
					replay_ok: attestation.replay_ok,
					salt: [7; 32],
				})
			}
		},
	};
	(call, RuntimeOrigin::signed(signer))
}

/// Every pallet's invariants, and an issuance that nothing but these calls and the learning
/// rewards they earned could have moved.
fn check(issuance: crate::Balance, seed: u64, step: u32) {
	let context = |e: sp_runtime::TryRuntimeError| panic!("seed {seed}, step {step}: {e:?}");
	pallet_aiblock_jobs::Pallet::<Runtime>::do_try_state().unwrap_or_else(context);
	pallet_aiblock_stake::Pallet::<Runtime>::do_try_state().unwrap_or_else(context);
	pallet_aiblock_workers::Pallet::<Runtime>::do_try_state().unwrap_or_else(context);
	pallet_aiblock_expert_dag::Pallet::<Runtime>::do_try_state().unwrap_or_else(context);
	pallet_aiblock_pol_credits::Pallet::<Runtime>::do_try_state().unwrap_or_else(context);
	pallet_aiblock_learning_rewards::Pallet::<Runtime>::do_try_state().unwrap_or_else(context);
	pallet_aiblock_evolution::Pallet::<Runtime>::do_try_state().unwrap_or_else(context);
	// A sequence is far shorter than an era: whatever was minted is this year's count.
	let minted =
		pallet_aiblock_learning_rewards::CurrentYear::<Runtime>::get().map_or(0, |y| y.minted);
	assert_eq!(
		Balances::total_issuance(),
		issuance + minted,
		"seed {seed}, step {step}: issuance moved by more than the learning rewards"
	);
}

/// Candidates that reached a verdict (adopted or rejected, including for want of a panel).
fn judged() -> usize {
	let count = |status| crate::ExpertDag::blocks_by_status(status, None, u32::MAX).len();
	count(BlockStatus::Rejected) + count(BlockStatus::Accepted) + count(BlockStatus::Superseded)
}

/// Run sequence `seed`; returns how many candidates were judged in it.
fn sequence(seed: u64) -> usize {
	let mut judged_in_sequence = 0;
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let mut rng = Rng(seed);
		let accounts: Vec<crate::AccountId> =
			Sr25519Keyring::iter().take(10).map(|k| k.to_account_id()).collect();
		// Most accounts start as workers, so that jobs get trainers and panels.
		for who in &accounts[2..] {
			let roles = if rng.chance(30) {
				Roles::only(Role::Trainer)
			} else {
				Roles::only(Role::Evaluator)
			};
			register(who, roles, rng.pick(&[0, 80]));
		}
		run_to(2);
		let issuance = Balances::total_issuance();
		let genesis = judged();
		for step in 0..STEPS {
			let who = rng.pick(&accounts);
			let (call, origin) = call(&mut rng, &accounts, who);
			let trace = std::env::var("AIBLOCK_FUZZ_TRACE").is_ok();
			let described = trace.then(|| format!("{origin:?} {call:?}"));
			let result = call.dispatch_bypass_filter(origin);
			if let Some(described) = described {
				eprintln!(
					"#{} step {step}: {described} -> {:?}",
					System::block_number(),
					result.map(|_| ()).map_err(|e| e.error)
				);
			}
			// Commit everything the call wrote (an error reverts the call, as in a block).
			if rng.chance(25) {
				let blocks = rng.pick(&[1, 1, 2, 5, 12, 30]);
				for _ in 0..blocks {
					run_to(System::block_number() + 1);
					check(issuance, seed, step);
				}
			}
		}
		run_to(System::block_number() + crate::DAYS / 10);
		check(issuance, seed, STEPS);
		judged_in_sequence = judged() - genesis;
	});
	judged_in_sequence
}

#[test]
fn random_call_sequences_keep_every_invariant() {
	let env = |name: &str, default: u64| {
		std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
	};
	let (count, first) = (env("AIBLOCK_FUZZ_SEQUENCES", 40), env("AIBLOCK_FUZZ_SEED", 1));
	let started = Instant::now();
	let judged: usize = (first..first + count).map(sequence).sum();
	let seconds = started.elapsed().as_secs_f64();
	println!(
		"fuzz: {count} sequences of {STEPS} calls (seeds {first}..{}) in {seconds:.1} s, \
		 {:.1} sequences/s, {judged} candidates judged, no invariant broken",
		first + count - 1,
		count as f64 / seconds
	);
	// The sequences must reach verdicts, or they explore little of the Jobs pallet.
	assert!(count < 10 || judged > 0, "no candidate was judged in {count} sequences");
}
