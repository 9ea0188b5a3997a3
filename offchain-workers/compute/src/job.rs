//! A job's training run for either architecture the chain trains: the byte model
//! (`byte-moe-v1`, [`crate::train`]) and the Mixtral-layout transformer (`aiblock-mixtral-v1`,
//! [`crate::transformer`]).
//!
//! The worker sees one interface: a [`Shape`] read from the chain, the [`Model`] its blocks
//! load into, the [`JobConfig`] a job's hyper-parameters name, and a [`Run`] that steps,
//! commits to its state and is replayed by evaluators. Scores follow each architecture's
//! protocol in `aiblock_primitives::dag` (per byte over every position for the byte model,
//! per token over consecutive full-context windows for the transformer).

use crate::{
	backend::Backend,
	data::Dataset,
	genesis::transformer_score,
	model::{Architecture, BlockId, ModelSpec, Weights},
	safetensors::SafeTensors,
	tensor::{Digest, Tensor},
	train::{self, Checkpoint, Steps, TrainConfig, TrainError, TrainState},
	transformer::{
		train::{LmConfig, LmTrainer},
		TransformerSpec, TransformerWeights,
	},
};
use std::collections::{BTreeMap, BTreeSet};

/// Tokens per evaluation batch of the byte model (any value gives the same loss; this one
/// bounds memory).
pub const EVAL_BATCH: usize = 4096;

/// The shape of a model version: which blocks it has and which tensors each holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
	Byte(ModelSpec),
	Transformer(TransformerSpec),
}

impl Shape {
	/// `Ok` when the shape describes a model this build can hold.
	pub fn validate(&self) -> Result<(), crate::Error> {
		match self {
			Shape::Byte(spec) => spec.validate().map_err(crate::Error::from),
			Shape::Transformer(spec) => spec.validate().map_err(crate::Error::from),
		}
	}

	/// Every block, in canonical order.
	pub fn blocks(&self) -> Vec<BlockId> {
		match self {
			Shape::Byte(spec) => spec.blocks(),
			Shape::Transformer(spec) => spec.blocks(),
		}
	}

	/// Parameters of `block` (0 for a block the model does not have).
	pub fn parameters(&self, block: BlockId) -> usize {
		match self {
			Shape::Byte(spec) => spec.parameters(block),
			Shape::Transformer(spec) => spec.parameters(block),
		}
	}

	/// The tokens a model reads before predicting the next one.
	pub fn context(&self) -> usize {
		match self {
			Shape::Byte(spec) => spec.context,
			Shape::Transformer(spec) => spec.context,
		}
	}

	/// The work of one training token of `blocks` in bytes of weights worked through, the
	/// unit of a worker's measured speed (tokens × bytes per second): the blocks' own for the
	/// byte model, whose cost grows with the trained block; for the transformer every active
	/// weight, since each token runs the whole stack forward and back whichever blocks train
	/// (a router job costs what an expert job costs, and what the whole model's costs), plus
	/// its attention over the window (`2 · q_width · context` products per layer). The
	/// chain's `ModelSpec::active_weight_bytes` counts the same.
	pub fn work_bytes(&self, blocks: &[BlockId]) -> u64 {
		let parameters = match self {
			Shape::Byte(spec) => blocks.iter().map(|&b| spec.parameters(b) as u64).sum(),
			Shape::Transformer(spec) => {
				let window = (2 * spec.q_width() as u64).saturating_mul(spec.context as u64);
				(spec.active_parameters() as u64)
					.saturating_add((spec.layers as u64).saturating_mul(window))
			},
		};
		parameters.saturating_mul(4)
	}

	/// A model of this shape with no tensors yet, for blocks to be loaded into one by one.
	pub fn empty(&self) -> Model {
		match *self {
			Shape::Byte(spec) => Model::Byte(Weights { spec, tensors: BTreeMap::new() }),
			Shape::Transformer(spec) => {
				Model::Transformer(Weights { spec, tensors: BTreeMap::new() })
			},
		}
	}

	/// Floats one training token keeps alive through the backward pass, estimated: every
	/// activation a forward pass writes, three times over (kept, its gradient, scratch).
	pub fn activation_floats_per_token(&self) -> u64 {
		let vocab = crate::model::VOCAB as u64;
		match self {
			Shape::Byte(s) => {
				let (d, f) = (s.d_model as u64, s.d_ff as u64);
				let per_layer = 2 * d + s.experts as u64 + s.top_k as u64 * (2 * f + d);
				3 * (d + 2 * vocab + s.layers as u64 * per_layer)
			},
			Shape::Transformer(s) => {
				let (d, f) = (s.d_model as u64, s.d_ff as u64);
				let attention = 4 * d + 2 * (s.q_width() + s.kv_width()) as u64;
				// Each query's probabilities over the whole window, per head.
				let scores = (s.heads * s.context) as u64;
				let ffn = 2 * d + s.experts as u64 + s.top_k as u64 * (3 * f + d);
				let vocab = s.vocab as u64;
				3 * (2 * d + 2 * vocab + s.layers as u64 * (attention + scores + ffn))
			},
		}
	}
}

/// A model's weights, of either architecture.
#[derive(Clone, Debug, PartialEq)]
pub enum Model {
	Byte(Weights),
	Transformer(TransformerWeights),
}

impl Model {
	pub fn shape(&self) -> Shape {
		match self {
			Model::Byte(w) => Shape::Byte(w.spec),
			Model::Transformer(w) => Shape::Transformer(w.spec),
		}
	}

	/// The tensors of one block, by full name.
	pub fn block(&self, block: BlockId) -> BTreeMap<String, Tensor> {
		match self {
			Model::Byte(w) => w.block(block),
			Model::Transformer(w) => w.block(block),
		}
	}

	/// The canonical file of one block: what is stored and addressed by CID.
	pub fn block_file(&self, block: BlockId) -> Vec<u8> {
		match self {
			Model::Byte(w) => w.block_file(block),
			Model::Transformer(w) => w.block_file(block),
		}
	}

	/// Replace one block with the tensors of its file; the names and shapes must be exactly
	/// the model's.
	pub fn load_block_file<B: AsRef<[u8]>>(
		&mut self,
		block: BlockId,
		file: &SafeTensors<B>,
	) -> Result<(), crate::Error> {
		match self {
			Model::Byte(w) => w.load_block_file(block, file),
			Model::Transformer(w) => w.load_block_file(block, file),
		}
	}

	/// The validation loss by the architecture's scoring protocol: nats per byte over every
	/// position for the byte model, nats per token over consecutive full-context windows for
	/// the transformer.
	pub fn validation_loss(
		&self,
		backend: &dyn Backend,
		validation: &Dataset,
	) -> Result<f32, crate::Error> {
		match self {
			Model::Byte(w) => {
				train::evaluate(backend, w, validation, EVAL_BATCH).map_err(crate::Error::from)
			},
			Model::Transformer(w) => {
				transformer_score(backend, w, &validation.bytes).map_err(crate::Error::from)
			},
		}
	}
}

/// The hyper-parameters of a job's run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum JobConfig {
	Byte(TrainConfig),
	Transformer {
		lm: LmConfig,
		/// Steps between two state commitments.
		checkpoint_every: u64,
	},
}

/// The few numbers a job on chain shows about its run; [`JobConfig::for_job`] derives the
/// rest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JobNumbers {
	pub seed: u64,
	/// Tokens per step.
	pub batch_tokens: usize,
	/// The (peak) learning rate.
	pub lr: f32,
	pub checkpoint_every: u64,
	pub steps: u64,
}

impl JobConfig {
	/// The full recipe of a job on a model of `shape`: the byte model's defaults around the
	/// job's numbers, or the transformer's job recipe ([`LmConfig::for_job`]) on windows of
	/// its whole context, so a transformer's batch must be a whole number of windows.
	pub fn for_job(shape: &Shape, job: &JobNumbers) -> Result<JobConfig, crate::Error> {
		match shape {
			Shape::Byte(_) => Ok(JobConfig::Byte(TrainConfig {
				seed: job.seed,
				batch_tokens: job.batch_tokens,
				lr: job.lr,
				checkpoint_every: job.checkpoint_every,
				..TrainConfig::default()
			})),
			Shape::Transformer(spec) => {
				let length = spec.context;
				if job.batch_tokens == 0 || !job.batch_tokens.is_multiple_of(length) {
					return Err(crate::Error::Invalid(format!(
						"a batch of {} tokens is not a whole number of the model's {length}-token windows",
						job.batch_tokens
					)));
				}
				let sequences = job.batch_tokens / length;
				let lm = LmConfig::for_job(job.seed, sequences, length, job.lr, job.steps);
				Ok(JobConfig::Transformer { lm, checkpoint_every: job.checkpoint_every })
			},
		}
	}

	/// Steps between two state commitments.
	pub fn checkpoint_every(&self) -> u64 {
		match self {
			JobConfig::Byte(c) => c.checkpoint_every,
			JobConfig::Transformer { checkpoint_every, .. } => *checkpoint_every,
		}
	}

	/// Tokens one step trains on (the chain's `batch_size`).
	pub fn batch_tokens(&self) -> usize {
		match self {
			JobConfig::Byte(c) => c.batch_tokens,
			JobConfig::Transformer { lm, .. } => lm.sequences.saturating_mul(lm.length),
		}
	}

	/// The batch seed.
	pub fn seed(&self) -> u64 {
		match self {
			JobConfig::Byte(c) => c.seed,
			JobConfig::Transformer { lm, .. } => lm.seed,
		}
	}

	/// The (peak) learning rate.
	pub fn lr(&self) -> f32 {
		match self {
			JobConfig::Byte(c) => c.lr,
			JobConfig::Transformer { lm, .. } => lm.lr,
		}
	}

	/// The canonical JSON: the byte model's [`TrainConfig::to_json`] unchanged (so its jobs'
	/// hashes stay what they were); a transformer's recipe tagged `"architecture"`.
	pub fn to_json(&self) -> serde_json::Value {
		match self {
			JobConfig::Byte(c) => c.to_json(),
			JobConfig::Transformer { lm, checkpoint_every } => {
				let mut json = lm.to_json();
				json["architecture"] = <TransformerSpec as Architecture>::TAG.into();
				json["checkpoint_every"] = (*checkpoint_every).into();
				json
			},
		}
	}

	/// The inverse of [`JobConfig::to_json`].
	pub fn from_json(v: &serde_json::Value) -> Option<JobConfig> {
		match v.get("architecture") {
			None => TrainConfig::from_json(v).map(JobConfig::Byte),
			Some(tag) if tag.as_str() == Some(<TransformerSpec as Architecture>::TAG) => {
				Some(JobConfig::Transformer {
					lm: LmConfig::from_json(v)?,
					checkpoint_every: v.get("checkpoint_every")?.as_u64()?,
				})
			},
			Some(_) => None,
		}
	}

	/// What a job's `hyper.hash` must be for this configuration: BLAKE3 of its canonical
	/// JSON, so poster, trainer and evaluators agree on every constant, not only the few the
	/// chain shows.
	pub fn hash(&self) -> Digest {
		*blake3::hash(self.to_json().to_string().as_bytes()).as_bytes()
	}
}

/// A training run of a set of blocks, of either architecture.
#[derive(Clone, Debug, PartialEq)]
pub enum Run {
	Byte(TrainState),
	Transformer(LmTrainer),
}

impl Run {
	/// A fresh run of `blocks` from `model`, trained together: zero moments, step 0. The
	/// configuration must be the model's architecture's, a transformer's windows must fit its
	/// context, and the byte model trains one block per run.
	pub fn new(model: Model, blocks: &[BlockId], config: &JobConfig) -> Result<Run, crate::Error> {
		let set: BTreeSet<BlockId> = blocks.iter().copied().collect();
		if set.is_empty() || set.len() != blocks.len() {
			return Err(crate::Error::Invalid(format!(
				"{} blocks to train, not one each of a non-empty set",
				blocks.len()
			)));
		}
		match (model, config) {
			(Model::Byte(w), JobConfig::Byte(_)) => match blocks {
				[block] => TrainState::new(w, *block).map(Run::Byte).map_err(crate::Error::from),
				_ => Err(crate::Error::Invalid(format!(
					"the byte model trains one block per run, not {}",
					blocks.len()
				))),
			},
			(Model::Transformer(w), JobConfig::Transformer { lm, .. }) => {
				if lm.length == 0 || lm.length > w.spec.context || lm.sequences == 0 {
					return Err(crate::Error::Invalid(format!(
						"{} sequences of {} tokens do not fit the model's context of {}",
						lm.sequences, lm.length, w.spec.context
					)));
				}
				LmTrainer::new(w, set).map(Run::Transformer).map_err(crate::Error::from)
			},
			(model, _) => Err(crate::Error::Invalid(format!(
				"the hyper-parameters are not for a {} model",
				match model.shape() {
					Shape::Byte(_) => "byte",
					Shape::Transformer(_) => "transformer",
				}
			))),
		}
	}

	/// The commitment to the current state.
	pub fn hash(&self) -> Digest {
		match self {
			Run::Byte(s) => s.hash(),
			Run::Transformer(t) => t.hash(),
		}
	}

	/// Train on `data` until `until` steps have been taken, committing every
	/// `checkpoint_every` steps and at the end; stops as soon as `progress` returns `false`.
	pub fn run_while(
		&mut self,
		backend: &dyn Backend,
		data: &Dataset,
		config: &JobConfig,
		until: u64,
		progress: impl FnMut(u64, f32) -> bool,
	) -> Result<Vec<Checkpoint>, TrainError> {
		match (self, config) {
			(Run::Byte(state), JobConfig::Byte(c)) => {
				state.run_while(backend, data, c, until, progress)
			},
			(Run::Transformer(t), JobConfig::Transformer { lm, checkpoint_every }) => {
				let steps = Steps { until, every: *checkpoint_every };
				t.run_while(backend, data, lm, steps, progress)
			},
			_ => Err(TrainError::OtherArchitecture),
		}
	}

	/// The weights as they stand.
	pub fn into_model(self) -> Model {
		match self {
			Run::Byte(s) => Model::Byte(s.weights),
			Run::Transformer(t) => Model::Transformer(t.weights),
		}
	}

	/// The tensors of one block as they stand.
	pub fn block(&self, block: BlockId) -> BTreeMap<String, Tensor> {
		match self {
			Run::Byte(s) => s.weights.block(block),
			Run::Transformer(t) => t.weights.block(block),
		}
	}
}

pub mod state;
#[cfg(test)]
mod tests;
