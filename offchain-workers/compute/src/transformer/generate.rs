//! Text generation with a key/value cache, deterministic for the same (weights, prompt,
//! sampling parameters, seed) on any thread count.
//!
//! Each new token is one row through the model: its query attends to the cached keys and values
//! of all earlier positions with the same FMA chains the batch forward pass uses, so its logits
//! have exactly the bits of the same position in [`super::forward::logits`] over the whole text.
//!
//! Sampling (a pure function of the logits, the parameters and `(seed, step)`):
//! * `temperature = 0`: the largest logit, ties to the lower token id (greedy);
//! * otherwise `z = logit / temperature` (rounded), candidates in descending `z` (ties: lower
//!   id), cut to the `top_k` first when `top_k > 0`; probabilities `p = exp(z − z_max) / Σ`
//!   (the sum left to right in candidate order); cut to the shortest prefix whose running sum
//!   of `p` reaches `top_p`; then `u = uniform(seed, stream "aiblock/sample", step) × kept
//!   mass` picks the first candidate whose running sum exceeds `u`.

use super::{
	forward::{columns, moe},
	ops,
	rope::RopeTable,
	TransformerError, TransformerWeights,
};
use crate::{
	backend::{self, Backend},
	math,
	pass::rm,
	rng,
};

/// How to pick each next token.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sampling {
	/// 0 for greedy decoding.
	pub temperature: f32,
	/// Keep only the `top_k` most likely tokens; 0 keeps all.
	pub top_k: usize,
	/// Keep the most likely tokens up to this much probability mass; 1 keeps all.
	pub top_p: f32,
	pub seed: u64,
}

impl Sampling {
	pub const GREEDY: Sampling = Sampling { temperature: 0.0, top_k: 0, top_p: 1.0, seed: 0 };

	/// Refuse parameters that cannot describe a distribution.
	pub fn validate(&self) -> Result<(), String> {
		if !(self.temperature >= 0.0 && self.temperature.is_finite()) {
			return Err(format!("temperature {} must be a finite number ≥ 0", self.temperature));
		}
		if !(self.top_p > 0.0 && self.top_p <= 1.0) {
			return Err(format!("top_p {} must be in (0, 1]", self.top_p));
		}
		Ok(())
	}

	/// The token to emit at generation step `step` given the logits of the last position.
	pub fn pick(&self, logits: &[f32], step: u64) -> u32 {
		if self.temperature == 0.0 {
			return argmax(logits);
		}
		let z: Vec<f32> = logits.iter().map(|&l| l / self.temperature).collect();
		let mut order: Vec<u32> = (0..z.len() as u32).collect();
		// Descending, ties to the lower id (a stable sort keeps ascending ids among equals).
		order.sort_by(|&a, &b| z[b as usize].total_cmp(&z[a as usize]));
		if self.top_k > 0 {
			order.truncate(self.top_k);
		}
		let m = z[order[0] as usize];
		let mut p: Vec<f32> = order.iter().map(|&t| math::exp(z[t as usize] - m)).collect();
		let sum = p.iter().fold(0.0f32, |s, &e| s + e);
		let mut kept = 0.0f32;
		let mut keep = p.len();
		for (i, pi) in p.iter_mut().enumerate() {
			*pi /= sum;
			kept += *pi;
			if kept >= self.top_p {
				keep = i + 1;
				break;
			}
		}
		let mass = p[..keep].iter().fold(0.0f32, |s, &e| s + e);
		let u = rng::uniform(self.seed, rng::stream_of("aiblock/sample"), step) * mass;
		let mut running = 0.0f32;
		for (i, &pi) in p[..keep].iter().enumerate() {
			running += pi;
			if running > u {
				return order[i];
			}
		}
		order[keep - 1]
	}
}

/// The index of the largest value, ties to the lower index.
pub fn argmax(values: &[f32]) -> u32 {
	let mut best = 0;
	for (i, &v) in values.iter().enumerate() {
		if v > values[best] {
			best = i;
		}
	}
	best as u32
}

/// A model reading one token at a time, with the keys and values of every position so far.
pub struct Decoder<'w> {
	backend: &'w dyn Backend,
	weights: &'w TransformerWeights,
	rope: RopeTable,
	/// Per layer, the keys and values of positions `0..position` (`position × kv_width`).
	keys: Vec<Vec<f32>>,
	values: Vec<Vec<f32>>,
	position: usize,
}

impl<'w> Decoder<'w> {
	pub fn new(
		backend: &'w dyn Backend,
		weights: &'w TransformerWeights,
	) -> Result<Self, TransformerError> {
		let spec = weights.spec;
		spec.validate()?;
		Ok(Decoder {
			backend,
			weights,
			rope: RopeTable::new(spec.context, spec.head_dim, spec.rope_theta),
			keys: vec![Vec::new(); spec.layers],
			values: vec![Vec::new(); spec.layers],
			position: 0,
		})
	}

	/// Positions read so far.
	pub fn position(&self) -> usize {
		self.position
	}

	/// Read `token` at the next position and return the logits for the one after it.
	pub fn step(&mut self, token: u32) -> Result<Vec<f32>, TransformerError> {
		let (w, backend) = (self.weights, self.backend);
		let spec = w.spec;
		if self.position >= spec.context {
			return Err(TransformerError::SequenceTooLong {
				length: self.position + 1,
				context: spec.context,
			});
		}
		if token as usize >= spec.vocab {
			return Err(TransformerError::TokenOutOfVocab { token, vocab: spec.vocab });
		}
		let (d, hd, pos) = (spec.d_model, spec.head_dim, self.position);
		let (qw, kw) = (spec.q_width(), spec.kv_width());
		let scale = 1.0 / (hd as f32).sqrt();
		let group = spec.heads / spec.kv_heads;
		let mut x = w.get("shared.embed")[token as usize * d..][..d].to_vec();
		let mut r = [0.0f32];
		for l in 0..spec.layers {
			let p = format!("layer{l}.attention");
			let mut h = vec![0.0; d];
			ops::rms_norm(&x, w.get(&format!("{p}.norm")), spec.norm_eps, &mut h, &mut r);
			let mut q = backend.matmul_new(rm(&h, 1, d), rm(w.get(&format!("{p}.wq")), d, qw))?;
			let mut k = backend.matmul_new(rm(&h, 1, d), rm(w.get(&format!("{p}.wk")), d, kw))?;
			let v = backend.matmul_new(rm(&h, 1, d), rm(w.get(&format!("{p}.wv")), d, kw))?;
			self.rope.apply(&mut q, spec.heads, pos);
			self.rope.apply(&mut k, spec.kv_heads, pos);
			self.keys[l].extend_from_slice(&k);
			self.values[l].extend_from_slice(&v);
			let (keys, values) = (&self.keys[l], &self.values[l]);
			let mut attn = vec![0.0f32; qw];
			let mut probs = vec![0.0f32; pos + 1];
			for head in 0..spec.heads {
				let kv = (head / group) * hd;
				let q_h = &q[head * hd..(head + 1) * hd];
				for (j, s) in probs.iter_mut().enumerate() {
					*s = backend::fma_dot(q_h, &keys[j * kw + kv..][..hd]);
				}
				ops::attention_softmax(&mut probs, scale);
				let out = backend
					.matmul_new(rm(&probs, 1, pos + 1), columns(values, pos + 1, kv, hd, kw))?;
				attn[head * hd..(head + 1) * hd].copy_from_slice(&out);
			}
			let o = backend.matmul_new(rm(&attn, 1, qw), rm(w.get(&format!("{p}.wo")), qw, d))?;
			let x_mid: Vec<f32> = x.iter().zip(&o).map(|(a, b)| a + b).collect();
			ops::rms_norm(&x_mid, w.get(&format!("{p}.ffn_norm")), spec.norm_eps, &mut h, &mut r);
			x = moe(backend, w, l, &h, &x_mid)?.3;
		}
		let mut h = vec![0.0; d];
		ops::rms_norm(&x, w.get("shared.norm"), spec.norm_eps, &mut h, &mut r);
		let logits = backend.matmul_new(rm(&h, 1, d), rm(w.get("shared.head"), d, spec.vocab))?;
		if !crate::pass::all_finite(&logits) {
			return Err(TransformerError::NonFinite("output logits"));
		}
		self.position += 1;
		Ok(logits)
	}
}

/// Continue `prompt` by `max_new` tokens, calling `on_token` with each as it is picked, and
/// return them.
///
/// A model reads at most `context` positions. When they are full the window slides: a fresh
/// decoder reads the last `context / 2` tokens of the text so far (at least one) and decoding
/// goes on from there, like nanoGPT's sampler cropping its input to the block size (half a
/// window at a time, so the keys and values are recomputed once per `context / 2` tokens). A
/// prompt longer than the context is cropped to its last `context` tokens the same way.
pub fn generate(
	backend: &dyn Backend,
	weights: &TransformerWeights,
	prompt: &[u32],
	max_new: usize,
	sampling: &Sampling,
	mut on_token: impl FnMut(u32),
) -> Result<Vec<u32>, TransformerError> {
	if prompt.is_empty() {
		return Err(TransformerError::EmptyBatch);
	}
	let context = weights.spec.context;
	let mut text = prompt.to_vec();
	let mut decoder = Decoder::new(backend, weights)?;
	let mut logits = Vec::new();
	for &token in &prompt[prompt.len().saturating_sub(context)..] {
		logits = decoder.step(token)?;
	}
	let mut out = Vec::with_capacity(max_new);
	for step in 0..max_new as u64 {
		let token = sampling.pick(&logits, step);
		out.push(token);
		text.push(token);
		on_token(token);
		if out.len() == max_new {
			break;
		}
		if decoder.position() >= context {
			decoder = Decoder::new(backend, weights)?;
			let keep = (context / 2).max(1);
			for &t in &text[text.len() - keep..text.len() - 1] {
				decoder.step(t)?;
			}
		}
		logits = decoder.step(token)?;
	}
	Ok(out)
}
