//! Training one block with AdamW, committing to the state as it goes, and evaluation.
//!
//! A run is fully determined by: the starting weights, the block trained, the dataset bytes and
//! the [`TrainConfig`]. Step `s` trains on [`Dataset::training_batch`]`(seed, s)`. Every
//! `checkpoint_every` steps the run commits to its whole state (weights, optimizer moments, step
//! counter) with [`TrainState::hash`] and records the step's loss bits; the [`Manifest`] lists
//! those checkpoints and their Merkle root, which is what goes on chain.

use crate::{
	backend::{AdamStep, Backend},
	data::Dataset,
	job::JobConfig,
	model::{BlockId, Weights},
	pass::{self, PassError},
	reduce,
	tensor::{Digest, Tensor, TensorHasher},
	NUMERICS_VERSION,
};
use std::collections::BTreeMap;

/// Hyper-parameters of a training run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainConfig {
	/// Seeds the batches.
	pub seed: u64,
	/// Tokens per batch.
	pub batch_tokens: usize,
	pub lr: f32,
	pub beta1: f32,
	pub beta2: f32,
	pub eps: f32,
	/// Decoupled weight decay, applied to matrices and the embedding, not to biases.
	pub weight_decay: f32,
	/// Steps between two state commitments.
	pub checkpoint_every: u64,
}

impl Default for TrainConfig {
	fn default() -> Self {
		TrainConfig {
			seed: 0,
			batch_tokens: 256,
			lr: 3e-3,
			beta1: 0.9,
			beta2: 0.999,
			eps: 1e-8,
			weight_decay: 0.01,
			checkpoint_every: 10,
		}
	}
}

/// Everything a step reads and writes.
///
/// The blocks other than `block` are frozen: they must not change while this state trains (a
/// device backend keeps them resident across steps). To train on other weights, make a new
/// state.
#[derive(Debug)]
pub struct TrainState {
	pub weights: Weights,
	/// The block being trained; all others are frozen.
	pub block: BlockId,
	/// AdamW moments of the block's tensors, by full name.
	pub m: BTreeMap<String, Vec<f32>>,
	pub v: BTreeMap<String, Vec<f32>>,
	/// Steps taken.
	pub step: u64,
	/// `beta1^step` and `beta2^step`, updated by one multiplication per step.
	pub beta1_pow: f32,
	pub beta2_pow: f32,
	/// Names this state's frozen tensors to the backend ([`Backend::keep_resident`]).
	epoch: u64,
}

/// A fresh, process-unique residency epoch (never 0, which releases).
fn next_epoch() -> u64 {
	static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
	NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Clone for TrainState {
	/// A clone's frozen tensors live elsewhere: it gets its own epoch.
	fn clone(&self) -> Self {
		TrainState {
			weights: self.weights.clone(),
			block: self.block,
			m: self.m.clone(),
			v: self.v.clone(),
			step: self.step,
			beta1_pow: self.beta1_pow,
			beta2_pow: self.beta2_pow,
			epoch: next_epoch(),
		}
	}
}

impl PartialEq for TrainState {
	/// The same training state, whatever its residency epoch.
	fn eq(&self, other: &Self) -> bool {
		self.weights == other.weights
			&& self.block == other.block
			&& self.m == other.m
			&& self.v == other.v
			&& self.step == other.step
			&& self.beta1_pow.to_bits() == other.beta1_pow.to_bits()
			&& self.beta2_pow.to_bits() == other.beta2_pow.to_bits()
	}
}

/// Why training stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum TrainError {
	Pass {
		step: u64,
		error: PassError,
	},
	/// A transformer's step failed.
	Transformer {
		step: u64,
		error: crate::transformer::TransformerError,
	},
	EmptyDataset,
	/// `checkpoint_every` or `batch_tokens` is zero.
	BadConfig(&'static str),
	/// The hyper-parameters are another architecture's than the model's.
	OtherArchitecture,
	/// The caller asked the run to stop (after `step` steps).
	Stopped {
		step: u64,
	},
}

impl std::fmt::Display for TrainError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			TrainError::Pass { step, error } => write!(f, "step {step}: {error}"),
			TrainError::Transformer { step, error } => write!(f, "step {step}: {error}"),
			TrainError::EmptyDataset => write!(f, "the dataset is empty"),
			TrainError::BadConfig(what) => write!(f, "{what} must be at least 1"),
			TrainError::OtherArchitecture => {
				write!(f, "the hyper-parameters are for another architecture than the model's")
			},
			TrainError::Stopped { step } => write!(f, "stopped after step {step}"),
		}
	}
}

impl std::error::Error for TrainError {}

/// A commitment to the state after `step` steps, with the loss of the step that led there
/// (`loss_bits` is 0 for the starting state).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
	pub step: u64,
	pub state: Digest,
	pub loss_bits: u32,
}

impl TrainState {
	/// A fresh run of `block` from `weights`: zero moments, step 0.
	pub fn new(weights: Weights, block: BlockId) -> Result<TrainState, PassError> {
		if !weights.spec.contains(block) {
			return Err(PassError::UnknownBlock(block));
		}
		let zeros: BTreeMap<String, Vec<f32>> =
			weights.block(block).into_iter().map(|(n, t)| (n, vec![0.0; t.data.len()])).collect();
		Ok(TrainState {
			weights,
			block,
			m: zeros.clone(),
			v: zeros,
			step: 0,
			beta1_pow: 1.0,
			beta2_pow: 1.0,
			epoch: next_epoch(),
		})
	}

	/// The commitment to this state ([`state_hash`] under the byte model's tag).
	pub fn hash(&self) -> Digest {
		let powers = (self.beta1_pow, self.beta2_pow);
		state_hash(
			b"aiblock-train-state-v1",
			&self.weights.tensors,
			[&self.m, &self.v],
			self.step,
			powers,
		)
	}

	/// Take one step; returns its loss. On error the state is unchanged.
	pub fn step(
		&mut self,
		backend: &dyn Backend,
		data: &Dataset,
		cfg: &TrainConfig,
	) -> Result<f32, TrainError> {
		crate::backend::on_workers(backend, || self.step_here(backend, data, cfg))
	}

	fn step_here(
		&mut self,
		backend: &dyn Backend,
		data: &Dataset,
		cfg: &TrainConfig,
	) -> Result<f32, TrainError> {
		check_config(data, cfg)?;
		let block = self.block;
		let frozen: Vec<&[f32]> = (self.weights.tensors.iter())
			.filter(|(name, _)| BlockId::of_tensor(name) != Some(block))
			.map(|(_, t)| t.data.as_slice())
			.collect();
		backend.keep_resident(self.epoch, &frozen);
		let batch =
			data.training_batch(self.weights.spec.context, cfg.batch_tokens, cfg.seed, self.step);
		let out = pass::loss_and_grads(backend, &self.weights, &batch, self.block)
			.map_err(|error| TrainError::Pass { step: self.step, error })?;
		let beta1_pow = self.beta1_pow * cfg.beta1;
		let beta2_pow = self.beta2_pow * cfg.beta2;
		let adam = AdamStep {
			lr: cfg.lr,
			beta1: cfg.beta1,
			beta2: cfg.beta2,
			eps: cfg.eps,
			weight_decay: cfg.weight_decay,
			correction1: 1.0 - beta1_pow,
			correction2: 1.0 - beta2_pow,
		};
		for (name, grad) in &out.grads {
			let decay =
				!(name.ends_with(".bias") || name.ends_with(".b1") || name.ends_with(".b2"));
			let (Some(w), Some(m), Some(v)) =
				(self.weights.tensors.get_mut(name), self.m.get_mut(name), self.v.get_mut(name))
			else {
				continue;
			};
			backend.adamw(&mut w.data, grad, m, v, &adam, decay);
		}
		self.beta1_pow = beta1_pow;
		self.beta2_pow = beta2_pow;
		self.step += 1;
		Ok(out.loss)
	}

	/// Train until `until` steps have been taken, committing at every multiple of
	/// `checkpoint_every`. `progress` sees each step's number and loss.
	pub fn run(
		&mut self,
		backend: &dyn Backend,
		data: &Dataset,
		cfg: &TrainConfig,
		until: u64,
		mut progress: impl FnMut(u64, f32),
	) -> Result<Vec<Checkpoint>, TrainError> {
		self.run_while(backend, data, cfg, until, |step, loss| {
			progress(step, loss);
			true
		})
	}

	/// [`TrainState::run`], stopping with [`TrainError::Stopped`] as soon as `progress`
	/// returns `false` (a deadline passed, the operator stopped the worker).
	pub fn run_while(
		&mut self,
		backend: &dyn Backend,
		data: &Dataset,
		cfg: &TrainConfig,
		until: u64,
		progress: impl FnMut(u64, f32) -> bool,
	) -> Result<Vec<Checkpoint>, TrainError> {
		check_config(data, cfg)?;
		// Whatever happens, the frozen tensors stop being resident when the run returns.
		let _release = Release(backend);
		run_checkpointed(
			self,
			Steps { until, every: cfg.checkpoint_every },
			|state| state.step(backend, data, cfg),
			progress,
		)
	}
}

/// A state a run commits to as it steps.
pub trait Committed {
	/// Steps taken.
	fn steps_taken(&self) -> u64;
	/// The commitment to the state.
	fn commitment(&self) -> Digest;
}

impl Committed for TrainState {
	fn steps_taken(&self) -> u64 {
		self.step
	}

	fn commitment(&self) -> Digest {
		self.hash()
	}
}

/// How far a run goes and how often it commits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Steps {
	/// Train until this many steps have been taken.
	pub until: u64,
	/// Commit at every multiple of this (at least 1), and at `until`.
	pub every: u64,
}

/// Step `state` with `step` until `steps.until` steps have been taken, committing at every
/// multiple of `steps.every` and at the end; stops with [`TrainError::Stopped`] as soon as
/// `progress(step, loss)` returns `false`. Both architectures' runs are this loop.
pub fn run_checkpointed<S: Committed>(
	state: &mut S,
	steps: Steps,
	mut step: impl FnMut(&mut S) -> Result<f32, TrainError>,
	mut progress: impl FnMut(u64, f32) -> bool,
) -> Result<Vec<Checkpoint>, TrainError> {
	if steps.every == 0 {
		return Err(TrainError::BadConfig("checkpoint_every"));
	}
	let mut checkpoints = Vec::new();
	while state.steps_taken() < steps.until {
		let loss = step(state)?;
		let taken = state.steps_taken();
		if !progress(taken, loss) {
			return Err(TrainError::Stopped { step: taken });
		}
		if taken.is_multiple_of(steps.every) || taken == steps.until {
			checkpoints.push(Checkpoint {
				step: taken,
				state: state.commitment(),
				loss_bits: loss.to_bits(),
			});
		}
	}
	Ok(checkpoints)
}

/// The commitment to a training state: BLAKE3 of a domain `tag`, the canonical hash of every
/// weight and of both AdamW moments (named `opt.m.*`, `opt.v.*`, shaped as their weights),
/// the step and the bits of `beta1^step`, `beta2^step`.
pub fn state_hash(
	tag: &[u8],
	weights: &BTreeMap<String, Tensor>,
	[m, v]: [&BTreeMap<String, Vec<f32>>; 2],
	step: u64,
	(beta1_pow, beta2_pow): (f32, f32),
) -> Digest {
	let mut tensors: BTreeMap<String, (&[usize], &[f32])> = BTreeMap::new();
	for (name, t) in weights {
		tensors.insert(name.clone(), (&t.shape, &t.data));
	}
	for (prefix, moments) in [("opt.m.", m), ("opt.v.", v)] {
		for (name, data) in moments {
			let shape = weights.get(name).map_or(&[][..], |t| &t.shape[..]);
			tensors.insert(format!("{prefix}{name}"), (shape, data));
		}
	}
	let mut h = TensorHasher::new();
	for (name, (shape, data)) in &tensors {
		h.add(name, shape, data);
	}
	let mut outer = blake3::Hasher::new();
	outer.update(tag);
	outer.update(&h.finish());
	outer.update(&step.to_le_bytes());
	outer.update(&beta1_pow.to_bits().to_le_bytes());
	outer.update(&beta2_pow.to_bits().to_le_bytes());
	*outer.finalize().as_bytes()
}

/// Drops a backend's resident copies when it goes out of scope.
struct Release<'a>(&'a dyn Backend);

impl Drop for Release<'_> {
	fn drop(&mut self) {
		self.0.keep_resident(0, &[]);
	}
}

fn check_config(data: &Dataset, cfg: &TrainConfig) -> Result<(), TrainError> {
	if cfg.checkpoint_every == 0 {
		return Err(TrainError::BadConfig("checkpoint_every"));
	}
	if cfg.batch_tokens == 0 {
		return Err(TrainError::BadConfig("batch_tokens"));
	}
	if data.bytes.is_empty() {
		return Err(TrainError::EmptyDataset);
	}
	Ok(())
}

/// The validation cross-entropy of `weights` on every position of `data`, in nats per byte:
/// per-token losses in position order, summed with [`reduce::sum`], divided by their count.
/// Batching (`batch_tokens`) only bounds memory; it does not change the bits.
pub fn evaluate(
	backend: &dyn Backend,
	weights: &Weights,
	data: &Dataset,
	batch_tokens: usize,
) -> Result<f32, PassError> {
	let mut losses = Vec::with_capacity(data.bytes.len());
	let tensors: Vec<&[f32]> = weights.tensors.values().map(|t| t.data.as_slice()).collect();
	backend.keep_resident(next_epoch(), &tensors);
	let _release = Release(backend);
	crate::backend::on_workers(backend, || {
		for batch in data.sequential_batches(weights.spec.context, batch_tokens) {
			losses.extend(pass::token_losses(backend, weights, &batch)?);
		}
		Ok::<_, PassError>(())
	})?;
	if losses.is_empty() {
		return Err(PassError::EmptyBatch);
	}
	Ok(reduce::sum(&losses) / losses.len() as f32)
}

/// Binary Merkle root (BLAKE3) of checkpoint commitments: leaves are
/// `H(0x00 ‖ step LE ‖ state ‖ loss bits LE)`, inner nodes `H(0x01 ‖ left ‖ right)`, an odd node
/// is carried up unchanged. The root of no leaves is `H(0x02)`.
pub fn merkle_root(checkpoints: &[Checkpoint]) -> Digest {
	let mut level: Vec<Digest> = checkpoints
		.iter()
		.map(|c| {
			let mut h = blake3::Hasher::new();
			h.update(&[0]);
			h.update(&c.step.to_le_bytes());
			h.update(&c.state);
			h.update(&c.loss_bits.to_le_bytes());
			*h.finalize().as_bytes()
		})
		.collect();
	if level.is_empty() {
		return *blake3::hash(&[2]).as_bytes();
	}
	while level.len() > 1 {
		level = level
			.chunks(2)
			.map(|pair| match pair {
				[l, r] => {
					let mut h = blake3::Hasher::new();
					h.update(&[1]);
					h.update(l);
					h.update(r);
					*h.finalize().as_bytes()
				},
				[single] => *single,
				_ => unreachable!("chunks(2) yields one or two"),
			})
			.collect();
	}
	level[0]
}

/// What a trainer publishes about a run, so anybody can replay any part of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
	pub numerics_version: u32,
	/// Content ids of the datasets trained on.
	pub datasets: Vec<String>,
	/// Each dataset's parts of the mix ([`crate::data::Dataset::mixed`]), in the same order;
	/// empty in manifests written before jobs mixed datasets (the bytes drawn from as one).
	pub mix: Vec<u32>,
	/// The blocks trained together, in the job's order.
	pub blocks: Vec<BlockId>,
	pub config: JobConfig,
	/// The state the run started from (step 0 of this run).
	pub start: Checkpoint,
	pub checkpoints: Vec<Checkpoint>,
	/// [`merkle_root`] of `start` followed by `checkpoints`.
	pub root: Digest,
	/// Content ids of the run's state at every checkpoint but the last (the candidate is the
	/// last), as [`crate::job::Run::state_file`] writes it: where an evaluator starts the
	/// replay of a later segment. Not under the root: a file proves itself by hashing to its
	/// checkpoint's state. Empty in manifests of trainers that upload no states.
	pub states: Vec<String>,
}

impl Manifest {
	pub fn new(
		datasets: Vec<String>,
		blocks: Vec<BlockId>,
		config: JobConfig,
		start: Checkpoint,
		checkpoints: Vec<Checkpoint>,
	) -> Manifest {
		let mut all = vec![start];
		all.extend_from_slice(&checkpoints);
		Manifest {
			numerics_version: NUMERICS_VERSION,
			datasets,
			mix: Vec::new(),
			blocks,
			config,
			start,
			checkpoints,
			root: merkle_root(&all),
			states: Vec::new(),
		}
	}
}

fn unhex32(s: &str) -> Option<Digest> {
	crate::tensor::unhex(s)?.try_into().ok()
}

impl Checkpoint {
	fn to_json(self) -> serde_json::Value {
		serde_json::json!({ "step": self.step, "state": crate::tensor::hex(&self.state), "loss_bits": self.loss_bits })
	}

	fn from_json(v: &serde_json::Value) -> Option<Checkpoint> {
		Some(Checkpoint {
			step: v.get("step")?.as_u64()?,
			state: unhex32(v.get("state")?.as_str()?)?,
			loss_bits: u32::try_from(v.get("loss_bits")?.as_u64()?).ok()?,
		})
	}
}

impl TrainConfig {
	pub fn to_json(&self) -> serde_json::Value {
		serde_json::json!({
			"seed": self.seed, "batch_tokens": self.batch_tokens, "lr": self.lr, "beta1": self.beta1,
			"beta2": self.beta2, "eps": self.eps, "weight_decay": self.weight_decay,
			"checkpoint_every": self.checkpoint_every,
		})
	}

	/// The inverse of [`TrainConfig::to_json`]; f32 values survive the round trip exactly.
	pub fn from_json(v: &serde_json::Value) -> Option<TrainConfig> {
		let f = |k: &str| v.get(k).and_then(|x| x.as_f64()).map(|x| x as f32);
		Some(TrainConfig {
			seed: v.get("seed")?.as_u64()?,
			batch_tokens: usize::try_from(v.get("batch_tokens")?.as_u64()?).ok()?,
			lr: f("lr")?,
			beta1: f("beta1")?,
			beta2: f("beta2")?,
			eps: f("eps")?,
			weight_decay: f("weight_decay")?,
			checkpoint_every: v.get("checkpoint_every")?.as_u64()?,
		})
	}
}

impl Manifest {
	pub fn to_json(&self) -> serde_json::Value {
		serde_json::json!({
			"numerics_version": self.numerics_version,
			"datasets": self.datasets,
			"mix": self.mix,
			"blocks": self.blocks.iter().map(|b| b.name()).collect::<Vec<_>>(),
			"config": self.config.to_json(),
			"start": self.start.to_json(),
			"checkpoints": self.checkpoints.iter().map(|c| c.to_json()).collect::<Vec<_>>(),
			"root": crate::tensor::hex(&self.root),
			"states": self.states,
		})
	}

	/// Parse a manifest; its root must match its checkpoints.
	pub fn from_json(v: &serde_json::Value) -> Result<Manifest, crate::Error> {
		let field = |k: &str| v.get(k).ok_or_else(|| format!("manifest has no {k}"));
		let parse = |b: &serde_json::Value| {
			let name = b.as_str().ok_or("block names are strings")?;
			BlockId::parse(name).ok_or_else(|| format!("unknown block {name}"))
		};
		let blocks = match (v.get("blocks"), v.get("block")) {
			(Some(list), _) => list
				.as_array()
				.ok_or("blocks is not a list")?
				.iter()
				.map(parse)
				.collect::<Result<Vec<_>, String>>()?,
			// Written before jobs trained sets of blocks: one block.
			(None, Some(block)) => vec![parse(block)?],
			(None, None) => return Err("manifest has no blocks".into()),
		};
		let datasets = field("datasets")?
			.as_array()
			.ok_or("datasets is not a list")?
			.iter()
			.map(|d| d.as_str().map(str::to_owned).ok_or("dataset ids are strings"))
			.collect::<Result<Vec<_>, _>>()?;
		let config = JobConfig::from_json(field("config")?).ok_or("bad config")?;
		let start = Checkpoint::from_json(field("start")?).ok_or("bad start checkpoint")?;
		let checkpoints = field("checkpoints")?
			.as_array()
			.ok_or("checkpoints is not a list")?
			.iter()
			.map(|c| Checkpoint::from_json(c).ok_or("bad checkpoint"))
			.collect::<Result<Vec<_>, _>>()?;
		let mut manifest = Manifest::new(datasets, blocks, config, start, checkpoints);
		if let Some(mix) = v.get("mix") {
			manifest.mix = mix
				.as_array()
				.ok_or("mix is not a list")?
				.iter()
				.map(|p| p.as_u64().and_then(|p| u32::try_from(p).ok()).ok_or("bad mix part"))
				.collect::<Result<Vec<_>, _>>()?;
		}
		if let Some(states) = v.get("states") {
			manifest.states = states
				.as_array()
				.ok_or("states is not a list")?
				.iter()
				.map(|s| s.as_str().map(str::to_owned).ok_or("state ids are strings"))
				.collect::<Result<Vec<_>, _>>()?;
		}
		let version = field("numerics_version")?.as_u64().ok_or("bad numerics_version")?;
		if version != u64::from(manifest.numerics_version) {
			return Err(crate::Error::Invalid(format!(
				"numerics version {version}, this build implements {}",
				manifest.numerics_version
			)));
		}
		let root = field("root")?.as_str().and_then(unhex32).ok_or("bad root")?;
		if root != manifest.root {
			return Err("the root does not match the checkpoints".into());
		}
		Ok(manifest)
	}
}

/// The first index in `lo..hi` for which `agrees` is false, assuming it is true up to some
/// point and false after (a diverged run stays diverged); `None` if it is true throughout.
/// Asks `agrees` O(log(hi − lo)) times: the bisection game a verifier plays with a trainer.
pub fn first_disagreement(lo: u64, hi: u64, mut agrees: impl FnMut(u64) -> bool) -> Option<u64> {
	let (mut lo, mut hi) = (lo, hi);
	if lo >= hi || agrees(hi - 1) {
		return None;
	}
	// Invariant: the answer lies in lo..hi and `agrees(hi - 1)` is false.
	while hi - lo > 1 {
		let mid = lo + (hi - lo - 1) / 2;
		if agrees(mid) {
			lo = mid + 1;
		} else {
			hi = mid + 1;
		}
	}
	Some(lo)
}

#[cfg(test)]
mod tests;
