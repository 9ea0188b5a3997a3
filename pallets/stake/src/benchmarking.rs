//! Benchmarks of the Stake pallet, each in its worst case.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use frame_system::RawOrigin;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let amount = T::MinBond::get().saturating_mul(1_000u32.into()).max(1_000_000u32.into());
	T::Currency::set_balance(&who, amount);
	who
}

fn bonded<T: Config>(name: &'static str) -> T::AccountId {
	let who = funded::<T>(name, 0);
	let amount = T::MinBond::get().saturating_mul(100u32.into()).max(100u32.into());
	assert!(Pallet::<T>::bond(RawOrigin::Signed(who.clone()).into(), amount).is_ok());
	who
}

/// Give `who` `chunks` unlocking chunks, each in its own block.
fn with_chunks<T: Config>(who: &T::AccountId, chunks: u32) {
	let one = T::MinBond::get().max(1u32.into());
	for _ in 0..chunks {
		let next = frame_system::Pallet::<T>::block_number() + 1u32.into();
		frame_system::Pallet::<T>::set_block_number(next);
		assert!(Pallet::<T>::bond(RawOrigin::Signed(who.clone()).into(), one).is_ok());
		assert!(Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into(), one).is_ok());
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn bond() {
		// Adding to an existing ledger with the most chunks decodes and encodes the most.
		let who = bonded::<T>("staker");
		with_chunks::<T>(&who, T::MaxUnlockingChunks::get());
		let amount = T::MinBond::get().max(1u32.into());
		let before = Pallet::<T>::active_stake(&who);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);

		assert_eq!(Pallet::<T>::active_stake(&who), before + amount);
	}

	#[benchmark]
	fn unbond() {
		let who = bonded::<T>("staker");
		with_chunks::<T>(&who, T::MaxUnlockingChunks::get() - 1);
		let next = frame_system::Pallet::<T>::block_number() + 1u32.into();
		frame_system::Pallet::<T>::set_block_number(next);
		let amount = T::MinBond::get().max(1u32.into());

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);

		assert_eq!(
			Ledgers::<T>::get(&who).map(|l| l.unlocking.len() as u32),
			Some(T::MaxUnlockingChunks::get())
		);
	}

	#[benchmark]
	fn withdraw_unbonded(c: Linear<1, { T::MaxUnlockingChunks::get() }>) {
		let who = bonded::<T>("staker");
		with_chunks::<T>(&who, c);
		let later = frame_system::Pallet::<T>::block_number() + T::UnbondingPeriod::get();
		frame_system::Pallet::<T>::set_block_number(later);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert_eq!(Ledgers::<T>::get(&who).map(|l| l.unlocking.len()), Some(0));
	}

	#[benchmark]
	fn slash() -> Result<(), BenchmarkError> {
		// Everything slashed, through every chunk, with a reporter who is paid.
		let who = bonded::<T>("offender");
		with_chunks::<T>(&who, T::MaxUnlockingChunks::get());
		let reporter = funded::<T>("reporter", 1);
		let origin =
			T::SlashOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let amount = Ledgers::<T>::get(&who).map(|l| l.total()).unwrap_or_default();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone(), amount, Some(reporter));

		assert!(!Ledgers::<T>::contains_key(&who));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::build(), crate::mock::Test);
}
