//! The genesis model of AI-Block's development and local chains, as the ExpertDag pallet's
//! genesis config holds it: the spec, every block's CID, tensor hash and size, and the
//! validation loss of the genesis weights.
//!
//! Everything here is regenerated from documented numbers (the shape, the weight seed, the
//! synthetic validation source), so anyone can check that the chain's genesis blocks are
//! exactly these weights: `aiblock-compute genesis --chain-json FILE` writes the file the
//! runtime embeds (`chain-specs/genesis-model.json`), and a test fails when the two differ.

use crate::{
	backend::Backend,
	data::{Dataset, MarkovSource},
	model::{ModelSpec, Weights},
	store::cid_of,
	tensor::{hash_tensors, hex},
	train::evaluate,
};
use serde_json::{json, Value};

/// The architecture tag the compute core implements; specs with another tag are refused.
pub const ARCHITECTURE: &str = "byte-moe-v1";

/// What defines a network's genesis model besides its shape.
#[derive(Clone, Debug)]
pub struct GenesisModel {
	pub name: String,
	pub spec: ModelSpec,
	/// Seed of [`Weights::genesis`].
	pub weight_seed: u64,
	/// The synthetic source whose stream 1 is the validation dataset.
	pub source: MarkovSource,
	/// Bytes of validation data.
	pub validation_len: usize,
	/// Adoption threshold in micro-nats per byte.
	pub delta: u32,
}

impl GenesisModel {
	/// The genesis model of the development and local chains: 2 layers of 4 experts, d_model
	/// 32, small enough that a CPU worker trains an expert in seconds.
	pub fn development() -> GenesisModel {
		GenesisModel {
			name: "aiblock-byte-moe".into(),
			spec: ModelSpec { context: 2, d_model: 32, d_ff: 64, layers: 2, experts: 4, top_k: 2 },
			weight_seed: 0,
			source: MarkovSource { order: 1, branching: 4, seed: 7 },
			validation_len: 1 << 17,
			delta: 10_000,
		}
	}

	/// The validation dataset (stream 1 of the source, as `aiblock-compute train` uses).
	pub fn validation(&self) -> Dataset {
		self.source.generate(self.validation_len, 1)
	}
}

/// A validation loss as the chain stores it: micro-nats per byte, rounded. Lower is better, so
/// a loss that is not a number (weights that diverged to NaN or infinity) is the worst score,
/// [`WORST_SCORE`]: cast as it is, NaN would become 0, the best score there is.
pub fn score_of(loss: f32) -> u32 {
	if !loss.is_finite() {
		return WORST_SCORE;
	}
	(f64::from(loss) * 1e6).round().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// The score of a model that cannot be scored.
pub const WORST_SCORE: u32 = u32::MAX;

fn byte_array(bytes: &[u8]) -> Value {
	Value::Array(bytes.iter().map(|&b| Value::from(b)).collect())
}

/// Named files: what a caller stores, by the name it is known under.
pub type NamedFiles = Vec<(String, Vec<u8>)>;

/// The model in the shape of the ExpertDag pallet's `ImportedModel` (serde JSON of the
/// runtime types: byte strings as arrays of numbers, hashes as `0x` hex), every block's
/// file returned alongside so a caller can store them.
pub fn chain_json(
	genesis: &GenesisModel,
	backend: &dyn Backend,
) -> Result<(Value, NamedFiles), String> {
	let spec = genesis.spec;
	let weights = Weights::genesis(spec, genesis.weight_seed).map_err(|e| e.to_string())?;
	let validation = genesis.validation();
	let loss = evaluate(backend, &weights, &validation, 4096).map_err(|e| e.to_string())?;
	let score = score_of(loss);
	let mut files = vec![("validation".to_string(), validation.bytes.clone())];
	let mut blocks = Vec::new();
	for block in spec.blocks() {
		let bytes = weights.block_file(block);
		let kind = match block {
			crate::model::BlockId::Shared => json!("Shared"),
			// The byte model has no attention block; the chain has no such kind yet.
			crate::model::BlockId::Attention { layer } => {
				return Err(format!("layer{layer}.attention has no on-chain block kind"))
			},
			crate::model::BlockId::Router { layer } => json!({ "Router": { "layer": layer } }),
			crate::model::BlockId::Expert { layer, expert } => {
				json!({ "Expert": { "layer": layer, "expert": expert } })
			},
		};
		blocks.push(json!({
			"kind": kind,
			"payload": {
				"cid": byte_array(cid_of(&bytes).as_bytes()),
				"hash": format!("0x{}", hex(&hash_tensors(&weights.block(block)))),
				"size": bytes.len(),
			},
			"score": score,
		}));
		files.push((block.name(), bytes));
	}
	let model = json!({
		"spec": {
			"name": byte_array(genesis.name.as_bytes()),
			"architecture": byte_array(ARCHITECTURE.as_bytes()),
			"version": { "major": 1, "minor": 0, "patch": 0 },
			"generation": 0,
			"context": spec.context,
			"d_model": spec.d_model,
			"d_ff": spec.d_ff,
			"layers": spec.layers,
			"experts": spec.experts,
			"top_k": spec.top_k,
			"delta": genesis.delta,
			"validation_dataset": byte_array(cid_of(&validation.bytes).as_bytes()),
		},
		"blocks": blocks,
	});
	Ok((model, files))
}

/// The text of `chain-specs/genesis-model.json`: the spec and then one block per line, so a
/// diff shows which block changed.
pub fn file_text(model: &Value) -> String {
	let blocks: Vec<String> = model["blocks"]
		.as_array()
		.map(|b| b.iter().map(|b| format!("    {b}")).collect())
		.unwrap_or_default();
	format!(
		"{{\n  \"spec\": {},\n  \"blocks\": [\n{}\n  ]\n}}\n",
		model["spec"],
		blocks.join(",\n")
	)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::backend::Cpu;

	#[test]
	fn scores_round_to_micro_nats() {
		assert_eq!(score_of(1.386_294_4), 1_386_294);
		assert_eq!(score_of(0.0), 0);
		assert_eq!(score_of(-1.0), 0);
		// Diverged weights never look like a perfect model.
		assert_eq!(score_of(f32::NAN), WORST_SCORE);
		assert_eq!(score_of(-f32::NAN), WORST_SCORE);
		assert_eq!(score_of(f32::INFINITY), WORST_SCORE);
		assert_eq!(score_of(f32::NEG_INFINITY), WORST_SCORE);
	}

	#[test]
	fn the_development_model_is_reproducible_and_complete() {
		let genesis = GenesisModel::development();
		let (a, files) =
			chain_json(&genesis, &Cpu { threads: 1, kernel: crate::matmul::Kernel::Auto }).unwrap();
		let (b, _) =
			chain_json(&genesis, &Cpu { threads: 2, kernel: crate::matmul::Kernel::Portable })
				.unwrap();
		assert_eq!(a, b, "the same JSON on any thread count and kernel");
		let reparsed: Value = serde_json::from_str(&file_text(&a)).unwrap();
		assert_eq!(reparsed, a, "the file text is the same JSON");
		let blocks = a["blocks"].as_array().unwrap();
		assert_eq!(blocks.len(), 1 + 2 * (1 + 4));
		assert_eq!(files.len(), blocks.len() + 1);
		// An untrained model is no better than uniform over 256 bytes (ln 256 ≈ 5.545 nats).
		let score = blocks[0]["score"].as_u64().unwrap();
		assert!((5_000_000..6_500_000).contains(&score), "{score}");
	}
}
