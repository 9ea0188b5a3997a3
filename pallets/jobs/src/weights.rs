//! Weights for `pallet_aiblock_jobs`, measured by `pallets/benchmark.sh`; do not edit by hand.
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
	fn post_job() -> Weight;
	fn cancel_job() -> Weight;
	fn accept_job() -> Weight;
	fn submit_result(d: u32, ) -> Weight;
	fn submit_candidate(d: u32, ) -> Weight;
	fn commit_attestation() -> Weight;
	fn reveal_attestation() -> Weight;
	fn finalize(n: u32, ) -> Weight;
	fn draw_evaluators(n: u32, w: u32, ) -> Weight;
	fn expire_job() -> Weight;
	fn trainer_timeout() -> Weight;
}

/// Measured weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `ExpertDag::Current` (r:1 w:0)
	/// Proof: `ExpertDag::Current` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:1 w:0)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(209), added: 2684, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::LiveJobs` (r:1 w:1)
	/// Proof: `Jobs::LiveJobs` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::NextJobId` (r:1 w:1)
	/// Proof: `Jobs::NextJobId` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:1 w:1)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Jobs` (r:0 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(2079), added: 4554, mode: `MaxEncodedLen`)
	fn post_job() -> Weight {
		// Fastest run: 90_724 ns.
		Weight::from_parts(95_792_000, 3991)
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(2079), added: 4554, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:1 w:1)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::LiveJobs` (r:1 w:1)
	/// Proof: `Jobs::LiveJobs` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	fn cancel_job() -> Weight {
		// Fastest run: 62_633 ns.
		Weight::from_parts(66_399_000, 5544)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(2079), added: 4554, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Current` (r:1 w:0)
	/// Proof: `ExpertDag::Current` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:1 w:0)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:1 w:1)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:1 w:1)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Assigned` (r:1 w:1)
	/// Proof: `Jobs::Assigned` (`max_values`: None, `max_size`: Some(68), added: 2543, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:2 w:2)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	fn accept_job() -> Weight {
		// Fastest run: 65_467 ns.
		Weight::from_parts(69_944_000, 6992)
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(2079), added: 4554, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Current` (r:1 w:0)
	/// Proof: `ExpertDag::Current` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:9 w:1)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(209), added: 2684, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:2 w:2)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// `d` ranges over `[0, 6]`.
	fn submit_result(d: u32, ) -> Weight {
		// Fastest run: 68_071 ns.
		Weight::from_parts(72_910_505, 9855)
			.saturating_add(Weight::from_parts(3_901_782, 0).saturating_mul(d.into()))
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(d.into())))
			.saturating_add(T::DbWeight::get().writes(4))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(d.into()))
	}
	/// Storage: `ExpertDag::Current` (r:1 w:0)
	/// Proof: `ExpertDag::Current` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:9 w:1)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(209), added: 2684, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:1 w:1)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:1 w:1)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Assigned` (r:1 w:1)
	/// Proof: `Jobs::Assigned` (`max_values`: None, `max_size`: Some(68), added: 2543, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::LiveJobs` (r:1 w:1)
	/// Proof: `Jobs::LiveJobs` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::NextJobId` (r:1 w:1)
	/// Proof: `Jobs::NextJobId` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:1 w:1)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Jobs` (r:0 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(2079), added: 4554, mode: `MaxEncodedLen`)
	/// `d` ranges over `[0, 6]`.
	fn submit_candidate(d: u32, ) -> Weight {
		// Fastest run: 143_783 ns.
		Weight::from_parts(154_918_938, 9855)
			.saturating_add(Weight::from_parts(3_548_815, 0).saturating_mul(d.into()))
			.saturating_add(T::DbWeight::get().reads(13))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(d.into())))
			.saturating_add(T::DbWeight::get().writes(10))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(d.into()))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(2079), added: 4554, mode: `MaxEncodedLen`)
	fn commit_attestation() -> Weight {
		// Fastest run: 26_148 ns.
		Weight::from_parts(28_813_000, 5544)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(2079), added: 4554, mode: `MaxEncodedLen`)
	fn reveal_attestation() -> Weight {
		// Fastest run: 28_082 ns.
		Weight::from_parts(32_248_000, 5544)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `ExpertDag::Blocks` (r:2 w:2)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Current` (r:1 w:1)
	/// Proof: `ExpertDag::Current` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:6 w:6)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:16 w:16)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Assigned` (r:16 w:16)
	/// Proof: `Jobs::Assigned` (`max_values`: None, `max_size`: Some(68), added: 2543, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:16 w:16)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::LiveJobs` (r:1 w:1)
	/// Proof: `Jobs::LiveJobs` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Jobs` (r:0 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(2079), added: 4554, mode: `MaxEncodedLen`)
	/// `n` ranges over `[3, 15]`.
	fn finalize(n: u32, ) -> Weight {
		// Fastest run: 349_307 ns.
		Weight::from_parts(308_066_651, 16608)
			.saturating_add(Weight::from_parts(25_978_751, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(14))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(15))
			.saturating_add(T::DbWeight::get().writes((3_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 2896).saturating_mul(n.into()))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(2079), added: 4554, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:2 w:2)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// Storage: `System::ParentHash` (r:1 w:0)
	/// Proof: `System::ParentHash` (`max_values`: Some(1), `max_size`: Some(32), added: 527, mode: `MaxEncodedLen`)
	/// Storage: `Workers::OnlineByRole` (r:1 w:0)
	/// Proof: `Workers::OnlineByRole` (`max_values`: None, `max_size`: Some(32779), added: 35254, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:15 w:0)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:15 w:15)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Assigned` (r:15 w:15)
	/// Proof: `Jobs::Assigned` (`max_values`: None, `max_size`: Some(68), added: 2543, mode: `MaxEncodedLen`)
	/// `n` ranges over `[3, 15]`.
	/// `w` ranges over `[15, 1024]`.
	fn draw_evaluators(n: u32, w: u32, ) -> Weight {
		// Fastest run: 241_428 ns.
		Weight::from_parts(133_777_768, 36244)
			.saturating_add(Weight::from_parts(27_978_996, 0).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(92_618, 0).saturating_mul(w.into()))
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(3))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 2896).saturating_mul(n.into()))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(2079), added: 4554, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:1 w:1)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::LiveJobs` (r:1 w:1)
	/// Proof: `Jobs::LiveJobs` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	fn expire_job() -> Weight {
		// Fastest run: 59_117 ns.
		Weight::from_parts(64_215_000, 5544)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(2079), added: 4554, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:2 w:2)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:1 w:1)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Assigned` (r:1 w:1)
	/// Proof: `Jobs::Assigned` (`max_values`: None, `max_size`: Some(68), added: 2543, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:2 w:2)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:1 w:1)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	fn trainer_timeout() -> Weight {
		// Fastest run: 92_887 ns.
		Weight::from_parts(98_997_000, 6992)
			.saturating_add(T::DbWeight::get().reads(9))
			.saturating_add(T::DbWeight::get().writes(9))
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn post_job() -> Weight {
		Weight::from_parts(95_792_000, 3991)
			.saturating_add(ParityDbWeight::get().reads(8))
			.saturating_add(ParityDbWeight::get().writes(6))
	}
	fn cancel_job() -> Weight {
		Weight::from_parts(66_399_000, 5544)
			.saturating_add(ParityDbWeight::get().reads(5))
			.saturating_add(ParityDbWeight::get().writes(5))
	}
	fn accept_job() -> Weight {
		Weight::from_parts(69_944_000, 6992)
			.saturating_add(ParityDbWeight::get().reads(8))
			.saturating_add(ParityDbWeight::get().writes(6))
	}
	fn submit_result(d: u32, ) -> Weight {
		Weight::from_parts(72_910_505, 9855)
			.saturating_add(Weight::from_parts(3_901_782, 0).saturating_mul(d.into()))
			.saturating_add(ParityDbWeight::get().reads(8))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(d.into())))
			.saturating_add(ParityDbWeight::get().writes(4))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(d.into()))
	}
	fn submit_candidate(d: u32, ) -> Weight {
		Weight::from_parts(154_918_938, 9855)
			.saturating_add(Weight::from_parts(3_548_815, 0).saturating_mul(d.into()))
			.saturating_add(ParityDbWeight::get().reads(13))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(d.into())))
			.saturating_add(ParityDbWeight::get().writes(10))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(d.into()))
	}
	fn commit_attestation() -> Weight {
		Weight::from_parts(28_813_000, 5544)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn reveal_attestation() -> Weight {
		Weight::from_parts(32_248_000, 5544)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn finalize(n: u32, ) -> Weight {
		Weight::from_parts(308_066_651, 16608)
			.saturating_add(Weight::from_parts(25_978_751, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(14))
			.saturating_add(ParityDbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().writes(15))
			.saturating_add(ParityDbWeight::get().writes((3_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 2896).saturating_mul(n.into()))
	}
	fn draw_evaluators(n: u32, w: u32, ) -> Weight {
		Weight::from_parts(133_777_768, 36244)
			.saturating_add(Weight::from_parts(27_978_996, 0).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(92_618, 0).saturating_mul(w.into()))
			.saturating_add(ParityDbWeight::get().reads(5))
			.saturating_add(ParityDbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().writes(3))
			.saturating_add(ParityDbWeight::get().writes((2_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 2896).saturating_mul(n.into()))
	}
	fn expire_job() -> Weight {
		Weight::from_parts(64_215_000, 5544)
			.saturating_add(ParityDbWeight::get().reads(5))
			.saturating_add(ParityDbWeight::get().writes(5))
	}
	fn trainer_timeout() -> Weight {
		Weight::from_parts(98_997_000, 6992)
			.saturating_add(ParityDbWeight::get().reads(9))
			.saturating_add(ParityDbWeight::get().writes(9))
	}
}
