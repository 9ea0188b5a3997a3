//! The records the Datasets pallet keeps.

use crate::Config;
use aiblock_primitives::{
	datasets::{AuditReport, DatasetMeta, Rejection, Tier},
	workers::QuotaUsage,
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::*, BoundedVec};
use frame_support::{CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;

/// The auditors drawn for a dataset.
pub type PanelOf<T> =
	BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxAuditors>;

/// Where a dataset is in the pipeline.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound(T: Config))]
pub enum Stage<T: Config> {
	/// Proposed; its auditors are drawn at the start of the next block.
	Proposed,
	/// The panel commits to its reports until `commit_until`, then reveals them until
	/// `reveal_until`.
	Auditing {
		panel: PanelOf<T>,
		commit_until: BlockNumberFor<T>,
		reveal_until: BlockNumberFor<T>,
	},
	/// The median report passed the automatic rules; workers registered before `opened` vote
	/// until `until`.
	Voting {
		median: AuditReport,
		opened: BlockNumberFor<T>,
		until: BlockNumberFor<T>,
	},
	/// Jobs may train on it (Experimental ones only when the job allows them).
	Approved {
		tier: Tier,
		median: AuditReport,
	},
	Rejected {
		reason: Rejection,
	},
	/// Approved once, then taken out by governance: no new job may use it.
	Quarantined {
		tier: Tier,
	},
}

impl<T: Config> Stage<T> {
	/// Whether the pipeline has ended for the dataset (nothing more happens on its own).
	pub fn is_decided(&self) -> bool {
		matches!(self, Stage::Approved { .. } | Stage::Rejected { .. } | Stage::Quarantined { .. })
	}
}

/// A proposed dataset.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound(T: Config))]
pub struct DatasetInfo<T: Config> {
	pub meta: DatasetMeta,
	pub proposer: T::AccountId,
	pub proposed_at: BlockNumberFor<T>,
	pub stage: Stage<T>,
}

/// A proposer's record: approvals raise its daily quota.
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
pub struct ProposerRecord {
	/// Its datasets approved (at any tier) so far.
	pub approvals: u32,
	pub quota: QuotaUsage,
}

/// A vote count.
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
pub struct Tally {
	pub ayes: u32,
	pub nays: u32,
}

impl Tally {
	pub fn votes(&self) -> u32 {
		self.ayes.saturating_add(self.nays)
	}
}

/// The pipeline's windows (in blocks) and the vote's quorum: a chain's genesis sets them
/// (minutes on a development chain, days on a public one), governance can change them, and the
/// runtime's constants are the default.
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
pub struct PipelineParams<BlockNumber> {
	/// Blocks the panel has to commit to its reports, the draw's block included.
	pub audit_commit_window: BlockNumber,
	/// Blocks the panel then has to reveal them.
	pub audit_reveal_window: BlockNumber,
	/// Blocks the vote lasts, the block that opened it included.
	pub voting_window: BlockNumber,
	/// Votes a dataset needs for any tier.
	pub vote_quorum: u32,
}

/// Content reserved for the proposer of a dataset rejected for want of a panel or a quorum.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Reservation<AccountId, BlockNumber> {
	/// Who may propose it again.
	pub owner: AccountId,
	/// The last block of the reservation.
	pub until: BlockNumber,
	/// The block of the rejected proposal's commitment: the retry keeps that place in line.
	pub committed_at: BlockNumber,
}

/// A [`Reservation`] in the runtime's types.
pub type ReservationOf<T> = Reservation<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
