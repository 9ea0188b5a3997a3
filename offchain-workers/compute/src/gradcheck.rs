//! The passes checked against an independent f64 implementation of the model: the f32 loss
//! against the f64 loss, and every gradient against f64 central differences.

use crate::{
	backend::Cpu,
	data::{Batch, MarkovSource},
	matmul::Kernel,
	model::{BlockId, ModelSpec, Weights, VOCAB},
	pass::{loss_and_grads, mean, token_losses, LossAndGrads},
};
use std::collections::BTreeMap;

pub(crate) type F64Weights = BTreeMap<String, Vec<f64>>;

fn silu(x: f64) -> f64 {
	x / (1.0 + (-x).exp())
}

/// The model's mean loss, in f64, written from the formula in `model.rs` alone.
fn loss_f64(spec: &ModelSpec, w: &F64Weights, batch: &Batch) -> f64 {
	let d = spec.d_model;
	let mut total = 0.0;
	for t in 0..batch.len() {
		let mut x = vec![0.0; d];
		for (i, &b) in batch.context_of(t).iter().enumerate() {
			for c in 0..d {
				x[c] += w["shared.embed"][(i * VOCAB + b as usize) * d + c];
			}
		}
		for l in 0..spec.layers {
			let router = &w[&format!("layer{l}.router.weight")];
			let logits: Vec<f64> = (0..spec.experts)
				.map(|e| (0..d).map(|c| x[c] * router[c * spec.experts + e]).sum())
				.collect();
			let mut order: Vec<usize> = (0..spec.experts).collect();
			order.sort_by(|&a, &b| logits[b].partial_cmp(&logits[a]).unwrap());
			let chosen = &order[..spec.top_k];
			let m = chosen.iter().map(|&e| logits[e]).fold(f64::MIN, f64::max);
			let z: f64 = chosen.iter().map(|&e| (logits[e] - m).exp()).sum();
			let mut out = x.clone();
			for &e in chosen {
				let g = (logits[e] - m).exp() / z;
				let p = format!("layer{l}.expert{e}");
				let (w1, b1, w2, b2) = (
					&w[&format!("{p}.w1")],
					&w[&format!("{p}.b1")],
					&w[&format!("{p}.w2")],
					&w[&format!("{p}.b2")],
				);
				let h: Vec<f64> = (0..spec.d_ff)
					.map(|j| {
						silu((0..d).map(|c| x[c] * w1[c * spec.d_ff + j]).sum::<f64>() + b1[j])
					})
					.collect();
				for c in 0..d {
					let y: f64 = (0..spec.d_ff).map(|j| h[j] * w2[j * d + c]).sum::<f64>() + b2[c];
					out[c] += g * y;
				}
			}
			x = out;
		}
		let logits: Vec<f64> = (0..VOCAB)
			.map(|v| {
				(0..d).map(|c| x[c] * w["shared.head.weight"][c * VOCAB + v]).sum::<f64>()
					+ w["shared.head.bias"][v]
			})
			.collect();
		let m = logits.iter().copied().fold(f64::MIN, f64::max);
		let lse = m + logits.iter().map(|l| (l - m).exp()).sum::<f64>().ln();
		total += lse - logits[batch.targets[t] as usize];
	}
	total / batch.len() as f64
}

fn setup() -> (ModelSpec, Weights, Batch) {
	let spec = ModelSpec { context: 2, d_model: 8, d_ff: 12, layers: 2, experts: 4, top_k: 2 };
	let mut w = Weights::genesis(spec, 3).unwrap();
	// Non-zero biases so their gradients are exercised away from the genesis point.
	for (name, t) in w.tensors.iter_mut() {
		if name.ends_with("b1") || name.ends_with("b2") || name.ends_with("bias") {
			for (i, v) in t.data.iter_mut().enumerate() {
				*v = ((i % 7) as f32 - 3.0) * 0.05;
			}
		}
	}
	let data = MarkovSource { order: 1, branching: 4, seed: 2 }.generate(500, 0);
	(spec, w, data.training_batch(spec.context, 24, 9, 0))
}

/// Every tensor of `w` in f64, for the independent reference implementations.
pub(crate) fn to_f64<S>(w: &Weights<S>) -> F64Weights {
	w.tensors
		.iter()
		.map(|(n, t)| (n.clone(), t.data.iter().map(|&x| f64::from(x)).collect()))
		.collect()
}

#[test]
fn f32_loss_matches_f64() {
	let (spec, w, batch) = setup();
	let cpu = Cpu { threads: 1, kernel: Kernel::Portable };
	let ours = mean(&token_losses(&cpu, &w, &batch).unwrap());
	let reference = loss_f64(&spec, &to_f64(&w), &batch);
	assert!((f64::from(ours) - reference).abs() < 1e-5, "{ours} vs {reference}");
	assert!((reference - (VOCAB as f64).ln()).abs() < 0.5, "genesis loss is near ln 256");
}

#[test]
fn gradients_match_f64_central_differences() {
	let (spec, w, batch) = setup();
	let cpu = Cpu { threads: 2, kernel: Kernel::Auto };
	let base = to_f64(&w);
	let blocks = [
		BlockId::Shared,
		BlockId::Router { layer: 0 },
		BlockId::Router { layer: 1 },
		BlockId::Expert { layer: 0, expert: 1 },
		BlockId::Expert { layer: 1, expert: 2 },
	];
	for block in blocks {
		let out = loss_and_grads(&cpu, &w, &batch, block).unwrap();
		assert_eq!(out.grads.len(), spec.tensor_shapes(block).len(), "{block}");
		for (name, grad) in &out.grads {
			assert!(grad.iter().any(|g| *g != 0.0), "{name}: all-zero gradient");
			// A spread of indices per tensor (the embedding only where the batch looks).
			let picks: Vec<usize> = if name == "shared.embed" {
				(0..batch.len())
					.map(|t| {
						let b = batch.context_of(t)[1] as usize;
						(VOCAB + b) * spec.d_model + t % spec.d_model
					})
					.collect()
			} else {
				(0..grad.len()).step_by((grad.len() / 12).max(1)).collect()
			};
			for i in picks {
				let numeric = central_difference(&base, name, i, |w| loss_f64(&spec, w, &batch));
				let analytic = f64::from(grad[i]);
				assert!(
					(analytic - numeric).abs() <= 2e-4 + 2e-2 * numeric.abs(),
					"{name}[{i}]: analytic {analytic}, numeric {numeric}"
				);
			}
		}
	}
}

#[test]
fn results_are_bitwise_identical_across_threads_and_kernels() {
	let (_, w, batch) = setup();
	let reference =
		loss_and_grads(&Cpu { threads: 1, kernel: Kernel::Portable }, &w, &batch, BlockId::Shared)
			.unwrap();
	for kernel in [Kernel::Portable, Kernel::Auto] {
		for threads in [1, 2, 3] {
			let out =
				loss_and_grads(&Cpu { threads, kernel }, &w, &batch, BlockId::Shared).unwrap();
			assert_same_bits(&out, &reference, &format!("{kernel:?} on {threads} threads"));
		}
	}
}

#[test]
fn bad_input_is_a_typed_error() {
	use crate::pass::PassError;
	let (_, w, batch) = setup();
	let cpu = Cpu { threads: 1, kernel: Kernel::Portable };
	let empty = Batch { context: 2, contexts: vec![], targets: vec![] };
	assert_eq!(token_losses(&cpu, &w, &empty).err(), Some(PassError::EmptyBatch));
	let wrong = Batch { context: 3, contexts: vec![0; 3], targets: vec![1] };
	assert_eq!(
		token_losses(&cpu, &w, &wrong).err(),
		Some(PassError::ContextMismatch { batch: 3, model: 2 })
	);
	assert!(matches!(
		loss_and_grads(&cpu, &w, &batch, BlockId::Expert { layer: 9, expert: 0 }),
		Err(PassError::UnknownBlock(_))
	));
	let mut broken = w.clone();
	broken.tensors.get_mut("layer0.expert0.w2").unwrap().data[0] = f32::NAN;
	broken.tensors.get_mut("layer0.expert1.w2").unwrap().data[0] = f32::NAN;
	broken.tensors.get_mut("layer0.expert2.w2").unwrap().data[0] = f32::NAN;
	broken.tensors.get_mut("layer0.expert3.w2").unwrap().data[0] = f32::NAN;
	assert!(matches!(token_losses(&cpu, &broken, &batch), Err(PassError::NonFinite(_))));
}

/// The loss and every gradient of `out` have exactly the bits of `reference`'s.
pub(crate) fn assert_same_bits(out: &LossAndGrads, reference: &LossAndGrads, run: &str) {
	assert_eq!(out.loss.to_bits(), reference.loss.to_bits(), "loss with {run}");
	assert_eq!(out.grads.len(), reference.grads.len(), "gradients with {run}");
	for (name, g) in &out.grads {
		let bits: Vec<u32> = g.iter().map(|x| x.to_bits()).collect();
		let want: Vec<u32> = reference.grads[name].iter().map(|x| x.to_bits()).collect();
		assert_eq!(bits, want, "{name} with {run}");
	}
}

/// `∂loss/∂w[name][i]` by a central difference of step 1e-4 in f64.
pub(crate) fn central_difference<W: Clone + std::ops::IndexMut<usize, Output = f64>>(
	base: &BTreeMap<String, W>,
	name: &str,
	i: usize,
	loss: impl Fn(&BTreeMap<String, W>) -> f64,
) -> f64 {
	let eps = 1e-4;
	let mut plus = base.clone();
	if let Some(t) = plus.get_mut(name) {
		t[i] += eps;
	}
	let mut minus = base.clone();
	if let Some(t) = minus.get_mut(name) {
		t[i] -= eps;
	}
	(loss(&plus) - loss(&minus)) / (2.0 * eps)
}
