//! The HTTP side of selling answers ([`crate::market::seller`]): the market's routes, the
//! check a paid request passes before it is queued, and the receipt owed after its answer.
//!
//! A paying client names itself with `X-Aiblock-Client: 0x<account>` and signs each request
//! (`X-Aiblock-Signature: 0x<SCALE MultiSignature>`, see
//! [`crate::market::receipt::request_payload`]); after the answer it posts its signed receipt
//! to `POST /v1/aiblock/receipts`. `GET /v1/aiblock/market` says who the server is and its
//! price; `GET /v1/aiblock/channels/0x<account>` the newest receipt and the answer owed.

use super::{
	api::ApiError,
	model::{unhex, ServedModel},
};
use crate::market::{
	ledger::Owed,
	receipt::{self, Answered},
	seller::{Seller, Turned},
	usage::Usage,
};
use aiblock_primitives::{AccountId, Signature};
use codec::Decode;
use serde_json::Value;
use std::sync::Arc;

/// The paying client's headers.
#[derive(Clone, Debug, Default)]
pub struct PaidHeaders {
	pub client: Option<String>,
	pub signature: Option<String>,
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
pub fn route(seller: &Seller, method: &str, path: &str, body: &[u8]) -> Option<(u16, Value)> {
	let result = match (method, path) {
		("GET", "/v1/aiblock/market") => Ok(seller.market()),
		("POST", "/v1/aiblock/receipts") => {
			let parsed = serde_json::from_slice::<Value>(body).ok();
			let signed = parsed.as_ref().and_then(receipt::from_json);
			match signed {
				None => Err(ApiError::new(
					400,
					"bad_receipt",
					"send {\"receipt\": \"0x<SCALE receipt>\", \"signature\": \"0x<SCALE signature>\"}",
				)),
				Some(signed) => {
					let client = signed.receipt.client.clone();
					seller
						.pay(&client, signed)
						.map(|()| serde_json::json!({"paid": true}))
						.map_err(turned)
				},
			}
		},
		("GET", p) if p.starts_with("/v1/aiblock/channels/") => {
			match client_account(&p["/v1/aiblock/channels/".len()..]) {
				Some(client) => Ok(seller.channel(&client)),
				None => Err(ApiError::new(400, "bad_account", "name the client as 0x<32 bytes>")),
			}
		},
		_ if path.starts_with("/v1/aiblock/") => Err(ApiError::new(
			404,
			"unknown_url",
			format!(
				"no such endpoint: {path} (GET /v1/aiblock/market, POST /v1/aiblock/receipts, \
				 GET /v1/aiblock/channels/0x<account>)"
			),
		)),
		_ => return None,
	};
	Some(match result {
		Ok(value) => (200, value),
		Err(error) => (error.status, error.body()),
	})
}

/// A paid request admitted: until its answer is recorded, dropping it frees the channel.
pub struct Admitted {
	seller: Arc<Seller>,
	client: AccountId,
	body: Vec<u8>,
	answered: bool,
}

impl Admitted {
	/// The answer was given: the client owes a receipt for `output` from `model`, whose
	/// experts took `routed` rows while reading it.
	/// `trail` is the answer's `aiblock` trail: with the request, what an auditor replays.
	pub fn answered(mut self, model: &ServedModel, output: &[u8], routed: &[u64], trail: Value) {
		let spec = model.weights.spec;
		let owed = Owed {
			answered: Answered::new(&self.body, output, output.len() as u64, model.state_root),
			request: std::mem::take(&mut self.body),
			answer: output.to_vec(),
			usage: Usage::of_routing(&model.blocks, spec.experts, spec.top_k, routed),
			model: model.index,
			trail,
		};
		self.seller.answered(&self.client, owed);
		self.answered = true;
	}
}

impl Drop for Admitted {
	fn drop(&mut self) {
		if !self.answered {
			self.seller.unanswered(&self.client);
		}
	}
}

/// Check a request for `seller`: a client named and signing, its channel open, covering
/// `max_tokens`, its last answer paid for.
pub async fn admit(
	seller: &Arc<Seller>,
	headers: &PaidHeaders,
	body: &[u8],
	max_tokens: u64,
) -> Result<Admitted, ApiError> {
	let client = headers.client.as_deref().and_then(client_account).ok_or_else(|| {
		ApiError::new(
			402,
			"payment_required",
			"this server sells answers: name your account in X-Aiblock-Client (0x<32 bytes>), \
			 sign the request in X-Aiblock-Signature, and pay through a prepaid channel \
			 (`aiblock-worker ask` does all of it; GET /v1/aiblock/market has the price)",
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
	seller.admit(&client, &signature, body, max_tokens).await.map_err(turned)?;
	Ok(Admitted { seller: seller.clone(), client, body: body.to_vec(), answered: false })
}
