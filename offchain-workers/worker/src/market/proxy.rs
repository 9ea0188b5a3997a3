//! A local OpenAI-compatible endpoint that pays for each answer, or asks as a free-tier
//! member, on its user's behalf: unmodified OpenAI clients (the `openai` package, front-ends,
//! scripts) point their base URL at it, and it signs the requests and receipts with the user's
//! key, which never leaves the machine. An API key (`Authorization: Bearer …`) may guard it:
//! the API key maps to the prepaid channel (or the free quota) of the account behind it.
//!
//! Requests go one at a time through the account's channel (the market answers the next one
//! once the last is paid for); others wait their turn. The answer is fetched whole and checked
//! as `aiblock-worker ask` checks it (its state root is its blocks', each an adopted block of
//! the model); a streamed request gets the answer as server-sent events, its trail in the last
//! chunk as the server streams it.

use super::buyer::Buyer;
use crate::{
	chain::Chain,
	serve::{
		api::{ApiError, Endpoint, Envelope},
		http::{self, HttpRequest},
		replay::Record,
		text::Finish,
	},
	WorkerError,
};
use serde_json::Value;
use std::{net::SocketAddr, sync::Arc};
use tokio::net::{
	tcp::{OwnedReadHalf, OwnedWriteHalf},
	TcpListener,
};

/// How the proxy's account takes part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payment {
	/// Pay through the channel with the server (opened with this deposit, planck, if none).
	Paid { deposit: u128 },
	/// Ask as a free-tier member (joining if needed).
	Free,
}

/// The proxy's shared state.
struct Proxy {
	chain: Chain,
	buyer: Arc<Buyer>,
	payment: Payment,
	api_key: Option<String>,
	/// One request at a time through the account's channel.
	turn: tokio::sync::Mutex<()>,
}

/// Serve the proxy on `listen` in front of `buyer`'s server; returns the bound address (the
/// serving goes on in a task).
pub async fn start(
	chain: Chain,
	buyer: Buyer,
	payment: Payment,
	api_key: Option<String>,
	listen: SocketAddr,
) -> Result<SocketAddr, WorkerError> {
	let server = super::chain::chain_account(&buyer.market.server);
	match &payment {
		Payment::Paid { deposit } => {
			let price = buyer.market.price_per_1k.ok_or_else(|| {
				WorkerError::Usage(format!("{server} sells no answers: use --free"))
			})?;
			let at = chain.finalized().await?;
			if chain.channel(&at, &chain.account(), &server).await?.is_none() {
				log::info!("proxy: opening a channel with {server}: {deposit} planck prepaid");
				chain.open_channel(&server, *deposit, price).await?;
			}
		},
		Payment::Free => {
			if buyer.market.free_tokens_per_period == 0 {
				return Err(WorkerError::Usage(format!("{server} answers no free tier")));
			}
			let at = chain.finalized().await?;
			let standing = chain.free_standing(&at, &chain.account(), &server).await?;
			if standing.member.is_none() {
				log::info!("proxy: joining the free tier (a refundable deposit is held)");
				chain.join_free_tier().await?;
			}
		},
	}
	let listener = TcpListener::bind(listen)
		.await
		.map_err(|e| WorkerError::Usage(format!("cannot listen on {listen}: {e}")))?;
	let bound = listener.local_addr().map_err(|e| WorkerError::Usage(e.to_string()))?;
	let proxy = Arc::new(Proxy {
		chain,
		buyer: Arc::new(buyer),
		payment,
		api_key,
		turn: tokio::sync::Mutex::new(()),
	});
	tokio::spawn(async move {
		loop {
			let Ok((socket, _)) = listener.accept().await else { continue };
			let proxy = proxy.clone();
			tokio::spawn(async move {
				let _ = socket.set_nodelay(true);
				let (mut reader, mut writer) = socket.into_split();
				proxy.connection(&mut reader, &mut writer).await;
			});
		}
	});
	Ok(bound)
}

impl Proxy {
	async fn connection(&self, reader: &mut OwnedReadHalf, writer: &mut OwnedWriteHalf) {
		let request =
			match tokio::time::timeout(http::READ_DEADLINE, http::read_request(reader, writer))
				.await
			{
				Ok(Ok(request)) => request,
				Ok(Err(error)) => return respond_error(writer, error).await,
				Err(_) => {
					let error =
						ApiError::new(408, "timeout", "the request took too long to arrive");
					return respond_error(writer, error).await;
				},
			};
		if let Some(key) = &self.api_key {
			if request.api_key.as_deref() != Some(key.as_str()) {
				let error = ApiError::new(
					401,
					"invalid_api_key",
					"this proxy wants its API key: Authorization: Bearer <key>",
				);
				return respond_error(writer, error).await;
			}
		}
		let path = request.path.split('?').next().unwrap_or_default().to_string();
		let endpoint = match (request.method.as_str(), path.as_str()) {
			("GET", "/v1/models") => {
				let buyer = self.buyer.clone();
				let models = tokio::task::spawn_blocking(move || buyer.models()).await;
				return match models {
					Ok(Ok(models)) => {
						let _ = http::respond_json(writer, 200, &models).await;
					},
					_ => {
						let error = ApiError::new(502, "server_unreachable", "GET /v1/models");
						respond_error(writer, error).await
					},
				};
			},
			("POST", "/v1/completions") => Endpoint::Completions,
			("POST", "/v1/chat/completions") => Endpoint::Chat,
			_ => {
				let error = ApiError::new(
					404,
					"unknown_url",
					format!(
						"no such endpoint: {path} (POST /v1/completions, POST \
						 /v1/chat/completions, GET /v1/models)"
					),
				);
				return respond_error(writer, error).await;
			},
		};
		self.forward(endpoint, &path, request, writer).await;
	}

	/// Ask the server for the answer to `request` (whole, whatever the client asked), paying
	/// or as a free-tier member, check it, and give it to the client as it asked.
	async fn forward(
		&self,
		endpoint: Endpoint,
		path: &str,
		request: HttpRequest,
		writer: &mut OwnedWriteHalf,
	) {
		let mut body: Value = match serde_json::from_slice(&request.body) {
			Ok(Value::Object(fields)) => Value::Object(fields),
			_ => {
				let error = ApiError::new(400, "invalid_json", "the body must be a JSON object");
				return respond_error(writer, error).await;
			},
		};
		let stream = body.get("stream").and_then(Value::as_bool).unwrap_or(false);
		if let Some(fields) = body.as_object_mut() {
			fields.remove("stream");
			fields.remove("stream_options");
		}
		let answered = {
			let _turn = self.turn.lock().await;
			self.ask(path, body).await
		};
		let (answer, record) = match answered {
			Ok(answered) => answered,
			Err(e) => return respond_error(writer, refusal(e)).await,
		};
		if let Err(e) = super::buyer::blocks_adopted(&self.chain, &record).await {
			return respond_error(writer, refusal(e)).await;
		}
		if stream {
			let events = as_events(endpoint, &answer);
			let mut out = http::head(200, "text/event-stream", None);
			out.push_str(&events);
			let _ = http::write_all(writer, out.as_bytes()).await;
		} else {
			let _ = http::respond_json(writer, 200, &answer).await;
		}
	}

	/// One paid or free request through the account's channel.
	async fn ask(&self, path: &str, body: Value) -> Result<(Value, Record), WorkerError> {
		let server = super::chain::chain_account(&self.buyer.market.server);
		let at = self.chain.finalized().await?;
		let buyer = self.buyer.clone();
		let path = path.to_string();
		match self.payment {
			Payment::Paid { .. } => {
				let channel = self
					.chain
					.channel(&at, &self.chain.account(), &server)
					.await?
					.ok_or_else(|| WorkerError::Refused("the channel is closed".into()))?;
				tokio::task::spawn_blocking(move || {
					let previous = buyer.resume(channel.id)?;
					let claimed = channel.claimed_requests;
					let paid = buyer.ask(&path, &body, channel.id, previous.as_ref(), claimed)?;
					Ok((paid.answer, paid.record))
				})
				.await
				.map_err(|e| WorkerError::Server(format!("the request stopped: {e}")))?
			},
			Payment::Free => {
				let standing =
					self.chain.free_standing(&at, &self.chain.account(), &server).await?;
				let (period, counted) = (standing.period, standing.reported_here);
				tokio::task::spawn_blocking(move || {
					let totals = buyer.resume_free(period, counted)?;
					let free = buyer.ask_free(&path, &body, period, totals)?;
					Ok((free.answer, free.record))
				})
				.await
				.map_err(|e| WorkerError::Server(format!("the request stopped: {e}")))?
			},
		}
	}
}

/// What the client is told when the server or the chain refused.
fn refusal(e: WorkerError) -> ApiError {
	match e {
		WorkerError::Refused(why) => {
			// The market's refusals carry their HTTP status: pass 402 and 429 on as such.
			let status = ["402", "429", "401", "503"]
				.iter()
				.find(|code| why.contains(&format!("HTTP {code}")))
				.and_then(|code| code.parse().ok())
				.unwrap_or(402);
			ApiError::new(status, "refused", why)
		},
		WorkerError::Server(why) => ApiError::new(502, "bad_answer", why),
		other => ApiError::new(502, "proxy_error", other.to_string()),
	}
}

async fn respond_error(writer: &mut OwnedWriteHalf, error: ApiError) {
	let _ = http::respond_json(writer, error.status, &error.body()).await;
}

/// A whole answer as the server would have streamed it: the text in one chunk, then the
/// finish reason, the usage and the trail, then `[DONE]`.
pub fn as_events(endpoint: Endpoint, answer: &Value) -> String {
	let text = answer
		.pointer("/choices/0/text")
		.or_else(|| answer.pointer("/choices/0/message/content"))
		.and_then(Value::as_str)
		.unwrap_or_default();
	let finish = answer
		.pointer("/choices/0/finish_reason")
		.and_then(Value::as_str)
		.and_then(Finish::named)
		.unwrap_or(Finish::Length);
	let count = |name: &str| answer["usage"][name].as_u64().unwrap_or(0) as usize;
	let usage = (count("prompt_tokens"), count("completion_tokens"));
	let envelope = Envelope {
		endpoint,
		id: answer["id"].as_str().unwrap_or("proxied"),
		created: answer["created"].as_u64().unwrap_or(0),
		model: answer["model"].as_str().unwrap_or_default(),
	};
	let first = envelope.chunk(text, true, None);
	let last = envelope.chunk("", false, Some((finish, usage, answer["aiblock"].clone())));
	http::sse(&first) + &http::sse(&last) + "data: [DONE]\n\n"
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::serve::replay::read_record;
	use serde_json::json;

	#[test]
	fn a_whole_answer_streams_as_the_server_would_with_its_trail_last() {
		let trail = json!({
			"model": {"index": 1, "state_root": format!("0x{}", "00".repeat(32)), "blocks": []},
			"input": "x",
			"sampling": {"temperature": 0.0, "top_k": 0, "top_p": 1.0, "seed": 1},
			"max_tokens": 3, "stop": [], "output": {"hex": "0x4e6179"},
		});
		let answer = json!({
			"id": "chatcmpl-1", "object": "chat.completion", "created": 5, "model": "m@1",
			"choices": [{"index": 0, "message": {"role": "assistant", "content": "Nay"},
						 "finish_reason": "stop"}],
			"usage": {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7},
			"aiblock": trail,
		});
		let events = as_events(Endpoint::Chat, &answer);
		assert!(events.ends_with("data: [DONE]\n\n"));
		let chunks: Vec<Value> = events
			.lines()
			.filter_map(|l| l.strip_prefix("data: "))
			.filter_map(|d| serde_json::from_str(d).ok())
			.collect();
		assert_eq!(chunks.len(), 2);
		assert_eq!(
			chunks[0]["choices"][0]["delta"],
			json!({"role": "assistant", "content": "Nay"})
		);
		assert_eq!(chunks[1]["choices"][0]["finish_reason"], "stop");
		assert_eq!(chunks[1]["usage"]["total_tokens"], 7);
		// What a client reads back from the stream is the answer and its trail.
		let record = read_record(&events).unwrap();
		let shown = record.shown.unwrap();
		assert_eq!((shown.text.as_str(), shown.finish.as_deref()), ("Nay", Some("stop")));
		assert_eq!(record.output, b"Nay");
	}

	#[test]
	fn the_markets_refusals_keep_their_status() {
		let refused = refusal(WorkerError::Refused(
			"the server answered HTTP 429: the free quota is used".into(),
		));
		assert_eq!(refused.status, 429);
		assert!(refused.message.contains("free quota"));
		assert_eq!(refusal(WorkerError::Server("altered".into())).status, 502);
	}
}
