use super::*;
use crate::safetensors::SafeTensors;

fn temp_dir(name: &str) -> PathBuf {
	let dir = std::env::temp_dir().join(format!("aiblock-import-{}-{name}", std::process::id()));
	let _ = std::fs::remove_dir_all(&dir);
	std::fs::create_dir_all(&dir).unwrap();
	dir
}

/// Distinct bytes per tensor, so a misplaced tensor is caught.
fn bytes_for(name: &str, len: usize) -> Vec<u8> {
	let seed = crate::rng::stream_of(name);
	(0..len).map(|i| crate::rng::draw(seed, 0, i as u64) as u8).collect()
}

/// A tiny Mixtral-layout checkpoint: `layers` layers of `experts` experts, BF16 experts and F32
/// norms, split over two shards with an index.
fn write_mixtral(
	dir: &Path,
	layers: usize,
	experts: usize,
	skip: Option<(usize, usize)>,
) -> BTreeMap<String, (String, Vec<usize>, Vec<u8>)> {
	let (d, ff) = (8usize, 16usize);
	let mut all: BTreeMap<String, (String, Vec<usize>, Vec<u8>)> = BTreeMap::new();
	let mut add = |name: String, dtype: &str, shape: Vec<usize>| {
		let size = if dtype == "BF16" { 2 } else { 4 };
		let len = shape.iter().product::<usize>() * size;
		all.insert(name.clone(), (dtype.to_string(), shape, bytes_for(&name, len)));
	};
	add("model.embed_tokens.weight".into(), "BF16", vec![32, d]);
	add("model.norm.weight".into(), "F32", vec![d]);
	add("lm_head.weight".into(), "BF16", vec![32, d]);
	for l in 0..layers {
		add(format!("model.layers.{l}.input_layernorm.weight"), "F32", vec![d]);
		add(format!("model.layers.{l}.self_attn.q_proj.weight"), "BF16", vec![d, d]);
		add(format!("model.layers.{l}.block_sparse_moe.gate.weight"), "BF16", vec![experts, d]);
		for e in 0..experts {
			if skip == Some((l, e)) {
				continue;
			}
			for (w, shape) in [("w1", vec![ff, d]), ("w2", vec![d, ff]), ("w3", vec![ff, d])] {
				add(
					format!("model.layers.{l}.block_sparse_moe.experts.{e}.{w}.weight"),
					"BF16",
					shape,
				);
			}
		}
	}
	// Two shards: layer 0 and the embeddings in the first, the rest in the second.
	let mut shards: [BTreeMap<String, RawTensor<'_>>; 2] = [BTreeMap::new(), BTreeMap::new()];
	let mut weight_map = serde_json::Map::new();
	for (name, (dtype, shape, bytes)) in &all {
		let shard =
			usize::from(name.starts_with("model.layers.") && !name.starts_with("model.layers.0."));
		shards[shard].insert(name.clone(), RawTensor { dtype, shape, bytes });
		weight_map
			.insert(name.clone(), format!("model-0000{}-of-00002.safetensors", shard + 1).into());
	}
	for (i, shard) in shards.iter().enumerate() {
		let meta: BTreeMap<String, String> = [("format".to_string(), "pt".to_string())].into();
		std::fs::write(
			dir.join(format!("model-0000{}-of-00002.safetensors", i + 1)),
			safetensors::serialize(shard, &meta),
		)
		.unwrap();
	}
	let index = serde_json::json!({ "metadata": { "total_size": 0 }, "weight_map": weight_map });
	std::fs::write(dir.join("model.safetensors.index.json"), index.to_string()).unwrap();
	all
}

#[test]
fn classification_follows_the_mixtral_names() {
	assert_eq!(
		classify("model.layers.3.block_sparse_moe.experts.5.w1.weight"),
		(BlockId::Expert { layer: 3, expert: 5 }, "layer3.expert5.w1.weight".into())
	);
	assert_eq!(
		classify("model.layers.0.block_sparse_moe.gate.weight"),
		(BlockId::Router { layer: 0 }, "layer0.router.weight".into())
	);
	assert_eq!(
		classify("model.layers.0.self_attn.q_proj.weight"),
		(BlockId::Shared, "shared.model.layers.0.self_attn.q_proj.weight".into())
	);
	assert_eq!(classify("lm_head.weight"), (BlockId::Shared, "shared.lm_head.weight".into()));
	assert_eq!(classify("model.layers.x.block_sparse_moe.gate.weight").0, BlockId::Shared);
}

#[test]
fn a_sharded_checkpoint_splits_into_blocks_with_every_byte_kept() {
	let src = temp_dir("src");
	let out = temp_dir("out");
	let source = write_mixtral(&src, 2, 3, None);
	let report = import_mixtral(&src, &out).unwrap();
	assert_eq!((report.layers, report.experts), (2, 3));
	let names: Vec<String> = report.blocks.iter().map(|b| b.block.name()).collect();
	assert_eq!(
		names,
		[
			"shared",
			"layer0.router",
			"layer0.expert0",
			"layer0.expert1",
			"layer0.expert2",
			"layer1.router",
			"layer1.expert0",
			"layer1.expert1",
			"layer1.expert2"
		]
	);
	let mut found = 0;
	for block in &report.blocks {
		let file = MappedFile::open(&block.path).unwrap();
		assert_eq!(file.metadata["block"], block.block.name());
		assert_eq!(file.content_hash().unwrap(), block.content_hash);
		assert_eq!(std::fs::metadata(&block.path).unwrap().len(), block.bytes);
		for name in file.names() {
			let (dtype, shape, bytes) = source
				.iter()
				.find(|(src_name, _)| classify(src_name).1 == name)
				.map(|(_, v)| v)
				.unwrap_or_else(|| panic!("{name} has no source"));
			let raw = file.raw(name).unwrap();
			assert_eq!(
				(raw.dtype, raw.shape, raw.bytes),
				(dtype.as_str(), &shape[..], &bytes[..]),
				"{name}"
			);
			assert_eq!(BlockId::of_tensor(name).unwrap_or(BlockId::Shared), block.block);
			found += 1;
		}
	}
	assert_eq!(found, source.len(), "every source tensor lands in exactly one block");
	let expert =
		report.blocks.iter().find(|b| b.block == BlockId::Expert { layer: 1, expert: 2 }).unwrap();
	assert_eq!(expert.tensors, 3);

	// Importing again gives the same files.
	let again = temp_dir("again");
	let second = import_mixtral(&src, &again).unwrap();
	for (a, b) in report.blocks.iter().zip(&second.blocks) {
		assert_eq!(std::fs::read(&a.path).unwrap(), std::fs::read(&b.path).unwrap());
	}
	// A single shard file can be imported alone.
	let single =
		import_mixtral(&src.join("model-00001-of-00002.safetensors"), &temp_dir("single")).unwrap();
	assert_eq!((single.layers, single.experts), (1, 3));
	let _ = SafeTensors::parse(std::fs::read(&second.blocks[0].path).unwrap()).unwrap();
	for dir in [src, out, again] {
		std::fs::remove_dir_all(dir).unwrap();
	}
}

#[test]
fn broken_layouts_are_refused() {
	let src = temp_dir("gap");
	write_mixtral(&src, 2, 3, Some((1, 1)));
	let err = import_mixtral(&src, &temp_dir("gap-out")).unwrap_err();
	assert!(matches!(err, ImportError::Layout(ref m) if m.contains("layer 1")), "{err}");
	let empty = temp_dir("empty");
	assert!(matches!(
		import_mixtral(&empty, &temp_dir("empty-out")),
		Err(ImportError::NoCheckpoint(_))
	));
	let garbage = empty.join("x.safetensors");
	std::fs::write(&garbage, b"not a checkpoint").unwrap();
	assert!(matches!(
		import_mixtral(&garbage, &temp_dir("garbage-out")),
		Err(ImportError::File { .. })
	));
}

#[test]
fn an_index_cannot_point_outside_its_folder() {
	for bad in
		["/etc/passwd", "../secret.safetensors", "sub/../../x.safetensors", "a/b.safetensors"]
	{
		let src = temp_dir("escape");
		write_mixtral(&src, 1, 2, None);
		let index = serde_json::json!({ "weight_map": { "model.norm.weight": bad } });
		std::fs::write(src.join("model.safetensors.index.json"), index.to_string()).unwrap();
		let err = import_mixtral(&src, &temp_dir("escape-out")).unwrap_err();
		assert!(matches!(err, ImportError::Layout(ref m) if m.contains(bad)), "{bad}: {err}");
	}
}

#[test]
fn indices_that_would_alias_a_tensor_are_refused() {
	assert_eq!(index("0"), Some(0));
	assert_eq!(index("17"), Some(17));
	for bad in ["+1", "01", "-1", "", " 1", "1 ", "99999999999"] {
		assert_eq!(index(bad), None, "{bad:?}");
	}
	// `layers.01` next to `layers.1` would have replaced layer 1's router.
	let src = temp_dir("alias");
	let meta: BTreeMap<String, String> = BTreeMap::new();
	let bytes = bytes_for("x", 4 * 8);
	let shape = [8usize];
	let mut raw: BTreeMap<String, RawTensor<'_>> = BTreeMap::new();
	for name in [
		"model.layers.1.block_sparse_moe.gate.weight",
		"model.layers.01.block_sparse_moe.gate.weight",
	] {
		raw.insert(name.into(), RawTensor { dtype: "F32", shape: &shape, bytes: &bytes });
	}
	let file = src.join("model.safetensors");
	std::fs::write(&file, safetensors::serialize(&raw, &meta)).unwrap();
	let err = import_mixtral(&file, &temp_dir("alias-out")).unwrap_err();
	assert!(matches!(err, ImportError::Layout(ref m) if m.contains("'01'")), "{err}");
	// An expert written twice under two spellings is caught as a duplicate too.
	let mut raw: BTreeMap<String, RawTensor<'_>> = BTreeMap::new();
	for name in [
		"model.layers.0.block_sparse_moe.experts.1.w1.weight",
		"model.layers.0.block_sparse_moe.experts.01.w1.weight",
	] {
		raw.insert(name.into(), RawTensor { dtype: "F32", shape: &shape, bytes: &bytes });
	}
	std::fs::write(&file, safetensors::serialize(&raw, &meta)).unwrap();
	let err = import_mixtral(&file, &temp_dir("alias-out2")).unwrap_err();
	assert!(matches!(err, ImportError::Layout(ref m) if m.contains("'01'")), "{err}");
}
