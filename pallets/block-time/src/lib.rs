//! # BlockTime pallet
//!
//! The chain's block time: the length of an Aura slot, in milliseconds. It is chosen in the
//! genesis config ([`GenesisConfig::millis`], `blockTime.millis` in a chain spec's patch) and
//! fixed for the chain's life: Aura numbers slots by `timestamp / slot duration`, so changing it
//! on a running chain would move every later block into another slot and stop block production.
//! Hence no call sets it, and a chain whose genesis did not set it runs at
//! [`Config::DefaultMillis`].
//!
//! ## Why a genesis parameter
//! Production and the shipped testnet specs keep the default (6 s). Test chains choose a shorter
//! one: the end-to-end test and the zombienet network test spend most of their minutes waiting
//! for blocks, and a 2 s chain runs the same scenarios, with the same windows counted in blocks,
//! three times faster. Durations the runtime counts in blocks (its `MINUTES`, `DAYS`) shrink by
//! the same factor on such a chain.
//!
//! The runtime wires [`SlotMillis`] and [`MinimumPeriod`] into `pallet_aura` and
//! `pallet_timestamp`, so both read the same value.
//!
//! ## Invariants
//! 1. [`Millis`] is even (a timestamp period is half a slot) and within
//!    [`MIN_MILLIS`]..=[`MAX_MILLIS`].
//!
//! It is checked in `try_state`, which the unit tests run after every test.

#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;

pub mod migrations;
#[cfg(test)]
mod tests;

/// The shortest block time a genesis config may choose: below a second, a block's import and
/// GRANDPA's gossip no longer fit a slot on small machines.
pub const MIN_MILLIS: u64 = 1_000;
/// The longest block time a genesis config may choose.
pub const MAX_MILLIS: u64 = 60_000;

/// Whether `millis` is a block time a chain may be started with (see the invariants).
pub const fn is_valid(millis: u64) -> bool {
	millis.is_multiple_of(2) && millis >= MIN_MILLIS && millis <= MAX_MILLIS
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	/// The layout of this pallet's storage; [`crate::migrations`] moves older layouts to it.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The block time, in milliseconds, of a chain whose genesis config did not choose one.
		#[pallet::constant]
		type DefaultMillis: Get<u64>;
	}

	/// The block time in milliseconds, as the genesis config chose it (read through
	/// [`Pallet::millis`], which falls back to [`Config::DefaultMillis`]).
	#[pallet::storage]
	pub type Millis<T: Config> = StorageValue<_, u64, OptionQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The block time in milliseconds: even, from [`MIN_MILLIS`] to [`MAX_MILLIS`]; `None`
		/// keeps [`Config::DefaultMillis`].
		pub millis: Option<u64>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(millis) = self.millis {
				// A chain spec with a bad value must not start a chain that cannot produce blocks.
				assert!(
					is_valid(millis),
					"blockTime.millis must be even and within {MIN_MILLIS}..={MAX_MILLIS}, not {millis}"
				);
				Millis::<T>::put(millis);
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Every block's timestamp inherent and Aura's slot check read the block time; their
		/// weights do not count that read, so it is counted here (the value is then cached).
		fn on_initialize(_: BlockNumberFor<T>) -> Weight {
			T::DbWeight::get().reads(1)
		}

		fn integrity_test() {
			assert!(is_valid(T::DefaultMillis::get()), "DefaultMillis is not a valid block time");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	impl<T: Config> Pallet<T> {
		/// The chain's block time in milliseconds.
		pub fn millis() -> u64 {
			Millis::<T>::get().unwrap_or_else(T::DefaultMillis::get)
		}

		/// Checks the invariants (see the crate docs).
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			ensure!(is_valid(Self::millis()), "the block time is odd or out of range");
			Ok(())
		}
	}
}

/// Aura's slot duration (`pallet_aura::Config::SlotDuration`): the block time.
pub struct SlotMillis<T>(core::marker::PhantomData<T>);
impl<T: Config> frame_support::traits::Get<u64> for SlotMillis<T> {
	fn get() -> u64 {
		Pallet::<T>::millis()
	}
}

/// `pallet_timestamp::Config::MinimumPeriod`: half the block time, so that a timestamp can be at
/// most one per slot.
pub struct MinimumPeriod<T>(core::marker::PhantomData<T>);
impl<T: Config> frame_support::traits::Get<u64> for MinimumPeriod<T> {
	fn get() -> u64 {
		Pallet::<T>::millis() / 2
	}
}
