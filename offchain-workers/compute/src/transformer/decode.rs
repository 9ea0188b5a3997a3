//! The cached forward pass: sequences read a few tokens at a time, each attending to the keys
//! and values kept from its earlier positions.
//!
//! A [`Decoder`] holds any number of *lanes*, one per sequence, each at its own position. One
//! call of [`Decoder::read`] takes any tokens of any open lanes and runs them through the model
//! as the rows of one batch (one matrix product per weight for all of them), so a server
//! decodes many requests, and reads new prompts, in one pass.
//!
//! Every row's logits have exactly the bits that row has in [`super::forward::logits`] over the
//! whole text of its sequence, whatever else shares the pass: the matrix products compute each
//! output element with the same FMA chain for any number of rows, a row's query attends to its
//! own lane's keys only, and the experts treat rows independently. Hence an answer does not
//! depend on how it was batched, chunked or scheduled, and anyone can replay it alone.

use super::{
	experts::{self, ExpertRunner, ExpertWork, Local},
	forward::{columns, head_parts},
	ops,
	rope::RopeTable,
	TransformerError, TransformerWeights,
};
use crate::{
	backend::{self, Backend},
	pass::rm,
};
use std::collections::BTreeMap;

/// One sequence's keys and values so far.
#[derive(Clone, Debug, Default)]
struct Lane {
	/// Per layer, the keys and the values of positions `0..position` (`position × kv_width`).
	keys: Vec<Vec<f32>>,
	values: Vec<Vec<f32>>,
	position: usize,
	/// Rows routed to each expert since the lane opened, `layer × experts + expert`.
	routed: Vec<u64>,
	/// Rows each expert slot (`layer × experts + expert`) had computed by each of the runner's
	/// computers ([`experts::ExpertOutput::by`]) since the lane opened.
	computed: BTreeMap<(usize, u32), u64>,
}

/// A model reading sequences a few tokens at a time, with the keys and values of every
/// position each has read.
pub struct Decoder<'w> {
	backend: &'w dyn Backend,
	weights: &'w TransformerWeights,
	rope: RopeTable,
	/// Where the experts run.
	experts: &'w dyn ExpertRunner,
	/// By lane id; a closed lane's place is `None` until [`Decoder::open`] reuses it.
	lanes: Vec<Option<Lane>>,
}

impl<'w> Decoder<'w> {
	/// A decoder with one lane (id 0).
	pub fn new(
		backend: &'w dyn Backend,
		weights: &'w TransformerWeights,
	) -> Result<Self, TransformerError> {
		Self::with_lanes(backend, weights, 1)
	}

	/// A decoder with `lanes` lanes, ids `0..lanes` (none is fine: [`Decoder::open`] adds them).
	pub fn with_lanes(
		backend: &'w dyn Backend,
		weights: &'w TransformerWeights,
		lanes: usize,
	) -> Result<Self, TransformerError> {
		let spec = weights.spec;
		spec.validate()?;
		let mut decoder = Decoder {
			backend,
			weights,
			rope: RopeTable::new(spec.context, spec.head_dim, spec.rope_theta),
			experts: &Local,
			lanes: Vec::with_capacity(lanes),
		};
		for _ in 0..lanes {
			decoder.open();
		}
		Ok(decoder)
	}

	/// Run the experts through `runner` (by default every expert comes from the weights, which
	/// may then leave out the experts the runner computes elsewhere).
	pub fn with_runner(mut self, runner: &'w dyn ExpertRunner) -> Self {
		self.experts = runner;
		self
	}

	/// Open a lane at position 0; returns its id (the smallest free one).
	pub fn open(&mut self) -> usize {
		let (layers, experts) = (self.weights.spec.layers, self.weights.spec.experts);
		let lane = Lane {
			keys: vec![Vec::new(); layers],
			values: vec![Vec::new(); layers],
			position: 0,
			routed: vec![0; layers * experts],
			computed: BTreeMap::new(),
		};
		match self.lanes.iter().position(Option::is_none) {
			Some(free) => {
				self.lanes[free] = Some(lane);
				free
			},
			None => {
				self.lanes.push(Some(lane));
				self.lanes.len() - 1
			},
		}
	}

	/// Close `lane`, freeing its keys and values (closing a closed lane does nothing).
	pub fn close(&mut self, lane: usize) {
		if let Some(place) = self.lanes.get_mut(lane) {
			*place = None;
		}
		while matches!(self.lanes.last(), Some(None)) {
			self.lanes.pop();
		}
	}

	/// Forget what `lane` has read: its next token is read at position 0. The rows its experts
	/// took start again from zero ([`Decoder::routed`]: the usage servers report and auditors
	/// check, which must not change meaning between their versions); who computed them
	/// ([`Decoder::computed`]) goes on counting, since a trail names every row's computer.
	pub fn restart(&mut self, lane: usize) -> Result<(), TransformerError> {
		let open = self.lane_mut(lane)?;
		open.keys.iter_mut().chain(open.values.iter_mut()).for_each(Vec::clear);
		open.position = 0;
		open.routed.iter_mut().for_each(|count| *count = 0);
		Ok(())
	}

	/// How many of `lane`'s rows each expert slot (`layer × experts + expert`) had computed by
	/// each computer of the runner (`(slot, by) → rows`; [`experts::HERE`] for this process).
	/// `None` for a lane that is not open.
	pub fn computed(&self, lane: usize) -> Option<&BTreeMap<(usize, u32), u64>> {
		self.lanes.get(lane).and_then(Option::as_ref).map(|open| &open.computed)
	}

	/// How many of `lane`'s rows each expert took since it opened (or restarted), indexed
	/// `layer × experts + expert`: what a server reports as the usage of each expert's block.
	/// `None` for a lane that is not open.
	pub fn routed(&self, lane: usize) -> Option<&[u64]> {
		self.lanes.get(lane).and_then(Option::as_ref).map(|open| open.routed.as_slice())
	}

	/// The weights it runs.
	pub fn weights(&self) -> &'w TransformerWeights {
		self.weights
	}

	/// Positions `lane` has read (0 for a lane that is not open).
	pub fn position(&self, lane: usize) -> usize {
		self.lanes.get(lane).and_then(Option::as_ref).map_or(0, |open| open.position)
	}

	/// Open lanes.
	pub fn open_lanes(&self) -> usize {
		self.lanes.iter().flatten().count()
	}

	/// Read `token` in lane 0; returns the logits for the token after it.
	pub fn step(&mut self, token: u32) -> Result<Vec<f32>, TransformerError> {
		self.read(&[(0, &[token])])
	}

	/// Read each `(lane, tokens)` (the tokens at the lane's next positions, in order) in one
	/// pass; returns the logits after every token read (`rows × vocab`, in the order given).
	/// A lane appears at most once. After an error (a panic in the model code included, as
	/// [`TransformerError::Panic`]) every lane is as it was before the call.
	pub fn read(&mut self, reads: &[(usize, &[u32])]) -> Result<Vec<f32>, TransformerError> {
		self.check(reads)?;
		let backend = self.backend;
		// A bug in the model code costs this pass, not the lanes: they are repaired below.
		let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
			backend::on_workers(backend, || self.forward(reads))
		}))
		.unwrap_or_else(|panic| Err(TransformerError::Panic(panic_message(panic.as_ref()))));
		if result.is_err() {
			// Drop the keys and values a failed pass appended.
			let width = self.weights.spec.kv_width();
			for &(lane, _) in reads {
				if let Some(Some(open)) = self.lanes.get_mut(lane) {
					let keep = open.position * width;
					open.keys.iter_mut().chain(open.values.iter_mut()).for_each(|rows| {
						rows.truncate(keep);
					});
				}
			}
		}
		result
	}

	fn lane_mut(&mut self, lane: usize) -> Result<&mut Lane, TransformerError> {
		self.lanes.get_mut(lane).and_then(Option::as_mut).ok_or(TransformerError::NoSuchLane(lane))
	}

	/// Refuse a pass that could not be read whole, before anything changes.
	fn check(&self, reads: &[(usize, &[u32])]) -> Result<(), TransformerError> {
		let spec = self.weights.spec;
		if reads.is_empty() || reads.iter().any(|(_, tokens)| tokens.is_empty()) {
			return Err(TransformerError::EmptyBatch);
		}
		for (i, &(lane, tokens)) in reads.iter().enumerate() {
			let open = self
				.lanes
				.get(lane)
				.and_then(Option::as_ref)
				.ok_or(TransformerError::NoSuchLane(lane))?;
			if reads[..i].iter().any(|&(earlier, _)| earlier == lane) {
				return Err(TransformerError::LaneTwice(lane));
			}
			if open.position + tokens.len() > spec.context {
				return Err(TransformerError::SequenceTooLong {
					length: open.position + tokens.len(),
					context: spec.context,
				});
			}
			if let Some(&token) = tokens.iter().find(|&&t| t as usize >= spec.vocab) {
				return Err(TransformerError::TokenOutOfVocab { token, vocab: spec.vocab });
			}
		}
		Ok(())
	}

	fn forward(&mut self, reads: &[(usize, &[u32])]) -> Result<Vec<f32>, TransformerError> {
		let (w, backend) = (self.weights, self.backend);
		let spec = w.spec;
		let (d, hd) = (spec.d_model, spec.head_dim);
		let (qw, kw) = (spec.q_width(), spec.kv_width());
		let scale = 1.0 / (hd as f32).sqrt();
		let group = spec.heads / spec.kv_heads;
		// Every row: its lane and its position there.
		let rows: Vec<(usize, usize)> = reads
			.iter()
			.flat_map(|&(lane, tokens)| {
				let first = self.position(lane);
				(first..first + tokens.len()).map(move |position| (lane, position))
			})
			.collect();
		let n = rows.len();
		let embed = w.get("shared.embed");
		let mut x: Vec<f32> = Vec::with_capacity(n * d);
		for &token in reads.iter().flat_map(|(_, tokens)| tokens.iter()) {
			x.extend_from_slice(&embed[token as usize * d..][..d]);
		}
		let mut r = vec![0.0f32; n];
		let mut h = vec![0.0f32; n * d];
		// (lane, layer × experts + expert, computed by) of every routing, counted once the
		// pass succeeds.
		let mut routed = Vec::with_capacity(n * spec.layers * spec.top_k);
		for l in 0..spec.layers {
			let p = format!("layer{l}.attention");
			ops::rms_norm(&x, w.get(&format!("{p}.norm")), spec.norm_eps, &mut h, &mut r);
			let mut q = backend.matmul_new(rm(&h, n, d), rm(w.get(&format!("{p}.wq")), d, qw))?;
			let mut k = backend.matmul_new(rm(&h, n, d), rm(w.get(&format!("{p}.wk")), d, kw))?;
			let v = backend.matmul_new(rm(&h, n, d), rm(w.get(&format!("{p}.wv")), d, kw))?;
			// Rows of a lane are in position order: appended in turn, each row's keys are at
			// its position, and a row attends to its own and the earlier ones.
			for (i, &(lane, position)) in rows.iter().enumerate() {
				self.rope.apply(&mut q[i * qw..(i + 1) * qw], spec.heads, position);
				self.rope.apply(&mut k[i * kw..(i + 1) * kw], spec.kv_heads, position);
				let open = self.lane_mut(lane)?;
				open.keys[l].extend_from_slice(&k[i * kw..(i + 1) * kw]);
				open.values[l].extend_from_slice(&v[i * kw..(i + 1) * kw]);
			}
			let lanes = &self.lanes;
			// One part per row and head, side by side where the backend allows.
			let parts = head_parts(n, spec.heads);
			let heads = ops::map_parts(backend, &parts, |backend, &(i, head)| {
				let (lane, position) = rows[i];
				let Some(open) = lanes[lane].as_ref() else {
					return Err(TransformerError::NoSuchLane(lane));
				};
				let (keys, values) = (&open.keys[l], &open.values[l]);
				let kv = (head / group) * hd;
				let q_h = &q[i * qw + head * hd..][..hd];
				let mut probs: Vec<f32> = (0..=position)
					.map(|j| backend::fma_dot(q_h, &keys[j * kw + kv..][..hd]))
					.collect();
				ops::attention_softmax(&mut probs, scale);
				Ok(backend.matmul_new(
					rm(&probs, 1, position + 1),
					columns(values, position + 1, kv, hd, kw),
				)?)
			});
			let mut attn = vec![0.0f32; n * qw];
			for (&(i, head), out) in parts.iter().zip(heads) {
				attn[i * qw + head * hd..][..hd].copy_from_slice(&out?);
			}
			let o = backend.matmul_new(rm(&attn, n, qw), rm(w.get(&format!("{p}.wo")), qw, d))?;
			let x_mid: Vec<f32> = x.iter().zip(&o).map(|(a, b)| a + b).collect();
			ops::rms_norm(&x_mid, w.get(&format!("{p}.ffn_norm")), spec.norm_eps, &mut h, &mut r);
			let (chosen, by, out) = self.moe(l, &h, &x_mid)?;
			for (i, &(lane, _)) in rows.iter().enumerate() {
				for &expert in &chosen[i * spec.top_k..(i + 1) * spec.top_k] {
					let slot = l * spec.experts + expert as usize;
					routed.push((lane, slot, by[expert as usize]));
				}
			}
			x = out;
		}
		ops::rms_norm(&x, w.get("shared.norm"), spec.norm_eps, &mut h, &mut r);
		let logits = backend.matmul_new(rm(&h, n, d), rm(w.get("shared.head"), d, spec.vocab))?;
		if !crate::pass::all_finite(&logits) {
			return Err(TransformerError::NonFinite("output logits"));
		}
		for &(lane, tokens) in reads {
			self.lane_mut(lane)?.position += tokens.len();
		}
		for (lane, slot, by) in routed {
			let open = self.lane_mut(lane)?;
			open.routed[slot] += 1;
			*open.computed.entry((slot, by)).or_default() += 1;
		}
		Ok(logits)
	}

	/// The MoE feed-forward of layer `l` on the normed rows `h`, added to the residual `x`,
	/// each expert's rows run by the runner: every row's experts, who computed each expert
	/// (by expert), and the layer's output.
	fn moe(&self, l: usize, h: &[f32], x: &[f32]) -> Result<LayerExperts, TransformerError> {
		let (w, spec) = (self.weights, &self.weights.spec);
		let d = spec.d_model;
		let (chosen, gates) = experts::route(self.backend, w, l, h)?;
		let mut inputs: Vec<Vec<f32>> = vec![Vec::new(); spec.experts];
		for (t, row) in h.chunks_exact(d).enumerate() {
			for &e in &chosen[t * spec.top_k..(t + 1) * spec.top_k] {
				inputs[e as usize].extend_from_slice(row);
			}
		}
		let work: Vec<ExpertWork<'_>> = inputs
			.iter()
			.enumerate()
			.filter(|(_, x)| !x.is_empty())
			.map(|(expert, x)| ExpertWork { expert, x })
			.collect();
		let outputs = self.experts.run(self.backend, w, l, &work)?;
		if outputs.len() != work.len() {
			return Err(TransformerError::ExpertsUnavailable(format!(
				"the runner gave {} outputs for {} experts",
				outputs.len(),
				work.len()
			)));
		}
		let (mut ys, mut by) = (vec![Vec::new(); spec.experts], vec![experts::HERE; spec.experts]);
		for (item, output) in work.iter().zip(outputs) {
			if output.y.len() != item.x.len() {
				return Err(TransformerError::ExpertsUnavailable(format!(
					"expert {} of layer {l} came back with {} values for {}",
					item.expert,
					output.y.len(),
					item.x.len()
				)));
			}
			(ys[item.expert], by[item.expert]) = (output.y, output.by);
		}
		let out = experts::add_experts(spec, x, &chosen, &gates, |e, i| &ys[e][i * d..]);
		if !crate::pass::all_finite(&out) {
			return Err(TransformerError::NonFinite("layer output"));
		}
		Ok((chosen, by, out))
	}
}

/// A layer's experts in a pass: every row's chosen experts, who computed each expert (by
/// expert), and the layer's output.
type LayerExperts = (Vec<u32>, Vec<u32>, Vec<f32>);

/// What a caught panic said.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
	panic
		.downcast_ref::<&str>()
		.map(|s| s.to_string())
		.or_else(|| panic.downcast_ref::<String>().cloned())
		.unwrap_or_else(|| "a panic without a message".into())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		backend::Cpu,
		transformer::{forward::logits, genesis, Sequences, TransformerSpec},
	};

	fn text(s: &str) -> Vec<u32> {
		s.bytes().map(u32::from).collect()
	}

	/// Each lane counts the rows its experts took, whatever it was batched with or chunked
	/// into: what a server reports as each expert block's usage.
	#[test]
	fn each_lane_counts_the_rows_its_experts_took() {
		let w = genesis(TransformerSpec::TINY, 5).unwrap();
		let backend = Cpu::auto();
		let (a, b) = (text("To be, or not to be"), text("that is the question"));
		let alone = |t: &[u32]| {
			let mut decoder = Decoder::new(&backend, &w).unwrap();
			decoder.read(&[(0, t)]).unwrap();
			decoder.routed(0).unwrap().to_vec()
		};
		let mut decoder = Decoder::with_lanes(&backend, &w, 2).unwrap();
		decoder.read(&[(0, &a[..5]), (1, &b)]).unwrap();
		decoder.read(&[(0, &a[5..])]).unwrap();
		assert_eq!(decoder.routed(0).unwrap(), alone(&a));
		assert_eq!(decoder.routed(1).unwrap(), alone(&b));
		let spec = w.spec;
		for layer in decoder.routed(0).unwrap().chunks(spec.experts) {
			assert_eq!(layer.iter().sum::<u64>(), (a.len() * spec.top_k) as u64);
		}
		// A refused pass counts nothing; a restart starts the usage from zero, while the record
		// of who computed the rows goes on.
		let before = decoder.routed(1).unwrap().to_vec();
		assert!(decoder.read(&[(1, &[spec.vocab as u32])]).is_err());
		assert_eq!(decoder.routed(1).unwrap(), before);
		let computed: u64 = decoder.computed(0).unwrap().values().sum();
		decoder.restart(0).unwrap();
		assert!(decoder.routed(0).unwrap().iter().all(|count| *count == 0));
		decoder.read(&[(0, &a[..3])]).unwrap();
		let now: u64 = decoder.computed(0).unwrap().values().sum();
		assert_eq!(now, computed + (3 * spec.top_k * spec.layers) as u64, "the rows read again");
		assert_eq!(decoder.routed(7), None);
	}

	/// Two texts read in uneven chunks, interleaved with each other in one pass and with a
	/// lane opened, closed and reopened between: every row has the bits of the full pass.
	#[test]
	fn rows_have_their_bits_however_they_are_batched_and_chunked() {
		let w = genesis(TransformerSpec { kv_heads: 1, ..TransformerSpec::TINY }, 5).unwrap();
		let backend = Cpu::auto();
		let texts = [text("O Romeo, Romeo, wherefore art"), text("A plague o' both your hou")];
		let full: Vec<Vec<f32>> = texts
			.iter()
			.map(|t| logits(&backend, &w, Sequences::new(t, 1, &w.spec).unwrap()).unwrap())
			.collect();
		let mut decoder = Decoder::with_lanes(&backend, &w, 0).unwrap();
		let a = decoder.open();
		let spare = decoder.open();
		decoder.read(&[(spare, &[1, 2, 3])]).unwrap();
		decoder.close(spare);
		let b = decoder.open();
		assert_eq!((a, b), (0, 1), "the closed lane's id is reused");
		assert_eq!(decoder.position(b), 0, "a reused lane starts empty");
		let (mut at_a, mut at_b) = (0, 0);
		for (take_a, take_b) in [(1, 5), (7, 1), (0, 9), (13, 2), (9, 8)] {
			let take_a = take_a.min(texts[0].len() - at_a);
			let take_b = take_b.min(texts[1].len() - at_b);
			let mut reads: Vec<(usize, &[u32])> = Vec::new();
			if take_a > 0 {
				reads.push((a, &texts[0][at_a..at_a + take_a]));
			}
			if take_b > 0 {
				reads.push((b, &texts[1][at_b..at_b + take_b]));
			}
			let rows = decoder.read(&reads).unwrap();
			let (rows_a, rows_b) = rows.split_at(take_a * 256);
			assert_eq!(rows_a, &full[0][at_a * 256..(at_a + take_a) * 256]);
			assert_eq!(rows_b, &full[1][at_b * 256..(at_b + take_b) * 256]);
			at_a += take_a;
			at_b += take_b;
		}
		assert_eq!((at_a, at_b), (texts[0].len(), texts[1].len()));
		decoder.restart(a).unwrap();
		assert_eq!(decoder.read(&[(a, &texts[0][..4])]).unwrap(), full[0][..4 * 256]);
	}

	#[test]
	fn a_pass_that_cannot_be_read_whole_changes_nothing() {
		let mut w = genesis(TransformerSpec::TINY, 1).unwrap();
		let cpu = Cpu::auto();
		let mut decoder = Decoder::with_lanes(&cpu, &w, 2).unwrap();
		decoder.read(&[(0, &[1, 2])]).unwrap();
		let context = w.spec.context;
		for (reads, error) in [
			(vec![], TransformerError::EmptyBatch),
			(vec![(1, &[][..])], TransformerError::EmptyBatch),
			(vec![(2, &[1][..])], TransformerError::NoSuchLane(2)),
			(vec![(0, &[1][..]), (0, &[2][..])], TransformerError::LaneTwice(0)),
			(vec![(1, &[300][..])], TransformerError::TokenOutOfVocab { token: 300, vocab: 256 }),
		] {
			assert_eq!(decoder.read(&reads).unwrap_err(), error);
		}
		let long = vec![1; context - 1];
		assert_eq!(
			decoder.read(&[(1, &[1]), (0, &long)]).unwrap_err(),
			TransformerError::SequenceTooLong { length: context + 1, context }
		);
		assert_eq!((decoder.position(0), decoder.position(1)), (2, 0));
		decoder.close(1);
		assert_eq!(decoder.restart(1).unwrap_err(), TransformerError::NoSuchLane(1));
		assert_eq!(decoder.open_lanes(), 1);
		// A pass that fails inside the model: layer 0 appends its keys and values before layer
		// 1's experts fail; they are dropped again.
		for e in 0..4 {
			w.tensors.get_mut(&format!("layer1.expert{e}.w2")).unwrap().data.fill(f32::NAN);
		}
		let mut decoder = Decoder::new(&cpu, &w).unwrap();
		assert_eq!(decoder.step(3).unwrap_err(), TransformerError::NonFinite("layer output"));
		assert_eq!(decoder.position(0), 0);
		let lane = decoder.lanes[0].as_ref().unwrap();
		assert!(lane.keys.iter().chain(&lane.values).all(Vec::is_empty));
	}
}
