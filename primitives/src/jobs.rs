//! The verdict on a training job, as plain rules on plain data: the median of the evaluators'
//! revealed scores decides adoption, claims and attestations far from it are slashed, and the
//! escrow is split so that every unit leaves it exactly once.
//!
//! The Jobs pallet applies [`settle`] when a job's reveals are in (or its reveal deadline has
//! passed); the worker uses the same function to predict what it will be paid.

use crate::{
	dag::{improves_by, BlockKind, Cid, ModelIndex, ModelSpec, Payload, Score, MAX_DEPENDENCIES},
	workers::sample_indices,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::{ConstU32, H256};
use sp_runtime::{
	traits::{AtLeast32BitUnsigned, Zero},
	BoundedVec,
};

/// A job's number, assigned in posting order.
pub type JobId = u64;

/// Most datasets one job may train on.
pub const MAX_JOB_DATASETS: u32 = 8;
/// Most frozen blocks a candidate may declare it was trained with: a block's dependencies are
/// the model's meta block, the slot's parent and these.
pub const MAX_TRAINED_WITH: u32 = MAX_DEPENDENCIES - 2;

/// Most slots one job trains and adopts together: every slot of a small model (the development
/// transformer has 25), or one layer's experts, attention and router of a larger one.
pub const MAX_JOB_SLOTS: u32 = 64;

/// The datasets of a job and their mix.
pub type JobDatasets = BoundedVec<JobDataset, ConstU32<MAX_JOB_DATASETS>>;

/// The id jobs posted before the Datasets pallet existed carry (storage version 5 of the Jobs
/// pallet): no dataset ever gets it, so such a job names ungoverned data, is no longer
/// accepted, and pays no data contributor.
pub const UNGOVERNED_DATASET: crate::datasets::DatasetId = crate::datasets::DatasetId::MAX;

/// One dataset of a job: which (an approved dataset of the Datasets pallet), its content as
/// the store addresses it (the dataset's CID, checked at posting, so that workers need nothing
/// but the job), and its share of the training mix.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct JobDataset {
	pub id: crate::datasets::DatasetId,
	pub cid: Cid,
	/// Its weight in the mix: a training token comes from this dataset with probability
	/// `parts / Σ parts`. Also its share of the data contributors' reward.
	pub parts: u32,
}
/// The frozen blocks a candidate was trained with.
pub type TrainedWith = BoundedVec<H256, ConstU32<MAX_TRAINED_WITH>>;
/// The slots a job trains, in the order its candidates come.
pub type JobSlots = BoundedVec<JobSlot, ConstU32<MAX_JOB_SLOTS>>;
/// A submission's candidate blocks (ids in the ExpertDag, or payloads when submitted), one per
/// slot of its job, in the job's order.
pub type Candidates<T> = BoundedVec<T, ConstU32<MAX_JOB_SLOTS>>;

/// One slot a job trains: which, and the block that was current in it when the job was posted
/// (the candidate must improve on the model holding it).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct JobSlot {
	pub kind: BlockKind,
	pub base: H256,
}

/// Which model versions the network's workers can train and replay, and how many of a model's
/// slots one job may train together (the runtime's answer to "what can the reference worker
/// do"): jobs on any other model, or on more slots, are refused, so no evaluator is ever drawn
/// for a candidate it cannot judge.
pub trait TrainableModels {
	/// Most slots of `model` one job trains together; 0 when workers cannot train it at all.
	fn max_slots(model: &ModelSpec) -> u32;
}

impl JobSpec {
	/// The slots' kinds, in the job's order.
	pub fn kinds(&self) -> impl Iterator<Item = BlockKind> + '_ {
		self.slots.iter().map(|slot| slot.kind)
	}
}

/// The training hyper-parameters a job fixes. `hash` commits to the full set the worker uses
/// (the manifest repeats it); the fields are the ones the chain and evaluators read.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct HyperParams {
	/// Hash of the complete hyper-parameter set.
	pub hash: H256,
	/// AdamW learning rate × 10^6.
	pub learning_rate_micros: u32,
	/// Sequences per training step.
	pub batch_size: u32,
	/// Seed of the batch draw (batches depend only on dataset bytes, seed and step).
	pub seed: u64,
	/// Steps between committed state hashes (the replayable segments).
	pub checkpoint_every: u32,
}

/// How long, in blocks, each stage of a job may last.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Windows {
	/// From posting (or reopening) until a trainer must have accepted.
	pub accept: u32,
	/// From acceptance until the result must be submitted.
	pub submit: u32,
	/// From the evaluator draw until every evaluator must have committed.
	pub commit: u32,
	/// From the end of the commit window until every evaluator must have revealed.
	pub reveal: u32,
}

/// What a client asks to be trained.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct JobSpec {
	/// The model version whose slots are trained.
	pub model: ModelIndex,
	/// The slots trained together and adopted together (experts, routers, attention blocks,
	/// the shared block), each distinct, with their current blocks when the job was posted.
	pub slots: JobSlots,
	/// The data to train on, and its mix.
	pub datasets: JobDatasets,
	/// Whether the job trains on Experimental datasets too (Gold and Silver ones otherwise).
	pub allow_experimental: bool,
	pub hyper: HyperParams,
	/// Training steps.
	pub steps: u32,
	/// Trainers working on the job (1 until multi-worker aggregation exists).
	pub trainers: u32,
	/// Evaluators to draw: odd, at least 3.
	pub evaluators: u32,
	/// Least GPU memory a trainer must have, in GiB (0: a CPU worker will do).
	pub min_vram_gib: u32,
	pub windows: Windows,
}

/// What the chain assumes of the slowest worker it protects, to size a job's windows: how
/// long that worker waits before it acts, and how fast it moves and trains bytes. Every window
/// a job asks for must be at least [`min_windows`] of these, so that an honest worker who takes
/// a job on (or is drawn to evaluate it) has the time to do the work before it is slashed for
/// missing a deadline. The runtime documents its figures where it sets them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WorkRates {
	/// Blocks from a block's inclusion to its finality: workers act on finalized blocks.
	pub finality_lag: u32,
	/// Blocks a worker's transaction may wait before a block includes it.
	pub inclusion: u32,
	/// Bytes a worker fetches from, or uploads to, the content store per block.
	pub transfer_bytes_per_block: u64,
	/// Training throughput per block, in tokens × bytes of the trained block (the cost of a
	/// step grows with both).
	pub train_work_per_block: u64,
	/// Tokens of the model's validation set an evaluator scores (a forward pass costs a third
	/// of a training step per token).
	pub validation_tokens: u64,
}

impl WorkRates {
	/// Blocks from seeing an event to having an answer included: finality, then inclusion.
	fn react(&self) -> u64 {
		u64::from(self.finality_lag).saturating_add(self.inclusion.into())
	}

	/// Blocks to move `bytes` to or from the content store.
	fn transfer(&self, bytes: u64) -> u64 {
		bytes.div_ceil(self.transfer_bytes_per_block.max(1))
	}

	/// Blocks to train `tokens` tokens of `work_bytes` each.
	fn train(&self, tokens: u128, work_bytes: u64) -> u64 {
		let work = tokens.saturating_mul(work_bytes.into());
		let blocks = work.div_ceil(u128::from(self.train_work_per_block.max(1)));
		u64::try_from(blocks).unwrap_or(u64::MAX)
	}
}

/// The shortest windows an honest worker can keep for `spec`, whose trained blocks (the bases)
/// have `block_bytes` of weights in all and each of whose training tokens works through
/// `work_bytes` (the block's bytes for the byte model; every active weight of a transformer,
/// see [`crate::dag::ModelSpec::active_weight_bytes`]):
/// - accept and reveal: one reaction (finality lag + inclusion);
/// - submit: a reaction, fetching the bases and uploading the candidates, and training
///   `steps` × `batch_size` tokens;
/// - commit: a reaction, fetching the candidates and the bases, scoring the validation set and
///   replaying the training. A checkpoint commits to a hash of the state, not the state, so an
///   evaluator replays from the base up to the end of the last segment it drew: when that is
///   the job's last segment, the whole run.
///
/// The dataset's size is not on chain: a trainer checks it itself before accepting. Windows
/// saturate at `u32::MAX`, which no `MaxWindow` admits.
pub fn min_windows(
	spec: &JobSpec,
	block_bytes: u64,
	work_bytes: u64,
	rates: &WorkRates,
) -> Windows {
	let run = Run { steps: spec.steps, batch_size: spec.hyper.batch_size, block_bytes, work_bytes };
	min_windows_of(&run, 0, rates)
}

/// A training run as [`min_windows_of`] sizes it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Run {
	pub steps: u32,
	/// Tokens per step.
	pub batch_size: u32,
	/// The trained blocks' bytes, fetched and uploaded.
	pub block_bytes: u64,
	/// The bytes of weights each training token works through.
	pub work_bytes: u64,
}

/// [`min_windows`] of any run: a job's, or an evolution epoch's (whose evaluators also score
/// `scored` more tokens, its held-out set for the candidate and the parent).
pub fn min_windows_of(run: &Run, scored: u64, rates: &WorkRates) -> Windows {
	let (block_bytes, work_bytes) = (run.block_bytes, run.work_bytes);
	let react = rates.react();
	let batch = u128::from(run.batch_size);
	let training = rates.train(u128::from(run.steps).saturating_mul(batch), work_bytes);
	let replayed = u128::from(run.steps).saturating_mul(batch);
	let scoring = u128::from(rates.validation_tokens.saturating_add(scored).div_ceil(3));
	let evaluation = rates.train(replayed.saturating_add(scoring), work_bytes);
	let moves = rates.transfer(block_bytes.saturating_mul(2));
	let blocks = |b: u64| u32::try_from(b).unwrap_or(u32::MAX);
	Windows {
		accept: blocks(react),
		submit: blocks(react.saturating_add(moves).saturating_add(training)),
		commit: blocks(react.saturating_add(moves).saturating_add(evaluation)),
		reveal: blocks(react),
	}
}

impl Windows {
	/// Whether every window is at least the one in `min`.
	pub fn covers(&self, min: &Windows) -> bool {
		self.accept >= min.accept
			&& self.submit >= min.submit
			&& self.commit >= min.commit
			&& self.reveal >= min.reveal
	}
}

/// What a trainer submits for a job.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Submission {
	/// The candidate blocks' ids in the ExpertDag, one per slot of the job in its order.
	pub candidates: Candidates<H256>,
	/// The validation score the trainer claims for it: sealed at submission, revealed only
	/// once the evaluators' commitments are closed, so no evaluator can echo it.
	pub claim: Claim,
	/// The training manifest in the content store.
	pub manifest: Payload,
	/// Merkle root of the checkpoint hashes (also in the manifest).
	pub checkpoint_root: H256,
	/// The revision of the model (see [`crate::dag::ModelState`]) the candidate was trained
	/// against: evaluators replay and score it in exactly that state, and the job is void if
	/// the model moves to another revision before the verdict.
	pub revision: u32,
}

/// A trainer's claimed score, as the chain holds it.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Claim {
	/// Committed to: `claim_commitment(trainer, candidate, score, salt)`.
	Sealed(H256),
	/// Revealed after the evaluators committed.
	Revealed(Score),
}

impl Claim {
	/// The claimed score, once revealed.
	pub fn revealed(&self) -> Option<Score> {
		match self {
			Claim::Revealed(score) => Some(*score),
			Claim::Sealed(_) => None,
		}
	}
}

/// The hash a trainer submits instead of its claimed `score` for the candidate whose content
/// hash is `candidate`. It binds the trainer and the candidate, so a sealed claim copied from
/// another submission cannot be revealed by the copier once the original is revealed.
pub fn claim_commitment<AccountId: Encode>(
	trainer: &AccountId,
	candidate: &H256,
	score: Score,
	salt: &[u8; 32],
) -> H256 {
	H256(sp_crypto_hashing::blake2_256(
		&(b"aiblock/claim", trainer, candidate, score, salt).encode(),
	))
}

/// The hash an evaluator commits to before revealing `attestation`. It binds the job and the
/// evaluator, so a commitment copied from another evaluator or another job is worthless.
pub fn attestation_commitment<AccountId: Encode>(
	job: JobId,
	evaluator: &AccountId,
	attestation: &Attestation,
	salt: &[u8; 32],
) -> H256 {
	H256(sp_crypto_hashing::blake2_256(&(job, evaluator, attestation, salt).encode()))
}

/// How many of a job's checkpoint segments its evaluators replay.
pub const REPLAYED_SEGMENTS: u32 = 2;

/// Which of a job's `segments` checkpoint segments (0-based) its panel replays:
/// [`REPLAYED_SEGMENTS`] distinct ones (all when fewer exist) drawn from the job's evaluation
/// seed, which the chain fixes after the submission, so the trainer could not know which would
/// be checked.
///
/// Every evaluator of the panel replays the same segments. The verdict on replays is the
/// panel's majority, so segments drawn per evaluator would let a forgery be caught only when
/// most evaluators happened to draw it, and would slash as an outlier the honest evaluator who
/// did while the others looked elsewhere; with one draw, honest evaluators always agree. A
/// submission in which a fraction `f` of the segments does not follow from its start state is
/// refused with probability `1 − C((1 − f)·S, k) / C(S, k)` for `S` segments and `k` drawn
/// (about `1 − (1 − f)^k`), whatever the panel's size.
pub fn replay_segments(seed: &[u8; 32], segments: u32) -> Vec<u32> {
	let mut picked = sample_indices(segments, REPLAYED_SEGMENTS, seed);
	picked.sort_unstable();
	picked
}

/// What an evaluator revealed: the candidate's validation score, and whether the training
/// segments it replayed reproduced the trainer's committed hashes.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Attestation {
	pub score: Score,
	pub replay_ok: bool,
}

/// The numbers a verdict depends on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Rules {
	/// The current block's score the candidate must beat.
	pub base_score: Score,
	/// The model's adoption threshold.
	pub delta: Score,
	/// How far a claim or an attestation may be from the median and still count as honest.
	pub tolerance: Score,
}

/// The escrow of a job, by purpose.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Escrow<Balance> {
	/// Paid to the trainer if the candidate is adopted.
	pub reward: Balance,
	/// Paid to each honest evaluator.
	pub evaluator_fee: Balance,
	/// Number of evaluators the fees were escrowed for.
	pub evaluators: u32,
	/// The protocol's fee, to the treasury whatever the verdict.
	pub protocol_fee: Balance,
}

impl<Balance: AtLeast32BitUnsigned + Copy> Escrow<Balance> {
	/// Everything held for the job.
	pub fn total(&self) -> Balance {
		self.reward
			.saturating_add(self.evaluator_fee.saturating_mul(self.evaluators.into()))
			.saturating_add(self.protocol_fee)
	}
}

/// What happens to the trainer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TrainerVerdict {
	/// The candidate was adopted: paid the reward, collateral released.
	Adopted,
	/// An honest claim without enough gain: not paid, collateral released.
	NotAdopted,
	/// The claimed score is outside tolerance of the median: slashed.
	ClaimRefuted,
	/// The claim was never revealed while the evaluators judged the candidate: slashed like a
	/// refuted claim, so withholding a claim the panel would refute gains nothing.
	ClaimWithheld,
	/// A strict majority of the revealed replays did not reproduce the committed hashes:
	/// slashed. (A tie is no verdict: not adopted, not slashed.)
	ReplayFailed,
	/// Nobody revealed: no verdict on the trainer, collateral released.
	Unjudged,
}

/// What happens to one assigned evaluator.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EvaluatorVerdict {
	/// Within tolerance of the median, and agreeing with the replay majority: paid.
	Honest,
	/// Revealed a score outside tolerance of the median, or a replay verdict against the
	/// majority: slashed, not paid.
	Outlier,
	/// Never revealed: slashed, not paid.
	MissedReveal,
}

/// The outcome of a job and where its escrow goes. `pay_trainer + Σ pay_evaluators + fee +
/// refund` is exactly the escrow's total.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Settlement<Balance> {
	pub median: Option<Score>,
	pub adopt: bool,
	pub trainer: TrainerVerdict,
	/// In the order of the assigned evaluators.
	pub evaluators: Vec<EvaluatorVerdict>,
	pub pay_trainer: Balance,
	pub pay_evaluators: Vec<Balance>,
	/// To the treasury.
	pub fee: Balance,
	/// Back to the job's poster.
	pub refund: Balance,
}

/// The median of the scores; of the two middles of an even count, the higher (the worse loss),
/// so that one evaluator reporting a flattering score cannot tip a split vote to adoption. An
/// integer, and always a value somebody attested.
pub fn median(scores: &[Score]) -> Option<Score> {
	let mut sorted = scores.to_vec();
	sorted.sort_unstable();
	sorted.get(sorted.len() / 2).copied()
}

fn within(a: Score, b: Score, tolerance: Score) -> bool {
	a.abs_diff(b) <= tolerance
}

/// Judge a job whose trainer claimed `claimed` (`None`: never revealed), given each assigned
/// evaluator's attestation (`None`: never revealed), and split `escrow`.
///
/// The median is taken over the revealed scores. The candidate is adopted only when a strict
/// majority of the revealed replays reproduced, the claim is within tolerance of the median and
/// the median beats the base by delta; a strict majority of failed replays is fraud; a claim
/// never revealed is slashed whenever the evaluators reached a median. Evaluators
/// are paid when they revealed a score within tolerance of the median and a replay verdict
/// with the majority; the protocol fee always goes to the treasury; what is left returns to
/// the poster.
pub fn settle<Balance: AtLeast32BitUnsigned + Copy>(
	claimed: Option<Score>,
	attestations: &[Option<Attestation>],
	rules: Rules,
	escrow: Escrow<Balance>,
) -> Settlement<Balance> {
	let revealed: Vec<Attestation> = attestations.iter().flatten().copied().collect();
	let median = median(&revealed.iter().map(|a| a.score).collect::<Vec<_>>());
	let replays_ok = revealed.iter().filter(|a| a.replay_ok).count();

	// The replays decide first: a strict majority either way, or no verdict on them.
	let replays_failed = revealed.len() - replays_ok;
	let replay_majority = if replays_ok * 2 > revealed.len() {
		Some(true)
	} else if replays_failed * 2 > revealed.len() {
		Some(false)
	} else {
		None
	};
	let trainer = match (median, replay_majority) {
		(None, _) => TrainerVerdict::Unjudged,
		(Some(_), Some(false)) => TrainerVerdict::ReplayFailed,
		(Some(_), _) if claimed.is_none() => TrainerVerdict::ClaimWithheld,
		(Some(_), None) => TrainerVerdict::NotAdopted,
		(Some(m), Some(true)) if !claimed.is_some_and(|c| within(c, m, rules.tolerance)) => {
			TrainerVerdict::ClaimRefuted
		},
		(Some(m), Some(true)) if improves_by(m, rules.base_score, rules.delta) => {
			TrainerVerdict::Adopted
		},
		(Some(_), Some(true)) => TrainerVerdict::NotAdopted,
	};
	let adopt = trainer == TrainerVerdict::Adopted;

	// An evaluator is honest when its score is near the median and its replay verdict agrees
	// with the majority (when there is one).
	let evaluators: Vec<EvaluatorVerdict> = attestations
		.iter()
		.map(|a| match (a, median) {
			(None, _) => EvaluatorVerdict::MissedReveal,
			(Some(a), Some(m))
				if within(a.score, m, rules.tolerance)
					&& replay_majority.is_none_or(|ok| ok == a.replay_ok) =>
			{
				EvaluatorVerdict::Honest
			},
			(Some(_), _) => EvaluatorVerdict::Outlier,
		})
		.collect();

	// Evaluators beyond those the fees were escrowed for are not paid from this escrow.
	let mut budget = escrow.evaluator_fee.saturating_mul(escrow.evaluators.into());
	let pay_evaluators: Vec<Balance> = evaluators
		.iter()
		.map(|v| {
			if *v == EvaluatorVerdict::Honest && budget >= escrow.evaluator_fee {
				budget = budget.saturating_sub(escrow.evaluator_fee);
				escrow.evaluator_fee
			} else {
				Zero::zero()
			}
		})
		.collect();
	let pay_trainer = if adopt { escrow.reward } else { Zero::zero() };
	let paid = pay_evaluators
		.iter()
		.fold(pay_trainer.saturating_add(escrow.protocol_fee), |sum, p| sum.saturating_add(*p));
	Settlement {
		median,
		adopt,
		trainer,
		evaluators,
		pay_trainer,
		pay_evaluators,
		fee: escrow.protocol_fee,
		refund: escrow.total().saturating_sub(paid),
	}
}

/// The data contributors' part of an adopted job's trainer pay: `share` of `pay_trainer`
/// (rounded down), split between the job's datasets by their `parts` ([`split_by_parts`]).
/// Returns what the trainer keeps and each dataset's part, in the job's order; with no parts
/// at all the trainer keeps everything.
pub fn data_rewards<Balance: AtLeast32BitUnsigned + Copy>(
	pay_trainer: Balance,
	share: sp_runtime::Perbill,
	parts: &[u32],
) -> (Balance, Vec<Balance>) {
	let pool = share.mul_floor(pay_trainer);
	let (left, out) = split_by_parts(pool, parts);
	(pay_trainer.saturating_sub(pool).saturating_add(left), out)
}

/// Split `pool` by `parts` (rounded down, the last taking what rounding leaves, so that no unit
/// is lost). Returns what nobody takes (all of `pool` when there are no parts at all, else
/// nothing) and each part, in order.
pub fn split_by_parts<Balance: AtLeast32BitUnsigned + Copy>(
	pool: Balance,
	parts: &[u32],
) -> (Balance, Vec<Balance>) {
	let total: u64 = parts.iter().map(|&p| u64::from(p)).sum();
	if total == 0 {
		return (pool, parts.iter().map(|_| Zero::zero()).collect());
	}
	let mut left = pool;
	let mut out = Vec::with_capacity(parts.len());
	for (i, &p) in parts.iter().enumerate() {
		let part = if i + 1 == parts.len() {
			left
		} else {
			sp_runtime::Perbill::from_rational(u64::from(p), total).mul_floor(pool)
		};
		let part = part.min(left);
		left = left.saturating_sub(part);
		out.push(part);
	}
	(left, out)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn data_rewards_split_by_parts_and_lose_no_unit() {
		let share = sp_runtime::Perbill::from_percent(10);
		// 10 % of 1 000 is 100: parts 1 and 3 take 25 and 75.
		assert_eq!(data_rewards(1_000u128, share, &[1, 3]), (900, vec![25, 75]));
		// Thirds round down; the last takes the rest.
		let (trainer, parts) = data_rewards(1_000u128, share, &[1, 1, 1]);
		assert_eq!(parts, vec![33, 33, 34]);
		assert_eq!(trainer + parts.iter().sum::<u128>(), 1_000);
		// No dataset (or no parts): the trainer keeps everything.
		assert_eq!(data_rewards(1_000u128, share, &[]), (1_000, vec![]));
		assert_eq!(data_rewards(1_000u128, share, &[0, 0]), (1_000, vec![0, 0]));
		// A zero part takes nothing.
		assert_eq!(data_rewards(1_000u128, share, &[0, 5]), (900, vec![0, 100]));
		for pay in [0u128, 1, 7, 999, u128::MAX] {
			let (trainer, parts) = data_rewards(pay, share, &[3, 5, 7]);
			assert_eq!(trainer.checked_add(parts.iter().sum::<u128>()), Some(pay), "{pay}");
		}
	}

	fn spec(steps: u32, batch_size: u32, checkpoint_every: u32) -> JobSpec {
		JobSpec {
			model: 0,
			slots: JobSlots::truncate_from(vec![JobSlot {
				kind: BlockKind::Shared,
				base: H256::zero(),
			}]),
			datasets: Default::default(),
			allow_experimental: false,
			hyper: HyperParams {
				hash: H256::zero(),
				learning_rate_micros: 1,
				batch_size,
				seed: 0,
				checkpoint_every,
			},
			steps,
			trainers: 1,
			evaluators: 3,
			min_vram_gib: 0,
			windows: Windows { accept: 0, submit: 0, commit: 0, reveal: 0 },
		}
	}

	const RATES: WorkRates = WorkRates {
		finality_lag: 5,
		inclusion: 3,
		transfer_bytes_per_block: 1 << 20,
		train_work_per_block: 1 << 30,
		validation_tokens: 3 << 10,
	};

	#[test]
	fn min_windows_add_reaction_transfer_and_work() {
		// 8 MiB block: 16 MiB to move (16 blocks); 100 × 1024 tokens × 8 MiB = 800 × 2^30
		// (800 blocks); scoring 2^10 tokens × 8 MiB = 8 × 2^30 (8 blocks), and the replay, in
		// the worst case the whole run: 800 blocks again.
		let w = min_windows(&spec(100, 1024, 10), 8 << 20, 8 << 20, &RATES);
		assert_eq!(w, Windows { accept: 8, submit: 8 + 16 + 800, commit: 8 + 16 + 808, reveal: 8 });
		// Twice the steps, twice the training and twice the worst replay.
		let longer = min_windows(&spec(200, 1024, 10), 8 << 20, 8 << 20, &RATES);
		assert_eq!(longer.submit - 24, 2 * 800);
		assert_eq!(longer.commit - 24, 8 + 2 * 800);
		// How often the run commits does not change what a replay to its end costs.
		let sparse = min_windows(&spec(100, 1024, 100), 8 << 20, 8 << 20, &RATES);
		assert_eq!(sparse.commit, w.commit);
		assert!(w.covers(&w) && longer.covers(&w) && !w.covers(&longer));
	}

	#[test]
	fn a_small_block_of_a_large_model_trains_at_the_models_cost() {
		// A 64 KiB router of a transformer whose tokens work through 8 MiB: moving the block
		// is cheap, training and replaying it cost what the whole model's do.
		let small = min_windows(&spec(100, 1024, 10), 64 << 10, 8 << 20, &RATES);
		let whole = min_windows(&spec(100, 1024, 10), 8 << 20, 8 << 20, &RATES);
		assert_eq!(small.submit, 8 + 1 + 800);
		assert_eq!(small.commit - small.submit, whole.commit - whole.submit);
	}

	#[test]
	fn min_windows_saturate_instead_of_overflowing() {
		let w = min_windows(&spec(u32::MAX, u32::MAX, 1), u64::MAX, u64::MAX, &RATES);
		assert_eq!((w.submit, w.commit), (u32::MAX, u32::MAX));
		let zero = WorkRates { transfer_bytes_per_block: 0, train_work_per_block: 0, ..RATES };
		assert_eq!(min_windows(&spec(1, 1, 0), 1, 1, &zero).accept, 8);
	}

	const RULES: Rules = Rules { base_score: 2_000_000, delta: 10_000, tolerance: 1_000 };
	const ESCROW: Escrow<u128> =
		Escrow { reward: 1_000, evaluator_fee: 50, evaluators: 3, protocol_fee: 20 };

	fn a(score: Score) -> Option<Attestation> {
		Some(Attestation { score, replay_ok: true })
	}

	fn total(s: &Settlement<u128>) -> u128 {
		s.pay_trainer + s.pay_evaluators.iter().sum::<u128>() + s.fee + s.refund
	}

	#[test]
	fn the_median_takes_the_worse_middle() {
		assert_eq!(median(&[]), None);
		assert_eq!(median(&[5]), Some(5));
		assert_eq!(median(&[9, 1, 5]), Some(5));
		assert_eq!(median(&[9, 1, 5, 7]), Some(7));
	}

	#[test]
	fn an_honest_gain_is_adopted_and_everyone_paid() {
		let s = settle(Some(1_980_000), &[a(1_980_400), a(1_979_500), a(1_980_000)], RULES, ESCROW);
		assert_eq!(s.median, Some(1_980_000));
		assert!(s.adopt);
		assert_eq!(s.trainer, TrainerVerdict::Adopted);
		assert_eq!(s.evaluators, [EvaluatorVerdict::Honest; 3]);
		assert_eq!(
			(s.pay_trainer, s.pay_evaluators.clone(), s.fee, s.refund),
			(1_000, vec![50; 3], 20, 0)
		);
		assert_eq!(total(&s), ESCROW.total());
	}

	#[test]
	fn a_gain_below_delta_is_not_adopted_but_the_evaluators_are_paid() {
		let s = settle(Some(1_995_000), &[a(1_995_000); 3], RULES, ESCROW);
		assert_eq!(s.trainer, TrainerVerdict::NotAdopted);
		assert!(!s.adopt);
		assert_eq!((s.pay_trainer, s.refund), (0, 1_000));
		assert_eq!(s.pay_evaluators, vec![50; 3]);
	}

	#[test]
	fn a_lying_trainer_is_refuted() {
		// Claims a big gain; the evaluators measure none.
		let s = settle(Some(1_500_000), &[a(2_000_100), a(2_000_000), a(1_999_900)], RULES, ESCROW);
		assert_eq!(s.trainer, TrainerVerdict::ClaimRefuted);
		assert!(!s.adopt);
		assert_eq!(s.pay_trainer, 0);
		assert_eq!(s.refund, 1_000);
	}

	#[test]
	fn a_withheld_claim_is_slashed_whenever_the_panel_judged() {
		let honest = [a(1_980_000), a(1_980_200), a(1_979_900)];
		let s = settle(None, &honest, RULES, ESCROW);
		assert_eq!(s.trainer, TrainerVerdict::ClaimWithheld);
		assert!(!s.adopt, "a candidate without a claim is not adopted, however good");
		assert_eq!(s.pay_trainer, 0);
		assert_eq!(s.pay_evaluators, vec![50; 3], "the evaluators did their work");
		// Withholding a claim the panel would refute is no way out of the slash.
		let s = settle(None, &[a(2_000_100), a(2_000_000), a(1_999_900)], RULES, ESCROW);
		assert_eq!(s.trainer, TrainerVerdict::ClaimWithheld);
		// Neither is a tie on the replays; a failed replay majority stays fraud.
		let bad = |score| Some(Attestation { score, replay_ok: false });
		let s = settle(None, &[bad(1_980_000), a(1_980_000), None], RULES, ESCROW);
		assert_eq!(s.trainer, TrainerVerdict::ClaimWithheld);
		let s = settle(None, &[bad(1_980_000), bad(1_980_000), a(1_980_000)], RULES, ESCROW);
		assert_eq!(s.trainer, TrainerVerdict::ReplayFailed);
		// Without any revealed attestation nobody judged the trainer.
		let s = settle(None, &[None, None, None], RULES, ESCROW);
		assert_eq!(s.trainer, TrainerVerdict::Unjudged);
	}

	#[test]
	fn claim_commitments_bind_trainer_candidate_score_and_salt() {
		let c = claim_commitment(&1u64, &H256([4; 32]), 1_980_000, &[9; 32]);
		assert_eq!(c, claim_commitment(&1u64, &H256([4; 32]), 1_980_000, &[9; 32]));
		assert_ne!(c, claim_commitment(&2u64, &H256([4; 32]), 1_980_000, &[9; 32]));
		assert_ne!(c, claim_commitment(&1u64, &H256([5; 32]), 1_980_000, &[9; 32]));
		assert_ne!(c, claim_commitment(&1u64, &H256([4; 32]), 1_980_001, &[9; 32]));
		assert_ne!(c, claim_commitment(&1u64, &H256([4; 32]), 1_980_000, &[8; 32]));
		assert_eq!(Claim::Sealed(c).revealed(), None);
		assert_eq!(Claim::Revealed(7).revealed(), Some(7));
	}

	#[test]
	fn a_failed_replay_majority_is_fraud_even_with_a_good_score() {
		let bad = |score| Some(Attestation { score, replay_ok: false });
		let s =
			settle(Some(1_980_000), &[bad(1_980_000), bad(1_980_000), a(1_980_000)], RULES, ESCROW);
		assert_eq!(s.trainer, TrainerVerdict::ReplayFailed);
		assert!(!s.adopt);
		assert_eq!(s.evaluators[2], EvaluatorVerdict::Outlier, "against the replay majority");
		// A tie is no verdict: not adopted, nobody slashed for the replay.
		let s = settle(Some(1_980_000), &[bad(1_980_000), a(1_980_000), None], RULES, ESCROW);
		assert_eq!(s.trainer, TrainerVerdict::NotAdopted);
		assert_eq!(&s.evaluators[..2], [EvaluatorVerdict::Honest; 2]);
	}

	#[test]
	fn outliers_and_silent_evaluators_are_not_paid() {
		// Two reveals far apart: the median is the worse one, the flattering one is the outlier.
		let s = settle(Some(1_980_000), &[a(1_980_000), a(1_700_000), None], RULES, ESCROW);
		assert_eq!(s.median, Some(1_980_000));
		assert!(s.adopt);
		assert_eq!(
			s.evaluators,
			[EvaluatorVerdict::Honest, EvaluatorVerdict::Outlier, EvaluatorVerdict::MissedReveal]
		);
		assert_eq!(s.pay_evaluators, vec![50, 0, 0]);
		assert_eq!(s.refund, 100);
		assert_eq!(total(&s), ESCROW.total());

		let s = settle(Some(1_980_000), &[a(1_980_000), a(1_980_200), a(2_100_000)], RULES, ESCROW);
		assert!(s.adopt);
		assert_eq!(s.evaluators[2], EvaluatorVerdict::Outlier);
		assert_eq!(s.refund, 50, "the outlier's fee goes back to the poster");
	}

	#[test]
	fn nobody_revealing_judges_nobody_but_the_evaluators() {
		let s = settle(Some(1_980_000), &[None, None, None], RULES, ESCROW);
		assert_eq!((s.median, s.adopt, s.trainer), (None, false, TrainerVerdict::Unjudged));
		assert_eq!(s.evaluators, [EvaluatorVerdict::MissedReveal; 3]);
		assert_eq!((s.fee, s.refund), (20, 1_150));
	}

	#[test]
	fn commitments_bind_job_evaluator_attestation_and_salt() {
		let att = Attestation { score: 1_980_000, replay_ok: true };
		let c = attestation_commitment(7, &1u64, &att, &[9; 32]);
		assert_eq!(c, attestation_commitment(7, &1u64, &att, &[9; 32]));
		assert_ne!(c, attestation_commitment(8, &1u64, &att, &[9; 32]));
		assert_ne!(c, attestation_commitment(7, &2u64, &att, &[9; 32]));
		assert_ne!(
			c,
			attestation_commitment(7, &1u64, &Attestation { score: 1_980_001, ..att }, &[9; 32])
		);
		assert_ne!(
			c,
			attestation_commitment(7, &1u64, &Attestation { replay_ok: false, ..att }, &[9; 32])
		);
		assert_ne!(c, attestation_commitment(7, &1u64, &att, &[8; 32]));
	}

	#[test]
	fn replay_segments_are_distinct_sorted_and_drawn_from_the_seed() {
		let seed = [3u8; 32];
		let drawn = replay_segments(&seed, 40);
		assert_eq!(drawn.len(), REPLAYED_SEGMENTS as usize);
		assert!(drawn.windows(2).all(|w| w[0] < w[1]) && drawn.iter().all(|s| *s < 40));
		assert_eq!(drawn, replay_segments(&seed, 40), "the same for the whole panel");
		let others: Vec<Vec<u32>> = (4u8..12).map(|b| replay_segments(&[b; 32], 40)).collect();
		assert!(others.iter().any(|o| *o != drawn), "another seed, other segments");
		assert_eq!(replay_segments(&seed, 1), vec![0], "all when fewer exist");
	}

	/// Random jobs: the escrow is always paid out exactly, and only as the verdicts allow.
	#[test]
	fn every_unit_of_escrow_leaves_exactly_once() {
		let mut state = 0x2545_f491_4f6c_dd1du64;
		let mut next = |bound: u64| {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			state % bound
		};
		for _ in 0..20_000 {
			let n = next(8) as usize;
			let attestations: Vec<Option<Attestation>> = (0..n)
				.map(|_| {
					(next(5) != 0).then(|| Attestation {
						score: 1_990_000 + next(20_000) as Score,
						replay_ok: next(6) != 0,
					})
				})
				.collect();
			let escrow = Escrow {
				reward: next(1 << 40) as u128,
				evaluator_fee: next(1 << 30) as u128,
				evaluators: next(8) as u32,
				protocol_fee: next(1 << 20) as u128,
			};
			let rules = Rules {
				base_score: 2_000_000,
				delta: next(15_000) as Score,
				tolerance: next(3_000) as Score,
			};
			let s = settle(Some(1_990_000 + next(20_000) as Score), &attestations, rules, escrow);
			assert_eq!(total(&s), escrow.total());
			assert_eq!(s.pay_evaluators.len(), n);
			assert_eq!(s.adopt, s.trainer == TrainerVerdict::Adopted);
			assert_eq!(s.pay_trainer, if s.adopt { escrow.reward } else { 0 });
			for (v, p) in s.evaluators.iter().zip(&s.pay_evaluators) {
				assert!(*p == 0 || *v == EvaluatorVerdict::Honest);
			}
			if s.adopt {
				let m = s.median.unwrap();
				assert!(improves_by(m, rules.base_score, rules.delta));
			}
		}
	}
}
