//! The server on a small transformer, in this process: answers whole and streamed with the
//! trail that replays them, OpenAI-style errors, a full queue, a client that leaves, and a
//! switch to a new state while a stream runs. No chain (the chain side is in `e2e`).

use aiblock_compute::{
	backend::Cpu,
	transformer::{self, TransformerSpec},
};
use aiblock_worker::serve::{
	api::Limits,
	engine::{self, Engine},
	http,
	metrics::ServeMetrics,
	model::{hex, state_root, Finalized, ServedModel},
	parallel,
	replay::{self, Verdict},
};
use serde_json::{json, Value};
use std::{net::SocketAddr, sync::Arc, time::Duration};
use tokio::{
	io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
	net::TcpStream,
};

fn served(seed: u64, block_seed: u8) -> ServedModel {
	served_spec(TransformerSpec::TINY, seed, block_seed)
}

fn served_spec(spec: TransformerSpec, seed: u64, block_seed: u8) -> ServedModel {
	let weights = transformer::genesis(spec, seed).unwrap();
	let blocks: Vec<_> = spec.blocks().into_iter().map(|b| (b, [block_seed; 32])).collect();
	ServedModel {
		index: 1,
		name: "tiny".into(),
		version: "2.0.0".into(),
		state_root: state_root(1, &blocks),
		blocks,
		loaded_at: Finalized { number: u64::from(block_seed), hash: [7; 32] },
		weights,
		runner: None,
	}
}

struct Server {
	addr: SocketAddr,
	engine: Arc<Engine>,
	metrics: Arc<ServeMetrics>,
}

async fn server(max_queue: usize, max_batch: usize) -> Server {
	server_of(served(1, 1), max_queue, max_batch).await
}

async fn server_of(model: ServedModel, max_queue: usize, max_batch: usize) -> Server {
	let limits = Limits {
		max_tokens: 100_000,
		max_input_bytes: 4096,
		max_connections_per_client: 64,
		request_timeout: Duration::from_secs(120),
	};
	server_limited(model, max_queue, max_batch, limits).await
}

async fn server_limited(
	model: ServedModel,
	max_queue: usize,
	max_batch: usize,
	limits: Limits,
) -> Server {
	let metrics = Arc::new(ServeMetrics::default());
	let engine = Arc::new(Engine::start(
		model,
		Arc::new(Cpu::auto()),
		max_queue,
		max_batch,
		metrics.clone(),
	));
	let addr = http::listen(
		"127.0.0.1:0".parse().unwrap(),
		engine.clone(),
		limits,
		metrics.clone(),
		Default::default(),
		true,
	)
	.await
	.unwrap();
	Server { addr, engine, metrics }
}

/// Send one request; returns the status and the body.
async fn call(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
	let mut socket = TcpStream::connect(addr).await.unwrap();
	let request = format!(
		"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
		body.len()
	);
	socket.write_all(request.as_bytes()).await.unwrap();
	let mut answer = String::new();
	socket.read_to_string(&mut answer).await.unwrap();
	let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
	let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
	(status, body)
}

fn with(body: &Value, key: &str, value: Value) -> Value {
	let mut body = body.clone();
	body[key] = value;
	body
}

async fn post(addr: SocketAddr, path: &str, body: Value) -> (u16, Value) {
	let (status, text) = call(addr, "POST", path, &body.to_string()).await;
	(status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Open a stream: the reader after the response head.
async fn stream(addr: SocketAddr, path: &str, body: Value) -> BufReader<TcpStream> {
	let mut socket = TcpStream::connect(addr).await.unwrap();
	let body = body.to_string();
	let request =
		format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}", body.len());
	socket.write_all(request.as_bytes()).await.unwrap();
	let mut reader = BufReader::new(socket);
	let mut line = String::new();
	reader.read_line(&mut line).await.unwrap();
	assert!(line.starts_with("HTTP/1.1 200"), "{line}");
	while line != "\r\n" {
		line.clear();
		reader.read_line(&mut line).await.unwrap();
	}
	reader
}

/// The next event's data (None at the end of the stream).
async fn event(reader: &mut BufReader<TcpStream>) -> Option<String> {
	let mut line = String::new();
	loop {
		line.clear();
		if reader.read_line(&mut line).await.unwrap() == 0 {
			return None;
		}
		if let Some(data) = line.strip_prefix("data: ") {
			return Some(data.trim_end().to_string());
		}
	}
}

/// Every chunk of a stream, up to `[DONE]` (which must end it).
async fn chunks(mut reader: BufReader<TcpStream>) -> Vec<Value> {
	let mut all = Vec::new();
	while let Some(data) = event(&mut reader).await {
		if data == "[DONE]" {
			assert_eq!(event(&mut reader).await, None, "nothing after [DONE]");
			return all;
		}
		all.push(serde_json::from_str(&data).unwrap());
	}
	panic!("the stream ended without [DONE]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completion_names_its_blocks_and_replays_identically() {
	let s = server(8, 4).await;
	let body = json!({"model": "tiny@2.0.0", "prompt": "ROMEO:", "max_tokens": 40, "temperature": 0.8, "top_k": 20, "seed": 3});
	let (status, answer) = post(s.addr, "/v1/completions", body.clone()).await;
	assert_eq!(status, 200, "{answer}");
	assert_eq!(answer["object"], "text_completion");
	assert_eq!(answer["model"], "tiny@2.0.0");
	assert_eq!(answer["choices"][0]["finish_reason"], "length");
	assert_eq!(answer["usage"]["completion_tokens"], 40);
	let trail = &answer["aiblock"];
	let model = served(1, 1);
	assert_eq!(trail["model"]["state_root"], hex(&model.state_root));
	let listed: Vec<&str> = trail["model"]["blocks"]
		.as_array()
		.unwrap()
		.iter()
		.map(|b| b["block"].as_str().unwrap())
		.collect();
	let expected: Vec<String> = model.blocks.iter().map(|(b, _)| b.name()).collect();
	assert_eq!(listed, expected);
	assert_eq!(trail["sampling"]["seed"], 3);

	// The trail alone recomputes the answer (here with the same weights; `replay-answer`
	// loads them from the chain).
	let record = replay::read_record(&answer.to_string()).unwrap();
	assert_eq!(record.state_root, model.state_root);
	assert_eq!(record.blocks, model.blocks);
	let engine::Alone { tokens, text, .. } =
		engine::answer(&Cpu::auto(), &model.weights, &record.generation).unwrap();
	assert_eq!(replay::compare(&record.output, &tokens), Verdict::Identical { tokens: 40 });
	assert_eq!(answer["choices"][0]["text"], text);
	// Another seed gives another answer, and a changed token is found where it is.
	let (_, other) = post(s.addr, "/v1/completions", with(&body, "seed", json!(4))).await;
	assert_ne!(other["choices"][0]["text"], answer["choices"][0]["text"]);
	let mut forged = record.output.clone();
	forged[17] ^= 1;
	assert!(matches!(replay::compare(&forged, &tokens), Verdict::Differs { at: 17, .. }));
}

/// Answers decoded together, one pass of the model for all of them, with prompts read in
/// chunks beside the others' tokens (one longer than a chunk, one longer than the context) and
/// windows sliding at different times: each is exactly the answer it is alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_batched_together_are_each_the_answer_alone() {
	let spec = TransformerSpec { context: 96, ..TransformerSpec::TINY };
	let s = server_of(served_spec(spec, 4, 1), 16, 8).await;
	let model = served_spec(spec, 4, 1);
	let request = |prompt: String, max_tokens: usize, seed: u64| {
		json!({"model": "tiny", "prompt": prompt, "max_tokens": max_tokens,
			"temperature": 0.9, "top_p": 0.95, "seed": seed})
	};
	// A long answer keeps the engine busy while the others arrive.
	let long = request("Once more unto the breach".into(), 3000, 1);
	let mut first = stream(s.addr, "/v1/completions", with(&long, "stream", json!(true))).await;
	assert!(event(&mut first).await.is_some(), "the long answer has started");
	let prompts = [
		"A".to_string(),
		"Now is the winter of our discontent ".repeat(2),
		"Friends, Romans, countrymen, lend me your ears; ".repeat(3),
		"To be, or not to be".into(),
	];
	let calls: Vec<_> = prompts
		.iter()
		.enumerate()
		.map(|(i, prompt)| {
			let body = request(prompt.clone(), 120, 10 + i as u64);
			tokio::spawn(async move { (post(s.addr, "/v1/completions", body.clone()).await, body) })
		})
		.collect();
	for call in calls {
		let ((status, answer), body) = call.await.unwrap();
		assert_eq!(status, 200, "{answer}");
		let record = replay::read_record(&answer.to_string()).unwrap();
		assert_eq!(record.generation.input, body["prompt"].as_str().unwrap());
		let engine::Alone { tokens, text, .. } =
			engine::answer(&Cpu::auto(), &model.weights, &record.generation).unwrap();
		assert_eq!(replay::compare(&record.output, &tokens), Verdict::Identical { tokens: 120 });
		assert_eq!(answer["choices"][0]["text"], text);
	}
	let chunks = chunks(first).await;
	let streamed: String = chunks.iter().filter_map(|c| c["choices"][0]["text"].as_str()).collect();
	let alone = engine::answer(
		&Cpu::auto(),
		&model.weights,
		&replay::read_record(&chunks.last().unwrap().to_string()).unwrap().generation,
	)
	.unwrap();
	assert_eq!(streamed, alone.text, "the long answer, streamed beside the others");
	let (passes, advanced) = (
		s.metrics.passes.load(std::sync::atomic::Ordering::Relaxed),
		s.metrics.pass_answers.load(std::sync::atomic::Ordering::Relaxed),
	);
	assert!(advanced > passes, "answers shared passes: {advanced} answers in {passes} passes");
}

/// An input on which the model fails (here: a byte whose embedding is NaN) fails its own
/// request only; the answer sharing its passes goes on unharmed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_input_the_model_fails_on_costs_only_its_own_request() {
	let mut model = served(2, 1);
	let d = model.weights.spec.d_model;
	let embed = &mut model.weights.tensors.get_mut("shared.embed").unwrap().data;
	embed[usize::from(b'~') * d..][..d].fill(f32::NAN);
	let healthy = served(2, 1);
	let s = server_of(model, 8, 4).await;
	// Greedy, so that it never picks the poisoned byte itself (checked below).
	let long = json!({"model": "tiny", "prompt": "Good night, good night!", "max_tokens": 3000,
		"temperature": 0, "stream": true});
	let mut first = stream(s.addr, "/v1/completions", long).await;
	assert!(event(&mut first).await.is_some(), "the long answer has started");
	let (status, failed) = post(
		s.addr,
		"/v1/completions",
		json!({"model": "tiny", "prompt": "parting is such sweet sorrow ~", "max_tokens": 5}),
	)
	.await;
	assert_eq!(status, 500, "{failed}");
	assert_eq!(failed["error"]["code"], "model_error", "{failed}");
	assert!(failed["error"]["message"].as_str().unwrap().contains("non-finite"), "{failed}");
	let chunks = chunks(first).await;
	let streamed: String = chunks.iter().filter_map(|c| c["choices"][0]["text"].as_str()).collect();
	let record = replay::read_record(&chunks.last().unwrap().to_string()).unwrap();
	let alone = engine::answer(&Cpu::auto(), &healthy.weights, &record.generation).unwrap();
	assert_eq!(streamed, alone.text);
	assert_eq!(alone.tokens.len(), 3000);
	assert!(!alone.tokens.contains(&b'~'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_chat_gives_the_same_answer_token_by_token() {
	let s = server(8, 4).await;
	let body = json!({
		"model": "tiny",
		"messages": [{"role": "system", "content": "Speak."}, {"role": "user", "content": "Who's there?"}],
		"max_tokens": 60, "seed": 11, "temperature": 1.0, "stop": ["e"],
	});
	let (status, whole) = post(s.addr, "/v1/chat/completions", body.clone()).await;
	assert_eq!(status, 200, "{whole}");
	assert_eq!(whole["object"], "chat.completion");
	assert_eq!(whole["choices"][0]["message"]["role"], "assistant");
	let content = whole["choices"][0]["message"]["content"].as_str().unwrap().to_string();
	assert_eq!(whole["aiblock"]["input"], "SYSTEM:\nSpeak.\n\nUSER:\nWho's there?\n\nASSISTANT:\n");

	let chunks =
		chunks(stream(s.addr, "/v1/chat/completions", with(&body, "stream", json!(true))).await)
			.await;
	assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
	assert!(chunks
		.iter()
		.all(|c| c["object"] == "chat.completion.chunk" && c["id"] == chunks[0]["id"]));
	let streamed: String =
		chunks.iter().filter_map(|c| c["choices"][0]["delta"]["content"].as_str()).collect();
	assert_eq!(streamed, content, "the stream's pieces make the whole answer");
	assert!(
		!streamed.contains('e') && !streamed.contains("\n\n"),
		"stops are not shown: {streamed:?}"
	);
	let last = chunks.last().unwrap();
	assert_eq!(last["choices"][0]["finish_reason"], whole["choices"][0]["finish_reason"]);
	assert_eq!(last["aiblock"]["output"], whole["aiblock"]["output"]);
	assert_eq!(last["usage"], whole["usage"]);
	// Only the last chunk carries the trail; every other one carries text.
	assert_eq!(chunks.iter().filter(|c| c.get("aiblock").is_some()).count(), 1);
}

/// One client address holds at most its share of connections: beyond it, 429 at once; a
/// place is given back when a connection ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_cannot_hold_more_than_its_connections() {
	let limits = Limits {
		max_tokens: 100_000,
		max_input_bytes: 4096,
		max_connections_per_client: 2,
		request_timeout: Duration::from_secs(120),
	};
	let s = server_limited(served(1, 1), 8, 4, limits).await;
	let long = json!({"model": "tiny", "prompt": "Is this a dagger", "max_tokens": 100_000,
		"stream": true});
	let mut first = stream(s.addr, "/v1/completions", long.clone()).await;
	let second = stream(s.addr, "/v1/completions", long).await;
	assert!(event(&mut first).await.is_some());
	let (status, text) = call(s.addr, "GET", "/health", "").await;
	assert_eq!(status, 429, "{text}");
	let error: Value = serde_json::from_str(&text).unwrap();
	assert_eq!(error["error"]["code"], "too_many_connections");
	assert!(error["error"]["message"].as_str().unwrap().contains("at most 2"), "{error}");
	drop(second);
	// The engine notices the client left at its next pass, and the connection's task ends.
	let mut status = 0;
	for _ in 0..100 {
		status = call(s.addr, "GET", "/health", "").await.0;
		if status == 200 {
			break;
		}
		tokio::time::sleep(Duration::from_millis(20)).await;
	}
	assert_eq!(status, 200, "a place came back when a connection ended");
	drop(first);
}

/// A request past the timeout stops, with a `timeout` error: whole answers as a 504, streams
/// as their last event; its work stops with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_its_timeout_stops_with_a_timeout_error() {
	let limits = Limits {
		max_tokens: 10_000_000,
		max_input_bytes: 4096,
		max_connections_per_client: 8,
		request_timeout: Duration::from_millis(1500),
	};
	let s = server_limited(served(1, 1), 8, 4, limits).await;
	let endless =
		json!({"model": "tiny", "prompt": "Tomorrow, and tomorrow", "max_tokens": 10_000_000});
	let started = std::time::Instant::now();
	let (status, error) = post(s.addr, "/v1/completions", endless.clone()).await;
	assert_eq!(status, 504, "{error}");
	assert_eq!(error["error"]["code"], "timeout");
	assert!(started.elapsed() < Duration::from_secs(30));
	let mut reader = stream(s.addr, "/v1/completions", with(&endless, "stream", json!(true))).await;
	let mut last = Value::Null;
	while let Some(data) = event(&mut reader).await {
		assert_ne!(data, "[DONE]", "a stream that timed out is not complete");
		last = serde_json::from_str(&data).unwrap();
	}
	assert_eq!(last["error"]["code"], "timeout", "{last}");
	let metrics = s.metrics.render();
	assert!(metrics.contains("endpoint=\"completions\",outcome=\"timed_out\"} 2\n"), "{metrics}");
	// Both answers' work stopped with them.
	for _ in 0..100 {
		if s.metrics.active.load(std::sync::atomic::Ordering::Relaxed) == 0 {
			break;
		}
		tokio::time::sleep(Duration::from_millis(20)).await;
	}
	assert_eq!(s.metrics.active.load(std::sync::atomic::Ordering::Relaxed), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_openai_errors_and_the_server_goes_on() {
	let s = server(8, 4).await;
	let cases: [(&str, &str, String, u16, &str); 7] = [
		("POST", "/v1/completions", "{not json".into(), 400, "invalid_json"),
		(
			"POST",
			"/v1/completions",
			json!({"model": "gpt-4", "prompt": "x"}).to_string(),
			404,
			"model_not_found",
		),
		(
			"POST",
			"/v1/completions",
			json!({"model": "tiny", "prompt": "x", "max_tokens": 0}).to_string(),
			400,
			"invalid_value",
		),
		(
			"POST",
			"/v1/completions",
			json!({"model": "tiny", "prompt": "x".repeat(5000)}).to_string(),
			400,
			"context_length_exceeded",
		),
		("GET", "/v1/completions", String::new(), 405, "method_not_allowed"),
		("GET", "/v2/nothing", String::new(), 404, "unknown_url"),
		(
			"POST",
			"/v1/chat/completions",
			json!({"model": "tiny", "messages": [{"role": "user", "content": 5}]}).to_string(),
			400,
			"invalid_value",
		),
	];
	for (method, path, body, status, code) in cases {
		let (got, text) = call(s.addr, method, path, &body).await;
		let error: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
		assert_eq!(
			(got, error["error"]["code"].as_str()),
			(status, Some(code)),
			"{method} {path}: {text}"
		);
		assert!(error["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
	}
	// A body above the limit is refused from its length, unread.
	let mut socket = TcpStream::connect(s.addr).await.unwrap();
	socket
		.write_all(b"POST /v1/completions HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n")
		.await
		.unwrap();
	let mut answer = String::new();
	socket.read_to_string(&mut answer).await.unwrap();
	assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
	// Models, health and metrics.
	let (status, models) = call(s.addr, "GET", "/v1/models", "").await;
	let models: Value = serde_json::from_str(&models).unwrap();
	assert_eq!((status, models["data"][0]["id"].as_str()), (200, Some("tiny@2.0.0")));
	assert_eq!(models["data"][0]["aiblock"]["state_root"], hex(&served(1, 1).state_root));
	let (status, health) = call(s.addr, "GET", "/health", "").await;
	assert_eq!(status, 200, "{health}");
	let (status, metrics) = call(s.addr, "GET", "/metrics", "").await;
	assert_eq!(status, 200);
	assert!(
		metrics.contains(
			"aiblock_serve_requests_total{endpoint=\"completions\",outcome=\"bad_request\"} 4\n"
		),
		"{metrics}"
	);
	assert!(metrics.contains(&format!("state_root=\"{}\"", hex(&served(1, 1).state_root))));
	// And it still answers.
	let (status, _) =
		post(s.addr, "/v1/completions", json!({"model": "tiny", "prompt": "x"})).await;
	assert_eq!(status, 200);
	drop(s.engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_turns_requests_away_and_a_client_that_leaves_frees_its_place() {
	let s = server(1, 1).await;
	let long = json!({"model": "tiny", "prompt": "x", "max_tokens": 100_000, "stream": true});
	// The first runs (its first chunk came), the second waits in the queue of one…
	let mut first = stream(s.addr, "/v1/completions", long.clone()).await;
	assert!(event(&mut first).await.is_some());
	let waiting = tokio::spawn(async move {
		post(s.addr, "/v1/completions", json!({"model": "tiny", "prompt": "y"})).await
	});
	tokio::time::sleep(Duration::from_millis(300)).await;
	// … and the third is turned away at once.
	let mut socket = TcpStream::connect(s.addr).await.unwrap();
	let body = json!({"model": "tiny", "prompt": "z"}).to_string();
	let request =
		format!("POST /v1/completions HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}", body.len());
	socket.write_all(request.as_bytes()).await.unwrap();
	let mut answer = String::new();
	socket.read_to_string(&mut answer).await.unwrap();
	assert!(answer.starts_with("HTTP/1.1 429 Too Many Requests\r\n"), "{answer}");
	assert!(answer.contains("\r\nRetry-After: 1\r\n"), "{answer}");
	let busy: Value = serde_json::from_str(answer.split_once("\r\n\r\n").unwrap().1).unwrap();
	assert_eq!(busy["error"]["type"], "rate_limit_error");
	// The first client leaves mid-stream: its generation stops and the waiting one is answered.
	drop(first);
	let (status, answer) =
		tokio::time::timeout(Duration::from_secs(30), waiting).await.unwrap().unwrap();
	assert_eq!(status, 200, "{answer}");
	assert_eq!(s.metrics.cancelled.load(std::sync::atomic::Ordering::Relaxed), 1);
	let tokens = s.metrics.tokens.load(std::sync::atomic::Ordering::Relaxed);
	assert!(tokens < 100_000, "the abandoned answer stopped early ({tokens} tokens)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_state_takes_new_requests_while_a_running_stream_finishes_on_the_old() {
	let s = server(8, 4).await;
	let old = served(1, 1);
	let new = served(2, 2);
	let mut running = stream(
		s.addr,
		"/v1/completions",
		json!({"model": "tiny", "prompt": "a", "max_tokens": 3000, "stream": true, "seed": 1}),
	)
	.await;
	assert!(event(&mut running).await.is_some());
	s.engine.switch(served(2, 2));
	// Requests after the switch are answered by the new state (once the running one is done:
	// a round of decoding serves one state), and none fails.
	let after = tokio::spawn(async move {
		post(s.addr, "/v1/completions", json!({"model": "tiny", "prompt": "b"})).await
	});
	let rest = chunks(running).await;
	let last = rest.last().unwrap();
	assert_eq!(last["choices"][0]["finish_reason"], "length");
	assert_eq!(
		last["aiblock"]["model"]["state_root"],
		hex(&old.state_root),
		"finished on the old state"
	);
	assert_eq!(last["usage"]["completion_tokens"], 3000);
	let (status, answer) = after.await.unwrap();
	assert_eq!(status, 200, "{answer}");
	assert_eq!(answer["aiblock"]["model"]["state_root"], hex(&new.state_root));
	assert_eq!(answer["aiblock"]["finalized"]["number"], 2);
	let (_, models) = call(s.addr, "GET", "/v1/models", "").await;
	assert!(models.contains(&hex(&new.state_root)));
}

/// curl sends `Expect: 100-continue` before a body over 1 KiB and waits for the go-ahead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_expecting_100_continue_gets_it_before_sending_the_body() {
	let s = server(8, 4).await;
	let body = json!({"model": "tiny", "prompt": "y".repeat(2000), "max_tokens": 3}).to_string();
	let mut socket = TcpStream::connect(s.addr).await.unwrap();
	let head = format!(
		"POST /v1/completions HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
		body.len()
	);
	socket.write_all(head.as_bytes()).await.unwrap();
	let mut go_ahead = [0u8; 25];
	socket.read_exact(&mut go_ahead).await.unwrap();
	assert_eq!(&go_ahead, b"HTTP/1.1 100 Continue\r\n\r\n");
	socket.write_all(body.as_bytes()).await.unwrap();
	let mut answer = String::new();
	socket.read_to_string(&mut answer).await.unwrap();
	assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// A request that names a version waits while the server switches to another: it is told the
/// version is gone (404), not answered by the other one. Paths take `%40` for the `@`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_for_a_version_switched_away_while_it_waited_is_refused() {
	let s = server(8, 1).await;
	let (status, _) = call(s.addr, "GET", "/v1/models/tiny%402.0.0", "").await;
	assert_eq!(status, 200);
	let long = json!({"model": "tiny", "prompt": "a", "max_tokens": 20_000, "stream": true});
	let mut running = stream(s.addr, "/v1/completions", long).await;
	assert!(event(&mut running).await.is_some());
	let addr = s.addr;
	let waiting = tokio::spawn(async move {
		post(addr, "/v1/completions", json!({"model": "tiny@2.0.0", "prompt": "b"})).await
	});
	tokio::time::sleep(Duration::from_millis(300)).await;
	let mut next = served(2, 2);
	next.version = "3.0.0".into();
	s.engine.switch(next);
	drop(running);
	let (status, refused) = waiting.await.unwrap();
	assert_eq!(status, 404, "{refused}");
	assert_eq!(refused["error"]["code"], "model_not_found");
	assert!(refused["error"]["message"].as_str().unwrap().contains("tiny@3.0.0"), "{refused}");
	// The name alone follows the switch.
	let (status, answer) =
		post(s.addr, "/v1/completions", json!({"model": "tiny", "prompt": "c"})).await;
	assert_eq!((status, answer["model"].as_str()), (200, Some("tiny@3.0.0")));
}

/// A model whose blocks each have their own id (peers find experts by block id), and a server
/// of it holding only the experts `holding` names, calling `peers` for the others.
fn partial(holding: &str, own: &str) -> (ServedModel, Arc<parallel::Placement>) {
	partial_of(holding, own, 1, 0)
}

/// [`partial`] with the weights of genesis `seed` (not 1: a peer lying about its weights),
/// loading an expert after `cache_after` calls for it (0: never).
fn partial_of(
	holding: &str,
	own: &str,
	seed: u64,
	cache_after: u32,
) -> (ServedModel, Arc<parallel::Placement>) {
	let spec = TransformerSpec::TINY;
	let full = transformer::genesis(spec, seed).unwrap();
	let blocks: Vec<_> =
		spec.blocks().into_iter().enumerate().map(|(i, b)| (b, [i as u8 + 1; 32])).collect();
	let placement = Arc::new(parallel::Placement {
		holding: holding.parse().unwrap(),
		peers: Arc::new(parallel::peers::Peers::new()),
		cache_after,
		cache_experts: 1,
		check_peers: 1,
		own: own.into(),
		counters: Arc::default(),
	});
	let mut weights = full.clone();
	weights.tensors.retain(|name, _| {
		aiblock_compute::model::BlockId::of_tensor(name).is_none_or(|b| placement.holding.loads(b))
	});
	let loader: parallel::Loader = Arc::new(move |block| {
		let mut one = transformer::TransformerWeights { spec, tensors: Default::default() };
		one.set_block(block, full.block(block)).unwrap();
		Ok(one)
	});
	let runner = parallel::ParallelExperts::new(spec, &blocks, placement.clone(), loader);
	let model = ServedModel {
		index: 1,
		name: "tiny".into(),
		version: "2.0.0".into(),
		state_root: state_root(1, &blocks),
		blocks,
		loaded_at: Finalized { number: 1, hash: [7; 32] },
		weights,
		runner: Some(Arc::new(runner)),
	};
	(model, placement)
}

/// Three servers each holding two of the four experts of every layer, one calling the other
/// two: its answers are the single server's bits, its trail says which server computed which
/// expert, and a peer refuses calls for weights it does not run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_holding_some_experts_answer_as_one_server() {
	let (b_model, _) = partial("2-3", "b");
	let b = server_of(b_model, 8, 4).await;
	let (c_model, _) = partial("1-2", "c");
	let c = server_of(c_model, 8, 4).await;
	let (a_model, a_placement) = partial("0-1", "http://a");
	let a = server_of(a_model, 8, 4).await;
	for peer in [b.addr, c.addr] {
		a_placement.peers.add(&format!("http://{peer}"));
	}
	refresh(&a_placement).await;
	assert!(a_placement.peers.status().iter().all(|p| p.up && p.experts == 4));
	let (single, whole) = (server(8, 4).await, served(1, 1));

	let body = json!({"model": "tiny", "prompt": "JULIET:", "max_tokens": 24, "temperature": 0.9, "seed": 11});
	let (status, alone) = post(single.addr, "/v1/completions", body.clone()).await;
	assert_eq!(status, 200, "{alone}");
	let (status, parallel) = post(a.addr, "/v1/completions", body.clone()).await;
	assert_eq!(status, 200, "{parallel}");
	assert_eq!(parallel["choices"][0]["text"], alone["choices"][0]["text"]);
	assert_eq!(parallel["aiblock"]["output"], alone["aiblock"]["output"], "the same tokens");
	// Its trail still replays on the whole model (the single server's blocks are other ids,
	// the weights the same).
	let record = replay::read_record(&parallel.to_string()).unwrap();
	let engine::Alone { tokens, .. } =
		engine::answer(&Cpu::auto(), &whole.weights, &record.generation).unwrap();
	assert_eq!(replay::compare(&record.output, &tokens), Verdict::Identical { tokens: 24 });
	// Who computed what: experts 0-1 here, 2-3 at the peers (3 at B, the only one running it;
	// 2 at B or C).
	let computed = parallel["aiblock"]["computed_by"].as_array().unwrap();
	let b_url = format!("http://{}", b.addr);
	for entry in computed {
		let block = entry["block"].as_str().unwrap();
		let expert: usize = block.rsplit("expert").next().unwrap().parse().unwrap();
		let server = entry["server"].as_str().unwrap();
		match expert {
			0 | 1 => assert_eq!(server, "http://a", "{entry}"),
			2 => assert!(server == b_url || server == format!("http://{}", c.addr), "{entry}"),
			_ => assert_eq!(server, b_url, "{entry}"),
		}
	}
	let rows: u64 = computed.iter().map(|e| e["rows"].as_u64().unwrap()).sum();
	let spec = TransformerSpec::TINY;
	let read = record.generation.input.len() + 24 - 1;
	assert_eq!(rows, (read * spec.top_k * spec.layers) as u64, "every routed row, once");
	let (_, metrics) = call(a.addr, "GET", "/metrics", "").await;
	assert!(metrics.contains("aiblock_serve_parallel_remote_experts_total"), "{metrics}");

	// B lists what it runs; it refuses rows for another block, an expert it does not hold,
	// and a body that is not a call.
	let (status, listing) = call(b.addr, "GET", "/v1/aiblock/experts", "").await;
	assert_eq!(status, 200);
	let listing: Value = serde_json::from_str(&listing).unwrap();
	assert_eq!(parallel::wire::hosted_ids(&listing).len(), 2 * spec.layers);
	let d = spec.d_model;
	let expert_call = |expert: u32, block: [u8; 32]| {
		let x = parallel::wire::bits(&vec![0.25; d]);
		parallel::wire::ExpertCall {
			parts: vec![parallel::wire::CallPart { layer: 0, expert, block, x }],
		}
	};
	let ids = whole_ids();
	let ask = |call: parallel::wire::ExpertCall| {
		let b_url = b_url.clone();
		tokio::task::spawn_blocking(move || {
			let peer = parallel::peers::Peers::new();
			peer.add(&b_url);
			peer.call(0, &call, d)
		})
	};
	assert!(ask(expert_call(2, ids[2])).await.unwrap().is_ok());
	let wrong = ask(expert_call(2, [9; 32])).await.unwrap().unwrap_err();
	assert!(wrong.contains("409"), "{wrong}");
	let refused = ask(expert_call(0, ids[0])).await.unwrap().unwrap_err();
	assert!(refused.contains("404") && refused.contains("does not hold"), "{refused}");
	let mut twice = expert_call(2, ids[2]);
	twice.parts.push(twice.parts[0].clone());
	let refused = ask(twice).await.unwrap().unwrap_err();
	assert!(refused.contains("400") && refused.contains("twice"), "{refused}");
	let (status, _) = call(b.addr, "POST", "/v1/aiblock/experts", "not a call").await;
	assert_eq!(status, 400);
}

/// The block ids [`partial`] gives layer 0's experts, by expert.
fn whole_ids() -> Vec<[u8; 32]> {
	TransformerSpec::TINY
		.blocks()
		.into_iter()
		.enumerate()
		.filter(|(_, b)| matches!(b, aiblock_compute::model::BlockId::Expert { layer: 0, .. }))
		.map(|(i, _)| [i as u8 + 1; 32])
		.collect()
}

/// Ask `placement`'s peers what they run (blocking HTTP, off the runtime's threads).
async fn refresh(placement: &Arc<parallel::Placement>) {
	let peers = placement.peers.clone();
	tokio::task::spawn_blocking(move || peers.refresh()).await.unwrap();
}

/// A peer that claims the model's blocks but runs other weights is caught by the first spot
/// check and never called again; the answer is still the model's (the server loads the expert
/// itself), and an honest peer takes over once known.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_running_other_weights_is_caught_and_left() {
	let (liar_model, _) = partial_of("2-3", "liar", 2, 0);
	let liar = server_of(liar_model, 8, 4).await;
	let (a_model, a_placement) = partial("0-1", "http://a");
	let a = server_of(a_model, 8, 4).await;
	a_placement.peers.add(&format!("http://{}", liar.addr));
	refresh(&a_placement).await;
	let single = server(8, 4).await;
	let body = json!({"model": "tiny", "prompt": "MERCUTIO:", "max_tokens": 16, "temperature": 0.7, "seed": 2});
	let (_, alone) = post(single.addr, "/v1/completions", body.clone()).await;
	let (status, answer) = post(a.addr, "/v1/completions", body.clone()).await;
	assert_eq!(status, 200, "{answer}");
	assert_eq!(answer["aiblock"]["output"], alone["aiblock"]["output"], "the model's answer");
	let counters = &a_placement.counters;
	assert_eq!(counters.peer_mismatches.load(std::sync::atomic::Ordering::Relaxed), 1);
	assert!(counters.loaded_on_failure.load(std::sync::atomic::Ordering::Relaxed) >= 1);
	assert!(!a_placement.peers.status()[0].up, "the liar is left out");
	let liar_url = format!("http://{}", liar.addr);
	for entry in answer["aiblock"]["computed_by"].as_array().unwrap() {
		assert_ne!(entry["server"], liar_url, "nothing the liar computed was used: {entry}");
	}
	// An honest peer, once known, takes the experts; the liar stays out after a refresh.
	let (b_model, _) = partial("2-3", "b");
	let b = server_of(b_model, 8, 4).await;
	a_placement.peers.add(&format!("http://{}", b.addr));
	refresh(&a_placement).await;
	let (_, again) = post(a.addr, "/v1/completions", body).await;
	assert_eq!(again["aiblock"]["output"], alone["aiblock"]["output"]);
	let b_url = format!("http://{}", b.addr);
	let servers: Vec<&str> = again["aiblock"]["computed_by"]
		.as_array()
		.unwrap()
		.iter()
		.map(|e| e["server"].as_str().unwrap())
		.collect();
	assert!(
		servers.contains(&b_url.as_str()) && !servers.contains(&liar_url.as_str()),
		"{servers:?}"
	);
}

/// An expert called for again and again is loaded by the server itself (one, its cache's room),
/// which then computes it: the answers stay the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expert_called_for_often_is_loaded_here() {
	let (b_model, _) = partial("2-3", "b");
	let b = server_of(b_model, 8, 4).await;
	let (a_model, a_placement) = partial_of("0-1", "http://a", 1, 4);
	let a = server_of(a_model, 8, 4).await;
	a_placement.peers.add(&format!("http://{}", b.addr));
	refresh(&a_placement).await;
	let single = server(8, 4).await;
	let hot = || a_placement.counters.loaded_hot.load(std::sync::atomic::Ordering::Relaxed);
	let body = json!({"model": "tiny", "prompt": "TYBALT:", "max_tokens": 12, "temperature": 0.5, "seed": 4});
	let (_, alone) = post(single.addr, "/v1/completions", body.clone()).await;
	let (_, first) = post(a.addr, "/v1/completions", body.clone()).await;
	assert_eq!(first["aiblock"]["output"], alone["aiblock"]["output"]);
	// 12 passes of 2 layers call B for experts 2-3 far more than 4 times: one is loaded in the
	// background.
	let started = std::time::Instant::now();
	while hot() == 0 {
		assert!(started.elapsed() < Duration::from_secs(10), "no hot expert was loaded");
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
	let (_, again) = post(a.addr, "/v1/completions", body).await;
	assert_eq!(again["aiblock"]["output"], alone["aiblock"]["output"]);
	let here: Vec<&str> = again["aiblock"]["computed_by"]
		.as_array()
		.unwrap()
		.iter()
		.filter(|e| e["server"] == "http://a")
		.map(|e| e["block"].as_str().unwrap())
		.collect();
	assert!(
		here.iter().any(|block| block.ends_with("expert2") || block.ends_with("expert3")),
		"a hot expert computed here: {here:?}"
	);
}
