//! Storage migrations of the Jobs pallet.

use super::*;
use frame_support::{migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade};

/// Version 1: jobs carry a timeout deposit and count their timeouts, and [`JobsOfPoster`]
/// counts each poster's open jobs.
pub mod v1 {
	use super::*;

	/// A job as version 0 stored it: without `deposit` and `timeouts`.
	#[derive(Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo)]
	#[scale_info(skip_type_params(T))]
	pub struct OldJob<T: Config> {
		pub poster: T::AccountId,
		pub spec: JobSpec,
		pub base_score: Score,
		pub delta: Score,
		pub reward: BalanceOf<T>,
		pub evaluator_fee: BalanceOf<T>,
		pub protocol_fee: BalanceOf<T>,
		pub stage: Stage<T>,
		pub due: BlockNumberFor<T>,
	}

	/// Jobs of version 0 keep no deposit (none was held for them) and start with no timeouts.
	pub struct VersionUncheckedMigrateV0ToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for VersionUncheckedMigrateV0ToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut jobs = 0u64;
			Jobs::<T>::translate::<OldJob<T>, _>(|_, old| {
				jobs += 1;
				JobsOfPoster::<T>::mutate(&old.poster, |n| *n = Some(n.unwrap_or(0) + 1));
				Some(Job {
					poster: old.poster,
					spec: old.spec,
					base_score: old.base_score,
					delta: old.delta,
					reward: old.reward,
					evaluator_fee: old.evaluator_fee,
					protocol_fee: old.protocol_fee,
					stage: old.stage,
					due: old.due,
					deposit: Zero::zero(),
					timeouts: 0,
				})
			});
			// Each job: read and write it, and its poster's count.
			T::DbWeight::get().reads_writes(2 * jobs, 2 * jobs)
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
	fn v0_jobs_get_no_deposit_and_posters_are_counted() {
		ExtBuilder::default().build_and_execute(|| {
			let budget = MIN_REWARD + 3 * EVALUATOR_FEE;
			for _ in 0..2 {
				assert!(Pallet::<Test>::post_job(
					RuntimeOrigin::signed(POSTER),
					job_spec(),
					budget
				)
				.is_ok());
			}
			// Rewrite the jobs as version 0 stored them.
			let new: alloc::vec::Vec<_> = crate::Jobs::<Test>::iter().collect();
			for (id, job) in &new {
				let old = v1::OldJob::<Test> {
					poster: job.poster,
					spec: job.spec.clone(),
					base_score: job.base_score,
					delta: job.delta,
					reward: job.reward,
					evaluator_fee: job.evaluator_fee,
					protocol_fee: job.protocol_fee,
					stage: job.stage.clone(),
					due: job.due,
				};
				frame_support::storage::unhashed::put(
					&crate::Jobs::<Test>::hashed_key_for(id),
					&old,
				);
			}
			JobsOfPoster::<Test>::remove(POSTER);
			StorageVersion::new(0).put::<Pallet<Test>>();

			v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);
			assert_eq!(crate::Jobs::<Test>::iter().collect::<alloc::vec::Vec<_>>().len(), 2);
			for (id, job) in new {
				assert_eq!(crate::Jobs::<Test>::get(id), Some(job));
			}
			assert_eq!(JobsOfPoster::<Test>::get(POSTER), Some(2));
		});
	}
}
