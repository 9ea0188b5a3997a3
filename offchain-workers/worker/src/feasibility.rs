//! Whether this worker can finish a job before it accepts it. A trainer that accepts a job and
//! misses its submit window is slashed, and anyone can post a job (steps no machine finishes in
//! the window, datasets nobody serves): so the worker declines what it cannot do, and logs why.
//!
//! The checks, in order: the daily quota has a unit left (the chain would refuse the
//! acceptance, for a fee); the datasets can be fetched (at most
//! [`crate::store::MAX_JOB_DATA_BYTES`]); the training fits the operator's memory budget
//! (`--max-memory`, estimated from the model, the batch, the data and the manifest); and training
//! `steps × batch` tokens of the slot's block fits both the submit window and the operator's
//! time budget (`--max-job-seconds`) at the speed this machine measured on its last job
//! (before the first job, the window is trusted, since the chain's minimum assumes a slower
//! worker, and the time budget is checked at that slower reference speed).

use crate::{
	chain::{runtime, At, Chain, Job},
	run::{model_at, order_of, RunConfig},
	store::{datasets, Store},
	WorkerError,
};
use aiblock_compute::job::Shape;
use std::sync::Arc;

/// What the operator lets one job take.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
	/// Bytes of memory a training may use (estimated before accepting).
	pub memory: u64,
	/// Seconds a training may run.
	pub seconds: u64,
}

/// The speed assumed before this machine measured its own: the runtime's reference worker
/// (2^37 token·bytes per 6-second block, a quarter of what a 2-core CPU measured).
pub const REFERENCE_SPEED: Speed = (1u64 << 37) as f64 / 6.0;

/// Bytes a training of blocks of `spec` with `block_parameters` in all takes, estimated: every
/// weight twice (the chain's and the training copy), the blocks' gradients and two AdamW
/// moments, the activations of a
/// batch kept for the backward pass (three times the floats one forward pass writes, for the
/// backward pass and the scratch space), the data, and the manifest.
pub fn training_memory(
	spec: &Shape,
	block_parameters: u64,
	batch_tokens: u64,
	data_bytes: u64,
	checkpoints: u64,
) -> u64 {
	let all: u64 = spec.blocks().iter().map(|b| spec.parameters(*b) as u64).sum();
	let per_token = spec.activation_floats_per_token();
	let floats = 2 * all + 3 * block_parameters + batch_tokens.saturating_mul(per_token);
	floats.saturating_mul(4).saturating_add(data_bytes).saturating_add(checkpoints * 256)
}

/// Blocks from a block to the worker's answer in a block: finality lag and inclusion, as the
/// runtime's reference worker assumes.
pub const REACTION_BLOCKS: u64 = 10;

/// Training throughput: tokens × work bytes ([`Shape::work_bytes`]: the trained block's for
/// the byte model, the whole active model's for a transformer) per second.
pub type Speed = f64;

/// The throughput of a finished training run of `tokens` tokens of `work_bytes` each.
pub fn measured_speed(tokens: u64, work_bytes: u64, seconds: f64) -> Option<Speed> {
	let work = tokens as f64 * work_bytes as f64;
	(seconds > 0.0 && work > 0.0).then(|| work / seconds)
}

/// Whether training `tokens` tokens of `work_bytes` each at `speed` fits a submit window of
/// `window` blocks of `block_secs` seconds, after the reaction time, and the operator's
/// `max_seconds`. Without a measured speed the window is trusted (the chain refuses windows
/// shorter than its slower reference worker needs) and the time budget is checked at
/// [`REFERENCE_SPEED`].
pub fn fits_time(
	tokens: u64,
	work_bytes: u64,
	speed: Option<Speed>,
	(window, block_secs): (u32, f64),
	max_seconds: u64,
) -> Result<(), String> {
	let work = tokens as f64 * work_bytes as f64;
	let Some(speed) = speed.filter(|s| *s > 0.0) else {
		let needed = work / REFERENCE_SPEED;
		if needed > max_seconds as f64 {
			return Err(format!(
				"training takes about {needed:.0} s at the reference speed (this machine has not \
				 measured its own yet), over the --max-job-seconds budget of {max_seconds} s"
			));
		}
		return Ok(());
	};
	let needed = work / speed;
	let available = u64::from(window).saturating_sub(REACTION_BLOCKS) as f64 * block_secs;
	if needed > available {
		return Err(format!(
			"training takes about {needed:.0} s at this machine's measured speed, and the submit \
			 window leaves {available:.0} s"
		));
	}
	if needed > max_seconds as f64 {
		return Err(format!(
			"training takes about {needed:.0} s at this machine's measured speed, over the \
			 --max-job-seconds budget of {max_seconds} s"
		));
	}
	Ok(())
}

/// Units of the daily quota left: `limit` per period, `used` of them in period `used_in` (a
/// new period starts afresh).
pub fn quota_left(limit: u32, period_now: u64, used_in: u64, used: u32) -> u32 {
	if used_in == period_now {
		limit.saturating_sub(used)
	} else {
		limit
	}
}

/// Check a job this trainer considers accepting; `Err` says why it declines. `speed` is this
/// machine's last measured training speed.
pub async fn check(
	chain: &Chain,
	at: &At,
	store: &Arc<Store>,
	cfg: &RunConfig,
	job: &Job,
	speed: Option<Speed>,
) -> Result<(), String> {
	let failed = |what: &str, e: WorkerError| format!("cannot read {what}: {e}");
	let me = chain.account();
	let info = chain.worker(at, &me).await.map_err(|e| failed("its registration", e))?;
	let info = info.ok_or("it is not registered")?;
	let constants = at.constants();
	let constant = |c| constants.entry(c).map_err(|e| format!("a Workers constant: {e}"));
	let period = constant(runtime::constants().workers().quota_period())?;
	let limit = match info.reputation.trust {
		runtime::runtime_types::aiblock_primitives::workers::TrustLevel::Newbie => {
			constant(runtime::constants().workers().newbie_quota())?
		},
		runtime::runtime_types::aiblock_primitives::workers::TrustLevel::Trusted => {
			constant(runtime::constants().workers().trusted_quota())?
		},
	};
	let period_now = at.block_number() / u64::from(period.max(1));
	if quota_left(limit, period_now, u64::from(info.quota.period), info.quota.used) == 0 {
		return Err("its daily quota is spent".into());
	}

	let model = model_at(chain, at, job.spec.model).await.map_err(|e| failed("its model", e))?;
	let order = order_of(job, &model.spec)?;
	let data = order.datasets.clone();
	let store = store.clone();
	let data_bytes = tokio::task::spawn_blocking(move || {
		datasets(store.as_ref(), &data).map(|(d, _)| d.bytes.len())
	})
	.await
	.map_err(|e| format!("fetching the datasets: {e}"))?
	.map_err(|e| format!("its datasets cannot be fetched: {e}"))?;
	// A transformer step reads windows of its whole context and the byte after each.
	if matches!(model.spec, Shape::Transformer(_)) && data_bytes <= model.spec.context() {
		return Err(format!(
			"its {data_bytes} bytes of data hold no window of the model's {} tokens",
			model.spec.context()
		));
	}

	let checkpoints = crate::verify::segment_count(order.steps, order.config.checkpoint_every());
	let memory = training_memory(
		&model.spec,
		order.blocks.iter().map(|&b| model.spec.parameters(b) as u64).sum(),
		order.config.batch_tokens() as u64,
		data_bytes as u64,
		checkpoints,
	);
	if memory > cfg.budget.memory {
		return Err(format!(
			"training needs about {} MiB (batch of {} tokens, {} MiB of data), over the \
			 --max-memory budget of {} MiB",
			memory >> 20,
			order.config.batch_tokens(),
			data_bytes >> 20,
			cfg.budget.memory >> 20
		));
	}

	let work_bytes = model.spec.work_bytes(&order.blocks);
	let minimum_period = constants
		.entry(runtime::constants().timestamp().minimum_period())
		.map_err(|e| format!("the block time: {e}"))?;
	let block_secs = 2.0 * minimum_period as f64 / 1000.0;
	let tokens = u64::from(job.spec.steps) * u64::from(job.spec.hyper.batch_size);
	let window = (job.spec.windows.submit, block_secs);
	fits_time(tokens, work_bytes, speed, window, cfg.budget.seconds)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_job_fits_when_its_training_ends_inside_the_window() {
		// 1000 steps of 4096 tokens on a 1 MiB block at 2^32 token·bytes/s: 1000 s.
		let speed = measured_speed(4096 * 100, 1 << 20, 100.0);
		assert_eq!(speed, Some((1u64 << 32) as f64));
		let tokens = 4096 * 1000;
		// 10 blocks of reaction, then 170 × 6 s = 1020 s: fits; 166 × 6 = 996 s: does not.
		assert!(fits_time(tokens, 1 << 20, speed, (180, 6.0), 3600).is_ok());
		let why = fits_time(tokens, 1 << 20, speed, (176, 6.0), 3600).unwrap_err();
		assert!(why.contains("1000 s") && why.contains("996 s"), "{why}");
		// The operator's budget binds too.
		let why = fits_time(tokens, 1 << 20, speed, (180, 6.0), 999).unwrap_err();
		assert!(why.contains("--max-job-seconds") && why.contains("999 s"), "{why}");
		// Unmeasured: the chain's window is trusted, the budget is checked at the reference
		// speed (2^37 / 6 token·bytes per second: 2^42 / (2^37 / 6) = 192 s).
		assert!(fits_time(tokens, 1 << 20, None, (11, 6.0), 3600).is_ok());
		let why = fits_time(1 << 22, 1 << 20, None, (11, 6.0), 191).unwrap_err();
		assert!(why.contains("192 s") && why.contains("reference"), "{why}");
		assert_eq!(measured_speed(0, 1, 1.0), None);
		assert_eq!(measured_speed(1, 1, 0.0), None);
	}

	#[test]
	fn memory_grows_with_the_batch_and_an_absurd_batch_is_declined() {
		let spec = Shape::Byte(aiblock_compute::genesis::GenesisModel::development().spec);
		let block = spec.parameters(aiblock_compute::model::BlockId::Shared) as u64;
		let small = training_memory(&spec, block, 256, 1 << 16, 4);
		let large = training_memory(&spec, block, 512, 1 << 16, 4);
		assert!(small < 64 << 20, "a development job fits in 64 MiB: {small}");
		assert!(large > small);
		// u32::MAX tokens in a batch: terabytes, whatever the budget, and no overflow.
		let absurd = training_memory(&spec, block, u64::from(u32::MAX), 1 << 16, 4);
		assert!(absurd > 1 << 40, "{absurd}");
	}

	#[test]
	fn the_quota_starts_afresh_each_period() {
		assert_eq!(quota_left(20, 3, 3, 20), 0);
		assert_eq!(quota_left(20, 3, 3, 7), 13);
		assert_eq!(quota_left(20, 4, 3, 20), 20);
		assert_eq!(quota_left(20, 3, 3, 25), 0);
	}
}
