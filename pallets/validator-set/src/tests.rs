//! Unit tests of the ValidatorSet pallet against the mock runtime.

use crate::{mock::*, Error, Event, SessionLength, SetChanged, Validators};
use frame_support::{
	assert_noop, assert_ok,
	traits::{EstimateNextSessionRotation, Hooks},
};
use pallet_session::{SessionManager, ShouldEndSession};
use sp_runtime::{DispatchError, Perbill, Permill};
use sp_staking::offence::{OffenceDetails, OnOffenceHandler};

fn root() -> RuntimeOrigin {
	RuntimeOrigin::root()
}

fn offence(who: AccountId) -> OffenceDetails<AccountId, (AccountId, ())> {
	OffenceDetails { offender: (who, ()), reporters: vec![9] }
}

#[test]
fn genesis_sets_are_given_so_that_proofs_start_at_session_zero() {
	ExtBuilder::build_and_execute(|| {
		assert_eq!(ValidatorSet::new_session_genesis(0), Some(vec![1, 2, 3]));
		assert_eq!(ValidatorSet::new_session_genesis(1), Some(vec![1, 2, 3]));
		// An unchanged set is not handed out again (GRANDPA keeps its set id).
		assert_eq!(ValidatorSet::new_session(2), None);
	});
}

#[test]
fn governance_adds_a_validator_with_keys_for_the_next_planned_session() {
	ExtBuilder::build_and_execute(|| {
		assert_ok!(ValidatorSet::add_validator(root(), 4));
		assert!(SetChanged::<Test>::get());
		assert_eq!(events(), vec![Event::ValidatorAdded { who: 4 }]);
		assert_eq!(ValidatorSet::new_session(2), Some(vec![1, 2, 3, 4]));
		assert_eq!(events().last(), Some(&Event::NewSetPlanned { session: 2, validators: 4 }));
		// Planned once: the next boundary keeps it.
		assert_eq!(ValidatorSet::new_session(3), None);
	});
}

#[test]
fn only_governance_changes_the_set() {
	ExtBuilder::build_and_execute(|| {
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::signed(4), 4),
			DispatchError::BadOrigin
		);
		assert_noop!(
			ValidatorSet::remove_validator(RuntimeOrigin::signed(1), 2),
			DispatchError::BadOrigin
		);
		assert_noop!(
			ValidatorSet::set_session_length(RuntimeOrigin::signed(1), 100),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn bad_additions_are_refused_with_a_reason() {
	ExtBuilder::build_and_execute(|| {
		assert_noop!(ValidatorSet::add_validator(root(), 2), Error::<Test>::AlreadyValidator);
		assert_noop!(ValidatorSet::add_validator(root(), 6), Error::<Test>::NoSessionKeys);
		assert_ok!(ValidatorSet::add_validator(root(), 4));
		assert_ok!(ValidatorSet::add_validator(root(), 5));
		KEYS.with(|keys| keys.borrow_mut().push(7));
		assert_noop!(ValidatorSet::add_validator(root(), 7), Error::<Test>::TooManyValidators);
		assert_eq!(Validators::<Test>::get().len() as u32, MAX_VALIDATORS);
	});
}

#[test]
fn removals_keep_the_minimum() {
	ExtBuilder::build_and_execute(|| {
		assert_noop!(ValidatorSet::remove_validator(root(), 4), Error::<Test>::NotValidator);
		assert_ok!(ValidatorSet::remove_validator(root(), 2));
		assert_eq!(ValidatorSet::validators(), vec![1, 3]);
		assert_eq!(events(), vec![Event::ValidatorRemoved { who: 2 }]);
		assert_noop!(ValidatorSet::remove_validator(root(), 1), Error::<Test>::TooFewValidators);
		assert_eq!(ValidatorSet::new_session(2), Some(vec![1, 3]));
	});
}

#[test]
fn sessions_end_after_their_length_and_the_length_can_change() {
	ExtBuilder::build_and_execute(|| {
		assert!(!ValidatorSet::should_end_session(SESSION_LENGTH - 1));
		assert!(ValidatorSet::should_end_session(SESSION_LENGTH));
		assert_eq!(ValidatorSet::estimate_next_session_rotation(3).0, Some(SESSION_LENGTH));
		assert_eq!(
			ValidatorSet::estimate_current_session_progress(5).0,
			Some(Permill::from_percent(50))
		);

		// A session starting at block 10 ends at 20, then at 30 once the length is 20.
		System::set_block_number(10);
		ValidatorSet::start_session(1);
		assert!(!ValidatorSet::should_end_session(19));
		assert!(ValidatorSet::should_end_session(20));
		assert_noop!(ValidatorSet::set_session_length(root(), 4), Error::<Test>::SessionTooShort);
		assert_ok!(ValidatorSet::set_session_length(root(), 20));
		assert_eq!(SessionLength::<Test>::get(), 20);
		assert!(!ValidatorSet::should_end_session(29));
		assert!(ValidatorSet::should_end_session(30));
		assert_eq!(ValidatorSet::average_session_length(), 20);
	});
}

#[test]
fn old_session_proofs_are_pruned_beyond_the_history_depth() {
	ExtBuilder::build_and_execute(|| {
		ValidatorSet::start_session(HISTORY_DEPTH - 1);
		assert_eq!(pruned_up_to(), None);
		ValidatorSet::start_session(HISTORY_DEPTH + 4);
		assert_eq!(pruned_up_to(), Some(4));
	});
}

#[test]
fn an_offender_is_disabled_and_removed_once() {
	ExtBuilder::build_and_execute(|| {
		let weight = ValidatorSet::on_offence(&[offence(2)], &[Perbill::from_percent(10)], 7);
		assert!(weight.ref_time() > 0);
		assert_eq!(disabled(), vec![2]);
		assert_eq!(ValidatorSet::validators(), vec![1, 3]);
		assert_eq!(events(), vec![Event::OffenderRemoved { who: 2, session: 7 }]);
		assert_eq!(ValidatorSet::new_session(8), Some(vec![1, 3]));

		// `pallet_offences` repeats earlier offenders with a later report: nothing more happens
		// to the set.
		ValidatorSet::on_offence(&[offence(2)], &[Perbill::zero()], 7);
		assert_eq!(ValidatorSet::validators(), vec![1, 3]);
		assert_eq!(events().len(), 2);
	});
}

#[test]
fn an_offender_is_kept_when_removing_it_would_leave_too_few() {
	ExtBuilder::build_and_execute(|| {
		ValidatorSet::on_offence(&[offence(1), offence(3)], &[Perbill::zero(); 2], 4);
		assert_eq!(disabled(), vec![1, 3]);
		assert_eq!(ValidatorSet::validators(), vec![2, 3]);
		assert_eq!(
			events(),
			vec![
				Event::OffenderRemoved { who: 1, session: 4 },
				Event::OffenderKept { who: 3, session: 4 },
			]
		);
	});
}

#[test]
fn try_state_catches_a_broken_set() {
	ExtBuilder::build().execute_with(|| {
		Validators::<Test>::put(frame_support::BoundedVec::truncate_from(vec![1, 2, 2]));
		assert!(ValidatorSet::do_try_state().is_err());
		Validators::<Test>::put(frame_support::BoundedVec::truncate_from(vec![1]));
		assert!(ValidatorSet::do_try_state().is_err());
	});
}

#[test]
#[should_panic(expected = "validatorSet lists a validator twice")]
fn a_genesis_listing_a_validator_twice_apart_does_not_start() {
	use sp_runtime::BuildStorage;
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	crate::GenesisConfig::<Test> { validators: vec![1, 2, 1], session_length: None }
		.assimilate_storage(&mut storage)
		.unwrap();
}

#[test]
fn integrity_holds() {
	ExtBuilder::build().execute_with(ValidatorSet::integrity_test);
}

mod aura_equivocation {
	use super::*;
	use crate::AuraEquivocationProof;
	use codec::Encode;
	use sp_consensus_aura::AURA_ENGINE_ID;
	use sp_consensus_slots::Slot;
	use sp_runtime::{
		testing::{TestSignature, UintAuthorityId},
		traits::Header as _,
		DigestItem,
	};

	type Header = frame_system::pallet_prelude::HeaderFor<Test>;

	fn proof(offender: u64, first: Header, second: Header) -> Box<AuraEquivocationProof<Test>> {
		Box::new(sp_consensus_slots::EquivocationProof {
			offender: UintAuthorityId(offender),
			slot: Slot::from(42),
			first_header: first,
			second_header: second,
		})
	}

	fn owner_proof(of: u64) -> sp_session::MembershipProof {
		<Ownership as frame_support::traits::KeyOwnerProofSystem<_>>::prove((
			sp_core::crypto::KeyTypeId(*b"dumy"),
			UintAuthorityId(of),
		))
		.unwrap()
	}

	fn report(proof: Box<AuraEquivocationProof<Test>>, owner: u64) -> DispatchResultWithPostInfo {
		ValidatorSet::report_aura_equivocation(RuntimeOrigin::signed(9), proof, owner_proof(owner))
	}

	use frame_support::dispatch::{DispatchResultWithPostInfo, Pays};

	#[test]
	fn two_blocks_sealed_for_one_slot_are_reported_free_of_charge() {
		ExtBuilder::build_and_execute(|| {
			let post = report(proof(2, sealed(42, 1, 2), sealed(42, 2, 2)), 2).unwrap();
			assert_eq!(post.pays_fee, Pays::No);
			let reported = reported();
			assert_eq!(reported.len(), 1);
			assert_eq!(reported[0].0, vec![9]);
			assert_eq!(reported[0].1.offender, (2, ()));
			assert_eq!(reported[0].1.slot, Slot::from(42));
			assert_eq!(reported[0].1.validator_set_count, 3);
			assert!(events().contains(&Event::AuraEquivocationReported {
				offender: UintAuthorityId(2),
				slot: 42,
				reporter: 9
			}));
			assert_eq!(ValidatorSet::validators(), vec![1, 3], "the offender left the set");
			// The same slot again is the same offence.
			assert_noop!(
				report(proof(2, sealed(42, 1, 2), sealed(42, 3, 2)), 2),
				Error::<Test>::DuplicateOffenceReport
			);
		});
	}

	#[test]
	fn reports_that_take_nobody_out_are_paid_for() {
		ExtBuilder::build_and_execute(|| {
			// Validator 2 removed by a first report (free).
			assert_eq!(
				report(proof(2, sealed(42, 1, 2), sealed(42, 2, 2)), 2).unwrap().pays_fee,
				Pays::No
			);
			// Another of its double blocks, another slot: a new offence, but nobody leaves, so
			// an offender cannot fill blocks with free reports of itself.
			let mut later = proof(2, sealed(43, 1, 2), sealed(43, 2, 2));
			later.slot = Slot::from(43);
			assert_eq!(report(later, 2).unwrap().pays_fee, Pays::Yes);
			// Validator 1 now has only 3 beside it: the minimum of 2 keeps it, and that is paid.
			let mut kept = proof(1, sealed(44, 1, 1), sealed(44, 2, 1));
			kept.slot = Slot::from(44);
			assert_eq!(report(kept, 1).unwrap().pays_fee, Pays::Yes);
			assert_eq!(ValidatorSet::validators(), vec![1, 3]);
			assert!(events().contains(&Event::OffenderKept { who: 1, session: 1 }));
		});
	}

	#[test]
	fn oversized_or_ambiguous_headers_are_refused() {
		ExtBuilder::build_and_execute(|| {
			let invalid = || Error::<Test>::InvalidEquivocationProof;
			// A header padded with a large digest item (data stored for free otherwise).
			let mut padded = sealed(42, 2, 2);
			padded.digest_mut().pop(); // its seal, replaced below
			padded.digest_mut().push(DigestItem::Other(vec![0; 2_000]));
			let signature = TestSignature(2, padded.hash().as_ref().to_vec());
			padded.digest_mut().push(DigestItem::Seal(AURA_ENGINE_ID, signature.encode()));
			assert_noop!(report(proof(2, sealed(42, 1, 2), padded), 2), invalid());
			// Two Aura slots in one header: a node would refuse it, so it proves nothing.
			let mut two_slots = Header::new(
				1,
				Default::default(),
				sp_core::H256::repeat_byte(9),
				Default::default(),
				Default::default(),
			);
			for slot in [42u64, 7] {
				two_slots
					.digest_mut()
					.push(DigestItem::PreRuntime(AURA_ENGINE_ID, Slot::from(slot).encode()));
			}
			let signature = TestSignature(2, two_slots.hash().as_ref().to_vec());
			two_slots.digest_mut().push(DigestItem::Seal(AURA_ENGINE_ID, signature.encode()));
			assert_noop!(report(proof(2, sealed(42, 1, 2), two_slots), 2), invalid());
		});
	}

	#[test]
	fn reports_that_prove_nothing_are_refused() {
		ExtBuilder::build_and_execute(|| {
			let invalid = || Error::<Test>::InvalidEquivocationProof;
			// One block twice.
			assert_noop!(report(proof(2, sealed(42, 1, 2), sealed(42, 1, 2)), 2), invalid());
			// Two slots.
			assert_noop!(report(proof(2, sealed(42, 1, 2), sealed(43, 2, 2)), 2), invalid());
			// Sealed for the proof's slot, but a different slot named in the proof.
			let mut wrong_slot = proof(2, sealed(41, 1, 2), sealed(41, 2, 2));
			wrong_slot.slot = Slot::from(41 + 1);
			assert_noop!(report(wrong_slot, 2), invalid());
			// A block sealed by someone else: nobody may frame validator 2.
			assert_noop!(report(proof(2, sealed(42, 1, 2), sealed(42, 2, 3)), 2), invalid());
			// No seal at all.
			let mut unsealed = sealed(42, 2, 2);
			unsealed.digest_mut().pop();
			assert_noop!(report(proof(2, sealed(42, 1, 2), unsealed), 2), invalid());
			// A key-ownership proof for another key.
			assert_noop!(
				report(proof(2, sealed(42, 1, 2), sealed(42, 2, 2)), 3),
				Error::<Test>::InvalidKeyOwnershipProof
			);
			// A key nobody registered.
			assert_noop!(
				report(proof(6, sealed(42, 1, 6), sealed(42, 2, 6)), 6),
				Error::<Test>::InvalidKeyOwnershipProof
			);
			assert!(reported().is_empty());
		});
	}

	#[test]
	fn the_slash_fraction_grows_with_the_share_of_offenders() {
		use sp_staking::offence::Offence;
		let offence = crate::AuraEquivocationOffence {
			slot: Slot::from(1),
			session_index: 0,
			validator_set_count: 9,
			offender: (1u64, ()),
		};
		// (3 × 1 / 9)² = 1/9, to rounding.
		let lone = offence.slash_fraction(1).deconstruct();
		assert!(lone.abs_diff(Perbill::from_rational(1u32, 9).deconstruct()) <= 2, "{lone}");
		assert_eq!(offence.slash_fraction(3), Perbill::one());
	}
}
