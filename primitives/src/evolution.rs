//! Evolution epochs: how the network grows its model's architecture on a schedule.
//!
//! An epoch goes through phases, each a window of blocks: proposals of a [`Migration`] (a
//! [`Growth`] of the newest model and the recipe to train the grown model) are endorsed with
//! locked PoL credits; the best-backed feasible one is selected; trainers bid credits for the
//! epoch's training; the winner builds the grown model (a pure function of the parent's blocks,
//! the growth and its seed, see the compute core's `transformer::grow`), trains it by the recipe
//! and submits it; drawn evaluators rebuild and replay it and commit, then reveal, its scores
//! on the validation set and a held-out set; it is promoted to a new model version only when
//! both medians beat the parent's score by the runtime's relative threshold.
//!
//! The rules here are plain functions, tested without a runtime.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::{BoundedVec, DispatchError, DispatchResult, Perbill};

use crate::{
	dag::{BlockKind, ModelIndex, ModelSpec, Payload, Score, SemVer},
	jobs::{HyperParams, JobDatasets},
};

/// A migration proposal's id.
pub type ProposalId = u32;
/// An evolution epoch's index.
pub type EpochIndex = u32;

/// How the newest model grows into its successor; every growth starts out computing the
/// parent's function (see the compute core's `transformer::grow`).
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
pub enum Growth {
	/// Twice the experts per layer and twice the experts per token (a MAJOR version): each
	/// expert gets a copy with its router column, `w1` and `w3` perturbed by `noise_ppm`
	/// millionths (relative).
	DoubleExperts { noise_ppm: u32 },
	/// Wider experts (a MINOR version): `d_ff` hidden units, more than the parent's and at most
	/// twice as many; copied units share their source's output weights (Net2Net).
	WidenFf { d_ff: u32, noise_ppm: u32 },
	/// `layers` more layers after the last, starting as the identity (a MINOR version).
	AddLayers { layers: u16 },
}

/// Why a growth does not apply to a model.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GrowthError {
	/// Only transformers grow (the byte model has no attention).
	NotATransformer,
	/// A noise of a million parts per million or more.
	NoiseTooLarge,
	/// A widening that does not grow `d_ff`, or more than doubles it.
	BadWidth,
	/// Adding no layer.
	NoLayers,
	/// The grown size does not fit the counts the spec can hold.
	TooLarge,
}

/// A migration: the growth, the seed of its noise and new weights, the recipe the grown
/// model is trained by (as a job's: steps, hyper-parameters, datasets), and the held-out
/// dataset the panel scores it on besides the validation set.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Migration {
	pub growth: Growth,
	pub seed: u64,
	pub steps: u32,
	pub hyper: HyperParams,
	pub datasets: JobDatasets,
	/// An approved dataset the recipe does not train on. The replay pins the training to the
	/// recipe's datasets, so the grown model never saw it; a recipe that leaks the validation
	/// set gains on the validation set only, and the held-out median refuses it.
	pub held_out: HeldOut,
}

/// The held-out dataset of a migration: its id in the Datasets pallet and its content (checked
/// against the registry when proposed, so that evaluators need nothing but the proposal).
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct HeldOut {
	pub id: crate::datasets::DatasetId,
	pub cid: crate::dag::Cid,
}

impl Growth {
	/// The successor of `parent` this growth makes: its shape, and the next MAJOR version for
	/// doubled experts (top-k changes) or the next MINOR version otherwise; one generation on.
	/// The caller checks the result against the chain's limits ([`ModelSpec::check`]) and
	/// SemVer rules ([`ModelSpec::successor_of`]).
	pub fn grown_spec(&self, parent: &ModelSpec) -> Result<ModelSpec, GrowthError> {
		if parent.attention.is_none() {
			return Err(GrowthError::NotATransformer);
		}
		let mut spec = parent.clone();
		let v = parent.version;
		match *self {
			Growth::DoubleExperts { noise_ppm } => {
				check_noise(noise_ppm)?;
				spec.experts = parent.experts.checked_mul(2).ok_or(GrowthError::TooLarge)?;
				spec.top_k = parent.top_k.checked_mul(2).ok_or(GrowthError::TooLarge)?;
				spec.version = SemVer { major: v.major.saturating_add(1), minor: 0, patch: 0 };
			},
			Growth::WidenFf { d_ff, noise_ppm } => {
				check_noise(noise_ppm)?;
				let most = parent.d_ff.checked_mul(2).ok_or(GrowthError::TooLarge)?;
				if d_ff <= parent.d_ff || d_ff > most {
					return Err(GrowthError::BadWidth);
				}
				spec.d_ff = d_ff;
				spec.version =
					SemVer { major: v.major, minor: v.minor.saturating_add(1), patch: 0 };
			},
			Growth::AddLayers { layers } => {
				if layers == 0 {
					return Err(GrowthError::NoLayers);
				}
				spec.layers = parent.layers.checked_add(layers).ok_or(GrowthError::TooLarge)?;
				spec.version =
					SemVer { major: v.major, minor: v.minor.saturating_add(1), patch: 0 };
			},
		}
		spec.generation = parent.generation.saturating_add(1);
		Ok(spec)
	}
}

fn check_noise(noise_ppm: u32) -> Result<(), GrowthError> {
	if noise_ppm < 1_000_000 {
		Ok(())
	} else {
		Err(GrowthError::NoiseTooLarge)
	}
}

/// What an evaluator attests about an epoch's candidate: its mean validation loss, its mean
/// loss on the held-out set (never trained on) and the parent's loss there (the validation
/// set's parent score is on chain; the held-out set's is not), and whether the training
/// replayed bit for bit from the parent's pinned blocks and the migration.
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
pub struct Benchmark {
	pub validation: Score,
	pub held_out: Score,
	pub parent_held_out: Score,
	pub replay_ok: bool,
}

/// The commitment an evaluator of epoch `epoch` makes to `benchmark` before revealing it:
/// `blake2_256(("aiblock/bench", epoch, who, benchmark, salt))`.
pub fn benchmark_commitment<AccountId: Encode>(
	epoch: EpochIndex,
	who: &AccountId,
	benchmark: &Benchmark,
	salt: &[u8; 32],
) -> H256 {
	H256(sp_crypto_hashing::blake2_256(&(*b"aiblock/bench", epoch, who, benchmark, salt).encode()))
}

/// The verdict on an epoch's candidate from the revealed benchmarks of a panel of `panel`.
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
pub enum Verdict {
	/// Both medians beat the parent by the threshold: the candidate becomes the new version.
	Promoted { validation: Score, held_out: Score },
	/// Fewer than a strict majority of the panel revealed.
	NoQuorum,
	/// A strict majority of the revealed replays failed: the trainer's claim is false.
	ReplayFailed,
	/// The medians (validation, held-out) do not beat the parent's score by the threshold.
	TooLittleGain { validation: Score, held_out: Score },
}

/// Judge a candidate: `revealed` benchmarks of a panel of `panel`, against the parent's
/// validation score `parent` (lower is better) and the relative gain `min_gain` both the
/// validation and the held-out medians must reach: the validation median at most
/// `parent − min_gain × parent`, the held-out median at most the same fraction of the median
/// of the panel's parent held-out scores.
pub fn judge(revealed: &[Benchmark], panel: usize, parent: Score, min_gain: Perbill) -> Verdict {
	if revealed.len() * 2 <= panel {
		return Verdict::NoQuorum;
	}
	let failed = revealed.iter().filter(|b| !b.replay_ok).count();
	if failed * 2 > revealed.len() {
		return Verdict::ReplayFailed;
	}
	// Each median counts a tie between two halves against the candidate: the upper one for
	// its own losses, the lower one for the parent's.
	let median = |f: fn(&Benchmark) -> Score, upper: bool| {
		let mut values: alloc::vec::Vec<Score> =
			revealed.iter().filter(|b| b.replay_ok).map(f).collect();
		values.sort_unstable();
		values[if upper { values.len() / 2 } else { (values.len() - 1) / 2 }]
	};
	let validation = median(|b| b.validation, true);
	let held_out = median(|b| b.held_out, true);
	let parent_held_out = median(|b| b.parent_held_out, false);
	let bar = |parent: Score| parent.saturating_sub(min_gain.mul_ceil(parent));
	if validation <= bar(parent) && held_out <= bar(parent_held_out) {
		Verdict::Promoted { validation, held_out }
	} else {
		Verdict::TooLittleGain { validation, held_out }
	}
}

/// The model registry as the Evolution pallet uses it: the newest version, a check of a grown
/// spec, and the promotion of a candidate to a new version with all its blocks.
pub trait ModelRegistry {
	/// The newest model version, its spec and its validation score, if it has one.
	fn newest() -> Option<(ModelIndex, ModelSpec, Option<Score>)>;

	/// Whether `spec` may be registered as the next version (the chain's limits and SemVer
	/// rules), with the error the registry gives otherwise.
	fn check_successor(spec: &ModelSpec) -> DispatchResult;

	/// Whether `payload` is a block the registry would accept (size, CID).
	fn check_payload(payload: &Payload) -> DispatchResult;

	/// The current block of every slot of model `model`, in its spec's canonical order
	/// ([`ModelSpec::param_kinds`]); `None` for an unknown model or a slot without a block.
	/// An epoch pins these when its training starts: the grown model is built from them
	/// whatever jobs adopt on the parent meanwhile.
	fn current_blocks(model: ModelIndex) -> Option<alloc::vec::Vec<H256>>;

	/// The worst-case weight of one [`ModelRegistry::current_blocks`].
	fn current_blocks_weight() -> sp_runtime::Weight;

	/// Register `spec` as the next version with every one of its `blocks`, scored `score`, and
	/// a migration block `migration` describing the growth from the previous version. Returns
	/// the new version's index.
	fn promote(
		spec: ModelSpec,
		blocks: &[(BlockKind, Payload)],
		score: Score,
		migration: Payload,
	) -> Result<ModelIndex, DispatchError>;

	/// The worst-case weight of one [`ModelRegistry::promote`], which the caller adds to its
	/// own.
	fn promote_weight() -> sp_runtime::Weight;
}

/// A candidate's blocks: one per slot of the grown model, in the spec's canonical order.
pub type CandidateBlocks<S> = BoundedVec<(BlockKind, Payload), S>;

#[cfg(test)]
mod tests {
	use super::*;
	use crate::dag::{AttentionSpec, Tokenizer};

	fn transformer() -> ModelSpec {
		ModelSpec {
			name: b"aiblock-mixtral".to_vec().try_into().unwrap(),
			architecture: b"aiblock-mixtral-v1".to_vec().try_into().unwrap(),
			version: SemVer { major: 2, minor: 0, patch: 0 },
			generation: 0,
			context: 64,
			vocab: 256,
			tokenizer: Tokenizer::Bytes,
			d_model: 128,
			d_ff: 176,
			layers: 4,
			experts: 4,
			top_k: 2,
			attention: Some(AttentionSpec {
				heads: 4,
				kv_heads: 4,
				head_dim: 32,
				rope_theta: 10_000,
				norm_eps_pico: 10_000_000,
			}),
			delta: 1_000,
			validation_dataset: Default::default(),
		}
	}

	#[test]
	fn each_growth_makes_a_successor_of_the_right_kind() {
		let parent = transformer();
		let doubled = Growth::DoubleExperts { noise_ppm: 10_000 }.grown_spec(&parent).unwrap();
		assert_eq!((doubled.experts, doubled.top_k), (8, 4));
		assert_eq!(doubled.version, SemVer { major: 3, minor: 0, patch: 0 });
		assert_eq!(doubled.successor_of(&parent), Ok(crate::dag::Bump::Major));
		let wide = Growth::WidenFf { d_ff: 352, noise_ppm: 0 }.grown_spec(&parent).unwrap();
		assert_eq!((wide.d_ff, wide.version), (352, SemVer { major: 2, minor: 1, patch: 0 }));
		assert_eq!(wide.successor_of(&parent), Ok(crate::dag::Bump::Minor));
		let deep = Growth::AddLayers { layers: 2 }.grown_spec(&parent).unwrap();
		assert_eq!(deep.layers, 6);
		assert_eq!(deep.successor_of(&parent), Ok(crate::dag::Bump::Minor));
		for grown in [doubled, wide, deep] {
			assert_eq!(grown.generation, 1);
		}
	}

	#[test]
	fn growths_that_do_not_apply_are_refused() {
		let parent = transformer();
		let refused = |g: Growth| g.grown_spec(&parent).unwrap_err();
		assert_eq!(refused(Growth::WidenFf { d_ff: 176, noise_ppm: 0 }), GrowthError::BadWidth);
		assert_eq!(refused(Growth::WidenFf { d_ff: 353, noise_ppm: 0 }), GrowthError::BadWidth);
		assert_eq!(refused(Growth::AddLayers { layers: 0 }), GrowthError::NoLayers);
		assert_eq!(
			refused(Growth::DoubleExperts { noise_ppm: 1_000_000 }),
			GrowthError::NoiseTooLarge
		);
		let byte_model = ModelSpec { attention: None, ..parent.clone() };
		assert_eq!(
			Growth::AddLayers { layers: 1 }.grown_spec(&byte_model),
			Err(GrowthError::NotATransformer)
		);
		let huge = ModelSpec { experts: u16::MAX, ..parent };
		assert_eq!(
			Growth::DoubleExperts { noise_ppm: 0 }.grown_spec(&huge),
			Err(GrowthError::TooLarge)
		);
	}

	/// A benchmark whose parent scores 2,000,000 on the held-out set, like on validation.
	fn bench(validation: Score, held_out: Score, replay_ok: bool) -> Benchmark {
		Benchmark { validation, held_out, parent_held_out: 2_000_000, replay_ok }
	}

	#[test]
	fn a_candidate_is_promoted_only_when_both_medians_beat_the_threshold() {
		let gain = Perbill::from_percent(15);
		// Parent 2 000 000: the bar is 1 700 000.
		let good = [bench(1_650_000, 1_690_000, true); 3];
		assert_eq!(
			judge(&good, 3, 2_000_000, gain),
			Verdict::Promoted { validation: 1_650_000, held_out: 1_690_000 }
		);
		let at_bar = [bench(1_700_000, 1_700_000, true); 3];
		assert!(matches!(judge(&at_bar, 3, 2_000_000, gain), Verdict::Promoted { .. }));
		// Overfitting: validation improves, the held-out set does not.
		let overfit = [bench(1_600_000, 1_800_000, true); 3];
		assert_eq!(
			judge(&overfit, 3, 2_000_000, gain),
			Verdict::TooLittleGain { validation: 1_600_000, held_out: 1_800_000 }
		);
		// One lying evaluator cannot move the median.
		let lie = [
			bench(1_650_000, 1_650_000, true),
			bench(1_650_000, 1_650_000, true),
			bench(0, 0, true),
		];
		assert!(matches!(judge(&lie, 3, 2_000_000, gain), Verdict::Promoted { .. }));
		let lie_up = [
			bench(1_650_000, 1_650_000, true),
			bench(9_000_000, 9_000_000, true),
			bench(1_650_000, 1_650_000, true),
		];
		assert!(matches!(judge(&lie_up, 3, 2_000_000, gain), Verdict::Promoted { .. }));
	}

	#[test]
	fn the_held_out_gain_is_measured_against_the_parent_on_the_same_set() {
		let gain = Perbill::from_percent(15);
		// The held-out set is easier than the validation set: the parent scores 1,000,000 there.
		let on = |held_out: Score| Benchmark {
			validation: 1_600_000,
			held_out,
			parent_held_out: 1_000_000,
			replay_ok: true,
		};
		// 10 % better than the parent there: below the validation bar, yet too little gain.
		assert_eq!(
			judge(&[on(900_000); 3], 3, 2_000_000, gain),
			Verdict::TooLittleGain { validation: 1_600_000, held_out: 900_000 }
		);
		assert!(matches!(judge(&[on(850_000); 3], 3, 2_000_000, gain), Verdict::Promoted { .. }));
		// One evaluator lying about the parent moves nothing: the median is taken.
		let liar = Benchmark { parent_held_out: 9_000_000, ..on(900_000) };
		assert!(matches!(
			judge(&[on(900_000), on(900_000), liar], 3, 2_000_000, gain),
			Verdict::TooLittleGain { .. }
		));
		// Nor with two reveals (the third silent): the lower of the two parents' scores.
		assert!(matches!(
			judge(&[on(900_000), liar], 3, 2_000_000, gain),
			Verdict::TooLittleGain { .. }
		));
	}

	#[test]
	fn failed_replays_or_too_few_reveals_decide_first() {
		let gain = Perbill::from_percent(15);
		let good = bench(1_000_000, 1_000_000, true);
		let failed = bench(1_000_000, 1_000_000, false);
		assert_eq!(judge(&[good, failed, failed], 3, 2_000_000, gain), Verdict::ReplayFailed);
		assert!(matches!(
			judge(&[good, good, failed], 3, 2_000_000, gain),
			Verdict::Promoted { .. }
		));
		assert_eq!(judge(&[good], 3, 2_000_000, gain), Verdict::NoQuorum);
		assert_eq!(judge(&[], 3, 2_000_000, gain), Verdict::NoQuorum);
		// Two of three revealed: a majority; with one failed replay of two, no majority failed.
		assert!(matches!(judge(&[good, failed], 3, 2_000_000, gain), Verdict::Promoted { .. }));
	}

	#[test]
	fn a_benchmark_commitment_binds_every_field() {
		let b = bench(1, 2, true);
		let c = benchmark_commitment(3, &7u64, &b, &[9; 32]);
		assert_ne!(c, benchmark_commitment(4, &7u64, &b, &[9; 32]));
		assert_ne!(c, benchmark_commitment(3, &8u64, &b, &[9; 32]));
		assert_ne!(c, benchmark_commitment(3, &7u64, &bench(1, 2, false), &[9; 32]));
		assert_ne!(c, benchmark_commitment(3, &7u64, &b, &[8; 32]));
	}
}
