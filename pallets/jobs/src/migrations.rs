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
		pub spec: v4::OldJobSpec,
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
		pub spec: v4::OldJobSpec,
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
		fn pinned(self, revision: u32) -> v3::OldStage<T> {
			match self {
				OldStage::Open { deadline } => v3::OldStage::Open { deadline },
				OldStage::Training { trainer, deadline } => {
					v3::OldStage::Training { trainer, deadline, revision }
				},
				OldStage::Evaluating(e) => {
					let OldSubmission { candidate, claimed, manifest, checkpoint_root } =
						e.submission;
					v3::OldStage::Evaluating(v3::OldEvaluation {
						trainer: e.trainer,
						submission: v3::OldSubmission {
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

	/// The jobs as version 2 stores them.
	#[frame_support::storage_alias]
	pub type Jobs<T: Config> =
		StorageMap<Pallet<T>, Twox64Concat, JobId, v3::OldJob<T>, OptionQuery>;

	/// Jobs of version 1 are pinned to their model's revision at the upgrade (no adoption
	/// was counted before it), and keep the collateral their workers committed then.
	pub struct VersionUncheckedMigrateV1ToV2<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for VersionUncheckedMigrateV1ToV2<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut jobs = 0u64;
			// Written in version 2's layout, which `v3` then translates.
			Jobs::<T>::translate::<OldJob<T>, _>(|_, old| {
				jobs += 1;
				let revision = T::Gate::state(old.spec.model).map(|s| s.revision).unwrap_or(0);
				Some(v3::OldJob {
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
		// No `post_upgrade` check: the invariants read jobs in the current layout, which `v3`
		// writes (and checks).
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

/// Version 3: submissions carry a sealed claim, revealed after the evaluators committed, and
/// evaluations record whether their attestations were bound in the pinned model state.
pub mod v3 {
	use super::*;
	use crate::types::Seat;

	/// What version 2 stored of a submission: the claim in the clear.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	pub struct OldSubmission {
		pub candidate: H256,
		pub claimed: Score,
		pub manifest: Payload,
		pub checkpoint_root: H256,
		pub revision: u32,
	}

	/// An evaluation as version 2 stored it.
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

	/// A stage as version 2 stored it.
	#[derive(Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo)]
	#[scale_info(skip_type_params(T))]
	pub enum OldStage<T: Config> {
		Open { deadline: BlockNumberFor<T> },
		Training { trainer: T::AccountId, deadline: BlockNumberFor<T>, revision: u32 },
		Evaluating(OldEvaluation<T>),
	}

	/// A job as version 2 stored it.
	#[derive(Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo)]
	#[scale_info(skip_type_params(T))]
	pub struct OldJob<T: Config> {
		pub poster: T::AccountId,
		pub spec: v4::OldJobSpec,
		pub base_score: Score,
		pub delta: Score,
		pub reward: BalanceOf<T>,
		pub evaluator_fee: BalanceOf<T>,
		pub protocol_fee: BalanceOf<T>,
		pub stage: OldStage<T>,
		pub due: BlockNumberFor<T>,
		pub deposit: BalanceOf<T>,
		pub timeouts: u32,
		pub trainer_collateral: BalanceOf<T>,
		pub evaluator_collateral: BalanceOf<T>,
	}

	impl<T: Config> From<OldStage<T>> for v4::OldStage<T> {
		/// A claim made in the clear stays as it was: revealed.
		fn from(old: OldStage<T>) -> Self {
			match old {
				OldStage::Open { deadline } => v4::OldStage::Open { deadline },
				OldStage::Training { trainer, deadline, revision } => {
					v4::OldStage::Training { trainer, deadline, revision }
				},
				OldStage::Evaluating(e) => {
					let OldSubmission { candidate, claimed, manifest, checkpoint_root, revision } =
						e.submission;
					v4::OldStage::Evaluating(v4::OldEvaluation {
						trainer: e.trainer,
						submission: v4::OldSubmission {
							candidate,
							claim: Claim::Revealed(claimed),
							manifest,
							checkpoint_root,
							revision,
						},
						submitted_at: e.submitted_at,
						panel: e.panel,
						seed: e.seed,
						commit_deadline: e.commit_deadline,
						reveal_deadline: e.reveal_deadline,
						// Not known: a move of the model before the verdict voids the job,
						// as version 2 did.
						context_held: false,
					})
				},
			}
		}
	}

	/// The jobs as version 3 stores them.
	#[frame_support::storage_alias]
	pub type Jobs<T: Config> =
		StorageMap<Pallet<T>, Twox64Concat, JobId, v4::OldJob<T>, OptionQuery>;

	/// Submissions of version 2 made their claim in the clear: it is kept, as revealed.
	pub struct VersionUncheckedMigrateV2ToV3<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for VersionUncheckedMigrateV2ToV3<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut jobs = 0u64;
			// Written in version 3's layout, which `v4` then translates.
			Jobs::<T>::translate::<OldJob<T>, _>(|_, old| {
				jobs += 1;
				Some(v4::OldJob {
					poster: old.poster,
					spec: old.spec,
					base_score: old.base_score,
					delta: old.delta,
					reward: old.reward,
					evaluator_fee: old.evaluator_fee,
					protocol_fee: old.protocol_fee,
					stage: old.stage.into(),
					due: old.due,
					deposit: old.deposit,
					timeouts: old.timeouts,
					trainer_collateral: old.trainer_collateral,
					evaluator_collateral: old.evaluator_collateral,
				})
			});
			T::DbWeight::get().reads_writes(jobs, jobs)
		}
		// No `post_upgrade` check: the invariants read jobs in the current layout, which `v4`
		// writes (and checks).
	}

	/// [`VersionUncheckedMigrateV2ToV3`], run only at storage version 2, which it sets to 3.
	pub type MigrateV2ToV3<T> = VersionedMigration<
		2,
		3,
		VersionUncheckedMigrateV2ToV3<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// Version 4: a job trains a set of slots, adopted together, and a submission brings one
/// candidate per slot.
pub mod v4 {
	use super::v5::{OldJobDatasets, OldJobSpec as V4JobSpec};
	use super::*;
	use crate::types::Seat;
	use aiblock_primitives::{
		dag::BlockKind,
		jobs::{HyperParams, JobSlot, JobSlots, Windows},
	};

	/// A job spec as versions 0 to 3 stored it: one slot and its base.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	pub struct OldJobSpec {
		pub model: aiblock_primitives::dag::ModelIndex,
		pub kind: BlockKind,
		pub base: H256,
		pub datasets: OldJobDatasets,
		pub hyper: HyperParams,
		pub steps: u32,
		pub trainers: u32,
		pub evaluators: u32,
		pub min_vram_gib: u32,
		pub windows: Windows,
	}

	impl From<OldJobSpec> for V4JobSpec {
		/// The one slot as a set of one.
		fn from(old: OldJobSpec) -> V4JobSpec {
			V4JobSpec {
				model: old.model,
				slots: JobSlots::truncate_from(alloc::vec![JobSlot {
					kind: old.kind,
					base: old.base
				}]),
				datasets: old.datasets,
				hyper: old.hyper,
				steps: old.steps,
				trainers: old.trainers,
				evaluators: old.evaluators,
				min_vram_gib: old.min_vram_gib,
				windows: old.windows,
			}
		}
	}

	/// A submission as version 3 stored it: one candidate.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	pub struct OldSubmission {
		pub candidate: H256,
		pub claim: Claim,
		pub manifest: Payload,
		pub checkpoint_root: H256,
		pub revision: u32,
	}

	/// An evaluation as version 3 stored it.
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
		pub context_held: bool,
	}

	/// A stage as version 3 stored it (its size, like the current `Stage`'s, is the layout's).
	#[derive(Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo)]
	#[scale_info(skip_type_params(T))]
	#[allow(clippy::large_enum_variant)]
	pub enum OldStage<T: Config> {
		Open { deadline: BlockNumberFor<T> },
		Training { trainer: T::AccountId, deadline: BlockNumberFor<T>, revision: u32 },
		Evaluating(OldEvaluation<T>),
	}

	/// A job as version 3 stored it.
	#[derive(Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo)]
	#[scale_info(skip_type_params(T))]
	pub struct OldJob<T: Config> {
		pub poster: T::AccountId,
		pub spec: OldJobSpec,
		pub base_score: Score,
		pub delta: Score,
		pub reward: BalanceOf<T>,
		pub evaluator_fee: BalanceOf<T>,
		pub protocol_fee: BalanceOf<T>,
		pub stage: OldStage<T>,
		pub due: BlockNumberFor<T>,
		pub deposit: BalanceOf<T>,
		pub timeouts: u32,
		pub trainer_collateral: BalanceOf<T>,
		pub evaluator_collateral: BalanceOf<T>,
	}

	impl<T: Config> From<OldStage<T>> for Stage<T> {
		/// The one candidate as a set of one.
		fn from(old: OldStage<T>) -> Self {
			match old {
				OldStage::Open { deadline } => Stage::Open { deadline },
				OldStage::Training { trainer, deadline, revision } => {
					Stage::Training { trainer, deadline, revision }
				},
				OldStage::Evaluating(e) => {
					let OldSubmission { candidate, claim, manifest, checkpoint_root, revision } =
						e.submission;
					Stage::Evaluating(Evaluation {
						trainer: e.trainer,
						submission: Submission {
							candidates: Candidates::truncate_from(alloc::vec![candidate]),
							claim,
							manifest,
							checkpoint_root,
							revision,
						},
						submitted_at: e.submitted_at,
						panel: e.panel,
						seed: e.seed,
						commit_deadline: e.commit_deadline,
						reveal_deadline: e.reveal_deadline,
						context_held: e.context_held,
					})
				},
			}
		}
	}

	/// Jobs of version 3 train one slot: it becomes a set of one, and a submitted candidate a
	/// list of one.
	pub struct VersionUncheckedMigrateV3ToV4<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for VersionUncheckedMigrateV3ToV4<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut jobs = 0u64;
			// Written in version 4's layout, which `v5` then translates.
			let ids: alloc::vec::Vec<JobId> = Jobs::<T>::iter_keys().collect();
			for id in ids {
				let key = Jobs::<T>::hashed_key_for(id);
				let Some(old) = frame_support::storage::unhashed::get::<OldJob<T>>(&key) else {
					frame_support::storage::unhashed::kill(&key);
					continue;
				};
				jobs += 1;
				let new = super::v5::OldJob::<T> {
					poster: old.poster,
					spec: old.spec.into(),
					base_score: old.base_score,
					delta: old.delta,
					reward: old.reward,
					evaluator_fee: old.evaluator_fee,
					protocol_fee: old.protocol_fee,
					stage: old.stage.into(),
					due: old.due,
					deposit: old.deposit,
					timeouts: old.timeouts,
					trainer_collateral: old.trainer_collateral,
					evaluator_collateral: old.evaluator_collateral,
				};
				frame_support::storage::unhashed::put(&key, &new);
			}
			T::DbWeight::get().reads_writes(jobs, jobs)
		}
	}

	/// [`VersionUncheckedMigrateV3ToV4`], run only at storage version 3, which it sets to 4.
	pub type MigrateV3ToV4<T> = VersionedMigration<
		3,
		4,
		VersionUncheckedMigrateV3ToV4<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// Version 5: a job names approved datasets of the Datasets pallet, each with its part of the
/// mix, and says whether it allows Experimental ones.
pub mod v5 {
	use super::*;
	use aiblock_primitives::{
		dag::{Cid, Score},
		jobs::{
			HyperParams, JobDataset, JobDatasets, JobSlots, Windows, MAX_JOB_DATASETS,
			UNGOVERNED_DATASET,
		},
	};

	/// The datasets of a job as versions 0 to 4 stored them: CIDs, governed by nobody.
	pub type OldJobDatasets = BoundedVec<Cid, ConstU32<MAX_JOB_DATASETS>>;

	/// A job spec as version 4 stored it.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	pub struct OldJobSpec {
		pub model: aiblock_primitives::dag::ModelIndex,
		pub slots: JobSlots,
		pub datasets: OldJobDatasets,
		pub hyper: HyperParams,
		pub steps: u32,
		pub trainers: u32,
		pub evaluators: u32,
		pub min_vram_gib: u32,
		pub windows: Windows,
	}

	impl From<OldJobSpec> for JobSpec {
		/// Each CID becomes an ungoverned dataset of one part: such a job is not accepted any
		/// more (no dataset has the id) and, once adopted, pays no data contributor.
		fn from(old: OldJobSpec) -> JobSpec {
			let datasets = old
				.datasets
				.into_iter()
				.map(|cid| JobDataset { id: UNGOVERNED_DATASET, cid, parts: 1 })
				.collect::<alloc::vec::Vec<_>>();
			JobSpec {
				model: old.model,
				slots: old.slots,
				datasets: JobDatasets::truncate_from(datasets),
				allow_experimental: false,
				hyper: old.hyper,
				steps: old.steps,
				trainers: old.trainers,
				evaluators: old.evaluators,
				min_vram_gib: old.min_vram_gib,
				windows: old.windows,
			}
		}
	}

	/// A job as version 4 stored it.
	#[derive(Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo)]
	#[scale_info(skip_type_params(T))]
	pub struct OldJob<T: Config> {
		pub poster: T::AccountId,
		pub spec: OldJobSpec,
		pub base_score: Score,
		pub delta: Score,
		pub reward: BalanceOf<T>,
		pub evaluator_fee: BalanceOf<T>,
		pub protocol_fee: BalanceOf<T>,
		pub stage: Stage<T>,
		pub due: BlockNumberFor<T>,
		pub deposit: BalanceOf<T>,
		pub timeouts: u32,
		pub trainer_collateral: BalanceOf<T>,
		pub evaluator_collateral: BalanceOf<T>,
	}

	/// Jobs of version 4 name CIDs: they become ungoverned datasets.
	pub struct VersionUncheckedMigrateV4ToV5<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for VersionUncheckedMigrateV4ToV5<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut jobs = 0u64;
			Jobs::<T>::translate::<OldJob<T>, _>(|_, old| {
				jobs += 1;
				Some(Job {
					poster: old.poster,
					spec: old.spec.into(),
					base_score: old.base_score,
					delta: old.delta,
					reward: old.reward,
					evaluator_fee: old.evaluator_fee,
					protocol_fee: old.protocol_fee,
					stage: old.stage,
					due: old.due,
					deposit: old.deposit,
					timeouts: old.timeouts,
					trainer_collateral: old.trainer_collateral,
					evaluator_collateral: old.evaluator_collateral,
				})
			});
			T::DbWeight::get().reads_writes(jobs, jobs)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			Pallet::<T>::do_try_state()
		}
	}

	/// [`VersionUncheckedMigrateV4ToV5`], run only at storage version 4, which it sets to 5.
	pub type MigrateV4ToV5<T> = VersionedMigration<
		4,
		5,
		VersionUncheckedMigrateV4ToV5<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::mock::*;
	use frame_support::traits::OnRuntimeUpgrade;

	/// A one-slot spec in the layout versions 0 to 3 stored.
	fn old_spec(spec: &JobSpec) -> v4::OldJobSpec {
		let slot = spec.slots[0];
		v4::OldJobSpec {
			model: spec.model,
			kind: slot.kind,
			base: slot.base,
			datasets: v5::OldJobDatasets::truncate_from(
				spec.datasets.iter().map(|d| d.cid.clone()).collect(),
			),
			hyper: spec.hyper,
			steps: spec.steps,
			trainers: spec.trainers,
			evaluators: spec.evaluators,
			min_vram_gib: spec.min_vram_gib,
			windows: spec.windows,
		}
	}

	/// `job` as the migrations leave it: its datasets ungoverned (see [`v5`]).
	fn ungoverned(job: Job<Test>) -> Job<Test> {
		let spec: JobSpec = v5::OldJobSpec {
			model: job.spec.model,
			slots: job.spec.slots.clone(),
			datasets: v5::OldJobDatasets::truncate_from(
				job.spec.datasets.iter().map(|d| d.cid.clone()).collect(),
			),
			hyper: job.spec.hyper,
			steps: job.spec.steps,
			trainers: job.spec.trainers,
			evaluators: job.spec.evaluators,
			min_vram_gib: job.spec.min_vram_gib,
			windows: job.spec.windows,
		}
		.into();
		Job { spec, ..job }
	}

	fn post_two_jobs() -> alloc::vec::Vec<(JobId, Job<Test>)> {
		let budget = MIN_REWARD + 3 * EVALUATOR_FEE;
		for _ in 0..2 {
			assert!(
				Pallet::<Test>::post_job(RuntimeOrigin::signed(POSTER), job_spec(), budget).is_ok()
			);
		}
		crate::Jobs::<Test>::iter().collect()
	}

	/// One posted job (the other of [`post_two_jobs`] cancelled, so that only the job a test
	/// rewrites in an old layout is stored).
	fn one_open_job() -> (JobId, Job<Test>) {
		let mut jobs = post_two_jobs();
		let (other, _) = jobs.pop().expect("two jobs");
		assert!(Pallet::<Test>::cancel_job(RuntimeOrigin::signed(POSTER), other).is_ok());
		jobs.remove(0)
	}

	/// A job posted, accepted and submitted (one candidate), with its evaluation.
	fn one_job_under_evaluation() -> (JobId, Job<Test>, Evaluation<Test>) {
		let (id, _) = one_open_job();
		assert!(Pallet::<Test>::accept_job(RuntimeOrigin::signed(TRAINER), id).is_ok());
		let revision = <ExpertDag as QualityGate<AccountId>>::state(0).unwrap().revision;
		assert!(Pallet::<Test>::submit_result(
			RuntimeOrigin::signed(TRAINER),
			id,
			vec![payload(0xc0)].try_into().unwrap(),
			H256::repeat_byte(1),
			payload(0xa0),
			H256::repeat_byte(2),
			Default::default(),
			revision,
		)
		.is_ok());
		let job = crate::Jobs::<Test>::get(id).expect("under evaluation");
		let Stage::Evaluating(e) = job.stage.clone() else { panic!("under evaluation") };
		(id, job, e)
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
					spec: old_spec(&job.spec),
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
			v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();
			v4::MigrateV3ToV4::<Test>::on_runtime_upgrade();
			v5::MigrateV4ToV5::<Test>::on_runtime_upgrade();
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 5);
			assert_eq!(crate::Jobs::<Test>::iter().collect::<alloc::vec::Vec<_>>().len(), 2);
			for (id, job) in new {
				let migrated = crate::Jobs::<Test>::get(id).expect("kept");
				assert_eq!(ungoverned(Job { deposit: 0, ..job }), migrated);
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
					spec: old_spec(&job.spec),
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
			v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();
			v4::MigrateV3ToV4::<Test>::on_runtime_upgrade();
			v5::MigrateV4ToV5::<Test>::on_runtime_upgrade();
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 5);
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

	#[test]
	fn v2_claims_made_in_the_clear_stay_revealed() {
		ExtBuilder::default().build_and_execute(|| {
			let (id, job, e) = one_job_under_evaluation();
			let old_submission = v3::OldSubmission {
				candidate: e.submission.candidates[0],
				claimed: 1_234_567,
				manifest: e.submission.manifest.clone(),
				checkpoint_root: e.submission.checkpoint_root,
				revision: e.submission.revision,
			};
			let old = v3::OldJob::<Test> {
				poster: job.poster,
				spec: old_spec(&job.spec),
				base_score: job.base_score,
				delta: job.delta,
				reward: job.reward,
				evaluator_fee: job.evaluator_fee,
				protocol_fee: job.protocol_fee,
				stage: v3::OldStage::Evaluating(v3::OldEvaluation {
					trainer: e.trainer,
					submission: old_submission,
					submitted_at: e.submitted_at,
					panel: e.panel.clone(),
					seed: e.seed,
					commit_deadline: e.commit_deadline,
					reveal_deadline: e.reveal_deadline,
				}),
				due: job.due,
				deposit: job.deposit,
				timeouts: job.timeouts,
				trainer_collateral: job.trainer_collateral,
				evaluator_collateral: job.evaluator_collateral,
			};
			frame_support::storage::unhashed::put(&crate::Jobs::<Test>::hashed_key_for(id), &old);
			StorageVersion::new(2).put::<Pallet<Test>>();

			v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();
			v4::MigrateV3ToV4::<Test>::on_runtime_upgrade();
			v5::MigrateV4ToV5::<Test>::on_runtime_upgrade();
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 5);
			let mut expected = e;
			expected.submission.claim = Claim::Revealed(1_234_567);
			assert_eq!(
				crate::Jobs::<Test>::get(id).expect("kept"),
				ungoverned(Job { stage: Stage::Evaluating(expected), ..job })
			);
		});
	}

	#[test]
	fn v3_jobs_train_a_set_of_one_slot() {
		ExtBuilder::default().build_and_execute(|| {
			let (id, job, e) = one_job_under_evaluation();
			let old = v4::OldJob::<Test> {
				poster: job.poster,
				spec: old_spec(&job.spec),
				base_score: job.base_score,
				delta: job.delta,
				reward: job.reward,
				evaluator_fee: job.evaluator_fee,
				protocol_fee: job.protocol_fee,
				stage: v4::OldStage::Evaluating(v4::OldEvaluation {
					trainer: e.trainer,
					submission: v4::OldSubmission {
						candidate: e.submission.candidates[0],
						claim: e.submission.claim,
						manifest: e.submission.manifest.clone(),
						checkpoint_root: e.submission.checkpoint_root,
						revision: e.submission.revision,
					},
					submitted_at: e.submitted_at,
					panel: e.panel.clone(),
					seed: e.seed,
					commit_deadline: e.commit_deadline,
					reveal_deadline: e.reveal_deadline,
					context_held: e.context_held,
				}),
				due: job.due,
				deposit: job.deposit,
				timeouts: job.timeouts,
				trainer_collateral: job.trainer_collateral,
				evaluator_collateral: job.evaluator_collateral,
			};
			frame_support::storage::unhashed::put(&crate::Jobs::<Test>::hashed_key_for(id), &old);
			StorageVersion::new(3).put::<Pallet<Test>>();

			v4::MigrateV3ToV4::<Test>::on_runtime_upgrade();
			v5::MigrateV4ToV5::<Test>::on_runtime_upgrade();
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 5);
			let migrated = crate::Jobs::<Test>::get(id).expect("kept");
			assert_eq!(
				migrated,
				ungoverned(job),
				"the one slot and its candidate, as a set of one"
			);
			assert_eq!(migrated.spec.slots.len(), 1);
		});
	}

	#[test]
	fn v4_jobs_train_on_ungoverned_data_that_is_no_longer_accepted() {
		ExtBuilder::default().build_and_execute(|| {
			let (id, job) = one_open_job();
			let old = v5::OldJob::<Test> {
				poster: job.poster,
				spec: v5::OldJobSpec {
					model: job.spec.model,
					slots: job.spec.slots.clone(),
					datasets: v5::OldJobDatasets::truncate_from(vec![cid(0x42), cid(0x43)]),
					hyper: job.spec.hyper,
					steps: job.spec.steps,
					trainers: job.spec.trainers,
					evaluators: job.spec.evaluators,
					min_vram_gib: job.spec.min_vram_gib,
					windows: job.spec.windows,
				},
				base_score: job.base_score,
				delta: job.delta,
				reward: job.reward,
				evaluator_fee: job.evaluator_fee,
				protocol_fee: job.protocol_fee,
				stage: job.stage.clone(),
				due: job.due,
				deposit: job.deposit,
				timeouts: job.timeouts,
				trainer_collateral: job.trainer_collateral,
				evaluator_collateral: job.evaluator_collateral,
			};
			frame_support::storage::unhashed::put(&crate::Jobs::<Test>::hashed_key_for(id), &old);
			StorageVersion::new(4).put::<Pallet<Test>>();

			v5::MigrateV4ToV5::<Test>::on_runtime_upgrade();
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 5);
			let migrated = crate::Jobs::<Test>::get(id).expect("kept");
			let ids: alloc::vec::Vec<_> =
				migrated.spec.datasets.iter().map(|d| (d.id, d.cid.clone(), d.parts)).collect();
			assert_eq!(
				ids,
				vec![
					(aiblock_primitives::jobs::UNGOVERNED_DATASET, cid(0x42), 1),
					(aiblock_primitives::jobs::UNGOVERNED_DATASET, cid(0x43), 1)
				]
			);
			assert!(!migrated.spec.allow_experimental);
			// Nobody governs its data: no trainer takes it on.
			assert_eq!(
				Pallet::<Test>::accept_job(RuntimeOrigin::signed(TRAINER), id).map_err(|e| e.error),
				Err(Error::<Test>::UnknownDataset.into())
			);
		});
	}
}
