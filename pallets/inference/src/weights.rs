//! Weights for `pallet_aiblock_inference`, measured by `pallets/benchmark.sh`; do not edit by hand.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// The weight of each call (and bounded hook) of this pallet.
pub trait WeightInfo {
	fn register_server() -> Weight;
	fn update_server() -> Weight;
	fn unregister_server() -> Weight;
	fn open_channel() -> Weight;
	fn top_up() -> Weight;
	fn close_channel() -> Weight;
	fn withdraw() -> Weight;
	fn claim(u: u32, ) -> Weight;
	fn join_free_tier() -> Weight;
	fn leave_free_tier() -> Weight;
	fn report_free_usage() -> Weight;
	fn commit_audit() -> Weight;
	fn reveal_audit() -> Weight;
	fn settle_audit() -> Weight;
	fn draw_audits(c: u32, ) -> Weight;
}

/// Provisional figures until measured.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_server() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(3, 2)) }
	fn update_server() -> Weight { Weight::from_parts(50_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(2, 1)) }
	fn unregister_server() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(2, 2)) }
	fn open_channel() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(5, 4)) }
	fn top_up() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(3, 3)) }
	fn close_channel() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(3, 3)) }
	fn withdraw() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(3, 3)) }
	fn claim(u: u32, ) -> Weight { Weight::from_parts(300_000_000, 20_000).saturating_add(Weight::from_parts(30_000_000, 3_000).saturating_mul(u.into())).saturating_add(T::DbWeight::get().reads_writes(10, 10)).saturating_add(T::DbWeight::get().reads_writes(2, 1).saturating_mul(u.into())) }
	fn join_free_tier() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(3, 3)) }
	fn leave_free_tier() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(3, 3)) }
	fn report_free_usage() -> Weight { Weight::from_parts(200_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(4, 2)) }
	fn commit_audit() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(2, 2)) }
	fn reveal_audit() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(1, 1)) }
	fn settle_audit() -> Weight { Weight::from_parts(500_000_000, 50_000).saturating_add(T::DbWeight::get().reads_writes(30, 30)) }
	fn draw_audits(c: u32, ) -> Weight { Weight::from_parts(10_000_000, 1_000).saturating_add(Weight::from_parts(300_000_000, 50_000).saturating_mul(c.into())).saturating_add(T::DbWeight::get().reads_writes(10, 2).saturating_mul(c.into())) }
}

impl WeightInfo for () {
	fn register_server() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn update_server() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn unregister_server() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn open_channel() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn top_up() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn close_channel() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn withdraw() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn claim(u: u32, ) -> Weight { Weight::from_parts(300_000_000, 20_000).saturating_add(Weight::from_parts(30_000_000, 3_000).saturating_mul(u.into())) }
	fn join_free_tier() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn leave_free_tier() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn report_free_usage() -> Weight { Weight::from_parts(200_000_000, 10_000) }
	fn commit_audit() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn reveal_audit() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn settle_audit() -> Weight { Weight::from_parts(500_000_000, 50_000) }
	fn draw_audits(c: u32, ) -> Weight { Weight::from_parts(300_000_000, 50_000).saturating_mul(c.into()) }
}
