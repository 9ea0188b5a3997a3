//! The genesis models of AI-Block's development and local chains, as the ExpertDag pallet's
//! genesis config holds them: each spec, every block's CID, tensor hash and size, and the
//! validation loss of the genesis weights. Model 0 is the byte model the network started with
//! (version 1.0.0, kept readable); model 1, the newest, is the Mixtral-layout transformer
//! (version 2.0.0) with the last 10 % of tinyshakespeare as its validation set.
//!
//! Everything here is regenerated from documented numbers (the shapes, the weight seeds, the
//! validation sources), so anyone can check that the chain's genesis blocks are exactly these
//! weights: `aiblock-compute genesis --chain-json FILE` writes the file the runtime embeds
//! (`chain-specs/genesis-models.json`), and a test fails when the two differ.

use crate::{
	backend::Backend,
	data::{Dataset, MarkovSource},
	model::{Architecture, BlockId, ModelSpec, Weights},
	store::cid_of,
	tensor::{hash_tensors, hex, Digest},
	train::evaluate,
	transformer::{train::split, TransformerSpec, TransformerWeights},
};
use serde_json::{json, Value};

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

/// tinyshakespeare (1,115,394 bytes of Shakespeare's plays, public domain; `data/README.md`),
/// embedded so that the genesis transformer's validation set is regenerated from the binary.
pub const SHAKESPEARE: &[u8] = include_bytes!("../../../data/tinyshakespeare.txt");

/// The genesis transformer of the development and local chains: nanoGPT's shakespeare-char
/// size in the Mixtral layout ([`TransformerSpec::SHAKESPEARE`]), registered as the chain's
/// version 2.0.0 after the byte model, with [`SHAKESPEARE`]'s validation split as its
/// validation set.
#[derive(Clone, Debug)]
pub struct GenesisTransformer {
	pub version: ModelVersion,
	pub spec: TransformerSpec,
	/// Seed of [`crate::transformer::genesis`].
	pub weight_seed: u64,
}

impl GenesisTransformer {
	pub fn development() -> GenesisTransformer {
		GenesisTransformer {
			version: ModelVersion {
				name: "aiblock-shakespeare".into(),
				version: (2, 0, 0),
				generation: 0,
				// 0.01 nats per byte: a job is adopted when it lowers the model's validation
				// loss by at least that much.
				delta: 10_000,
			},
			spec: TransformerSpec::SHAKESPEARE,
			weight_seed: 0,
		}
	}

	/// The text jobs on this model learn from: the first 90 % of [`SHAKESPEARE`].
	pub fn training() -> &'static [u8] {
		split(SHAKESPEARE).0
	}

	/// The model's validation set: the last 10 % of [`SHAKESPEARE`].
	pub fn validation() -> &'static [u8] {
		split(SHAKESPEARE).1
	}

	pub fn weights(&self) -> Result<TransformerWeights, crate::Error> {
		crate::transformer::genesis(self.spec, self.weight_seed).map_err(crate::Error::from)
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

/// One block of a model as the chain imports it: the slot, its canonical file (what the
/// content store addresses) and the hash of its tensors (what readers check).
#[derive(Clone, Debug)]
pub struct ChainBlock {
	pub block: BlockId,
	pub file: Vec<u8>,
	pub hash: Digest,
}

/// A model as the ExpertDag pallet imports it (`ImportedModel`, through genesis or root's
/// `import_model`): the spec in the chain's fields, every block, and the validation dataset
/// with the score every block starts with (the loss of the whole model on it).
#[derive(Clone, Debug)]
pub struct ChainModel {
	/// The chain's `ModelSpec` as serde JSON: byte strings as arrays of numbers.
	pub spec: Value,
	pub blocks: Vec<ChainBlock>,
	pub validation: Vec<u8>,
	pub score: u32,
}

/// What names a model version on chain besides its architecture.
#[derive(Clone, Debug)]
pub struct ModelVersion {
	pub name: String,
	/// `(major, minor, patch)`.
	pub version: (u16, u16, u16),
	pub generation: u32,
	/// Adoption threshold, micro-nats per token.
	pub delta: u32,
}

impl ModelVersion {
	/// The spec fields every architecture has, with `validation`'s CID. Byte tokens: 256 of
	/// them, the chain's `Tokenizer::Bytes`.
	fn spec_fields(&self, validation: &[u8]) -> serde_json::Map<String, Value> {
		let (major, minor, patch) = self.version;
		let mut fields = serde_json::Map::new();
		fields.insert("name".into(), byte_array(self.name.as_bytes()));
		fields.insert("version".into(), json!({ "major": major, "minor": minor, "patch": patch }));
		fields.insert("generation".into(), json!(self.generation));
		fields.insert("delta".into(), json!(self.delta));
		fields.insert("vocab".into(), json!(crate::model::VOCAB));
		fields.insert("tokenizer".into(), json!("Bytes"));
		let cid = cid_of(validation);
		fields.insert("validation_dataset".into(), byte_array(cid.as_bytes()));
		fields
	}
}

/// The name the chain gives a block's slot, as serde JSON of its `BlockKind`.
fn kind_json(block: BlockId) -> Value {
	match block {
		BlockId::Shared => json!("Shared"),
		BlockId::Attention { layer } => json!({ "Attention": { "layer": layer } }),
		BlockId::Router { layer } => json!({ "Router": { "layer": layer } }),
		BlockId::Expert { layer, expert } => {
			json!({ "Expert": { "layer": layer, "expert": expert } })
		},
	}
}

/// Every block of `weights` with its canonical file and tensor hash, in slot order.
fn chain_blocks<S: Architecture>(weights: &Weights<S>) -> Vec<ChainBlock> {
	Architecture::blocks(&weights.spec)
		.into_iter()
		.map(|block| ChainBlock {
			block,
			file: weights.block_file(block),
			hash: hash_tensors(&weights.block(block)),
		})
		.collect()
}

impl ChainModel {
	fn new<S: Architecture>(
		spec: Value,
		weights: &Weights<S>,
		validation: Vec<u8>,
		loss: f32,
	) -> ChainModel {
		ChainModel { spec, blocks: chain_blocks(weights), validation, score: score_of(loss) }
	}

	/// The model as the pallet's `ImportedModel` in serde JSON (what genesis configs hold).
	pub fn to_json(&self) -> Value {
		let blocks: Vec<Value> = self
			.blocks
			.iter()
			.map(|b| {
				json!({
					"kind": kind_json(b.block),
					"payload": {
						"cid": byte_array(cid_of(&b.file).as_bytes()),
						"hash": format!("0x{}", hex(&b.hash)),
						"size": b.file.len(),
					},
					"score": self.score,
				})
			})
			.collect();
		json!({ "spec": self.spec, "blocks": blocks })
	}

	/// Every file the chain's payloads name, by name: the validation set and each block.
	pub fn files(&self) -> NamedFiles {
		let blocks = self.blocks.iter().map(|b| (b.block.name(), b.file.clone()));
		core::iter::once(("validation".to_string(), self.validation.clone()))
			.chain(blocks)
			.collect()
	}
}

/// The development byte model (see [`GenesisModel`]) as the chain imports it.
pub fn byte_model(
	genesis: &GenesisModel,
	backend: &dyn Backend,
) -> Result<ChainModel, crate::Error> {
	let spec = genesis.spec;
	let weights = Weights::genesis(spec, genesis.weight_seed).map_err(crate::Error::from)?;
	let validation = genesis.validation();
	let loss = evaluate(backend, &weights, &validation, 4096).map_err(crate::Error::from)?;
	let version = ModelVersion {
		name: genesis.name.clone(),
		version: (1, 0, 0),
		generation: 0,
		delta: genesis.delta,
	};
	let mut fields = version.spec_fields(&validation.bytes);
	fields.insert("architecture".into(), byte_array(ModelSpec::TAG.as_bytes()));
	fields.insert("context".into(), json!(spec.context));
	fields.insert("d_model".into(), json!(spec.d_model));
	fields.insert("d_ff".into(), json!(spec.d_ff));
	fields.insert("layers".into(), json!(spec.layers));
	fields.insert("experts".into(), json!(spec.experts));
	fields.insert("top_k".into(), json!(spec.top_k));
	// The byte model mixes its n-gram context without attention.
	fields.insert("attention".into(), Value::Null);
	Ok(ChainModel::new(Value::Object(fields), &weights, validation.bytes, loss))
}

/// A transformer as the chain imports it, scored on `validation` by the chain's protocol for
/// transformers ([`transformer_score`]). Fails when the spec has no exact on-chain form (a
/// vocabulary other than the 256 byte tokens, a rotary base that is not a whole number, a norm
/// epsilon that is not a whole number of 10⁻¹²).
pub fn transformer_model(
	version: &ModelVersion,
	weights: &TransformerWeights,
	validation: Vec<u8>,
	backend: &dyn Backend,
) -> Result<ChainModel, crate::Error> {
	let spec = weights.spec;
	if spec.vocab != crate::model::VOCAB {
		return Err(crate::Error::Invalid(format!(
			"vocabulary {}: the chain's byte tokenizer has {} tokens",
			spec.vocab,
			crate::model::VOCAB
		)));
	}
	let rope_theta = spec.rope_theta;
	if rope_theta.fract() != 0.0 || !(1.0..=u32::MAX as f32).contains(&rope_theta) {
		return Err(crate::Error::Invalid(format!(
			"rope_theta {rope_theta} is not a whole number the chain can hold"
		)));
	}
	let norm_eps_pico = (f64::from(spec.norm_eps) * 1e12).round();
	let exact = (1.0..=f64::from(u32::MAX)).contains(&norm_eps_pico)
		&& (norm_eps_pico / 1e12) as f32 == spec.norm_eps;
	if !exact {
		return Err(crate::Error::Invalid(format!(
			"norm_eps {} has no exact form in 10^-12 units",
			spec.norm_eps
		)));
	}
	let narrow = |v: usize, what: &str| {
		u16::try_from(v).map_err(|_| format!("{what} {v} is above the chain's 65 535"))
	};
	let loss = transformer_score(backend, weights, &validation).map_err(crate::Error::from)?;
	let mut fields = version.spec_fields(&validation);
	fields.insert("architecture".into(), byte_array(TransformerSpec::TAG.as_bytes()));
	fields.insert("context".into(), json!(narrow(spec.context, "context")?));
	fields.insert("d_model".into(), json!(spec.d_model));
	fields.insert("d_ff".into(), json!(spec.d_ff));
	fields.insert("layers".into(), json!(narrow(spec.layers, "layers")?));
	fields.insert("experts".into(), json!(narrow(spec.experts, "experts")?));
	fields.insert("top_k".into(), json!(narrow(spec.top_k, "top_k")?));
	fields.insert(
		"attention".into(),
		json!({
			"heads": narrow(spec.heads, "heads")?,
			"kv_heads": narrow(spec.kv_heads, "kv_heads")?,
			"head_dim": spec.head_dim,
			"rope_theta": rope_theta as u32,
			"norm_eps_pico": norm_eps_pico as u32,
		}),
	);
	Ok(ChainModel::new(Value::Object(fields), weights, validation, loss))
}

/// A transformer's validation loss as the chain records it (`aiblock_primitives::dag`'s
/// "Scores"): the mean loss over the validation text cut into consecutive windows of the
/// model's full context, each position predicting the token after it; the tokens after the
/// last whole window are not scored. The batch of windows per pass changes no bit; it is sized
/// so one pass's attention probabilities stay near 64 Mi floats.
pub fn transformer_score(
	backend: &dyn Backend,
	weights: &TransformerWeights,
	validation: &[u8],
) -> Result<f32, crate::transformer::TransformerError> {
	let spec = &weights.spec;
	let per_window = spec.heads.saturating_mul(spec.context).saturating_mul(spec.context).max(1);
	let batch = ((1 << 26) / per_window).clamp(1, 16);
	crate::transformer::train::evaluate(backend, weights, validation, spec.context, batch, 0)
}

/// The genesis models of the development chains in meta-chain order, each scored by its
/// architecture's protocol: the byte model `byte` (model 0) and the transformer `transformer`
/// (model 1).
pub fn genesis_models(
	byte: &GenesisModel,
	transformer: &GenesisTransformer,
	backend: &dyn Backend,
) -> Result<Vec<ChainModel>, crate::Error> {
	let validation = GenesisTransformer::validation().to_vec();
	let weights = transformer.weights()?;
	Ok(vec![
		byte_model(byte, backend)?,
		transformer_model(&transformer.version, &weights, validation, backend)?,
	])
}

/// Every file the genesis models' payloads name, as [`genesis_models`] would return them but
/// without scoring (what a store needs before the chain can be used: `aiblock-worker
/// init-model`). Names are `{model}/{file}`: `0/validation`, `1/layer0.attention`.
pub fn genesis_files(
	byte: &GenesisModel,
	transformer: &GenesisTransformer,
) -> Result<NamedFiles, crate::Error> {
	let byte_weights = Weights::genesis(byte.spec, byte.weight_seed).map_err(crate::Error::from)?;
	let models = [
		(byte.validation().bytes, chain_blocks(&byte_weights)),
		(GenesisTransformer::validation().to_vec(), chain_blocks(&transformer.weights()?)),
	];
	let mut files = NamedFiles::new();
	for (index, (validation, blocks)) in models.into_iter().enumerate() {
		files.push((format!("{index}/validation"), validation));
		files.extend(blocks.into_iter().map(|b| (format!("{index}/{}", b.block.name()), b.file)));
	}
	Ok(files)
}

/// The text of `chain-specs/genesis-models.json`: a JSON array of the models as
/// [`ChainModel::to_json`] gives them, each spec on one line and then one block per line, so a
/// diff shows which block changed.
pub fn file_text(models: &[Value]) -> String {
	let models: Vec<String> = models
		.iter()
		.map(|model| {
			let blocks: Vec<String> = model["blocks"]
				.as_array()
				.map(|b| b.iter().map(|b| format!("      {b}")).collect())
				.unwrap_or_default();
			format!(
				"  {{\n    \"spec\": {},\n    \"blocks\": [\n{}\n    ]\n  }}",
				model["spec"],
				blocks.join(",\n")
			)
		})
		.collect();
	format!("[\n{}\n]\n", models.join(",\n"))
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
	fn the_development_byte_model_is_reproducible_and_complete() {
		let genesis = GenesisModel::development();
		let cpu = |threads, kernel| Cpu { threads, kernel };
		let a = byte_model(&genesis, &cpu(1, crate::matmul::Kernel::Auto)).unwrap();
		let b = byte_model(&genesis, &cpu(2, crate::matmul::Kernel::Portable)).unwrap();
		assert_eq!(a.to_json(), b.to_json(), "the same JSON on any thread count and kernel");
		let json = a.to_json();
		let text = file_text(&[json.clone(), json.clone()]);
		let reparsed: Value = serde_json::from_str(&text).unwrap();
		assert_eq!(reparsed, json!([json, json]), "the file text is the same JSON");
		let blocks = json["blocks"].as_array().unwrap();
		assert_eq!(blocks.len(), 1 + 2 * (1 + 4));
		assert_eq!(a.files().len(), blocks.len() + 1);
		// An untrained model is no better than uniform over 256 bytes (ln 256 ≈ 5.545 nats).
		let score = blocks[0]["score"].as_u64().unwrap();
		assert!((5_000_000..6_500_000).contains(&score), "{score}");
	}

	/// The stored files are the ones the scored models name, without scoring.
	#[test]
	fn genesis_files_are_the_files_the_models_name() {
		let (byte, transformer) = (GenesisModel::development(), GenesisTransformer::development());
		let files = genesis_files(&byte, &transformer).unwrap();
		let scored = byte_model(&byte, &Cpu::auto()).unwrap();
		let weights = transformer.weights().unwrap();
		let transformer_blocks = chain_blocks(&weights);
		assert_eq!(files.len(), scored.files().len() + 1 + transformer_blocks.len());
		for (name, bytes) in scored.files() {
			assert!(files.contains(&(format!("0/{name}"), bytes)), "0/{name}");
		}
		assert!(files.contains(&("1/validation".into(), GenesisTransformer::validation().into())));
		for block in transformer_blocks {
			assert!(files.contains(&(format!("1/{}", block.block.name()), block.file)));
		}
		// nanoGPT's split of the 1,115,394 bytes.
		assert_eq!(GenesisTransformer::training().len(), 1_003_854);
		assert_eq!(GenesisTransformer::validation().len(), 111_540);
		assert!(GenesisTransformer::validation().starts_with(b"?\n\nGREMIO:"));
	}

	fn tiny_transformer() -> (ModelVersion, TransformerWeights, Vec<u8>) {
		let version =
			ModelVersion { name: "tiny".into(), version: (2, 0, 0), generation: 0, delta: 1_000 };
		let weights = crate::transformer::genesis(TransformerSpec::TINY, 3).unwrap();
		let validation = b"To be, or not to be, that is the question: ".repeat(8);
		(version, weights, validation)
	}

	#[test]
	fn a_transformer_imports_with_an_attention_block_per_layer() {
		let (version, weights, validation) = tiny_transformer();
		let cpu = Cpu { threads: 2, kernel: crate::matmul::Kernel::Auto };
		let model = transformer_model(&version, &weights, validation.clone(), &cpu).unwrap();
		let spec = &model.spec;
		assert_eq!(spec["architecture"], byte_array(b"aiblock-mixtral-v1"));
		assert_eq!(spec["context"], 32);
		assert_eq!(spec["version"], json!({ "major": 2, "minor": 0, "patch": 0 }));
		assert_eq!(
			spec["attention"],
			json!({ "heads": 4, "kv_heads": 2, "head_dim": 8, "rope_theta": 10_000,
				"norm_eps_pico": 10_000_000 })
		);
		assert_eq!(spec["validation_dataset"], byte_array(cid_of(&validation).as_bytes()));
		let json = model.to_json();
		let blocks = json["blocks"].as_array().unwrap();
		assert_eq!(blocks.len(), 1 + 2 * (1 + 1 + 4));
		assert_eq!(blocks[1]["kind"], json!({ "Attention": { "layer": 0 } }));
		assert_eq!(blocks[2]["kind"], json!({ "Router": { "layer": 0 } }));
		// Every block carries the score of the whole model, exactly as evaluators compute it.
		let loss = transformer_score(&Cpu { threads: 1, ..cpu }, &weights, &validation).unwrap();
		assert_eq!(blocks[5]["score"], score_of(loss));
		// An untrained byte model is about uniform: ln 256 ≈ 5.545 nats.
		assert!((5_000_000..6_500_000).contains(&model.score), "{}", model.score);
		let files = model.files();
		assert_eq!(files[0], ("validation".to_string(), validation));
		assert_eq!(files[2].0, "layer0.attention");
		assert_eq!(
			cid_of(&files[2].1).as_bytes(),
			&blocks[1]["payload"]["cid"]
				.as_array()
				.unwrap()
				.iter()
				.map(|v| v.as_u64().unwrap() as u8)
				.collect::<Vec<_>>()[..]
		);
	}

	#[test]
	fn a_transformer_without_an_exact_chain_form_is_refused() {
		let (version, mut weights, validation) = tiny_transformer();
		let cpu = Cpu::auto();
		weights.spec.rope_theta = 10_000.5;
		let error = transformer_model(&version, &weights, validation.clone(), &cpu).unwrap_err();
		assert!(error.to_string().contains("rope_theta"), "{error}");
		weights.spec.rope_theta = 10_000.0;
		weights.spec.norm_eps = 1e-13;
		let error = transformer_model(&version, &weights, validation, &cpu).unwrap_err();
		assert!(error.to_string().contains("norm_eps"), "{error}");
	}
}
