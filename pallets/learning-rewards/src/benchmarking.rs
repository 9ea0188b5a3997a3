//! Benchmarks of the LearningRewards pallet's hook and trait functions (it has no calls), each
//! in its worst case: every payment mints to a new account, so each one creates it.

use super::*;
use aiblock_primitives::jobs::MAX_JOB_DATASETS;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::{Inspect, Mutate};

/// Most evaluators a job's panel may have in any runtime we ship (the runtime allows 15).
const MAX_EVALUATORS: u32 = 32;

/// An issuance large enough that every payment below is far above the existential deposit.
fn rich_chain<T: Config>() {
	let whale: T::AccountId = account("whale", 0, 0);
	let _ = T::Currency::set_balance(&whale, Balance::MAX / 4);
	assert!(T::Currency::total_issuance() >= Balance::MAX / 4);
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn note_author() {
		// The author is not listed yet, behind every other listed one: a full scan and a push.
		for i in 0..T::MaxAuthors::get().saturating_sub(1) {
			Pallet::<T>::note_author(account("author", i, 0));
		}
		let author: T::AccountId = account("author", u32::MAX, 0);

		#[block]
		{
			Pallet::<T>::note_author(author.clone());
		}

		assert!(Authored::<T>::get().iter().any(|(who, blocks)| *who == author && *blocks == 1));
	}

	#[benchmark]
	fn new_era(a: Linear<0, { T::MaxAuthors::get() }>) {
		rich_chain::<T>();
		Pallet::<T>::start_era(0);
		for i in 0..a {
			Pallet::<T>::note_author(account("author", i, 0));
		}
		// The next era starts a new year: the issuance is read again.
		let next = T::ErasPerYear::get().max(1);

		#[block]
		{
			if let Some(ended) = CurrentEra::<T>::get() {
				Pallet::<T>::end_era(ended);
			}
			Pallet::<T>::start_era(next);
		}

		assert_eq!(CurrentYear::<T>::get().map(|y| y.index), Some(1));
		assert!(Authored::<T>::get().is_empty());
	}

	#[benchmark]
	fn reward_adoption(e: Linear<0, MAX_EVALUATORS>, d: Linear<0, MAX_JOB_DATASETS>) {
		rich_chain::<T>();
		Pallet::<T>::start_era(0);
		let trainer: T::AccountId = account("trainer", 0, 0);
		let evaluators: alloc::vec::Vec<T::AccountId> =
			(0..e).map(|i| account("evaluator", i, 0)).collect();
		let datasets: alloc::vec::Vec<(T::AccountId, u32)> =
			(0..d).map(|i| (account("proposer", i, 0), 1)).collect();
		let to = Rewardees { trainer: &trainer, evaluators: &evaluators, datasets: &datasets };
		let minted;

		#[block]
		{
			minted =
				Pallet::<T>::reward_adoption(RewardCause::Job(1), u32::MAX, 1, Balance::MAX, to);
		}

		assert!(minted > 0);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::build(), crate::mock::Test);
}
