//! Weights for `pallet_aiblock_pol_credits`, measured by `pallets/benchmark.sh`; do not edit by hand.
//!
//! PROVISIONAL: not yet measured.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// The weight of each call (and bounded hook) of this pallet.
pub trait WeightInfo {
	fn mint() -> Weight;
	fn lock() -> Weight;
	fn unlock() -> Weight;
	fn spend_locked() -> Weight;
}

/// Measured weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn mint() -> Weight {
		Weight::from_parts(50_000_000, 3500)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	fn lock() -> Weight {
		Weight::from_parts(50_000_000, 3500)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn unlock() -> Weight {
		Weight::from_parts(50_000_000, 3500)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn spend_locked() -> Weight {
		Weight::from_parts(50_000_000, 3500)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(2))
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn mint() -> Weight {
		Weight::from_parts(50_000_000, 3500)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn lock() -> Weight {
		Weight::from_parts(50_000_000, 3500)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn unlock() -> Weight {
		Weight::from_parts(50_000_000, 3500)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn spend_locked() -> Weight {
		Weight::from_parts(50_000_000, 3500)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
}
