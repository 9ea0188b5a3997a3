//! A Mixtral-architecture Mixture-of-Experts transformer with deterministic numerics.
//!
//! ```text
//! x      = embed[token]                                        (N × d, N = sequences · length)
//! for each layer l:
//!   h    = RMSNorm(x) ⊙ attention.norm
//!   q, k, v = h·Wq, h·Wk, h·Wv; RoPE on q and k                 (H query heads, KV ≤ H key/value
//!   a    = softmax(q·kᵀ · hd^-½, causal) · v per head           heads, head h reads KV head h·KV/H)
//!   x    = x + a·Wo
//!   h    = RMSNorm(x) ⊙ attention.ffn_norm
//!   S_t  = top-k of h·router (ties: lower expert), gates g = softmax over S_t
//!   x    = x + Σ_{e ∈ S_t} g_e · (silu(h·W1_e) ⊙ (h·W3_e))·W2_e  (SwiGLU experts)
//! logits = (RMSNorm(x) ⊙ norm)·head
//! ```
//!
//! This is Hugging Face's `MixtralForCausalLM` (no biases, untied head, "rotate half" RoPE,
//! gates renormalised over the chosen experts); [`hf`] imports its checkpoints and the parity
//! test checks our logits against the library's.
//!
//! Blocks are the units a job trains and the chain addresses (its `BlockKind`s): `shared` (embedding, final norm, head), and per layer `layer{l}.attention` (both
//! norms and the four projections), `layer{l}.router` and `layer{l}.expert{e}`. Matrices are stored `[in, out]` row-major (`x · W`), the transpose of
//! PyTorch's `Linear.weight`.
//!
//! Every operation is built from the crate's canonical pieces ([`crate::matmul`] FMA chains,
//! [`crate::math`] exp/ln/SiLU); [`ops`] documents the order of operations of the rest.

pub mod backward;
pub mod decode;
pub mod experts;
pub mod files;
pub mod forward;
pub mod generate;
#[cfg(test)]
mod gradcheck;
pub mod grow;
pub mod hf;
pub mod ops;
pub mod rope;
#[cfg(test)]
mod tests;
pub mod train;

use crate::{
	matmul::MatmulError,
	model::{uniform_tensor, Architecture, BlockId, Weights},
};
use std::collections::BTreeMap;

/// The shape of a transformer model version.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TransformerSpec {
	/// Token ids are `0..vocab`; 256 for the byte-level default.
	pub vocab: usize,
	pub d_model: usize,
	pub layers: usize,
	/// Query heads.
	pub heads: usize,
	/// Key/value heads (grouped-query attention); divides `heads`.
	pub kv_heads: usize,
	/// Width of each head; even (RoPE rotates pairs).
	pub head_dim: usize,
	/// Hidden width of each expert.
	pub d_ff: usize,
	/// Experts per layer.
	pub experts: usize,
	/// Experts each token is routed to.
	pub top_k: usize,
	/// The longest sequence the model reads (positions `0..context`).
	pub context: usize,
	pub rope_theta: f32,
	pub norm_eps: f32,
}

/// Why a transformer spec, input or pass is unusable.
#[derive(Debug, Clone, PartialEq)]
pub enum TransformerError {
	Zero(&'static str),
	TopKAboveExperts {
		top_k: usize,
		experts: usize,
	},
	HeadsNotGrouped {
		heads: usize,
		kv_heads: usize,
	},
	OddHeadDim(usize),
	/// Token ids are bytes on the current loss path; larger vocabularies come with a tokenizer.
	VocabAbove256(usize),
	/// More than 2^32 parameters, or a dimension above [`TransformerSpec::MAX_DIMENSION`].
	TooLarge,
	ContextTooLong {
		context: usize,
		max: usize,
	},
	/// No tokens, or token and target counts that do not match.
	EmptyBatch,
	ShapeMismatch {
		tokens: usize,
		sequences: usize,
		length: usize,
	},
	SequenceTooLong {
		length: usize,
		context: usize,
	},
	TokenOutOfVocab {
		token: u32,
		vocab: usize,
	},
	/// A block to train that this model does not have.
	UnknownBlock(BlockId),
	Matmul(MatmulError),
	/// A NaN or infinity appeared: the step is invalid.
	NonFinite(&'static str),
	/// Sampling parameters that describe no distribution.
	Sampling(String),
	/// A decoder lane that is not open.
	NoSuchLane(usize),
	/// A decoder lane named twice in one pass.
	LaneTwice(usize),
	/// The model code panicked (a bug): the message.
	Panic(String),
	/// A growth into a successor that is not possible: why.
	BadGrowth(&'static str),
	/// The weights leave out an expert the pass routed rows to (a server holding some
	/// experts runs the others through an [`experts::ExpertRunner`]).
	MissingExpert {
		layer: usize,
		expert: usize,
	},
	/// Rows or matrices handed to an expert that do not fit the model: why.
	ExpertRows(&'static str),
	/// An expert runner could compute an expert nowhere: why.
	ExpertsUnavailable(String),
}

impl std::fmt::Display for TransformerError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		use TransformerError::*;
		match self {
			Zero(what) => write!(f, "{what} must be at least 1"),
			TopKAboveExperts { top_k, experts } => {
				write!(f, "top_k {top_k} exceeds the {experts} experts per layer")
			},
			HeadsNotGrouped { heads, kv_heads } => {
				write!(f, "{kv_heads} key/value heads do not divide {heads} query heads")
			},
			OddHeadDim(hd) => write!(f, "head_dim {hd} is odd; RoPE rotates pairs"),
			VocabAbove256(v) => write!(f, "vocabulary {v} above 256 is not supported yet"),
			TooLarge => write!(
				f,
				"the model has more than 2^32 parameters or a dimension above {}",
				TransformerSpec::MAX_DIMENSION
			),
			ContextTooLong { context, max } => write!(f, "context {context} exceeds {max}"),
			EmptyBatch => write!(f, "the batch has no tokens"),
			ShapeMismatch { tokens, sequences, length } => {
				write!(f, "{tokens} tokens are not {sequences} sequences of {length}")
			},
			SequenceTooLong { length, context } => {
				write!(f, "sequence of {length} tokens exceeds the model's context of {context}")
			},
			TokenOutOfVocab { token, vocab } => {
				write!(f, "token {token} is outside the vocabulary of {vocab}")
			},
			UnknownBlock(b) => write!(f, "block {b} is not part of the model"),
			Matmul(e) => write!(f, "matrix product: {e}"),
			NonFinite(what) => write!(f, "non-finite value in {what}: invalid step"),
			Sampling(why) => write!(f, "sampling: {why}"),
			NoSuchLane(lane) => write!(f, "decoder lane {lane} is not open"),
			LaneTwice(lane) => write!(f, "decoder lane {lane} is named twice in one pass"),
			Panic(message) => write!(f, "the model code panicked: {message}"),
			BadGrowth(why) => write!(f, "growth: {why}"),
			MissingExpert { layer, expert } => {
				write!(f, "expert {expert} of layer {layer} is not in the weights")
			},
			ExpertRows(why) => write!(f, "expert input: {why}"),
			ExpertsUnavailable(why) => write!(f, "experts unavailable: {why}"),
		}
	}
}

impl std::error::Error for TransformerError {}

impl From<MatmulError> for TransformerError {
	fn from(e: MatmulError) -> Self {
		TransformerError::Matmul(e)
	}
}

impl TransformerSpec {
	/// The spec tests use: two layers, four experts, grouped-query attention.
	pub const TINY: TransformerSpec = TransformerSpec {
		vocab: 256,
		d_model: 32,
		layers: 2,
		heads: 4,
		kv_heads: 2,
		head_dim: 8,
		d_ff: 48,
		experts: 4,
		top_k: 2,
		context: 32,
		rope_theta: 10_000.0,
		norm_eps: 1e-5,
	};

	/// nanoGPT's shakespeare-char CPU size in the Mixtral layout (`lm-train`'s defaults and the
	/// development chain's genesis transformer): 4 layers, d 128, 4 heads, 4 experts top-2 of
	/// d_ff 176 (1.41 M parameters, 0.87 M active per token), 64 bytes of context.
	pub const SHAKESPEARE: TransformerSpec = TransformerSpec {
		vocab: 256,
		d_model: 128,
		layers: 4,
		heads: 4,
		kv_heads: 4,
		head_dim: 32,
		d_ff: 176,
		experts: 4,
		top_k: 2,
		context: 64,
		rope_theta: 10_000.0,
		norm_eps: 1e-5,
	};

	/// The largest width, head count, expert count or layer count a spec may have.
	pub const MAX_DIMENSION: usize = 1 << 16;
	/// The longest context a spec may have.
	pub const MAX_CONTEXT: usize = 1 << 16;

	pub fn validate(&self) -> Result<(), TransformerError> {
		use TransformerError::*;
		for (value, what) in [
			(self.vocab, "vocab"),
			(self.d_model, "d_model"),
			(self.layers, "layers"),
			(self.heads, "heads"),
			(self.kv_heads, "kv_heads"),
			(self.head_dim, "head_dim"),
			(self.d_ff, "d_ff"),
			(self.experts, "experts"),
			(self.top_k, "top_k"),
			(self.context, "context"),
		] {
			if value == 0 {
				return Err(Zero(what));
			}
		}
		// Bounds that keep every size product far from overflowing, positions exact in f32 and
		// the rope angles within the range its sine and cosine are accurate on.
		let dims =
			[self.d_model, self.heads, self.kv_heads, self.head_dim, self.d_ff, self.experts];
		if dims.iter().any(|&v| v > Self::MAX_DIMENSION) || self.layers > Self::MAX_DIMENSION {
			return Err(TooLarge);
		}
		if self.context > Self::MAX_CONTEXT {
			return Err(ContextTooLong { context: self.context, max: Self::MAX_CONTEXT });
		}
		if self.top_k > self.experts {
			return Err(TopKAboveExperts { top_k: self.top_k, experts: self.experts });
		}
		if !self.heads.is_multiple_of(self.kv_heads) {
			return Err(HeadsNotGrouped { heads: self.heads, kv_heads: self.kv_heads });
		}
		if !self.head_dim.is_multiple_of(2) {
			return Err(OddHeadDim(self.head_dim));
		}
		if self.vocab > 256 {
			return Err(VocabAbove256(self.vocab));
		}
		let params = self.blocks().iter().map(|b| self.parameters(*b) as u128).sum::<u128>();
		if params > u128::from(u32::MAX) {
			return Err(TooLarge);
		}
		Ok(())
	}

	/// Width of all query heads together.
	pub fn q_width(&self) -> usize {
		self.heads * self.head_dim
	}

	/// Width of all key (or value) heads together.
	pub fn kv_width(&self) -> usize {
		self.kv_heads * self.head_dim
	}

	/// Every block, in canonical order: shared, then per layer attention, router, experts.
	pub fn blocks(&self) -> Vec<BlockId> {
		let mut blocks = vec![BlockId::Shared];
		for layer in 0..self.layers as u32 {
			blocks.push(BlockId::Attention { layer });
			blocks.push(BlockId::Router { layer });
			blocks.extend((0..self.experts as u32).map(|expert| BlockId::Expert { layer, expert }));
		}
		blocks
	}

	/// Whether `block` exists in this spec.
	pub fn contains(&self, block: BlockId) -> bool {
		match block {
			BlockId::Shared => true,
			BlockId::Attention { layer } | BlockId::Router { layer } => {
				(layer as usize) < self.layers
			},
			BlockId::Expert { layer, expert } => {
				(layer as usize) < self.layers && (expert as usize) < self.experts
			},
		}
	}

	/// Number of parameters of `block`.
	pub fn parameters(&self, block: BlockId) -> usize {
		self.tensor_shapes(block).iter().map(|(_, s)| s.iter().product::<usize>()).sum()
	}

	/// Parameters one token uses: everything but the experts it is not routed to.
	pub fn active_parameters(&self) -> usize {
		let all: usize = self.blocks().iter().map(|b| self.parameters(*b)).sum();
		let expert = self.parameters(BlockId::Expert { layer: 0, expert: 0 });
		all - self.layers * (self.experts - self.top_k) * expert
	}
}

impl Architecture for TransformerSpec {
	const TAG: &'static str = "aiblock-mixtral-v1";

	fn blocks(&self) -> Vec<BlockId> {
		TransformerSpec::blocks(self)
	}

	fn tensor_shapes(&self, block: BlockId) -> Vec<(String, Vec<usize>)> {
		if !self.contains(block) {
			return Vec::new();
		}
		let (d, f, v) = (self.d_model, self.d_ff, self.vocab);
		let local: Vec<(&str, Vec<usize>)> = match block {
			BlockId::Shared => {
				vec![("embed", vec![v, d]), ("head", vec![d, v]), ("norm", vec![d])]
			},
			BlockId::Attention { .. } => vec![
				("ffn_norm", vec![d]),
				("norm", vec![d]),
				("wk", vec![d, self.kv_width()]),
				("wo", vec![self.q_width(), d]),
				("wq", vec![d, self.q_width()]),
				("wv", vec![d, self.kv_width()]),
			],
			BlockId::Router { .. } => vec![("weight", vec![d, self.experts])],
			BlockId::Expert { .. } => {
				vec![("w1", vec![d, f]), ("w2", vec![f, d]), ("w3", vec![d, f])]
			},
		};
		local.into_iter().map(|(n, s)| (format!("{}.{n}", block.name()), s)).collect()
	}
}

/// The weights of a transformer model.
pub type TransformerWeights = Weights<TransformerSpec>;

/// Genesis weights: each tensor drawn from its own stream (its name) under `seed`.
///
/// Norm weights are 1; the embedding is uniform with standard deviation 0.02 (GPT-2's);
/// other matrices uniform in `±1/√fan_in`, the two that write into the residual stream
/// (`wo`, `w2`) scaled down by `√(2·layers)` so that it starts small.
pub fn genesis(spec: TransformerSpec, seed: u64) -> Result<TransformerWeights, TransformerError> {
	spec.validate()?;
	let residual = ((2 * spec.layers) as f32).sqrt();
	let mut tensors = BTreeMap::new();
	for block in spec.blocks() {
		for (name, shape) in spec.tensor_shapes(block) {
			let local = name.rsplit('.').next().unwrap_or_default();
			let fan_in = (shape[0] as f32).sqrt();
			let tensor = match local {
				"norm" | "ffn_norm" => crate::tensor::Tensor { data: vec![1.0; shape[0]], shape },
				"embed" => uniform_tensor(seed, &name, shape, 0.02 * 3f32.sqrt()),
				"wo" | "w2" => uniform_tensor(seed, &name, shape, 1.0 / (fan_in * residual)),
				_ => uniform_tensor(seed, &name, shape, 1.0 / fan_in),
			};
			tensors.insert(name, tensor);
		}
	}
	Ok(Weights { spec, tensors })
}

/// A batch of token sequences of equal length, row-major `sequences × length`, checked
/// against a spec when made ([`Sequences::new`]) and again by every pass.
#[derive(Clone, Copy, Debug)]
pub struct Sequences<'a> {
	pub(crate) tokens: &'a [u32],
	pub(crate) sequences: usize,
	pub(crate) length: usize,
}

impl<'a> Sequences<'a> {
	/// Check the shape and the token ids against `spec`.
	pub fn new(
		tokens: &'a [u32],
		sequences: usize,
		spec: &TransformerSpec,
	) -> Result<Self, TransformerError> {
		if tokens.is_empty() || sequences == 0 {
			return Err(TransformerError::EmptyBatch);
		}
		let length = tokens.len() / sequences;
		if length * sequences != tokens.len() {
			return Err(TransformerError::ShapeMismatch {
				tokens: tokens.len(),
				sequences,
				length,
			});
		}
		if length > spec.context {
			return Err(TransformerError::SequenceTooLong { length, context: spec.context });
		}
		if let Some(&token) = tokens.iter().find(|&&t| t as usize >= spec.vocab) {
			return Err(TransformerError::TokenOutOfVocab { token, vocab: spec.vocab });
		}
		Ok(Sequences { tokens, sequences, length })
	}

	/// Whether these sequences fit `spec` (a pass checks before it indexes anything).
	pub(crate) fn check(&self, spec: &TransformerSpec) -> Result<(), TransformerError> {
		Sequences::new(self.tokens, self.sequences, spec).map(|_| ())
	}

	pub fn tokens(&self) -> &'a [u32] {
		self.tokens
	}

	pub fn sequences(&self) -> usize {
		self.sequences
	}

	pub fn length(&self) -> usize {
		self.length
	}

	/// `sequences · length`.
	pub fn len(&self) -> usize {
		self.tokens.len()
	}

	pub fn is_empty(&self) -> bool {
		self.tokens.is_empty()
	}
}
