//! # Evolution pallet
//!
//! Scheduled epochs in which the network grows its model's architecture and keeps the grown
//! model only on an objective gain. Each epoch goes through six phases, each a window of blocks
//! (runtime constants: minutes on the development chain, 28 days in all in production):
//!
//! 1. **Proposing** ([`Config::ProposingWindow`]): anyone with PoL credits proposes a
//!    [`Migration`] of the newest model ([`Pallet::propose`], locking
//!    [`Config::ProposalDeposit`] credits): a [`Growth`] (double the experts, widen the experts,
//!    add layers; each starts out computing the parent's function) and the recipe its training
//!    follows. Others endorse proposals by locking credits ([`Pallet::endorse`], once each).
//! 2. **Reserving** ([`Config::ReservingWindow`]): the proposal with the most credits behind it
//!    that is still a valid successor of the newest model is selected; the others' credits are
//!    returned. Active trainers bid credits for its training ([`Pallet::reserve`]).
//! 3. **Training** ([`Config::TrainingWindow`]): the highest bidder (losing bids are returned)
//!    builds the grown model from the parent's blocks, trains it by the recipe, and submits one
//!    block per slot of the grown spec with its training manifest
//!    ([`Pallet::submit_migration`]). Submitting nothing spends its bid.
//! 4. **Benchmarking** ([`Config::CommitWindow`] + [`Config::RevealWindow`]): a panel of
//!    [`Config::PanelSize`] evaluators is drawn from the registry with the parent block's hash;
//!    each rebuilds and replays the training and scores the candidate on the validation set and
//!    a held-out set, commits ([`Pallet::commit_benchmark`]) and reveals
//!    ([`Pallet::reveal_benchmark`]).
//! 5. **Promotion or rejection**, when the reveals close:
//!    [`aiblock_primitives::evolution::judge`] promotes the candidate only when a majority of the
//!    panel revealed, a majority of the replays reproduced it, the validation median beats the
//!    newest model's score at the verdict, and the held-out median the median of the panel's
//!    scores of the pinned parent there, each by [`Config::MinRelativeGain`] (15 % in the
//!    runtime). The validation bar is the model users have at the verdict: jobs adopted on the
//!    parent during the epoch raise it, and a promotion replaces their blocks with the grown
//!    model's. A promoted candidate
//!    becomes the next model version in the ExpertDag with all its blocks and its manifest as
//!    the migration block; the proposer, trainer and honest evaluators earn credits and the
//!    trainer and evaluators a learning reward. A failed replay slashes the trainer
//!    ([`Config::TrainerPenalty`]) and credits its provers; a panel member who never revealed
//!    is slashed [`Config::EvaluatorPenalty`].
//! 6. **Cleanup** ([`Config::CleanupWindow`]): every credit still locked for the epoch
//!    (proposal deposit, endorsements, the winning bid) is returned; then the next epoch opens.
//!
//! Every transition happens in `on_initialize` of the first block after a phase's window, one
//! transition per block, each bounded by the pallet's limits and weighed by its benchmark.
//!
//! ## Invariants
//! 1. Every proposal in [`Proposals`] is listed in [`Open`] and belongs to the epoch under way.
//! 2. A proposal's backing is its deposit plus the sum of its endorsements.
//! 3. A [`Candidate`] exists only in the Training (after submission) and Benchmarking phases,
//!    and a [`Panel`] only in Benchmarking.
//! 4. [`ParentBlocks`] are pinned only in the Training and Benchmarking phases.
//!
//! They are checked in `try_state`, which the unit tests run after every test.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
mod phases;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

use aiblock_primitives::{
	credits::{Contribution, Credits, MintCredits, SpendCredits},
	dag::{Cid, ModelIndex, ModelSpec, Payload},
	datasets::DatasetsInspect,
	evolution::{
		benchmark_commitment, Benchmark, CandidateBlocks, EpochIndex, Growth, GrowthError,
		Migration, ModelRegistry, ProposalId, Verdict,
	},
	rewards::LearningRewards,
	stake::Slash,
	workers::{Role, WorkerRegistry},
	H256,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{Saturating, Zero},
	Perbill,
};

/// What the benchmarks need from the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Fund `who`, bond for it and register it as an online worker with `role`.
	fn make_worker(who: &AccountId, role: Role);

	/// The id of an approved dataset of content `cid`, proposed by `proposer`, entered on
	/// first use: the benchmarks' migrations train on such datasets and hold one out.
	fn approve_dataset(cid: aiblock_primitives::dag::Cid, proposer: &AccountId) -> u32;
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The pallet's storage layout version (the first one).
	/// Version 1: held-out datasets, the parent's held-out score, the replay seed and the
	/// pinned parent blocks ([`migrations::v1`]).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// PoL credits: locked by proposals, endorsements and bids, minted for a promotion.
		type Credits: SpendCredits<Self::AccountId> + MintCredits<Self::AccountId>;

		/// The model registry: the newest version, and the promotion of a grown one.
		type Models: ModelRegistry;

		/// The trainers who may bid and the evaluators panels are drawn from.
		type Registry: WorkerRegistry<Self::AccountId, BlockNumber = BlockNumberFor<Self>>;

		/// The dataset registry: a migration trains only on approved datasets, and holds out
		/// another.
		type Datasets: DatasetsInspect<Self::AccountId>;

		/// Slashing of a trainer whose submission fails replay, and of silent evaluators.
		type Stake: Slash<Self::AccountId, Balance = aiblock_primitives::Balance>;

		/// The learning reward of a promotion.
		type Rewards: LearningRewards<Self::AccountId>;

		/// Blocks for proposals and endorsements (the phase windows' defaults; a genesis config may
		/// choose others, see [`Windows`]).
		#[pallet::constant]
		type ProposingWindow: Get<BlockNumberFor<Self>>;
		/// Blocks for trainers' bids.
		#[pallet::constant]
		type ReservingWindow: Get<BlockNumberFor<Self>>;
		/// Blocks for building, training and submitting the grown model.
		#[pallet::constant]
		type TrainingWindow: Get<BlockNumberFor<Self>>;
		/// Blocks for the panel's commitments (rebuilding, replaying and scoring).
		#[pallet::constant]
		type CommitWindow: Get<BlockNumberFor<Self>>;
		/// Blocks for the panel's reveals.
		#[pallet::constant]
		type RevealWindow: Get<BlockNumberFor<Self>>;
		/// Blocks between an epoch's outcome and the next epoch.
		#[pallet::constant]
		type CleanupWindow: Get<BlockNumberFor<Self>>;

		/// Credits a proposer locks for the epoch.
		#[pallet::constant]
		type ProposalDeposit: Get<Credits>;
		/// The smallest bid for an epoch's training.
		#[pallet::constant]
		type MinBid: Get<Credits>;
		/// Proposals one epoch takes.
		#[pallet::constant]
		type MaxProposals: Get<u32>;
		/// Endorsements one proposal takes.
		#[pallet::constant]
		type MaxEndorsements: Get<u32>;
		/// Bids one epoch takes.
		#[pallet::constant]
		type MaxBids: Get<u32>;
		/// Evaluators on an epoch's panel (odd).
		#[pallet::constant]
		type PanelSize: Get<u32>;
		/// The most evaluators a draw reads (the registry's per-role bound): for its weight.
		#[pallet::constant]
		type MaxEvaluatorPool: Get<u32>;
		/// Slots a grown model may have (the registry's import bound).
		#[pallet::constant]
		type MaxCandidateBlocks: Get<u32>;
		/// Training steps a migration's recipe may ask for.
		#[pallet::constant]
		type MaxSteps: Get<u32>;
		/// Checkpoints a recipe's run may commit to (`steps / checkpoint_every`, rounded up).
		#[pallet::constant]
		type MaxCheckpoints: Get<u32>;
		/// Tokens per step a recipe may ask for.
		#[pallet::constant]
		type MaxBatchSize: Get<u32>;
		/// Attention probabilities one training step of the grown model may keep.
		#[pallet::constant]
		type MaxAttentionScores: Get<u64>;
		/// The slowest worker the epoch's windows must leave time to: a recipe whose training
		/// would not fit the training window, or whose replay and scoring would not fit the
		/// commit window, is refused (the jobs' rule, `aiblock_primitives::jobs::min_windows`).
		type ReferenceWorker: Get<aiblock_primitives::jobs::WorkRates>;
		/// The relative gain over the parent's score both medians must reach.
		#[pallet::constant]
		type MinRelativeGain: Get<Perbill>;
		/// Stake slashed from a trainer whose submission a majority failed to replay.
		#[pallet::constant]
		type TrainerPenalty: Get<aiblock_primitives::Balance>;
		/// Stake slashed from a panel member who never revealed.
		#[pallet::constant]
		type EvaluatorPenalty: Get<aiblock_primitives::Balance>;

		/// Weights of this pallet's calls and hook.
		type WeightInfo: WeightInfo;

		/// Sets up workers for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The chain's phase windows (none: the runtime's constants).
		pub windows: Option<EpochWindows<BlockNumberFor<T>>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(windows) = self.windows {
				let all = [
					windows.proposing,
					windows.reserving,
					windows.training,
					windows.commit,
					windows.reveal,
					windows.cleanup,
				];
				assert!(
					all.iter().all(|w| !w.is_zero()),
					"every evolution phase needs at least one block"
				);
				Windows::<T>::put(windows);
			}
		}
	}

	/// The phase windows the genesis config chose (none: the runtime's constants).
	#[pallet::storage]
	pub type Windows<T: Config> = StorageValue<_, EpochWindows<BlockNumberFor<T>>, OptionQuery>;

	/// The epoch under way (none before the first block).
	#[pallet::storage]
	pub type Epoch<T: Config> = StorageValue<_, EpochOf<T>, OptionQuery>;

	/// The epoch's proposals.
	#[pallet::storage]
	pub type Proposals<T: Config> =
		StorageMap<_, Twox64Concat, ProposalId, Proposal<T>, OptionQuery>;

	/// The ids of the epoch's proposals, in order.
	#[pallet::storage]
	pub type Open<T: Config> = StorageValue<_, BoundedVec<ProposalId, T::MaxProposals>, ValueQuery>;

	/// The id the next proposal gets.
	#[pallet::storage]
	pub type NextProposalId<T: Config> = StorageValue<_, ProposalId, ValueQuery>;

	/// The epoch's bids for the training, in order.
	#[pallet::storage]
	pub type Bids<T: Config> =
		StorageValue<_, BoundedVec<(T::AccountId, Credits), T::MaxBids>, ValueQuery>;

	/// The trained grown model of the epoch, once submitted.
	#[pallet::storage]
	pub type Candidate<T: Config> = StorageValue<_, CandidateInfo<T>, OptionQuery>;

	/// The epoch's benchmark panel.
	#[pallet::storage]
	pub type Panel<T: Config> = StorageValue<_, PanelOf<T>, ValueQuery>;

	/// The parent's block of every slot, in its spec's canonical order, pinned when the
	/// epoch's training starts: the trainer grows the model from these and the panel rebuilds
	/// it from them, whatever jobs adopt on the parent meanwhile (blocks stay in the DAG).
	#[pallet::storage]
	pub type ParentBlocks<T: Config> =
		StorageValue<_, BoundedVec<H256, T::MaxCandidateBlocks>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Epoch `epoch` opened for proposals until block `until`.
		EpochStarted { epoch: EpochIndex, until: BlockNumberFor<T> },
		/// `proposer` proposed `growth` of model `parent` into version `spec`.
		Proposed {
			epoch: EpochIndex,
			proposal: ProposalId,
			proposer: T::AccountId,
			parent: ModelIndex,
			growth: Growth,
			spec: ModelSpec,
		},
		/// `who` endorsed `proposal` with `credits`.
		Endorsed { proposal: ProposalId, who: T::AccountId, credits: Credits },
		/// `proposal` was selected with `backing` credits behind it; bids are open until `until`.
		ProposalSelected {
			epoch: EpochIndex,
			proposal: ProposalId,
			backing: Credits,
			until: BlockNumberFor<T>,
		},
		/// `who` bid `credits` for the epoch's training.
		Bid { epoch: EpochIndex, who: T::AccountId, credits: Credits },
		/// `trainer` won the training with `credits`; it must submit by `until`.
		TrainerReserved {
			epoch: EpochIndex,
			trainer: T::AccountId,
			credits: Credits,
			until: BlockNumberFor<T>,
		},
		/// The trainer submitted the trained grown model.
		MigrationSubmitted { epoch: EpochIndex, trainer: T::AccountId, manifest: Payload },
		/// The benchmark panel was drawn: commitments until `commit_until`, reveals until `until`.
		PanelDrawn {
			epoch: EpochIndex,
			panel: BoundedVec<T::AccountId, T::PanelSize>,
			commit_until: BlockNumberFor<T>,
			until: BlockNumberFor<T>,
		},
		/// A panel member committed to its benchmark.
		BenchmarkCommitted { epoch: EpochIndex, evaluator: T::AccountId },
		/// A panel member revealed its benchmark.
		BenchmarkRevealed { epoch: EpochIndex, evaluator: T::AccountId, benchmark: Benchmark },
		/// The epoch's candidate became model version `model`.
		MigrationPromoted { epoch: EpochIndex, model: ModelIndex, validation: u32, held_out: u32 },
		/// The epoch ended without a promotion.
		MigrationRejected { epoch: EpochIndex, outcome: Outcome },
		/// Cleanup: every credit locked for the epoch was returned; the next epoch opens after
		/// `until`.
		EpochClosed { epoch: EpochIndex, outcome: Outcome, until: BlockNumberFor<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The call belongs to another phase of the epoch.
		WrongPhase,
		/// No model to grow.
		NoModel,
		/// Only transformers grow.
		NotATransformer,
		/// A noise of a million parts per million or more.
		NoiseTooLarge,
		/// A widening that does not grow `d_ff`, or more than doubles it.
		BadWidth,
		/// Adding no layer.
		NoLayers,
		/// The grown model would exceed what the spec can count.
		GrowthTooLarge,
		/// A recipe of no step, more than `MaxSteps`, a batch of none or no dataset.
		BadRecipe,
		/// The epoch has `MaxProposals` proposals.
		TooManyProposals,
		/// No such proposal in the epoch under way.
		UnknownProposal,
		/// Endorsing one's own proposal (its deposit backs it already).
		OwnProposal,
		/// The account endorsed this proposal already.
		AlreadyEndorsed,
		/// The proposal has `MaxEndorsements` endorsements.
		TooManyEndorsements,
		/// An amount of no credits.
		ZeroAmount,
		/// Only active trainers bid.
		NotATrainer,
		/// A bid below `MinBid`.
		BidTooLow,
		/// The account bid already.
		AlreadyBid,
		/// The epoch has `MaxBids` bids.
		TooManyBids,
		/// Only the reserved trainer submits.
		NotTheTrainer,
		/// The candidate was submitted already.
		AlreadySubmitted,
		/// The blocks are not one per slot of the grown spec in its order.
		WrongBlocks,
		/// Not on the epoch's panel.
		NotOnPanel,
		/// Committed already.
		AlreadyCommitted,
		/// The commit window is over.
		CommitClosed,
		/// Reveals open after the commit window.
		RevealNotOpen,
		/// No commitment to reveal.
		NotCommitted,
		/// Revealed already.
		AlreadyRevealed,
		/// The benchmark and salt do not match the commitment.
		CommitmentMismatch,
		/// A dataset of the recipe, or the held-out one, is not approved (unknown, still in
		/// its audit, rejected, quarantined or experimental).
		DatasetUnusable,
		/// A dataset named with other content than the registry's.
		DatasetContentMismatch,
		/// A recipe dataset twice, or with no part of the mix.
		BadMix,
		/// The held-out dataset is one the recipe trains on.
		HeldOutTrainedOn,
		/// The recipe trains on the model's validation set, or holds it out.
		ValidationInRecipe,
		/// The recipe's run would commit to more checkpoints than the chain takes.
		TooManyCheckpoints,
		/// The recipe's batch is larger than the chain takes.
		BatchTooLarge,
		/// The recipe's training would not fit the training window, or its replay and scoring
		/// the commit window, for the slowest worker the chain protects.
		RecipeTooLong,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::advance(now)
		}

		fn integrity_test() {
			assert!(T::PanelSize::get() % 2 == 1, "the panel's size must be odd");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Propose `migration` of the newest model for this epoch, locking
		/// [`Config::ProposalDeposit`] of the caller's credits until the epoch's cleanup.
		///
		/// Origin: signed. Errors: [`Error::WrongPhase`] outside Proposing, [`Error::NoModel`],
		/// the growth's ([`Error::NotATransformer`], [`Error::BadWidth`], …), the registry's
		/// for a grown spec beyond the chain's limits, [`Error::BadRecipe`],
		/// [`Error::TooManyProposals`], and the credits' `InsufficientCredits`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::propose())]
		pub fn propose(origin: OriginFor<T>, migration: Migration) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let epoch = Self::in_phase(|phase| matches!(phase, Phase::Proposing))?;
			let (parent, parent_spec, _) = T::Models::newest().ok_or(Error::<T>::NoModel)?;
			let spec = migration.growth.grown_spec(&parent_spec).map_err(Error::<T>::from)?;
			T::Models::check_successor(&spec)?;
			Self::check_recipe(&migration, &spec)?;
			let id = NextProposalId::<T>::get();
			Open::<T>::try_mutate(|open| open.try_push(id))
				.map_err(|_| Error::<T>::TooManyProposals)?;
			let deposit = T::ProposalDeposit::get();
			T::Credits::lock(&who, deposit)?;
			NextProposalId::<T>::put(id.wrapping_add(1));
			let growth = migration.growth;
			Proposals::<T>::insert(
				id,
				Proposal {
					proposer: who.clone(),
					epoch: epoch.index,
					parent,
					migration,
					spec: spec.clone(),
					deposit,
					endorsements: BoundedVec::new(),
					backing: deposit,
				},
			);
			Self::deposit_event(Event::Proposed {
				epoch: epoch.index,
				proposal: id,
				proposer: who,
				parent,
				growth,
				spec,
			});
			Ok(())
		}

		/// Endorse `proposal` with `credits` of the caller's, locked until the epoch's cleanup
		/// (or the selection, for a proposal not selected).
		///
		/// Origin: signed. Errors: [`Error::WrongPhase`], [`Error::UnknownProposal`],
		/// [`Error::OwnProposal`], [`Error::AlreadyEndorsed`], [`Error::ZeroAmount`],
		/// [`Error::TooManyEndorsements`], and the credits' `InsufficientCredits`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::endorse())]
		pub fn endorse(
			origin: OriginFor<T>,
			proposal: ProposalId,
			credits: Credits,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::in_phase(|phase| matches!(phase, Phase::Proposing))?;
			ensure!(credits > 0, Error::<T>::ZeroAmount);
			let mut record = Proposals::<T>::get(proposal).ok_or(Error::<T>::UnknownProposal)?;
			ensure!(record.proposer != who, Error::<T>::OwnProposal);
			ensure!(
				record.endorsements.iter().all(|(endorser, _)| *endorser != who),
				Error::<T>::AlreadyEndorsed
			);
			record
				.endorsements
				.try_push((who.clone(), credits))
				.map_err(|_| Error::<T>::TooManyEndorsements)?;
			T::Credits::lock(&who, credits)?;
			record.backing = record.backing.saturating_add(credits);
			Proposals::<T>::insert(proposal, record);
			Self::deposit_event(Event::Endorsed { proposal, who, credits });
			Ok(())
		}

		/// Bid `credits` for the epoch's training; the highest bid wins when bids close, the
		/// others are returned then. The winner's bid is returned at the epoch's cleanup,
		/// unless it submits nothing.
		///
		/// Origin: signed, an active trainer. Errors: [`Error::WrongPhase`] outside Reserving,
		/// [`Error::NotATrainer`], [`Error::BidTooLow`], [`Error::AlreadyBid`],
		/// [`Error::TooManyBids`], and the credits' `InsufficientCredits`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::reserve())]
		pub fn reserve(origin: OriginFor<T>, credits: Credits) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let epoch = Self::in_phase(|phase| matches!(phase, Phase::Reserving { .. }))?;
			ensure!(T::Registry::is_active(&who, Role::Trainer), Error::<T>::NotATrainer);
			ensure!(credits >= T::MinBid::get().max(1), Error::<T>::BidTooLow);
			let mut bids = Bids::<T>::get();
			ensure!(bids.iter().all(|(bidder, _)| *bidder != who), Error::<T>::AlreadyBid);
			bids.try_push((who.clone(), credits)).map_err(|_| Error::<T>::TooManyBids)?;
			T::Credits::lock(&who, credits)?;
			Bids::<T>::put(bids);
			Self::deposit_event(Event::Bid { epoch: epoch.index, who, credits });
			Ok(())
		}

		/// Submit the trained grown model: one block per slot of the selected proposal's spec,
		/// in its canonical order, and the training manifest.
		///
		/// Origin: signed, the reserved trainer. Errors: [`Error::WrongPhase`] outside
		/// Training, [`Error::NotTheTrainer`], [`Error::AlreadySubmitted`],
		/// [`Error::WrongBlocks`], the registry's for a block it would not accept.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::submit_migration(blocks.len() as u32))]
		pub fn submit_migration(
			origin: OriginFor<T>,
			blocks: CandidateBlocks<T::MaxCandidateBlocks>,
			manifest: Payload,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let epoch = Self::in_phase(|phase| matches!(phase, Phase::Training { .. }))?;
			let Phase::Training { proposal, trainer } = epoch.phase else {
				return Err(Error::<T>::WrongPhase.into());
			};
			ensure!(trainer == who, Error::<T>::NotTheTrainer);
			ensure!(!Candidate::<T>::exists(), Error::<T>::AlreadySubmitted);
			let record = Proposals::<T>::get(proposal).ok_or(Error::<T>::UnknownProposal)?;
			ensure!(
				blocks.iter().map(|(kind, _)| *kind).eq(record.spec.param_kinds()),
				Error::<T>::WrongBlocks
			);
			for (_, payload) in blocks.iter() {
				T::Models::check_payload(payload)?;
			}
			T::Models::check_payload(&manifest)?;
			Candidate::<T>::put(CandidateInfo {
				trainer: who.clone(),
				blocks,
				manifest: manifest.clone(),
				submitted_at: frame_system::Pallet::<T>::block_number(),
			});
			Self::deposit_event(Event::MigrationSubmitted {
				epoch: epoch.index,
				trainer: who,
				manifest,
			});
			Ok(())
		}

		/// Commit to a benchmark of the epoch's candidate: `commitment` is
		/// [`benchmark_commitment`]`(epoch, caller, benchmark, salt)`.
		///
		/// Origin: signed, a panel member. Errors: [`Error::WrongPhase`],
		/// [`Error::CommitClosed`], [`Error::NotOnPanel`], [`Error::AlreadyCommitted`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::commit_benchmark())]
		pub fn commit_benchmark(origin: OriginFor<T>, commitment: H256) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let epoch = Self::in_phase(|phase| matches!(phase, Phase::Benchmarking { .. }))?;
			let Phase::Benchmarking { commit_until, .. } = epoch.phase else {
				return Err(Error::<T>::WrongPhase.into());
			};
			ensure!(
				frame_system::Pallet::<T>::block_number() <= commit_until,
				Error::<T>::CommitClosed
			);
			Panel::<T>::try_mutate(|panel| -> DispatchResult {
				let seat = panel
					.iter_mut()
					.find(|seat| seat.evaluator == who)
					.ok_or(Error::<T>::NotOnPanel)?;
				ensure!(seat.commitment.is_none(), Error::<T>::AlreadyCommitted);
				seat.commitment = Some(commitment);
				Ok(())
			})?;
			Self::deposit_event(Event::BenchmarkCommitted { epoch: epoch.index, evaluator: who });
			Ok(())
		}

		/// Reveal the benchmark committed to.
		///
		/// Origin: signed, a panel member who committed. Errors: [`Error::WrongPhase`],
		/// [`Error::RevealNotOpen`] during the commit window, [`Error::NotOnPanel`],
		/// [`Error::NotCommitted`], [`Error::AlreadyRevealed`], [`Error::CommitmentMismatch`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::reveal_benchmark())]
		pub fn reveal_benchmark(
			origin: OriginFor<T>,
			benchmark: Benchmark,
			salt: [u8; 32],
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let epoch = Self::in_phase(|phase| matches!(phase, Phase::Benchmarking { .. }))?;
			let Phase::Benchmarking { commit_until, .. } = epoch.phase else {
				return Err(Error::<T>::WrongPhase.into());
			};
			ensure!(
				frame_system::Pallet::<T>::block_number() > commit_until,
				Error::<T>::RevealNotOpen
			);
			Panel::<T>::try_mutate(|panel| -> DispatchResult {
				let seat = panel
					.iter_mut()
					.find(|seat| seat.evaluator == who)
					.ok_or(Error::<T>::NotOnPanel)?;
				let commitment = seat.commitment.ok_or(Error::<T>::NotCommitted)?;
				ensure!(seat.benchmark.is_none(), Error::<T>::AlreadyRevealed);
				ensure!(
					benchmark_commitment(epoch.index, &who, &benchmark, &salt) == commitment,
					Error::<T>::CommitmentMismatch
				);
				seat.benchmark = Some(benchmark);
				Ok(())
			})?;
			Self::deposit_event(Event::BenchmarkRevealed {
				epoch: epoch.index,
				evaluator: who,
				benchmark,
			});
			Ok(())
		}
	}
}

impl<T: Config> From<GrowthError> for Error<T> {
	fn from(e: GrowthError) -> Self {
		match e {
			GrowthError::NotATransformer => Error::NotATransformer,
			GrowthError::NoiseTooLarge => Error::NoiseTooLarge,
			GrowthError::BadWidth => Error::BadWidth,
			GrowthError::NoLayers => Error::NoLayers,
			GrowthError::TooLarge => Error::GrowthTooLarge,
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The phase windows in force: the genesis config's, or the runtime's constants.
	pub fn windows() -> EpochWindows<BlockNumberFor<T>> {
		Windows::<T>::get().unwrap_or(EpochWindows {
			proposing: T::ProposingWindow::get(),
			reserving: T::ReservingWindow::get(),
			training: T::TrainingWindow::get(),
			commit: T::CommitWindow::get(),
			reveal: T::RevealWindow::get(),
			cleanup: T::CleanupWindow::get(),
		})
	}

	/// The recipe of `migration`, growing a model into `spec`: steps, batch and checkpoints
	/// within the chain's limits ([`Pallet::check_data`] for its data), and a run the slowest
	/// worker the chain protects can train within the training window and replay and score
	/// within the commit window. The candidate is replayed, scored on the validation set, and
	/// scored with its parent on the held-out set.
	pub(crate) fn check_recipe(migration: &Migration, spec: &ModelSpec) -> Result<(), Error<T>> {
		let (steps, hyper) = (migration.steps, &migration.hyper);
		ensure!(
			steps > 0
				&& steps <= T::MaxSteps::get()
				&& hyper.batch_size > 0
				&& hyper.checkpoint_every > 0
				&& !migration.datasets.is_empty(),
			Error::<T>::BadRecipe
		);
		ensure!(
			steps.div_ceil(hyper.checkpoint_every) <= T::MaxCheckpoints::get(),
			Error::<T>::TooManyCheckpoints
		);
		ensure!(
			hyper.batch_size <= T::MaxBatchSize::get()
				&& spec.attention_scores(hyper.batch_size) <= T::MaxAttentionScores::get(),
			Error::<T>::BatchTooLarge
		);
		let held_out = Self::check_data(migration, &spec.validation_dataset)?;
		// Every weight is fetched and uploaded (all experts), and each token works through
		// the active ones.
		let all = ModelSpec { top_k: spec.experts, ..spec.clone() };
		let run = aiblock_primitives::jobs::Run {
			steps,
			batch_size: hyper.batch_size,
			block_bytes: all.active_weight_bytes().unwrap_or(u64::MAX),
			work_bytes: spec.active_weight_bytes().unwrap_or(u64::MAX),
		};
		let min = aiblock_primitives::jobs::min_windows_of(
			&run,
			held_out.saturating_mul(2),
			&T::ReferenceWorker::get(),
		);
		let windows = Self::windows();
		let fits = |window: BlockNumberFor<T>, needs: u32| window >= needs.into();
		ensure!(
			fits(windows.training, min.submit) && fits(windows.commit, min.commit),
			Error::<T>::RecipeTooLong
		);
		Ok(())
	}

	/// The data of `migration`: every recipe dataset once, with a part of the mix, approved
	/// and named with its content; the held-out dataset approved, named with its content, and
	/// not one the recipe trains on; neither the model's `validation` set. Returns the
	/// held-out set's size.
	pub(crate) fn check_data(migration: &Migration, validation: &Cid) -> Result<u64, Error<T>> {
		let datasets = &migration.datasets;
		for (i, dataset) in datasets.iter().enumerate() {
			ensure!(
				dataset.parts > 0 && datasets[..i].iter().all(|earlier| earlier.id != dataset.id),
				Error::<T>::BadMix
			);
		}
		let held_out = &migration.held_out;
		ensure!(
			datasets.iter().all(|d| d.id != held_out.id && d.cid != held_out.cid),
			Error::<T>::HeldOutTrainedOn
		);
		let named = datasets.iter().map(|d| (d.id, &d.cid));
		let mut size = 0;
		for (id, cid) in named.chain(core::iter::once((held_out.id, &held_out.cid))) {
			ensure!(cid != validation, Error::<T>::ValidationInRecipe);
			let usable = T::Datasets::usable(id, false).map_err(|_| Error::<T>::DatasetUnusable)?;
			ensure!(usable.cid == *cid, Error::<T>::DatasetContentMismatch);
			size = usable.size;
		}
		// The last one read is the held-out set.
		Ok(size)
	}

	/// The epoch under way, if its phase is one `allowed`.
	fn in_phase(allowed: impl Fn(&PhaseOf<T>) -> bool) -> Result<EpochOf<T>, Error<T>> {
		Epoch::<T>::get().filter(|epoch| allowed(&epoch.phase)).ok_or(Error::<T>::WrongPhase)
	}

	/// Check the invariants listed in the crate documentation (`try_state`, and tests of the
	/// runtime that embeds this pallet).
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let open = Open::<T>::get();
		let epoch = Epoch::<T>::get();
		for (id, proposal) in Proposals::<T>::iter() {
			ensure!(open.contains(&id), "a stored proposal is not listed as open");
			ensure!(
				epoch.as_ref().map(|e| e.index) == Some(proposal.epoch),
				"a proposal of another epoch is kept"
			);
			let endorsed: u128 = proposal.endorsements.iter().map(|(_, c)| u128::from(*c)).sum();
			ensure!(
				u128::from(proposal.backing) == u128::from(proposal.deposit) + endorsed,
				"a proposal's backing differs from its deposit and endorsements"
			);
		}
		let phase = epoch.map(|e| e.phase);
		let training = matches!(phase, Some(Phase::Training { .. }));
		let benchmarking = matches!(phase, Some(Phase::Benchmarking { .. }));
		ensure!(
			!Candidate::<T>::exists() || training || benchmarking,
			"a candidate outside Training and Benchmarking"
		);
		ensure!(Panel::<T>::get().is_empty() || benchmarking, "a panel outside Benchmarking");
		ensure!(
			ParentBlocks::<T>::get().is_empty() || training || benchmarking,
			"pinned parent blocks outside Training and Benchmarking"
		);
		Ok(())
	}
}
