//! Splitting a Hugging Face Mixtral-layout MoE checkpoint into AI-Block blocks.
//!
//! A Mixtral checkpoint names its MoE tensors
//! `model.layers.{l}.block_sparse_moe.experts.{e}.{w1,w2,w3}.weight` (the experts) and
//! `model.layers.{l}.block_sparse_moe.gate.weight` (the router); everything else (embeddings,
//! attention, norms, the LM head) is shared by all experts. Each becomes one block file, its
//! tensors renamed into our scheme and byte-for-byte unchanged (any dtype):
//!
//! | source | block | tensor |
//! | --- | --- | --- |
//! | `…layers.{l}.block_sparse_moe.experts.{e}.w1.weight` | `layer{l}.expert{e}` | `layer{l}.expert{e}.w1.weight` |
//! | `…layers.{l}.block_sparse_moe.gate.weight` | `layer{l}.router` | `layer{l}.router.weight` |
//! | any other `name` | `shared` | `shared.{name}` |
//!
//! The input is a `.safetensors` file or a folder with `model.safetensors.index.json` (sharded)
//! or `*.safetensors` files.

use crate::{
	model::BlockId,
	safetensors::{self, MappedFile, RawTensor, SafetensorsError},
	tensor::Digest,
};
use std::{
	collections::{BTreeMap, BTreeSet},
	path::{Path, PathBuf},
};

/// Why a checkpoint could not be imported.
#[derive(Debug)]
pub enum ImportError {
	Io {
		path: PathBuf,
		error: std::io::Error,
	},
	File {
		path: PathBuf,
		error: SafetensorsError,
	},
	/// No safetensors file in the folder.
	NoCheckpoint(PathBuf),
	/// The same tensor name in two files.
	Duplicate(String),
	/// A layer's experts are not numbered 0..E, or layers have different expert counts.
	Layout(String),
}

impl std::fmt::Display for ImportError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			ImportError::Io { path, error } => write!(f, "{}: {error}", path.display()),
			ImportError::File { path, error } => write!(f, "{}: {error}", path.display()),
			ImportError::NoCheckpoint(p) => {
				write!(f, "{}: no .safetensors file found", p.display())
			},
			ImportError::Duplicate(n) => write!(f, "tensor {n} appears in more than one file"),
			ImportError::Layout(m) => write!(f, "not a Mixtral MoE layout: {m}"),
		}
	}
}

impl std::error::Error for ImportError {}

/// One block written by the importer.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedBlock {
	pub block: BlockId,
	pub path: PathBuf,
	/// The canonical hash of its tensors.
	pub content_hash: Digest,
	pub bytes: u64,
	pub tensors: usize,
}

/// What an import produced.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportReport {
	pub layers: usize,
	pub experts: usize,
	/// In canonical block order (shared, then per layer the router and the experts).
	pub blocks: Vec<ImportedBlock>,
}

/// Where a source tensor goes.
pub fn classify(name: &str) -> (BlockId, String) {
	let moe = name
		.strip_prefix("model.layers.")
		.and_then(|rest| rest.split_once('.'))
		.and_then(|(layer, rest)| Some((index(layer)?, rest.strip_prefix("block_sparse_moe.")?)));
	if let Some((layer, rest)) = moe {
		if let Some(tail) = rest.strip_prefix("gate.") {
			return (BlockId::Router { layer }, format!("layer{layer}.router.{tail}"));
		}
		if let Some((expert, tail)) = rest.strip_prefix("experts.").and_then(|r| r.split_once('.'))
		{
			if let Some(expert) = index(expert) {
				return (
					BlockId::Expert { layer, expert },
					format!("layer{layer}.expert{expert}.{tail}"),
				);
			}
		}
	}
	(BlockId::Shared, format!("shared.{name}"))
}

/// A layer or expert index as checkpoints write it: decimal digits, no sign, no leading zero
/// (`+1` or `01` would name the same tensor as `1` and silently replace it).
fn index(text: &str) -> Option<u32> {
	let canonical = !text.is_empty()
		&& text.bytes().all(|b| b.is_ascii_digit())
		&& (text == "0" || !text.starts_with('0'));
	canonical.then(|| text.parse().ok()).flatten()
}

/// The layer or expert index of `name` that is not written as [`index`] reads it, if any.
fn misspelled_index(name: &str) -> Option<&str> {
	let parts: Vec<&str> = name.split('.').collect();
	parts
		.windows(2)
		.filter(|w| w[0] == "layers" || w[0] == "experts")
		.map(|w| w[1])
		.find(|i| index(i).is_none())
}

/// Whether `name` from an index's `weight_map` is a plain file name: the shards lie next to
/// the index, and an absolute or `../` path would read files elsewhere.
fn plain_file_name(name: &str) -> bool {
	let mut parts = Path::new(name).components();
	matches!((parts.next(), parts.next()), (Some(std::path::Component::Normal(_)), None))
}

fn checkpoint_files(input: &Path) -> Result<Vec<PathBuf>, ImportError> {
	let io = |error| ImportError::Io { path: input.to_path_buf(), error };
	if input.is_file() {
		return Ok(vec![input.to_path_buf()]);
	}
	let index = input.join("model.safetensors.index.json");
	if index.is_file() {
		let text = std::fs::read(&index)
			.map_err(|error| ImportError::Io { path: index.clone(), error })?;
		let json: serde_json::Value = serde_json::from_slice(&text)
			.map_err(|e| ImportError::Layout(format!("index: {e}")))?;
		let files: BTreeSet<String> = json
			.get("weight_map")
			.and_then(|m| m.as_object())
			.ok_or_else(|| ImportError::Layout("index has no weight_map".into()))?
			.values()
			.filter_map(|v| v.as_str().map(str::to_owned))
			.collect();
		if let Some(bad) = files.iter().find(|f| !plain_file_name(f)) {
			return Err(ImportError::Layout(format!(
				"the index's weight_map names '{bad}': only files next to the index are read"
			)));
		}
		return Ok(files.into_iter().map(|f| input.join(f)).collect());
	}
	let mut files: Vec<PathBuf> = std::fs::read_dir(input)
		.map_err(io)?
		.filter_map(|e| e.ok().map(|e| e.path()))
		.filter(|p| p.extension().is_some_and(|x| x == "safetensors"))
		.collect();
	files.sort();
	if files.is_empty() {
		return Err(ImportError::NoCheckpoint(input.to_path_buf()));
	}
	Ok(files)
}

/// Split the checkpoint at `input` into one safetensors file per block in `out_dir`
/// (`{block}.safetensors`), and report their hashes.
pub fn import_mixtral(input: &Path, out_dir: &Path) -> Result<ImportReport, ImportError> {
	let files = checkpoint_files(input)?;
	let mapped: Vec<(PathBuf, MappedFile)> = files
		.into_iter()
		.map(|path| {
			MappedFile::open(&path)
				.map(|m| (path.clone(), m))
				.map_err(|error| ImportError::File { path, error })
		})
		.collect::<Result<_, _>>()?;

	// block → our name → (file index, source name)
	let mut plan: BTreeMap<BlockId, BTreeMap<String, (usize, String)>> = BTreeMap::new();
	let mut seen = BTreeSet::new();
	for (i, (_, file)) in mapped.iter().enumerate() {
		for name in file.names() {
			if !seen.insert(name.to_owned()) {
				return Err(ImportError::Duplicate(name.to_owned()));
			}
			if let Some(bad) = misspelled_index(name) {
				return Err(ImportError::Layout(format!(
					"{name}: index '{bad}' is not a plain decimal number"
				)));
			}
			let (block, ours) = classify(name);
			if plan.entry(block).or_default().insert(ours.clone(), (i, name.to_owned())).is_some() {
				return Err(ImportError::Duplicate(ours));
			}
		}
	}

	let mut experts_per_layer: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
	for block in plan.keys() {
		match *block {
			BlockId::Expert { layer, expert } => {
				experts_per_layer.entry(layer).or_default().insert(expert);
			},
			BlockId::Router { layer } => {
				experts_per_layer.entry(layer).or_default();
			},
			BlockId::Shared | BlockId::Attention { .. } => {},
		}
	}
	let layers = experts_per_layer.len();
	if experts_per_layer.keys().copied().ne(0..layers as u32) {
		return Err(ImportError::Layout(format!("MoE layers are not numbered 0..{layers}")));
	}
	let experts = experts_per_layer.values().next().map_or(0, |e| e.len());
	for (layer, set) in &experts_per_layer {
		if set.iter().copied().ne(0..experts as u32) {
			return Err(ImportError::Layout(format!(
				"layer {layer} has experts {set:?}, expected 0..{experts} like layer 0"
			)));
		}
		if !plan.contains_key(&BlockId::Router { layer: *layer }) {
			return Err(ImportError::Layout(format!("layer {layer} has no router (gate)")));
		}
	}

	std::fs::create_dir_all(out_dir)
		.map_err(|error| ImportError::Io { path: out_dir.to_path_buf(), error })?;
	let mut blocks = Vec::new();
	for (block, tensors) in &plan {
		let mut raw: BTreeMap<String, RawTensor<'_>> = BTreeMap::new();
		for (ours, (file, source)) in tensors {
			let (path, mapped_file) = &mapped[*file];
			let tensor = mapped_file
				.raw(source)
				.map_err(|error| ImportError::File { path: path.clone(), error })?;
			raw.insert(ours.clone(), tensor);
		}
		let metadata: BTreeMap<String, String> = [
			("block".to_string(), block.name()),
			("format".to_string(), "aiblock-block-v1".to_string()),
			("source".to_string(), "mixtral".to_string()),
		]
		.into();
		let bytes = safetensors::serialize(&raw, &metadata);
		let path = out_dir.join(format!("{}.safetensors", block.name()));
		safetensors::write_atomic(&path, &bytes)
			.map_err(|error| ImportError::Io { path: path.clone(), error })?;
		blocks.push(ImportedBlock {
			block: *block,
			path,
			content_hash: safetensors::hash_raw(&raw),
			bytes: bytes.len() as u64,
			tensors: raw.len(),
		});
	}
	Ok(ImportReport { layers, experts, blocks })
}

#[cfg(test)]
mod tests;
