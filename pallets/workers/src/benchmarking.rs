//! Benchmarks of the Workers pallet, each in its worst case: every role, the longest names, and
//! role lists one short of full (their size dominates the cost).

use super::*;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

fn capabilities<T: Config>() -> CapabilitiesOf<T> {
	WorkerCapabilities {
		gpu_model: BoundedVec::truncate_from(alloc::vec![b'G'; T::MaxGpuModelLen::get() as usize]),
		spec: ComputeSpec { vram_gib: 80, gpu_count: 8, cpu_cores: 128 },
	}
}

fn endpoint<T: Config>() -> EndpointOf<T> {
	BoundedVec::truncate_from(alloc::vec![b'e'; T::MaxEndpointLen::get().max(1) as usize])
}

const ALL_ROLES: Roles = Roles { trainer: true, evaluator: true, auditor: true };

/// Fill every role list with `n` other (unregistered) accounts.
fn fill_lists<T: Config>(n: u32) {
	let since = frame_system::Pallet::<T>::block_number();
	let others: alloc::vec::Vec<_> =
		(0..n).map(|i| Listed { who: account("other", i, 0), since }).collect();
	for role in Roles::ALL {
		OnlineByRole::<T>::insert(role, BoundedVec::truncate_from(others.clone()));
	}
}

fn registered<T: Config>(name: &'static str, index: u32, roles: Roles) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::BenchmarkHelper::bond(&who);
	assert!(Pallet::<T>::register_worker(
		RawOrigin::Signed(who.clone()).into(),
		capabilities::<T>(),
		roles,
		endpoint::<T>(),
	)
	.is_ok());
	who
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_worker() {
		fill_lists::<T>(T::MaxWorkersPerRole::get() - 1);
		let who: T::AccountId = account("worker", 0, 0);
		T::BenchmarkHelper::bond(&who);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), capabilities::<T>(), ALL_ROLES, endpoint::<T>());

		assert!(Workers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn update_worker() {
		// Leaves one role list and joins two.
		fill_lists::<T>(T::MaxWorkersPerRole::get() - 2);
		let trainer = Roles { trainer: true, evaluator: false, auditor: false };
		let who = registered::<T>("worker", 0, trainer);
		let others = Roles { trainer: false, evaluator: true, auditor: true };

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), capabilities::<T>(), others, endpoint::<T>());

		assert!(OnlineByRole::<T>::get(Role::Auditor).iter().any(|e| e.who == who));
	}

	#[benchmark]
	fn heartbeat() {
		// An offline worker coming back joins every list.
		fill_lists::<T>(T::MaxWorkersPerRole::get() - 2);
		let who = registered::<T>("worker", 0, ALL_ROLES);
		Workers::<T>::mutate(&who, |w| w.as_mut().map(|w| w.online = false));
		for role in Roles::ALL {
			OnlineByRole::<T>::mutate(role, |l| l.retain(|e| e.who != who));
		}

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(Workers::<T>::get(&who).is_some_and(|w| w.online));
	}

	#[benchmark]
	fn deregister_worker() {
		fill_lists::<T>(T::MaxWorkersPerRole::get() - 1);
		let who = registered::<T>("worker", 0, ALL_ROLES);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(!Workers::<T>::contains_key(&who));
	}

	/// The liveness sweep over `n` workers that all timed out, in full role lists.
	#[benchmark]
	fn sweep(n: Linear<0, { T::MaxSweepPerBlock::get() }>) {
		fill_lists::<T>(T::MaxWorkersPerRole::get() - n);
		for i in 0..n {
			registered::<T>("worker", i, ALL_ROLES);
		}
		let later =
			frame_system::Pallet::<T>::block_number() + T::HeartbeatTimeout::get() + 1u32.into();

		#[block]
		{
			Pallet::<T>::sweep(later, n);
		}

		assert!(Workers::<T>::iter_values().all(|w| !w.online));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::build(), crate::mock::Test);
}
