//! Scenario 8 of `e2e`: a server that sells its answers (`serve --price`) and a paying client
//! (`aiblock-worker ask`). The client prepays a channel and asks twenty questions, each paid
//! for with a signed receipt; the server claims on chain; the fee is split between the server
//! (three quarters), the authors of the blocks that answered and the audit pot. A request
//! without payment, and one the deposit cannot cover, are refused with their reason. The
//! seller donates too: a free-tier member is answered until its daily quota and then refused
//! with the reason, its use counted on chain. The development chain audits every claim: the
//! evaluator workers (also auditors) replay the samples and find the honest server honest, and
//! catch a server that alters its answers (`--alter-answers`), which loses its collateral. The
//! client closes its channel and gets back exactly what it did not spend.

use super::{account, free_port, serving, Network};
use aiblock_worker::chain::{
	runtime::{
		inference::events::{
			AuditRevealed, AuditSettled, ChannelSettled, Claimed, ServerRemoved, UsageRewardPaid,
		},
		runtime_types::aiblock_primitives::inference::AuditVerdict,
	},
	At, BlockStatus,
};
use serde_json::json;
use std::{
	collections::BTreeMap,
	path::Path,
	process::Command,
	time::{Duration, Instant},
};
use subxt::utils::AccountId32;

const SELLER: &str = "//Ferdie//stash";
const BUYER: &str = "//Eve";
/// A buyer whose deposit cannot cover a long answer.
const SHORT_BUYER: &str = "//Alice//stash";
/// A server that alters its answers.
const CHEATER: &str = "//Eve//stash";
/// A free-tier member.
const FREE_USER: &str = "//Alice//stash";
const UNIT: u128 = 1_000_000_000_000;
/// 1 AIB per 1,000 output tokens.
const PRICE: u128 = 1_000_000_000_000;

/// POST `body` to `url`; the status and the JSON answer, whatever the status.
fn post(url: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
	let agent: ureq::Agent =
		ureq::Agent::config_builder().http_status_as_error(false).build().into();
	let mut answer = agent
		.post(url)
		.header("Content-Type", "application/json")
		.send(body.to_string())
		.unwrap_or_else(|e| panic!("POST {url}: {e}"));
	let status = answer.status().as_u16();
	(status, serde_json::from_str(&answer.body_mut().read_to_string().unwrap()).unwrap())
}

/// `aiblock-worker ask` as `suri`: its exit status, stdout and stderr.
fn ask(
	net: &Network,
	base: &str,
	suri: &str,
	extra: &[&str],
	prompt: &str,
) -> (bool, String, String) {
	let out = Command::new(&net.worker)
		.args(["ask", "--server", base, "--node", &net.node_url, "--dev", "--suri", suri])
		.args(extra)
		.arg(prompt)
		.output()
		.unwrap();
	(
		out.status.success(),
		String::from_utf8_lossy(&out.stdout).into_owned(),
		String::from_utf8_lossy(&out.stderr).into_owned(),
	)
}

/// The events `E` of blocks `from..=to`.
async fn events<E: subxt::events::DecodeAsEvent>(net: &Network, from: u64, to: u64) -> Vec<E> {
	let mut found = Vec::new();
	for number in from..=to {
		let at = net.chain.api.at_block(number).await.unwrap();
		found.extend(at.events().fetch().await.unwrap().find::<E>().map(Result::unwrap));
	}
	found
}

/// The authors of model 1's adopted blocks.
async fn authors(net: &Network, at: &At) -> Vec<AccountId32> {
	let mut authors = Vec::new();
	for (_, _, record) in net.chain.current_blocks(at, 1).await.unwrap() {
		assert!(matches!(record.status, BlockStatus::Accepted));
		if let Some(author) = record.header.author {
			authors.push(author);
		}
	}
	authors
}

/// Start `serve --price` as `suri` (with `extra` arguments) under the name `name`; its URL.
async fn start_seller(net: &mut Network, name: &str, suri: &str, extra: &[&str]) -> String {
	let price = PRICE.to_string();
	let args =
		["--serve-model", "1", "--dev", "--suri", suri, "--price", &price, "--claim-every", "3"];
	let args: Vec<&str> = args.iter().chain(extra).copied().collect();
	serving::start_server(net, name, &args, "/v1/aiblock/market").await
}

/// Scenario 8; the seller's URL (it goes on serving).
pub async fn paid_answers(net: &mut Network) -> String {
	// The seller also donates: it answers free-tier members.
	// It lends its experts too: scenario 9 finds it in the registry.
	let base = start_seller(net, "seller", SELLER, &["--donate", "1000", "--lend-experts"]).await;
	let from = net.at().await.block_number();

	// Without payment: refused, with the way to pay.
	let body = json!({"model": "aiblock-shakespeare", "prompt": "ROMEO:", "max_tokens": 8});
	let (status, refused) = post(&format!("{base}/v1/completions"), &body);
	assert_eq!((status, &refused["error"]["code"]), (402, &json!("payment_required")), "{refused}");

	// Twenty paid questions; each answer's trail is checked and paid for.
	let mut tokens = 0u64;
	for i in 0..20 {
		let prompt = format!("ROMEO {i}:");
		let (ok, answer, log) =
			ask(net, &base, BUYER, &["--deposit", "100", "--max-tokens", "16", "--json"], &prompt);
		assert!(ok, "ask {i} failed: {log}");
		let answer: serde_json::Value = serde_json::from_str(answer.trim()).unwrap();
		assert_eq!(answer["aiblock"]["model"]["index"], 1);
		tokens += answer["usage"]["completion_tokens"].as_u64().unwrap();
		assert!(log.contains(&format!("paid: answer {} ", i + 1)), "{log}");
	}
	eprintln!("[e2e] 8: twenty paid answers, {tokens} tokens");

	// An unmodified OpenAI client (the `openai` package) through `aiblock-worker proxy`, which
	// pays with the buyer's key on the same channel.
	let mut requests = 20;
	match std::env::var_os("AIBLOCK_OPENAI_PYTHON") {
		Some(python) => {
			tokens += through_the_proxy(net, &base, Path::new(&python)).await;
			requests += 2;
		},
		None => {
			assert!(
				std::env::var_os("AIBLOCK_E2E_REQUIRED").is_none(),
				"AIBLOCK_OPENAI_PYTHON (a python with the `openai` package) is not set"
			);
			eprintln!("[e2e] 8: the proxy check skipped: AIBLOCK_OPENAI_PYTHON is not set");
		},
	}

	// A deposit that cannot cover the most tokens an answer may take.
	let (ok, _, log) =
		ask(net, &base, SHORT_BUYER, &["--deposit", "1", "--max-tokens", "1024"], "KING:");
	assert!(!ok && log.contains("deposit"), "{log}");

	// A free-tier member (joining with its first question) is answered until its daily quota,
	// five requests on the development chain, then refused with the reason.
	for i in 0..5 {
		let prompt = format!("JULIET {i}:");
		let (ok, _, log) = ask(net, &base, FREE_USER, &["--free", "--max-tokens", "16"], &prompt);
		assert!(ok, "free ask {i} failed: {log}");
		assert!(log.contains(&format!("free: answer {} ", i + 1)), "{log}");
	}
	let (ok, _, log) = ask(net, &base, FREE_USER, &["--free", "--max-tokens", "16"], "JULIET:");
	assert!(!ok && log.contains("HTTP 429") && log.contains("5 of 5 requests"), "{log}");
	{
		let (chain, member, seller) = (net.chain.clone(), account(FREE_USER), account(SELLER));
		net.wait_for("the free answers counted on chain", Duration::from_secs(120), |at| {
			let (chain, member, seller) = (chain.clone(), member.clone(), seller.clone());
			async move {
				let standing = chain.free_standing(&at, &member, &seller).await.unwrap();
				(standing.member?.requests == 5).then_some(())
			}
		})
		.await;
	}
	eprintln!("[e2e] 8: a free-tier member answered five times, then refused at its quota");

	// The server claims; the chain pays it out of the deposit.
	let (buyer, seller) = (account(BUYER), account(SELLER));
	let fee = u128::from(tokens) * PRICE / 1_000;
	let channel = {
		let chain = net.chain.clone();
		let (buyer, seller) = (buyer.clone(), seller.clone());
		net.wait_for("the paid answers claimed", Duration::from_secs(120), |at| {
			let (chain, buyer, seller) = (chain.clone(), buyer.clone(), seller.clone());
			async move {
				let channel = chain.channel(&at, &buyer, &seller).await.unwrap()?;
				(channel.claimed_requests == requests).then_some(channel)
			}
		})
		.await
	};
	assert_eq!(channel.claimed_tokens, tokens);
	let at = net.at().await;
	let claimed: Vec<Claimed> = events(net, from, at.block_number()).await;
	let rewards: Vec<UsageRewardPaid> = events(net, from, at.block_number()).await;
	assert_eq!(claimed.iter().map(|c| c.fee).sum::<u128>(), fee, "paid exactly the tokens");
	let block_authors = authors(net, &at).await;
	let mut by_author = BTreeMap::<AccountId32, u128>::new();
	for reward in &rewards {
		assert!(block_authors.contains(&reward.author), "paid to a block's author: {reward:?}");
		*by_author.entry(reward.author.clone()).or_default() += reward.amount;
	}
	for claim in &claimed {
		assert_eq!(claim.server, seller);
		// The server's part is three quarters; the authors' 20 % goes to the authors of the
		// answering blocks by usage, what authorless (genesis) blocks would have had to the
		// pot with its 5 %.
		assert_eq!(claim.to_server, claim.fee * 3 / 4, "the server's three quarters");
		let paid: u128 = rewards.iter().filter(|r| r.claim == claim.claim).map(|r| r.amount).sum();
		assert_eq!(paid, claim.to_authors, "the authors' shares add up");
		assert!(claim.to_authors > 0 && claim.to_authors <= claim.fee / 5);
		assert!(claim.to_audit_pot >= claim.fee / 20);
		assert_eq!(claim.to_server + claim.to_authors + claim.to_audit_pot, claim.fee);
	}
	eprintln!("[e2e] 8: {} claims, fee {fee} planck; authors paid {by_author:?}", claimed.len());

	// The client closes its channel; after the dispute window it takes the rest back.
	net.chain.close_channel(&seller).await.unwrap();
	let closing = net.at().await.block_number();
	let cheater = cheating_server_caught(net).await;
	// The development chain's dispute window is 20 blocks.
	let window_over = closing + 21;
	net.wait_for("the dispute window over", Duration::from_secs(120), |at| async move {
		(at.block_number() > window_over).then_some(())
	})
	.await;
	net.chain.withdraw_channel(&seller).await.unwrap();
	let at = net.at().await;
	let settled: Vec<ChannelSettled> = events(net, closing, at.block_number()).await;
	let refund = settled.into_iter().find(|s| s.server == seller).expect("settled").refund;
	assert_eq!(refund, 100 * UNIT - fee, "the client got back exactly what it did not spend");
	eprintln!("[e2e] 8: channel closed, {refund} planck back to the client");

	// Every claim was audited (the development chain audits them all) and found honest.
	{
		let chain = net.chain.clone();
		let claims: Vec<u64> = claimed.iter().map(|c| c.claim).collect();
		net.wait_for("the honest claims' audits settled", Duration::from_secs(240), |at| {
			let (chain, claims) = (chain.clone(), claims.clone());
			async move {
				for claim in &claims {
					chain.claim_state(&at, *claim).await.unwrap().is_none().then_some(())?;
				}
				Some(())
			}
		})
		.await;
	}
	let at = net.at().await;
	let verdicts: Vec<AuditSettled> = events(net, from, at.block_number()).await;
	for claim in &claimed {
		let verdict = verdicts.iter().find(|v| v.claim == claim.claim);
		let verdict =
			verdict.unwrap_or_else(|| panic!("claim {} audited: {verdicts:?}", claim.claim));
		assert!(matches!(verdict.verdict, Some(AuditVerdict::Honest)), "{verdict:?}");
		assert_eq!(verdict.slashed, 0);
	}
	assert!(net.chain.server(&at, &seller).await.unwrap().is_some(), "the honest seller serves on");
	assert!(net.chain.server(&at, &cheater).await.unwrap().is_none(), "the cheater is gone");
	eprintln!("[e2e] 8: the honest seller's {} claims audited honest", claimed.len());
	// Scenario 9 finds it in the registry; it stops after that.
	base
}

/// The `openai` package's completion and streamed chat through `aiblock-worker proxy` in
/// front of the seller at `base`, paying with the buyer's key behind an API key; a request
/// with another key is refused. Returns the tokens paid for.
async fn through_the_proxy(net: &mut Network, base: &str, python: &Path) -> u64 {
	const KEY: &str = "e2e-proxy-key";
	let listen = format!("127.0.0.1:{}", free_port());
	let args = [
		"proxy",
		"--server",
		base,
		"--node",
		&net.node_url,
		"--dev",
		"--suri",
		BUYER,
		"--listen",
		&listen,
		"--api-key",
		KEY,
	];
	let worker = net.worker.clone();
	net.procs.spawn("proxy", &worker, &args);
	let agent: ureq::Agent =
		ureq::Agent::config_builder().http_status_as_error(false).build().into();
	let started = Instant::now();
	let refused = loop {
		let sent = agent
			.post(format!("http://{listen}/v1/completions"))
			.header("Authorization", "Bearer not-the-key")
			.send(json!({"model": "m", "prompt": "x"}).to_string());
		if let Ok(response) = sent {
			break response.status().as_u16();
		}
		assert!(started.elapsed() < Duration::from_secs(120), "the proxy did not come up");
		tokio::time::sleep(Duration::from_millis(500)).await;
	};
	assert_eq!(refused, 401, "a request without the proxy's API key is refused");
	let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openai_client.py");
	let out = Command::new(python)
		.arg(&script)
		.arg(format!("http://{listen}/v1"))
		.arg("aiblock-shakespeare")
		.arg(KEY)
		.output()
		.unwrap();
	assert!(
		out.status.success(),
		"openai through the proxy: {}",
		String::from_utf8_lossy(&out.stderr)
	);
	let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
	let tokens = |trail: &str| report[trail]["output"]["tokens"].as_u64().unwrap();
	let paid = tokens("completion_trail") + tokens("chat_trail");
	net.procs.kill("proxy");
	eprintln!("[e2e] 8: the openai package paid for two answers through the proxy ({paid} tokens)");
	paid
}

/// A server that alters its answers (`--alter-answers`, a test-only switch) is paid for two
/// of them, claims, and is caught by the auditors' replay: it loses its collateral, part of it
/// to the client, and is removed. Returns its account.
async fn cheating_server_caught(net: &mut Network) -> AccountId32 {
	let base = start_seller(net, "cheater", CHEATER, &["--alter-answers"]).await;
	let from = net.at().await.block_number();
	for i in 0..2 {
		let (ok, answer, log) =
			ask(net, &base, BUYER, &["--deposit", "10", "--max-tokens", "16", "--json"], "KING:");
		assert!(ok, "ask {i} of the cheater failed: {log}");
		let answer: serde_json::Value = serde_json::from_str(answer.trim()).unwrap();
		assert_eq!(answer["aiblock"]["model"]["index"], 1, "{answer}");
	}
	let cheater = account(CHEATER);
	let settled = {
		let chain = net.chain.clone();
		let cheater = cheater.clone();
		net.wait_for("the cheater caught", Duration::from_secs(300), |at| {
			let (chain, cheater) = (chain.clone(), cheater.clone());
			async move { chain.server(&at, &cheater).await.unwrap().is_none().then_some(at) }
		})
		.await
	};
	let to = settled.block_number();
	let claimed: Vec<Claimed> = events(net, from, to).await;
	let claimed: Vec<&Claimed> = claimed.iter().filter(|c| c.server == cheater).collect();
	let verdicts: Vec<AuditSettled> = events(net, from, to).await;
	let (claim, verdict) = claimed
		.iter()
		.find_map(|claim| {
			let verdict = verdicts.iter().find(|v| v.claim == claim.claim)?;
			matches!(verdict.verdict, Some(AuditVerdict::Mismatch)).then_some((claim, verdict))
		})
		.unwrap_or_else(|| panic!("a claim of {claimed:?} found a mismatch: {verdicts:?}"));
	assert_eq!(verdict.slashed, 50 * UNIT, "the whole server collateral");
	assert_eq!(verdict.to_client, claim.fee.min(verdict.slashed / 2), "the client's fee back");
	let revealed: Vec<AuditRevealed> = events(net, from, to).await;
	let revealed: Vec<&AuditRevealed> =
		revealed.iter().filter(|r| r.claim == claim.claim).collect();
	assert_eq!(revealed.len(), 3, "the whole panel revealed: {revealed:?}");
	assert!(revealed.iter().all(|r| matches!(r.verdict, AuditVerdict::Mismatch)));
	let removed: Vec<ServerRemoved> = events(net, from, to).await;
	assert!(removed.iter().any(|r| r.server == cheater));
	assert!(net.procs.log("evaluator0").contains("MISMATCH"), "the auditor says why");
	eprintln!(
		"[e2e] 8: the cheating server was caught by 3 auditors' replay: {} planck slashed, {} \
		 to the client",
		verdict.slashed, verdict.to_client
	);
	net.procs.kill("cheater");
	cheater
}
