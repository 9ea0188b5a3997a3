//! # ExpertDag pallet
//!
//! The registry of every weight the model is allowed to use: the model versions (the
//! *meta-chain*), the blocks of weights (the *parameter DAG*) and which block currently fills
//! each slot of each model (`Current`, the *ParamIndex*).
//!
//! ## The meta-chain
//! A model version is a [`ModelSpec`] (name, architecture tag, SemVer and generation, shapes,
//! vocabulary and tokenizer, the attention of a transformer, the adoption threshold `delta` and
//! the validation dataset), registered by
//! [`Config::ModelOrigin`] (root for now; the Evolution pallet later). Versions form a single
//! linear chain: each new version's meta block depends on the previous one's, and must follow it
//! by one SemVer step whose rules the spec change respects (PATCH: weights only; MINOR:
//! compatible growth; MAJOR: anything; see [`ModelSpec::successor_of`]). A MINOR or MAJOR step
//! may come with a migration block that describes the change.
//!
//! ## The parameter DAG
//! Every block is identified by the blake2-256 of its SCALE-encoded [`BlockHeader`] (kind,
//! model, dependencies, payload CID + content hash + size, author, parent, creation block). A
//! block may only depend on blocks that already exist, so a cycle cannot be formed: an id would
//! have to commit to its own hash. Every parameter block depends on its model's meta block and
//! on its parent (the block of the same slot it was trained from), and may list the other blocks
//! it was trained against (the frozen router and shared blocks).
//!
//! ## The quality gate
//! A trained block enters as a *pending* candidate through
//! [`aiblock_primitives::dag::QualityGate`], implemented here and used by the Jobs pallet. Only
//! that trait accepts (the block becomes current, the one it replaces is *superseded*) or
//! rejects it; no extrinsic can. A rejected candidate's record is pruned by `on_idle`
//! [`Config::RejectedRetention`] after its rejection; a candidate may only be trained with
//! current blocks of its model, so nothing ever depends on a rejected block. Root's [`Pallet::import_model`] registers a complete model
//! with all its blocks accepted at once (genesis and operators importing a checkpoint).
//!
//! ## Invariants
//! 1. Every dependency of every block exists, and the dependency graph is acyclic.
//! 2. Every `Current` entry names an accepted parameter block of that model and slot.
//! 3. Every accepted parameter block is current for its slot.
//! 4. Model indices are `0..ModelCount`; each model's meta block exists, is a meta block of
//!    that model, and (after the first) depends on the previous model's meta block.
//! 5. A block's parent fills the same slot.
//! 6. Only registered models have a [`States`] entry.
//! 7. [`PruneQueue`] has entries only between [`PruneCursor`]'s head and tail, and no block
//!    depends on a rejected one (so pruning one never breaks invariant 1).
//!
//! They are checked in `try_state`, which the unit tests run after every test.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod evolution;
mod gate;
mod inference;
mod invariants;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use aiblock_primitives::dag::{
	BlockHeader, BlockKind, BlockRecord, BlockStatus, Dependencies, ModelIndex, ModelSpec,
	ModelState, Payload, Score, SpecError, SpecLimits, MAX_DEPENDENCIES,
};
use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_core::H256;

// A block needs room for its meta block, its parent and one more.
const _: () = assert!(MAX_DEPENDENCIES >= 3);

/// A block record with this runtime's account and block number types.
pub type RecordOf<T> = BlockRecord<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
/// A block header with this runtime's account and block number types.
pub type HeaderOf<T> = BlockHeader<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

/// A registered model version.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct ModelInfo<BlockNumber> {
	pub spec: ModelSpec,
	/// Its meta block, whose payload hash is the blake2-256 of the spec as encoded when it was
	/// registered (storage version 0's layout for the versions [`migrations::v1`] upgraded).
	pub meta: H256,
	pub registered_at: BlockNumber,
}

/// One block of an imported model: the slot it fills, where its weights are, and the
/// validation score they are known to have, if any.
#[derive(
	Encode,
	Decode,
	codec::DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct ImportedBlock {
	pub kind: BlockKind,
	pub payload: Payload,
	pub score: Option<Score>,
}

/// A model with all of its blocks, as genesis and [`Pallet::import_model`] take it.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct ImportedModel {
	pub spec: ModelSpec,
	pub blocks: Vec<ImportedBlock>,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// Version 1: specs carry a vocabulary, a tokenizer and a transformer's attention, and
	/// contexts up to 65 535 tokens ([`migrations::v1`]).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Who may register model versions and import models (root; later the Evolution
		/// pallet).
		type ModelOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Most MoE layers a model may have.
		#[pallet::constant]
		type MaxLayers: Get<u16>;

		/// Most experts per layer.
		#[pallet::constant]
		type MaxExperts: Get<u16>;

		/// Largest `d_model` and `d_ff`.
		#[pallet::constant]
		type MaxDim: Get<u32>;

		/// Longest context (in tokens) a model may read.
		#[pallet::constant]
		type MaxContext: Get<u16>;

		/// Largest vocabulary.
		#[pallet::constant]
		type MaxVocab: Get<u32>;

		/// Most query heads of a transformer layer's attention.
		#[pallet::constant]
		type MaxHeads: Get<u16>;

		/// Most blocks [`Pallet::import_model`] takes in one call; a model with more parameter
		/// blocks than this cannot be registered.
		#[pallet::constant]
		type MaxImportBlocks: Get<u32>;

		/// Largest payload file, in bytes.
		#[pallet::constant]
		type MaxPayloadSize: Get<u64>;

		/// How long a rejected candidate's record stays before `on_idle` prunes it: long enough
		/// for anyone to audit the verdict, short enough that refused submissions do not grow
		/// the state for ever.
		#[pallet::constant]
		type RejectedRetention: Get<BlockNumberFor<Self>>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Every model version, by its position in the meta-chain.
	#[pallet::storage]
	pub type Models<T: Config> =
		StorageMap<_, Twox64Concat, ModelIndex, ModelInfo<BlockNumberFor<T>>, OptionQuery>;

	/// Number of model versions; the newest is `ModelCount - 1`.
	#[pallet::storage]
	pub type ModelCount<T: Config> = StorageValue<_, ModelIndex, ValueQuery>;

	/// Every block of the DAG by id. Ids are blake2-256 hashes already, so the key is not
	/// hashed again (and iterates in id order).
	#[pallet::storage]
	pub type Blocks<T: Config> = StorageMap<_, Identity, H256, RecordOf<T>, OptionQuery>;

	/// The ParamIndex: the accepted block filling each parameter slot of each model.
	#[pallet::storage]
	pub type Current<T: Config> =
		StorageDoubleMap<_, Twox64Concat, ModelIndex, Blake2_128Concat, BlockKind, H256>;

	/// Each model's parameters as a whole: its revision (adoptions so far) and the score of the
	/// model as it stands. Candidates pin the revision they were trained against.
	#[pallet::storage]
	pub type States<T: Config> = StorageMap<_, Twox64Concat, ModelIndex, ModelState, ValueQuery>;

	/// Rejected candidates in the order of their rejection, each with the block from which it
	/// may be pruned; `on_idle` works through it from [`PruneCursor`]'s head.
	#[pallet::storage]
	pub type PruneQueue<T: Config> =
		StorageMap<_, Twox64Concat, u64, (H256, BlockNumberFor<T>), OptionQuery>;

	/// The first and one past the last position of [`PruneQueue`].
	#[pallet::storage]
	pub type PruneCursor<T: Config> = StorageValue<_, (u64, u64), ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Models registered at genesis, in meta-chain order, each with all of its blocks.
		pub models: Vec<ImportedModel>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		// Runs only when a chain spec's genesis state is built, never in a block: an invalid
		// genesis model must stop the chain from starting, loudly, rather than start it
		// without its model (the runtime's preset tests build both presets).
		fn build(&self) {
			for model in &self.models {
				let blocks = BoundedVec::try_from(model.blocks.clone())
					.expect("a genesis model has at most MaxImportBlocks blocks");
				Pallet::<T>::do_import(model.spec.clone(), blocks)
					.expect("the genesis models are valid and complete");
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A model version joined the meta-chain.
		ModelRegistered { model: ModelIndex, version: aiblock_primitives::dag::SemVer, meta: H256 },
		/// A migration block describes the change from one model version to the next.
		MigrationRecorded { id: H256, from: ModelIndex, to: ModelIndex },
		/// A complete model was imported; all of its blocks are current.
		ModelImported { model: ModelIndex, blocks: u32 },
		/// A trained block awaits evaluation.
		CandidateProposed { id: H256, model: ModelIndex, kind: BlockKind, author: T::AccountId },
		/// A candidate passed the quality gate and is now current for its slot.
		CandidateAccepted {
			id: H256,
			model: ModelIndex,
			kind: BlockKind,
			score: Score,
			superseded: Option<H256>,
		},
		/// A candidate failed the quality gate.
		CandidateRejected { id: H256, model: ModelIndex, kind: BlockKind },
		/// A rejected candidate's record was removed after `RejectedRetention`.
		RejectedPruned { id: H256 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No model version with this index.
		UnknownModel,
		/// A dimension, layer, expert, context or vocabulary size is zero or above the
		/// runtime's limits, or the model has more blocks than one import can take.
		SpecOutOfLimits,
		/// `top_k` is zero or larger than the number of experts.
		InvalidTopK,
		/// The name or architecture tag is empty or not UTF-8.
		InvalidName,
		/// The version does not follow the newest one by one SemVer step (it must increase,
		/// with lower components reset: 1.2.3 → 1.2.4, 1.3.0 or 2.0.0).
		NotASuccessor,
		/// The spec changes something this kind of step may not (a PATCH changes only weights,
		/// a MINOR only grows).
		IncompatibleChange,
		/// The generation may not decrease.
		GenerationDecreased,
		/// A migration block needs a previous model version to migrate from.
		NothingToMigrate,
		/// The block kind is not a parameter slot of this model (wrong layer or expert index,
		/// an attention block of a model without attention, or a meta/migration kind).
		NotAParamSlot,
		/// An import lists a slot twice.
		DuplicateSlot,
		/// An import does not fill every slot of the model.
		IncompleteModel,
		/// A block with the same id exists already.
		DuplicateBlock,
		/// A dependency is not a block of the DAG.
		MissingDependency,
		/// A block a candidate was trained with is not a current block of its model.
		NotCurrent,
		/// More dependencies than a block can list.
		TooManyDependencies,
		/// The payload is larger than `MaxPayloadSize`.
		PayloadTooLarge,
		/// The CID is not a binary CIDv1 (raw or dag-pb) with a sha2-256 multihash.
		InvalidCid,
		/// No block with this id.
		UnknownBlock,
		/// The block is not a pending candidate.
		NotPending,
		/// Another block was adopted for this slot since the candidate was trained.
		StaleCandidate,
		/// The attention's heads do not group (key/value heads must divide the query heads),
		/// its head width is odd or above `MaxDim`, its heads above `MaxHeads`, or its rotary
		/// base or norm epsilon is zero.
		InvalidAttention,
		/// The vocabulary is zero, above `MaxVocab`, or not the tokenizer's (bytes: 256).
		InvalidVocab,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Append a model version to the meta-chain, optionally with a migration block
		/// describing how to get there from the previous version (a CID of its description).
		///
		/// The new version starts with no current blocks; they arrive through the quality gate
		/// or [`Pallet::import_model`] registers a version complete with its blocks.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_model())]
		pub fn register_model(
			origin: OriginFor<T>,
			spec: ModelSpec,
			migration: Option<Payload>,
		) -> DispatchResult {
			T::ModelOrigin::ensure_origin(origin)?;
			if let Some(payload) = &migration {
				Self::check_payload(payload)?;
				ensure!(ModelCount::<T>::get() > 0, Error::<T>::NothingToMigrate);
			}
			let (model, meta) = Self::do_register(spec)?;
			if let Some(payload) = migration {
				let previous = Self::model_info(model - 1)?.meta;
				let deps = Self::dependencies(&[previous, meta])?;
				let id = Self::insert_block(
					BlockKind::Migration,
					model,
					deps,
					payload,
					None,
					None,
					BlockStatus::Accepted,
					None,
				)?;
				Self::deposit_event(Event::MigrationRecorded { id, from: model - 1, to: model });
			}
			Ok(())
		}

		/// Register a model version together with every one of its parameter blocks, all
		/// accepted and current at once. Each block's parent is the block of the same slot
		/// current in the previous version, if there is one.
		///
		/// Weighed as a model of `MaxLayers` layers with this spec's experts per layer, and one
		/// more for a transformer's attention block (a block costs the same whatever its kind).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::import_model(
			u32::from(spec.experts) + u32::from(spec.attention.is_some())
		))]
		pub fn import_model(
			origin: OriginFor<T>,
			spec: ModelSpec,
			blocks: BoundedVec<ImportedBlock, T::MaxImportBlocks>,
		) -> DispatchResult {
			T::ModelOrigin::ensure_origin(origin)?;
			Self::do_import(spec, blocks)
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::prune(now, remaining)
		}

		fn integrity_test() {
			// A transformer's layers have an attention block besides the router and experts.
			let largest =
				1 + u32::from(T::MaxLayers::get()) * (2 + u32::from(T::MaxExperts::get()));
			assert!(
				T::MaxImportBlocks::get() >= largest,
				"MaxImportBlocks must fit a transformer of MaxLayers × MaxExperts (the import \
				 weight is measured at MaxLayers layers)"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}

impl<T: Config> Pallet<T> {
	fn limits() -> SpecLimits {
		SpecLimits {
			max_layers: T::MaxLayers::get(),
			max_experts: T::MaxExperts::get(),
			max_dim: T::MaxDim::get(),
			max_context: T::MaxContext::get(),
			max_vocab: T::MaxVocab::get(),
			max_heads: T::MaxHeads::get(),
		}
	}

	fn model_info(model: ModelIndex) -> Result<ModelInfo<BlockNumberFor<T>>, Error<T>> {
		Models::<T>::get(model).ok_or(Error::<T>::UnknownModel)
	}

	/// The newest model version, if any.
	pub fn latest_model() -> Option<(ModelIndex, ModelSpec)> {
		let model = ModelCount::<T>::get().checked_sub(1)?;
		Models::<T>::get(model).map(|info| (model, info.spec))
	}

	/// Check a spec against the limits and the newest version, then add its meta block.
	fn do_register(spec: ModelSpec) -> Result<(ModelIndex, H256), DispatchError> {
		spec.check(&Self::limits()).map_err(Error::<T>::from)?;
		ensure!(spec.param_block_count() <= T::MaxImportBlocks::get(), Error::<T>::SpecOutOfLimits);
		let model = ModelCount::<T>::get();
		let mut deps = Vec::new();
		if let Some(previous) = model.checked_sub(1) {
			let previous = Self::model_info(previous)?;
			spec.successor_of(&previous.spec).map_err(Error::<T>::from)?;
			deps.push(previous.meta);
		}
		let encoded = spec.encode();
		let payload = Payload {
			cid: Default::default(),
			hash: H256(sp_io::hashing::blake2_256(&encoded)),
			size: encoded.len() as u64,
		};
		let meta = Self::insert_block(
			BlockKind::Meta,
			model,
			Self::dependencies(&deps)?,
			payload,
			None,
			None,
			BlockStatus::Accepted,
			None,
		)?;
		let version = spec.version;
		let registered_at = frame_system::Pallet::<T>::block_number();
		Models::<T>::insert(model, ModelInfo { spec, meta, registered_at });
		ModelCount::<T>::put(model.saturating_add(1));
		Self::deposit_event(Event::ModelRegistered { model, version, meta });
		Ok((model, meta))
	}

	/// Register `spec` and all of its blocks (validated completely before anything is written).
	pub(crate) fn do_import(
		spec: ModelSpec,
		blocks: BoundedVec<ImportedBlock, T::MaxImportBlocks>,
	) -> DispatchResult {
		let mut seen = Vec::with_capacity(blocks.len());
		for block in &blocks {
			ensure!(spec.has_param(&block.kind), Error::<T>::NotAParamSlot);
			seen.push(block.kind);
			Self::check_payload(&block.payload)?;
		}
		seen.sort();
		let before = seen.len();
		seen.dedup();
		ensure!(seen.len() == before, Error::<T>::DuplicateSlot);
		ensure!(seen.len() as u32 == spec.param_block_count(), Error::<T>::IncompleteModel);

		// Blocks descend from the previous version's blocks of the same slot only within one
		// architecture: a transformer's `shared` block is not trained from a byte model's.
		let architecture = spec.architecture.clone();
		let (model, meta) = Self::do_register(spec)?;
		let previous = model.checked_sub(1).filter(|&previous| {
			Models::<T>::get(previous).is_some_and(|info| info.spec.architecture == architecture)
		});
		let count = blocks.len() as u32;
		let scores: Vec<Score> = blocks.iter().filter_map(|b| b.score).collect();
		for block in blocks {
			let parent = previous.and_then(|p| Current::<T>::get(p, block.kind));
			let id = Self::insert_block(
				block.kind,
				model,
				Self::param_dependencies(meta, parent, &[])?,
				block.payload,
				None,
				parent,
				BlockStatus::Accepted,
				block.score,
			)?;
			Current::<T>::insert(model, block.kind, id);
		}
		// The blocks' scores are evaluations of the model they come with; where they differ the
		// worst stands for the model, so that no candidate is judged against a better model
		// than the imported one is known to be.
		States::<T>::insert(model, ModelState { revision: 0, score: scores.into_iter().max() });
		Self::deposit_event(Event::ModelImported { model, blocks: count });
		Ok(())
	}

	/// Prune the rejected candidates whose retention is over, oldest first, as far as
	/// `remaining` allows. Returns the weight used.
	pub(crate) fn prune(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
		// The cursor and the first entry, read even when nothing is due.
		let mut used = T::DbWeight::get().reads(2);
		if remaining.any_lt(used) {
			return Weight::zero();
		}
		let (start, tail) = PruneCursor::<T>::get();
		let mut head = start;
		let step = T::WeightInfo::prune_rejected();
		while head < tail && !remaining.any_lt(used.saturating_add(step)) {
			let entry = PruneQueue::<T>::get(head);
			if entry.is_some_and(|(_, from)| from > now) {
				break;
			}
			used.saturating_accrue(step);
			PruneQueue::<T>::remove(head);
			head = head.saturating_add(1);
			let Some((id, _)) = entry else { continue };
			if Blocks::<T>::get(id).is_some_and(|r| r.status == BlockStatus::Rejected) {
				Blocks::<T>::remove(id);
				Self::deposit_event(Event::RejectedPruned { id });
			}
		}
		if head != start {
			PruneCursor::<T>::put((head, tail));
		}
		used
	}

	fn check_payload(payload: &Payload) -> DispatchResult {
		ensure!(payload.size <= T::MaxPayloadSize::get(), Error::<T>::PayloadTooLarge);
		ensure!(aiblock_primitives::dag::is_supported_cid(&payload.cid), Error::<T>::InvalidCid);
		Ok(())
	}

	/// `ids` as a bounded dependency list, each of them checked to exist.
	fn dependencies(ids: &[H256]) -> Result<Dependencies, DispatchError> {
		for id in ids {
			ensure!(Blocks::<T>::contains_key(id), Error::<T>::MissingDependency);
		}
		Ok(Dependencies::try_from(ids.to_vec()).map_err(|_| Error::<T>::TooManyDependencies)?)
	}

	/// A parameter block's dependencies: its model's meta block, its parent if any, then the
	/// blocks it was trained with (each once).
	fn param_dependencies(
		meta: H256,
		parent: Option<H256>,
		trained_with: &[H256],
	) -> Result<Dependencies, DispatchError> {
		let mut deps = alloc::vec![meta];
		deps.extend(parent);
		for id in trained_with {
			if !deps.contains(id) {
				deps.push(*id);
			}
		}
		Self::dependencies(&deps)
	}

	#[allow(clippy::too_many_arguments)]
	fn insert_block(
		kind: BlockKind,
		model: ModelIndex,
		depends_on: Dependencies,
		payload: Payload,
		author: Option<T::AccountId>,
		parent: Option<H256>,
		status: BlockStatus,
		score: Option<Score>,
	) -> Result<H256, DispatchError> {
		let header = HeaderOf::<T> {
			kind,
			model,
			depends_on,
			payload,
			author,
			parent,
			created_at: frame_system::Pallet::<T>::block_number(),
		};
		let id = header.id();
		ensure!(!Blocks::<T>::contains_key(id), Error::<T>::DuplicateBlock);
		Blocks::<T>::insert(id, BlockRecord { header, status, score });
		Ok(id)
	}

	/// The current block of every parameter slot of `model`, in canonical order.
	pub fn current_blocks(model: ModelIndex) -> Vec<(BlockKind, H256, RecordOf<T>)> {
		let Some(info) = Models::<T>::get(model) else { return Vec::new() };
		info.spec
			.param_kinds()
			.filter_map(|kind| {
				let id = Current::<T>::get(model, kind)?;
				Blocks::<T>::get(id).map(|record| (kind, id, record))
			})
			.collect()
	}

	/// `id` and its ancestors by parent link, newest first, at most `max`.
	pub fn lineage(id: H256, max: u32) -> Vec<H256> {
		let mut out = Vec::new();
		let mut next = Some(id);
		while let Some(id) = next {
			if out.len() as u32 >= max {
				break;
			}
			let Some(record) = Blocks::<T>::get(id) else { break };
			out.push(id);
			next = record.header.parent;
		}
		out
	}

	/// Up to `max` block ids with `status`, in id order, after `start_after`.
	pub fn blocks_by_status(status: BlockStatus, start_after: Option<H256>, max: u32) -> Vec<H256> {
		let iter = match start_after {
			Some(after) => Blocks::<T>::iter_from(Blocks::<T>::hashed_key_for(after)),
			None => Blocks::<T>::iter(),
		};
		iter.filter(|(_, record)| record.status == status)
			.map(|(id, _)| id)
			.take(max as usize)
			.collect()
	}
}

impl<T> From<SpecError> for Error<T> {
	fn from(e: SpecError) -> Self {
		match e {
			SpecError::OutOfLimits => Error::SpecOutOfLimits,
			SpecError::BadTopK => Error::InvalidTopK,
			SpecError::BadName => Error::InvalidName,
			SpecError::BadAttention => Error::InvalidAttention,
			SpecError::BadVocab => Error::InvalidVocab,
			SpecError::NotASuccessor => Error::NotASuccessor,
			SpecError::IncompatibleChange => Error::IncompatibleChange,
			SpecError::GenerationDecreased => Error::GenerationDecreased,
		}
	}
}
