//! The model registry as other pallets see it: model versions (the linear meta-chain), the
//! parameter DAG of weight blocks, and the quality gate through which a trained block becomes
//! current.
//!
//! The rules are plain functions on plain data (SemVer steps, spec compatibility, the slots a
//! model has) so they are tested here without a runtime and so the worker can check a spec
//! before it submits anything.
//!
//! # Scores
//! A [`Score`] is a validation loss: the mean cross-entropy of the model on the model's
//! validation dataset, in micro-nats per token (`round(loss × 10⁶)`; a token is a byte for
//! byte-level models), computed exactly by the deterministic compute core. Lower is better. A
//! candidate is adopted only when it improves on the current block's score by at least the
//! model's `delta` ([`improves_by`]).
//!
//! A model without attention predicts every byte of the validation text from the `context`
//! bytes before it. A transformer reads the text in consecutive windows of `context` tokens,
//! each position predicting the token after it; the tokens after the last whole window are not
//! scored. The mean is over every prediction, summed in the compute core's fixed order.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::{ConstU32, H256};
use sp_runtime::{BoundedVec, DispatchError, DispatchResult};

/// Position of a model version in the meta-chain (0 = the genesis model).
pub type ModelIndex = u32;

/// A validation loss in micro-nats per token; lower is better (see the module docs).
pub type Score = u32;

/// Longest content identifier accepted (a binary CIDv1 with a sha2-256 multihash is 36 bytes).
pub const MAX_CID_LEN: u32 = 64;
/// Most dependencies a block may list.
pub const MAX_DEPENDENCIES: u32 = 8;
/// Longest model name and architecture tag.
pub const MAX_NAME_LEN: u32 = 32;

/// A binary CID (not its text form): what an IPFS node resolves.
pub type Cid = BoundedVec<u8, ConstU32<MAX_CID_LEN>>;
/// The dependencies of a block, each an existing block id.
pub type Dependencies = BoundedVec<H256, ConstU32<MAX_DEPENDENCIES>>;
/// A model name or architecture tag (UTF-8).
pub type Name = BoundedVec<u8, ConstU32<MAX_NAME_LEN>>;

/// Whether a candidate with `candidate` loss beats `base` by at least `delta`. A candidate that
/// is not strictly better never passes, even with `delta = 0`.
pub fn improves_by(candidate: Score, base: Score, delta: Score) -> bool {
	candidate < base && base - candidate >= delta
}

/// Whether `cid` is a binary CIDv1 whose multihash is sha2-256 and whose codec is raw (a file
/// of one chunk) or dag-pb (a UnixFS file of several): what the content store and an IPFS
/// daemon's `add` with CIDv1 produce.
pub fn is_supported_cid(cid: &[u8]) -> bool {
	const CIDV1: u8 = 0x01;
	const RAW: u8 = 0x55;
	const DAG_PB: u8 = 0x70;
	const SHA2_256: u8 = 0x12;
	matches!(cid, [CIDV1, RAW | DAG_PB, SHA2_256, 32, digest @ ..] if digest.len() == 32)
}

/// A model's parameters as a whole: the state every candidate of the model is trained against
/// and evaluated in. `revision` counts the candidates adopted into the model (0 when it was
/// registered or imported), so a revision names one assignment of blocks to every slot;
/// `score` is the validation score of the model as it stands (the last adopted candidate's,
/// or the one it was imported with), `None` while it was never evaluated.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct ModelState {
	pub revision: u32,
	pub score: Option<Score>,
}

/// A semantic version of the model.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct SemVer {
	pub major: u16,
	pub minor: u16,
	pub patch: u16,
}

/// What kind of step one version is from the previous one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Bump {
	/// Weights only: the architecture is identical.
	Patch,
	/// Compatible growth: more experts, wider or deeper, nothing removed.
	Minor,
	/// Anything, including incompatible changes.
	Major,
}

impl SemVer {
	/// The step from `previous` to `self`: the most significant component that grew, with the
	/// components below it reset to 0 (`1.2.3 → 1.3.0`, not `1.3.3`). `None` when `self` is not
	/// a well-formed successor.
	pub fn bump_from(&self, previous: &SemVer) -> Option<Bump> {
		let (p, n) = (previous, self);
		if n.major > p.major {
			(n.minor == 0 && n.patch == 0).then_some(Bump::Major)
		} else if n.major == p.major && n.minor > p.minor {
			(n.patch == 0).then_some(Bump::Minor)
		} else if n.major == p.major && n.minor == p.minor && n.patch > p.patch {
			Some(Bump::Patch)
		} else {
			None
		}
	}
}

/// A model version: architecture and the rules of adoption.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct ModelSpec {
	/// Human-readable name (UTF-8), e.g. `aiblock-byte-moe`.
	pub name: Name,
	/// The architecture the weights are for; workers refuse tags they do not implement.
	pub architecture: Name,
	pub version: SemVer,
	/// Evolution epochs this model has been through.
	pub generation: u32,
	/// Tokens the model reads: the n-gram context of a model without attention, the longest
	/// sequence (positions `0..context`) of a transformer.
	pub context: u16,
	/// Token ids are `0..vocab` (256 for [`Tokenizer::Bytes`]).
	pub vocab: u32,
	/// How text becomes token ids.
	pub tokenizer: Tokenizer,
	pub d_model: u32,
	/// Hidden width of each expert.
	pub d_ff: u32,
	pub layers: u16,
	pub experts: u16,
	pub top_k: u16,
	/// Self-attention in every layer (a transformer), or none (a model that only mixes its
	/// n-gram context, such as `byte-moe-v1`).
	pub attention: Option<AttentionSpec>,
	/// Minimum validation-loss improvement for adopting a candidate ([`improves_by`]).
	pub delta: Score,
	/// The dataset validation scores are computed on (a binary CID).
	pub validation_dataset: Cid,
}

/// How a model turns text into token ids. New tokenizers (a BPE vocabulary stored as a
/// dataset, named by its CID) are new variants, appended: the encoding of the others stays.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
pub enum Tokenizer {
	/// Token `b` is byte `b`: any text, no vocabulary file, 256 tokens.
	Bytes,
}

impl Tokenizer {
	/// The vocabulary size the tokenizer implies, when it implies one.
	pub fn vocab(&self) -> Option<u32> {
		match self {
			Tokenizer::Bytes => Some(256),
		}
	}
}

/// The self-attention of every layer of a transformer: causal, multi-head with grouped-query
/// key/value heads, rotary position embeddings, each sub-layer behind an RMSNorm. Its weights
/// (the projections and both norms of a layer) are the layer's [`BlockKind::Attention`] block.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct AttentionSpec {
	/// Query heads.
	pub heads: u16,
	/// Key/value heads; divides `heads` (equal for plain multi-head attention).
	pub kv_heads: u16,
	/// Width of each head; even, since rotary embeddings rotate pairs of features.
	pub head_dim: u32,
	/// Base of the rotary embedding's frequencies (10 000 in Llama, 1 000 000 in Mixtral).
	pub rope_theta: u32,
	/// RMSNorm's epsilon in units of 10⁻¹² (Mixtral's 1e-5 is 10 000 000): an integer, so the
	/// chain holds the exact value every worker computes with ([`AttentionSpec::norm_eps`]).
	pub norm_eps_pico: u32,
}

impl AttentionSpec {
	/// RMSNorm's epsilon as the compute core uses it: `norm_eps_pico / 10¹²` rounded to `f64`
	/// (`10¹²` is exact), then to `f32`. Every reader converts it this way, so all agree.
	pub fn norm_eps(&self) -> f32 {
		(f64::from(self.norm_eps_pico) / 1e12) as f32
	}

	/// Width of all query heads together: the attention's widest projection.
	pub fn q_width(&self) -> u64 {
		u64::from(self.heads) * u64::from(self.head_dim)
	}

	fn check(&self, limits: &SpecLimits) -> Result<(), SpecError> {
		let grouped = self.kv_heads > 0 && self.heads.is_multiple_of(self.kv_heads);
		// Bounding the query width like any other dimension keeps an attention block within
		// four `max_dim`² matrices, the size of the largest expert.
		if self.heads == 0
			|| self.heads > limits.max_heads
			|| !grouped
			|| self.head_dim == 0
			|| !self.head_dim.is_multiple_of(2)
			|| self.q_width() > u64::from(limits.max_dim)
			|| self.rope_theta == 0
			|| self.norm_eps_pico == 0
		{
			return Err(SpecError::BadAttention);
		}
		Ok(())
	}
}

/// Limits a model must stay within (the runtime's configuration).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SpecLimits {
	pub max_layers: u16,
	pub max_experts: u16,
	pub max_dim: u32,
	pub max_context: u16,
	pub max_vocab: u32,
	/// Most query heads of a transformer layer.
	pub max_heads: u16,
}

/// Why a model spec or version step is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SpecError {
	/// A dimension, layer, expert count or context is zero or above the limits.
	OutOfLimits,
	/// The vocabulary is zero, above the limits, or not the tokenizer's (bytes: 256).
	BadVocab,
	/// `top_k` is zero or larger than the number of experts.
	BadTopK,
	/// The name or architecture tag is empty or not UTF-8.
	BadName,
	/// Attention heads that do not group, more heads than allowed, an odd head width, query
	/// heads wider together than the largest dimension, or a zero rotary base or norm epsilon.
	BadAttention,
	/// The version does not follow the previous one by one SemVer step.
	NotASuccessor,
	/// The spec change is not allowed for this kind of step (e.g. a PATCH that changes shapes).
	IncompatibleChange,
	/// The generation went down.
	GenerationDecreased,
}

impl ModelSpec {
	/// Whether the spec is well-formed and within `limits`.
	pub fn check(&self, limits: &SpecLimits) -> Result<(), SpecError> {
		let named = |n: &Name| !n.is_empty() && core::str::from_utf8(n).is_ok();
		if !named(&self.name) || !named(&self.architecture) {
			return Err(SpecError::BadName);
		}
		let dim_ok = |d: u32| d > 0 && d <= limits.max_dim;
		if !dim_ok(self.d_model)
			|| !dim_ok(self.d_ff)
			|| self.context == 0
			|| self.context > limits.max_context
			|| self.layers == 0
			|| self.layers > limits.max_layers
			|| self.experts == 0
			|| self.experts > limits.max_experts
		{
			return Err(SpecError::OutOfLimits);
		}
		let vocab_ok = self.vocab > 0
			&& self.vocab <= limits.max_vocab
			&& self.tokenizer.vocab().is_none_or(|v| v == self.vocab);
		if !vocab_ok {
			return Err(SpecError::BadVocab);
		}
		if self.top_k == 0 || self.top_k > self.experts {
			return Err(SpecError::BadTopK);
		}
		match &self.attention {
			Some(attention) => attention.check(limits),
			None => Ok(()),
		}
	}

	/// Whether `self` may follow `previous` in the meta-chain, and as which step.
	///
	/// PATCH keeps every architectural field; MINOR keeps the name, architecture tag, context,
	/// vocabulary, tokenizer, top-k and attention and lets layers, experts and widths grow but
	/// never shrink; MAJOR may change anything. The generation never decreases.
	pub fn successor_of(&self, previous: &ModelSpec) -> Result<Bump, SpecError> {
		let bump = self.version.bump_from(&previous.version).ok_or(SpecError::NotASuccessor)?;
		if self.generation < previous.generation {
			return Err(SpecError::GenerationDecreased);
		}
		let same_kind = self.name == previous.name
			&& self.architecture == previous.architecture
			&& self.context == previous.context
			&& self.vocab == previous.vocab
			&& self.tokenizer == previous.tokenizer
			&& self.top_k == previous.top_k
			&& self.attention == previous.attention;
		let compatible = match bump {
			Bump::Major => true,
			Bump::Minor => {
				same_kind
					&& self.d_model >= previous.d_model
					&& self.d_ff >= previous.d_ff
					&& self.layers >= previous.layers
					&& self.experts >= previous.experts
			},
			Bump::Patch => {
				same_kind
					&& self.d_model == previous.d_model
					&& self.d_ff == previous.d_ff
					&& self.layers == previous.layers
					&& self.experts == previous.experts
			},
		};
		if compatible {
			Ok(bump)
		} else {
			Err(SpecError::IncompatibleChange)
		}
	}

	/// Number of parameter blocks a complete model has: the shared block, and per layer its
	/// attention (in a transformer), a router and its experts.
	pub fn param_block_count(&self) -> u32 {
		let attention = u32::from(self.attention.is_some());
		1 + u32::from(self.layers) * (attention + 1 + u32::from(self.experts))
	}

	/// Every parameter block kind of the model, in canonical order (shared; then per layer the
	/// attention, the router and the experts ascending).
	pub fn param_kinds(&self) -> impl Iterator<Item = BlockKind> + '_ {
		let attention = self.attention.is_some();
		core::iter::once(BlockKind::Shared).chain((0..self.layers).flat_map(move |layer| {
			attention
				.then_some(BlockKind::Attention { layer })
				.into_iter()
				.chain(core::iter::once(BlockKind::Router { layer }))
				.chain((0..self.experts).map(move |expert| BlockKind::Expert { layer, expert }))
		}))
	}

	/// The work of each training token of a transformer, in bytes of f32 weights worked
	/// through: every weight a token uses (shared block, attention, router and its `top_k`
	/// experts per layer), because each token runs the model forward and back whichever slot is
	/// trained, plus its attention over the window (`2 · heads · head_dim · context` products
	/// per layer, counted like weights). `None` for a model without attention (the byte model),
	/// whose training cost is counted in its trained block's size. Saturates rather than
	/// overflow.
	pub fn active_weight_bytes(&self) -> Option<u64> {
		let attention = self.attention.as_ref()?;
		let (d, f) = (u64::from(self.d_model), u64::from(self.d_ff));
		let q = attention.q_width();
		let kv = u64::from(attention.kv_heads).saturating_mul(u64::from(attention.head_dim));
		let shared = u64::from(self.vocab).saturating_mul(2 * d).saturating_add(d);
		let attention = (2 * d).saturating_add(d.saturating_mul(2 * q + 2 * kv));
		let router = d.saturating_mul(u64::from(self.experts));
		let experts = u64::from(self.top_k).saturating_mul(3 * d).saturating_mul(f);
		let window = (2 * q).saturating_mul(u64::from(self.context));
		let layer = attention.saturating_add(router).saturating_add(experts).saturating_add(window);
		let all = shared.saturating_add(u64::from(self.layers).saturating_mul(layer));
		Some(all.saturating_mul(4))
	}

	/// Attention probabilities one training step of `batch_tokens` tokens keeps for its
	/// backward pass: every token's over the whole window, per head and layer (0 without
	/// attention). Saturates rather than overflow.
	pub fn attention_scores(&self, batch_tokens: u32) -> u64 {
		let Some(attention) = &self.attention else { return 0 };
		u64::from(batch_tokens)
			.saturating_mul(u64::from(self.layers))
			.saturating_mul(u64::from(attention.heads))
			.saturating_mul(u64::from(self.context))
	}

	/// Whether `kind` is a parameter block of this model.
	pub fn has_param(&self, kind: &BlockKind) -> bool {
		match *kind {
			BlockKind::Shared => true,
			BlockKind::Attention { layer } => self.attention.is_some() && layer < self.layers,
			BlockKind::Router { layer } => layer < self.layers,
			BlockKind::Expert { layer, expert } => layer < self.layers && expert < self.experts,
			BlockKind::Meta | BlockKind::Migration => false,
		}
	}
}

/// What a block of the DAG holds. Parameter kinds (shared, attention, router, expert) carry
/// weights and name the slot of the model they fill; `layer3.expert5` is
/// `Expert { layer: 3, expert: 5 }`.
///
/// New variants go at the end: the SCALE index of a variant is part of every stored key of
/// `Current` and every block id.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum BlockKind {
	/// A model version's spec (the meta-chain).
	Meta,
	/// Embedding and output head (and a transformer's final norm).
	Shared,
	/// A layer's router.
	Router { layer: u16 },
	/// One expert of a layer.
	Expert { layer: u16, expert: u16 },
	/// The description of an architecture change between two model versions.
	Migration,
	/// A transformer layer's self-attention: its query/key/value/output projections and the
	/// RMSNorms before the attention and before the experts.
	Attention { layer: u16 },
}

impl BlockKind {
	/// Whether the block holds weights (and so has a slot in `Current`).
	pub fn is_param(&self) -> bool {
		!matches!(self, BlockKind::Meta | BlockKind::Migration)
	}
}

/// The names the worker uses for tensor sets: `shared`, `layer0.attention`, `layer0.router`,
/// `layer3.expert5`, and `meta` / `migration` for the other kinds.
impl core::fmt::Display for BlockKind {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			BlockKind::Meta => write!(f, "meta"),
			BlockKind::Shared => write!(f, "shared"),
			BlockKind::Router { layer } => write!(f, "layer{layer}.router"),
			BlockKind::Expert { layer, expert } => write!(f, "layer{layer}.expert{expert}"),
			BlockKind::Migration => write!(f, "migration"),
			BlockKind::Attention { layer } => write!(f, "layer{layer}.attention"),
		}
	}
}

/// The text form of a binary CID, as IPFS prints it: multibase base32 (`b` + lower-case RFC
/// 4648, no padding). Empty for an empty CID (meta blocks have none).
pub fn cid_to_text(cid: &[u8]) -> alloc::string::String {
	const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
	let mut out = alloc::string::String::new();
	if cid.is_empty() {
		return out;
	}
	out.push('b');
	let (mut buffer, mut bits) = (0u32, 0u32);
	for &byte in cid {
		buffer = (buffer << 8) | u32::from(byte);
		bits += 8;
		while bits >= 5 {
			bits -= 5;
			out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
		}
	}
	if bits > 0 {
		out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
	}
	out
}

/// Where a block's content lives and what it must hash to.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Payload {
	/// Binary CIDv1 of the file in the content store (IPFS).
	pub cid: Cid,
	/// The content hash every reader checks: for weights, the tensor hash of the compute core
	/// (over sorted names, dtypes, shapes and bytes, not over the file); for a meta block, the
	/// blake2-256 of the SCALE-encoded spec.
	pub hash: H256,
	/// Size of the file in bytes.
	pub size: u64,
}

/// Where a block stands in the quality gate.
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
pub enum BlockStatus {
	/// Proposed, awaiting evaluation.
	Pending,
	/// Adopted; current for its slot unless superseded since.
	Accepted,
	/// Refused by the evaluation.
	Rejected,
	/// Was current, replaced by a better block.
	Superseded,
}

/// The immutable part of a block. A block's id is the blake2-256 of this, SCALE-encoded, so
/// the id commits to the payload, the author, the dependencies and the position in the model.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct BlockHeader<AccountId, BlockNumber> {
	pub kind: BlockKind,
	pub model: ModelIndex,
	/// Blocks this one builds on; each existed before this one, so the graph has no cycle.
	/// Always includes the model's meta block (a meta block lists the previous meta block).
	pub depends_on: Dependencies,
	pub payload: Payload,
	/// Who trained (or imported) it; `None` for blocks created by root or at genesis.
	pub author: Option<AccountId>,
	/// The block of the same slot it was trained from, if any (its lineage).
	pub parent: Option<H256>,
	pub created_at: BlockNumber,
}

impl<AccountId: Encode, BlockNumber: Encode> BlockHeader<AccountId, BlockNumber> {
	/// The block's id.
	pub fn id(&self) -> H256 {
		H256(sp_crypto_hashing::blake2_256(&self.encode()))
	}
}

/// A block and its mutable verdict.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct BlockRecord<AccountId, BlockNumber> {
	pub header: BlockHeader<AccountId, BlockNumber>,
	pub status: BlockStatus,
	/// Validation loss attested for it (`None` until evaluated; imported blocks may carry one).
	pub score: Option<Score>,
}

/// The quality gate: the only way a trained block becomes current. Used by the Jobs pallet; no
/// public extrinsic reaches it.
pub trait QualityGate<AccountId> {
	/// Record a pending candidate for `kind` of model `model`, trained from the slot's current
	/// block (its parent) against the blocks `trained_with` (the frozen ones it was trained
	/// with, which become dependencies). Returns the candidate's id.
	fn propose(
		author: &AccountId,
		model: ModelIndex,
		kind: BlockKind,
		payload: Payload,
		trained_with: &[H256],
	) -> Result<H256, DispatchError>;

	/// Adopt a pending candidate with its attested score: it becomes current for its slot and
	/// the block it replaces is superseded. Fails when the candidate is not pending or its
	/// parent is no longer current (another candidate was adopted meanwhile).
	fn accept(candidate: H256, score: Score) -> DispatchResult;

	/// Refuse a pending candidate.
	fn reject(candidate: H256) -> DispatchResult;

	/// The state of a model's parameters as a whole (`None` for an unknown model). Adopting
	/// any candidate of the model moves it to the next revision.
	fn state(model: ModelIndex) -> Option<ModelState>;

	/// The current block of a slot and its score.
	fn current(model: ModelIndex, kind: BlockKind) -> Option<(H256, Option<Score>)>;

	/// The adoption threshold of a model.
	fn delta(model: ModelIndex) -> Option<Score>;

	/// A model's spec.
	fn spec(model: ModelIndex) -> Option<ModelSpec>;

	/// A block's status, if it exists.
	fn status(id: H256) -> Option<BlockStatus>;

	/// The size in bytes of a block's weights file, if the block exists: what a worker fetches,
	/// and what the work of training or evaluating it grows with.
	fn payload_size(id: H256) -> Option<u64>;
}

sp_api::decl_runtime_apis! {
	/// Read access to the model registry for workers and wallets (also served over RPC by the
	/// node as `expertDag_*`).
	pub trait ExpertDagApi<AccountId, BlockNumber>
	where
		AccountId: codec::Codec,
		BlockNumber: codec::Codec,
	{
		/// The newest model version and its spec.
		fn latest_model() -> Option<(ModelIndex, ModelSpec)>;
		/// A model version's spec and meta block.
		fn model(model: ModelIndex) -> Option<(ModelSpec, H256)>;
		/// The current block of every parameter slot of a model, in canonical order.
		fn current_blocks(model: ModelIndex) -> Vec<(BlockKind, H256, BlockRecord<AccountId, BlockNumber>)>;
		/// A block by id.
		fn block(id: H256) -> Option<BlockRecord<AccountId, BlockNumber>>;
		/// `id` and its ancestors by parent link, newest first, at most `max` of them.
		fn lineage(id: H256, max: u32) -> Vec<H256>;
		/// Up to `max` blocks with `status`, in id order, starting after `start_after`.
		fn blocks_by_status(status: BlockStatus, start_after: Option<H256>, max: u32) -> Vec<H256>;
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn v(major: u16, minor: u16, patch: u16) -> SemVer {
		SemVer { major, minor, patch }
	}

	fn spec() -> ModelSpec {
		ModelSpec {
			name: b"m".to_vec().try_into().unwrap(),
			architecture: b"byte-moe-v1".to_vec().try_into().unwrap(),
			version: v(1, 0, 0),
			generation: 0,
			context: 2,
			vocab: 256,
			tokenizer: Tokenizer::Bytes,
			d_model: 64,
			d_ff: 256,
			layers: 2,
			experts: 4,
			top_k: 2,
			attention: None,
			delta: 1_000,
			validation_dataset: Default::default(),
		}
	}

	fn transformer() -> ModelSpec {
		ModelSpec {
			architecture: b"aiblock-mixtral-v1".to_vec().try_into().unwrap(),
			context: 256,
			attention: Some(AttentionSpec {
				heads: 4,
				kv_heads: 2,
				head_dim: 16,
				rope_theta: 10_000,
				norm_eps_pico: 10_000_000,
			}),
			..spec()
		}
	}

	const LIMITS: SpecLimits = SpecLimits {
		max_layers: 8,
		max_experts: 16,
		max_dim: 4096,
		max_context: 1024,
		max_vocab: 65_536,
		max_heads: 32,
	};

	#[test]
	fn a_transformer_token_works_through_every_active_weight() {
		// d 64, d_ff 256, 2 layers of 4 experts (top 2), 4 query and 2 key/value heads of 16:
		// shared 256·128 + 64; per layer 2·64 + 64·(2·64 + 2·32) attention, 64·4 router and
		// 2 · 3·64·256 experts; f32 each. The compute core's `Shape::work_bytes` counts the same.
		// The window: 2 · 64 query features · 256 positions per layer.
		let layer = 128 + 64 * 192 + 256 + 2 * 3 * 64 * 256 + 2 * 64 * 256;
		assert_eq!(transformer().active_weight_bytes(), Some(4 * (256 * 128 + 64 + 2 * layer)));
		assert_eq!(spec().active_weight_bytes(), None, "the byte model counts its block");
		// 1024 tokens × 2 layers × 4 heads × 256 positions.
		assert_eq!(transformer().attention_scores(1024), 1024 * 2 * 4 * 256);
		assert_eq!(spec().attention_scores(1024), 0);
		let huge =
			ModelSpec { d_model: u32::MAX, d_ff: u32::MAX, layers: u16::MAX, ..transformer() };
		assert_eq!(huge.active_weight_bytes(), Some(u64::MAX));
	}

	#[test]
	fn semver_steps() {
		assert_eq!(v(1, 0, 1).bump_from(&v(1, 0, 0)), Some(Bump::Patch));
		assert_eq!(v(1, 1, 0).bump_from(&v(1, 0, 7)), Some(Bump::Minor));
		assert_eq!(v(2, 0, 0).bump_from(&v(1, 4, 7)), Some(Bump::Major));
		assert_eq!(v(1, 0, 0).bump_from(&v(1, 0, 0)), None, "no increase");
		assert_eq!(v(1, 0, 0).bump_from(&v(1, 0, 1)), None, "decrease");
		assert_eq!(v(1, 1, 1).bump_from(&v(1, 0, 0)), None, "patch not reset");
		assert_eq!(v(2, 1, 0).bump_from(&v(1, 0, 0)), None, "minor not reset");
		assert_eq!(v(1, 2, 0).bump_from(&v(1, 0, 0)), Some(Bump::Minor), "skipping is allowed");
	}

	#[test]
	fn spec_checks() {
		assert_eq!(spec().check(&LIMITS), Ok(()));
		assert_eq!(ModelSpec { top_k: 5, ..spec() }.check(&LIMITS), Err(SpecError::BadTopK));
		assert_eq!(ModelSpec { top_k: 0, ..spec() }.check(&LIMITS), Err(SpecError::BadTopK));
		assert_eq!(ModelSpec { layers: 9, ..spec() }.check(&LIMITS), Err(SpecError::OutOfLimits));
		assert_eq!(ModelSpec { d_ff: 0, ..spec() }.check(&LIMITS), Err(SpecError::OutOfLimits));
		assert_eq!(ModelSpec { context: 0, ..spec() }.check(&LIMITS), Err(SpecError::OutOfLimits));
		assert_eq!(
			ModelSpec { context: 1025, ..spec() }.check(&LIMITS),
			Err(SpecError::OutOfLimits)
		);
		assert_eq!(ModelSpec { vocab: 0, ..spec() }.check(&LIMITS), Err(SpecError::BadVocab));
		assert_eq!(
			ModelSpec { vocab: 512, ..spec() }.check(&LIMITS),
			Err(SpecError::BadVocab),
			"bytes are 256 tokens"
		);
		let bad_name = ModelSpec { name: vec![0xff].try_into().unwrap(), ..spec() };
		assert_eq!(bad_name.check(&LIMITS), Err(SpecError::BadName));
	}

	#[test]
	fn attention_checks() {
		assert_eq!(transformer().check(&LIMITS), Ok(()));
		let with = |change: fn(&mut AttentionSpec)| {
			let mut spec = transformer();
			change(spec.attention.as_mut().unwrap());
			spec.check(&LIMITS)
		};
		assert_eq!(with(|a| a.kv_heads = 4), Ok(()), "plain multi-head attention");
		assert_eq!(with(|a| a.kv_heads = 3), Err(SpecError::BadAttention), "4 heads, 3 groups");
		assert_eq!(with(|a| a.kv_heads = 0), Err(SpecError::BadAttention));
		assert_eq!(with(|a| a.heads = 0), Err(SpecError::BadAttention));
		assert_eq!(with(|a| a.heads = 34), Err(SpecError::BadAttention), "above max_heads");
		assert_eq!(with(|a| a.head_dim = 15), Err(SpecError::BadAttention), "odd");
		assert_eq!(with(|a| a.head_dim = 1026), Err(SpecError::BadAttention), "4 × 1026 > max_dim");
		assert_eq!(with(|a| a.head_dim = 1024), Ok(()), "4 heads of 1024 are max_dim wide");
		assert_eq!(with(|a| a.rope_theta = 0), Err(SpecError::BadAttention));
		assert_eq!(with(|a| a.norm_eps_pico = 0), Err(SpecError::BadAttention));
		let eps = transformer().attention.unwrap().norm_eps();
		assert_eq!(eps, 1e-5_f32, "the f32 nearest to 1e-5, as the compute core parses it");
		assert_eq!(
			AttentionSpec { norm_eps_pico: 1_000_000, ..transformer().attention.unwrap() }
				.norm_eps(),
			1e-6_f32
		);
	}

	#[test]
	fn successor_rules() {
		let base = spec();
		let patch = ModelSpec { version: v(1, 0, 1), delta: 500, ..base.clone() };
		assert_eq!(patch.successor_of(&base), Ok(Bump::Patch));
		let wider_patch = ModelSpec { d_ff: 512, ..patch.clone() };
		assert_eq!(wider_patch.successor_of(&base), Err(SpecError::IncompatibleChange));
		let minor = ModelSpec { version: v(1, 1, 0), experts: 8, d_ff: 512, ..base.clone() };
		assert_eq!(minor.successor_of(&base), Ok(Bump::Minor));
		let shrink = ModelSpec { layers: 1, ..minor.clone() };
		assert_eq!(shrink.successor_of(&base), Err(SpecError::IncompatibleChange));
		let other_k = ModelSpec { top_k: 1, ..minor };
		assert_eq!(other_k.successor_of(&base), Err(SpecError::IncompatibleChange));
		let major = ModelSpec { version: v(2, 0, 0), layers: 1, top_k: 1, ..base.clone() };
		assert_eq!(major.successor_of(&base), Ok(Bump::Major));
		let older = ModelSpec { generation: 0, ..major.clone() };
		let newer_base = ModelSpec { generation: 3, ..base.clone() };
		assert_eq!(older.successor_of(&newer_base), Err(SpecError::GenerationDecreased));
		assert_eq!(base.successor_of(&base), Err(SpecError::NotASuccessor));
	}

	#[test]
	fn a_transformer_follows_a_byte_model_only_as_a_major_version() {
		let bytes = spec();
		let minor = ModelSpec { version: v(1, 1, 0), ..transformer() };
		assert_eq!(minor.successor_of(&bytes), Err(SpecError::IncompatibleChange));
		let major = ModelSpec { version: v(2, 0, 0), ..transformer() };
		assert_eq!(major.successor_of(&bytes), Ok(Bump::Major));
		let more_heads = |a: &AttentionSpec| AttentionSpec { heads: 8, ..a.clone() };
		let regrouped = ModelSpec {
			version: v(2, 1, 0),
			attention: major.attention.as_ref().map(more_heads),
			..major.clone()
		};
		assert_eq!(regrouped.successor_of(&major), Err(SpecError::IncompatibleChange));
		let longer = ModelSpec { version: v(2, 0, 1), context: 512, ..major.clone() };
		assert_eq!(longer.successor_of(&major), Err(SpecError::IncompatibleChange));
		let other_vocab = ModelSpec { version: v(2, 1, 0), vocab: 255, ..major.clone() };
		assert_eq!(other_vocab.successor_of(&major), Err(SpecError::IncompatibleChange));
		let more_experts = ModelSpec { version: v(2, 1, 0), experts: 8, ..major.clone() };
		assert_eq!(more_experts.successor_of(&major), Ok(Bump::Minor));
	}

	#[test]
	fn param_kinds_are_canonical_and_complete() {
		let s = spec();
		let kinds: Vec<_> = s.param_kinds().collect();
		assert_eq!(kinds.len() as u32, s.param_block_count());
		assert_eq!(kinds[0], BlockKind::Shared);
		assert_eq!(kinds[1], BlockKind::Router { layer: 0 });
		assert_eq!(kinds[2], BlockKind::Expert { layer: 0, expert: 0 });
		assert_eq!(kinds[6], BlockKind::Router { layer: 1 });
		let mut sorted = kinds.clone();
		sorted.sort();
		sorted.dedup();
		assert_eq!(sorted.len(), kinds.len(), "no duplicates");
		assert!(kinds.iter().all(|k| s.has_param(k) && k.is_param()));
		assert!(!s.has_param(&BlockKind::Expert { layer: 0, expert: 4 }));
		assert!(!s.has_param(&BlockKind::Router { layer: 2 }));
		assert!(!s.has_param(&BlockKind::Meta));
		assert!(!s.has_param(&BlockKind::Attention { layer: 0 }), "no attention in byte-moe");
	}

	#[test]
	fn a_transformer_has_an_attention_block_per_layer() {
		let s = transformer();
		let kinds: Vec<_> = s.param_kinds().collect();
		assert_eq!(s.param_block_count(), 1 + 2 * (1 + 1 + 4));
		assert_eq!(kinds.len() as u32, s.param_block_count());
		assert_eq!(kinds[1], BlockKind::Attention { layer: 0 });
		assert_eq!(kinds[2], BlockKind::Router { layer: 0 });
		assert_eq!(kinds[3], BlockKind::Expert { layer: 0, expert: 0 });
		assert_eq!(kinds[7], BlockKind::Attention { layer: 1 });
		assert!(kinds.iter().all(|k| s.has_param(k) && k.is_param()));
		assert!(!s.has_param(&BlockKind::Attention { layer: 2 }));
	}

	#[test]
	fn new_kinds_keep_the_encoding_of_the_old_ones() {
		// `Current` keys and block ids hash these bytes: appending a variant must not move any.
		assert_eq!(BlockKind::Meta.encode(), vec![0]);
		assert_eq!(BlockKind::Shared.encode(), vec![1]);
		assert_eq!(BlockKind::Router { layer: 1 }.encode(), vec![2, 1, 0]);
		assert_eq!(BlockKind::Expert { layer: 1, expert: 2 }.encode(), vec![3, 1, 0, 2, 0]);
		assert_eq!(BlockKind::Migration.encode(), vec![4]);
		assert_eq!(BlockKind::Attention { layer: 1 }.encode(), vec![5, 1, 0]);
	}

	#[test]
	fn kinds_are_named_like_the_worker_names_them() {
		assert_eq!(BlockKind::Expert { layer: 3, expert: 5 }.to_string(), "layer3.expert5");
		assert_eq!(BlockKind::Router { layer: 0 }.to_string(), "layer0.router");
		assert_eq!(BlockKind::Shared.to_string(), "shared");
		assert_eq!(BlockKind::Attention { layer: 2 }.to_string(), "layer2.attention");
	}

	#[test]
	fn cid_text_matches_ipfs() {
		// The CID IPFS gives the bytes "hello world\n" with CIDv1 and raw leaves.
		let digest = [
			0xa9, 0x48, 0x90, 0x4f, 0x2f, 0x0f, 0x47, 0x9b, 0x8f, 0x81, 0x97, 0x69, 0x4b, 0x30,
			0x18, 0x4b, 0x0d, 0x2e, 0xd1, 0xc1, 0xcd, 0x2a, 0x1e, 0xc0, 0xfb, 0x85, 0xd2, 0x99,
			0xa1, 0x92, 0xa4, 0x47,
		];
		let mut cid = vec![0x01, 0x55, 0x12, 0x20];
		cid.extend(digest);
		assert_eq!(
			cid_to_text(&cid),
			"bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"
		);
		assert_eq!(cid_to_text(&[]), "");
	}

	#[test]
	fn supported_cids() {
		let mut cid = vec![0x01, 0x55, 0x12, 32];
		cid.extend([7u8; 32]);
		assert!(is_supported_cid(&cid));
		cid[1] = 0x70;
		assert!(is_supported_cid(&cid));
		cid[1] = 0x71;
		assert!(!is_supported_cid(&cid), "dag-cbor is not a file");
		cid[1] = 0x55;
		cid[0] = 0x00;
		assert!(!is_supported_cid(&cid), "CIDv0 prefix");
		cid[0] = 0x01;
		assert!(!is_supported_cid(&cid[..35]), "short digest");
		assert!(!is_supported_cid(&[]));
	}

	#[test]
	fn adoption_needs_a_strict_gain_of_delta() {
		assert!(improves_by(900, 1_000, 100));
		assert!(!improves_by(901, 1_000, 100));
		assert!(!improves_by(1_000, 1_000, 0), "no gain is never adopted");
		assert!(improves_by(999, 1_000, 0));
		assert!(!improves_by(1_100, 1_000, 0));
	}
}
