//! # Datasets pallet
//!
//! Governs what the model may learn from. A dataset goes through four stages:
//!
//! 1. **Proposed** ([`Pallet::propose_dataset`]): anyone states a dataset's name, version, SPDX
//!    license, content CID, size, the Merkle root over its 256 KiB chunks, sample hashes and the
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
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

use aiblock_primitives::{
	datasets::{
		audit_commitment, median_report, pow_solves, AuditReport, AuditRules, DatasetId,
		DatasetMeta, DatasetRecord, DatasetStatus, DatasetsInspect, MetaError, ProposalQuota,
		Rejection, Tier, Unusable, VoteRules,
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
		/// The proposer's quota for this period is spent.
		QuotaExhausted,
		/// This block holds as many proposals as it may: propose in the next one.
		TooManyProposalsThisBlock,
		/// The same content (Merkle root) is already proposed or approved.
		ContentAlreadyProposed,
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
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Propose a dataset described by `meta`, with a proof of work `pow_nonce`.
		///
		/// Parents may be at any stage: a cleaned version of a rejected dataset names the one it
		/// was cleaned from.
		///
		/// Origin: signed, any account (no stake). Errors: the metadata's ([`Error::EmptyName`],
		/// [`Error::NameNotUtf8`], [`Error::BadLicense`], [`Error::UnsupportedCid`],
		/// [`Error::EmptyDataset`], [`Error::UnknownParent`]),
		/// [`Error::ProofOfWorkTooWeak`], [`Error::QuotaExhausted`],
		/// [`Error::ContentAlreadyProposed`], [`Error::TooManyProposalsThisBlock`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::propose_dataset())]
		pub fn propose_dataset(
			origin: OriginFor<T>,
			meta: DatasetMeta,
			pow_nonce: u64,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			meta.check().map_err(Error::<T>::from)?;
			for parent in &meta.derived_from {
				ensure!(Datasets::<T>::contains_key(parent), Error::<T>::UnknownParent);
			}
			ensure!(
				pow_solves(&who, &meta, pow_nonce, T::PowDifficulty::get()),
				Error::<T>::ProofOfWorkTooWeak
			);
			ensure!(
				!ByContent::<T>::contains_key(meta.merkle_root),
				Error::<T>::ContentAlreadyProposed
			);
			let now = frame_system::Pallet::<T>::block_number();
			let mut record = Proposers::<T>::get(&who);
			let quota = Self::quota().limit(record.approvals);
			ensure!(record.quota.try_use(Self::period(now), quota), Error::<T>::QuotaExhausted);
			let id = NextDatasetId::<T>::get();
			let next = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
			Drawing::<T>::try_append(id).map_err(|_| Error::<T>::TooManyProposalsThisBlock)?;
			NextDatasetId::<T>::put(next);
			Proposers::<T>::insert(&who, record);
			ByContent::<T>::insert(meta.merkle_root, id);
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
		#[pallet::weight(T::WeightInfo::judge_audit(T::MaxAuditors::get())
			.max(T::WeightInfo::count_votes(T::MaxVotesPerDataset::get())))]
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
					T::WeightInfo::judge_audit(audited)
				},
				Stage::Voting { median, until, .. } => {
					ensure!(now > until, refused(Error::TooEarly));
					let tally = Tallies::<T>::take(id);
					// Every vote is counted in the tally, so this clears them all.
					let _ = Votes::<T>::clear_prefix(id, tally.votes(), None);
					info.stage = Self::count_votes(id, &info.proposer, median, tally);
					T::WeightInfo::count_votes(tally.votes())
				},
				_ => return Err(refused(Error::AlreadyDecided)),
			};
			if let Stage::Rejected { reason } = info.stage {
				if reason.allows_retry() {
					ByContent::<T>::remove(info.meta.merkle_root);
				}
			}
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

	/// Draw dataset `id`'s auditors at block `now` with the parent block's hash.
	fn draw_panel(id: DatasetId, now: BlockNumberFor<T>, parent: &[u8]) {
		let Some(mut info) = Datasets::<T>::get(id) else { return };
		let seed = sp_crypto_hashing::blake2_256(&(parent, id).encode());
		let drawn = T::Registry::sample(
			Role::Auditor,
			T::AuditorsPerDataset::get().min(T::MaxAuditors::get()),
			&seed,
			core::slice::from_ref(&info.proposer),
			info.proposed_at,
		);
		let panel: PanelOf<T> = BoundedVec::truncate_from(drawn);
		// A short panel would let fewer auditors decide than the runtime asks for.
		if (panel.len() as u32) < T::AuditorsPerDataset::get().min(T::MaxAuditors::get()) {
			info.stage = Stage::Rejected { reason: Rejection::NotAudited };
			ByContent::<T>::remove(info.meta.merkle_root);
			Self::deposit_event(Event::DatasetRejected { id, reason: Rejection::NotAudited });
		} else {
			// Windows count blocks from the first: commits in `now ..= commit_until`.
			let params = Self::params();
			let commit_until =
				now.saturating_add(params.audit_commit_window).saturating_sub(One::one());
			let reveal_until = commit_until.saturating_add(params.audit_reveal_window);
			Self::deposit_event(Event::AuditorsDrawn { id, panel: panel.clone(), reveal_until });
			info.stage = Stage::Auditing { panel, commit_until, reveal_until };
		}
		Datasets::<T>::insert(id, info);
	}

	/// The stage after dataset `id`'s audit by `panel`: the vote, or a rejection. Clears the
	/// commitments and reports and records each auditor's outcome: a success for a report equal
	/// to the median, a failure for another report or none.
	fn judge_audit(id: DatasetId, panel: &[T::AccountId], now: BlockNumberFor<T>) -> Stage<T> {
		let mut revealed_by = Vec::with_capacity(panel.len());
		for auditor in panel {
			let committed = AuditCommits::<T>::take(id, auditor).is_some();
			match AuditReports::<T>::take(id, auditor) {
				Some(report) if committed => revealed_by.push((auditor, report)),
				_ => T::Registry::record_outcome(auditor, Outcome::Failure),
			}
		}
		let reports: Vec<AuditReport> = revealed_by.iter().map(|(_, report)| *report).collect();
		let median = median_report(&reports);
		for (auditor, report) in revealed_by {
			if Some(report) == median {
				T::Registry::record_outcome(auditor, Outcome::Success);
			} else {
				T::Registry::record_outcome(auditor, Outcome::Failure);
				Self::deposit_event(Event::AuditDisagreed { id, auditor: auditor.clone() });
			}
		}
		let revealed = reports.len() as u32;
		let rules = Self::audit_rules();
		let judged = match median {
			Some(median) if reports.len() * 2 > panel.len() => match rules.judge(&median) {
				// A verdict on the bytes stands for good: it needs a majority of the panel
				// behind it, not a median that a lying auditor tips when another is silent.
				Err(reason)
					if !reason.allows_retry()
						&& reports.iter().filter(|r| rules.judge(r).is_err()).count() * 2
							<= panel.len() =>
				{
					Err(Rejection::NotAudited)
				},
				verdict => verdict.map(|()| median),
			},
			_ => Err(Rejection::NotAudited),
		};
		match judged {
			Ok(median) => {
				let until =
					now.saturating_add(Self::params().voting_window).saturating_sub(One::one());
				Self::deposit_event(Event::VotingOpened { id, median, revealed, until });
				Stage::Voting { median, opened: now, until }
			},
			Err(reason) => {
				Self::deposit_event(Event::DatasetRejected { id, reason });
				Stage::Rejected { reason }
			},
		}
	}

	/// The stage after dataset `id`'s vote.
	fn count_votes(
		id: DatasetId,
		proposer: &T::AccountId,
		median: AuditReport,
		tally: Tally,
	) -> Stage<T> {
		match Self::vote_rules().tier(tally.ayes, tally.nays) {
			Ok(tier) => {
				Proposers::<T>::mutate(proposer, |record| record.approvals.saturating_inc());
				Self::deposit_event(Event::DatasetApproved {
					id,
					tier,
					ayes: tally.ayes,
					nays: tally.nays,
				});
				Stage::Approved { tier, median }
			},
			Err(reason) => {
				Self::deposit_event(Event::DatasetRejected { id, reason });
				Stage::Rejected { reason }
			},
		}
	}

	/// Dataset `id` as the runtime API reports it.
	pub fn record(id: DatasetId) -> Option<DatasetRecord<T::AccountId, BlockNumberFor<T>>> {
		let info = Datasets::<T>::get(id)?;
		let status = match info.stage {
			Stage::Proposed => DatasetStatus::Proposed,
			Stage::Auditing { panel, commit_until, reveal_until } => {
				DatasetStatus::Auditing { panel: panel.into_inner(), commit_until, reveal_until }
			},
			Stage::Voting { median, opened, until } => {
				let tally = Tallies::<T>::get(id);
				DatasetStatus::Voting { median, opened, until, ayes: tally.ayes, nays: tally.nays }
			},
			Stage::Approved { tier, median } => DatasetStatus::Approved { tier, median },
			Stage::Rejected { reason } => DatasetStatus::Rejected { reason },
			Stage::Quarantined { tier } => DatasetStatus::Quarantined { tier },
		};
		Some(DatasetRecord {
			id,
			meta: info.meta,
			proposer: info.proposer,
			proposed_at: info.proposed_at,
			status,
		})
	}

	/// Up to `max` datasets in id order after `start_after` (for the runtime API).
	pub fn records(
		start_after: Option<DatasetId>,
		max: u32,
	) -> Vec<DatasetRecord<T::AccountId, BlockNumberFor<T>>> {
		let first = start_after.map_or(0, |id| id.saturating_add(1));
		let next = NextDatasetId::<T>::get();
		(first..next).take(max as usize).filter_map(Self::record).collect()
	}

	/// The ayes' share of a tally (for queries).
	pub fn ayes_share(tally: Tally) -> Permill {
		Permill::from_rational(tally.ayes, tally.votes().max(1))
	}

	/// Check the invariants listed in the crate documentation.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let next = NextDatasetId::<T>::get();
		let drawing = Drawing::<T>::get();
		for (id, info) in Datasets::<T>::iter() {
			ensure!(id < next, "a dataset id at or past NextDatasetId");
			ensure!(
				matches!(info.stage, Stage::Proposed) == drawing.contains(&id),
				"a proposed dataset not awaiting its draw, or the reverse"
			);
		}
		for (id, auditor, _) in AuditCommits::<T>::iter() {
			let Ok((panel, ..)) = Self::auditing(id) else {
				return Err("an audit commitment for a dataset not being audited".into());
			};
			ensure!(panel.contains(&auditor), "an audit commitment from outside the panel");
		}
		for (id, auditor, _) in AuditReports::<T>::iter() {
			ensure!(AuditCommits::<T>::contains_key(id, &auditor), "a report without commitment");
		}
		let mut counted: alloc::collections::BTreeMap<DatasetId, Tally> = Default::default();
		for (id, _, aye) in Votes::<T>::iter() {
			let tally = counted.entry(id).or_default();
			if aye {
				tally.ayes += 1;
			} else {
				tally.nays += 1;
			}
		}
		for (id, tally) in Tallies::<T>::iter() {
			ensure!(counted.remove(&id) == Some(tally), "a tally that does not count its votes");
			ensure!(tally.votes() <= T::MaxVotesPerDataset::get(), "more votes than allowed");
			ensure!(
				matches!(Datasets::<T>::get(id).map(|i| i.stage), Some(Stage::Voting { .. })),
				"a tally of a dataset not being voted on"
			);
		}
		ensure!(counted.is_empty(), "votes without a tally");
		for (root, id) in ByContent::<T>::iter() {
			let info = Datasets::<T>::get(id).ok_or("ByContent names no dataset")?;
			ensure!(info.meta.merkle_root == root, "ByContent under another root");
			ensure!(
				!matches!(info.stage, Stage::Rejected { reason } if reason.allows_retry()),
				"ByContent names a dataset that may be proposed again"
			);
		}
		Ok(())
	}
}

impl<T: Config> DatasetsInspect<T::AccountId> for Pallet<T> {
	fn usable(id: DatasetId, experimental: bool) -> Result<(), Unusable> {
		match Datasets::<T>::get(id).ok_or(Unusable::Unknown)?.stage {
			Stage::Approved { tier: Tier::Experimental, .. } if !experimental => {
				Err(Unusable::Experimental)
			},
			Stage::Approved { .. } => Ok(()),
			Stage::Rejected { .. } => Err(Unusable::Rejected),
			Stage::Quarantined { .. } => Err(Unusable::Quarantined),
			Stage::Proposed | Stage::Auditing { .. } | Stage::Voting { .. } => {
				Err(Unusable::NotApproved)
			},
		}
	}

	fn proposer(id: DatasetId) -> Option<T::AccountId> {
		Datasets::<T>::get(id).map(|info| info.proposer)
	}

	fn content(id: DatasetId) -> Option<aiblock_primitives::dag::Cid> {
		Datasets::<T>::get(id).map(|info| info.meta.cid)
	}
}
