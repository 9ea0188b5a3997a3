//! Storage migrations of the Workers pallet.

use super::*;
use frame_support::{migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade};

/// Version 1: role-list entries record when each worker joined ([`Listed`]), and
/// [`TrainerVram`] counts the listed trainers' GPU memory.
pub mod v1 {
	use super::*;

	/// The role lists of version 0: accounts only.
	#[frame_support::storage_alias]
	pub type OnlineByRole<T: Config> = StorageMap<
		Pallet<T>,
		Twox64Concat,
		Role,
		BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxWorkersPerRole>,
		ValueQuery,
	>;

	/// Lists every worker of version 0 as joined at block 0, so all of them count in the next
	/// draws, and counts the trainers' GPU memory.
	pub struct VersionUncheckedMigrateV0ToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for VersionUncheckedMigrateV0ToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let (mut reads, mut writes) = (0u64, 0u64);
			for role in Roles::ALL {
				let old = OnlineByRole::<T>::take(role);
				reads += 1;
				writes += 1;
				let since = BlockNumberFor::<T>::default();
				let list: RoleListOf<T> = BoundedVec::truncate_from(
					old.iter().map(|who| Listed { who: who.clone(), since }).collect(),
				);
				if role == Role::Trainer {
					for who in &old {
						reads += 1;
						if let Some(info) = Workers::<T>::get(who) {
							Pallet::<T>::count_trainer_vram(info.capabilities.spec.vram_gib, true);
						}
					}
					writes += 1;
				}
				if !list.is_empty() {
					crate::OnlineByRole::<T>::insert(role, list);
				}
			}
			T::DbWeight::get().reads_writes(reads, writes)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			Pallet::<T>::do_try_state()
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
	fn v0_lists_become_entries_and_trainers_are_counted() {
		ExtBuilder::build_and_execute(|| {
			for (who, roles) in [(1, ALL), (2, TRAINER), (3, EVALUATOR)] {
				assert!(Pallet::<Test>::register_worker(
					RuntimeOrigin::signed(who),
					gpu(),
					roles,
					endpoint()
				)
				.is_ok());
			}
			// Rewrite the state as version 0 had it.
			for role in Roles::ALL {
				let accounts: alloc::vec::Vec<AccountId> =
					crate::OnlineByRole::<Test>::get(role).into_iter().map(|e| e.who).collect();
				v1::OnlineByRole::<Test>::insert(role, BoundedVec::truncate_from(accounts));
			}
			TrainerVram::<Test>::kill();
			StorageVersion::new(0).put::<Pallet<Test>>();

			v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);
			let trainers = crate::OnlineByRole::<Test>::get(Role::Trainer);
			assert_eq!(
				trainers.iter().map(|e| (e.who, e.since)).collect::<Vec<_>>(),
				vec![(1, 0), (2, 0)]
			);
			assert_eq!(TrainerVram::<Test>::get().into_inner(), vec![(80, 2)]);
			// A second run does nothing.
			assert_eq!(
				v1::MigrateV0ToV1::<Test>::on_runtime_upgrade(),
				<<Test as frame_system::Config>::DbWeight as Get<
					frame_support::weights::RuntimeDbWeight,
				>>::get()
				.reads(1)
			);
		});
	}
}
