//! A donor server's free tier: free-tier members (accounts that joined it on chain with a
//! deposit) name themselves and sign each request; the donor checks the member's quota on
//! chain (what the other donors reported, what it answered and has not reported yet) and its
//! own declared capacity before it answers, takes a signed free receipt after each answer, and
//! reports the newest receipts on chain, which count them against the quota.
//!
//! A member asks one request at a time per donor, as a paying client does: the next request is
//! answered once the last one's receipt is in. A request that could take the member past its
//! quota (at its `max_tokens`) is refused with HTTP 429 `free_quota_exhausted`; one past the
//! donor's capacity with 503 `donor_capacity_exhausted`; both say what is used and when the
//! period ends. A member asking several donors at once can get at most one answer from each
//! beyond its quota before their reports are refused: that cost is the donors' (a donor whose
//! report is refused answers that member no more that period). A donor that restarts goes on
//! from what the chain counted; receipts it took and had not reported are lost (its cost).

use super::{
	chain::{account, chain_account, FreeStanding},
	lock,
	receipt::{self, Answered, SignedFreeReceipt},
	seller::Turned,
};
use crate::{chain::Chain, serve::model::hex, WorkerError};
use aiblock_primitives::{AccountId, Signature, H256};
use serde_json::{json, Value};
use std::{
	collections::HashMap,
	sync::{Arc, Mutex},
};

/// One member's answers from this donor in one quota period.
#[derive(Clone, Debug, Default)]
struct FreeBook {
	period: u32,
	/// The totals the chain counted for this member and donor when the book was opened (a
	/// donor that restarted goes on from them, and so does the member: both read the chain).
	base: (u64, u32),
	/// The newest receipt the member signed for this donor in `period`.
	last: Option<SignedFreeReceipt>,
	/// The answer given and not yet acknowledged with a receipt.
	owed: Option<Answered>,
	/// The `max_tokens` of the request being answered (0: none is).
	reserved: u64,
	/// The totals the chain counted.
	reported: (u64, u32),
	/// The chain refused a report of this member (its quota spent at other donors): no more
	/// free answers this period.
	refused: bool,
}

impl FreeBook {
	fn opened(period: u32, reported: (u64, u32)) -> FreeBook {
		FreeBook { period, base: reported, reported, ..FreeBook::default() }
	}

	fn totals(&self) -> (u64, u32) {
		self.last.as_ref().map_or(self.base, |l| (l.receipt.cumulative_tokens, l.receipt.requests))
	}

	/// What this donor answered and has not reported on chain.
	fn unreported(&self) -> (u64, u32) {
		let (tokens, requests) = self.totals();
		(tokens.saturating_sub(self.reported.0), requests.saturating_sub(self.reported.1))
	}

	/// The tokens of this donor's capacity the member holds and the chain does not count yet:
	/// unreported answers, the answer owed a receipt, the request being answered.
	fn pending(&self) -> u64 {
		let owed = self.owed.as_ref().map_or(0, |owed| owed.tokens);
		self.unreported().0.saturating_add(owed).saturating_add(self.reserved)
	}
}

/// The free-tier side of a server.
pub struct Donor {
	chain: Chain,
	pub me: AccountId,
	pub genesis: H256,
	/// Free tokens per period this donor answers (as registered on chain).
	pub capacity: u64,
	books: Mutex<HashMap<AccountId, FreeBook>>,
}

impl Donor {
	/// A donor of `capacity` free tokens per period; the chain client signs its reports with
	/// the server's key (registered with that capacity).
	pub fn new(chain: Chain, capacity: u64) -> Arc<Donor> {
		let me = account(&chain.account());
		let genesis = chain.genesis();
		log::info!("serve: answering the free tier, {capacity} tokens per period");
		Arc::new(Donor { chain, me, genesis, capacity, books: Mutex::default() })
	}

	/// Admit member `client`'s `body` asking for up to `max_tokens`, signed as `signature`.
	pub async fn admit(
		&self,
		client: &AccountId,
		signature: &Signature,
		body: &[u8],
		max_tokens: u64,
	) -> Result<(), Turned> {
		let unavailable = super::seller::chain_unavailable("the free tier");
		let at = self.chain.finalized().await.map_err(unavailable)?;
		let standing = self
			.chain
			.free_standing(&at, &chain_account(client), &chain_account(&self.me))
			.await
			.map_err(unavailable)?;
		let Some(member) = standing.member.clone() else {
			return Err(Turned {
				status: 402,
				code: "not_in_free_tier",
				message: "this account is not in the free tier: join it with \
				          inference.joinFreeTier (a refundable deposit; `aiblock-worker ask \
				          --free` joins), or pay"
					.into(),
			});
		};
		let mut books = lock(&self.books);
		let pending_by_all: u64 = books
			.values()
			.filter(|book| book.period == standing.period)
			.map(FreeBook::pending)
			.sum();
		let book = books
			.entry(client.clone())
			.or_insert_with(|| FreeBook::opened(standing.period, standing.reported_here));
		if book.period != standing.period {
			*book = FreeBook::opened(standing.period, standing.reported_here);
		}
		if book.refused {
			return Err(Turned {
				status: 429,
				code: "free_quota_exhausted",
				message: format!(
					"the chain refused this donor's report of your free use (your quota is spent, \
					 at other donors too): no more free answers before block {}",
					standing.period_ends
				),
			});
		}
		if book.reserved > 0 {
			return Err(Turned {
				status: 429,
				code: "channel_busy",
				message: "another request of this account is being answered".into(),
			});
		}
		if book.owed.is_some() {
			return Err(Turned {
				status: 402,
				code: "receipt_due",
				message: "the last answer's free receipt is due: POST it to \
				          /v1/aiblock/free-receipts"
					.into(),
			});
		}
		let number = book.totals().1.saturating_add(1);
		let payload =
			receipt::free_request_payload(&self.genesis, &self.me, (standing.period, number), body);
		if !aiblock_primitives::inference::signed_by(&payload, signature, client) {
			return Err(Turned {
				status: 401,
				code: "bad_request_signature",
				message: format!(
					"X-Aiblock-Signature is not the member's signature of its free request \
					 {number} of period {}",
					standing.period
				),
			});
		}
		let all = pending_by_all;
		check_quota(&standing, member, book.unreported(), (all, self.capacity), max_tokens)?;
		// Reserved until the answer: members asking at once do not share one remainder.
		book.reserved = max_tokens.max(1);
		Ok(())
	}

	/// `client` was answered: a free receipt for `answered` is due.
	pub fn answered(&self, client: &AccountId, answered: Answered) {
		if let Some(book) = lock(&self.books).get_mut(client) {
			book.reserved = 0;
			book.owed = Some(answered);
		}
	}

	/// `client`'s admitted request ended without an answer.
	pub fn unanswered(&self, client: &AccountId) {
		if let Some(book) = lock(&self.books).get_mut(client) {
			book.reserved = 0;
		}
	}

	/// Take `signed` as the receipt of `client`'s last answer: exactly the totals after it,
	/// for this donor and period, signed by the member.
	pub fn take_receipt(&self, signed: SignedFreeReceipt) -> Result<(), Turned> {
		let refused = |message: String| Turned { status: 400, code: "bad_receipt", message };
		let client = signed.receipt.client.clone();
		let mut books = lock(&self.books);
		let book = books
			.get_mut(&client)
			.ok_or_else(|| refused("this donor answered this account nothing".into()))?;
		let owed = book.owed.as_ref().ok_or_else(|| refused("no answer is owed".into()))?;
		let (tokens, requests) = book.totals();
		let r = &signed.receipt;
		let expected = r.server == self.me
			&& r.period == book.period
			&& r.state_root == owed.state_root
			&& r.request_hash == owed.request_hash
			&& r.cumulative_tokens == tokens.saturating_add(owed.tokens)
			&& r.requests == requests.saturating_add(1);
		if !expected {
			return Err(refused(format!(
				"the receipt must add the last answer ({} tokens, request hash {}) to the \
				 totals {tokens} tokens and {requests} requests of period {}",
				owed.tokens,
				hex(&owed.request_hash.0),
				book.period
			)));
		}
		if !receipt::verify_free(&self.genesis, &signed) {
			return Err(refused("the receipt is not signed by the member".into()));
		}
		book.owed = None;
		book.last = Some(signed);
		Ok(())
	}

	/// `client`'s standing with this donor (`GET /v1/aiblock/free/0x<account>`): the period,
	/// its newest receipt and the answer owed, so that a member that lost its state goes on.
	pub fn standing(&self, client: &AccountId) -> Value {
		let books = lock(&self.books);
		let Some(book) = books.get(client) else { return json!({"known": false}) };
		json!({
			"known": true,
			"period": book.period,
			"last": book.last.as_ref().map(receipt::free_to_json),
			"owed": book.owed.as_ref().map(|owed| json!({
				"request_hash": hex(&owed.request_hash.0),
				"tokens": owed.tokens,
				"state_root": hex(&owed.state_root.0),
			})),
		})
	}

	/// Report every member's newest receipt not yet on chain. Returns the receipts taken.
	pub async fn report_due(&self) -> usize {
		let due: Vec<SignedFreeReceipt> = lock(&self.books)
			.values()
			.filter(|book| !book.refused && book.unreported().1 > 0)
			.filter_map(|book| book.last.clone())
			.collect();
		let mut taken = 0;
		for signed in due {
			let totals = (signed.receipt.cumulative_tokens, signed.receipt.requests);
			let refused = match self.chain.report_free_usage(&signed).await {
				Ok(()) => {
					taken += 1;
					log::info!(
						"serve: free usage of {} reported: {} answers, {} tokens this period",
						receipt::account_hex(&signed.receipt.client),
						totals.1,
						totals.0
					);
					false
				},
				// Refused for good (the quota spent at other donors, the period over): receipts
				// are cumulative, so every later one would be refused too.
				Err(WorkerError::Refused(why)) => {
					log::warn!("serve: free usage report refused: {why}");
					true
				},
				Err(e) => {
					log::warn!("serve: cannot report free usage: {e}; retrying later");
					continue;
				},
			};
			if let Some(book) = lock(&self.books).get_mut(&signed.receipt.client) {
				if book.period == signed.receipt.period {
					match refused {
						true => book.refused = true,
						false => book.reported = totals,
					}
				}
			}
		}
		taken
	}
}

/// Whether member `member` may ask for `max_tokens` more: its use is what the chain counts
/// plus what this donor answered and has not reported (`unreported`; the chain already counts
/// what it reported), and the donor's is what the chain counts plus what it has not reported
/// for anyone (`donor`: that and the capacity).
fn check_quota(
	standing: &FreeStanding,
	member: super::chain::MemberUse,
	unreported: (u64, u32),
	(donor_unreported, capacity): (u64, u64),
	max_tokens: u64,
) -> Result<(), Turned> {
	let used_tokens = member.tokens.saturating_add(unreported.0);
	let used_requests = member.requests.saturating_add(unreported.1);
	if used_requests >= standing.quota_requests
		|| used_tokens.saturating_add(max_tokens) > standing.quota_tokens
	{
		return Err(Turned {
			status: 429,
			code: "free_quota_exhausted",
			message: format!(
				"the free quota is used: {used_tokens} of {} tokens and {used_requests} of {} \
				 requests in this period, which ends at block {}; ask for fewer tokens (this \
				 request may take {max_tokens}), pay, or come back then",
				standing.quota_tokens, standing.quota_requests, standing.period_ends
			),
		});
	}
	let served = standing.donor_served.saturating_add(donor_unreported);
	if served.saturating_add(max_tokens) > capacity {
		return Err(Turned {
			status: 503,
			code: "donor_capacity_exhausted",
			message: format!(
				"this donor's free capacity is used ({served} of {capacity} tokens in this \
				 period, which ends at block {}): ask another donor, or pay",
				standing.period_ends
			),
		});
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::market::chain::MemberUse;

	fn standing(donor_served: u64) -> FreeStanding {
		FreeStanding {
			period: 3,
			period_ends: 400,
			quota_tokens: 100,
			quota_requests: 5,
			member: None,
			donor_served,
			reported_here: (0, 0),
		}
	}

	#[test]
	fn a_member_is_answered_while_its_quota_and_the_donors_capacity_cover_the_request() {
		let s = standing(0);
		let fresh = MemberUse { tokens: 0, requests: 0 };
		assert!(check_quota(&s, fresh.clone(), (0, 0), (0, 1_000), 100).is_ok());
		// Reported elsewhere, and answered here unreported, both count.
		let used = MemberUse { tokens: 60, requests: 2 };
		assert!(check_quota(&s, used.clone(), (24, 1), (0, 1_000), 16).is_ok());
		let over = check_quota(&s, used.clone(), (25, 1), (0, 1_000), 16).unwrap_err();
		assert_eq!((over.status, over.code), (429, "free_quota_exhausted"));
		assert!(over.message.contains("85 of 100 tokens") && over.message.contains("block 400"));
		// The fifth request is the last.
		assert!(check_quota(&s, used.clone(), (0, 2), (0, 1_000), 1).is_ok());
		let fifth = check_quota(&s, used, (0, 3), (0, 1_000), 1).unwrap_err();
		assert!(fifth.message.contains("5 of 5 requests"), "{}", fifth.message);
		// The donor's capacity: what it reported and what it has not.
		let busy = standing(900);
		assert!(check_quota(&busy, fresh.clone(), (0, 0), (84, 1_000), 16).is_ok());
		let full = check_quota(&busy, fresh, (0, 0), (85, 1_000), 16).unwrap_err();
		assert_eq!((full.status, full.code), (503, "donor_capacity_exhausted"));
	}

	#[test]
	fn a_book_holds_the_capacity_of_requests_in_flight_and_goes_on_from_the_chain() {
		// Opened after a restart: the chain counted 30 tokens in 2 requests here.
		let mut book = FreeBook::opened(3, (30, 2));
		assert_eq!((book.totals(), book.unreported(), book.pending()), ((30, 2), (0, 0), 0));
		// A request in flight holds its max_tokens; its answer, until the receipt, its tokens.
		book.reserved = 16;
		assert_eq!(book.pending(), 16);
		book.reserved = 0;
		book.owed =
			Some(Answered { tokens: 9, state_root: H256::zero(), request_hash: H256::zero() });
		assert_eq!(book.pending(), 9);
	}
}
