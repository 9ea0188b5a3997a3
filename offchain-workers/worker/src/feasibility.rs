//! Whether this worker can finish a job before it accepts it. A trainer that accepts a job and
//! misses its submit window is slashed, and anyone can post a job (steps no machine finishes in
//! the window, datasets nobody serves): so the worker declines what it cannot do, and logs why.
//!
//! The checks, in order: the daily quota has a unit left (the chain would refuse the
//! acceptance, for a fee); the datasets can be fetched; training `steps × batch` tokens of the
//! slot's block fits in the submit window at the speed this machine measured on its last job
//! (before the first job, the chain's own window minimum is trusted: it assumes a slower worker).

use crate::{
	chain::{runtime, At, Chain, Job},
	store::{datasets, Store},
	WorkerError,
};
use std::sync::Arc;

/// Blocks from a block to the worker's answer in a block: finality lag and inclusion, as the
/// runtime's reference worker assumes.
pub const REACTION_BLOCKS: u64 = 10;

/// Training throughput: tokens × bytes of the trained block per second.
pub type Speed = f64;

/// The throughput of a finished training run of `tokens` tokens on a block of `block_bytes`.
pub fn measured_speed(tokens: u64, block_bytes: u64, seconds: f64) -> Option<Speed> {
	let work = tokens as f64 * block_bytes as f64;
	(seconds > 0.0 && work > 0.0).then(|| work / seconds)
}

/// Whether training `tokens` tokens of a `block_bytes` block at `speed` fits a submit window of
/// `window` blocks of `block_secs` seconds, after the reaction time. Without a measured speed
/// it fits: the chain refuses windows shorter than its (slower) reference worker needs.
pub fn fits_window(
	tokens: u64,
	block_bytes: u64,
	speed: Option<Speed>,
	window: u32,
	block_secs: f64,
) -> Result<(), String> {
	let Some(speed) = speed.filter(|s| *s > 0.0) else { return Ok(()) };
	let needed = tokens as f64 * block_bytes as f64 / speed;
	let available = u64::from(window).saturating_sub(REACTION_BLOCKS) as f64 * block_secs;
	if needed > available {
		return Err(format!(
			"training takes about {needed:.0} s at this machine's measured speed, and the submit \
			 window leaves {available:.0} s"
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

	let cids: Vec<Vec<u8>> = job.spec.datasets.0.iter().map(|c| c.0.clone()).collect();
	let store = store.clone();
	tokio::task::spawn_blocking(move || datasets(store.as_ref(), &cids).map(|_| ()))
		.await
		.map_err(|e| format!("fetching the datasets: {e}"))?
		.map_err(|e| format!("its datasets cannot be fetched: {e}"))?;

	let base = chain.block(at, job.spec.base).await.map_err(|e| failed("the base block", e))?;
	let block_bytes = base.ok_or("its base block is not on chain")?.header.payload.size;
	let minimum_period = constants
		.entry(runtime::constants().timestamp().minimum_period())
		.map_err(|e| format!("the block time: {e}"))?;
	let block_secs = 2.0 * minimum_period as f64 / 1000.0;
	let tokens = u64::from(job.spec.steps) * u64::from(job.spec.hyper.batch_size);
	fits_window(tokens, block_bytes, speed, job.spec.windows.submit, block_secs)
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
		assert!(fits_window(tokens, 1 << 20, speed, 180, 6.0).is_ok());
		let why = fits_window(tokens, 1 << 20, speed, 176, 6.0).unwrap_err();
		assert!(why.contains("1000 s") && why.contains("996 s"), "{why}");
		// Unmeasured: the chain's minimum is trusted.
		assert!(fits_window(tokens, 1 << 20, None, 11, 6.0).is_ok());
		assert_eq!(measured_speed(0, 1, 1.0), None);
		assert_eq!(measured_speed(1, 1, 0.0), None);
	}

	#[test]
	fn the_quota_starts_afresh_each_period() {
		assert_eq!(quota_left(20, 3, 3, 20), 0);
		assert_eq!(quota_left(20, 3, 3, 7), 13);
		assert_eq!(quota_left(20, 4, 3, 20), 20);
		assert_eq!(quota_left(20, 3, 3, 25), 0);
	}
}
