//! Learning rewards: the network pays for learning out of a capped inflation schedule.
//!
//! Time is cut into *eras* of a fixed number of blocks, and eras into *years* of a fixed number
//! of eras. At the start of each year the total issuance `I_y` is recorded; each era of that year
//! may mint at most
//!
//! ```text
//! budget = ⌊⌊cap × I_y⌋ / eras_per_year⌋
//! ```
//!
//! so a year mints at most `cap × I_y` (10 % by default) and the issuance at the start of year
//! `y + 1` is at most `I_y × (1 + cap)`: `I_y ≤ I_0 × (1 + cap)^y`, with equality only when every
//! era spends its whole budget. The budget is split: [`RewardSplit::validators`] of it pays the
//! block authors of the era, in proportion to the blocks each authored out of the era's length
//! (missed slots mint nothing), and the rest pays adoptions as they happen, first come, until it
//! runs out. Whatever an era does not spend is never minted: it is not carried over.
//!
//! An adoption's reward grows with its gain like its credits ([`scale_by_gain`]) and is split
//! between the trainer, the evaluators whose attestations were honest, and the proposers of the
//! datasets it trained on (by their parts of the mix).

use alloc::vec::Vec;
use sp_runtime::{Perbill, Weight};

use crate::{dag::Score, jobs::JobId, Balance};

/// `base × gain / delta`, at least `base` (an adoption cleared the delta) and at most
/// `max_multiple × base`; `base` for a model without a delta. Used for both the credits and the
/// learning reward of an adoption.
pub fn scale_by_gain(base: u128, max_multiple: u32, gain: Score, delta: Score) -> u128 {
	let cap = base.saturating_mul(max_multiple.into());
	if delta == 0 {
		return base.min(cap);
	}
	let scaled = sp_runtime::helpers_128bit::multiply_by_rational_with_rounding(
		base,
		gain.into(),
		delta.into(),
		sp_runtime::Rounding::Down,
	)
	.unwrap_or(u128::MAX);
	scaled.clamp(base.min(cap), cap)
}

/// What an era may mint, from the issuance recorded at the start of its year.
pub fn era_budget(year_issuance: Balance, cap: Perbill, eras_per_year: u32) -> Balance {
	cap.mul_floor(year_issuance) / Balance::from(eras_per_year.max(1))
}

/// How an era's budget and an adoption's reward are shared out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RewardSplit {
	/// The block authors' part of each era's budget.
	pub validators: Perbill,
	/// The honest evaluators' part of an adoption's reward (in equal shares).
	pub evaluators: Perbill,
	/// The dataset proposers' part of an adoption's reward (by their parts of the mix).
	pub data: Perbill,
}

impl RewardSplit {
	/// An era's budget as (adoptions, block authors).
	pub fn era(&self, budget: Balance) -> (Balance, Balance) {
		let authors = self.validators.mul_floor(budget);
		(budget - authors, authors)
	}

	/// An adoption's reward as (trainer, each evaluator, each dataset): the evaluators share
	/// their part equally and the datasets theirs by `parts` (both rounded down); the trainer
	/// takes the rest, and the parts of nobody (no evaluator, no dataset) too. Nothing is
	/// created: the parts never add up to more than `reward`.
	pub fn adoption(
		&self,
		reward: Balance,
		evaluators: usize,
		parts: &[u32],
	) -> (Balance, Balance, Vec<Balance>) {
		let each = if evaluators == 0 {
			0
		} else {
			self.evaluators.mul_floor(reward) / evaluators as Balance
		};
		let after_evaluators = reward - each * evaluators as Balance;
		let pool = self.data.mul_floor(reward).min(after_evaluators);
		let (unclaimed, data) = crate::jobs::split_by_parts(pool, parts);
		let trainer = after_evaluators - pool + unclaimed;
		(trainer, each, data)
	}
}

/// What a learning reward pays for.
#[derive(
	codec::Encode,
	codec::Decode,
	codec::DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	scale_info::TypeInfo,
	codec::MaxEncodedLen,
)]
pub enum RewardCause {
	/// The adoption of job `0`'s candidates.
	Job(JobId),
	/// The promotion of evolution epoch `0`'s grown model.
	Epoch(crate::evolution::EpochIndex),
}

/// Who an adoption rewards.
pub struct Rewardees<'a, AccountId> {
	/// The job's trainer.
	pub trainer: &'a AccountId,
	/// The evaluators whose attestations the verdict found honest.
	pub evaluators: &'a [AccountId],
	/// The proposer of each dataset the job trained on, with its parts of the mix.
	pub datasets: &'a [(AccountId, u32)],
}

/// Paying learning rewards: used by the Jobs pallet when it adopts a candidate.
pub trait LearningRewards<AccountId> {
	/// Mint the learning reward of `cause`, an adoption with `gain` where the model asks for
	/// `delta`, out of what is left of the era's budget and at most `cap`, and share it out
	/// between `to`. Returns what was minted (zero once the era's budget is spent).
	///
	/// `cap` is what the trainer had at stake on the claim: a trainer whose Sybils capture the
	/// panel could win no more than it risks losing to an honest majority.
	fn reward_adoption(
		cause: RewardCause,
		gain: Score,
		delta: Score,
		cap: Balance,
		to: Rewardees<AccountId>,
	) -> Balance;

	/// The worst-case weight of one [`LearningRewards::reward_adoption`] with `evaluators`
	/// evaluators and `datasets` datasets.
	fn reward_weight(evaluators: u32, datasets: u32) -> Weight;
}

/// No learning rewards: for runtimes and mocks without the LearningRewards pallet.
impl<AccountId> LearningRewards<AccountId> for () {
	fn reward_adoption(
		_: RewardCause,
		_: Score,
		_: Score,
		_: Balance,
		_: Rewardees<AccountId>,
	) -> Balance {
		0
	}

	fn reward_weight(_: u32, _: u32) -> Weight {
		Weight::zero()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const SPLIT: RewardSplit = RewardSplit {
		validators: Perbill::from_percent(20),
		evaluators: Perbill::from_percent(20),
		data: Perbill::from_percent(10),
	};

	#[test]
	fn a_gain_scales_the_base_between_one_and_the_cap() {
		assert_eq!(scale_by_gain(100, 10, 1_000, 1_000), 100);
		assert_eq!(scale_by_gain(100, 10, 2_500, 1_000), 250);
		assert_eq!(scale_by_gain(100, 10, 1_999, 1_000), 199);
		assert_eq!(scale_by_gain(100, 10, u32::MAX, 1), 1_000);
		assert_eq!(scale_by_gain(100, 10, 10, 1_000), 100);
		assert_eq!(scale_by_gain(100, 10, 123, 0), 100);
		assert_eq!(scale_by_gain(100, 0, 5_000, 1_000), 0);
		assert_eq!(scale_by_gain(u128::MAX, u32::MAX, u32::MAX, 1), u128::MAX);
	}

	#[test]
	fn a_year_of_era_budgets_stays_within_the_cap() {
		let issuance: Balance = 1_000_000_000_000_000_007;
		let cap = Perbill::from_percent(10);
		let budget = era_budget(issuance, cap, 365);
		assert_eq!(budget, 100_000_000_000_000_000 / 365);
		assert!(budget * 365 <= cap.mul_floor(issuance));
		assert!(cap.mul_floor(issuance) - budget * 365 < 365, "less than one unit per era lost");
		assert_eq!(era_budget(issuance, cap, 0), cap.mul_floor(issuance));
	}

	#[test]
	fn an_era_budget_is_split_without_creating_a_unit() {
		assert_eq!(SPLIT.era(1_000), (800, 200));
		assert_eq!(SPLIT.era(7), (6, 1));
		assert_eq!(SPLIT.era(4), (4, 0));
	}

	#[test]
	fn an_adoption_reward_is_shared_by_trainer_evaluators_and_data() {
		// 1000: evaluators 200 (three of 66), data 100 (by parts 1:3), trainer the rest.
		let (trainer, each, data) = SPLIT.adoption(1_000, 3, &[1, 3]);
		assert_eq!(each, 66);
		assert_eq!(data, [25, 75]);
		assert_eq!(trainer, 1_000 - 3 * 66 - 100);
		// No datasets: the trainer keeps the data part; no evaluators: their part too.
		assert_eq!(SPLIT.adoption(1_000, 3, &[]), (1_000 - 198, 66, Vec::new()));
		assert_eq!(SPLIT.adoption(1_000, 0, &[1]), (900, 0, vec![100]));
		for reward in [0, 1, 9, 999, 123_456_789] {
			let (trainer, each, data) = SPLIT.adoption(reward, 5, &[2, 2, 7]);
			assert_eq!(trainer + 5 * each + data.iter().sum::<Balance>(), reward, "{reward}");
		}
	}
}
