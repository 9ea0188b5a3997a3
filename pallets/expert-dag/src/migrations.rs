//! Storage migrations of the ExpertDag pallet.

use super::*;
use aiblock_primitives::dag::{Cid, Name, SemVer, BYTE_TOKENIZER};
use frame_support::{migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade};

/// Version 1: a [`ModelSpec`] names its vocabulary and tokenizer, may describe a transformer's
/// attention, and its context is a `u16` (transformers read hundreds of tokens).
pub mod v1 {
	use super::*;

	/// A model spec as version 0 stored it: a byte model with an n-gram context.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	pub struct OldModelSpec {
		pub name: Name,
		pub architecture: Name,
		pub version: SemVer,
		pub generation: u32,
		pub context: u8,
		pub d_model: u32,
		pub d_ff: u32,
		pub layers: u16,
		pub experts: u16,
		pub top_k: u16,
		pub delta: Score,
		pub validation_dataset: Cid,
	}

	impl OldModelSpec {
		/// Version 0 only knew byte models: 256 tokens, one per byte, and no attention.
		pub fn upgraded(self) -> ModelSpec {
			ModelSpec {
				name: self.name,
				architecture: self.architecture,
				version: self.version,
				generation: self.generation,
				context: u16::from(self.context),
				vocab: 256,
				tokenizer: BoundedVec::truncate_from(BYTE_TOKENIZER.to_vec()),
				d_model: self.d_model,
				d_ff: self.d_ff,
				layers: self.layers,
				experts: self.experts,
				top_k: self.top_k,
				attention: None,
				delta: self.delta,
				validation_dataset: self.validation_dataset,
			}
		}
	}

	/// A registered model as version 0 stored it.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	pub struct OldModelInfo<BlockNumber> {
		pub spec: OldModelSpec,
		pub meta: H256,
		pub registered_at: BlockNumber,
	}

	/// Rewrites every model's spec in version 1's layout. The meta blocks are kept as they are:
	/// their ids are in the DAG, and their payload hash stays the hash of the spec as it was
	/// encoded when the version was registered (see [`ModelInfo::meta`]).
	pub struct VersionUncheckedMigrateV0ToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for VersionUncheckedMigrateV0ToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut models = 0u64;
			Models::<T>::translate::<OldModelInfo<BlockNumberFor<T>>, _>(|_, old| {
				models += 1;
				Some(ModelInfo {
					spec: old.spec.upgraded(),
					meta: old.meta,
					registered_at: old.registered_at,
				})
			});
			T::DbWeight::get().reads_writes(models, models)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(ModelCount::<T>::get().encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let count = ModelIndex::decode(&mut &state[..])
				.map_err(|_| "the pre-upgrade model count does not decode")?;
			ensure!(Models::<T>::iter().count() as u32 == count, "a model was lost");
			ensure!(
				Models::<T>::iter_values().all(|info| info.spec.attention.is_none()),
				"version 0 had no transformers"
			);
			Ok(())
		}
	}

	/// [`VersionUncheckedMigrateV0ToV1`], run only at storage version 0, which it sets to 1.
	pub type MigrateV0ToV1<T> = VersionedMigration<
		0,
		1,
		VersionUncheckedMigrateV0ToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::mock::*;
	use frame_support::traits::OnRuntimeUpgrade;

	#[test]
	fn v0_specs_become_byte_models_and_keep_their_meta_blocks() {
		ExtBuilder::default().build_and_execute(|| {
			let new = Models::<Test>::get(0).expect("the genesis model");
			let s = new.spec.clone();
			let old = v1::OldModelInfo {
				spec: v1::OldModelSpec {
					name: s.name.clone(),
					architecture: s.architecture.clone(),
					version: s.version,
					generation: s.generation,
					context: s.context as u8,
					d_model: s.d_model,
					d_ff: s.d_ff,
					layers: s.layers,
					experts: s.experts,
					top_k: s.top_k,
					delta: s.delta,
					validation_dataset: s.validation_dataset.clone(),
				},
				meta: new.meta,
				registered_at: new.registered_at,
			};
			frame_support::storage::unhashed::put(&Models::<Test>::hashed_key_for(0), &old);
			StorageVersion::new(0).put::<Pallet<Test>>();

			v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);
			assert_eq!(Models::<Test>::get(0), Some(new));
			// Run again, it changes nothing: the version gate holds.
			v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
			assert_eq!(Models::<Test>::get(0).map(|m| m.spec), Some(s));
		});
	}
}
