//! The records the Inference pallet keeps: servers, prepaid channels, claims awaiting their
//! audit draw, audits, and free-tier users.

use super::*;
use aiblock_primitives::{
	dag::{Cid, ModelIndex},
	inference::{AuditVerdict, ChannelId},
};

/// The market's settings governance may change ([`Pallet::set_params`]); until it does,
/// the runtime's defaults ([`Config::AuditOneIn`], [`Config::AuditCommitWindow`],
/// [`Config::AuditRevealWindow`], [`Config::DisputeWindow`], [`Config::FreeTokensPerPeriod`],
/// [`Config::FreeRequestsPerPeriod`]). An audit keeps the windows it was drawn with and a
/// closing channel the end it was given; a smaller free quota counts from the next report.
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
pub struct MarketParams<BlockNumber> {
	/// One claim in this many is audited (1: every claim).
	pub audit_one_in: u32,
	/// Blocks from the draw during which auditors commit.
	pub audit_commit_window: BlockNumber,
	/// Blocks after the commit window during which they reveal.
	pub audit_reveal_window: BlockNumber,
	/// Blocks a server may still claim after the client closed the channel.
	pub dispute_window: BlockNumber,
	/// Output tokens a free-tier user may get per period (0: no free tier).
	pub free_tokens_per_period: u64,
	/// Requests a free-tier user may make per period.
	pub free_requests_per_period: u32,
}

/// What a server offers. Changing the price affects channels opened afterwards only: a
/// channel keeps the price it was opened at.
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
pub struct ServerTerms<Balance> {
	/// The model version it serves.
	pub model: ModelIndex,
	/// What a client pays per 1,000 output tokens, in planck.
	pub price_per_1k: Balance,
	/// Output tokens per quota period it answers for free-tier users (0: not a donor). The
	/// capped share of its capacity a donor gives away.
	pub free_tokens_per_period: u64,
}

/// A registered server.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
pub struct ServerInfo<T: Config> {
	pub terms: ServerTerms<BalanceOf<T>>,
	/// Where clients and peers reach it (a URL, UTF-8).
	pub endpoint: BoundedVec<u8, T::MaxEndpointLen>,
	/// Stake committed as collateral for its answers (slashed on a proven mismatch).
	pub collateral: BalanceOf<T>,
	/// Free-tier tokens reported in `free_period` (against `terms.free_tokens_per_period`).
	pub free_period: u32,
	pub free_served: u64,
}

/// A prepaid balance of `client` with one server. What is held from the client under
/// [`HoldReason::Prepaid`] is `deposit - claimed`.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
pub struct Channel<T: Config> {
	pub id: ChannelId,
	/// The server's price when the channel opened.
	pub price_per_1k: BalanceOf<T>,
	/// Everything the client ever put in.
	pub deposit: BalanceOf<T>,
	/// Everything the server has claimed: always `fee(claimed_tokens, price_per_1k)`.
	pub claimed: BalanceOf<T>,
	/// The totals of the newest receipt claimed.
	pub claimed_tokens: u64,
	pub claimed_requests: u64,
	/// Set when the client closed it: the server may still claim until this block, then the
	/// client withdraws the rest.
	pub closes_at: Option<BlockNumberFor<T>>,
}

/// A claim whose audit is not settled: what the auditors check.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
pub struct ClaimInfo<T: Config> {
	pub server: T::AccountId,
	pub client: T::AccountId,
	pub channel: ChannelId,
	/// The IPFS file (pinned by the server) with every claimed request, its answer, the
	/// client's signed receipt and its per-block token counts.
	pub batch: Cid,
	/// The claimed requests are numbers `first_request ..= last_request` of the channel.
	pub first_request: u64,
	pub last_request: u64,
	/// What the claim paid out of the client's deposit.
	pub fee: BalanceOf<T>,
	/// What it paid into the audit pot: with the other claims' shares, what its audit may pay.
	pub to_audit_pot: BalanceOf<T>,
	/// The block it was claimed in (auditors must have been listed before it).
	pub claimed_at: BlockNumberFor<T>,
}

/// One auditor of an audit.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct AuditorSeat<AccountId> {
	pub who: AccountId,
	pub commitment: Option<H256>,
	pub verdict: Option<AuditVerdict>,
}

/// A drawn audit of a claim.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
pub struct Audit<T: Config> {
	/// The request numbers to replay.
	pub sample: BoundedVec<u64, T::AuditSample>,
	pub panel: BoundedVec<AuditorSeat<T::AccountId>, T::AuditPanel>,
	/// Commitments are accepted until this block, reveals after it until `reveal_until`.
	pub commit_until: BlockNumberFor<T>,
	pub reveal_until: BlockNumberFor<T>,
}

/// A free-tier user's deposit and usage in its latest period.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
pub struct FreeUser<T: Config> {
	/// Held under [`HoldReason::FreeTier`] while the account is in the free tier.
	pub deposit: BalanceOf<T>,
	/// The period the usage below counts in.
	pub period: u32,
	pub tokens: u64,
	pub requests: u32,
	/// The totals of the newest receipt reported by each donor in `period`.
	pub by_donor: BoundedVec<DonorUsage<T::AccountId>, T::MaxDonorsPerUser>,
}

/// A donor's reported totals for one user in one period.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct DonorUsage<AccountId> {
	pub donor: AccountId,
	pub tokens: u64,
	pub requests: u32,
}

/// Why a claim was not audited.
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
pub enum NotAudited {
	/// The draw passed it over (one claim in [`Config::AuditOneIn`] is audited).
	NotDrawn,
	/// No auditor was eligible.
	NoAuditors,
}
