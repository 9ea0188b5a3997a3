//! Weights for `pallet_aiblock_expert_dag`, measured by `pallets/benchmark.sh`; do not edit by hand.
//!
//! Provisional figures (written before the first benchmark run); `pallets/benchmark.sh
//! expert-dag` replaces this file.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// The weight of each call (and bounded hook) of this pallet.
pub trait WeightInfo {
	fn register_model() -> Weight;
	fn import_model(e: u32, ) -> Weight;
	fn propose_candidate() -> Weight;
	fn accept_candidate() -> Weight;
	fn reject_candidate() -> Weight;
}

/// Measured weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_model() -> Weight {
		Weight::from_parts(60_000_000, 20000)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	fn import_model(e: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 20000)
			.saturating_add(Weight::from_parts(30_000_000, 0).saturating_mul(e.into()))
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(e.into())))
			.saturating_add(T::DbWeight::get().writes(4))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(e.into())))
			.saturating_add(Weight::from_parts(0, 2000).saturating_mul(e.into()))
	}
	fn propose_candidate() -> Weight {
		Weight::from_parts(60_000_000, 20000)
			.saturating_add(T::DbWeight::get().reads(12))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn accept_candidate() -> Weight {
		Weight::from_parts(50_000_000, 10000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn reject_candidate() -> Weight {
		Weight::from_parts(30_000_000, 5000)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn register_model() -> Weight {
		Weight::from_parts(60_000_000, 20000)
			.saturating_add(ParityDbWeight::get().reads(5))
			.saturating_add(ParityDbWeight::get().writes(5))
	}
	fn import_model(e: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 20000)
			.saturating_add(Weight::from_parts(30_000_000, 0).saturating_mul(e.into()))
			.saturating_add(ParityDbWeight::get().reads(5))
			.saturating_add(ParityDbWeight::get().reads((3_u64).saturating_mul(e.into())))
			.saturating_add(ParityDbWeight::get().writes(4))
			.saturating_add(ParityDbWeight::get().writes((2_u64).saturating_mul(e.into())))
			.saturating_add(Weight::from_parts(0, 2000).saturating_mul(e.into()))
	}
	fn propose_candidate() -> Weight {
		Weight::from_parts(60_000_000, 20000)
			.saturating_add(ParityDbWeight::get().reads(12))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn accept_candidate() -> Weight {
		Weight::from_parts(50_000_000, 10000)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn reject_candidate() -> Weight {
		Weight::from_parts(30_000_000, 5000)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
}
