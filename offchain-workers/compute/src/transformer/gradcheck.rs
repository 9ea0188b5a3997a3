//! The transformer's passes checked against an independent f64 implementation written from the
//! formula in `mod.rs` alone: the f32 loss against the f64 loss, every trained tensor's
//! gradient against f64 central differences (measured: within 5e-6 of `1e-3 + |numeric|`,
//! asserted within 1e-4), and the bits against other thread counts.

use super::{
	backward::loss_and_grads, forward::token_losses, genesis, Sequences, TransformerSpec,
	TransformerWeights,
};
use crate::gradcheck::{to_f64, F64Weights};
use crate::{backend::Cpu, matmul::Kernel, model::BlockId, pass::mean};
use std::collections::BTreeSet;

/// `x · W` for a row `x` and a row-major `[x.len(), cols]` matrix.
fn vecmat(x: &[f64], w: &[f64], cols: usize) -> Vec<f64> {
	(0..cols).map(|j| x.iter().enumerate().map(|(i, v)| v * w[i * cols + j]).sum()).collect()
}

fn rms_norm(x: &[f64], weight: &[f64], eps: f64) -> Vec<f64> {
	let r = 1.0 / (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64 + eps).sqrt();
	x.iter().zip(weight).map(|(v, w)| v * r * w).collect()
}

fn rotate(x: &mut [f64], heads: usize, hd: usize, pos: usize, theta: f64) {
	let half = hd / 2;
	for h in 0..heads {
		for i in 0..half {
			// The f32 rounding of the angle is part of the spec (as in Hugging Face).
			let inv_freq = theta.powf(-((2 * i) as f64) / hd as f64) as f32;
			let angle = f64::from(pos as f32 * inv_freq);
			let (s, c) = angle.sin_cos();
			let (a, b) = (x[h * hd + i], x[h * hd + i + half]);
			x[h * hd + i] = a * c - b * s;
			x[h * hd + i + half] = b * c + a * s;
		}
	}
}

fn loss_f64(
	spec: &TransformerSpec,
	w: &F64Weights,
	tokens: &[u32],
	sequences: usize,
	targets: &[u32],
) -> f64 {
	let (d, hd, len) = (spec.d_model, spec.head_dim, tokens.len() / sequences);
	let (qw, kw, eps) = (spec.heads * hd, spec.kv_heads * hd, f64::from(spec.norm_eps));
	let mut total = 0.0;
	for s in 0..sequences {
		let mut xs: Vec<Vec<f64>> = (0..len)
			.map(|t| w["shared.embed"][tokens[s * len + t] as usize * d..][..d].to_vec())
			.collect();
		for l in 0..spec.layers {
			let a = |name: &str| &w[&format!("layer{l}.attention.{name}")];
			let (mut qs, mut ks, mut vs) = (Vec::new(), Vec::new(), Vec::new());
			for (t, x) in xs.iter().enumerate() {
				let h = rms_norm(x, a("norm"), eps);
				let (mut q, mut k) = (vecmat(&h, a("wq"), qw), vecmat(&h, a("wk"), kw));
				rotate(&mut q, spec.heads, hd, t, f64::from(spec.rope_theta));
				rotate(&mut k, spec.kv_heads, hd, t, f64::from(spec.rope_theta));
				qs.push(q);
				ks.push(k);
				vs.push(vecmat(&h, a("wv"), kw));
			}
			for t in 0..len {
				let mut attn = vec![0.0; qw];
				for head in 0..spec.heads {
					let kv = head / (spec.heads / spec.kv_heads) * hd;
					let scores: Vec<f64> = (0..=t)
						.map(|j| {
							(0..hd).map(|c| qs[t][head * hd + c] * ks[j][kv + c]).sum::<f64>()
								/ (hd as f64).sqrt()
						})
						.collect();
					let m = scores.iter().copied().fold(f64::MIN, f64::max);
					let z: f64 = scores.iter().map(|s| (s - m).exp()).sum();
					for (j, sc) in scores.iter().enumerate() {
						for c in 0..hd {
							attn[head * hd + c] += (sc - m).exp() / z * vs[j][kv + c];
						}
					}
				}
				let o = vecmat(&attn, a("wo"), d);
				let x = &mut xs[t];
				for c in 0..d {
					x[c] += o[c];
				}
				let h = rms_norm(x, a("ffn_norm"), eps);
				let logits = vecmat(&h, &w[&format!("layer{l}.router.weight")], spec.experts);
				let mut order: Vec<usize> = (0..spec.experts).collect();
				order.sort_by(|&p, &q| logits[q].partial_cmp(&logits[p]).unwrap());
				let chosen = &order[..spec.top_k];
				let m = chosen.iter().map(|&e| logits[e]).fold(f64::MIN, f64::max);
				let z: f64 = chosen.iter().map(|&e| (logits[e] - m).exp()).sum();
				for &e in chosen {
					let g = (logits[e] - m).exp() / z;
					let p = |n: &str| &w[&format!("layer{l}.expert{e}.{n}")];
					let (u, v) = (vecmat(&h, p("w1"), spec.d_ff), vecmat(&h, p("w3"), spec.d_ff));
					let hidden: Vec<f64> =
						u.iter().zip(&v).map(|(u, v)| u / (1.0 + (-u).exp()) * v).collect();
					let y = vecmat(&hidden, p("w2"), d);
					for c in 0..d {
						x[c] += g * y[c];
					}
				}
			}
		}
		for (t, x) in xs.iter().enumerate() {
			let h = rms_norm(x, &w["shared.norm"], eps);
			let logits = vecmat(&h, &w["shared.head"], spec.vocab);
			let m = logits.iter().copied().fold(f64::MIN, f64::max);
			let lse = m + logits.iter().map(|l| (l - m).exp()).sum::<f64>().ln();
			total += lse - logits[targets[s * len + t] as usize];
		}
	}
	total / tokens.len() as f64
}

struct Setup {
	spec: TransformerSpec,
	w: TransformerWeights,
	tokens: Vec<u32>,
	targets: Vec<u32>,
}

fn setup() -> Setup {
	let spec = TransformerSpec {
		d_model: 16,
		heads: 4,
		kv_heads: 2,
		head_dim: 4,
		d_ff: 24,
		context: 16,
		..TransformerSpec::TINY
	};
	let mut w = genesis(spec, 11).unwrap();
	// Away from the genesis point: norms not all 1, a larger embedding.
	for (name, t) in w.tensors.iter_mut() {
		for (i, v) in t.data.iter_mut().enumerate() {
			if name.ends_with("norm") {
				*v = 1.0 + ((i % 5) as f32 - 2.0) * 0.1;
			} else if name == "shared.embed" {
				*v *= 30.0;
			}
		}
	}
	let text = b"to be or not to be, that is the question";
	let (tokens, targets): (Vec<u32>, Vec<u32>) = (0..24)
		.map(|i| (u32::from(text[i + i / 12 * 4]), u32::from(text[i + i / 12 * 4 + 1])))
		.unzip();
	Setup { spec, w, tokens, targets }
}

#[test]
fn f32_loss_matches_f64() {
	let s = setup();
	let cpu = Cpu { threads: 1, kernel: Kernel::Portable };
	let seqs = Sequences::new(&s.tokens, 2, &s.spec).unwrap();
	let ours = mean(&token_losses(&cpu, &s.w, seqs, &s.targets).unwrap());
	let reference = loss_f64(&s.spec, &to_f64(&s.w), &s.tokens, 2, &s.targets);
	assert!((f64::from(ours) - reference).abs() < 1e-5, "{ours} vs {reference}");
}

#[test]
fn gradients_match_f64_central_differences() {
	let s = setup();
	let cpu = Cpu { threads: 2, kernel: Kernel::Auto };
	let seqs = Sequences::new(&s.tokens, 2, &s.spec).unwrap();
	let base = to_f64(&s.w);
	let mut worst = 0.0f64;
	let sets: [&[BlockId]; 5] = [
		&[BlockId::Shared],
		&[BlockId::Attention { layer: 0 }],
		&[BlockId::Attention { layer: 1 }, BlockId::Router { layer: 1 }],
		&[BlockId::Router { layer: 0 }, BlockId::Expert { layer: 0, expert: 1 }],
		&[BlockId::Expert { layer: 1, expert: 2 }, BlockId::Expert { layer: 1, expert: 3 }],
	];
	for set in sets {
		let train: BTreeSet<BlockId> = set.iter().copied().collect();
		let out = loss_and_grads(&cpu, &s.w, seqs, &s.targets, &train).unwrap();
		let expected: usize =
			set.iter().map(|b| crate::model::Architecture::tensor_shapes(&s.spec, *b).len()).sum();
		assert_eq!(out.grads.len(), expected, "{set:?}");
		for (name, grad) in &out.grads {
			assert!(grad.iter().any(|g| *g != 0.0), "{name}: all-zero gradient");
			let picks: Vec<usize> = if name == "shared.embed" {
				s.tokens
					.iter()
					.enumerate()
					.map(|(t, &tok)| tok as usize * s.spec.d_model + t % s.spec.d_model)
					.collect()
			} else {
				(0..grad.len()).step_by((grad.len() / 10).max(1)).collect()
			};
			for i in picks {
				let numeric = crate::gradcheck::central_difference(&base, name, i, |w| {
					loss_f64(&s.spec, w, &s.tokens, 2, &s.targets)
				});
				let analytic = f64::from(grad[i]);
				worst = worst.max((analytic - numeric).abs() / (1e-3 + numeric.abs()));
				assert!(
					(analytic - numeric).abs() <= 1e-4 * (1e-3 + numeric.abs()),
					"{name}[{i}]: analytic {analytic}, numeric {numeric}"
				);
			}
		}
	}
	println!("largest gradient error: {worst:e} relative (to 1e-3 + |numeric|)");
}

#[test]
fn gradients_are_bitwise_identical_across_threads_and_kernels() {
	let s = setup();
	let seqs = Sequences::new(&s.tokens, 2, &s.spec).unwrap();
	let train: BTreeSet<BlockId> = s.spec.blocks().into_iter().collect();
	let reference = loss_and_grads(
		&Cpu { threads: 1, kernel: Kernel::Portable },
		&s.w,
		seqs,
		&s.targets,
		&train,
	)
	.unwrap();
	assert_eq!(reference.grads.len(), s.w.tensors.len(), "the whole model");
	for kernel in [Kernel::Portable, Kernel::Auto] {
		for threads in [2, 3] {
			let out =
				loss_and_grads(&Cpu { threads, kernel }, &s.w, seqs, &s.targets, &train).unwrap();
			crate::gradcheck::assert_same_bits(
				&out,
				&reference,
				&format!("{kernel:?} on {threads} threads"),
			);
		}
	}
}

#[test]
fn training_refuses_unknown_blocks_and_non_finite_weights() {
	use super::TransformerError;
	let s = setup();
	let cpu = Cpu::auto();
	let seqs = Sequences::new(&s.tokens, 2, &s.spec).unwrap();
	let unknown: BTreeSet<BlockId> = [BlockId::Attention { layer: 2 }].into();
	assert_eq!(
		loss_and_grads(&cpu, &s.w, seqs, &s.targets, &unknown).err(),
		Some(TransformerError::UnknownBlock(BlockId::Attention { layer: 2 }))
	);
	let mut broken = s.w.clone();
	broken.tensors.get_mut("layer0.attention.wv").unwrap().data[0] = f32::NAN;
	let all: BTreeSet<BlockId> = [BlockId::Shared].into();
	assert!(matches!(
		loss_and_grads(&cpu, &broken, seqs, &s.targets, &all),
		Err(TransformerError::NonFinite(_))
	));
}
