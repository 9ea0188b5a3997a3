//! Benchmarks of the PolCredits pallet's trait functions (it has no calls), each in its worst
//! case: the account already holds credits, so its entry is read, decoded and written.

use super::*;
use frame_benchmarking::v2::*;

/// An account with `free` credits, all minted by honest evaluations.
fn holder<T: Config>(free: u32) -> T::AccountId {
	let who: T::AccountId = account("contributor", 0, 0);
	for job in 0..free {
		Pallet::<T>::mint(&who, Contribution::Evaluation { job: job.into() });
	}
	who
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn mint() {
		let who = holder::<T>(1);
		let before = Pallet::<T>::credits(&who).free;
		let cause = Contribution::Adoption { job: 1, gain: u32::MAX, delta: 1 };

		#[block]
		{
			Pallet::<T>::mint(&who, cause);
		}

		assert_eq!(Pallet::<T>::credits(&who).free, before + Pallet::<T>::credits_for(&cause));
	}

	#[benchmark]
	fn lock() {
		let who = holder::<T>(2);
		let amount = Pallet::<T>::credits(&who).free;

		#[block]
		{
			assert!(Pallet::<T>::lock(&who, amount).is_ok());
		}

		assert_eq!(Pallet::<T>::credits(&who).locked, amount);
	}

	#[benchmark]
	fn unlock() {
		let who = holder::<T>(2);
		let amount = Pallet::<T>::credits(&who).free;
		assert!(Pallet::<T>::lock(&who, amount).is_ok());

		#[block]
		{
			Pallet::<T>::unlock(&who, amount);
		}

		assert_eq!(Pallet::<T>::credits(&who).locked, 0);
	}

	#[benchmark]
	fn spend_locked() {
		// Spending part of the locked credits keeps the entry (a write, not a removal).
		let who = holder::<T>(2);
		let amount = Pallet::<T>::credits(&who).free;
		assert!(Pallet::<T>::lock(&who, amount).is_ok());
		let total = Pallet::<T>::total();

		#[block]
		{
			Pallet::<T>::spend_locked(&who, amount / 2);
		}

		assert_eq!(Pallet::<T>::total(), total - amount / 2);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::build(), crate::mock::Test);
}
