//! Unit tests of the LearningRewards pallet.

use crate::{mock::*, Authored, CurrentEra, CurrentYear, EraInfo, Event, YearInfo};
use aiblock_primitives::rewards::{LearningRewards as _, RewardCause, Rewardees};

/// Each era of the mock's first year: 100 000, of which 20 000 for authors.
const ERA_BUDGET: Balance = ISSUANCE / 10 / ERAS_PER_YEAR as Balance;
const AUTHORS_BUDGET: Balance = ERA_BUDGET / 5;
const LEARNING_BUDGET: Balance = ERA_BUDGET - AUTHORS_BUDGET;

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::LearningRewards(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// An adoption of job `job` with `gain` over a delta of 1 000, trained by 10 and judged by 20,
/// 21, 22, on datasets proposed by 30 (one part) and 31 (three parts).
fn adopt(job: u64, gain: u32) -> Balance {
	LearningRewards::reward_adoption(
		RewardCause::Job(job),
		gain,
		1_000,
		Balance::MAX,
		Rewardees { trainer: &10, evaluators: &[20, 21, 22], datasets: &[(30, 1), (31, 3)] },
	)
}

#[test]
fn the_first_block_starts_the_first_year_and_era_from_the_issuance() {
	ExtBuilder::build_and_execute(|| {
		assert_eq!(
			CurrentYear::<Test>::get(),
			Some(YearInfo { index: 0, issuance: ISSUANCE, minted: 0 })
		);
		assert_eq!(
			CurrentEra::<Test>::get(),
			Some(EraInfo {
				index: 0,
				learning_budget: LEARNING_BUDGET,
				learning_paid: 0,
				authors_budget: AUTHORS_BUDGET
			})
		);
		assert_eq!(
			events(),
			[
				Event::YearStarted { year: 0, issuance: ISSUANCE, era_budget: ERA_BUDGET },
				Event::EraStarted {
					era: 0,
					learning_budget: LEARNING_BUDGET,
					authors_budget: AUTHORS_BUDGET
				},
			]
		);
	});
}

#[test]
fn an_adoption_is_paid_by_its_gain_to_trainer_evaluators_and_data() {
	ExtBuilder::build_and_execute(|| {
		// Twice the delta: twice the base reward, 2 000.
		assert_eq!(adopt(7, 2_000), 2_000);
		// Evaluators: a fifth, in thirds (133 each); data: a tenth, by parts 1:3; the trainer
		// the rest.
		assert_eq!([free(20), free(21), free(22)], [133; 3]);
		assert_eq!((free(30), free(31)), (50, 150));
		assert_eq!(free(10), 2_000 - 3 * 133 - 200);
		assert_eq!(issuance(), ISSUANCE + 2_000, "exactly the reward is minted");
		assert!(events().contains(&Event::LearningRewardPaid {
			cause: RewardCause::Job(7),
			who: 10,
			amount: 1_401
		}));
		assert!(events().contains(&Event::LearningRewardPaid {
			cause: RewardCause::Job(7),
			who: 31,
			amount: 150
		}));
		assert_eq!(CurrentEra::<Test>::get().unwrap().learning_paid, 2_000);
		assert_eq!(CurrentYear::<Test>::get().unwrap().minted, 2_000);
	});
}

#[test]
fn adoptions_are_paid_until_the_eras_budget_runs_out() {
	ExtBuilder::build_and_execute(|| {
		// Capped at ten times the base: 10 000 each, eight of which fit in 80 000.
		for job in 0..7 {
			assert_eq!(adopt(job, u32::MAX), 10 * ADOPTION_REWARD);
		}
		// What is left of the budget, then nothing.
		assert_eq!(adopt(7, 3_500), 3_500);
		assert_eq!(adopt(8, u32::MAX), LEARNING_BUDGET - 73_500);
		assert_eq!(adopt(9, u32::MAX), 0);
		assert_eq!(issuance(), ISSUANCE + LEARNING_BUDGET);
		// The next era has its own budget: nothing carried over, nothing owed.
		run_to_block(ERA);
		assert_eq!(adopt(10, 1_000), 1_000);
	});
}

#[test]
fn block_authors_share_the_eras_part_by_the_blocks_they_authored() {
	ExtBuilder::build_and_execute(|| {
		// Block 1 was 100's; so are 2..=5; 6..=9 are 101's.
		run_to_block(5);
		Author::set(Some(101));
		run_to_block(9);
		assert_eq!(Authored::<Test>::get().into_inner(), vec![(100, 5), (101, 4)]);
		run_to_block(ERA);
		assert_eq!(free(100), AUTHORS_BUDGET * 5 / ERA as Balance);
		assert_eq!(free(101), AUTHORS_BUDGET * 4 / ERA as Balance);
		assert!(events().contains(&Event::AuthorRewarded {
			era: 0,
			author: 100,
			blocks: 5,
			amount: 10_000
		}));
		// Block 0 is genesis (no author): its tenth and the whole learning budget are unspent.
		assert!(events().contains(&Event::EraEnded { era: 0, unspent: ERA_BUDGET - 18_000 }));
		// Block 10 belongs to the new era, and its author is counted there.
		assert_eq!(Authored::<Test>::get().into_inner(), vec![(101, 1)]);
		assert_eq!(CurrentEra::<Test>::get().map(|e| e.index), Some(1));
	});
}

#[test]
fn blocks_without_an_author_or_beyond_the_author_bound_earn_nothing() {
	ExtBuilder::build_and_execute(|| {
		Author::set(None);
		run_to_block(2);
		for (n, author) in [(3, 100), (4, 101), (5, 102), (6, 103)] {
			Author::set(Some(author));
			run_to_block(n);
		}
		// Three authors fit; the fourth is not counted.
		assert_eq!(Authored::<Test>::get().len() as u32, MAX_AUTHORS);
		run_to_block(ERA);
		assert_eq!(free(103), 0);
		// 100 authored blocks 1 and 3; block 2 had no author.
		assert_eq!(free(100), 2 * AUTHORS_BUDGET / ERA as Balance);
	});
}

#[test]
fn a_payment_below_the_existential_deposit_is_not_minted() {
	ExtBuilder::build_and_execute(|| {
		for job in 0..7 {
			adopt(job, u32::MAX);
		}
		assert_eq!(adopt(7, 9_970), 9_970);
		// 30 left: the evaluators' fifth is 2 each, below the deposit of their new accounts;
		// the trainer (an existing account) takes 24.
		let paid = LearningRewards::reward_adoption(
			RewardCause::Job(8),
			1_000,
			1_000,
			Balance::MAX,
			Rewardees { trainer: &1, evaluators: &[40, 41, 42], datasets: &[] },
		);
		assert_eq!(paid, 24);
		assert_eq!(free(40), 0);
		assert_eq!(CurrentEra::<Test>::get().unwrap().learning_paid, LEARNING_BUDGET - 6);
	});
}

#[test]
fn a_year_of_full_eras_mints_exactly_the_cap_and_the_next_year_compounds() {
	ExtBuilder::build_and_execute(|| {
		Author::set(Some(100));
		for era in 0..ERAS_PER_YEAR as u64 {
			// Spend each era's whole learning budget.
			while adopt(era, u32::MAX) > 0 {}
			run_to_block((era + 1) * ERA);
		}
		// Every era spent its budget, except era 0's first block (genesis has no author).
		let minted = ISSUANCE / 10 - AUTHORS_BUDGET / ERA as Balance;
		assert_eq!(issuance(), ISSUANCE + minted);
		// Year 1 starts from the new issuance.
		assert_eq!(
			CurrentYear::<Test>::get(),
			Some(YearInfo { index: 1, issuance: ISSUANCE + minted, minted: 0 })
		);
		let next = (ISSUANCE + minted) / 10 / ERAS_PER_YEAR as Balance;
		let era = CurrentEra::<Test>::get().unwrap();
		assert_eq!(era.learning_budget + era.authors_budget, next);
	});
}

#[test]
fn eras_the_chain_skipped_are_never_paid() {
	ExtBuilder::build_and_execute(|| {
		run_to_block(3);
		// The chain stalls for three eras: the next block is in era 3.
		System::set_block_number(3 * ERA + 4);
		run_to_block(3 * ERA + 5);
		assert_eq!(CurrentEra::<Test>::get().map(|e| e.index), Some(3));
		assert_eq!(free(100), AUTHORS_BUDGET * 3 / ERA as Balance, "era 0's three blocks only");
		assert_eq!(issuance(), ISSUANCE + AUTHORS_BUDGET * 3 / ERA as Balance);
	});
}

#[test]
fn the_invariant_check_catches_overspending() {
	ExtBuilder::build().execute_with(|| {
		run_to_block(1);
		assert!(LearningRewards::do_try_state().is_ok());
		CurrentYear::<Test>::mutate(|y| y.as_mut().unwrap().minted = ISSUANCE / 10 + 1);
		assert!(LearningRewards::do_try_state().is_err());
		CurrentYear::<Test>::mutate(|y| y.as_mut().unwrap().minted = 0);
		CurrentEra::<Test>::mutate(|e| e.as_mut().unwrap().learning_paid = LEARNING_BUDGET + 1);
		assert!(LearningRewards::do_try_state().is_err());
	});
}

#[test]
fn an_adoption_earns_no_more_than_its_trainer_had_at_stake() {
	ExtBuilder::build_and_execute(|| {
		let paid = LearningRewards::reward_adoption(
			RewardCause::Job(1),
			u32::MAX,
			1_000,
			500,
			Rewardees { trainer: &10, evaluators: &[20], datasets: &[] },
		);
		assert_eq!(paid, 500);
		assert_eq!(free(10) + free(20), 500);
	});
}
