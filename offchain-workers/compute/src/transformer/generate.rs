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

pub use super::decode::Decoder;
use super::{TransformerError, TransformerWeights};
use crate::{backend::Backend, math, rng};
use std::collections::VecDeque;

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

/// One sequence's continuation, driven over a lane of a [`Decoder`]: which tokens the lane reads
/// next, and when the next token can be picked. [`Generator`], [`generate_batch`] and the
/// server all drive it the same way, so they give the same tokens for the same (weights,
/// prompt, sampling), however the sequences are batched.
///
/// A model reads at most `context` positions. When they are full the window slides: the lane
/// restarts on the last `context / 2` tokens of the text so far (at least one) and decoding goes
/// on from there, like nanoGPT's sampler cropping its input to the block size (half a window at
/// a time, so the keys and values are recomputed once per `context / 2` tokens). A prompt
/// longer than the context is cropped to its last `context` tokens.
#[derive(Clone, Debug)]
pub struct Continuation {
	sampling: Sampling,
	context: usize,
	/// Tokens the lane has still to read before the next pick: the prompt, then each token
	/// picked (read lazily, so that the last token of a run costs no model pass).
	unread: VecDeque<u32>,
	/// The last tokens of the text (prompt and output), ending with the unread ones: enough
	/// to refill a slid window.
	recent: Vec<u32>,
	/// Tokens picked so far: the sampler's step.
	picked: u64,
}

impl Continuation {
	/// Continue `prompt` (its last `context` tokens) with `sampling`.
	pub fn new(
		prompt: &[u32],
		sampling: Sampling,
		context: usize,
	) -> Result<Continuation, TransformerError> {
		if prompt.is_empty() {
			return Err(TransformerError::EmptyBatch);
		}
		if context == 0 {
			return Err(TransformerError::Zero("context"));
		}
		sampling.validate()?;
		let read = &prompt[prompt.len().saturating_sub(context)..];
		Ok(Continuation {
			sampling,
			context,
			unread: read.iter().copied().collect(),
			recent: read.to_vec(),
			picked: 0,
		})
	}

	/// The tokens `lane` of `decoder` reads next: at most `chunk` (and at least one) of those
	/// still unread. When the lane's window is full it is restarted first, on the last half
	/// window.
	pub fn next_reads(
		&mut self,
		decoder: &mut Decoder<'_>,
		lane: usize,
		chunk: usize,
	) -> Result<Vec<u32>, TransformerError> {
		let take = |unread: usize| chunk.clamp(1, unread.max(1));
		if decoder.position(lane) + take(self.unread.len()) > self.context {
			decoder.restart(lane)?;
			let keep = (self.context / 2).max(1).max(self.unread.len()).min(self.recent.len());
			self.unread = self.recent[self.recent.len() - keep..].iter().copied().collect();
		}
		Ok(self.unread.iter().take(take(self.unread.len())).copied().collect())
	}

	/// The lane has read the first `count` unread tokens.
	pub fn read(&mut self, count: usize) {
		self.unread.drain(..count.min(self.unread.len()));
	}

	/// Whether every token before the next pick has been read.
	pub fn ready(&self) -> bool {
		self.unread.is_empty()
	}

	/// Pick the next token from the logits after the last token read (call when
	/// [`Continuation::ready`]); the lane reads it next.
	pub fn pick(&mut self, logits: &[f32]) -> u32 {
		let token = self.sampling.pick(logits, self.picked);
		self.picked += 1;
		self.unread.push_back(token);
		self.recent.push(token);
		// Only the last half window is ever read again.
		if self.recent.len() > 2 * self.context {
			self.recent.drain(..self.recent.len() - self.context);
		}
		token
	}

	/// Tokens picked so far.
	pub fn picked(&self) -> u64 {
		self.picked
	}
}

/// The logits of row `row` of a pass.
pub fn row(logits: &[f32], row: usize, vocab: usize) -> &[f32] {
	&logits[row * vocab..(row + 1) * vocab]
}

/// Continue `prompts` side by side, `max_new` tokens each, sequence `i` sampled with
/// `samplings[i]`; returns each sequence's new tokens, exactly those [`generate`] gives it alone.
/// Prompts may differ in length; each sequence's window slides on its own.
pub fn generate_batch(
	backend: &dyn Backend,
	weights: &TransformerWeights,
	prompts: &[Vec<u32>],
	max_new: usize,
	samplings: &[Sampling],
) -> Result<Vec<Vec<u32>>, TransformerError> {
	if prompts.is_empty() || samplings.len() != prompts.len() {
		return Err(TransformerError::ShapeMismatch {
			tokens: prompts.iter().map(Vec::len).sum(),
			sequences: prompts.len(),
			length: samplings.len(),
		});
	}
	let spec = weights.spec;
	let mut continuations = prompts
		.iter()
		.zip(samplings)
		.map(|(prompt, &sampling)| Continuation::new(prompt, sampling, spec.context))
		.collect::<Result<Vec<_>, _>>()?;
	let mut decoder = Decoder::with_lanes(backend, weights, prompts.len())?;
	let mut out = vec![Vec::with_capacity(max_new); prompts.len()];
	loop {
		let active: Vec<usize> = (0..prompts.len()).filter(|&s| out[s].len() < max_new).collect();
		if active.is_empty() {
			return Ok(out);
		}
		let mut reads = Vec::with_capacity(active.len());
		for &s in &active {
			reads.push(continuations[s].next_reads(&mut decoder, s, spec.context)?);
		}
		let pass: Vec<(usize, &[u32])> =
			active.iter().zip(&reads).map(|(&s, r)| (s, r.as_slice())).collect();
		let logits = decoder.read(&pass)?;
		let mut rows = 0;
		for (&s, r) in active.iter().zip(&reads) {
			rows += r.len();
			continuations[s].read(r.len());
			if continuations[s].ready() {
				let token = continuations[s].pick(row(&logits, rows - 1, spec.vocab));
				out[s].push(token);
			}
		}
	}
}

/// Continue `prompt` by `max_new` tokens, calling `on_token` with each as it is picked, and
/// return them: a loop over [`Generator`].
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

/// One sequence's continuation, a token per call, on a decoder of its own. The prompt is read
/// in one pass when the generator is made; each call then reads the token picked last and
/// picks the next (see [`Continuation`] for how the window slides).
pub struct Generator<'w> {
	decoder: Decoder<'w>,
	continuation: Continuation,
	/// The logits after the last token read.
	logits: Vec<f32>,
}

impl<'w> Generator<'w> {
	/// Read `prompt` (its last `context` tokens) and get ready to pick the first new token.
	pub fn new(
		backend: &'w dyn Backend,
		weights: &'w TransformerWeights,
		prompt: &[u32],
		sampling: Sampling,
	) -> Result<Self, TransformerError> {
		let continuation = Continuation::new(prompt, sampling, weights.spec.context)?;
		let mut generator = Generator {
			decoder: Decoder::new(backend, weights)?,
			continuation,
			logits: Vec::new(),
		};
		generator.read_all()?;
		Ok(generator)
	}

	/// Tokens picked so far.
	pub fn picked(&self) -> u64 {
		self.continuation.picked()
	}

	/// Pick the next token. After an error the generator can be called again and goes on as
	/// if the error had not happened.
	pub fn next_token(&mut self) -> Result<u32, TransformerError> {
		self.read_all()?;
		Ok(self.continuation.pick(&self.logits))
	}

	/// Read what the continuation has not read yet.
	fn read_all(&mut self) -> Result<(), TransformerError> {
		let vocab = self.decoder.weights().spec.vocab;
		while !self.continuation.ready() {
			let context = self.decoder.weights().spec.context;
			let reads = self.continuation.next_reads(&mut self.decoder, 0, context)?;
			let logits = self.decoder.read(&[(0, &reads)])?;
			self.continuation.read(reads.len());
			self.logits = row(&logits, reads.len() - 1, vocab).to_vec();
		}
		Ok(())
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
	fn a_full_window_slides_and_its_half_is_read_in_one_pass() {
		let w = genesis(TransformerSpec::TINY, 2).unwrap();
		let cpu = Cpu::auto();
		let mut decoder = Decoder::new(&cpu, &w).unwrap();
		let context = w.spec.context;
		let mut continuation =
			Continuation::new(&vec![1; context + 5], Sampling::GREEDY, context).unwrap();
		let reads = continuation.next_reads(&mut decoder, 0, 64).unwrap();
		assert_eq!(reads.len(), context, "a long prompt is cropped to the context");
		let logits = decoder.read(&[(0, &reads)]).unwrap();
		continuation.read(reads.len());
		assert!(continuation.ready());
		let picked = continuation.pick(&logits[(context - 1) * 256..]);
		let reads = continuation.next_reads(&mut decoder, 0, 64).unwrap();
		assert_eq!(decoder.position(0), 0, "restarted");
		assert_eq!(reads.len(), context / 2);
		assert_eq!(reads.last(), Some(&picked));
	}

	#[test]
	fn bad_sampling_is_refused() {
		let w = genesis(TransformerSpec::TINY, 1).unwrap();
		assert!(matches!(
			Sampling { temperature: 1e-30, ..Sampling::GREEDY }.validate(),
			Err(TransformerError::Sampling(_))
		));
		let bad = Sampling { top_p: 2.0, ..Sampling::GREEDY };
		assert!(generate(&Cpu::auto(), &w, &[1], 1, &bad, |_| {}).is_err());
		assert_eq!(
			Continuation::new(&[], Sampling::GREEDY, 32).unwrap_err(),
			TransformerError::EmptyBatch
		);
	}
}
