//! # Jobs pallet
//!
//! The job manager, and the only path by which a trained block becomes current in the ExpertDag:
//! clients post training jobs with escrowed payment, a registered trainer takes one on with
//! collateral, evaluators drawn at random attest the candidate's validation score with
//! commit–reveal, and the median of their scores decides adoption through the
//! [`QualityGate`](aiblock_primitives::dag::QualityGate).
//!
//! ## Life of a job
//! 1. [`Pallet::post_job`]: the poster names a parameter slot and its current block (the base),
//!    approved datasets of the Datasets pallet and their mix (Experimental ones only when the
//!    job allows them; see *Data*), hyper-parameters, steps, the evaluator panel size (odd, ≥ 3), minimum GPU memory
//!    and the length of each stage. `budget` (the trainer's reward plus
//!    [`Config::EvaluatorFee`] per evaluator), the protocol fee ([`Config::ProtocolFee`] of
//!    the budget) and the [`Config::TimeoutDeposit`] are held from the poster
//!    ([`HoldReason::Escrow`]); the [`Config::PostingFee`] goes to the treasury and is not
//!    refunded. [`Pallet::cancel_job`] refunds what is held while nobody has accepted; so does
//!    expiry.
//! 2. [`Pallet::accept_job`]: an active trainer with enough GPU memory and quota left takes the
//!    job; [`Config::TrainerCollateral`] of its stake (more on a large job:
//!    [`Config::CollateralPerReward`]) is committed to it.
//! 3. [`Pallet::submit_result`]: the trainer's candidate enters the ExpertDag as pending, with its
//!    claimed score sealed (see *Sealed claims*), the training manifest, the checkpoint Merkle
//!    root and the model revision it was trained against (see *The evaluation context*). A
//!    trainer that misses the submission deadline is slashed its collateral and paid the
//!    poster's timeout deposit; the job reopens for another trainer if the poster can hold a
//!    new deposit, and closes (the rest refunded) after [`Config::MaxTimeouts`] missed
//!    deadlines.
//! 4. The evaluator panel is drawn in a later block (see *Randomness*), each evaluator committing
//!    [`Config::EvaluatorCollateral`]. Evaluators [`Pallet::commit_attestation`] a hash of their
//!    attestation (score, replay verdict, salt), then [`Pallet::reveal_attestation`] it; the
//!    trainer [`Pallet::reveal_claim`]s its claim once the commitments are closed.
//! 5. When every committed evaluator and the trainer have revealed, or at the reveal deadline,
//!    [`aiblock_primitives::jobs::settle`] judges the job: adoption when the median beats the
//!    base score by the model's delta, the claim is within [`Config::ScoreTolerance`] of the
//!    median and the majority of replays reproduced; payments from the escrow to the trainer,
//!    every honest evaluator and the treasury, the rest back to the poster; slashing of a refuted
//!    trainer (the honest evaluators, who proved the fault, share the reporter's part of its
//!    slash), of evaluators far from the median and of evaluators who never revealed; outcomes
//!    recorded in the worker registry.
//!
//! ## Data
//! A job trains on datasets the [`Config::Datasets`] registry approved (Gold or Silver; an
//! Experimental one only when the job sets `allow_experimental`), each named with its content
//! CID (checked against the registry, so that workers need nothing but the job) and its
//! `parts` of the mix: a training token comes from a dataset with probability
//! `parts / Σ parts`. A dataset quarantined after the posting stops the job being accepted.
//! When a job's candidates are adopted, [`Config::DataShare`] of the trainer's reward goes to
//! the datasets' proposers, split by their parts
//! ([`aiblock_primitives::jobs::data_rewards`]); nothing is paid for data otherwise, so
//! unused datasets cost nothing. Jobs stored before version 5 name ungoverned data
//! ([`aiblock_primitives::jobs::UNGOVERNED_DATASET`]): they are no longer accepted, and an
//! adoption of one already under way pays its whole reward to the trainer.
//!
//! ## What a hostile poster cannot do
//! - **Ask for impossible windows.** Each window must be at least [`min_windows`] of the
//!   [`Config::ReferenceWorker`] (finality lag, inclusion, transfers, training `steps` and
//!   evaluating, for the size of the trained block), `steps` at most [`Config::MaxSteps`],
//!   the batch at most [`Config::MaxBatchSize`] tokens (and, on a transformer, at most
//!   [`Config::MaxAttentionScores`] attention probabilities a step), the checkpoints at most
//!   [`Config::MaxCheckpoints`]: no job, and no open submission, can
//!   draw honest evaluators into a deadline they cannot keep or a replay they cannot hold in
//!   memory.
//! - **Set traps for free.** A job whose trainers keep missing its deadline pays each of them
//!   the timeout deposit and closes after [`Config::MaxTimeouts`].
//! - **Fill the job cap.** Each account has at most [`Config::MaxJobsPerPoster`] open jobs, each
//!   posting costs the non-refundable [`Config::PostingFee`], and a job must ask for no more
//!   GPU memory than some registered trainer has.
//!
//! ## The evaluation context
//! A job trains a set of slots (one block, a layer's experts, or every slot of a small model)
//! whose candidates are adopted together or not at all; they are trained and scored inside the
//! whole model. Each submission
//! therefore pins the model's revision ([`aiblock_primitives::dag::ModelState`]: one assignment of
//! blocks to every slot, and the score of the model in that state), and the gain is measured
//! against that state's score, not the slot block's own (older) score. Evaluators replay and score
//! in exactly the pinned state. If any candidate of the model is adopted before the attestations
//! are bound (the first reveal, once no seat can commit any more, finds the model still in the
//! pinned state), the pinned state is gone: the job is void, nobody is slashed and the escrow is
//! refunded. An adoption after that only forbids this candidate's adoption: the attestations, all
//! committed in the pinned state, still judge the trainer and the evaluators, so a trainer cannot
//! withhold its claim, or an evaluator its reveal, until the deadline in the hope that a move
//! elsewhere voids its slash. A trainer whose model moves on while it trains is released without a
//! slash, whether it submits (naming the revision it trained against) or lets its deadline pass, so
//! submitting junk after the move changes nothing for it: the job reopens for a trainer of the new
//! state, or is void if its own base block was replaced. Such a trainer gains nothing (no reward,
//! its quota spent) and the poster keeps its job.
//!
//! ## Sealed claims
//! The trainer's claimed score is checked against the evaluators' median, so an evaluator who
//! saw it could echo it instead of evaluating. A submission therefore carries only
//! [`claim_commitment`](aiblock_primitives::jobs::claim_commitment)`(trainer, manifest hash,
//! score, salt)`, and the trainer reveals the score with [`Pallet::reveal_claim`] only when
//! reveals open: every evaluator has committed or the commit window is over, so no evaluator
//! can learn the claim before its own attestation is fixed. A trainer that sees the
//! evaluators' reveals and withholds a claim they would refute gains nothing: a claim still
//! sealed at the verdict is slashed like a refuted one (`ClaimWithheld`), with the honest
//! evaluators sharing the reporter's part.
//!
//! [`Pallet::submit_candidate`] is an open submission without a posted job ("partial mining"):
//! the submitter is poster and trainer at once, escrows only the evaluation fees and starts at
//! step 4.
//!
//! ## Randomness
//! The panel is drawn from `blake2_256(parent_hash ‖ job ‖ candidate)` in a block after the one
//! that included the submission: the hash did not exist when the trainer signed its submission,
//! so the trainer cannot steer the seed (it can only submit or not). The pool the seed picks
//! from is fixed before the seed exists, and nobody can reorder it afterwards:
//! - only evaluators listed since before the submission's block count
//!   ([`WorkerRegistry::sample`]), so registering accounts (or adding the evaluator role, or
//!   coming back online) after seeing the seed does not enter them;
//! - evaluators are taken by lowest `blake2_256(seed ‖ account)`, a place that depends on the
//!   seed and the account alone: dropping the role after seeing the seed only gives up one's own
//!   place and moves nobody else ahead.
//!
//! What remains is the author of the block whose hash seeds the draw: it can try several block
//! contents and keep the one whose hash draws a friendlier panel, as many as it can build in
//! its slot. Aura's authors are the known validator set and their slots are known in advance,
//! so a validator colluding with a trainer gets the best of N draws instead of one: if the
//! trainer controls a share `p` of the eligible evaluators, one panel of 3 has a colluding
//! majority with probability `3p² − 2p³` (2.8 % for p = 0.1); with N tries,
//! `1 − (1 − 3p² + 2p³)^N` (25 % for N = 10, 94 % for N = 100). The colluders' attestations are
//! still bonded and judged by the median, and every other job's panel is unaffected. A
//! VRF-based source (BABE) would remove this.
//!
//! ## The agenda
//! Every open job has exactly one entry in [`Agenda`], at the block where its current stage
//! needs attention: the accept or submit deadline, the next draw attempt, or the reveal
//! deadline. `on_idle` works through due entries in block order, as far as the block's spare
//! weight allows, charging each step its benchmarked weight. A stage that ends early (a job
//! accepted, cancelled, or all reveals in) moves or removes its entry. Since at most
//! [`Config::MaxLiveJobs`] jobs exist and the agenda can hold that many in any window of
//! [`Config::MaxScheduleShift`] consecutive blocks, scheduling never fails.
//!
//! ## Invariants
//! 1. For every account, the balance held under [`HoldReason::Escrow`] equals the escrow and
//!    timeout deposits of its open jobs; [`JobsOfPoster`] counts its open jobs. No deposit is
//!    above [`Config::TimeoutDeposit`] and no open job has [`Config::MaxTimeouts`] timeouts.
//! 2. [`Assigned`] equals, for every account, the number of open jobs it is trainer or panel
//!    member of, and the collateral those assignments committed (each job's own trainer and
//!    evaluator collateral, never below [`Config::TrainerCollateral`] and
//!    [`Config::EvaluatorCollateral`]); no empty entry is kept.
//! 3. Every assigned account has at least `min(collateral, active stake)` committed in Stake.
//! 4. Every open job has exactly one agenda entry, at its `due` block, not behind the cursor;
//!    the agenda holds no other entries and [`LiveJobs`] counts the open jobs.
//! 5. A panel has no duplicate, never contains the trainer or the poster, is no larger than
//!    the job asks, and a revealed attestation always had a commitment.
//! 6. A job names at least one slot and none twice; a submission under evaluation has exactly
//!    one candidate per slot.
//! 7. [`Outcomes`] holds only ids among the last [`Config::OutcomesKept`] issued, and none of
//!    a job still open.
//!
//! They are checked in `try_state`, which the unit tests run after every test.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod invariants;
pub mod migrations;
#[cfg(test)]
mod mock;
mod settlement;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

pub use types::*;

use aiblock_primitives::{
	credits::{Contribution, MintCredits},
	dag::{ModelState, Payload, QualityGate, Score},
	datasets::{DatasetId, DatasetsInspect, Unusable},
	jobs::{
		min_windows, Attestation, Candidates, Claim, JobId, JobSpec, Submission, TrainableModels,
		TrainedWith, WorkRates, MAX_JOB_DATASETS, MAX_JOB_SLOTS,
	},
	rewards::{LearningRewards, RewardCause, Rewardees},
	stake::{Slash, StakeCollateral},
	workers::{AssignmentsInspect, Role, WorkerRegistry},
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{self, Inspect, MutateHold},
		tokens::{Fortitude, Preservation},
	},
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::{
	traits::{Saturating, Zero},
	Perbill,
};

/// The balance type of the configured currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Sets up what the benchmarks need from the pallets behind the traits.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Fund `who`, bond for it and register it as an online worker with `role` and a large GPU.
	fn make_worker(who: &AccountId, role: Role);

	/// Import `spec` (a model this runtime's workers can train) as the next version, every slot
	/// filled and scored `score`, and return its index: the benchmarks' jobs name up to
	/// `MAX_JOB_SLOTS` of its slots.
	fn import_model(
		spec: aiblock_primitives::dag::ModelSpec,
		score: Score,
	) -> Result<aiblock_primitives::dag::ModelIndex, DispatchError>;

	/// The id of an approved (Gold) dataset of content `cid`, proposed by `proposer` (funded
	/// to exist), entered on first use: the benchmarks' jobs train on `MAX_JOB_DATASETS` of
	/// them.
	fn approve_dataset(cid: aiblock_primitives::dag::Cid, proposer: &AccountId) -> DatasetId;
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// Version 1: timeout deposits and per-poster counts ([`migrations::v1`]). Version 2:
	/// submissions pin a model revision, jobs carry their collateral ([`migrations::v2`]).
	/// Version 3: sealed claims, attestations bound in context ([`migrations::v3`]). Version 4:
	/// jobs train sets of slots ([`migrations::v4`]). Version 5: jobs name approved datasets
	/// and their mix ([`migrations::v5`]).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(5);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency escrows are held in.
		type Currency: fungible::Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, of which [`HoldReason`] is part.
		type RuntimeHoldReason: From<HoldReason>;

		/// Collateral and slashing of worker stake.
		type Stake: StakeCollateral<Self::AccountId, Balance = BalanceOf<Self>>
			+ Slash<Self::AccountId, Balance = BalanceOf<Self>>;

		/// Who may train and evaluate, and their track record.
		type Registry: WorkerRegistry<Self::AccountId, BlockNumber = BlockNumberFor<Self>>;

		/// The ExpertDag's quality gate.
		type Gate: QualityGate<Self::AccountId>;

		/// Receives the protocol fees.
		type Treasury: Get<Self::AccountId>;

		/// The protocol's fee, as a share of a job's budget, on top of it.
		#[pallet::constant]
		type ProtocolFee: Get<Perbill>;

		/// What each honest evaluator earns per job.
		#[pallet::constant]
		type EvaluatorFee: Get<BalanceOf<Self>>;

		/// The smallest reward a posted job may offer its trainer.
		#[pallet::constant]
		type MinReward: Get<BalanceOf<Self>>;

		/// Stake a trainer commits to a job, and loses if it cheats or misses its deadline.
		#[pallet::constant]
		type TrainerCollateral: Get<BalanceOf<Self>>;

		/// Stake an evaluator commits to a job, and loses if it lies or never reveals.
		#[pallet::constant]
		type EvaluatorCollateral: Get<BalanceOf<Self>>;

		/// On a job whose reward is large, the trainer commits at least this share of the
		/// reward, and the evaluators together as much: adopting junk by collusion puts more
		/// stake at risk than the reward it would win.
		#[pallet::constant]
		type CollateralPerReward: Get<Perbill>;

		/// How far (µnat/byte) a claim or an attestation may be from the median and still
		/// count as honest.
		#[pallet::constant]
		type ScoreTolerance: Get<Score>;

		/// Largest evaluator panel.
		#[pallet::constant]
		type MaxEvaluators: Get<u32>;

		/// Longest stage window a job may ask for, in blocks.
		#[pallet::constant]
		type MaxWindow: Get<u32>;

		/// The slowest worker the windows must leave time for: each window a job asks for is at
		/// least [`min_windows`] of it.
		type ReferenceWorker: Get<WorkRates>;

		/// The models workers can train and replay (by architecture and shape), and how many
		/// slots of one a job may train together: jobs on any other model, or on more slots,
		/// are refused, so no evaluator is ever drawn for a candidate it cannot judge (and
		/// slashed for the attestation it could not give).
		type Trainable: TrainableModels;

		/// The dataset registry: jobs train only on datasets it approves, and its proposers
		/// share the reward of an adopted job.
		type Datasets: DatasetsInspect<Self::AccountId>;

		/// The data contributors' share of an adopted job's trainer reward, split between the
		/// job's datasets by their parts of the mix.
		#[pallet::constant]
		type DataShare: Get<Perbill>;

		/// PoL credits for what a verdict proves: the adopted trainer's gain, each honest
		/// evaluation, and each evaluator's part in proving a trainer's fraud.
		type Credits: MintCredits<Self::AccountId>;

		/// The learning reward the network mints for an adoption (on top of the poster's
		/// reward), shared by the trainer, the honest evaluators and the datasets' proposers.
		type Rewards: LearningRewards<Self::AccountId>;

		/// Most training steps a job may ask for.
		#[pallet::constant]
		type MaxSteps: Get<u32>;

		/// Most tokens a job's training batch may have. Every evaluator replays the job's
		/// batches, so this bounds the memory a poster (with a trainer in league) can make every
		/// evaluator drawn for the job allocate.
		#[pallet::constant]
		type MaxBatchSize: Get<u32>;

		/// Most attention probabilities one training step of a transformer job may keep
		/// (`ModelSpec::attention_scores`: batch × layers × heads × context): they grow with
		/// the square of the context, so a batch within `MaxBatchSize` could still be more
		/// than every evaluator drawn for the job can hold.
		#[pallet::constant]
		type MaxAttentionScores: Get<u64>;

		/// Most checkpoints a job's run may commit to (`steps / checkpoint_every`, rounded up):
		/// every evaluator reads the manifest that lists them.
		#[pallet::constant]
		type MaxCheckpoints: Get<u32>;

		/// Paid by the poster to the treasury for each posted job, whatever becomes of it: what
		/// occupying one of the `MaxLiveJobs` places costs.
		#[pallet::constant]
		type PostingFee: Get<BalanceOf<Self>>;

		/// Held from the poster with each posted job, and paid to a trainer that misses the
		/// submission deadline (see [`Job::deposit`]).
		#[pallet::constant]
		type TimeoutDeposit: Get<BalanceOf<Self>>;

		/// Missed submission deadlines after which a job closes instead of reopening.
		#[pallet::constant]
		type MaxTimeouts: Get<u32>;

		/// Most open jobs (posted or open submissions) one account may have.
		#[pallet::constant]
		type MaxJobsPerPoster: Get<u32>;

		/// How many of the most recent job ids keep their [`JobOutcome`] in [`Outcomes`] once
		/// they end (posting a job forgets the outcome of the id this many below it).
		#[pallet::constant]
		type OutcomesKept: Get<u32>;

		/// Blocks between two attempts to complete an incomplete panel.
		#[pallet::constant]
		type RedrawInterval: Get<u32>;

		/// Most jobs open at once.
		#[pallet::constant]
		type MaxLiveJobs: Get<u32>;

		/// Most agenda entries one block holds.
		#[pallet::constant]
		type MaxJobsPerBlock: Get<u32>;

		/// How many blocks past its due block an agenda entry may move when that block is full.
		/// `MaxJobsPerBlock × MaxScheduleShift` must be at least `MaxLiveJobs`.
		#[pallet::constant]
		type MaxScheduleShift: Get<u32>;

		/// The most active evaluators the registry returns (the Workers pallet's per-role
		/// limit): the draw reads them all, so it bounds the draw's weight.
		#[pallet::constant]
		type MaxEvaluatorPool: Get<u32>;

		/// Weights of this pallet's calls and hook steps.
		type WeightInfo: WeightInfo;

		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A job's payment, fees and protocol fee, held from its poster until the verdict.
		#[codec(index = 0)]
		Escrow,
	}

	/// The next job's id.
	#[pallet::storage]
	pub type NextJobId<T: Config> = StorageValue<_, JobId, ValueQuery>;

	/// How each ended job of the last [`Config::OutcomesKept`] ids ended: a job's record leaves
	/// [`Jobs`] when it ends, and a poster that cannot read events (a contract) reads this.
	#[pallet::storage]
	pub type Outcomes<T: Config> = StorageMap<_, Twox64Concat, JobId, JobOutcome, OptionQuery>;

	/// Open jobs. A job is removed when it is finalised, cancelled or expires.
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, Job<T>, OptionQuery>;

	/// Number of open jobs.
	#[pallet::storage]
	pub type LiveJobs<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Number of open jobs of each poster (no entry for none).
	#[pallet::storage]
	pub type JobsOfPoster<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, OptionQuery>;

	/// Jobs needing attention at a block (see *The agenda*).
	#[pallet::storage]
	pub type Agenda<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<JobId, T::MaxJobsPerBlock>,
		ValueQuery,
	>;

	/// The first block whose agenda `on_idle` has not finished.
	#[pallet::storage]
	pub type AgendaCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// What each worker is committed to; read by the Workers pallet so that nobody deregisters
	/// in the middle of a job.
	#[pallet::storage]
	pub type Assigned<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Assignment<BalanceOf<T>>, OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A job was posted; `held` (reward, evaluator fees and protocol fee) is in escrow.
		JobPosted {
			job: JobId,
			poster: T::AccountId,
			spec: JobSpec,
			reward: BalanceOf<T>,
			held: BalanceOf<T>,
		},
		/// The poster cancelled an unaccepted job; everything was refunded.
		JobCancelled { job: JobId },
		/// Nobody accepted the job in time; everything was refunded.
		JobExpired { job: JobId },
		/// `trainer` took the job on and must submit by `deadline`.
		JobAccepted { job: JobId, trainer: T::AccountId, deadline: BlockNumberFor<T> },
		/// A candidate was submitted (for a posted job or openly) and awaits its evaluators.
		ResultSubmitted { job: JobId, trainer: T::AccountId, submission: Submission },
		/// The model moved on from the state the candidate was (or was to be) trained against
		/// (the base block was superseded before the candidate came, or another candidate of
		/// the model was adopted before the attestations were bound): the job is void,
		/// everyone's collateral released and the escrow refunded; nobody is slashed.
		JobVoided { job: JobId },
		/// The model moved on while `trainer` trained: it is released without a slash and the
		/// job is open again, for the new state, until `deadline`.
		TrainingSuperseded { job: JobId, trainer: T::AccountId, deadline: BlockNumberFor<T> },
		/// The trainer missed its deadline and was slashed; the job is open again until
		/// `deadline`.
		TrainerTimedOut { job: JobId, trainer: T::AccountId, deadline: BlockNumberFor<T> },
		/// `timeouts` trainers missed the job's deadline (or the poster could not hold a new
		/// timeout deposit): the job is closed and the rest of its escrow refunded.
		JobClosed { job: JobId, timeouts: u32 },
		/// The panel is complete: commits until `commit_deadline`, reveals until
		/// `reveal_deadline`. Evaluators derive the segments they replay from `seed`.
		EvaluatorsDrawn {
			job: JobId,
			evaluators: BoundedVec<T::AccountId, T::MaxEvaluators>,
			seed: [u8; 32],
			commit_deadline: BlockNumberFor<T>,
			reveal_deadline: BlockNumberFor<T>,
		},
		/// An evaluator committed to its attestation.
		AttestationCommitted { job: JobId, evaluator: T::AccountId },
		/// An evaluator revealed its attestation.
		AttestationRevealed { job: JobId, evaluator: T::AccountId, attestation: Attestation },
		/// The trainer revealed the score it claimed for its candidate.
		ClaimRevealed { job: JobId, trainer: T::AccountId, claimed: Score },
		/// Not enough evaluators could be drawn in time: the candidate is rejected and the
		/// escrow refunded in full; nobody is judged.
		NoQuorum { job: JobId, candidates: Candidates<H256> },
		/// The verdict. `adopted`: the candidates are now current for their slots, all of
		/// them; otherwise none is.
		JobFinalized {
			job: JobId,
			candidates: Candidates<H256>,
			median: Option<Score>,
			adopted: bool,
			refuted: bool,
		},
		/// `amount` of a job's escrow was paid to `who` (trainer, evaluator or treasury).
		Paid { job: JobId, who: T::AccountId, amount: BalanceOf<T> },
		/// `amount` of an adopted job's reward was paid to `who`, the proposer of `dataset`
		/// the job trained on.
		DataRewardPaid { job: JobId, dataset: DatasetId, who: T::AccountId, amount: BalanceOf<T> },
		/// `amount` of a job's escrow went back to its poster.
		Refunded { job: JobId, who: T::AccountId, amount: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No open job has this id.
		UnknownJob,
		/// Only the job's poster may do this.
		NotPoster,
		/// The job is not waiting for a trainer.
		NotOpen,
		/// The job's accept window is over.
		AcceptWindowOver,
		/// A slot has no current block (unknown model or not a parameter slot).
		UnknownSlot,
		/// A base is not its slot's current block.
		BaseNotCurrent,
		/// A job names no slot, or the same slot twice.
		BadSlots,
		/// The job trains more slots of the model together than workers can
		/// (`Config::Trainable`).
		TooManySlots,
		/// The submission does not bring one candidate per slot of the job.
		WrongCandidateCount,
		/// A block the candidates were trained with (held frozen) is the base of one of the
		/// job's own slots, which were trained.
		TrainedWithOwnSlot,
		/// Only one trainer per job is supported.
		UnsupportedTrainerCount,
		/// The evaluator count must be odd, at least 3 and at most `MaxEvaluators`.
		BadEvaluatorCount,
		/// A stage window is zero or longer than `MaxWindow`.
		BadWindow,
		/// A stage window is shorter than the reference worker needs for the job's work (see
		/// `min_windows`).
		WindowTooShort,
		/// The job asks for more than `MaxSteps` training steps.
		TooManySteps,
		/// The job's batch has more than `MaxBatchSize` tokens, or, on a transformer, keeps more
		/// than `MaxAttentionScores` attention probabilities per step.
		BatchTooLarge,
		/// The job's run would commit to more than `MaxCheckpoints` checkpoints.
		TooManyCheckpoints,
		/// The caller already has `MaxJobsPerPoster` open jobs.
		TooManyJobsOfPoster,
		/// No registered trainer has as much GPU memory as the job asks for.
		NoTrainerHasVram,
		/// A job must train at least one step, with a non-zero batch and checkpoint interval.
		BadTrainingParams,
		/// The budget leaves the trainer less than `MinReward` after the evaluator fees.
		RewardTooLow,
		/// The free balance cannot cover the escrow (the existential deposit stays free).
		InsufficientBalance,
		/// The caller is not an active trainer.
		NotActiveTrainer,
		/// The caller's GPUs have less memory than the job needs.
		InsufficientVram,
		/// The caller is not this job's trainer, or the job is not in training.
		NotTrainer,
		/// The submission deadline has passed.
		SubmitWindowOver,
		/// The job is not under evaluation, or its panel is not complete yet.
		NotEvaluating,
		/// The caller has no seat on this job's panel.
		NotOnPanel,
		/// The caller already committed.
		AlreadyCommitted,
		/// The commit window is over.
		CommitWindowOver,
		/// Reveals open when every evaluator has committed or the commit window is over.
		RevealNotOpen,
		/// The reveal window is over.
		RevealWindowOver,
		/// The caller never committed, so it has nothing to reveal.
		NotCommitted,
		/// The caller already revealed (its attestation, or as trainer its claim).
		AlreadyRevealed,
		/// The reveal does not match the commitment (or the sealed claim).
		CommitmentMismatch,
		/// `MaxLiveJobs` jobs are open; try again later.
		TooManyJobs,
		/// The revision named is later than the model's current one.
		UnknownRevision,
		/// The revision named is earlier than the model's revision when the job was accepted.
		RevisionBeforeAcceptance,
		/// An open submission must be trained against the model's current revision.
		StaleRevision,
		/// The model's architecture, or its shape, is not one workers can train and replay:
		/// evaluators could not judge a candidate of it.
		ArchitectureNotTrainable,
		/// A job trains on at least one dataset.
		NoDataset,
		/// A dataset is named twice.
		DuplicateDataset,
		/// A dataset's part of the mix is zero.
		ZeroMixPart,
		/// No dataset has this id.
		UnknownDataset,
		/// The dataset is still being audited or voted on.
		DatasetNotApproved,
		/// The dataset was rejected.
		DatasetRejected,
		/// The dataset was quarantined by governance: no job may use it.
		DatasetQuarantined,
		/// The dataset is Experimental, and the job does not allow Experimental datasets.
		DatasetExperimental,
		/// The CID given for a dataset is not its content.
		DatasetContentMismatch,
	}

	impl<T> From<Unusable> for Error<T> {
		fn from(why: Unusable) -> Self {
			match why {
				Unusable::Unknown => Error::UnknownDataset,
				Unusable::NotApproved => Error::DatasetNotApproved,
				Unusable::Rejected => Error::DatasetRejected,
				Unusable::Quarantined => Error::DatasetQuarantined,
				Unusable::Experimental => Error::DatasetExperimental,
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::work_agenda(now, remaining)
		}

		fn integrity_test() {
			assert!(
				u64::from(T::MaxJobsPerBlock::get()) * u64::from(T::MaxScheduleShift::get())
					>= u64::from(T::MaxLiveJobs::get()),
				"the agenda cannot hold MaxLiveJobs entries in a MaxScheduleShift window"
			);
			assert!(T::MaxEvaluators::get() >= 3, "a panel needs at least three evaluators");
			assert!(T::RedrawInterval::get() >= 1, "RedrawInterval must be at least one block");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Post a training job (any signed origin). `budget` is the trainer's reward plus
		/// `EvaluatorFee` for each of `spec.evaluators`; it, the protocol fee and the
		/// `TimeoutDeposit` are held from the caller until the verdict, and the `PostingFee` is
		/// paid to the treasury for good.
		///
		/// Refused with `WindowTooShort` when a window is shorter than the reference worker needs
		/// for the job's work, `TooManySteps`, `BatchTooLarge`, `TooManyCheckpoints`, `NoTrainerHasVram` when no listed trainer has
		/// `min_vram_gib`, `TooManyJobsOfPoster`, `TooManyJobs`, `RewardTooLow` or
		/// `InsufficientBalance`, besides the spec checks (`BadWindow`, `BadEvaluatorCount`,
		/// `BadTrainingParams`, `BadSlots`, `UnknownSlot`, `BaseNotCurrent`,
		/// `ArchitectureNotTrainable`, `TooManySlots`).
		#[pallet::call_index(0)]
		// The benchmark's job asks for no GPU memory: add the trainers' memory census it skips.
		// And the outcome it forgets (see `Outcomes`).
		#[pallet::weight(T::WeightInfo::post_job(spec.slots.len() as u32)
			.saturating_add(T::DbWeight::get().reads_writes(1, 1)))]
		pub fn post_job(
			origin: OriginFor<T>,
			spec: JobSpec,
			#[pallet::compact] budget: BalanceOf<T>,
		) -> DispatchResult {
			let poster = ensure_signed(origin)?;
			let (base_score, delta) = Self::check_spec(&spec, true)?;
			ensure!(
				spec.min_vram_gib == 0 || T::Registry::trainer_offers_vram(spec.min_vram_gib),
				Error::<T>::NoTrainerHasVram
			);
			let fees = Self::evaluation_fees(&spec);
			let reward = budget.saturating_sub(fees);
			ensure!(budget >= fees && reward >= T::MinReward::get(), Error::<T>::RewardTooLow);
			let deadline = Self::after(spec.windows.accept);
			let mut job = Self::new_job(
				poster.clone(),
				spec.clone(),
				(base_score, delta),
				reward,
				Stage::Open { deadline },
				deadline,
			);
			job.deposit = T::TimeoutDeposit::get();
			let held = job.held();
			let id = Self::open(job)?;
			Self::charge_posting_fee(id, &poster)?;
			Self::deposit_event(Event::JobPosted { job: id, poster, spec, reward, held });
			Ok(())
		}

		/// Cancel an unaccepted job and get its escrow back.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::cancel_job().saturating_add(T::DbWeight::get().writes(1)))]
		pub fn cancel_job(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
			ensure!(record.poster == who, Error::<T>::NotPoster);
			ensure!(matches!(record.stage, Stage::Open { .. }), Error::<T>::NotOpen);
			Self::unschedule(job, record.due);
			Self::remove(job, &record, record.held(), JobOutcome::Cancelled);
			Self::deposit_event(Event::JobCancelled { job });
			Ok(())
		}

		/// Take on an open job as its trainer, committing the job's trainer collateral (at least
		/// `TrainerCollateral`) of stake and one unit of the daily quota. The model's revision
		/// now is the earliest the trainer may say it trained against.
		///
		/// Declares the weight of a job on `MAX_JOB_SLOTS` slots and charges that of the job's.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::accept_job(MAX_JOB_SLOTS))]
		pub fn accept_job(origin: OriginFor<T>, job: JobId) -> DispatchResultWithPostInfo {
			let trainer = ensure_signed(origin)?;
			let mut record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
			let Stage::Open { deadline } = record.stage else {
				return Err(Error::<T>::NotOpen.into());
			};
			ensure!(Self::now() <= deadline, Error::<T>::AcceptWindowOver);
			ensure!(Self::base_is_current(&record.spec), Error::<T>::BaseNotCurrent);
			// A dataset quarantined since the posting is no longer trained on.
			Self::check_datasets_usable(&record.spec)?;
			Self::check_trainer(&trainer, record.spec.min_vram_gib)?;
			T::Registry::use_quota(&trainer)?;
			let revision = Self::context(&record.spec)?.0.revision;
			Self::assign(&trainer, record.trainer_collateral)?;
			let deadline = Self::after(record.spec.windows.submit);
			record.stage = Stage::Training { trainer: trainer.clone(), deadline, revision };
			let slots = record.spec.slots.len() as u32;
			Self::reschedule(job, &mut record, deadline);
			Jobs::<T>::insert(job, record);
			Self::deposit_event(Event::JobAccepted { job, trainer, deadline });
			Ok(Some(T::WeightInfo::accept_job(slots)).into())
		}

		/// Submit the trained candidates of an accepted job: their payloads, one per slot of the
		/// job in its order, the score the trainer claims for the model with all of them sealed
		/// as `claim_commitment(trainer, manifest.hash, score, salt)` (see *Sealed claims*), the
		/// training manifest and the Merkle root of the checkpoint hashes, the frozen blocks
		/// they were trained with, and the model `revision` they were trained against (see
		/// *The evaluation context*). The candidates enter the ExpertDag as pending, to be
		/// judged together against the model's score in that revision, and evaluators are
		/// drawn in a later block.
		///
		/// If the model has moved on from `revision`, nothing is judged and nobody is slashed:
		/// when the job's base block was replaced the job is void (the poster refunded), else the
		/// trainer is released and the job reopens. Those paths' weight is what is charged: the
		/// declared weight covers every path. Refused with `UnknownRevision` for a revision the
		/// model has not reached and `RevisionBeforeAcceptance` for one older than the job's
		/// acceptance, `WrongCandidateCount` when the payloads are not one per slot, besides
		/// `NotTrainer` and `SubmitWindowOver`.
		#[pallet::call_index(3)]
		// Any other count of candidates than the job's slots is refused before the work that
		// grows with them.
		#[pallet::weight(
			T::WeightInfo::submit_result(trained_with.len() as u32, candidates.len() as u32)
				.max(Pallet::<T>::release_weight(candidates.len() as u32))
		)]
		#[allow(clippy::too_many_arguments)] // an extrinsic's arguments are its wire format
		pub fn submit_result(
			origin: OriginFor<T>,
			job: JobId,
			candidates: Candidates<Payload>,
			sealed_claim: H256,
			manifest: Payload,
			checkpoint_root: H256,
			trained_with: TrainedWith,
			revision: u32,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let mut record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
			let Stage::Training { trainer, deadline, revision: accepted } = record.stage.clone()
			else {
				return Err(Error::<T>::NotTrainer.into());
			};
			ensure!(trainer == who, Error::<T>::NotTrainer);
			ensure!(Self::now() <= deadline, Error::<T>::SubmitWindowOver);
			ensure!(candidates.len() == record.spec.slots.len(), Error::<T>::WrongCandidateCount);
			let (state, base_score) = Self::context(&record.spec)?;
			ensure!(revision <= state.revision, Error::<T>::UnknownRevision);
			ensure!(revision >= accepted, Error::<T>::RevisionBeforeAcceptance);
			if revision < state.revision || !Self::base_is_current(&record.spec) {
				// Trained in a state of the model that is gone: nobody's fault, nothing to judge.
				let slots = record.spec.slots.len() as u32;
				Self::unschedule(job, record.due);
				Self::release_superseded(job, record, trainer);
				return Ok(Some(Self::release_weight(slots)).into());
			}
			record.base_score = base_score;
			let submission = Self::propose(
				&trainer,
				&record.spec,
				candidates,
				Pinned { sealed_claim, manifest, checkpoint_root, revision },
				&trained_with,
			)?;
			record.stage = Self::evaluating(trainer.clone(), submission.clone(), &record.spec);
			Self::reschedule(job, &mut record, Self::after(1));
			Jobs::<T>::insert(job, record);
			Self::deposit_event(Event::ResultSubmitted { job, trainer, submission });
			Ok(().into())
		}

		/// Submit candidates without a posted job ("partial mining"), one per slot of `spec`. The
		/// caller must be an active trainer; it escrows the evaluation fees and the protocol
		/// fee, commits `TrainerCollateral`, and is judged like any trainer (without a reward:
		/// adoption is its own gain). `spec` describes how they were trained; its accept and submit
		/// windows are not used. `revision` must be the model's current revision (else
		/// `StaleRevision` or `UnknownRevision`): the candidate is judged in that state. The
		/// claim is sealed as in [`Pallet::submit_result`] and revealed with
		/// [`Pallet::reveal_claim`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::submit_candidate(
			trained_with.len() as u32,
			spec.slots.len().max(candidates.len()) as u32,
		))]
		#[allow(clippy::too_many_arguments)] // an extrinsic's arguments are its wire format
		pub fn submit_candidate(
			origin: OriginFor<T>,
			spec: JobSpec,
			candidates: Candidates<Payload>,
			sealed_claim: H256,
			manifest: Payload,
			checkpoint_root: H256,
			trained_with: TrainedWith,
			revision: u32,
		) -> DispatchResult {
			let trainer = ensure_signed(origin)?;
			let (base_score, delta) = Self::check_spec(&spec, false)?;
			ensure!(candidates.len() == spec.slots.len(), Error::<T>::WrongCandidateCount);
			let current = Self::context(&spec)?.0.revision;
			ensure!(revision <= current, Error::<T>::UnknownRevision);
			ensure!(revision == current, Error::<T>::StaleRevision);
			Self::check_trainer(&trainer, 0)?;
			T::Registry::use_quota(&trainer)?;
			Self::assign(&trainer, T::TrainerCollateral::get())?;
			let submission = Self::propose(
				&trainer,
				&spec,
				candidates,
				Pinned { sealed_claim, manifest, checkpoint_root, revision },
				&trained_with,
			)?;
			let stage = Self::evaluating(trainer.clone(), submission.clone(), &spec);
			let job = Self::new_job(
				trainer.clone(),
				spec,
				(base_score, delta),
				Zero::zero(),
				stage,
				Self::after(1),
			);
			let id = Self::open(job)?;
			Self::deposit_event(Event::ResultSubmitted { job: id, trainer, submission });
			Ok(())
		}

		/// Commit to an attestation: `commitment` is
		/// `attestation_commitment(job, caller, attestation, salt)`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::commit_attestation())]
		pub fn commit_attestation(
			origin: OriginFor<T>,
			job: JobId,
			commitment: H256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
			let evaluation = Self::complete_evaluation(&mut record)?;
			ensure!(Self::now() <= evaluation.commit_deadline, Error::<T>::CommitWindowOver);
			let seat = evaluation
				.panel
				.iter_mut()
				.find(|s| s.evaluator == who)
				.ok_or(Error::<T>::NotOnPanel)?;
			ensure!(seat.commitment.is_none(), Error::<T>::AlreadyCommitted);
			seat.commitment = Some(commitment);
			Jobs::<T>::insert(job, record);
			Self::deposit_event(Event::AttestationCommitted { job, evaluator: who });
			Ok(())
		}

		/// Reveal the committed attestation: the candidate's validation `score` and whether the
		/// replayed segments reproduced the trainer's hashes. The last reveal finalises the job.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::reveal_attestation()
			.saturating_add(Pallet::<T>::finalize_weight(T::MaxEvaluators::get(), MAX_JOB_SLOTS)))]
		pub fn reveal_attestation(
			origin: OriginFor<T>,
			job: JobId,
			score: Score,
			replay_ok: bool,
			salt: [u8; 32],
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let mut record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
			let evaluation = Self::revealing_evaluation(&mut record)?;
			let seat = evaluation
				.panel
				.iter_mut()
				.find(|s| s.evaluator == who)
				.ok_or(Error::<T>::NotOnPanel)?;
			let commitment = seat.commitment.ok_or(Error::<T>::NotCommitted)?;
			ensure!(seat.attestation.is_none(), Error::<T>::AlreadyRevealed);
			let attestation = Attestation { score, replay_ok };
			ensure!(
				aiblock_primitives::jobs::attestation_commitment(job, &who, &attestation, &salt)
					== commitment,
				Error::<T>::CommitmentMismatch
			);
			seat.attestation = Some(attestation);
			Self::deposit_event(Event::AttestationRevealed { job, evaluator: who, attestation });
			Ok(Some(Self::after_reveal(job, record, T::WeightInfo::reveal_attestation())).into())
		}

		/// Reveal the score the trainer sealed in its submission, with the salt it was sealed
		/// with (see *Sealed claims*). Only the job's trainer, once reveals are open (every
		/// evaluator committed, or the commit window is over) and until the reveal deadline;
		/// refused with `NotTrainer`, `NotEvaluating` (the panel is not complete yet),
		/// `RevealNotOpen`, `RevealWindowOver`, `AlreadyRevealed` or `CommitmentMismatch`. A
		/// claim still sealed at the verdict is slashed as withheld. The last reveal finalises
		/// the job.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::reveal_claim()
			.saturating_add(Pallet::<T>::finalize_weight(T::MaxEvaluators::get(), MAX_JOB_SLOTS)))]
		pub fn reveal_claim(
			origin: OriginFor<T>,
			job: JobId,
			claimed: Score,
			salt: [u8; 32],
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let mut record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
			let evaluation = Self::revealing_evaluation(&mut record)?;
			ensure!(evaluation.trainer == who, Error::<T>::NotTrainer);
			let Claim::Sealed(seal) = evaluation.submission.claim else {
				return Err(Error::<T>::AlreadyRevealed.into());
			};
			let manifest = evaluation.submission.manifest.hash;
			ensure!(
				aiblock_primitives::jobs::claim_commitment(&who, &manifest, claimed, &salt) == seal,
				Error::<T>::CommitmentMismatch
			);
			evaluation.submission.claim = Claim::Revealed(claimed);
			Self::deposit_event(Event::ClaimRevealed { job, trainer: who, claimed });
			Ok(Some(Self::after_reveal(job, record, T::WeightInfo::reveal_claim())).into())
		}
	}
}

impl<T: Config> Pallet<T> {
	fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

	/// The verdict on `slots` candidates by a panel of `n`, on its costlier path: all of them
	/// adopted with everyone paid, or a refuted claim with every candidate rejected, the
	/// trainer's slash split among the honest majority and the others slashed.
	pub(crate) fn finalize_weight(n: u32, slots: u32) -> Weight {
		// Credits: each evaluator's, and the trainer's adoption or every prover's fraud proof.
		let mints = T::Credits::mint_weight().saturating_mul(2 * u64::from(n) + 1);
		T::WeightInfo::finalize(n, slots)
			.max(T::WeightInfo::finalize_refuted(n, slots))
			.saturating_add(mints)
			.saturating_add(Self::outcome_weight())
			.saturating_add(T::Rewards::reward_weight(n, MAX_JOB_DATASETS))
	}

	/// `blocks` after now.
	fn after(blocks: u32) -> BlockNumberFor<T> {
		Self::now().saturating_add(blocks.into())
	}

	/// Validate a job spec against the chain: returns the base block's score and the model's
	/// delta. `posted` says whether the job waits for a trainer (an open submission does not,
	/// so its accept and submit windows are not used and need no minimum).
	fn check_spec(spec: &JobSpec, posted: bool) -> Result<(Score, Score), DispatchError> {
		ensure!(spec.trainers == 1, Error::<T>::UnsupportedTrainerCount);
		Self::check_datasets(spec)?;
		ensure!(
			spec.evaluators >= 3
				&& spec.evaluators % 2 == 1
				&& spec.evaluators <= T::MaxEvaluators::get(),
			Error::<T>::BadEvaluatorCount
		);
		let w = spec.windows;
		ensure!(
			[w.accept, w.submit, w.commit, w.reveal]
				.iter()
				.all(|b| *b >= 1 && *b <= T::MaxWindow::get()),
			Error::<T>::BadWindow
		);
		ensure!(
			spec.steps >= 1 && spec.hyper.batch_size >= 1 && spec.hyper.checkpoint_every >= 1,
			Error::<T>::BadTrainingParams
		);
		ensure!(spec.steps <= T::MaxSteps::get(), Error::<T>::TooManySteps);
		ensure!(spec.hyper.batch_size <= T::MaxBatchSize::get(), Error::<T>::BatchTooLarge);
		ensure!(
			spec.steps.div_ceil(spec.hyper.checkpoint_every.max(1)) <= T::MaxCheckpoints::get(),
			Error::<T>::TooManyCheckpoints
		);
		let mut kinds: alloc::vec::Vec<_> = spec.kinds().collect();
		kinds.sort();
		kinds.dedup();
		ensure!(!kinds.is_empty() && kinds.len() == spec.slots.len(), Error::<T>::BadSlots);
		// Read with `delta` below (the same model record): no read of its own.
		let model = T::Gate::spec(spec.model).ok_or(Error::<T>::UnknownSlot)?;
		let max_slots = T::Trainable::max_slots(&model);
		ensure!(max_slots > 0, Error::<T>::ArchitectureNotTrainable);
		ensure!(spec.slots.len() as u32 <= max_slots, Error::<T>::TooManySlots);
		let mut size = 0u64;
		for slot in &spec.slots {
			let (current, _) =
				T::Gate::current(spec.model, slot.kind).ok_or(Error::<T>::UnknownSlot)?;
			ensure!(current == slot.base, Error::<T>::BaseNotCurrent);
			let bytes = T::Gate::payload_size(current).ok_or(Error::<T>::UnknownSlot)?;
			size = size.saturating_add(bytes);
		}
		ensure!(
			model.attention_scores(spec.hyper.batch_size) <= T::MaxAttentionScores::get(),
			Error::<T>::BatchTooLarge
		);
		// A transformer's token runs the whole model whichever slots train.
		let work = model.active_weight_bytes().unwrap_or(size);
		let mut min = min_windows(spec, size, work, &T::ReferenceWorker::get());
		if !posted {
			(min.accept, min.submit) = (w.accept, w.submit);
		}
		ensure!(w.covers(&min), Error::<T>::WindowTooShort);
		let delta = T::Gate::delta(spec.model).ok_or(Error::<T>::UnknownSlot)?;
		Ok((Self::context(spec)?.1, delta))
	}

	/// The datasets of `spec`: at least one, each once, with a part of the mix, usable and
	/// named with its content.
	fn check_datasets(spec: &JobSpec) -> DispatchResult {
		ensure!(!spec.datasets.is_empty(), Error::<T>::NoDataset);
		for (i, dataset) in spec.datasets.iter().enumerate() {
			ensure!(dataset.parts > 0, Error::<T>::ZeroMixPart);
			ensure!(
				spec.datasets[..i].iter().all(|earlier| earlier.id != dataset.id),
				Error::<T>::DuplicateDataset
			);
		}
		for dataset in &spec.datasets {
			let usable = T::Datasets::usable(dataset.id, spec.allow_experimental)
				.map_err(Error::<T>::from)?;
			ensure!(usable.cid == dataset.cid, Error::<T>::DatasetContentMismatch);
		}
		Ok(())
	}

	/// Whether a job may train on every dataset of `spec` now (the content was checked when
	/// it was posted and cannot change).
	fn check_datasets_usable(spec: &JobSpec) -> DispatchResult {
		for dataset in &spec.datasets {
			T::Datasets::usable(dataset.id, spec.allow_experimental).map_err(Error::<T>::from)?;
		}
		Ok(())
	}

	/// The model state a candidate of `spec` would be judged in, and the score it must improve
	/// on: the model's in that state (while the model's state has no score, the worst of the
	/// slot blocks' own); a model never evaluated can only be improved from "infinitely bad".
	fn context(spec: &JobSpec) -> Result<(ModelState, Score), DispatchError> {
		let state = T::Gate::state(spec.model).ok_or(Error::<T>::UnknownSlot)?;
		if let Some(score) = state.score {
			return Ok((state, score));
		}
		let slots = spec.kinds().filter_map(|kind| T::Gate::current(spec.model, kind));
		Ok((state, slots.filter_map(|(_, score)| score).max().unwrap_or(Score::MAX)))
	}

	/// Whether every base of the job is still its slot's current block.
	pub(crate) fn base_is_current(spec: &JobSpec) -> bool {
		spec.slots.iter().all(|slot| {
			T::Gate::current(spec.model, slot.kind).map(|(id, _)| id) == Some(slot.base)
		})
	}

	/// What the evaluators of `spec` are paid in all.
	fn evaluation_fees(spec: &JobSpec) -> BalanceOf<T> {
		T::EvaluatorFee::get().saturating_mul(spec.evaluators.into())
	}

	/// A job paying `reward` to its trainer, the evaluation fees, and the protocol fee on both.
	fn new_job(
		poster: T::AccountId,
		spec: JobSpec,
		(base_score, delta): (Score, Score),
		reward: BalanceOf<T>,
		stage: Stage<T>,
		due: BlockNumberFor<T>,
	) -> Job<T> {
		let budget = reward.saturating_add(Self::evaluation_fees(&spec));
		let at_risk = T::CollateralPerReward::get() * reward;
		let evaluator_share = at_risk / BalanceOf::<T>::from(spec.evaluators.max(1));
		Job {
			trainer_collateral: T::TrainerCollateral::get().max(at_risk),
			evaluator_collateral: T::EvaluatorCollateral::get().max(evaluator_share),
			poster,
			spec,
			base_score,
			delta,
			reward,
			evaluator_fee: T::EvaluatorFee::get(),
			protocol_fee: T::ProtocolFee::get() * budget,
			stage,
			due,
			deposit: Zero::zero(),
			timeouts: 0,
		}
	}

	fn check_trainer(who: &T::AccountId, min_vram_gib: u32) -> DispatchResult {
		ensure!(T::Registry::is_active(who, Role::Trainer), Error::<T>::NotActiveTrainer);
		let vram = T::Registry::compute_spec(who).map(|s| s.vram_gib).unwrap_or(0);
		ensure!(vram >= min_vram_gib, Error::<T>::InsufficientVram);
		Ok(())
	}

	/// Record `job` as new: hold its escrow from the poster, store and schedule it.
	fn open(mut job: Job<T>) -> Result<JobId, DispatchError> {
		ensure!(LiveJobs::<T>::get() < T::MaxLiveJobs::get(), Error::<T>::TooManyJobs);
		JobsOfPoster::<T>::try_mutate(&job.poster, |n| {
			let n = n.get_or_insert(0);
			ensure!(*n < T::MaxJobsPerPoster::get(), Error::<T>::TooManyJobsOfPoster);
			*n += 1;
			Ok::<_, DispatchError>(())
		})?;
		let held = job.held();
		ensure!(
			held <= T::Currency::reducible_balance(
				&job.poster,
				Preservation::Protect,
				Fortitude::Force
			),
			Error::<T>::InsufficientBalance
		);
		T::Currency::hold(&HoldReason::Escrow.into(), &job.poster, held)?;
		let id = NextJobId::<T>::mutate(|next| {
			let id = *next;
			*next = next.saturating_add(1);
			id
		});
		if let Some(forgotten) = id.checked_sub(T::OutcomesKept::get().into()) {
			Outcomes::<T>::remove(forgotten);
		}
		LiveJobs::<T>::mutate(|n| *n = n.saturating_add(1));
		let due = job.due;
		Self::schedule(id, &mut job, due);
		Jobs::<T>::insert(id, job);
		Ok(id)
	}

	/// Pay the posting fee of job `id` from `poster`'s free balance to the treasury.
	fn charge_posting_fee(id: JobId, poster: &T::AccountId) -> DispatchResult {
		let fee = T::PostingFee::get();
		if fee.is_zero() {
			return Ok(());
		}
		let treasury = T::Treasury::get();
		<T::Currency as fungible::Mutate<_>>::transfer(
			poster,
			&treasury,
			fee,
			Preservation::Preserve,
		)
		.map_err(|_| Error::<T>::InsufficientBalance)?;
		Self::deposit_event(Event::Paid { job: id, who: treasury, amount: fee });
		Ok(())
	}

	/// Propose the candidates to the quality gate, one per slot of `spec` (the caller checked
	/// the count).
	fn propose(
		trainer: &T::AccountId,
		spec: &JobSpec,
		candidates: Candidates<Payload>,
		pinned: Pinned,
		trained_with: &[H256],
	) -> Result<Submission, DispatchError> {
		// A candidate trained with a slot of its own set was not trained against that block.
		let own = |id: &H256| spec.slots.iter().any(|slot| slot.base == *id);
		ensure!(!trained_with.iter().any(own), Error::<T>::TrainedWithOwnSlot);
		let mut proposed = Candidates::<H256>::new();
		for (kind, payload) in spec.kinds().zip(candidates) {
			let id = T::Gate::propose(trainer, spec.model, kind, payload, trained_with)?;
			// As many as the job's slots, which are bounded alike.
			proposed.try_push(id).map_err(|_| Error::<T>::WrongCandidateCount)?;
		}
		let Pinned { sealed_claim, manifest, checkpoint_root, revision } = pinned;
		let claim = Claim::Sealed(sealed_claim);
		Ok(Submission { candidates: proposed, claim, manifest, checkpoint_root, revision })
	}

	/// A fresh evaluation stage, whose panel is drawn from the next block on and must be
	/// complete within the commit window.
	fn evaluating(trainer: T::AccountId, submission: Submission, spec: &JobSpec) -> Stage<T> {
		Stage::Evaluating(Evaluation {
			trainer,
			submission,
			submitted_at: Self::now(),
			panel: BoundedVec::new(),
			seed: [0; 32],
			commit_deadline: Self::after(spec.windows.commit),
			reveal_deadline: Self::after(spec.windows.commit),
			context_held: false,
		})
	}

	/// The evaluation of a job whose reveals are open: its panel is complete, and every seat
	/// has committed or the commit window is over (so no seat can commit any more). Records
	/// whether the model is still in the pinned revision (see `Evaluation::context_held`).
	fn revealing_evaluation(job: &mut Job<T>) -> Result<&mut Evaluation<T>, DispatchError> {
		let now = Self::now();
		let model = job.spec.model;
		let evaluation = Self::complete_evaluation(job)?;
		let all_committed = evaluation.panel.iter().all(|s| s.commitment.is_some());
		ensure!(all_committed || now > evaluation.commit_deadline, Error::<T>::RevealNotOpen);
		ensure!(now <= evaluation.reveal_deadline, Error::<T>::RevealWindowOver);
		if !evaluation.context_held {
			let revision = T::Gate::state(model).map(|s| s.revision);
			evaluation.context_held = revision == Some(evaluation.submission.revision);
		}
		Ok(evaluation)
	}

	/// Store `job` after a reveal (which cost `reveal`), or judge it at once when nobody can
	/// reveal any more: reveals are open, every seat that committed has revealed and so has
	/// the trainer. Returns the weight used.
	fn after_reveal(id: JobId, job: Job<T>, reveal: Weight) -> Weight {
		let done = matches!(&job.stage, Stage::Evaluating(e)
			if e.submission.claim.revealed().is_some()
				&& e.panel.iter().all(|s| s.attestation.is_some() || s.commitment.is_none()));
		if !done {
			Jobs::<T>::insert(id, job);
			return reveal;
		}
		let (panel, slots) = (job.spec.evaluators, job.spec.slots.len() as u32);
		Self::unschedule(id, job.due);
		Self::finalize(id, job);
		reveal.saturating_add(Self::finalize_weight(panel, slots))
	}

	/// The evaluation of a job whose panel is complete.
	fn complete_evaluation(job: &mut Job<T>) -> Result<&mut Evaluation<T>, DispatchError> {
		let wanted = job.spec.evaluators as usize;
		match &mut job.stage {
			Stage::Evaluating(e) if e.panel.len() == wanted => Ok(e),
			_ => Err(Error::<T>::NotEvaluating.into()),
		}
	}

	/// Commit `collateral` of `who`'s stake to a job and count the assignment.
	fn assign(who: &T::AccountId, collateral: BalanceOf<T>) -> DispatchResult {
		T::Stake::commit(who, collateral)?;
		Assigned::<T>::mutate(who, |a| {
			let a = a.get_or_insert_with(Default::default);
			a.jobs = a.jobs.saturating_add(1);
			a.collateral = a.collateral.saturating_add(collateral);
		});
		Ok(())
	}

	/// The most releasing the trainer of a job on `slots` slots costs, because the model moved
	/// on: voiding the job (measured), or reopening it (an acceptance's work undone: the job
	/// rescheduled and written, the trainer's commitment released).
	pub(crate) fn release_weight(slots: u32) -> Weight {
		T::WeightInfo::submit_result_superseded(slots)
			.max(T::WeightInfo::accept_job(slots))
			.saturating_add(Self::outcome_weight())
	}

	/// Recording how a job ended (one write; see `Outcomes`). Added to the measured weights
	/// of the paths that end a job, whose benchmarks predate the record.
	pub(crate) fn outcome_weight() -> Weight {
		T::DbWeight::get().writes(1)
	}

	/// Release an assignment's collateral and forget the assignment.
	fn unassign(who: &T::AccountId, collateral: BalanceOf<T>) {
		T::Stake::release(who, collateral);
		Assigned::<T>::mutate_exists(who, |maybe| {
			if let Some(a) = maybe {
				a.jobs = a.jobs.saturating_sub(1);
				a.collateral = a.collateral.saturating_sub(collateral);
				if a.jobs == 0 {
					*maybe = None;
				}
			}
		});
	}
}

impl<T: Config> AssignmentsInspect<T::AccountId> for Pallet<T> {
	fn active_assignments(who: &T::AccountId) -> u32 {
		Assigned::<T>::get(who).map(|a| a.jobs).unwrap_or(0)
	}
}
