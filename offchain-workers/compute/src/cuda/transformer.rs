//! The transformer's row-wise and elementwise operations ([`crate::transformer::ops`] and the
//! rotary embeddings) as kernels: on device buffers (`*_on_device`) and as host round trips
//! (`try_*`, what the [`crate::backend::Backend`] methods call). Each checks its shapes and
//! returns a [`CudaError`] instead of launching a kernel that would read or write out of bounds.

use super::{
	driver,
	ops::{elementwise, fits, int},
	Cuda, CudaError,
};
use crate::transformer::rope::RopeTable;
use cudarc::driver::{CudaSlice, PushKernelArg};

/// `Err` naming `what` unless `ok`: the host slices do not have the shapes the op needs.
fn shaped(ok: bool, what: &'static str) -> Result<(), CudaError> {
	match ok {
		true => Ok(()),
		false => Err(CudaError::Driver { what, error: "operands of mismatched shapes".into() }),
	}
}

/// How many whole `rows × rows` rows `len` elements hold, checked.
fn square_rows(len: usize, rows: usize, what: &'static str) -> Result<usize, CudaError> {
	let square = rows.checked_mul(rows).ok_or(CudaError::TooLarge(what))?;
	shaped(rows > 0 && len.is_multiple_of(square), what)?;
	Ok(len / rows)
}

/// `a · b`, or `TooLarge` naming `what`: sizes that guard a launch must not wrap.
fn product(a: usize, b: usize, what: &'static str) -> Result<usize, CudaError> {
	a.checked_mul(b).ok_or(CudaError::TooLarge(what))
}

impl Cuda {
	/// Download `src` over `dst`, which changes only once all of it has arrived: a failure
	/// leaves an in-place operand as it was, for the CPU to compute instead.
	fn download_over(&self, src: &CudaSlice<f32>, dst: &mut [f32]) -> Result<(), CudaError> {
		let mut whole = vec![0.0; dst.len()];
		self.download(src, &mut whole)?;
		dst.copy_from_slice(&whole);
		Ok(())
	}

	/// RMSNorm of `rows` rows of `weight.len()` ([`crate::transformer::ops::rms_norm`]).
	#[allow(clippy::too_many_arguments)]
	pub fn rms_norm_on_device(
		&self,
		x: &CudaSlice<f32>,
		weight: &CudaSlice<f32>,
		eps: f32,
		out: &mut CudaSlice<f32>,
		factors: &mut CudaSlice<f32>,
		rows: usize,
		width: usize,
	) -> Result<(), CudaError> {
		fits(x.len().min(out.len()), product(rows, width, "rms norm")?, "rms norm")?;
		fits(weight.len(), width, "rms norm")?;
		fits(factors.len(), rows, "rms norm")?;
		let (r, w) = (int(rows, "rows")?, int(width, "width")?);
		let mut launch = self.stream.launch_builder(&self.kernels.rms_norm);
		launch.arg(x).arg(weight).arg(&eps).arg(out).arg(factors).arg(&r).arg(&w);
		// SAFETY: matches `aib_rms_norm`; every buffer was checked to hold its rows.
		unsafe { launch.launch(elementwise(rows)) }.map_err(driver("rms norm launch"))?;
		Ok(())
	}

	/// The gradient through RMSNorm, added into `grad_x`; with `weight_terms`, the per-element
	/// products whose column sums are the weight's gradient.
	#[allow(clippy::too_many_arguments)]
	pub fn rms_norm_backward_on_device(
		&self,
		x: &CudaSlice<f32>,
		weight: &CudaSlice<f32>,
		factors: &CudaSlice<f32>,
		grad_out: &CudaSlice<f32>,
		grad_x: &mut CudaSlice<f32>,
		weight_terms: Option<&mut CudaSlice<f32>>,
		rows: usize,
		width: usize,
	) -> Result<(), CudaError> {
		let len = product(rows, width, "rms norm backward")?;
		fits(x.len().min(grad_out.len()).min(grad_x.len()), len, "rms norm backward")?;
		fits(weight.len(), width, "rms norm backward")?;
		fits(factors.len(), rows, "rms norm backward")?;
		let (r, w) = (int(rows, "rows")?, int(width, "width")?);
		// The kernel writes terms only when asked; a one-element buffer stands in otherwise.
		let mut spare;
		let (terms, with_terms) = match weight_terms {
			Some(t) => {
				fits(t.len(), len, "rms norm backward")?;
				(t, 1i32)
			},
			None => {
				spare = self.alloc(1)?;
				(&mut spare, 0i32)
			},
		};
		let mut launch = self.stream.launch_builder(&self.kernels.rms_norm_backward);
		launch
			.arg(x)
			.arg(weight)
			.arg(factors)
			.arg(grad_out)
			.arg(grad_x)
			.arg(terms)
			.arg(&with_terms)
			.arg(&r)
			.arg(&w);
		// SAFETY: matches `aib_rms_norm_backward`; the buffers hold their rows, and the terms
		// buffer is written only when it holds them too.
		unsafe { launch.launch(elementwise(rows)) }.map_err(driver("rms norm backward launch"))?;
		Ok(())
	}

	/// Causal softmax, in place, of `total_rows` rows of `rows`-square score matrices.
	pub fn causal_softmax_on_device(
		&self,
		scores: &mut CudaSlice<f32>,
		rows: usize,
		total_rows: usize,
		scale: f32,
	) -> Result<(), CudaError> {
		fits(scores.len(), product(total_rows, rows, "causal softmax")?, "causal softmax")?;
		let (r, total) = (
			int(rows, "rows")?,
			i64::try_from(total_rows).map_err(|_| CudaError::TooLarge("rows"))?,
		);
		let mut launch = self.stream.launch_builder(&self.kernels.causal_softmax);
		launch.arg(scores).arg(&r).arg(&total).arg(&scale);
		// SAFETY: matches `aib_causal_softmax`; `scores` holds every row.
		unsafe { launch.launch(elementwise(total_rows)) }.map_err(driver("softmax launch"))?;
		Ok(())
	}

	/// The gradient through [`Cuda::causal_softmax_on_device`], in place of `grad`.
	pub fn causal_softmax_backward_on_device(
		&self,
		probs: &CudaSlice<f32>,
		grad: &mut CudaSlice<f32>,
		rows: usize,
		total_rows: usize,
		scale: f32,
	) -> Result<(), CudaError> {
		let len = product(total_rows, rows, "causal softmax backward")?;
		fits(probs.len().min(grad.len()), len, "causal softmax backward")?;
		let (r, total) = (
			int(rows, "rows")?,
			i64::try_from(total_rows).map_err(|_| CudaError::TooLarge("rows"))?,
		);
		let mut launch = self.stream.launch_builder(&self.kernels.causal_softmax_backward);
		launch.arg(probs).arg(grad).arg(&r).arg(&total).arg(&scale);
		// SAFETY: matches `aib_causal_softmax_backward`; both buffers hold every row.
		unsafe { launch.launch(elementwise(total_rows)) }
			.map_err(driver("softmax backward launch"))?;
		Ok(())
	}

	/// Rotary embeddings of `rows` rows of `heads` heads (`2·half` wide each), row `r` at
	/// position `first_position + r`; `direction` −1 is the gradient (the inverse rotation).
	#[allow(clippy::too_many_arguments)]
	pub fn rope_on_device(
		&self,
		x: &mut CudaSlice<f32>,
		cos: &CudaSlice<f32>,
		sin: &CudaSlice<f32>,
		rows: usize,
		heads: usize,
		half: usize,
		first_position: usize,
		direction: f32,
	) -> Result<(), CudaError> {
		// Every size the kernel indexes with is checked not to wrap, here and as its i32/i64.
		let per_row = int(product(heads, half, "rope")?, "heads × head width")?;
		let pairs = product(rows, per_row as usize, "rope")?;
		fits(x.len(), product(2, pairs, "rope")?, "rope")?;
		let positions = first_position.checked_add(rows).ok_or(CudaError::TooLarge("rope"))?;
		fits(cos.len().min(sin.len()), product(positions, half, "rope")?, "rope table")?;
		let (h, hf) = (int(heads, "heads")?, int(half, "head width")?);
		let r = i64::try_from(rows).map_err(|_| CudaError::TooLarge("rope rows"))?;
		let first =
			i64::try_from(first_position).map_err(|_| CudaError::TooLarge("rope position"))?;
		let mut launch = self.stream.launch_builder(&self.kernels.rope);
		launch.arg(x).arg(cos).arg(sin).arg(&r).arg(&h).arg(&hf).arg(&first).arg(&direction);
		// SAFETY: matches `aib_rope`; `x` holds every row and the table every position read.
		unsafe { launch.launch(elementwise(pairs)) }.map_err(driver("rope launch"))?;
		Ok(())
	}

	/// `out = silu(a) · b` for the first `len` elements.
	pub fn swiglu_on_device(
		&self,
		a: &CudaSlice<f32>,
		b: &CudaSlice<f32>,
		out: &mut CudaSlice<f32>,
		len: usize,
	) -> Result<(), CudaError> {
		fits(a.len().min(b.len()).min(out.len()), len, "swiglu")?;
		let n = len as i64;
		let mut launch = self.stream.launch_builder(&self.kernels.swiglu);
		launch.arg(a).arg(b).arg(out).arg(&n);
		// SAFETY: matches `aib_swiglu`; every buffer holds `len` elements.
		unsafe { launch.launch(elementwise(len)) }.map_err(driver("swiglu launch"))?;
		Ok(())
	}

	/// The gradient through [`Cuda::swiglu_on_device`] for the first `len` elements.
	pub fn swiglu_backward_on_device(
		&self,
		a: &CudaSlice<f32>,
		b: &CudaSlice<f32>,
		grad: &CudaSlice<f32>,
		grad_a: &mut CudaSlice<f32>,
		grad_b: &mut CudaSlice<f32>,
		len: usize,
	) -> Result<(), CudaError> {
		let shortest = a.len().min(b.len()).min(grad.len()).min(grad_a.len()).min(grad_b.len());
		fits(shortest, len, "swiglu backward")?;
		let n = len as i64;
		let mut launch = self.stream.launch_builder(&self.kernels.swiglu_backward);
		launch.arg(a).arg(b).arg(grad).arg(grad_a).arg(grad_b).arg(&n);
		// SAFETY: matches `aib_swiglu_backward`; every buffer holds `len` elements.
		unsafe { launch.launch(elementwise(len)) }.map_err(driver("swiglu backward launch"))?;
		Ok(())
	}

	pub fn try_rms_norm(
		&self,
		x: &[f32],
		weight: &[f32],
		eps: f32,
		out: &mut [f32],
		factors: &mut [f32],
	) -> Result<(), CudaError> {
		let width = weight.len();
		let rows = factors.len();
		shaped(x.len() == product(rows, width, "rms norm")? && out.len() == x.len(), "rms norm")?;
		shaped(width > 0 || rows == 0, "rms norm")?;
		if x.is_empty() {
			return Ok(());
		}
		let (x_dev, w_dev) = (self.upload(x)?, self.upload(weight)?);
		let (mut out_dev, mut r_dev) = (self.alloc(x.len())?, self.alloc(rows)?);
		self.rms_norm_on_device(&x_dev, &w_dev, eps, &mut out_dev, &mut r_dev, rows, width)?;
		self.download(&out_dev, out)?;
		self.download(&r_dev, factors)
	}

	pub fn try_rms_norm_backward(
		&self,
		x: &[f32],
		weight: &[f32],
		factors: &[f32],
		grad_out: &[f32],
		grad_x: &mut [f32],
		weight_terms: Option<&mut [f32]>,
	) -> Result<(), CudaError> {
		let (rows, width) = (factors.len(), weight.len());
		let len = product(rows, width, "rms norm backward")?;
		shaped(
			x.len() == len && grad_out.len() == len && grad_x.len() == len,
			"rms norm backward",
		)?;
		shaped(weight_terms.as_ref().is_none_or(|t| t.len() == len), "rms norm backward")?;
		if len == 0 {
			return Ok(());
		}
		let (x_dev, w_dev, r_dev) = (self.upload(x)?, self.upload(weight)?, self.upload(factors)?);
		let (g_dev, mut dx_dev) = (self.upload(grad_out)?, self.upload(grad_x)?);
		let mut terms_dev = match weight_terms {
			Some(_) => Some(self.alloc(len)?),
			None => None,
		};
		self.rms_norm_backward_on_device(
			&x_dev,
			&w_dev,
			&r_dev,
			&g_dev,
			&mut dx_dev,
			terms_dev.as_mut(),
			rows,
			width,
		)?;
		// The terms first: they are only an output, grad_x is also an input.
		if let (Some(t_dev), Some(terms)) = (terms_dev, weight_terms) {
			self.download(&t_dev, terms)?;
		}
		self.download_over(&dx_dev, grad_x)
	}

	pub fn try_causal_softmax(
		&self,
		scores: &mut [f32],
		rows: usize,
		scale: f32,
	) -> Result<(), CudaError> {
		if scores.is_empty() {
			return Ok(());
		}
		let total = square_rows(scores.len(), rows, "causal softmax")?;
		if total == 0 {
			return Ok(());
		}
		let mut s_dev = self.upload(scores)?;
		self.causal_softmax_on_device(&mut s_dev, rows, total, scale)?;
		self.download_over(&s_dev, scores)
	}

	pub fn try_causal_softmax_backward(
		&self,
		probs: &[f32],
		grad: &mut [f32],
		rows: usize,
		scale: f32,
	) -> Result<(), CudaError> {
		if probs.is_empty() && grad.is_empty() {
			return Ok(());
		}
		let total = square_rows(probs.len(), rows, "causal softmax backward")?;
		shaped(grad.len() == probs.len(), "causal softmax backward")?;
		if total == 0 {
			return Ok(());
		}
		let (p_dev, mut g_dev) = (self.upload(probs)?, self.upload(grad)?);
		self.causal_softmax_backward_on_device(&p_dev, &mut g_dev, rows, total, scale)?;
		self.download_over(&g_dev, grad)
	}

	pub fn try_rope(
		&self,
		table: &RopeTable,
		x: &mut [f32],
		heads: usize,
		first_position: usize,
		inverse: bool,
	) -> Result<(), CudaError> {
		if x.is_empty() {
			return Ok(());
		}
		let width = product(2 * table.half, heads, "rope")?;
		shaped(width > 0 && x.len().is_multiple_of(width), "rope")?;
		let rows = x.len() / width;
		if rows == 0 {
			return Ok(());
		}
		let (cos, sin) = (self.upload(&table.cos)?, self.upload(&table.sin)?);
		let mut x_dev = self.upload(x)?;
		let direction = if inverse { -1.0 } else { 1.0 };
		let half = table.half;
		self.rope_on_device(&mut x_dev, &cos, &sin, rows, heads, half, first_position, direction)?;
		self.download_over(&x_dev, x)
	}

	pub fn try_swiglu(&self, a: &[f32], b: &[f32], out: &mut [f32]) -> Result<(), CudaError> {
		shaped(a.len() == b.len() && out.len() == a.len(), "swiglu")?;
		if a.is_empty() {
			return Ok(());
		}
		let (a_dev, b_dev, mut out_dev) = (self.upload(a)?, self.upload(b)?, self.alloc(a.len())?);
		self.swiglu_on_device(&a_dev, &b_dev, &mut out_dev, a.len())?;
		self.download(&out_dev, out)
	}

	pub fn try_swiglu_backward(
		&self,
		a: &[f32],
		b: &[f32],
		grad: &[f32],
		grad_a: &mut [f32],
		grad_b: &mut [f32],
	) -> Result<(), CudaError> {
		let len = a.len();
		shaped(
			b.len() == len && grad.len() == len && grad_a.len() == len && grad_b.len() == len,
			"swiglu backward",
		)?;
		if len == 0 {
			return Ok(());
		}
		let (a_dev, b_dev, g_dev) = (self.upload(a)?, self.upload(b)?, self.upload(grad)?);
		let (mut da_dev, mut db_dev) = (self.alloc(len)?, self.alloc(len)?);
		self.swiglu_backward_on_device(&a_dev, &b_dev, &g_dev, &mut da_dev, &mut db_dev, len)?;
		self.download(&da_dev, grad_a)?;
		self.download(&db_dev, grad_b)
	}
}
