//! Genesis presets: the initial state of the `development` (one validator, Alice) and
//! `local_testnet` (four validators, Alice, Bob, Charlie and Dave) chains.

use crate::{
	configs::aiblock::TreasuryAccount, AccountId, BalancesConfig, BlockNumber, BlockTimeConfig,
	CouncilConfig, DatasetsConfig, EvolutionConfig, ExpertDagConfig, InferenceConfig,
	RuntimeGenesisConfig, SessionConfig, SessionKeys, SudoConfig, ValidatorSetConfig, DAYS,
	EXISTENTIAL_DEPOSIT, HOURS, MILLI_SECS_PER_BLOCK, UNIT,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use pallet_aiblock_datasets::PipelineParams;
use pallet_aiblock_evolution::EpochWindows;
use pallet_aiblock_inference::MarketParams;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// What each well-known development account starts with: 1,000,000 AIB.
pub const ENDOWMENT: crate::Balance = 1_000_000 * UNIT;

/// The genesis models of the development and local chains, as the compute core generates them
/// (`aiblock-compute genesis --chain-json chain-specs/genesis-models.json`; a test there checks
/// the file is what the documented seeds and text give): the byte model (1.0.0) and the
/// Shakespeare transformer (2.0.0), in meta-chain order.
const GENESIS_MODELS: &str = include_str!("../../chain-specs/genesis-models.json");

/// [`GENESIS_MODELS`] parsed; empty only if the file were malformed (a runtime test forbids it).
pub fn genesis_models() -> Vec<pallet_aiblock_expert_dag::ImportedModel> {
	serde_json::from_str(GENESIS_MODELS).unwrap_or_default()
}

/// A validator's account and session keys: sr25519 for Aura, ed25519 for GRANDPA.
fn authority_keys(who: Sr25519Keyring) -> (AccountId, SessionKeys) {
	let (aura, grandpa) = consensus_keys(who);
	(who.to_account_id(), SessionKeys { aura, grandpa })
}

/// A well-known account's consensus keys (what `--alice` and friends put in a node's keystore).
fn consensus_keys(who: Sr25519Keyring) -> (AuraId, GrandpaId) {
	let ed = match who {
		Sr25519Keyring::Alice => Ed25519Keyring::Alice,
		Sr25519Keyring::Bob => Ed25519Keyring::Bob,
		Sr25519Keyring::Charlie => Ed25519Keyring::Charlie,
		Sr25519Keyring::Dave => Ed25519Keyring::Dave,
		Sr25519Keyring::Eve => Ed25519Keyring::Eve,
		_ => Ed25519Keyring::Ferdie,
	};
	(who.public().into(), ed.public().into())
}

/// The development chain's dataset pipeline: 30 blocks to commit audits and 20 to reveal them
/// (three and two minutes at 6 s), a minute of voting, and two votes (a demo or test runs a few
/// workers). An auditor measures the datasets it is drawn for one after the other and sends one
/// transaction at a time, each final about four blocks later, so an auditor drawn for three
/// datasets proposed together (the end-to-end test) needs about 12 blocks for their commitments
/// or reveals, and more with heartbeats in between: 10 was too few.
pub const DEV_DATASET_PARAMS: PipelineParams<BlockNumber> = PipelineParams {
	audit_commit_window: 30,
	audit_reveal_window: 20,
	voting_window: 10,
	vote_quorum: 2,
};

/// The local testnet's: days, as on a public chain, and three votes.
pub const LOCAL_DATASET_PARAMS: PipelineParams<BlockNumber> = PipelineParams {
	audit_commit_window: DAYS,
	audit_reveal_window: DAYS,
	voting_window: 2 * DAYS,
	vote_quorum: 3,
};

/// The development chain's evolution epochs: minutes, not weeks (a minute of proposals, a
/// minute of bids, ten minutes to build, train and submit the grown model, five to rebuild,
/// replay and score it, two to reveal, half a minute of cleanup; 20 minutes at 6 s).
pub const DEV_EPOCH_WINDOWS: EpochWindows<BlockNumber> = EpochWindows {
	proposing: 10,
	reserving: 10,
	training: 100,
	commit: 50,
	reveal: 20,
	cleanup: 5,
};

/// The development chain's inference market: every claim audited, so that a demo (and the
/// end-to-end test) sees the auditors replay what was paid for; 30 blocks to commit verdicts
/// (an auditor drawn for several claims at once judges them one after the other, four replays
/// each, and sends one transaction at a time) and 20 to reveal them, as for datasets; two
/// minutes of dispute window after a client closes its channel (a server claiming every minute
/// still claims in it); a free tier of 5 requests and 2,000
/// tokens a day, so that a demo reaches the quota. The local testnet keeps the runtime's
/// defaults (one claim in ten, hours, 200 requests and 20,000 tokens a day).
pub const DEV_MARKET_PARAMS: MarketParams<BlockNumber> = MarketParams {
	audit_one_in: 1,
	audit_commit_window: 30,
	audit_reveal_window: 20,
	dispute_window: 20,
	free_tokens_per_period: 2_000,
	free_requests_per_period: 5,
};

/// The development chain's sessions: five minutes at 6 s (its one validator never changes
/// unless a demo adds one). The local testnet's last an hour, as on a public chain; a network
/// test that changes validators sets a shorter one in its chain spec.
pub const DEV_SESSION_LENGTH: BlockNumber = 50;
pub const LOCAL_SESSION_LENGTH: BlockNumber = HOURS;

/// What differs between the development and local chains' pallets.
struct Settings {
	/// The sudo key, if the chain has one (the development chain; never a shared network).
	sudo: Option<AccountId>,
	/// The council's seats: who governs (see `configs::governance`).
	council: Vec<AccountId>,
	session_length: BlockNumber,
	datasets: PipelineParams<BlockNumber>,
	epochs: Option<EpochWindows<BlockNumber>>,
	market: Option<MarketParams<BlockNumber>>,
}

fn testnet_genesis(
	initial_authorities: Vec<(AccountId, SessionKeys)>,
	endowed_accounts: Vec<AccountId>,
	Settings { sudo, council, session_length, datasets, epochs, market }: Settings,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed_accounts
                .iter()
                .cloned()
                .map(|k| (k, ENDOWMENT))
                // The treasury exists from genesis, so that the first slash it receives (which
                // may be below the existential deposit) is kept rather than burnt.
                .chain([(TreasuryAccount::get(), EXISTENTIAL_DEPOSIT)])
                .collect::<Vec<_>>(),
		},
		// Aura's and GRANDPA's authorities come from the session keys of the first validators.
		validator_set: ValidatorSetConfig {
			validators: initial_authorities.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
			session_length: Some(session_length),
		},
		session: SessionConfig {
			keys: initial_authorities
				.iter()
				.map(|(who, keys)| (who.clone(), who.clone(), keys.clone()))
				.collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: sudo },
		council: CouncilConfig { members: council },
		// Written out so that a chain spec shows the knob: test chains set a shorter one.
		block_time: BlockTimeConfig { millis: Some(MILLI_SECS_PER_BLOCK) },
		expert_dag: ExpertDagConfig { models: genesis_models() },
		datasets: DatasetsConfig { params: Some(datasets) },
		evolution: EvolutionConfig { windows: epochs },
		inference: InferenceConfig { params: market },
	})
}

/// The well-known development accounts (Alice … Ferdie and their stashes) are endowed.
fn endowed_dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter()
		.filter(|k| k != &Sr25519Keyring::One && k != &Sr25519Keyring::Two)
		.map(|k| k.to_account_id())
		.collect()
}

/// The account of the Ethereum development key every Hardhat and Foundry user knows (their
/// account #0, 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266, private key 0xac09…ff80): its
/// 20-byte address followed by twelve 0xEE bytes, as pallet-revive maps Ethereum keys. Endowed on
/// the dev chain only, so that a MetaMask or Hardhat user can deploy at once.
pub fn ethereum_dev_account() -> AccountId {
	let mut account = [0xee; 32];
	account[..20].copy_from_slice(&sp_core::hex2array!("f39fd6e51aad88f6f4ce6ab8827279cfffb92266"));
	AccountId::from(account)
}

/// One validator, Alice, who is also the sudo key and the council's only member (her motions
/// pass as soon as she proposes them). The Ethereum development key is endowed too.
pub fn development_config_genesis() -> Value {
	let alice = Sr25519Keyring::Alice.to_account_id();
	testnet_genesis(
		vec![authority_keys(Sr25519Keyring::Alice)],
		endowed_dev_accounts().into_iter().chain([ethereum_dev_account()]).collect(),
		Settings {
			sudo: Some(alice.clone()),
			council: vec![alice],
			session_length: DEV_SESSION_LENGTH,
			datasets: DEV_DATASET_PARAMS,
			epochs: Some(DEV_EPOCH_WINDOWS),
			market: Some(DEV_MARKET_PARAMS),
		},
	)
}

/// Four validators, Alice, Bob, Charlie and Dave, each with its own Aura and GRANDPA key.
/// GRANDPA finalises with the votes of more than two thirds of the voters (here three of the
/// four), so the network keeps finalising with any one validator down; with three validators it
/// would need all three. No sudo key: the four operators form the council, and three of them
/// decide.
pub fn local_config_genesis() -> Value {
	let operators =
		[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave];
	testnet_genesis(
		operators.iter().map(|who| authority_keys(*who)).collect(),
		endowed_dev_accounts(),
		Settings {
			sudo: None,
			council: operators.iter().map(|who| who.to_account_id()).collect(),
			session_length: LOCAL_SESSION_LENGTH,
			datasets: LOCAL_DATASET_PARAMS,
			// The production schedule: 28-day epochs.
			epochs: None,
			// One claim in ten audited, hours to audit and to dispute.
			market: None,
		},
	)
}

/// The JSON patch of the preset named `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	// A `Value` built above always serialises; `to_vec` cannot fail on it.
	serde_json::to_vec(&patch).ok()
}

/// The presets this runtime provides.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;
	use crate::Runtime;
	use frame_support::{genesis_builder_helper::build_state, traits::Get};

	/// Applies a preset's patch to the default genesis config, as the node does.
	fn merge(base: &mut Value, patch: Value) {
		match (base, patch) {
			(Value::Object(base), Value::Object(patch)) => {
				for (key, value) in patch {
					merge(base.entry(key).or_insert(Value::Null), value);
				}
			},
			(base, patch) => *base = patch,
		}
	}

	/// Run `check` on the genesis state of preset `id`.
	pub(crate) fn with_preset_state(id: &str, check: impl FnOnce()) {
		with_patched_preset_state(id, Value::Null, check)
	}

	/// Run `check` on the genesis state of preset `id` with `edit` merged into its patch, as a
	/// chain spec edited by hand would have it.
	pub(crate) fn with_patched_preset_state(id: &str, edit: Value, check: impl FnOnce()) {
		let patch = get_preset(&PresetId::from(id)).expect("the preset exists");
		let patch: Value = serde_json::from_slice(&patch).expect("a preset is JSON");
		let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).expect("JSON");
		merge(&mut config, patch);
		if !edit.is_null() {
			merge(&mut config, edit);
		}
		let config = serde_json::to_vec(&config).expect("JSON");
		sp_io::TestExternalities::default().execute_with(|| {
			build_state::<RuntimeGenesisConfig>(config).expect("the preset builds a genesis state");
			check();
		});
	}

	#[test]
	fn every_listed_preset_exists() {
		for id in preset_names() {
			assert!(get_preset(&id).is_some(), "{id:?}");
		}
		assert!(get_preset(&PresetId::from("no-such-preset")).is_none());
	}

	#[test]
	fn local_testnet_has_four_validators_with_distinct_keys() {
		with_preset_state(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET, || {
			let aura = pallet_aura::Authorities::<Runtime>::get();
			assert_eq!(aura.len(), 4);
			let grandpa = pallet_grandpa::Pallet::<Runtime>::grandpa_authorities();
			assert_eq!(grandpa.len(), 4);
			let mut distinct = grandpa.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
			distinct.sort();
			distinct.dedup();
			assert_eq!(distinct.len(), 4);
			// The validators are the accounts whose session keys those are.
			let validators = pallet_session::Validators::<Runtime>::get();
			assert_eq!(validators.len(), 4);
			for (at, who) in validators.iter().enumerate() {
				let keys = pallet_session::NextKeys::<Runtime>::get(who).expect("keys");
				assert_eq!(keys.grandpa, grandpa[at].0);
				assert_eq!(keys.aura, aura[at]);
			}
			assert_eq!(
				pallet_aiblock_validator_set::SessionLength::<Runtime>::get(),
				LOCAL_SESSION_LENGTH
			);
			assert_eq!(pallet_sudo::Key::<Runtime>::get(), None, "no sudo key");
			let council = pallet_collective::Members::<
				Runtime,
				crate::configs::governance::CouncilCollective,
			>::get();
			let mut operators = validators.to_vec();
			operators.sort();
			assert_eq!(council, operators, "the operators govern (seats are kept sorted)");
		});
	}

	#[test]
	fn development_has_alice_as_the_only_validator_and_funded_accounts() {
		with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
			let aura = pallet_aura::Authorities::<Runtime>::get();
			assert_eq!(aura.into_inner(), vec![consensus_keys(Sr25519Keyring::Alice).0]);
			assert_eq!(
				pallet_aiblock_validator_set::Validators::<Runtime>::get().into_inner(),
				vec![Sr25519Keyring::Alice.to_account_id()]
			);
			let alice = Sr25519Keyring::Alice.to_account_id();
			assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(alice.clone()));
			let council = pallet_collective::Members::<
				Runtime,
				crate::configs::governance::CouncilCollective,
			>::get();
			assert_eq!(council, vec![alice]);
			let bob = Sr25519Keyring::Bob.to_account_id();
			assert_eq!(pallet_balances::Pallet::<Runtime>::free_balance(&bob), ENDOWMENT);
			assert!(ENDOWMENT > EXISTENTIAL_DEPOSIT);
			assert_eq!(
				pallet_balances::Pallet::<Runtime>::free_balance(TreasuryAccount::get()),
				EXISTENTIAL_DEPOSIT,
				"the treasury exists"
			);
		});
	}

	/// Both chains start with the genesis models of `chain-specs/genesis-models.json` (which
	/// the compute core's tests regenerate from the documented seeds): the byte model and, as
	/// the latest, the transformer, every slot filled, accepted, with the file's CIDs, hashes,
	/// sizes and scores.
	#[test]
	fn both_presets_hold_the_genesis_models() {
		let models = genesis_models();
		assert_eq!(models.len(), 2, "chain-specs/genesis-models.json parses");
		assert_eq!(models[0].spec.architecture.as_slice(), b"byte-moe-v1");
		assert_eq!(models[1].spec.architecture.as_slice(), b"aiblock-mixtral-v1");
		assert_eq!(models[1].spec.version.major, 2);
		for model in &models {
			assert_eq!(model.blocks.len() as u32, model.spec.param_block_count());
		}
		for preset in [
			sp_genesis_builder::DEV_RUNTIME_PRESET,
			sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
		] {
			with_preset_state(preset, || {
				use aiblock_primitives::dag::BlockStatus;
				assert_eq!(crate::ExpertDag::latest_model(), Some((1, models[1].spec.clone())));
				for (index, model) in models.iter().enumerate() {
					let current = crate::ExpertDag::current_blocks(index as u32);
					assert_eq!(current.len(), model.blocks.len());
					for ((kind, _, record), block) in current.iter().zip(&model.blocks) {
						assert_eq!(*kind, block.kind);
						assert_eq!(record.header.payload, block.payload);
						assert_eq!(record.score, block.score);
						assert_eq!(record.status, BlockStatus::Accepted);
						// A new architecture starts its own lineage.
						assert_eq!(record.header.parent, None);
					}
				}
				pallet_aiblock_expert_dag::Pallet::<Runtime>::do_try_state().expect("invariants");
			});
		}
	}

	/// The development chain runs the dataset pipeline in minutes, the local testnet in days.
	#[test]
	fn each_preset_sets_its_dataset_windows() {
		for (preset, params) in [
			(sp_genesis_builder::DEV_RUNTIME_PRESET, DEV_DATASET_PARAMS),
			(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET, LOCAL_DATASET_PARAMS),
		] {
			with_preset_state(preset, || {
				assert_eq!(crate::Datasets::params(), params, "{preset}");
				pallet_aiblock_datasets::Pallet::<Runtime>::do_try_state().expect("invariants");
			});
		}
		assert!(DEV_DATASET_PARAMS.voting_window < crate::HOURS);
		assert!(LOCAL_DATASET_PARAMS.voting_window >= DAYS);
	}

	/// The development chain audits every claim in minutes; the local testnet keeps the
	/// runtime's defaults (one claim in ten, hours), and root can change them.
	#[test]
	fn each_preset_sets_its_market_and_root_changes_it() {
		use crate::{
			configs::inference::{AUDIT_ONE_IN, FREE_TOKENS_PER_DAY},
			Inference, RuntimeOrigin,
		};
		with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
			assert_eq!(Inference::params(), DEV_MARKET_PARAMS);
		});
		with_preset_state(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET, || {
			let defaults = Inference::params();
			assert_eq!(defaults.audit_one_in, AUDIT_ONE_IN);
			assert_eq!(defaults.free_tokens_per_period, FREE_TOKENS_PER_DAY);
			assert!(defaults.audit_commit_window >= crate::HOURS);
			let alice = Sr25519Keyring::Alice.to_account_id();
			let faster = MarketParams { audit_one_in: 1, ..defaults };
			assert!(Inference::set_params(RuntimeOrigin::signed(alice), faster).is_err());
			assert!(Inference::set_params(RuntimeOrigin::root(), faster).is_ok());
			assert_eq!(Inference::params(), faster);
		});
	}

	/// The shipped presets keep 6 s blocks; a chain spec that sets `blockTime.millis` (as the
	/// end-to-end and zombienet tests do) gets that slot in Aura and half of it as the
	/// timestamps' minimum period.
	#[test]
	fn the_block_time_is_the_presets_unless_a_chain_spec_sets_another() {
		for preset in preset_names() {
			with_preset_state(preset.as_ref(), || {
				assert_eq!(crate::Aura::slot_duration(), 6_000, "{preset:?}");
				assert_eq!(pallet_aiblock_block_time::Millis::<Runtime>::get(), Some(6_000));
			});
		}
		let edit = serde_json::json!({ "blockTime": { "millis": 2_000 } });
		with_patched_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, edit, || {
			assert_eq!(crate::Aura::slot_duration(), 2_000);
			let period = <Runtime as pallet_timestamp::Config>::MinimumPeriod::get();
			assert_eq!(period, 1_000);
			pallet_aiblock_block_time::Pallet::<Runtime>::do_try_state().expect("invariants");
		});
	}
}
