//! # Stake pallet
//!
//! The stake that keeps workers honest. A worker bonds funds, which stay in its own account under
//! a hold ([`HoldReason::Bonded`]): nothing but this pallet can release or move them. Bonded funds
//! are either *active* (they count for registration in the Workers pallet and can be committed
//! as job collateral) or *unlocking* (unbonded, waiting out [`Config::UnbondingPeriod`]).
//!
//! ## Calls
//! - [`Pallet::bond`]: hold more funds as active stake.
//! - [`Pallet::unbond`]: start unbonding part of the active stake (not the committed part).
//! - [`Pallet::withdraw_unbonded`]: release every unlocking chunk whose period is over.
//! - [`Pallet::slash`]: governance slash ([`Config::SlashOrigin`]).
//!
//! ## Slashing
//! Other pallets slash through [`aiblock_primitives::stake::Slash`]. A slash takes active stake
//! first, then unlocking chunks, newest first (the funds most recently pulled out are the likeliest
//! attempt to escape a verdict): unbonding is no escape. Of what is taken, the reporter (if any)
//! receives [`Config::ReporterShare`]; the rest goes to [`Config::OnSlash`] (the runtime sends it
//! to the treasury; `()` burns it).
//!
//! ## Collateral
//! [`aiblock_primitives::stake::StakeCollateral`] commits part of the active stake to a job; it
//! cannot be unbonded until released. It is bookkeeping only: the funds stay under the same hold.
//! A slash may take committed stake; the commitment stays until the job releases it, so what the
//! account bonds next backs its open jobs first (the uncommitted stake is `active − committed`,
//! never below zero). Otherwise a worker slashed by governance could bond again and commit the
//! same stake to new jobs while its old ones still count on it.
//!
//! ## Invariants
//! For every account with a ledger:
//! 1. the balance held under [`HoldReason::Bonded`] equals `active + Σ unlocking`;
//! 2. the ledger is not empty (no active, unlocking or committed stake: it is removed);
//! 3. unlocking chunks are non-zero and strictly increasing in unlock block.
//!
//! They are checked in `try_state`, which the unit tests run after every test.

#![cfg_attr(not(feature = "std"), no_std)]

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

use aiblock_primitives::stake::{Slash, SlashReason, StakeCollateral, StakeInspect};
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{self, Balanced, BalancedHold, Credit, Inspect, MutateHold},
		tokens::{Fortitude, Precision, Preservation},
		Imbalance, OnUnbalanced,
	},
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{Saturating, Zero},
	Perbill,
};

/// The balance type of the configured currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// Slashed funds on their way to the reporter and [`Config::OnSlash`].
pub type CreditOf<T> = Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;

/// Funds that were unbonded and become withdrawable at `unlock_at`.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct UnlockChunk<Balance, BlockNumber> {
	pub value: Balance,
	pub unlock_at: BlockNumber,
}

/// One account's stake. All of `active + Σ unlocking` is held under [`HoldReason::Bonded`].
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
#[scale_info(skip_type_params(T))]
pub struct StakeLedger<T: Config> {
	/// Bonded and not unbonding.
	pub active: BalanceOf<T>,
	/// The part of `active` locked as job collateral.
	pub committed: BalanceOf<T>,
	/// Unbonded funds waiting for their unlock block, oldest first.
	pub unlocking: BoundedVec<UnlockChunk<BalanceOf<T>, BlockNumberFor<T>>, T::MaxUnlockingChunks>,
}

impl<T: Config> StakeLedger<T> {
	fn empty() -> Self {
		Self { active: Zero::zero(), committed: Zero::zero(), unlocking: BoundedVec::new() }
	}

	/// Everything held for this ledger.
	pub fn total(&self) -> BalanceOf<T> {
		self.unlocking.iter().fold(self.active, |sum, c| sum.saturating_add(c.value))
	}

	fn is_empty(&self) -> bool {
		self.active.is_zero() && self.unlocking.is_empty() && self.committed.is_zero()
	}

	/// Reduce the ledger by up to `amount` (active first, then the newest chunks); returns what
	/// was taken.
	fn slash(&mut self, amount: BalanceOf<T>) -> BalanceOf<T> {
		let from_active = amount.min(self.active);
		self.active -= from_active;
		let mut left = amount - from_active;
		for chunk in self.unlocking.iter_mut().rev() {
			if left.is_zero() {
				break;
			}
			let take = left.min(chunk.value);
			chunk.value -= take;
			left -= take;
		}
		self.unlocking.retain(|c| !c.value.is_zero());
		amount - left
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The layout of this pallet's storage; [`crate::migrations`] moves older layouts to it.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency stake is held in.
		type Currency: fungible::Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ BalancedHold<Self::AccountId>;

		/// The runtime's hold reasons, of which [`HoldReason`] is part.
		type RuntimeHoldReason: From<HoldReason>;

		/// The smallest active stake an account may keep (or zero). Stops dust ledgers.
		#[pallet::constant]
		type MinBond: Get<BalanceOf<Self>>;

		/// Blocks between `unbond` and the funds becoming withdrawable. Must exceed the longest a
		/// verdict on a worker's work can take, so that a cheater cannot unbond and leave first.
		#[pallet::constant]
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// Unlocking chunks one account may have at once; `withdraw_unbonded` frees them.
		#[pallet::constant]
		type MaxUnlockingChunks: Get<u32>;

		/// The share of a slash paid to the reporter who proved the fault.
		#[pallet::constant]
		type ReporterShare: Get<Perbill>;

		/// Where the rest of slashed funds go: the treasury, or `()` to burn them.
		type OnSlash: OnUnbalanced<CreditOf<Self>>;

		/// Who may slash by decision rather than by proof (governance).
		type SlashOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Bonded stake (active or unlocking).
		#[codec(index = 0)]
		Bonded,
	}

	/// The stake of every account that has some.
	#[pallet::storage]
	pub type Ledgers<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, StakeLedger<T>, OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `amount` was added to `who`'s active stake.
		Bonded { who: T::AccountId, amount: BalanceOf<T> },
		/// `amount` of `who`'s active stake started unbonding; withdrawable at `unlock_at`.
		Unbonded { who: T::AccountId, amount: BalanceOf<T>, unlock_at: BlockNumberFor<T> },
		/// Unbonded funds were released to `who`.
		Withdrawn { who: T::AccountId, amount: BalanceOf<T> },
		/// `amount` of `who`'s stake was slashed; `reporter_reward` of it went to the reporter.
		Slashed {
			who: T::AccountId,
			amount: BalanceOf<T>,
			reason: SlashReason,
			reporter: Option<T::AccountId>,
			reporter_reward: BalanceOf<T>,
		},
		/// `amount` of `who`'s active stake was locked as job collateral.
		CollateralCommitted { who: T::AccountId, amount: BalanceOf<T> },
		/// `amount` of `who`'s collateral was unlocked.
		CollateralReleased { who: T::AccountId, amount: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The amount is zero.
		ZeroAmount,
		/// The free balance cannot cover the amount (the existential deposit stays free).
		InsufficientBalance,
		/// The active stake would end between zero and `MinBond`.
		BelowMinBond,
		/// The account has no stake.
		NotBonded,
		/// More than the uncommitted active stake was asked for (committed collateral cannot be
		/// unbonded or committed twice).
		InsufficientUncommittedStake,
		/// No unlocking chunk has reached its unlock block yet.
		NothingToWithdraw,
		/// Too many unlocking chunks; withdraw the unlocked ones or wait.
		TooManyUnlockingChunks,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Hold `amount` more of the caller's free balance as active stake.
		///
		/// The resulting active stake must be at least `MinBond`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::bond())]
		pub fn bond(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let mut ledger = Ledgers::<T>::get(&who).unwrap_or_else(StakeLedger::empty);
			let active = ledger.active.saturating_add(amount);
			ensure!(active >= T::MinBond::get(), Error::<T>::BelowMinBond);
			// Same test the hold makes, so the refusal has our name.
			ensure!(
				amount
					<= T::Currency::reducible_balance(
						&who,
						Preservation::Protect,
						Fortitude::Force
					),
				Error::<T>::InsufficientBalance
			);
			T::Currency::hold(&HoldReason::Bonded.into(), &who, amount)?;
			ledger.active = active;
			Ledgers::<T>::insert(&who, ledger);
			Self::deposit_event(Event::Bonded { who, amount });
			Ok(())
		}

		/// Start unbonding `amount` of the caller's uncommitted active stake. It stays held (and
		/// slashable) for `UnbondingPeriod` blocks, then `withdraw_unbonded` releases it.
		///
		/// What remains active must be zero or at least `MinBond`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let mut ledger = Ledgers::<T>::get(&who).ok_or(Error::<T>::NotBonded)?;
			ensure!(
				amount <= ledger.active.saturating_sub(ledger.committed),
				Error::<T>::InsufficientUncommittedStake
			);
			let active = ledger.active - amount;
			ensure!(active.is_zero() || active >= T::MinBond::get(), Error::<T>::BelowMinBond);
			let unlock_at =
				frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
			match ledger.unlocking.last_mut() {
				// Two unbonds in one block share a chunk.
				Some(last) if last.unlock_at == unlock_at => {
					last.value = last.value.saturating_add(amount)
				},
				_ => ledger
					.unlocking
					.try_push(UnlockChunk { value: amount, unlock_at })
					.map_err(|_| Error::<T>::TooManyUnlockingChunks)?,
			}
			ledger.active = active;
			Ledgers::<T>::insert(&who, ledger);
			Self::deposit_event(Event::Unbonded { who, amount, unlock_at });
			Ok(())
		}

		/// Release every unlocking chunk of the caller whose unlock block has come.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded(T::MaxUnlockingChunks::get()))]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let mut ledger = Ledgers::<T>::get(&who).ok_or(Error::<T>::NotBonded)?;
			let chunks = ledger.unlocking.len() as u32;
			let now = frame_system::Pallet::<T>::block_number();
			let mut amount = BalanceOf::<T>::zero();
			ledger.unlocking.retain(|c| {
				let ripe = c.unlock_at <= now;
				if ripe {
					amount = amount.saturating_add(c.value);
				}
				!ripe
			});
			ensure!(!amount.is_zero(), Error::<T>::NothingToWithdraw);
			T::Currency::release(&HoldReason::Bonded.into(), &who, amount, Precision::Exact)?;
			Self::store(&who, ledger);
			Self::deposit_event(Event::Withdrawn { who, amount });
			Ok(Some(T::WeightInfo::withdraw_unbonded(chunks)).into())
		}

		/// Slash up to `amount` of `who`'s stake by decision of [`Config::SlashOrigin`], paying the
		/// reporter share to `reporter` if given.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::slash())]
		pub fn slash(
			origin: OriginFor<T>,
			who: T::AccountId,
			#[pallet::compact] amount: BalanceOf<T>,
			reporter: Option<T::AccountId>,
		) -> DispatchResult {
			T::SlashOrigin::ensure_origin(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			ensure!(Ledgers::<T>::contains_key(&who), Error::<T>::NotBonded);
			Self::do_slash(
				&who,
				amount,
				SlashReason::Governance,
				reporter.as_ref(),
				T::ReporterShare::get(),
			);
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Write `ledger`, or remove it when nothing is left in it.
	fn store(who: &T::AccountId, ledger: StakeLedger<T>) {
		if ledger.is_empty() {
			Ledgers::<T>::remove(who);
		} else {
			Ledgers::<T>::insert(who, ledger);
		}
	}

	fn do_slash(
		who: &T::AccountId,
		amount: BalanceOf<T>,
		reason: SlashReason,
		reporter: Option<&T::AccountId>,
		reporter_share: Perbill,
	) -> (BalanceOf<T>, BalanceOf<T>) {
		let Some(mut ledger) = Ledgers::<T>::get(who) else {
			return (Zero::zero(), Zero::zero());
		};
		let taken = ledger.slash(amount);
		if taken.is_zero() {
			return (taken, Zero::zero());
		}
		let (credit, _not_held) = T::Currency::slash(&HoldReason::Bonded.into(), who, taken);
		Self::store(who, ledger);

		let reward = reporter_share * credit.peek();
		let (to_reporter, rest) = credit.split(reward);
		let (paid, rest) = match reporter {
			Some(reporter) if !to_reporter.peek().is_zero() => {
				match T::Currency::resolve(reporter, to_reporter) {
					Ok(()) => (reward, rest),
					// The reporter's account cannot take it (e.g. below the existential deposit).
					Err(unpaid) => (Zero::zero(), rest.merge(unpaid)),
				}
			},
			_ => (Zero::zero(), rest.merge(to_reporter)),
		};
		T::OnSlash::on_unbalanced(rest);
		Self::deposit_event(Event::Slashed {
			who: who.clone(),
			amount: taken,
			reason,
			reporter: reporter.cloned(),
			reporter_reward: paid,
		});
		(taken, paid)
	}

	/// Check the invariants listed in the crate documentation (`try_state`, and tests of the
	/// runtime that embeds this pallet).
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		for (who, ledger) in Ledgers::<T>::iter() {
			ensure!(!ledger.is_empty(), "empty ledger kept in storage");
			ensure!(
				<T::Currency as fungible::InspectHold<_>>::balance_on_hold(
					&HoldReason::Bonded.into(),
					&who
				) == ledger.total(),
				"held balance differs from active + unlocking"
			);
			ensure!(
				ledger.unlocking.iter().all(|c| !c.value.is_zero()),
				"zero-valued unlocking chunk"
			);
			ensure!(
				ledger.unlocking.windows(2).all(|w| w[0].unlock_at < w[1].unlock_at),
				"unlocking chunks out of order"
			);
		}
		Ok(())
	}
}

impl<T: Config> StakeInspect<T::AccountId> for Pallet<T> {
	type Balance = BalanceOf<T>;

	fn active_stake(who: &T::AccountId) -> BalanceOf<T> {
		Ledgers::<T>::get(who).map(|l| l.active).unwrap_or_default()
	}

	fn uncommitted_stake(who: &T::AccountId) -> BalanceOf<T> {
		Ledgers::<T>::get(who).map(|l| l.active.saturating_sub(l.committed)).unwrap_or_default()
	}
}

impl<T: Config> StakeCollateral<T::AccountId> for Pallet<T> {
	fn commit(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		Ledgers::<T>::try_mutate(who, |maybe| {
			let ledger = maybe.as_mut().ok_or(Error::<T>::NotBonded)?;
			ensure!(
				amount <= ledger.active.saturating_sub(ledger.committed),
				Error::<T>::InsufficientUncommittedStake
			);
			ledger.committed = ledger.committed.saturating_add(amount);
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::CollateralCommitted { who: who.clone(), amount });
		Ok(())
	}

	fn release(who: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
		// A commitment can outlive the stake a slash took: releasing it may empty the ledger.
		let released = Ledgers::<T>::mutate_exists(who, |maybe| {
			let Some(ledger) = maybe else { return Zero::zero() };
			let released = amount.min(ledger.committed);
			ledger.committed -= released;
			if ledger.is_empty() {
				*maybe = None;
			}
			released
		});
		if !released.is_zero() {
			Self::deposit_event(Event::CollateralReleased { who: who.clone(), amount: released });
		}
		released
	}
}

impl<T: Config> Slash<T::AccountId> for Pallet<T> {
	fn slash(
		who: &T::AccountId,
		amount: BalanceOf<T>,
		reason: SlashReason,
		reporter: Option<&T::AccountId>,
	) -> BalanceOf<T> {
		Self::do_slash(who, amount, reason, reporter, T::ReporterShare::get()).0
	}

	fn slash_to(
		who: &T::AccountId,
		amount: BalanceOf<T>,
		reason: SlashReason,
		to: &T::AccountId,
	) -> BalanceOf<T> {
		Self::do_slash(who, amount, reason, Some(to), Perbill::one()).1
	}
}
