//! Weights for `pallet_aiblock_datasets`.
//!
//! NOT MEASURED YET: `pallets/benchmark.sh datasets` (whose benchmarks, `benchmarking.rs`,
//! run once each in CI against the mock) has not been run on the runtime. These are upper
//! estimates from the Workers and Jobs pallets' measured calls of similar shape (same machine
//! class: about 200 µs of compute per call of a few reads and writes, plus the database costs
//! counted separately), to be replaced by measured figures.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{RuntimeDbWeight, Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// The weight of each call (and of the draw in `on_initialize`) of this pallet.
pub trait WeightInfo {
	fn propose_dataset() -> Weight;
	fn commit_audit() -> Weight;
	fn reveal_audit() -> Weight;
	fn vote() -> Weight;
	/// Judging an audit by a panel of `p` auditors.
	fn judge_audit(p: u32, ) -> Weight;
	/// Counting (and clearing) `v` votes.
	fn count_votes(v: u32, ) -> Weight;
	fn quarantine() -> Weight;
	fn register_approved() -> Weight;
	fn set_params() -> Weight;
	/// Drawing the panels of `n` proposals.
	fn draw_panels(n: u32, ) -> Weight;
}

/// Estimates (see the module's documentation), with the database costs `D`.
pub struct Estimates<D>(PhantomData<D>);
impl<D: Get<RuntimeDbWeight>> WeightInfo for Estimates<D> {
	fn propose_dataset() -> Weight {
		// One proof-of-work hash over the metadata, the metadata checks, parents.
		Weight::from_parts(300_000_000, 20_000)
			.saturating_add(D::get().reads(9))
			.saturating_add(D::get().writes(5))
	}
	fn commit_audit() -> Weight {
		Weight::from_parts(150_000_000, 10_000)
			.saturating_add(D::get().reads(2))
			.saturating_add(D::get().writes(1))
	}
	fn reveal_audit() -> Weight {
		Weight::from_parts(200_000_000, 10_000)
			.saturating_add(D::get().reads(3))
			.saturating_add(D::get().writes(1))
	}
	fn vote() -> Weight {
		// Up to three registry look-ups (one per role).
		Weight::from_parts(250_000_000, 60_000)
			.saturating_add(D::get().reads(8))
			.saturating_add(D::get().writes(2))
	}
	fn judge_audit(p: u32, ) -> Weight {
		Weight::from_parts(200_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 6_000).saturating_mul(p.into()))
			.saturating_add(D::get().reads(1))
			.saturating_add(D::get().writes(2))
			.saturating_add(D::get().reads((3_u64).saturating_mul(p.into())))
			.saturating_add(D::get().writes((3_u64).saturating_mul(p.into())))
	}
	fn count_votes(v: u32, ) -> Weight {
		Weight::from_parts(200_000_000, 10_000)
			.saturating_add(Weight::from_parts(20_000_000, 100).saturating_mul(v.into()))
			.saturating_add(D::get().reads(3))
			.saturating_add(D::get().writes(4))
			.saturating_add(D::get().writes(v.into()))
	}
	fn quarantine() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(D::get().reads(1))
			.saturating_add(D::get().writes(1))
	}
	fn register_approved() -> Weight {
		Weight::from_parts(150_000_000, 20_000)
			.saturating_add(D::get().reads(6))
			.saturating_add(D::get().writes(3))
	}
	fn set_params() -> Weight {
		Weight::from_parts(50_000_000, 2_000)
			.saturating_add(D::get().writes(1))
	}
	fn draw_panels(n: u32, ) -> Weight {
		// Each draw reads the auditor list and checks up to `tickets_checked` candidates.
		Weight::from_parts(10_000_000, 2_000)
			.saturating_add(Weight::from_parts(1_000_000_000, 100_000).saturating_mul(n.into()))
			.saturating_add(D::get().reads(1))
			.saturating_add(D::get().writes(1))
			.saturating_add(D::get().reads((30_u64).saturating_mul(n.into())))
			.saturating_add(D::get().writes((1_u64).saturating_mul(n.into())))
	}
}

/// The estimates with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn propose_dataset() -> Weight { Estimates::<T::DbWeight>::propose_dataset() }
	fn commit_audit() -> Weight { Estimates::<T::DbWeight>::commit_audit() }
	fn reveal_audit() -> Weight { Estimates::<T::DbWeight>::reveal_audit() }
	fn vote() -> Weight { Estimates::<T::DbWeight>::vote() }
	fn judge_audit(p: u32, ) -> Weight { Estimates::<T::DbWeight>::judge_audit(p) }
	fn count_votes(v: u32, ) -> Weight { Estimates::<T::DbWeight>::count_votes(v) }
	fn quarantine() -> Weight { Estimates::<T::DbWeight>::quarantine() }
	fn register_approved() -> Weight { Estimates::<T::DbWeight>::register_approved() }
	fn set_params() -> Weight { Estimates::<T::DbWeight>::set_params() }
	fn draw_panels(n: u32, ) -> Weight { Estimates::<T::DbWeight>::draw_panels(n) }
}

/// For tests: the estimates with ParityDB costs.
impl WeightInfo for () {
	fn propose_dataset() -> Weight { Estimates::<ParityDbWeight>::propose_dataset() }
	fn commit_audit() -> Weight { Estimates::<ParityDbWeight>::commit_audit() }
	fn reveal_audit() -> Weight { Estimates::<ParityDbWeight>::reveal_audit() }
	fn vote() -> Weight { Estimates::<ParityDbWeight>::vote() }
	fn judge_audit(p: u32, ) -> Weight { Estimates::<ParityDbWeight>::judge_audit(p) }
	fn count_votes(v: u32, ) -> Weight { Estimates::<ParityDbWeight>::count_votes(v) }
	fn quarantine() -> Weight { Estimates::<ParityDbWeight>::quarantine() }
	fn register_approved() -> Weight { Estimates::<ParityDbWeight>::register_approved() }
	fn set_params() -> Weight { Estimates::<ParityDbWeight>::set_params() }
	fn draw_panels(n: u32, ) -> Weight { Estimates::<ParityDbWeight>::draw_panels(n) }
}
