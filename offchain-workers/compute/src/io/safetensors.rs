//! Safetensors files: read zero-copy from a memory map (the header checked by the `safetensors`
//! crate, the format's reference implementation), written byte-for-byte deterministically.
//!
//! Layout: an 8-byte little-endian header length `N`, `N` bytes of JSON (`{"__metadata__":
//! {…}, "name": {"dtype", "shape", "data_offsets": [begin, end]}, …}`), then the data buffer.
//!
//! Our writer makes the bytes a function of the tensors and the metadata alone: `__metadata__`
//! first with its keys sorted, then the tensors in ascending name order with their data in the
//! same order, compact JSON, the header padded with spaces to a multiple of 8 (so the data is
//! 8-byte aligned and `f32` views need no copy). Two writers with equal inputs produce equal
//! files, hence equal CIDs. The `safetensors` crate writes the same bytes for a file with at
//! most one metadata key (a test checks it), but it serialises `__metadata__` from a hash map,
//! in an order that changes from process to process: with two or more keys (every block file
//! names its block and format) its files would not be reproducible, so we write our own. Commitments still hash the tensors ([`crate::tensor`]), never the
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
	/// Parse the header of `buffer` with the reference implementation (the `safetensors`
	/// crate): it refuses a malformed header, unknown dtypes, data lengths that disagree with
	/// shape and dtype, and tensors that overlap, leave gaps or do not cover the data exactly.
	/// The data is not copied: tensors are read from `buffer` when asked for.
	pub fn parse(buffer: B) -> Result<SafeTensors<B>, SafetensorsError> {
		let (header_len, parsed) = ::safetensors::SafeTensors::read_metadata(buffer.as_ref())
			.map_err(|e| match e {
				::safetensors::SafeTensorError::InvalidOffset(name) => SafetensorsError::Tensor {
					problem: "its data_offsets do not follow the previous tensor's".into(),
					name,
				},
				::safetensors::SafeTensorError::TensorInvalidInfo => SafetensorsError::Header(
					"a tensor's shape and dtype disagree with its data length".into(),
				),
				other => SafetensorsError::Header(other.to_string()),
			})?;
		let entries = parsed
			.tensors()
			.into_iter()
			.map(|(name, info)| {
				let (begin, end) = info.data_offsets;
				let entry =
					Entry { dtype: info.dtype.to_string(), shape: info.shape.clone(), begin, end };
				(name, entry)
			})
			.collect();
		let metadata = parsed.metadata().clone().unwrap_or_default().into_iter().collect();
		Ok(SafeTensors { buffer, data_start: 8 + header_len, entries, metadata })
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
