//! What a compute backend provides ([`Backend`]) and the hyper-parameters of an optimizer step.
//! The implementations live apart: the canonical CPU one in `backend/cpu.rs` (re-exported here;
//! its functions *are* the numerics spec, a GPU backend must return their bits), CUDA in
//! [`crate::cuda`], and the choice between them in [`crate::select`].

mod cpu;

pub use cpu::*;

use crate::{
	matmul::{product_len, MatRef, MatmulError},
	transformer::{ops, rope::RopeTable},
};

/// What a compute backend provides. Every method must give the bits the CPU functions of this
/// module give.
pub trait Backend: Send + Sync {
	/// A short name for logs (`cpu-avx2`, `cuda:0 …`).
	fn name(&self) -> String;

	/// `c = a · b` with the canonical FMA chains ([`crate::matmul`]).
	fn matmul(&self, a: MatRef<'_>, b: MatRef<'_>, c: &mut [f32]) -> Result<(), MatmulError>;

	/// `a · b` as a new row-major vector (a backend that writes every element may skip clearing
	/// it first).
	fn matmul_new(&self, a: MatRef<'_>, b: MatRef<'_>) -> Result<Vec<f32>, MatmulError> {
		let mut c = vec![0.0; product_len(&a, &b)?];
		self.matmul(a, b, &mut c)?;
		Ok(c)
	}

	/// `out[i] = silu(z[i])`.
	fn silu(&self, z: &[f32], out: &mut [f32]) {
		silu(z, out)
	}

	/// The expert's hidden layer: `bias` added to every row of `z` (kept, biased, for the
	/// backward pass), then `out = silu(z)`. Exactly [`add_bias`] then [`silu`].
	fn bias_silu(&self, z: &mut [f32], bias: &[f32], out: &mut [f32]) {
		add_bias(z, bias);
		self.silu(z, out)
	}

	/// `grad_z[i] = grad_out[i] · silu'(z[i])`.
	fn silu_backward(&self, z: &[f32], grad_out: &[f32], grad_z: &mut [f32]) {
		silu_backward(z, grad_out, grad_z)
	}

	/// Per-token cross-entropies of `rows` of logits (`losses[t]`) and the gradient of
	/// `scale ×` each ([`cross_entropy`], row by row).
	fn cross_entropy_rows(
		&self,
		logits: &[f32],
		targets: &[u8],
		scale: f32,
		grad: &mut [f32],
		losses: &mut [f32],
	) {
		cross_entropy_rows(logits, targets, scale, grad, losses)
	}

	/// [`route`] of each row of `logits` (`experts` per row): `k` choices and gates per row.
	fn route_rows(
		&self,
		logits: &[f32],
		experts: usize,
		k: usize,
		chosen: &mut [u32],
		gates: &mut [f32],
	) {
		route_rows(logits, experts, k, chosen, gates)
	}

	/// A hint: until a call with another `epoch`, the slices in `tensors` will not change (the
	/// frozen blocks of a training run, the weights under evaluation). A device backend keeps
	/// copies of them resident instead of uploading them for every product; a new epoch drops
	/// the old copies. The CPU has nothing to do.
	fn keep_resident(&self, _epoch: u64, _tensors: &[&[f32]]) {}

	/// Where a pass may run independent parts side by side (attention heads of different
	/// sequences, say): how many at once, and the one-thread backend each part uses. `None`
	/// runs them one after another on this backend. The parts compute the same bits either way.
	fn parallel_parts(&self) -> Option<(usize, Cpu)> {
		None
	}

	/// Whether a whole step, evaluation or decoding step should run on the rayon pool
	/// ([`on_workers`]): only for a CPU backend that splits its work across that pool. A GPU
	/// backend says no, so its device calls stay on the caller's thread.
	fn runs_on_thread_pool(&self) -> bool {
		false
	}

	/// One AdamW update of `w` with gradient `g` ([`adamw`]).
	fn adamw(
		&self,
		w: &mut [f32],
		g: &[f32],
		m: &mut [f32],
		v: &mut [f32],
		step: &AdamStep,
		decay: bool,
	) {
		adamw(w, g, m, v, step, decay)
	}

	/// RMSNorm of each row ([`ops::rms_norm`]); `factors` keeps each row's `1/rms`.
	fn rms_norm(&self, x: &[f32], weight: &[f32], eps: f32, out: &mut [f32], factors: &mut [f32]) {
		ops::rms_norm(x, weight, eps, out, factors)
	}

	/// The gradient through [`Backend::rms_norm`] ([`ops::rms_norm_backward`]), added into
	/// `grad_x`.
	fn rms_norm_backward(
		&self,
		x: &[f32],
		weight: &[f32],
		factors: &[f32],
		grad_out: &[f32],
		grad_x: &mut [f32],
		weight_terms: Option<&mut [f32]>,
	) {
		ops::rms_norm_backward(x, weight, factors, grad_out, grad_x, weight_terms)
	}

	/// Causal softmax of `rows × rows` score matrices laid end to end ([`ops::causal_softmax`]).
	fn causal_softmax(&self, scores: &mut [f32], rows: usize, scale: f32) {
		ops::causal_softmax(scores, rows, scale)
	}

	/// The gradient through [`Backend::causal_softmax`] ([`ops::causal_softmax_backward`]).
	fn causal_softmax_backward(&self, probs: &[f32], grad: &mut [f32], rows: usize, scale: f32) {
		ops::causal_softmax_backward(probs, grad, rows, scale)
	}

	/// Rotary embeddings of every head of the rows of `x` from `first_position` on
	/// ([`RopeTable::apply`]), or with `inverse` their gradient ([`RopeTable::apply_backward`]).
	fn rope(
		&self,
		table: &RopeTable,
		x: &mut [f32],
		heads: usize,
		first_position: usize,
		inverse: bool,
	) {
		match inverse {
			false => table.apply(x, heads, first_position),
			true => table.apply_backward(x, heads, first_position),
		}
	}

	/// The SwiGLU gate `silu(a) · b` ([`ops::swiglu`]).
	fn swiglu(&self, a: &[f32], b: &[f32], out: &mut [f32]) {
		ops::swiglu(a, b, out)
	}

	/// The gradient through [`Backend::swiglu`] ([`ops::swiglu_backward`]).
	fn swiglu_backward(
		&self,
		a: &[f32],
		b: &[f32],
		grad: &[f32],
		grad_a: &mut [f32],
		grad_b: &mut [f32],
	) {
		ops::swiglu_backward(a, b, grad, grad_a, grad_b)
	}
}

/// The AdamW hyper-parameters of one step, with the bias corrections precomputed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamStep {
	pub lr: f32,
	pub beta1: f32,
	pub beta2: f32,
	pub eps: f32,
	pub weight_decay: f32,
	/// `1 − beta1^t` for this step `t ≥ 1`.
	pub correction1: f32,
	/// `1 − beta2^t`.
	pub correction2: f32,
}
