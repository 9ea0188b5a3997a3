//! Benchmarks of the Jobs pallet, each in its worst case: the most datasets and dependencies,
//! the largest panels, the last seat searched, adoption with every evaluator paid.
//!
//! They train model 0's `layer0.expert0` slot, which the genesis model (and the mock's) has.

use super::*;
use aiblock_primitives::{
	dag::{BlockKind, Cid, MAX_CID_LEN},
	jobs::{
		attestation_commitment, claim_commitment, min_windows, Claim, HyperParams, JobSlot,
		Windows, MAX_JOB_DATASETS, MAX_TRAINED_WITH,
	},
	stake::{SlashReason, StakeInspect},
	workers::{lottery_ticket, tickets_checked},
};
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use frame_system::RawOrigin;

const SLOT: BlockKind = BlockKind::Expert { layer: 0, expert: 0 };
const SCORE: Score = 1;

fn cid(seed: u32) -> Cid {
	let mut bytes = vec![0x01, 0x55, 0x12, 32];
	bytes.extend(seed.to_le_bytes().iter().cycle().take(32));
	debug_assert!(bytes.len() as u32 <= MAX_CID_LEN);
	BoundedVec::truncate_from(bytes)
}

fn payload(seed: u32) -> Payload {
	Payload { cid: cid(seed), hash: H256::repeat_byte(seed as u8), size: 1 << 20 }
}

/// The candidate of the benchmarks' one-slot jobs.
fn candidate(seed: u32) -> Candidates<Payload> {
	Candidates::truncate_from(vec![payload(seed)])
}

fn base<T: Config>() -> H256 {
	T::Gate::current(0, SLOT).expect("the genesis model has layer0.expert0").0
}

/// A job the runtime accepts: windows of at least 10 blocks and the reference worker's minimum.
fn spec<T: Config>(evaluators: u32) -> JobSpec {
	let mut spec = JobSpec {
		model: 0,
		slots: BoundedVec::truncate_from(vec![JobSlot { kind: SLOT, base: base::<T>() }]),
		datasets: BoundedVec::truncate_from((0..MAX_JOB_DATASETS).map(cid).collect()),
		hyper: HyperParams {
			hash: H256::repeat_byte(7),
			learning_rate_micros: 1_000,
			batch_size: 8,
			seed: 1,
			checkpoint_every: 10,
		},
		steps: 100,
		trainers: 1,
		evaluators,
		min_vram_gib: 0,
		windows: Windows { accept: 0, submit: 0, commit: 0, reveal: 0 },
	};
	let size = T::Gate::payload_size(base::<T>()).unwrap_or(0);
	let min = min_windows(&spec, size, size, &T::ReferenceWorker::get());
	let w = |least: u32| least.max(10).min(T::MaxWindow::get());
	spec.windows = Windows {
		accept: w(min.accept),
		submit: w(min.submit),
		commit: w(min.commit),
		reveal: w(min.reveal),
	};
	spec
}

/// Register `n` evaluators, listed from a block before the next submission (draws count
/// only those).
fn evaluators<T: Config>(n: u32) -> Vec<T::AccountId> {
	let panel = (0..n).map(|i| worker::<T>("evaluator", i, Role::Evaluator)).collect();
	let now = frame_system::Pallet::<T>::block_number();
	frame_system::Pallet::<T>::set_block_number(now.saturating_add(1u32.into()));
	panel
}

fn budget<T: Config>(evaluators: u32) -> BalanceOf<T> {
	T::MinReward::get().saturating_add(T::EvaluatorFee::get().saturating_mul(evaluators.into()))
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let plenty = budget::<T>(T::MaxEvaluators::get())
		.saturating_mul(1_000u32.into())
		.saturating_add(T::Currency::minimum_balance());
	T::Currency::set_balance(&who, plenty);
	who
}

fn worker<T: Config>(name: &'static str, index: u32, role: Role) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::BenchmarkHelper::make_worker(&who, role);
	who
}

/// Other current blocks of model 0, as frozen dependencies of a candidate.
fn trained_with<T: Config>(d: u32) -> TrainedWith {
	let kinds = [BlockKind::Shared, BlockKind::Router { layer: 0 }, BlockKind::Router { layer: 1 }]
		.into_iter()
		.chain(
			(0..2).flat_map(|layer| (0..4).map(move |expert| BlockKind::Expert { layer, expert })),
		);
	let ids: Vec<H256> = kinds
		.filter(|k| *k != SLOT)
		.filter_map(|k| T::Gate::current(0, k).map(|(id, _)| id))
		.take(d as usize)
		.collect();
	assert_eq!(ids.len(), d as usize, "the genesis model has enough blocks");
	BoundedVec::truncate_from(ids)
}

fn post<T: Config>(evaluators: u32) -> JobId {
	let poster = funded::<T>("poster", 0);
	Pallet::<T>::post_job(RawOrigin::Signed(poster).into(), spec::<T>(3), budget::<T>(3))
		.expect("a valid job");
	let id = NextJobId::<T>::get() - 1;
	// A panel of any size: the posted spec asks for three (odd) evaluators.
	Jobs::<T>::mutate(id, |job| {
		let job = job.as_mut().expect("just posted");
		job.spec.evaluators = evaluators;
	});
	id
}

fn accepted<T: Config>(evaluators: u32) -> (JobId, T::AccountId) {
	let job = post::<T>(evaluators);
	let trainer = worker::<T>("trainer", 0, Role::Trainer);
	Pallet::<T>::accept_job(RawOrigin::Signed(trainer.clone()).into(), job).expect("accepted");
	(job, trainer)
}

/// The benchmark model's current revision.
fn revision<T: Config>() -> u32 {
	T::Gate::state(spec::<T>(3).model).map(|s| s.revision).unwrap_or(0)
}

/// The benchmark trainer's claim of `SCORE` for the manifest `payload(2)`, sealed with a zero
/// salt.
fn sealed<T: Config>(trainer: &T::AccountId) -> H256 {
	claim_commitment(trainer, &payload(2).hash, SCORE, &[0; 32])
}

/// The trainer of a job under evaluation.
fn trainer_of<T: Config>(job: JobId) -> T::AccountId {
	match Jobs::<T>::get(job).map(|j| j.stage) {
		Some(Stage::Evaluating(e)) => e.trainer,
		_ => panic!("job {job} is not under evaluation"),
	}
}

fn submitted<T: Config>(evaluators: u32) -> (JobId, T::AccountId) {
	let (job, trainer) = accepted::<T>(evaluators);
	Pallet::<T>::submit_result(
		RawOrigin::Signed(trainer.clone()).into(),
		job,
		candidate(1),
		sealed::<T>(&trainer),
		payload(2),
		H256::repeat_byte(3),
		TrainedWith::default(),
		revision::<T>(),
	)
	.expect("submitted");
	(job, trainer)
}

/// A job whose panel of `n` is drawn (out of `n` registered evaluators).
fn drawn<T: Config>(n: u32) -> (JobId, Vec<T::AccountId>) {
	let panel = evaluators::<T>(n);
	let (job, _) = submitted::<T>(n);
	let due = Jobs::<T>::get(job).expect("open").due;
	frame_system::Pallet::<T>::set_block_number(due);
	Pallet::<T>::attend(job, due);
	assert_eq!(seats::<T>(job).len(), n as usize, "the panel is complete");
	(job, panel)
}

fn seats<T: Config>(job: JobId) -> Vec<T::AccountId> {
	match Jobs::<T>::get(job).map(|j| j.stage) {
		Some(Stage::Evaluating(e)) => e.panel.iter().map(|s| s.evaluator.clone()).collect(),
		_ => Vec::new(),
	}
}

fn attestation() -> Attestation {
	Attestation { score: SCORE, replay_ok: true }
}

fn commit_all<T: Config>(job: JobId, panel: &[T::AccountId]) {
	for who in panel {
		let commitment = attestation_commitment(job, who, &attestation(), &[0; 32]);
		Pallet::<T>::commit_attestation(RawOrigin::Signed(who.clone()).into(), job, commitment)
			.expect("on the panel");
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn post_job() {
		let poster = funded::<T>("poster", 0);
		let n = T::MaxEvaluators::get() | 1;
		let n = if n > T::MaxEvaluators::get() { n - 2 } else { n };

		#[extrinsic_call]
		_(RawOrigin::Signed(poster), spec::<T>(n), budget::<T>(n));

		assert_eq!(LiveJobs::<T>::get(), 1);
	}

	#[benchmark]
	fn cancel_job() {
		let job = post::<T>(3);
		let poster: T::AccountId = account("poster", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(poster), job);

		assert!(Jobs::<T>::get(job).is_none());
	}

	#[benchmark]
	fn accept_job() {
		let job = post::<T>(3);
		let trainer = worker::<T>("trainer", 0, Role::Trainer);

		#[extrinsic_call]
		_(RawOrigin::Signed(trainer), job);

		assert!(matches!(Jobs::<T>::get(job).map(|j| j.stage), Some(Stage::Training { .. })));
	}

	#[benchmark]
	fn submit_result(d: Linear<0, MAX_TRAINED_WITH>) {
		let (job, trainer) = accepted::<T>(3);
		let with = trained_with::<T>(d);
		let revision = revision::<T>();

		let seal = sealed::<T>(&trainer);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(trainer),
			job,
			candidate(1),
			seal,
			payload(2),
			H256::zero(),
			with,
			revision,
		);

		assert!(matches!(Jobs::<T>::get(job).map(|j| j.stage), Some(Stage::Evaluating(_))));
	}

	#[benchmark]
	fn submit_candidate(d: Linear<0, MAX_TRAINED_WITH>) {
		let trainer = worker::<T>("trainer", 0, Role::Trainer);
		let with = trained_with::<T>(d);
		let revision = revision::<T>();

		let seal = sealed::<T>(&trainer);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(trainer),
			spec::<T>(3),
			candidate(1),
			seal,
			payload(2),
			H256::zero(),
			with,
			revision,
		);

		assert_eq!(LiveJobs::<T>::get(), 1);
	}

	#[benchmark]
	fn commit_attestation() {
		let (job, panel) = drawn::<T>(T::MaxEvaluators::get());
		let (last, others) = panel.split_last().expect("a panel");
		commit_all::<T>(job, others);
		let commitment = attestation_commitment(job, last, &attestation(), &[0; 32]);

		#[extrinsic_call]
		_(RawOrigin::Signed(last.clone()), job, commitment);

		assert!(Jobs::<T>::get(job).is_some());
	}

	/// A reveal that does not end the job (the last one is `reveal_attestation` + `finalize`).
	#[benchmark]
	fn reveal_attestation() {
		let (job, panel) = drawn::<T>(T::MaxEvaluators::get());
		commit_all::<T>(job, &panel);
		let last = panel.last().expect("a panel").clone();

		#[extrinsic_call]
		_(RawOrigin::Signed(last), job, SCORE, true, [0; 32]);

		assert!(Jobs::<T>::get(job).is_some(), "the others have not revealed");
	}

	/// The trainer's claim revealed while the evaluators' reveals are pending (the last
	/// reveal is `reveal_claim` + `finalize`).
	#[benchmark]
	fn reveal_claim() {
		let (job, panel) = drawn::<T>(T::MaxEvaluators::get());
		commit_all::<T>(job, &panel);
		let trainer = trainer_of::<T>(job);

		#[extrinsic_call]
		_(RawOrigin::Signed(trainer), job, SCORE, [0; 32]);

		let revealed = match Jobs::<T>::get(job).map(|j| j.stage) {
			Some(Stage::Evaluating(e)) => e.submission.claim.revealed(),
			_ => None,
		};
		assert_eq!(revealed, Some(SCORE), "revealed, and the evaluators still to reveal");
	}

	/// The verdict on a panel of `n`: adoption, the trainer and every evaluator paid.
	#[benchmark]
	fn finalize(n: Linear<3, { T::MaxEvaluators::get() }>) {
		let (job, panel) = drawn::<T>(n);
		commit_all::<T>(job, &panel);
		Jobs::<T>::mutate(job, |j| {
			if let Some(Job { stage: Stage::Evaluating(e), .. }) = j {
				e.submission.claim = Claim::Revealed(SCORE);
				for seat in e.panel.iter_mut() {
					seat.attestation = Some(attestation());
				}
			}
		});
		let record = Jobs::<T>::get(job).expect("open");
		Pallet::<T>::unschedule(job, record.due);

		#[block]
		{
			Pallet::<T>::finalize(job, record);
		}

		assert_eq!(T::Gate::current(0, SLOT).map(|(_, s)| s), Some(Some(SCORE)), "adopted");
	}

	/// The verdict on a panel of `n` on its most expensive path: the trainer's claim refuted
	/// (its collateral slashed in one part per honest evaluator, each naming that evaluator as
	/// reporter), the honest majority paid, every other evaluator slashed as an outlier.
	#[benchmark]
	fn finalize_refuted(n: Linear<3, { T::MaxEvaluators::get() }>) {
		let (job, panel) = drawn::<T>(n);
		commit_all::<T>(job, &panel);
		let honest = (n as usize).div_ceil(2);
		Jobs::<T>::mutate(job, |j| {
			if let Some(Job { stage: Stage::Evaluating(e), .. }) = j {
				e.submission.claim = Claim::Revealed(SCORE);
				for (i, seat) in e.panel.iter_mut().enumerate() {
					let score = if i < honest { 1_000_000 } else { 9_000_000 };
					seat.attestation = Some(Attestation { score, replay_ok: true });
				}
			}
		});
		let record = Jobs::<T>::get(job).expect("open");
		Pallet::<T>::unschedule(job, record.due);

		#[block]
		{
			Pallet::<T>::finalize(job, record);
		}

		assert!(Jobs::<T>::get(job).is_none());
		assert_ne!(T::Gate::current(0, SLOT).map(|(_, s)| s), Some(Some(SCORE)), "not adopted");
	}

	/// Drawing a panel of `n` out of `w` listed evaluators in the worst case: every listed
	/// evaluator gets a ticket, the draw checks as many of the lowest as it ever does
	/// (`tickets_checked`), and all of them but the last `n` belong to inactive evaluators
	/// (below the minimum bond, still listed until their next heartbeat or sweep), whose
	/// reads it pays for before it reaches the active ones.
	#[benchmark]
	fn draw_evaluators(
		n: Linear<3, { T::MaxEvaluators::get() }>,
		w: Linear<{ T::MaxEvaluators::get() }, { T::MaxEvaluatorPool::get() }>,
	) {
		let pool = evaluators::<T>(w);
		let (job, _) = submitted::<T>(n);
		let record = Jobs::<T>::get(job).expect("open");
		let due = record.due;
		frame_system::Pallet::<T>::set_block_number(due);
		let Stage::Evaluating(e) = &record.stage else { panic!("submitted") };
		// The seed the draw will use (see `draw`), and the order it puts the pool in.
		let seed = sp_crypto_hashing::blake2_256(
			&(frame_system::Pallet::<T>::parent_hash(), job, &e.submission.candidates).encode(),
		);
		let mut ranked = pool;
		ranked.sort_by_key(|who| lottery_ticket(&seed, who));
		let checked = (tickets_checked(n) as usize).min(ranked.len());
		let active = checked.saturating_sub(n as usize)..checked;
		for (i, who) in ranked.iter().enumerate() {
			if !active.contains(&i) {
				T::Stake::slash(
					who,
					T::Stake::active_stake(who),
					SlashReason::EvaluatorOutlier,
					None,
				);
			}
		}

		#[block]
		{
			Pallet::<T>::attend(job, due);
		}

		assert_eq!(seats::<T>(job).len(), n as usize);
	}

	#[benchmark]
	fn expire_job() {
		let job = post::<T>(3);
		let due = Jobs::<T>::get(job).expect("open").due;
		frame_system::Pallet::<T>::set_block_number(due);

		#[block]
		{
			Pallet::<T>::attend(job, due);
		}

		assert!(Jobs::<T>::get(job).is_none());
	}

	#[benchmark]
	fn trainer_timeout() {
		let (job, _) = accepted::<T>(3);
		let due = Jobs::<T>::get(job).expect("open").due;
		frame_system::Pallet::<T>::set_block_number(due);

		#[block]
		{
			Pallet::<T>::attend(job, due);
		}

		assert!(matches!(Jobs::<T>::get(job).map(|j| j.stage), Some(Stage::Open { .. })));
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().evaluators(0).build(),
		crate::mock::Test
	);
}
