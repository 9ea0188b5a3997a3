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

use frame_support::{parameter_types, traits::EitherOf, weights::Weight};
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

use super::{super::OriginCaller, RuntimeBlockWeights};
use crate::{AccountId, Runtime, RuntimeCall, RuntimeEvent, RuntimeOrigin, System, DAYS};

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
/// The most motions open at once.
pub const MAX_MOTIONS: u32 = 32;

parameter_types! {
	/// A motion's call may use at most half a block.
	pub MaxProposalWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
	/// Members have three days to vote; a motion that reaches its threshold can be closed at once.
	pub const MotionDuration: crate::BlockNumber = 3 * DAYS;
	/// A whitelisted call whose dispatch was deferred may be relayed for a week.
	pub const DeferredDispatchExpiration: crate::BlockNumber = 7 * DAYS;
}

impl pallet_collective::Config<CouncilCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = MotionDuration;
	type MaxProposals = frame_support::traits::ConstU32<MAX_MOTIONS>;
	type MaxMembers = frame_support::traits::ConstU32<MAX_COUNCIL_MEMBERS>;
	/// Members who did not vote when a motion closes count as the prime member voted (no prime:
	/// as nays).
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	/// The council changes its own seats by a motion (or Root on the dev chain).
	type SetMembersOrigin = GovernanceOrigin;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = GovernanceOrigin;
	type KillOrigin = GovernanceOrigin;
	/// Only members propose, and they pay the transaction fee: no deposit is held.
	type Consideration = ();
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
