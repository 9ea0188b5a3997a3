//! # Datasets pallet
//!
//! Governs what the model may learn from. A dataset goes through four stages:
//!
//! 1. **Proposed**: a proposer first commits to its proposal ([`Pallet::commit_proposal`]:
//!    a hash of the proposer, the metadata and a secret salt,
//!    [`aiblock_primitives::datasets::proposal_commitment`]), then, in a later block, proposes
//!    ([`Pallet::propose_dataset`]) and reveals the salt. Whoever reads a proposal in the
//!    transaction pool cannot take it over by proposing the same content with their own proof
//!    of work: their commitment is newer than the honest one, so if they get in first (under
//!    any name), the honest proposal, when it lands, takes the dataset back, metadata and all,
//!    while it is drawn or audited ([`Event::ProposerReplaced`]; an audit under way starts
//!    over). Content rejected for want of a panel or a quorum stays reserved for its proposer
//!    for a while ([`Reserved`]), the retry keeping the first commitment's place in line.
//!    Commitments serve for [`Config::ProposalCommitLifetime`] blocks, at most
//!    [`Config::MaxProposalCommits`] per account at once. The proposal states a dataset's
//!    name, version, SPDX license, content CID, size, the Merkle root over its 256 KiB chunks, sample hashes and the
//!    datasets it was derived from. No stake is asked (the seed's "zero economic barrier");
//!    spam is held back by the transaction fee, a proof of work bound to the proposer and the
//!    metadata ([`Config::PowDifficulty`] leading zero bits of
//!    [`aiblock_primitives::datasets::pow_hash`]: about a second of hashing at 20 bits, one hash
//!    to check) and a daily quota per proposer ([`Config::NewProposerQuota`], raised to
//!    [`Config::TrustedProposerQuota`] after [`Config::ApprovalsToTrust`] approved datasets).
//!    The same content (Merkle root) cannot be proposed again while a proposal of it stands.
//! 2. **Auditing**: at the start of the next block, [`Config::AuditorsPerDataset`] auditors
//!    (workers with the auditor role, listed before the proposal's block, never the proposer)
//!    are drawn with the lowest tickets for `blake2_256(parent_hash ‖ id)`, a hash that did not
//!    exist when the proposal was signed (the Jobs pallet's draw; its *Randomness* section says
//!    what a block author can still do). Each commits to an
//!    [`AuditReport`] within the audit commit window ([`Pallet::commit_audit`]) and
//!    reveals it within the reveal window ([`Pallet::reveal_audit`]). Once the
//!    reveal window is over, [`Pallet::advance`] (anyone may call it) takes the field-wise
//!    median of the revealed reports ([`median_report`]) and applies the automatic rules
//!    ([`Config::MaxPiiPpm`], [`Config::MaxDuplicatePpm`], [`Config::MaxToxicityPpm`], an
//!    unknown or forbidden license, content that did not match its commitment): a dataset
//!    they catch is rejected with the reason, provided a majority of the panel revealed
//!    reports that the rules reject too (one lying auditor beside a silent one decides
//!    nothing: the dataset is then not audited, and may be proposed again). Fewer reveals
//!    than a majority of the panel reject it as not audited. The audit is deterministic (honest auditors agree exactly), so
//!    auditors whose report is the median are recorded a success in the Workers registry, and
//!    those who did not reveal, or revealed another report, a failure.
//! 3. **Voting**: registered, active workers vote aye or nay ([`Pallet::vote`]), one worker
//!    one vote (not weighted by wealth; a vote costs a worker's bond, which is what a Sybil
//!    pays), the proposer excluded, for the voting window. Only workers
//!    registered before the dataset was proposed vote, so that nobody registers voters after
//!    seeing the question, and [`Config::MaxVotesPerDataset`] (at least the registry's voters) turns
//!    nobody away unless thousands of bonded workers already voted. Then
//!    [`Pallet::advance`] counts: below the quorum of votes the dataset is rejected;
//!    otherwise the ayes' share gives the [`Tier`] (Gold ≥ 75 %, Silver ≥ 60 %, Experimental ≥
//!    40 %) or a rejection below 40 %.
//! 4. **Approved**: queryable in [`Datasets`] and through [`DatasetsInspect`] (jobs train only
//!    on approved datasets, Experimental ones only when the job allows them).
//!    [`Pallet::quarantine`] ([`Config::GovernanceOrigin`]) takes an approved dataset out after
//!    a report; no new job may use it, and jobs posted on it are no longer accepted.
//!
//! Governance can also enter a dataset it vouches for as approved, without the pipeline
//! ([`Pallet::register_approved`]: a corpus a network starts from, or a decision taken
//! elsewhere); the event says so.
//!
//! The windows and the quorum are [`PipelineParams`] in [`Params`]: set at genesis (minutes on
//! the development chain, days on the local and production ones), changed by governance
//! ([`Pallet::set_params`]), and the `Config` constants when neither did.
//!
//! ## Invariants
//! 1. Every dataset's id is below [`NextDatasetId`].
//! 2. A dataset is in [`Drawing`] exactly when it is at the `Proposed` stage.
//! 3. Audit commitments and reports exist only for datasets being audited, and only from their
//!    panel's auditors; every report has a commitment.
//! 4. Votes and tallies exist only for datasets being voted on; each tally counts exactly its
//!    dataset's votes, at most [`Config::MaxVotesPerDataset`].
//! 5. [`ByContent`] names, for each Merkle root, a dataset with that root that is not
//!    rejected for want of auditors or votes ([`Rejection::allows_retry`]).
//! 6. [`ProposalCommits`] holds no empty list, no commitment twice in a list, and none from a
//!    block still to come.
//! 7. [`CommittedAt`] holds only datasets that are proposed or being audited, each committed
//!    before its proposal's block.
//! 8. No content is both in [`ByContent`] and [`Reserved`].
//!
//! They are checked in `try_state`, which the unit tests run after every test.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod invariants;
pub mod migrations;
#[cfg(test)]
mod mock;
mod pipeline;
mod queries;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

use aiblock_primitives::{
	credits::{Contribution, MintCredits},
	datasets::{
		audit_commitment, median_report, pow_solves, proposal_commitment, AuditReport, AuditRules,
		DatasetId, DatasetMeta, DatasetRecord, DatasetStatus, DatasetsInspect, MetaError,
		ProposalQuota, Rejection, Tier, Unusable, UsableDataset, VoteRules,
	},
	workers::{Outcome, Role, WorkerRegistry},
	H256,
};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{dispatch::WithPostDispatchInfo, pallet_prelude::*};
use frame_system::pallet_prelude::*;
use sp_runtime::{
	traits::{One, Saturating, Zero},
	Permill, SaturatedConversion,
};

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The first version (see [`migrations`]).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The auditors and voters, and their track record.
		type Registry: WorkerRegistry<Self::AccountId, BlockNumber = BlockNumberFor<Self>>;

		/// Who may quarantine an approved dataset, or enter one as approved (root until
		/// governance exists).
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Leading zero bits a proposal's proof of work needs.
		#[pallet::constant]
		type PowDifficulty: Get<u32>;

		/// Length of a proposal quota period ("day") in blocks.
		#[pallet::constant]
		type QuotaPeriod: Get<BlockNumberFor<Self>>;

		/// Proposals per period for an account with fewer than `ApprovalsToTrust` approvals.
		#[pallet::constant]
		type NewProposerQuota: Get<u32>;

		/// Proposals per period for an account with `ApprovalsToTrust` approvals or more.
		#[pallet::constant]
		type TrustedProposerQuota: Get<u32>;

		/// Approved datasets that raise a proposer's quota.
		#[pallet::constant]
		type ApprovalsToTrust: Get<u32>;

		/// Proposal commitments one account may hold at once (unexpired ones; a bound on the
		/// state a commitment costs).
		#[pallet::constant]
		type MaxProposalCommits: Get<u32>;

		/// Blocks after its own in which a proposal commitment can be used; also how long
		/// content rejected for a reason that allows a retry stays reserved for its proposer.
		#[pallet::constant]
		type ProposalCommitLifetime: Get<BlockNumberFor<Self>>;

		/// Most proposals one block may hold (their panels are drawn in the next block's
		/// initialisation, whose weight this bounds).
		#[pallet::constant]
		type MaxProposalsPerBlock: Get<u32>;

		/// Auditors drawn per dataset.
		#[pallet::constant]
		type AuditorsPerDataset: Get<u32>;

		/// Bound of a panel (at least `AuditorsPerDataset`).
		#[pallet::constant]
		type MaxAuditors: Get<u32>;

		/// The most auditors the registry lists (the Workers pallet's per-role limit): a draw
		/// reads them all, so it bounds the draw's weight.
		#[pallet::constant]
		type MaxAuditorPool: Get<u32>;

		/// Blocks the panel has to commit to its reports, the draw's block included (when
		/// [`Params`] holds none).
		#[pallet::constant]
		type AuditCommitWindow: Get<BlockNumberFor<Self>>;

		/// Blocks the panel then has to reveal them (when [`Params`] holds none).
		#[pallet::constant]
		type AuditRevealWindow: Get<BlockNumberFor<Self>>;

		/// Blocks the vote lasts, the block that opened it included (when [`Params`] holds
		/// none).
		#[pallet::constant]
		type VotingWindow: Get<BlockNumberFor<Self>>;

		/// Votes a dataset needs for any tier (when [`Params`] holds none).
		#[pallet::constant]
		type VoteQuorum: Get<u32>;

		/// Most votes one dataset takes (a bound on what deciding it clears). Set it to the
		/// most workers the registry lists, so that the bound never turns a voter away.
		#[pallet::constant]
		type MaxVotesPerDataset: Get<u32>;

		/// The automatic rejections: personal data, duplicates and flagged content above
		/// these rates (parts per million) in the median report.
		#[pallet::constant]
		type MaxPiiPpm: Get<u32>;
		#[pallet::constant]
		type MaxDuplicatePpm: Get<u32>;
		#[pallet::constant]
		type MaxToxicityPpm: Get<u32>;

		/// PoL credits for each honest audit (a report equal to the panel's median) and for
		/// the proposer of a dataset the vote approves at Gold.
		type Credits: MintCredits<Self::AccountId>;

		/// Weights of this pallet's calls and hook.
		type WeightInfo: WeightInfo;

		/// Makes registered workers for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The id the next proposal gets.
	#[pallet::storage]
	pub type NextDatasetId<T: Config> = StorageValue<_, DatasetId, ValueQuery>;

	/// Every proposed dataset.
	#[pallet::storage]
	pub type Datasets<T: Config> =
		StorageMap<_, Twox64Concat, DatasetId, DatasetInfo<T>, OptionQuery>;

	/// The standing proposal of each content (Merkle root): the same bytes are not audited
	/// twice at once, nor proposed again once approved.
	#[pallet::storage]
	pub type ByContent<T: Config> = StorageMap<_, Identity, H256, DatasetId, OptionQuery>;

	/// The windows and quorum set at genesis or by governance (the `Config` defaults when
	/// empty).
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, PipelineParams<BlockNumberFor<T>>, OptionQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The chain's windows and quorum (none: the runtime's defaults).
		pub params: Option<PipelineParams<BlockNumberFor<T>>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(params) = self.params {
				assert!(Pallet::<T>::params_are_valid(&params), "invalid dataset pipeline params");
				Params::<T>::put(params);
			}
		}
	}

	/// This block's proposals, whose auditors the next block draws.
	#[pallet::storage]
	pub type Drawing<T: Config> =
		StorageValue<_, BoundedVec<DatasetId, T::MaxProposalsPerBlock>, ValueQuery>;

	/// Each proposer's approvals and quota use.
	#[pallet::storage]
	pub type Proposers<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, ProposerRecord, ValueQuery>;

	/// Each account's commitments to proposals it has not made yet, with the block of each.
	#[pallet::storage]
	pub type ProposalCommits<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<(H256, BlockNumberFor<T>), T::MaxProposalCommits>,
		ValueQuery,
	>;

	/// The block of the commitment behind each proposal still being drawn or audited: the same
	/// proposal committed earlier takes it over.
	#[pallet::storage]
	pub type CommittedAt<T: Config> =
		StorageMap<_, Twox64Concat, DatasetId, BlockNumberFor<T>, OptionQuery>;

	/// Content whose dataset was rejected for want of a panel or of a quorum: only its
	/// proposer (or an older commitment) may propose it again, until the block given (its
	/// metadata is public; a copier would otherwise take the retry).
	#[pallet::storage]
	pub type Reserved<T: Config> = StorageMap<_, Identity, H256, ReservationOf<T>, OptionQuery>;

	/// Auditors' commitments to their reports.
	#[pallet::storage]
	pub type AuditCommits<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		DatasetId,
		Blake2_128Concat,
		T::AccountId,
		H256,
		OptionQuery,
	>;

	/// Revealed reports.
	#[pallet::storage]
	pub type AuditReports<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		DatasetId,
		Blake2_128Concat,
		T::AccountId,
		AuditReport,
		OptionQuery,
	>;

	/// Votes cast (`true`: aye) on datasets being voted on.
	#[pallet::storage]
	pub type Votes<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		DatasetId,
		Blake2_128Concat,
		T::AccountId,
		bool,
		OptionQuery,
	>;

	/// The vote count of datasets being voted on.
	#[pallet::storage]
	pub type Tallies<T: Config> = StorageMap<_, Twox64Concat, DatasetId, Tally, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An account committed to a proposal it will make in a later block.
		ProposalCommitted { proposer: T::AccountId, commitment: H256 },
		/// The same proposal, committed to earlier by `proposer`, took dataset `id` over from
		/// `previous` (who proposed it first, most likely copied from the pool).
		ProposerReplaced { id: DatasetId, previous: T::AccountId, proposer: T::AccountId },
		/// A dataset was proposed; its auditors are drawn next block.
		DatasetProposed { id: DatasetId, proposer: T::AccountId, merkle_root: H256, size: u64 },
		/// Its auditors were drawn.
		AuditorsDrawn { id: DatasetId, panel: PanelOf<T>, reveal_until: BlockNumberFor<T> },
		/// An auditor committed to its report.
		AuditCommitted { id: DatasetId, auditor: T::AccountId },
		/// An auditor revealed its report.
		AuditRevealed { id: DatasetId, auditor: T::AccountId, report: AuditReport },
		/// An auditor revealed a report other than the panel's median (a failure on its
		/// record: the audit is deterministic).
		AuditDisagreed { id: DatasetId, auditor: T::AccountId },
		/// The audit is over: the median of `revealed` reports passed the automatic rules and
		/// the vote is open.
		VotingOpened { id: DatasetId, median: AuditReport, revealed: u32, until: BlockNumberFor<T> },
		/// A worker voted.
		Voted { id: DatasetId, voter: T::AccountId, aye: bool },
		/// Approved at `tier`.
		DatasetApproved { id: DatasetId, tier: Tier, ayes: u32, nays: u32 },
		/// Not approved, and why.
		DatasetRejected { id: DatasetId, reason: Rejection },
		/// Taken out by governance: no new job may use it.
		DatasetQuarantined { id: DatasetId },
		/// Entered by governance as approved at `tier`, without the pipeline.
		DatasetRegistered { id: DatasetId, proposer: T::AccountId, tier: Tier },
		/// Governance set the windows and quorum (for stages that begin from now on).
		ParamsSet { params: PipelineParams<BlockNumberFor<T>> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The name is empty.
		EmptyName,
		/// The name is not UTF-8.
		NameNotUtf8,
		/// The license is not an SPDX license id or expression.
		BadLicense,
		/// The CID is not one the store can address (CIDv1, raw or dag-pb, sha2-256).
		UnsupportedCid,
		/// The size is zero.
		EmptyDataset,
		/// A dataset it claims to derive from does not exist.
		UnknownParent,
		/// The nonce does not give the hash enough leading zero bits for this proposer and
		/// metadata.
		ProofOfWorkTooWeak,
		/// The proposer holds no unexpired commitment to this proposal (metadata and salt).
		ProposalNotCommitted,
		/// The commitment is from this block: propose in a later one.
		ProposalCommittedThisBlock,
		/// The account holds as many proposal commitments as it may: propose, or wait for one
		/// to expire.
		TooManyProposalCommits,
		/// The account already holds this commitment.
		ProposalAlreadyCommitted,
		/// The proposer's quota for this period is spent.
		QuotaExhausted,
		/// This block holds as many proposals as it may: propose in the next one.
		TooManyProposalsThisBlock,
		/// The same content (Merkle root) is already proposed or approved (and this proposal
		/// was not committed earlier than the other, while the other is drawn or audited).
		ContentAlreadyProposed,
		/// The content's dataset was rejected for want of a panel or a quorum: for a while, only
		/// its proposer (or a commitment older than its proposal's) may propose it again.
		ContentReserved,
		/// No dataset has this id.
		UnknownDataset,
		/// The dataset is not being audited.
		NotAuditing,
		/// The caller is not among the dataset's auditors.
		NotAnAuditor,
		/// The commit window is over.
		CommitWindowClosed,
		/// The caller already committed.
		AlreadyCommitted,
		/// Reveals start after the commit window.
		RevealNotOpen,
		/// The reveal window is over.
		RevealWindowClosed,
		/// The caller committed nothing to reveal.
		NotCommitted,
		/// The caller already revealed.
		AlreadyRevealed,
		/// The report and salt do not hash to the commitment.
		CommitmentMismatch,
		/// A rate above a million parts per million.
		MalformedReport,
		/// The dataset is not being voted on.
		NotVoting,
		/// The voting window is over.
		VotingClosed,
		/// Only registered, active workers vote.
		NotAWorker,
		/// Only workers registered before the dataset was proposed vote on it.
		RegisteredTooLate,
		/// A proposer does not vote on its own dataset.
		OwnDataset,
		/// The caller already voted.
		AlreadyVoted,
		/// The dataset has taken as many votes as it may.
		TooManyVotes,
		/// The current stage's window is not over yet (or the panel is drawn next block).
		TooEarly,
		/// The dataset's pipeline has ended.
		AlreadyDecided,
		/// Only an approved dataset can be quarantined.
		NotApproved,
		/// No more dataset ids.
		Overflow,
		/// Larger than any worker fetches (`aiblock_primitives::datasets::MAX_DATASET_BYTES`).
		DatasetTooLarge,
		/// A window of no block, or a quorum the vote bound cannot reach.
		BadParams,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Draw the auditors of the previous block's proposals.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let proposals = Drawing::<T>::take();
			let drawn = proposals.len() as u32;
			let parent = frame_system::Pallet::<T>::parent_hash();
			for id in proposals {
				Self::draw_panel(id, now, parent.as_ref());
			}
			T::WeightInfo::draw_panels(drawn)
		}

		fn integrity_test() {
			assert!(T::AuditorsPerDataset::get() >= 1, "a panel needs an auditor");
			assert!(
				T::MaxAuditors::get() >= T::AuditorsPerDataset::get(),
				"MaxAuditors must hold AuditorsPerDataset"
			);
			assert!(Self::params_are_valid(&Self::default_params()), "invalid default params");
			assert!(!T::QuotaPeriod::get().is_zero(), "the quota needs a period");
			assert!(
				!T::ProposalCommitLifetime::get().is_zero(),
				"a proposal commitment must outlive its block"
			);
			// Lowering it on a live chain needs a migration: longer lists would not decode.
			assert!(T::MaxProposalCommits::get() >= 1, "a proposer must be able to commit");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Propose a dataset described by `meta`, with a proof of work `pow_nonce` and the
		/// `salt` of the caller's earlier [`Pallet::commit_proposal`] (which this consumes).
		///
		/// Parents may be at any stage: a cleaned version of a rejected dataset names the one it
		/// was cleaned from.
		///
		/// A proposal of the same content (Merkle root) made by another account whose
		/// commitment is newer takes nothing: while that dataset is proposed or being audited,
		/// this proposal takes it over, metadata and all ([`Event::ProposerReplaced`]; an audit
		/// under way starts over with a new panel). A copier reads the proposal only once it is
		/// sent, after the honest commitment, so however long the honest proposal takes to land
		/// (a full block, an exhausted quota, a failed attempt whose arguments are on chain),
		/// it wins while the audit lasts. Content whose dataset was rejected for want of a panel
		/// or a quorum stays reserved for its proposer for [`Config::ProposalCommitLifetime`]
		/// blocks, and the retry keeps the first commitment's block.
		///
		/// Origin: signed, any account (no stake) that committed to this proposal in an earlier
		/// block. Errors: the metadata's ([`Error::EmptyName`], [`Error::NameNotUtf8`],
		/// [`Error::BadLicense`], [`Error::UnsupportedCid`], [`Error::EmptyDataset`],
		/// [`Error::DatasetTooLarge`], [`Error::UnknownParent`]),
		/// [`Error::ProposalNotCommitted`], [`Error::ProposalCommittedThisBlock`],
		/// [`Error::ProofOfWorkTooWeak`], [`Error::QuotaExhausted`],
		/// [`Error::ContentAlreadyProposed`], [`Error::ContentReserved`],
		/// [`Error::TooManyProposalsThisBlock`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::propose_dataset()
			.max(T::WeightInfo::propose_dataset_takeover()))]
		pub fn propose_dataset(
			origin: OriginFor<T>,
			meta: DatasetMeta,
			pow_nonce: u64,
			salt: H256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			meta.check().map_err(Error::<T>::from)?;
			let now = frame_system::Pallet::<T>::block_number();
			let mut commits = ProposalCommits::<T>::get(&who);
			let commitment = proposal_commitment(&who, &meta, &salt);
			let position = commits
				.iter()
				.position(|(c, at)| *c == commitment && Self::commit_is_live(*at, now))
				.ok_or(Error::<T>::ProposalNotCommitted)?;
			// In the proposal's own block, a commitment could have been made after reading the
			// proposal in the pool: that is the copy this step exists to stop.
			let committed_at = commits[position].1;
			ensure!(committed_at < now, Error::<T>::ProposalCommittedThisBlock);
			commits.remove(position);
			commits.retain(|(_, at)| Self::commit_is_live(*at, now));
			for parent in &meta.derived_from {
				ensure!(Datasets::<T>::contains_key(parent), Error::<T>::UnknownParent);
			}
			ensure!(
				pow_solves(&who, &meta, pow_nonce, T::PowDifficulty::get()),
				Error::<T>::ProofOfWorkTooWeak
			);
			let mut record = Proposers::<T>::get(&who);
			let quota = Self::quota().limit(record.approvals);
			ensure!(record.quota.try_use(Self::period(now), quota), Error::<T>::QuotaExhausted);
			if let Some(id) = ByContent::<T>::get(meta.merkle_root) {
				Self::take_over(id, &who, meta, committed_at)?;
				Proposers::<T>::insert(&who, record);
				Self::put_commits(&who, commits);
				return Ok(());
			}
			// The proposer of a retry keeps its first proposal's place in line; only a
			// commitment older than that one (the copied proposer's own) overrides it.
			let mut committed_at = committed_at;
			if let Some(reserved) = Reserved::<T>::get(meta.merkle_root) {
				ensure!(
					reserved.owner == who
						|| now > reserved.until
						|| committed_at < reserved.committed_at,
					Error::<T>::ContentReserved
				);
				if reserved.owner == who {
					committed_at = committed_at.min(reserved.committed_at);
				}
				Reserved::<T>::remove(meta.merkle_root);
			}
			let id = NextDatasetId::<T>::get();
			let next = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
			Drawing::<T>::try_append(id).map_err(|_| Error::<T>::TooManyProposalsThisBlock)?;
			NextDatasetId::<T>::put(next);
			Proposers::<T>::insert(&who, record);
			Self::put_commits(&who, commits);
			ByContent::<T>::insert(meta.merkle_root, id);
			CommittedAt::<T>::insert(id, committed_at);
			let (merkle_root, size) = (meta.merkle_root, meta.size);
			Datasets::<T>::insert(
				id,
				DatasetInfo {
					meta,
					proposer: who.clone(),
					proposed_at: now,
					stage: Stage::Proposed,
				},
			);
			Self::deposit_event(Event::DatasetProposed { id, proposer: who, merkle_root, size });
			Ok(())
		}

		/// Commit to an audit report of dataset `id`: `commitment` is
		/// [`aiblock_primitives::datasets::audit_commitment`] of the report and a secret salt.
		///
		/// Origin: signed, one of the dataset's drawn auditors, within the commit window.
		/// Errors: [`Error::UnknownDataset`], [`Error::NotAuditing`], [`Error::NotAnAuditor`],
		/// [`Error::CommitWindowClosed`], [`Error::AlreadyCommitted`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::commit_audit())]
		pub fn commit_audit(
			origin: OriginFor<T>,
			id: DatasetId,
			commitment: H256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let (panel, commit_until, _) = Self::auditing(id)?;
			ensure!(panel.contains(&who), Error::<T>::NotAnAuditor);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now <= commit_until, Error::<T>::CommitWindowClosed);
			ensure!(!AuditCommits::<T>::contains_key(id, &who), Error::<T>::AlreadyCommitted);
			AuditCommits::<T>::insert(id, &who, commitment);
			Self::deposit_event(Event::AuditCommitted { id, auditor: who });
			Ok(())
		}

		/// Reveal the report committed to for dataset `id`, with its `salt`.
		///
		/// Origin: signed, an auditor that committed, after the commit window and within the
		/// reveal window. Errors: [`Error::UnknownDataset`], [`Error::NotAuditing`],
		/// [`Error::RevealNotOpen`], [`Error::RevealWindowClosed`], [`Error::NotCommitted`],
		/// [`Error::AlreadyRevealed`], [`Error::MalformedReport`],
		/// [`Error::CommitmentMismatch`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::reveal_audit())]
		pub fn reveal_audit(
			origin: OriginFor<T>,
			id: DatasetId,
			report: AuditReport,
			salt: H256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let (_, commit_until, reveal_until) = Self::auditing(id)?;
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now > commit_until, Error::<T>::RevealNotOpen);
			ensure!(now <= reveal_until, Error::<T>::RevealWindowClosed);
			let commitment = AuditCommits::<T>::get(id, &who).ok_or(Error::<T>::NotCommitted)?;
			ensure!(!AuditReports::<T>::contains_key(id, &who), Error::<T>::AlreadyRevealed);
			ensure!(report.is_well_formed(), Error::<T>::MalformedReport);
			ensure!(
				audit_commitment(id, &who, &report, &salt) == commitment,
				Error::<T>::CommitmentMismatch
			);
			AuditReports::<T>::insert(id, &who, report);
			Self::deposit_event(Event::AuditRevealed { id, auditor: who, report });
			Ok(())
		}

		/// Vote on dataset `id`: `aye` to approve it.
		///
		/// Origin: signed, a registered and active worker (any role), registered before the
		/// dataset was proposed, other than the proposer, once, within the voting window. Errors:
		/// [`Error::UnknownDataset`], [`Error::NotVoting`], [`Error::VotingClosed`],
		/// [`Error::OwnDataset`], [`Error::NotAWorker`], [`Error::RegisteredTooLate`],
		/// [`Error::AlreadyVoted`], [`Error::TooManyVotes`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::vote())]
		pub fn vote(origin: OriginFor<T>, id: DatasetId, aye: bool) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let info = Datasets::<T>::get(id).ok_or(Error::<T>::UnknownDataset)?;
			let Stage::Voting { until, .. } = info.stage else {
				return Err(Error::<T>::NotVoting.into());
			};
			ensure!(frame_system::Pallet::<T>::block_number() <= until, Error::<T>::VotingClosed);
			ensure!(who != info.proposer, Error::<T>::OwnDataset);
			ensure!(
				[Role::Trainer, Role::Evaluator, Role::Auditor]
					.iter()
					.any(|&role| T::Registry::is_active(&who, role)),
				Error::<T>::NotAWorker
			);
			// Before the proposal, not only before the vote: the question was public from the
			// proposal on, so voters registered for it would be bought for it.
			ensure!(
				T::Registry::registered_at(&who).is_some_and(|at| at < info.proposed_at),
				Error::<T>::RegisteredTooLate
			);
			ensure!(!Votes::<T>::contains_key(id, &who), Error::<T>::AlreadyVoted);
			let mut tally = Tallies::<T>::get(id);
			ensure!(tally.votes() < T::MaxVotesPerDataset::get(), Error::<T>::TooManyVotes);
			if aye {
				tally.ayes.saturating_inc();
			} else {
				tally.nays.saturating_inc();
			}
			Tallies::<T>::insert(id, tally);
			Votes::<T>::insert(id, &who, aye);
			Self::deposit_event(Event::Voted { id, voter: who, aye });
			Ok(())
		}

		/// Move dataset `id` on once its window is over: judge the audit (open the vote, or
		/// reject), or count the vote (approve at a tier, or reject).
		///
		/// Origin: signed, anyone (the proposer has a reason to). Errors:
		/// [`Error::UnknownDataset`], [`Error::TooEarly`], [`Error::AlreadyDecided`].
		#[pallet::call_index(4)]
		#[pallet::weight(Pallet::<T>::judge_audit_weight(T::MaxAuditors::get())
			.max(Pallet::<T>::count_votes_weight(T::MaxVotesPerDataset::get())))]
		pub fn advance(origin: OriginFor<T>, id: DatasetId) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			// A refused call (too early, already moved on by someone else) read one record:
			// that is what it pays for, not the worst case of the counts below.
			let refused = |e: Error<T>| e.with_weight(T::DbWeight::get().reads(1));
			let mut info = Datasets::<T>::get(id).ok_or_else(|| refused(Error::UnknownDataset))?;
			let now = frame_system::Pallet::<T>::block_number();
			let weight = match info.stage.clone() {
				Stage::Proposed => return Err(refused(Error::TooEarly)),
				Stage::Auditing { panel, reveal_until, .. } => {
					ensure!(now > reveal_until, refused(Error::TooEarly));
					let audited = panel.len() as u32;
					info.stage = Self::judge_audit(id, &panel, now);
					Self::judge_audit_weight(audited)
				},
				Stage::Voting { median, until, .. } => {
					ensure!(now > until, refused(Error::TooEarly));
					let tally = Tallies::<T>::take(id);
					// Every vote is counted in the tally, so this clears them all.
					let _ = Votes::<T>::clear_prefix(id, tally.votes(), None);
					info.stage = Self::count_votes(id, &info.proposer, median, tally);
					Self::count_votes_weight(tally.votes())
				},
				_ => return Err(refused(Error::AlreadyDecided)),
			};
			let mut weight = weight;
			if let Stage::Rejected { reason } = info.stage {
				Self::free_content(id, &info, reason, now);
				// The benchmarks measure the vote's path; a rejection frees and reserves.
				weight.saturating_accrue(T::DbWeight::get().reads_writes(1, 3));
			}
			// Past the audit, nobody takes the proposal over.
			CommittedAt::<T>::remove(id);
			Datasets::<T>::insert(id, info);
			Ok(Some(weight).into())
		}

		/// Quarantine approved dataset `id` (after a report): no new job may use it.
		///
		/// Origin: [`Config::GovernanceOrigin`]. Errors: [`Error::UnknownDataset`],
		/// [`Error::NotApproved`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::quarantine())]
		pub fn quarantine(origin: OriginFor<T>, id: DatasetId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Datasets::<T>::try_mutate(id, |info| {
				let info = info.as_mut().ok_or(Error::<T>::UnknownDataset)?;
				let Stage::Approved { tier, .. } = info.stage else {
					return Err(Error::<T>::NotApproved);
				};
				info.stage = Stage::Quarantined { tier };
				Ok(())
			})?;
			Self::deposit_event(Event::DatasetQuarantined { id });
			Ok(())
		}

		/// Enter the dataset `meta` as approved at `tier`, proposed by `proposer` (the data
		/// contributor its rewards go to), without audit or vote.
		///
		/// Origin: [`Config::GovernanceOrigin`]. Errors: the metadata's (as in
		/// [`Pallet::propose_dataset`]), [`Error::ContentAlreadyProposed`], [`Error::Overflow`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::register_approved())]
		pub fn register_approved(
			origin: OriginFor<T>,
			meta: DatasetMeta,
			proposer: T::AccountId,
			tier: Tier,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			meta.check().map_err(Error::<T>::from)?;
			for parent in &meta.derived_from {
				ensure!(Datasets::<T>::contains_key(parent), Error::<T>::UnknownParent);
			}
			ensure!(
				!ByContent::<T>::contains_key(meta.merkle_root),
				Error::<T>::ContentAlreadyProposed
			);
			let id = NextDatasetId::<T>::get();
			NextDatasetId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
			ByContent::<T>::insert(meta.merkle_root, id);
			// Governance's word stands over a proposer's reservation of the content.
			Reserved::<T>::remove(meta.merkle_root);
			let proposed_at = frame_system::Pallet::<T>::block_number();
			// No auditor looked at it: the median stands for "not measured", the license
			// as governance vouches for it.
			let median = AuditReport {
				content_matches: true,
				chunks_checked: 0,
				duplicate_ppm: 0,
				pii_ppm: 0,
				toxicity_ppm: 0,
				license: aiblock_primitives::datasets::LicenseCheck::Allowed,
				learning_value: 0,
			};
			Datasets::<T>::insert(
				id,
				DatasetInfo {
					meta,
					proposer: proposer.clone(),
					proposed_at,
					stage: Stage::Approved { tier, median },
				},
			);
			Self::deposit_event(Event::DatasetRegistered { id, proposer, tier });
			Ok(())
		}

		/// Set the pipeline's windows and quorum; stages already under way keep the windows
		/// they began with, and a vote is counted with the quorum in force when it is counted.
		///
		/// Origin: [`Config::GovernanceOrigin`]. Errors: [`Error::BadParams`] (a window of no
		/// block, a quorum of none or above [`Config::MaxVotesPerDataset`]).
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(
			origin: OriginFor<T>,
			params: PipelineParams<BlockNumberFor<T>>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(Self::params_are_valid(&params), Error::<T>::BadParams);
			Params::<T>::put(params);
			Self::deposit_event(Event::ParamsSet { params });
			Ok(())
		}

		/// Commit to a proposal to make in a later block: `commitment` is
		/// [`aiblock_primitives::datasets::proposal_commitment`] of the caller, the metadata and
		/// a secret 32-byte salt. Commitments older than [`Config::ProposalCommitLifetime`] are
		/// dropped here.
		///
		/// Origin: signed, any account. Errors: [`Error::ProposalAlreadyCommitted`],
		/// [`Error::TooManyProposalCommits`] ([`Config::MaxProposalCommits`] unexpired ones).
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::commit_proposal())]
		pub fn commit_proposal(origin: OriginFor<T>, commitment: H256) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			let mut commits = ProposalCommits::<T>::get(&who);
			commits.retain(|(_, at)| Self::commit_is_live(*at, now));
			ensure!(
				commits.iter().all(|(c, _)| *c != commitment),
				Error::<T>::ProposalAlreadyCommitted
			);
			commits.try_push((commitment, now)).map_err(|_| Error::<T>::TooManyProposalCommits)?;
			ProposalCommits::<T>::insert(&who, commits);
			Self::deposit_event(Event::ProposalCommitted { proposer: who, commitment });
			Ok(())
		}
	}
}

/// A panel and its windows: commits until, reveals until.
type Audit<T> = (PanelOf<T>, BlockNumberFor<T>, BlockNumberFor<T>);

/// What the benchmarks need from the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Fund `who`, bond for it and register it as an online worker with `role`.
	fn make_worker(who: &AccountId, role: Role);

	/// Make worker `who` inactive while it stays listed (its bond below the minimum).
	fn make_inactive(who: &AccountId);
}

impl<T: Config> From<MetaError> for Error<T> {
	fn from(e: MetaError) -> Self {
		match e {
			MetaError::EmptyName => Error::EmptyName,
			MetaError::NameNotUtf8 => Error::NameNotUtf8,
			MetaError::BadLicense => Error::BadLicense,
			MetaError::UnsupportedCid => Error::UnsupportedCid,
			MetaError::EmptyDataset => Error::EmptyDataset,
			MetaError::TooLarge => Error::DatasetTooLarge,
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Judging an audit by `auditors`, each of whom may earn credits.
	fn judge_audit_weight(auditors: u32) -> Weight {
		T::WeightInfo::judge_audit(auditors)
			.saturating_add(T::Credits::mint_weight().saturating_mul(auditors.into()))
	}

	/// Counting `votes`, after which the proposer of a Gold dataset earns credits.
	fn count_votes_weight(votes: u32) -> Weight {
		T::WeightInfo::count_votes(votes).saturating_add(T::Credits::mint_weight())
	}

	fn quota() -> ProposalQuota {
		ProposalQuota {
			new: T::NewProposerQuota::get(),
			trusted: T::TrustedProposerQuota::get(),
			approvals_to_trust: T::ApprovalsToTrust::get(),
		}
	}

	/// The quota period of block `now`.
	fn period(now: BlockNumberFor<T>) -> u32 {
		let length = T::QuotaPeriod::get();
		if length.is_zero() {
			return 0;
		}
		(now / length).saturated_into()
	}

	/// Whether a proposal commitment made at block `at` can still be used at `now`: in the
	/// `ProposalCommitLifetime` blocks after its own.
	fn commit_is_live(at: BlockNumberFor<T>, now: BlockNumberFor<T>) -> bool {
		now.saturating_sub(at) <= T::ProposalCommitLifetime::get()
	}

	/// `who`'s proposal of `meta`, committed at block `committed_at`, meets dataset `id` of the
	/// same content (Merkle root): it takes the dataset over, metadata and all, when it was
	/// committed earlier and the dataset is still drawn or audited. A copier may have changed
	/// the name or the license, and the panel was drawn excluding the copier only: an audit
	/// under way starts over with a panel drawn next block.
	fn take_over(
		id: DatasetId,
		who: &T::AccountId,
		meta: DatasetMeta,
		committed_at: BlockNumberFor<T>,
	) -> DispatchResult {
		let mut info = Datasets::<T>::get(id).ok_or(Error::<T>::ContentAlreadyProposed)?;
		let theirs = CommittedAt::<T>::get(id).ok_or(Error::<T>::ContentAlreadyProposed)?;
		ensure!(committed_at < theirs, Error::<T>::ContentAlreadyProposed);
		match &info.stage {
			Stage::Proposed => {},
			Stage::Auditing { panel, .. } => {
				for auditor in panel {
					AuditCommits::<T>::remove(id, auditor);
					AuditReports::<T>::remove(id, auditor);
				}
				Drawing::<T>::try_append(id).map_err(|_| Error::<T>::TooManyProposalsThisBlock)?;
				info.stage = Stage::Proposed;
			},
			_ => return Err(Error::<T>::ContentAlreadyProposed.into()),
		}
		info.meta = meta;
		let previous = core::mem::replace(&mut info.proposer, who.clone());
		Datasets::<T>::insert(id, info);
		CommittedAt::<T>::insert(id, committed_at);
		Self::deposit_event(Event::ProposerReplaced { id, previous, proposer: who.clone() });
		Ok(())
	}

	/// Dataset `id` (`info`) was rejected at `now` for `reason`. Content that may be proposed
	/// again is freed; when the rejection was not the proposer's doing (no panel, no quorum)
	/// it stays reserved for the proposer for a while, with the proposal's commitment block,
	/// so that a copier who committed after the proposal was public cannot take the retry.
	pub(crate) fn free_content(
		id: DatasetId,
		info: &DatasetInfo<T>,
		reason: Rejection,
		now: BlockNumberFor<T>,
	) {
		if !reason.allows_retry() {
			return;
		}
		ByContent::<T>::remove(info.meta.merkle_root);
		if matches!(reason, Rejection::NotAudited | Rejection::NoQuorum { .. }) {
			let until = now.saturating_add(T::ProposalCommitLifetime::get());
			// A dataset proposed before commitments existed: its block stands in.
			let committed_at = CommittedAt::<T>::get(id)
				.unwrap_or_else(|| info.proposed_at.saturating_sub(One::one()));
			Reserved::<T>::insert(
				info.meta.merkle_root,
				Reservation { owner: info.proposer.clone(), until, committed_at },
			);
		}
	}

	/// Store `who`'s proposal commitments, or remove the entry when none is left.
	fn put_commits(
		who: &T::AccountId,
		commits: BoundedVec<(H256, BlockNumberFor<T>), T::MaxProposalCommits>,
	) {
		if commits.is_empty() {
			ProposalCommits::<T>::remove(who);
		} else {
			ProposalCommits::<T>::insert(who, commits);
		}
	}

	/// The runtime's default windows and quorum.
	pub fn default_params() -> PipelineParams<BlockNumberFor<T>> {
		PipelineParams {
			audit_commit_window: T::AuditCommitWindow::get(),
			audit_reveal_window: T::AuditRevealWindow::get(),
			voting_window: T::VotingWindow::get(),
			vote_quorum: T::VoteQuorum::get(),
		}
	}

	/// The windows and quorum in force.
	pub fn params() -> PipelineParams<BlockNumberFor<T>> {
		Params::<T>::get().unwrap_or_else(Self::default_params)
	}

	/// Every window at least a block, and a quorum of at least one vote that the vote bound
	/// can reach.
	fn params_are_valid(params: &PipelineParams<BlockNumberFor<T>>) -> bool {
		!params.audit_commit_window.is_zero()
			&& !params.audit_reveal_window.is_zero()
			&& !params.voting_window.is_zero()
			&& params.vote_quorum >= 1
			&& params.vote_quorum <= T::MaxVotesPerDataset::get()
	}

	/// The rules the median report is judged by.
	pub fn audit_rules() -> AuditRules {
		AuditRules {
			max_pii_ppm: T::MaxPiiPpm::get(),
			max_duplicate_ppm: T::MaxDuplicatePpm::get(),
			max_toxicity_ppm: T::MaxToxicityPpm::get(),
		}
	}

	/// The rules the vote is counted by (the seed's thresholds).
	pub fn vote_rules() -> VoteRules {
		VoteRules::seed(Self::params().vote_quorum)
	}

	/// Dataset `id`'s panel and windows (commits until, reveals until), when it is being
	/// audited.
	fn auditing(id: DatasetId) -> Result<Audit<T>, Error<T>> {
		match Datasets::<T>::get(id).ok_or(Error::<T>::UnknownDataset)?.stage {
			Stage::Auditing { panel, commit_until, reveal_until } => {
				Ok((panel, commit_until, reveal_until))
			},
			_ => Err(Error::<T>::NotAuditing),
		}
	}
}
