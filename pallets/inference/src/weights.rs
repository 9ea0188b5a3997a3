//! Weights for `pallet_aiblock_inference`, measured by `pallets/benchmark.sh`; do not edit by hand.
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
	fn set_params() -> Weight;
	fn draw_audits(c: u32, ) -> Weight;
}

/// Measured weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Inference::Servers` (r:1 w:1)
	/// Proof: `Inference::Servers` (`max_values`: None, `max_size`: Some(362), added: 2837, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:1 w:1)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	fn register_server() -> Weight {
		// Fastest run: 24_195 ns.
		Weight::from_parts(27_843_000, 3866)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `ExpertDag::Models` (r:1 w:0)
	/// Proof: `ExpertDag::Models` (`max_values`: None, `max_size`: Some(232), added: 2707, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Servers` (r:1 w:1)
	/// Proof: `Inference::Servers` (`max_values`: None, `max_size`: Some(362), added: 2837, mode: `MaxEncodedLen`)
	fn update_server() -> Weight {
		// Fastest run: 17_765 ns.
		Weight::from_parts(21_180_000, 3827)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Inference::Servers` (r:1 w:1)
	/// Proof: `Inference::Servers` (`max_values`: None, `max_size`: Some(362), added: 2837, mode: `MaxEncodedLen`)
	/// Storage: `Inference::OpenClaimsOf` (r:1 w:0)
	/// Proof: `Inference::OpenClaimsOf` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:1 w:1)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	fn unregister_server() -> Weight {
		// Fastest run: 22_333 ns.
		Weight::from_parts(26_695_000, 3866)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `Inference::Servers` (r:1 w:0)
	/// Proof: `Inference::Servers` (`max_values`: None, `max_size`: Some(362), added: 2837, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Channels` (r:1 w:1)
	/// Proof: `Inference::Channels` (`max_values`: None, `max_size`: Some(173), added: 2648, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	/// Storage: `Inference::NextChannelId` (r:1 w:1)
	/// Proof: `Inference::NextChannelId` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	fn open_channel() -> Weight {
		// Fastest run: 59_421 ns.
		Weight::from_parts(68_339_000, 3827)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	/// Storage: `Inference::Channels` (r:1 w:1)
	/// Proof: `Inference::Channels` (`max_values`: None, `max_size`: Some(173), added: 2648, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	fn top_up() -> Weight {
		// Fastest run: 58_361 ns.
		Weight::from_parts(63_458_000, 3638)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Inference::Channels` (r:1 w:1)
	/// Proof: `Inference::Channels` (`max_values`: None, `max_size`: Some(173), added: 2648, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Servers` (r:1 w:0)
	/// Proof: `Inference::Servers` (`max_values`: None, `max_size`: Some(362), added: 2837, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Params` (r:1 w:0)
	/// Proof: `Inference::Params` (`max_values`: Some(1), `max_size`: Some(28), added: 523, mode: `MaxEncodedLen`)
	fn close_channel() -> Weight {
		// Fastest run: 20_983 ns.
		Weight::from_parts(23_644_000, 3827)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Inference::Channels` (r:1 w:1)
	/// Proof: `Inference::Channels` (`max_values`: None, `max_size`: Some(173), added: 2648, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	fn withdraw() -> Weight {
		// Fastest run: 49_231 ns.
		Weight::from_parts(53_519_000, 3638)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Inference::Servers` (r:1 w:0)
	/// Proof: `Inference::Servers` (`max_values`: None, `max_size`: Some(362), added: 2837, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Channels` (r:1 w:1)
	/// Proof: `Inference::Channels` (`max_values`: None, `max_size`: Some(173), added: 2648, mode: `MaxEncodedLen`)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Proof: `System::BlockHash` (`max_values`: None, `max_size`: Some(44), added: 2519, mode: `MaxEncodedLen`)
	/// Storage: `ExpertDag::Blocks` (r:145 w:0)
	/// Proof: `ExpertDag::Blocks` (`max_values`: None, `max_size`: Some(480), added: 2955, mode: `MaxEncodedLen`)
	/// Storage: `Inference::NextClaimId` (r:1 w:1)
	/// Proof: `Inference::NextClaimId` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Inference::ToDraw` (r:1 w:1)
	/// Proof: `Inference::ToDraw` (`max_values`: Some(1), `max_size`: Some(2562), added: 3057, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:148 w:143)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Inference::OpenClaimsOf` (r:1 w:1)
	/// Proof: `Inference::OpenClaimsOf` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Inference::OpenClaims` (r:0 w:1)
	/// Proof: `Inference::OpenClaims` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// `u` ranges over `[1, 145]`.
	fn claim(u: u32, ) -> Weight {
		// Fastest run: 199_121 ns.
		Weight::from_parts(228_492_785, 8799)
			.saturating_add(Weight::from_parts(40_956_035, 0).saturating_mul(u.into()))
			.saturating_add(T::DbWeight::get().reads(10))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(u.into())))
			.saturating_add(T::DbWeight::get().writes(10))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(u.into())))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(u.into()))
	}
	/// Storage: `Inference::FreeUsers` (r:1 w:1)
	/// Proof: `Inference::FreeUsers` (`max_values`: None, `max_size`: Some(433), added: 2908, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	fn join_free_tier() -> Weight {
		// Fastest run: 53_087 ns.
		Weight::from_parts(62_227_000, 3898)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Inference::FreeUsers` (r:1 w:1)
	/// Proof: `Inference::FreeUsers` (`max_values`: None, `max_size`: Some(433), added: 2908, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	fn leave_free_tier() -> Weight {
		// Fastest run: 45_664 ns.
		Weight::from_parts(51_351_000, 3898)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Inference::Servers` (r:1 w:1)
	/// Proof: `Inference::Servers` (`max_values`: None, `max_size`: Some(362), added: 2837, mode: `MaxEncodedLen`)
	/// Storage: `Inference::FreeUsers` (r:1 w:1)
	/// Proof: `Inference::FreeUsers` (`max_values`: None, `max_size`: Some(433), added: 2908, mode: `MaxEncodedLen`)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Proof: `System::BlockHash` (`max_values`: None, `max_size`: Some(44), added: 2519, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Params` (r:1 w:0)
	/// Proof: `Inference::Params` (`max_values`: Some(1), `max_size`: Some(28), added: 523, mode: `MaxEncodedLen`)
	fn report_free_usage() -> Weight {
		// Fastest run: 64_009 ns.
		Weight::from_parts(72_837_000, 3898)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `Inference::Audits` (r:1 w:1)
	/// Proof: `Inference::Audits` (`max_values`: None, `max_size`: Some(259), added: 2734, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:1 w:1)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	fn commit_audit() -> Weight {
		// Fastest run: 38_629 ns.
		Weight::from_parts(45_325_000, 3866)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `Inference::Audits` (r:1 w:1)
	/// Proof: `Inference::Audits` (`max_values`: None, `max_size`: Some(259), added: 2734, mode: `MaxEncodedLen`)
	fn reveal_audit() -> Weight {
		// Fastest run: 28_671 ns.
		Weight::from_parts(34_816_000, 3724)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Inference::Audits` (r:1 w:1)
	/// Proof: `Inference::Audits` (`max_values`: None, `max_size`: Some(259), added: 2734, mode: `MaxEncodedLen`)
	/// Storage: `Inference::OpenClaims` (r:1 w:1)
	/// Proof: `Inference::OpenClaims` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Servers` (r:1 w:1)
	/// Proof: `Inference::Servers` (`max_values`: None, `max_size`: Some(362), added: 2837, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:4 w:4)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:6 w:6)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Params` (r:1 w:0)
	/// Proof: `Inference::Params` (`max_values`: Some(1), `max_size`: Some(28), added: 523, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:3 w:3)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Inference::OpenClaimsOf` (r:1 w:1)
	/// Proof: `Inference::OpenClaimsOf` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	fn settle_audit() -> Weight {
		// Fastest run: 373_169 ns.
		Weight::from_parts(403_743_000, 16608)
			.saturating_add(T::DbWeight::get().reads(19))
			.saturating_add(T::DbWeight::get().writes(18))
	}
	/// Storage: `Inference::Params` (r:0 w:1)
	/// Proof: `Inference::Params` (`max_values`: Some(1), `max_size`: Some(28), added: 523, mode: `MaxEncodedLen`)
	fn set_params() -> Weight {
		// Fastest run: 5_022 ns.
		Weight::from_parts(5_965_000, 0)
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Inference::ToDraw` (r:1 w:1)
	/// Proof: `Inference::ToDraw` (`max_values`: Some(1), `max_size`: Some(2562), added: 3057, mode: `MaxEncodedLen`)
	/// Storage: `Inference::OpenClaims` (r:64 w:0)
	/// Proof: `Inference::OpenClaims` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Params` (r:1 w:0)
	/// Proof: `Inference::Params` (`max_values`: Some(1), `max_size`: Some(28), added: 523, mode: `MaxEncodedLen`)
	/// Storage: `Workers::OnlineByRole` (r:1 w:0)
	/// Proof: `Workers::OnlineByRole` (`max_values`: None, `max_size`: Some(36875), added: 39350, mode: `MaxEncodedLen`)
	/// Storage: `Workers::Workers` (r:178 w:0)
	/// Proof: `Workers::Workers` (`max_values`: None, `max_size`: Some(421), added: 2896, mode: `MaxEncodedLen`)
	/// Storage: `Stake::Ledgers` (r:178 w:0)
	/// Proof: `Stake::Ledgers` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Audits` (r:0 w:64)
	/// Proof: `Inference::Audits` (`max_values`: None, `max_size`: Some(259), added: 2734, mode: `MaxEncodedLen`)
	/// `c` ranges over `[1, 64]`.
	fn draw_audits(c: u32, ) -> Weight {
		// Fastest run: 638_546 ns.
		Weight::from_parts(647_865_000, 40340)
			.saturating_add(Weight::from_parts(551_232_172, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().reads((7_u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes(1))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(c.into())))
			.saturating_add(Weight::from_parts(0, 8052).saturating_mul(c.into()))
	}
}

/// The same figures with ParityDB costs, for tests and mocks.
impl WeightInfo for () {
	fn register_server() -> Weight {
		Weight::from_parts(27_843_000, 3866)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn update_server() -> Weight {
		Weight::from_parts(21_180_000, 3827)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn unregister_server() -> Weight {
		Weight::from_parts(26_695_000, 3866)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn open_channel() -> Weight {
		Weight::from_parts(68_339_000, 3827)
			.saturating_add(ParityDbWeight::get().reads(5))
			.saturating_add(ParityDbWeight::get().writes(4))
	}
	fn top_up() -> Weight {
		Weight::from_parts(63_458_000, 3638)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn close_channel() -> Weight {
		Weight::from_parts(23_644_000, 3827)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn withdraw() -> Weight {
		Weight::from_parts(53_519_000, 3638)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn claim(u: u32, ) -> Weight {
		Weight::from_parts(228_492_785, 8799)
			.saturating_add(Weight::from_parts(40_956_035, 0).saturating_mul(u.into()))
			.saturating_add(ParityDbWeight::get().reads(10))
			.saturating_add(ParityDbWeight::get().reads((2_u64).saturating_mul(u.into())))
			.saturating_add(ParityDbWeight::get().writes(10))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(u.into())))
			.saturating_add(Weight::from_parts(0, 2955).saturating_mul(u.into()))
	}
	fn join_free_tier() -> Weight {
		Weight::from_parts(62_227_000, 3898)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn leave_free_tier() -> Weight {
		Weight::from_parts(51_351_000, 3898)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn report_free_usage() -> Weight {
		Weight::from_parts(72_837_000, 3898)
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn commit_audit() -> Weight {
		Weight::from_parts(45_325_000, 3866)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn reveal_audit() -> Weight {
		Weight::from_parts(34_816_000, 3724)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn settle_audit() -> Weight {
		Weight::from_parts(403_743_000, 16608)
			.saturating_add(ParityDbWeight::get().reads(19))
			.saturating_add(ParityDbWeight::get().writes(18))
	}
	fn set_params() -> Weight {
		Weight::from_parts(5_965_000, 0)
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn draw_audits(c: u32, ) -> Weight {
		Weight::from_parts(647_865_000, 40340)
			.saturating_add(Weight::from_parts(551_232_172, 0).saturating_mul(c.into()))
			.saturating_add(ParityDbWeight::get().reads(8))
			.saturating_add(ParityDbWeight::get().reads((7_u64).saturating_mul(c.into())))
			.saturating_add(ParityDbWeight::get().writes(1))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(c.into())))
			.saturating_add(Weight::from_parts(0, 8052).saturating_mul(c.into()))
	}
}
