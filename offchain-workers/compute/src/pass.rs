//! Forward and backward passes of the model over one batch.
//!
//! The order of every accumulation is fixed (see [`crate::backend`] for the per-op rules):
//! tokens are processed in batch order, a token's experts in ascending expert index, the
//! embedding rows of a token in context order, and every gradient that sums over tokens is a
//! canonical matrix product or a [`crate::reduce::sum`]. The result is therefore the same on any
//! number of threads and with any kernel.
//!
//! Only the gradients of one block are computed (the block being trained; all others are
//! frozen), and the backward pass stops at the lowest layer that block needs.

use crate::{
	backend::{self, Backend},
	data::Batch,
	matmul::{MatRef, MatmulError},
	model::{BlockId, Weights, VOCAB},
	reduce,
};
use std::collections::BTreeMap;

/// Why a pass produced no result.
#[derive(Debug, Clone, PartialEq)]
pub enum PassError {
	EmptyBatch,
	/// The batch's context length differs from the model's.
	ContextMismatch {
		batch: usize,
		model: usize,
	},
	/// The block to train is not part of this model.
	UnknownBlock(BlockId),
	Matmul(MatmulError),
	/// A NaN or infinity appeared: the step is invalid.
	NonFinite(&'static str),
}

impl std::fmt::Display for PassError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			PassError::EmptyBatch => write!(f, "the batch has no tokens"),
			PassError::ContextMismatch { batch, model } => {
				write!(f, "batch context {batch} differs from the model's {model}")
			},
			PassError::UnknownBlock(b) => write!(f, "block {b} is not part of the model"),
			PassError::Matmul(e) => write!(f, "matrix product: {e}"),
			PassError::NonFinite(what) => write!(f, "non-finite value in {what}: invalid step"),
		}
	}
}

impl std::error::Error for PassError {}

impl From<MatmulError> for PassError {
	fn from(e: MatmulError) -> Self {
		PassError::Matmul(e)
	}
}

/// The loss of a batch and the gradients of the trained block's tensors (by full name).
pub struct LossAndGrads {
	pub loss: f32,
	pub grads: BTreeMap<String, Vec<f32>>,
}

/// What one expert computed for the tokens routed to it.
struct ExpertCache {
	/// Tokens, ascending, and which of its `k` choices this expert is for each.
	tokens: Vec<usize>,
	slots: Vec<usize>,
	x: Vec<f32>,
	z1: Vec<f32>,
	a: Vec<f32>,
	y: Vec<f32>,
}

/// What one layer computed.
struct LayerCache {
	x: Vec<f32>,
	/// `T × k` experts per token, ascending, with their gates.
	chosen: Vec<u32>,
	gates: Vec<f32>,
	experts: Vec<ExpertCache>,
}

struct Forward {
	layers: Vec<LayerCache>,
	x_out: Vec<f32>,
	logits: Vec<f32>,
}

/// A row-major view.
pub(crate) fn rm(data: &[f32], rows: usize, cols: usize) -> MatRef<'_> {
	MatRef::row_major(data, rows, cols)
}

fn check_finite(values: &[f32], what: &'static str) -> Result<(), PassError> {
	if all_finite(values) {
		Ok(())
	} else {
		Err(PassError::NonFinite(what))
	}
}

/// No NaN and no infinity in `values`.
pub(crate) fn all_finite(values: &[f32]) -> bool {
	// A value is an infinity or a NaN exactly when all its exponent bits are set. Blocks have
	// no early exit inside, so the check vectorises (one value at a time, it did not).
	const EXPONENT: u32 = 0x7f80_0000;
	values.chunks(256).all(|block| {
		block.iter().fold(0u32, |bad, v| bad | u32::from(v.to_bits() & EXPONENT == EXPONENT)) == 0
	})
}

fn forward(backend: &dyn Backend, w: &Weights, batch: &Batch) -> Result<Forward, PassError> {
	let spec = w.spec;
	if batch.is_empty() {
		return Err(PassError::EmptyBatch);
	}
	if batch.context != spec.context {
		return Err(PassError::ContextMismatch { batch: batch.context, model: spec.context });
	}
	let (t_len, d, f, k) = (batch.len(), spec.d_model, spec.d_ff, spec.top_k);

	let embed = w.get("shared.embed");
	let mut x = vec![0.0f32; t_len * d];
	for t in 0..t_len {
		let row = &mut x[t * d..(t + 1) * d];
		for (i, &byte) in batch.context_of(t).iter().enumerate() {
			let e = &embed[(i * VOCAB + byte as usize) * d..][..d];
			for (v, &ev) in row.iter_mut().zip(e) {
				*v += ev;
			}
		}
	}

	let mut layers = Vec::with_capacity(spec.layers);
	for l in 0..spec.layers {
		let router = w.get(&format!("layer{l}.router.weight"));
		let logits = backend.matmul_new(rm(&x, t_len, d), rm(router, d, spec.experts))?;
		check_finite(&logits, "router logits")?;
		let mut chosen = vec![0u32; t_len * k];
		let mut gates = vec![0.0f32; t_len * k];
		backend.route_rows(&logits, spec.experts, k, &mut chosen, &mut gates);
		let mut rows = vec![0usize; t_len * k];
		let mut tokens_of: Vec<Vec<usize>> = vec![Vec::new(); spec.experts];
		let mut slots_of: Vec<Vec<usize>> = vec![Vec::new(); spec.experts];
		for t in 0..t_len {
			for j in 0..k {
				let e = chosen[t * k + j] as usize;
				rows[t * k + j] = tokens_of[e].len();
				tokens_of[e].push(t);
				slots_of[e].push(j);
			}
		}
		let mut experts = Vec::with_capacity(spec.experts);
		for (e, (tokens, slots)) in tokens_of.into_iter().zip(slots_of).enumerate() {
			let n = tokens.len();
			let prefix = format!("layer{l}.expert{e}");
			let mut xe = Vec::with_capacity(n * d);
			for &t in &tokens {
				xe.extend_from_slice(&x[t * d..(t + 1) * d]);
			}
			let mut z1 =
				backend.matmul_new(rm(&xe, n, d), rm(w.get(&format!("{prefix}.w1")), d, f))?;
			let mut a = vec![0.0f32; n * f];
			backend.bias_silu(&mut z1, w.get(&format!("{prefix}.b1")), &mut a);
			let mut y =
				backend.matmul_new(rm(&a, n, f), rm(w.get(&format!("{prefix}.w2")), f, d))?;
			backend::add_bias(&mut y, w.get(&format!("{prefix}.b2")));
			experts.push(ExpertCache { tokens, slots, x: xe, z1, a, y });
		}
		let mut out = x.clone();
		for t in 0..t_len {
			let row = &mut out[t * d..(t + 1) * d];
			for j in 0..k {
				let (e, g) = (chosen[t * k + j] as usize, gates[t * k + j]);
				backend::fma_axpy(g, &experts[e].y[rows[t * k + j] * d..][..d], row);
			}
		}
		check_finite(&out, "layer output")?;
		layers.push(LayerCache { x: std::mem::replace(&mut x, out), chosen, gates, experts });
	}

	let mut logits =
		backend.matmul_new(rm(&x, t_len, d), rm(w.get("shared.head.weight"), d, VOCAB))?;
	backend::add_bias(&mut logits, w.get("shared.head.bias"));
	check_finite(&logits, "output logits")?;
	Ok(Forward { layers, x_out: x, logits })
}

/// Per-token losses and `dlogits` for the mean loss.
fn head_loss(backend: &dyn Backend, fwd: &Forward, batch: &Batch) -> (Vec<f32>, Vec<f32>) {
	let t_len = batch.len();
	let mut grad = vec![0.0f32; t_len * VOCAB];
	let mut losses = vec![0.0f32; t_len];
	backend.cross_entropy_rows(
		&fwd.logits,
		&batch.targets,
		1.0 / t_len as f32,
		&mut grad,
		&mut losses,
	);
	(losses, grad)
}

/// The mean of per-token losses: the spec's sum, one division.
pub fn mean(losses: &[f32]) -> f32 {
	reduce::sum(losses) / losses.len() as f32
}

/// Per-token cross-entropies of a batch (evaluation).
pub fn token_losses(
	backend: &dyn Backend,
	w: &Weights,
	batch: &Batch,
) -> Result<Vec<f32>, PassError> {
	let fwd = forward(backend, w, batch)?;
	let (losses, _) = head_loss(backend, &fwd, batch);
	check_finite(&losses, "loss")?;
	Ok(losses)
}

/// The mean loss of a batch and the gradients of `train`'s tensors.
pub fn loss_and_grads(
	backend: &dyn Backend,
	w: &Weights,
	batch: &Batch,
	train: BlockId,
) -> Result<LossAndGrads, PassError> {
	let spec = w.spec;
	if !spec.contains(train) {
		return Err(PassError::UnknownBlock(train));
	}
	let fwd = forward(backend, w, batch)?;
	let (losses, dlogits) = head_loss(backend, &fwd, batch);
	let loss = mean(&losses);
	if !loss.is_finite() {
		return Err(PassError::NonFinite("loss"));
	}
	let (t_len, d, f, k) = (batch.len(), spec.d_model, spec.d_ff, spec.top_k);
	let mut grads = BTreeMap::new();

	// The lowest layer the backward pass must reach, and whether it needs the gradient of that
	// layer's input (only the embedding, below every layer, does).
	let (stop, below) = match train {
		BlockId::Shared => (0, true),
		BlockId::Router { layer } | BlockId::Expert { layer, .. } => (layer as usize, false),
		// Not in this architecture: refused by `contains` above.
		BlockId::Attention { .. } => return Err(PassError::UnknownBlock(train)),
	};

	let head_w = w.get("shared.head.weight");
	if train == BlockId::Shared {
		grads.insert(
			"shared.head.weight".into(),
			backend.matmul_new(rm(&fwd.x_out, t_len, d).t(), rm(&dlogits, t_len, VOCAB))?,
		);
		let mut db = vec![0.0f32; VOCAB];
		backend::column_sums(&dlogits, VOCAB, &mut db);
		grads.insert("shared.head.bias".into(), db);
	}
	let mut dx = backend.matmul_new(rm(&dlogits, t_len, VOCAB), rm(head_w, d, VOCAB).t())?;

	for l in (stop..spec.layers).rev() {
		let cache = &fwd.layers[l];
		let at_stop = l == stop;
		let need_dx = !at_stop || below;
		let train_router = train == BlockId::Router { layer: l as u32 };
		// The gradient of this layer's input, only where something below needs it.
		let mut dx_in = if need_dx { dx.clone() } else { Vec::new() };
		let mut dgates = vec![0.0f32; t_len * k];
		for (e, ex) in cache.experts.iter().enumerate() {
			let n = ex.tokens.len();
			let train_expert = train == BlockId::Expert { layer: l as u32, expert: e as u32 };
			if n == 0 || !(need_dx || train_expert || train_router) {
				continue;
			}
			// dY = g · dout, and dg = dout · Y (an FMA chain over the model dimension).
			let mut dy = vec![0.0f32; n * d];
			for (r, (&t, &j)) in ex.tokens.iter().zip(&ex.slots).enumerate() {
				let g = cache.gates[t * k + j];
				let dout = &dx[t * d..(t + 1) * d];
				let y = &ex.y[r * d..(r + 1) * d];
				dgates[t * k + j] = backend::fma_dot(dout, y);
				for (o, &v) in dy[r * d..(r + 1) * d].iter_mut().zip(dout) {
					*o = g * v;
				}
			}
			if !(need_dx || train_expert) {
				continue;
			}
			let prefix = format!("layer{l}.expert{e}");
			let da =
				backend.matmul_new(rm(&dy, n, d), rm(w.get(&format!("{prefix}.w2")), f, d).t())?;
			let mut dz1 = vec![0.0f32; n * f];
			backend.silu_backward(&ex.z1, &da, &mut dz1);
			if train_expert {
				grads.insert(
					format!("{prefix}.w2"),
					backend.matmul_new(rm(&ex.a, n, f).t(), rm(&dy, n, d))?,
				);
				let mut db2 = vec![0.0f32; d];
				backend::column_sums(&dy, d, &mut db2);
				grads.insert(format!("{prefix}.b2"), db2);
				grads.insert(
					format!("{prefix}.w1"),
					backend.matmul_new(rm(&ex.x, n, d).t(), rm(&dz1, n, f))?,
				);
				let mut db1 = vec![0.0f32; f];
				backend::column_sums(&dz1, f, &mut db1);
				grads.insert(format!("{prefix}.b1"), db1);
			}
			if need_dx {
				let dxe = backend
					.matmul_new(rm(&dz1, n, f), rm(w.get(&format!("{prefix}.w1")), d, f).t())?;
				for (r, &t) in ex.tokens.iter().enumerate() {
					for (o, &v) in
						dx_in[t * d..(t + 1) * d].iter_mut().zip(&dxe[r * d..(r + 1) * d])
					{
						*o += v;
					}
				}
			}
		}
		if need_dx || train_router {
			// Softmax over the chosen experts: dℓⱼ = gⱼ·(dgⱼ − Σᵢ gᵢ·dgᵢ), the sum an FMA chain.
			let experts = spec.experts;
			let mut dlogits_r = vec![0.0f32; t_len * experts];
			for t in 0..t_len {
				let g = &cache.gates[t * k..(t + 1) * k];
				let dg = &dgates[t * k..(t + 1) * k];
				let dot = backend::fma_dot(g, dg);
				for j in 0..k {
					dlogits_r[t * experts + cache.chosen[t * k + j] as usize] =
						g[j] * (dg[j] - dot);
				}
			}
			let router = format!("layer{l}.router.weight");
			if train_router {
				grads.insert(
					router.clone(),
					backend
						.matmul_new(rm(&cache.x, t_len, d).t(), rm(&dlogits_r, t_len, experts))?,
				);
			}
			if need_dx {
				let via_router = backend.matmul_new(
					rm(&dlogits_r, t_len, experts),
					rm(w.get(&router), d, experts).t(),
				)?;
				for (o, v) in dx_in.iter_mut().zip(via_router) {
					*o += v;
				}
			}
		}
		dx = dx_in;
	}

	if train == BlockId::Shared {
		let mut dembed = vec![0.0f32; spec.context * VOCAB * d];
		for t in 0..t_len {
			for (i, &byte) in batch.context_of(t).iter().enumerate() {
				let row = &mut dembed[(i * VOCAB + byte as usize) * d..][..d];
				for (o, &v) in row.iter_mut().zip(&dx[t * d..(t + 1) * d]) {
					*o += v;
				}
			}
		}
		grads.insert("shared.embed".into(), dembed);
	}
	for g in grads.values() {
		check_finite(g, "gradients")?;
	}
	Ok(LossAndGrads { loss, grads })
}

#[cfg(test)]
mod tests {
	use super::all_finite;

	#[test]
	fn finite_means_no_infinity_and_no_nan_anywhere() {
		let mut values: Vec<f32> = (0..1000).map(|i| (i as f32 - 500.0) * 1e-3).collect::<Vec<_>>();
		values.extend([f32::MAX, f32::MIN, f32::MIN_POSITIVE, 1e-45, -0.0]);
		assert!(all_finite(&values));
		assert!(all_finite(&[]));
		for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -f32::NAN] {
			for at in [0, 255, 256, 700, values.len() - 1] {
				let mut v = values.clone();
				v[at] = bad;
				assert!(!all_finite(&v), "{bad} at {at}");
			}
		}
	}
}
