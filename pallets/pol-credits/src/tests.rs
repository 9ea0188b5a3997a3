//! Unit tests of the PolCredits pallet.

use crate::{adoption_credits, mock::*, Accounts, Contribution, Error, Event, Total};
use aiblock_primitives::credits::{CreditAccount, MintCredits, SpendCredits};
use frame_support::{assert_noop, assert_ok};

fn minted(who: AccountId, amount: u64, cause: Contribution) -> RuntimeEvent {
	RuntimeEvent::PolCredits(Event::Minted { who, amount, cause })
}

fn account(who: AccountId) -> CreditAccount {
	PolCredits::credits(&who)
}

#[test]
fn every_contribution_earns_its_entry_in_the_table_with_an_event_naming_it() {
	ExtBuilder::build_and_execute(|| {
		let table = [
			(Contribution::Evaluation { job: 1 }, EVALUATION),
			(Contribution::FraudProven { job: 1, provers: 1 }, FRAUD),
			(Contribution::FraudProven { job: 2, provers: 2 }, FRAUD / 2),
			(Contribution::Audit { dataset: 4 }, AUDIT),
			(Contribution::GoldDataset { dataset: 4 }, GOLD),
			(Contribution::Adoption { job: 2, gain: 500, delta: 500 }, ADOPTION),
			(Contribution::MigrationPromoted { epoch: 1 }, MIGRATION),
			(Contribution::EpochTraining { epoch: 1 }, 10 * ADOPTION),
			(Contribution::EpochEvaluation { epoch: 1 }, EVALUATION),
			(Contribution::EpochFraudProven { epoch: 1, provers: 3 }, FRAUD / 3),
		];
		for (cause, credits) in table {
			assert_eq!(PolCredits::mint(&7, cause), credits);
			System::assert_last_event(minted(7, credits, cause));
		}
		let sum = 2 * EVALUATION
			+ FRAUD + FRAUD / 2
			+ FRAUD / 3
			+ AUDIT + GOLD
			+ 11 * ADOPTION
			+ MIGRATION;
		assert_eq!(account(7), CreditAccount { free: sum, locked: 0 });
		assert_eq!(PolCredits::total(), sum);
	});
}

#[test]
fn an_adoption_earns_in_proportion_to_its_gain_between_one_and_the_cap() {
	// Exactly the delta: the base; twice and a half: scaled, rounded down.
	assert_eq!(adoption_credits(100, 10, 1_000, 1_000), 100);
	assert_eq!(adoption_credits(100, 10, 2_500, 1_000), 250);
	assert_eq!(adoption_credits(100, 10, 1_999, 1_000), 199);
	// A huge gain is capped; a gain below the delta (not adoptable) still earns the base.
	assert_eq!(adoption_credits(100, 10, u32::MAX, 1), 1_000);
	assert_eq!(adoption_credits(100, 10, 10, 1_000), 100);
	// A model without a delta: the base.
	assert_eq!(adoption_credits(100, 10, 123, 0), 100);
	// A zero cap turns adoption credits off rather than panicking.
	assert_eq!(adoption_credits(100, 0, 5_000, 1_000), 0);
	assert_eq!(adoption_credits(u64::MAX, u32::MAX, u32::MAX, 1), u64::MAX);
	ExtBuilder::build_and_execute(|| {
		let cause = Contribution::Adoption { job: 9, gain: 30_000, delta: 10_000 };
		assert_eq!(PolCredits::mint(&3, cause), 300);
		System::assert_last_event(minted(3, 300, cause));
	});
}

#[test]
fn locking_moves_free_credits_and_refuses_more_than_are_free() {
	ExtBuilder::build_and_execute(|| {
		PolCredits::mint(&1, Contribution::Evaluation { job: 1 });
		assert_noop!(PolCredits::lock(&1, EVALUATION + 1), Error::<Test>::InsufficientCredits);
		assert_noop!(PolCredits::lock(&1, 0), Error::<Test>::ZeroAmount);
		assert_noop!(PolCredits::lock(&2, 1), Error::<Test>::InsufficientCredits);
		assert_ok!(PolCredits::lock(&1, 10));
		System::assert_last_event(RuntimeEvent::PolCredits(Event::Locked { who: 1, amount: 10 }));
		assert_eq!(account(1), CreditAccount { free: EVALUATION - 10, locked: 10 });
		// Locked credits cannot be locked twice.
		assert_noop!(PolCredits::lock(&1, EVALUATION), Error::<Test>::InsufficientCredits);
		assert_eq!(PolCredits::total(), EVALUATION);
	});
}

#[test]
fn unlocking_returns_at_most_what_is_locked() {
	ExtBuilder::build_and_execute(|| {
		PolCredits::mint(&1, Contribution::Evaluation { job: 1 });
		assert_ok!(PolCredits::lock(&1, 20));
		assert_eq!(PolCredits::unlock(&1, 50), 20);
		System::assert_last_event(RuntimeEvent::PolCredits(Event::Unlocked { who: 1, amount: 20 }));
		assert_eq!(account(1), CreditAccount { free: EVALUATION, locked: 0 });
		let events = System::events().len();
		assert_eq!(PolCredits::unlock(&1, 5), 0);
		assert_eq!(PolCredits::unlock(&2, 5), 0);
		assert_eq!(System::events().len(), events, "moving nothing says nothing");
	});
}

#[test]
fn spending_destroys_locked_credits_only() {
	ExtBuilder::build_and_execute(|| {
		PolCredits::mint(&1, Contribution::Audit { dataset: 1 });
		PolCredits::mint(&2, Contribution::Audit { dataset: 1 });
		// Free credits cannot be spent: a spending pallet locks first.
		assert_eq!(PolCredits::spend_locked(&1, 10), 0);
		assert_ok!(PolCredits::lock(&1, 15));
		assert_eq!(PolCredits::spend_locked(&1, 100), 15);
		System::assert_last_event(RuntimeEvent::PolCredits(Event::Spent { who: 1, amount: 15 }));
		assert_eq!(account(1), CreditAccount { free: AUDIT - 15, locked: 0 });
		assert_eq!(PolCredits::total(), 2 * AUDIT - 15);
	});
}

#[test]
fn an_account_spent_to_nothing_leaves_no_entry() {
	ExtBuilder::build_and_execute(|| {
		PolCredits::mint(&1, Contribution::GoldDataset { dataset: 2 });
		assert_ok!(PolCredits::lock(&1, GOLD));
		assert_eq!(PolCredits::spend_locked(&1, GOLD), GOLD);
		assert!(!Accounts::<Test>::contains_key(1));
		assert_eq!(PolCredits::total(), 0);
	});
}

// `defensive!` panics in debug builds; the tests run in release, where it logs and goes on.
#[cfg(not(debug_assertions))]
#[test]
fn a_full_total_mints_nothing_rather_than_break_the_invariant() {
	ExtBuilder::build_and_execute(|| {
		Accounts::<Test>::insert(1, CreditAccount { free: u64::MAX - 10, locked: 0 });
		Total::<Test>::put(u64::MAX - 10);
		assert_eq!(PolCredits::mint(&2, Contribution::Evaluation { job: 1 }), 0);
		assert!(!Accounts::<Test>::contains_key(2));
		assert_eq!(PolCredits::total(), u64::MAX - 10);
	});
}

#[test]
fn the_invariant_check_catches_a_total_that_differs_from_the_accounts() {
	ExtBuilder::build().execute_with(|| {
		PolCredits::mint(&1, Contribution::Evaluation { job: 1 });
		assert_ok!(PolCredits::do_try_state());
		Total::<Test>::put(EVALUATION + 1);
		assert!(PolCredits::do_try_state().is_err());
		Total::<Test>::put(EVALUATION);
		Accounts::<Test>::insert(5, CreditAccount::default());
		assert!(PolCredits::do_try_state().is_err());
	});
}

#[test]
fn the_pallet_has_no_call_that_moves_credits() {
	// Non-transferability is structural: the pallet declares no calls at all.
	let metadata = PolCredits::storage_metadata();
	assert_eq!(metadata.prefix, "PolCredits");
	assert!(<crate::Call<Test> as frame_support::traits::GetCallName>::get_call_names().is_empty());
}
