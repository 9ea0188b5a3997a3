//! The backward pass: the mean loss of a batch and the gradients of the blocks being trained
//! (all other blocks are frozen), stopping at the lowest layer those blocks need.
//!
//! Order of accumulation, beyond [`super::ops`] and the canonical matrix product: a layer's
//! gradient flows top down (experts, router, the MoE norm, attention, the attention norm); the
//! gradient of a normed MoE input adds the experts' parts in ascending expert order, then the
//! router's; grouped key/value heads add their query heads' parts in ascending head order; the
//! gradient of a normed attention input adds the query, key and value parts in that order;
//! embedding rows add their tokens' gradients in batch order. Every sum over tokens is a
//! canonical matrix product or [`crate::reduce::sum`] (the norms' weights), so no result
//! depends on the thread count.

use super::{
	forward::{columns, forward, head_loss, head_parts, rows_of, LayerCache},
	ops, Sequences, TransformerError, TransformerWeights,
};
use crate::{
	backend::{self, Backend},
	model::BlockId,
	pass::{all_finite, mean, rm, LossAndGrads},
};
use std::collections::{BTreeMap, BTreeSet};

/// The mean loss of predicting `targets` from `seqs` and the gradients of every tensor of the
/// blocks in `train` (by full name).
pub fn loss_and_grads(
	backend: &dyn Backend,
	w: &TransformerWeights,
	seqs: Sequences<'_>,
	targets: &[u32],
	train: &BTreeSet<BlockId>,
) -> Result<LossAndGrads, TransformerError> {
	let spec = w.spec;
	if train.is_empty() {
		return Err(TransformerError::EmptyBatch);
	}
	if let Some(block) = train.iter().find(|b| !spec.contains(**b)) {
		return Err(TransformerError::UnknownBlock(*block));
	}
	let fwd = forward(backend, w, seqs, true)?;
	let (losses, dlogits) = head_loss(backend, &spec, &fwd.logits, targets)?;
	let loss = mean(&losses);
	if !loss.is_finite() {
		return Err(TransformerError::NonFinite("loss"));
	}
	let (n, d, v) = (seqs.len(), spec.d_model, spec.vocab);
	let mut grads = BTreeMap::new();
	let train_shared = train.contains(&BlockId::Shared);
	// The lowest layer any trained block needs the gradient of.
	let stop = train
		.iter()
		.map(|b| match *b {
			BlockId::Shared => 0,
			BlockId::Attention { layer }
			| BlockId::Router { layer }
			| BlockId::Expert { layer, .. } => layer as usize,
		})
		.min()
		.unwrap_or(0);

	let dh_pair = (rm(&dlogits, n, v), rm(w.get("shared.head"), d, v).t());
	let dh = if train_shared {
		let [grad, dh] =
			ops::products(backend, [(rm(&fwd.h_out, n, d).t(), rm(&dlogits, n, v)), dh_pair])?;
		grads.insert("shared.head".into(), grad);
		dh
	} else {
		backend.matmul_new(dh_pair.0, dh_pair.1)?
	};
	let mut dx = vec![0.0f32; n * d];
	let norm = w.get("shared.norm");
	if let Some(g) =
		norm_backward(backend, &fwd.x_out, norm, &fwd.r_out, &dh, &mut dx, train_shared)
	{
		grads.insert("shared.norm".into(), g);
	}

	for l in (stop..spec.layers).rev() {
		let need_dx_in = l > stop || train_shared;
		dx = layer_backward(
			backend,
			w,
			seqs,
			&fwd.layers[l],
			&fwd.rope,
			l,
			dx,
			need_dx_in,
			train,
			&mut grads,
		)?;
	}

	if train_shared {
		let mut dembed = vec![0.0f32; v * d];
		for (t, &token) in seqs.tokens.iter().enumerate() {
			for (o, &g) in dembed[token as usize * d..][..d].iter_mut().zip(&dx[t * d..(t + 1) * d])
			{
				*o += g;
			}
		}
		grads.insert("shared.embed".into(), dembed);
	}
	if grads.values().any(|g| !all_finite(g)) {
		return Err(TransformerError::NonFinite("gradients"));
	}
	Ok(LossAndGrads { loss, grads })
}

/// `dout[token] · y[row]` (one FMA chain each) for every row an expert computed.
fn expert_gate_grads(dout: &[f32], ex: &super::forward::ExpertCache, d: usize) -> Vec<f32> {
	use backend::DOT_LANES;
	let dout_of = |r: usize| &dout[ex.tokens[r] * d..][..d];
	let y_of = |r: usize| &ex.y[r * d..][..d];
	let rows = ex.tokens.len();
	let mut grads = Vec::with_capacity(rows);
	let mut stage = backend::DotStage::default();
	let whole = rows / DOT_LANES * DOT_LANES;
	for first in (0..whole).step_by(DOT_LANES) {
		grads.extend(backend::fma_dot_lanes(
			std::array::from_fn(|l| dout_of(first + l)),
			std::array::from_fn(|l| y_of(first + l)),
			&mut stage,
		));
	}
	grads.extend((whole..rows).map(|r| backend::fma_dot(dout_of(r), y_of(r))));
	grads
}

/// Back through an RMSNorm into `dx`; returns the norm weight's gradient when `train`.
fn norm_backward(
	backend: &dyn Backend,
	x: &[f32],
	weight: &[f32],
	factors: &[f32],
	grad_out: &[f32],
	dx: &mut [f32],
	train: bool,
) -> Option<Vec<f32>> {
	let mut terms = train.then(|| vec![0.0f32; x.len()]);
	backend.rms_norm_backward(x, weight, factors, grad_out, dx, terms.as_deref_mut());
	terms.map(|terms| {
		let mut sums = vec![0.0f32; weight.len()];
		backend::column_sums(&terms, weight.len(), &mut sums);
		sums
	})
}

/// What one expert's backward pass produced.
#[derive(Default)]
struct ExpertPart {
	/// The gradient of each routed row's gate.
	dgates: Vec<f32>,
	/// The gradients of its weights, when it is trained.
	grads: Vec<(String, Vec<f32>)>,
	/// The gradient of its rows of the normed input, when needed.
	dx: Vec<f32>,
}

/// Back through layer `l` given `dout`, the gradient of its output; returns the gradient of its
/// input (empty when `need_dx_in` is false).
#[allow(clippy::too_many_arguments)]
fn layer_backward(
	backend: &dyn Backend,
	w: &TransformerWeights,
	seqs: Sequences<'_>,
	c: &LayerCache,
	rope: &super::rope::RopeTable,
	l: usize,
	dout: Vec<f32>,
	need_dx_in: bool,
	train: &BTreeSet<BlockId>,
	grads: &mut BTreeMap<String, Vec<f32>>,
) -> Result<Vec<f32>, TransformerError> {
	let spec = w.spec;
	let (n, d, f, k, hd) = (seqs.len(), spec.d_model, spec.d_ff, spec.top_k, spec.head_dim);
	let layer = l as u32;
	let train_attn = train.contains(&BlockId::Attention { layer });
	let train_router = train.contains(&BlockId::Router { layer });
	let need_dh2 = need_dx_in || train_attn;
	let p = format!("layer{l}.attention");

	// The MoE: dout reaches each chosen expert scaled by its gate, and the gates.
	// Each expert side by side where the backend allows: its gates' gradients, its weights'
	// gradients when trained, and its part of the normed input's gradient; then added up in
	// ascending expert order.
	let indices: Vec<usize> = (0..spec.experts).collect();
	let tokens = |e: &usize| c.experts[*e].tokens.len();
	let parts = ops::map_parts_by_cost(backend, &indices, tokens, |backend, &e| {
		let (ex, rows) = (&c.experts[e], c.experts[e].tokens.len());
		let train_expert = train.contains(&BlockId::Expert { layer, expert: e as u32 });
		let mut part = ExpertPart::default();
		if rows == 0 || !(need_dh2 || train_expert || train_router) {
			return Ok(part);
		}
		let mut dy = vec![0.0f32; rows * d];
		for (r, (&t, &j)) in ex.tokens.iter().zip(&ex.slots).enumerate() {
			let g = c.gates[t * k + j];
			for (o, &v) in dy[r * d..(r + 1) * d].iter_mut().zip(&dout[t * d..(t + 1) * d]) {
				*o = g * v;
			}
		}
		// Each gate's gradient is the FMA chain of dout·y over its row, eight rows at a time.
		part.dgates = expert_gate_grads(&dout, ex, d);
		if !(need_dh2 || train_expert) {
			return Ok(part);
		}
		let prefix = format!("layer{l}.expert{e}");
		let dhidden =
			backend.matmul_new(rm(&dy, rows, d), rm(w.get(&format!("{prefix}.w2")), f, d).t())?;
		let (mut da, mut db) = (vec![0.0f32; rows * f], vec![0.0f32; rows * f]);
		backend.swiglu_backward(&ex.a, &ex.b, &dhidden, &mut da, &mut db);
		if train_expert {
			let xe = rm(&ex.x, rows, d).t();
			part.grads.push((format!("{prefix}.w1"), backend.matmul_new(xe, rm(&da, rows, f))?));
			part.grads.push((
				format!("{prefix}.w2"),
				backend.matmul_new(rm(&ex.hidden, rows, f).t(), rm(&dy, rows, d))?,
			));
			part.grads.push((format!("{prefix}.w3"), backend.matmul_new(xe, rm(&db, rows, f))?));
		}
		if need_dh2 {
			let mut dx = backend
				.matmul_new(rm(&da, rows, f), rm(w.get(&format!("{prefix}.w1")), d, f).t())?;
			let via_w3 = backend
				.matmul_new(rm(&db, rows, f), rm(w.get(&format!("{prefix}.w3")), d, f).t())?;
			for (o, v) in dx.iter_mut().zip(via_w3) {
				*o += v;
			}
			part.dx = dx;
		}
		Ok::<_, TransformerError>(part)
	});
	let mut dh2 = vec![0.0f32; if need_dh2 { n * d } else { 0 }];
	let mut dgates = vec![0.0f32; n * k];
	for (ex, part) in c.experts.iter().zip(parts) {
		let part = part?;
		for (r, (&t, &j)) in ex.tokens.iter().zip(&ex.slots).enumerate() {
			if let Some(&dg) = part.dgates.get(r) {
				dgates[t * k + j] = dg;
			}
			if let Some(row) = part.dx.get(r * d..(r + 1) * d) {
				for (o, &v) in dh2[t * d..(t + 1) * d].iter_mut().zip(row) {
					*o += v;
				}
			}
		}
		grads.extend(part.grads);
	}
	// A trained expert no token was routed to has a zero gradient (so AdamW still decays it
	// and advances its moments, as for any tensor in the trained set).
	for e in 0..spec.experts as u32 {
		let expert = BlockId::Expert { layer, expert: e };
		if train.contains(&expert) {
			for (name, shape) in crate::model::Architecture::tensor_shapes(&spec, expert) {
				grads.entry(name).or_insert_with(|| vec![0.0; shape.iter().product()]);
			}
		}
	}
	if need_dh2 || train_router {
		// Softmax over the chosen experts: dℓⱼ = gⱼ·(dgⱼ − Σᵢ gᵢ·dgᵢ), the sum an FMA chain.
		let experts = spec.experts;
		let mut dlogits = vec![0.0f32; n * experts];
		for t in 0..n {
			let (g, dg) = (&c.gates[t * k..(t + 1) * k], &dgates[t * k..(t + 1) * k]);
			let dot = backend::fma_dot(g, dg);
			for j in 0..k {
				dlogits[t * experts + c.chosen[t * k + j] as usize] = g[j] * (dg[j] - dot);
			}
		}
		let router = format!("layer{l}.router.weight");
		let grad_pair = (rm(&c.h2, n, d).t(), rm(&dlogits, n, experts));
		let via_pair = (rm(&dlogits, n, experts), rm(w.get(&router), d, experts).t());
		let (grad, via_router) = match (train_router, need_dh2) {
			(true, true) => {
				let [grad, via] = ops::products(backend, [grad_pair, via_pair])?;
				(Some(grad), Some(via))
			},
			(true, false) => (Some(backend.matmul_new(grad_pair.0, grad_pair.1)?), None),
			_ => (None, Some(backend.matmul_new(via_pair.0, via_pair.1)?)),
		};
		if let Some(grad) = grad {
			grads.insert(router, grad);
		}
		for (o, v) in dh2.iter_mut().zip(via_router.unwrap_or_default()) {
			*o += v;
		}
	}
	if !need_dh2 {
		return Ok(Vec::new());
	}

	// The MoE norm, then the residual: the gradient of the attention's output.
	let mut dx_mid = dout;
	let ffn_norm = w.get(&format!("{p}.ffn_norm"));
	if let Some(g) =
		norm_backward(backend, &c.x_mid, ffn_norm, &c.r2, &dh2, &mut dx_mid, train_attn)
	{
		grads.insert(format!("{p}.ffn_norm"), g);
	}

	let (qw, kw, len) = (spec.q_width(), spec.kv_width(), seqs.length);
	let dattn_pair = (rm(&dx_mid, n, d), rm(w.get(&format!("{p}.wo")), qw, d).t());
	let dattn = if train_attn {
		let [grad, dattn] =
			ops::products(backend, [(rm(&c.attn, n, qw).t(), rm(&dx_mid, n, d)), dattn_pair])?;
		grads.insert(format!("{p}.wo"), grad);
		dattn
	} else {
		backend.matmul_new(dattn_pair.0, dattn_pair.1)?
	};
	let (mut dq, mut dk, mut dv) =
		(vec![0.0f32; n * qw], vec![0.0f32; n * kw], vec![0.0f32; n * kw]);
	let scale = 1.0 / (hd as f32).sqrt();
	let group = spec.heads / spec.kv_heads;
	// One part per sequence and head, side by side where the backend allows; the parts' key
	// and value gradients are added in (sequence, head) order afterwards.
	let parts = head_parts(seqs.sequences, spec.heads);
	let heads = ops::map_parts(backend, &parts, |backend, &(s, head)| {
		let kv = (head / group) * hd;
		let (q_s, k_s, v_s) =
			(rows_of(&c.q, s, len, qw), rows_of(&c.k, s, len, kw), rows_of(&c.v, s, len, kw));
		let probs = &c.probs[(s * spec.heads + head) * len * len..][..len * len];
		let do_h = columns(rows_of(&dattn, s, len, qw), len, head * hd, hd, qw);
		let mut dprobs = backend.matmul_new(do_h, columns(v_s, len, kv, hd, kw).t())?;
		let dv_h = backend.matmul_new(rm(probs, len, len).t(), do_h)?;
		backend.causal_softmax_backward(probs, &mut dprobs, len, scale);
		let dq_h = backend.matmul_new(rm(&dprobs, len, len), columns(k_s, len, kv, hd, kw))?;
		let dk_h =
			backend.matmul_new(rm(&dprobs, len, len).t(), columns(q_s, len, head * hd, hd, qw))?;
		Ok::<_, TransformerError>((dq_h, dk_h, dv_h))
	});
	for (&(s, head), result) in parts.iter().zip(heads) {
		let (dq_h, dk_h, dv_h) = result?;
		let kv = (head / group) * hd;
		let rows = dq_h.chunks_exact(hd).zip(dk_h.chunks_exact(hd)).zip(dv_h.chunks_exact(hd));
		for (i, ((q_row, k_row), v_row)) in rows.enumerate() {
			let (row_q, row_kv) = ((s * len + i) * qw + head * hd, (s * len + i) * kw + kv);
			dq[row_q..row_q + hd].copy_from_slice(q_row);
			for (o, g) in dk[row_kv..row_kv + hd].iter_mut().zip(k_row) {
				*o += g;
			}
			for (o, g) in dv[row_kv..row_kv + hd].iter_mut().zip(v_row) {
				*o += g;
			}
		}
	}
	for s in 0..seqs.sequences {
		backend.rope(rope, &mut dq[s * len * qw..(s + 1) * len * qw], spec.heads, 0, true);
		backend.rope(rope, &mut dk[s * len * kw..(s + 1) * len * kw], spec.kv_heads, 0, true);
	}
	// The input's gradient through wq, wk and wv (added in that order), and when attention
	// trains, the three weights' gradients: six products side by side.
	let via = |name: &str, grad, width| {
		(rm(grad, n, width), rm(w.get(&format!("{p}.{name}")), d, width).t())
	};
	let through = [via("wq", &dq, qw), via("wk", &dk, kw), via("wv", &dv, kw)];
	let [mut dh1, via_wk, via_wv] = if train_attn {
		let h1 = rm(&c.h1, n, d).t();
		let [q, k, v, via_wq, via_wk, via_wv] = ops::products(
			backend,
			[
				(h1, rm(&dq, n, qw)),
				(h1, rm(&dk, n, kw)),
				(h1, rm(&dv, n, kw)),
				through[0],
				through[1],
				through[2],
			],
		)?;
		for (name, grad) in [("wq", q), ("wk", k), ("wv", v)] {
			grads.insert(format!("{p}.{name}"), grad);
		}
		[via_wq, via_wk, via_wv]
	} else {
		ops::products(backend, through)?
	};
	for part in [via_wk, via_wv] {
		for (o, v) in dh1.iter_mut().zip(part) {
			*o += v;
		}
	}
	// The attention norm, then the residual: the gradient of the layer's input.
	let mut dx = dx_mid;
	let norm = w.get(&format!("{p}.norm"));
	if let Some(g) = norm_backward(backend, &c.x, norm, &c.r1, &dh1, &mut dx, train_attn) {
		grads.insert(format!("{p}.norm"), g);
	}
	Ok(if need_dx_in { dx } else { Vec::new() })
}
