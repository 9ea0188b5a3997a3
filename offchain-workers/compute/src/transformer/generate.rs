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
	forward::{columns, head_parts, moe},
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

	/// The smallest temperature above 0: logits divided by less could overflow f32.
	pub const MIN_TEMPERATURE: f32 = 1e-3;

	/// Refuse parameters that cannot describe a distribution.
	pub fn validate(&self) -> Result<(), TransformerError> {
		let temperature_ok = self.temperature == 0.0
			|| (self.temperature >= Self::MIN_TEMPERATURE && self.temperature.is_finite());
		if !temperature_ok {
			return Err(TransformerError::Sampling(format!(
				"temperature {} must be 0 (greedy) or a finite number ≥ {}",
				self.temperature,
				Self::MIN_TEMPERATURE
			)));
		}
		if !(self.top_p > 0.0 && self.top_p <= 1.0) {
			return Err(TransformerError::Sampling(format!(
				"top_p {} must be in (0, 1]",
				self.top_p
			)));
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

/// A model reading one token at a time of each of `batch` sequences (in lockstep), with the keys
/// and values of every position so far. Each sequence's logits have exactly the bits they have
/// when it is decoded alone.
pub struct Decoder<'w> {
	backend: &'w dyn Backend,
	weights: &'w TransformerWeights,
	rope: RopeTable,
	batch: usize,
	/// Per layer and sequence, the keys and values of positions `0..position`
	/// (`position × kv_width`).
	keys: Vec<Vec<Vec<f32>>>,
	values: Vec<Vec<Vec<f32>>>,
	position: usize,
}

impl<'w> Decoder<'w> {
	/// A decoder of one sequence.
	pub fn new(
		backend: &'w dyn Backend,
		weights: &'w TransformerWeights,
	) -> Result<Self, TransformerError> {
		Self::batched(backend, weights, 1)
	}

	/// A decoder of `batch` sequences at once.
	pub fn batched(
		backend: &'w dyn Backend,
		weights: &'w TransformerWeights,
		batch: usize,
	) -> Result<Self, TransformerError> {
		let spec = weights.spec;
		spec.validate()?;
		if batch == 0 {
			return Err(TransformerError::EmptyBatch);
		}
		Ok(Decoder {
			backend,
			weights,
			rope: RopeTable::new(spec.context, spec.head_dim, spec.rope_theta),
			batch,
			keys: vec![vec![Vec::new(); batch]; spec.layers],
			values: vec![vec![Vec::new(); batch]; spec.layers],
			position: 0,
		})
	}

	/// Positions read so far.
	pub fn position(&self) -> usize {
		self.position
	}

	/// Read `token` at the next position (a decoder of one sequence) and return the logits for
	/// the one after it.
	pub fn step(&mut self, token: u32) -> Result<Vec<f32>, TransformerError> {
		self.step_all(&[token])
	}

	/// Read one token of every sequence at the next position; returns `batch × vocab` logits.
	/// After an error the decoder is as it was before the call.
	pub fn step_all(&mut self, tokens: &[u32]) -> Result<Vec<f32>, TransformerError> {
		let backend = self.backend;
		let result = backend::on_workers(backend, || self.read(tokens));
		if result.is_err() {
			// Drop the keys and values a failed step appended.
			let keep = self.position * self.weights.spec.kv_width();
			for cache in self.keys.iter_mut().chain(self.values.iter_mut()) {
				cache.iter_mut().for_each(|rows| rows.truncate(keep));
			}
		}
		result
	}

	fn read(&mut self, tokens: &[u32]) -> Result<Vec<f32>, TransformerError> {
		let (w, backend) = (self.weights, self.backend);
		let spec = w.spec;
		let batch = self.batch;
		if tokens.len() != batch {
			return Err(TransformerError::ShapeMismatch {
				tokens: tokens.len(),
				sequences: batch,
				length: 1,
			});
		}
		if self.position >= spec.context {
			return Err(TransformerError::SequenceTooLong {
				length: self.position + 1,
				context: spec.context,
			});
		}
		if let Some(&token) = tokens.iter().find(|&&t| t as usize >= spec.vocab) {
			return Err(TransformerError::TokenOutOfVocab { token, vocab: spec.vocab });
		}
		let (d, hd, pos) = (spec.d_model, spec.head_dim, self.position);
		let (qw, kw) = (spec.q_width(), spec.kv_width());
		let scale = 1.0 / (hd as f32).sqrt();
		let group = spec.heads / spec.kv_heads;
		let embed = w.get("shared.embed");
		let mut x: Vec<f32> = Vec::with_capacity(batch * d);
		for &token in tokens {
			x.extend_from_slice(&embed[token as usize * d..][..d]);
		}
		let mut r = vec![0.0f32; batch];
		let mut h = vec![0.0f32; batch * d];
		for l in 0..spec.layers {
			let p = format!("layer{l}.attention");
			ops::rms_norm(&x, w.get(&format!("{p}.norm")), spec.norm_eps, &mut h, &mut r);
			let mut q =
				backend.matmul_new(rm(&h, batch, d), rm(w.get(&format!("{p}.wq")), d, qw))?;
			let mut k =
				backend.matmul_new(rm(&h, batch, d), rm(w.get(&format!("{p}.wk")), d, kw))?;
			let v = backend.matmul_new(rm(&h, batch, d), rm(w.get(&format!("{p}.wv")), d, kw))?;
			for s in 0..batch {
				self.rope.apply(&mut q[s * qw..(s + 1) * qw], spec.heads, pos);
				self.rope.apply(&mut k[s * kw..(s + 1) * kw], spec.kv_heads, pos);
				self.keys[l][s].extend_from_slice(&k[s * kw..(s + 1) * kw]);
				self.values[l][s].extend_from_slice(&v[s * kw..(s + 1) * kw]);
			}
			let (keys, values) = (&self.keys[l], &self.values[l]);
			// One part per sequence and head, side by side where the backend allows.
			let parts = head_parts(batch, spec.heads);
			let heads = ops::map_parts(backend, &parts, |backend, &(s, head)| {
				let kv = (head / group) * hd;
				let q_h = &q[s * qw + head * hd..][..hd];
				let mut probs: Vec<f32> = (0..=pos)
					.map(|j| backend::fma_dot(q_h, &keys[s][j * kw + kv..][..hd]))
					.collect();
				ops::attention_softmax(&mut probs, scale);
				backend.matmul_new(rm(&probs, 1, pos + 1), columns(&values[s], pos + 1, kv, hd, kw))
			});
			let mut attn = vec![0.0f32; batch * qw];
			for (&(s, head), out) in parts.iter().zip(heads) {
				attn[s * qw + head * hd..][..hd].copy_from_slice(&out?);
			}
			let o =
				backend.matmul_new(rm(&attn, batch, qw), rm(w.get(&format!("{p}.wo")), qw, d))?;
			let x_mid: Vec<f32> = x.iter().zip(&o).map(|(a, b)| a + b).collect();
			ops::rms_norm(&x_mid, w.get(&format!("{p}.ffn_norm")), spec.norm_eps, &mut h, &mut r);
			x = moe(backend, w, l, &h, &x_mid)?.3;
		}
		ops::rms_norm(&x, w.get("shared.norm"), spec.norm_eps, &mut h, &mut r);
		let logits =
			backend.matmul_new(rm(&h, batch, d), rm(w.get("shared.head"), d, spec.vocab))?;
		if !crate::pass::all_finite(&logits) {
			return Err(TransformerError::NonFinite("output logits"));
		}
		self.position += 1;
		Ok(logits)
	}
}

/// Continue equally long `prompts` side by side, `max_new` tokens each, sequence `i` sampled
/// with `samplings[i]`; returns each sequence's new tokens. Each sequence gets exactly the
/// tokens [`generate`] gives it alone (no sliding: the prompt plus `max_new` must fit the
/// context).
pub fn generate_batch(
	backend: &dyn Backend,
	weights: &TransformerWeights,
	prompts: &[Vec<u32>],
	max_new: usize,
	samplings: &[Sampling],
) -> Result<Vec<Vec<u32>>, TransformerError> {
	let length = prompts.first().map_or(0, Vec::len);
	if length == 0 || prompts.iter().any(|p| p.len() != length) || samplings.len() != prompts.len()
	{
		return Err(TransformerError::ShapeMismatch {
			tokens: prompts.iter().map(Vec::len).sum(),
			sequences: prompts.len(),
			length,
		});
	}
	for sampling in samplings {
		sampling.validate()?;
	}
	if length + max_new > weights.spec.context + 1 {
		return Err(TransformerError::SequenceTooLong {
			length: length + max_new,
			context: weights.spec.context,
		});
	}
	let mut decoder = Decoder::batched(backend, weights, prompts.len())?;
	let mut logits = Vec::new();
	for i in 0..length {
		let column: Vec<u32> = prompts.iter().map(|p| p[i]).collect();
		logits = decoder.step_all(&column)?;
	}
	let vocab = weights.spec.vocab;
	let mut out = vec![Vec::with_capacity(max_new); prompts.len()];
	for step in 0..max_new {
		let picked: Vec<u32> = samplings
			.iter()
			.enumerate()
			.map(|(s, sampling)| sampling.pick(&logits[s * vocab..(s + 1) * vocab], step as u64))
			.collect();
		for (o, &t) in out.iter_mut().zip(&picked) {
			o.push(t);
		}
		if step + 1 < max_new {
			logits = decoder.step_all(&picked)?;
		}
	}
	Ok(out)
}

/// Continue `prompt` by `max_new` tokens, calling `on_token` with each as it is picked, and
/// return them: a loop over [`Generator`] (whose docs say how the window slides).
pub fn generate(
	backend: &dyn Backend,
	weights: &TransformerWeights,
	prompt: &[u32],
	max_new: usize,
	sampling: &Sampling,
	mut on_token: impl FnMut(u32),
) -> Result<Vec<u32>, TransformerError> {
	let mut generator = Generator::new(backend, weights, prompt, *sampling)?;
	let mut out = Vec::with_capacity(max_new);
	for _ in 0..max_new {
		let token = generator.next_token()?;
		on_token(token);
		out.push(token);
	}
	Ok(out)
}

/// One sequence's continuation, a token per call: what a server streams (and stops when it
/// likes). The tokens are exactly [`generate`]'s for the same (weights, prompt, sampling).
///
/// A model reads at most `context` positions. When they are full the window slides: a fresh
/// decoder reads the last `context / 2` tokens of the text so far (at least one) and decoding
/// goes on from there, like nanoGPT's sampler cropping its input to the block size (half a
/// window at a time, so the keys and values are recomputed once per `context / 2` tokens). A
/// prompt longer than the context is cropped to its last `context` tokens.
pub struct Generator<'w> {
	backend: &'w dyn Backend,
	weights: &'w TransformerWeights,
	sampling: Sampling,
	decoder: Decoder<'w>,
	/// The last tokens of the text (prompt and output), enough to refill a slid window.
	recent: Vec<u32>,
	/// The logits for the next pick.
	logits: Vec<f32>,
	/// The last token picked, not yet read by the decoder (read lazily, so that the last
	/// token of a run costs no model pass).
	pending: Option<u32>,
	/// Tokens picked so far: the sampler's step.
	picked: u64,
}

impl<'w> Generator<'w> {
	/// Read `prompt` (its last `context` tokens) and get ready to pick the first new token.
	pub fn new(
		backend: &'w dyn Backend,
		weights: &'w TransformerWeights,
		prompt: &[u32],
		sampling: Sampling,
	) -> Result<Self, TransformerError> {
		if prompt.is_empty() {
			return Err(TransformerError::EmptyBatch);
		}
		sampling.validate()?;
		let context = weights.spec.context;
		let read = &prompt[prompt.len().saturating_sub(context)..];
		let mut decoder = Decoder::new(backend, weights)?;
		let mut logits = Vec::new();
		for &token in read {
			logits = decoder.step(token)?;
		}
		Ok(Generator {
			backend,
			weights,
			sampling,
			decoder,
			recent: read.to_vec(),
			logits,
			pending: None,
			picked: 0,
		})
	}

	/// Tokens picked so far.
	pub fn picked(&self) -> u64 {
		self.picked
	}

	/// Pick the next token. After an error the generator is as it was before the call (the
	/// call can be repeated).
	pub fn next_token(&mut self) -> Result<u32, TransformerError> {
		if let Some(token) = self.pending {
			let context = self.weights.spec.context;
			if self.decoder.position() >= context {
				// Slide: a fresh decoder over the last half window, the pending token last.
				let mut fresh = Decoder::new(self.backend, self.weights)?;
				let keep = (context / 2).max(1);
				for &t in &self.recent[self.recent.len() - keep..self.recent.len() - 1] {
					fresh.step(t)?;
				}
				self.logits = fresh.step(token)?;
				self.decoder = fresh;
			} else {
				self.logits = self.decoder.step(token)?;
			}
			self.pending = None;
		}
		let token = self.sampling.pick(&self.logits, self.picked);
		self.picked += 1;
		self.pending = Some(token);
		self.recent.push(token);
		// Only the last half window is ever read again.
		let context = self.weights.spec.context;
		if self.recent.len() > 2 * context {
			self.recent.drain(..self.recent.len() - context);
		}
		Ok(token)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		backend::Cpu,
		transformer::{genesis, TransformerSpec},
	};

	/// Generation pinned: 100 tokens past several window slides (context 32), sampled and
	/// greedy, as the crate's hex of their bytes. Computed before `generate` became a loop over
	/// [`Generator`]; any change of the tokens is a change of the numerics.
	#[test]
	fn generated_tokens_are_pinned() {
		let spec = TransformerSpec::TINY;
		let w = genesis(spec, 9).unwrap();
		let prompt: Vec<u32> = b"To be, or not to be".iter().map(|&b| u32::from(b)).collect();
		let sampled = Sampling { temperature: 0.9, top_k: 40, top_p: 0.95, seed: 11 };
		let got = [sampled, Sampling::GREEDY].map(|sampling| {
			let tokens = generate(&Cpu::auto(), &w, &prompt, 100, &sampling, |_| {}).unwrap();
			let bytes: Vec<u8> = tokens.iter().map(|&t| t as u8).collect();
			crate::tensor::hex(&blake3::hash(&bytes).as_bytes()[..])
		});
		assert_eq!(got, PINNED_TOKENS, "{got:#?}");
	}

	const PINNED_TOKENS: [&str; 2] = [
		"c03d3335d29fa2f9ccb9767e98b9af3f721ce49cb76c1ef321e8af434d21b21e",
		"d335411e1d888b6f74c9d431b94ede02609bb9c4fe49ffe95278a9ca1933949c",
	];

	#[test]
	fn a_failed_step_leaves_the_decoder_as_it_was() {
		let mut w = genesis(TransformerSpec::TINY, 1).unwrap();
		for e in 0..4 {
			w.tensors.get_mut(&format!("layer1.expert{e}.w2")).unwrap().data.fill(f32::NAN);
		}
		let cpu = Cpu::auto();
		let mut decoder = Decoder::new(&cpu, &w).unwrap();
		// Layer 0 appends its keys and values before layer 1's experts fail.
		assert_eq!(decoder.step(3).unwrap_err(), TransformerError::NonFinite("layer output"));
		assert_eq!(decoder.position(), 0);
		assert!(decoder.keys.iter().chain(&decoder.values).flatten().all(|rows| rows.is_empty()));
		assert!(matches!(
			Sampling { temperature: 1e-30, ..Sampling::GREEDY }.validate(),
			Err(TransformerError::Sampling(_))
		));
		let bad = Sampling { top_p: 2.0, ..Sampling::GREEDY };
		assert!(generate(&cpu, &w, &[1], 1, &bad, |_| {}).is_err());
	}
}
