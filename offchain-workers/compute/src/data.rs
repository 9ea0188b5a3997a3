//! Training data: byte datasets, the synthetic Markov source with a known entropy rate, and the
//! batches a step trains on.
//!
//! A batch is a pure function of `(dataset bytes and mix, seed, step)`: the positions of step `s`
//! are draws of stream `s`, so a verifier replaying step `s` needs nothing but those values.
//!
//! A job may train on several datasets, each with a weight (its `parts` of the mix). The bytes
//! are concatenated in the job's order, and each drawn item (a byte model's target position, a
//! transformer's sequence) first picks a dataset with probability `parts / Σ parts`, then a
//! start inside it, so that a small dataset weighted high is seen as often as the job asks
//! whatever its size. Data of one dataset (or a mix of one) is drawn over the whole bytes.

use crate::rng;

/// A dataset: a sequence of bytes the model learns to continue, and how it mixes the datasets
/// it was concatenated from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
	pub bytes: Vec<u8>,
	/// The parts the bytes were concatenated from, in order (their lengths add up to the
	/// bytes'), each with its weight; empty: one part, the whole.
	pub mix: Vec<MixPart>,
}

/// One dataset of a mix: its length in the concatenated bytes and its weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MixPart {
	pub len: usize,
	pub parts: u32,
}

/// The stream-seed tweak of the dataset choice, so that it is independent of the draw of the
/// start inside the dataset.
const MIX_SEED: u64 = 0x6d69_785f_7061_7274;

/// The inputs and targets of one batch: for each of the `targets.len()` tokens, the `context`
/// bytes before it (most recent last; zero before the start of the data) and the byte itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
	pub context: usize,
	/// `targets.len() × context` bytes, row-major.
	pub contexts: Vec<u8>,
	pub targets: Vec<u8>,
}

impl Batch {
	pub fn len(&self) -> usize {
		self.targets.len()
	}

	pub fn is_empty(&self) -> bool {
		self.targets.is_empty()
	}

	/// The context bytes of token `t`.
	pub fn context_of(&self, t: usize) -> &[u8] {
		&self.contexts[t * self.context..(t + 1) * self.context]
	}
}

impl Dataset {
	/// One dataset's bytes.
	pub fn new(bytes: Vec<u8>) -> Self {
		Dataset { bytes, mix: Vec::new() }
	}

	/// Datasets concatenated in order, each drawn from with its weight (`parts`).
	pub fn mixed(datasets: Vec<(Vec<u8>, u32)>) -> Self {
		let mix =
			datasets.iter().map(|(b, parts)| MixPart { len: b.len(), parts: *parts }).collect();
		Dataset { bytes: datasets.into_iter().flat_map(|(b, _)| b).collect(), mix }
	}

	/// Read a file as a dataset.
	pub fn from_file(path: &std::path::Path) -> std::io::Result<Self> {
		Ok(Self::new(std::fs::read(path)?))
	}

	/// Where item `index` of step `step` under `seed` starts, for items that need `tail` bytes
	/// after their start: in `0..len - tail` (the caller checks `len > tail`). With a mix of
	/// several datasets the dataset is drawn first by weight, then the start inside it (an item
	/// longer than its dataset runs on into the next one).
	pub fn draw_start(&self, tail: usize, seed: u64, step: u64, index: u64) -> usize {
		let starts = self.bytes.len() - tail;
		let Some((offset, len)) = self.draw_part(seed, step, index) else {
			return rng::below(seed, step, index, starts as u64) as usize;
		};
		let inside = len.saturating_sub(tail).max(1);
		(offset + rng::below(seed, step, index, inside as u64) as usize).min(starts - 1)
	}

	/// The offset and length of the dataset item `index` of `step` is drawn from, when the
	/// bytes mix several datasets with a weight.
	fn draw_part(&self, seed: u64, step: u64, index: u64) -> Option<(usize, usize)> {
		let total: u64 = self.mix.iter().map(|p| u64::from(p.parts)).sum();
		if self.mix.len() < 2 || total == 0 {
			return None;
		}
		let mut pick = rng::below(seed ^ MIX_SEED, step, index, total);
		let mut offset = 0;
		for part in &self.mix {
			if pick < u64::from(part.parts) {
				return Some((offset, part.len));
			}
			pick -= u64::from(part.parts);
			offset += part.len;
		}
		None
	}

	/// The batch for positions `positions`.
	pub fn batch_at(&self, context: usize, positions: impl IntoIterator<Item = usize>) -> Batch {
		let mut contexts = Vec::new();
		let mut targets = Vec::new();
		for pos in positions {
			for back in (1..=context).rev() {
				contexts.push(if pos >= back { self.bytes[pos - back] } else { 0 });
			}
			targets.push(self.bytes[pos]);
		}
		Batch { context, contexts, targets }
	}

	/// The training batch of `step`: `tokens` positions drawn (with replacement) from stream
	/// `step` under `seed`, uniformly over the bytes or by the mix ([`Dataset::draw_start`]).
	/// An empty dataset gives an empty batch.
	pub fn training_batch(&self, context: usize, tokens: usize, seed: u64, step: u64) -> Batch {
		if self.bytes.is_empty() {
			return self.batch_at(context, core::iter::empty());
		}
		self.batch_at(context, (0..tokens as u64).map(|i| self.draw_start(0, seed, step, i)))
	}

	/// Every position in order, in batches of at most `tokens`: what evaluation scores.
	pub fn sequential_batches(
		&self,
		context: usize,
		tokens: usize,
	) -> impl Iterator<Item = Batch> + '_ {
		let len = self.bytes.len();
		(0..len)
			.step_by(tokens.max(1))
			.map(move |start| self.batch_at(context, start..(start + tokens.max(1)).min(len)))
	}
}

/// A sparse random Markov source over bytes: after each `order`-byte context comes one of
/// `branching` distinct bytes, each with probability `1 / branching`. Its entropy rate is
/// therefore exactly `ln(branching)` nats per byte, whatever the stationary distribution: the
/// floor a model's validation cross-entropy can approach.
#[derive(Clone, Debug)]
pub struct MarkovSource {
	pub order: usize,
	pub branching: usize,
	pub seed: u64,
}

impl MarkovSource {
	/// The entropy rate in nats per byte.
	pub fn entropy_rate(&self) -> f64 {
		(self.branching as f64).ln()
	}

	/// The successors of a context (the `order` bytes before, most recent last).
	fn successor(&self, context: &[u8], choice: u64) -> u8 {
		// A context's successor set is a seeded partial shuffle of 0..=255; only the first
		// `branching` entries are ever used.
		let key = context.iter().fold(0u64, |k, &b| (k << 8) | u64::from(b));
		let mut pool: [u8; 256] = core::array::from_fn(|i| i as u8);
		for i in 0..=choice as usize {
			let j = i + rng::below(self.seed, key, i as u64, (256 - i) as u64) as usize;
			pool.swap(i, j);
		}
		pool[choice as usize]
	}

	/// `len` bytes of the source, starting from an all-zero context. Deterministic in the seed;
	/// `stream` selects an independent sample (e.g. 0 for training, 1 for validation).
	pub fn generate(&self, len: usize, stream: u64) -> Dataset {
		assert!((1..=256).contains(&self.branching), "branching must be in 1..=256");
		assert!(self.order <= 7, "contexts longer than 7 bytes are not supported");
		let mut bytes = Vec::with_capacity(len);
		let mut context = vec![0u8; self.order];
		for i in 0..len {
			let choice = rng::below(
				self.seed ^ rng::mix64(stream + 1),
				u64::MAX,
				i as u64,
				self.branching as u64,
			);
			let next = self.successor(&context, choice);
			bytes.push(next);
			if self.order > 0 {
				context.rotate_left(1);
				context[self.order - 1] = next;
			}
		}
		Dataset::new(bytes)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::collections::{BTreeMap, BTreeSet};

	#[test]
	fn markov_source_has_the_declared_branching() {
		let src = MarkovSource { order: 1, branching: 4, seed: 11 };
		let data = src.generate(200_000, 0);
		let mut successors: BTreeMap<u8, BTreeSet<u8>> = BTreeMap::new();
		for w in data.bytes.windows(2) {
			successors.entry(w[0]).or_default().insert(w[1]);
		}
		assert!(successors.values().all(|s| s.len() <= 4));
		assert!(
			successors.values().filter(|s| s.len() == 4).count() > 10,
			"most contexts branch 4 ways"
		);
		assert_eq!(data, src.generate(200_000, 0), "deterministic");
		assert_ne!(data.bytes[..1000], src.generate(1000, 1).bytes[..], "streams differ");
		assert!((src.entropy_rate() - 4f64.ln()).abs() < 1e-12);
	}

	#[test]
	fn empirical_conditional_entropy_matches_the_rate() {
		let src = MarkovSource { order: 1, branching: 8, seed: 5 };
		let data = src.generate(400_000, 0);
		let mut pair = BTreeMap::<(u8, u8), f64>::new();
		let mut single = BTreeMap::<u8, f64>::new();
		for w in data.bytes.windows(2) {
			*pair.entry((w[0], w[1])).or_default() += 1.0;
			*single.entry(w[0]).or_default() += 1.0;
		}
		let n = (data.bytes.len() - 1) as f64;
		let h: f64 = pair.iter().map(|(&(a, _), &c)| -(c / n) * (c / single[&a]).ln()).sum();
		assert!((h - src.entropy_rate()).abs() < 0.01, "{h} vs {}", src.entropy_rate());
	}

	#[test]
	fn batches_are_a_function_of_seed_and_step() {
		let data = Dataset::new((0..=255u8).cycle().take(1000).collect());
		let a = data.training_batch(3, 16, 42, 7);
		assert_eq!(a, data.training_batch(3, 16, 42, 7));
		assert_ne!(a, data.training_batch(3, 16, 42, 8));
		assert_eq!(a.len(), 16);
		for t in 0..a.len() {
			let ctx = a.context_of(t);
			// In this cyclic data the context is the three bytes before the target.
			if ctx[0] != 0 || ctx[1] != 0 {
				assert_eq!(ctx[2].wrapping_add(1), a.targets[t]);
			}
		}
		let first = data.batch_at(3, [0, 1]);
		assert_eq!(first.contexts, vec![0, 0, 0, 0, 0, 0]);
		let all: usize = data.sequential_batches(3, 300).map(|b| b.len()).sum();
		assert_eq!(all, 1000);
		assert!(Dataset::new(vec![]).training_batch(2, 4, 1, 1).is_empty());
	}

	#[test]
	fn a_mix_draws_each_dataset_by_its_weight_whatever_its_size() {
		// A large dataset of `a`s weighted 1 and a small one of `b`s weighted 3.
		let data = Dataset::mixed(vec![(vec![b'a'; 100_000], 1), (vec![b'b'; 1_000], 3)]);
		assert_eq!(data.bytes.len(), 101_000);
		let batch = data.training_batch(2, 20_000, 7, 0);
		let bs = batch.targets.iter().filter(|&&t| t == b'b').count() as f64 / 20_000.0;
		assert!((bs - 0.75).abs() < 0.02, "{bs}");
		assert_eq!(batch, data.training_batch(2, 20_000, 7, 0), "a function of seed and step");
		// A mix of one draws exactly as the plain bytes do.
		let one = Dataset::mixed(vec![(data.bytes.clone(), 5)]);
		assert_eq!(
			one.training_batch(2, 64, 7, 3),
			Dataset::new(data.bytes.clone()).training_batch(2, 64, 7, 3)
		);
		// Items needing a tail stay in range, even from a dataset shorter than the item.
		let short = Dataset::mixed(vec![(vec![1; 3], 1), (vec![2; 50], 1)]);
		for i in 0..1000 {
			assert!(short.draw_start(10, 1, 2, i) < 53 - 10);
		}
		// A weight of zero is never drawn.
		let never = Dataset::mixed(vec![(vec![b'x'; 100], 0), (vec![b'y'; 100], 1)]);
		assert!(never.training_batch(0, 1000, 3, 1).targets.iter().all(|&t| t == b'y'));
	}
}
