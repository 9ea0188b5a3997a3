//! The CUDA backend (cargo feature `cuda`): the compute core's ops as our own kernels
//! (`cuda/kernels.cu`), returning bitwise what the CPU backend returns, so that a CPU evaluator
//! can verify a GPU trainer by replay and the other way round.
//!
//! * The driver is loaded at run time (cudarc's `dynamic-loading`): this builds, and runs on the
//!   CPU, on machines without CUDA. [`Cuda::new`] checks the driver and the device first and
//!   returns a [`CudaError`] naming what is missing; nothing here panics for want of a GPU.
//! * The kernels are committed, compiled offline by a pinned NVRTC (`cuda/generate.sh`): a
//!   cubin for sm_90 or sm_80 when the device runs one, else the compute_80 PTX, JIT-compiled
//!   by the driver. Setting `AIBLOCK_CUDA_KERNELS=path/to/kernels.cu` compiles that source with
//!   the NVRTC found at run time instead (a developer option, for editing kernels).
//! * The [`Backend`] methods take host slices: operands go up, results come down. Tensors named
//!   by [`Backend::keep_resident`] (the frozen blocks of a training run) stay on the device
//!   and are reused by every product that reads them. The `*_on_device` functions are the same
//!   ops on device buffers, for device-resident work (the benchmarks).
//! * Should a device call fail mid-run, the op is computed by the CPU instead (the same bits by
//!   definition), the failure counted ([`Cuda::failures`]); results never depend on it.

mod bench;
mod ops;
mod transformer;
mod upload;

// The `bench-cuda` figures, for the binary: not part of the API.
#[doc(hidden)]
pub use bench::{bench_width, cublas_available, run_benchmarks, BenchFigures};
pub use ops::{DeviceMat, ScalarFunction};
pub use upload::DeviceTensor;

use crate::{
	backend::{AdamStep, Backend, Cpu},
	matmul::{check_operands, MatRef, MatmulError},
	transformer::rope::RopeTable,
};
use cudarc::driver::{CudaContext, CudaFunction, CudaModule, CudaSlice, CudaStream, DriverError};
use std::{
	collections::HashMap,
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex,
	},
};

static PTX: &str = include_str!("../cuda/kernels.ptx");
static CUBIN_SM80: &[u8] = include_bytes!("../cuda/kernels.sm_80.cubin");
static CUBIN_SM90: &[u8] = include_bytes!("../cuda/kernels.sm_90.cubin");

/// Why the CUDA backend is not available, or a device call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CudaError {
	/// The NVIDIA driver library (libcuda) is not installed or cannot be loaded.
	NoDriver,
	/// The driver loaded but there is no usable device with this ordinal.
	NoDevice {
		ordinal: usize,
		devices: i32,
	},
	/// The device predates compute capability 8.0, the oldest the kernels are built for.
	Unsupported {
		device: String,
		capability: (i32, i32),
	},
	/// A driver call failed.
	Driver {
		what: &'static str,
		error: String,
	},
	/// Compiling `AIBLOCK_CUDA_KERNELS` with the run-time NVRTC failed.
	Compile(String),
	/// A shape the kernels' index types cannot express.
	TooLarge(&'static str),
	Matmul(MatmulError),
}

impl std::fmt::Display for CudaError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			CudaError::NoDriver => write!(
				f,
				"no NVIDIA driver: libcuda.so could not be loaded (install the driver, or use --backend cpu)"
			),
			CudaError::NoDevice { ordinal, devices } => {
				write!(f, "no CUDA device {ordinal}: the driver reports {devices} device(s)")
			},
			CudaError::Unsupported { device, capability: (major, minor) } => write!(
				f,
				"{device} has compute capability {major}.{minor}; the kernels need 8.0 or newer"
			),
			CudaError::Driver { what, error } => write!(f, "CUDA {what} failed: {error}"),
			CudaError::Compile(log) => write!(f, "compiling AIBLOCK_CUDA_KERNELS failed: {log}"),
			CudaError::TooLarge(what) => write!(f, "{what} is too large for the CUDA kernels"),
			CudaError::Matmul(e) => write!(f, "matrix product: {e}"),
		}
	}
}

impl std::error::Error for CudaError {}

impl From<MatmulError> for CudaError {
	fn from(e: MatmulError) -> Self {
		CudaError::Matmul(e)
	}
}

/// Wrap a driver error with what was being done.
pub(crate) fn driver(what: &'static str) -> impl Fn(DriverError) -> CudaError {
	move |e| CudaError::Driver { what, error: e.to_string() }
}

/// Whether a CUDA device is usable here: the driver loads and reports at least one device.
pub fn available() -> bool {
	probe(0).is_ok()
}

fn probe(ordinal: usize) -> Result<(), CudaError> {
	// SAFETY: only tries to open the library; cudarc's loaders panic when it is absent, so
	// nothing else of cudarc may be called before this says it is there.
	if !unsafe { cudarc::driver::sys::is_culib_present() } {
		return Err(CudaError::NoDriver);
	}
	let devices = match CudaContext::device_count() {
		Ok(n) => n,
		Err(e) if e.0 == cudarc::driver::sys::cudaError_enum::CUDA_ERROR_NO_DEVICE => 0,
		Err(e) => return Err(driver("initialisation")(e)),
	};
	if ordinal >= devices.max(0) as usize {
		return Err(CudaError::NoDevice { ordinal, devices });
	}
	Ok(())
}

/// The loaded kernels.
pub(crate) struct Kernels {
	pub matmul: CudaFunction,
	pub silu_forward: CudaFunction,
	pub silu_backward: CudaFunction,
	pub adamw: CudaFunction,
	pub cross_entropy_rows: CudaFunction,
	pub route_rows: CudaFunction,
	pub add_bias: CudaFunction,
	pub column_sums: CudaFunction,
	pub map_bits: CudaFunction,
	pub rms_norm: CudaFunction,
	pub rms_norm_backward: CudaFunction,
	pub causal_softmax: CudaFunction,
	pub causal_softmax_backward: CudaFunction,
	pub rope: CudaFunction,
	pub swiglu: CudaFunction,
	pub swiglu_backward: CudaFunction,
}

impl Kernels {
	fn load(module: &Arc<CudaModule>) -> Result<Kernels, CudaError> {
		let f = |name: &'static str| module.load_function(name).map_err(driver(name));
		Ok(Kernels {
			matmul: f("aib_matmul")?,
			silu_forward: f("aib_silu_forward")?,
			silu_backward: f("aib_silu_backward")?,
			adamw: f("aib_adamw")?,
			cross_entropy_rows: f("aib_cross_entropy_rows")?,
			route_rows: f("aib_route_rows")?,
			add_bias: f("aib_add_bias")?,
			column_sums: f("aib_column_sums")?,
			map_bits: f("aib_map_bits")?,
			rms_norm: f("aib_rms_norm")?,
			rms_norm_backward: f("aib_rms_norm_backward")?,
			causal_softmax: f("aib_causal_softmax")?,
			causal_softmax_backward: f("aib_causal_softmax_backward")?,
			rope: f("aib_rope")?,
			swiglu: f("aib_swiglu")?,
			swiglu_backward: f("aib_swiglu_backward")?,
		})
	}
}

/// Which compiled form of the kernels a device loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelImage {
	Cubin(&'static str),
	/// The committed PTX, JIT-compiled by the driver.
	Ptx,
	/// `AIBLOCK_CUDA_KERNELS`, compiled at start with the run-time NVRTC.
	Nvrtc(String),
}

/// The device's frozen tensors, by the host slice they mirror.
struct Resident {
	epoch: u64,
	tensors: HashMap<(usize, usize), CudaSlice<f32>>,
}

/// The CUDA backend on one device.
pub struct Cuda {
	pub(crate) stream: Arc<CudaStream>,
	pub(crate) kernels: Kernels,
	device: String,
	capability: (i32, i32),
	image: KernelImage,
	cpu: Cpu,
	resident: Mutex<Resident>,
	failures: AtomicU64,
	last_failure: Mutex<Option<CudaError>>,
}

impl Cuda {
	/// The backend on device `ordinal`, or why there is none.
	pub fn new(ordinal: usize) -> Result<Cuda, CudaError> {
		probe(ordinal)?;
		let ctx = CudaContext::new(ordinal).map_err(driver("context creation"))?;
		let device = ctx.name().map_err(driver("device query"))?;
		let capability = ctx.compute_capability().map_err(driver("device query"))?;
		if capability.0 < 8 {
			return Err(CudaError::Unsupported { device, capability });
		}
		let (module, image) = load_module(&ctx, capability)?;
		let kernels = Kernels::load(&module)?;
		Ok(Cuda {
			stream: ctx.default_stream(),
			kernels,
			device,
			capability,
			image,
			cpu: Cpu::auto(),
			resident: Mutex::new(Resident { epoch: 0, tensors: HashMap::new() }),
			failures: AtomicU64::new(0),
			last_failure: Mutex::new(None),
		})
	}

	/// The device's name (e.g. `NVIDIA H100 80GB HBM3`).
	pub fn device(&self) -> &str {
		&self.device
	}

	/// Device memory in GiB (rounded down).
	pub fn memory_gib(&self) -> u32 {
		self.stream.context().total_mem().map_or(0, |bytes| (bytes >> 30) as u32)
	}

	pub fn compute_capability(&self) -> (i32, i32) {
		self.capability
	}

	/// Which form of the kernels runs.
	pub fn kernel_image(&self) -> &KernelImage {
		&self.image
	}

	pub fn stream(&self) -> &Arc<CudaStream> {
		&self.stream
	}

	/// Device calls that failed and were computed on the CPU instead, and the last such error.
	pub fn failures(&self) -> (u64, Option<CudaError>) {
		let last = self.last_failure.lock().map(|l| l.clone()).unwrap_or(None);
		(self.failures.load(Ordering::Relaxed), last)
	}

	/// Count a failed device call; the caller computes on the CPU instead.
	fn failed(&self, e: CudaError) {
		self.failures.fetch_add(1, Ordering::Relaxed);
		if let Ok(mut last) = self.last_failure.lock() {
			*last = Some(e);
		}
	}

	fn set_resident(&self, epoch: u64, tensors: &[&[f32]]) -> Result<(), CudaError> {
		let mut r = self.resident.lock().map_err(|_| CudaError::Driver {
			what: "resident tensors",
			error: "lock poisoned".into(),
		})?;
		if epoch != r.epoch {
			r.tensors.clear();
			r.epoch = epoch;
		}
		if epoch == 0 {
			return Ok(());
		}
		// Exactly the tensors named now: a slice no longer named may be freed and its memory
		// reused for something else.
		let keys: std::collections::HashSet<(usize, usize)> =
			tensors.iter().map(|t| (t.as_ptr() as usize, t.len())).collect();
		r.tensors.retain(|k, _| keys.contains(k));
		// (Empty tensors stay on the host: there is nothing to keep.)
		for t in tensors.iter().filter(|t| !t.is_empty()) {
			let key = (t.as_ptr() as usize, t.len());
			if let std::collections::hash_map::Entry::Vacant(slot) = r.tensors.entry(key) {
				slot.insert(self.upload(t)?);
			}
		}
		Ok(())
	}

	/// `c = a · b` on the device, operands from and result to the host.
	pub fn try_matmul(&self, a: MatRef<'_>, b: MatRef<'_>, c: &mut [f32]) -> Result<(), CudaError> {
		check_operands(&a, &b, c.len())?;
		if c.is_empty() {
			return Ok(());
		}
		if a.cols == 0 {
			// Every chain is empty: +0 (and there is nothing to upload).
			c.fill(0.0);
			return Ok(());
		}
		let upload = |m: &MatRef<'_>| self.upload(&m.data[..m.span()]);
		// Frozen tensors are on the device already; everything else goes up now.
		let resident = self.resident.lock().ok();
		let on_device = |data: &[f32]| {
			let key = (data.as_ptr() as usize, data.len());
			resident.as_ref().filter(|r| r.epoch != 0).and_then(|r| r.tensors.get(&key))
		};
		let (a_up, b_up);
		let a_src = match on_device(a.data) {
			Some(s) => s,
			None => {
				a_up = upload(&a)?;
				&a_up
			},
		};
		let b_src = match on_device(b.data) {
			Some(s) => s,
			None => {
				b_up = upload(&b)?;
				&b_up
			},
		};
		let mut c_dev = self.alloc(c.len())?;
		self.matmul_on_device(DeviceMat::of(a_src, &a), DeviceMat::of(b_src, &b), &mut c_dev)?;
		self.download(&c_dev, c)
	}

	/// A device copy of `data`.
	pub(crate) fn upload<T: cudarc::driver::DeviceRepr>(
		&self,
		data: &[T],
	) -> Result<CudaSlice<T>, CudaError> {
		self.stream.clone_htod(data).map_err(driver("upload"))
	}

	pub(crate) fn alloc(&self, len: usize) -> Result<CudaSlice<f32>, CudaError> {
		// SAFETY: every element is written by the kernel before it is read back.
		unsafe { self.stream.alloc::<f32>(len.max(1)) }.map_err(driver("allocation"))
	}

	/// Copy `src` into `dst` and wait for it.
	pub(crate) fn download(&self, src: &CudaSlice<f32>, dst: &mut [f32]) -> Result<(), CudaError> {
		self.stream.memcpy_dtoh(&src.slice(..dst.len()), dst).map_err(driver("download"))?;
		self.stream.synchronize().map_err(driver("synchronize"))
	}

	pub fn try_silu(&self, z: &[f32], out: &mut [f32]) -> Result<(), CudaError> {
		if z.is_empty() {
			return Ok(());
		}
		let z_dev = self.upload(z)?;
		let mut out_dev = self.alloc(z.len())?;
		self.silu_on_device(&z_dev, &mut out_dev, z.len())?;
		self.download(&out_dev, out)
	}

	pub fn try_silu_backward(
		&self,
		z: &[f32],
		grad_out: &[f32],
		grad_z: &mut [f32],
	) -> Result<(), CudaError> {
		if z.is_empty() {
			return Ok(());
		}
		let z_dev = self.upload(z)?;
		let g_dev = self.upload(grad_out)?;
		let mut out_dev = self.alloc(z.len())?;
		self.silu_backward_on_device(&z_dev, &g_dev, &mut out_dev, z.len())?;
		self.download(&out_dev, grad_z)
	}

	pub fn try_cross_entropy_rows(
		&self,
		logits: &[f32],
		targets: &[u8],
		scale: f32,
		grad: &mut [f32],
		losses: &mut [f32],
	) -> Result<(), CudaError> {
		if losses.is_empty() {
			return Ok(());
		}
		let l_dev = self.upload(logits)?;
		let t_dev = self.upload(targets)?;
		let mut g_dev = self.alloc(grad.len())?;
		let mut loss_dev = self.alloc(losses.len())?;
		let vocab = grad.len() / losses.len().max(1);
		self.cross_entropy_rows_on_device(
			&l_dev,
			&t_dev,
			scale,
			&mut g_dev,
			&mut loss_dev,
			losses.len(),
			vocab,
		)?;
		self.download(&g_dev, grad)?;
		self.download(&loss_dev, losses)
	}

	pub fn try_route_rows(
		&self,
		logits: &[f32],
		experts: usize,
		k: usize,
		chosen: &mut [u32],
		gates: &mut [f32],
	) -> Result<(), CudaError> {
		let rows = logits.len() / experts.max(1);
		if rows == 0 || k == 0 {
			return Ok(());
		}
		let l_dev = self.upload(logits)?;
		// SAFETY: the kernel writes every chosen index and gate.
		let mut c_dev =
			unsafe { self.stream.alloc::<u32>((rows * k).max(1)) }.map_err(driver("allocation"))?;
		let mut g_dev = self.alloc(rows * k)?;
		self.route_rows_on_device(&l_dev, rows, experts, k, &mut c_dev, &mut g_dev)?;
		self.stream
			.memcpy_dtoh(&c_dev.slice(..chosen.len()), chosen)
			.map_err(driver("download"))?;
		self.download(&g_dev, gates)
	}

	/// AdamW on the device; `w`, `m` and `v` change only once every result is back, so a
	/// failure leaves them as they were.
	pub fn try_adamw(
		&self,
		w: &mut [f32],
		g: &[f32],
		m: &mut [f32],
		v: &mut [f32],
		step: &AdamStep,
		decay: bool,
	) -> Result<(), CudaError> {
		if w.is_empty() {
			return Ok(());
		}
		let (mut w_dev, g_dev, mut m_dev, mut v_dev) =
			(self.upload(w)?, self.upload(g)?, self.upload(m)?, self.upload(v)?);
		self.adamw_on_device(&mut w_dev, &g_dev, &mut m_dev, &mut v_dev, w.len(), step, decay)?;
		let (mut w_new, mut m_new, mut v_new) =
			(vec![0.0; w.len()], vec![0.0; m.len()], vec![0.0; v.len()]);
		self.download(&w_dev, &mut w_new)?;
		self.download(&m_dev, &mut m_new)?;
		self.download(&v_dev, &mut v_new)?;
		w.copy_from_slice(&w_new);
		m.copy_from_slice(&m_new);
		v.copy_from_slice(&v_new);
		Ok(())
	}
}

/// Load the committed kernels best suited to the device (or the developer's source).
fn load_module(
	ctx: &Arc<CudaContext>,
	capability: (i32, i32),
) -> Result<(Arc<CudaModule>, KernelImage), CudaError> {
	use cudarc::nvrtc::Ptx;
	if let Ok(path) = std::env::var("AIBLOCK_CUDA_KERNELS") {
		let source = std::fs::read_to_string(&path)
			.map_err(|e| CudaError::Compile(format!("cannot read {path}: {e}")))?;
		// SAFETY: probing for the library only; compile_ptx panics when it is absent.
		if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
			return Err(CudaError::Compile("libnvrtc.so not found".into()));
		}
		let ptx = cudarc::nvrtc::compile_ptx_with_opts(&source, nvrtc_options())
			.map_err(|e| CudaError::Compile(e.to_string()))?;
		let module = ctx.load_module(ptx).map_err(driver("module load"))?;
		return Ok((module, KernelImage::Nvrtc(path)));
	}
	// A cubin runs on its architecture and newer minor revisions of the same major one.
	let cubin = match capability {
		(9, _) => Some(("sm_90", CUBIN_SM90)),
		(8, _) => Some(("sm_80", CUBIN_SM80)),
		_ => None,
	};
	if let Some((arch, bytes)) = cubin {
		if let Ok(module) = ctx.load_module(Ptx::from_binary(bytes.to_vec())) {
			return Ok((module, KernelImage::Cubin(arch)));
		}
	}
	let module = ctx.load_module(Ptx::from_src(PTX)).map_err(driver("PTX load"))?;
	Ok((module, KernelImage::Ptx))
}

/// The numerics spec's compiler settings (the same as `cuda/nvrtc_build.py`'s).
pub fn nvrtc_options() -> cudarc::nvrtc::CompileOptions {
	cudarc::nvrtc::CompileOptions {
		ftz: Some(false),
		prec_sqrt: Some(true),
		prec_div: Some(true),
		fmad: Some(false),
		options: vec!["--std=c++17".into()],
		..Default::default()
	}
}

impl Backend for Cuda {
	fn name(&self) -> String {
		format!("cuda:{} ({})", self.stream.context().ordinal(), self.device)
	}

	fn matmul(&self, a: MatRef<'_>, b: MatRef<'_>, c: &mut [f32]) -> Result<(), MatmulError> {
		match self.try_matmul(a, b, c) {
			Ok(()) => Ok(()),
			Err(CudaError::Matmul(e)) => Err(e),
			Err(e) => {
				self.failed(e);
				self.cpu.matmul(a, b, c)
			},
		}
	}

	fn silu(&self, z: &[f32], out: &mut [f32]) {
		if let Err(e) = self.try_silu(z, out) {
			self.failed(e);
			self.cpu.silu(z, out)
		}
	}

	fn silu_backward(&self, z: &[f32], grad_out: &[f32], grad_z: &mut [f32]) {
		if let Err(e) = self.try_silu_backward(z, grad_out, grad_z) {
			self.failed(e);
			self.cpu.silu_backward(z, grad_out, grad_z)
		}
	}

	fn cross_entropy_rows(
		&self,
		logits: &[f32],
		targets: &[u8],
		scale: f32,
		grad: &mut [f32],
		losses: &mut [f32],
	) {
		if let Err(e) = self.try_cross_entropy_rows(logits, targets, scale, grad, losses) {
			self.failed(e);
			self.cpu.cross_entropy_rows(logits, targets, scale, grad, losses)
		}
	}

	fn route_rows(
		&self,
		logits: &[f32],
		experts: usize,
		k: usize,
		chosen: &mut [u32],
		gates: &mut [f32],
	) {
		if let Err(e) = self.try_route_rows(logits, experts, k, chosen, gates) {
			self.failed(e);
			self.cpu.route_rows(logits, experts, k, chosen, gates)
		}
	}

	fn keep_resident(&self, epoch: u64, tensors: &[&[f32]]) {
		if let Err(e) = self.set_resident(epoch, tensors) {
			// Without resident copies every product uploads its operands: slower, same bits.
			self.failed(e);
			if let Ok(mut r) = self.resident.lock() {
				r.tensors.clear();
				r.epoch = 0;
			}
		}
	}

	fn adamw(
		&self,
		w: &mut [f32],
		g: &[f32],
		m: &mut [f32],
		v: &mut [f32],
		step: &AdamStep,
		decay: bool,
	) {
		if let Err(e) = self.try_adamw(w, g, m, v, step, decay) {
			self.failed(e);
			self.cpu.adamw(w, g, m, v, step, decay)
		}
	}

	fn rms_norm(&self, x: &[f32], weight: &[f32], eps: f32, out: &mut [f32], factors: &mut [f32]) {
		if let Err(e) = self.try_rms_norm(x, weight, eps, out, factors) {
			self.failed(e);
			self.cpu.rms_norm(x, weight, eps, out, factors)
		}
	}

	fn rms_norm_backward(
		&self,
		x: &[f32],
		weight: &[f32],
		factors: &[f32],
		grad_out: &[f32],
		grad_x: &mut [f32],
		mut weight_terms: Option<&mut [f32]>,
	) {
		let on_device = self.try_rms_norm_backward(
			x,
			weight,
			factors,
			grad_out,
			grad_x,
			weight_terms.as_deref_mut(),
		);
		if let Err(e) = on_device {
			self.failed(e);
			self.cpu.rms_norm_backward(x, weight, factors, grad_out, grad_x, weight_terms)
		}
	}

	fn causal_softmax(&self, scores: &mut [f32], rows: usize, scale: f32) {
		if let Err(e) = self.try_causal_softmax(scores, rows, scale) {
			self.failed(e);
			self.cpu.causal_softmax(scores, rows, scale)
		}
	}

	fn causal_softmax_backward(&self, probs: &[f32], grad: &mut [f32], rows: usize, scale: f32) {
		if let Err(e) = self.try_causal_softmax_backward(probs, grad, rows, scale) {
			self.failed(e);
			self.cpu.causal_softmax_backward(probs, grad, rows, scale)
		}
	}

	fn rope(
		&self,
		table: &RopeTable,
		x: &mut [f32],
		heads: usize,
		first_position: usize,
		inverse: bool,
	) {
		if let Err(e) = self.try_rope(table, x, heads, first_position, inverse) {
			self.failed(e);
			self.cpu.rope(table, x, heads, first_position, inverse)
		}
	}

	fn swiglu(&self, a: &[f32], b: &[f32], out: &mut [f32]) {
		if let Err(e) = self.try_swiglu(a, b, out) {
			self.failed(e);
			self.cpu.swiglu(a, b, out)
		}
	}

	fn swiglu_backward(
		&self,
		a: &[f32],
		b: &[f32],
		grad: &[f32],
		grad_a: &mut [f32],
		grad_b: &mut [f32],
	) {
		if let Err(e) = self.try_swiglu_backward(a, b, grad, grad_a, grad_b) {
			self.failed(e);
			self.cpu.swiglu_backward(a, b, grad, grad_a, grad_b)
		}
	}
}
