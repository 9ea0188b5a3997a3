//! Weights for `pallet_aiblock_jobs`, measured by `pallets/benchmark.sh`; do not edit by hand.
//!
//! Benchmark CLI 64.0.0, 2026-12-03; steps 20, repeat 5;
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
	fn post_job(s: u32, ) -> Weight;
	fn cancel_job() -> Weight;
	fn accept_job(s: u32, ) -> Weight;
	fn submit_result(d: u32, s: u32, ) -> Weight;
	fn submit_result_superseded(s: u32, ) -> Weight;
	fn submit_candidate(d: u32, s: u32, ) -> Weight;
	fn commit_attestation() -> Weight;
	fn reveal_attestation() -> Weight;
	fn reveal_claim() -> Weight;
	fn finalize(n: u32, s: u32, ) -> Weight;
	fn finalize_refuted(n: u32, s: u32, ) -> Weight;
	fn draw_evaluators(n: u32, w: u32, ) -> Weight;
	fn expire_job() -> Weight;
	fn trainer_timeout() -> Weight;
}

/// Measured weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Datasets::Datasets` (r:8 w:0)
	/// Proof: `Datasets::Datasets` (`max_values`: None, `max_size`: Some(928), added: 3403, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Current` (r:64 w:0)
	/// Proof: `ExpertDag::Current` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:64 w:0)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:1 w:0)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::LiveJobs` (r:1 w:1)
	/// Proof: `Jobs::LiveJobs` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::JobsOfPoster` (r:1 w:1)
	/// Proof: `Jobs::JobsOfPoster` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:2 w:2)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::NextJobId` (r:1 w:1)
	/// Proof: `Jobs::NextJobId` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:1 w:1)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Jobs` (r:0 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(6581), added: 9056, mode: `MaxEncodedLen`)
	/// `s` ranges over `[1, 64]`.
	fn post_job(s: u32, ) -> Weight {
		// Fastest run: 174_444 ns.
		Weight::from_parts(192_966_837, 28214)
			.saturating_add(Weight::from_parts(9_078_874, 0).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads(17))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(s.into())))
			.saturating_add(T::DbWeight::get().writes(8))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(s.into()))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(6581), added: 9056, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:1 w:1)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::LiveJobs` (r:1 w:1)
	/// Proof: `Jobs::LiveJobs` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::JobsOfPoster` (r:1 w:1)
	/// Proof: `Jobs::JobsOfPoster` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	fn cancel_job() -> Weight {
		// Fastest run: 64_594 ns.
		Weight::from_parts(72_075_000, 10046)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(6581), added: 9056, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Current` (r:64 w:0)
	/// Proof: `ExpertDag::Current` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:64 w:0)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Datasets` (r:8 w:0)
	/// Proof: `Datasets::Datasets` (`max_values`: None, `max_size`: Some(928), added: 3403, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:1 w:1)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:1 w:1)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:1 w:0)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Assigned` (r:1 w:1)
	/// Proof: `Jobs::Assigned` (`max_values`: None, `max_size`: Some(68), added: 2543, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:2 w:2)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// `s` ranges over `[1, 64]`.
	fn accept_job(s: u32, ) -> Weight {
		// Fastest run: 120_541 ns.
		Weight::from_parts(139_812_427, 28214)
			.saturating_add(Weight::from_parts(7_277_220, 0).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads(16))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(s.into())))
			.saturating_add(T::DbWeight::get().writes(6))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(s.into()))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(6581), added: 9056, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:1 w:0)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Current` (r:70 w:0)
	/// Proof: `ExpertDag::Current` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:135 w:64)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:2 w:2)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// `d` ranges over `[0, 6]`.
	/// `s` ranges over `[1, 64]`.
	fn submit_result(d: u32, s: u32, ) -> Weight {
		// Fastest run: 153_416 ns.
		Weight::from_parts(157_789_000, 10046)
			.saturating_add(Weight::from_parts(105_704_020, 0).saturating_mul(d.into()))
			.saturating_add(Weight::from_parts(28_640_000, 0).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(d.into())))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(s.into())))
			.saturating_add(T::DbWeight::get().writes(3))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(s.into())))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(d.into()))
			.saturating_add(Weight::from_parts(0, 5910).saturating_mul(s.into()))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(6581), added: 9056, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:1 w:0)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Current` (r:64 w:0)
	/// Proof: `ExpertDag::Current` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:64 w:0)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:1 w:1)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:1 w:1)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Assigned` (r:1 w:1)
	/// Proof: `Jobs::Assigned` (`max_values`: None, `max_size`: Some(68), added: 2543, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::LiveJobs` (r:1 w:1)
	/// Proof: `Jobs::LiveJobs` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::JobsOfPoster` (r:1 w:1)
	/// Proof: `Jobs::JobsOfPoster` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// `s` ranges over `[1, 64]`.
	fn submit_result_superseded(s: u32, ) -> Weight {
		// Fastest run: 120_931 ns.
		Weight::from_parts(135_374_413, 10046)
			.saturating_add(Weight::from_parts(10_129_580, 0).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads(10))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(s.into())))
			.saturating_add(T::DbWeight::get().writes(8))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(s.into()))
	}
	/// Storage: `Datasets::Datasets` (r:8 w:0)
	/// Proof: `Datasets::Datasets` (`max_values`: None, `max_size`: Some(928), added: 3403, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Current` (r:70 w:0)
	/// Proof: `ExpertDag::Current` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:135 w:64)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:1 w:0)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:1 w:1)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:1 w:1)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Assigned` (r:1 w:1)
	/// Proof: `Jobs::Assigned` (`max_values`: None, `max_size`: Some(68), added: 2543, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::LiveJobs` (r:1 w:1)
	/// Proof: `Jobs::LiveJobs` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::JobsOfPoster` (r:1 w:1)
	/// Proof: `Jobs::JobsOfPoster` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::NextJobId` (r:1 w:1)
	/// Proof: `Jobs::NextJobId` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:1 w:1)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Jobs` (r:0 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(6581), added: 9056, mode: `MaxEncodedLen`)
	/// `d` ranges over `[0, 6]`.
	/// `s` ranges over `[1, 64]`.
	fn submit_candidate(d: u32, s: u32, ) -> Weight {
		// Fastest run: 261_999 ns.
		Weight::from_parts(270_623_000, 28214)
			.saturating_add(Weight::from_parts(106_333_131, 0).saturating_mul(d.into()))
			.saturating_add(Weight::from_parts(30_671_092, 0).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads(20))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(d.into())))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(s.into())))
			.saturating_add(T::DbWeight::get().writes(10))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(s.into())))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(d.into()))
			.saturating_add(Weight::from_parts(0, 5910).saturating_mul(s.into()))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(6581), added: 9056, mode: `MaxEncodedLen`)
	fn commit_attestation() -> Weight {
		// Fastest run: 31_233 ns.
		Weight::from_parts(34_922_000, 10046)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(6581), added: 9056, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:1 w:0)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	fn reveal_attestation() -> Weight {
		// Fastest run: 49_387 ns.
		Weight::from_parts(56_312_000, 10046)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(6581), added: 9056, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:1 w:0)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	fn reveal_claim() -> Weight {
		// Fastest run: 49_293 ns.
		Weight::from_parts(54_870_000, 10046)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:1 w:1)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:128 w:128)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Current` (r:64 w:64)
	/// Proof: `ExpertDag::Current` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Datasets` (r:8 w:0)
	/// Proof: `Datasets::Datasets` (`max_values`: None, `max_size`: Some(928), added: 3403, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:24 w:24)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:16 w:16)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Assigned` (r:16 w:16)
	/// Proof: `Jobs::Assigned` (`max_values`: None, `max_size`: Some(68), added: 2543, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:16 w:16)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::LiveJobs` (r:1 w:1)
	/// Proof: `Jobs::LiveJobs` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::JobsOfPoster` (r:1 w:1)
	/// Proof: `Jobs::JobsOfPoster` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Jobs` (r:0 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(6581), added: 9056, mode: `MaxEncodedLen`)
	/// `n` ranges over `[3, 15]`.
	/// `s` ranges over `[1, 64]`.
	fn finalize(n: u32, s: u32, ) -> Weight {
		// Fastest run: 1_153_863 ns.
		Weight::from_parts(468_568_934, 29600)
			.saturating_add(Weight::from_parts(48_718_345, 0).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(22_256_379, 0).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads(27))
			.saturating_add(T::DbWeight::get().reads((4_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(s.into())))
			.saturating_add(T::DbWeight::get().writes(19))
			.saturating_add(T::DbWeight::get().writes((4_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes((3_u64).saturating_mul(s.into())))
			.saturating_add(Weight::from_parts(0, 2896).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(0, 5910).saturating_mul(s.into()))
	}
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:1 w:0)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:64 w:64)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::PruneCursor` (r:1 w:1)
	/// Proof: `ExpertDag::PruneCursor` (`max_values`: Some(1), `max_size`: Some(16), added: 511, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:9 w:9)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:18 w:18)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:16 w:16)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Assigned` (r:16 w:16)
	/// Proof: `Jobs::Assigned` (`max_values`: None, `max_size`: Some(68), added: 2543, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:16 w:16)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::LiveJobs` (r:1 w:1)
	/// Proof: `Jobs::LiveJobs` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::JobsOfPoster` (r:1 w:1)
	/// Proof: `Jobs::JobsOfPoster` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Jobs` (r:0 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(6581), added: 9056, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::PruneQueue` (r:0 w:64)
	/// Proof: `ExpertDag::PruneQueue` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// `n` ranges over `[3, 15]`.
	/// `s` ranges over `[1, 64]`.
	fn finalize_refuted(n: u32, s: u32, ) -> Weight {
		// Fastest run: 1_049_670 ns.
		Weight::from_parts(184_848_710, 8799)
			.saturating_add(Weight::from_parts(72_560_644, 0).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(10_922_100, 0).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads(13))
			.saturating_add(T::DbWeight::get().reads((4_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(s.into())))
			.saturating_add(T::DbWeight::get().writes(12))
			.saturating_add(T::DbWeight::get().writes((4_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(s.into())))
			.saturating_add(Weight::from_parts(0, 2896).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(s.into()))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(6581), added: 9056, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:2 w:2)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// Storage: `System::ParentHash` (r:1 w:0)
	/// Proof: `System::ParentHash` (`max_values`: Some(1), `max_size`: Some(32), added: 527, mode: `MaxEncodedLen`)
	/// Storage: `Workers::OnlineByRole` (r:1 w:0)
	/// Proof: `Workers::OnlineByRole` (`max_values`: None, `max_size`: Some(36875), added: 39350, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:68 w:0)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:68 w:15)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Assigned` (r:15 w:15)
	/// Proof: `Jobs::Assigned` (`max_values`: None, `max_size`: Some(68), added: 2543, mode: `MaxEncodedLen`)
	/// `n` ranges over `[3, 15]`.
	/// `w` ranges over `[15, 1024]`.
	fn draw_evaluators(n: u32, w: u32, ) -> Weight {
		// Fastest run: 270_090 ns.
		Weight::from_parts(270_558_000, 44430)
			.saturating_add(Weight::from_parts(26_534_909, 0).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(582_602, 0).saturating_mul(w.into()))
			.saturating_add(T::DbWeight::get().reads(48))
			.saturating_add(T::DbWeight::get().reads((7_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(3))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 9676).saturating_mul(n.into()))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(6581), added: 9056, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:1 w:1)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::LiveJobs` (r:1 w:1)
	/// Proof: `Jobs::LiveJobs` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::JobsOfPoster` (r:1 w:1)
	/// Proof: `Jobs::JobsOfPoster` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	fn expire_job() -> Weight {
		// Fastest run: 64_045 ns.
		Weight::from_parts(71_201_000, 10046)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(6581), added: 9056, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Agenda` (r:2 w:2)
	/// Proof: `Jobs::Agenda` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::States` (r:1 w:0)
	/// Proof: `ExpertDag::States` (`max_values`: None, `max_size`: Some(21), added: 2496, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:1 w:1)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Assigned` (r:1 w:1)
	/// Proof: `Jobs::Assigned` (`max_values`: None, `max_size`: Some(68), added: 2543, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:2 w:2)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:3 w:3)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:1 w:1)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	fn trainer_timeout() -> Weight {
		// Fastest run: 176_079 ns.
		Weight::from_parts(191_544_000, 10046)
			.saturating_add(T::DbWeight::get().reads(13))
			.saturating_add(T::DbWeight::get().writes(11))
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn post_job(s: u32, ) -> Weight {
		Weight::from_parts(192_966_837, 28214)
			.saturating_add(Weight::from_parts(9_078_874, 0).saturating_mul(s.into()))
			.saturating_add(ParityDbWeight::get().reads(17))
			.saturating_add(ParityDbWeight::get().reads((2_u64).saturating_mul(s.into())))
			.saturating_add(ParityDbWeight::get().writes(8))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(s.into()))
	}
	fn cancel_job() -> Weight {
		Weight::from_parts(72_075_000, 10046)
			.saturating_add(ParityDbWeight::get().reads(6))
			.saturating_add(ParityDbWeight::get().writes(6))
	}
	fn accept_job(s: u32, ) -> Weight {
		Weight::from_parts(139_812_427, 28214)
			.saturating_add(Weight::from_parts(7_277_220, 0).saturating_mul(s.into()))
			.saturating_add(ParityDbWeight::get().reads(16))
			.saturating_add(ParityDbWeight::get().reads((2_u64).saturating_mul(s.into())))
			.saturating_add(ParityDbWeight::get().writes(6))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(s.into()))
	}
	fn submit_result(d: u32, s: u32, ) -> Weight {
		Weight::from_parts(157_789_000, 10046)
			.saturating_add(Weight::from_parts(105_704_020, 0).saturating_mul(d.into()))
			.saturating_add(Weight::from_parts(28_640_000, 0).saturating_mul(s.into()))
			.saturating_add(ParityDbWeight::get().reads(6))
			.saturating_add(ParityDbWeight::get().reads((2_u64).saturating_mul(d.into())))
			.saturating_add(ParityDbWeight::get().reads((3_u64).saturating_mul(s.into())))
			.saturating_add(ParityDbWeight::get().writes(3))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(s.into())))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(d.into()))
			.saturating_add(Weight::from_parts(0, 5910).saturating_mul(s.into()))
	}
	fn submit_result_superseded(s: u32, ) -> Weight {
		Weight::from_parts(135_374_413, 10046)
			.saturating_add(Weight::from_parts(10_129_580, 0).saturating_mul(s.into()))
			.saturating_add(ParityDbWeight::get().reads(10))
			.saturating_add(ParityDbWeight::get().reads((2_u64).saturating_mul(s.into())))
			.saturating_add(ParityDbWeight::get().writes(8))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(s.into()))
	}
	fn submit_candidate(d: u32, s: u32, ) -> Weight {
		Weight::from_parts(270_623_000, 28214)
			.saturating_add(Weight::from_parts(106_333_131, 0).saturating_mul(d.into()))
			.saturating_add(Weight::from_parts(30_671_092, 0).saturating_mul(s.into()))
			.saturating_add(ParityDbWeight::get().reads(20))
			.saturating_add(ParityDbWeight::get().reads((2_u64).saturating_mul(d.into())))
			.saturating_add(ParityDbWeight::get().reads((3_u64).saturating_mul(s.into())))
			.saturating_add(ParityDbWeight::get().writes(10))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(s.into())))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(d.into()))
			.saturating_add(Weight::from_parts(0, 5910).saturating_mul(s.into()))
	}
	fn commit_attestation() -> Weight {
		Weight::from_parts(34_922_000, 10046)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn reveal_attestation() -> Weight {
		Weight::from_parts(56_312_000, 10046)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn reveal_claim() -> Weight {
		Weight::from_parts(54_870_000, 10046)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn finalize(n: u32, s: u32, ) -> Weight {
		Weight::from_parts(468_568_934, 29600)
			.saturating_add(Weight::from_parts(48_718_345, 0).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(22_256_379, 0).saturating_mul(s.into()))
			.saturating_add(ParityDbWeight::get().reads(27))
			.saturating_add(ParityDbWeight::get().reads((4_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().reads((3_u64).saturating_mul(s.into())))
			.saturating_add(ParityDbWeight::get().writes(19))
			.saturating_add(ParityDbWeight::get().writes((4_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().writes((3_u64).saturating_mul(s.into())))
			.saturating_add(Weight::from_parts(0, 2896).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(0, 5910).saturating_mul(s.into()))
	}
	fn finalize_refuted(n: u32, s: u32, ) -> Weight {
		Weight::from_parts(184_848_710, 8799)
			.saturating_add(Weight::from_parts(72_560_644, 0).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(10_922_100, 0).saturating_mul(s.into()))
			.saturating_add(ParityDbWeight::get().reads(13))
			.saturating_add(ParityDbWeight::get().reads((4_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(s.into())))
			.saturating_add(ParityDbWeight::get().writes(12))
			.saturating_add(ParityDbWeight::get().writes((4_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().writes((2_u64).saturating_mul(s.into())))
			.saturating_add(Weight::from_parts(0, 2896).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(s.into()))
	}
	fn draw_evaluators(n: u32, w: u32, ) -> Weight {
		Weight::from_parts(270_558_000, 44430)
			.saturating_add(Weight::from_parts(26_534_909, 0).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(582_602, 0).saturating_mul(w.into()))
			.saturating_add(ParityDbWeight::get().reads(48))
			.saturating_add(ParityDbWeight::get().reads((7_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().writes(3))
			.saturating_add(ParityDbWeight::get().writes((2_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 9676).saturating_mul(n.into()))
	}
	fn expire_job() -> Weight {
		Weight::from_parts(71_201_000, 10046)
			.saturating_add(ParityDbWeight::get().reads(6))
			.saturating_add(ParityDbWeight::get().writes(6))
	}
	fn trainer_timeout() -> Weight {
		Weight::from_parts(191_544_000, 10046)
			.saturating_add(ParityDbWeight::get().reads(13))
			.saturating_add(ParityDbWeight::get().writes(11))
	}
}
