//! Benchmarks of the ValidatorSet pallet, each in its worst case: the set is full (or one short
//! of full), so the bounded vector read, searched and written is the largest it can be.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

/// Fill the set with `count` benchmark accounts.
fn fill<T: Config>(count: u32) -> Vec<T::AccountId> {
	let validators: Vec<T::AccountId> = (0..count).map(|i| account("validator", i, 0)).collect();
	Validators::<T>::put(BoundedVec::truncate_from(validators.clone()));
	validators
}

#[benchmarks(where T: Config)]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn add_validator() -> Result<(), BenchmarkError> {
		fill::<T>(T::MaxValidators::get() - 1);
		let who: T::AccountId = account("newcomer", 0, 0);
		T::BenchmarkHelper::register_keys(&who);
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert!(Validators::<T>::get().contains(&who));
		Ok(())
	}

	#[benchmark]
	fn remove_validator() -> Result<(), BenchmarkError> {
		let validators = fill::<T>(T::MaxValidators::get());
		let who = validators.last().cloned().ok_or(BenchmarkError::Weightless)?;
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert!(!Validators::<T>::get().contains(&who));
		Ok(())
	}

	#[benchmark]
	fn set_session_length() -> Result<(), BenchmarkError> {
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let blocks = T::MinSessionLength::get().saturating_add(1u32.into());

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, blocks);

		assert_eq!(SessionLength::<T>::get(), blocks);
		Ok(())
	}

	/// The offender in a full set that is also the session's current one (the report's setup),
	/// so that it is disabled in the session as well as removed.
	#[benchmark]
	fn punish_offender() {
		T::BenchmarkHelper::aura_equivocation(T::MaxValidators::get());
		let who = Validators::<T>::get().last().cloned().expect("MaxValidators is at least 1");

		#[block]
		{
			Pallet::<T>::punish(&who, 1);
		}

		assert!(!Validators::<T>::get().contains(&who));
	}

	/// A valid report against a validator of a full set, in the worst case: the proof is of a set
	/// of `v`, and the offender is disabled and removed (the handler's work).
	#[benchmark]
	fn report_aura_equivocation(
		v: Linear<{ T::MinValidators::get() + 1 }, { T::MaxValidators::get() }>,
	) -> Result<(), BenchmarkError> {
		let (proof, key_owner_proof) = T::BenchmarkHelper::aura_equivocation(v);
		let reporter: T::AccountId = whitelisted_caller();
		let before = Validators::<T>::decode_len().unwrap_or(0);

		#[extrinsic_call]
		_(RawOrigin::Signed(reporter), Box::new(proof), key_owner_proof);

		assert_eq!(
			Validators::<T>::decode_len().unwrap_or(0),
			before - 1,
			"the offender left the set"
		);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::build(), crate::mock::Test);
}
