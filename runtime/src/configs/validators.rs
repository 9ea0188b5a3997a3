//! The validator set and its accountability: sessions (`pallet_session` with historical proofs),
//! our `ValidatorSet` manager, block authorship, offences, and GRANDPA equivocation reports.
//!
//! How the pieces connect: `ValidatorSet` decides who validates (governance, offences) and when a
//! session ends; `Session` hands each new set's keys to Aura and GRANDPA and keeps, through
//! `Historical`, a Merkle root of every recent set's keys, so that a GRANDPA equivocation can
//! carry a proof that the equivocating key belonged to a validator at the time; `Grandpa` checks
//! the report and hands the offence to `Offences`, which deduplicates it and calls
//! `ValidatorSet`'s offence handler: the offender is disabled and leaves the set. Aura
//! equivocations (two blocks sealed for one slot) take the same path through
//! `ValidatorSet::report_aura_equivocation`.

use alloc::vec::Vec;
use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32, ConstU64},
};
use sp_runtime::traits::{Convert, OpaqueKeys};
use sp_staking::SessionIndex;

use super::super::{
	AccountId, Aura, BlockNumber, Historical, Offences, Runtime, RuntimeCall, RuntimeEvent,
	Session, SessionKeys, ValidatorSet, MINUTES,
};

/// The most validators a session can have (Aura's and GRANDPA's `MaxAuthorities`).
pub const MAX_VALIDATORS: u32 = 32;

/// Sessions whose validator proofs are kept: an equivocation can be reported for this many
/// sessions after it happened (GRANDPA's set-id map keeps as many entries).
pub const HISTORY_DEPTH: SessionIndex = 28;

parameter_types! {
	/// A session of at least one minute of 6 s blocks: every boundary rebuilds the historical
	/// proof and may change GRANDPA's authority set.
	pub const MinSessionLength: BlockNumber = 10;
}

impl pallet_aiblock_validator_set::Config for Runtime {
	type GovernanceOrigin = super::governance::GovernanceOrigin;
	type KeysRegistered = Session;
	type Disable = DisableThroughSession;
	type History = PruneHistorical;
	type AuraId = sp_consensus_aura::sr25519::AuthorityId;
	type KeyOwnerProof = sp_session::MembershipProof;
	type KeyOwnership = Historical;
	type Offences = Offences;
	type MaxValidators = ConstU32<MAX_VALIDATORS>;
	// Two thirds of one validator is still that validator: a chain with one authority (the dev
	// chain) keeps it; the local testnet's four can lose one to an offence without governance.
	type MinValidators = ConstU32<1>;
	type HistoryDepth = ConstU32<HISTORY_DEPTH>;
	type MinSessionLength = MinSessionLength;
	// An hour of 6 s blocks.
	type DefaultSessionLength = ConstU32<{ crate::HOURS }>;
	type WeightInfo = pallet_aiblock_validator_set::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ValidatorSetBenchmarks;
}

/// Offenders are disabled by `pallet_session`'s strategy: at most a third of the set, so that a
/// burst of reports cannot stop finality.
pub struct DisableThroughSession;
impl pallet_aiblock_validator_set::DisableValidator<AccountId> for DisableThroughSession {
	fn disable(who: &AccountId) {
		Session::report_offence(who.clone(), sp_staking::offence::OffenceSeverity::default());
	}
}

/// Old sessions' proofs leave with `ValidatorSet::HistoryDepth`.
pub struct PruneHistorical;
impl pallet_aiblock_validator_set::PruneSessions for PruneHistorical {
	fn prune_up_to(session: SessionIndex) {
		Historical::prune_up_to(session);
	}
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	// A validator is its account: no stash/controller split without staking.
	type ValidatorId = AccountId;
	type ValidatorIdOf = sp_runtime::traits::ConvertInto;
	type ShouldEndSession = ValidatorSet;
	type NextSessionRotation = ValidatorSet;
	type SessionManager = pallet_session::historical::NoteHistoricalRoot<Runtime, PlannedSets>;
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	type DisablingStrategy = pallet_session::disabling::UpToLimitDisablingStrategy;
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = super::super::Balances;
	// Keys cost their storage through the transaction fee; validators are chosen by governance.
	type KeyDeposit = ConstU128<0>;
}

impl pallet_session::historical::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	// Nothing beyond the account identifies a validator (no exposure to slash).
	type FullIdentification = ();
	type FullIdentificationOf = AlwaysIdentified;
}

/// Every validator is identified by its account alone.
pub struct AlwaysIdentified;
impl Convert<AccountId, Option<()>> for AlwaysIdentified {
	fn convert(_: AccountId) -> Option<()> {
		Some(())
	}
}

/// `ValidatorSet`'s plans, with the (empty) full identification the historical proofs record.
pub struct PlannedSets;

impl pallet_session::SessionManager<AccountId> for PlannedSets {
	fn new_session(index: SessionIndex) -> Option<Vec<AccountId>> {
		<ValidatorSet as pallet_session::SessionManager<_>>::new_session(index)
	}

	fn new_session_genesis(index: SessionIndex) -> Option<Vec<AccountId>> {
		<ValidatorSet as pallet_session::SessionManager<_>>::new_session_genesis(index)
	}

	fn start_session(index: SessionIndex) {
		<ValidatorSet as pallet_session::SessionManager<_>>::start_session(index)
	}

	fn end_session(index: SessionIndex) {
		<ValidatorSet as pallet_session::SessionManager<_>>::end_session(index)
	}
}

impl pallet_session::historical::SessionManager<AccountId, ()> for PlannedSets {
	fn new_session(index: SessionIndex) -> Option<Vec<(AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session(index).map(identified)
	}

	fn new_session_genesis(index: SessionIndex) -> Option<Vec<(AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session_genesis(index).map(identified)
	}

	fn start_session(index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::start_session(index)
	}

	fn end_session(index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::end_session(index)
	}
}

fn identified(validators: Vec<AccountId>) -> Vec<(AccountId, ())> {
	validators.into_iter().map(|who| (who, ())).collect()
}

impl pallet_authorship::Config for Runtime {
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Runtime, Aura>;
	type EventHandler = ();
}

impl pallet_offences::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type IdentificationTuple = pallet_session::historical::IdentificationTuple<Runtime>;
	type OnOffenceHandler = ValidatorSet;
}

parameter_types! {
	/// How long an equivocation report stays valid in the transaction pool.
	pub const ReportLongevity: u64 = 60 * MINUTES as u64;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_VALIDATORS>;
	type MaxNominators = ConstU32<0>;
	// Checking a report of set `s` reads the session of set `s`, kept as long as the proofs.
	type MaxSetIdSessionEntries = ConstU64<{ HISTORY_DEPTH as u64 + 1 }>;
	type KeyOwnerProof = sp_session::MembershipProof;
	type EquivocationReportSystem =
		pallet_grandpa::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

/// The calls transactions may make: all but `grandpa.report_equivocation`, the signed GRANDPA
/// report. Nodes report double votes unsigned (`report_equivocation_unsigned`, accepted only from
/// the node itself or in a block, and deduplicated in the pool); the signed form is free when
/// proven, so an offender could report its own double votes round after round and fill blocks
/// for nothing.
pub struct CallFilter;
impl frame_support::traits::Contains<RuntimeCall> for CallFilter {
	fn contains(call: &RuntimeCall) -> bool {
		!matches!(call, RuntimeCall::Grandpa(pallet_grandpa::Call::report_equivocation { .. }))
	}
}

/// Session keys and equivocation reports for `ValidatorSet`'s benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct ValidatorSetBenchmarks;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_aiblock_validator_set::BenchmarkHelper<Runtime> for ValidatorSetBenchmarks {
	/// All-zero keys written straight into `Session::NextKeys`: `session.setKeys` checks an
	/// ownership proof signed by the keys, and adding a validator only asks whether it has keys.
	fn register_keys(who: &AccountId) {
		use codec::Decode;
		let keys = SessionKeys::decode(&mut sp_runtime::traits::TrailingZeroInput::zeroes())
			.expect("zeroes decode as keys");
		pallet_session::NextKeys::<Runtime>::insert(who, keys);
	}

	/// Real keys, generated in the benchmark's keystore (the benchmark CLI provides one), so that
	/// the seals verify and the historical proof is one of `validators` distinct members. The set
	/// is made current by writing `Session::Validators`, as a rotation would.
	fn aura_equivocation(
		validators: u32,
	) -> (pallet_aiblock_validator_set::AuraEquivocationProof<Runtime>, sp_session::MembershipProof)
	{
		use codec::Encode;
		use frame_support::traits::KeyOwnerProofSystem;
		use sp_consensus_aura::{sr25519::AuthorityId as AuraId, Slot, AURA_ENGINE_ID};
		use sp_runtime::{traits::Header as _, DigestItem, RuntimeAppPublic};

		let set: alloc::vec::Vec<AccountId> =
			(0..validators).map(|i| frame_benchmarking::account("validator", i, 0)).collect();
		let mut offender = None;
		for who in &set {
			let keys = SessionKeys {
				aura: AuraId::generate_pair(None),
				grandpa: sp_consensus_grandpa::AuthorityId::generate_pair(None),
			};
			offender = Some(keys.aura.clone());
			pallet_session::NextKeys::<Runtime>::insert(who, keys);
		}
		let offender = offender.expect("a set of at least one validator");
		pallet_session::Validators::<Runtime>::put(set.clone());
		pallet_aiblock_validator_set::Validators::<Runtime>::put(
			frame_support::BoundedVec::truncate_from(set),
		);

		let slot = Slot::from(u64::from(validators));
		let sealed = |state_root: u8| {
			let mut header = crate::Header::new(
				1,
				Default::default(),
				sp_core::H256::repeat_byte(state_root),
				Default::default(),
				Default::default(),
			);
			header.digest_mut().push(DigestItem::PreRuntime(AURA_ENGINE_ID, slot.encode()));
			let seal = offender.sign(&header.hash()).expect("the key is in the keystore");
			header.digest_mut().push(DigestItem::Seal(AURA_ENGINE_ID, seal.encode()));
			header
		};
		let proof = pallet_aiblock_validator_set::AuraEquivocationProof::<Runtime> {
			offender: offender.clone(),
			slot,
			first_header: sealed(1),
			second_header: sealed(2),
		};
		let owner = Historical::prove((AuraId::ID, offender)).expect("a key of the current set");
		(proof, owner)
	}
}
