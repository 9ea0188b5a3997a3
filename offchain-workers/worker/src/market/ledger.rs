//! A server's book of one client's prepaid channel: whether it may answer the next request,
//! whether a receipt pays for the answer it gave, and what it may claim.
//!
//! The rule is "pay after each answer": a client with an answer not yet paid for by a
//! receipt gets no other, so a client that stops paying costs the server one answer at most,
//! and a server never answers beyond what the channel's deposit covers.

use super::{
	receipt::{verify, Answered, SignedReceipt},
	usage::Usage,
};
use aiblock_primitives::{inference::fee, AccountId, H256};

/// The channel as the chain has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnChain {
	pub id: u64,
	pub price_per_1k: u128,
	pub deposit: u128,
	pub claimed_tokens: u64,
	pub claimed_requests: u64,
	/// The client closed it: the server may still claim, but answers no more.
	pub closing: bool,
}

/// One paid answer, kept until claimed: what the batch file gives the auditors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
	pub owed: Owed,
	pub receipt: SignedReceipt,
}

/// An answer given and not yet paid for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owed {
	pub answered: Answered,
	pub request: Vec<u8>,
	pub answer: Vec<u8>,
	pub usage: Usage,
	/// The model version that answered.
	pub model: u32,
	/// The answer's `aiblock` trail and its endpoint.
	pub trail: serde_json::Value,
}

/// Why a server does not answer a paying client now (HTTP 402 with this reason).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
	/// Another request of the client is being answered: one at a time per channel.
	Busy,
	/// The client is closing the channel.
	Closing,
	/// The client has not sent the receipt for its last answer.
	Unpaid { request_hash: H256 },
	/// The deposit does not cover this request's `max_tokens` on top of what was used.
	DepositExhausted { needed: u128, deposit: u128 },
}

impl std::fmt::Display for Refusal {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Refusal::Busy => {
				write!(f, "another request on this channel is being answered: one at a time")
			},
			Refusal::Closing => write!(f, "the channel is closing: open a new one to ask again"),
			Refusal::Unpaid { request_hash } => write!(
				f,
				"the last answer (request {request_hash:?}) has no signed receipt yet: POST it to /v1/aiblock/receipts first"
			),
			Refusal::DepositExhausted { needed, deposit } => write!(
				f,
				"the channel's deposit ({deposit} planck) does not cover this request at the most tokens it may take ({needed} planck): top it up or lower max_tokens"
			),
		}
	}
}

/// Why a receipt does not pay for the answer owed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReceiptError {
	NothingOwed,
	/// Another channel, client or server.
	WrongChannel,
	/// Not the totals after the answer owed, or not its request, answer or weights.
	NotTheAnswer,
	BadSignature,
}

impl std::fmt::Display for ReceiptError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str(match self {
			ReceiptError::NothingOwed => "no answer is waiting for a receipt",
			ReceiptError::WrongChannel => "the receipt names another channel, client or server",
			ReceiptError::NotTheAnswer => {
				"the receipt's totals, request hash or state root are not those of the last answer"
			},
			ReceiptError::BadSignature => "the signature is not the client's on this chain",
		})
	}
}

/// What a server may claim on a channel now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claimable<'a> {
	pub receipt: &'a SignedReceipt,
	/// The entries since the last claim, oldest first.
	pub entries: &'a [Entry],
	/// The claim's usage: every block of the newest entry's weights (what the newest receipt's
	/// state root names), with the tokens all the entries put through it.
	pub usage: Usage,
	/// The model version of those weights.
	pub model: u32,
	/// What the claim pays: the fee of the tokens since the last claim.
	pub due: u128,
}

/// A server's book of one channel.
#[derive(Clone, Debug)]
pub struct Book {
	pub chain: OnChain,
	/// The newest receipt since the server started.
	pub last: Option<SignedReceipt>,
	owed: Option<Owed>,
	unclaimed: Vec<Entry>,
	/// A request is being answered.
	busy: bool,
}

impl Book {
	pub fn new(chain: OnChain) -> Book {
		Book { chain, last: None, owed: None, unclaimed: Vec::new(), busy: false }
	}

	/// Totals so far: of the newest receipt, else of the last claim.
	pub fn totals(&self) -> (u64, u64) {
		self.last.as_ref().map_or((self.chain.claimed_tokens, self.chain.claimed_requests), |l| {
			(l.receipt.cumulative_tokens, l.receipt.requests)
		})
	}

	/// Whether the client may ask for up to `max_tokens` more now; if so, the book is busy
	/// with it until [`Book::answered`] or [`Book::unanswered`].
	pub fn admit(&mut self, max_tokens: u64) -> Result<(), Refusal> {
		if self.busy {
			return Err(Refusal::Busy);
		}
		if self.chain.closing {
			return Err(Refusal::Closing);
		}
		if let Some(owed) = &self.owed {
			return Err(Refusal::Unpaid { request_hash: owed.answered.request_hash });
		}
		let needed = fee(self.totals().0.saturating_add(max_tokens), self.chain.price_per_1k);
		if needed > self.chain.deposit {
			return Err(Refusal::DepositExhausted { needed, deposit: self.chain.deposit });
		}
		self.busy = true;
		Ok(())
	}

	/// The server gave an answer: it is owed a receipt for it.
	pub fn answered(&mut self, owed: Owed) {
		self.owed = Some(owed);
		self.busy = false;
	}

	/// The admitted request ended without an answer (an error, the client left): nothing is
	/// owed.
	pub fn unanswered(&mut self) {
		self.busy = false;
	}

	/// The chain's newer view of the channel (a top-up, a close, a claim landed).
	pub fn refresh(&mut self, chain: OnChain) {
		let requests = chain.claimed_requests;
		self.chain = chain;
		self.unclaimed.retain(|entry| entry.receipt.receipt.requests > requests);
	}

	/// The answer owed, if any.
	pub fn owed(&self) -> Option<&Owed> {
		self.owed.as_ref()
	}

	/// Take `signed` as payment for the answer owed, if it is exactly that: the next totals,
	/// the answer's request hash and weights, the client's signature on chain `genesis`.
	pub fn pay(
		&mut self,
		genesis: &H256,
		server: &AccountId,
		client: &AccountId,
		signed: SignedReceipt,
	) -> Result<(), ReceiptError> {
		let owed = self.owed.as_ref().ok_or(ReceiptError::NothingOwed)?;
		let receipt = &signed.receipt;
		if receipt.channel != self.chain.id
			|| &receipt.server != server
			|| &receipt.client != client
		{
			return Err(ReceiptError::WrongChannel);
		}
		let (tokens, requests) = self.totals();
		if receipt.requests != requests + 1
			|| receipt.cumulative_tokens != tokens.saturating_add(owed.answered.tokens)
			|| receipt.request_hash != owed.answered.request_hash
			|| receipt.state_root != owed.answered.state_root
		{
			return Err(ReceiptError::NotTheAnswer);
		}
		if !verify(genesis, &signed) {
			return Err(ReceiptError::BadSignature);
		}
		let Some(owed) = self.owed.take() else { return Err(ReceiptError::NothingOwed) };
		self.unclaimed.push(Entry { owed, receipt: signed.clone() });
		self.last = Some(signed);
		Ok(())
	}

	/// The oldest `at_most` entries since the last claim (at least one) and the receipt of
	/// the newest of them, if any is unclaimed.
	pub fn claimable(&self, at_most: usize) -> Option<Claimable<'_>> {
		let entries = &self.unclaimed[..self.unclaimed.len().min(at_most.max(1))];
		let newest = entries.last()?;
		let receipt = &newest.receipt;
		if receipt.receipt.requests <= self.chain.claimed_requests {
			return None;
		}
		let usage =
			Usage::claimed(entries.iter().map(|entry| &entry.owed.usage), &newest.owed.usage);
		let price = self.chain.price_per_1k;
		let due = fee(receipt.receipt.cumulative_tokens, price)
			.saturating_sub(fee(self.chain.claimed_tokens, price));
		Some(Claimable { receipt, entries, usage, model: newest.owed.model, due })
	}

	/// The chain paid the claim up to receipt `requests`, `tokens`.
	pub fn claimed(&mut self, tokens: u64, requests: u64) {
		self.chain.claimed_tokens = tokens;
		self.chain.claimed_requests = requests;
		self.unclaimed.retain(|entry| entry.receipt.receipt.requests > requests);
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::market::receipt::{account_of, sign_next};
	use subxt_signer::sr25519::dev;

	const GENESIS: H256 = H256([3; 32]);

	fn book(deposit: u128) -> Book {
		Book::new(OnChain {
			id: 4,
			price_per_1k: 1_000,
			deposit,
			claimed_tokens: 0,
			claimed_requests: 0,
			closing: false,
		})
	}

	fn owed(n: u8, tokens: u64) -> Owed {
		Owed {
			answered: Answered::new(&[n], &[n, n], tokens, [9; 32]),
			request: vec![n],
			answer: vec![n, n],
			usage: Usage([([1; 32], tokens)].into_iter().collect()),
			model: 2,
			trail: serde_json::json!({"n": n}),
		}
	}

	#[test]
	fn a_client_is_answered_once_per_receipt_within_its_deposit() {
		let (server, client) = (account_of(&dev::bob()), account_of(&dev::charlie()));
		let mut book = book(100);
		assert_eq!(book.admit(101), Err(Refusal::DepositExhausted { needed: 101, deposit: 100 }));
		assert_eq!(book.admit(60), Ok(()));
		assert_eq!(book.admit(1), Err(Refusal::Busy), "one request at a time");
		book.unanswered();
		assert_eq!(book.admit(60), Ok(()));
		book.answered(owed(1, 60));
		assert!(matches!(book.admit(1), Err(Refusal::Unpaid { .. })));
		let pay = |previous: Option<&SignedReceipt>, owed: &Owed| {
			sign_next(
				&dev::charlie(),
				&GENESIS,
				4,
				&server,
				previous.map(|p| &p.receipt),
				&owed.answered,
			)
		};
		// Receipts that do not pay for this answer.
		let mut short = pay(None, &owed(1, 59));
		assert_eq!(
			book.pay(&GENESIS, &server, &client, short.clone()),
			Err(ReceiptError::NotTheAnswer)
		);
		short.receipt.channel = 5;
		assert_eq!(book.pay(&GENESIS, &server, &client, short), Err(ReceiptError::WrongChannel));
		let first = pay(None, &owed(1, 60));
		assert_eq!(
			book.pay(&H256::zero(), &server, &client, first.clone()),
			Err(ReceiptError::BadSignature)
		);
		assert_eq!(book.pay(&GENESIS, &server, &client, first.clone()), Ok(()));
		assert_eq!(
			book.pay(&GENESIS, &server, &client, first.clone()),
			Err(ReceiptError::NothingOwed)
		);
		// 60 used: 41 more would exceed the deposit, 40 do not.
		assert!(matches!(book.admit(41), Err(Refusal::DepositExhausted { .. })));
		assert_eq!(book.admit(40), Ok(()));
		book.answered(owed(2, 40));
		let second = pay(Some(&first), &owed(2, 40));
		assert_eq!(book.pay(&GENESIS, &server, &client, second.clone()), Ok(()));

		let claim = book.claimable(usize::MAX).expect("two paid answers");
		assert_eq!(claim.receipt, &second);
		assert_eq!(claim.entries.len(), 2);
		assert_eq!(claim.usage.0[&[1; 32]], 100);
		// A claim of the first answer alone (a batch file too large for both) pays its fee.
		let first_only = book.claimable(1).expect("one paid answer");
		assert_eq!((first_only.receipt, first_only.entries.len()), (&first, 1));
		assert_eq!((first_only.usage.0[&[1; 32]], first_only.due), (60, 60));
		book.claimed(100, 2);
		assert_eq!(book.claimable(usize::MAX), None);
		book.chain.closing = true;
		assert_eq!(book.admit(0), Err(Refusal::Closing));
	}
}
