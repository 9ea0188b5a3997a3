//! Weights for `pallet_aiblock_evolution`, measured by `pallets/benchmark.sh`; do not edit by hand.
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
	fn propose() -> Weight;
	fn endorse() -> Weight;
	fn reserve() -> Weight;
	fn submit_migration(b: u32, ) -> Weight;
	fn commit_benchmark() -> Weight;
	fn reveal_benchmark() -> Weight;
	fn open_epoch() -> Weight;
	fn select(p: u32, e: u32, ) -> Weight;
	fn close_bids(b: u32, ) -> Weight;
	fn draw_panel(v: u32, ) -> Weight;
	fn conclude() -> Weight;
}

/// Measured weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn propose() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn endorse() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	fn reserve() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	fn submit_migration(b: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(50_000_000, 3_000).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn commit_benchmark() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn reveal_benchmark() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn open_epoch() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn select(p: u32, e: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(50_000_000, 3_000).saturating_mul(p.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2).saturating_mul(p.into()))
			.saturating_add(Weight::from_parts(50_000_000, 3_000).saturating_mul(e.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2).saturating_mul(e.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn close_bids(b: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(50_000_000, 3_000).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	fn draw_panel(v: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(50_000_000, 3_000).saturating_mul(v.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2).saturating_mul(v.into()))
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	fn conclude() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(20))
			.saturating_add(T::DbWeight::get().writes(20))
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn propose() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().writes(4))
	}
	fn endorse() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn reserve() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn submit_migration(b: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(50_000_000, 3_000).saturating_mul(b.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2).saturating_mul(b.into()))
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn commit_benchmark() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn reveal_benchmark() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn open_epoch() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn select(p: u32, e: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(50_000_000, 3_000).saturating_mul(p.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2).saturating_mul(p.into()))
			.saturating_add(Weight::from_parts(50_000_000, 3_000).saturating_mul(e.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2).saturating_mul(e.into()))
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().writes(4))
	}
	fn close_bids(b: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(50_000_000, 3_000).saturating_mul(b.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2).saturating_mul(b.into()))
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn draw_panel(v: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(50_000_000, 3_000).saturating_mul(v.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2).saturating_mul(v.into()))
			.saturating_add(ParityDbWeight::get().reads(6))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn conclude() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(ParityDbWeight::get().reads(20))
			.saturating_add(ParityDbWeight::get().writes(20))
	}
}
