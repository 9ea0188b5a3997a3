//! The inference market as the chain and its clients share it: what a client signs for an
//! answer (a [`Receipt`] on a prepaid channel, a [`FreeReceipt`] on the free tier), the hash
//! that names a model's exact weights ([`state_root`]), the fee and usage-reward arithmetic,
//! and what the Inference pallet asks of the model registry ([`ServedBlocks`]).
//!
//! Plain types and functions, so that the worker's client library signs and checks exactly what
//! the pallet verifies.

use crate::dag::ModelIndex;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

/// A prepaid channel's number: unique on a chain, never reused, so a receipt of a closed
/// channel can never pay on a new one between the same two accounts.
pub type ChannelId = u64;

/// A claim's number, unique on a chain (audits are keyed by it).
pub type ClaimId = u64;

/// What a client signs after each answer on a prepaid channel: "I have received `requests`
/// answers and `cumulative_tokens` output tokens on channel `channel`, the last of them
/// `request_hash`, from the weights `state_root`". Totals, not increments: the server claims
/// with the newest receipt only, and an older one is worth nothing more.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Receipt<AccountId> {
	pub channel: ChannelId,
	pub client: AccountId,
	pub server: AccountId,
	/// [`state_root`] of the model that answered the last request.
	pub state_root: H256,
	/// [`request_hash`] of the last request and its answer.
	pub request_hash: H256,
	/// Output tokens of every answer on the channel so far.
	pub cumulative_tokens: u64,
	/// Answers on the channel so far (1 for the first): the receipt's sequence number.
	pub requests: u64,
}

/// What a client of the free tier signs after each answer from a donor server, within one quota
/// period: totals on (client, server, period), like [`Receipt`].
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct FreeReceipt<AccountId> {
	pub client: AccountId,
	pub server: AccountId,
	/// The quota period the answers fall in (block number / period length).
	pub period: u32,
	pub state_root: H256,
	pub request_hash: H256,
	pub cumulative_tokens: u64,
	pub requests: u32,
}

/// The bytes a client signs for a receipt: a domain tag, the chain's genesis hash (a receipt of
/// a test chain pays nothing on another chain) and the receipt.
pub fn receipt_payload<AccountId: Encode>(genesis: &H256, receipt: &Receipt<AccountId>) -> Vec<u8> {
	(b"aiblock/receipt/v1", genesis, receipt).encode()
}

/// The bytes a client signs for a free-tier receipt (another tag: a free receipt never pays).
pub fn free_receipt_payload<AccountId: Encode>(
	genesis: &H256,
	receipt: &FreeReceipt<AccountId>,
) -> Vec<u8> {
	(b"aiblock/free-receipt/v1", genesis, receipt).encode()
}

/// Whether `signature` is `who`'s signature of `payload`.
pub fn signed_by(payload: &[u8], signature: &crate::Signature, who: &crate::AccountId) -> bool {
	use sp_runtime::traits::Verify;
	signature.verify(payload, who)
}

/// Whether `signature` is `receipt.client`'s signature of `receipt` on the chain with genesis
/// hash `genesis`: the chain's check, for servers to run before they answer again.
pub fn receipt_signed(
	genesis: &H256,
	receipt: &Receipt<crate::AccountId>,
	signature: &crate::Signature,
) -> bool {
	use sp_runtime::traits::Verify;
	signature.verify(&receipt_payload(genesis, receipt)[..], &receipt.client)
}

/// Whether `signature` is `receipt.client`'s signature of the free-tier `receipt`.
pub fn free_receipt_signed(
	genesis: &H256,
	receipt: &FreeReceipt<crate::AccountId>,
	signature: &crate::Signature,
) -> bool {
	use sp_runtime::traits::Verify;
	signature.verify(&free_receipt_payload(genesis, receipt)[..], &receipt.client)
}

/// An sr25519 signature (64 bytes, as signers such as `subxt-signer` give it) as the chain
/// takes it.
pub fn sr25519_signature(bytes: [u8; 64]) -> crate::Signature {
	crate::Signature::Sr25519(sp_core::sr25519::Signature::from_raw(bytes))
}

/// The hash of one request and its answer, as receipts name them: blake2-256 over a tag and
/// the two byte strings, each length-prefixed (no two different pairs hash alike).
pub fn request_hash(request: &[u8], answer: &[u8]) -> H256 {
	H256(sp_crypto_hashing::blake2_256(&(b"aiblock/request/v1", request, answer).encode()))
}

/// The hash that names a model's exact weights: blake2-256 over a tag, the model index and its
/// blocks' ids in ascending order. Servers put it in every answer's trail, clients sign it, and
/// the chain recomputes it from the block list of a claim.
pub fn state_root(model: ModelIndex, sorted_block_ids: &[H256]) -> H256 {
	H256(sp_crypto_hashing::blake2_256(
		&(b"aiblock/state-root/v2", model, sorted_block_ids).encode(),
	))
}

/// The fee for `tokens` output tokens at `price_per_1k` per thousand, rounded down (the client
/// never pays for a token it did not get); saturating.
pub fn fee(tokens: u64, price_per_1k: u128) -> u128 {
	u128::from(tokens).saturating_mul(price_per_1k) / 1_000
}

/// Split `amount` between blocks in proportion to their token counts, each share rounded
/// down; the shares never add up to more than `amount`. All zero when no token was counted.
pub fn proportional_shares(amount: u128, counts: &[u64]) -> Vec<u128> {
	let total: u128 = counts.iter().map(|c| u128::from(*c)).sum();
	if total == 0 {
		return counts.iter().map(|_| 0).collect();
	}
	counts
		.iter()
		.map(|count| {
			// amount · count / total without overflow: amount < 2^128 and count ≤ total, so
			// split amount into quotient and remainder by total.
			let count = u128::from(*count);
			let (whole, rest) = (amount / total, amount % total);
			whole.saturating_mul(count).saturating_add(rest.saturating_mul(count) / total)
		})
		.collect()
}

/// An auditor's finding on a sample of a claim's requests.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum AuditVerdict {
	/// Every sampled request is in the claim's batch with the client's signed receipt, and the
	/// replay at the receipt's state root gives the answer the client received.
	Honest,
	/// A sampled request is missing, unsigned, or its replay gives another answer (or the
	/// batch could not be fetched, or its usage counts do not add up to the claim's).
	Mismatch,
}

/// An auditor's commitment: blake2-256 over a tag, the claim, the auditor, the verdict and a
/// salt, so a verdict is bound to its author and claim and hidden until the reveal.
pub fn audit_commitment<AccountId: Encode>(
	claim: ClaimId,
	auditor: &AccountId,
	verdict: AuditVerdict,
	salt: &H256,
) -> H256 {
	H256(sp_crypto_hashing::blake2_256(
		&(b"aiblock/inference-audit/v1", claim, auditor, verdict, salt).encode(),
	))
}

/// What the Inference pallet needs to know of the model registry: the blocks an answer can
/// name, and who is paid for them.
pub trait ServedBlocks<AccountId> {
	/// Whether `model` exists.
	fn model_exists(model: ModelIndex) -> bool;

	/// The model of block `id` and its author (`None` for blocks of root or genesis), if the
	/// block was ever adopted (current now or superseded since): only such weights answer.
	fn served_block(id: H256) -> Option<(ModelIndex, Option<AccountId>)>;
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn fees_round_down_and_saturate() {
		assert_eq!(fee(0, 5_000), 0);
		assert_eq!(fee(999, 1), 0, "less than a thousand tokens at 1 per 1,000 is free");
		assert_eq!(fee(1_000, 1), 1);
		assert_eq!(fee(1_500, 3_000), 4_500);
		assert_eq!(fee(u64::MAX, u128::MAX), u128::MAX / 1_000);
	}

	#[test]
	fn shares_are_proportional_and_never_exceed_the_amount() {
		assert_eq!(proportional_shares(100, &[1, 1, 2]), vec![25, 25, 50]);
		assert_eq!(proportional_shares(10, &[1, 1, 1]), vec![3, 3, 3]);
		assert_eq!(proportional_shares(10, &[0, 0]), vec![0, 0]);
		assert_eq!(proportional_shares(0, &[5]), vec![0]);
		let huge = proportional_shares(u128::MAX, &[u64::MAX, u64::MAX, 1]);
		assert!(huge.iter().fold(0u128, |a, s| a.checked_add(*s).unwrap()) <= u128::MAX);
		assert_eq!(huge[0], huge[1]);
		for (amount, counts) in [(7u128, vec![3u64, 5, 11]), (1_000_003, vec![1, 2, 3, 4, 5])] {
			let shares = proportional_shares(amount, &counts);
			let paid: u128 = shares.iter().sum();
			assert!(paid <= amount && amount - paid < counts.len() as u128, "{shares:?}");
		}
	}

	#[test]
	fn a_receipt_verifies_only_as_signed_by_its_client_on_its_chain() {
		use sp_core::Pair;
		let (client, other) = (
			sp_core::sr25519::Pair::from_seed(&[1; 32]),
			sp_core::sr25519::Pair::from_seed(&[2; 32]),
		);
		let receipt = Receipt {
			channel: 3,
			client: crate::AccountId::from(client.public().0),
			server: crate::AccountId::from([9; 32]),
			state_root: H256::repeat_byte(1),
			request_hash: request_hash(b"q", b"a"),
			cumulative_tokens: 100,
			requests: 2,
		};
		let genesis = H256::repeat_byte(7);
		let sign = |pair: &sp_core::sr25519::Pair, genesis: &H256| {
			sr25519_signature(pair.sign(&receipt_payload(genesis, &receipt)).0)
		};
		assert!(receipt_signed(&genesis, &receipt, &sign(&client, &genesis)));
		assert!(!receipt_signed(&genesis, &receipt, &sign(&other, &genesis)));
		assert!(!receipt_signed(&genesis, &receipt, &sign(&client, &H256::zero())));
		let mut more = receipt.clone();
		more.cumulative_tokens += 1;
		assert!(!receipt_signed(&genesis, &more, &sign(&client, &genesis)));
	}

	#[test]
	fn hashes_separate_their_inputs() {
		assert_ne!(request_hash(b"ab", b"c"), request_hash(b"a", b"bc"));
		let (a, b) = (H256::repeat_byte(1), H256::repeat_byte(2));
		assert_ne!(state_root(1, &[a, b]), state_root(2, &[a, b]));
		assert_ne!(state_root(1, &[a, b]), state_root(1, &[a]));
		let receipt = Receipt {
			channel: 1,
			client: 7u64,
			server: 8u64,
			state_root: a,
			request_hash: b,
			cumulative_tokens: 10,
			requests: 1,
		};
		let free = FreeReceipt {
			client: 7u64,
			server: 8u64,
			period: 0,
			state_root: a,
			request_hash: b,
			cumulative_tokens: 10,
			requests: 1,
		};
		assert_ne!(receipt_payload(&a, &receipt), receipt_payload(&b, &receipt));
		assert_ne!(free_receipt_payload(&a, &free)[..23], receipt_payload(&a, &receipt)[..23]);
		assert_ne!(
			audit_commitment(1, &7u64, AuditVerdict::Honest, &a),
			audit_commitment(1, &7u64, AuditVerdict::Mismatch, &a)
		);
	}
}
