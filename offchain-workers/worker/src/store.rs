//! Where block files, manifests and datasets live, and the checked reads the worker makes.
//!
//! The embedded [`LocalStore`] (a folder) is the default on one machine; `--ipfs URL` uses an
//! IPFS daemon ([`IpfsStore`]). Either way a CID only says which bytes were meant: weights are
//! used only after their tensor hash equals the on-chain hash, manifests after their BLAKE3
//! hash does.

use crate::{ipfs::IpfsStore, WorkerError};
use aiblock_compute::{
	job::{Model, Shape},
	model::BlockId,
	safetensors::SafeTensors,
	store::{Cid, ContentStore, LocalStore, StoreError},
	tensor::{hash_tensors, hex, Digest},
};

/// The store this worker reads from and writes to.
pub enum Store {
	Local(LocalStore),
	Ipfs(IpfsStore),
}

impl Store {
	pub fn describe(&self) -> String {
		match self {
			Store::Local(_) => "embedded local store".into(),
			Store::Ipfs(_) => "IPFS daemon".into(),
		}
	}
}

impl ContentStore for Store {
	fn put(&self, bytes: &[u8]) -> Result<Cid, StoreError> {
		match self {
			Store::Local(s) => s.put(bytes),
			Store::Ipfs(s) => s.put(bytes),
		}
	}

	fn get(&self, cid: &Cid, limit: u64) -> Result<Vec<u8>, StoreError> {
		match self {
			Store::Local(s) => s.get(cid, limit),
			Store::Ipfs(s) => s.get(cid, limit),
		}
	}

	fn has(&self, cid: &Cid) -> Result<bool, StoreError> {
		match self {
			Store::Local(s) => s.has(cid),
			Store::Ipfs(s) => s.has(cid),
		}
	}

	fn healthy(&self) -> Result<(), StoreError> {
		match self {
			Store::Local(s) => s.healthy(),
			Store::Ipfs(s) => s.healthy(),
		}
	}

	fn pin(&self, cid: &Cid) -> Result<(), StoreError> {
		match self {
			Store::Local(s) => s.pin(cid),
			Store::Ipfs(s) => s.pin(cid),
		}
	}

	fn room(&self) -> Result<Option<u64>, StoreError> {
		match self {
			Store::Local(s) => s.room(),
			Store::Ipfs(s) => s.room(),
		}
	}
}

/// The most bytes of training and validation data a job may name, all datasets together: the
/// worker holds them in memory. Tiny Shakespeare is 1.1 MB; a job beyond this is declined by
/// trainers, so a candidate trained on more cannot exist honestly.
pub const MAX_JOB_DATA_BYTES: u64 = 256 << 20;

/// The largest file a block of `block` can be: its parameters as f32 and a header of at most
/// 64 KiB (names, shapes and offsets take a few hundred bytes).
pub fn block_file_limit(shape: &Shape, block: BlockId) -> u64 {
	(shape.parameters(block) as u64).saturating_mul(4).saturating_add(64 << 10)
}

/// A file as the chain describes it: binary CID, content hash, size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pointer {
	pub cid: Vec<u8>,
	pub hash: Digest,
	pub size: u64,
}

impl Pointer {
	pub fn cid(&self, what: &str) -> Result<Cid, WorkerError> {
		Cid::from_bytes(&self.cid)
			.map_err(|e| WorkerError::Compute(format!("{what}: the chain's CID is unusable: {e}")))
	}
}

/// The BLAKE3 content hash of a non-tensor file (a manifest).
pub fn file_hash(bytes: &[u8]) -> Digest {
	*blake3::hash(bytes).as_bytes()
}

/// Fetch the file `pointer` describes: exactly `pointer.size` bytes (never more are read), and
/// at most `max` (what the reader can hold for this kind of file).
fn fetch_sized(
	store: &dyn ContentStore,
	what: &str,
	pointer: &Pointer,
	max: u64,
) -> Result<(Cid, Vec<u8>), WorkerError> {
	let cid = pointer.cid(what)?;
	if pointer.size > max {
		return Err(WorkerError::Store(StoreError::TooLarge { cid, limit: max }));
	}
	let bytes = store.get(&cid, pointer.size)?;
	if bytes.len() as u64 != pointer.size {
		return Err(WorkerError::WrongSize {
			what: what.into(),
			cid: cid.to_string(),
			expected: pointer.size,
			actual: bytes.len() as u64,
		});
	}
	Ok((cid, bytes))
}

/// Fetch a block file of at most `max` bytes and check its tensors against the chain's hash;
/// returns the file bytes.
pub fn fetch_block(
	store: &dyn ContentStore,
	what: &str,
	pointer: &Pointer,
	max: u64,
) -> Result<Vec<u8>, WorkerError> {
	let (cid, bytes) = fetch_sized(store, what, pointer, max)?;
	let parsed = SafeTensors::parse(&bytes[..]).map_err(|e| {
		WorkerError::Compute(format!("{what} ({cid}) is not a valid block file: {e}"))
	})?;
	let actual =
		parsed.content_hash().map_err(|e| WorkerError::Compute(format!("{what} ({cid}): {e}")))?;
	matches(what, &cid, pointer, actual)?;
	Ok(bytes)
}

/// `Ok` when `actual` is the hash the chain gave for the file fetched as `cid`.
fn matches(what: &str, cid: &Cid, pointer: &Pointer, actual: Digest) -> Result<(), WorkerError> {
	if actual == pointer.hash {
		return Ok(());
	}
	Err(WorkerError::Tampered {
		what: what.into(),
		cid: cid.to_string(),
		expected: hex(&pointer.hash),
		actual: hex(&actual),
	})
}

/// Fetch a non-tensor file (a manifest) of at most `max` bytes and check its BLAKE3 hash.
pub fn fetch_file(
	store: &dyn ContentStore,
	what: &str,
	pointer: &Pointer,
	max: u64,
) -> Result<Vec<u8>, WorkerError> {
	let (cid, bytes) = fetch_sized(store, what, pointer, max)?;
	let actual = file_hash(&bytes);
	matches(what, &cid, pointer, actual)?;
	Ok(bytes)
}

/// Put a block's file and describe it as the chain will.
pub fn put_block(
	store: &dyn ContentStore,
	weights: &Model,
	block: BlockId,
) -> Result<Pointer, WorkerError> {
	let file = weights.block_file(block);
	let cid = store.put(&file)?;
	Ok(Pointer {
		cid: cid.as_bytes().to_vec(),
		hash: hash_tensors(&weights.block(block)),
		size: file.len() as u64,
	})
}

/// Put a non-tensor file.
pub fn put_file(store: &dyn ContentStore, bytes: &[u8]) -> Result<Pointer, WorkerError> {
	let cid = store.put(bytes)?;
	Ok(Pointer { cid: cid.as_bytes().to_vec(), hash: file_hash(bytes), size: bytes.len() as u64 })
}

/// A model version as the chain has it at some block: its shape, its validation set, the
/// current block of every slot and the revision that assignment of blocks is (what a
/// submission pins).
#[derive(Clone, Debug)]
pub struct ModelAt {
	pub spec: Shape,
	pub validation: Vec<u8>,
	pub blocks: Vec<(BlockId, Pointer)>,
	pub revision: u32,
}

/// Where a training starts and what its result is scored on: a model version as the chain has
/// it ([`ModelAt`]), or a model grown from one in an evolution epoch
/// (`crate::evolve::GrownModel`).
pub trait Start {
	/// The shape of the model trained.
	fn shape(&self) -> &Shape;
	/// The weights training starts from, every file checked against the chain.
	fn weights(&self, store: &dyn ContentStore) -> Result<Model, WorkerError>;
	/// The validation set the result is scored on.
	fn validation(
		&self,
		store: &dyn ContentStore,
	) -> Result<aiblock_compute::data::Dataset, WorkerError>;
}

impl Start for ModelAt {
	fn shape(&self) -> &Shape {
		&self.spec
	}

	fn weights(&self, store: &dyn ContentStore) -> Result<Model, WorkerError> {
		ModelAt::weights(self, store)
	}

	fn validation(
		&self,
		store: &dyn ContentStore,
	) -> Result<aiblock_compute::data::Dataset, WorkerError> {
		ModelAt::validation(self, store)
	}
}

impl ModelAt {
	/// The weights: every block fetched, checked against its on-chain hash, and loaded.
	pub fn weights(&self, store: &dyn ContentStore) -> Result<Model, WorkerError> {
		self.weights_of(store, |_| true)
	}

	/// The weights of the blocks `keep` selects only (a server holding some of the experts
	/// loads those), each fetched, checked against its on-chain hash, and loaded.
	pub fn weights_of(
		&self,
		store: &dyn ContentStore,
		keep: impl Fn(BlockId) -> bool,
	) -> Result<Model, WorkerError> {
		// Every block is loaded below (and shape-checked as it is), so start from nothing
		// rather than generating genesis weights only to overwrite them.
		self.spec.validate()?;
		let mut weights = self.spec.empty();
		for block in self.spec.blocks().into_iter().filter(|block| keep(*block)) {
			let pointer =
				self.blocks.iter().find(|(b, _)| *b == block).map(|(_, p)| p).ok_or_else(|| {
					WorkerError::Node(format!("the chain has no current {block} block"))
				})?;
			let limit = block_file_limit(&self.spec, block);
			let bytes = fetch_block(store, &block.name(), pointer, limit)?;
			let file =
				SafeTensors::parse(&bytes[..]).map_err(|e| WorkerError::Compute(e.to_string()))?;
			weights
				.load_block_file(block, &file)
				.map_err(|e| WorkerError::Compute(format!("{block}: {e}")))?;
		}
		Ok(weights)
	}

	/// The validation dataset's bytes (checked against its CID by the store).
	pub fn validation(
		&self,
		store: &dyn ContentStore,
	) -> Result<aiblock_compute::data::Dataset, WorkerError> {
		let cid = Cid::from_bytes(&self.validation)
			.map_err(|e| WorkerError::Compute(format!("validation dataset CID: {e}")))?;
		Ok(aiblock_compute::data::Dataset::new(store.get(&cid, MAX_JOB_DATA_BYTES)?))
	}
}

/// The datasets of a job, concatenated in the order the job lists them and mixed by their
/// parts: at most [`MAX_JOB_DATA_BYTES`] in all. Also their CIDs in text form.
pub fn datasets(
	store: &dyn ContentStore,
	order: &[crate::train::OrderData],
) -> Result<(aiblock_compute::data::Dataset, Vec<String>), WorkerError> {
	let mut total = 0u64;
	let mut parts = Vec::new();
	let mut names = Vec::new();
	for dataset in order {
		let cid = Cid::from_bytes(&dataset.cid)
			.map_err(|e| WorkerError::Compute(format!("dataset CID: {e}")))?;
		let bytes = store.get(&cid, MAX_JOB_DATA_BYTES - total).map_err(|e| match e {
			StoreError::TooLarge { cid, .. } => {
				StoreError::TooLarge { cid, limit: MAX_JOB_DATA_BYTES }
			},
			e => e,
		})?;
		total += bytes.len() as u64;
		parts.push((bytes, dataset.parts));
		names.push(cid.to_string());
	}
	Ok((aiblock_compute::data::Dataset::mixed(parts), names))
}
