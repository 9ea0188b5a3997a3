//! On-chain governance: a council of the network's operators instead of a sudo key.
//!
//! Why a council and not token-weighted referenda: the network is young and its AIB is held by a
//! handful of accounts, so a referendum would be decided by the largest holder; the honest trust
//! model of a four-validator chain is "three of its four operators agree". The council
//! (`pallet_collective`) holds those operators; a motion passes with three quarters of the seats
//! ([`CouncilSuperMajority`]). Our pallets' privileged calls (adding and removing validators,
//! registering and importing models, quarantining and approving datasets, slashing, market
//! parameters) accept that origin directly ([`GovernanceOrigin`]). The few FRAME calls that insist
//! on Root (a runtime upgrade: `system.authorizeUpgrade`) are reached through `pallet_whitelist`:
//! one motion, `utility.batchAll([whitelist.whitelistCall(hash),
//! whitelist.dispatchWhitelistedCallWithPreimage(call)])`, dispatches the call as Root.
//!
//! The development chain keeps its sudo key for convenience and a one-member council (Alice),
//! whose motions pass as soon as she proposes them; the local testnet has no sudo key and a
//! council of its four operators, Alice, Bob, Charlie and Dave.
//!
//! Token-weighted referenda (`pallet_referenda` with conviction voting) can join the council once
//! AIB is widely held: the pallets' origins would then also accept a referendum track.

use frame_support::{
	parameter_types,
	traits::{fungible::HoldConsideration, Contains, EitherOf},
	weights::Weight,
};
use frame_system::EnsureRoot;
use pallet_collective::deposit::{Delayed, Geometric};
use sp_runtime::{FixedU128, Perbill};

use super::{super::OriginCaller, RuntimeBlockWeights};
use crate::{
	AccountId, Balance, Balances, Runtime, RuntimeCall, RuntimeEvent, RuntimeHoldReason,
	RuntimeOrigin, System, DAYS, UNIT,
};

/// The council's instance of `pallet_collective`.
pub type CouncilCollective = pallet_collective::Instance1;

/// Three quarters of the council's seats: three of four operators; one of one on the dev chain.
pub type CouncilSuperMajority =
	pallet_collective::EnsureProportionAtLeast<AccountId, CouncilCollective, 3, 4>;

/// What our pallets' privileged calls accept: the council, or Root (the dev chain's sudo key, a
/// whitelisted dispatch, or the runtime's tests).
pub type GovernanceOrigin = EitherOf<EnsureRoot<AccountId>, CouncilSuperMajority>;

/// The most council seats.
pub const MAX_COUNCIL_MEMBERS: u32 = 16;
/// The fewest seats a motion may leave the council with: with fewer, one member is (nearly) the
/// council, and a council left empty could never propose again (there is no sudo key to refill
/// it on a shared network).
pub const MIN_COUNCIL_MEMBERS: usize = 3;
/// The most motions open at once.
pub const MAX_MOTIONS: u32 = 32;

parameter_types! {
	/// A motion's call may use at most half a block.
	pub MaxProposalWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
	/// Members have three days (of 6 s blocks) to vote; a motion that has its ayes can be
	/// closed at once.
	pub const MotionDuration: crate::BlockNumber = 3 * DAYS;
	/// No deferred dispatch: a motion that dispatches a call not yet whitelisted would otherwise
	/// leave it for any account to run as Root, at a moment of its choosing, once whitelisted.
	/// With no time to relay it, the call must be whitelisted and dispatched in one motion
	/// (`utility.batchAll`), and a stray deferral can be removed by anyone at once.
	pub const DeferredDispatchExpiration: crate::BlockNumber = 0;
	/// What a motion holds from its proposer while it is open, once two others are open: 10 AIB,
	/// doubling with every further open motion (the 32 slots cannot be filled for free, nor
	/// cheaply). The proposer gets it back with `council.releaseProposalCost` once the motion is
	/// closed; `council.kill` burns it.
	pub const MotionDepositBase: Balance = 10 * UNIT;
	pub MotionDepositRatio: FixedU128 = FixedU128::from_u32(2);
	pub const MotionHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Council(pallet_collective::HoldReason::ProposalSubmission);
}

/// Abstention counts as nay: a motion passes only with the ayes it needs, whoever is prime.
pub struct AbstainIsNay;
impl pallet_collective::DefaultVote for AbstainIsNay {
	fn default_vote(_: Option<bool>, _: u32, _: u32, _: u32) -> bool {
		false
	}
}

/// What a council motion may not do to the council: leave it with fewer than
/// [`MIN_COUNCIL_MEMBERS`] seats, or name a prime member (with `pallet_collective`'s prime, the
/// members who do not vote count as voting with the prime). Part of the runtime's call filter,
/// which applies to motions (and to calls batched in them); Root is not filtered.
pub struct CouncilKeepsQuorum;
impl Contains<RuntimeCall> for CouncilKeepsQuorum {
	fn contains(call: &RuntimeCall) -> bool {
		match call {
			RuntimeCall::Council(pallet_collective::Call::set_members {
				new_members,
				prime,
				..
			}) => new_members.len() >= MIN_COUNCIL_MEMBERS && prime.is_none(),
			_ => true,
		}
	}
}

impl pallet_collective::Config<CouncilCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = MotionDuration;
	type MaxProposals = frame_support::traits::ConstU32<MAX_MOTIONS>;
	type MaxMembers = frame_support::traits::ConstU32<MAX_COUNCIL_MEMBERS>;
	/// Members who did not vote when a motion closes count as nays.
	type DefaultVote = AbstainIsNay;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	/// The council changes its own seats by a motion (or Root on the dev chain).
	type SetMembersOrigin = GovernanceOrigin;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = GovernanceOrigin;
	type KillOrigin = GovernanceOrigin;
	/// Only members propose; a member with more than two motions open holds a deposit that
	/// doubles with each (see [`MotionDepositBase`]).
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		MotionHoldReason,
		Delayed<
			frame_support::traits::ConstU32<2>,
			Geometric<MotionDepositRatio, MotionDepositBase>,
		>,
		u32,
	>;
}

impl pallet_utility::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = OriginCaller;
	type WeightInfo = pallet_utility::weights::SubstrateWeight<Runtime>;
}

impl pallet_whitelist::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WhitelistOrigin = CouncilSuperMajority;
	type DispatchWhitelistedOrigin = CouncilSuperMajority;
	/// A whitelisted call comes with its motion (`dispatchWhitelistedCallWithPreimage`): no
	/// preimage store.
	type Preimages = ();
	type DeferredDispatchExpiration = DeferredDispatchExpiration;
	type BlockNumberProvider = System;
	type WeightInfo = pallet_whitelist::weights::SubstrateWeight<Runtime>;
}
