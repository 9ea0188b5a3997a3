//! What the Stake pallet offers other pallets: how much an account has at stake, collateral locked
//! to a job, and slashing.
//!
//! A worker's *bond* is held in its account (a fungible hold). Part of it is *active*: it counts
//! for registration and can be committed as collateral. Funds being unbonded wait out an
//! unbonding period before they can be withdrawn, and stay slashable until then, so unbonding is
//! no escape from a pending verdict.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::DispatchResult;

/// Why stake was slashed. Recorded in the Stake pallet's `Slashed` event so anybody can audit it.
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
pub enum SlashReason {
	/// A trainer's claimed score was refuted by the evaluators' median.
	ClaimRefuted,
	/// An evaluator's score was too far from the median of its peers.
	EvaluatorOutlier,
	/// An evaluator drawn for a job committed or was assigned but never revealed.
	MissedReveal,
	/// A trainer accepted a job and missed the submission deadline.
	MissedDeadline,
	/// Replay proved a training claim wrong (a fraud report).
	ProvenFraud,
	/// Decided by governance (root).
	Governance,
	/// A trainer never revealed its sealed claim while the evaluators judged its candidate.
	ClaimWithheld,
	/// A server's claimed answers were found, by the auditors' replay, not to be what the
	/// chain's model gives (or not to be there at all).
	AnswerMismatch,
	/// An auditor's verdict on a server's answers was against its panel's majority.
	AuditOutvoted,
}

/// Read access to an account's stake.
pub trait StakeInspect<AccountId> {
	/// The currency amount.
	type Balance: PartialOrd + Copy + codec::FullCodec + MaxEncodedLen + TypeInfo + core::fmt::Debug;

	/// Bonded and not unbonding: what counts for registration and collateral.
	fn active_stake(who: &AccountId) -> Self::Balance;

	/// Active stake not yet committed as collateral to some job.
	fn uncommitted_stake(who: &AccountId) -> Self::Balance;
}

/// Collateral: part of the active stake locked to a job, so it cannot be unbonded while the job
/// runs. Collateral is not moved anywhere; a verdict either releases or slashes it.
pub trait StakeCollateral<AccountId>: StakeInspect<AccountId> {
	/// Lock `amount` of `who`'s uncommitted active stake. Fails (with the Stake pallet's error)
	/// when there is not enough.
	fn commit(who: &AccountId, amount: Self::Balance) -> DispatchResult;

	/// Unlock up to `amount` of committed stake; returns what was released. Releasing more than
	/// is committed (e.g. after a slash shrank it) is not an error.
	fn release(who: &AccountId, amount: Self::Balance) -> Self::Balance;
}

/// Slashing, for the pallets that judge workers (Jobs, Datasets).
pub trait Slash<AccountId>: StakeInspect<AccountId> {
	/// Take up to `amount` from `who`'s stake: active stake first, then funds still unbonding.
	/// A `reporter` (who proved the fault) receives the configured share; the rest goes to the
	/// configured destination (treasury or burn). Returns the amount actually slashed.
	fn slash(
		who: &AccountId,
		amount: Self::Balance,
		reason: SlashReason,
		reporter: Option<&AccountId>,
	) -> Self::Balance;

	/// Take up to `amount` like [`Slash::slash`], all of it to `to`: the account of a pallet
	/// that pays it out to those the fault wronged (a client, the auditors who proved it).
	/// Returns what `to` received (what it could not take goes where slashes go).
	fn slash_to(
		who: &AccountId,
		amount: Self::Balance,
		reason: SlashReason,
		to: &AccountId,
	) -> Self::Balance;
}
