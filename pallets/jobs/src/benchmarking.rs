//! Benchmarks of the Jobs pallet, each in its worst case: the most datasets and dependencies,
//! the largest panels, the last seat searched, adoption with every evaluator paid.
//!
//! Their jobs train `s` slots of a model the helper imports for them ([`model`]): a byte-level
//! transformer with more slots than a job may name, so that `s` runs up to `MAX_JOB_SLOTS` and
//! the candidates still have other current blocks to be trained with.

use super::*;
use aiblock_primitives::{
	dag::{AttentionSpec, BlockKind, Cid, ModelIndex, ModelSpec, SemVer, Tokenizer, MAX_CID_LEN},
	jobs::{
		attestation_commitment, claim_commitment, min_windows, Claim, HyperParams, JobDataset,
		JobSlot, JobSlots, Windows, MAX_JOB_DATASETS, MAX_TRAINED_WITH,
	},
	stake::{SlashReason, StakeInspect},
	workers::{lottery_ticket, tickets_checked},
};
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use frame_system::RawOrigin;

/// The score the benchmarks' candidates claim and are attested.
const SCORE: Score = 1;
/// The score of the imported model's blocks: a candidate at `SCORE` improves on it.
const BASE_SCORE: Score = 2_000_000;

fn cid(seed: u32) -> Cid {
	let mut bytes = vec![0x01, 0x55, 0x12, 32];
	bytes.extend(seed.to_le_bytes().iter().cycle().take(32));
	debug_assert!(bytes.len() as u32 <= MAX_CID_LEN);
	BoundedVec::truncate_from(bytes)
}

/// Approved dataset `i` (entered on first use), as a job names it: each with its own
/// proposer, so that an adoption pays every one of them.
fn dataset<T: Config>(i: u32) -> JobDataset {
	let content = cid(1_000_000 + i);
	let id = T::BenchmarkHelper::approve_dataset(content.clone(), &account("data", i, 0));
	JobDataset { id, cid: content, parts: i + 1 }
}

fn payload(seed: u32) -> Payload {
	let hash = H256(sp_crypto_hashing::blake2_256(&seed.to_le_bytes()));
	Payload { cid: cid(seed), hash, size: 1 << 20 }
}

/// Import the benchmarks' model and return its index: a byte-level transformer of 4 layers of
/// 16 experts (73 slots: `MAX_JOB_SLOTS` to train and `MAX_TRAINED_WITH` more to be trained
/// with), small enough in width that the reference worker's windows stay short.
fn model<T: Config>() -> ModelIndex {
	let spec = ModelSpec {
		name: BoundedVec::truncate_from(b"benchmark".to_vec()),
		architecture: BoundedVec::truncate_from(b"aiblock-mixtral-v1".to_vec()),
		// The helper makes it the next version.
		version: SemVer { major: 1, minor: 0, patch: 0 },
		generation: 0,
		context: 16,
		vocab: 256,
		tokenizer: Tokenizer::Bytes,
		d_model: 32,
		d_ff: 64,
		layers: 4,
		experts: 16,
		top_k: 2,
		attention: Some(AttentionSpec {
			heads: 2,
			kv_heads: 2,
			head_dim: 16,
			rope_theta: 10_000,
			norm_eps_pico: 10_000_000,
		}),
		delta: 1_000,
		validation_dataset: cid(0xda7a),
	};
	let slots = spec.param_block_count();
	assert!(slots >= MAX_JOB_SLOTS + MAX_TRAINED_WITH, "room for the largest job");
	T::BenchmarkHelper::import_model(spec, BASE_SCORE).expect("the benchmark model is importable")
}

/// The model's slots in order, each with its current block.
fn current<T: Config>(model: ModelIndex) -> Vec<JobSlot> {
	let spec = T::Gate::spec(model).expect("imported");
	spec.param_kinds()
		.map(|kind| JobSlot { kind, base: T::Gate::current(model, kind).expect("filled").0 })
		.collect()
}

/// The first `s` slots of `model`, as a job names them.
fn slots<T: Config>(model: ModelIndex, s: u32) -> JobSlots {
	JobSlots::truncate_from(current::<T>(model).into_iter().take(s as usize).collect())
}

/// The first slot of the model, which every job trains.
fn first_slot<T: Config>(model: ModelIndex) -> BlockKind {
	current::<T>(model)[0].kind
}

/// One candidate per slot of an `s`-slot job.
fn candidates(s: u32, seed: u32) -> Candidates<Payload> {
	Candidates::truncate_from((0..s).map(|i| payload(seed * 1_000 + i)).collect())
}

/// A job on `s` slots of `model` the runtime accepts: windows of at least 10 blocks and the
/// reference worker's minimum for its work (computed as `check_spec` does).
fn spec<T: Config>(model: ModelIndex, s: u32, evaluators: u32) -> JobSpec {
	let mut spec = JobSpec {
		model,
		slots: slots::<T>(model, s),
		datasets: BoundedVec::truncate_from((0..MAX_JOB_DATASETS).map(dataset::<T>).collect()),
		allow_experimental: false,
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
	let size = spec.slots.iter().filter_map(|slot| T::Gate::payload_size(slot.base)).sum();
	let work = T::Gate::spec(model).and_then(|m| m.active_weight_bytes()).unwrap_or(size);
	let min = min_windows(&spec, size, work, &T::ReferenceWorker::get());
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

/// `d` current blocks of `model` outside every job's slots (the last ones), as frozen
/// dependencies of a candidate.
fn trained_with<T: Config>(model: ModelIndex, d: u32) -> TrainedWith {
	let all = current::<T>(model);
	let others = all[all.len() - d as usize..].iter().map(|slot| slot.base).collect();
	BoundedVec::truncate_from(others)
}

/// Post a job on `s` slots of `model` with a panel of `evaluators`.
fn post<T: Config>(model: ModelIndex, s: u32, evaluators: u32) -> JobId {
	let poster = funded::<T>("poster", 0);
	let spec = spec::<T>(model, s, 3);
	Pallet::<T>::post_job(RawOrigin::Signed(poster).into(), spec, budget::<T>(3))
		.expect("a valid job");
	let id = NextJobId::<T>::get() - 1;
	// A panel of any size: the posted spec asks for three (odd) evaluators.
	Jobs::<T>::mutate(id, |job| {
		let job = job.as_mut().expect("just posted");
		job.spec.evaluators = evaluators;
	});
	id
}

fn accepted<T: Config>(model: ModelIndex, s: u32, evaluators: u32) -> (JobId, T::AccountId) {
	let job = post::<T>(model, s, evaluators);
	let trainer = worker::<T>("trainer", 0, Role::Trainer);
	Pallet::<T>::accept_job(RawOrigin::Signed(trainer.clone()).into(), job).expect("accepted");
	(job, trainer)
}

/// `model`'s current revision.
fn revision<T: Config>(model: ModelIndex) -> u32 {
	T::Gate::state(model).map(|s| s.revision).unwrap_or(0)
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

fn submitted<T: Config>(model: ModelIndex, s: u32, evaluators: u32) -> (JobId, T::AccountId) {
	let (job, trainer) = accepted::<T>(model, s, evaluators);
	Pallet::<T>::submit_result(
		RawOrigin::Signed(trainer.clone()).into(),
		job,
		candidates(s, 1),
		sealed::<T>(&trainer),
		payload(2),
		H256::repeat_byte(3),
		TrainedWith::default(),
		revision::<T>(model),
	)
	.expect("submitted");
	(job, trainer)
}

/// A job on `s` slots whose panel of `n` is drawn (out of `n` registered evaluators).
fn drawn<T: Config>(model: ModelIndex, s: u32, n: u32) -> (JobId, Vec<T::AccountId>) {
	let panel = evaluators::<T>(n);
	let (job, _) = submitted::<T>(model, s, n);
	let due = Jobs::<T>::get(job).expect("open").due;
	frame_system::Pallet::<T>::set_block_number(due);
	Pallet::<T>::attend(job, due);
	assert_eq!(seats::<T>(job).len(), n as usize, "the panel is complete");
	(job, panel)
}

/// A job on `s` slots, drawn, committed and revealed by a panel of `n` as `scores` says (each
/// seat's attested score by its place) and by the trainer claiming `SCORE`, and taken off the
/// agenda: what `finalize` gets.
fn revealed<T: Config>(
	model: ModelIndex,
	s: u32,
	n: u32,
	scores: impl Fn(usize) -> Score,
) -> (JobId, Job<T>) {
	let (job, panel) = drawn::<T>(model, s, n);
	commit_all::<T>(job, &panel);
	Jobs::<T>::mutate(job, |j| {
		if let Some(Job { stage: Stage::Evaluating(e), .. }) = j {
			e.submission.claim = Claim::Revealed(SCORE);
			for (i, seat) in e.panel.iter_mut().enumerate() {
				seat.attestation = Some(Attestation { score: scores(i), replay_ok: true });
			}
		}
	});
	let record = Jobs::<T>::get(job).expect("open");
	Pallet::<T>::unschedule(job, record.due);
	(job, record)
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

/// The largest odd panel the runtime allows.
fn largest_panel<T: Config>() -> u32 {
	let n = T::MaxEvaluators::get() | 1;
	if n > T::MaxEvaluators::get() {
		n - 2
	} else {
		n
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Posting a job on `s` slots: each slot's current block and its size read.
	#[benchmark]
	fn post_job(s: Linear<1, MAX_JOB_SLOTS>) {
		let model = model::<T>();
		let poster = funded::<T>("poster", 0);
		let n = largest_panel::<T>();
		let spec = spec::<T>(model, s, n);

		#[extrinsic_call]
		_(RawOrigin::Signed(poster), spec, budget::<T>(n));

		assert_eq!(LiveJobs::<T>::get(), 1);
	}

	#[benchmark]
	fn cancel_job() {
		let job = post::<T>(model::<T>(), 1, 3);
		let poster: T::AccountId = account("poster", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(poster), job);

		assert!(Jobs::<T>::get(job).is_none());
	}

	/// Accepting a job on `s` slots: each base checked to be current.
	#[benchmark]
	fn accept_job(s: Linear<1, MAX_JOB_SLOTS>) {
		let job = post::<T>(model::<T>(), s, 3);
		let trainer = worker::<T>("trainer", 0, Role::Trainer);

		#[extrinsic_call]
		_(RawOrigin::Signed(trainer), job);

		assert!(matches!(Jobs::<T>::get(job).map(|j| j.stage), Some(Stage::Training { .. })));
	}

	/// Submitting `s` candidates trained with `d` frozen blocks, each of which every
	/// candidate's proposal checks.
	#[benchmark]
	fn submit_result(d: Linear<0, MAX_TRAINED_WITH>, s: Linear<1, MAX_JOB_SLOTS>) {
		let model = model::<T>();
		let (job, trainer) = accepted::<T>(model, s, 3);
		let with = trained_with::<T>(model, d);
		let revision = revision::<T>(model);
		let seal = sealed::<T>(&trainer);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(trainer),
			job,
			candidates(s, 1),
			seal,
			payload(2),
			H256::zero(),
			with,
			revision,
		);

		assert!(matches!(Jobs::<T>::get(job).map(|j| j.stage), Some(Stage::Evaluating(_))));
	}

	/// A submission on `s` slots that judges nothing because the model moved on: the job's
	/// last slot was replaced after acceptance, so every base is checked (twice) before the job
	/// is voided, its poster refunded and its trainer released. (The other such path, the
	/// trainer released and the job reopened, does an acceptance's work: `accept_job` bounds it.)
	#[benchmark]
	fn submit_result_superseded(s: Linear<1, MAX_JOB_SLOTS>) {
		let model = model::<T>();
		let (job, trainer) = accepted::<T>(model, s, 3);
		let last = slots::<T>(model, s).last().expect("s >= 1").kind;
		let other = worker::<T>("trainer", 1, Role::Trainer);
		let newer = T::Gate::propose(&other, model, last, payload(9), &[]).expect("a candidate");
		T::Gate::accept(newer, SCORE).expect("adopted");
		let revision = revision::<T>(model);
		let seal = sealed::<T>(&trainer);

		#[extrinsic_call]
		submit_result(
			RawOrigin::Signed(trainer),
			job,
			candidates(s, 1),
			seal,
			payload(2),
			H256::zero(),
			TrainedWith::default(),
			revision,
		);

		assert!(Jobs::<T>::get(job).is_none(), "voided");
	}

	/// An open submission of `s` candidates trained with `d` frozen blocks.
	#[benchmark]
	fn submit_candidate(d: Linear<0, MAX_TRAINED_WITH>, s: Linear<1, MAX_JOB_SLOTS>) {
		let model = model::<T>();
		let trainer = worker::<T>("trainer", 0, Role::Trainer);
		let with = trained_with::<T>(model, d);
		let revision = revision::<T>(model);
		let spec = spec::<T>(model, s, 3);
		let seal = sealed::<T>(&trainer);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(trainer),
			spec,
			candidates(s, 1),
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
		let (job, panel) = drawn::<T>(model::<T>(), 1, T::MaxEvaluators::get());
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
		let (job, panel) = drawn::<T>(model::<T>(), 1, T::MaxEvaluators::get());
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
		let (job, panel) = drawn::<T>(model::<T>(), 1, T::MaxEvaluators::get());
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

	/// The verdict on `s` candidates by a panel of `n`: all of them adopted, the trainer and
	/// every evaluator paid.
	#[benchmark]
	fn finalize(n: Linear<3, { T::MaxEvaluators::get() }>, s: Linear<1, MAX_JOB_SLOTS>) {
		let model = model::<T>();
		let (job, record) = revealed::<T>(model, s, n, |_| SCORE);

		#[block]
		{
			Pallet::<T>::finalize(job, record);
		}

		let first = first_slot::<T>(model);
		assert_eq!(T::Gate::current(model, first).map(|(_, s)| s), Some(Some(SCORE)), "adopted");
	}

	/// The verdict on `s` candidates by a panel of `n` on its most expensive path: every
	/// candidate rejected, the trainer's claim refuted (its collateral slashed in one part per
	/// honest evaluator, each naming that evaluator as reporter), the honest majority paid,
	/// every other evaluator slashed as an outlier.
	#[benchmark]
	fn finalize_refuted(n: Linear<3, { T::MaxEvaluators::get() }>, s: Linear<1, MAX_JOB_SLOTS>) {
		let model = model::<T>();
		let honest = (n as usize).div_ceil(2);
		let score = |i: usize| if i < honest { 1_000_000 } else { 9_000_000 };
		let (job, record) = revealed::<T>(model, s, n, score);

		#[block]
		{
			Pallet::<T>::finalize(job, record);
		}

		assert!(Jobs::<T>::get(job).is_none());
		let first = first_slot::<T>(model);
		assert_eq!(T::Gate::current(model, first).map(|(_, s)| s), Some(Some(BASE_SCORE)));
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
		let (job, _) = submitted::<T>(model::<T>(), 1, n);
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
		let job = post::<T>(model::<T>(), 1, 3);
		let due = Jobs::<T>::get(job).expect("open").due;
		frame_system::Pallet::<T>::set_block_number(due);

		#[block]
		{
			Pallet::<T>::attend(job, due);
		}

		assert!(Jobs::<T>::get(job).is_none());
	}

	/// A trainer slashed for a missed deadline and the job reopened. (A trainer released
	/// because the model moved on instead costs what `submit_result_superseded` measures.)
	#[benchmark]
	fn trainer_timeout() {
		let (job, _) = accepted::<T>(model::<T>(), 1, 3);
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
