//! The OpenAI-compatible API: requests read from JSON (every parameter checked, a typed
//! error otherwise) and answers, whole or as server-sent-event chunks, each with the
//! `aiblock` audit trail that names the on-chain blocks behind it.

use super::{
	engine::Generation,
	model::{hex, ServedModel},
	text::{chat_prompt, Finish, CHAT_STOP, ROLES},
};
use aiblock_compute::transformer::generate::Sampling;
use serde_json::{json, Map, Value};

/// What a server accepts.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
	/// The most tokens one answer may ask for.
	pub max_tokens: usize,
	/// The longest input in bytes (for a chat, with the template applied). The model reads the
	/// last `context` bytes of it.
	pub max_input_bytes: usize,
	/// Connections one client address may hold at a time: one client cannot take every place
	/// in the queue (or every connection) from the others.
	pub max_connections_per_client: usize,
	/// The longest a request may take from its arrival to its last token, queue included.
	pub request_timeout: std::time::Duration,
}

impl Default for Limits {
	fn default() -> Self {
		Limits {
			max_tokens: 1024,
			max_input_bytes: 16 * 1024,
			max_connections_per_client: 32,
			request_timeout: std::time::Duration::from_secs(300),
		}
	}
}

/// Which API a request came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
	Completions,
	Chat,
}

impl Endpoint {
	/// Its name in a batch file's trail.
	pub fn name(self) -> &'static str {
		match self {
			Endpoint::Completions => "completions",
			Endpoint::Chat => "chat",
		}
	}

	/// The endpoint named `name`.
	pub fn named(name: &str) -> Option<Endpoint> {
		match name {
			"completions" => Some(Endpoint::Completions),
			"chat" => Some(Endpoint::Chat),
			_ => None,
		}
	}
}

/// A request, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
	pub endpoint: Endpoint,
	/// The model the client named.
	pub model: String,
	pub generation: Generation,
	pub stream: bool,
}

/// A refused request, answered as OpenAI answers errors.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
	pub status: u16,
	pub message: String,
	pub param: Option<&'static str>,
	pub code: &'static str,
}

impl ApiError {
	pub fn invalid(param: &'static str, message: impl Into<String>) -> ApiError {
		ApiError { status: 400, message: message.into(), param: Some(param), code: "invalid_value" }
	}

	pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
		ApiError { status, message: message.into(), param: None, code }
	}

	/// `{"error": {"message", "type", "param", "code"}}`.
	pub fn body(&self) -> Value {
		let kind = match self.status {
			429 => "rate_limit_error",
			404 => "not_found_error",
			500..=599 => "server_error",
			_ => "invalid_request_error",
		};
		json!({"error": {"message": self.message, "type": kind, "param": self.param, "code": self.code}})
	}
}

/// Read a request to `endpoint`. A missing `seed` is drawn with `fresh_seed` (and reported in
/// the answer, so the answer can be replayed).
pub fn parse(
	endpoint: Endpoint,
	body: &[u8],
	limits: &Limits,
	fresh_seed: impl FnOnce() -> u64,
) -> Result<Request, ApiError> {
	let value: Value = serde_json::from_slice(body)
		.map_err(|e| ApiError::new(400, "invalid_json", format!("the body is not JSON: {e}")))?;
	let Value::Object(fields) = value else {
		return Err(ApiError::new(400, "invalid_json", "the body must be a JSON object"));
	};
	let model = match fields.get("model") {
		Some(Value::String(model)) if !model.is_empty() => model.clone(),
		_ => return Err(ApiError::invalid("model", "`model` must name a model (GET /v1/models)")),
	};
	let (input, chat_stop) = match endpoint {
		Endpoint::Completions => (prompt(&fields)?, None),
		Endpoint::Chat => (messages(&fields)?, Some(CHAT_STOP.to_string())),
	};
	if input.is_empty() {
		let param = if endpoint == Endpoint::Chat { "messages" } else { "prompt" };
		return Err(ApiError::invalid(param, "the input is empty"));
	}
	if input.len() > limits.max_input_bytes {
		return Err(ApiError {
			status: 400,
			message: format!(
				"the input has {} bytes; this server reads at most {}",
				input.len(),
				limits.max_input_bytes
			),
			param: Some(if endpoint == Endpoint::Chat { "messages" } else { "prompt" }),
			code: "context_length_exceeded",
		});
	}
	let default_tokens = if endpoint == Endpoint::Chat { 256 } else { 16 };
	let set = |name: &str| fields.get(name).filter(|v| !v.is_null());
	let tokens_field = set("max_completion_tokens").or_else(|| set("max_tokens"));
	let max_tokens = match tokens_field {
		None => default_tokens.min(limits.max_tokens),
		Some(v) => match v.as_u64() {
			Some(n) if n >= 1 && n as usize <= limits.max_tokens => n as usize,
			_ => {
				return Err(ApiError::invalid(
					"max_tokens",
					format!("`max_tokens` must be an integer from 1 to {}", limits.max_tokens),
				))
			},
		},
	};
	let temperature = number(&fields, "temperature", 1.0)?;
	if !(0.0..=2.0).contains(&temperature) {
		return Err(ApiError::invalid("temperature", "`temperature` must be from 0 to 2"));
	}
	// Checked as the sampler will hold it (a tiny positive number rounds to 0 in f32).
	let top_p = number(&fields, "top_p", 1.0)? as f32;
	if !(top_p > 0.0 && top_p <= 1.0) {
		return Err(ApiError::invalid("top_p", "`top_p` must be above 0 and at most 1"));
	}
	let top_k = match fields.get("top_k").filter(|v| !v.is_null()) {
		None => 0,
		Some(v) => v.as_u64().filter(|&k| k <= 256).ok_or_else(|| {
			ApiError::invalid("top_k", "`top_k` must be an integer from 0 (all) to 256")
		})? as usize,
	};
	let seed = match fields.get("seed").filter(|v| !v.is_null()) {
		// Below 2^53, so that JavaScript clients and JSON tools read the reported seed exactly.
		None => fresh_seed() & ((1 << 53) - 1),
		Some(v) => v
			.as_u64()
			.or_else(|| v.as_i64().map(|s| s as u64))
			.ok_or_else(|| ApiError::invalid("seed", "`seed` must be an integer"))?,
	};
	// Below the smallest temperature the sampler takes, decoding is greedy.
	let temperature = temperature as f32;
	let temperature = if temperature < Sampling::MIN_TEMPERATURE { 0.0 } else { temperature };
	let sampling = Sampling { temperature, top_k, top_p, seed };
	let mut stop = stops(&fields)?;
	stop.extend(chat_stop);
	match fields.get("n").filter(|v| !v.is_null()) {
		None => {},
		Some(v) if v.as_u64() == Some(1) => {},
		Some(_) => {
			return Err(ApiError::invalid(
				"n",
				"this server gives one choice per request (`n` = 1)",
			))
		},
	}
	// Parameters that would change the output: refused rather than ignored. Their neutral
	// values (false, 0, 1, an empty list, plain text) are accepted.
	for unsupported in [
		"logprobs",
		"echo",
		"suffix",
		"tools",
		"functions",
		"logit_bias",
		"presence_penalty",
		"frequency_penalty",
		"best_of",
		"response_format",
	] {
		let neutral = |v: &Value| match v {
			Value::Null | Value::Bool(false) => true,
			Value::Number(n) => {
				n.as_f64() == Some(0.0) || (unsupported == "best_of" && n.as_u64() == Some(1))
			},
			Value::Array(list) => list.is_empty(),
			Value::Object(map) => map.is_empty() || map.get("type") == Some(&Value::from("text")),
			_ => false,
		};
		if fields.get(unsupported).is_some_and(|v| !neutral(v)) {
			return Err(ApiError {
				status: 400,
				message: format!("`{unsupported}` is not supported by this server"),
				param: Some(unsupported),
				code: "unsupported_parameter",
			});
		}
	}
	let stream = match fields.get("stream") {
		None | Some(Value::Null) => false,
		Some(Value::Bool(b)) => *b,
		Some(_) => return Err(ApiError::invalid("stream", "`stream` must be true or false")),
	};
	Ok(Request {
		endpoint,
		model,
		generation: Generation { input, sampling, max_tokens, stop },
		stream,
	})
}

fn number(fields: &Map<String, Value>, name: &'static str, default: f64) -> Result<f64, ApiError> {
	match fields.get(name).filter(|v| !v.is_null()) {
		None => Ok(default),
		Some(v) => v
			.as_f64()
			.filter(|x| x.is_finite())
			.ok_or_else(|| ApiError::invalid(name, format!("`{name}` must be a number"))),
	}
}

/// `prompt`: a string, or a list of exactly one string.
fn prompt(fields: &Map<String, Value>) -> Result<String, ApiError> {
	match fields.get("prompt") {
		Some(Value::String(text)) => Ok(text.clone()),
		Some(Value::Array(list)) if list.len() == 1 && list[0].is_string() => {
			Ok(list[0].as_str().unwrap_or_default().to_string())
		},
		Some(Value::Array(_)) => {
			Err(ApiError::invalid("prompt", "one prompt per request (a string or a list of one)"))
		},
		_ => Err(ApiError::invalid("prompt", "`prompt` must be a string")),
	}
}

/// `messages` with the chat template applied.
fn messages(fields: &Map<String, Value>) -> Result<String, ApiError> {
	let Some(Value::Array(list)) = fields.get("messages") else {
		return Err(ApiError::invalid("messages", "`messages` must be a list of messages"));
	};
	if list.is_empty() {
		return Err(ApiError::invalid("messages", "`messages` is empty"));
	}
	let mut turns = Vec::with_capacity(list.len());
	for message in list {
		// `developer` is what newer clients call the system message.
		let role = match message.get("role").and_then(Value::as_str).unwrap_or_default() {
			"developer" => "system",
			role => role,
		};
		if !ROLES.contains(&role) {
			return Err(ApiError::invalid(
				"messages",
				format!("a message's `role` must be one of {ROLES:?}, not {role:?}"),
			));
		}
		let content = match message.get("content") {
			Some(Value::String(text)) => text.clone(),
			None | Some(Value::Null) => String::new(),
			// The list form: text parts only.
			Some(Value::Array(parts)) => {
				let mut text = String::new();
				for part in parts {
					match (part.get("type").and_then(Value::as_str), part.get("text")) {
						(Some("text"), Some(Value::String(t))) => text.push_str(t),
						_ => {
							return Err(ApiError::invalid(
								"messages",
								"this model reads text only (content parts of type `text`)",
							))
						},
					}
				}
				text
			},
			_ => return Err(ApiError::invalid("messages", "a message's `content` must be text")),
		};
		turns.push((role, content));
	}
	Ok(chat_prompt(turns.iter().map(|(r, c)| (*r, c.as_str()))))
}

/// The longest stop sequence, in bytes: every token is checked against every stop's prefixes.
pub const MAX_STOP_BYTES: usize = 64;

/// `stop`: a string or a list of at most 4 strings, each 1 to [`MAX_STOP_BYTES`] bytes.
fn stops(fields: &Map<String, Value>) -> Result<Vec<String>, ApiError> {
	let bad =
		|| {
			ApiError::invalid(
			"stop",
			format!("`stop` must be a string or a list of up to 4, each 1 to {MAX_STOP_BYTES} bytes"),
		)
		};
	let one = |s: &Value| {
		s.as_str()
			.filter(|s| !s.is_empty() && s.len() <= MAX_STOP_BYTES)
			.map(str::to_string)
			.ok_or_else(bad)
	};
	match fields.get("stop") {
		None | Some(Value::Null) => Ok(Vec::new()),
		Some(s @ Value::String(_)) => Ok(vec![one(s)?]),
		Some(Value::Array(list)) if list.len() <= 4 => list.iter().map(one).collect(),
		_ => Err(bad()),
	}
}

/// The audit trail: the model state (its index, name, version, state root and every block
/// id), the finalized block it was read at, the exact input and parameters, and the output's
/// tokens and their hash. `aiblock-worker replay-answer` recomputes the answer from it.
pub fn audit(model: &ServedModel, generation: &Generation, tokens: &[u8]) -> Value {
	let blocks: Vec<Value> = model
		.blocks
		.iter()
		.map(|(block, id)| json!({"block": block.name(), "id": hex(id)}))
		.collect();
	let sampling = &generation.sampling;
	json!({
		"model": {
			"index": model.index,
			"name": model.name,
			"version": model.version,
			"state_root": hex(&model.state_root),
			"blocks": blocks,
		},
		"finalized": {"number": model.loaded_at.number, "hash": hex(&model.loaded_at.hash)},
		"input": generation.input,
		"sampling": {
			"temperature": f64::from(sampling.temperature),
			"top_k": sampling.top_k,
			"top_p": f64::from(sampling.top_p),
			"seed": sampling.seed,
		},
		"max_tokens": generation.max_tokens,
		"stop": generation.stop,
		"output": {"tokens": tokens.len(), "hex": hex(tokens), "blake3": hex(blake3::hash(tokens).as_bytes())},
	})
}

/// The ids of an answer (`cmpl-…`, `chatcmpl-…`) and its chunks.
pub fn answer_id(endpoint: Endpoint, n: u64) -> String {
	match endpoint {
		Endpoint::Completions => format!("cmpl-{n:016x}"),
		Endpoint::Chat => format!("chatcmpl-{n:016x}"),
	}
}

/// What every answer and chunk of one request shares.
pub struct Envelope<'a> {
	pub endpoint: Endpoint,
	pub id: &'a str,
	pub created: u64,
	pub model: &'a str,
}

impl Envelope<'_> {
	fn object(&self, chunk: bool) -> &'static str {
		match (self.endpoint, chunk) {
			(Endpoint::Completions, _) => "text_completion",
			(Endpoint::Chat, false) => "chat.completion",
			(Endpoint::Chat, true) => "chat.completion.chunk",
		}
	}

	/// The whole answer.
	pub fn answer(&self, text: &str, finish: Finish, usage: (usize, usize), audit: Value) -> Value {
		let choice = match self.endpoint {
			Endpoint::Completions => json!({
				"index": 0, "text": text, "logprobs": null, "finish_reason": finish.as_str(),
			}),
			Endpoint::Chat => json!({
				"index": 0,
				"message": {"role": "assistant", "content": text},
				"logprobs": null,
				"finish_reason": finish.as_str(),
			}),
		};
		json!({
			"id": self.id,
			"object": self.object(false),
			"created": self.created,
			"model": self.model,
			"choices": [choice],
			"usage": {"prompt_tokens": usage.0, "completion_tokens": usage.1, "total_tokens": usage.0 + usage.1},
			"aiblock": audit,
		})
	}

	/// A streamed chunk: text (a chat's first chunk also names the role), or the last chunk
	/// with the finish reason, the usage and the audit trail.
	pub fn chunk(
		&self,
		text: &str,
		first: bool,
		end: Option<(Finish, (usize, usize), Value)>,
	) -> Value {
		let finish = end.as_ref().map(|(f, ..)| f.as_str());
		let choice = match self.endpoint {
			Endpoint::Completions => {
				json!({"index": 0, "text": text, "logprobs": null, "finish_reason": finish})
			},
			Endpoint::Chat => {
				let mut delta = Map::new();
				if first {
					delta.insert("role".into(), "assistant".into());
				}
				if !text.is_empty() || (first && end.is_none()) {
					delta.insert("content".into(), text.into());
				}
				json!({"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish})
			},
		};
		let mut chunk = json!({
			"id": self.id,
			"object": self.object(true),
			"created": self.created,
			"model": self.model,
			"choices": [choice],
		});
		if let Some((_, usage, audit)) = end {
			chunk["usage"] = json!({
				"prompt_tokens": usage.0, "completion_tokens": usage.1, "total_tokens": usage.0 + usage.1,
			});
			chunk["aiblock"] = audit;
		}
		chunk
	}
}

/// `GET /v1/models`: the served model version with its state root and blocks.
pub fn models(model: &ServedModel) -> Value {
	json!({
		"object": "list",
		"data": [{
			"id": model.id(),
			"object": "model",
			"created": 0,
			"owned_by": "aiblock",
			"aiblock": {
				"index": model.index,
				"state_root": hex(&model.state_root),
				"finalized": {"number": model.loaded_at.number, "hash": hex(&model.loaded_at.hash)},
				"blocks": model.blocks.iter().map(|(b, id)| json!({"block": b.name(), "id": hex(id)})).collect::<Vec<_>>(),
			},
		}],
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	fn completion(body: &str) -> Result<Request, ApiError> {
		parse(Endpoint::Completions, body.as_bytes(), &Limits::default(), || 42)
	}

	fn chat(body: &str) -> Result<Request, ApiError> {
		parse(Endpoint::Chat, body.as_bytes(), &Limits::default(), || 42)
	}

	#[test]
	fn a_completion_takes_openai_defaults_and_a_drawn_seed() {
		let r = completion(r#"{"model": "m", "prompt": "ROMEO:"}"#).unwrap();
		assert_eq!(r.generation.input, "ROMEO:");
		assert_eq!(r.generation.max_tokens, 16);
		assert_eq!(
			r.generation.sampling,
			Sampling { temperature: 1.0, top_k: 0, top_p: 1.0, seed: 42 }
		);
		assert!(r.generation.stop.is_empty() && !r.stream);
	}

	#[test]
	fn a_chat_applies_the_template_and_stops_at_the_next_turn() {
		let r = chat(
			r#"{"model": "m", "messages": [{"role": "user", "content": "Hi"}], "stream": true,
			    "stop": "END", "seed": 7, "temperature": 0}"#,
		)
		.unwrap();
		assert_eq!(r.generation.input, "USER:\nHi\n\nASSISTANT:\n");
		assert_eq!(r.generation.stop, vec!["END".to_string(), "\n\n".to_string()]);
		assert_eq!(r.generation.sampling.temperature, 0.0);
		assert_eq!(r.generation.sampling.seed, 7);
		assert!(r.stream);
	}

	#[test]
	fn bad_requests_are_refused_with_the_parameter_named() {
		let cases: [(&str, Option<&str>, &str); 19] = [
			("not json", None, "invalid_json"),
			("[1]", None, "invalid_json"),
			(r#"{"prompt": "x"}"#, Some("model"), "invalid_value"),
			(r#"{"model": "m"}"#, Some("prompt"), "invalid_value"),
			(r#"{"model": "m", "prompt": ""}"#, Some("prompt"), "invalid_value"),
			(r#"{"model": "m", "prompt": ["a", "b"]}"#, Some("prompt"), "invalid_value"),
			(
				r#"{"model": "m", "prompt": "x", "max_tokens": 0}"#,
				Some("max_tokens"),
				"invalid_value",
			),
			(
				r#"{"model": "m", "prompt": "x", "max_tokens": 1025}"#,
				Some("max_tokens"),
				"invalid_value",
			),
			(
				r#"{"model": "m", "prompt": "x", "temperature": -0.5}"#,
				Some("temperature"),
				"invalid_value",
			),
			(r#"{"model": "m", "prompt": "x", "top_p": 0}"#, Some("top_p"), "invalid_value"),
			(r#"{"model": "m", "prompt": "x", "top_p": 1.5}"#, Some("top_p"), "invalid_value"),
			(r#"{"model": "m", "prompt": "x", "n": 2}"#, Some("n"), "invalid_value"),
			(
				r#"{"model": "m", "prompt": "x", "stop": ["a","b","c","d","e"]}"#,
				Some("stop"),
				"invalid_value",
			),
			(
				r#"{"model": "m", "prompt": "x", "logprobs": 3}"#,
				Some("logprobs"),
				"unsupported_parameter",
			),
			(r#"{"model": "m", "prompt": "x", "stream": "yes"}"#, Some("stream"), "invalid_value"),
			(r#"{"model": "m", "prompt": "x", "stop": ""}"#, Some("stop"), "invalid_value"),
			(r#"{"model": "m", "prompt": "x", "top_p": 1e-50}"#, Some("top_p"), "invalid_value"),
			(
				r#"{"model": "m", "prompt": "x", "presence_penalty": 0.5}"#,
				Some("presence_penalty"),
				"unsupported_parameter",
			),
			(
				r#"{"model": "m", "prompt": "x", "response_format": {"type": "json_object"}}"#,
				Some("response_format"),
				"unsupported_parameter",
			),
		];
		for (body, param, code) in cases {
			let e = completion(body).expect_err(body);
			assert_eq!((e.status, e.param, e.code), (400, param, code), "{body}: {}", e.message);
			assert_eq!(e.body()["error"]["type"], "invalid_request_error");
		}
		let long = format!(r#"{{"model": "m", "prompt": "{}"}}"#, "a".repeat(16 * 1024 + 1));
		assert_eq!(completion(&long).unwrap_err().code, "context_length_exceeded");
		// A long stop sequence would cost every token a scan of it.
		let long_stop = format!(r#"{{"model": "m", "prompt": "x", "stop": "{}"}}"#, "s".repeat(65));
		assert_eq!(completion(&long_stop).unwrap_err().param, Some("stop"));
		for body in [
			r#"{"model": "m", "messages": []}"#,
			r#"{"model": "m", "messages": [{"role": "robot", "content": "x"}]}"#,
			r#"{"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]}"#,
		] {
			assert_eq!(chat(body).unwrap_err().param, Some("messages"), "{body}");
		}
	}

	#[test]
	fn neutral_values_and_newer_client_shapes_are_accepted() {
		let r = completion(
			r#"{"model": "m", "prompt": "x", "max_completion_tokens": null, "max_tokens": 5,
			    "presence_penalty": 0, "best_of": 1, "tools": [], "logprobs": null,
			    "response_format": {"type": "text"}}"#,
		)
		.unwrap();
		assert_eq!(r.generation.max_tokens, 5, "a null max_completion_tokens hides nothing");
		assert!(r.generation.sampling.seed < 1 << 53 || r.generation.sampling.seed == 42);
		let r = chat(
			r#"{"model": "m", "messages": [{"role": "developer", "content": "Be brief."},
			    {"role": "assistant", "content": null}, {"role": "user", "content": "Hi"}]}"#,
		)
		.unwrap();
		assert_eq!(
			r.generation.input,
			"SYSTEM:\nBe brief.\n\nASSISTANT:\n\n\nUSER:\nHi\n\nASSISTANT:\n"
		);
		let drawn = parse(
			Endpoint::Completions,
			br#"{"model": "m", "prompt": "x"}"#,
			&Limits::default(),
			|| u64::MAX,
		);
		assert_eq!(
			drawn.unwrap().generation.sampling.seed,
			(1 << 53) - 1,
			"a drawn seed fits a double"
		);
	}

	#[test]
	fn chat_chunks_carry_the_role_first_and_the_trail_last() {
		let envelope =
			Envelope { endpoint: Endpoint::Chat, id: "chatcmpl-1", created: 5, model: "m@1.0.0" };
		let first = envelope.chunk("", true, None);
		assert_eq!(first["choices"][0]["delta"], json!({"role": "assistant", "content": ""}));
		assert_eq!(first["object"], "chat.completion.chunk");
		let middle = envelope.chunk("ab", false, None);
		assert_eq!(middle["choices"][0]["delta"], json!({"content": "ab"}));
		assert!(middle["choices"][0]["finish_reason"].is_null());
		let last = envelope.chunk("", false, Some((Finish::Stop, (3, 2), json!({"x": 1}))));
		assert_eq!(last["choices"][0]["delta"], json!({}));
		assert_eq!(last["choices"][0]["finish_reason"], "stop");
		assert_eq!(last["usage"]["total_tokens"], 5);
		assert_eq!(last["aiblock"]["x"], 1);
	}
}
