//! Weights for `pallet_aiblock_stake`, measured by `pallets/benchmark.sh`; do not edit by hand.
//!
//! Benchmark CLI 64.0.0, 2026-12-02; steps 50, repeat 20;
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
	fn bond() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded(c: u32, ) -> Weight;
	fn slash() -> Weight;
}

/// Measured weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Stake::Ledgers` (r:1 w:1)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	fn bond() -> Weight {
		// Fastest run: 76_042 ns.
		Weight::from_parts(129_331_000, 3866)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Stake::Ledgers` (r:1 w:1)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	fn unbond() -> Weight {
		// Fastest run: 18_522 ns.
		Weight::from_parts(35_462_000, 3866)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Stake::Ledgers` (r:1 w:1)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// `c` ranges over `[1, 16]`.
	fn withdraw_unbonded(c: u32, ) -> Weight {
		// Fastest run: 63_231 ns.
		Weight::from_parts(100_976_374, 3866)
			.saturating_add(Weight::from_parts(614_679, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Stake::Ledgers` (r:1 w:1)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:3 w:3)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	fn slash() -> Weight {
		// Fastest run: 89_560 ns.
		Weight::from_parts(130_952_000, 8799)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(5))
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn bond() -> Weight {
		Weight::from_parts(129_331_000, 3866)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn unbond() -> Weight {
		Weight::from_parts(35_462_000, 3866)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn withdraw_unbonded(c: u32, ) -> Weight {
		Weight::from_parts(100_976_374, 3866)
			.saturating_add(Weight::from_parts(614_679, 0).saturating_mul(c.into()))
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn slash() -> Weight {
		Weight::from_parts(130_952_000, 8799)
			.saturating_add(ParityDbWeight::get().reads(5))
			.saturating_add(ParityDbWeight::get().writes(5))
	}
}
