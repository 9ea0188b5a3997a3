//! The kernels, launched on device buffers: the ops of [`crate::backend`] for work that stays on
//! the device. Each checks its shapes and returns a [`CudaError`] instead of launching a kernel
//! that would read or write out of bounds.

use super::{driver, Cuda, CudaError};
use crate::{
	backend::AdamStep,
	matmul::{view_in_bounds, MatRef, MatmulError},
};
use cudarc::driver::{CudaSlice, LaunchConfig, PushKernelArg};

/// A strided matrix view of a device buffer: the device twin of [`MatRef`].
#[derive(Clone, Copy)]
pub struct DeviceMat<'a> {
	pub data: &'a CudaSlice<f32>,
	pub rows: usize,
	pub cols: usize,
	pub row_stride: usize,
	pub col_stride: usize,
}

impl<'a> DeviceMat<'a> {
	/// `data` viewed with the shape and strides of `like`.
	pub fn of(data: &'a CudaSlice<f32>, like: &MatRef<'_>) -> Self {
		DeviceMat {
			data,
			rows: like.rows,
			cols: like.cols,
			row_stride: like.row_stride,
			col_stride: like.col_stride,
		}
	}

	pub fn row_major(data: &'a CudaSlice<f32>, rows: usize, cols: usize) -> Self {
		DeviceMat { data, rows, cols, row_stride: cols, col_stride: 1 }
	}

	/// The transpose, as a view of the same buffer.
	pub fn t(self) -> Self {
		DeviceMat {
			rows: self.cols,
			cols: self.rows,
			row_stride: self.col_stride,
			col_stride: self.row_stride,
			..self
		}
	}

	fn in_bounds(&self) -> bool {
		view_in_bounds(self.rows, self.cols, self.row_stride, self.col_stride, self.data.len())
	}
}

const THREADS: u32 = 256;
/// Rows and columns of output one block of the matmul kernel computes (`MM_BM`, `MM_BN`).
const MM_TILE: usize = 128;

/// A grid-stride launch over `len` elements.
pub(super) fn elementwise(len: usize) -> LaunchConfig {
	LaunchConfig {
		grid_dim: (len.div_ceil(THREADS as usize).clamp(1, 1 << 16) as u32, 1, 1),
		block_dim: (THREADS, 1, 1),
		shared_mem_bytes: 0,
	}
}

pub(super) fn int(value: usize, what: &'static str) -> Result<i32, CudaError> {
	i32::try_from(value).map_err(|_| CudaError::TooLarge(what))
}

pub(super) fn fits(buffer: usize, needed: usize, what: &'static str) -> Result<(), CudaError> {
	if buffer < needed {
		return Err(CudaError::Driver {
			what,
			error: format!("buffer of {buffer} elements, {needed} needed"),
		});
	}
	Ok(())
}

impl Cuda {
	/// `c = a · b` (c row-major m×n) with the canonical FMA chains.
	pub fn matmul_on_device(
		&self,
		a: DeviceMat<'_>,
		b: DeviceMat<'_>,
		c: &mut CudaSlice<f32>,
	) -> Result<(), CudaError> {
		let (m, k, n) = (a.rows, a.cols, b.cols);
		if b.rows != k || c.len() < m * n {
			return Err(MatmulError::ShapeMismatch {
				a: (a.rows, a.cols),
				b: (b.rows, b.cols),
				c: c.len(),
			}
			.into());
		}
		if !a.in_bounds() {
			return Err(MatmulError::OutOfBounds("A").into());
		}
		if !b.in_bounds() {
			return Err(MatmulError::OutOfBounds("B").into());
		}
		if m == 0 || n == 0 {
			return Ok(());
		}
		if k == 0 {
			// Every chain is empty: +0 (all-zero bytes).
			return self
				.stream
				.memset_zeros(&mut c.slice_mut(..m * n))
				.map_err(driver("matmul memset"));
		}
		let (mi, ni, ki) =
			(int(m, "rows of A")?, int(n, "columns of B")?, int(k, "inner dimension")?);
		let grid_y = u32::try_from(m.div_ceil(MM_TILE))
			.ok()
			.filter(|&y| y <= 65_535)
			.ok_or(CudaError::TooLarge("rows of A"))?;
		let cfg = LaunchConfig {
			grid_dim: (n.div_ceil(MM_TILE) as u32, grid_y, 1),
			block_dim: (THREADS, 1, 1),
			shared_mem_bytes: 0,
		};
		let strides = [a.row_stride, a.col_stride, b.row_stride, b.col_stride].map(|s| s as i64);
		let mut launch = self.stream.launch_builder(&self.kernels.matmul);
		launch
			.arg(a.data)
			.arg(&strides[0])
			.arg(&strides[1])
			.arg(b.data)
			.arg(&strides[2])
			.arg(&strides[3])
			.arg(c)
			.arg(&mi)
			.arg(&ni)
			.arg(&ki);
		// SAFETY: the argument list matches `aib_matmul`'s signature, and the views and `c`
		// were checked to lie inside their buffers.
		unsafe { launch.launch(cfg) }.map_err(driver("matmul launch"))?;
		Ok(())
	}

	/// `out[i] = silu(z[i])` for `i < len`.
	pub fn silu_on_device(
		&self,
		z: &CudaSlice<f32>,
		out: &mut CudaSlice<f32>,
		len: usize,
	) -> Result<(), CudaError> {
		fits(z.len().min(out.len()), len, "silu")?;
		let n = len as i64;
		let mut launch = self.stream.launch_builder(&self.kernels.silu_forward);
		launch.arg(z).arg(out).arg(&n);
		// SAFETY: matches `aib_silu_forward`; both buffers hold `len` elements.
		unsafe { launch.launch(elementwise(len)) }.map_err(driver("silu launch"))?;
		Ok(())
	}

	/// `grad_z[i] = grad_out[i] · silu'(z[i])` for `i < len`.
	pub fn silu_backward_on_device(
		&self,
		z: &CudaSlice<f32>,
		grad_out: &CudaSlice<f32>,
		grad_z: &mut CudaSlice<f32>,
		len: usize,
	) -> Result<(), CudaError> {
		fits(z.len().min(grad_out.len()).min(grad_z.len()), len, "silu backward")?;
		let n = len as i64;
		let mut launch = self.stream.launch_builder(&self.kernels.silu_backward);
		launch.arg(z).arg(grad_out).arg(grad_z).arg(&n);
		// SAFETY: matches `aib_silu_backward`; every buffer holds `len` elements.
		unsafe { launch.launch(elementwise(len)) }.map_err(driver("silu backward launch"))?;
		Ok(())
	}

	/// One AdamW update of the first `len` elements.
	#[allow(clippy::too_many_arguments)]
	pub fn adamw_on_device(
		&self,
		w: &mut CudaSlice<f32>,
		g: &CudaSlice<f32>,
		m: &mut CudaSlice<f32>,
		v: &mut CudaSlice<f32>,
		len: usize,
		step: &AdamStep,
		decay: bool,
	) -> Result<(), CudaError> {
		fits(w.len().min(g.len()).min(m.len()).min(v.len()), len, "adamw")?;
		let n = len as i64;
		// Exactly the CPU's `1 − β` (one rounded subtraction each, on the host).
		let (one_b1, one_b2) = (1.0f32 - step.beta1, 1.0f32 - step.beta2);
		let decay = decay as i32;
		let mut launch = self.stream.launch_builder(&self.kernels.adamw);
		launch
			.arg(w)
			.arg(g)
			.arg(m)
			.arg(v)
			.arg(&n)
			.arg(&step.lr)
			.arg(&step.beta1)
			.arg(&step.beta2)
			.arg(&one_b1)
			.arg(&one_b2)
			.arg(&step.eps)
			.arg(&step.weight_decay)
			.arg(&step.correction1)
			.arg(&step.correction2)
			.arg(&decay);
		// SAFETY: matches `aib_adamw`; every buffer holds `len` elements.
		unsafe { launch.launch(elementwise(len)) }.map_err(driver("adamw launch"))?;
		Ok(())
	}

	/// Cross-entropy of `rows` rows of `vocab` logits, and the gradient of `scale ×` each.
	#[allow(clippy::too_many_arguments)]
	pub fn cross_entropy_rows_on_device(
		&self,
		logits: &CudaSlice<f32>,
		targets: &CudaSlice<u8>,
		scale: f32,
		grad: &mut CudaSlice<f32>,
		losses: &mut CudaSlice<f32>,
		rows: usize,
		vocab: usize,
	) -> Result<(), CudaError> {
		fits(logits.len().min(grad.len()), rows * vocab, "cross-entropy")?;
		fits(targets.len().min(losses.len()), rows, "cross-entropy")?;
		if rows == 0 {
			return Ok(());
		}
		let (r, v) = (int(rows, "tokens")?, int(vocab, "vocabulary")?);
		let cfg = LaunchConfig {
			grid_dim: (rows as u32, 1, 1),
			block_dim: (THREADS, 1, 1),
			shared_mem_bytes: 0,
		};
		let mut launch = self.stream.launch_builder(&self.kernels.cross_entropy_rows);
		launch.arg(logits).arg(targets).arg(&scale).arg(grad).arg(losses).arg(&r).arg(&v);
		// SAFETY: matches `aib_cross_entropy_rows` (256 threads per block, as it requires); a
		// target outside the vocabulary gives a NaN loss, not an out-of-bounds read.
		unsafe { launch.launch(cfg) }.map_err(driver("cross-entropy launch"))?;
		Ok(())
	}

	/// [`crate::backend::route`] of `rows` rows of `experts` logits: `k` choices and gates each.
	pub fn route_rows_on_device(
		&self,
		logits: &CudaSlice<f32>,
		rows: usize,
		experts: usize,
		k: usize,
		chosen: &mut CudaSlice<u32>,
		gates: &mut CudaSlice<f32>,
	) -> Result<(), CudaError> {
		fits(logits.len(), rows * experts, "routing")?;
		fits(chosen.len().min(gates.len()), rows * k, "routing")?;
		if k > experts {
			return Err(CudaError::TooLarge("top-k above the expert count"));
		}
		let (r, e, ki) = (int(rows, "tokens")?, int(experts, "experts")?, int(k, "top-k")?);
		let mut launch = self.stream.launch_builder(&self.kernels.route_rows);
		launch.arg(logits).arg(&r).arg(&e).arg(&ki).arg(chosen).arg(gates);
		// SAFETY: matches `aib_route_rows`; the buffers hold `rows` rows.
		unsafe { launch.launch(elementwise(rows)) }.map_err(driver("routing launch"))?;
		Ok(())
	}

	/// Add `bias` to every row of the `len / bias.len()` × `bias.len()` matrix `x`.
	pub fn add_bias_on_device(
		&self,
		x: &mut CudaSlice<f32>,
		bias: &CudaSlice<f32>,
		len: usize,
	) -> Result<(), CudaError> {
		fits(x.len(), len, "bias")?;
		let cols = int(bias.len(), "bias")?;
		if cols == 0 || !len.is_multiple_of(bias.len()) {
			return Err(CudaError::Driver { what: "bias", error: "rows are not whole".into() });
		}
		let n = len as i64;
		let mut launch = self.stream.launch_builder(&self.kernels.add_bias);
		launch.arg(x).arg(bias).arg(&n).arg(&cols);
		// SAFETY: matches `aib_add_bias`.
		unsafe { launch.launch(elementwise(len)) }.map_err(driver("bias launch"))?;
		Ok(())
	}

	/// Column sums of the row-major `rows × cols` matrix `x` ([`crate::backend::column_sums`]).
	pub fn column_sums_on_device(
		&self,
		x: &CudaSlice<f32>,
		rows: usize,
		cols: usize,
		out: &mut CudaSlice<f32>,
	) -> Result<(), CudaError> {
		fits(x.len(), rows * cols, "column sums")?;
		fits(out.len(), cols, "column sums")?;
		let (r, c) = (int(rows, "rows")?, int(cols, "columns")?);
		let mut launch = self.stream.launch_builder(&self.kernels.column_sums);
		launch.arg(x).arg(&r).arg(&c).arg(out);
		// SAFETY: matches `aib_column_sums`.
		unsafe { launch.launch(elementwise(cols)) }.map_err(driver("column sums launch"))?;
		Ok(())
	}

	/// `out[i] = f(f32::from_bits(first + i))` for `i < count`, where `f` is one of the scalar
	/// functions of [`crate::math`]: the exhaustive comparison with the CPU.
	pub fn map_bits_on_device(
		&self,
		function: ScalarFunction,
		first: u32,
		count: usize,
		out: &mut CudaSlice<f32>,
	) -> Result<(), CudaError> {
		fits(out.len(), count, "bit-pattern map")?;
		let (op, n) = (function as i32, count as i64);
		let mut launch = self.stream.launch_builder(&self.kernels.map_bits);
		launch.arg(&op).arg(&first).arg(&n).arg(out);
		// SAFETY: matches `aib_map_bits`; `out` holds `count` elements.
		unsafe { launch.launch(elementwise(count)) }.map_err(driver("map launch"))?;
		Ok(())
	}
}

/// The scalar functions the kernels port from [`crate::math`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarFunction {
	Exp = 0,
	Ln = 1,
	Silu = 2,
	SiluGrad = 3,
}

impl ScalarFunction {
	pub const ALL: [ScalarFunction; 4] =
		[ScalarFunction::Exp, ScalarFunction::Ln, ScalarFunction::Silu, ScalarFunction::SiluGrad];

	/// The CPU implementation.
	pub fn cpu(self) -> fn(f32) -> f32 {
		match self {
			ScalarFunction::Exp => crate::math::exp,
			ScalarFunction::Ln => crate::math::ln,
			ScalarFunction::Silu => crate::math::silu,
			ScalarFunction::SiluGrad => crate::math::silu_grad,
		}
	}
}
