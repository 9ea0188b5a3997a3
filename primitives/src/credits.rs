//! Proof-of-Learning credits: what the PolCredits pallet offers the pallets that judge
//! contributions (they mint) and the pallets that spend merit (they lock and spend).
//!
//! Credits are a measure of merit, not money: they are minted only when another pallet proves
//! a contribution (an adopted candidate, an honest evaluation or audit, a Gold dataset, a proven
//! fraud), no call moves them between accounts, and nothing sells them. Every mint names its
//! [`Contribution`], so anyone can recompute an account's credits from the chain's events.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{DispatchResult, Weight};

use crate::{dag::Score, datasets::DatasetId, evolution::EpochIndex, jobs::JobId};

/// An amount of credits. Whole numbers: the seed's table counts them in units.
pub type Credits = u64;

/// The seed's credit table (whitepaper §14.4), which the runtime uses as its constants.
pub mod seed_table {
	use super::Credits;

	/// An adopted candidate whose gain is exactly the model's delta ("successful expert
	/// training").
	pub const ADOPTION: Credits = 100;
	/// The most an adoption earns, in multiples of [`ADOPTION`] (not in the seed: a cap so one
	/// lucky job cannot outweigh a long record).
	pub const MAX_ADOPTION_MULTIPLE: u32 = 10;
	/// An honest evaluation or audit ("validation participation").
	pub const EVALUATION: Credits = 25;
	/// A proven fraud ("security detection").
	pub const FRAUD: Credits = 75;
	/// A dataset approved at Gold ("dataset contribution").
	pub const GOLD_DATASET: Credits = 50;
	/// A migration proposal an evolution epoch promoted ("migration proposal success").
	pub const MIGRATION: Credits = 200;
}

/// The contribution a mint rewards, with what identifies it on chain.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Contribution {
	/// The trainer of job `job`, whose candidates were adopted with a validation loss `gain`
	/// micro-nats per token below their parents', where the model asks for `delta`.
	Adoption { job: JobId, gain: Score, delta: Score },
	/// An evaluator of job `job`, adopted, whose attestation agreed with the panel's verdict.
	Evaluation { job: JobId },
	/// One of the `provers` evaluators of job `job` whose attestations proved the trainer's
	/// claim false (refuted by their median, or a failed replay): the fraud report the trainer's
	/// slash names. The provers share one fraud's credits.
	FraudProven { job: JobId, provers: u32 },
	/// An auditor of dataset `dataset` whose report was the panel's median.
	Audit { dataset: DatasetId },
	/// The proposer of dataset `dataset`, which the workers' vote approved at the Gold tier.
	GoldDataset { dataset: DatasetId },
	/// The proposer of the migration evolution epoch `epoch` promoted to a new model version.
	MigrationPromoted { epoch: EpochIndex },
	/// The trainer of the model evolution epoch `epoch` promoted.
	EpochTraining { epoch: EpochIndex },
	/// An evaluator of evolution epoch `epoch`'s candidate whose benchmark agreed with the
	/// verdict.
	EpochEvaluation { epoch: EpochIndex },
	/// One of the `provers` evaluators of evolution epoch `epoch`'s candidate whose failed
	/// replays proved the trainer's submission false; they share one fraud's credits.
	EpochFraudProven { epoch: EpochIndex, provers: u32 },
}

/// One account's credits.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CreditAccount {
	/// Credits the account may lock.
	pub free: Credits,
	/// Credits locked by a pallet that spends merit (an endorsement, a reservation); they
	/// return to `free` or are spent.
	pub locked: Credits,
}

impl CreditAccount {
	/// Free and locked together.
	pub fn total(&self) -> Credits {
		self.free.saturating_add(self.locked)
	}

	/// Holds no credits at all (the pallet then keeps no entry).
	pub fn is_empty(&self) -> bool {
		self.free == 0 && self.locked == 0
	}
}

/// Minting: used by the pallets that judge contributions (Jobs, Datasets).
pub trait MintCredits<AccountId> {
	/// Mint to `who` the credits `contribution` earns (the runtime's table); returns the amount.
	/// Never fails: a contribution proven on chain is always recorded.
	fn mint(who: &AccountId, contribution: Contribution) -> Credits;

	/// The worst-case weight of one [`MintCredits::mint`], which the caller adds to its own.
	fn mint_weight() -> Weight;
}

/// No credits: for runtimes and mocks without the PolCredits pallet.
impl<AccountId> MintCredits<AccountId> for () {
	fn mint(_: &AccountId, _: Contribution) -> Credits {
		0
	}

	fn mint_weight() -> Weight {
		Weight::zero()
	}
}

/// Locking and spending: used by the pallets where merit buys influence (Evolution's
/// endorsements and capacity reservations).
pub trait SpendCredits<AccountId> {
	/// `who`'s credits.
	fn credits(who: &AccountId) -> CreditAccount;

	/// Move `amount` of `who`'s free credits to locked. Fails with the PolCredits pallet's
	/// `InsufficientCredits` when fewer are free, or `ZeroAmount`.
	fn lock(who: &AccountId, amount: Credits) -> DispatchResult;

	/// Return up to `amount` of `who`'s locked credits to free; returns how many moved.
	fn unlock(who: &AccountId, amount: Credits) -> Credits;

	/// Destroy up to `amount` of `who`'s locked credits (they paid for something); returns how
	/// many were destroyed.
	fn spend_locked(who: &AccountId, amount: Credits) -> Credits;

	/// The worst-case weight of one [`SpendCredits::lock`], [`SpendCredits::unlock`] or
	/// [`SpendCredits::spend_locked`], which the caller adds to its own.
	fn change_weight() -> Weight;
}

sp_api::decl_runtime_apis! {
	/// Read access to PoL credits for wallets and workers (Polkadot.js:
	/// `api.call.polCreditsApi.credits(account)`).
	pub trait PolCreditsApi<AccountId>
	where
		AccountId: codec::Codec,
	{
		/// An account's credits (zero when it has none).
		fn credits(who: AccountId) -> CreditAccount;
		/// Credits in existence, free and locked, over all accounts.
		fn total() -> Credits;
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn an_account_totals_its_free_and_locked_credits() {
		let account = CreditAccount { free: 7, locked: 5 };
		assert_eq!(account.total(), 12);
		assert!(!account.is_empty());
		assert!(CreditAccount::default().is_empty());
		assert_eq!(CreditAccount { free: u64::MAX, locked: 1 }.total(), u64::MAX);
	}

	#[test]
	fn without_the_pallet_nothing_is_minted() {
		assert_eq!(<() as MintCredits<u64>>::mint(&1, Contribution::Evaluation { job: 3 }), 0);
		assert_eq!(<() as MintCredits<u64>>::mint_weight(), Weight::zero());
	}
}
