//! The validator set in the real runtime: joining through `session.setKeys` and governance, key
//! rotation, and a forged GRANDPA equivocation reported, checked against the historical session
//! proofs, and punished.

use super::*;
use crate::{
	genesis_config_presets::tests::with_patched_preset_state, Grandpa, Historical, Session,
	SessionKeys, ValidatorSet,
};
use frame_support::traits::KeyOwnerProofSystem;
use sp_consensus_grandpa::{AuthorityId as GrandpaId, Equivocation, EquivocationProof};
use sp_core::{proof_of_possession::statement_of_ownership, Pair};
use sp_keyring::Ed25519Keyring;

fn aura_authorities() -> Vec<sp_consensus_aura::sr25519::AuthorityId> {
	pallet_aura::Authorities::<Runtime>::get().into_inner()
}

/// Sessions of 10 blocks (the shortest the runtime allows) on the four-validator local testnet.
const SESSION: u32 = 10;

fn with_local_testnet(check: impl FnOnce()) {
	let edit = serde_json::json!({ "validatorSet": { "sessionLength": SESSION } });
	with_patched_preset_state(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET, edit, || {
		System::set_block_number(1);
		check();
		ValidatorSet::do_try_state().expect("ValidatorSet invariants");
	});
}

/// Blocks up to `n` with the session machinery's hooks.
fn run_sessions_to(n: u32) {
	System::run_to_block_with::<(System, Session, Grandpa)>(
		n,
		frame_system::RunToBlockHooks::default(),
	);
}

/// What `author_rotateKeysWithOwner` returns for `owner`: `seed`'s keys and the proof that the
/// owner holds them (each key signs the owner's account).
fn keys_and_proof(owner: &crate::AccountId, seed: &str) -> (SessionKeys, Vec<u8>) {
	let aura = sp_core::sr25519::Pair::from_string(&format!("//{seed}"), None).expect("seed");
	let grandpa = sp_core::ed25519::Pair::from_string(&format!("//{seed}"), None).expect("seed");
	let statement = statement_of_ownership(&owner.encode());
	let proof = (aura.sign(&statement), grandpa.sign(&statement)).encode();
	(SessionKeys { aura: aura.public().into(), grandpa: grandpa.public().into() }, proof)
}

fn set_keys(
	who: &crate::AccountId,
	seed: &str,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	let (keys, proof) = keys_and_proof(who, seed);
	dispatch(who, RuntimeCall::Session(pallet_session::Call::set_keys { keys, proof }))
}

#[test]
fn a_validator_joins_by_keys_and_governance_and_authors_from_the_session_after_next() {
	with_local_testnet(|| {
		let eve = account(Sr25519Keyring::Eve);
		// Governance cannot add an account that has no keys: it would never validate.
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::root(), eve.clone()),
			pallet_aiblock_validator_set::Error::<Runtime>::NoSessionKeys
		);
		// Keys with a proof made for another account are refused.
		let (keys, proof) = keys_and_proof(&account(Sr25519Keyring::Ferdie), "EveNode");
		assert!(dispatch(
			&eve,
			RuntimeCall::Session(pallet_session::Call::set_keys { keys, proof })
		)
		.is_err());
		assert_ok!(set_keys(&eve, "EveNode"));
		// Only governance adds validators.
		assert!(
			ValidatorSet::add_validator(RuntimeOrigin::signed(eve.clone()), eve.clone()).is_err()
		);
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), eve.clone()));

		let eve_aura = keys_and_proof(&eve, "EveNode").0.aura;
		run_sessions_to(SESSION);
		assert_eq!(Session::current_index(), 1);
		assert!(!aura_authorities().contains(&eve_aura), "planned, not yet active");
		run_sessions_to(2 * SESSION);
		assert_eq!(Session::current_index(), 2);
		assert!(Session::validators().contains(&eve));
		assert_eq!(aura_authorities().len(), 5);
		assert!(aura_authorities().contains(&eve_aura));
	});
}

#[test]
fn a_validator_rotates_its_keys_without_governance() {
	with_local_testnet(|| {
		let bob = account(Sr25519Keyring::Bob);
		let old_aura = aura_authorities()[1].clone();
		assert_ok!(set_keys(&bob, "BobNewNode"));
		let new_aura = keys_and_proof(&bob, "BobNewNode").0.aura;
		run_sessions_to(2 * SESSION);
		let authorities = aura_authorities();
		assert!(authorities.contains(&new_aura));
		assert!(!authorities.contains(&old_aura));
		assert_eq!(authorities.len(), 4);
	});
}

#[test]
fn blocks_are_credited_to_the_validators_account_not_to_its_session_key() {
	use frame_support::traits::FindAuthor;
	type Author = <Runtime as pallet_aiblock_learning_rewards::Config>::FindAuthor;
	with_local_testnet(|| {
		let bob = account(Sr25519Keyring::Bob);
		assert_ok!(set_keys(&bob, "BobNewNode"));
		run_sessions_to(2 * SESSION);
		let new_key = keys_and_proof(&bob, "BobNewNode").0.aura;
		let authorities = aura_authorities();
		let index = authorities.iter().position(|key| key == &new_key).expect("Bob's new key");
		// A slot Aura gives to Bob's index.
		let slot = sp_consensus_slots::Slot::from((authorities.len() * 1_000 + index) as u64);
		let pre = slot.encode();
		let author = Author::find_author([(sp_consensus_aura::AURA_ENGINE_ID, &pre[..])]);
		assert_eq!(author, Some(bob));
	});
}

/// Bob's GRANDPA key prevoting for two different blocks in the same round.
fn bob_double_prevote(set_id: u64, round: u64) -> EquivocationProof<H256, u32> {
	bob_prevotes(set_id, round, 1, 2)
}

/// Bob's GRANDPA key prevoting for the blocks named by `first` and `second` in one round.
fn bob_prevotes(set_id: u64, round: u64, first: u8, second: u8) -> EquivocationProof<H256, u32> {
	let bob = Ed25519Keyring::Bob;
	let vote = |byte: u8| finality_grandpa::Prevote {
		target_hash: H256::repeat_byte(byte),
		target_number: 1,
	};
	let signed = |byte: u8| {
		let message = finality_grandpa::Message::Prevote(vote(byte));
		let payload = sp_consensus_grandpa::localized_payload(round, set_id, &message);
		(vote(byte), bob.pair().sign(&payload).into())
	};
	EquivocationProof::new(
		set_id,
		Equivocation::Prevote(finality_grandpa::Equivocation {
			round_number: round,
			identity: GrandpaId::from(bob.public()),
			first: signed(first),
			second: signed(second),
		}),
	)
}

fn report(
	proof: EquivocationProof<H256, u32>,
	of: Ed25519Keyring,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	let owner = Historical::prove((sp_consensus_grandpa::KEY_TYPE, GrandpaId::from(of.public())))
		.expect("a current validator's key has a membership proof");
	Grandpa::report_equivocation_unsigned(RuntimeOrigin::none(), Box::new(proof), owner)
}

#[test]
fn a_grandpa_equivocation_is_proven_and_the_offender_disabled_and_removed() {
	with_local_testnet(|| {
		let bob = account(Sr25519Keyring::Bob);
		run_sessions_to(3);
		let set_id = Grandpa::current_set_id();

		// A report whose two votes are the same vote proves nothing.
		assert!(report(bob_prevotes(set_id, 1, 1, 1), Ed25519Keyring::Bob).is_err());
		// A key-ownership proof for another validator's key does not match the offender.
		assert!(report(bob_double_prevote(set_id, 1), Ed25519Keyring::Charlie).is_err());

		assert_ok!(report(bob_double_prevote(set_id, 1), Ed25519Keyring::Bob));
		let bob_index = Session::validators().iter().position(|v| v == &bob).unwrap() as u32;
		assert!(Session::disabled_validators().contains(&bob_index), "disabled at once");
		assert!(!ValidatorSet::validators().contains(&bob), "leaves the set");
		assert!(System::events().iter().any(|record| matches!(
			&record.event,
			crate::RuntimeEvent::ValidatorSet(
				pallet_aiblock_validator_set::Event::OffenderRemoved { who, .. }
			) if who == &bob
		)));

		// The same offence cannot be reported twice.
		assert!(report(bob_double_prevote(set_id, 1), Ed25519Keyring::Bob).is_err());
		// Nor, signed, at all: the signed report is free when proven, so an offender could
		// report its own double votes round after round; transactions cannot make it.
		let owner = Historical::prove((
			sp_consensus_grandpa::KEY_TYPE,
			GrandpaId::from(Ed25519Keyring::Bob.public()),
		))
		.expect("proof");
		let signed = RuntimeCall::Grandpa(pallet_grandpa::Call::report_equivocation {
			equivocation_proof: Box::new(bob_double_prevote(set_id, 2)),
			key_owner_proof: owner,
		});
		let filtered = sp_runtime::traits::Dispatchable::dispatch(
			signed,
			RuntimeOrigin::signed(account(Sr25519Keyring::Ferdie)),
		);
		assert_eq!(
			filtered.map_err(|e| e.error),
			Err(frame_system::Error::<Runtime>::CallFiltered.into())
		);

		// Two sessions later Bob no longer authors (nor votes: GRANDPA gets the same set).
		run_sessions_to(2 * SESSION);
		assert!(!Session::validators().contains(&bob));
		assert_eq!(aura_authorities().len(), 3);
	});
}

/// A header of block 5 for `slot`, made different by `root`, sealed by `signer`'s Aura key.
fn sealed_header(slot: u64, root: u8, signer: Sr25519Keyring) -> crate::Header {
	use sp_runtime::traits::Header as _;
	let mut header = crate::Header::new(
		5,
		Default::default(),
		H256::repeat_byte(root),
		Default::default(),
		Default::default(),
	);
	let pre = sp_runtime::DigestItem::PreRuntime(
		sp_consensus_aura::AURA_ENGINE_ID,
		sp_consensus_slots::Slot::from(slot).encode(),
	);
	header.digest_mut().push(pre);
	let signature = signer.pair().sign(header.hash().as_ref());
	header
		.digest_mut()
		.push(sp_runtime::DigestItem::Seal(sp_consensus_aura::AURA_ENGINE_ID, signature.encode()));
	header
}

#[test]
fn an_aura_double_block_is_reported_free_and_the_offender_removed() {
	use sp_runtime::RuntimeAppPublic;
	type AuraKey = sp_consensus_aura::sr25519::AuthorityId;
	with_local_testnet(|| {
		let (bob, ferdie) = (account(Sr25519Keyring::Bob), account(Sr25519Keyring::Ferdie));
		run_sessions_to(3);
		let offender = AuraKey::from(Sr25519Keyring::Bob.public());
		let owner_proof = || Historical::prove((AuraKey::ID, offender.clone())).expect("Bob's key");
		let report = |first, second| {
			let proof = sp_consensus_slots::EquivocationProof {
				offender: offender.clone(),
				slot: sp_consensus_slots::Slot::from(1_000),
				first_header: first,
				second_header: second,
			};
			dispatch(
				&ferdie,
				RuntimeCall::ValidatorSet(
					pallet_aiblock_validator_set::Call::report_aura_equivocation {
						equivocation_proof: Box::new(proof),
						key_owner_proof: owner_proof(),
					},
				),
			)
		};

		// Charlie cannot frame Bob with a block of his own.
		let framed = report(
			sealed_header(1_000, 1, Sr25519Keyring::Bob),
			sealed_header(1_000, 2, Sr25519Keyring::Charlie),
		);
		assert!(framed.is_err());
		assert!(ValidatorSet::validators().contains(&bob));

		let proven = report(
			sealed_header(1_000, 1, Sr25519Keyring::Bob),
			sealed_header(1_000, 2, Sr25519Keyring::Bob),
		)
		.expect("a proven double block is accepted");
		assert_eq!(proven.pays_fee, frame_support::dispatch::Pays::No);
		assert!(!ValidatorSet::validators().contains(&bob));
		let bob_index = Session::validators().iter().position(|v| v == &bob).unwrap() as u32;
		assert!(Session::disabled_validators().contains(&bob_index));
		// The same slot again is the same offence.
		assert!(report(
			sealed_header(1_000, 1, Sr25519Keyring::Bob),
			sealed_header(1_000, 3, Sr25519Keyring::Bob),
		)
		.is_err());
	});
}
