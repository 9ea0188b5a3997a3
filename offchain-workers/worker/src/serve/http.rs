//! HTTP/1.1 for the API, on tokio: one request per connection (`Connection: close`), a
//! bounded number of connections, deadlines on reading requests and on every write, and a
//! client that leaves mid-answer noticed at once (its generation stops).

use super::{
	api::{self, ApiError, Endpoint, Envelope, Limits},
	engine::{Engine, Event, Job, Refused},
	metrics::{Outcome, ServeMetrics},
	model::{hex, ServedModel},
	parallel,
	sell::{self, MarketSide, PaidHeaders},
};
use serde_json::{json, Value};
use std::{
	collections::HashMap,
	net::{IpAddr, SocketAddr},
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex,
	},
	time::{Duration, Instant, SystemTime},
};
use tokio::{
	io::{AsyncReadExt, AsyncWriteExt},
	net::{
		tcp::{OwnedReadHalf, OwnedWriteHalf},
		TcpListener, TcpStream,
	},
};

/// Connections served at the same time; more are answered 503 at once.
pub const MAX_CONNECTIONS: usize = 256;
/// The longest request head (request line and headers).
pub const MAX_HEAD: usize = 16 * 1024;
/// The longest request body.
pub const MAX_BODY: usize = 1 << 20;
/// How long a client may take to send its request.
pub const READ_DEADLINE: Duration = Duration::from_secs(10);
/// How long one write may wait for a client that does not read.
pub const WRITE_DEADLINE: Duration = Duration::from_secs(30);

/// What every connection shares.
struct Shared {
	engine: Arc<Engine>,
	limits: Limits,
	metrics: Arc<ServeMetrics>,
	next_id: AtomicU64,
	/// Open connections by client address.
	clients: Mutex<HashMap<IpAddr, usize>>,
	/// Set when this server sells its answers or answers the free tier: every request must
	/// be paid for or come from a free-tier member.
	market: MarketSide,
	/// Set when it answers other servers' expert calls: the calls computed at once.
	expert_calls: Option<tokio::sync::Semaphore>,
}

/// Expert calls a server computes at once; more wait (up to [`EXPERT_CALL_WAIT`]), so that
/// peers' calls cannot take every core from the server's own answers or its memory.
const EXPERT_CALLS: usize = 2;
const EXPERT_CALL_WAIT: Duration = Duration::from_secs(10);

/// A client's place among its connections; given back when the connection ends.
struct ClientSlot {
	shared: Arc<Shared>,
	ip: IpAddr,
}

impl ClientSlot {
	/// A place for another connection from `ip`, unless its client holds its limit already.
	fn take(shared: &Arc<Shared>, ip: IpAddr) -> Option<ClientSlot> {
		let ip = client_of(ip);
		let mut clients = lock(&shared.clients);
		let open = clients.entry(ip).or_insert(0);
		if *open >= shared.limits.max_connections_per_client {
			return None;
		}
		*open += 1;
		Some(ClientSlot { shared: shared.clone(), ip })
	}
}

impl Drop for ClientSlot {
	fn drop(&mut self) {
		let mut clients = lock(&self.shared.clients);
		if let Some(open) = clients.get_mut(&self.ip) {
			*open = open.saturating_sub(1);
			if *open == 0 {
				clients.remove(&self.ip);
			}
		}
	}
}

/// The client an address belongs to: an IPv4 address, or an IPv6 /64 (one host's block: a
/// client changing addresses inside it is still one client).
pub fn client_of(ip: IpAddr) -> IpAddr {
	match ip {
		IpAddr::V4(_) => ip,
		IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
			Some(v4) => IpAddr::V4(v4),
			None => IpAddr::V6(std::net::Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
		},
	}
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
	mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Answer `socket` with one error and close it, without making the accept loop wait.
fn turn_away(socket: TcpStream, error: ApiError) {
	tokio::spawn(async move {
		let (_, mut writer) = socket.into_split();
		let _ = tokio::time::timeout(
			Duration::from_secs(2),
			respond_json(&mut writer, error.status, &error.body()),
		)
		.await;
	});
}

/// Listen on `addr` and answer until the process ends; returns the bound address (port 0
/// picks a free one).
pub async fn listen(
	addr: SocketAddr,
	engine: Arc<Engine>,
	limits: Limits,
	metrics: Arc<ServeMetrics>,
	market: MarketSide,
	lend_experts: bool,
) -> std::io::Result<SocketAddr> {
	let listener = TcpListener::bind(addr).await?;
	let bound = listener.local_addr()?;
	let shared = Arc::new(Shared {
		engine,
		limits,
		metrics,
		next_id: AtomicU64::new(fresh_seed()),
		clients: Mutex::new(HashMap::new()),
		market,
		expert_calls: lend_experts.then(|| tokio::sync::Semaphore::new(EXPERT_CALLS)),
	});
	let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
	tokio::spawn(async move {
		loop {
			let (socket, peer) = match listener.accept().await {
				Ok(accepted) => accepted,
				Err(e) => {
					log::warn!("serve: accept failed: {e}; pausing 1 s");
					tokio::time::sleep(Duration::from_secs(1)).await;
					continue;
				},
			};
			// Full: say so at once rather than leave the client hanging in the backlog.
			let Some(client) = ClientSlot::take(&shared, peer.ip()) else {
				let most = shared.limits.max_connections_per_client;
				let why = format!(
					"too many connections from {}: at most {most} at a time per client (an IPv4 \
					 address or an IPv6 /64); retry when one ends",
					client_of(peer.ip())
				);
				shared.metrics.turned_away.fetch_add(1, Ordering::Relaxed);
				turn_away(socket, ApiError::new(429, "too_many_connections", why));
				continue;
			};
			let Ok(slot) = slots.clone().try_acquire_owned() else {
				shared.metrics.turned_away.fetch_add(1, Ordering::Relaxed);
				turn_away(
					socket,
					ApiError::new(503, "server_full", "too many connections: retry shortly"),
				);
				continue;
			};
			let shared = shared.clone();
			tokio::spawn(async move {
				let _slots = (slot, client);
				// A backstop past the request's own timeout: a client reading slowly, or
				// sending slowly, cannot hold its place for longer.
				let deadline = shared.limits.request_timeout + READ_DEADLINE + WRITE_DEADLINE;
				let _ = tokio::time::timeout(deadline, connection(socket, shared)).await;
			});
		}
	});
	Ok(bound)
}

/// A random seed for a request that names none (reported in its answer).
pub fn fresh_seed() -> u64 {
	getrandom::u64().unwrap_or_else(|_| {
		SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
	})
}

/// A request as read off a connection.
pub(crate) struct HttpRequest {
	pub method: String,
	pub path: String,
	pub body: Vec<u8>,
	pub paid: PaidHeaders,
	/// The bearer token of `Authorization: Bearer …` (an API key), if any.
	pub api_key: Option<String>,
}

async fn connection(socket: TcpStream, shared: Arc<Shared>) {
	let _ = socket.set_nodelay(true);
	let (mut reader, mut writer) = socket.into_split();
	answer(&mut reader, &mut writer, &shared).await;
	// Close so that the answer arrives: end our side, then read what the client still sends
	// (an unread request body would make the kernel reset the connection, losing the answer).
	let _ = writer.shutdown().await;
	let mut sink = [0u8; 4096];
	let _ = tokio::time::timeout(Duration::from_secs(1), async {
		let mut left = 64 * 1024;
		while left > 0 {
			match reader.read(&mut sink).await {
				Ok(0) | Err(_) => break,
				Ok(n) => left -= n.min(left),
			}
		}
	})
	.await;
}

/// Read one request and answer it.
async fn answer(reader: &mut OwnedReadHalf, writer: &mut OwnedWriteHalf, shared: &Shared) {
	// A request's timeout counts from here: reading it is part of its time.
	let deadline = tokio::time::Instant::now() + shared.limits.request_timeout;
	let reading = read_request(reader, writer);
	let request = match tokio::time::timeout(READ_DEADLINE, reading).await {
		Ok(Ok(request)) => request,
		Ok(Err(error)) => {
			let _ = respond_json(writer, error.status, &error.body()).await;
			return;
		},
		Err(_) => {
			let error = ApiError::new(408, "timeout", "the request took too long to arrive");
			let _ = respond_json(writer, 408, &error.body()).await;
			return;
		},
	};
	let path = request.path.split('?').next().unwrap_or_default().to_string();
	let current = shared.engine.current();
	if path == parallel::wire::PATH {
		if let Some(permits) = &shared.expert_calls {
			return expert_call(request, current, permits, shared, writer).await;
		}
	}
	if let Some((status, body)) = sell::route(&shared.market, &request.method, &path, &request.body)
	{
		let _ = respond_json(writer, status, &body).await;
		return;
	}
	match (request.method.as_str(), path.as_str()) {
		("OPTIONS", _) => {
			let _ = write_all(writer, head(204, "text/plain", Some(0)).as_bytes()).await;
		},
		("GET", "/health") if !shared.engine.alive() => {
			let error = ApiError::new(503, "engine_stopped", "the generation engine stopped");
			let _ = respond_json(writer, 503, &error.body()).await;
		},
		("GET", "/health") => {
			let body = json!({
				"status": "ok",
				"model": current.id(),
				"state_root": hex(&current.state_root),
				"finalized": current.loaded_at.number,
				"queue": shared.metrics.queued.load(Ordering::Relaxed),
			});
			let _ = respond_json(writer, 200, &body).await;
		},
		("GET", "/v1/models") => {
			let _ = respond_json(writer, 200, &api::models(&current)).await;
		},
		("GET", p) if p.starts_with("/v1/models/") => {
			let name = percent_decoded(&p["/v1/models/".len()..]);
			if current.answers_to(&name) {
				let _ = respond_json(writer, 200, &api::models(&current)["data"][0]).await;
			} else {
				let _ = respond_json(writer, 404, &unknown_model(&name).body()).await;
			}
		},
		("GET", "/metrics") => {
			let mut body = shared.metrics.render();
			if let Some(runner) = &current.runner {
				runner.render_metrics(&mut body);
			}
			let mut out = head(200, "text/plain; version=0.0.4", Some(body.len()));
			out.push_str(&body);
			let _ = write_all(writer, out.as_bytes()).await;
		},
		("POST", "/v1/completions") => {
			let paid = request.paid;
			generate(Endpoint::Completions, request.body, &paid, deadline, reader, writer, shared)
				.await
		},
		("POST", "/v1/chat/completions") => {
			let paid = request.paid;
			generate(Endpoint::Chat, request.body, &paid, deadline, reader, writer, shared).await
		},
		(_, "/health" | "/metrics" | "/v1/models" | "/v1/completions" | "/v1/chat/completions") => {
			let error = ApiError::new(
				405,
				"method_not_allowed",
				format!("{} is not allowed on {path}", request.method),
			);
			let _ = respond_json(writer, 405, &error.body()).await;
		},
		_ => {
			let error = ApiError::new(
				404,
				"unknown_url",
				format!(
					"no such endpoint: {path} (POST /v1/completions, POST /v1/chat/completions, \
					 GET /v1/models, /health, /metrics)"
				),
			);
			let _ = respond_json(writer, 404, &error.body()).await;
		},
	}
}

/// Another server's expert call (`GET`: what this one runs; `POST`: rows to run), computed on
/// the engine's backend beside the engine, at most [`EXPERT_CALLS`] at once.
async fn expert_call(
	request: HttpRequest,
	current: Arc<ServedModel>,
	permits: &tokio::sync::Semaphore,
	shared: &Shared,
	writer: &mut OwnedWriteHalf,
) {
	if request.method == "GET" {
		let _ = respond_json(writer, 200, &parallel::wire::hosted(&current)).await;
		return;
	}
	if request.method != "POST" {
		let error = ApiError::new(405, "method_not_allowed", "GET or POST");
		let _ = respond_json(writer, 405, &error.body()).await;
		return;
	}
	let Ok(Ok(permit)) = tokio::time::timeout(EXPERT_CALL_WAIT, permits.acquire()).await else {
		let error = ApiError::new(503, "busy", "too many expert calls at once");
		let _ = respond_json(writer, 503, &error.body()).await;
		return;
	};
	let backend = shared.engine.backend();
	let body = request.body;
	let computed = tokio::task::spawn_blocking(move || {
		parallel::wire::answer(&current, backend.as_ref(), &body)
	})
	.await
	.unwrap_or_else(|_| {
		Err(parallel::wire::Refusal { status: 500, message: "the expert call panicked".into() })
	});
	drop(permit);
	match computed {
		Ok(reply) => {
			let mut out = head(200, "application/octet-stream", Some(reply.len())).into_bytes();
			out.extend_from_slice(&reply);
			let _ = write_all(writer, &out).await;
		},
		Err(refusal) => {
			let error = ApiError::new(refusal.status, "expert_call_refused", refusal.message);
			let _ = respond_json(writer, refusal.status, &error.body()).await;
		},
	}
}

/// `%XX` escapes decoded (clients escape the `@` of `name@version` in a path).
fn percent_decoded(text: &str) -> String {
	let bytes = text.as_bytes();
	let mut out = Vec::with_capacity(bytes.len());
	let mut i = 0;
	while i < bytes.len() {
		let escaped = (bytes[i] == b'%')
			.then(|| text.get(i + 1..i + 3))
			.flatten()
			.and_then(|hex| u8::from_str_radix(hex, 16).ok());
		match escaped {
			Some(byte) => {
				out.push(byte);
				i += 3;
			},
			None => {
				out.push(bytes[i]);
				i += 1;
			},
		}
	}
	String::from_utf8_lossy(&out).into_owned()
}

fn unknown_model(name: &str) -> ApiError {
	ApiError {
		status: 404,
		message: format!("this server has no model {name:?} (GET /v1/models lists it)"),
		param: Some("model"),
		code: "model_not_found",
	}
}

/// Read the request head and its body (`Content-Length` only; a client that expects
/// `100 Continue` before sending it gets one).
pub(crate) async fn read_request(
	reader: &mut OwnedReadHalf,
	writer: &mut OwnedWriteHalf,
) -> Result<HttpRequest, ApiError> {
	let mut buffer = Vec::with_capacity(1024);
	let mut chunk = [0u8; 4096];
	let mut searched = 0usize;
	let head_end = loop {
		// Only the new bytes (and the 3 before them) can complete the blank line.
		let from = searched.saturating_sub(3);
		if let Some(at) = buffer[from..].windows(4).position(|w| w == b"\r\n\r\n") {
			break from + at + 4;
		}
		searched = buffer.len();
		if buffer.len() > MAX_HEAD {
			return Err(ApiError::new(431, "headers_too_large", "the request head is too large"));
		}
		let n = reader.read(&mut chunk).await.unwrap_or(0);
		if n == 0 {
			return Err(ApiError::new(400, "incomplete_request", "the request ended early"));
		}
		buffer.extend_from_slice(&chunk[..n]);
	};
	let mut headers = [httparse::EMPTY_HEADER; 64];
	let mut parsed = httparse::Request::new(&mut headers);
	match parsed.parse(&buffer[..head_end]) {
		Ok(httparse::Status::Complete(_)) => {},
		_ => return Err(ApiError::new(400, "bad_request", "the request is not HTTP/1.1")),
	}
	let method = parsed.method.unwrap_or_default().to_string();
	let path = parsed.path.unwrap_or_default().to_string();
	let header = |name: &str| {
		parsed
			.headers
			.iter()
			.find(|h| h.name.eq_ignore_ascii_case(name))
			.map(|h| String::from_utf8_lossy(h.value).trim().to_string())
	};
	let paid = PaidHeaders {
		client: header("x-aiblock-client"),
		signature: header("x-aiblock-signature"),
		tier: header("x-aiblock-tier"),
	};
	if header("transfer-encoding").is_some() {
		return Err(ApiError::new(411, "length_required", "send the body with a Content-Length"));
	}
	let length = match header("content-length") {
		None => 0,
		Some(value) => value
			.parse::<usize>()
			.map_err(|_| ApiError::new(400, "bad_request", "Content-Length is not a number"))?,
	};
	// A peer's expert call carries rows of floats; everything else is JSON.
	let most = if path.split('?').next() == Some(parallel::wire::PATH) {
		parallel::wire::MAX_CALL_BYTES
	} else {
		MAX_BODY
	};
	if length > most {
		return Err(ApiError::new(
			413,
			"body_too_large",
			format!("the body has {length} bytes; at most {most} are read"),
		));
	}
	let mut body = buffer[head_end..].to_vec();
	let expects_continue = header("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));
	if expects_continue && body.len() < length {
		let _ = write_all(writer, b"HTTP/1.1 100 Continue\r\n\r\n").await;
	}
	body.truncate(length);
	while body.len() < length {
		let n = reader.read(&mut chunk).await.unwrap_or(0);
		if n == 0 {
			return Err(ApiError::new(400, "incomplete_request", "the body ended early"));
		}
		let want = (length - body.len()).min(n);
		body.extend_from_slice(&chunk[..want]);
	}
	let api_key = header("authorization")
		.and_then(|value| value.strip_prefix("Bearer ").map(|key| key.trim().to_string()));
	Ok(HttpRequest { method, path, body, paid, api_key })
}

/// A completion or chat completion: queued for the engine, answered whole or streamed.
async fn generate(
	endpoint: Endpoint,
	body: Vec<u8>,
	paid: &PaidHeaders,
	deadline: tokio::time::Instant,
	reader: &mut OwnedReadHalf,
	writer: &mut OwnedWriteHalf,
	shared: &Shared,
) {
	let chat = endpoint == Endpoint::Chat;
	let metrics = &shared.metrics;
	let request = match api::parse(endpoint, &body, &shared.limits, fresh_seed) {
		Ok(request) => request,
		Err(error) => {
			metrics.count(chat, Outcome::BadRequest);
			let _ = respond_json(writer, error.status, &error.body()).await;
			return;
		},
	};
	if !shared.engine.current().answers_to(&request.model) {
		metrics.count(chat, Outcome::BadRequest);
		let _ = respond_json(writer, 404, &unknown_model(&request.model).body()).await;
		return;
	}
	// A paid request is admitted before it is queued; the channel is free again when
	// `admitted` is dropped without an answer.
	let max_tokens = request.generation.max_tokens as u64;
	let admitted = match sell::admit(&shared.market, paid, &body, max_tokens).await {
		Ok(admitted) => admitted,
		Err(error) => {
			metrics.count(chat, Outcome::BadRequest);
			let _ = respond_json(writer, error.status, &error.body()).await;
			return;
		},
	};
	let (events, mut answers) = tokio::sync::mpsc::unbounded_channel();
	let job = Job {
		model: request.model.clone(),
		generation: request.generation.clone(),
		events,
		queued_at: Instant::now(),
	};
	match shared.engine.submit(job) {
		Ok(()) => {},
		Err(Refused::Busy) => {
			metrics.count(chat, Outcome::Busy);
			let error =
				ApiError::new(429, "server_busy", "too many requests are waiting: retry shortly");
			let _ = respond_json(writer, 429, &error.body()).await;
			return;
		},
		Err(Refused::Stopped) => {
			metrics.count(chat, Outcome::Failed);
			let error = ApiError::new(503, "engine_stopped", "the generation engine stopped");
			let _ = respond_json(writer, 503, &error.body()).await;
			return;
		},
	}
	let timed_out = |metrics: &ServeMetrics| {
		metrics.count(chat, Outcome::TimedOut);
		let seconds = shared.limits.request_timeout.as_secs();
		ApiError::new(
			504,
			"timeout",
			format!("the answer took longer than this server's limit of {seconds} s"),
		)
	};
	let model = match next_event(&mut answers, reader, deadline).await {
		Err(TimedOut) => {
			let error = timed_out(metrics);
			let _ = respond_json(writer, 504, &error.body()).await;
			return;
		},
		Ok(Some(Event::Started(model))) => model,
		Ok(Some(Event::Failed(why))) => {
			metrics.count(chat, Outcome::Failed);
			let error = ApiError::new(500, "model_error", why);
			let _ = respond_json(writer, 500, &error.body()).await;
			return;
		},
		Ok(Some(Event::ModelChanged(now))) => {
			metrics.count(chat, Outcome::BadRequest);
			let mut error = unknown_model(&request.model);
			error.message = format!("{} (it now serves {now})", error.message);
			let _ = respond_json(writer, 404, &error.body()).await;
			return;
		},
		_ => return,
	};
	let id = api::answer_id(endpoint, shared.next_id.fetch_add(1, Ordering::Relaxed));
	let created =
		SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
	let model_id = model.id();
	let envelope = Envelope { endpoint, id: &id, created, model: &model_id };
	// The model reads the input's last `context` bytes.
	let input_tokens = request.generation.input.len().min(model.weights.spec.context);
	if request.stream {
		let mut out = head(200, "text/event-stream", None);
		out.push_str(&sse(&envelope.chunk("", true, None)));
		if write_all(writer, out.as_bytes()).await.is_err() {
			return;
		}
	}
	let mut text = String::new();
	loop {
		let Ok(event) = next_event(&mut answers, reader, deadline).await else {
			let error = timed_out(metrics);
			if request.stream {
				let _ = write_all(writer, sse(&error.body()).as_bytes()).await;
			} else {
				let _ = respond_json(writer, 504, &error.body()).await;
			}
			return;
		};
		match event {
			Some(Event::Text(piece)) if request.stream => {
				if !piece.is_empty()
					&& write_all(writer, sse(&envelope.chunk(&piece, false, None)).as_bytes())
						.await
						.is_err()
				{
					return;
				}
			},
			Some(Event::Text(piece)) => text.push_str(&piece),
			Some(Event::Done { text: mut whole, finish, mut tokens, routed, computed }) => {
				metrics.count(chat, Outcome::Answered);
				if shared.market.alters_answers() {
					// TEST ONLY: a cheating server, for the auditors to catch.
					(whole, text) = (altered_text(&whole), altered_text(&text));
					tokens = tokens.iter().map(|&b| altered_byte(b)).collect();
				}
				let mut audit = api::audit(&model, &request.generation, &tokens);
				if let Some(runner) = &model.runner {
					audit["computed_by"] = runner.trail(&computed);
				}
				if let Some(admitted) = admitted {
					let mut trail = audit.clone();
					trail["endpoint"] = serde_json::json!(endpoint.name());
					admitted.answered(&model, &tokens, &routed, trail);
				}
				let usage = (input_tokens, tokens.len());
				if request.stream {
					let last = envelope.chunk("", false, Some((finish, usage, audit)));
					let out = sse(&last) + "data: [DONE]\n\n";
					let _ = write_all(writer, out.as_bytes()).await;
				} else {
					debug_assert_eq!(text, whole);
					let answer = envelope.answer(&whole, finish, usage, audit);
					let _ = respond_json(writer, 200, &answer).await;
				}
				return;
			},
			Some(Event::Failed(why)) => {
				metrics.count(chat, Outcome::Failed);
				let error = ApiError::new(500, "model_error", why);
				if request.stream {
					let _ = write_all(writer, sse(&error.body()).as_bytes()).await;
				} else {
					let _ = respond_json(writer, 500, &error.body()).await;
				}
				return;
			},
			Some(Event::Started(_) | Event::ModelChanged(_)) | None => return,
		}
	}
}

/// TEST ONLY (`serve --alter-answers`): another token for every ASCII one (its lowest bit
/// flipped: a space becomes `!`), so that no answer is what the model gives.
fn altered_byte(byte: u8) -> u8 {
	if byte.is_ascii() {
		byte ^ 1
	} else {
		byte
	}
}

fn altered_text(text: &str) -> String {
	let bytes: Vec<u8> = text.bytes().map(altered_byte).collect();
	String::from_utf8_lossy(&bytes).into_owned()
}

/// The request ran past its deadline.
struct TimedOut;

/// The engine's next event for this request, or None when the client left first (in both
/// cases, and at the deadline, dropping the receiver stops the work).
async fn next_event(
	answers: &mut tokio::sync::mpsc::UnboundedReceiver<Event>,
	reader: &mut OwnedReadHalf,
	deadline: tokio::time::Instant,
) -> Result<Option<Event>, TimedOut> {
	let mut probe = [0u8; 64];
	loop {
		tokio::select! {
			event = answers.recv() => return Ok(event),
			read = reader.read(&mut probe) => {
				// After its request a client sends nothing: end of file means it left.
				if matches!(read, Ok(0) | Err(_)) {
					return Ok(None);
				}
			},
			_ = tokio::time::sleep_until(deadline) => return Err(TimedOut),
		}
	}
}

pub(crate) fn sse(value: &Value) -> String {
	format!("data: {value}\n\n")
}

fn reason(status: u16) -> &'static str {
	match status {
		200 => "OK",
		204 => "No Content",
		400 => "Bad Request",
		404 => "Not Found",
		405 => "Method Not Allowed",
		408 => "Request Timeout",
		411 => "Length Required",
		413 => "Payload Too Large",
		429 => "Too Many Requests",
		431 => "Request Header Fields Too Large",
		503 => "Service Unavailable",
		504 => "Gateway Timeout",
		_ => "Internal Server Error",
	}
}

/// A response head; without a length the body runs to the end of the connection (a stream).
pub(crate) fn head(status: u16, content_type: &str, length: Option<usize>) -> String {
	let length = length.map(|n| format!("Content-Length: {n}\r\n")).unwrap_or_default();
	let stream =
		if content_type == "text/event-stream" { "Cache-Control: no-cache\r\n" } else { "" };
	// Turned away for now (a full queue, too many connections): when to try again.
	let retry = if matches!(status, 429 | 503) { "Retry-After: 1\r\n" } else { "" };
	format!(
		"HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\n{length}{stream}{retry}\
		 Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Headers: Authorization, Content-Type, *\r\n\
		 Access-Control-Allow-Methods: GET, POST, OPTIONS\r\nConnection: close\r\n\r\n",
		reason(status)
	)
}

pub(crate) async fn respond_json(
	writer: &mut OwnedWriteHalf,
	status: u16,
	body: &Value,
) -> std::io::Result<()> {
	let body = body.to_string();
	let mut out = head(status, "application/json", Some(body.len()));
	out.push_str(&body);
	write_all(writer, out.as_bytes()).await
}

pub(crate) async fn write_all(writer: &mut OwnedWriteHalf, bytes: &[u8]) -> std::io::Result<()> {
	match tokio::time::timeout(WRITE_DEADLINE, writer.write_all(bytes)).await {
		Ok(result) => result,
		Err(_) => {
			Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the client stopped reading"))
		},
	}
}

#[cfg(test)]
mod tests {
	use super::client_of;
	use std::net::IpAddr;

	#[test]
	fn a_client_is_an_ipv4_address_or_an_ipv6_block_of_64() {
		let ip = |s: &str| s.parse::<IpAddr>().unwrap();
		assert_eq!(client_of(ip("203.0.113.7")), ip("203.0.113.7"));
		assert_eq!(client_of(ip("::ffff:203.0.113.7")), ip("203.0.113.7"));
		assert_eq!(client_of(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
		assert_eq!(client_of(ip("2001:db8:1:2:ffff:1:2:3")), client_of(ip("2001:db8:1:2::9")));
		assert_ne!(client_of(ip("2001:db8:1:3::1")), client_of(ip("2001:db8:1:2::1")));
	}
}
