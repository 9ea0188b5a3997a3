//! A server selling answers: each paying client's [`Book`], the checks before an answer
//! (a signed request, an open channel that covers it, the last answer paid for), the receipts
//! after it, and the claims that turn receipts into payment, with the batch file auditors
//! check.

use super::{
	chain::{account, chain_account},
	ledger::{Book, Owed, Refusal},
	lock,
	receipt::{self, SignedReceipt},
	usage::Usage,
};
use crate::{chain::Chain, serve::model::hex, store::Store, WorkerError};
use aiblock_compute::store::ContentStore;
use aiblock_primitives::{AccountId, Signature, H256};
use serde_json::{json, Value};
use std::{
	collections::HashMap,
	sync::{Arc, Mutex},
};

/// Why a paid request is not answered: an HTTP status, an error code and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Turned {
	pub status: u16,
	pub code: &'static str,
	pub message: String,
}

/// The selling side of a server.
pub struct Seller {
	chain: Chain,
	store: Arc<Store>,
	/// This server's account and the chain's genesis hash (every signature covers it).
	pub me: AccountId,
	pub genesis: H256,
	pub price_per_1k: u128,
	/// The chain's smallest claim: smaller ones wait for more answers.
	min_claim_fee: u128,
	books: Mutex<HashMap<AccountId, Book>>,
	/// This server's claims not yet past their audit.
	open_claims: Mutex<Vec<u64>>,
	/// TEST ONLY: alter every answer ([`crate::serve::MarketConfig::alter_answers`]).
	pub alter_answers: bool,
}

impl Seller {
	/// Sell answers at `price_per_1k` with this key (registered as a server by the caller).
	pub async fn start(
		chain: Chain,
		store: Arc<Store>,
		price_per_1k: u128,
		alter_answers: bool,
	) -> Result<Arc<Seller>, WorkerError> {
		let me = account(&chain.account());
		let genesis = chain.genesis();
		let min_claim_fee = chain.min_claim_fee().await?;
		log::info!(
			"serve: selling answers as {} at {price_per_1k} planck per 1,000 tokens",
			chain.account()
		);
		if alter_answers {
			log::warn!("serve: TEST ONLY: altering every answer (--alter-answers)");
		}
		Ok(Arc::new(Seller {
			chain,
			store,
			me,
			genesis,
			price_per_1k,
			min_claim_fee,
			books: Mutex::default(),
			open_claims: Mutex::default(),
			alter_answers,
		}))
	}

	/// Admit `client`'s `body` asking for up to `max_tokens`, signed as `signature`: the
	/// channel is open and covers it, the last answer is paid for, the signature is the
	/// client's for its next request number.
	pub async fn admit(
		&self,
		client: &AccountId,
		signature: &Signature,
		body: &[u8],
		max_tokens: u64,
	) -> Result<(), Turned> {
		let known = lock(&self.books).contains_key(client);
		if !known {
			let chain = self.channel_on_chain(client).await?;
			lock(&self.books).entry(client.clone()).or_insert_with(|| Book::new(chain));
		}
		let next = {
			let books = lock(&self.books);
			books.get(client).map_or(1, |book| book.totals().1 + 1)
		};
		if !receipt::request_signed(&self.genesis, &self.me, client, next, body, signature) {
			return Err(Turned {
				status: 401,
				code: "bad_request_signature",
				message: format!(
					"X-Aiblock-Signature is not the client's signature of request {next} on this channel"
				),
			});
		}
		let refused = lock(&self.books).get_mut(client).map(|book| book.admit(max_tokens));
		match refused {
			Some(Ok(())) => Ok(()),
			// A top-up or a close since the book was loaded: read the channel again once.
			Some(Err(Refusal::DepositExhausted { .. } | Refusal::Closing)) | None => {
				let chain = self.channel_on_chain(client).await?;
				let mut books = lock(&self.books);
				let book = books.entry(client.clone()).or_insert_with(|| Book::new(chain.clone()));
				book.refresh(chain);
				book.admit(max_tokens).map_err(payment_required)
			},
			Some(Err(refusal)) => Err(payment_required(refusal)),
		}
	}

	async fn channel_on_chain(&self, client: &AccountId) -> Result<super::ledger::OnChain, Turned> {
		let unavailable = chain_unavailable("the channel");
		let at = self.chain.finalized().await.map_err(unavailable)?;
		self.chain
			.channel(&at, &chain_account(client), &chain_account(&self.me))
			.await
			.map_err(unavailable)?
			.ok_or_else(|| Turned {
				status: 402,
				code: "no_channel",
				message: "no prepaid channel with this server: open one with \
				          inference.openChannel(server, deposit) (aiblock-worker ask opens one)"
					.into(),
			})
	}

	/// `client` was answered: a receipt for `owed` is due.
	pub fn answered(&self, client: &AccountId, owed: Owed) {
		if let Some(book) = lock(&self.books).get_mut(client) {
			book.answered(owed);
		}
	}

	/// `client`'s admitted request ended without an answer.
	pub fn unanswered(&self, client: &AccountId) {
		if let Some(book) = lock(&self.books).get_mut(client) {
			book.unanswered();
		}
	}

	/// Take `signed` as `client`'s payment for its last answer.
	pub fn pay(&self, client: &AccountId, signed: SignedReceipt) -> Result<(), Turned> {
		let mut books = lock(&self.books);
		let book = books.get_mut(client).ok_or_else(|| Turned {
			status: 404,
			code: "no_channel",
			message: "this server has answered no request on such a channel".into(),
		})?;
		book.pay(&self.genesis, &self.me, client, signed).map_err(|e| Turned {
			status: 400,
			code: "bad_receipt",
			message: e.to_string(),
		})
	}

	/// `client`'s channel as this server sees it: its newest receipt and the answer owed, so
	/// that a client that lost its state goes on from there (it checks its own signature).
	pub fn channel(&self, client: &AccountId) -> Value {
		let books = lock(&self.books);
		let Some(book) = books.get(client) else { return json!({"known": false}) };
		let owed = book.owed().map(|owed| {
			json!({
				"request_hash": hex(&owed.answered.request_hash.0),
				"tokens": owed.answered.tokens,
				"state_root": hex(&owed.answered.state_root.0),
			})
		});
		json!({
			"known": true,
			"channel": book.chain.id,
			"last": book.last.as_ref().map(receipt::to_json),
			"owed": owed,
		})
	}

	/// Claim every channel with paid answers not yet claimed: the batch file to the store
	/// (pinned), the newest receipt and the usage to the chain. Returns the claims made.
	pub async fn claim_due(&self) -> Vec<(u64, u128)> {
		let due: Vec<(AccountId, SignedReceipt, u32, Usage, Vec<u8>)> = {
			let books = lock(&self.books);
			books
				.iter()
				.filter_map(|(client, book)| {
					let all = book.claimable(usize::MAX)?;
					// What the auditors read: a claim's batch file fits their limit.
					let fitting = fitting_entries(all.entries);
					let claim =
						if fitting < all.entries.len() { book.claimable(fitting)? } else { all };
					if claim.due < self.min_claim_fee {
						return None;
					}
					let batch = batch_file(book, claim.entries);
					Some((client.clone(), claim.receipt.clone(), claim.model, claim.usage, batch))
				})
				.collect()
		};
		let mut claimed = Vec::new();
		for (client, signed, model, usage, batch) in due {
			let store = self.store.clone();
			let put = tokio::task::spawn_blocking(move || {
				let cid = store.put(&batch)?;
				store.pin(&cid)?;
				Ok::<_, aiblock_compute::store::StoreError>(cid)
			})
			.await;
			let cid = match put {
				Ok(Ok(cid)) => cid,
				other => {
					log::warn!(
						"serve: cannot store a claim's batch file: {other:?}; retrying later"
					);
					continue;
				},
			};
			match self.chain.claim(&signed, model, &usage.listed(), cid.as_bytes().to_vec()).await {
				Ok((claim, fee)) => {
					log::info!(
						"serve: claim {claim}: {} answers, {} tokens, {fee} planck",
						signed.receipt.requests,
						signed.receipt.cumulative_tokens
					);
					if let Some(book) = lock(&self.books).get_mut(&client) {
						book.claimed(signed.receipt.cumulative_tokens, signed.receipt.requests);
					}
					claimed.push((claim, fee));
					lock(&self.open_claims).push(claim);
				},
				Err(e) => log::warn!("serve: claim refused: {e}"),
			}
		}
		claimed
	}
}

impl Seller {
	/// Settle the audits of this server's claims whose reveal window is over (anyone may; the
	/// server wants to, since a claim under audit keeps its collateral committed), and forget
	/// the claims past their audit.
	pub async fn settle_due(&self) {
		let claims = lock(&self.open_claims).clone();
		let Ok(at) = self.chain.finalized().await else { return };
		let now = at.block_number();
		for claim in claims {
			match self.chain.claim_state(&at, claim).await {
				Ok(None) => lock(&self.open_claims).retain(|c| *c != claim),
				Ok(Some(Some(reveal_until))) if now > u64::from(reveal_until) => {
					match self.chain.settle_audit(claim).await {
						Ok(()) => log::info!("serve: audit of claim {claim} settled"),
						Err(e) => {
							log::warn!("serve: cannot settle the audit of claim {claim}: {e}")
						},
					}
				},
				Ok(Some(_)) => {},
				Err(e) => log::warn!("serve: cannot read claim {claim}: {e}"),
			}
		}
	}
}

/// A request not answered because the node could not be read about `what`: 503.
pub(crate) fn chain_unavailable(what: &'static str) -> impl Fn(WorkerError) -> Turned + Copy {
	move |e| Turned {
		status: 503,
		code: "chain_unavailable",
		message: format!("cannot read {what} on chain: {e}"),
	}
}

fn payment_required(refusal: Refusal) -> Turned {
	let code = match refusal {
		Refusal::Busy => "channel_busy",
		Refusal::Closing => "channel_closing",
		Refusal::Unpaid { .. } => "receipt_due",
		Refusal::DepositExhausted { .. } => "deposit_exhausted",
	};
	let status = if matches!(refusal, Refusal::Busy) { 429 } else { 402 };
	Turned { status, code, message: refusal.to_string() }
}

/// The batch file of a claim: every claimed request, its output tokens, the client's
/// receipt, the tokens through each block and the answer's trail (its endpoint, weights,
/// sampling and seed), for the auditors ([`super::audit`]).
fn batch_file(book: &Book, entries: &[super::ledger::Entry]) -> Vec<u8> {
	let entries: Vec<Value> = entries.iter().map(entry_json).collect();
	let batch = json!({"version": 1, "channel": book.chain.id, "entries": entries});
	serde_json::to_vec(&batch).unwrap_or_default()
}

/// One claimed answer in a batch file.
fn entry_json(entry: &super::ledger::Entry) -> Value {
	let owed = &entry.owed;
	let usage: Vec<Value> =
		owed.usage.listed().iter().map(|(id, tokens)| json!([hex(id), tokens])).collect();
	json!({
		// A request body is JSON (it was parsed), so UTF-8: the text is its bytes.
		"request": String::from_utf8_lossy(&owed.request),
		"output": hex(&owed.answer),
		"model": owed.model,
		"receipt": receipt::to_json(&entry.receipt),
		"usage": usage,
		"trail": owed.trail,
	})
}

/// How many of `entries` (oldest first, at least one) a batch file holds within the
/// auditors' limit ([`super::audit::MAX_BATCH_BYTES`]); the rest wait for the next claim.
fn fitting_entries(entries: &[super::ledger::Entry]) -> usize {
	// Room for the batch's own fields.
	let mut room = super::audit::MAX_BATCH_BYTES.saturating_sub(1024);
	let mut fitting = 0;
	for entry in entries {
		let size = serde_json::to_vec(&entry_json(entry)).map_or(0, |bytes| bytes.len()) as u64 + 1;
		if size > room {
			break;
		}
		room -= size;
		fitting += 1;
	}
	fitting.max(1)
}
