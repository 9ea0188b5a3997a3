//! The model the network trains: a byte-level Mixture-of-Experts language model.
//!
//! ```text
//! x₀[t]   = Σᵢ embed[i][byte t−context+i]                (one table per context position)
//! for each layer l:
//!   r     = x_l · router_l                              (router logits, one per expert)
//!   S_t   = top-k of r[t] (ties: lower expert index)     gates g = softmax of r[t] over S_t
//!   x_l+1 = x_l + Σ_{e ∈ S_t} g_e · (SiLU(x_l·W1_e + b1_e)·W2_e + b2_e)
//! logits  = x_L · head + head_bias;   loss = mean cross-entropy of the next byte
//! ```
//!
//! Every piece of the model is a *block* that maps 1:1 to an on-chain block kind: `shared`
//! (embedding and output head), `layer{l}.router` and `layer{l}.expert{e}`. A tensor's full name
//! is `{block}.{tensor}`, e.g. `layer3.expert5.w1`. Genesis weights are a pure function of the
//! spec and a seed, so anybody can regenerate them and check their hashes.

use crate::{rng, tensor::Tensor};
use std::collections::BTreeMap;

/// Bytes: the vocabulary.
pub const VOCAB: usize = 256;

/// The shape of a model version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelSpec {
	/// Bytes of context (the "n" of the n-gram embedding).
	pub context: usize,
	pub d_model: usize,
	/// Hidden width of each expert.
	pub d_ff: usize,
	pub layers: usize,
	/// Experts per layer.
	pub experts: usize,
	/// Experts each token is routed to.
	pub top_k: usize,
}

/// Why a spec is unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecError {
	Zero(&'static str),
	TopKAboveExperts { top_k: usize, experts: usize },
	TooLarge,
}

impl std::fmt::Display for SpecError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			SpecError::Zero(what) => write!(f, "{what} must be at least 1"),
			SpecError::TopKAboveExperts { top_k, experts } => {
				write!(f, "top_k {top_k} exceeds the {experts} experts per layer")
			},
			SpecError::TooLarge => write!(f, "the model has more than 2^32 parameters"),
		}
	}
}

impl std::error::Error for SpecError {}

impl ModelSpec {
	/// The spec tests and examples use: small enough to train in seconds on a CPU.
	pub const TINY: ModelSpec =
		ModelSpec { context: 2, d_model: 32, d_ff: 64, layers: 2, experts: 4, top_k: 2 };

	pub fn validate(&self) -> Result<(), SpecError> {
		for (value, what) in [
			(self.context, "context"),
			(self.d_model, "d_model"),
			(self.d_ff, "d_ff"),
			(self.layers, "layers"),
			(self.experts, "experts"),
			(self.top_k, "top_k"),
		] {
			if value == 0 {
				return Err(SpecError::Zero(what));
			}
		}
		if self.top_k > self.experts {
			return Err(SpecError::TopKAboveExperts { top_k: self.top_k, experts: self.experts });
		}
		let params = self.blocks().iter().map(|b| self.parameters(*b) as u128).sum::<u128>();
		if params > u128::from(u32::MAX) {
			return Err(SpecError::TooLarge);
		}
		Ok(())
	}

	/// Every block, in canonical order: shared, then per layer the router and the experts.
	pub fn blocks(&self) -> Vec<BlockId> {
		let mut blocks = vec![BlockId::Shared];
		for layer in 0..self.layers as u32 {
			blocks.push(BlockId::Router { layer });
			blocks.extend((0..self.experts as u32).map(|expert| BlockId::Expert { layer, expert }));
		}
		blocks
	}

	/// The tensors of `block`: full name and shape, sorted by name.
	pub fn tensor_shapes(&self, block: BlockId) -> Vec<(String, Vec<usize>)> {
		let (d, f) = (self.d_model, self.d_ff);
		let local: Vec<(&str, Vec<usize>)> = match block {
			BlockId::Shared => vec![
				("embed", vec![self.context, VOCAB, d]),
				("head.bias", vec![VOCAB]),
				("head.weight", vec![d, VOCAB]),
			],
			BlockId::Router { .. } => vec![("weight", vec![d, self.experts])],
			BlockId::Expert { .. } => {
				vec![("b1", vec![f]), ("b2", vec![d]), ("w1", vec![d, f]), ("w2", vec![f, d])]
			},
			BlockId::Attention { .. } => vec![],
		};
		local.into_iter().map(|(n, s)| (format!("{}.{n}", block.name()), s)).collect()
	}

	/// Number of parameters of `block`.
	pub fn parameters(&self, block: BlockId) -> usize {
		self.tensor_shapes(block).iter().map(|(_, s)| s.iter().product::<usize>()).sum()
	}

	/// Whether `block` exists in this spec.
	pub fn contains(&self, block: BlockId) -> bool {
		match block {
			BlockId::Shared => true,
			BlockId::Attention { .. } => false,
			BlockId::Router { layer } => (layer as usize) < self.layers,
			BlockId::Expert { layer, expert } => {
				(layer as usize) < self.layers && (expert as usize) < self.experts
			},
		}
	}
}

/// A block of the model: the unit that is trained, stored, addressed and adopted on chain.
/// Ordered canonically: shared, then per layer the attention, the router and the experts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockId {
	/// Embedding and output head (and, in the transformer, the final norm).
	Shared,
	/// A transformer layer's self-attention with its two norms (the byte model has none).
	Attention {
		layer: u32,
	},
	Router {
		layer: u32,
	},
	Expert {
		layer: u32,
		expert: u32,
	},
}

impl BlockId {
	fn canonical_key(&self) -> (u8, u32, u32) {
		match *self {
			BlockId::Shared => (0, 0, 0),
			BlockId::Attention { layer } => (1, layer, 0),
			BlockId::Router { layer } => (1, layer, 1),
			BlockId::Expert { layer, expert } => (1, layer, expert.saturating_add(2)),
		}
	}

	/// `shared`, `layer{l}.attention`, `layer{l}.router` or `layer{l}.expert{e}`.
	pub fn name(&self) -> String {
		match self {
			BlockId::Shared => "shared".into(),
			BlockId::Attention { layer } => format!("layer{layer}.attention"),
			BlockId::Router { layer } => format!("layer{layer}.router"),
			BlockId::Expert { layer, expert } => format!("layer{layer}.expert{expert}"),
		}
	}

	/// The inverse of [`BlockId::name`].
	pub fn parse(name: &str) -> Option<BlockId> {
		if name == "shared" {
			return Some(BlockId::Shared);
		}
		let (layer, rest) = name.strip_prefix("layer")?.split_once('.')?;
		let layer = parse_index(layer)?;
		match rest {
			"router" => return Some(BlockId::Router { layer }),
			"attention" => return Some(BlockId::Attention { layer }),
			_ => {},
		}
		let expert = parse_index(rest.strip_prefix("expert")?)?;
		Some(BlockId::Expert { layer, expert })
	}

	/// The block a full tensor name belongs to.
	pub fn of_tensor(tensor: &str) -> Option<BlockId> {
		if let Some(rest) = tensor.strip_prefix("shared.") {
			return (!rest.is_empty()).then_some(BlockId::Shared);
		}
		let mut parts = tensor.splitn(3, '.');
		let (layer, kind) = (parts.next()?, parts.next()?);
		parts.next()?;
		BlockId::parse(&format!("{layer}.{kind}"))
	}
}

/// Decimal without sign or leading zeros, so every block has exactly one name.
fn parse_index(s: &str) -> Option<u32> {
	if s.is_empty() || (s.len() > 1 && s.starts_with('0')) || !s.bytes().all(|b| b.is_ascii_digit())
	{
		return None;
	}
	s.parse().ok()
}

impl Ord for BlockId {
	fn cmp(&self, other: &Self) -> std::cmp::Ordering {
		self.canonical_key().cmp(&other.canonical_key())
	}
}

impl PartialOrd for BlockId {
	fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
		Some(self.cmp(other))
	}
}

impl std::fmt::Display for BlockId {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str(&self.name())
	}
}

/// What a model's shape says about its blocks: which exist and which tensors each holds.
pub trait Architecture: Copy + std::fmt::Debug + PartialEq {
	/// The tag a model spec names the architecture by (on chain and in `spec.json`).
	const TAG: &'static str;

	/// Every block, in canonical order.
	fn blocks(&self) -> Vec<BlockId>;

	/// The tensors of `block`: full name and shape, sorted by name (none for a block the
	/// architecture does not have).
	fn tensor_shapes(&self, block: BlockId) -> Vec<(String, Vec<usize>)>;
}

impl Architecture for ModelSpec {
	const TAG: &'static str = "byte-moe-v1";

	fn blocks(&self) -> Vec<BlockId> {
		ModelSpec::blocks(self)
	}

	fn tensor_shapes(&self, block: BlockId) -> Vec<(String, Vec<usize>)> {
		ModelSpec::tensor_shapes(self, block)
	}
}

/// A tensor of genesis weights: uniform in `±bound`, drawn from the stream of its name under
/// `seed` (all zero for a zero bound).
pub(crate) fn uniform_tensor(seed: u64, name: &str, shape: Vec<usize>, bound: f32) -> Tensor {
	let stream = rng::stream_of(name);
	let len = shape.iter().product::<usize>();
	let data =
		(0..len as u64)
			.map(|i| {
				if bound == 0.0 {
					0.0
				} else {
					(rng::uniform(seed, stream, i) * 2.0 - 1.0) * bound
				}
			})
			.collect();
	Tensor { shape, data }
}

/// All weights of a model, by full tensor name.
#[derive(Clone, Debug, PartialEq)]
pub struct Weights<S = ModelSpec> {
	pub spec: S,
	pub tensors: BTreeMap<String, Tensor>,
}

impl Weights<ModelSpec> {
	/// Genesis weights: each tensor drawn from its own stream (its name) under `seed`.
	///
	/// Matrices are uniform in `±1/√fan_in` (the embedding in `±1/√context`, the second expert
	/// matrix scaled down by `√(2·layers)` so the residual stream starts small); biases are zero.
	pub fn genesis(spec: ModelSpec, seed: u64) -> Result<Weights, SpecError> {
		spec.validate()?;
		let mut tensors = BTreeMap::new();
		for block in spec.blocks() {
			for (name, shape) in spec.tensor_shapes(block) {
				let local = name.rsplit('.').next().unwrap_or_default();
				let bound = match local {
					"bias" | "b1" | "b2" => 0.0,
					"embed" => 1.0 / (spec.context as f32).sqrt(),
					"w2" => 1.0 / ((spec.d_ff as f32).sqrt() * ((2 * spec.layers) as f32).sqrt()),
					_ => 1.0 / (shape[0] as f32).sqrt(),
				};
				let tensor = uniform_tensor(seed, &name, shape, bound);
				tensors.insert(name, tensor);
			}
		}
		Ok(Weights { spec, tensors })
	}
}

impl<S: Architecture> Weights<S> {
	/// The data of tensor `name`; every name the spec lists exists.
	pub fn get(&self, name: &str) -> &[f32] {
		&self.tensors[name].data
	}

	/// The tensors of one block, by full name.
	pub fn block(&self, block: BlockId) -> BTreeMap<String, Tensor> {
		let prefix = format!("{}.", block.name());
		self.tensors
			.range(prefix.clone()..)
			.take_while(|(n, _)| n.starts_with(&prefix))
			.map(|(n, t)| (n.clone(), t.clone()))
			.collect()
	}

	/// Replace the tensors of one block (e.g. with an adopted version). The names and shapes
	/// must be exactly the spec's.
	pub fn set_block(
		&mut self,
		block: BlockId,
		tensors: BTreeMap<String, Tensor>,
	) -> Result<(), crate::Error> {
		let expected = self.spec.tensor_shapes(block);
		if expected.is_empty() {
			return Err(crate::Error::Invalid(format!("{block} is not part of this model")));
		}
		if tensors.len() != expected.len() {
			return Err(crate::Error::Invalid(format!(
				"{block}: expected {} tensors, got {}",
				expected.len(),
				tensors.len()
			)));
		}
		for (name, shape) in &expected {
			match tensors.get(name) {
				Some(t) if &t.shape == shape && t.data.len() == shape.iter().product::<usize>() => {
				},
				Some(t) => {
					return Err(crate::Error::Invalid(format!(
						"{name}: shape {:?}, expected {shape:?}",
						t.shape
					)))
				},
				None => {
					return Err(crate::Error::Invalid(format!("{block}: tensor {name} is missing")))
				},
			}
		}
		self.tensors.extend(tensors);
		Ok(())
	}

	/// The canonical safetensors file of one block: what is stored and addressed by CID.
	pub fn block_file(&self, block: BlockId) -> Vec<u8> {
		let metadata: BTreeMap<String, String> = [
			("block".to_string(), block.name()),
			("format".to_string(), "aiblock-block-v1".to_string()),
		]
		.into();
		crate::safetensors::serialize_f32(&self.block(block), &metadata)
	}

	/// Replace one block with the tensors of its file (copied out of the map).
	pub fn load_block_file<B: AsRef<[u8]>>(
		&mut self,
		block: BlockId,
		file: &crate::safetensors::SafeTensors<B>,
	) -> Result<(), crate::Error> {
		let tensors = file.to_tensors().map_err(crate::Error::from)?;
		self.set_block(block, tensors)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn block_names_round_trip_and_are_unique() {
		let spec = ModelSpec { layers: 12, experts: 11, ..ModelSpec::TINY };
		for block in spec.blocks() {
			assert_eq!(BlockId::parse(&block.name()), Some(block));
			for (tensor, _) in spec.tensor_shapes(block) {
				assert_eq!(BlockId::of_tensor(&tensor), Some(block), "{tensor}");
			}
		}
		for bad in [
			"layer01.router",
			"layer1.expert",
			"layer.router",
			"layer1.expert-1",
			"Shared",
			"layer1",
		] {
			assert_eq!(BlockId::parse(bad), None, "{bad}");
		}
		assert_eq!(
			BlockId::of_tensor("layer3.expert5.w1"),
			Some(BlockId::Expert { layer: 3, expert: 5 })
		);
	}

	#[test]
	fn blocks_sort_canonically() {
		let mut blocks = ModelSpec::TINY.blocks();
		let canonical = blocks.clone();
		blocks.reverse();
		blocks.sort();
		assert_eq!(blocks, canonical);
		assert!(BlockId::Router { layer: 1 } > BlockId::Expert { layer: 0, expert: 9 });
	}

	#[test]
	fn spec_validation() {
		assert!(ModelSpec::TINY.validate().is_ok());
		assert_eq!(
			ModelSpec { top_k: 5, ..ModelSpec::TINY }.validate(),
			Err(SpecError::TopKAboveExperts { top_k: 5, experts: 4 })
		);
		assert_eq!(
			ModelSpec { d_ff: 0, ..ModelSpec::TINY }.validate(),
			Err(SpecError::Zero("d_ff"))
		);
		assert_eq!(
			ModelSpec { d_model: 1 << 20, d_ff: 1 << 20, ..ModelSpec::TINY }.validate(),
			Err(SpecError::TooLarge)
		);
	}

	#[test]
	fn genesis_is_a_function_of_spec_and_seed() {
		let a = Weights::genesis(ModelSpec::TINY, 1).unwrap();
		assert_eq!(a, Weights::genesis(ModelSpec::TINY, 1).unwrap());
		assert_ne!(a, Weights::genesis(ModelSpec::TINY, 2).unwrap());
		let count: usize =
			ModelSpec::TINY.blocks().iter().map(|b| ModelSpec::TINY.parameters(*b)).sum();
		assert_eq!(a.tensors.values().map(|t| t.data.len()).sum::<usize>(), count);
		let w1 = a.get("layer0.expert0.w1");
		let bound = 1.0 / 32f32.sqrt();
		assert!(w1.iter().all(|x| x.abs() <= bound) && w1.iter().any(|x| *x != 0.0));
		assert!(a.get("layer1.expert3.b2").iter().all(|x| *x == 0.0));
		// Experts differ from each other.
		assert_ne!(a.get("layer0.expert0.w1"), a.get("layer0.expert1.w1"));
	}

	#[test]
	fn blocks_can_be_read_and_replaced() {
		let mut w = Weights::genesis(ModelSpec::TINY, 1).unwrap();
		let other = Weights::genesis(ModelSpec::TINY, 9).unwrap();
		let block = BlockId::Expert { layer: 1, expert: 2 };
		let replacement = other.block(block);
		assert_eq!(replacement.len(), 4);
		w.set_block(block, replacement.clone()).unwrap();
		assert_eq!(w.block(block), replacement);
		assert_ne!(
			w.block(BlockId::Expert { layer: 1, expert: 1 }),
			other.block(BlockId::Expert { layer: 1, expert: 1 })
		);
		let mut wrong = replacement.clone();
		wrong.get_mut("layer1.expert2.w1").unwrap().shape = vec![64, 32];
		assert!(w.set_block(block, wrong).is_err());
		assert!(w.set_block(BlockId::Router { layer: 0 }, replacement).is_err());
	}

	#[test]
	fn block_files_round_trip() {
		let source = Weights::genesis(ModelSpec::TINY, 5).unwrap();
		let block = BlockId::Expert { layer: 0, expert: 3 };
		let bytes = source.block_file(block);
		assert_eq!(bytes, source.block_file(block), "canonical bytes");
		let file = crate::safetensors::SafeTensors::parse(&bytes[..]).unwrap();
		assert_eq!(file.metadata["block"], "layer0.expert3");
		assert_eq!(file.content_hash().unwrap(), crate::tensor::hash_tensors(&source.block(block)));
		let mut w = Weights::genesis(ModelSpec::TINY, 6).unwrap();
		w.load_block_file(block, &file).unwrap();
		assert_eq!(w.block(block), source.block(block));
		assert!(w.load_block_file(BlockId::Shared, &file).is_err());
	}
}
