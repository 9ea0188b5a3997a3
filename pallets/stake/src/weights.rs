//! Weights for `pallet_aiblock_stake`: replaced by `pallets/benchmark.sh`.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// The weight of each call of this pallet.
pub trait WeightInfo {
	fn bond() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded(c: u32, ) -> Weight;
	fn slash() -> Weight;
}

/// Measured weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn bond() -> Weight { Weight::from_parts(100_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(3, 3)) }
	fn unbond() -> Weight { Weight::from_parts(100_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(1, 1)) }
	fn withdraw_unbonded(c: u32, ) -> Weight { Weight::from_parts(100_000_000, 4000).saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(c.into())).saturating_add(T::DbWeight::get().reads_writes(3, 3)) }
	fn slash() -> Weight { Weight::from_parts(100_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(5, 5)) }
}

/// For tests: the same figures with ParityDB costs.
impl WeightInfo for () {
	fn bond() -> Weight { Weight::from_parts(100_000_000, 4000).saturating_add(ParityDbWeight::get().reads_writes(3, 3)) }
	fn unbond() -> Weight { Weight::from_parts(100_000_000, 4000).saturating_add(ParityDbWeight::get().reads_writes(1, 1)) }
	fn withdraw_unbonded(c: u32, ) -> Weight { Weight::from_parts(100_000_000, 4000).saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(c.into())).saturating_add(ParityDbWeight::get().reads_writes(3, 3)) }
	fn slash() -> Weight { Weight::from_parts(100_000_000, 4000).saturating_add(ParityDbWeight::get().reads_writes(5, 5)) }
}
