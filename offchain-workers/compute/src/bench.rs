//! Measurements printed by `aiblock-compute bench`: throughput of the canonical matmul, time of
//! a training step, and the speed of loading a stored expert. Figures, never assertions: the
//! targets are checked by reading them (see the worker README).

use crate::{
	backend::{Backend, Cpu},
	data::MarkovSource,
	matmul::{matmul, Kernel, MatRef},
	model::{BlockId, ModelSpec, Weights},
	safetensors::MappedFile,
	store::{ContentStore, LocalStore},
	train::{TrainConfig, TrainState},
};
use std::time::{Duration, Instant};

/// Run `f` until at least `budget` has passed (and at least twice); the fastest run's seconds.
pub fn fastest(budget: Duration, mut f: impl FnMut()) -> f64 {
	let start = Instant::now();
	let mut best = f64::INFINITY;
	let mut runs = 0;
	while runs < 2 || start.elapsed() < budget {
		let t = Instant::now();
		f();
		best = best.min(t.elapsed().as_secs_f64());
		runs += 1;
	}
	best
}

fn filled(len: usize, seed: u64) -> Vec<f32> {
	(0..len as u64).map(|i| crate::rng::uniform(seed, 0, i) - 0.5).collect()
}

/// GFLOP/s of `m×k · k×n` on `threads` threads with `kernel`.
pub fn matmul_gflops(
	m: usize,
	k: usize,
	n: usize,
	threads: usize,
	kernel: Kernel,
	budget: Duration,
) -> f64 {
	let (a, b) = (filled(m * k, 1), filled(k * n, 2));
	let mut c = vec![0.0f32; m * n];
	let secs = fastest(budget, || {
		matmul(MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n), &mut c, threads, kernel)
			.expect("shapes are consistent");
	});
	2.0 * (m * k * n) as f64 / secs / 1e9
}

/// Seconds per training step of one expert of a model with `d_model` (d_ff = 4·d_model), on
/// batches of `tokens` tokens, and the model's spec.
pub fn expert_step_seconds(
	backend: &dyn Backend,
	d_model: usize,
	tokens: usize,
	budget: Duration,
) -> (f64, ModelSpec) {
	let spec =
		ModelSpec { context: 2, d_model, d_ff: 4 * d_model, layers: 1, experts: 4, top_k: 2 };
	let weights = Weights::genesis(spec, 1).expect("a valid spec");
	let data = MarkovSource { order: 1, branching: 4, seed: 3 }.generate(1 << 16, 0);
	let cfg = TrainConfig { batch_tokens: tokens, ..TrainConfig::default() };
	let mut state =
		TrainState::new(weights, BlockId::Expert { layer: 0, expert: 0 }).expect("block exists");
	let secs = fastest(budget, || {
		state.step(backend, &data, &cfg).expect("a valid step");
	});
	(secs, spec)
}

/// Loading one expert block from the embedded store (`dir`): `(bytes, seconds to map its file
/// and read every tensor as f32, seconds to memcpy the same number of bytes)`. The store's CID
/// check is not timed: it runs once, when a block is fetched, not each time it is loaded.
pub fn expert_load(
	d_model: usize,
	dir: &std::path::Path,
	budget: Duration,
) -> Result<(usize, f64, f64), String> {
	let spec =
		ModelSpec { context: 2, d_model, d_ff: 4 * d_model, layers: 1, experts: 1, top_k: 1 };
	let weights = Weights::genesis(spec, 1).map_err(|e| e.to_string())?;
	let bytes = weights.block_file(BlockId::Expert { layer: 0, expert: 0 });
	let store = LocalStore::open(dir).map_err(|e| e.to_string())?;
	let path = store.path(&store.put(&bytes).map_err(|e| e.to_string())?);
	MappedFile::open(&path).map_err(|e| e.to_string())?;
	let mut sink = 0u32;
	let load = fastest(budget, || {
		let file = MappedFile::open(&path).expect("opened above");
		for name in file.names().map(str::to_owned).collect::<Vec<_>>() {
			let view = file.f32(&name).expect("f32 tensors");
			// Read every value, so the figure is the cost of getting the data, not of mapping
			// it (an integer fold vectorises; a float sum would measure the adder instead).
			sink ^= view.iter().fold(0u32, |acc, x| acc ^ x.to_bits());
		}
	});
	let copy = memcpy_seconds(bytes.len(), budget);
	std::hint::black_box(sink);
	std::fs::remove_file(&path).map_err(|e| e.to_string())?;
	Ok((bytes.len(), load, copy))
}

/// Seconds to memcpy `len` bytes between two buffers (both in cache when they fit).
pub fn memcpy_seconds(len: usize, budget: Duration) -> f64 {
	let source = vec![1u8; len];
	let mut target = vec![0u8; len];
	let secs = fastest(budget, || target.copy_from_slice(&source));
	std::hint::black_box(&target);
	secs
}

/// The CPU backends worth comparing on this machine.
pub fn cpu_variants() -> Vec<(String, Cpu)> {
	let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
	let mut kernels = vec![Kernel::Portable];
	if Kernel::Avx2Fma.is_available() {
		kernels.push(Kernel::Avx2Fma);
	}
	let mut out = Vec::new();
	for kernel in kernels {
		for threads in [1, cores].into_iter().collect::<std::collections::BTreeSet<_>>() {
			let cpu = Cpu { threads, kernel };
			out.push((cpu.name(), cpu));
		}
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn expert_load_times_a_stored_block_and_cleans_up() {
		let dir = std::env::temp_dir().join(format!("aiblock-bench-test-{}", std::process::id()));
		let (bytes, load, copy) = expert_load(8, &dir, Duration::from_millis(1)).unwrap();
		let spec = ModelSpec { context: 2, d_model: 8, d_ff: 32, layers: 1, experts: 1, top_k: 1 };
		let file =
			Weights::genesis(spec, 1).unwrap().block_file(BlockId::Expert { layer: 0, expert: 0 });
		assert_eq!(bytes, file.len());
		assert!(load > 0.0 && copy > 0.0);
		assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "the block file is removed");
		std::fs::remove_dir_all(dir).unwrap();
	}
}
