//! Growing a transformer into a larger successor that starts out computing the same function:
//! the architecture migrations of the chain's evolution epochs.
//!
//! Every growth is a pure function of the parent's weights, the growth and a seed, so every
//! worker builds the same grown model bit for bit and a migrated model can be replayed like any
//! training. Each one preserves the parent's function, so the grown model starts no worse than
//! its parent and training only has to improve it:
//!
//! - [`Growth::DoubleExperts`] (a MAJOR step: top-k changes): expert `e + E` of each layer is a
//!   copy of expert `e` and its router column a copy of `e`'s. Each chosen pair then ties, so
//!   top-`2k` picks exactly the pairs of the parent's top-`k`, and the softmax over the chosen
//!   gives each copy half its parent's gate: `g/2 · E(x) + g/2 · E(x) = g · E(x)`. The copies'
//!   `w1` and `w3` get a small relative noise so that training can tell them apart (identical
//!   copies would receive identical gradients forever).
//! - [`Growth::WidenFf`] (MINOR): Net2Net for SwiGLU. Hidden unit `F + i` of every expert copies
//!   unit `i`; both then carry half of unit `i`'s `w2` row, so their sum is the parent's. The
//!   copies' `w1` and `w3` columns get the same small noise.
//! - [`Growth::AddLayers`] (MINOR): layers appended after the last start as the identity: their
//!   attention's `wo` and every expert's `w2` are zero, so the residual stream passes through
//!   unchanged; their other weights are drawn as at genesis, so gradients reach them as soon as
//!   `wo` and `w2` move.
//!
//! The function is preserved up to the order of floating-point additions (the experts' sum
//! has more terms) and the noise; the tests bound both.

use super::{genesis, TransformerError, TransformerSpec, TransformerWeights};
use crate::{model::BlockId, rng, tensor::Tensor};

/// How a model grows into its successor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Growth {
	/// Twice the experts per layer and twice the experts per token.
	DoubleExperts {
		/// Relative noise on the copies' `w1` and `w3`: each weight times `1 + noise · u`,
		/// `u` uniform in `[-1, 1)`.
		noise: f32,
	},
	/// Wider experts: `d_ff` hidden units, at most twice the parent's.
	WidenFf { d_ff: usize, noise: f32 },
	/// `layers` more layers after the last, starting as the identity.
	AddLayers { layers: usize },
}

impl Growth {
	/// The successor's shape.
	pub fn grown_spec(
		&self,
		parent: &TransformerSpec,
	) -> Result<TransformerSpec, TransformerError> {
		let bad = TransformerError::BadGrowth;
		let mut spec = *parent;
		match *self {
			Growth::DoubleExperts { noise } => {
				check_noise(noise)?;
				spec.experts = parent.experts.checked_mul(2).ok_or(TransformerError::TooLarge)?;
				spec.top_k = parent.top_k * 2;
			},
			Growth::WidenFf { d_ff, noise } => {
				check_noise(noise)?;
				if d_ff <= parent.d_ff || d_ff > 2 * parent.d_ff {
					return Err(bad("a widening must grow d_ff to at most twice its width"));
				}
				spec.d_ff = d_ff;
			},
			Growth::AddLayers { layers } => {
				if layers == 0 {
					return Err(bad("adding layers needs at least one"));
				}
				spec.layers =
					parent.layers.checked_add(layers).ok_or(TransformerError::TooLarge)?;
			},
		}
		spec.validate()?;
		Ok(spec)
	}
}

fn check_noise(noise: f32) -> Result<(), TransformerError> {
	if noise.is_finite() && (0.0..1.0).contains(&noise) {
		Ok(())
	} else {
		Err(TransformerError::BadGrowth("noise must be in [0, 1)"))
	}
}

/// Grow `parent` by `growth`; `seed` draws the noise and any new weights.
pub fn grow(
	parent: &TransformerWeights,
	growth: Growth,
	seed: u64,
) -> Result<TransformerWeights, TransformerError> {
	parent.spec.validate()?;
	let spec = growth.grown_spec(&parent.spec)?;
	let mut tensors = parent.tensors.clone();
	match growth {
		Growth::DoubleExperts { noise } => double_experts(&parent.spec, &mut tensors, noise, seed),
		Growth::WidenFf { d_ff, noise } => widen_ff(&parent.spec, d_ff, &mut tensors, noise, seed),
		Growth::AddLayers { .. } => add_layers(&parent.spec, &spec, &mut tensors, seed)?,
	}
	Ok(TransformerWeights { spec, tensors })
}

type Tensors = std::collections::BTreeMap<String, Tensor>;

fn name(block: BlockId, local: &str) -> String {
	format!("{}.{local}", block.name())
}

/// `value · (1 + noise · u)` with `u` drawn for element `index` of the stream named `stream`.
fn perturb(value: f32, noise: f32, seed: u64, stream: u64, index: usize) -> f32 {
	if noise == 0.0 {
		return value;
	}
	value * (1.0 + noise * (rng::uniform(seed, stream, index as u64) * 2.0 - 1.0))
}

fn double_experts(parent: &TransformerSpec, tensors: &mut Tensors, noise: f32, seed: u64) {
	let (d, experts) = (parent.d_model, parent.experts);
	for layer in 0..parent.layers as u32 {
		let router = name(BlockId::Router { layer }, "weight");
		if let Some(weight) = tensors.get_mut(&router) {
			// `[d, E]` row-major: each input row's E logits weights, then their copies.
			let data = (0..d)
				.flat_map(|row| {
					let old = &weight.data[row * experts..(row + 1) * experts];
					old.iter().chain(old.iter()).copied().collect::<Vec<_>>()
				})
				.collect();
			*weight = Tensor { shape: vec![d, 2 * experts], data };
		}
		for expert in 0..experts as u32 {
			let copy = expert + experts as u32;
			for local in ["w1", "w2", "w3"] {
				let from = name(BlockId::Expert { layer, expert }, local);
				let to = name(BlockId::Expert { layer, expert: copy }, local);
				let Some(mut tensor) = tensors.get(&from).cloned() else { continue };
				if local != "w2" {
					let stream = rng::stream_of(&format!("grow.{to}"));
					for (i, value) in tensor.data.iter_mut().enumerate() {
						*value = perturb(*value, noise, seed, stream, i);
					}
				}
				tensors.insert(to, tensor);
			}
		}
	}
}

fn widen_ff(parent: &TransformerSpec, d_ff: usize, tensors: &mut Tensors, noise: f32, seed: u64) {
	let (d, f) = (parent.d_model, parent.d_ff);
	// Unit j of the grown expert copies unit `j mod f`; the first `d_ff - f` units have a copy.
	let copied = d_ff - f;
	for layer in 0..parent.layers as u32 {
		for expert in 0..parent.experts as u32 {
			let block = BlockId::Expert { layer, expert };
			for local in ["w1", "w3"] {
				let key = name(block, local);
				let Some(tensor) = tensors.get_mut(&key) else { continue };
				let stream = rng::stream_of(&format!("grow.{key}"));
				// `[d, f]` row-major: each input row gains the copied units' columns.
				let mut data = Vec::with_capacity(d * d_ff);
				for row in 0..d {
					let old = &tensor.data[row * f..(row + 1) * f];
					data.extend_from_slice(old);
					data.extend(
						old[..copied]
							.iter()
							.enumerate()
							.map(|(i, &v)| perturb(v, noise, seed, stream, row * copied + i)),
					);
				}
				*tensor = Tensor { shape: vec![d, d_ff], data };
			}
			let key = name(block, "w2");
			if let Some(tensor) = tensors.get_mut(&key) {
				// `[f, d]` row-major: a copied unit's row is halved and shared with its copy
				// (halving is exact in binary floating point).
				let mut data = tensor.data.clone();
				for value in &mut data[..copied * d] {
					*value *= 0.5;
				}
				let copies = data[..copied * d].to_vec();
				data.extend(copies);
				*tensor = Tensor { shape: vec![d_ff, d], data };
			}
		}
	}
}

fn add_layers(
	parent: &TransformerSpec,
	grown: &TransformerSpec,
	tensors: &mut Tensors,
	seed: u64,
) -> Result<(), TransformerError> {
	// The new layers' weights as genesis would draw them for the grown shape, with their
	// residual writers zeroed.
	let fresh = genesis(*grown, seed)?;
	for layer in parent.layers as u32..grown.layers as u32 {
		let mut blocks = vec![BlockId::Attention { layer }, BlockId::Router { layer }];
		blocks.extend((0..grown.experts as u32).map(|expert| BlockId::Expert { layer, expert }));
		for block in blocks {
			for (key, mut tensor) in fresh.block(block) {
				if key.ends_with(".wo") || key.ends_with(".w2") {
					tensor.data.iter_mut().for_each(|v| *v = 0.0);
				}
				tensors.insert(key, tensor);
			}
		}
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		backend::Cpu,
		transformer::{forward::logits, train::evaluate, Sequences},
	};

	const TEXT: &[u8] = b"To be, or not to be, that is the question: Whether 'tis nobler in \
		the mind to suffer the slings and arrows of outrageous fortune, or to take arms against \
		a sea of troubles and by opposing end them.";

	fn parent() -> TransformerWeights {
		genesis(TransformerSpec::TINY, 7).unwrap()
	}

	/// The largest difference between the two models' logits on a fixed text.
	fn logit_gap(a: &TransformerWeights, b: &TransformerWeights) -> f32 {
		let backend = Cpu::auto();
		let tokens: Vec<u32> = TEXT[..64].iter().map(|&b| u32::from(b)).collect();
		let of = |w: &TransformerWeights| {
			logits(&backend, w, Sequences::new(&tokens, 2, &w.spec).unwrap()).unwrap()
		};
		of(a).iter().zip(of(b)).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
	}

	fn loss(w: &TransformerWeights) -> f32 {
		evaluate(&Cpu::auto(), w, TEXT, 32, 4, 0).unwrap()
	}

	#[test]
	fn every_growth_without_noise_computes_the_parents_function() {
		let parent = parent();
		for growth in [
			Growth::DoubleExperts { noise: 0.0 },
			Growth::WidenFf { d_ff: 80, noise: 0.0 },
			Growth::WidenFf { d_ff: 96, noise: 0.0 },
			Growth::AddLayers { layers: 2 },
		] {
			let grown = grow(&parent, growth, 1).unwrap();
			assert_eq!(grown.spec, growth.grown_spec(&parent.spec).unwrap());
			let gap = logit_gap(&parent, &grown);
			// Only the order of additions differs (the identity layers: not even that).
			assert!(gap < 1e-5, "{growth:?}: logits differ by {gap}");
		}
		let deeper = grow(&parent, Growth::AddLayers { layers: 1 }, 1).unwrap();
		assert_eq!(logit_gap(&parent, &deeper), 0.0, "identity layers change no bit");
	}

	#[test]
	fn the_noise_that_breaks_symmetry_keeps_the_loss() {
		let parent = parent();
		let before = loss(&parent);
		for growth in
			[Growth::DoubleExperts { noise: 0.01 }, Growth::WidenFf { d_ff: 96, noise: 0.01 }]
		{
			let grown = grow(&parent, growth, 3).unwrap();
			let after = loss(&grown);
			assert!((after - before).abs() < 1e-3, "{growth:?}: {before} → {after}");
			assert!(logit_gap(&parent, &grown) > 0.0, "{growth:?}: the noise is applied");
		}
	}

	#[test]
	fn growth_is_a_function_of_parent_growth_and_seed() {
		let parent = parent();
		for growth in [
			Growth::DoubleExperts { noise: 0.01 },
			Growth::WidenFf { d_ff: 64, noise: 0.01 },
			Growth::AddLayers { layers: 1 },
		] {
			let a = grow(&parent, growth, 5).unwrap();
			assert_eq!(a, grow(&parent, growth, 5).unwrap(), "{growth:?}: bit for bit");
			if growth != (Growth::AddLayers { layers: 1 }) {
				assert_ne!(a, grow(&parent, growth, 6).unwrap(), "{growth:?}: the seed matters");
			}
		}
	}

	#[test]
	fn the_grown_shapes_are_the_specs() {
		let parent = parent();
		let doubled = grow(&parent, Growth::DoubleExperts { noise: 0.0 }, 1).unwrap();
		assert_eq!((doubled.spec.experts, doubled.spec.top_k), (8, 4));
		let wide = grow(&parent, Growth::WidenFf { d_ff: 72, noise: 0.0 }, 1).unwrap();
		let deep = grow(&parent, Growth::AddLayers { layers: 3 }, 1).unwrap();
		for grown in [doubled, wide, deep] {
			let mut names: Vec<_> = grown.tensors.keys().cloned().collect();
			let mut expected: Vec<_> = grown
				.spec
				.blocks()
				.into_iter()
				.flat_map(|b| {
					crate::model::Architecture::tensor_shapes(&grown.spec, b)
						.into_iter()
						.map(|(n, _)| n)
				})
				.collect();
			names.sort();
			expected.sort();
			assert_eq!(names, expected);
			for block in grown.spec.blocks() {
				for (key, shape) in crate::model::Architecture::tensor_shapes(&grown.spec, block) {
					let tensor = &grown.tensors[&key];
					assert_eq!(tensor.shape, shape, "{key}");
					assert_eq!(tensor.data.len(), shape.iter().product::<usize>(), "{key}");
				}
			}
		}
	}

	#[test]
	fn bad_growths_are_refused_with_a_reason() {
		let parent = parent();
		let refused = |growth| grow(&parent, growth, 1).unwrap_err();
		assert!(matches!(
			refused(Growth::WidenFf { d_ff: 48, noise: 0.0 }),
			TransformerError::BadGrowth(_)
		));
		assert!(matches!(
			refused(Growth::WidenFf { d_ff: 97, noise: 0.0 }),
			TransformerError::BadGrowth(_)
		));
		assert!(matches!(refused(Growth::AddLayers { layers: 0 }), TransformerError::BadGrowth(_)));
		for noise in [-0.1, 1.0, f32::NAN] {
			assert!(matches!(
				refused(Growth::DoubleExperts { noise }),
				TransformerError::BadGrowth(_)
			));
		}
		let huge =
			TransformerSpec { experts: TransformerSpec::MAX_DIMENSION, top_k: 1, ..parent.spec };
		assert!(Growth::DoubleExperts { noise: 0.0 }.grown_spec(&huge).is_err());
	}
}
