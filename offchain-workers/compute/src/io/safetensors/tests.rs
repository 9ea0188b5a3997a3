use super::*;
use crate::tensor::hash_tensors;

fn sample() -> BTreeMap<String, Tensor> {
	let mut t = BTreeMap::new();
	t.insert(
		"layer0.expert1.w1".into(),
		Tensor { shape: vec![2, 3], data: vec![1.0, -2.5, 3.25, 0.0, -0.0, 7.0] },
	);
	t.insert("layer0.expert1.b1".into(), Tensor { shape: vec![3], data: vec![0.5, 0.25, 1e-30] });
	t.insert("empty".into(), Tensor { shape: vec![0, 4], data: vec![] });
	t
}

fn meta(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
	pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn temp_path(name: &str) -> std::path::PathBuf {
	let dir = std::env::temp_dir().join(format!("aiblock-st-{}-{name}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	dir.join("file.safetensors")
}

#[test]
fn round_trip_keeps_tensors_metadata_and_hash() {
	let tensors = sample();
	let metadata =
		meta(&[("model", "aiblock-tiny"), ("block", "layer0.expert1"), ("format", "pt")]);
	let bytes = serialize_f32(&tensors, &metadata);
	let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
	assert_eq!(header_len % 8, 0, "data is 8-byte aligned");
	let file = SafeTensors::parse(&bytes[..]).unwrap();
	assert_eq!(file.to_tensors().unwrap(), tensors);
	assert_eq!(file.metadata, metadata);
	assert_eq!(file.content_hash().unwrap(), hash_tensors(&tensors));
	assert_eq!(bytes, serialize_f32(&tensors, &metadata), "same inputs, same bytes");
	// The header starts with the metadata, keys sorted.
	let header = std::str::from_utf8(&bytes[8..8 + header_len]).unwrap();
	assert!(
		header.starts_with(
			r#"{"__metadata__":{"block":"layer0.expert1","format":"pt","model":"aiblock-tiny"},"empty""#
		),
		"{header}"
	);
}

#[test]
fn another_writers_layout_has_the_same_content_hash() {
	let tensors = sample();
	let ours = serialize_f32(&tensors, &meta(&[("a", "1"), ("b", "2")]));
	// Hand-written: tensors in another order, data in another order, spaces, metadata last.
	let w1: Vec<u8> =
		tensors["layer0.expert1.w1"].data.iter().flat_map(|x| x.to_le_bytes()).collect();
	let b1: Vec<u8> =
		tensors["layer0.expert1.b1"].data.iter().flat_map(|x| x.to_le_bytes()).collect();
	let header = format!(
		r#"{{ "layer0.expert1.w1": {{"shape": [2, 3], "dtype": "F32", "data_offsets": [0, {}]}}, "empty": {{"dtype":"F32","shape":[0,4],"data_offsets":[{},{}]}}, "layer0.expert1.b1": {{"dtype":"F32","shape":[3],"data_offsets":[{},{}]}}, "__metadata__": {{"b": "2", "a": "1"}} }}"#,
		w1.len(),
		w1.len(),
		w1.len(),
		w1.len(),
		w1.len() + b1.len()
	);
	let mut theirs = (header.len() as u64).to_le_bytes().to_vec();
	theirs.extend_from_slice(header.as_bytes());
	theirs.extend_from_slice(&w1);
	theirs.extend_from_slice(&b1);
	assert_ne!(theirs, ours);
	let a = SafeTensors::parse(&ours[..]).unwrap();
	let b = SafeTensors::parse(&theirs[..]).unwrap();
	assert_eq!(a.content_hash().unwrap(), b.content_hash().unwrap());
	assert_eq!(a.metadata, b.metadata);
	assert_eq!(b.to_tensors().unwrap(), tensors);
	// Re-serialising theirs gives our canonical bytes.
	assert_eq!(serialize_f32(&b.to_tensors().unwrap(), &b.metadata), ours);
}

#[test]
fn mapped_files_are_read_without_copying() {
	let path = temp_path("mmap");
	let tensors = sample();
	write_atomic(&path, &serialize_f32(&tensors, &BTreeMap::new())).unwrap();
	let file = MappedFile::open(&path).unwrap();
	let w1 = file.f32("layer0.expert1.w1").unwrap();
	assert!(matches!(w1, std::borrow::Cow::Borrowed(_)));
	assert_eq!(&*w1, &tensors["layer0.expert1.w1"].data[..]);
	assert_eq!(
		file.names().collect::<Vec<_>>(),
		vec!["empty", "layer0.expert1.b1", "layer0.expert1.w1"]
	);
	std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn other_dtypes_keep_their_bytes() {
	let bf16 = [0x80u8, 0x3f, 0x00, 0x40]; // 1.0, 2.0 in bf16
	let mut raw = BTreeMap::new();
	raw.insert("w".to_string(), RawTensor { dtype: "BF16", shape: &[2], bytes: &bf16 });
	let bytes = serialize(&raw, &BTreeMap::new());
	let file = SafeTensors::parse(&bytes[..]).unwrap();
	assert_eq!(file.raw("w").unwrap(), RawTensor { dtype: "BF16", shape: &[2], bytes: &bf16 });
	assert!(matches!(file.f32("w"), Err(SafetensorsError::Dtype { .. })));
	assert!(matches!(file.raw("nope"), Err(SafetensorsError::Missing(_))));
}

#[test]
fn malformed_files_are_refused_with_the_reason() {
	let good = serialize_f32(&sample(), &BTreeMap::new());
	let header_len = u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;
	assert!(matches!(SafeTensors::parse(&good[..5]), Err(SafetensorsError::Header(_))));
	assert!(matches!(
		SafeTensors::parse(&good[..8 + header_len - 1]),
		Err(SafetensorsError::Header(_))
	));
	// Data cut short: the tensors no longer cover the buffer.
	assert!(matches!(
		SafeTensors::parse(&good[..good.len() - 1]),
		Err(SafetensorsError::Header(why)) if why.contains("incomplete")
	));
	// Trailing bytes after the last tensor are refused too (they would be hashed by a CID but
	// belong to no tensor).
	let mut longer = good.clone();
	longer.push(0);
	assert!(SafeTensors::parse(&longer[..]).is_err());
	let with_header = |h: &str| {
		let mut v = (h.len() as u64).to_le_bytes().to_vec();
		v.extend_from_slice(h.as_bytes());
		v.extend_from_slice(&[0u8; 16]);
		v
	};
	let cases = [
		("not json", r#"{"a":"#),
		("array", r#"[1,2]"#),
		("unknown dtype", r#"{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}"#),
		("length mismatch", r#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#),
		("reversed offsets", r#"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}"#),
		(
			"overlap",
			r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
		),
		("bad metadata", r#"{"__metadata__":{"k":1}}"#),
		("no shape", r#"{"a":{"dtype":"F32","data_offsets":[0,4]}}"#),
	];
	for (what, header) in cases {
		assert!(SafeTensors::parse(with_header(header)).is_err(), "{what} accepted");
	}
	assert!(SafeTensors::parse(with_header(
		r#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#
	))
	.is_ok());
}

#[test]
fn the_reference_writer_gives_our_bytes_when_it_can_be_deterministic() {
	use ::safetensors::{tensor::TensorView, Dtype};
	let tensors = sample();
	let bytes: BTreeMap<&str, Vec<u8>> = tensors
		.iter()
		.map(|(n, t)| (n.as_str(), t.data.iter().flat_map(|x| x.to_le_bytes()).collect()))
		.collect();
	let views: Vec<(&str, TensorView<'_>)> = tensors
		.iter()
		.map(|(n, t)| {
			(n.as_str(), TensorView::new(Dtype::F32, t.shape.clone(), &bytes[n.as_str()]).unwrap())
		})
		.collect();
	for metadata in [vec![], vec![("block", "layer0.expert1")]] {
		let ours = serialize_f32(&tensors, &meta(&metadata));
		let map = (!metadata.is_empty())
			.then(|| metadata.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
		let reference = ::safetensors::serialize(views.clone(), map).unwrap();
		assert_eq!(reference, ours, "metadata {metadata:?}");
	}
}
