//! The registry as the Evolution pallet uses it: the newest version, checks of a grown spec and
//! its blocks, and the promotion of an epoch's candidate to the next version. Only other pallets
//! reach it, through [`ModelRegistry`]; no extrinsic does.

use super::*;
use aiblock_primitives::evolution::ModelRegistry;
use weights::WeightInfo;

impl<T: Config> ModelRegistry for Pallet<T> {
	fn newest() -> Option<(ModelIndex, ModelSpec, Option<Score>)> {
		let (model, spec) = Self::latest_model()?;
		let score = States::<T>::get(model).score;
		Some((model, spec, score))
	}

	fn check_successor(spec: &ModelSpec) -> DispatchResult {
		spec.check(&Self::limits()).map_err(Error::<T>::from)?;
		ensure!(spec.param_block_count() <= T::MaxImportBlocks::get(), Error::<T>::SpecOutOfLimits);
		let (_, newest) = Self::latest_model().ok_or(Error::<T>::NothingToMigrate)?;
		spec.successor_of(&newest).map_err(Error::<T>::from)?;
		Ok(())
	}

	fn check_payload(payload: &Payload) -> DispatchResult {
		Pallet::<T>::check_payload(payload)
	}

	fn current_blocks(model: ModelIndex) -> Option<Vec<H256>> {
		let spec = Self::model_info(model).ok()?.spec;
		spec.param_kinds().map(|kind| Current::<T>::get(model, kind)).collect()
	}

	fn current_blocks_weight() -> Weight {
		// The model's record, then one `Current` entry per slot of the largest model.
		let slots = 1 + u64::from(T::MaxLayers::get()) * (2 + u64::from(T::MaxExperts::get()));
		T::DbWeight::get().reads(2 + slots)
	}

	fn promote(
		spec: ModelSpec,
		blocks: &[(BlockKind, Payload)],
		score: Score,
		migration: Payload,
	) -> Result<ModelIndex, DispatchError> {
		Self::check_payload(&migration)?;
		ensure!(ModelCount::<T>::get() > 0, Error::<T>::NothingToMigrate);
		let imported: Vec<ImportedBlock> = blocks
			.iter()
			.map(|(kind, payload)| ImportedBlock {
				kind: *kind,
				payload: payload.clone(),
				score: Some(score),
			})
			.collect();
		let imported = BoundedVec::try_from(imported).map_err(|_| Error::<T>::SpecOutOfLimits)?;
		// All or nothing: a refused import leaves no migration block behind, and the reverse.
		frame_support::storage::with_storage_layer(|| {
			Self::do_import(spec, imported)?;
			let model = ModelCount::<T>::get().saturating_sub(1);
			let previous = Self::model_info(model.saturating_sub(1))?.meta;
			let meta = Self::model_info(model)?.meta;
			let id = Self::insert_block(
				BlockKind::Migration,
				model,
				Self::dependencies(&[previous, meta])?,
				migration,
				None,
				None,
				BlockStatus::Accepted,
				None,
			)?;
			Self::deposit_event(Event::MigrationRecorded { id, from: model - 1, to: model });
			Ok(model)
		})
	}

	fn promote_weight() -> Weight {
		// The import at its largest (every layer with `MaxExperts` experts and an attention
		// block), the migration block, and the checks' reads.
		T::WeightInfo::import_model(u32::from(T::MaxExperts::get()) + 1)
			.saturating_add(T::WeightInfo::register_model())
			.saturating_add(T::DbWeight::get().reads(4))
	}
}
