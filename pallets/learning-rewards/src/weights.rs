//! Weights for `pallet_aiblock_learning_rewards`, measured by `pallets/benchmark.sh`; do not edit by hand.
//!
//! Benchmark CLI 64.0.0, 2026-12-04; steps 50, repeat 20;
//! machine `vm` (Intel(R) Xeon(R) Processor); wasm execution Compiled.
//! Reads and writes are priced by the runtime's `DbWeight` (ParityDB); proof sizes are the
//! worst case from each storage item's `MaxEncodedLen`.

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
	/// Storage: `LearningRewards::Authored` (r:1 w:1)
	/// Proof: `LearningRewards::Authored` (`max_values`: Some(1), `max_size`: Some(1153), added: 1648, mode: `MaxEncodedLen`)
	fn note_author() -> Weight {
		// Fastest run: 5_221 ns.
		Weight::from_parts(6_089_000, 2638)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `LearningRewards::CurrentEra` (r:1 w:1)
	/// Proof: `LearningRewards::CurrentEra` (`max_values`: Some(1), `max_size`: Some(52), added: 547, mode: `MaxEncodedLen`)
	/// Storage: `LearningRewards::Authored` (r:1 w:1)
	/// Proof: `LearningRewards::Authored` (`max_values`: Some(1), `max_size`: Some(1153), added: 1648, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:32 w:32)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `LearningRewards::CurrentYear` (r:1 w:1)
	/// Proof: `LearningRewards::CurrentYear` (`max_values`: Some(1), `max_size`: Some(36), added: 531, mode: `MaxEncodedLen`)
	/// `a` ranges over `[0, 32]`.
	fn new_era(a: u32, ) -> Weight {
		// Fastest run: 13_521 ns.
		Weight::from_parts(18_277_927, 2638)
			.saturating_add(Weight::from_parts(20_435_587, 0).saturating_mul(a.into()))
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(a.into())))
			.saturating_add(T::DbWeight::get().writes(3))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(a.into())))
			.saturating_add(Weight::from_parts(0, 2603).saturating_mul(a.into()))
	}
	/// Storage: `LearningRewards::CurrentEra` (r:1 w:1)
	/// Proof: `LearningRewards::CurrentEra` (`max_values`: Some(1), `max_size`: Some(52), added: 547, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:41 w:41)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `LearningRewards::CurrentYear` (r:1 w:1)
	/// Proof: `LearningRewards::CurrentYear` (`max_values`: Some(1), `max_size`: Some(36), added: 531, mode: `MaxEncodedLen`)
	/// `e` ranges over `[0, 32]`.
	/// `d` ranges over `[0, 8]`.
	fn reward_adoption(e: u32, d: u32, ) -> Weight {
		// Fastest run: 187_014 ns.
		Weight::from_parts(23_433_812, 3593)
			.saturating_add(Weight::from_parts(20_325_387, 0).saturating_mul(e.into()))
			.saturating_add(Weight::from_parts(21_130_095, 0).saturating_mul(d.into()))
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(e.into())))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(d.into())))
			.saturating_add(T::DbWeight::get().writes(3))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(e.into())))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(d.into())))
			.saturating_add(Weight::from_parts(0, 2603).saturating_mul(d.into()))
			.saturating_add(Weight::from_parts(0, 2603).saturating_mul(e.into()))
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn note_author() -> Weight {
		Weight::from_parts(6_089_000, 2638)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn new_era(a: u32, ) -> Weight {
		Weight::from_parts(18_277_927, 2638)
			.saturating_add(Weight::from_parts(20_435_587, 0).saturating_mul(a.into()))
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(a.into())))
			.saturating_add(ParityDbWeight::get().writes(3))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(a.into())))
			.saturating_add(Weight::from_parts(0, 2603).saturating_mul(a.into()))
	}
	fn reward_adoption(e: u32, d: u32, ) -> Weight {
		Weight::from_parts(23_433_812, 3593)
			.saturating_add(Weight::from_parts(20_325_387, 0).saturating_mul(e.into()))
			.saturating_add(Weight::from_parts(21_130_095, 0).saturating_mul(d.into()))
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(e.into())))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(d.into())))
			.saturating_add(ParityDbWeight::get().writes(3))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(e.into())))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(d.into())))
			.saturating_add(Weight::from_parts(0, 2603).saturating_mul(d.into()))
			.saturating_add(Weight::from_parts(0, 2603).saturating_mul(e.into()))
	}
}
