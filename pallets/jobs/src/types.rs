//! The stored shapes of a job: its stage, the evaluation panel and the assignments of workers.

use super::*;

/// One evaluator's place on a panel.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Seat<AccountId> {
	pub evaluator: AccountId,
	/// Hash of the attestation to come (see `attestation_commitment`).
	pub commitment: Option<H256>,
	/// The revealed attestation.
	pub attestation: Option<Attestation>,
}

/// A submitted candidate under evaluation.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	TypeInfo,
	MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
pub struct Evaluation<T: Config> {
	pub trainer: T::AccountId,
	pub submission: Submission,
	pub submitted_at: BlockNumberFor<T>,
	/// Drawn so far; the panel is complete when it has as many seats as the job asks.
	pub panel: BoundedVec<Seat<T::AccountId>, T::MaxEvaluators>,
	/// Seed of the last draw; evaluators derive the segments they replay from it.
	pub seed: [u8; 32],
	/// While the panel is incomplete: when drawing gives up. Then: when commits close.
	pub commit_deadline: BlockNumberFor<T>,
	/// When reveals close (set when the panel is complete).
	pub reveal_deadline: BlockNumberFor<T>,
	/// Whether the model was still in the pinned revision once reveals were open (checked at
	/// each reveal): every commitment was then made in the pinned state, so the attestations
	/// judge the submission even if the model moves on before the verdict (which then only
	/// forbids the adoption). Until then, a move voids the job.
	pub context_held: bool,
}

/// What a trainer submits beside the candidate's weights: its sealed claim, the training record
/// and the model revision it trained against.
pub(crate) struct Pinned {
	pub sealed_claim: H256,
	pub manifest: Payload,
	pub checkpoint_root: H256,
	pub revision: u32,
}

/// Where a job stands.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	TypeInfo,
	MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
// A stored value, decoded whole for every access: boxing the evaluation would save no storage
// and add an allocation to each read.
#[allow(clippy::large_enum_variant)]
pub enum Stage<T: Config> {
	/// Waiting for a trainer until `deadline`.
	Open { deadline: BlockNumberFor<T> },
	/// Accepted by `trainer`, who must submit by `deadline`. `revision` is the model's
	/// revision at acceptance: the trainer cannot have trained against an earlier one.
	Training { trainer: T::AccountId, deadline: BlockNumberFor<T>, revision: u32 },
	/// A candidate is being evaluated.
	Evaluating(Evaluation<T>),
}

/// A posted job (or an open submission) and its escrow.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	TypeInfo,
	MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
pub struct Job<T: Config> {
	/// Who pays, and gets back what is not paid out.
	pub poster: T::AccountId,
	pub spec: JobSpec,
	/// The base block's score and the model's delta when the job was posted.
	pub base_score: Score,
	pub delta: Score,
	/// The trainer's reward on adoption (zero for an open submission).
	pub reward: BalanceOf<T>,
	/// Paid to each honest evaluator.
	pub evaluator_fee: BalanceOf<T>,
	/// To the treasury.
	pub protocol_fee: BalanceOf<T>,
	pub stage: Stage<T>,
	/// The block of this job's agenda entry.
	pub due: BlockNumberFor<T>,
	/// Held from the poster beside the escrow and paid to a trainer that misses the submission
	/// deadline: a job nobody can finish in its window costs its poster, not only its trainers.
	/// Zero for an open submission, which has no submission deadline.
	pub deposit: BalanceOf<T>,
	/// Trainers that missed the submission deadline so far; the job closes at `MaxTimeouts`.
	pub timeouts: u32,
	/// Stake its trainer commits (and loses if it cheats or misses the deadline): at least
	/// `TrainerCollateral`, and `CollateralPerReward` of the reward on a large job.
	pub trainer_collateral: BalanceOf<T>,
	/// Stake each evaluator commits: at least `EvaluatorCollateral`, and its share of
	/// `CollateralPerReward` of the reward on a large job.
	pub evaluator_collateral: BalanceOf<T>,
}

/// The work and collateral one account has committed to open jobs.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Assignment<Balance> {
	/// Open jobs the account trains or evaluates.
	pub jobs: u32,
	/// Stake committed to them.
	pub collateral: Balance,
}

impl<T: Config> Job<T> {
	/// Everything held from the poster for this job: the escrow and the timeout deposit.
	pub fn held(&self) -> BalanceOf<T> {
		self.escrow().total().saturating_add(self.deposit)
	}

	/// What is held for this job, by purpose.
	pub fn escrow(&self) -> aiblock_primitives::jobs::Escrow<BalanceOf<T>> {
		aiblock_primitives::jobs::Escrow {
			reward: self.reward,
			evaluator_fee: self.evaluator_fee,
			evaluators: self.spec.evaluators,
			protocol_fee: self.protocol_fee,
		}
	}
}

/// How a job ended. Kept in [`Outcomes`] for the most recent [`Config::OutcomesKept`] job ids,
/// so that its poster (a contract, through the runtime's precompile, or anyone) can read the
/// verdict after the job's own record is gone.
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
pub enum JobOutcome {
	/// Judged by its panel: `adopted`, its candidates are now current for their slots;
	/// `refuted`, the trainer's claim was proven false (or withheld) and it was slashed;
	/// `median`, the panel's median validation score.
	Finalized { adopted: bool, refuted: bool, median: Option<Score> },
	/// Its panel could not be completed in time: the escrow was refunded in full.
	NoQuorum,
	/// Withdrawn by its poster before a trainer took it.
	Cancelled,
	/// No trainer took it before its accept window ended.
	Expired,
	/// Its trainers missed `MaxTimeouts` deadlines (or the poster could not hold a new
	/// timeout deposit).
	Closed,
	/// The model moved on under it (its base block or its evaluation's context was replaced):
	/// everything refunded.
	Voided,
}
