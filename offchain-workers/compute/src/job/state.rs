//! A run's state at a checkpoint as one file, so that an evaluator starts the replay of a drawn
//! segment at the segment's start instead of at the job's base.
//!
//! The file holds what a run changes: the trained blocks' tensors, both AdamW moments (named
//! `opt.m.{tensor}` and `opt.v.{tensor}`, shaped as their tensor) and, in the metadata, the step
//! and the bits of both beta powers. With the frozen blocks (the chain's, which the evaluator
//! has) that is exactly what a checkpoint's state hash commits to, so a file is checked by
//! resuming a run from it and comparing [`Run::hash`] with the manifest: no other trust is
//! needed, and a file whose hash is wrong is the trainer's fault.

use super::{JobConfig, Model, Run};
use crate::{
	model::BlockId,
	safetensors::{serialize_f32, SafeTensors},
	tensor::Tensor,
};
use std::collections::BTreeMap;

const STEP: &str = "step";
const BETA1_POW: &str = "beta1_pow_bits";
const BETA2_POW: &str = "beta2_pow_bits";
const MOMENT_M: &str = "opt.m.";
const MOMENT_V: &str = "opt.v.";

/// The mutable parts of a run, borrowed from either architecture's trainer.
struct Parts<'a> {
	tensors: &'a mut BTreeMap<String, Tensor>,
	m: &'a mut BTreeMap<String, Vec<f32>>,
	v: &'a mut BTreeMap<String, Vec<f32>>,
	step: &'a mut u64,
	beta_pows: (&'a mut f32, &'a mut f32),
}

impl Run {
	fn parts(&mut self) -> Parts<'_> {
		match self {
			Run::Byte(s) => Parts {
				tensors: &mut s.weights.tensors,
				m: &mut s.m,
				v: &mut s.v,
				step: &mut s.step,
				beta_pows: (&mut s.beta1_pow, &mut s.beta2_pow),
			},
			Run::Transformer(t) => Parts {
				tensors: &mut t.weights.tensors,
				m: &mut t.m,
				v: &mut t.v,
				step: &mut t.step,
				beta_pows: (&mut t.beta1_pow, &mut t.beta2_pow),
			},
		}
	}

	/// The state as a file (see the module docs). Its bytes depend only on the state.
	pub fn state_file(&mut self) -> Vec<u8> {
		let parts = self.parts();
		let mut tensors = BTreeMap::new();
		for (name, m) in parts.m.iter() {
			let Some(weight) = parts.tensors.get(name) else { continue };
			let shaped =
				|data: &Vec<f32>| Tensor { shape: weight.shape.clone(), data: data.clone() };
			tensors.insert(name.clone(), weight.clone());
			tensors.insert(format!("{MOMENT_M}{name}"), shaped(m));
			if let Some(v) = parts.v.get(name) {
				tensors.insert(format!("{MOMENT_V}{name}"), shaped(v));
			}
		}
		let metadata = BTreeMap::from([
			(STEP.to_string(), parts.step.to_string()),
			(BETA1_POW.to_string(), parts.beta_pows.0.to_bits().to_string()),
			(BETA2_POW.to_string(), parts.beta_pows.1.to_bits().to_string()),
		]);
		serialize_f32(&tensors, &metadata)
	}

	/// A run of `blocks` from `model` resumed at the state in `file`: the trained tensors, the
	/// moments, the step and the beta powers are the file's. The file must hold exactly the
	/// tensors a fresh run of the same blocks trains, each of the same size; anything else is
	/// refused with the reason. Whether it is the state a manifest committed to is for the
	/// caller to check, with [`Run::hash`].
	pub fn resume(
		model: Model,
		blocks: &[BlockId],
		config: &JobConfig,
		file: &[u8],
	) -> Result<Run, crate::Error> {
		let mut run = Run::new(model, blocks, config)?;
		let parsed = SafeTensors::parse(file).map_err(|e| format!("state file: {e}"))?;
		let number = |key: &str| {
			parsed
				.metadata
				.get(key)
				.and_then(|v| v.parse::<u64>().ok())
				.ok_or_else(|| format!("state file: no {key} in its metadata"))
		};
		let pow = |key: &str| {
			number(key).and_then(|bits| {
				u32::try_from(bits)
					.map(f32::from_bits)
					.map_err(|_| format!("state file: {key} is not 32 bits"))
			})
		};
		let (step, beta1_pow, beta2_pow) = (number(STEP)?, pow(BETA1_POW)?, pow(BETA2_POW)?);
		let mut file_tensors = parsed.to_tensors().map_err(|e| format!("state file: {e}"))?;
		let parts = run.parts();
		let expected = 3 * parts.m.len();
		if file_tensors.len() != expected {
			return Err(crate::Error::Invalid(format!(
				"state file: {} tensors, a run of these blocks has {expected}",
				file_tensors.len()
			)));
		}
		let names: Vec<String> = parts.m.keys().cloned().collect();
		for name in names {
			let mut take = |key: String, len: usize| {
				let tensor = file_tensors
					.remove(&key)
					.ok_or_else(|| format!("state file: no tensor {key}"))?;
				if tensor.data.len() != len {
					return Err(crate::Error::Invalid(format!(
						"state file: {key} holds {} values, not {len}",
						tensor.data.len()
					)));
				}
				Ok(tensor)
			};
			let len = parts.m[&name].len();
			let weight = take(name.clone(), len)?;
			let m = take(format!("{MOMENT_M}{name}"), len)?.data;
			let v = take(format!("{MOMENT_V}{name}"), len)?.data;
			match parts.tensors.get_mut(&name) {
				Some(current) if current.shape == weight.shape => *current = weight,
				_ => {
					return Err(crate::Error::Invalid(format!(
						"state file: {name} is not of the model's shape"
					)))
				},
			}
			parts.m.insert(name.clone(), m);
			parts.v.insert(name, v);
		}
		*parts.step = step;
		*parts.beta_pows.0 = beta1_pow;
		*parts.beta_pows.1 = beta2_pow;
		Ok(run)
	}
}
