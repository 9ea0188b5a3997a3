//! What the kernel tests share: the inputs they feed and how they compare.

/// The sizes the kernels are checked on: one, odd, just past a tile, just past a large power of
/// two.
#[allow(dead_code)]
pub const RAGGED: [usize; 4] = [1, 7, 129, 4097];

/// This package's folder, as cargo names it when it runs the test: a test binary reused from
/// a build of another checkout (cargo does not rebuild when only the checkout moved) must
/// still read this checkout's files.
#[allow(dead_code)]
pub fn manifest_dir() -> std::path::PathBuf {
	std::env::var_os("CARGO_MANIFEST_DIR")
		.map(std::path::PathBuf::from)
		.unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// Values of every kind the kernels meet: ordinary, exact zeros of both signs, subnormals.
pub fn values(len: usize, seed: u64) -> Vec<f32> {
	(0..len as u64)
		.map(|i| match i % 29 {
			3 => -0.0,
			7 => 0.0,
			11 => f32::from_bits(1 + (i as u32 % 1000)) * if i % 2 == 0 { 1.0 } else { -1.0 },
			_ => (aiblock_compute::rng::uniform(seed, 1, i) - 0.5) * 4.0,
		})
		.collect()
}

/// Bit-for-bit equality, where a NaN matches any NaN (payloads are not part of the spec).
pub fn assert_bits(what: &str, got: &[f32], want: &[f32]) {
	assert_eq!(got.len(), want.len(), "{what}: length");
	for (i, (g, w)) in got.iter().zip(want).enumerate() {
		let same = g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan());
		assert!(
			same,
			"{what}: element {i}: kernel {g:e} ({:#x}), CPU {w:e} ({:#x})",
			g.to_bits(),
			w.to_bits()
		);
	}
}

/// The AdamW step both suites use (second step: bias corrections below one).
#[allow(dead_code)]
pub fn adam_step() -> aiblock_compute::backend::AdamStep {
	aiblock_compute::backend::AdamStep {
		lr: 3e-3,
		beta1: 0.9,
		beta2: 0.999,
		eps: 1e-8,
		weight_decay: 0.01,
		correction1: 1.0 - 0.9f32 * 0.9,
		correction2: 1.0 - 0.999f32 * 0.999,
	}
}

/// The transformer kernels' shapes: (rows, width) of the norms; (rows of each square score
/// matrix, matrices) of the softmaxes; (rows, heads, half head width, first position) of RoPE.
#[allow(dead_code)]
pub const NORM_SHAPES: [(usize, usize); 4] = [(1, 1), (7, 129), (33, 128), (129, 7)];
#[allow(dead_code)]
pub const SOFTMAX_SHAPES: [(usize, usize); 4] = [(1, 1), (7, 3), (64, 5), (129, 1)];
#[allow(dead_code)]
pub const ROPE_SHAPES: [(usize, usize, usize, usize); 4] =
	[(1, 1, 1, 0), (7, 4, 16, 0), (33, 2, 3, 5), (64, 8, 32, 190)];

/// Softmax inputs with the ranges attention meets: scores up to ±24 and exact ties.
#[allow(dead_code)]
pub fn scores(len: usize, seed: u64) -> Vec<f32> {
	values(len, seed)
		.iter()
		.enumerate()
		.map(|(i, v)| if i % 13 == 5 { 1.5 } else { v * 6.0 })
		.collect()
}
