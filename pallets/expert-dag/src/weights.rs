//! Weights for `pallet_aiblock_expert_dag`, measured by `pallets/benchmark.sh`; do not edit by hand.
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
	fn register_model() -> Weight;
	fn import_model(e: u32, ) -> Weight;
	fn propose_candidate() -> Weight;
	fn accept_candidate() -> Weight;
	fn reject_candidate() -> Weight;
	fn prune_rejected() -> Weight;
}

/// Measured weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `ExpertDag::ModelCount` (r:1 w:1)
	/// Proof: `ExpertDag::ModelCount` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:1)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(209), added: 2684, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:3 w:2)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	fn register_model() -> Weight {
		// Fastest run: 83_740 ns.
		Weight::from_parts(140_293_000, 9855)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	/// Storage: `ExpertDag::ModelCount` (r:1 w:1)
	/// Proof: `ExpertDag::ModelCount` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:1)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(209), added: 2684, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:276 w:138)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Current` (r:137 w:137)
	/// Proof: `ExpertDag::Current` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:0 w:1)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	/// `e` ranges over `[1, 16]`.
	fn import_model(e: u32, ) -> Weight {
		// Fastest run: 722_405 ns.
		Weight::from_parts(656_052_040, 60090)
			.saturating_add(Weight::from_parts(232_554_742, 0).saturating_mul(e.into()))
			.saturating_add(T::DbWeight::get().reads(31))
			.saturating_add(T::DbWeight::get().reads((24_u64).saturating_mul(e.into())))
			.saturating_add(T::DbWeight::get().writes(22))
			.saturating_add(T::DbWeight::get().writes((16_u64).saturating_mul(e.into())))
			.saturating_add(Weight::from_parts(0, 47280).saturating_mul(e.into()))
	}
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(209), added: 2684, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:9 w:1)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Current` (r:7 w:0)
	/// Proof: `ExpertDag::Current` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	fn propose_candidate() -> Weight {
		// Fastest run: 154_246 ns.
		Weight::from_parts(243_315_000, 27585)
			.saturating_add(T::DbWeight::get().reads(17))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `ExpertDag::Blocks` (r:2 w:2)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Current` (r:1 w:1)
	/// Proof: `ExpertDag::Current` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:1 w:1)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	fn accept_candidate() -> Weight {
		// Fastest run: 62_010 ns.
		Weight::from_parts(97_901_000, 6900)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	/// Storage: `ExpertDag::Blocks` (r:1 w:1)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::PruneCursor` (r:1 w:1)
	/// Proof: `ExpertDag::PruneCursor` (`max_values`: Some(1), `max_size`: Some(16), added: 511, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::PruneQueue` (r:0 w:1)
	/// Proof: `ExpertDag::PruneQueue` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	fn reject_candidate() -> Weight {
		// Fastest run: 36_768 ns.
		Weight::from_parts(61_048_000, 3945)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `ExpertDag::PruneCursor` (r:1 w:1)
	/// Proof: `ExpertDag::PruneCursor` (`max_values`: Some(1), `max_size`: Some(16), added: 511, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::PruneQueue` (r:1 w:1)
	/// Proof: `ExpertDag::PruneQueue` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:1 w:1)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	fn prune_rejected() -> Weight {
		// Fastest run: 37_860 ns.
		Weight::from_parts(62_328_000, 3945)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn register_model() -> Weight {
		Weight::from_parts(140_293_000, 9855)
			.saturating_add(ParityDbWeight::get().reads(5))
			.saturating_add(ParityDbWeight::get().writes(4))
	}
	fn import_model(e: u32, ) -> Weight {
		Weight::from_parts(656_052_040, 60090)
			.saturating_add(Weight::from_parts(232_554_742, 0).saturating_mul(e.into()))
			.saturating_add(ParityDbWeight::get().reads(31))
			.saturating_add(ParityDbWeight::get().reads((24_u64).saturating_mul(e.into())))
			.saturating_add(ParityDbWeight::get().writes(22))
			.saturating_add(ParityDbWeight::get().writes((16_u64).saturating_mul(e.into())))
			.saturating_add(Weight::from_parts(0, 47280).saturating_mul(e.into()))
	}
	fn propose_candidate() -> Weight {
		Weight::from_parts(243_315_000, 27585)
			.saturating_add(ParityDbWeight::get().reads(17))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn accept_candidate() -> Weight {
		Weight::from_parts(97_901_000, 6900)
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().writes(4))
	}
	fn reject_candidate() -> Weight {
		Weight::from_parts(61_048_000, 3945)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn prune_rejected() -> Weight {
		Weight::from_parts(62_328_000, 3945)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
}
