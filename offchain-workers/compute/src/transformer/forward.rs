//! The forward pass over a batch of sequences, keeping what the backward pass needs.
//!
//! Order of accumulation (beyond [`super::ops`] and the canonical matrix product): attention is
//! computed per sequence and per query head in ascending order, each head's `P · V` a canonical
//! product over all positions (the zero probabilities above the diagonal add nothing, so a
//! row's bits equal those of the same row computed alone, as generation with a key/value cache
//! does); a token's experts are added to the residual stream in ascending expert order, each
//! as one FMA per element (`x = fma(g, y, x)`).

use super::{
	experts::{self, ExpertMatrices},
	ops,
	rope::RopeTable,
	Sequences, TransformerError, TransformerWeights,
};
use crate::{
	backend::Backend,
	matmul::MatRef,
	pass::{all_finite, rm},
};

/// What one expert computed for the tokens routed to it.
pub(crate) struct ExpertCache {
	/// Tokens, ascending, and which of its `k` choices this expert is for each.
	pub tokens: Vec<usize>,
	pub slots: Vec<usize>,
	/// The normed inputs of those tokens, `h·W1`, `h·W3`, the gated hidden layer, the output.
	pub x: Vec<f32>,
	pub a: Vec<f32>,
	pub b: Vec<f32>,
	pub hidden: Vec<f32>,
	pub y: Vec<f32>,
}

/// What one layer computed.
pub(crate) struct LayerCache {
	pub x: Vec<f32>,
	pub h1: Vec<f32>,
	pub r1: Vec<f32>,
	/// Queries and keys after RoPE, values.
	pub q: Vec<f32>,
	pub k: Vec<f32>,
	pub v: Vec<f32>,
	/// Per sequence and head, the `length × length` attention probabilities.
	pub probs: Vec<f32>,
	/// The heads' outputs side by side (`N × heads·head_dim`).
	pub attn: Vec<f32>,
	/// The residual stream after attention, and its norm for the MoE.
	pub x_mid: Vec<f32>,
	pub h2: Vec<f32>,
	pub r2: Vec<f32>,
	/// `N × k` experts per token, ascending, with their gates.
	pub chosen: Vec<u32>,
	pub gates: Vec<f32>,
	pub experts: Vec<ExpertCache>,
}

pub(crate) struct Forward {
	/// Empty unless asked to keep them.
	pub layers: Vec<LayerCache>,
	pub x_out: Vec<f32>,
	pub h_out: Vec<f32>,
	pub r_out: Vec<f32>,
	pub logits: Vec<f32>,
	pub rope: RopeTable,
}

fn finite(values: &[f32], what: &'static str) -> Result<(), TransformerError> {
	if all_finite(values) {
		Ok(())
	} else {
		Err(TransformerError::NonFinite(what))
	}
}

/// A strided view of the `width`-wide column block starting at `column` of a row-major matrix
/// whose rows are `stride` wide.
pub(crate) fn columns(
	data: &[f32],
	rows: usize,
	column: usize,
	width: usize,
	stride: usize,
) -> MatRef<'_> {
	MatRef { data: &data[column..], rows, cols: width, row_stride: stride, col_stride: 1 }
}

/// Every (sequence, head) pair, sequence-major: the parts attention runs as.
pub(crate) fn head_parts(sequences: usize, heads: usize) -> Vec<(usize, usize)> {
	(0..sequences).flat_map(|s| (0..heads).map(move |h| (s, h))).collect()
}

/// Sequence `s`'s rows of a row-major matrix `width` wide holding `len` rows per sequence.
pub(crate) fn rows_of(data: &[f32], s: usize, len: usize, width: usize) -> &[f32] {
	&data[s * len * width..(s + 1) * len * width]
}

pub(crate) fn forward(
	backend: &dyn Backend,
	w: &TransformerWeights,
	seqs: Sequences<'_>,
	keep: bool,
) -> Result<Forward, TransformerError> {
	let spec = w.spec;
	spec.validate()?;
	seqs.check(&spec)?;
	let (n, d) = (seqs.len(), spec.d_model);
	let rope = RopeTable::new(seqs.length, spec.head_dim, spec.rope_theta);

	let embed = w.get("shared.embed");
	let mut x = Vec::with_capacity(n * d);
	for &token in seqs.tokens {
		x.extend_from_slice(&embed[token as usize * d..][..d]);
	}

	let mut layers = Vec::new();
	for l in 0..spec.layers {
		// The layer keeps its input in its cache (moved, not copied) and hands back its output.
		let LayerOut { cache, out } = layer(backend, w, l, &rope, seqs, x)?;
		if keep {
			layers.push(cache);
		}
		x = out;
	}

	let (mut h_out, mut r_out) = (vec![0.0; n * d], vec![0.0; n]);
	backend.rms_norm(&x, w.get("shared.norm"), spec.norm_eps, &mut h_out, &mut r_out);
	let logits = backend.matmul_new(rm(&h_out, n, d), rm(w.get("shared.head"), d, spec.vocab))?;
	finite(&logits, "output logits")?;
	Ok(Forward { layers, x_out: x, h_out, r_out, logits, rope })
}

struct LayerOut {
	cache: LayerCache,
	out: Vec<f32>,
}

fn layer(
	backend: &dyn Backend,
	w: &TransformerWeights,
	l: usize,
	rope: &RopeTable,
	seqs: Sequences<'_>,
	x: Vec<f32>,
) -> Result<LayerOut, TransformerError> {
	let spec = w.spec;
	let (n, d, hd) = (seqs.len(), spec.d_model, spec.head_dim);
	let (qw, kw, len) = (spec.q_width(), spec.kv_width(), seqs.length);
	let p = format!("layer{l}.attention");

	let (mut h1, mut r1) = (vec![0.0; n * d], vec![0.0; n]);
	backend.rms_norm(&x, w.get(&format!("{p}.norm")), spec.norm_eps, &mut h1, &mut r1);
	let mut q = backend.matmul_new(rm(&h1, n, d), rm(w.get(&format!("{p}.wq")), d, qw))?;
	let mut k = backend.matmul_new(rm(&h1, n, d), rm(w.get(&format!("{p}.wk")), d, kw))?;
	let v = backend.matmul_new(rm(&h1, n, d), rm(w.get(&format!("{p}.wv")), d, kw))?;
	for s in 0..seqs.sequences {
		backend.rope(rope, &mut q[s * len * qw..(s + 1) * len * qw], spec.heads, 0, false);
		backend.rope(rope, &mut k[s * len * kw..(s + 1) * len * kw], spec.kv_heads, 0, false);
	}

	let scale = 1.0 / (hd as f32).sqrt();
	let group = spec.heads / spec.kv_heads;
	// One part per sequence and head, side by side where the backend allows.
	let parts = head_parts(seqs.sequences, spec.heads);
	let heads = ops::map_parts(backend, &parts, |backend, &(s, head)| {
		let kv = (head / group) * hd;
		let (q_s, k_s, v_s) =
			(rows_of(&q, s, len, qw), rows_of(&k, s, len, kw), rows_of(&v, s, len, kw));
		let mut scores = backend
			.matmul_new(columns(q_s, len, head * hd, hd, qw), columns(k_s, len, kv, hd, kw).t())?;
		backend.causal_softmax(&mut scores, len, scale);
		let out = backend.matmul_new(rm(&scores, len, len), columns(v_s, len, kv, hd, kw))?;
		Ok::<_, TransformerError>((scores, out))
	});
	let mut probs = Vec::with_capacity(seqs.sequences * spec.heads * len * len);
	let mut attn = vec![0.0f32; n * qw];
	for (&(s, head), result) in parts.iter().zip(heads) {
		let (scores, out) = result?;
		for (i, row) in out.chunks_exact(hd).enumerate() {
			attn[(s * len + i) * qw + head * hd..][..hd].copy_from_slice(row);
		}
		probs.extend_from_slice(&scores);
	}
	let o = backend.matmul_new(rm(&attn, n, qw), rm(w.get(&format!("{p}.wo")), qw, d))?;
	let x_mid: Vec<f32> = x.iter().zip(&o).map(|(a, b)| a + b).collect();
	finite(&x_mid, "attention output")?;

	let (mut h2, mut r2) = (vec![0.0; n * d], vec![0.0; n]);
	backend.rms_norm(&x_mid, w.get(&format!("{p}.ffn_norm")), spec.norm_eps, &mut h2, &mut r2);
	let (chosen, gates, experts, out) = moe(backend, w, l, &h2, &x_mid)?;
	Ok(LayerOut {
		cache: LayerCache {
			x,
			h1,
			r1,
			q,
			k,
			v,
			probs,
			attn,
			x_mid,
			h2,
			r2,
			chosen,
			gates,
			experts,
		},
		out,
	})
}

type MoeOut = (Vec<u32>, Vec<f32>, Vec<ExpertCache>, Vec<f32>);

/// The MoE feed-forward of layer `l` on the normed rows `h`, added to the residual `x`.
pub(crate) fn moe(
	backend: &dyn Backend,
	w: &TransformerWeights,
	l: usize,
	h: &[f32],
	x: &[f32],
) -> Result<MoeOut, TransformerError> {
	let spec = w.spec;
	let (d, k) = (spec.d_model, spec.top_k);
	let n = h.len() / d;
	let (chosen, gates) = experts::route(backend, w, l, h)?;
	let mut experts: Vec<ExpertCache> = (0..spec.experts)
		.map(|_| ExpertCache {
			tokens: Vec::new(),
			slots: Vec::new(),
			x: Vec::new(),
			a: Vec::new(),
			b: Vec::new(),
			hidden: Vec::new(),
			y: Vec::new(),
		})
		.collect();
	for t in 0..n {
		for j in 0..k {
			let ex = &mut experts[chosen[t * k + j] as usize];
			ex.tokens.push(t);
			ex.slots.push(j);
			ex.x.extend_from_slice(&h[t * d..(t + 1) * d]);
		}
	}
	// The experts side by side where the backend allows, each on its own tokens.
	let indices: Vec<usize> = (0..spec.experts).collect();
	let tokens = |e: &usize| experts[*e].tokens.len();
	let computed = ops::map_parts_by_cost(backend, &indices, tokens, |backend, &e| {
		if experts[e].tokens.is_empty() {
			return Ok(None);
		}
		let matrices = ExpertMatrices::of(w, l, e)
			.ok_or(TransformerError::MissingExpert { layer: l, expert: e })?;
		experts::expert_pass(backend, &spec, matrices, &experts[e].x).map(Some)
	});
	for (ex, result) in experts.iter_mut().zip(computed) {
		if let Some([a, b, hidden, y]) = result? {
			(ex.a, ex.b, ex.hidden, ex.y) = (a, b, hidden, y);
		}
	}
	let out = experts::add_experts(&spec, x, &chosen, &gates, |e, i| &experts[e].y[i * d..]);
	finite(&out, "layer output")?;
	Ok((chosen, gates, experts, out))
}

/// The logits of every position (`N × vocab`, row-major).
pub fn logits(
	backend: &dyn Backend,
	w: &TransformerWeights,
	seqs: Sequences<'_>,
) -> Result<Vec<f32>, TransformerError> {
	Ok(forward(backend, w, seqs, false)?.logits)
}

/// Per-token cross-entropies of predicting `targets` (one per input token).
pub fn token_losses(
	backend: &dyn Backend,
	w: &TransformerWeights,
	seqs: Sequences<'_>,
	targets: &[u32],
) -> Result<Vec<f32>, TransformerError> {
	let fwd = forward(backend, w, seqs, false)?;
	let (losses, _) = head_loss(backend, &w.spec, &fwd.logits, targets)?;
	Ok(losses)
}

/// Per-token losses and the gradient of their mean with respect to the logits.
pub(crate) fn head_loss(
	backend: &dyn Backend,
	spec: &super::TransformerSpec,
	logits: &[f32],
	targets: &[u32],
) -> Result<(Vec<f32>, Vec<f32>), TransformerError> {
	let n = logits.len() / spec.vocab;
	if targets.len() != n {
		return Err(TransformerError::ShapeMismatch {
			tokens: targets.len(),
			sequences: 1,
			length: n,
		});
	}
	let targets: Vec<u8> = targets
		.iter()
		.map(|&t| {
			u8::try_from(t)
				.ok()
				.filter(|_| (t as usize) < spec.vocab)
				.ok_or(TransformerError::TokenOutOfVocab { token: t, vocab: spec.vocab })
		})
		.collect::<Result<_, _>>()?;
	let mut grad = vec![0.0f32; n * spec.vocab];
	let mut losses = vec![0.0f32; n];
	backend.cross_entropy_rows(logits, &targets, 1.0 / n as f32, &mut grad, &mut losses);
	finite(&losses, "loss")?;
	Ok((losses, grad))
}
