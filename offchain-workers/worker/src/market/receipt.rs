//! Receipts: a paying client's signed totals after each answer, exactly as the chain's
//! Inference pallet verifies them (`aiblock_primitives::inference`).

use aiblock_primitives::{
	inference::{
		free_receipt_payload, free_receipt_signed, receipt_payload, receipt_signed, request_hash,
		signed_by, sr25519_signature, FreeReceipt, Receipt,
	},
	AccountId, Signature, H256,
};
use subxt_signer::sr25519::Keypair;

/// A receipt with the client's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedReceipt {
	pub receipt: Receipt<AccountId>,
	pub signature: Signature,
}

/// The account of an sr25519 key.
pub fn account_of(key: &Keypair) -> AccountId {
	AccountId::from(key.public_key().0)
}

/// `0x` hex of an account, as the market's headers and JSON carry it.
pub fn account_hex(who: &AccountId) -> String {
	crate::serve::model::hex(<AccountId as AsRef<[u8; 32]>>::as_ref(who))
}

/// What one answer adds to a channel: its tokens, the weights that gave it, and the hash of
/// the request and the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answered {
	pub tokens: u64,
	pub state_root: H256,
	pub request_hash: H256,
}

impl Answered {
	/// `request` and `answer` as they went over the wire.
	pub fn new(request: &[u8], answer: &[u8], tokens: u64, state_root: [u8; 32]) -> Answered {
		Answered {
			tokens,
			state_root: H256(state_root),
			request_hash: request_hash(request, answer),
		}
	}
}

/// The receipt after `previous` (the client's last, `None` on a new channel) that adds
/// `answered`, signed by `key` for the chain with genesis `genesis`.
pub fn sign_next(
	key: &Keypair,
	genesis: &H256,
	channel: u64,
	server: &AccountId,
	previous: Option<&Receipt<AccountId>>,
	answered: &Answered,
) -> SignedReceipt {
	let (tokens, requests) =
		previous.map_or((0, 0), |last| (last.cumulative_tokens, last.requests));
	let receipt = Receipt {
		channel,
		client: account_of(key),
		server: server.clone(),
		state_root: answered.state_root,
		request_hash: answered.request_hash,
		cumulative_tokens: tokens.saturating_add(answered.tokens),
		requests: requests.saturating_add(1),
	};
	let signature = sr25519_signature(key.sign(&receipt_payload(genesis, &receipt)).0);
	SignedReceipt { receipt, signature }
}

/// The bytes a paying client signs for its `number`-th request with `body` to `server`: a
/// request no one else can make in the client's name (it would be owed the client's receipt),
/// and one that cannot be sent twice.
pub fn request_payload(genesis: &H256, server: &AccountId, number: u64, body: &[u8]) -> Vec<u8> {
	use codec::Encode;
	(b"aiblock/paid-request/v1", genesis, server, number, sp_crypto_hashing::blake2_256(body))
		.encode()
}

/// `key`'s signature of its `number`-th request to `server`.
pub fn sign_request(
	key: &Keypair,
	genesis: &H256,
	server: &AccountId,
	number: u64,
	body: &[u8],
) -> Signature {
	sr25519_signature(key.sign(&request_payload(genesis, server, number, body)).0)
}

/// Whether `signature` is `client`'s signature of its `number`-th request `body` to `server`.
pub fn request_signed(
	genesis: &H256,
	server: &AccountId,
	client: &AccountId,
	number: u64,
	body: &[u8],
	signature: &Signature,
) -> bool {
	signed_by(&request_payload(genesis, server, number, body), signature, client)
}

/// A signed receipt on the wire: `{"receipt": "0x<SCALE>", "signature": "0x<SCALE>"}`.
pub fn to_json(signed: &SignedReceipt) -> serde_json::Value {
	pair_to_json(&signed.receipt, &signed.signature)
}

/// The inverse of [`to_json`].
pub fn from_json(value: &serde_json::Value) -> Option<SignedReceipt> {
	let (receipt, signature) = pair_from_json(value)?;
	Some(SignedReceipt { receipt, signature })
}

fn pair_to_json<R: codec::Encode>(receipt: &R, signature: &Signature) -> serde_json::Value {
	use codec::Encode;
	serde_json::json!({
		"receipt": crate::serve::model::hex(&receipt.encode()),
		"signature": crate::serve::model::hex(&signature.encode()),
	})
}

fn pair_from_json<R: codec::Decode>(value: &serde_json::Value) -> Option<(R, Signature)> {
	use codec::Decode;
	let field = |name: &str| value.get(name)?.as_str().and_then(crate::serve::model::unhex);
	let receipt = R::decode(&mut &field("receipt")?[..]).ok()?;
	let signature = Signature::decode(&mut &field("signature")?[..]).ok()?;
	Some((receipt, signature))
}

/// A free-tier receipt with the client's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedFreeReceipt {
	pub receipt: FreeReceipt<AccountId>,
	pub signature: Signature,
}

/// The free-tier receipt after the client's totals with this donor in `period` (tokens,
/// requests: its last receipt's, or what the chain counted) that adds `answered`, signed by
/// `key`.
pub fn sign_free_next(
	key: &Keypair,
	genesis: &H256,
	(server, period): (&AccountId, u32),
	(tokens, requests): (u64, u32),
	answered: &Answered,
) -> SignedFreeReceipt {
	let receipt = FreeReceipt {
		client: account_of(key),
		server: server.clone(),
		period,
		state_root: answered.state_root,
		request_hash: answered.request_hash,
		cumulative_tokens: tokens.saturating_add(answered.tokens),
		requests: requests.saturating_add(1),
	};
	let signature = sr25519_signature(key.sign(&free_receipt_payload(genesis, &receipt)).0);
	SignedFreeReceipt { receipt, signature }
}

/// Whether the chain would take `signed` as its client's signature on the chain `genesis`.
pub fn verify_free(genesis: &H256, signed: &SignedFreeReceipt) -> bool {
	free_receipt_signed(genesis, &signed.receipt, &signed.signature)
}

/// A signed free-tier receipt on the wire, as [`to_json`].
pub fn free_to_json(signed: &SignedFreeReceipt) -> serde_json::Value {
	pair_to_json(&signed.receipt, &signed.signature)
}

/// The inverse of [`free_to_json`].
pub fn free_from_json(value: &serde_json::Value) -> Option<SignedFreeReceipt> {
	let (receipt, signature) = pair_from_json(value)?;
	Some(SignedFreeReceipt { receipt, signature })
}

/// The bytes a free-tier client signs for its `number`-th request of quota period `period`
/// with `body` to the donor `server` (another tag than a paid request's).
pub fn free_request_payload(
	genesis: &H256,
	server: &AccountId,
	(period, number): (u32, u32),
	body: &[u8],
) -> Vec<u8> {
	use codec::Encode;
	let body_hash = sp_crypto_hashing::blake2_256(body);
	(b"aiblock/free-request/v1", genesis, server, period, number, body_hash).encode()
}

/// Whether the chain would take `signed` as its client's signature on the chain `genesis`.
pub fn verify(genesis: &H256, signed: &SignedReceipt) -> bool {
	receipt_signed(genesis, &signed.receipt, &signed.signature)
}

#[cfg(test)]
mod tests {
	use super::*;
	use subxt_signer::{sr25519::dev, SecretUri};

	#[test]
	fn receipts_add_up_and_verify_as_the_chain_checks_them() {
		let (charlie, genesis) = (dev::charlie(), H256::repeat_byte(3));
		let server = account_of(&dev::bob());
		let first = Answered::new(b"{\"prompt\":\"hi\"}", b"{\"text\":\"ho\"}", 12, [5; 32]);
		let one = sign_next(&charlie, &genesis, 7, &server, None, &first);
		assert_eq!((one.receipt.requests, one.receipt.cumulative_tokens), (1, 12));
		assert!(verify(&genesis, &one));
		let second = Answered::new(b"again", b"more", 30, [5; 32]);
		let two = sign_next(&charlie, &genesis, 7, &server, Some(&one.receipt), &second);
		assert_eq!((two.receipt.requests, two.receipt.cumulative_tokens), (2, 42));
		assert_eq!(two.receipt.client, account_of(&charlie));
		assert!(verify(&genesis, &two));
		assert!(!verify(&H256::zero(), &two), "another chain");
		let mut forged = two.clone();
		forged.receipt.cumulative_tokens = 4_200;
		assert!(!verify(&genesis, &forged));
		let eve = Keypair::from_uri(&"//Eve".parse::<SecretUri>().unwrap()).unwrap();
		let mut by_eve = sign_next(&eve, &genesis, 7, &server, None, &first);
		by_eve.receipt.client = account_of(&charlie);
		assert!(!verify(&genesis, &by_eve), "signed by another key than the client's");
	}
}
