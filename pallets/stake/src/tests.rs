use crate::{mock::*, Error, Event, Ledgers, UnlockChunk};
use aiblock_primitives::stake::{Slash, SlashReason, StakeCollateral, StakeInspect};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Stake(e) = r.event { Some(e) } else { None })
		.last()
		.expect("a Stake event")
}

fn chunks(who: AccountId) -> Vec<(Balance, u64)> {
	Ledgers::<Test>::get(who)
		.map(|l| l.unlocking.iter().map(|c| (c.value, c.unlock_at)).collect())
		.unwrap_or_default()
}

#[test]
fn bond_holds_funds_and_adds_up() {
	ExtBuilder::build_and_execute(|| {
		assert_ok!(Stake::bond(RuntimeOrigin::signed(1), 1_000));
		assert_eq!(last_event(), Event::Bonded { who: 1, amount: 1_000 });
		assert_eq!(held(1), 1_000);
		assert_eq!(free(1), 9_000);
		assert_ok!(Stake::bond(RuntimeOrigin::signed(1), 1));
		assert_eq!(Stake::active_stake(&1), 1_001);
		assert_eq!(held(1), 1_001);
	});
}

#[test]
fn bond_refusals() {
	ExtBuilder::build_and_execute(|| {
		assert_noop!(Stake::bond(RuntimeOrigin::signed(1), 0), Error::<Test>::ZeroAmount);
		assert_noop!(
			Stake::bond(RuntimeOrigin::signed(1), MIN_BOND - 1),
			Error::<Test>::BelowMinBond
		);
		// The existential deposit stays free.
		assert_noop!(
			Stake::bond(RuntimeOrigin::signed(1), 10_000 - ED + 1),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			Stake::bond(RuntimeOrigin::signed(77), MIN_BOND),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(Stake::bond(RuntimeOrigin::none(), MIN_BOND), DispatchError::BadOrigin);
		assert_ok!(Stake::bond(RuntimeOrigin::signed(1), 10_000 - ED));
		assert_eq!(free(1), ED);
	});
}

#[test]
fn unbond_starts_the_unbonding_period() {
	ExtBuilder::build_and_execute(|| {
		assert_ok!(Stake::bond(RuntimeOrigin::signed(1), 1_000));
		assert_ok!(Stake::unbond(RuntimeOrigin::signed(1), 300));
		assert_eq!(last_event(), Event::Unbonded { who: 1, amount: 300, unlock_at: 1 + UNBONDING });
		assert_eq!(Stake::active_stake(&1), 700);
		assert_eq!(held(1), 1_000, "unbonding funds stay held");
		// A second unbond in the same block joins the chunk.
		assert_ok!(Stake::unbond(RuntimeOrigin::signed(1), 100));
		assert_eq!(chunks(1), vec![(400, 1 + UNBONDING)]);
		run_to_block(3);
		assert_ok!(Stake::unbond(RuntimeOrigin::signed(1), 100));
		assert_eq!(chunks(1), vec![(400, 1 + UNBONDING), (100, 3 + UNBONDING)]);
		// Everything may go.
		assert_ok!(Stake::unbond(RuntimeOrigin::signed(1), 500));
		assert_eq!(Stake::active_stake(&1), 0);
	});
}

#[test]
fn unbond_refusals() {
	ExtBuilder::build_and_execute(|| {
		assert_noop!(Stake::unbond(RuntimeOrigin::signed(1), 10), Error::<Test>::NotBonded);
		assert_ok!(Stake::bond(RuntimeOrigin::signed(1), 1_000));
		assert_noop!(Stake::unbond(RuntimeOrigin::signed(1), 0), Error::<Test>::ZeroAmount);
		assert_noop!(
			Stake::unbond(RuntimeOrigin::signed(1), 1_001),
			Error::<Test>::InsufficientUncommittedStake
		);
		assert_noop!(
			Stake::unbond(RuntimeOrigin::signed(1), 1_000 - MIN_BOND + 1),
			Error::<Test>::BelowMinBond
		);
		for block in 2..2 + MAX_CHUNKS as u64 {
			run_to_block(block);
			assert_ok!(Stake::unbond(RuntimeOrigin::signed(1), 10));
		}
		run_to_block(10);
		assert_noop!(
			Stake::unbond(RuntimeOrigin::signed(1), 10),
			Error::<Test>::TooManyUnlockingChunks
		);
	});
}

#[test]
fn committed_collateral_cannot_be_unbonded() {
	ExtBuilder::build_and_execute(|| {
		assert_ok!(Stake::bond(RuntimeOrigin::signed(1), 1_000));
		assert_ok!(<Stake as StakeCollateral<_>>::commit(&1, 600));
		assert_eq!(last_event(), Event::CollateralCommitted { who: 1, amount: 600 });
		assert_eq!(Stake::uncommitted_stake(&1), 400);
		assert_noop!(
			Stake::unbond(RuntimeOrigin::signed(1), 401),
			Error::<Test>::InsufficientUncommittedStake
		);
		assert_noop!(
			<Stake as StakeCollateral<_>>::commit(&1, 401),
			Error::<Test>::InsufficientUncommittedStake
		);
		assert_noop!(<Stake as StakeCollateral<_>>::commit(&2, 1), Error::<Test>::NotBonded);
		assert_ok!(Stake::unbond(RuntimeOrigin::signed(1), 300));
		assert_eq!(
			<Stake as StakeCollateral<_>>::release(&1, 1_000),
			600,
			"only what is committed"
		);
		assert_eq!(last_event(), Event::CollateralReleased { who: 1, amount: 600 });
		assert_eq!(<Stake as StakeCollateral<_>>::release(&1, 5), 0);
		assert_eq!(<Stake as StakeCollateral<_>>::release(&9, 5), 0);
		assert_ok!(Stake::unbond(RuntimeOrigin::signed(1), 700));
	});
}

#[test]
fn withdraw_releases_only_ripe_chunks() {
	ExtBuilder::build_and_execute(|| {
		assert_noop!(Stake::withdraw_unbonded(RuntimeOrigin::signed(1)), Error::<Test>::NotBonded);
		assert_ok!(Stake::bond(RuntimeOrigin::signed(1), 1_000));
		assert_ok!(Stake::unbond(RuntimeOrigin::signed(1), 200));
		run_to_block(5);
		assert_ok!(Stake::unbond(RuntimeOrigin::signed(1), 300));
		run_to_block(UNBONDING);
		assert_noop!(
			Stake::withdraw_unbonded(RuntimeOrigin::signed(1)),
			Error::<Test>::NothingToWithdraw
		);
		run_to_block(1 + UNBONDING);
		assert_ok!(Stake::withdraw_unbonded(RuntimeOrigin::signed(1)));
		assert_eq!(last_event(), Event::Withdrawn { who: 1, amount: 200 });
		assert_eq!((free(1), held(1)), (9_200, 800));
		assert_eq!(chunks(1), vec![(300, 5 + UNBONDING)]);
		assert_ok!(Stake::unbond(RuntimeOrigin::signed(1), 500));
		run_to_block(100);
		assert_ok!(Stake::withdraw_unbonded(RuntimeOrigin::signed(1)));
		assert_eq!((free(1), held(1)), (10_000, 0));
		assert!(!Ledgers::<Test>::contains_key(1), "an empty ledger is removed");
	});
}

#[test]
fn slash_takes_active_then_newest_unlocking_and_pays_reporter() {
	ExtBuilder::build_and_execute(|| {
		assert_ok!(Stake::bond(RuntimeOrigin::signed(1), 1_000));
		assert_ok!(Stake::unbond(RuntimeOrigin::signed(1), 300));
		run_to_block(2);
		assert_ok!(Stake::unbond(RuntimeOrigin::signed(1), 200));
		assert_ok!(<Stake as StakeCollateral<_>>::commit(&1, 400));
		let issuance = Balances::total_issuance();

		// 500 active, chunks [300 @21, 200 @22]; slash 600 → active 0, newest chunk −100.
		let taken = <Stake as Slash<_>>::slash(&1, 600, SlashReason::ClaimRefuted, Some(&2));
		assert_eq!(taken, 600);
		assert_eq!(
			last_event(),
			Event::Slashed {
				who: 1,
				amount: 600,
				reason: SlashReason::ClaimRefuted,
				reporter: Some(2),
				reporter_reward: 60
			}
		);
		assert_eq!(Stake::active_stake(&1), 0);
		assert_eq!(chunks(1), vec![(300, 1 + UNBONDING), (100, 2 + UNBONDING)]);
		assert_eq!(
			(Ledgers::<Test>::get(1).unwrap().committed, Stake::uncommitted_stake(&1)),
			(400, 0),
			"the commitment outlives the slash"
		);
		assert_eq!(held(1), 400);
		assert_eq!(free(2), 10_060);
		assert_eq!(free(TREASURY), ED + 540);
		assert_eq!(Balances::total_issuance(), issuance, "paid to treasury, nothing burnt");

		// Unbonding is no escape, and a slash beyond the stake takes what there is.
		assert_eq!(<Stake as Slash<_>>::slash(&1, 10_000, SlashReason::ProvenFraud, None), 400);
		assert_eq!(free(TREASURY), ED + 940);
		assert_eq!(<Stake as Slash<_>>::slash(&1, 10, SlashReason::ProvenFraud, None), 0);
		// The job still counts on the 400 committed: a new bond backs it first, and releasing
		// it empties the ledger.
		assert_ok!(Stake::bond(RuntimeOrigin::signed(1), 1_000));
		assert_eq!(Stake::uncommitted_stake(&1), 600, "a new bond backs the open commitment first");
		assert_noop!(
			Stake::unbond(RuntimeOrigin::signed(1), 1_000),
			Error::<Test>::InsufficientUncommittedStake
		);
		<Stake as StakeCollateral<_>>::release(&1, 400);
		assert_ok!(Stake::unbond(RuntimeOrigin::signed(1), 1_000));
		<Stake as Slash<_>>::slash(&1, 1_000, SlashReason::ProvenFraud, None);
		assert!(!Ledgers::<Test>::contains_key(1), "an empty ledger is removed");
	});
}

#[test]
fn slash_can_burn_and_keeps_a_reward_the_reporter_cannot_take() {
	ExtBuilder::build_and_execute(|| {
		BurnSlashes::set(true);
		assert_ok!(Stake::bond(RuntimeOrigin::signed(1), 1_000));
		let issuance = Balances::total_issuance();
		// The 10 % reward (5) is below the existential deposit of the empty account 99.
		assert_eq!(<Stake as Slash<_>>::slash(&1, 50, SlashReason::MissedReveal, Some(&99)), 50);
		assert!(matches!(last_event(), Event::Slashed { reporter_reward: 0, .. }));
		assert_eq!(free(99), 0);
		assert_eq!(free(TREASURY), ED);
		assert_eq!(Balances::total_issuance(), issuance - 50, "burnt");
		BurnSlashes::set(false);
	});
}

#[test]
fn governance_slash_call() {
	ExtBuilder::build_and_execute(|| {
		assert_ok!(Stake::bond(RuntimeOrigin::signed(1), 1_000));
		assert_noop!(
			Stake::slash(RuntimeOrigin::signed(2), 1, 100, None),
			DispatchError::BadOrigin
		);
		assert_noop!(Stake::slash(RuntimeOrigin::root(), 1, 0, None), Error::<Test>::ZeroAmount);
		assert_noop!(Stake::slash(RuntimeOrigin::root(), 3, 100, None), Error::<Test>::NotBonded);
		assert_ok!(Stake::slash(RuntimeOrigin::root(), 1, 100, Some(3)));
		assert!(matches!(
			last_event(),
			Event::Slashed {
				who: 1,
				amount: 100,
				reason: SlashReason::Governance,
				reporter_reward: 10,
				..
			}
		));
		assert_eq!(Stake::active_stake(&1), 900);
	});
}

#[test]
fn try_state_catches_a_ledger_that_disagrees_with_the_hold() {
	ExtBuilder::build().execute_with(|| {
		assert_ok!(Stake::bond(RuntimeOrigin::signed(1), 1_000));
		assert_ok!(Stake::do_try_state());
		Ledgers::<Test>::mutate(1, |l| l.as_mut().unwrap().active = 999);
		assert!(Stake::do_try_state().is_err());
		Ledgers::<Test>::mutate(1, |l| {
			let l = l.as_mut().unwrap();
			l.active = 500;
			l.unlocking.try_push(UnlockChunk { value: 500, unlock_at: 5 }).unwrap();
			l.unlocking.try_push(UnlockChunk { value: 0, unlock_at: 6 }).unwrap();
		});
		assert!(Stake::do_try_state().is_err(), "zero chunk");
	});
}

#[test]
fn slash_to_pays_all_of_it_to_one_account() {
	ExtBuilder::build_and_execute(|| {
		assert_ok!(Stake::bond(RuntimeOrigin::signed(1), 1_000));
		let issuance = Balances::total_issuance();
		assert_eq!(<Stake as Slash<_>>::slash_to(&1, 300, SlashReason::AnswerMismatch, &2), 300);
		assert_eq!(
			last_event(),
			Event::Slashed {
				who: 1,
				amount: 300,
				reason: SlashReason::AnswerMismatch,
				reporter: Some(2),
				reporter_reward: 300
			}
		);
		assert_eq!((free(2), free(TREASURY), held(1)), (10_300, ED, 700));
		assert_eq!(Balances::total_issuance(), issuance);
		// An account that cannot take it (below the existential deposit): the treasury does,
		// and the account received nothing.
		assert_eq!(<Stake as Slash<_>>::slash_to(&1, 5, SlashReason::AnswerMismatch, &99), 0);
		assert!(matches!(last_event(), Event::Slashed { reporter_reward: 0, .. }));
		assert_eq!((free(99), free(TREASURY)), (0, ED + 5));
	});
}
