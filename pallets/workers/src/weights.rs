//! Weights for `pallet_aiblock_workers`, measured by `pallets/benchmark.sh`; do not edit by hand.
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
	fn register_worker() -> Weight;
	fn update_worker() -> Weight;
	fn heartbeat() -> Weight;
	fn deregister_worker() -> Weight;
	fn sweep(n: u32, ) -> Weight;
}

/// Measured weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Workers::Workers` (r:1 w:1)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:1 w:0)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Workers::OnlineByRole` (r:3 w:3)
	/// Proof: `Workers::OnlineByRole` (`max_values`: None, `max_size`: Some(36875), added: 39350, mode: `MaxEncodedLen`)
	/// Storage: `Workers::TrainerVram` (r:1 w:1)
	/// Proof: `Workers::TrainerVram` (`max_values`: Some(1), `max_size`: Some(8194), added: 8689, mode: `MaxEncodedLen`)
	fn register_worker() -> Weight {
		// Fastest run: 129_809 ns.
		Weight::from_parts(216_397_000, 119040)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	/// Storage: `Workers::Workers` (r:1 w:1)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:1 w:0)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Workers::OnlineByRole` (r:3 w:3)
	/// Proof: `Workers::OnlineByRole` (`max_values`: None, `max_size`: Some(36875), added: 39350, mode: `MaxEncodedLen`)
	/// Storage: `Workers::TrainerVram` (r:1 w:1)
	/// Proof: `Workers::TrainerVram` (`max_values`: Some(1), `max_size`: Some(8194), added: 8689, mode: `MaxEncodedLen`)
	fn update_worker() -> Weight {
		// Fastest run: 133_235 ns.
		Weight::from_parts(218_251_000, 119040)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	/// Storage: `Workers::Workers` (r:1 w:1)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:1 w:0)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Workers::OnlineByRole` (r:3 w:3)
	/// Proof: `Workers::OnlineByRole` (`max_values`: None, `max_size`: Some(36875), added: 39350, mode: `MaxEncodedLen`)
	/// Storage: `Workers::TrainerVram` (r:1 w:1)
	/// Proof: `Workers::TrainerVram` (`max_values`: Some(1), `max_size`: Some(8194), added: 8689, mode: `MaxEncodedLen`)
	fn heartbeat() -> Weight {
		// Fastest run: 128_771 ns.
		Weight::from_parts(204_806_000, 119040)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	/// Storage: `Workers::Workers` (r:1 w:1)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Assigned` (r:1 w:0)
	/// Proof: `Jobs::Assigned` (`max_values`: None, `max_size`: Some(68), added: 2543, mode: `MaxEncodedLen`)
	/// Storage: `Workers::OnlineByRole` (r:3 w:3)
	/// Proof: `Workers::OnlineByRole` (`max_values`: None, `max_size`: Some(36875), added: 39350, mode: `MaxEncodedLen`)
	/// Storage: `Workers::TrainerVram` (r:1 w:1)
	/// Proof: `Workers::TrainerVram` (`max_values`: Some(1), `max_size`: Some(8194), added: 8689, mode: `MaxEncodedLen`)
	fn deregister_worker() -> Weight {
		// Fastest run: 119_857 ns.
		Weight::from_parts(162_728_000, 119040)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	/// Storage: `Workers::SweepCursor` (r:1 w:1)
	/// Proof: `Workers::SweepCursor` (`max_values`: Some(1), `max_size`: Some(258), added: 753, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:65 w:64)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Workers::OnlineByRole` (r:3 w:3)
	/// Proof: `Workers::OnlineByRole` (`max_values`: None, `max_size`: Some(36875), added: 39350, mode: `MaxEncodedLen`)
	/// Storage: `Workers::TrainerVram` (r:1 w:1)
	/// Proof: `Workers::TrainerVram` (`max_values`: Some(1), `max_size`: Some(8194), added: 8689, mode: `MaxEncodedLen`)
	/// `n` ranges over `[0, 64]`.
	fn sweep(n: u32, ) -> Weight {
		// Fastest run: 257 ns.
		Weight::from_parts(120_015_875, 119040)
			.saturating_add(Weight::from_parts(21_613_827, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(5))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 2896).saturating_mul(n.into()))
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn register_worker() -> Weight {
		Weight::from_parts(216_397_000, 119040)
			.saturating_add(ParityDbWeight::get().reads(6))
			.saturating_add(ParityDbWeight::get().writes(5))
	}
	fn update_worker() -> Weight {
		Weight::from_parts(218_251_000, 119040)
			.saturating_add(ParityDbWeight::get().reads(6))
			.saturating_add(ParityDbWeight::get().writes(5))
	}
	fn heartbeat() -> Weight {
		Weight::from_parts(204_806_000, 119040)
			.saturating_add(ParityDbWeight::get().reads(6))
			.saturating_add(ParityDbWeight::get().writes(5))
	}
	fn deregister_worker() -> Weight {
		Weight::from_parts(162_728_000, 119040)
			.saturating_add(ParityDbWeight::get().reads(6))
			.saturating_add(ParityDbWeight::get().writes(5))
	}
	fn sweep(n: u32, ) -> Weight {
		Weight::from_parts(120_015_875, 119040)
			.saturating_add(Weight::from_parts(21_613_827, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(6))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().writes(5))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 2896).saturating_mul(n.into()))
	}
}
