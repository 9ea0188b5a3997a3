//! # LearningRewards pallet
//!
//! The network pays for learning, not only job posters: every adoption mints a learning reward
//! for its trainer, its honest evaluators and the proposers of the datasets it trained on, and
//! every authored block earns its validator a share, all out of a per-era budget bounded by an
//! annual inflation cap. The schedule and its proof are in [`aiblock_primitives::rewards`]:
//!
//! - eras of [`Config::EraLength`] blocks, years of [`Config::ErasPerYear`] eras;
//! - the issuance `I_y` is recorded when year `y` starts, and each era of it may mint
//!   `⌊⌊cap × I_y⌋ / eras_per_year⌋`, so the year mints at most `cap × I_y`
//!   ([`Config::InflationCap`], 10 % in the runtime) and `I_y ≤ I_0 × (1 + cap)^y`;
//! - [`Config::ValidatorShare`] of an era's budget pays its block authors when the era ends, by
//!   the blocks each authored out of the era's length; the rest pays adoptions as they happen
//!   ([`LearningRewards::reward_adoption`]), first come, until it runs out;
//! - what an era does not spend (missed slots, too few adoptions) is never minted.
//!
//! Transaction fees are burnt by the runtime (`pallet_transaction_payment`'s adapter has no
//! destination); job protocol fees and slashes go to the treasury. Neither feeds this budget:
//! issuance only grows through this pallet.
//!
//! ## Invariants
//! 1. The current year's minted total is at most `cap × I_y`.
//! 2. The current era's paid learning rewards are at most its learning budget.
//! 3. The blocks counted for authors in the current era are at most [`Config::EraLength`].
//!
//! They are checked in `try_state`, which the unit tests run after every test.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use aiblock_primitives::{
	dag::Score,
	rewards::{era_budget, scale_by_gain, LearningRewards, RewardCause, RewardSplit, Rewardees},
	Balance,
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*,
	traits::{fungible, FindAuthor},
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{SaturatedConversion, Saturating},
	Perbill, Rounding,
};

/// The budget of the era under way.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct EraInfo {
	/// `block number / EraLength`.
	pub index: u32,
	/// What adoptions may be paid in this era.
	pub learning_budget: Balance,
	/// What adoptions were paid so far.
	pub learning_paid: Balance,
	/// What the era's block authors share when it ends.
	pub authors_budget: Balance,
}

/// The year under way: the issuance its budgets are computed from.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct YearInfo {
	/// `era index / ErasPerYear`.
	pub index: u32,
	/// The total issuance when the year's first era started.
	pub issuance: Balance,
	/// What this pallet minted in the year so far.
	pub minted: Balance,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The pallet's storage layout version (the first one).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The native currency, which rewards are minted in.
		type Currency: fungible::Mutate<Self::AccountId, Balance = Balance>;

		/// Blocks per era.
		#[pallet::constant]
		type EraLength: Get<BlockNumberFor<Self>>;

		/// Eras per year: the year's issuance is recorded when its first era starts.
		#[pallet::constant]
		type ErasPerYear: Get<u32>;

		/// The most a year may mint, as a share of the issuance when it started.
		#[pallet::constant]
		type InflationCap: Get<Perbill>;

		/// The block authors' share of each era's budget.
		#[pallet::constant]
		type ValidatorShare: Get<Perbill>;

		/// The honest evaluators' share of an adoption's reward.
		#[pallet::constant]
		type EvaluatorShare: Get<Perbill>;

		/// The dataset proposers' share of an adoption's reward.
		#[pallet::constant]
		type DataShare: Get<Perbill>;

		/// The reward of an adoption whose gain is exactly the model's delta.
		#[pallet::constant]
		type AdoptionReward: Get<Balance>;

		/// The most an adoption earns, in multiples of [`Config::AdoptionReward`].
		#[pallet::constant]
		type MaxAdoptionMultiple: Get<u32>;

		/// The author of the block being built.
		type FindAuthor: FindAuthor<Self::AccountId>;

		/// Most distinct authors counted in one era (the most validators the chain has);
		/// blocks of further authors earn nothing.
		#[pallet::constant]
		type MaxAuthors: Get<u32>;

		/// Weights of the pallet's hook and trait functions (it has no calls).
		type WeightInfo: WeightInfo;
	}

	/// The era under way (none before the first block).
	#[pallet::storage]
	pub type CurrentEra<T: Config> = StorageValue<_, EraInfo, OptionQuery>;

	/// The year under way (none before the first block).
	#[pallet::storage]
	pub type CurrentYear<T: Config> = StorageValue<_, YearInfo, OptionQuery>;

	/// The blocks each author produced in the era under way.
	#[pallet::storage]
	pub type Authored<T: Config> =
		StorageValue<_, BoundedVec<(T::AccountId, u32), T::MaxAuthors>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Year `year` started with `issuance` in existence: each of its eras may mint up to
		/// `era_budget`.
		YearStarted { year: u32, issuance: Balance, era_budget: Balance },
		/// Era `era` started: adoptions may be paid `learning_budget`, and its block authors
		/// share `authors_budget` when it ends.
		EraStarted { era: u32, learning_budget: Balance, authors_budget: Balance },
		/// Era `era` ended; `unspent` of its budget was never minted.
		EraEnded { era: u32, unspent: Balance },
		/// `who` was paid `amount` of the learning reward for `cause`.
		LearningRewardPaid { cause: RewardCause, who: T::AccountId, amount: Balance },
		/// `author` was paid `amount` for the `blocks` it authored in era `era`.
		AuthorRewarded { era: u32, author: T::AccountId, blocks: u32, amount: Balance },
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let era = Self::era_of(now);
			// Finding the author reads the digest and the authority set.
			let mut weight =
				T::WeightInfo::note_author().saturating_add(T::DbWeight::get().reads(2));
			match CurrentEra::<T>::get() {
				Some(current) if current.index == era => {},
				current => {
					let authors = Authored::<T>::decode_len().unwrap_or(0) as u32;
					weight.saturating_accrue(
						T::WeightInfo::new_era(authors).saturating_add(T::DbWeight::get().reads(1)),
					);
					if let Some(ended) = current {
						Self::end_era(ended);
					}
					Self::start_era(era);
				},
			}
			let digest = frame_system::Pallet::<T>::digest();
			let pre_runtime = digest.logs.iter().filter_map(|d| d.as_pre_runtime());
			if let Some(author) = T::FindAuthor::find_author(pre_runtime) {
				Self::note_author(author);
			}
			weight
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The era block `n` belongs to.
	pub fn era_of(n: BlockNumberFor<T>) -> u32 {
		let length = T::EraLength::get().saturated_into::<u32>().max(1);
		n.saturated_into::<u32>() / length
	}

	fn split() -> RewardSplit {
		RewardSplit {
			validators: T::ValidatorShare::get(),
			evaluators: T::EvaluatorShare::get(),
			data: T::DataShare::get(),
		}
	}

	/// Start era `era`: a new year when it is the first of one (or the first ever), and the
	/// era's budget from that year's issuance.
	pub(crate) fn start_era(era: u32) {
		let eras_per_year = T::ErasPerYear::get().max(1);
		let year_index = era / eras_per_year;
		let cap = T::InflationCap::get();
		let year = match CurrentYear::<T>::get() {
			Some(year) if year.index == year_index => year,
			_ => {
				let issuance = <T::Currency as fungible::Inspect<_>>::total_issuance();
				let year = YearInfo { index: year_index, issuance, minted: 0 };
				CurrentYear::<T>::put(&year);
				Self::deposit_event(Event::YearStarted {
					year: year_index,
					issuance,
					era_budget: era_budget(issuance, cap, eras_per_year),
				});
				year
			},
		};
		let (learning_budget, authors_budget) =
			Self::split().era(era_budget(year.issuance, cap, eras_per_year));
		CurrentEra::<T>::put(EraInfo {
			index: era,
			learning_budget,
			learning_paid: 0,
			authors_budget,
		});
		Self::deposit_event(Event::EraStarted { era, learning_budget, authors_budget });
	}

	/// End `era`: pay its authors by the blocks each produced, and say what was left unminted.
	pub(crate) fn end_era(era: EraInfo) {
		let length = T::EraLength::get().saturated_into::<u128>().max(1);
		let mut paid = era.learning_paid;
		for (author, blocks) in Authored::<T>::take() {
			let amount = multiply_by_rational_with_rounding(
				era.authors_budget,
				blocks.into(),
				length,
				Rounding::Down,
			)
			.unwrap_or(0);
			let minted = Self::mint(&author, amount);
			paid.saturating_accrue(minted);
			if minted > 0 {
				Self::deposit_event(Event::AuthorRewarded {
					era: era.index,
					author,
					blocks,
					amount: minted,
				});
			}
		}
		let budget = era.learning_budget.saturating_add(era.authors_budget);
		Self::deposit_event(Event::EraEnded {
			era: era.index,
			unspent: budget.saturating_sub(paid),
		});
	}

	/// Count one block for `author` in the era under way.
	pub(crate) fn note_author(author: T::AccountId) {
		Authored::<T>::mutate(|authored| {
			if let Some((_, blocks)) = authored.iter_mut().find(|(who, _)| *who == author) {
				blocks.saturating_inc();
			} else {
				// More authors than the bound: this block earns nothing (unminted).
				let _ = authored.try_push((author, 1));
			}
		});
	}

	/// Mint `amount` to `who`, counting it in the year; returns what was minted (nothing when
	/// the account cannot receive it, e.g. below the existential deposit).
	fn mint(who: &T::AccountId, amount: Balance) -> Balance {
		if amount == 0 {
			return 0;
		}
		match <T::Currency as fungible::Mutate<_>>::mint_into(who, amount) {
			Ok(minted) => {
				CurrentYear::<T>::mutate(|year| {
					if let Some(year) = year {
						year.minted.saturating_accrue(minted);
					}
				});
				minted
			},
			Err(_) => 0,
		}
	}

	/// Check the invariants listed in the crate documentation (`try_state`, and tests of the
	/// runtime that embeds this pallet).
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		if let Some(year) = CurrentYear::<T>::get() {
			ensure!(
				year.minted <= T::InflationCap::get().mul_floor(year.issuance),
				"the year minted more than the inflation cap"
			);
		}
		if let Some(era) = CurrentEra::<T>::get() {
			ensure!(era.learning_paid <= era.learning_budget, "an era paid more than its budget");
		}
		let blocks: u64 = Authored::<T>::get().iter().map(|(_, b)| u64::from(*b)).sum();
		ensure!(
			blocks <= T::EraLength::get().saturated_into::<u64>(),
			"more authored blocks than the era has"
		);
		Ok(())
	}
}

impl<T: Config> LearningRewards<T::AccountId> for Pallet<T> {
	fn reward_adoption(
		cause: RewardCause,
		gain: Score,
		delta: Score,
		cap: Balance,
		to: Rewardees<T::AccountId>,
	) -> Balance {
		let Some(mut era) = CurrentEra::<T>::get() else { return 0 };
		let earned =
			scale_by_gain(T::AdoptionReward::get(), T::MaxAdoptionMultiple::get(), gain, delta);
		let reward = earned.min(cap).min(era.learning_budget.saturating_sub(era.learning_paid));
		if reward == 0 {
			return 0;
		}
		let parts: alloc::vec::Vec<u32> = to.datasets.iter().map(|(_, parts)| *parts).collect();
		let (trainer, each, data) = Self::split().adoption(reward, to.evaluators.len(), &parts);
		let payments = core::iter::once((to.trainer, trainer))
			.chain(to.evaluators.iter().map(|who| (who, each)))
			.chain(to.datasets.iter().map(|(who, _)| who).zip(data));
		let mut minted = 0;
		for (who, amount) in payments {
			let paid = Self::mint(who, amount);
			if paid > 0 {
				minted.saturating_accrue(paid);
				Self::deposit_event(Event::LearningRewardPaid {
					cause,
					who: who.clone(),
					amount: paid,
				});
			}
		}
		era.learning_paid.saturating_accrue(minted);
		CurrentEra::<T>::put(era);
		minted
	}

	fn reward_weight(evaluators: u32, datasets: u32) -> Weight {
		T::WeightInfo::reward_adoption(evaluators, datasets)
	}
}
