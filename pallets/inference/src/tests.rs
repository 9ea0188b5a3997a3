use crate::{
	mock::*, Audits, Channels, Error, Event, FreeUsers, HoldReason, MarketParams, NotAudited,
	OpenClaims, Servers,
};
use aiblock_primitives::{
	inference::{AuditVerdict, Receipt},
	stake::{SlashReason, StakeInspect},
};
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold, Get},
};
use sp_core::H256;
use sp_runtime::testing::TestSignature;

const DEPOSIT: Balance = 10_000;

fn held(who: AccountId, reason: HoldReason) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::Inference(reason), &who)
}

fn server_up(who: AccountId, free_tokens: u64) {
	assert_ok!(Inference::register_server(signed(who), terms(free_tokens), endpoint()));
}

fn open(client: AccountId, server: AccountId) {
	assert_ok!(Inference::open_channel(signed(client), server, DEPOSIT, PRICE));
}

fn claim_with(receipt: &Receipt<AccountId>, counts: [u64; 4]) -> sp_runtime::DispatchResult {
	Inference::claim(
		signed(receipt.server),
		receipt.clone(),
		sign(receipt),
		MODEL,
		usage(counts),
		cid(7),
	)
}

/// A server and a client with an open channel.
fn market() {
	server_up(SERVER, 0);
	open(CLIENT, SERVER);
}

fn claim_ids() -> Vec<u64> {
	OpenClaims::<Test>::iter_keys().collect()
}

#[test]
fn a_server_commits_collateral_and_takes_it_back() {
	build_and_execute(|| {
		assert_noop!(
			Inference::register_server(signed(CLIENT), terms(0), endpoint()),
			pallet_aiblock_stake::Error::<Test>::NotBonded
		);
		let mut unknown = terms(0);
		unknown.model = 9;
		assert_noop!(
			Inference::register_server(signed(SERVER), unknown, endpoint()),
			Error::<Test>::UnknownModel
		);
		for bad in [vec![], vec![0xff, 0xfe]] {
			assert_noop!(
				Inference::register_server(signed(SERVER), terms(0), bad.try_into().unwrap()),
				Error::<Test>::InvalidEndpoint
			);
		}
		server_up(SERVER, 0);
		assert_eq!(Stake::uncommitted_stake(&SERVER), BOND - SERVER_COLLATERAL);
		assert_noop!(
			Inference::register_server(signed(SERVER), terms(0), endpoint()),
			Error::<Test>::AlreadyServer
		);
		let mut dearer = terms(50);
		dearer.price_per_1k = 2 * PRICE;
		assert_ok!(Inference::update_server(signed(SERVER), dearer, endpoint()));
		assert_eq!(Servers::<Test>::get(SERVER).unwrap().terms, dearer);
		assert_noop!(
			Inference::update_server(signed(CLIENT), dearer, endpoint()),
			Error::<Test>::NotServer
		);
		assert_ok!(Inference::unregister_server(signed(SERVER)));
		assert_eq!(Stake::uncommitted_stake(&SERVER), BOND);
		assert_noop!(Inference::unregister_server(signed(SERVER)), Error::<Test>::NotServer);
	});
}

#[test]
fn opening_a_channel_holds_the_deposit_at_the_price_of_the_day() {
	build_and_execute(|| {
		assert_noop!(
			Inference::open_channel(signed(CLIENT), SERVER, DEPOSIT, PRICE),
			Error::<Test>::NotServer
		);
		server_up(SERVER, 0);
		assert_noop!(
			Inference::open_channel(signed(SERVER), SERVER, DEPOSIT, PRICE),
			Error::<Test>::SelfChannel
		);
		assert_noop!(
			Inference::open_channel(signed(CLIENT), SERVER, 99, PRICE),
			Error::<Test>::DepositTooSmall
		);
		// A server that raised its price above what the client accepts gets no channel.
		assert_noop!(
			Inference::open_channel(signed(CLIENT), SERVER, DEPOSIT, PRICE - 1),
			Error::<Test>::PriceAboveLimit
		);
		assert_noop!(
			Inference::open_channel(signed(CLIENT), SERVER, 10 * BOND, PRICE),
			Error::<Test>::InsufficientBalance
		);
		open(CLIENT, SERVER);
		assert_eq!(held(CLIENT, HoldReason::Prepaid), DEPOSIT);
		assert_noop!(
			Inference::open_channel(signed(CLIENT), SERVER, DEPOSIT, PRICE),
			Error::<Test>::ChannelExists
		);
		// A later price change leaves the open channel's price alone.
		let mut dearer = terms(0);
		dearer.price_per_1k = 3 * PRICE;
		assert_ok!(Inference::update_server(signed(SERVER), dearer, endpoint()));
		assert_eq!(Channels::<Test>::get(CLIENT, SERVER).unwrap().price_per_1k, PRICE);
		assert_ok!(Inference::top_up(signed(CLIENT), SERVER, 500));
		assert_eq!(held(CLIENT, HoldReason::Prepaid), DEPOSIT + 500);
		assert_noop!(
			Inference::top_up(signed(CLIENT), OTHER_SERVER, 500),
			Error::<Test>::NoChannel
		);
	});
}

#[test]
fn twenty_answers_pay_the_server_the_authors_by_usage_and_the_audit_pot() {
	build_and_execute(|| {
		AuditOneIn::set(u32::MAX);
		market();
		let before: Vec<Balance> = AUTHORS.iter().map(|a| free(*a)).collect();
		let server_before = free(SERVER);
		// 20 answers, 5,000 tokens at 1 planck a token: a fee of 5,000.
		let last = receipt(CLIENT, SERVER, 20, 5_000);
		assert_ok!(claim_with(&last, [100, 100, 200, 100]));
		// 20 % to the authors by usage: 200, 200, 400, and 200 for the genesis block (no
		// author), which goes to the pot with its 5 % (250); the server's 75 % is fixed.
		let got: Vec<Balance> = AUTHORS.iter().zip(&before).map(|(a, b)| free(*a) - b).collect();
		assert_eq!(got, vec![200, 200, 400]);
		assert_eq!(free(Inference::pot()), ED + 450);
		assert_eq!(free(SERVER) - server_before, 3_750);
		assert_eq!(held(CLIENT, HoldReason::Prepaid), DEPOSIT - 5_000);
		assert!(events().contains(&Event::Claimed {
			claim: 0,
			server: SERVER,
			client: CLIENT,
			requests: 20,
			tokens: 5_000,
			fee: 5_000,
			to_server: 3_750,
			to_authors: 800,
			to_audit_pot: 450,
		}));
		assert!(events().contains(&Event::UsageRewardPaid { claim: 0, author: 32, amount: 400 }));

		// The next claim pays only what is new; the same receipt again pays nothing.
		assert_noop!(claim_with(&last, [100, 100, 200, 100]), Error::<Test>::StaleReceipt);
		run_to_block(3);
		assert!(
			events().contains(&Event::ClaimNotAudited { claim: 0, reason: NotAudited::NotDrawn })
		);
		let next = receipt(CLIENT, SERVER, 21, 6_000);
		assert_ok!(claim_with(&next, [0, 0, 0, 10]));
		assert_eq!(held(CLIENT, HoldReason::Prepaid), DEPOSIT - 6_000);
		assert!(events().iter().any(|e| matches!(
			e,
			Event::Claimed { claim: 1, requests: 1, tokens: 1_000, fee: 1_000, to_authors: 0, .. }
		)));

		// The client closes; the server may claim within the window, then the rest goes back.
		assert_ok!(Inference::close_channel(signed(CLIENT), SERVER));
		assert_noop!(
			Inference::close_channel(signed(CLIENT), SERVER),
			Error::<Test>::ChannelClosing
		);
		assert_noop!(Inference::top_up(signed(CLIENT), SERVER, 1), Error::<Test>::ChannelClosing);
		assert_noop!(Inference::withdraw(signed(CLIENT), SERVER), Error::<Test>::DisputeWindowOpen);
		// One claim per server per block; less than the minimum fee is refused.
		assert_noop!(
			claim_with(&receipt(CLIENT, SERVER, 22, 6_500), [1, 1, 1, 1]),
			Error::<Test>::OneClaimPerBlock
		);
		run_to_block(4);
		assert_noop!(
			claim_with(&receipt(CLIENT, SERVER, 22, 6_009), [1, 1, 1, 1]),
			Error::<Test>::ClaimTooSmall
		);
		assert_ok!(claim_with(&receipt(CLIENT, SERVER, 22, 6_500), [1, 1, 1, 1]));
		run_to_block(4 + DISPUTE + 1);
		assert_noop!(
			claim_with(&receipt(CLIENT, SERVER, 23, 6_600), [1, 1, 1, 1]),
			Error::<Test>::ChannelClosed
		);
		let client_before = free(CLIENT);
		assert_ok!(Inference::withdraw(signed(CLIENT), SERVER));
		assert_eq!(free(CLIENT) - client_before, DEPOSIT - 6_500);
		assert_eq!(held(CLIENT, HoldReason::Prepaid), 0);
		assert!(!Channels::<Test>::contains_key(CLIENT, SERVER));
	});
}

#[test]
fn forged_replayed_and_oversized_claims_are_refused_and_move_nothing() {
	build_and_execute(|| {
		market();
		let good = receipt(CLIENT, SERVER, 3, 900);
		// Another server cannot use the receipt, nor claim on a channel it does not have.
		assert_noop!(
			Inference::claim(
				signed(OTHER_SERVER),
				good.clone(),
				sign(&good),
				MODEL,
				usage([1; 4]),
				cid(7)
			),
			Error::<Test>::NotYourReceipt
		);
		let mut other = good.clone();
		other.server = OTHER_SERVER;
		assert_noop!(claim_with(&other, [1; 4]), Error::<Test>::NotServer);
		server_up(OTHER_SERVER, 0);
		assert_noop!(claim_with(&other, [1; 4]), Error::<Test>::NoChannel);
		// Forged: the server's own signature, an altered total, another chain's genesis.
		let by_server = TestSignature(SERVER, crate::receipt_payload(&genesis(), &good));
		assert_noop!(
			Inference::claim(signed(SERVER), good.clone(), by_server, MODEL, usage([1; 4]), cid(7)),
			Error::<Test>::BadSignature
		);
		let mut inflated = good.clone();
		inflated.cumulative_tokens = 9_000;
		assert_noop!(
			Inference::claim(signed(SERVER), inflated, sign(&good), MODEL, usage([1; 4]), cid(7)),
			Error::<Test>::BadSignature
		);
		let elsewhere = TestSignature(CLIENT, crate::receipt_payload(&H256::repeat_byte(9), &good));
		assert_noop!(
			Inference::claim(signed(SERVER), good.clone(), elsewhere, MODEL, usage([1; 4]), cid(7)),
			Error::<Test>::BadSignature
		);
		// Beyond the deposit.
		assert_noop!(
			claim_with(&receipt(CLIENT, SERVER, 4, 10_001), [1; 4]),
			Error::<Test>::ExceedsDeposit
		);
		// A bad batch, usage out of order or of other weights, a block of another model.
		assert_noop!(
			Inference::claim(
				signed(SERVER),
				good.clone(),
				sign(&good),
				MODEL,
				usage([1; 4]),
				Default::default()
			),
			Error::<Test>::BadBatch
		);
		let mut reversed = usage([1; 4]).into_inner();
		reversed.reverse();
		assert_noop!(
			Inference::claim(
				signed(SERVER),
				good.clone(),
				sign(&good),
				MODEL,
				reversed.try_into().unwrap(),
				cid(7)
			),
			Error::<Test>::UsageNotSorted
		);
		assert_noop!(
			Inference::claim(
				signed(SERVER),
				good.clone(),
				sign(&good),
				MODEL,
				Default::default(),
				cid(7)
			),
			Error::<Test>::UsageNotSorted
		);
		let three: crate::UsageOf<Test> =
			usage([1; 4]).into_inner()[..3].to_vec().try_into().unwrap();
		assert_noop!(
			Inference::claim(signed(SERVER), good.clone(), sign(&good), MODEL, three, cid(7)),
			Error::<Test>::StateRootMismatch
		);
		let foreign = H256::repeat_byte(0xee);
		serve_block(foreign, 1, Some(SERVER));
		let ids = vec![blocks()[0], foreign];
		let mut tampered = good.clone();
		tampered.state_root = crate::state_root(MODEL, &ids);
		let listed: crate::UsageOf<Test> =
			ids.into_iter().map(|id| (id, 1)).collect::<Vec<_>>().try_into().unwrap();
		assert_noop!(
			Inference::claim(
				signed(SERVER),
				tampered.clone(),
				sign(&tampered),
				MODEL,
				listed,
				cid(7)
			),
			Error::<Test>::UnknownBlock
		);
		// The channel's receipts pay once: after a close and a new channel, an old receipt is
		// of another channel.
		assert_ok!(claim_with(&good, [1; 4]));
		assert_ok!(Inference::release_channel(signed(SERVER), CLIENT));
		assert_eq!(held(CLIENT, HoldReason::Prepaid), 0);
		open(CLIENT, SERVER);
		assert_noop!(claim_with(&good, [1; 4]), Error::<Test>::WrongChannel);
		let mut late = receipt(CLIENT, SERVER, 4, 950);
		late.channel = good.channel;
		assert_noop!(claim_with(&late, [1; 4]), Error::<Test>::WrongChannel);
	});
}

#[test]
fn a_block_takes_a_bounded_number_of_claims_one_per_server() {
	build_and_execute(|| {
		// Four servers (the auditors are bonded too), a fifth too many.
		let servers = [SERVER, OTHER_SERVER, 20, 21, 22];
		for server in servers {
			server_up(server, 0);
			open(CLIENT, server);
		}
		for server in &servers[..4] {
			assert_ok!(claim_with(&receipt(CLIENT, *server, 1, 10), [1; 4]));
		}
		assert_noop!(claim_with(&receipt(CLIENT, 22, 1, 10), [1; 4]), Error::<Test>::TooManyClaims);
		run_to_block(3);
		assert_ok!(claim_with(&receipt(CLIENT, 22, 1, 10), [1; 4]));
	});
}

/// A claim of 20 answers, drawn for an audit in the next block.
fn audited_claim() -> (u64, Vec<AccountId>, Vec<u64>) {
	market();
	assert_ok!(claim_with(&receipt(CLIENT, SERVER, 20, 5_000), [100, 100, 200, 100]));
	assert_noop!(Inference::unregister_server(signed(SERVER)), Error::<Test>::ClaimsUnderAudit);
	run_to_block(3);
	let drawn = events().into_iter().find_map(|e| match e {
		Event::AuditDrawn { claim, auditors, sample, commit_until, reveal_until } => {
			assert_eq!((commit_until, reveal_until), (3 + COMMIT, 3 + COMMIT + REVEAL));
			Some((claim, auditors, sample))
		},
		_ => None,
	});
	let (claim, mut auditors, sample) = drawn.expect("every claim is audited");
	auditors.sort();
	assert_eq!(auditors, AUDITORS.to_vec(), "the server and client are never drawn");
	assert_eq!(sample.len(), 2);
	assert!(sample.iter().all(|r| (1..=20).contains(r)) && sample[0] != sample[1]);
	(claim, auditors, sample)
}

fn vote(claim: u64, verdicts: &[(AccountId, AuditVerdict)]) {
	for (who, verdict) in verdicts {
		assert_ok!(Inference::commit_audit(signed(*who), claim, commitment(claim, *who, *verdict)));
	}
	run_to_block(3 + COMMIT + 1);
	for (who, verdict) in verdicts {
		assert_ok!(Inference::reveal_audit(signed(*who), claim, *verdict, salt(*who)));
	}
	run_to_block(3 + COMMIT + REVEAL + 1);
}

#[test]
fn an_honest_server_passes_its_audit_and_the_auditors_are_paid() {
	build_and_execute(|| {
		let (claim, auditors, _) = audited_claim();
		let before: Vec<Balance> = auditors.iter().map(|a| free(*a)).collect();
		vote(claim, &auditors.iter().map(|a| (*a, AuditVerdict::Honest)).collect::<Vec<_>>());
		assert_ok!(Inference::settle_audit(signed(CLIENT), claim));
		assert!(events().contains(&Event::AuditSettled {
			claim,
			verdict: Some(AuditVerdict::Honest),
			slashed: 0,
			to_client: 0,
			to_auditors: 0,
		}));
		for (a, b) in auditors.iter().zip(before) {
			assert_eq!(free(*a) - b, AUDIT_REWARD);
			assert_eq!(Stake::uncommitted_stake(a), BOND, "collateral released");
		}
		assert_eq!(free(Inference::pot()), ED + 450 - 3 * AUDIT_REWARD);
		assert!(Servers::<Test>::contains_key(SERVER));
		assert!(Audits::<Test>::iter().next().is_none() && claim_ids().is_empty());
		assert_ok!(Inference::unregister_server(signed(SERVER)));
	});
}

#[test]
fn a_server_caught_altering_answers_is_slashed_to_the_client_and_the_auditors() {
	build_and_execute(|| {
		let (claim, auditors, _) = audited_claim();
		let (finders, silent) = (&auditors[..2], auditors[2]);
		let before: Vec<Balance> = finders.iter().map(|a| free(*a)).collect();
		let client_before = free(CLIENT);
		// Two of three find a mismatch; the third never commits.
		vote(claim, &finders.iter().map(|a| (*a, AuditVerdict::Mismatch)).collect::<Vec<_>>());
		assert_noop!(
			Inference::reveal_audit(
				signed(finders[0]),
				claim,
				AuditVerdict::Mismatch,
				salt(finders[0])
			),
			Error::<Test>::NotRevealPhase
		);
		assert_ok!(Inference::settle_audit(signed(CLIENT), claim));
		assert!(events().contains(&Event::AuditSettled {
			claim,
			verdict: Some(AuditVerdict::Mismatch),
			slashed: SERVER_COLLATERAL,
			to_client: SERVER_COLLATERAL / 2,
			to_auditors: SERVER_COLLATERAL / 2,
		}));
		assert!(events().contains(&Event::ServerRemoved { server: SERVER }));
		assert_eq!(free(CLIENT) - client_before, SERVER_COLLATERAL / 2);
		for (a, b) in finders.iter().zip(before) {
			assert_eq!(free(*a) - b, SERVER_COLLATERAL / 4 + AUDIT_REWARD);
		}
		assert_eq!(Stake::active_stake(&SERVER), BOND - SERVER_COLLATERAL);
		assert_eq!(Stake::uncommitted_stake(&SERVER), BOND - SERVER_COLLATERAL, "released");
		assert_eq!(
			Stake::active_stake(&silent),
			BOND,
			"an auditor that never committed risked nothing and loses nothing"
		);
		assert_eq!(
			pallet_aiblock_workers::Workers::<Test>::get(silent).unwrap().reputation.failures,
			1
		);
		// The removed server claims no more; its client takes the rest back at once.
		assert_noop!(
			claim_with(&receipt(CLIENT, SERVER, 21, 5_100), [1; 4]),
			Error::<Test>::NotServer
		);
		let client_before = free(CLIENT);
		assert_ok!(Inference::close_channel(signed(CLIENT), SERVER));
		assert_eq!(free(CLIENT) - client_before, DEPOSIT - 5_000);
	});
}

#[test]
fn an_outvoted_auditor_loses_its_collateral_and_one_voice_never_convicts() {
	build_and_execute(|| {
		let (claim, auditors, _) = audited_claim();
		// The third commits and never reveals.
		assert_ok!(Inference::commit_audit(
			signed(auditors[2]),
			claim,
			commitment(claim, auditors[2], AuditVerdict::Honest)
		));
		vote(claim, &[(auditors[0], AuditVerdict::Mismatch), (auditors[1], AuditVerdict::Honest)]);
		assert_ok!(Inference::settle_audit(signed(CLIENT), claim));
		assert!(events().iter().any(|e| matches!(
			e,
			Event::AuditSettled { verdict: Some(AuditVerdict::Honest), slashed: 0, .. }
		)));
		assert_eq!(Stake::active_stake(&auditors[0]), BOND - AUDITOR_COLLATERAL, "outvoted");
		assert_eq!(
			Stake::active_stake(&auditors[2]),
			BOND - AUDITOR_COLLATERAL,
			"committed, silent"
		);
		assert_eq!(Stake::active_stake(&auditors[1]), BOND);
		let slashed = |who: AccountId, why: SlashReason| {
			System::events().iter().any(|r| {
				matches!(
					&r.event,
					RuntimeEvent::Stake(pallet_aiblock_stake::Event::Slashed { who: w, reason, .. })
						if *w == who && *reason == why
				)
			})
		};
		assert!(slashed(auditors[0], SlashReason::AuditOutvoted));
		assert!(slashed(auditors[2], SlashReason::MissedReveal));
		assert_eq!(Stake::active_stake(&SERVER), BOND);
		assert!(Servers::<Test>::contains_key(SERVER));
	});
}

#[test]
fn the_commit_reveal_refuses_out_of_turn_and_false_reveals() {
	build_and_execute(|| {
		let (claim, auditors, _) = audited_claim();
		let a = auditors[0];
		assert_noop!(
			Inference::commit_audit(signed(a), claim + 1, H256::zero()),
			Error::<Test>::NoAudit
		);
		assert_noop!(
			Inference::commit_audit(signed(CLIENT), claim, H256::zero()),
			Error::<Test>::NotOnPanel
		);
		assert_noop!(
			Inference::reveal_audit(signed(a), claim, AuditVerdict::Honest, salt(a)),
			Error::<Test>::NotRevealPhase
		);
		assert_ok!(Inference::commit_audit(
			signed(a),
			claim,
			commitment(claim, a, AuditVerdict::Honest)
		));
		assert_noop!(
			Inference::commit_audit(signed(a), claim, H256::zero()),
			Error::<Test>::AlreadyCommitted
		);
		assert_eq!(Stake::uncommitted_stake(&a), BOND - AUDITOR_COLLATERAL);
		run_to_block(3 + COMMIT + 1);
		assert_noop!(
			Inference::commit_audit(signed(auditors[1]), claim, H256::zero()),
			Error::<Test>::CommitWindowClosed
		);
		assert_noop!(
			Inference::reveal_audit(
				signed(auditors[1]),
				claim,
				AuditVerdict::Honest,
				salt(auditors[1])
			),
			Error::<Test>::NotCommitted
		);
		assert_noop!(
			Inference::reveal_audit(signed(a), claim, AuditVerdict::Mismatch, salt(a)),
			Error::<Test>::CommitmentMismatch
		);
		assert_noop!(Inference::settle_audit(signed(a), claim), Error::<Test>::RevealWindowOpen);
		assert_ok!(Inference::reveal_audit(signed(a), claim, AuditVerdict::Honest, salt(a)));
		assert_noop!(
			Inference::reveal_audit(signed(a), claim, AuditVerdict::Honest, salt(a)),
			Error::<Test>::AlreadyRevealed
		);
	});
}

#[test]
fn without_auditors_a_claim_closes_unaudited() {
	build_and_execute(|| {
		for who in AUDITORS {
			assert_ok!(Workers::deregister_worker(signed(who)));
		}
		market();
		assert_ok!(claim_with(&receipt(CLIENT, SERVER, 1, 10), [1; 4]));
		run_to_block(3);
		assert!(
			events().contains(&Event::ClaimNotAudited { claim: 0, reason: NotAudited::NoAuditors })
		);
		assert_ok!(Inference::unregister_server(signed(SERVER)));
	});
}

#[test]
fn a_free_user_is_served_until_its_quota_and_then_refused_with_the_reason() {
	build_and_execute(|| {
		server_up(SERVER, 10 * FREE_TOKENS);
		let report = |requests: u32, tokens: u64| {
			let r = free_receipt(requests, tokens);
			Inference::report_free_usage(signed(SERVER), r.clone(), sign_free(&r))
		};
		assert_noop!(report(1, 10), Error::<Test>::NotFreeUser);
		assert_ok!(Inference::join_free_tier(signed(FREE_USER)));
		assert_eq!(held(FREE_USER, HoldReason::FreeTier), FREE_DEPOSIT);
		assert_noop!(Inference::join_free_tier(signed(FREE_USER)), Error::<Test>::AlreadyFreeUser);
		assert_eq!(Inference::free_quota_left(&FREE_USER), Some((FREE_TOKENS, FREE_REQUESTS)));

		assert_ok!(report(4, 600));
		assert!(events().contains(&Event::FreeUsageRecorded {
			client: FREE_USER,
			donor: SERVER,
			tokens: 600,
			requests: 4,
			tokens_left: 400,
		}));
		assert_noop!(report(4, 600), Error::<Test>::StaleReceipt);
		assert_noop!(report(5, 1_001), Error::<Test>::QuotaExceeded);
		assert_ok!(report(5, 1_000));
		assert_eq!(Inference::free_quota_left(&FREE_USER), Some((0, FREE_REQUESTS - 5)));
		// Forged, of another period, from a server that donates nothing, from another server.
		let r = free_receipt(6, 1_000);
		assert_noop!(
			Inference::report_free_usage(signed(SERVER), r.clone(), TestSignature(SERVER, vec![])),
			Error::<Test>::BadSignature
		);
		let mut old = free_receipt(6, 1_000);
		old.period += 1;
		assert_noop!(
			Inference::report_free_usage(signed(SERVER), old.clone(), sign_free(&old)),
			Error::<Test>::WrongPeriod
		);
		assert_noop!(
			Inference::report_free_usage(signed(OTHER_SERVER), r.clone(), sign_free(&r)),
			Error::<Test>::NotYourReceipt
		);
		server_up(OTHER_SERVER, 0);
		let mut to_other = r.clone();
		to_other.server = OTHER_SERVER;
		assert_noop!(
			Inference::report_free_usage(
				signed(OTHER_SERVER),
				to_other.clone(),
				sign_free(&to_other)
			),
			Error::<Test>::NotDonor
		);
		// Leaving in a period with usage would buy a new quota: refused until it ends.
		assert_noop!(Inference::leave_free_tier(signed(FREE_USER)), Error::<Test>::UsedThisPeriod);
		run_to_block(FREE_PERIOD);
		assert_eq!(Inference::free_quota_left(&FREE_USER), Some((FREE_TOKENS, FREE_REQUESTS)));
		assert_ok!(report(1, 10));
		assert_eq!(FreeUsers::<Test>::get(FREE_USER).unwrap().tokens, 10);
		run_to_block(2 * FREE_PERIOD);
		assert_ok!(Inference::leave_free_tier(signed(FREE_USER)));
		assert_eq!(held(FREE_USER, HoldReason::FreeTier), 0);
		assert_noop!(Inference::leave_free_tier(signed(FREE_USER)), Error::<Test>::NotFreeUser);
	});
}

#[test]
fn requests_and_donor_capacity_bound_the_free_tier() {
	build_and_execute(|| {
		server_up(SERVER, 100);
		assert_ok!(Inference::join_free_tier(signed(FREE_USER)));
		let report = |requests: u32, tokens: u64| {
			let r = free_receipt(requests, tokens);
			Inference::report_free_usage(signed(SERVER), r.clone(), sign_free(&r))
		};
		assert_noop!(report(FREE_REQUESTS + 1, 1), Error::<Test>::QuotaExceeded);
		assert_noop!(report(1, 101), Error::<Test>::DonorCapacityExhausted);
		assert_ok!(report(FREE_REQUESTS, 100));
		assert_eq!(Servers::<Test>::get(SERVER).unwrap().free_served, 100);
		// A user's period counts at most two donors.
		let per_user: u32 = <Test as crate::Config>::MaxDonorsPerUser::get();
		assert_eq!(per_user, 2);
	});
}

#[test]
fn an_audit_pays_no_more_than_the_claims_drawn_among_bring_the_pot() {
	build_and_execute(|| {
		market();
		// A small claim: 1,000 planck, 52 of them to the pot (its 5 %, and the 2 the authors'
		// shares of 200 leave in rounding).
		assert_ok!(claim_with(&receipt(CLIENT, SERVER, 1, 1_000), [1, 1, 1, 0]));
		run_to_block(3);
		let claim = claim_ids()[0];
		let panel = Audits::<Test>::get(claim).unwrap().panel;
		let auditors: Vec<AccountId> = panel.iter().map(|seat| seat.who).collect();
		let before: Vec<Balance> = auditors.iter().map(|a| free(*a)).collect();
		vote(claim, &auditors.iter().map(|a| (*a, AuditVerdict::Honest)).collect::<Vec<_>>());
		assert_ok!(Inference::settle_audit(signed(CLIENT), claim));
		// One claim in one is audited: the claim's 52 shared by three, 17 each, not 20.
		for (a, b) in auditors.iter().zip(before) {
			assert_eq!(free(*a) - b, 17);
		}
		assert_eq!(free(Inference::pot()), ED + 1, "the pot never pays below its deposit");
	});
}

#[test]
fn without_a_majority_of_reveals_nothing_is_decided_and_no_finder_is_slashed() {
	build_and_execute(|| {
		let (claim, auditors, _) = audited_claim();
		// One finds a mismatch; the two others never commit (offline, or the server's own).
		vote(claim, &[(auditors[0], AuditVerdict::Mismatch)]);
		assert_ok!(Inference::settle_audit(signed(CLIENT), claim));
		assert!(events().iter().any(|e| matches!(
			e,
			Event::AuditSettled { verdict: None, slashed: 0, to_client: 0, to_auditors: 0, .. }
		)));
		assert_eq!(Stake::active_stake(&auditors[0]), BOND, "the lone finder keeps its stake");
		assert_eq!(Stake::uncommitted_stake(&auditors[0]), BOND);
		assert_eq!(Stake::active_stake(&SERVER), BOND);
		assert!(Servers::<Test>::contains_key(SERVER));
	});
}

#[test]
fn governance_sets_the_audit_rate_and_windows_and_what_is_under_way_keeps_its_own() {
	build_and_execute(|| {
		AuditOneIn::set(u32::MAX);
		let params = MarketParams {
			audit_one_in: 1,
			audit_commit_window: 10,
			audit_reveal_window: 12,
			dispute_window: 2,
			free_tokens_per_period: 0,
			free_requests_per_period: 0,
		};
		assert_noop!(
			Inference::set_params(signed(CLIENT), params),
			sp_runtime::DispatchError::BadOrigin
		);
		for bad in [
			MarketParams { audit_one_in: 0, ..params },
			MarketParams { audit_commit_window: 9, ..params },
			MarketParams { audit_reveal_window: 0, ..params },
			MarketParams { dispute_window: 0, ..params },
		] {
			assert_noop!(
				Inference::set_params(RuntimeOrigin::root(), bad),
				Error::<Test>::BadParams
			);
		}
		market();
		// A channel closed under the default window keeps its end.
		assert_ok!(Inference::close_channel(signed(CLIENT), SERVER));
		let closing = Channels::<Test>::get(CLIENT, SERVER).unwrap().closes_at;
		assert_eq!(closing, Some(System::block_number() + DISPUTE));

		assert_ok!(Inference::set_params(RuntimeOrigin::root(), params));
		assert_eq!(Inference::params(), params);
		assert!(events().contains(&Event::ParamsSet { params }));
		// Every claim is now drawn (the default drew none), with the new windows.
		assert_ok!(claim_with(&receipt(CLIENT, SERVER, 20, 5_000), [100, 100, 200, 100]));
		run_to_block(3);
		let drawn = Audits::<Test>::get(0).expect("audited at 1 in 1");
		assert_eq!((drawn.commit_until, drawn.reveal_until), (3 + 10, 3 + 10 + 12));
		assert_eq!(Channels::<Test>::get(CLIENT, SERVER).unwrap().closes_at, closing);
		// A channel closed now gets the new dispute window.
		assert_ok!(Inference::open_channel(signed(AUDITORS[0]), SERVER, DEPOSIT, PRICE));
		assert_ok!(Inference::close_channel(signed(AUDITORS[0]), SERVER));
		assert_eq!(Channels::<Test>::get(AUDITORS[0], SERVER).unwrap().closes_at, Some(3 + 2));
		// And the free tier is closed: no quota left.
		assert_ok!(Inference::join_free_tier(signed(FREE_USER)));
		assert_eq!(Inference::free_quota_left(&FREE_USER), Some((0, 0)));
	});
}
