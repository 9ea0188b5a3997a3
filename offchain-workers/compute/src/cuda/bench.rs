//! GPU figures printed by `aiblock-compute bench-cuda`: the canonical matmul against cuBLAS
//! SGEMM (pedantic FP32, and TF32 tensor cores) on the same shapes, the device-resident expert
//! training step, the model step through the [`Backend`] trait (operands crossing the bus), and
//! loading an expert from a mapped file onto the device. Figures, never assertions.

use super::{driver, ops::DeviceMat, Cuda, CudaError};
use crate::{
	backend::{AdamStep, Backend},
	model::{BlockId, ModelSpec, Weights},
	safetensors::{self, MappedFile},
};
use cudarc::{
	cublas::{sys as blas_sys, CudaBlas, Gemm, GemmConfig},
	driver::{sys::CUevent_flags, CudaSlice},
};

/// Whether cuBLAS (the comparison) can be loaded.
pub fn cublas_available() -> bool {
	// SAFETY: only tries to open the library.
	unsafe { blas_sys::is_culib_present() }
}

/// One row of figures per model width.
#[derive(Clone, Debug, Default)]
pub struct BenchFigures {
	pub d_model: usize,
	pub tokens: usize,
	/// TFLOP/s of `tokens × d · d × 4d`: canonical kernel, cuBLAS FP32 pedantic, cuBLAS TF32.
	pub canonical_tflops: f64,
	pub cublas_fp32_tflops: Option<f64>,
	pub cublas_tf32_tflops: Option<f64>,
	/// Milliseconds per device-resident expert step (forward, backward, AdamW).
	pub expert_step_ms: f64,
	/// Bytes of the expert's file, seconds to put it on the device, seconds for one pinned copy
	/// of as many bytes.
	pub expert_bytes: usize,
	pub load_seconds: f64,
	pub pinned_copy_seconds: f64,
}

/// Device milliseconds of the fastest of `runs` runs of `f` (after one warm-up run).
fn time_ms(
	cuda: &Cuda,
	runs: usize,
	mut f: impl FnMut() -> Result<(), CudaError>,
) -> Result<f64, CudaError> {
	let ctx = cuda.stream.context();
	let timed = Some(CUevent_flags::CU_EVENT_DEFAULT);
	let (start, end) = (
		ctx.new_event(timed).map_err(driver("event"))?,
		ctx.new_event(timed).map_err(driver("event"))?,
	);
	f()?;
	let mut best = f64::INFINITY;
	for _ in 0..runs.max(1) {
		start.record(&cuda.stream).map_err(driver("event"))?;
		f()?;
		end.record(&cuda.stream).map_err(driver("event"))?;
		end.synchronize().map_err(driver("event"))?;
		best = best.min(f64::from(start.elapsed_ms(&end).map_err(driver("event"))?));
	}
	Ok(best)
}

fn filled(cuda: &Cuda, len: usize, seed: u64) -> Result<CudaSlice<f32>, CudaError> {
	let host: Vec<f32> =
		(0..len as u64).map(|i| (crate::rng::uniform(seed, 0, i) - 0.5) * 0.1).collect();
	cuda.upload(&host)
}

/// Row-major `c (m×n) = a (m×k) · b (k×n)` with cuBLAS (column-major: `cᵀ = bᵀ · aᵀ`).
fn cublas_matmul(
	blas: &CudaBlas,
	(m, k, n): (usize, usize, usize),
	a: &CudaSlice<f32>,
	b: &CudaSlice<f32>,
	c: &mut CudaSlice<f32>,
) -> Result<(), CudaError> {
	let cfg = GemmConfig {
		transa: blas_sys::cublasOperation_t::CUBLAS_OP_N,
		transb: blas_sys::cublasOperation_t::CUBLAS_OP_N,
		m: n as i32,
		n: m as i32,
		k: k as i32,
		alpha: 1.0f32,
		lda: n as i32,
		ldb: k as i32,
		beta: 0.0f32,
		ldc: n as i32,
	};
	// SAFETY: the buffers hold k×n, m×k and m×n floats.
	unsafe { blas.gemm(cfg, b, a, c) }
		.map_err(|e| CudaError::Driver { what: "cuBLAS SGEMM", error: format!("{e:?}") })
}

fn set_math_mode(blas: &CudaBlas, mode: blas_sys::cublasMath_t) -> Result<(), CudaError> {
	// SAFETY: a valid handle and a valid mode.
	let status = unsafe { blas_sys::cublasSetMathMode(*blas.handle(), mode) };
	if status != blas_sys::cublasStatus_t::CUBLAS_STATUS_SUCCESS {
		return Err(CudaError::Driver { what: "cuBLAS math mode", error: format!("{status:?}") });
	}
	Ok(())
}

/// The figures for one width `d` (d_ff = 4d) at `tokens` tokens.
pub fn bench_width(
	cuda: &Cuda,
	d: usize,
	tokens: usize,
	runs: usize,
) -> Result<BenchFigures, CudaError> {
	let (t, f) = (tokens, 4 * d);
	let mut fig = BenchFigures { d_model: d, tokens, ..BenchFigures::default() };
	let flops = 2.0 * (t * d * f) as f64;
	let (x, w1) = (filled(cuda, t * d, 1)?, filled(cuda, d * f, 2)?);
	let mut z = cuda.alloc(t * f)?;
	let ms = time_ms(cuda, runs, || {
		cuda.matmul_on_device(
			DeviceMat::row_major(&x, t, d),
			DeviceMat::row_major(&w1, d, f),
			&mut z,
		)
	})?;
	fig.canonical_tflops = flops / (ms * 1e-3) / 1e12;
	if cublas_available() {
		let blas = CudaBlas::new(cuda.stream.clone())
			.map_err(|e| CudaError::Driver { what: "cuBLAS", error: format!("{e:?}") })?;
		for (mode, out) in [
			(blas_sys::cublasMath_t::CUBLAS_PEDANTIC_MATH, &mut fig.cublas_fp32_tflops),
			(blas_sys::cublasMath_t::CUBLAS_TF32_TENSOR_OP_MATH, &mut fig.cublas_tf32_tflops),
		] {
			set_math_mode(&blas, mode)?;
			let ms = time_ms(cuda, runs, || cublas_matmul(&blas, (t, d, f), &x, &w1, &mut z))?;
			*out = Some(flops / (ms * 1e-3) / 1e12);
		}
	}
	fig.expert_step_ms = expert_step_ms(cuda, d, t, runs)?;
	(fig.expert_bytes, fig.load_seconds, fig.pinned_copy_seconds) = expert_load(cuda, d)?;
	Ok(fig)
}

/// One device-resident training step of an expert FFN (`y = silu(x·W1 + b1)·W2 + b2`) on
/// `t` tokens: forward, backward from a given output gradient, AdamW on all four tensors.
fn expert_step_ms(cuda: &Cuda, d: usize, t: usize, runs: usize) -> Result<f64, CudaError> {
	let f = 4 * d;
	let x = filled(cuda, t * d, 1)?;
	let dy = filled(cuda, t * d, 3)?;
	let mut w1 = filled(cuda, d * f, 2)?;
	let mut w2 = filled(cuda, f * d, 4)?;
	let mut b1 = cuda.stream.alloc_zeros::<f32>(f).map_err(driver("allocation"))?;
	let mut b2 = cuda.stream.alloc_zeros::<f32>(d).map_err(driver("allocation"))?;
	let zeros = |n| cuda.stream.alloc_zeros::<f32>(n).map_err(driver("allocation"));
	let mut moments = [zeros(d * f)?, zeros(d * f)?, zeros(f)?, zeros(f)?];
	let mut moments2 = [zeros(f * d)?, zeros(f * d)?, zeros(d)?, zeros(d)?];
	let (mut z1, mut a, mut y) = (cuda.alloc(t * f)?, cuda.alloc(t * f)?, cuda.alloc(t * d)?);
	let (mut da, mut dz1, mut dx) = (cuda.alloc(t * f)?, cuda.alloc(t * f)?, cuda.alloc(t * d)?);
	let (mut dw1, mut dw2) = (cuda.alloc(d * f)?, cuda.alloc(f * d)?);
	let (mut db1, mut db2) = (cuda.alloc(f)?, cuda.alloc(d)?);
	let adam = AdamStep {
		lr: 1e-3,
		beta1: 0.9,
		beta2: 0.999,
		eps: 1e-8,
		weight_decay: 0.01,
		correction1: 0.1,
		correction2: 0.001,
	};
	time_ms(cuda, runs, || {
		let rm = DeviceMat::row_major;
		cuda.matmul_on_device(rm(&x, t, d), rm(&w1, d, f), &mut z1)?;
		cuda.add_bias_on_device(&mut z1, &b1, t * f)?;
		cuda.silu_on_device(&z1, &mut a, t * f)?;
		cuda.matmul_on_device(rm(&a, t, f), rm(&w2, f, d), &mut y)?;
		cuda.add_bias_on_device(&mut y, &b2, t * d)?;
		cuda.matmul_on_device(rm(&dy, t, d), rm(&w2, f, d).t(), &mut da)?;
		cuda.silu_backward_on_device(&z1, &da, &mut dz1, t * f)?;
		cuda.matmul_on_device(rm(&a, t, f).t(), rm(&dy, t, d), &mut dw2)?;
		cuda.column_sums_on_device(&dy, t, d, &mut db2)?;
		cuda.matmul_on_device(rm(&x, t, d).t(), rm(&dz1, t, f), &mut dw1)?;
		cuda.column_sums_on_device(&dz1, t, f, &mut db1)?;
		cuda.matmul_on_device(rm(&dz1, t, f), rm(&w1, d, f).t(), &mut dx)?;
		let [m1, v1, mb1, vb1] = &mut moments;
		let [m2, v2, mb2, vb2] = &mut moments2;
		cuda.adamw_on_device(&mut w1, &dw1, m1, v1, d * f, &adam, true)?;
		cuda.adamw_on_device(&mut b1, &db1, mb1, vb1, f, &adam, false)?;
		cuda.adamw_on_device(&mut w2, &dw2, m2, v2, f * d, &adam, true)?;
		cuda.adamw_on_device(&mut b2, &db2, mb2, vb2, d, &adam, false)
	})
}

/// `(bytes, seconds to upload the expert's mapped file, seconds for one pinned copy of as
/// many bytes)`.
fn expert_load(cuda: &Cuda, d: usize) -> Result<(usize, f64, f64), CudaError> {
	let io = |e: std::io::Error| CudaError::Driver { what: "expert file", error: e.to_string() };
	let spec = ModelSpec { context: 2, d_model: d, d_ff: 4 * d, layers: 1, experts: 1, top_k: 1 };
	let weights = Weights::genesis(spec, 1)
		.map_err(|e| CudaError::Driver { what: "expert", error: e.to_string() })?;
	let bytes = weights.block_file(BlockId::Expert { layer: 0, expert: 0 });
	let dir = std::env::temp_dir().join(format!("aiblock-bench-cuda-{}", std::process::id()));
	std::fs::create_dir_all(&dir).map_err(io)?;
	let path = dir.join(format!("expert-d{d}.safetensors"));
	safetensors::write_atomic(&path, &bytes).map_err(io)?;
	let file = MappedFile::open(&path)
		.map_err(|e| CudaError::Driver { what: "expert file", error: e.to_string() })?;
	let mut best_load = f64::INFINITY;
	for _ in 0..3 {
		let start = std::time::Instant::now();
		let on_device = cuda.upload_file(&file)?;
		best_load = best_load.min(start.elapsed().as_secs_f64());
		drop(on_device);
	}
	let _ = std::fs::remove_dir_all(&dir);
	// The reference: one transfer of as many bytes from pinned memory.
	let floats = bytes.len() / 4;
	// SAFETY: the pinned buffer's contents are irrelevant to a bandwidth figure.
	let pinned = unsafe { cuda.stream.context().alloc_pinned::<f32>(floats) }
		.map_err(driver("pinned allocation"))?;
	let mut target = cuda.alloc(floats)?;
	let ms = time_ms(cuda, 3, || {
		cuda.stream.memcpy_htod(&pinned, &mut target).map_err(driver("upload"))
	})?;
	Ok((bytes.len(), best_load, ms * 1e-3))
}

/// Seconds per model training step through the [`Backend`] trait (every operand crossing the
/// bus), for comparison with the device-resident step.
pub fn trait_step_seconds(cuda: &Cuda, d: usize, tokens: usize) -> f64 {
	crate::bench::expert_step_seconds(
		cuda as &dyn Backend,
		d,
		tokens,
		std::time::Duration::from_secs(2),
	)
	.0
}

/// Print the whole table for `widths` at `tokens` tokens.
pub fn run_benchmarks(cuda: &Cuda, widths: &[usize], tokens: usize) -> Result<(), CudaError> {
	println!(
		"aiblock-compute bench-cuda on {} (sm_{}{}, kernels: {:?}), T = {tokens} tokens, d_ff = 4·d",
		cuda.device(),
		cuda.compute_capability().0,
		cuda.compute_capability().1,
		cuda.kernel_image()
	);
	if !cublas_available() {
		println!("(cuBLAS not found: the comparison columns are empty)");
	}
	println!(
		"{:>6} {:>14} {:>14} {:>14} {:>10} {:>12} {:>12} {:>12} {:>12}",
		"d",
		"canonical TF/s",
		"cuBLAS FP32",
		"cuBLAS TF32",
		"vs FP32",
		"step ms",
		"expert MB",
		"load GB/s",
		"pinned GB/s"
	);
	let show = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
	for &d in widths {
		let fig = bench_width(cuda, d, tokens, 5)?;
		let ratio = fig.cublas_fp32_tflops.map(|c| fig.canonical_tflops / c * 100.0);
		println!(
			"{:>6} {:>14.2} {:>14} {:>14} {:>9}% {:>12.2} {:>12.1} {:>12.2} {:>12.2}",
			d,
			fig.canonical_tflops,
			show(fig.cublas_fp32_tflops),
			show(fig.cublas_tf32_tflops),
			ratio.map_or("-".to_string(), |r| format!("{r:.0}")),
			fig.expert_step_ms,
			fig.expert_bytes as f64 / 1e6,
			fig.expert_bytes as f64 / fig.load_seconds / 1e9,
			fig.expert_bytes as f64 / fig.pinned_copy_seconds / 1e9,
		);
	}
	for &d in widths.iter().filter(|&&d| d <= 1024) {
		let secs = trait_step_seconds(cuda, d, tokens);
		println!(
			"model step through the Backend trait (operands over the bus), d = {d}: {:.1} ms",
			secs * 1e3
		);
	}
	Ok(())
}
