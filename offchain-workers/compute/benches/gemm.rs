//! Side-by-side: the canonical deterministic matmul against the `gemm` crate (a fast pure-Rust
//! GEMM that reorders its sums freely) on the same square shapes and thread counts.
//!
//! `cargo bench -p aiblock-compute --bench gemm` prints a table; `BENCH_SECONDS` sets the time
//! spent on each cell (default 1.5). Figures only: the targets are read, not asserted.

use aiblock_compute::{
	bench::{fastest, matmul_gflops},
	matmul::Kernel,
};
use gemm::Parallelism;
use std::time::Duration;

fn gemm_crate_gflops(n: usize, threads: usize, budget: Duration) -> f64 {
	let a: Vec<f32> = (0..n * n).map(|i| (i % 97) as f32 / 97.0 - 0.5).collect();
	let b: Vec<f32> = (0..n * n).map(|i| (i % 89) as f32 / 89.0 - 0.5).collect();
	let mut c = vec![0.0f32; n * n];
	let parallelism = if threads == 1 { Parallelism::None } else { Parallelism::Rayon(threads) };
	let row = n as isize;
	let secs = fastest(budget, || {
		// SAFETY: the three buffers are n×n row-major (column stride 1, row stride n) and
		// live for the whole call; `c` is not aliased by `a` or `b`.
		unsafe {
			gemm::gemm(
				n,
				n,
				n,
				c.as_mut_ptr(),
				1,
				row,
				false,
				a.as_ptr(),
				1,
				row,
				b.as_ptr(),
				1,
				row,
				0.0,
				1.0,
				false,
				false,
				false,
				parallelism,
			)
		}
	});
	std::hint::black_box(&c);
	2.0 * (n * n * n) as f64 / secs / 1e9
}

fn main() {
	let seconds = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(1.5);
	let budget = Duration::from_secs_f64(seconds);
	let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
	let kernel = if Kernel::Avx2Fma.is_available() { Kernel::Avx2Fma } else { Kernel::Portable };
	println!("canonical matmul ({kernel:?}) vs gemm 0.19 (f32), GFLOP/s, square n×n·n×n");
	println!("{:>6} {:>8} {:>10} {:>10} {:>7}", "n", "threads", "ours", "gemm", "ratio");
	for n in [256, 512, 1024, 2048] {
		for threads in [1, cores].into_iter().collect::<std::collections::BTreeSet<_>>() {
			// Interleave the two so both see the same machine load.
			let ours = matmul_gflops(n, n, n, threads, kernel, budget);
			let theirs = gemm_crate_gflops(n, threads, budget);
			println!(
				"{n:>6} {threads:>8} {ours:>10.1} {theirs:>10.1} {:>6.0}%",
				100.0 * ours / theirs
			);
		}
	}
}
