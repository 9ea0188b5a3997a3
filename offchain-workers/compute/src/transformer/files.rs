//! A transformer model on disk: a folder with `spec.json` and one canonical block file per
//! block (`{block}.safetensors`, the bytes that are content-addressed on chain).

use super::{TransformerSpec, TransformerWeights};
use crate::{
	model::{Architecture, Weights},
	safetensors::{write_atomic, MappedFile},
};
use serde_json::json;
use std::{collections::BTreeMap, path::Path};

/// The spec as JSON (field names as in [`TransformerSpec`]).
pub fn spec_json(spec: &TransformerSpec) -> serde_json::Value {
	json!({
		"architecture": TransformerSpec::TAG,
		"vocab": spec.vocab,
		"d_model": spec.d_model,
		"layers": spec.layers,
		"heads": spec.heads,
		"kv_heads": spec.kv_heads,
		"head_dim": spec.head_dim,
		"d_ff": spec.d_ff,
		"experts": spec.experts,
		"top_k": spec.top_k,
		"context": spec.context,
		"rope_theta": spec.rope_theta,
		"norm_eps": spec.norm_eps,
	})
}

/// The inverse of [`spec_json`], validated.
pub fn spec_from_json(value: &serde_json::Value) -> Result<TransformerSpec, crate::Error> {
	if value["architecture"] != TransformerSpec::TAG {
		let tag = TransformerSpec::TAG;
		return Err(crate::Error::Invalid(format!(
			"architecture {} is not {tag}",
			value["architecture"]
		)));
	}
	let size = |name: &str| {
		value[name].as_u64().map(|v| v as usize).ok_or_else(|| format!("spec: `{name}` is missing"))
	};
	let float = |name: &str| {
		value[name].as_f64().map(|v| v as f32).ok_or_else(|| format!("spec: `{name}` is missing"))
	};
	let spec = TransformerSpec {
		vocab: size("vocab")?,
		d_model: size("d_model")?,
		layers: size("layers")?,
		heads: size("heads")?,
		kv_heads: size("kv_heads")?,
		head_dim: size("head_dim")?,
		d_ff: size("d_ff")?,
		experts: size("experts")?,
		top_k: size("top_k")?,
		context: size("context")?,
		rope_theta: float("rope_theta")?,
		norm_eps: float("norm_eps")?,
	};
	spec.validate().map_err(|e| format!("spec: {e}"))?;
	Ok(spec)
}

/// Write `weights` into `dir` (created if needed); each file is replaced atomically.
pub fn save(dir: &Path, weights: &TransformerWeights) -> Result<(), crate::Error> {
	std::fs::create_dir_all(dir)
		.map_err(|e| crate::Error::Io(format!("{}: {e}", dir.display())))?;
	let spec = serde_json::to_vec_pretty(&spec_json(&weights.spec)).map_err(crate::Error::from)?;
	write_atomic(&dir.join("spec.json"), &spec)
		.map_err(|e| crate::Error::Io(format!("{}: {e}", dir.display())))?;
	for block in weights.spec.blocks() {
		let path = dir.join(format!("{}.safetensors", block.name()));
		write_atomic(&path, &weights.block_file(block))
			.map_err(|e| crate::Error::Io(format!("{}: {e}", path.display())))?;
	}
	Ok(())
}

/// Read a model written by [`save`]; every block file must be present and of the spec's shapes.
pub fn load(dir: &Path) -> Result<TransformerWeights, crate::Error> {
	let path = dir.join("spec.json");
	let text =
		std::fs::read(&path).map_err(|e| crate::Error::Io(format!("{}: {e}", path.display())))?;
	let value = serde_json::from_slice(&text)
		.map_err(|e| crate::Error::Invalid(format!("{}: {e}", path.display())))?;
	let spec = spec_from_json(&value)?;
	let mut weights = Weights { spec, tensors: BTreeMap::new() };
	for block in spec.blocks() {
		let path = dir.join(format!("{}.safetensors", block.name()));
		let file = MappedFile::open(&path)
			.map_err(|e| crate::Error::Invalid(format!("{}: {e}", path.display())))?;
		weights
			.load_block_file(block, &file)
			.map_err(|e| crate::Error::Invalid(format!("{}: {e}", path.display())))?;
	}
	Ok(weights)
}
