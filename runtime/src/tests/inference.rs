//! The inference market in the real runtime: a client pays a server through a prepaid channel
//! with receipts signed by its real sr25519 key, the authors of the blocks that answered are
//! paid their usage share to the unit, forged receipts pay nothing, a server caught by the
//! auditors' replay is slashed, and a free-tier user is refused past its quota.

use super::*;
use crate::{
	configs::inference::{FREE_TOKENS_PER_DAY, SERVER_COLLATERAL},
	Inference, HOURS,
};
use aiblock_primitives::inference::{
	audit_commitment, free_receipt_payload, proportional_shares, receipt_payload, state_root,
	AuditVerdict, FreeReceipt, Receipt,
};
use pallet_aiblock_inference::{Event as InferenceEvent, ServerTerms, UsageOf};

const PRICE: crate::Balance = UNIT;
const DEPOSIT: crate::Balance = 100 * UNIT;

fn call(who: &crate::AccountId, call: pallet_aiblock_inference::Call<Runtime>) -> DispatchOutcome {
	dispatch(who, RuntimeCall::Inference(call))
}

type DispatchOutcome = frame_support::dispatch::DispatchResultWithPostInfo;

fn genesis() -> H256 {
	System::block_hash(0)
}

fn events() -> Vec<InferenceEvent<Runtime>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			crate::RuntimeEvent::Inference(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// Model 0's blocks now, ascending, with `author`'s block in `SLOT`.
fn served_blocks(author: &crate::AccountId) -> Vec<H256> {
	let (base, _) = current();
	let candidate =
		<crate::ExpertDag as QualityGate<_>>::propose(author, 0, SLOT, payload(0x77), &[])
			.expect("a valid candidate");
	assert_ok!(<crate::ExpertDag as QualityGate<_>>::accept(candidate, 1));
	let mut ids: Vec<H256> =
		crate::ExpertDag::current_blocks(0).into_iter().map(|(_, id, _)| id).collect();
	assert!(ids.contains(&candidate) && !ids.contains(&base));
	ids.sort();
	ids
}

/// Bob serves model 0 at 1 AIB per 1,000 tokens; Charlie opens a channel of 100 AIB.
fn market() -> (crate::AccountId, crate::AccountId) {
	let (bob, charlie) = (account(Sr25519Keyring::Bob), account(Sr25519Keyring::Charlie));
	assert_ok!(dispatch(
		&bob,
		RuntimeCall::Stake(pallet_aiblock_stake::Call::bond { amount: MIN_WORKER_BOND })
	));
	assert_ok!(call(
		&bob,
		pallet_aiblock_inference::Call::register_server {
			terms: ServerTerms {
				model: 0,
				price_per_1k: PRICE,
				free_tokens_per_period: FREE_TOKENS_PER_DAY * 10
			},
			endpoint: b"http://127.0.0.1:8080".to_vec().try_into().unwrap(),
		}
	));
	assert_ok!(call(
		&charlie,
		pallet_aiblock_inference::Call::open_channel {
			server: bob.clone(),
			deposit: DEPOSIT,
			max_price_per_1k: PRICE,
		}
	));
	(bob, charlie)
}

/// Charlie's receipt after `requests` answers of 500 tokens, signed with Charlie's key.
fn signed(
	requests: u64,
	ids: &[H256],
	bob: &crate::AccountId,
) -> (Receipt<crate::AccountId>, crate::Signature) {
	let charlie = account(Sr25519Keyring::Charlie);
	let channel =
		pallet_aiblock_inference::Channels::<Runtime>::get(&charlie, bob).expect("open").id;
	let receipt = Receipt {
		channel,
		client: charlie,
		server: bob.clone(),
		state_root: state_root(0, ids),
		request_hash: aiblock_primitives::inference::request_hash(
			b"question",
			&requests.to_le_bytes(),
		),
		cumulative_tokens: requests * 500,
		requests,
	};
	let signature = Sr25519Keyring::Charlie.sign(&receipt_payload(&genesis(), &receipt)).into();
	(receipt, signature)
}

fn usage(ids: &[H256], counts: impl Fn(&H256) -> u64) -> UsageOf<Runtime> {
	ids.iter().map(|id| (*id, counts(id))).collect::<Vec<_>>().try_into().unwrap()
}

fn batch() -> aiblock_primitives::dag::Cid {
	payload(0x42).cid
}

fn claim(
	bob: &crate::AccountId,
	receipt: Receipt<crate::AccountId>,
	signature: crate::Signature,
	usage: UsageOf<Runtime>,
) -> DispatchOutcome {
	call(
		bob,
		pallet_aiblock_inference::Call::claim {
			receipt,
			signature,
			model: 0,
			usage,
			batch: batch(),
		},
	)
}

#[test]
fn a_client_pays_twenty_answers_and_the_authors_get_their_usage_share_to_the_unit() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let dave = account(Sr25519Keyring::Dave);
		let ids = served_blocks(&dave);
		let (bob, charlie) = market();
		let (dave_before, bob_before, charlie_before) = (free(&dave), free(&bob), free(&charlie));

		// Twenty answers; the server claims with the twentieth receipt. Dave's expert took
		// three tokens in four, every other block every token.
		let (receipt, signature) = signed(20, &ids, &bob);
		let dave_block = ids.iter().position(|id| {
			pallet_aiblock_expert_dag::Blocks::<Runtime>::get(id).and_then(|b| b.header.author)
				== Some(dave.clone())
		});
		let dave_block = dave_block.expect("Dave's block is served");
		let counts = |id: &H256| if *id == ids[dave_block] { 7_500 } else { 10_000 };
		assert_ok!(claim(&bob, receipt, signature, usage(&ids, counts)));

		let fee = 10 * PRICE;
		let all: Vec<u64> = ids.iter().map(counts).collect();
		let dave_share = proportional_shares(fee / 5, &all)[dave_block];
		assert!(dave_share > 0);
		assert_eq!(free(&dave) - dave_before, dave_share, "Dave's usage share, to the unit");
		// The server's part is three quarters; the pot (opened at genesis with the existential
		// deposit) takes its 5 % and the share of the genesis blocks, which have no author.
		let ed = <Balances as Inspect<_>>::minimum_balance();
		assert_eq!(free(&Inference::pot()), ed + fee / 4 - dave_share);
		assert_eq!(free(&bob) - bob_before, fee * 3 / 4);

		// The client closes; after the dispute window it takes the rest back.
		assert_ok!(call(
			&charlie,
			pallet_aiblock_inference::Call::close_channel { server: bob.clone() }
		));
		run_to(2 + HOURS);
		assert_ok!(call(
			&charlie,
			pallet_aiblock_inference::Call::withdraw { server: bob.clone() }
		));
		assert_eq!(
			free(&charlie) - charlie_before,
			DEPOSIT - fee,
			"the client paid exactly twenty answers"
		);
		try_state();
		Inference::do_try_state().unwrap();
	});
}

#[test]
fn receipts_forged_altered_or_from_another_chain_pay_nothing() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let ids = served_blocks(&account(Sr25519Keyring::Dave));
		let (bob, _) = market();
		let (receipt, good) = signed(3, &ids, &bob);
		let by_eve: crate::Signature =
			Sr25519Keyring::Eve.sign(&receipt_payload(&genesis(), &receipt)).into();
		let elsewhere: crate::Signature =
			Sr25519Keyring::Charlie.sign(&receipt_payload(&H256::repeat_byte(1), &receipt)).into();
		let mut inflated = receipt.clone();
		inflated.cumulative_tokens *= 10;
		let all = usage(&ids, |_| 1);
		let bob_before = free(&bob);
		for (receipt, signature) in
			[(receipt.clone(), by_eve), (receipt.clone(), elsewhere), (inflated, good.clone())]
		{
			assert_noop!(
				claim(&bob, receipt, signature, all.clone()),
				pallet_aiblock_inference::Error::<Runtime>::BadSignature
			);
		}
		// A server naming weights the client did not sign for.
		let mut fewer = ids.clone();
		fewer.pop();
		assert_noop!(
			claim(&bob, receipt.clone(), good.clone(), usage(&fewer, |_| 1)),
			pallet_aiblock_inference::Error::<Runtime>::StateRootMismatch
		);
		assert_ok!(claim(&bob, receipt.clone(), good.clone(), all.clone()));
		assert_noop!(
			claim(&bob, receipt, good, all),
			pallet_aiblock_inference::Error::<Runtime>::StaleReceipt
		);
		// The server's three quarters of the fee.
		let fee = 3 * 500 * PRICE / 1_000;
		assert_eq!(free(&bob) - bob_before, fee * 3 / 4);
		Inference::do_try_state().unwrap();
	});
}

#[test]
fn a_server_that_alters_answers_is_caught_by_the_auditors_and_slashed() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let ids = served_blocks(&account(Sr25519Keyring::Dave));
		let auditors: Vec<_> = [Sr25519Keyring::Eve, Sr25519Keyring::Ferdie, Sr25519Keyring::One]
			.into_iter()
			.map(account)
			.collect();
		for who in &auditors {
			assert_ok!(<Balances as frame_support::traits::fungible::Mutate<_>>::mint_into(
				who,
				1_000 * UNIT
			));
			register(who, Roles { trainer: false, evaluator: false, auditor: true }, 0);
		}
		run_to(2);
		let (bob, charlie) = market();
		// Claims are drawn at the chain's audit rate (every claim on the development chain, one
		// in ten by default): claim a request a block until one is drawn.
		let mut drawn = None;
		for requests in 1..=100 {
			let (receipt, signature) = signed(requests, &ids, &bob);
			assert_ok!(claim(&bob, receipt, signature, usage(&ids, |_| 500)));
			run_to(System::block_number() + 1);
			drawn = events().into_iter().find_map(|e| match e {
				InferenceEvent::AuditDrawn {
					claim, auditors, reveal_until, commit_until, ..
				} => Some((claim, auditors, commit_until, reveal_until)),
				_ => None,
			});
			if drawn.is_some() {
				break;
			}
		}
		let (audited, panel, commit_until, reveal_until) = drawn.expect("a claim is audited");
		assert_eq!(panel.len(), 3);
		let salt = H256::repeat_byte(9);
		for who in &panel {
			let commitment = audit_commitment(audited, who, AuditVerdict::Mismatch, &salt);
			assert_ok!(call(
				who,
				pallet_aiblock_inference::Call::commit_audit { claim: audited, commitment }
			));
		}
		run_to(commit_until + 1);
		for who in &panel {
			assert_ok!(call(
				who,
				pallet_aiblock_inference::Call::reveal_audit {
					claim: audited,
					verdict: AuditVerdict::Mismatch,
					salt
				}
			));
		}
		run_to(reveal_until + 1);
		let (charlie_before, bob_stake) = (free(&charlie), Stake::active_stake(&bob));
		assert_ok!(call(&charlie, pallet_aiblock_inference::Call::settle_audit { claim: audited }));
		assert_eq!(bob_stake - Stake::active_stake(&bob), SERVER_COLLATERAL);
		// The client gets the audited claim's fee back (one answer of 500 tokens), not more.
		assert_eq!(free(&charlie) - charlie_before, 500 * PRICE / 1_000);
		assert!(events().contains(&InferenceEvent::ServerRemoved { server: bob.clone() }));
		Inference::do_try_state().unwrap();
		try_state();
	});
}

#[test]
fn a_free_user_is_served_until_its_daily_quota_and_then_refused() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let (bob, _) = market();
		let eve = account(Sr25519Keyring::Eve);
		assert_ok!(call(&eve, pallet_aiblock_inference::Call::join_free_tier {}));
		let report = |requests: u32, tokens: u64| {
			let receipt = FreeReceipt {
				client: eve.clone(),
				server: bob.clone(),
				period: Inference::free_period(),
				state_root: H256::zero(),
				request_hash: H256::repeat_byte(requests as u8),
				cumulative_tokens: tokens,
				requests,
			};
			let signature =
				Sr25519Keyring::Eve.sign(&free_receipt_payload(&genesis(), &receipt)).into();
			call(&bob, pallet_aiblock_inference::Call::report_free_usage { receipt, signature })
		};
		// The development chain's quota (a smaller one than the runtime's default).
		let params = Inference::params();
		let quota = params.free_tokens_per_period;
		assert!(quota < FREE_TOKENS_PER_DAY);
		assert_ok!(report(2, quota / 2));
		assert_ok!(report(4, quota));
		let requests_left = params.free_requests_per_period - 4;
		assert_eq!(Inference::free_quota_left(&eve), Some((0, requests_left)));
		assert_noop!(
			report(5, quota + 1),
			pallet_aiblock_inference::Error::<Runtime>::QuotaExceeded
		);
		// The next day the quota is whole again.
		run_to(DAYS + 1);
		assert_ok!(report(1, 100));
		Inference::do_try_state().unwrap();
	});
}
