//! Training a set of the transformer's blocks on text, with the recipe nanoGPT uses for its
//! character-level Shakespeare model (AdamW, linear warm-up then cosine decay, global gradient
//! clipping, weight decay on matrices only) and bit-exact steps.
//!
//! Step `s` trains on [`lm_batch`]`(data, config, s)`: `sequences` windows of `length + 1`
//! bytes whose starts are drawn from `(seed, stream s, index i)`. Everything a step computes is
//! a pure function of the state and the text, so a run can be replayed from any step.

use super::{
	backward::loss_and_grads, forward::token_losses, ops, rope::sin_cos_f64, Sequences,
	TransformerError, TransformerWeights,
};
use crate::{
	backend::{self, AdamStep, Backend},
	data::Dataset,
	model::BlockId,
	reduce,
	tensor::Digest,
	train::{run_checkpointed, state_hash, Checkpoint, Committed, Steps, TrainError},
};
use std::collections::{BTreeMap, BTreeSet};

/// Hyper-parameters of a language-model training run (nanoGPT's shakespeare-char defaults,
/// at its CPU size).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LmConfig {
	/// Seeds the batches.
	pub seed: u64,
	/// Sequences per batch.
	pub sequences: usize,
	/// Tokens per sequence.
	pub length: usize,
	/// Peak learning rate, reached after `warmup` steps, decayed by a half cosine to `min_lr`
	/// at step `decay_steps`.
	pub lr: f32,
	pub min_lr: f32,
	pub warmup: u64,
	pub decay_steps: u64,
	pub beta1: f32,
	pub beta2: f32,
	pub eps: f32,
	/// Decoupled weight decay, applied to matrices and embeddings, not to norms.
	pub weight_decay: f32,
	/// The global gradient norm is clipped to this (0: no clipping).
	pub grad_clip: f32,
}

impl Default for LmConfig {
	fn default() -> Self {
		LmConfig {
			seed: 0,
			sequences: 12,
			length: 64,
			lr: 1e-3,
			min_lr: 1e-4,
			warmup: 100,
			decay_steps: 2000,
			beta1: 0.9,
			beta2: 0.99,
			eps: 1e-8,
			weight_decay: 0.1,
			grad_clip: 1.0,
		}
	}
}

impl LmConfig {
	/// The learning rate of step `step` (0-based): `lr·(s+1)/(warmup+1)` while warming up,
	/// then `min_lr + ½(1 + cos(π·r))·(lr − min_lr)` with `r` the fraction of the decay done,
	/// `min_lr` after it. The cosine is computed in f64 from basic operations
	/// ([`sin_cos_f64`]) and rounded once, so every platform gets the same f32.
	pub fn lr_at(&self, step: u64) -> f32 {
		if step < self.warmup {
			return (f64::from(self.lr) * (step + 1) as f64 / (self.warmup + 1) as f64) as f32;
		}
		if step > self.decay_steps || self.decay_steps <= self.warmup {
			return self.min_lr;
		}
		let ratio = (step - self.warmup) as f64 / (self.decay_steps - self.warmup) as f64;
		let (_, cos) = sin_cos_f64(std::f64::consts::PI * ratio);
		let coefficient = 0.5 * (1.0 + cos);
		(f64::from(self.min_lr) + coefficient * f64::from(self.lr - self.min_lr)) as f32
	}
}

impl LmConfig {
	/// The recipe of a job of `steps` steps that trains on `sequences` windows of `length`
	/// tokens per step at peak rate `lr`: warm up for a tenth of the run (at most 100 steps),
	/// then decay by a half cosine towards `lr / 10` (reached at step `steps`, just after the
	/// last); AdamW (0.9, 0.99, ε 1e-8, weight decay 0.1) and clipping at 1 as nanoGPT.
	/// Posters, trainers and evaluators derive a job's full recipe from the chain's few
	/// numbers with this one function, so its constants are written out here and never
	/// follow [`LmConfig::default`]: changing any of them changes every job's hash.
	pub fn for_job(seed: u64, sequences: usize, length: usize, lr: f32, steps: u64) -> LmConfig {
		LmConfig {
			seed,
			sequences,
			length,
			lr,
			min_lr: lr / 10.0,
			warmup: (steps / 10).min(100),
			decay_steps: steps,
			beta1: 0.9,
			beta2: 0.99,
			eps: 1e-8,
			weight_decay: 0.1,
			grad_clip: 1.0,
		}
	}

	/// Every field, by name (f32 values survive the round trip through
	/// [`LmConfig::from_json`] exactly).
	pub fn to_json(&self) -> serde_json::Value {
		serde_json::json!({
			"seed": self.seed, "sequences": self.sequences, "length": self.length,
			"lr": self.lr, "min_lr": self.min_lr, "warmup": self.warmup,
			"decay_steps": self.decay_steps, "beta1": self.beta1, "beta2": self.beta2,
			"eps": self.eps, "weight_decay": self.weight_decay, "grad_clip": self.grad_clip,
		})
	}

	/// The inverse of [`LmConfig::to_json`].
	pub fn from_json(v: &serde_json::Value) -> Option<LmConfig> {
		let f = |k: &str| v.get(k).and_then(|x| x.as_f64()).map(|x| x as f32);
		let u = |k: &str| v.get(k).and_then(|x| x.as_u64());
		Some(LmConfig {
			seed: u("seed")?,
			sequences: usize::try_from(u("sequences")?).ok()?,
			length: usize::try_from(u("length")?).ok()?,
			lr: f("lr")?,
			min_lr: f("min_lr")?,
			warmup: u("warmup")?,
			decay_steps: u("decay_steps")?,
			beta1: f("beta1")?,
			beta2: f("beta2")?,
			eps: f("eps")?,
			weight_decay: f("weight_decay")?,
			grad_clip: f("grad_clip")?,
		})
	}
}

/// A text split as nanoGPT splits it: the first 90 % to train on, the rest to validate.
pub fn split(text: &[u8]) -> (&[u8], &[u8]) {
	text.split_at(text.len() * 9 / 10)
}

/// The inputs and targets of step `step`: `sequences` windows of `data` (placed by
/// [`Dataset::draw_start`]), each `length` tokens and the `length` that follow them by one.
pub fn lm_batch(
	data: &Dataset,
	config: &LmConfig,
	step: u64,
) -> Result<(Vec<u32>, Vec<u32>), TransformerError> {
	let text = &data.bytes;
	if text.len() <= config.length || config.sequences == 0 || config.length == 0 {
		return Err(TransformerError::EmptyBatch);
	}
	let mut tokens = Vec::with_capacity(config.sequences * config.length);
	let mut targets = Vec::with_capacity(config.sequences * config.length);
	for i in 0..config.sequences as u64 {
		let start = data.draw_start(config.length, config.seed, step, i);
		let window = &text[start..start + config.length + 1];
		tokens.extend(window[..config.length].iter().map(|&b| u32::from(b)));
		targets.extend(window[1..].iter().map(|&b| u32::from(b)));
	}
	Ok((tokens, targets))
}

/// The state of a run: the weights, the blocks being trained, their AdamW moments.
#[derive(Clone, Debug, PartialEq)]
pub struct LmTrainer {
	pub weights: TransformerWeights,
	pub train: BTreeSet<BlockId>,
	pub m: BTreeMap<String, Vec<f32>>,
	pub v: BTreeMap<String, Vec<f32>>,
	/// Steps taken.
	pub step: u64,
	/// `beta1^step` and `beta2^step`, one multiplication per step.
	pub beta1_pow: f32,
	pub beta2_pow: f32,
}

/// What one step did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepReport {
	pub loss: f32,
	/// The global gradient norm before clipping.
	pub grad_norm: f32,
	pub lr: f32,
}

impl LmTrainer {
	/// Start training `train` (non-empty, every block in the model) from `weights`.
	pub fn new(
		weights: TransformerWeights,
		train: BTreeSet<BlockId>,
	) -> Result<Self, TransformerError> {
		weights.spec.validate()?;
		if let Some(block) = train.iter().find(|b| !weights.spec.contains(**b)) {
			return Err(TransformerError::UnknownBlock(*block));
		}
		if train.is_empty() {
			return Err(TransformerError::Zero("blocks to train"));
		}
		let zeros: BTreeMap<String, Vec<f32>> = train
			.iter()
			.flat_map(|b| weights.block(*b))
			.map(|(name, t)| (name, vec![0.0; t.data.len()]))
			.collect();
		Ok(LmTrainer {
			weights,
			train,
			m: zeros.clone(),
			v: zeros,
			step: 0,
			beta1_pow: 1.0,
			beta2_pow: 1.0,
		})
	}

	/// One step on the batch [`lm_batch`] draws from `data` for the current step.
	pub fn step(
		&mut self,
		backend: &dyn Backend,
		data: &Dataset,
		config: &LmConfig,
	) -> Result<StepReport, TransformerError> {
		backend::on_workers(backend, || self.step_here(backend, data, config))
	}

	fn step_here(
		&mut self,
		backend: &dyn Backend,
		data: &Dataset,
		config: &LmConfig,
	) -> Result<StepReport, TransformerError> {
		let (tokens, targets) = lm_batch(data, config, self.step)?;
		let seqs = Sequences::new(&tokens, config.sequences, &self.weights.spec)?;
		let mut out = loss_and_grads(backend, &self.weights, seqs, &targets, &self.train)?;
		// The global norm: each tensor's Σg² an FMA chain, added in name order. The chains are
		// independent, so a few groups of tensors go side by side.
		let tensors: Vec<&[f32]> = out.grads.values().map(|g| &g[..]).collect();
		let groups: Vec<&[&[f32]]> = tensors.chunks(tensors.len().div_ceil(4).max(1)).collect();
		let squares =
			ops::map_parts(backend, &groups, |_, group| backend::sum_squares_each(group)).concat();
		let grad_norm = reduce::sum(&squares).sqrt();
		let clip = (config.grad_clip > 0.0 && grad_norm > config.grad_clip)
			.then(|| config.grad_clip / (grad_norm + 1e-6));
		let lr = config.lr_at(self.step);
		self.beta1_pow *= config.beta1;
		self.beta2_pow *= config.beta2;
		let adam = AdamStep {
			lr,
			beta1: config.beta1,
			beta2: config.beta2,
			eps: config.eps,
			weight_decay: config.weight_decay,
			correction1: 1.0 - self.beta1_pow,
			correction2: 1.0 - self.beta2_pow,
		};
		// Gradients exist exactly for the trained blocks' tensors, which have moments. Each
		// tensor is clipped and updated on its own, so they go side by side.
		let mut tensors: BTreeMap<_, _> = self.weights.tensors.iter_mut().collect();
		let (mut m, mut v): (BTreeMap<_, _>, BTreeMap<_, _>) =
			(self.m.iter_mut().collect(), self.v.iter_mut().collect());
		let mut updates: Vec<_> = out
			.grads
			.iter_mut()
			.filter_map(|(name, g)| {
				Some((tensors.remove(name)?, g, m.remove(name)?, v.remove(name)?))
			})
			.collect();
		ops::for_each_part(backend, &mut updates, |backend, (tensor, g, m, v)| {
			if let Some(coefficient) = clip {
				g.iter_mut().for_each(|x| *x *= coefficient);
			}
			let decay = tensor.shape.len() >= 2;
			backend.adamw(&mut tensor.data, g, m, v, &adam, decay);
		});
		self.step += 1;
		Ok(StepReport { loss: out.loss, grad_norm, lr })
	}
}

impl LmTrainer {
	/// The commitment to this state ([`state_hash`] under the transformer's tag).
	pub fn hash(&self) -> Digest {
		let powers = (self.beta1_pow, self.beta2_pow);
		state_hash(
			b"aiblock-lm-state-v1",
			&self.weights.tensors,
			[&self.m, &self.v],
			self.step,
			powers,
		)
	}

	/// Train until `steps.until` steps, committing as [`run_checkpointed`] does.
	pub fn run_while(
		&mut self,
		backend: &dyn Backend,
		data: &Dataset,
		config: &LmConfig,
		steps: Steps,
		progress: impl FnMut(u64, f32) -> bool,
	) -> Result<Vec<Checkpoint>, TrainError> {
		let step = |state: &mut LmTrainer| {
			let taken = state.step;
			state
				.step(backend, data, config)
				.map(|report| report.loss)
				.map_err(|error| TrainError::Transformer { step: taken, error })
		};
		run_checkpointed(self, steps, step, progress)
	}
}

impl Committed for LmTrainer {
	fn steps_taken(&self) -> u64 {
		self.step
	}

	fn commitment(&self) -> Digest {
		self.hash()
	}
}

/// The mean loss over `text` cut into consecutive windows of `length` tokens (each predicting
/// the byte after it), `batch` windows per forward pass, at most `max_windows` windows (0: all).
pub fn evaluate(
	backend: &dyn Backend,
	weights: &TransformerWeights,
	text: &[u8],
	length: usize,
	batch: usize,
	max_windows: usize,
) -> Result<f32, TransformerError> {
	if length == 0 || batch == 0 || text.len() <= length {
		return Err(TransformerError::EmptyBatch);
	}
	let mut windows = (text.len() - 1) / length;
	if max_windows > 0 {
		windows = windows.min(max_windows);
	}
	backend::on_workers(backend, || {
		let mut losses = Vec::with_capacity(windows * length);
		for first in (0..windows).step_by(batch) {
			let count = batch.min(windows - first);
			let span = &text[first * length..(first + count) * length + 1];
			let tokens: Vec<u32> = span[..count * length].iter().map(|&b| u32::from(b)).collect();
			let targets: Vec<u32> = span[1..].iter().map(|&b| u32::from(b)).collect();
			let seqs = Sequences::new(&tokens, count, &weights.spec)?;
			losses.extend(token_losses(backend, weights, seqs, &targets)?);
		}
		Ok(crate::pass::mean(&losses))
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		backend::Cpu,
		transformer::{files, genesis, TransformerSpec},
	};

	const TEXT: &[u8] = b"First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\nFirst Citizen:\nYou are all resolved rather to die than to famish?\n\nAll:\nResolved. resolved.\n";

	fn text() -> Dataset {
		Dataset::new(TEXT.to_vec())
	}

	fn config() -> LmConfig {
		LmConfig {
			sequences: 4,
			length: 16,
			warmup: 5,
			decay_steps: 60,
			lr: 1e-2,
			..LmConfig::default()
		}
	}

	#[test]
	fn the_schedule_warms_up_then_decays_to_the_floor() {
		let c = LmConfig::default();
		assert_eq!(c.lr_at(0), 1e-3 / 101.0);
		assert!(c.lr_at(99) < c.lr_at(100));
		assert_eq!(c.lr_at(100), 1e-3);
		let mid = c.lr_at(1050);
		assert!((mid - 5.5e-4).abs() < 1e-6, "{mid}");
		assert_eq!(c.lr_at(2000), 1e-4);
		assert_eq!(c.lr_at(5000), 1e-4);
	}

	#[test]
	fn batches_are_windows_of_the_text_drawn_by_seed_and_step() {
		let c = config();
		let (tokens, targets) = lm_batch(&text(), &c, 3).unwrap();
		assert_eq!(lm_batch(&text(), &c, 3).unwrap(), (tokens.clone(), targets.clone()));
		assert_ne!(lm_batch(&text(), &c, 4).unwrap().0, tokens);
		assert_eq!(tokens.len(), 64);
		for s in 0..4 {
			assert_eq!(tokens[s * 16 + 1..(s + 1) * 16], targets[s * 16..(s + 1) * 16 - 1]);
		}
		assert!(
			lm_batch(&Dataset::new(TEXT[..16].to_vec()), &c, 0).is_err(),
			"a text no longer than a window"
		);
	}

	#[test]
	fn training_lowers_the_loss_and_replays_bit_for_bit() {
		let spec = TransformerSpec { context: 16, ..TransformerSpec::TINY };
		let w = genesis(spec, 4).unwrap();
		let all: BTreeSet<BlockId> = spec.blocks().into_iter().collect();
		let cpu = Cpu::auto();
		let before = evaluate(&cpu, &w, TEXT, 16, 4, 0).unwrap();
		let mut a = LmTrainer::new(w.clone(), all.clone()).unwrap();
		for _ in 0..60 {
			a.step(&cpu, &text(), &config()).unwrap();
		}
		let after = evaluate(&cpu, &a.weights, TEXT, 16, 4, 0).unwrap();
		assert!(after < before - 1.0, "{before} → {after}");
		// The same run on one thread, paused and resumed from a copy halfway, ends equal.
		let one = Cpu { threads: 1, ..cpu };
		let mut b = LmTrainer::new(w.clone(), all).unwrap();
		for _ in 0..30 {
			b.step(&one, &text(), &config()).unwrap();
		}
		let mut resumed = b.clone();
		for _ in 0..30 {
			resumed.step(&one, &text(), &config()).unwrap();
		}
		assert_eq!(resumed, a);
		// Training one block moves only that block.
		let router: BTreeSet<BlockId> = [BlockId::Router { layer: 1 }].into();
		let mut c = LmTrainer::new(w.clone(), router).unwrap();
		c.step(&cpu, &text(), &config()).unwrap();
		for block in spec.blocks() {
			assert_eq!(
				c.weights.block(block) != w.block(block),
				block == BlockId::Router { layer: 1 },
				"{block}"
			);
		}
		// Saved and loaded, the model is the same.
		let dir = std::env::temp_dir().join(format!("aiblock-lm-{}", std::process::id()));
		files::save(&dir, &a.weights).unwrap();
		assert_eq!(files::load(&dir).unwrap(), a.weights);
		std::fs::remove_file(dir.join("layer0.attention.safetensors")).unwrap();
		assert!(files::load(&dir).unwrap_err().to_string().contains("layer0.attention"));
		std::fs::remove_dir_all(&dir).unwrap();
	}

	/// The transformer's numerics, pinned: the state hashes after a few steps of every block and
	/// of a mixed set (shared, attention, router, expert) with grouped-query heads, on all
	/// threads. A faster kernel, a different split across threads or a GPU must leave them as
	/// they are; a change of bits needs a new `NUMERICS_VERSION` and new pins.
	#[test]
	fn transformer_state_hashes_are_pinned() {
		assert_eq!(crate::NUMERICS_VERSION, 1, "a new numerics version needs new pinned hashes");
		let spec = TransformerSpec { context: 16, ..TransformerSpec::TINY };
		let w = genesis(spec, 4).unwrap();
		let mixed = [
			BlockId::Shared,
			BlockId::Attention { layer: 0 },
			BlockId::Router { layer: 1 },
			BlockId::Expert { layer: 0, expert: 2 },
		];
		let got = [spec.blocks().into_iter().collect(), BTreeSet::from(mixed)].map(|set| {
			let mut trainer = LmTrainer::new(w.clone(), set).unwrap();
			for _ in 0..5 {
				trainer.step(&Cpu::auto(), &text(), &config()).unwrap();
			}
			crate::tensor::hex(&trainer.hash())
		});
		assert_eq!(got, PINNED_LM, "the transformer's numerics changed: {got:#?}");
	}

	const PINNED_LM: [&str; 2] = [
		"5086658989fe31e6a41efa33b0e43b37b02bf87c0401bb0b0aa0d5f9f4f06846",
		"51c71ab09640df6220b4f05b1b0ca28414f0638d24b4440a7b2d7d1490a97e03",
	];
}
