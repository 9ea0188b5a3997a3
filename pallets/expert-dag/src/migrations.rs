//! Storage migrations of the ExpertDag pallet.

use super::*;
use aiblock_primitives::dag::{Cid, Name, SemVer, Tokenizer};
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
				tokenizer: Tokenizer::Bytes,
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

	/// Storage as version 0 laid it out (what `pre_upgrade` reads).
	#[cfg(feature = "try-runtime")]
	mod old {
		use super::*;

		/// The models, under the pallet's `Models` key, in version 0's layout.
		#[frame_support::storage_alias]
		pub type Models<T: Config> = StorageMap<
			Pallet<T>,
			Twox64Concat,
			ModelIndex,
			OldModelInfo<BlockNumberFor<T>>,
			OptionQuery,
		>;
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

		/// Every model as version 0 stored it.
		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			let old: alloc::vec::Vec<(ModelIndex, OldModelInfo<BlockNumberFor<T>>)> =
				old::Models::<T>::iter().collect();
			Ok(old.encode())
		}

		/// Every model is there, each exactly its version 0 record upgraded.
		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let old: alloc::vec::Vec<(ModelIndex, OldModelInfo<BlockNumberFor<T>>)> =
				Decode::decode(&mut &state[..])
					.map_err(|_| "the pre-upgrade models do not decode")?;
			ensure!(Models::<T>::iter().count() == old.len(), "a model was lost or added");
			for (index, info) in old {
				let expected = ModelInfo {
					spec: info.spec.upgraded(),
					meta: info.meta,
					registered_at: info.registered_at,
				};
				ensure!(Models::<T>::get(index) == Some(expected), "a model changed");
			}
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
