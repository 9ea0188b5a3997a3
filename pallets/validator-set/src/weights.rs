//! Weights for `pallet_aiblock_validator_set`, measured by `pallets/benchmark.sh`; do not edit by hand.
//!
//! Benchmark CLI 64.0.0, 2026-12-05; steps 50, repeat 20;
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
	fn add_validator() -> Weight;
	fn remove_validator() -> Weight;
	fn set_session_length() -> Weight;
	fn punish_offender() -> Weight;
	fn report_aura_equivocation(v: u32, ) -> Weight;
}

/// Measured weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `ValidatorSet::Validators` (r:1 w:1)
	/// Proof: `ValidatorSet::Validators` (`max_values`: Some(1), `max_size`: Some(1025), added: 1520, mode: `MaxEncodedLen`)
	/// Storage: `Session::NextKeys` (r:1 w:0)
	/// Proof: `Session::NextKeys` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `ValidatorSet::SetChanged` (r:0 w:1)
	/// Proof: `ValidatorSet::SetChanged` (`max_values`: Some(1), `max_size`: Some(1), added: 496, mode: `MaxEncodedLen`)
	fn add_validator() -> Weight {
		// Fastest run: 12_839 ns.
		Weight::from_parts(14_020_000, 4851)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `ValidatorSet::Validators` (r:1 w:1)
	/// Proof: `ValidatorSet::Validators` (`max_values`: Some(1), `max_size`: Some(1025), added: 1520, mode: `MaxEncodedLen`)
	/// Storage: `ValidatorSet::SetChanged` (r:0 w:1)
	/// Proof: `ValidatorSet::SetChanged` (`max_values`: Some(1), `max_size`: Some(1), added: 496, mode: `MaxEncodedLen`)
	fn remove_validator() -> Weight {
		// Fastest run: 7_932 ns.
		Weight::from_parts(8_753_000, 2510)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `ValidatorSet::SessionLength` (r:0 w:1)
	/// Proof: `ValidatorSet::SessionLength` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	fn set_session_length() -> Weight {
		// Fastest run: 3_605 ns.
		Weight::from_parts(4_036_000, 0)
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Session::DisabledValidators` (r:1 w:1)
	/// Proof: `Session::DisabledValidators` (`max_values`: Some(1), `max_size`: None, mode: `Measured`)
	/// Storage: `Session::Validators` (r:1 w:0)
	/// Proof: `Session::Validators` (`max_values`: Some(1), `max_size`: None, mode: `Measured`)
	/// Storage: `ValidatorSet::Validators` (r:1 w:1)
	/// Proof: `ValidatorSet::Validators` (`max_values`: Some(1), `max_size`: Some(1025), added: 1520, mode: `MaxEncodedLen`)
	/// Storage: `ValidatorSet::SetChanged` (r:0 w:1)
	/// Proof: `ValidatorSet::SetChanged` (`max_values`: Some(1), `max_size`: Some(1), added: 496, mode: `MaxEncodedLen`)
	fn punish_offender() -> Weight {
		// Fastest run: 29_183 ns.
		Weight::from_parts(34_852_000, 2746)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Session::CurrentIndex` (r:1 w:0)
	/// Proof: `Session::CurrentIndex` (`max_values`: Some(1), `max_size`: None, mode: `Measured`)
	/// Storage: `Session::Validators` (r:1 w:0)
	/// Proof: `Session::Validators` (`max_values`: Some(1), `max_size`: None, mode: `Measured`)
	/// Storage: `Session::NextKeys` (r:32 w:0)
	/// Proof: `Session::NextKeys` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `ValidatorSet::Validators` (r:1 w:1)
	/// Proof: `ValidatorSet::Validators` (`max_values`: Some(1), `max_size`: Some(1025), added: 1520, mode: `MaxEncodedLen`)
	/// Storage: `Offences::ConcurrentReportsIndex` (r:1 w:1)
	/// Proof: `Offences::ConcurrentReportsIndex` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `Offences::Reports` (r:1 w:1)
	/// Proof: `Offences::Reports` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `Session::DisabledValidators` (r:1 w:1)
	/// Proof: `Session::DisabledValidators` (`max_values`: Some(1), `max_size`: None, mode: `Measured`)
	/// Storage: `ValidatorSet::SetChanged` (r:0 w:1)
	/// Proof: `ValidatorSet::SetChanged` (`max_values`: Some(1), `max_size`: Some(1), added: 496, mode: `MaxEncodedLen`)
	/// `v` ranges over `[2, 32]`.
	fn report_aura_equivocation(v: u32, ) -> Weight {
		// Fastest run: 140_189 ns.
		Weight::from_parts(144_466_134, 3806)
			.saturating_add(Weight::from_parts(11_343_598, 0).saturating_mul(v.into()))
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(v.into())))
			.saturating_add(T::DbWeight::get().writes(5))
			.saturating_add(Weight::from_parts(0, 2620).saturating_mul(v.into()))
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn add_validator() -> Weight {
		Weight::from_parts(14_020_000, 4851)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn remove_validator() -> Weight {
		Weight::from_parts(8_753_000, 2510)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn set_session_length() -> Weight {
		Weight::from_parts(4_036_000, 0)
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn punish_offender() -> Weight {
		Weight::from_parts(34_852_000, 2746)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn report_aura_equivocation(v: u32, ) -> Weight {
		Weight::from_parts(144_466_134, 3806)
			.saturating_add(Weight::from_parts(11_343_598, 0).saturating_mul(v.into()))
			.saturating_add(ParityDbWeight::get().reads(6))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(v.into())))
			.saturating_add(ParityDbWeight::get().writes(5))
			.saturating_add(Weight::from_parts(0, 2620).saturating_mul(v.into()))
	}
}
