//! Weights for `pallet_aiblock_datasets`, measured by `pallets/benchmark.sh`; do not edit by hand.
//!
//! Benchmark CLI 64.0.0, 2026-12-04; steps 10, repeat 3;
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
	fn propose_dataset() -> Weight;
	fn propose_dataset_takeover() -> Weight;
	fn commit_proposal() -> Weight;
	fn commit_audit() -> Weight;
	fn reveal_audit() -> Weight;
	fn vote() -> Weight;
	fn judge_audit(p: u32, ) -> Weight;
	fn count_votes(v: u32, ) -> Weight;
	fn quarantine() -> Weight;
	fn register_approved() -> Weight;
	fn set_params() -> Weight;
	fn draw_panels(n: u32, ) -> Weight;
}

/// Measured weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Datasets::ProposalCommits` (r:1 w:1)
	/// Proof: `Datasets::ProposalCommits` (`max_values`: None, `max_size`: Some(337), added: 2812, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Datasets` (r:4 w:1)
	/// Proof: `Datasets::Datasets` (`max_values`: None, `max_size`: Some(928), added: 3403, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Proposers` (r:1 w:1)
	/// Proof: `Datasets::Proposers` (`max_values`: None, `max_size`: Some(60), added: 2535, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::ByContent` (r:1 w:1)
	/// Proof: `Datasets::ByContent` (`max_values`: None, `max_size`: Some(36), added: 2511, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Reserved` (r:1 w:1)
	/// Proof: `Datasets::Reserved` (`max_values`: None, `max_size`: Some(72), added: 2547, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::NextDatasetId` (r:1 w:1)
	/// Proof: `Datasets::NextDatasetId` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Drawing` (r:1 w:1)
	/// Proof: `Datasets::Drawing` (`max_values`: Some(1), `max_size`: Some(65), added: 560, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::CommittedAt` (r:0 w:1)
	/// Proof: `Datasets::CommittedAt` (`max_values`: None, `max_size`: Some(16), added: 2491, mode: `MaxEncodedLen`)
	fn propose_dataset() -> Weight {
		// Fastest run: 86_773 ns.
		Weight::from_parts(112_321_000, 14602)
			.saturating_add(T::DbWeight::get().reads(10))
			.saturating_add(T::DbWeight::get().writes(8))
	}
	/// Storage: `Datasets::ProposalCommits` (r:1 w:1)
	/// Proof: `Datasets::ProposalCommits` (`max_values`: None, `max_size`: Some(337), added: 2812, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Datasets` (r:5 w:1)
	/// Proof: `Datasets::Datasets` (`max_values`: None, `max_size`: Some(928), added: 3403, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Proposers` (r:1 w:1)
	/// Proof: `Datasets::Proposers` (`max_values`: None, `max_size`: Some(60), added: 2535, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::ByContent` (r:1 w:0)
	/// Proof: `Datasets::ByContent` (`max_values`: None, `max_size`: Some(36), added: 2511, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::CommittedAt` (r:1 w:1)
	/// Proof: `Datasets::CommittedAt` (`max_values`: None, `max_size`: Some(16), added: 2491, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Drawing` (r:1 w:1)
	/// Proof: `Datasets::Drawing` (`max_values`: Some(1), `max_size`: Some(65), added: 560, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::AuditCommits` (r:0 w:3)
	/// Proof: `Datasets::AuditCommits` (`max_values`: None, `max_size`: Some(92), added: 2567, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::AuditReports` (r:0 w:3)
	/// Proof: `Datasets::AuditReports` (`max_values`: None, `max_size`: Some(86), added: 2561, mode: `MaxEncodedLen`)
	fn propose_dataset_takeover() -> Weight {
		// Fastest run: 88_416 ns.
		Weight::from_parts(92_747_000, 18005)
			.saturating_add(T::DbWeight::get().reads(10))
			.saturating_add(T::DbWeight::get().writes(11))
	}
	/// Storage: `Datasets::ProposalCommits` (r:1 w:1)
	/// Proof: `Datasets::ProposalCommits` (`max_values`: None, `max_size`: Some(337), added: 2812, mode: `MaxEncodedLen`)
	fn commit_proposal() -> Weight {
		// Fastest run: 14_531 ns.
		Weight::from_parts(16_074_000, 3802)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Datasets::Datasets` (r:1 w:0)
	/// Proof: `Datasets::Datasets` (`max_values`: None, `max_size`: Some(928), added: 3403, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::AuditCommits` (r:1 w:1)
	/// Proof: `Datasets::AuditCommits` (`max_values`: None, `max_size`: Some(92), added: 2567, mode: `MaxEncodedLen`)
	fn commit_audit() -> Weight {
		// Fastest run: 17_639 ns.
		Weight::from_parts(19_709_000, 4393)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Datasets::Datasets` (r:1 w:0)
	/// Proof: `Datasets::Datasets` (`max_values`: None, `max_size`: Some(928), added: 3403, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::AuditCommits` (r:1 w:0)
	/// Proof: `Datasets::AuditCommits` (`max_values`: None, `max_size`: Some(92), added: 2567, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::AuditReports` (r:1 w:1)
	/// Proof: `Datasets::AuditReports` (`max_values`: None, `max_size`: Some(86), added: 2561, mode: `MaxEncodedLen`)
	fn reveal_audit() -> Weight {
		// Fastest run: 22_687 ns.
		Weight::from_parts(24_754_000, 4393)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Datasets::Datasets` (r:1 w:0)
	/// Proof: `Datasets::Datasets` (`max_values`: None, `max_size`: Some(928), added: 3403, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:1 w:0)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:1 w:0)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Votes` (r:1 w:1)
	/// Proof: `Datasets::Votes` (`max_values`: None, `max_size`: Some(61), added: 2536, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Tallies` (r:1 w:1)
	/// Proof: `Datasets::Tallies` (`max_values`: None, `max_size`: Some(20), added: 2495, mode: `MaxEncodedLen`)
	fn vote() -> Weight {
		// Fastest run: 78_397 ns.
		Weight::from_parts(90_212_000, 4393)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `Datasets::Datasets` (r:1 w:1)
	/// Proof: `Datasets::Datasets` (`max_values`: None, `max_size`: Some(928), added: 3403, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::AuditCommits` (r:3 w:3)
	/// Proof: `Datasets::AuditCommits` (`max_values`: None, `max_size`: Some(92), added: 2567, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::AuditReports` (r:3 w:3)
	/// Proof: `Datasets::AuditReports` (`max_values`: None, `max_size`: Some(86), added: 2561, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:3 w:3)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Params` (r:1 w:0)
	/// Proof: `Datasets::Params` (`max_values`: Some(1), `max_size`: Some(16), added: 511, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::CommittedAt` (r:0 w:1)
	/// Proof: `Datasets::CommittedAt` (`max_values`: None, `max_size`: Some(16), added: 2491, mode: `MaxEncodedLen`)
	/// `p` ranges over `[1, 3]`.
	fn judge_audit(p: u32, ) -> Weight {
		// Fastest run: 37_993 ns.
		Weight::from_parts(23_033_328, 4393)
			.saturating_add(Weight::from_parts(18_225_774, 0).saturating_mul(p.into()))
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(p.into())))
			.saturating_add(T::DbWeight::get().writes(2))
			.saturating_add(T::DbWeight::get().writes((3_u64).saturating_mul(p.into())))
			.saturating_add(Weight::from_parts(0, 2896).saturating_mul(p.into()))
	}
	/// Storage: `Datasets::Datasets` (r:1 w:1)
	/// Proof: `Datasets::Datasets` (`max_values`: None, `max_size`: Some(928), added: 3403, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Tallies` (r:1 w:1)
	/// Proof: `Datasets::Tallies` (`max_values`: None, `max_size`: Some(20), added: 2495, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Votes` (r:3072 w:3072)
	/// Proof: `Datasets::Votes` (`max_values`: None, `max_size`: Some(61), added: 2536, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Params` (r:1 w:0)
	/// Proof: `Datasets::Params` (`max_values`: Some(1), `max_size`: Some(16), added: 511, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Proposers` (r:1 w:1)
	/// Proof: `Datasets::Proposers` (`max_values`: None, `max_size`: Some(60), added: 2535, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::CommittedAt` (r:0 w:1)
	/// Proof: `Datasets::CommittedAt` (`max_values`: None, `max_size`: Some(16), added: 2491, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::ByContent` (r:0 w:1)
	/// Proof: `Datasets::ByContent` (`max_values`: None, `max_size`: Some(36), added: 2511, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Reserved` (r:0 w:1)
	/// Proof: `Datasets::Reserved` (`max_values`: None, `max_size`: Some(72), added: 2547, mode: `MaxEncodedLen`)
	/// `v` ranges over `[0, 3072]`.
	fn count_votes(v: u32, ) -> Weight {
		// Fastest run: 30_692 ns.
		Weight::from_parts(32_314_000, 4393)
			.saturating_add(Weight::from_parts(1_326_692, 0).saturating_mul(v.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(v.into())))
			.saturating_add(T::DbWeight::get().writes(4))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(v.into())))
			.saturating_add(Weight::from_parts(0, 2536).saturating_mul(v.into()))
	}
	/// Storage: `Datasets::Datasets` (r:1 w:1)
	/// Proof: `Datasets::Datasets` (`max_values`: None, `max_size`: Some(928), added: 3403, mode: `MaxEncodedLen`)
	fn quarantine() -> Weight {
		// Fastest run: 14_208 ns.
		Weight::from_parts(15_564_000, 4393)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Datasets::Datasets` (r:4 w:1)
	/// Proof: `Datasets::Datasets` (`max_values`: None, `max_size`: Some(928), added: 3403, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::ByContent` (r:1 w:1)
	/// Proof: `Datasets::ByContent` (`max_values`: None, `max_size`: Some(36), added: 2511, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::NextDatasetId` (r:1 w:1)
	/// Proof: `Datasets::NextDatasetId` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Reserved` (r:0 w:1)
	/// Proof: `Datasets::Reserved` (`max_values`: None, `max_size`: Some(72), added: 2547, mode: `MaxEncodedLen`)
	fn register_approved() -> Weight {
		// Fastest run: 27_485 ns.
		Weight::from_parts(29_782_000, 14602)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	/// Storage: `Datasets::Params` (r:0 w:1)
	/// Proof: `Datasets::Params` (`max_values`: Some(1), `max_size`: Some(16), added: 511, mode: `MaxEncodedLen`)
	fn set_params() -> Weight {
		// Fastest run: 5_162 ns.
		Weight::from_parts(5_862_000, 0)
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Datasets::Drawing` (r:1 w:1)
	/// Proof: `Datasets::Drawing` (`max_values`: Some(1), `max_size`: Some(65), added: 560, mode: `MaxEncodedLen`)
	/// Storage: `System::ParentHash` (r:1 w:0)
	/// Proof: `System::ParentHash` (`max_values`: Some(1), `max_size`: Some(32), added: 527, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Datasets` (r:16 w:16)
	/// Proof: `Datasets::Datasets` (`max_values`: None, `max_size`: Some(928), added: 3403, mode: `MaxEncodedLen`)
	/// Storage: `Workers::OnlineByRole` (r:1 w:0)
	/// Proof: `Workers::OnlineByRole` (`max_values`: None, `max_size`: Some(36875), added: 39350, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:272 w:0)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:272 w:0)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::CommittedAt` (r:16 w:16)
	/// Proof: `Datasets::CommittedAt` (`max_values`: None, `max_size`: Some(16), added: 2491, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::ByContent` (r:0 w:16)
	/// Proof: `Datasets::ByContent` (`max_values`: None, `max_size`: Some(36), added: 2511, mode: `MaxEncodedLen`)
	/// Storage: `Datasets::Reserved` (r:0 w:16)
	/// Proof: `Datasets::Reserved` (`max_values`: None, `max_size`: Some(72), added: 2547, mode: `MaxEncodedLen`)
	/// `n` ranges over `[0, 16]`.
	fn draw_panels(n: u32, ) -> Weight {
		// Fastest run: 6_620 ns.
		Weight::from_parts(180_456_032, 40340)
			.saturating_add(Weight::from_parts(668_521_670, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(15))
			.saturating_add(T::DbWeight::get().reads((36_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(1))
			.saturating_add(T::DbWeight::get().writes((4_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 48610).saturating_mul(n.into()))
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn propose_dataset() -> Weight {
		Weight::from_parts(112_321_000, 14602)
			.saturating_add(ParityDbWeight::get().reads(10))
			.saturating_add(ParityDbWeight::get().writes(8))
	}
	fn propose_dataset_takeover() -> Weight {
		Weight::from_parts(92_747_000, 18005)
			.saturating_add(ParityDbWeight::get().reads(10))
			.saturating_add(ParityDbWeight::get().writes(11))
	}
	fn commit_proposal() -> Weight {
		Weight::from_parts(16_074_000, 3802)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn commit_audit() -> Weight {
		Weight::from_parts(19_709_000, 4393)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn reveal_audit() -> Weight {
		Weight::from_parts(24_754_000, 4393)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn vote() -> Weight {
		Weight::from_parts(90_212_000, 4393)
			.saturating_add(ParityDbWeight::get().reads(5))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn judge_audit(p: u32, ) -> Weight {
		Weight::from_parts(23_033_328, 4393)
			.saturating_add(Weight::from_parts(18_225_774, 0).saturating_mul(p.into()))
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().reads((3_u64).saturating_mul(p.into())))
			.saturating_add(ParityDbWeight::get().writes(2))
			.saturating_add(ParityDbWeight::get().writes((3_u64).saturating_mul(p.into())))
			.saturating_add(Weight::from_parts(0, 2896).saturating_mul(p.into()))
	}
	fn count_votes(v: u32, ) -> Weight {
		Weight::from_parts(32_314_000, 4393)
			.saturating_add(Weight::from_parts(1_326_692, 0).saturating_mul(v.into()))
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(v.into())))
			.saturating_add(ParityDbWeight::get().writes(4))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(v.into())))
			.saturating_add(Weight::from_parts(0, 2536).saturating_mul(v.into()))
	}
	fn quarantine() -> Weight {
		Weight::from_parts(15_564_000, 4393)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn register_approved() -> Weight {
		Weight::from_parts(29_782_000, 14602)
			.saturating_add(ParityDbWeight::get().reads(6))
			.saturating_add(ParityDbWeight::get().writes(4))
	}
	fn set_params() -> Weight {
		Weight::from_parts(5_862_000, 0)
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn draw_panels(n: u32, ) -> Weight {
		Weight::from_parts(180_456_032, 40340)
			.saturating_add(Weight::from_parts(668_521_670, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(15))
			.saturating_add(ParityDbWeight::get().reads((36_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().writes(1))
			.saturating_add(ParityDbWeight::get().writes((4_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 48610).saturating_mul(n.into()))
	}
}
