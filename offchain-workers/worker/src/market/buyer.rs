//! A paying client, or a free-tier member: it names itself and signs each request, checks the
//! answer's `aiblock` trail (the state root is the listed blocks'), and acknowledges the answer
//! with a signed receipt (one that pays, or a free one that counts against its quota), so that
//! the server answers the next one.

use super::receipt::{self, Answered, SignedFreeReceipt, SignedReceipt};
use crate::{
	chain::{BlockStatus, Chain},
	serve::{
		model::{hex, state_root, unhex},
		replay::{read_record, Record},
	},
	WorkerError,
};
use aiblock_primitives::{
	inference::{sr25519_signature, Receipt},
	AccountId, Signature, H256,
};
use codec::Encode;
use serde_json::Value;
use std::{io::Read, time::Duration};
use subxt_signer::sr25519::Keypair;

/// A server in the market, as `GET /v1/aiblock/market` describes it.
#[derive(Clone, Debug)]
pub struct Market {
	pub server: AccountId,
	pub genesis: H256,
	/// `None`: it sells nothing (it answers the free tier only).
	pub price_per_1k: Option<u128>,
	/// Free-tier tokens it answers per period (0: it is no donor).
	pub free_tokens_per_period: u64,
}

/// A free answer: the server's JSON, its trail, and the receipt that acknowledged it.
#[derive(Clone, Debug)]
pub struct Free {
	pub answer: Value,
	pub record: Record,
	pub receipt: SignedFreeReceipt,
}

/// A paid answer: the server's JSON, its trail, and the receipt that paid for it.
#[derive(Clone, Debug)]
pub struct Paid {
	pub answer: Value,
	pub record: Record,
	pub receipt: SignedReceipt,
}

/// The client of one server.
pub struct Buyer {
	base: String,
	key: Keypair,
	agent: ureq::Agent,
	pub market: Market,
}

fn usage(why: impl Into<String>) -> WorkerError {
	WorkerError::Usage(why.into())
}

impl Buyer {
	/// The server at `base` (`http://host:port`), paid with `key`.
	pub fn connect(base: &str, key: Keypair) -> Result<Buyer, WorkerError> {
		let agent: ureq::Agent = ureq::Agent::config_builder()
			.timeout_connect(Some(Duration::from_secs(10)))
			.timeout_global(Some(Duration::from_secs(600)))
			.http_status_as_error(false)
			.build()
			.into();
		let base = base.trim_end_matches('/').to_string();
		let mut buyer = Buyer {
			base,
			key,
			agent,
			market: Market {
				server: AccountId::from([0; 32]),
				genesis: H256::zero(),
				price_per_1k: None,
				free_tokens_per_period: 0,
			},
		};
		let (status, market) = buyer.get("/v1/aiblock/market")?;
		if status != 200 {
			return Err(usage(format!(
				"{} is not in the market (GET /v1/aiblock/market: HTTP {status}): ask it without \
				 paying",
				buyer.base
			)));
		}
		let hash = |name: &str| -> Result<[u8; 32], WorkerError> {
			market[name]
				.as_str()
				.and_then(unhex)
				.and_then(|b| b.try_into().ok())
				.ok_or_else(|| usage(format!("the server's market has no valid `{name}`")))
		};
		buyer.market = Market {
			server: AccountId::from(hash("server")?),
			genesis: H256(hash("genesis")?),
			price_per_1k: market["price_per_1k"].as_str().and_then(|p| p.parse().ok()),
			free_tokens_per_period: market["free_tokens_per_period"].as_u64().unwrap_or(0),
		};
		Ok(buyer)
	}

	/// The server at `base`, checked to serve the chain `chain` is connected to, paid with
	/// `chain`'s key.
	pub fn connect_on(base: &str, chain: &Chain) -> Result<Buyer, WorkerError> {
		let buyer = Buyer::connect(base, chain.signer.clone())?;
		if buyer.market.genesis.0 != chain.genesis().0 {
			return Err(usage(format!(
				"{base} serves another chain (genesis {}) than the node's",
				hex(&buyer.market.genesis.0)
			)));
		}
		Ok(buyer)
	}

	/// The model the server answers with (`GET /v1/models`), as requests name it.
	pub fn model(&self) -> Result<String, WorkerError> {
		let (_, models) = self.get("/v1/models")?;
		models["data"][0]["id"]
			.as_str()
			.map(str::to_string)
			.ok_or_else(|| WorkerError::Server("GET /v1/models names no model".into()))
	}

	/// The server's `GET /v1/models`.
	pub fn models(&self) -> Result<Value, WorkerError> {
		match self.get("/v1/models")? {
			(200, models) => Ok(models),
			(status, _) => Err(WorkerError::Server(format!("GET /v1/models: HTTP {status}"))),
		}
	}

	/// This client's account.
	pub fn account(&self) -> AccountId {
		receipt::account_of(&self.key)
	}

	fn get(&self, path: &str) -> Result<(u16, Value), WorkerError> {
		let response = self
			.agent
			.get(format!("{}{path}", self.base))
			.call()
			.map_err(|e| usage(format!("{}{path}: {e}", self.base)))?;
		read_json(response)
	}

	fn post(
		&self,
		path: &str,
		body: &[u8],
		headers: &[(&str, String)],
	) -> Result<(u16, String), WorkerError> {
		let mut request = self
			.agent
			.post(format!("{}{path}", self.base))
			.header("Content-Type", "application/json");
		for (name, value) in headers {
			request = request.header(*name, value);
		}
		let response =
			request.send(body).map_err(|e| usage(format!("{}{path}: {e}", self.base)))?;
		let status = response.status().as_u16();
		let mut text = String::new();
		response
			.into_body()
			.into_reader()
			.take(16 << 20)
			.read_to_string(&mut text)
			.map_err(|e| usage(format!("{}{path}: {e}", self.base)))?;
		Ok((status, text))
	}

	/// The newest receipt this client signed on `channel` that the server holds (checked: it
	/// must be this client's own signature), to go on from after a restart.
	pub fn resume(&self, channel: u64) -> Result<Option<Receipt<AccountId>>, WorkerError> {
		let me = receipt::account_hex(&self.account());
		let (_, state) = self.get(&format!("/v1/aiblock/channels/{me}"))?;
		let Some(last) = state.get("last").filter(|l| !l.is_null()) else { return Ok(None) };
		let signed =
			receipt::from_json(last).ok_or_else(|| usage("the server's receipt is malformed"))?;
		let ours = signed.receipt.client == self.account()
			&& signed.receipt.channel == channel
			&& receipt::verify(&self.market.genesis, &signed);
		Ok(ours.then_some(signed.receipt))
	}

	/// Ask `body` at `path` (`/v1/completions` or `/v1/chat/completions`; not streamed) as
	/// the next request after `previous` on `channel`, check the trail, and pay.
	pub fn ask(
		&self,
		path: &str,
		body: &Value,
		channel: u64,
		previous: Option<&Receipt<AccountId>>,
		claimed_requests: u64,
	) -> Result<Paid, WorkerError> {
		let bytes = serde_json::to_vec(&seeded(body)).map_err(|e| usage(e.to_string()))?;
		let number = previous.map_or(claimed_requests, |p| p.requests) + 1;
		let signature = receipt::sign_request(
			&self.key,
			&self.market.genesis,
			&self.market.server,
			number,
			&bytes,
		);
		let (answer, record) = self.request(path, &bytes, &signature, None)?;
		let answered =
			Answered::new(&bytes, &record.output, record.output.len() as u64, record.state_root);
		let signed = receipt::sign_next(
			&self.key,
			&self.market.genesis,
			channel,
			&self.market.server,
			previous,
			&answered,
		);
		self.acknowledge("/v1/aiblock/receipts", &receipt::to_json(&signed))?;
		Ok(Paid { answer, record, receipt: signed })
	}

	/// The totals of the newest free receipt this member signed for this donor in `period`
	/// that the donor holds (checked: its own signature), to go on from; `counted` (what the
	/// chain counted) when the donor holds none.
	pub fn resume_free(&self, period: u32, counted: (u64, u32)) -> Result<(u64, u32), WorkerError> {
		let me = receipt::account_hex(&self.account());
		let (_, state) = self.get(&format!("/v1/aiblock/free/{me}"))?;
		let Some(last) = state.get("last").filter(|l| !l.is_null()) else { return Ok(counted) };
		let signed = receipt::free_from_json(last)
			.ok_or_else(|| usage("the donor's free receipt is malformed"))?;
		let r = &signed.receipt;
		let ours = r.client == self.account()
			&& r.server == self.market.server
			&& r.period == period
			&& receipt::verify_free(&self.market.genesis, &signed);
		Ok(if ours { (r.cumulative_tokens, r.requests) } else { counted })
	}

	/// Ask `body` at `path` as a free-tier member, the next request after its totals with
	/// this donor in quota period `period` (tokens, requests), check the trail, and acknowledge
	/// the answer with a free receipt.
	pub fn ask_free(
		&self,
		path: &str,
		body: &Value,
		period: u32,
		totals: (u64, u32),
	) -> Result<Free, WorkerError> {
		let bytes = serde_json::to_vec(&seeded(body)).map_err(|e| usage(e.to_string()))?;
		let number = totals.1 + 1;
		let payload = receipt::free_request_payload(
			&self.market.genesis,
			&self.market.server,
			(period, number),
			&bytes,
		);
		let signature = sr25519_signature(self.key.sign(&payload).0);
		let (answer, record) = self.request(path, &bytes, &signature, Some("free"))?;
		let answered =
			Answered::new(&bytes, &record.output, record.output.len() as u64, record.state_root);
		let signed = receipt::sign_free_next(
			&self.key,
			&self.market.genesis,
			(&self.market.server, period),
			totals,
			&answered,
		);
		self.acknowledge("/v1/aiblock/free-receipts", &receipt::free_to_json(&signed))?;
		Ok(Free { answer, record, receipt: signed })
	}

	/// Send a signed request; the answer and its trail, checked: the state root is the
	/// listed blocks'.
	fn request(
		&self,
		path: &str,
		bytes: &[u8],
		signature: &Signature,
		tier: Option<&str>,
	) -> Result<(Value, Record), WorkerError> {
		let me = receipt::account_hex(&self.account());
		let mut headers =
			vec![("X-Aiblock-Client", me), ("X-Aiblock-Signature", hex(&signature.encode()))];
		if let Some(tier) = tier {
			headers.push(("X-Aiblock-Tier", tier.to_string()));
		}
		let (status, text) = self.post(path, bytes, &headers)?;
		if status != 200 {
			let message = serde_json::from_str::<Value>(&text)
				.ok()
				.and_then(|v| v["error"]["message"].as_str().map(str::to_string))
				.unwrap_or(text);
			return Err(WorkerError::Refused(format!(
				"the server answered HTTP {status}: {message}"
			)));
		}
		let answer: Value = serde_json::from_str(&text)
			.map_err(|e| usage(format!("the answer is not JSON: {e}")))?;
		let record = read_record(&text)?;
		if state_root(record.index, &record.blocks) != record.state_root {
			return Err(WorkerError::Server(
				"the answer's state root is not its listed blocks': not acknowledging it".into(),
			));
		}
		Ok((answer, record))
	}

	/// Post the receipt of an answer to `path`.
	fn acknowledge(&self, path: &str, signed: &Value) -> Result<(), WorkerError> {
		let bytes = serde_json::to_vec(signed).unwrap_or_default();
		let (status, text) = self.post(path, &bytes, &[])?;
		if status != 200 {
			return Err(WorkerError::Refused(format!(
				"the server refused the receipt: HTTP {status}: {text}"
			)));
		}
		Ok(())
	}
}

/// `body` with a seed of the client's choosing when it names none: a server drawing the seed
/// itself could try seeds for the longest answer (paid per token), and an auditor could not
/// tell.
fn seeded(body: &Value) -> Value {
	let mut body = body.clone();
	if let Some(fields) = body.as_object_mut() {
		if fields.get("seed").is_none_or(Value::is_null) {
			// Below 2^53, as servers draw them, so that any JSON reader keeps it exact.
			let seed = crate::serve::http::fresh_seed() & ((1 << 53) - 1);
			fields.insert("seed".into(), Value::from(seed));
		}
	}
	body
}

/// Check that the weights an answer names are adopted blocks of the model its trail names
/// (acknowledged answers are paid for: report a server that names others).
pub async fn blocks_adopted(chain: &Chain, record: &Record) -> Result<(), WorkerError> {
	let at = chain.finalized().await?;
	for (block, id) in &record.blocks {
		let on_chain = chain.block(&at, crate::chain::H256(*id)).await?;
		let adopted = on_chain.as_ref().is_some_and(|r| {
			r.header.model == record.index
				&& matches!(r.status, BlockStatus::Accepted | BlockStatus::Superseded)
		});
		if !adopted {
			return Err(WorkerError::Server(format!(
				"the answer names {} for {}, which is not an adopted block of model {}: \
				 report the server",
				hex(id),
				block.name(),
				record.index
			)));
		}
	}
	Ok(())
}

fn read_json(response: ureq::http::Response<ureq::Body>) -> Result<(u16, Value), WorkerError> {
	let status = response.status().as_u16();
	let mut text = String::new();
	let _ = response.into_body().into_reader().take(1 << 20).read_to_string(&mut text);
	let value = serde_json::from_str(&text).unwrap_or(Value::Null);
	Ok((status, value))
}
