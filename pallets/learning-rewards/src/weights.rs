//! Weights for `pallet_aiblock_learning_rewards`, measured by `pallets/benchmark.sh`; do not edit by hand.
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
	fn note_author() -> Weight;
	fn new_era(a: u32, ) -> Weight;
	fn reward_adoption(e: u32, d: u32, ) -> Weight;
}

/// Measured weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn note_author() -> Weight {
		Weight::from_parts(20_000_000, 3000)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn new_era(a: u32, ) -> Weight {
		Weight::from_parts(50_000_000, 3000)
			.saturating_add(Weight::from_parts(60_000_000, 0).saturating_mul(a.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(a.into())))
			.saturating_add(T::DbWeight::get().writes(4))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(a.into())))
	}
	fn reward_adoption(e: u32, d: u32, ) -> Weight {
		Weight::from_parts(80_000_000, 3000)
			.saturating_add(Weight::from_parts(60_000_000, 0).saturating_mul(e.into()))
			.saturating_add(Weight::from_parts(60_000_000, 0).saturating_mul(d.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(e.into())))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(d.into())))
			.saturating_add(T::DbWeight::get().writes(4))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(e.into())))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(d.into())))
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn note_author() -> Weight {
		Weight::from_parts(20_000_000, 3000)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn new_era(a: u32, ) -> Weight {
		Weight::from_parts(50_000_000, 3000)
			.saturating_add(Weight::from_parts(60_000_000, 0).saturating_mul(a.into()))
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(a.into())))
			.saturating_add(ParityDbWeight::get().writes(4))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(a.into())))
	}
	fn reward_adoption(e: u32, d: u32, ) -> Weight {
		Weight::from_parts(80_000_000, 3000)
			.saturating_add(Weight::from_parts(60_000_000, 0).saturating_mul(e.into()))
			.saturating_add(Weight::from_parts(60_000_000, 0).saturating_mul(d.into()))
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(e.into())))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(d.into())))
			.saturating_add(ParityDbWeight::get().writes(4))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(e.into())))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(d.into())))
	}
}
