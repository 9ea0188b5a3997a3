//! Weights for `pallet_aiblock_jobs`, measured by `pallets/benchmark.sh`; do not edit by hand.
//!
//! Provisional: replaced by the benchmark run.

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
	fn post_job() -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn cancel_job() -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn accept_job() -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn submit_result(d: u32, ) -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(d.into()))
			.saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn submit_candidate(d: u32, ) -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(d.into()))
			.saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn commit_attestation() -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn reveal_attestation() -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn finalize(n: u32, ) -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn draw_evaluators(n: u32, w: u32, ) -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(w.into()))
			.saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn expire_job() -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn trainer_timeout() -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
}

/// For tests: the same figures with ParityDB's database costs.
impl WeightInfo for () {
	fn post_job() -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn cancel_job() -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn accept_job() -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn submit_result(d: u32, ) -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(d.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn submit_candidate(d: u32, ) -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(d.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn commit_attestation() -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn reveal_attestation() -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn finalize(n: u32, ) -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn draw_evaluators(n: u32, w: u32, ) -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(w.into()))
			.saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn expire_job() -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn trainer_timeout() -> Weight {
		Weight::from_parts(500_000_000, 20000)
			.saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
}
