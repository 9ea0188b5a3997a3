//! Weights for `pallet_aiblock_pol_credits`, measured by `pallets/benchmark.sh`; do not edit by hand.
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
	fn mint() -> Weight;
	fn lock() -> Weight;
	fn unlock() -> Weight;
	fn spend_locked() -> Weight;
}

/// Measured weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `PolCredits::Total` (r:1 w:1)
	/// Proof: `PolCredits::Total` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `PolCredits::Accounts` (r:1 w:1)
	/// Proof: `PolCredits::Accounts` (`max_values`: None, `max_size`: Some(64), added: 2539, mode: `MaxEncodedLen`)
	fn mint() -> Weight {
		// Fastest run: 10_602 ns.
		Weight::from_parts(11_642_000, 3529)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `PolCredits::Accounts` (r:1 w:1)
	/// Proof: `PolCredits::Accounts` (`max_values`: None, `max_size`: Some(64), added: 2539, mode: `MaxEncodedLen`)
	fn lock() -> Weight {
		// Fastest run: 9_660 ns.
		Weight::from_parts(10_781_000, 3529)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `PolCredits::Accounts` (r:1 w:1)
	/// Proof: `PolCredits::Accounts` (`max_values`: None, `max_size`: Some(64), added: 2539, mode: `MaxEncodedLen`)
	fn unlock() -> Weight {
		// Fastest run: 9_584 ns.
		Weight::from_parts(10_603_000, 3529)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `PolCredits::Accounts` (r:1 w:1)
	/// Proof: `PolCredits::Accounts` (`max_values`: None, `max_size`: Some(64), added: 2539, mode: `MaxEncodedLen`)
	/// Storage: `PolCredits::Total` (r:1 w:1)
	/// Proof: `PolCredits::Total` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	fn spend_locked() -> Weight {
		// Fastest run: 10_647 ns.
		Weight::from_parts(11_655_000, 3529)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(2))
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn mint() -> Weight {
		Weight::from_parts(11_642_000, 3529)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn lock() -> Weight {
		Weight::from_parts(10_781_000, 3529)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn unlock() -> Weight {
		Weight::from_parts(10_603_000, 3529)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn spend_locked() -> Weight {
		Weight::from_parts(11_655_000, 3529)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
}
