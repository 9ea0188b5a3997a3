//! Weights for `pallet_aiblock_evolution`, measured by `pallets/benchmark.sh`; do not edit by hand.
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
	/// Storage: `Evolution::Epoch` (r:1 w:0)
	/// Proof: `Evolution::Epoch` (`max_values`: Some(1), `max_size`: Some(81), added: 576, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::ModelCount` (r:1 w:0)
	/// Proof: `ExpertDag::ModelCount` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:1 w:0)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Datasets` (r:9 w:0)
	/// Proof: `Datasets::Datasets` (`max_values`: None, `max_size`: Some(928), added: 3403, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Windows` (r:1 w:0)
	/// Proof: `Evolution::Windows` (`max_values`: Some(1), `max_size`: Some(24), added: 519, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::NextProposalId` (r:1 w:1)
	/// Proof: `Evolution::NextProposalId` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Open` (r:1 w:1)
	/// Proof: `Evolution::Open` (`max_values`: Some(1), `max_size`: Some(65), added: 560, mode: `MaxEncodedLen`)
	/// Storage: `PolCredits::Accounts` (r:1 w:1)
	/// Proof: `PolCredits::Accounts` (`max_values`: None, `max_size`: Some(64), added: 2539, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Proposals` (r:0 w:1)
	/// Proof: `Evolution::Proposals` (`max_values`: None, `max_size`: Some(3550), added: 6025, mode: `MaxEncodedLen`)
	fn propose() -> Weight {
		// Fastest run: 81_128 ns.
		Weight::from_parts(86_232_000, 31617)
			.saturating_add(T::DbWeight::get().reads(17))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	/// Storage: `Evolution::Epoch` (r:1 w:0)
	/// Proof: `Evolution::Epoch` (`max_values`: Some(1), `max_size`: Some(81), added: 576, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Proposals` (r:1 w:1)
	/// Proof: `Evolution::Proposals` (`max_values`: None, `max_size`: Some(3550), added: 6025, mode: `MaxEncodedLen`)
	/// Storage: `PolCredits::Accounts` (r:1 w:1)
	/// Proof: `PolCredits::Accounts` (`max_values`: None, `max_size`: Some(64), added: 2539, mode: `MaxEncodedLen`)
	fn endorse() -> Weight {
		// Fastest run: 35_370 ns.
		Weight::from_parts(38_420_000, 7015)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `Evolution::Epoch` (r:1 w:0)
	/// Proof: `Evolution::Epoch` (`max_values`: Some(1), `max_size`: Some(81), added: 576, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:1 w:0)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:1 w:0)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Bids` (r:1 w:1)
	/// Proof: `Evolution::Bids` (`max_values`: Some(1), `max_size`: Some(641), added: 1136, mode: `MaxEncodedLen`)
	/// Storage: `PolCredits::Accounts` (r:1 w:1)
	/// Proof: `PolCredits::Accounts` (`max_values`: None, `max_size`: Some(64), added: 2539, mode: `MaxEncodedLen`)
	fn reserve() -> Weight {
		// Fastest run: 41_174 ns.
		Weight::from_parts(44_802_000, 3886)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `Evolution::Epoch` (r:1 w:0)
	/// Proof: `Evolution::Epoch` (`max_values`: Some(1), `max_size`: Some(81), added: 576, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Candidate` (r:1 w:1)
	/// Proof: `Evolution::Candidate` (`max_values`: Some(1), `max_size`: Some(16239), added: 16734, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Proposals` (r:1 w:0)
	/// Proof: `Evolution::Proposals` (`max_values`: None, `max_size`: Some(3550), added: 6025, mode: `MaxEncodedLen`)
	/// `b` ranges over `[3, 145]`.
	fn submit_migration(b: u32, ) -> Weight {
		// Fastest run: 27_993 ns.
		Weight::from_parts(29_196_084, 17724)
			.saturating_add(Weight::from_parts(281_396, 0).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Evolution::Epoch` (r:1 w:0)
	/// Proof: `Evolution::Epoch` (`max_values`: Some(1), `max_size`: Some(81), added: 576, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Panel` (r:1 w:1)
	/// Proof: `Evolution::Panel` (`max_values`: Some(1), `max_size`: Some(238), added: 733, mode: `MaxEncodedLen`)
	fn commit_benchmark() -> Weight {
		// Fastest run: 18_778 ns.
		Weight::from_parts(21_562_000, 1723)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Evolution::Epoch` (r:1 w:0)
	/// Proof: `Evolution::Epoch` (`max_values`: Some(1), `max_size`: Some(81), added: 576, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Panel` (r:1 w:1)
	/// Proof: `Evolution::Panel` (`max_values`: Some(1), `max_size`: Some(238), added: 733, mode: `MaxEncodedLen`)
	fn reveal_benchmark() -> Weight {
		// Fastest run: 20_516 ns.
		Weight::from_parts(23_649_000, 1723)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Evolution::Windows` (r:1 w:0)
	/// Proof: `Evolution::Windows` (`max_values`: Some(1), `max_size`: Some(24), added: 519, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Epoch` (r:0 w:1)
	/// Proof: `Evolution::Epoch` (`max_values`: Some(1), `max_size`: Some(81), added: 576, mode: `MaxEncodedLen`)
	fn open_epoch() -> Weight {
		// Fastest run: 6_743 ns.
		Weight::from_parts(7_522_000, 1509)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `ExpertDag::ModelCount` (r:1 w:0)
	/// Proof: `ExpertDag::ModelCount` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:1 w:0)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Open` (r:1 w:1)
	/// Proof: `Evolution::Open` (`max_values`: Some(1), `max_size`: Some(65), added: 560, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Proposals` (r:16 w:15)
	/// Proof: `Evolution::Proposals` (`max_values`: None, `max_size`: Some(3550), added: 6025, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Datasets` (r:9 w:0)
	/// Proof: `Datasets::Datasets` (`max_values`: None, `max_size`: Some(928), added: 3403, mode: `MaxEncodedLen`)
	/// Storage: `PolCredits::Accounts` (r:975 w:975)
	/// Proof: `PolCredits::Accounts` (`max_values`: None, `max_size`: Some(64), added: 2539, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Windows` (r:1 w:0)
	/// Proof: `Evolution::Windows` (`max_values`: Some(1), `max_size`: Some(24), added: 519, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Epoch` (r:0 w:1)
	/// Proof: `Evolution::Epoch` (`max_values`: Some(1), `max_size`: Some(81), added: 576, mode: `MaxEncodedLen`)
	/// `p` ranges over `[1, 16]`.
	/// `e` ranges over `[0, 64]`.
	fn select(p: u32, e: u32, ) -> Weight {
		// Fastest run: 68_420 ns.
		Weight::from_parts(70_571_000, 39075)
			.saturating_add(Weight::from_parts(187_775_978, 0).saturating_mul(p.into()))
			.saturating_add(Weight::from_parts(34_894_282, 0).saturating_mul(e.into()))
			.saturating_add(T::DbWeight::get().reads(15))
			.saturating_add(T::DbWeight::get().reads((22_u64).saturating_mul(p.into())))
			.saturating_add(T::DbWeight::get().reads((5_u64).saturating_mul(e.into())))
			.saturating_add(T::DbWeight::get().writes(2))
			.saturating_add(T::DbWeight::get().writes((22_u64).saturating_mul(p.into())))
			.saturating_add(T::DbWeight::get().writes((5_u64).saturating_mul(e.into())))
			.saturating_add(Weight::from_parts(0, 14810).saturating_mul(e.into()))
			.saturating_add(Weight::from_parts(0, 48580).saturating_mul(p.into()))
	}
	/// Storage: `Evolution::Bids` (r:1 w:1)
	/// Proof: `Evolution::Bids` (`max_values`: Some(1), `max_size`: Some(641), added: 1136, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:16 w:0)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:16 w:0)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `PolCredits::Accounts` (r:15 w:15)
	/// Proof: `PolCredits::Accounts` (`max_values`: None, `max_size`: Some(64), added: 2539, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Proposals` (r:1 w:0)
	/// Proof: `Evolution::Proposals` (`max_values`: None, `max_size`: Some(3550), added: 6025, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::ModelCount` (r:1 w:0)
	/// Proof: `ExpertDag::ModelCount` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:1 w:0)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Current` (r:25 w:0)
	/// Proof: `ExpertDag::Current` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Windows` (r:1 w:0)
	/// Proof: `Evolution::Windows` (`max_values`: Some(1), `max_size`: Some(24), added: 519, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Epoch` (r:0 w:1)
	/// Proof: `Evolution::Epoch` (`max_values`: Some(1), `max_size`: Some(81), added: 576, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::ParentBlocks` (r:0 w:1)
	/// Proof: `Evolution::ParentBlocks` (`max_values`: Some(1), `max_size`: Some(4642), added: 5137, mode: `MaxEncodedLen`)
	/// `b` ranges over `[1, 16]`.
	fn close_bids(b: u32, ) -> Weight {
		// Fastest run: 133_297 ns.
		Weight::from_parts(130_376_563, 64490)
			.saturating_add(Weight::from_parts(14_401_038, 0).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(30))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(b.into())))
			.saturating_add(T::DbWeight::get().writes(2))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(b.into())))
			.saturating_add(Weight::from_parts(0, 2896).saturating_mul(b.into()))
	}
	/// Storage: `Evolution::Candidate` (r:1 w:0)
	/// Proof: `Evolution::Candidate` (`max_values`: Some(1), `max_size`: Some(16239), added: 16734, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Proposals` (r:1 w:0)
	/// Proof: `Evolution::Proposals` (`max_values`: None, `max_size`: Some(3550), added: 6025, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::ModelCount` (r:1 w:0)
	/// Proof: `ExpertDag::ModelCount` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:1 w:0)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	/// Storage: `System::ParentHash` (r:1 w:0)
	/// Proof: `System::ParentHash` (`max_values`: Some(1), `max_size`: Some(32), added: 527, mode: `MaxEncodedLen`)
	/// Storage: `Workers::OnlineByRole` (r:1 w:0)
	/// Proof: `Workers::OnlineByRole` (`max_values`: None, `max_size`: Some(36875), added: 39350, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:3 w:0)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:3 w:0)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Windows` (r:1 w:0)
	/// Proof: `Evolution::Windows` (`max_values`: Some(1), `max_size`: Some(24), added: 519, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Epoch` (r:0 w:1)
	/// Proof: `Evolution::Epoch` (`max_values`: Some(1), `max_size`: Some(81), added: 576, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Panel` (r:0 w:1)
	/// Proof: `Evolution::Panel` (`max_values`: Some(1), `max_size`: Some(238), added: 733, mode: `MaxEncodedLen`)
	/// `v` ranges over `[3, 1024]`.
	fn draw_panel(v: u32, ) -> Weight {
		// Fastest run: 88_878 ns.
		Weight::from_parts(110_578_384, 40340)
			.saturating_add(Weight::from_parts(498_548, 0).saturating_mul(v.into()))
			.saturating_add(T::DbWeight::get().reads(14))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `Evolution::Panel` (r:1 w:1)
	/// Proof: `Evolution::Panel` (`max_values`: Some(1), `max_size`: Some(238), added: 733, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Candidate` (r:1 w:1)
	/// Proof: `Evolution::Candidate` (`max_values`: Some(1), `max_size`: Some(16239), added: 16734, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Proposals` (r:1 w:1)
	/// Proof: `Evolution::Proposals` (`max_values`: None, `max_size`: Some(3550), added: 6025, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::ModelCount` (r:1 w:1)
	/// Proof: `ExpertDag::ModelCount` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:1)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:1 w:1)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:4 w:4)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `PolCredits::Total` (r:1 w:1)
	/// Proof: `PolCredits::Total` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `PolCredits::Accounts` (r:69 w:69)
	/// Proof: `PolCredits::Accounts` (`max_values`: None, `max_size`: Some(64), added: 2539, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:69 w:43)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Current` (r:41 w:41)
	/// Proof: `ExpertDag::Current` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `LearningRewards::CurrentEra` (r:1 w:0)
	/// Proof: `LearningRewards::CurrentEra` (`max_values`: Some(1), `max_size`: Some(52), added: 547, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Open` (r:1 w:1)
	/// Proof: `Evolution::Open` (`max_values`: Some(1), `max_size`: Some(65), added: 560, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Bids` (r:1 w:1)
	/// Proof: `Evolution::Bids` (`max_values`: Some(1), `max_size`: Some(641), added: 1136, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Windows` (r:1 w:0)
	/// Proof: `Evolution::Windows` (`max_values`: Some(1), `max_size`: Some(24), added: 519, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::Epoch` (r:0 w:1)
	/// Proof: `Evolution::Epoch` (`max_values`: Some(1), `max_size`: Some(81), added: 576, mode: `MaxEncodedLen`)
	/// Storage: `Evolution::ParentBlocks` (r:0 w:1)
	/// Proof: `Evolution::ParentBlocks` (`max_values`: Some(1), `max_size`: Some(4642), added: 5137, mode: `MaxEncodedLen`)
	fn conclude() -> Weight {
		// Fastest run: 1_173_539 ns.
		Weight::from_parts(1_209_469_000, 204885)
			.saturating_add(T::DbWeight::get().reads(194))
			.saturating_add(T::DbWeight::get().writes(168))
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn propose() -> Weight {
		Weight::from_parts(86_232_000, 31617)
			.saturating_add(ParityDbWeight::get().reads(17))
			.saturating_add(ParityDbWeight::get().writes(4))
	}
	fn endorse() -> Weight {
		Weight::from_parts(38_420_000, 7015)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn reserve() -> Weight {
		Weight::from_parts(44_802_000, 3886)
			.saturating_add(ParityDbWeight::get().reads(5))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn submit_migration(b: u32, ) -> Weight {
		Weight::from_parts(29_196_084, 17724)
			.saturating_add(Weight::from_parts(281_396, 0).saturating_mul(b.into()))
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn commit_benchmark() -> Weight {
		Weight::from_parts(21_562_000, 1723)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn reveal_benchmark() -> Weight {
		Weight::from_parts(23_649_000, 1723)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn open_epoch() -> Weight {
		Weight::from_parts(7_522_000, 1509)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn select(p: u32, e: u32, ) -> Weight {
		Weight::from_parts(70_571_000, 39075)
			.saturating_add(Weight::from_parts(187_775_978, 0).saturating_mul(p.into()))
			.saturating_add(Weight::from_parts(34_894_282, 0).saturating_mul(e.into()))
			.saturating_add(ParityDbWeight::get().reads(15))
			.saturating_add(ParityDbWeight::get().reads((22_u64).saturating_mul(p.into())))
			.saturating_add(ParityDbWeight::get().reads((5_u64).saturating_mul(e.into())))
			.saturating_add(ParityDbWeight::get().writes(2))
			.saturating_add(ParityDbWeight::get().writes((22_u64).saturating_mul(p.into())))
			.saturating_add(ParityDbWeight::get().writes((5_u64).saturating_mul(e.into())))
			.saturating_add(Weight::from_parts(0, 14810).saturating_mul(e.into()))
			.saturating_add(Weight::from_parts(0, 48580).saturating_mul(p.into()))
	}
	fn close_bids(b: u32, ) -> Weight {
		Weight::from_parts(130_376_563, 64490)
			.saturating_add(Weight::from_parts(14_401_038, 0).saturating_mul(b.into()))
			.saturating_add(ParityDbWeight::get().reads(30))
			.saturating_add(ParityDbWeight::get().reads((3_u64).saturating_mul(b.into())))
			.saturating_add(ParityDbWeight::get().writes(2))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(b.into())))
			.saturating_add(Weight::from_parts(0, 2896).saturating_mul(b.into()))
	}
	fn draw_panel(v: u32, ) -> Weight {
		Weight::from_parts(110_578_384, 40340)
			.saturating_add(Weight::from_parts(498_548, 0).saturating_mul(v.into()))
			.saturating_add(ParityDbWeight::get().reads(14))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn conclude() -> Weight {
		Weight::from_parts(1_209_469_000, 204885)
			.saturating_add(ParityDbWeight::get().reads(194))
			.saturating_add(ParityDbWeight::get().writes(168))
	}
}
