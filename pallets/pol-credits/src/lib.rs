//! # PolCredits pallet
//!
//! Proof-of-Learning credits: a non-transferable measure of what an account has contributed to
//! the model. They are minted only by the pallets that judge contributions, through
//! [`MintCredits`] (the runtime wires Jobs and Datasets to it), and locked or spent only by the
//! pallets where merit buys influence, through [`SpendCredits`] (Evolution's endorsements and
//! capacity reservations). This pallet has no calls: no account can move, buy or sell credits.
//!
//! ## What earns credits
//! Each [`Contribution`] earns a runtime constant (the seed's table by default):
//!
//! | Contribution | Credits | Proven by |
//! |---|---|---|
//! | [`Contribution::Adoption`] | [`Config::AdoptionCredits`] × gain / delta, at most [`Config::MaxAdoptionMultiple`] times | a quorum's median score, bit-exact replays |
//! | [`Contribution::Evaluation`] | [`Config::EvaluationCredits`] | an attestation an adoption's verdict found honest (not on a job left unadopted: a junk submission must not buy its own panel credits) |
//! | [`Contribution::FraudProven`] | [`Config::FraudCredits`], shared by the provers | the trainer's slash for a refuted or unreplayable claim |
//! | [`Contribution::Audit`] | [`Config::AuditCredits`] | an audit report equal to the panel's median |
//! | [`Contribution::GoldDataset`] | [`Config::GoldDatasetCredits`] | the workers' vote approving a dataset at Gold |
//! | [`Contribution::MigrationPromoted`] | [`Config::MigrationCredits`] | an evolution epoch promoting the proposal's grown model |
//! | [`Contribution::EpochTraining`] | [`Config::AdoptionCredits`] × [`Config::MaxAdoptionMultiple`] | the same promotion, for its trainer |
//! | [`Contribution::EpochEvaluation`] | [`Config::EvaluationCredits`] | a benchmark the epoch's verdict found honest |
//! | [`Contribution::EpochFraudProven`] | [`Config::FraudCredits`] | a failed replay that the epoch's verdict upheld |
//!
//! An adoption is scaled by its gain so that a candidate which barely clears the model's delta
//! earns the base amount and a large improvement earns more, up to a cap that keeps a single
//! lucky job from outweighing a long record.
//!
//! ## No decay
//! Credits do not decay. Each one was paid for with verified work (and, for evaluations and
//! audits, stake at risk), and the only use of credits is locking them for a while, which
//! returns them. A decay would need either a sweep over every account (unbounded) or a lazily
//! applied rate, which makes the total depend on when accounts are touched and the invariant
//! below uncheckable. The spending pallets can weigh recent merit themselves if they need to.
//!
//! ## Invariants
//! 1. [`Total`] equals the sum of `free + locked` over [`Accounts`].
//! 2. No account entry is empty (an account with no credits has no entry).
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

pub use aiblock_primitives::credits::{
	Contribution, CreditAccount, Credits, MintCredits, SpendCredits,
};
use aiblock_primitives::rewards::scale_by_gain;
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The pallet's storage layout version (the first one).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The seed's table, for the unit tests of this pallet and of the pallets that mint.
	pub mod config_preludes {
		use super::*;
		use aiblock_primitives::credits::seed_table;
		use frame_support::{derive_impl, traits::ConstU64};

		pub struct TestDefaultConfig;

		#[derive_impl(frame_system::config_preludes::TestDefaultConfig, no_aggregated_types)]
		impl frame_system::DefaultConfig for TestDefaultConfig {}

		#[frame_support::register_default_impl(TestDefaultConfig)]
		impl DefaultConfig for TestDefaultConfig {
			type AdoptionCredits = ConstU64<{ seed_table::ADOPTION }>;
			type MaxAdoptionMultiple = ConstU32<{ seed_table::MAX_ADOPTION_MULTIPLE }>;
			type EvaluationCredits = ConstU64<{ seed_table::EVALUATION }>;
			type FraudCredits = ConstU64<{ seed_table::FRAUD }>;
			type AuditCredits = ConstU64<{ seed_table::EVALUATION }>;
			type GoldDatasetCredits = ConstU64<{ seed_table::GOLD_DATASET }>;
			type MigrationCredits = ConstU64<{ seed_table::MIGRATION }>;
			type WeightInfo = ();
		}
	}

	#[pallet::config(with_default)]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Credits for an adopted candidate whose gain is exactly the model's delta.
		#[pallet::constant]
		type AdoptionCredits: Get<Credits>;

		/// The most an adoption earns, in multiples of [`Config::AdoptionCredits`].
		#[pallet::constant]
		type MaxAdoptionMultiple: Get<u32>;

		/// Credits for an honest evaluation.
		#[pallet::constant]
		type EvaluationCredits: Get<Credits>;

		/// Credits for proving a trainer's fraud (on top of the honest evaluation).
		#[pallet::constant]
		type FraudCredits: Get<Credits>;

		/// Credits for an honest dataset audit.
		#[pallet::constant]
		type AuditCredits: Get<Credits>;

		/// Credits for proposing a dataset approved at the Gold tier.
		#[pallet::constant]
		type GoldDatasetCredits: Get<Credits>;

		/// Credits for proposing a migration an evolution epoch promoted.
		#[pallet::constant]
		type MigrationCredits: Get<Credits>;

		/// Weights of the pallet's trait functions (it has no calls).
		type WeightInfo: WeightInfo;
	}

	/// Every account that holds credits.
	#[pallet::storage]
	pub type Accounts<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, CreditAccount, ValueQuery>;

	/// Credits in existence, free and locked.
	#[pallet::storage]
	pub type Total<T: Config> = StorageValue<_, Credits, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `amount` credits were minted to `who` for `cause`.
		Minted { who: T::AccountId, amount: Credits, cause: Contribution },
		/// `amount` of `who`'s free credits were locked.
		Locked { who: T::AccountId, amount: Credits },
		/// `amount` of `who`'s locked credits returned to free.
		Unlocked { who: T::AccountId, amount: Credits },
		/// `amount` of `who`'s locked credits were spent (destroyed).
		Spent { who: T::AccountId, amount: Credits },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The amount is zero.
		ZeroAmount,
		/// The account has fewer free credits than asked for.
		InsufficientCredits,
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
	/// What `contribution` earns under the runtime's table.
	pub fn credits_for(contribution: &Contribution) -> Credits {
		match *contribution {
			Contribution::Adoption { gain, delta, .. } => adoption_credits(
				T::AdoptionCredits::get(),
				T::MaxAdoptionMultiple::get(),
				gain,
				delta,
			),
			Contribution::Evaluation { .. } => T::EvaluationCredits::get(),
			// One fraud's credits, shared by the evaluators who proved it.
			Contribution::FraudProven { provers, .. } => {
				T::FraudCredits::get() / Credits::from(provers.max(1))
			},
			Contribution::Audit { .. } => T::AuditCredits::get(),
			Contribution::GoldDataset { .. } => T::GoldDatasetCredits::get(),
			Contribution::MigrationPromoted { .. } => T::MigrationCredits::get(),
			// The trainer of a promoted model earns what the best adoption earns.
			Contribution::EpochTraining { .. } => {
				T::AdoptionCredits::get().saturating_mul(T::MaxAdoptionMultiple::get().into())
			},
			Contribution::EpochEvaluation { .. } => T::EvaluationCredits::get(),
			Contribution::EpochFraudProven { provers, .. } => {
				T::FraudCredits::get() / Credits::from(provers.max(1))
			},
		}
	}

	/// `who`'s credits (zero when it has none).
	pub fn credits(who: &T::AccountId) -> CreditAccount {
		Accounts::<T>::get(who)
	}

	/// Credits in existence.
	pub fn total() -> Credits {
		Total::<T>::get()
	}

	/// Write `account`, or remove the entry when it holds nothing.
	fn store(who: &T::AccountId, account: CreditAccount) {
		if account.is_empty() {
			Accounts::<T>::remove(who);
		} else {
			Accounts::<T>::insert(who, account);
		}
	}

	/// Check the invariants listed in the crate documentation (`try_state`, and tests of the
	/// runtime that embeds this pallet).
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut sum: u128 = 0;
		for (_, account) in Accounts::<T>::iter() {
			ensure!(!account.is_empty(), "an empty credit account is kept in storage");
			sum += u128::from(account.free) + u128::from(account.locked);
		}
		ensure!(sum == u128::from(Total::<T>::get()), "total differs from the sum of accounts");
		Ok(())
	}
}

/// Credits for an adoption with `gain` where the model asks for `delta`: `base × gain / delta`,
/// between `base` and `max_multiple × base` ([`scale_by_gain`]).
pub fn adoption_credits(base: Credits, max_multiple: u32, gain: u32, delta: u32) -> Credits {
	Credits::try_from(scale_by_gain(base.into(), max_multiple, gain, delta)).unwrap_or(Credits::MAX)
}

impl<T: Config> MintCredits<T::AccountId> for Pallet<T> {
	fn mint(who: &T::AccountId, contribution: Contribution) -> Credits {
		let amount = Self::credits_for(&contribution);
		if amount == 0 {
			return 0;
		}
		let total = Total::<T>::get();
		// Credits count in u64: never reached in practice, but a full total records nothing
		// rather than break the invariant.
		let Some(new_total) = total.checked_add(amount) else {
			frame_support::defensive!("credit total overflow");
			return 0;
		};
		let mut account = Accounts::<T>::get(who);
		account.free = account.free.saturating_add(amount);
		Accounts::<T>::insert(who, account);
		Total::<T>::put(new_total);
		Self::deposit_event(Event::Minted { who: who.clone(), amount, cause: contribution });
		amount
	}

	fn mint_weight() -> Weight {
		T::WeightInfo::mint()
	}
}

impl<T: Config> SpendCredits<T::AccountId> for Pallet<T> {
	fn credits(who: &T::AccountId) -> CreditAccount {
		Accounts::<T>::get(who)
	}

	fn lock(who: &T::AccountId, amount: Credits) -> DispatchResult {
		ensure!(amount > 0, Error::<T>::ZeroAmount);
		let mut account = Accounts::<T>::get(who);
		ensure!(account.free >= amount, Error::<T>::InsufficientCredits);
		account.free -= amount;
		account.locked = account.locked.saturating_add(amount);
		Accounts::<T>::insert(who, account);
		Self::deposit_event(Event::Locked { who: who.clone(), amount });
		Ok(())
	}

	fn unlock(who: &T::AccountId, amount: Credits) -> Credits {
		let mut account = Accounts::<T>::get(who);
		let moved = amount.min(account.locked);
		if moved == 0 {
			return 0;
		}
		account.locked -= moved;
		account.free = account.free.saturating_add(moved);
		Accounts::<T>::insert(who, account);
		Self::deposit_event(Event::Unlocked { who: who.clone(), amount: moved });
		moved
	}

	fn spend_locked(who: &T::AccountId, amount: Credits) -> Credits {
		let mut account = Accounts::<T>::get(who);
		let spent = amount.min(account.locked);
		if spent == 0 {
			return 0;
		}
		account.locked -= spent;
		Self::store(who, account);
		Total::<T>::mutate(|total| *total = total.saturating_sub(spent));
		Self::deposit_event(Event::Spent { who: who.clone(), amount: spent });
		spent
	}

	fn change_weight() -> Weight {
		T::WeightInfo::lock().max(T::WeightInfo::unlock()).max(T::WeightInfo::spend_locked())
	}
}
