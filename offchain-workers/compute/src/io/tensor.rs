//! Tensors and the canonical hash of a set of them.
//!
//! A training state is committed to by hashing its tensors, never a file: the same tensors
//! written by two programs hash the same. The hash is BLAKE3 over, for each tensor in ascending
//! name order, the length-prefixed (u64 little-endian) name, the dtype tag `F32`, the number of
//! dimensions and each dimension, and the data as little-endian bytes.

use std::collections::BTreeMap;

/// A dense row-major fp32 tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
	pub shape: Vec<usize>,
	pub data: Vec<f32>,
}

impl Tensor {
	pub fn zeros(shape: Vec<usize>) -> Tensor {
		let len = shape.iter().product();
		Tensor { shape, data: vec![0.0; len] }
	}
}

/// A 32-byte commitment.
pub type Digest = [u8; 32];

/// Feeds tensors into the canonical hash; tensors must arrive in ascending name order.
pub struct TensorHasher {
	hasher: blake3::Hasher,
	last: Option<String>,
}

impl Default for TensorHasher {
	fn default() -> Self {
		Self::new()
	}
}

impl TensorHasher {
	pub fn new() -> Self {
		Self { hasher: blake3::Hasher::new(), last: None }
	}

	fn prefixed(&mut self, bytes: &[u8]) {
		self.hasher.update(&(bytes.len() as u64).to_le_bytes());
		self.hasher.update(bytes);
	}

	/// Everything before the data: name, dtype, shape and the data's byte length. Panics if
	/// names are not strictly ascending: that is a bug in the caller, which would silently change
	/// every commitment.
	fn start(&mut self, name: &str, dtype: &str, shape: &[usize], byte_len: usize) {
		assert!(self.last.as_deref().is_none_or(|last| last < name), "tensor {name} out of order");
		self.last = Some(name.to_owned());
		self.prefixed(name.as_bytes());
		self.prefixed(dtype.as_bytes());
		self.hasher.update(&(shape.len() as u64).to_le_bytes());
		for d in shape {
			self.hasher.update(&(*d as u64).to_le_bytes());
		}
		self.hasher.update(&(byte_len as u64).to_le_bytes());
	}

	/// Add one tensor of any dtype, as its little-endian bytes.
	pub fn add_raw(&mut self, name: &str, dtype: &str, shape: &[usize], bytes: &[u8]) {
		self.start(name, dtype, shape, bytes.len());
		self.hasher.update(bytes);
	}

	/// Add one f32 tensor (the same hash as [`TensorHasher::add_raw`] with `F32` and its bytes).
	pub fn add(&mut self, name: &str, shape: &[usize], data: &[f32]) {
		self.start(name, "F32", shape, data.len() * 4);
		let mut buf = Vec::with_capacity(4096);
		for chunk in data.chunks(1024) {
			buf.clear();
			buf.extend(chunk.iter().flat_map(|x| x.to_le_bytes()));
			self.hasher.update(&buf);
		}
	}

	pub fn finish(self) -> Digest {
		*self.hasher.finalize().as_bytes()
	}
}

/// The canonical hash of a named tensor set.
pub fn hash_tensors(tensors: &BTreeMap<String, Tensor>) -> Digest {
	let mut h = TensorHasher::new();
	for (name, t) in tensors {
		h.add(name, &t.shape, &t.data);
	}
	h.finish()
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of lower- or upper-case hex (no `0x`); `None` for odd lengths or other characters.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
	if !text.len().is_multiple_of(2) {
		return None;
	}
	(0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn hex_round_trips_and_refuses_garbage() {
		let bytes = [0x00, 0x0f, 0xa5, 0xff];
		assert_eq!(hex(&bytes), "000fa5ff");
		assert_eq!(unhex("000fa5ff"), Some(bytes.to_vec()));
		assert_eq!(unhex("000FA5FF"), Some(bytes.to_vec()));
		assert_eq!(unhex("abc"), None, "odd length");
		assert_eq!(unhex("zz"), None, "not hex");
		assert_eq!(unhex(""), Some(vec![]));
	}

	fn set(pairs: &[(&str, Vec<usize>, Vec<f32>)]) -> BTreeMap<String, Tensor> {
		pairs
			.iter()
			.map(|(n, s, d)| (n.to_string(), Tensor { shape: s.clone(), data: d.clone() }))
			.collect()
	}

	#[test]
	fn hash_covers_names_shapes_and_bits() {
		let base = set(&[("a", vec![2], vec![1.0, 2.0]), ("b", vec![1], vec![3.0])]);
		let h = hash_tensors(&base);
		assert_eq!(h, hash_tensors(&base.clone()));
		assert_ne!(
			h,
			hash_tensors(&set(&[("a", vec![2], vec![1.0, 2.0]), ("c", vec![1], vec![3.0])]))
		);
		assert_ne!(
			h,
			hash_tensors(&set(&[("a", vec![1, 2], vec![1.0, 2.0]), ("b", vec![1], vec![3.0])]))
		);
		assert_ne!(
			h,
			hash_tensors(&set(&[("a", vec![2], vec![1.0, 2.0]), ("b", vec![1], vec![-3.0])]))
		);
		// -0.0 and +0.0 are different bits, hence different states.
		assert_ne!(
			hash_tensors(&set(&[("z", vec![1], vec![0.0])])),
			hash_tensors(&set(&[("z", vec![1], vec![-0.0])]))
		);
		// Moving bytes between a name and its data is not a collision.
		assert_ne!(
			hash_tensors(&set(&[("ab", vec![0], vec![])])),
			hash_tensors(&set(&[("a", vec![0], vec![])]))
		);
		assert_eq!(hex(&[0xab; 32]).len(), 64);
	}

	#[test]
	#[should_panic(expected = "out of order")]
	fn out_of_order_names_are_a_bug() {
		let mut h = TensorHasher::new();
		h.add("b", &[0], &[]);
		h.add("a", &[0], &[]);
	}
}
