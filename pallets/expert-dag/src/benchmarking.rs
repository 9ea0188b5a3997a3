//! Benchmarks of the ExpertDag pallet, each in its worst case: the longest names and CIDs, the
//! most dependencies, and imports whose every block has a predecessor to link to.

use super::*;
use aiblock_primitives::dag::{
	Cid, Name, QualityGate, SemVer, Tokenizer, MAX_CID_LEN, MAX_NAME_LEN,
};
use frame_benchmarking::v2::*;

fn name(byte: u8) -> Name {
	BoundedVec::truncate_from(alloc::vec![byte; MAX_NAME_LEN as usize])
}

/// A supported CID (always 36 bytes, so also the longest accepted one).
fn cid(seed: u32) -> Cid {
	let mut bytes = alloc::vec![0x01, 0x55, 0x12, 32];
	bytes.extend(seed.to_le_bytes().iter().cycle().take(32));
	debug_assert!(bytes.len() as u32 <= MAX_CID_LEN);
	BoundedVec::truncate_from(bytes)
}

fn payload(seed: u32) -> Payload {
	Payload { cid: cid(seed), hash: H256::repeat_byte(seed as u8), size: T_SIZE }
}

const T_SIZE: u64 = 1 << 20;

/// The next model version: a MAJOR step (anything may change) of the newest, with the
/// longest names and `layers` × `experts` slots. No attention: a transformer's attention block
/// costs an import what one more expert does, and `import_model` is weighed so.
fn next_spec<T: Config>(layers: u16, experts: u16) -> ModelSpec {
	let (major, generation) = Pallet::<T>::latest_model()
		.map(|(_, s)| (s.version.major + 1, s.generation))
		.unwrap_or((1, 0));
	ModelSpec {
		name: name(b'n'),
		architecture: name(b'a'),
		version: SemVer { major, minor: 0, patch: 0 },
		generation,
		context: T::MaxContext::get(),
		vocab: 256,
		tokenizer: Tokenizer::Bytes,
		d_model: T::MaxDim::get(),
		d_ff: T::MaxDim::get(),
		layers,
		experts,
		top_k: experts.min(2),
		attention: None,
		delta: 1_000,
		validation_dataset: cid(u32::MAX),
	}
}

fn blocks_of(spec: &ModelSpec, seed: u32) -> alloc::vec::Vec<ImportedBlock> {
	spec.param_kinds()
		.enumerate()
		.map(|(i, kind)| ImportedBlock { kind, payload: payload(seed + i as u32), score: Some(1) })
		.collect()
}

impl<T: Config> Pallet<T> {
	/// For other pallets' benchmarks: import `spec` as the next MAJOR version (its version and
	/// generation set to succeed the newest model's) with every slot filled and scored `score`,
	/// and return its index.
	pub fn import_for_benchmarks(
		mut spec: ModelSpec,
		score: Score,
	) -> Result<ModelIndex, DispatchError> {
		let successor = next_spec::<T>(1, 1);
		(spec.version, spec.generation) = (successor.version, successor.generation);
		let blocks = blocks_of(&spec, 2_000_000)
			.into_iter()
			.map(|block| ImportedBlock { score: Some(score), ..block })
			.collect::<alloc::vec::Vec<_>>();
		let blocks = BoundedVec::try_from(blocks).map_err(|_| Error::<T>::SpecOutOfLimits)?;
		Self::do_import(spec, blocks)?;
		Ok(ModelCount::<T>::get() - 1)
	}
}

/// Import a model of the largest shape and return its index: every slot a later model can have
/// then has a predecessor.
fn largest_model<T: Config>() -> ModelIndex {
	let spec = next_spec::<T>(T::MaxLayers::get(), T::MaxExperts::get());
	let blocks = BoundedVec::truncate_from(blocks_of(&spec, 1_000_000));
	Pallet::<T>::do_import(spec, blocks).expect("the largest model fits the limits");
	ModelCount::<T>::get() - 1
}

/// The slot every candidate benchmark targets, and `trained_with` filling the dependencies.
fn candidate_setup<T: Config>() -> (ModelIndex, BlockKind, alloc::vec::Vec<H256>) {
	let model = largest_model::<T>();
	let kind = BlockKind::Expert { layer: 0, expert: 0 };
	// Meta and parent take two places; the rest are other current blocks.
	let with = Pallet::<T>::current_blocks(model)
		.into_iter()
		.map(|(_, id, _)| id)
		.filter(|id| Some(*id) != Current::<T>::get(model, kind))
		.take(aiblock_primitives::dag::MAX_DEPENDENCIES as usize - 2)
		.collect();
	(model, kind, with)
}

/// A pending candidate for the benchmarked slot, with the most dependencies.
fn pending_candidate<T: Config>() -> (ModelIndex, BlockKind, H256) {
	let (model, kind, with) = candidate_setup::<T>();
	let author: T::AccountId = account("trainer", 0, 0);
	let id = Pallet::<T>::propose(&author, model, kind, payload(7), &with).expect("valid");
	(model, kind, id)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_model() -> Result<(), BenchmarkError> {
		let origin =
			T::ModelOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		largest_model::<T>();
		let spec = next_spec::<T>(T::MaxLayers::get(), T::MaxExperts::get());

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, spec, Some(payload(7)));

		assert_eq!(Pallet::<T>::latest_model().map(|(_, s)| s.version.minor), Some(0));
		Ok(())
	}

	/// A model of `MaxLayers` layers of `e` experts, every block linked to a predecessor.
	#[benchmark]
	fn import_model(e: Linear<1, { T::MaxExperts::get() as u32 }>) -> Result<(), BenchmarkError> {
		let origin =
			T::ModelOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		largest_model::<T>();
		let spec = next_spec::<T>(T::MaxLayers::get(), e as u16);
		let blocks = BoundedVec::try_from(blocks_of(&spec, 0))
			.map_err(|_| BenchmarkError::Stop("MaxImportBlocks is below the largest model"))?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, spec.clone(), blocks);

		let model = ModelCount::<T>::get() - 1;
		assert_eq!(Pallet::<T>::current_blocks(model).len() as u32, spec.param_block_count());
		Ok(())
	}

	#[benchmark]
	fn propose_candidate() {
		let (model, kind, with) = candidate_setup::<T>();
		let author: T::AccountId = account("trainer", 0, 0);
		let id;

		#[block]
		{
			id = Pallet::<T>::propose(&author, model, kind, payload(7), &with)
				.expect("a valid candidate");
		}

		assert_eq!(Pallet::<T>::status(id), Some(BlockStatus::Pending));
	}

	#[benchmark]
	fn accept_candidate() {
		let (model, kind, id) = pending_candidate::<T>();

		#[block]
		{
			<Pallet<T> as QualityGate<T::AccountId>>::accept(id, 1).expect("pending and fresh");
		}

		assert_eq!(Current::<T>::get(model, kind), Some(id));
	}

	#[benchmark]
	fn reject_candidate() {
		let (_, _, id) = pending_candidate::<T>();

		#[block]
		{
			<Pallet<T> as QualityGate<T::AccountId>>::reject(id).expect("pending");
		}

		assert_eq!(Pallet::<T>::status(id), Some(BlockStatus::Rejected));
	}

	/// Pruning one rejected candidate whose retention is over (on top of the cursor and the
	/// first entry, which every `on_idle` reads).
	#[benchmark]
	fn prune_rejected() {
		let (_, _, id) = pending_candidate::<T>();
		<Pallet<T> as QualityGate<T::AccountId>>::reject(id).expect("pending");
		let now = frame_system::Pallet::<T>::block_number();
		let due = sp_runtime::Saturating::saturating_add(now, T::RejectedRetention::get());

		#[block]
		{
			Pallet::<T>::prune(due, Weight::MAX);
		}

		assert!(Blocks::<T>::get(id).is_none(), "pruned");
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
