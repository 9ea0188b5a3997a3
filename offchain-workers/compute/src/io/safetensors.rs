//! Safetensors files: read zero-copy from a memory map, written byte-for-byte deterministically.
//!
//! Layout: an 8-byte little-endian header length `N`, `N` bytes of JSON (`{"__metadata__":
//! {…}, "name": {"dtype", "shape", "data_offsets": [begin, end]}, …}`), then the data buffer.
//!
//! Our writer makes the bytes a function of the tensors and the metadata alone: `__metadata__`
//! first with its keys sorted, then the tensors in ascending name order with their data in the
//! same order, compact JSON, the header padded with spaces to a multiple of 8 (so the data is
//! 8-byte aligned and `f32` views need no copy). Two writers with equal inputs produce equal
//! files, hence equal CIDs. Commitments still hash the tensors ([`crate::tensor`]), never the
//! file, so a file written by another tool with the same tensors has the same content hash.

use crate::tensor::{Digest, Tensor, TensorHasher};
use std::{collections::BTreeMap, fs::File, path::Path};

/// Why a file could not be read or written.
#[derive(Debug)]
pub enum SafetensorsError {
	Io(std::io::Error),
	/// The header is malformed; the message says how.
	Header(String),
	/// A tensor's offsets, shape and dtype disagree, or it overlaps another or the file's end.
	Tensor {
		name: String,
		problem: String,
	},
	/// A tensor was asked for as f32 but has another dtype.
	Dtype {
		name: String,
		dtype: String,
	},
	Missing(String),
}

impl std::fmt::Display for SafetensorsError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			SafetensorsError::Io(e) => write!(f, "{e}"),
			SafetensorsError::Header(m) => write!(f, "bad safetensors header: {m}"),
			SafetensorsError::Tensor { name, problem } => write!(f, "tensor {name}: {problem}"),
			SafetensorsError::Dtype { name, dtype } => {
				write!(f, "tensor {name} is {dtype}, not F32")
			},
			SafetensorsError::Missing(name) => write!(f, "tensor {name} is not in the file"),
		}
	}
}

impl std::error::Error for SafetensorsError {}

impl From<std::io::Error> for SafetensorsError {
	fn from(e: std::io::Error) -> Self {
		SafetensorsError::Io(e)
	}
}

/// Bytes per element of the dtypes safetensors defines.
fn dtype_size(dtype: &str) -> Option<usize> {
	Some(match dtype {
		"BOOL" | "U8" | "I8" | "F8_E4M3" | "F8_E5M2" => 1,
		"U16" | "I16" | "F16" | "BF16" => 2,
		"U32" | "I32" | "F32" => 4,
		"U64" | "I64" | "F64" => 8,
		_ => return None,
	})
}

/// One tensor of a file, as raw bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RawTensor<'a> {
	pub dtype: &'a str,
	pub shape: &'a [usize],
	pub bytes: &'a [u8],
}

struct Entry {
	dtype: String,
	shape: Vec<usize>,
	begin: usize,
	end: usize,
}

/// A parsed file: its bytes (a memory map or a buffer) and the tensor index.
pub struct SafeTensors<B: AsRef<[u8]>> {
	buffer: B,
	data_start: usize,
	entries: BTreeMap<String, Entry>,
	pub metadata: BTreeMap<String, String>,
}

/// A file mapped into memory.
pub type MappedFile = SafeTensors<memmap2::Mmap>;

impl MappedFile {
	/// Map `path` and parse its header; tensor data is not read until used.
	pub fn open(path: &Path) -> Result<MappedFile, SafetensorsError> {
		let file = File::open(path)?;
		// SAFETY: the map is read-only; the file is not modified while mapped by this process
		// (stores write new files and rename them into place).
		let map = unsafe { memmap2::Mmap::map(&file)? };
		SafeTensors::parse(map)
	}
}

impl<B: AsRef<[u8]>> SafeTensors<B> {
	pub fn parse(buffer: B) -> Result<SafeTensors<B>, SafetensorsError> {
		let bytes = buffer.as_ref();
		let header_err = |m: &str| SafetensorsError::Header(m.to_owned());
		let len_bytes: [u8; 8] = bytes
			.get(..8)
			.and_then(|b| b.try_into().ok())
			.ok_or_else(|| header_err("file shorter than 8 bytes"))?;
		let header_len = usize::try_from(u64::from_le_bytes(len_bytes))
			.map_err(|_| header_err("header length overflows"))?;
		let data_start =
			8usize.checked_add(header_len).ok_or_else(|| header_err("header length overflows"))?;
		let header = bytes
			.get(8..data_start)
			.ok_or_else(|| header_err("header runs past the end of the file"))?;
		let json: serde_json::Value = serde_json::from_slice(header)
			.map_err(|e| SafetensorsError::Header(format!("not JSON: {e}")))?;
		let object = json.as_object().ok_or_else(|| header_err("not a JSON object"))?;
		let data_len = bytes.len() - data_start;

		let mut metadata = BTreeMap::new();
		let mut entries = BTreeMap::new();
		for (name, value) in object {
			if name == "__metadata__" {
				let map =
					value.as_object().ok_or_else(|| header_err("__metadata__ is not an object"))?;
				for (k, v) in map {
					let v = v
						.as_str()
						.ok_or_else(|| header_err("__metadata__ values must be strings"))?;
					metadata.insert(k.clone(), v.to_owned());
				}
				continue;
			}
			let bad = |problem: &str| SafetensorsError::Tensor {
				name: name.clone(),
				problem: problem.to_owned(),
			};
			let dtype =
				value.get("dtype").and_then(|d| d.as_str()).ok_or_else(|| bad("no dtype"))?;
			let size = dtype_size(dtype).ok_or_else(|| bad("unknown dtype"))?;
			let shape = value
				.get("shape")
				.and_then(|s| s.as_array())
				.ok_or_else(|| bad("no shape"))?
				.iter()
				.map(|d| d.as_u64().and_then(|d| usize::try_from(d).ok()))
				.collect::<Option<Vec<usize>>>()
				.ok_or_else(|| bad("shape is not a list of sizes"))?;
			let offsets = value
				.get("data_offsets")
				.and_then(|o| o.as_array())
				.filter(|o| o.len() == 2)
				.and_then(|o| Some((o[0].as_u64()? as usize, o[1].as_u64()? as usize)))
				.ok_or_else(|| bad("data_offsets must be two sizes"))?;
			let (begin, end) = offsets;
			let elements = shape
				.iter()
				.try_fold(1usize, |acc, d| acc.checked_mul(*d))
				.ok_or_else(|| bad("shape overflows"))?;
			if begin > end || end > data_len {
				return Err(bad("data_offsets outside the data buffer"));
			}
			if elements.checked_mul(size) != Some(end - begin) {
				return Err(bad("data length disagrees with shape and dtype"));
			}
			entries.insert(name.clone(), Entry { dtype: dtype.to_owned(), shape, begin, end });
		}
		// Tensors must not overlap (a file that aliases data could make two "different" tensors
		// share bytes).
		let mut spans: Vec<(usize, usize, &String)> =
			entries.iter().map(|(n, e)| (e.begin, e.end, n)).collect();
		spans.sort();
		for pair in spans.windows(2) {
			if pair[1].0 < pair[0].1 {
				return Err(SafetensorsError::Tensor {
					name: pair[1].2.clone(),
					problem: "overlaps another tensor".into(),
				});
			}
		}
		Ok(SafeTensors { buffer, data_start, entries, metadata })
	}

	/// Tensor names, ascending.
	pub fn names(&self) -> impl Iterator<Item = &str> {
		self.entries.keys().map(|s| s.as_str())
	}

	pub fn raw(&self, name: &str) -> Result<RawTensor<'_>, SafetensorsError> {
		let e = self.entries.get(name).ok_or_else(|| SafetensorsError::Missing(name.to_owned()))?;
		let bytes = &self.buffer.as_ref()[self.data_start + e.begin..self.data_start + e.end];
		Ok(RawTensor { dtype: &e.dtype, shape: &e.shape, bytes })
	}

	/// An f32 tensor as a slice of the file: no copy when the data is 4-byte aligned (always for
	/// files we write) on a little-endian machine; a copy otherwise.
	pub fn f32(&self, name: &str) -> Result<std::borrow::Cow<'_, [f32]>, SafetensorsError> {
		let raw = self.raw(name)?;
		if raw.dtype != "F32" {
			return Err(SafetensorsError::Dtype {
				name: name.to_owned(),
				dtype: raw.dtype.to_owned(),
			});
		}
		if cfg!(target_endian = "little") && (raw.bytes.as_ptr() as usize).is_multiple_of(4) {
			// SAFETY: the bytes are in bounds, 4-byte aligned, a multiple of 4 long (checked at
			// parse time against shape × 4), and every bit pattern is a valid f32.
			let view = unsafe {
				std::slice::from_raw_parts(raw.bytes.as_ptr() as *const f32, raw.bytes.len() / 4)
			};
			return Ok(std::borrow::Cow::Borrowed(view));
		}
		Ok(std::borrow::Cow::Owned(
			raw.bytes
				.chunks_exact(4)
				.map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
				.collect(),
		))
	}

	/// Every tensor copied out as f32.
	pub fn to_tensors(&self) -> Result<BTreeMap<String, Tensor>, SafetensorsError> {
		self.names()
			.map(|n| {
				Ok((
					n.to_owned(),
					Tensor { shape: self.raw(n)?.shape.to_vec(), data: self.f32(n)?.into_owned() },
				))
			})
			.collect()
	}

	/// The canonical hash of the file's tensors ([`crate::tensor`]), whatever their dtype.
	pub fn content_hash(&self) -> Result<Digest, SafetensorsError> {
		let mut tensors = BTreeMap::new();
		for name in self.names() {
			tensors.insert(name.to_owned(), self.raw(name)?);
		}
		Ok(hash_raw(&tensors))
	}
}

/// The canonical hash of raw tensors of any dtype (what [`SafeTensors::content_hash`] gives for
/// a file holding them).
pub fn hash_raw(tensors: &BTreeMap<String, RawTensor<'_>>) -> Digest {
	let mut h = TensorHasher::new();
	for (name, raw) in tensors {
		h.add_raw(name, raw.dtype, raw.shape, raw.bytes);
	}
	h.finish()
}

/// The canonical bytes of a file holding `tensors` and `metadata`.
pub fn serialize(
	tensors: &BTreeMap<String, RawTensor<'_>>,
	metadata: &BTreeMap<String, String>,
) -> Vec<u8> {
	let quote = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
	let mut header = String::from("{");
	if !metadata.is_empty() {
		header.push_str("\"__metadata__\":{");
		let fields: Vec<String> =
			metadata.iter().map(|(k, v)| format!("{}:{}", quote(k), quote(v))).collect();
		header.push_str(&fields.join(","));
		header.push('}');
	}
	let mut offset = 0usize;
	for (i, (name, t)) in tensors.iter().enumerate() {
		if i > 0 || !metadata.is_empty() {
			header.push(',');
		}
		let shape: Vec<String> = t.shape.iter().map(|d| d.to_string()).collect();
		header.push_str(&format!(
			"{}:{{\"dtype\":{},\"shape\":[{}],\"data_offsets\":[{},{}]}}",
			quote(name),
			quote(t.dtype),
			shape.join(","),
			offset,
			offset + t.bytes.len()
		));
		offset += t.bytes.len();
	}
	header.push('}');
	while header.len() % 8 != 0 {
		header.push(' ');
	}
	let mut out = Vec::with_capacity(8 + header.len() + offset);
	out.extend_from_slice(&(header.len() as u64).to_le_bytes());
	out.extend_from_slice(header.as_bytes());
	for t in tensors.values() {
		out.extend_from_slice(t.bytes);
	}
	out
}

/// The canonical bytes of a file of f32 tensors.
pub fn serialize_f32(
	tensors: &BTreeMap<String, Tensor>,
	metadata: &BTreeMap<String, String>,
) -> Vec<u8> {
	let bytes: BTreeMap<&String, Vec<u8>> = tensors
		.iter()
		.map(|(n, t)| (n, t.data.iter().flat_map(|x| x.to_le_bytes()).collect()))
		.collect();
	let raw: BTreeMap<String, RawTensor<'_>> = tensors
		.iter()
		.map(|(n, t)| (n.clone(), RawTensor { dtype: "F32", shape: &t.shape, bytes: &bytes[n] }))
		.collect();
	serialize(&raw, metadata)
}

/// Write `bytes` to `path` atomically: a temporary file in the same folder, then a rename, so a
/// reader (or a memory map) never sees a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
	use std::io::Write;
	let tmp = path.with_extension(format!("tmp{}", std::process::id()));
	let mut file = std::fs::File::create(&tmp)?;
	file.write_all(bytes)?;
	// On disk before the rename, and the rename on disk before returning: after a power cut
	// the path holds the old file or the new one, never a truncated one.
	file.sync_all()?;
	drop(file);
	std::fs::rename(&tmp, path)?;
	let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
	std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests;
