//! Where a decoder's experts run: in this process from its weights ([`Local`]), or anywhere an
//! [`ExpertRunner`] sends them, such as servers that each hold some of a model's experts.
//!
//! An expert's output rows depend only on its three matrices and its input rows: every output
//! element is one canonical FMA chain whatever the number of rows (see [`crate::matmul`]), so
//! an expert computed for a few rows on another machine, with any backend, has exactly the bits
//! it has inside a full pass here. The router, the gates and the sum into the residual stream
//! stay with the decoder, which is why expert-parallel answers are the single machine's bits.

use super::{ops, TransformerError, TransformerSpec, TransformerWeights};
use crate::{
	backend::{self, Backend},
	pass::rm,
};

/// The rows of one layer's pass routed to one expert.
#[derive(Clone, Copy, Debug)]
pub struct ExpertWork<'a> {
	pub expert: usize,
	/// The normed inputs, `rows × d_model` row-major.
	pub x: &'a [f32],
}

/// What one expert gave for its rows.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpertOutput {
	/// `rows × d_model`, row-major.
	pub y: Vec<f32>,
	/// Who computed it, in the runner's own numbering ([`HERE`]: this process).
	pub by: u32,
}

/// [`ExpertOutput::by`] of an expert computed in this process.
pub const HERE: u32 = 0;

/// Runs the experts of a decoder's passes.
pub trait ExpertRunner: Sync {
	/// Each `work` item's expert of layer `layer` applied to its rows, in order. An error fails
	/// the pass, which then changes nothing (the decoder drops what it appended).
	fn run(
		&self,
		backend: &dyn Backend,
		weights: &TransformerWeights,
		layer: usize,
		work: &[ExpertWork<'_>],
	) -> Result<Vec<ExpertOutput>, TransformerError>;
}

/// Every expert from the decoder's own weights, side by side where the backend allows.
pub struct Local;

impl ExpertRunner for Local {
	fn run(
		&self,
		backend: &dyn Backend,
		weights: &TransformerWeights,
		layer: usize,
		work: &[ExpertWork<'_>],
	) -> Result<Vec<ExpertOutput>, TransformerError> {
		let spec = &weights.spec;
		let cost = |item: &ExpertWork<'_>| item.x.len();
		ops::map_parts_by_cost(backend, work, cost, |backend, item| {
			run_here(backend, spec, weights, layer, item)
		})
		.into_iter()
		.collect()
	}
}

/// `item`'s expert of layer `layer`, taken from `weights` and computed in this process (a
/// server's own experts, cached ones and ones loaded after a peer failed go through here too).
pub fn run_here(
	backend: &dyn Backend,
	spec: &TransformerSpec,
	weights: &TransformerWeights,
	layer: usize,
	item: &ExpertWork<'_>,
) -> Result<ExpertOutput, TransformerError> {
	let matrices = ExpertMatrices::of(weights, layer, item.expert)
		.ok_or(TransformerError::MissingExpert { layer, expert: item.expert })?;
	Ok(ExpertOutput { y: expert_output(backend, spec, matrices, item.x)?, by: HERE })
}

/// The three matrices of one expert (`W1`, `W3`: `d_model × d_ff`; `W2`: `d_ff × d_model`).
#[derive(Clone, Copy, Debug)]
pub struct ExpertMatrices<'a> {
	pub w1: &'a [f32],
	pub w3: &'a [f32],
	pub w2: &'a [f32],
}

impl<'a> ExpertMatrices<'a> {
	/// Expert `expert` of layer `layer` in `weights`; `None` where the weights leave it out.
	pub fn of(weights: &'a TransformerWeights, layer: usize, expert: usize) -> Option<Self> {
		let name = |m: &str| format!("layer{layer}.expert{expert}.{m}");
		let get = |m: &str| weights.tensors.get(&name(m)).map(|t| t.data.as_slice());
		Some(ExpertMatrices { w1: get("w1")?, w3: get("w3")?, w2: get("w2")? })
	}

	/// Whether the matrices have `spec`'s sizes.
	pub fn fit(&self, spec: &TransformerSpec) -> bool {
		let size = spec.d_model * spec.d_ff;
		self.w1.len() == size && self.w3.len() == size && self.w2.len() == size
	}
}

/// The expert's SwiGLU feed-forward on `x` (`rows × d_model`): `(silu(x·W1) ⊙ x·W3)·W2`,
/// with the intermediate products (`a`, `b`, `hidden`) the backward pass keeps.
pub(crate) fn expert_pass(
	backend: &dyn Backend,
	spec: &TransformerSpec,
	m: ExpertMatrices<'_>,
	x: &[f32],
) -> Result<[Vec<f32>; 4], TransformerError> {
	let (d, f) = (spec.d_model, spec.d_ff);
	let rows = x.len() / d;
	let a = backend.matmul_new(rm(x, rows, d), rm(m.w1, d, f))?;
	let b = backend.matmul_new(rm(x, rows, d), rm(m.w3, d, f))?;
	let mut hidden = vec![0.0; rows * f];
	backend.swiglu(&a, &b, &mut hidden);
	let y = backend.matmul_new(rm(&hidden, rows, f), rm(m.w2, f, d))?;
	Ok([a, b, hidden, y])
}

/// The expert's output rows for `x` (`rows × d_model`): what a server holding the expert
/// computes for a peer, bit for bit what the peer's own pass would.
pub fn expert_output(
	backend: &dyn Backend,
	spec: &TransformerSpec,
	m: ExpertMatrices<'_>,
	x: &[f32],
) -> Result<Vec<f32>, TransformerError> {
	if !m.fit(spec) {
		return Err(TransformerError::ExpertRows("the expert's matrices are not the model's size"));
	}
	if x.is_empty() || !x.len().is_multiple_of(spec.d_model) {
		return Err(TransformerError::ExpertRows("the rows are not a whole number of d_model"));
	}
	let [_, _, _, y] = backend::on_workers(backend, || expert_pass(backend, spec, m, x))?;
	Ok(y)
}

/// The router of layer `l` on the normed rows `h`: each row's `top_k` experts (ascending) and
/// their gates.
pub(crate) fn route(
	backend: &dyn Backend,
	w: &TransformerWeights,
	l: usize,
	h: &[f32],
) -> Result<(Vec<u32>, Vec<f32>), TransformerError> {
	let spec = w.spec;
	let (d, k) = (spec.d_model, spec.top_k);
	let n = h.len() / d;
	let logits = backend
		.matmul_new(rm(h, n, d), rm(w.get(&format!("layer{l}.router.weight")), d, spec.experts))?;
	if !crate::pass::all_finite(&logits) {
		return Err(TransformerError::NonFinite("router logits"));
	}
	let mut chosen = vec![0u32; n * k];
	let mut gates = vec![0.0f32; n * k];
	backend.route_rows(&logits, spec.experts, k, &mut chosen, &mut gates);
	Ok((chosen, gates))
}

/// The residual `x` plus every row's experts' outputs times their gates, in the row's order
/// of choices: `output(e, i)` is the output row of expert `e` for the `i`-th row routed to it.
pub(crate) fn add_experts<'y>(
	spec: &TransformerSpec,
	x: &[f32],
	chosen: &[u32],
	gates: &[f32],
	output: impl Fn(usize, usize) -> &'y [f32],
) -> Vec<f32> {
	let (d, k) = (spec.d_model, spec.top_k);
	let mut taken = vec![0usize; spec.experts];
	let mut out = x.to_vec();
	for (t, row) in out.chunks_exact_mut(d).enumerate() {
		for j in 0..k {
			let e = chosen[t * k + j] as usize;
			backend::fma_axpy(gates[t * k + j], &output(e, taken[e])[..d], row);
			taken[e] += 1;
		}
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		backend::Cpu,
		transformer::{decode::Decoder, genesis, TransformerSpec},
	};

	/// Experts split among three "servers" by a runner that computes each one from its own
	/// copy of only that server's experts, row chunks and all: the decoder's logits and its
	/// record of who computed what.
	struct Split {
		servers: Vec<TransformerWeights>,
	}

	impl ExpertRunner for Split {
		fn run(
			&self,
			_: &dyn Backend,
			_: &TransformerWeights,
			layer: usize,
			work: &[ExpertWork<'_>],
		) -> Result<Vec<ExpertOutput>, TransformerError> {
			// Each server on a single-threaded backend of its own: the bits do not care.
			let one = Cpu { threads: 1, ..Cpu::auto() };
			work.iter()
				.map(|item| {
					let (by, m) = self
						.servers
						.iter()
						.enumerate()
						.find_map(|(s, w)| {
							ExpertMatrices::of(w, layer, item.expert).map(|m| (s as u32 + 1, m))
						})
						.ok_or(TransformerError::MissingExpert { layer, expert: item.expert })?;
					Ok(ExpertOutput {
						y: expert_output(&one, &self.servers[0].spec, m, item.x)?,
						by,
					})
				})
				.collect()
		}
	}

	fn holding(w: &TransformerWeights, keep: impl Fn(usize) -> bool) -> TransformerWeights {
		let mut part = w.clone();
		part.tensors.retain(|name, _| match name.split_once(".expert") {
			Some((_, rest)) => keep(rest.split('.').next().unwrap().parse().unwrap()),
			None => true,
		});
		part
	}

	#[test]
	fn experts_computed_elsewhere_give_the_single_machines_bits() {
		let spec = TransformerSpec { experts: 4, top_k: 2, ..TransformerSpec::TINY };
		let w = genesis(spec, 9).unwrap();
		let cpu = Cpu::auto();
		let text: Vec<u32> = b"Now is the winter of our".iter().map(|&b| b.into()).collect();
		let mut alone = Decoder::new(&cpu, &w).unwrap();
		let expected = alone.read(&[(0, &text[..])]).unwrap();

		let split = Split {
			servers: vec![holding(&w, |e| e < 2), holding(&w, |e| e == 2), holding(&w, |e| e == 3)],
		};
		// The decoder itself holds no expert at all.
		let without = holding(&w, |_| false);
		let mut decoder = Decoder::new(&cpu, &without).unwrap().with_runner(&split);
		let mut got = decoder.read(&[(0, &text[..9])]).unwrap();
		for token in &text[9..] {
			got.extend(decoder.read(&[(0, std::slice::from_ref(token))]).unwrap());
		}
		assert_eq!(got, expected, "bit for bit the single machine's logits");
		assert_eq!(decoder.routed(0), alone.routed(0));
		// Who computed what, as the decoder recorded it for the lane: every row of every
		// routed expert, by the server holding it.
		let computed = decoder.computed(0).unwrap();
		let rows: u64 = computed.values().sum();
		assert_eq!(rows, (text.len() * spec.top_k * spec.layers) as u64);
		for (&(slot, by), _) in computed {
			let expert = slot % spec.experts;
			assert_eq!(by, [1, 1, 2, 3][expert], "expert {expert} computed by its holder");
		}

		// Without a runner the decoder needs every expert: a missing one is a typed error.
		let mut bare = Decoder::new(&cpu, &without).unwrap();
		assert!(matches!(bare.step(1), Err(TransformerError::MissingExpert { .. })));
		assert_eq!(bare.position(0), 0);
	}

	#[test]
	fn a_peer_computes_nothing_from_rows_that_do_not_fit() {
		let w = genesis(TransformerSpec::TINY, 1).unwrap();
		let cpu = Cpu::auto();
		let m = ExpertMatrices::of(&w, 0, 0).unwrap();
		let d = w.spec.d_model;
		assert!(expert_output(&cpu, &w.spec, m, &vec![0.5; d + 1]).is_err());
		assert!(expert_output(&cpu, &w.spec, m, &[]).is_err());
		let short = ExpertMatrices { w2: &m.w2[1..], ..m };
		assert!(expert_output(&cpu, &w.spec, short, &vec![0.5; d]).is_err());
		assert_eq!(expert_output(&cpu, &w.spec, m, &vec![0.5; 3 * d]).unwrap().len(), 3 * d);
	}
}
