//! A runtime with System and ValidatorSet for the unit tests; session keys, disabling and
//! history pruning are recorded instead of performed.

use crate as pallet_validator_set;
use core::cell::RefCell;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ValidatorRegistration},
};
use sp_runtime::BuildStorage;

pub type AccountId = u64;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		ValidatorSet: pallet_validator_set,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
}

thread_local! {
	/// Accounts with session keys.
	pub static KEYS: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
	/// Accounts disabled, in order.
	pub static DISABLED: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
	/// The last `prune_up_to` argument.
	pub static PRUNED_UP_TO: RefCell<Option<u32>> = const { RefCell::new(None) };
	/// Offences reported: (reporters, offence).
	pub static REPORTED: RefCell<Vec<(Vec<AccountId>, AuraOffence)>> = const { RefCell::new(Vec::new()) };
}

/// Aura keys of the mock: key `n` belongs to account `n`.
pub type AuraId = sp_runtime::testing::UintAuthorityId;
pub type AuraOffence = crate::AuraEquivocationOffence<(AccountId, ())>;

/// Proofs are valid for the keys of accounts with session keys, in sessions 0 to 9.
pub struct Ownership;
impl frame_support::traits::KeyOwnerProofSystem<(sp_core::crypto::KeyTypeId, AuraId)>
	for Ownership
{
	type Proof = sp_session::MembershipProof;
	type IdentificationTuple = (AccountId, ());

	fn prove(key: (sp_core::crypto::KeyTypeId, AuraId)) -> Option<Self::Proof> {
		Some(sp_session::MembershipProof {
			session: 1,
			trie_nodes: vec![key.1 .0.to_le_bytes().to_vec()],
			validator_count: 3,
		})
	}

	fn check_proof(
		key: (sp_core::crypto::KeyTypeId, AuraId),
		proof: Self::Proof,
	) -> Option<Self::IdentificationTuple> {
		let owner = key.1 .0;
		let proves_it = proof.trie_nodes == vec![owner.to_le_bytes().to_vec()];
		(proves_it && proof.session < 10 && Keys::is_registered(&owner)).then_some((owner, ()))
	}
}

/// Records reports and hands them to the pallet's offence handler; the same offender in the same
/// slot is a duplicate, as in `pallet_offences`.
pub struct Offences;
impl sp_staking::offence::ReportOffence<AccountId, (AccountId, ()), AuraOffence> for Offences {
	fn report_offence(
		reporters: Vec<AccountId>,
		offence: AuraOffence,
	) -> Result<(), sp_staking::offence::OffenceError> {
		use sp_staking::offence::Offence;
		if Self::is_known_offence(&offence.offenders(), &offence.slot) {
			return Err(sp_staking::offence::OffenceError::DuplicateReport);
		}
		REPORTED.with(|reported| reported.borrow_mut().push((reporters.clone(), offence.clone())));
		// As `pallet_offences` does: the handler hears of the offence at once.
		let details = sp_staking::offence::OffenceDetails { offender: offence.offender, reporters };
		<ValidatorSet as sp_staking::offence::OnOffenceHandler<_, _, _>>::on_offence(
			&[details],
			&[sp_runtime::Perbill::zero()],
			offence.session_index,
		);
		Ok(())
	}

	fn is_known_offence(offenders: &[(AccountId, ())], slot: &sp_consensus_slots::Slot) -> bool {
		REPORTED.with(|reported| {
			reported
				.borrow()
				.iter()
				.any(|(_, o)| &o.slot == slot && offenders.contains(&o.offender))
		})
	}
}

pub fn reported() -> Vec<(Vec<AccountId>, AuraOffence)> {
	REPORTED.with(|reported| reported.borrow().clone())
}

pub struct Keys;
impl frame_support::traits::ValidatorRegistration<AccountId> for Keys {
	fn is_registered(who: &AccountId) -> bool {
		KEYS.with(|keys| keys.borrow().contains(who))
	}
}

pub struct Disable;
impl crate::DisableValidator<AccountId> for Disable {
	fn disable(who: &AccountId) {
		DISABLED.with(|disabled| disabled.borrow_mut().push(*who));
	}
}

pub struct History;
impl crate::PruneSessions for History {
	fn prune_up_to(session: u32) {
		PRUNED_UP_TO.with(|pruned| *pruned.borrow_mut() = Some(session));
	}
}

pub const MAX_VALIDATORS: u32 = 5;
pub const MIN_VALIDATORS: u32 = 2;
pub const HISTORY_DEPTH: u32 = 3;
pub const SESSION_LENGTH: u64 = 10;

parameter_types! {
	pub const MinSessionLength: u64 = 5;
	pub const DefaultSessionLength: u64 = 50;
}

impl pallet_validator_set::Config for Test {
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	type KeysRegistered = Keys;
	type Disable = Disable;
	type History = History;
	type AuraId = AuraId;
	type KeyOwnerProof = sp_session::MembershipProof;
	type KeyOwnership = Ownership;
	type Offences = Offences;
	type MaxValidators = ConstU32<MAX_VALIDATORS>;
	type MinValidators = ConstU32<MIN_VALIDATORS>;
	type HistoryDepth = ConstU32<HISTORY_DEPTH>;
	type MinSessionLength = MinSessionLength;
	type DefaultSessionLength = DefaultSessionLength;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Keys;
}

pub type Header = frame_system::pallet_prelude::HeaderFor<Test>;

/// A header for `slot` with the given state root (to make two differ), sealed by `signer`.
pub fn sealed(slot: u64, root: u8, signer: u64) -> Header {
	use codec::Encode;
	use sp_consensus_aura::AURA_ENGINE_ID;
	use sp_runtime::{testing::TestSignature, traits::Header as _, DigestItem};

	let mut header = Header::new(
		1,
		Default::default(),
		sp_core::H256::repeat_byte(root),
		Default::default(),
		Default::default(),
	);
	let slot = sp_consensus_slots::Slot::from(slot);
	header.digest_mut().push(DigestItem::PreRuntime(AURA_ENGINE_ID, slot.encode()));
	let signature = TestSignature(signer, header.hash().as_ref().to_vec());
	header.digest_mut().push(DigestItem::Seal(AURA_ENGINE_ID, signature.encode()));
	header
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<Test> for Keys {
	fn register_keys(who: &AccountId) {
		KEYS.with(|keys| keys.borrow_mut().push(*who));
	}

	/// Accounts 1 to `validators` with keys in the set; the last one sealed slot 42 twice.
	fn aura_equivocation(
		validators: u32,
	) -> (crate::AuraEquivocationProof<Test>, sp_session::MembershipProof) {
		use frame_support::traits::KeyOwnerProofSystem;
		let set: Vec<AccountId> = (1..=u64::from(validators)).collect();
		KEYS.with(|keys| keys.borrow_mut().extend(set.iter().copied()));
		crate::Validators::<Test>::put(frame_support::BoundedVec::truncate_from(set));
		let offender = u64::from(validators);
		let proof = crate::AuraEquivocationProof::<Test> {
			offender: AuraId::from(offender),
			slot: 42.into(),
			first_header: sealed(42, 1, offender),
			second_header: sealed(42, 2, offender),
		};
		let key = (sp_core::crypto::KeyTypeId(*b"dumy"), AuraId::from(offender));
		(proof, Ownership::prove(key).expect("the mock proves every key"))
	}
}

pub struct ExtBuilder;

impl ExtBuilder {
	/// Validators 1, 2, 3 with keys; 4 and 5 have keys too, 6 has none.
	pub fn build() -> sp_io::TestExternalities {
		KEYS.with(|keys| *keys.borrow_mut() = vec![1, 2, 3, 4, 5]);
		DISABLED.with(|disabled| disabled.borrow_mut().clear());
		PRUNED_UP_TO.with(|pruned| *pruned.borrow_mut() = None);
		REPORTED.with(|reported| reported.borrow_mut().clear());
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_validator_set::GenesisConfig::<Test> {
			validators: vec![1, 2, 3],
			session_length: Some(SESSION_LENGTH),
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Run `test`, then check the pallet's invariants.
	pub fn build_and_execute(test: impl FnOnce()) {
		Self::build().execute_with(|| {
			test();
			ValidatorSet::do_try_state().expect("invariants hold after the test");
		});
	}
}

pub fn disabled() -> Vec<AccountId> {
	DISABLED.with(|disabled| disabled.borrow().clone())
}

pub fn pruned_up_to() -> Option<u32> {
	PRUNED_UP_TO.with(|pruned| *pruned.borrow())
}

pub fn events() -> Vec<pallet_validator_set::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::ValidatorSet(event) => Some(event),
			_ => None,
		})
		.collect()
}
