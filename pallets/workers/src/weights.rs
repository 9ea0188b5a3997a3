//! Weights for `pallet_aiblock_workers`, measured by `pallets/benchmark.sh`; do not edit by hand.
//!
//! Benchmark CLI 64.0.0, 2026-11-23; steps 20, repeat 10;
//! machine `vm` (AMD EPYC); wasm execution Compiled.
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
	/// Proof: `Workers::OnlineByRole` (`max_values`: None, `max_size`: Some(32779), added: 35254, mode: `MaxEncodedLen`)
	fn register_worker() -> Weight {
		// Fastest run: 82_062 ns.
		Weight::from_parts(100_519_000, 106752)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	/// Storage: `Workers::Workers` (r:1 w:1)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Workers::OnlineByRole` (r:3 w:3)
	/// Proof: `Workers::OnlineByRole` (`max_values`: None, `max_size`: Some(32779), added: 35254, mode: `MaxEncodedLen`)
	fn update_worker() -> Weight {
		// Fastest run: 78_356 ns.
		Weight::from_parts(108_390_000, 106752)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	/// Storage: `Workers::Workers` (r:1 w:1)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:1 w:0)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Workers::OnlineByRole` (r:3 w:3)
	/// Proof: `Workers::OnlineByRole` (`max_values`: None, `max_size`: Some(32779), added: 35254, mode: `MaxEncodedLen`)
	fn heartbeat() -> Weight {
		// Fastest run: 81_741 ns.
		Weight::from_parts(108_090_000, 106752)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	/// Storage: `Workers::Workers` (r:1 w:1)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Workers::OnlineByRole` (r:3 w:3)
	/// Proof: `Workers::OnlineByRole` (`max_values`: None, `max_size`: Some(32779), added: 35254, mode: `MaxEncodedLen`)
	fn deregister_worker() -> Weight {
		// Fastest run: 70_475 ns.
		Weight::from_parts(77_304_000, 106752)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	/// Storage: `Workers::SweepCursor` (r:1 w:1)
	/// Proof: `Workers::SweepCursor` (`max_values`: Some(1), `max_size`: Some(258), added: 753, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:65 w:64)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Workers::OnlineByRole` (r:3 w:3)
	/// Proof: `Workers::OnlineByRole` (`max_values`: None, `max_size`: Some(32779), added: 35254, mode: `MaxEncodedLen`)
	/// `n` ranges over `[0, 64]`.
	fn sweep(n: u32, ) -> Weight {
		// Fastest run: 160 ns.
		Weight::from_parts(53_475_665, 106752)
			.saturating_add(Weight::from_parts(15_557_344, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(3))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 2896).saturating_mul(n.into()))
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn register_worker() -> Weight {
		Weight::from_parts(100_519_000, 106752)
			.saturating_add(ParityDbWeight::get().reads(5))
			.saturating_add(ParityDbWeight::get().writes(4))
	}
	fn update_worker() -> Weight {
		Weight::from_parts(108_390_000, 106752)
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().writes(4))
	}
	fn heartbeat() -> Weight {
		Weight::from_parts(108_090_000, 106752)
			.saturating_add(ParityDbWeight::get().reads(5))
			.saturating_add(ParityDbWeight::get().writes(4))
	}
	fn deregister_worker() -> Weight {
		Weight::from_parts(77_304_000, 106752)
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().writes(4))
	}
	fn sweep(n: u32, ) -> Weight {
		Weight::from_parts(53_475_665, 106752)
			.saturating_add(Weight::from_parts(15_557_344, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().writes(3))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 2896).saturating_mul(n.into()))
	}
}
