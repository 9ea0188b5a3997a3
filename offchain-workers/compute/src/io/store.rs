//! Content addressing compatible with IPFS, and an embedded local store.
//!
//! The CID of some bytes is the one an IPFS node returns for `ipfs add --cid-version 1
//! --raw-leaves --chunker size-262144` (the UnixFS importer's balanced layout, at most 174 links
//! per node): bytes of at most 256 KiB are one raw block (`bafkrei…`); larger files are a tree
//! of dag-pb UnixFS nodes over 256 KiB raw leaves (`bafybei…`). So an on-chain CID fetches the
//! same bytes from any IPFS node, and the embedded store needs no daemon. The CIDs are checked
//! against vectors computed by the js-ipfs importer (`testdata/ipfs-cids/`).
//!
//! A CID proves which bytes were meant; the on-chain content hash of a block's tensors is
//! checked separately by whoever loads them.

use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};

/// Bytes per leaf.
pub const CHUNK: usize = 262_144;
/// Links per UnixFS node.
pub const MAX_LINKS: usize = 174;

const CODEC_RAW: u64 = 0x55;
const CODEC_DAG_PB: u64 = 0x70;
const SHA2_256: u64 = 0x12;

/// A CIDv1 with a SHA2-256 multihash, in binary form.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cid(Vec<u8>);

/// Why a CID string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CidError {
	/// Only base32 (`b…`) CIDv1 strings are accepted.
	Multibase,
	Base32,
	/// Not a CIDv1 with a 32-byte SHA2-256 multihash and the raw or dag-pb codec.
	Unsupported,
}

impl std::fmt::Display for CidError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str(match self {
			CidError::Multibase => "not a base32 CIDv1 (must start with 'b')",
			CidError::Base32 => "invalid base32 in CID",
			CidError::Unsupported => "only CIDv1 raw or dag-pb with sha2-256 is supported",
		})
	}
}

impl std::error::Error for CidError {}

fn varint(mut v: u64, out: &mut Vec<u8>) {
	while v >= 0x80 {
		out.push((v as u8) | 0x80);
		v >>= 7;
	}
	out.push(v as u8);
}

const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

impl Cid {
	fn new(codec: u64, bytes: &[u8]) -> Cid {
		let mut out = Vec::with_capacity(36);
		varint(1, &mut out);
		varint(codec, &mut out);
		varint(SHA2_256, &mut out);
		varint(32, &mut out);
		out.extend_from_slice(&Sha256::digest(bytes));
		Cid(out)
	}

	/// The binary form (what dag-pb links and on-chain payloads hold).
	pub fn as_bytes(&self) -> &[u8] {
		&self.0
	}

	/// Whether this addresses a single raw block (content of at most one chunk).
	pub fn is_raw(&self) -> bool {
		self.0.get(1) == Some(&(CODEC_RAW as u8))
	}

	/// Parse the binary form.
	pub fn from_bytes(bytes: &[u8]) -> Result<Cid, CidError> {
		match bytes {
			[1, codec, 0x12, 32, digest @ ..]
				if digest.len() == 32
					&& (u64::from(*codec) == CODEC_RAW || u64::from(*codec) == CODEC_DAG_PB) =>
			{
				Ok(Cid(bytes.to_vec()))
			},
			_ => Err(CidError::Unsupported),
		}
	}
}

impl std::fmt::Display for Cid {
	/// Multibase base32, lower case, no padding: `b` + RFC 4648.
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		let mut s = String::from("b");
		let (mut buffer, mut bits) = (0u32, 0u32);
		for &byte in &self.0 {
			buffer = (buffer << 8) | u32::from(byte);
			bits += 8;
			while bits >= 5 {
				bits -= 5;
				s.push(BASE32[((buffer >> bits) & 31) as usize] as char);
			}
		}
		if bits > 0 {
			s.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
		}
		f.write_str(&s)
	}
}

impl std::fmt::Debug for Cid {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(f, "Cid({self})")
	}
}

impl std::str::FromStr for Cid {
	type Err = CidError;

	fn from_str(s: &str) -> Result<Cid, CidError> {
		let body = s.strip_prefix('b').ok_or(CidError::Multibase)?;
		let (mut bytes, mut buffer, mut bits) = (Vec::new(), 0u32, 0u32);
		for c in body.bytes() {
			let v = BASE32.iter().position(|&b| b == c).ok_or(CidError::Base32)? as u32;
			buffer = (buffer << 5) | v;
			bits += 5;
			if bits >= 8 {
				bits -= 8;
				bytes.push((buffer >> bits) as u8);
			}
		}
		Cid::from_bytes(&bytes)
	}
}

/// A node of the DAG as its parent sees it.
struct Child {
	cid: Cid,
	/// Bytes of the file under it.
	file_size: u64,
	/// Serialized size of it and everything under it (the link's `Tsize`).
	tree_size: u64,
}

fn field_bytes(field: u64, bytes: &[u8], out: &mut Vec<u8>) {
	varint(field << 3 | 2, out);
	varint(bytes.len() as u64, out);
	out.extend_from_slice(bytes);
}

fn field_varint(field: u64, value: u64, out: &mut Vec<u8>) {
	varint(field << 3, out);
	varint(value, out);
}

/// A dag-pb node holding UnixFS file metadata and links to `children`: links first, then data,
/// as dag-pb's canonical encoding requires.
fn unixfs_node(children: &[Child]) -> (Vec<u8>, u64) {
	let file_size: u64 = children.iter().map(|c| c.file_size).sum();
	let mut data = Vec::new();
	field_varint(1, 2, &mut data); // Type = File
	field_varint(3, file_size, &mut data);
	for c in children {
		field_varint(4, c.file_size, &mut data); // blocksizes
	}
	let mut node = Vec::new();
	for c in children {
		let mut link = Vec::new();
		field_bytes(1, c.cid.as_bytes(), &mut link); // Hash
		field_bytes(2, b"", &mut link); // Name
		field_varint(3, c.tree_size, &mut link); // Tsize
		field_bytes(2, &link, &mut node);
	}
	field_bytes(1, &data, &mut node);
	(node, file_size)
}

/// Build the UnixFS DAG of `bytes`, handing every block (raw leaf or dag-pb node) to `block`,
/// and return the root CID.
pub fn build_dag(bytes: &[u8], mut block: impl FnMut(&Cid, &[u8])) -> Cid {
	let mut level: Vec<Child> =
		if bytes.is_empty() { vec![&[][..]] } else { bytes.chunks(CHUNK).collect() }
			.into_iter()
			.map(|leaf| {
				let cid = Cid::new(CODEC_RAW, leaf);
				block(&cid, leaf);
				Child { cid, file_size: leaf.len() as u64, tree_size: leaf.len() as u64 }
			})
			.collect();
	while level.len() > 1 {
		level = level
			.chunks(MAX_LINKS)
			.map(|group| {
				let (node, file_size) = unixfs_node(group);
				let cid = Cid::new(CODEC_DAG_PB, &node);
				block(&cid, &node);
				let tree_size = node.len() as u64 + group.iter().map(|c| c.tree_size).sum::<u64>();
				Child { cid, file_size, tree_size }
			})
			.collect();
	}
	level.pop().map(|root| root.cid).unwrap_or_else(|| Cid::new(CODEC_RAW, &[]))
}

/// The CID of `bytes`.
pub fn cid_of(bytes: &[u8]) -> Cid {
	build_dag(bytes, |_, _| {})
}

/// Why a store operation failed.
#[derive(Debug)]
pub enum StoreError {
	Io(std::io::Error),
	NotFound(Cid),
	/// The stored bytes do not have the CID they are filed under.
	Corrupt {
		cid: Cid,
		actual: Cid,
	},
	/// The content is larger than the reader was prepared to take (nothing more was read).
	TooLarge {
		cid: Cid,
		limit: u64,
	},
	/// A remote store (an IPFS daemon) could not be reached or refused the request.
	Remote(String),
}

impl std::fmt::Display for StoreError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			StoreError::Io(e) => write!(f, "{e}"),
			StoreError::NotFound(cid) => write!(f, "{cid} is not in the store"),
			StoreError::Corrupt { cid, actual } => {
				write!(f, "the bytes stored as {cid} have CID {actual}")
			},
			StoreError::TooLarge { cid, limit } => {
				write!(f, "{cid} is larger than the {limit} bytes it may have")
			},
			StoreError::Remote(why) => f.write_str(why),
		}
	}
}

impl std::error::Error for StoreError {}

impl From<std::io::Error> for StoreError {
	fn from(e: std::io::Error) -> Self {
		StoreError::Io(e)
	}
}

/// Where block files live: the embedded store here, an IPFS node in the worker.
pub trait ContentStore {
	/// Store `bytes`; returns their CID.
	fn put(&self, bytes: &[u8]) -> Result<Cid, StoreError>;
	/// The bytes of `cid`, verified against it, if there are at most `limit` of them
	/// ([`StoreError::TooLarge`] otherwise, after reading at most `limit + 1` bytes). Every
	/// reader states its limit: the CIDs come from strangers, and a few KiB of DAG can
	/// describe terabytes.
	fn get(&self, cid: &Cid, limit: u64) -> Result<Vec<u8>, StoreError>;
	fn has(&self, cid: &Cid) -> Result<bool, StoreError>;
	/// `Ok` when the store itself works (a daemon answers), so that content it cannot find is
	/// known to be missing rather than the store being down.
	fn healthy(&self) -> Result<(), StoreError> {
		Ok(())
	}
	/// Keep `cid` from being garbage-collected (a daemon's pin; a no-op where nothing is
	/// ever collected).
	fn pin(&self, _cid: &Cid) -> Result<(), StoreError> {
		Ok(())
	}
	/// How many more bytes this store can take, where it can tell (a daemon's storage budget
	/// less what it holds, the free space of a folder's file system); `None` where it cannot.
	/// A trainer asks before publishing a run's checkpoint states.
	fn room(&self) -> Result<Option<u64>, StoreError> {
		Ok(None)
	}
}

/// The bytes an unprivileged process may still write on the file system holding `dir`.
fn free_space(dir: &Path) -> Option<u64> {
	#[cfg(all(target_os = "linux", target_env = "gnu"))]
	{
		use std::os::unix::ffi::OsStrExt;
		let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
		let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
		// SAFETY: `path` is a NUL-terminated string and `stat` a buffer of the right type,
		// which statvfs fills when it returns 0.
		if unsafe { libc::statvfs(path.as_ptr(), stat.as_mut_ptr()) } != 0 {
			return None;
		}
		// SAFETY: statvfs returned 0, so it wrote the whole struct.
		let stat = unsafe { stat.assume_init() };
		// The C types are 32 bits wide on some targets.
		#[allow(clippy::unnecessary_cast)]
		let (blocks, size) = (stat.f_bavail as u64, stat.f_frsize as u64);
		Some(blocks.saturating_mul(size))
	}
	#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
	{
		let _ = dir;
		None
	}
}

/// A folder of whole files named by their CID: one machine, no daemon.
pub struct LocalStore {
	dir: PathBuf,
}

impl LocalStore {
	pub fn open(dir: &Path) -> Result<LocalStore, StoreError> {
		std::fs::create_dir_all(dir)?;
		Ok(LocalStore { dir: dir.to_path_buf() })
	}

	/// The file holding `cid`, for memory-mapping (callers check the content hash).
	pub fn path(&self, cid: &Cid) -> PathBuf {
		self.dir.join(cid.to_string())
	}
}

impl ContentStore for LocalStore {
	fn put(&self, bytes: &[u8]) -> Result<Cid, StoreError> {
		let cid = cid_of(bytes);
		let path = self.path(&cid);
		if !path.exists() {
			crate::safetensors::write_atomic(&path, bytes)?;
		}
		Ok(cid)
	}

	fn get(&self, cid: &Cid, limit: u64) -> Result<Vec<u8>, StoreError> {
		use std::io::Read;
		let file = std::fs::File::open(self.path(cid)).map_err(|e| match e.kind() {
			std::io::ErrorKind::NotFound => StoreError::NotFound(cid.clone()),
			_ => StoreError::Io(e),
		})?;
		let mut bytes = Vec::new();
		file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
		if bytes.len() as u64 > limit {
			return Err(StoreError::TooLarge { cid: cid.clone(), limit });
		}
		let actual = cid_of(&bytes);
		if &actual != cid {
			return Err(StoreError::Corrupt { cid: cid.clone(), actual });
		}
		Ok(bytes)
	}

	fn has(&self, cid: &Cid) -> Result<bool, StoreError> {
		Ok(self.path(cid).is_file())
	}

	fn room(&self) -> Result<Option<u64>, StoreError> {
		Ok(free_space(&self.dir))
	}
}

/// The bytes the IPFS vectors were computed for (`testdata/ipfs-cids/generate.mjs`).
#[cfg(test)]
pub(crate) fn test_content(size: usize) -> Vec<u8> {
	(0..size)
		.map(|i| (i.wrapping_mul(31).wrapping_add((i / 256).wrapping_mul(7)) & 0xff) as u8)
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::collections::BTreeMap;

	#[test]
	fn cids_match_the_js_ipfs_importer() {
		let vectors: BTreeMap<String, String> =
			serde_json::from_str(include_str!("../../testdata/ipfs-cids.json")).unwrap();
		assert!(vectors.len() >= 10);
		for (size, expected) in vectors {
			let size: usize = size.parse().unwrap();
			assert_eq!(cid_of(&test_content(size)).to_string(), expected, "{size} bytes");
		}
	}

	#[test]
	fn cids_parse_and_print() {
		let cid = cid_of(b"hello");
		let text = cid.to_string();
		assert!(text.starts_with("bafkrei"));
		assert_eq!(text.parse::<Cid>().unwrap(), cid);
		assert_eq!(Cid::from_bytes(cid.as_bytes()).unwrap(), cid);
		assert!(cid.is_raw());
		assert!(!cid_of(&test_content(CHUNK + 1)).is_raw());
		assert_eq!("Qmfoo".parse::<Cid>(), Err(CidError::Multibase));
		assert_eq!("bafk!".parse::<Cid>(), Err(CidError::Base32));
		assert_eq!("baaaa".parse::<Cid>(), Err(CidError::Unsupported));
	}

	#[test]
	fn the_dag_has_every_block_once() {
		let bytes = test_content(3 * CHUNK + 10);
		let mut blocks = Vec::new();
		let root = build_dag(&bytes, |cid, b| blocks.push((cid.clone(), b.len())));
		assert_eq!(blocks.len(), 5, "4 leaves and a root");
		assert_eq!(blocks.last().unwrap().0, root);
		assert_eq!(
			blocks.iter().filter(|(c, _)| c.is_raw()).map(|(_, l)| l).sum::<usize>(),
			bytes.len()
		);
	}

	#[test]
	fn local_store_round_trip_and_corruption() {
		let dir = std::env::temp_dir().join(format!("aiblock-store-{}", std::process::id()));
		let store = LocalStore::open(&dir).unwrap();
		let bytes = test_content(CHUNK * 2 + 3);
		let cid = store.put(&bytes).unwrap();
		assert_eq!(cid, cid_of(&bytes));
		assert!(store.has(&cid).unwrap());
		let size = bytes.len() as u64;
		assert_eq!(store.get(&cid, size).unwrap(), bytes);
		assert!(
			matches!(store.get(&cid, size - 1), Err(StoreError::TooLarge { limit, .. }) if limit == size - 1)
		);
		assert_eq!(store.put(&bytes).unwrap(), cid, "idempotent");
		let missing = cid_of(b"absent");
		assert!(
			matches!(store.get(&missing, 1 << 20), Err(StoreError::NotFound(c)) if c == missing)
		);
		std::fs::write(store.path(&cid), b"tampered").unwrap();
		assert!(matches!(store.get(&cid, size), Err(StoreError::Corrupt { .. })));
		std::fs::remove_dir_all(dir).unwrap();
	}
}
