//! Learning rewards in the real runtime: a simulated year of eras mints the inflation cap to the
//! unit, and a block sealed by a validator's Aura key counts for the validator's account.

use super::*;
use crate::configs::aiblock::{
	InflationCap, LearningEvaluatorShare, RewardEra, ValidatorShare, REWARD_ERAS_PER_YEAR,
};
use aiblock_primitives::rewards::{LearningRewards as _, RewardCause, RewardSplit, Rewardees};
use frame_support::traits::{fungible::Inspect, Get};
use pallet_aiblock_learning_rewards::{Authored, CurrentEra, CurrentYear};
use sp_runtime::{Digest, DigestItem};

fn issuance() -> crate::Balance {
	Balances::total_issuance()
}

/// Start block `n` as the executive would, with its hooks.
fn initialize(n: u32) {
	System::set_block_number(n);
	<crate::LearningRewards as frame_support::traits::Hooks<u32>>::on_initialize(n);
}

#[test]
fn a_simulated_year_of_eras_mints_the_inflation_cap_to_the_unit() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		let era_length = RewardEra::get();
		assert_eq!(era_length, crate::DAYS, "a day of 6 s blocks");
		let start = issuance();
		let alice = account(Sr25519Keyring::Alice);
		let trainer = account(Sr25519Keyring::Bob);
		let evaluators: Vec<_> =
			[Sr25519Keyring::Charlie, Sr25519Keyring::Dave, Sr25519Keyring::Eve]
				.into_iter()
				.map(account)
				.collect();
		let datasets = [(account(Sr25519Keyring::Ferdie), 1)];
		initialize(1);
		let mut job = 0;
		for era in 0..REWARD_ERAS_PER_YEAR {
			// Adoptions take the era's whole learning budget, and more are refused.
			loop {
				job += 1;
				let to =
					Rewardees { trainer: &trainer, evaluators: &evaluators, datasets: &datasets };
				if crate::LearningRewards::reward_adoption(
					RewardCause::Job(job),
					u32::MAX,
					1,
					crate::Balance::MAX,
					to,
				) == 0
				{
					break;
				}
			}
			let current = CurrentEra::<Runtime>::get().expect("an era is under way");
			assert_eq!(current.learning_paid, current.learning_budget, "era {era}");
			// Alice authors every block of the era (era 0 starts at block 1: genesis has no
			// author).
			let blocks = if era == 0 { era_length - 1 } else { era_length };
			Authored::<Runtime>::put(
				frame_support::BoundedVec::try_from(vec![(alice.clone(), blocks)]).unwrap(),
			);
			initialize((era + 1) * era_length);
		}
		let budget =
			InflationCap::get().mul_floor(start) / crate::Balance::from(REWARD_ERAS_PER_YEAR);
		let split = RewardSplit {
			validators: ValidatorShare::get(),
			evaluators: LearningEvaluatorShare::get(),
			data: crate::configs::aiblock::DataShare::get(),
		};
		let (learning, authors) = split.era(budget);
		let first_era_authors =
			authors * crate::Balance::from(era_length - 1) / crate::Balance::from(era_length);
		let eras = crate::Balance::from(REWARD_ERAS_PER_YEAR);
		let expected = eras * learning + (eras - 1) * authors + first_era_authors;
		assert_eq!(issuance() - start, expected, "to the unit");
		let cap = InflationCap::get().mul_floor(start);
		assert!(issuance() - start <= cap);
		// What rounding and genesis's unauthored block leave under the cap: under one AIB.
		assert!(cap - (issuance() - start) < crate::UNIT, "{}", cap - (issuance() - start));
		// The second year's budget is computed from the grown issuance.
		let year = CurrentYear::<Runtime>::get().unwrap();
		assert_eq!((year.index, year.issuance, year.minted), (1, issuance(), 0));
		try_state();
	});
}

#[test]
fn a_block_sealed_with_a_validators_aura_key_pays_the_validators_account() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		let alice = account(Sr25519Keyring::Alice);
		let before = Balances::balance(&alice);
		for n in 1..=3u32 {
			let slot = sp_consensus_aura::Slot::from(u64::from(n) + 1_000);
			let digest = Digest {
				logs: vec![DigestItem::PreRuntime(
					sp_consensus_aura::AURA_ENGINE_ID,
					slot.encode(),
				)],
			};
			System::initialize(&n, &Default::default(), &digest);
			<crate::LearningRewards as frame_support::traits::Hooks<u32>>::on_initialize(n);
		}
		assert_eq!(Authored::<Runtime>::get().into_inner(), vec![(alice.clone(), 3)]);
		// At the era's end Alice is paid for her three blocks out of the era's length.
		let authors = CurrentEra::<Runtime>::get().unwrap().authors_budget;
		initialize(RewardEra::get());
		let paid = authors * 3 / crate::Balance::from(RewardEra::get());
		assert!(paid > 0);
		assert_eq!(Balances::balance(&alice), before + paid);
		try_state();
	});
}

#[test]
fn an_era_is_a_day_whatever_the_block_time() {
	let two_seconds = serde_json::json!({ "blockTime": { "millis": 2000 } });
	crate::genesis_config_presets::tests::with_patched_preset_state(
		sp_genesis_builder::DEV_RUNTIME_PRESET,
		two_seconds,
		|| assert_eq!(RewardEra::get(), 43_200),
	);
}
