//! The Evolution pallet's records.

use super::*;

/// A migration proposal of the epoch under way.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
pub struct Proposal<T: Config> {
	pub proposer: T::AccountId,
	pub epoch: EpochIndex,
	/// The model version it grows (the newest when it was made).
	pub parent: ModelIndex,
	pub migration: Migration,
	/// The successor the growth makes of the parent.
	pub spec: ModelSpec,
	/// Credits the proposer locked ([`Config::ProposalDeposit`]).
	pub deposit: Credits,
	/// Who endorsed it with how many locked credits, in order.
	pub endorsements: BoundedVec<(T::AccountId, Credits), T::MaxEndorsements>,
	/// The deposit and the endorsements together: what selection ranks by.
	pub backing: Credits,
}

/// Where an epoch is. Each phase lasts until [`EpochInfo::until`] (inclusive); the first block
/// after it moves the epoch on.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub enum Phase<AccountId, BlockNumber> {
	/// Proposals are made and endorsed.
	Proposing,
	/// `proposal` was selected; trainers bid credits for its training.
	Reserving { proposal: ProposalId },
	/// `trainer` won: it builds the grown model, trains it and submits it.
	Training { proposal: ProposalId, trainer: AccountId },
	/// The drawn panel commits its benchmarks until `commit_until`, then reveals them. `seed`
	/// (drawn with the panel, after the submission) picks the training segments every panel
	/// member replays, as a job's evaluation seed does.
	Benchmarking {
		proposal: ProposalId,
		trainer: AccountId,
		commit_until: BlockNumber,
		seed: [u8; 32],
	},
	/// The epoch's outcome stands; its credits were returned.
	Cleanup { outcome: Outcome },
}

/// How an epoch ended.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Outcome {
	/// No feasible proposal.
	NoProposal,
	/// No active trainer bid for the training.
	NoTrainer,
	/// The trainer submitted nothing (its bid is spent).
	NoCandidate,
	/// Too few evaluators to draw a panel.
	NoPanel,
	/// The grown model became model version `model`.
	Promoted { model: ModelIndex },
	/// The panel's verdict, or the registry's refusal, kept the parent.
	Rejected { verdict: Verdict },
	/// The newest model changed during the epoch (another version was registered): the
	/// candidate grew a model that is no longer the newest.
	ParentReplaced,
}

/// The epoch under way.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct EpochInfo<AccountId, BlockNumber> {
	pub index: EpochIndex,
	pub phase: Phase<AccountId, BlockNumber>,
	/// The last block of the phase.
	pub until: BlockNumber,
}

/// The trained grown model the epoch's trainer submitted.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
pub struct CandidateInfo<T: Config> {
	pub trainer: T::AccountId,
	/// One block per slot of the grown spec, in its canonical order.
	pub blocks: CandidateBlocks<T::MaxCandidateBlocks>,
	/// The training manifest: how the weights were derived (the growth, the recipe and the
	/// checkpoints); it becomes the migration block.
	pub manifest: Payload,
	pub submitted_at: BlockNumberFor<T>,
}

/// A panel member: its commitment, then its benchmark.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Seat<AccountId> {
	pub evaluator: AccountId,
	pub commitment: Option<H256>,
	pub benchmark: Option<Benchmark>,
}

pub type EpochOf<T> = EpochInfo<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
pub type PhaseOf<T> = Phase<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
pub type PanelOf<T> =
	BoundedVec<Seat<<T as frame_system::Config>::AccountId>, <T as Config>::PanelSize>;

/// The length of each phase of an epoch, in blocks: the genesis config may set them (the
/// development chain runs epochs of minutes); otherwise the runtime's constants hold.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct EpochWindows<BlockNumber> {
	pub proposing: BlockNumber,
	pub reserving: BlockNumber,
	pub training: BlockNumber,
	pub commit: BlockNumber,
	pub reveal: BlockNumber,
	pub cleanup: BlockNumber,
}
