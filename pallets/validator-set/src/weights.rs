//! Weights for `pallet_aiblock_validator_set`.
//!
//! NOT YET MEASURED: these are estimates (storage accesses from the benchmarks in
//! `benchmarking.rs`, each counted at its worst case of `MaxValidators` accounts; compute time set
//! generously above the measured figures of this chain's calls that read and write one bounded
//! vector of accounts) until `pallets/benchmark.sh validator-set` replaces this file. That run
//! needs a `report_aura_equivocation` benchmark first (not written yet: it must forge a sealed
//! header pair and a historical proof in the runtime), or it writes a file without that function.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// The weight of each call (and of the offence handler) of this pallet.
pub trait WeightInfo {
	fn add_validator() -> Weight;
	fn remove_validator() -> Weight;
	fn set_session_length() -> Weight;
	fn punish_offender() -> Weight;
	fn report_aura_equivocation(validators: u32) -> Weight;
}

/// Estimated weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `ValidatorSet::Validators` (r:1 w:1), `Session::NextKeys` (r:1 w:0),
	/// `ValidatorSet::SetChanged` (r:0 w:1). Proof: 100 accounts of 32 bytes.
	fn add_validator() -> Weight {
		Weight::from_parts(40_000_000, 6_900)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `ValidatorSet::Validators` (r:1 w:1), `ValidatorSet::SetChanged` (r:0 w:1).
	fn remove_validator() -> Weight {
		Weight::from_parts(40_000_000, 3_800)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `ValidatorSet::SessionLength` (r:0 w:1).
	fn set_session_length() -> Weight {
		Weight::from_parts(15_000_000, 0)
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Session::Validators` (r:1 w:0), `Session::DisabledValidators` (r:1 w:1),
	/// `ValidatorSet::Validators` (r:1 w:1), `ValidatorSet::SetChanged` (r:0 w:1).
	fn punish_offender() -> Weight {
		Weight::from_parts(60_000_000, 7_600)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Two sr25519 seal checks and two header hashes, a historical proof of a set of
	/// `validators` (a trie walk), and `pallet_offences`' report: `Historical::HistoricalSessions`
	/// (r:1), `Offences::ConcurrentReportsIndex` (r:1 w:1), `Offences::Reports` (r:1 w:1),
	/// `Session::Validators` (r:1), then the offence handler (`punish_offender`).
	fn report_aura_equivocation(validators: u32) -> Weight {
		Weight::from_parts(200_000_000, 12_000)
			.saturating_add(Weight::from_parts(500_000, 0).saturating_mul(validators.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(2))
			.saturating_add(Self::punish_offender())
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn add_validator() -> Weight {
		Weight::from_parts(40_000_000, 6_900)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn remove_validator() -> Weight {
		Weight::from_parts(40_000_000, 3_800)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn set_session_length() -> Weight {
		Weight::from_parts(15_000_000, 0)
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn punish_offender() -> Weight {
		Weight::from_parts(60_000_000, 7_600)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn report_aura_equivocation(validators: u32) -> Weight {
		Weight::from_parts(200_000_000, 12_000)
			.saturating_add(Weight::from_parts(500_000, 0).saturating_mul(validators.into()))
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().writes(2))
			.saturating_add(Self::punish_offender())
	}
}
