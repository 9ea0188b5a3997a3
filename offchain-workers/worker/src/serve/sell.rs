//! The HTTP side of the market ([`crate::market`]): the routes, the check a paid or free-tier
//! request passes before it is queued, and the receipt owed after its answer.
//!
//! A paying client names itself with `X-Aiblock-Client: 0x<account>` and signs each request
//! (`X-Aiblock-Signature: 0x<SCALE MultiSignature>`, see
//! [`crate::market::receipt::request_payload`]); after the answer it posts its signed receipt
//! to `POST /v1/aiblock/receipts`. A free-tier member does the same with `X-Aiblock-Tier: free`
//! ([`crate::market::receipt::free_request_payload`]) and posts a free receipt to
//! `POST /v1/aiblock/free-receipts`. `GET /v1/aiblock/market` says who the server is, its price
//! and its free capacity; `GET /v1/aiblock/channels/0x<account>` and
//! `GET /v1/aiblock/free/0x<account>` a client's newest receipt and the answer owed.

use super::{
	api::ApiError,
	model::{hex, unhex, ServedModel},
};
use crate::market::{
	donor::Donor,
	ledger::Owed,
	receipt::{self, Answered},
	seller::{Seller, Turned},
	usage::Usage,
};
use aiblock_primitives::{AccountId, Signature};
use codec::Decode;
use serde_json::{json, Value};
use std::sync::Arc;

/// The market's headers of a request.
#[derive(Clone, Debug, Default)]
pub struct PaidHeaders {
	pub client: Option<String>,
	pub signature: Option<String>,
	/// `free`: a free-tier request.
	pub tier: Option<String>,
}

/// What a server does in the market: sell its answers, answer the free tier, both, or
/// neither (an open server answers everyone and the chain knows nothing of it).
#[derive(Clone, Default)]
pub struct MarketSide {
	pub seller: Option<Arc<Seller>>,
	pub donor: Option<Arc<Donor>>,
}

impl MarketSide {
	/// What a client needs to pay or ask for free (`GET /v1/aiblock/market`).
	fn describe(&self) -> Option<Value> {
		let (me, genesis) = match (&self.seller, &self.donor) {
			(Some(seller), _) => (&seller.me, seller.genesis),
			(None, Some(donor)) => (&donor.me, donor.genesis),
			(None, None) => return None,
		};
		Some(json!({
			"server": receipt::account_hex(me),
			"genesis": hex(&genesis.0),
			"price_per_1k": self.seller.as_ref().map(|s| s.price_per_1k.to_string()),
			"free_tokens_per_period": self.donor.as_ref().map_or(0, |d| d.capacity),
		}))
	}

	/// Whether answers are to be altered (a test-only cheating server).
	pub fn alters_answers(&self) -> bool {
		self.seller.as_ref().is_some_and(|seller| seller.alter_answers)
	}
}

fn turned(t: Turned) -> ApiError {
	ApiError::new(t.status, t.code, t.message)
}

fn client_account(text: &str) -> Option<AccountId> {
	let bytes: [u8; 32] = unhex(text)?.try_into().ok()?;
	Some(AccountId::from(bytes))
}

/// The market's routes (`/v1/aiblock/…`): the status and the JSON answer, or `None` for
/// another path.
pub fn route(market: &MarketSide, method: &str, path: &str, body: &[u8]) -> Option<(u16, Value)> {
	let description = market.describe()?;
	let seller = || {
		market
			.seller
			.as_ref()
			.ok_or_else(|| ApiError::new(404, "not_selling", "this server does not sell answers"))
	};
	let donor = || {
		market.donor.as_ref().ok_or_else(|| {
			ApiError::new(404, "not_a_donor", "this server does not answer the free tier")
		})
	};
	let result = match (method, path) {
		("GET", "/v1/aiblock/market") => Ok(description),
		("POST", "/v1/aiblock/receipts") => seller().and_then(|seller| {
			let parsed = serde_json::from_slice::<Value>(body).ok();
			match parsed.as_ref().and_then(receipt::from_json) {
				None => Err(receipt_expected()),
				Some(signed) => {
					let client = signed.receipt.client.clone();
					seller.pay(&client, signed).map(|()| json!({"paid": true})).map_err(turned)
				},
			}
		}),
		("POST", "/v1/aiblock/free-receipts") => donor().and_then(|donor| {
			let parsed = serde_json::from_slice::<Value>(body).ok();
			match parsed.as_ref().and_then(receipt::free_from_json) {
				None => Err(receipt_expected()),
				Some(signed) => {
					donor.take_receipt(signed).map(|()| json!({"taken": true})).map_err(turned)
				},
			}
		}),
		("GET", p) if p.starts_with("/v1/aiblock/channels/") => seller().and_then(|seller| {
			client_in(&p["/v1/aiblock/channels/".len()..]).map(|client| seller.channel(&client))
		}),
		("GET", p) if p.starts_with("/v1/aiblock/free/") => donor().and_then(|donor| {
			client_in(&p["/v1/aiblock/free/".len()..]).map(|client| donor.standing(&client))
		}),
		_ if path.starts_with("/v1/aiblock/") => Err(ApiError::new(
			404,
			"unknown_url",
			format!(
				"no such endpoint: {path} (GET /v1/aiblock/market, POST /v1/aiblock/receipts, \
				 GET /v1/aiblock/channels/0x<account>, POST /v1/aiblock/free-receipts, \
				 GET /v1/aiblock/free/0x<account>)"
			),
		)),
		_ => return None,
	};
	Some(match result {
		Ok(value) => (200, value),
		Err(error) => (error.status, error.body()),
	})
}

fn receipt_expected() -> ApiError {
	ApiError::new(
		400,
		"bad_receipt",
		"send {\"receipt\": \"0x<SCALE receipt>\", \"signature\": \"0x<SCALE signature>\"}",
	)
}

fn client_in(text: &str) -> Result<AccountId, ApiError> {
	client_account(text)
		.ok_or_else(|| ApiError::new(400, "bad_account", "name the client as 0x<32 bytes>"))
}

/// Who an admitted request is answered for.
enum Side {
	Paid(Arc<Seller>),
	Free(Arc<Donor>),
}

/// A paid or free-tier request admitted: until its answer is recorded, dropping it frees the
/// client's turn.
pub struct Admitted {
	side: Side,
	client: AccountId,
	body: Vec<u8>,
	answered: bool,
}

impl Admitted {
	/// The answer was given: the client owes a receipt for `output` from `model`, whose
	/// experts took `routed` rows while reading it. `trail` is the answer's `aiblock` trail:
	/// with the request, what an auditor replays.
	pub fn answered(mut self, model: &ServedModel, output: &[u8], routed: &[u64], trail: Value) {
		let answered = Answered::new(&self.body, output, output.len() as u64, model.state_root);
		match &self.side {
			Side::Paid(seller) => {
				let spec = model.weights.spec;
				let owed = Owed {
					answered,
					request: std::mem::take(&mut self.body),
					answer: output.to_vec(),
					usage: Usage::of_routing(&model.blocks, spec.experts, spec.top_k, routed),
					model: model.index,
					trail,
				};
				seller.answered(&self.client, owed);
			},
			Side::Free(donor) => donor.answered(&self.client, answered),
		}
		self.answered = true;
	}
}

impl Drop for Admitted {
	fn drop(&mut self) {
		if !self.answered {
			match &self.side {
				Side::Paid(seller) => seller.unanswered(&self.client),
				Side::Free(donor) => donor.unanswered(&self.client),
			}
		}
	}
}

/// Check a request for `market`: a client named and signing, and for a paid request its
/// channel open, covering `max_tokens`, its last answer paid for; for a free one its quota and
/// the donor's capacity covering it. `None`: an open server, nothing to check.
pub async fn admit(
	market: &MarketSide,
	headers: &PaidHeaders,
	body: &[u8],
	max_tokens: u64,
) -> Result<Option<Admitted>, ApiError> {
	let free = headers.tier.as_deref() == Some("free");
	let side = match (free, &market.seller, &market.donor) {
		(_, None, None) => return Ok(None),
		(true, _, Some(donor)) => Side::Free(donor.clone()),
		(true, _, None) => {
			return Err(ApiError::new(
				402,
				"not_a_donor",
				"this server does not answer the free tier: pay (`aiblock-worker ask`)",
			))
		},
		(false, Some(seller), _) => Side::Paid(seller.clone()),
		(false, None, Some(_)) => {
			return Err(ApiError::new(
				402,
				"free_tier_only",
				"this server answers free-tier members only: name your account in \
				 X-Aiblock-Client, sign the request in X-Aiblock-Signature and send \
				 X-Aiblock-Tier: free (`aiblock-worker ask --free` does all of it)",
			))
		},
	};
	let client = headers.client.as_deref().and_then(client_account).ok_or_else(|| {
		ApiError::new(
			402,
			"payment_required",
			"this server sells answers: name your account in X-Aiblock-Client (0x<32 bytes>), \
			 sign the request in X-Aiblock-Signature, and pay through a prepaid channel \
			 (`aiblock-worker ask` does all of it; GET /v1/aiblock/market has the price), or \
			 ask as a free-tier member where the server donates (`ask --free`)",
		)
	})?;
	let signature = headers
		.signature
		.as_deref()
		.and_then(unhex)
		.and_then(|bytes| Signature::decode(&mut &bytes[..]).ok())
		.ok_or_else(|| {
			ApiError::new(
				401,
				"bad_request_signature",
				"X-Aiblock-Signature is missing or malformed",
			)
		})?;
	match &side {
		Side::Paid(seller) => seller.admit(&client, &signature, body, max_tokens).await,
		Side::Free(donor) => donor.admit(&client, &signature, body, max_tokens).await,
	}
	.map_err(turned)?;
	Ok(Some(Admitted { side, client, body: body.to_vec(), answered: false }))
}
