//! Loading a Hugging Face `MixtralForCausalLM` checkpoint (a folder with `config.json` and one
//! or more `*.safetensors` files, f32) as [`TransformerWeights`].
//!
//! | Hugging Face | ours |
//! | --- | --- |
//! | `model.embed_tokens.weight` `[vocab, d]` | `shared.embed` (as is) |
//! | `lm_head.weight` `[vocab, d]` (the embedding when tied) | `shared.head` `[d, vocab]` |
//! | `model.norm.weight` | `shared.norm` |
//! | `model.layers.{l}.input_layernorm.weight` | `layer{l}.attention.norm` |
//! | `model.layers.{l}.post_attention_layernorm.weight` | `layer{l}.attention.ffn_norm` |
//! | `model.layers.{l}.self_attn.{q,k,v,o}_proj.weight` | `layer{l}.attention.w{q,k,v,o}` |
//! | `model.layers.{l}.block_sparse_moe.gate.weight` | `layer{l}.router.weight` |
//! | `model.layers.{l}.block_sparse_moe.experts.{e}.w{1,2,3}.weight` | `layer{l}.expert{e}.w{1,2,3}` |
//!
//! Linear weights are transposed (PyTorch stores `[out, in]`, we multiply `x · W` with
//! `[in, out]`). A tensor the table does not name, or a missing one, is an error.

use super::{TransformerSpec, TransformerWeights};
use crate::{model::Weights, safetensors::MappedFile, tensor::Tensor};
use std::{collections::BTreeMap, path::Path};

/// Read `config.json` of a Mixtral checkpoint as our spec.
pub fn spec_from_config(config: &serde_json::Value) -> Result<TransformerSpec, crate::Error> {
	let field = |name: &str| -> Result<usize, String> {
		config[name]
			.as_u64()
			.map(|v| v as usize)
			.ok_or_else(|| format!("config.json: `{name}` is missing or not a whole number"))
	};
	let float = |name: &str, default: f64| config[name].as_f64().unwrap_or(default) as f32;
	if config["model_type"].as_str() != Some("mixtral") {
		return Err(crate::Error::Invalid(format!(
			"config.json: model_type {} is not \"mixtral\"",
			config["model_type"]
		)));
	}
	// What this implementation does not compute: refused rather than silently computed
	// differently.
	if !config["hidden_act"].is_null() && config["hidden_act"] != "silu" {
		return Err(crate::Error::Invalid(format!(
			"config.json: hidden_act {} (only silu)",
			config["hidden_act"]
		)));
	}
	if !config["rope_scaling"].is_null() {
		return Err("config.json: rope_scaling is not supported".into());
	}
	let (d_model, heads) = (field("hidden_size")?, field("num_attention_heads")?);
	let spec = TransformerSpec {
		vocab: field("vocab_size")?,
		d_model,
		layers: field("num_hidden_layers")?,
		heads,
		kv_heads: field("num_key_value_heads").unwrap_or(heads),
		head_dim: field("head_dim").unwrap_or(d_model / heads.max(1)),
		d_ff: field("intermediate_size")?,
		experts: field("num_local_experts")?,
		top_k: field("num_experts_per_tok")?,
		context: field("max_position_embeddings")?,
		rope_theta: float("rope_theta", 1e6),
		norm_eps: float("rms_norm_eps", 1e-5),
	};
	spec.validate().map_err(|e| format!("config.json: {e}"))?;
	if let Some(window) = config["sliding_window"].as_u64() {
		if (window as usize) < spec.context {
			return Err(crate::Error::Invalid(format!(
				"config.json: sliding_window {window} below the context {} is not supported",
				spec.context
			)));
		}
	}
	Ok(spec)
}

/// Where each of our tensors comes from, and whether it is transposed.
fn source_of(name: &str, tied: bool) -> Option<(String, bool)> {
	let (block, local) = name.rsplit_once('.')?;
	if block == "shared" {
		return Some(match local {
			"embed" => ("model.embed_tokens.weight".into(), false),
			"head" if tied => ("model.embed_tokens.weight".into(), true),
			"head" => ("lm_head.weight".into(), true),
			_ => ("model.norm.weight".into(), false),
		});
	}
	let (layer, kind) = block.split_once('.')?;
	let l = layer.strip_prefix("layer")?;
	let layers = format!("model.layers.{l}");
	Some(match (kind, local) {
		("attention", "norm") => (format!("{layers}.input_layernorm.weight"), false),
		("attention", "ffn_norm") => (format!("{layers}.post_attention_layernorm.weight"), false),
		("attention", w) => (format!("{layers}.self_attn.{}_proj.weight", &w[1..]), true),
		("router", _) => (format!("{layers}.block_sparse_moe.gate.weight"), true),
		(expert, w) => {
			let e = expert.strip_prefix("expert")?;
			(format!("{layers}.block_sparse_moe.experts.{e}.{w}.weight"), true)
		},
	})
}

/// Load the checkpoint in `folder`.
pub fn load(folder: &Path) -> Result<TransformerWeights, crate::Error> {
	let config_path = folder.join("config.json");
	let config: serde_json::Value = serde_json::from_slice(
		&std::fs::read(&config_path)
			.map_err(|e| crate::Error::Io(format!("{}: {e}", config_path.display())))?,
	)
	.map_err(|e| crate::Error::Invalid(format!("{}: {e}", config_path.display())))?;
	let spec = spec_from_config(&config)?;
	let tied = config["tie_word_embeddings"].as_bool().unwrap_or(false);

	let mut files = Vec::new();
	let mut entries: Vec<_> = std::fs::read_dir(folder)
		.map_err(|e| crate::Error::Io(format!("{}: {e}", folder.display())))?
		.filter_map(|e| e.ok().map(|e| e.path()))
		.filter(|p| p.extension().is_some_and(|x| x == "safetensors"))
		.collect();
	entries.sort();
	for path in &entries {
		files.push(
			MappedFile::open(path)
				.map_err(|e| crate::Error::Invalid(format!("{}: {e}", path.display())))?,
		);
	}
	if files.is_empty() {
		return Err(crate::Error::Invalid(format!("{}: no .safetensors file", folder.display())));
	}
	let mut located = BTreeMap::new();
	for (i, file) in files.iter().enumerate() {
		for name in file.names() {
			if located.insert(name.to_owned(), i).is_some() {
				return Err(crate::Error::Invalid(format!(
					"tensor {name} appears in more than one file"
				)));
			}
		}
	}

	let mut used = std::collections::BTreeSet::new();
	let mut tensors = BTreeMap::new();
	for block in spec.blocks() {
		for (name, shape) in crate::model::Architecture::tensor_shapes(&spec, block) {
			let (source, transpose) =
				source_of(&name, tied).ok_or_else(|| format!("no source for {name}"))?;
			let file =
				&files[*located.get(&source).ok_or_else(|| format!("{source} is missing"))?];
			let raw = file.raw(&source).map_err(crate::Error::from)?;
			let data = file.f32(&source).map_err(crate::Error::from)?;
			let stored: Vec<usize> =
				if transpose { shape.iter().rev().copied().collect() } else { shape.clone() };
			if raw.shape != stored.as_slice() {
				return Err(crate::Error::Invalid(format!(
					"{source}: shape {:?}, expected {stored:?}",
					raw.shape
				)));
			}
			let data =
				if transpose { transposed(&data, stored[0], stored[1]) } else { data.into_owned() };
			tensors.insert(name, Tensor { shape, data });
			used.insert(source);
		}
	}
	// A tied checkpoint may still carry the head; it is the embedding, and our copy of it is a
	// separate tensor from here on (training unties them).
	let ignorable = |n: &str| n.ends_with("rotary_emb.inv_freq") || (tied && n == "lm_head.weight");
	if let Some(extra) = located.keys().find(|n| !used.contains(*n) && !ignorable(n)) {
		return Err(crate::Error::Invalid(format!(
			"{extra}: not part of a Mixtral model of this config"
		)));
	}
	Ok(Weights { spec, tensors })
}

/// The transpose of a row-major `rows × cols` matrix.
fn transposed(data: &[f32], rows: usize, cols: usize) -> Vec<f32> {
	let mut out = vec![0.0; data.len()];
	for r in 0..rows {
		for c in 0..cols {
			out[c * rows + r] = data[r * cols + c];
		}
	}
	out
}

/// Write `weights` as a Hugging Face `MixtralForCausalLM` checkpoint (`config.json` and
/// `model.safetensors`, f32) into `folder`: the inverse of [`load`], so PyTorch can run the
/// same model (the side-by-side generation figures).
pub fn save(folder: &Path, weights: &TransformerWeights) -> Result<(), crate::Error> {
	let spec = weights.spec;
	let mut tensors = BTreeMap::new();
	for (name, tensor) in &weights.tensors {
		let (target, transpose) =
			source_of(name, false).ok_or_else(|| format!("no Hugging Face name for {name}"))?;
		let t = if transpose {
			let (rows, cols) = (tensor.shape[0], tensor.shape[1]);
			Tensor { shape: vec![cols, rows], data: transposed(&tensor.data, rows, cols) }
		} else {
			tensor.clone()
		};
		tensors.insert(target, t);
	}
	let config = serde_json::json!({
		"architectures": ["MixtralForCausalLM"],
		"model_type": "mixtral",
		"vocab_size": spec.vocab,
		"hidden_size": spec.d_model,
		"intermediate_size": spec.d_ff,
		"num_hidden_layers": spec.layers,
		"num_attention_heads": spec.heads,
		"num_key_value_heads": spec.kv_heads,
		"head_dim": spec.head_dim,
		"num_local_experts": spec.experts,
		"num_experts_per_tok": spec.top_k,
		"max_position_embeddings": spec.context,
		"rope_theta": spec.rope_theta,
		"rms_norm_eps": spec.norm_eps,
		"tie_word_embeddings": false,
		"sliding_window": null,
		"hidden_act": "silu",
		"torch_dtype": "float32",
		"bos_token_id": null,
		"eos_token_id": null,
	});
	std::fs::create_dir_all(folder)
		.map_err(|e| crate::Error::Io(format!("{}: {e}", folder.display())))?;
	let metadata: BTreeMap<String, String> = [("format".to_string(), "pt".to_string())].into();
	crate::safetensors::write_atomic(
		&folder.join("model.safetensors"),
		&crate::safetensors::serialize_f32(&tensors, &metadata),
	)
	.map_err(|e| format!("{}: {e}", folder.display()))?;
	let text = serde_json::to_vec_pretty(&config).map_err(crate::Error::from)?;
	crate::safetensors::write_atomic(&folder.join("config.json"), &text)
		.map_err(|e| crate::Error::Io(format!("{}: {e}", folder.display())))
}
