//! The AI-Block precompile (`crate::precompile`) called through pallet-revive as contracts and
//! Ethereum accounts call it: ABI in, ABI out, refusals as `Error(string)` reverts that move
//! nothing. (A Solidity contract calling it over the Ethereum RPC: zombienet/contracts.js.)

use super::*;
use crate::precompile::{AiBlockPrecompile, IAIBlock};
use frame_support::traits::fungible::InspectHold;
use pallet_revive::{
	precompiles::{
		alloy::{primitives::U256 as SolU256, sol_types::SolCall},
		Precompile,
	},
	AddressMapper, ExecConfig, TransactionLimits, H160, U256,
};

/// The precompile's address: 16 zero bytes, then its index and two zero bytes.
fn precompile() -> H160 {
	let pallet_revive::precompiles::AddressMatcher::Fixed(index) = AiBlockPrecompile::MATCHER
	else {
		unreachable!("a fixed address")
	};
	let mut address = [0u8; 20];
	address[16..18].copy_from_slice(&index.get().to_be_bytes());
	H160(address)
}

/// What a call from `who` returned: `Ok(output)`, or `Err(revert reason)`.
fn call(who: &crate::AccountId, data: Vec<u8>, value: U256) -> Result<Vec<u8>, String> {
	let limits = TransactionLimits::WeightAndDeposit {
		weight_limit: Weight::from_parts(200_000_000_000, 1024 * 1024),
		deposit_limit: UNIT,
	};
	let result = crate::Revive::bare_call(
		RuntimeOrigin::signed(who.clone()),
		precompile(),
		value,
		limits,
		data,
		&ExecConfig::new_substrate_tx(),
	);
	let output = result.result.map_err(|e| format!("error {e:?}"))?;
	if !output.did_revert() {
		return Ok(output.data);
	}
	// `Error(string)`: a 4-byte selector, then the ABI-encoded string.
	let reason = <pallet_revive::precompiles::alloy::sol_types::Revert as
		pallet_revive::precompiles::alloy::sol_types::SolError>::abi_decode(&output.data)
	.map(|r| r.reason)
	.unwrap_or_else(|_| format!("undecodable revert {:?}", output.data));
	Err(reason)
}

fn escrow(who: &crate::AccountId) -> crate::Balance {
	Balances::balance_on_hold(&pallet_aiblock_jobs::HoldReason::Escrow.into(), who)
}

fn post(who: &crate::AccountId, spec: &JobSpec, budget_wei: SolU256) -> Result<u64, String> {
	let data =
		IAIBlock::postJobCall { spec: spec.encode().into(), budget: budget_wei }.abi_encode();
	call(who, data, U256::zero())
		.map(|out| IAIBlock::postJobCall::abi_decode_returns(&out).expect("a job id"))
}

fn status(who: &crate::AccountId, job: u64) -> Result<(u8, u8, u32), String> {
	let out = call(who, IAIBlock::jobStatusCall { job }.abi_encode(), U256::zero())?;
	let r = IAIBlock::jobStatusCall::abi_decode_returns(&out).expect("three values");
	Ok((r.stage, r.outcome, r.median))
}

fn wei(planck: crate::Balance) -> SolU256 {
	SolU256::from(planck) * SolU256::from(1_000_000u64)
}

#[test]
fn the_precompile_reads_the_model_and_posts_and_cancels_a_job_for_its_caller() {
	with_preset_state("development", || {
		System::set_block_number(1);
		let alice = account(Sr25519Keyring::Alice);

		// Reads: the slot the tests train, the model's score.
		let (expert, layer) = match SLOT {
			BlockKind::Expert { layer, expert } => (expert, layer),
			_ => unreachable!(),
		};
		let out = call(
			&alice,
			IAIBlock::currentBlockCall { model: 0, kind: 3, layer, expert }.abi_encode(),
			U256::zero(),
		)
		.unwrap();
		assert_eq!(out, current().0 .0.to_vec(), "the slot's current block id");
		let out =
			call(&alice, IAIBlock::modelScoreCall { model: 0 }.abi_encode(), U256::zero()).unwrap();
		let score = IAIBlock::modelScoreCall::abi_decode_returns(&out).unwrap();
		let state = pallet_aiblock_expert_dag::States::<Runtime>::get(0);
		assert_eq!((score.revision, score.scored), (state.revision, true));
		assert_eq!(Some(score.score), state.score);

		// A job posted through the precompile is Alice's, held from her balance.
		let before = free(&alice);
		let job = post(&alice, &job_spec(), wei(BUDGET)).unwrap();
		let record = pallet_aiblock_jobs::Jobs::<Runtime>::get(job).expect("posted");
		assert_eq!(record.poster, alice);
		assert_eq!(escrow(&alice), record.held());
		assert!(free(&alice) < before - BUDGET, "budget held and posting fee paid");
		assert_eq!(status(&alice, job), Ok((1, 0, 0)));
		let logged = System::events().iter().any(|r| {
			matches!(&r.event, crate::RuntimeEvent::Revive(pallet_revive::Event::ContractEmitted {
				contract, topics, ..
			}) if *contract == precompile()
				&& topics[0].0 == <IAIBlock::JobPosted as pallet_revive::precompiles::alloy::sol_types::SolEvent>::SIGNATURE_HASH.0
				&& topics[1] == H256::from_low_u64_be(job))
		});
		assert!(logged, "JobPosted logged for contracts and eth-rpc: {:?}", System::events());

		// Only the poster cancels; the escrow comes back and the outcome is readable.
		let bob = account(Sr25519Keyring::Bob);
		let cancel = IAIBlock::cancelJobCall { job }.abi_encode();
		assert_eq!(call(&bob, cancel.clone(), U256::zero()), Err("NotPoster".into()));
		let refunded = call(&alice, cancel, U256::zero()).unwrap();
		assert_eq!(IAIBlock::cancelJobCall::abi_decode_returns(&refunded), Ok(wei(record.held())));
		assert_eq!(escrow(&alice), 0);
		assert_eq!(status(&alice, job), Ok((4, 5, 0)), "ended: cancelled");
		try_state();
	});
}

#[test]
fn the_dev_chain_endows_the_hardhat_key_through_its_mapped_account() {
	with_preset_state("development", || {
		let account = crate::genesis_config_presets::ethereum_dev_account();
		let address: H160 = sp_core::hex2array!("f39fd6e51aad88f6f4ce6ab8827279cfffb92266").into();
		let mapper = |a: &H160| <Runtime as pallet_revive::Config>::AddressMapper::to_account_id(a);
		assert_eq!(mapper(&address), account, "an Ethereum key's account is address ++ 0xEE x 12");
		assert!(free(&account) > 1_000 * UNIT);
		// What a wallet sees: the spendable balance (less the existential deposit), in wei.
		let spendable = free(&account) - crate::EXISTENTIAL_DEPOSIT;
		assert_eq!(crate::Revive::evm_balance(&address), U256::from(spendable) * 1_000_000);
	});
}

#[test]
fn bad_input_to_the_precompile_reverts_with_a_reason_and_moves_nothing() {
	with_preset_state("development", || {
		System::set_block_number(1);
		let alice = account(Sr25519Keyring::Alice);
		let read = |data: Vec<u8>| call(&alice, data, U256::zero());
		let slot = |kind, layer, expert| {
			IAIBlock::currentBlockCall { model: 0, kind, layer, expert }.abi_encode()
		};
		assert_eq!(read(slot(3, 0, 999)), Err("UnknownSlot".into()));
		assert_eq!(read(slot(9, 0, 0)), Err("UnknownSlot".into()), "no such kind");
		assert_eq!(read(slot(1, 5, 0)), Err("UnknownSlot".into()), "shared has no layer");
		assert_eq!(
			read(IAIBlock::modelScoreCall { model: 77 }.abi_encode()),
			Err("UnknownModel".into())
		);
		assert_eq!(status(&alice, 0), Err("UnknownJob".into()));

		// Someone with a few AIB cannot post a 23 AIB job: nothing held, nothing paid.
		let poor = account(Sr25519Keyring::One);
		assert_ok!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(alice.clone()),
			poor.clone().into(),
			5 * UNIT
		));
		let before = free(&poor);
		assert_eq!(post(&poor, &job_spec(), wei(BUDGET)), Err("InsufficientBalance".into()));
		assert_eq!((free(&poor), escrow(&poor)), (before, 0));

		// A pallet check: a reward below the minimum.
		assert_eq!(post(&alice, &job_spec(), wei(UNIT)), Err("RewardTooLow".into()));
		let unknown = on_slot(0, BlockKind::Expert { layer: 0, expert: 999 }, H256::zero());
		assert_eq!(post(&alice, &unknown, wei(BUDGET)), Err("UnknownSlot".into()));
		// Not a JobSpec, not a whole planck, value attached.
		let junk = IAIBlock::postJobCall { spec: vec![1, 2, 3].into(), budget: wei(BUDGET) };
		assert!(read(junk.abi_encode()).unwrap_err().starts_with("BadJobSpec"));
		let odd = wei(BUDGET) + SolU256::from(1u8);
		assert!(post(&alice, &job_spec(), odd).unwrap_err().contains("whole number of planck"));
		let data = IAIBlock::postJobCall { spec: job_spec().encode().into(), budget: wei(BUDGET) }
			.abi_encode();
		let value = U256::from(1_000_000u64);
		assert!(call(&alice, data, value).unwrap_err().starts_with("takes no value"));
		assert_eq!(pallet_aiblock_jobs::NextJobId::<Runtime>::get(), 0, "no job was posted");
		assert_eq!(escrow(&alice), 0);

		// The precompile's caller is whoever called it: an Ethereum address maps to its own
		// account, never to someone else's.
		let mapped = <Runtime as pallet_revive::Config>::AddressMapper::to_address(&alice);
		assert_eq!(
			<Runtime as pallet_revive::Config>::AddressMapper::to_account_id(&mapped),
			alice
		);
		try_state();
	});
}
