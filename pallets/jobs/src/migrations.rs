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
		pub stage: v2::OldStage<T>,
		pub due: BlockNumberFor<T>,
	}

	/// The jobs as version 1 stores them.
	#[frame_support::storage_alias]
	pub type Jobs<T: Config> =
		StorageMap<Pallet<T>, Twox64Concat, JobId, v2::OldJob<T>, OptionQuery>;

	/// Jobs of version 0 keep no deposit (none was held for them) and start with no timeouts.
	pub struct VersionUncheckedMigrateV0ToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for VersionUncheckedMigrateV0ToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut jobs = 0u64;
			// Written in version 1's layout, which `v2` then translates.
			Jobs::<T>::translate::<OldJob<T>, _>(|_, old| {
				jobs += 1;
				JobsOfPoster::<T>::mutate(&old.poster, |n| *n = Some(n.unwrap_or(0) + 1));
				Some(v2::OldJob::<T> {
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
		// No `post_upgrade` check: the invariants read jobs in the current layout, which `v2`
		// writes (and checks).
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

/// Version 2: submissions pin the model revision they are judged in, trainings remember the
/// revision at acceptance, and jobs carry the collateral their workers commit.
pub mod v2 {
	use super::*;
	use crate::types::Seat;

	/// What version 1 stored of a submission: without the revision.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	pub struct OldSubmission {
		pub candidate: H256,
		pub claimed: Score,
		pub manifest: Payload,
		pub checkpoint_root: H256,
	}

	/// An evaluation as version 1 stored it.
	#[derive(Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo)]
	#[scale_info(skip_type_params(T))]
	pub struct OldEvaluation<T: Config> {
		pub trainer: T::AccountId,
		pub submission: OldSubmission,
		pub submitted_at: BlockNumberFor<T>,
		pub panel: BoundedVec<Seat<T::AccountId>, T::MaxEvaluators>,
		pub seed: [u8; 32],
		pub commit_deadline: BlockNumberFor<T>,
		pub reveal_deadline: BlockNumberFor<T>,
	}

	/// A stage as versions 0 and 1 stored it.
	#[derive(Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo)]
	#[scale_info(skip_type_params(T))]
	pub enum OldStage<T: Config> {
		Open { deadline: BlockNumberFor<T> },
		Training { trainer: T::AccountId, deadline: BlockNumberFor<T> },
		Evaluating(OldEvaluation<T>),
	}

	/// A job as version 1 stored it: without its collateral.
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
		pub stage: OldStage<T>,
		pub due: BlockNumberFor<T>,
		pub deposit: BalanceOf<T>,
		pub timeouts: u32,
	}

	impl<T: Config> OldStage<T> {
		/// The stage with `revision` (the model's now) as the one accepted or pinned.
		fn pinned(self, revision: u32) -> Stage<T> {
			match self {
				OldStage::Open { deadline } => Stage::Open { deadline },
				OldStage::Training { trainer, deadline } => {
					Stage::Training { trainer, deadline, revision }
				},
				OldStage::Evaluating(e) => {
					let OldSubmission { candidate, claimed, manifest, checkpoint_root } =
						e.submission;
					Stage::Evaluating(Evaluation {
						trainer: e.trainer,
						submission: Submission {
							candidate,
							claimed,
							manifest,
							checkpoint_root,
							revision,
						},
						submitted_at: e.submitted_at,
						panel: e.panel,
						seed: e.seed,
						commit_deadline: e.commit_deadline,
						reveal_deadline: e.reveal_deadline,
					})
				},
			}
		}
	}

	/// Jobs of version 1 are pinned to their model's revision at the upgrade (no adoption
	/// was counted before it), and keep the collateral their workers committed then.
	pub struct VersionUncheckedMigrateV1ToV2<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for VersionUncheckedMigrateV1ToV2<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut jobs = 0u64;
			Jobs::<T>::translate::<OldJob<T>, _>(|_, old| {
				jobs += 1;
				let revision = T::Gate::state(old.spec.model).map(|s| s.revision).unwrap_or(0);
				Some(Job {
					poster: old.poster,
					spec: old.spec,
					base_score: old.base_score,
					delta: old.delta,
					reward: old.reward,
					evaluator_fee: old.evaluator_fee,
					protocol_fee: old.protocol_fee,
					stage: old.stage.pinned(revision),
					due: old.due,
					deposit: old.deposit,
					timeouts: old.timeouts,
					trainer_collateral: T::TrainerCollateral::get(),
					evaluator_collateral: T::EvaluatorCollateral::get(),
				})
			});
			// Each job: read and write it, and read its model's state.
			T::DbWeight::get().reads_writes(2 * jobs, jobs)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			Pallet::<T>::do_try_state()
		}
	}

	/// [`VersionUncheckedMigrateV1ToV2`], run only at storage version 1, which it sets to 2.
	pub type MigrateV1ToV2<T> = VersionedMigration<
		1,
		2,
		VersionUncheckedMigrateV1ToV2<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::mock::*;
	use frame_support::traits::OnRuntimeUpgrade;

	fn post_two_jobs() -> alloc::vec::Vec<(JobId, Job<Test>)> {
		let budget = MIN_REWARD + 3 * EVALUATOR_FEE;
		for _ in 0..2 {
			assert!(
				Pallet::<Test>::post_job(RuntimeOrigin::signed(POSTER), job_spec(), budget).is_ok()
			);
		}
		crate::Jobs::<Test>::iter().collect()
	}

	#[test]
	fn v0_jobs_get_no_deposit_and_posters_are_counted() {
		ExtBuilder::default().build_and_execute(|| {
			let new = post_two_jobs();
			// Rewrite the jobs as version 0 stored them.
			for (id, job) in &new {
				let Stage::Open { deadline } = job.stage else { panic!("posted jobs are open") };
				let old = v1::OldJob::<Test> {
					poster: job.poster,
					spec: job.spec.clone(),
					base_score: job.base_score,
					delta: job.delta,
					reward: job.reward,
					evaluator_fee: job.evaluator_fee,
					protocol_fee: job.protocol_fee,
					stage: v2::OldStage::Open { deadline },
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
			v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 2);
			assert_eq!(crate::Jobs::<Test>::iter().collect::<alloc::vec::Vec<_>>().len(), 2);
			for (id, job) in new {
				let migrated = crate::Jobs::<Test>::get(id).expect("kept");
				assert_eq!(Job { deposit: 0, ..job }, migrated);
			}
			assert_eq!(JobsOfPoster::<Test>::get(POSTER), Some(2));
		});
	}

	#[test]
	fn v1_trainings_are_pinned_to_the_revision_at_the_upgrade() {
		ExtBuilder::default().build_and_execute(|| {
			let new = post_two_jobs();
			for (id, _) in &new {
				assert!(Pallet::<Test>::accept_job(RuntimeOrigin::signed(TRAINER), *id).is_ok());
			}
			let new: alloc::vec::Vec<_> = crate::Jobs::<Test>::iter().collect();
			let revision = <ExpertDag as QualityGate<AccountId>>::state(0).unwrap().revision;
			for (id, job) in &new {
				let old = v2::OldJob::<Test> {
					poster: job.poster,
					spec: job.spec.clone(),
					base_score: job.base_score,
					delta: job.delta,
					reward: job.reward,
					evaluator_fee: job.evaluator_fee,
					protocol_fee: job.protocol_fee,
					stage: v2::OldStage::Training { trainer: TRAINER, deadline: 1 + 20 },
					due: job.due,
					deposit: job.deposit,
					timeouts: job.timeouts,
				};
				frame_support::storage::unhashed::put(
					&crate::Jobs::<Test>::hashed_key_for(id),
					&old,
				);
			}
			StorageVersion::new(1).put::<Pallet<Test>>();
			v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 2);
			for (id, _) in new {
				let job = crate::Jobs::<Test>::get(id).expect("kept");
				assert_eq!(
					job.stage,
					Stage::Training { trainer: TRAINER, deadline: 1 + 20, revision }
				);
				assert_eq!(job.trainer_collateral, TRAINER_COLLATERAL);
				assert_eq!(job.evaluator_collateral, EVALUATOR_COLLATERAL);
			}
		});
	}
}
