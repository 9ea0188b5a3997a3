//! Replaying an answer: read its `aiblock` trail, load exactly the blocks it names (from the
//! chain and the store, hash-checked), generate again with the same input and parameters, and
//! compare token by token. Generation is deterministic, so an honest answer replays
//! identically on any machine, thread count and backend.

use super::{
	engine::{self, Generation},
	model::{self, state_root, unhex},
};
use crate::{chain::Chain, market::usage::Usage, store::Store, WorkerError};
use aiblock_compute::{backend::Backend, model::BlockId, transformer::generate::Sampling};
use serde_json::Value;
use std::sync::Arc;

/// What an answer's trail says was computed.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
	pub index: u32,
	pub blocks: Vec<(BlockId, [u8; 32])>,
	pub state_root: [u8; 32],
	pub generation: Generation,
	/// The generated tokens (bytes).
	pub output: Vec<u8>,
	/// The finalized block the server read the blocks at (number and hash).
	pub finalized: Option<(u64, [u8; 32])>,
	/// What the client was shown, when the file is the answer itself (not the bare trail).
	pub shown: Option<Shown>,
}

/// The text and finish reason an answer showed its client.
#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
	pub text: String,
	pub finish: Option<String>,
}

/// A replay's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replay {
	pub verdict: Verdict,
	/// Whether the blocks were checked to be the model's current ones at the answer's
	/// finalized block (false when the node no longer has that block's state).
	pub checked_current: bool,
	/// The tokens through each block while the model read the request and the answer: what
	/// a server claims for it.
	pub usage: Usage,
}

/// How a replay compares with the record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
	Identical {
		tokens: usize,
	},
	/// The first position where the tokens differ (None: one output ended there).
	Differs {
		at: usize,
		recorded: Option<u8>,
		replayed: Option<u8>,
	},
	/// The tokens replay, but the answer showed another text or finish reason than they give.
	Misreported(String),
}

/// Read the trail from an answer as the API returned it: the whole JSON answer, a streamed
/// answer's server-sent events (the last chunk carries the trail), or the `aiblock` object.
pub fn read_record(text: &str) -> Result<Record, WorkerError> {
	let bad =
		|why: &str| WorkerError::Usage(format!("not an answer with an `aiblock` trail: {why}"));
	let (trail, shown) = match serde_json::from_str::<Value>(text.trim()) {
		Ok(value) => match value.get("aiblock") {
			Some(trail) => (trail.clone(), shown_in(&[&value])),
			None => (value, None),
		},
		Err(_) => {
			let chunks: Vec<Value> = text
				.lines()
				.filter_map(|line| line.strip_prefix("data: "))
				.filter_map(|data| serde_json::from_str::<Value>(data).ok())
				.collect();
			let trail = chunks.iter().filter_map(|chunk| chunk.get("aiblock")).next_back();
			let trail = trail
				.cloned()
				.ok_or_else(|| bad("neither JSON nor server-sent events with one"))?;
			(trail, shown_in(&chunks.iter().collect::<Vec<_>>()))
		},
	};
	let field = |path: &[&str]| {
		let mut value = &trail;
		for key in path {
			value = value.get(key).ok_or_else(|| bad(&format!("no `{}`", path.join("."))))?;
		}
		Ok::<&Value, WorkerError>(value)
	};
	let hash = |value: &Value, what: &str| {
		value
			.as_str()
			.and_then(unhex)
			.and_then(|b| <[u8; 32]>::try_from(b).ok())
			.ok_or_else(|| bad(&format!("`{what}` is not a 32-byte hex hash")))
	};
	let index = field(&["model", "index"])?.as_u64().and_then(|i| u32::try_from(i).ok());
	let index = index.ok_or_else(|| bad("`model.index` is not a model index"))?;
	let mut blocks = Vec::new();
	for entry in field(&["model", "blocks"])?.as_array().ok_or_else(|| bad("`model.blocks`"))? {
		let name = entry.get("block").and_then(Value::as_str).unwrap_or_default();
		let block = BlockId::parse(name).ok_or_else(|| bad(&format!("no block named {name:?}")))?;
		blocks.push((block, hash(entry.get("id").unwrap_or(&Value::Null), "model.blocks[].id")?));
	}
	let number = |path: &[&str]| {
		field(path)?.as_f64().ok_or_else(|| bad(&format!("`{}` is not a number", path.join("."))))
	};
	let sampling = Sampling {
		temperature: number(&["sampling", "temperature"])? as f32,
		top_k: number(&["sampling", "top_k"])? as usize,
		top_p: number(&["sampling", "top_p"])? as f32,
		seed: field(&["sampling", "seed"])?.as_u64().ok_or_else(|| bad("`sampling.seed`"))?,
	};
	let stop = field(&["stop"])?
		.as_array()
		.ok_or_else(|| bad("`stop` is not a list"))?
		.iter()
		.map(|s| s.as_str().map(str::to_string).ok_or_else(|| bad("`stop` holds a non-string")))
		.collect::<Result<_, _>>()?;
	let generation = Generation {
		input: field(&["input"])?.as_str().ok_or_else(|| bad("`input` is not text"))?.to_string(),
		sampling,
		max_tokens: number(&["max_tokens"])? as usize,
		stop,
	};
	let output = field(&["output", "hex"])?.as_str().and_then(unhex);
	let finalized = match (trail.pointer("/finalized/number"), trail.pointer("/finalized/hash")) {
		(Some(number), Some(hash_text)) => {
			let number = number.as_u64().ok_or_else(|| bad("`finalized.number`"))?;
			Some((number, hash(hash_text, "finalized.hash")?))
		},
		_ => None,
	};
	Ok(Record {
		finalized,
		shown,
		index,
		state_root: hash(field(&["model", "state_root"])?, "model.state_root")?,
		blocks,
		generation,
		output: output.ok_or_else(|| bad("`output.hex` is not hex"))?,
	})
}

/// What the answer's parts (the whole answer, or a stream's chunks in order) showed.
fn shown_in(parts: &[&Value]) -> Option<Shown> {
	let mut shown = Shown { text: String::new(), finish: None };
	let mut any = false;
	for part in parts {
		let Some(choice) = part.pointer("/choices/0") else { continue };
		for piece in ["/text", "/message/content", "/delta/content"] {
			if let Some(Value::String(text)) = choice.pointer(piece) {
				shown.text.push_str(text);
				any = true;
			}
		}
		if let Some(Value::String(finish)) = choice.get("finish_reason") {
			shown.finish = Some(finish.clone());
		}
	}
	any.then_some(shown)
}

/// Compare recorded and replayed tokens.
pub fn compare(recorded: &[u8], replayed: &[u8]) -> Verdict {
	let at = recorded.iter().zip(replayed).position(|(a, b)| a != b);
	match at {
		None if recorded.len() == replayed.len() => Verdict::Identical { tokens: recorded.len() },
		None => {
			let at = recorded.len().min(replayed.len());
			Verdict::Differs {
				at,
				recorded: recorded.get(at).copied(),
				replayed: replayed.get(at).copied(),
			}
		},
		Some(at) => {
			Verdict::Differs { at, recorded: Some(recorded[at]), replayed: Some(replayed[at]) }
		},
	}
}

/// Replay `record` with the blocks it names, as the chain records them now (superseded
/// blocks stay on chain) and the store serves them. The blocks must be adopted ones, one per
/// slot, and, where the node still has the state of the answer's finalized block, exactly the
/// model's current blocks there.
pub async fn replay(
	chain: &Chain,
	store: Arc<Store>,
	backend: Arc<dyn Backend>,
	record: &Record,
) -> Result<Replay, WorkerError> {
	if state_root(record.index, &record.blocks) != record.state_root {
		return Err(WorkerError::Usage(
			"the trail's state root is not the root of the blocks it lists: it was altered".into(),
		));
	}
	let mut checked_current = false;
	if let Some((number, hash)) = record.finalized {
		if let Ok(then) = chain.api.at_block(crate::chain::H256(hash)).await {
			let mut listed = record.blocks.clone();
			listed.sort_by_key(|(block, _)| *block);
			if model::current_ids(chain, &then, record.index).await? != listed {
				return Err(WorkerError::Usage(format!(
					"the blocks listed were not model {}'s current blocks at #{number}",
					record.index
				)));
			}
			checked_current = true;
		}
	}
	let at = chain.finalized().await?;
	let served = model::load(chain, store, &at, record.index, record.blocks.clone(), None).await?;
	let generation = record.generation.clone();
	let spec = served.weights.spec;
	let engine::Alone { tokens, text, finish, routed } = tokio::task::spawn_blocking(move || {
		engine::answer(backend.as_ref(), &served.weights, &generation)
	})
	.await
	.map_err(|e| WorkerError::Compute(format!("replay: {e}")))?
	.map_err(|e| WorkerError::Compute(format!("replay: {e}")))?;
	let usage = Usage::of_routing(&record.blocks, spec.experts, spec.top_k, &routed);
	let mut verdict = compare(&record.output, &tokens);
	if let (Verdict::Identical { .. }, Some(shown)) = (&verdict, &record.shown) {
		if shown.text != text {
			verdict = Verdict::Misreported(format!(
				"the answer showed {:?}; its tokens give {text:?}",
				shown.text
			));
		} else if shown.finish.as_deref().is_some_and(|f| f != finish.as_str()) {
			verdict = Verdict::Misreported(format!(
				"the answer's finish reason is {:?}; its tokens end by {:?}",
				shown.finish,
				finish.as_str()
			));
		}
	}
	Ok(Replay { verdict, checked_current, usage })
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_shown_text_is_read_from_answers_and_streams() {
		let zero = format!("0x{}", "00".repeat(32));
		let ones = format!("0x{}", "01".repeat(32));
		let value = serde_json::json!({
			"choices": [{"text": "Nay", "finish_reason": "length"}],
			"aiblock": {
				"model": {"index": 1, "state_root": zero, "blocks": []},
				"finalized": {"number": 4, "hash": ones},
				"input": "x",
				"sampling": {"temperature": 0.0, "top_k": 0, "top_p": 1.0, "seed": 1},
				"max_tokens": 3, "stop": [], "output": {"hex": "0x4e6179"},
			},
		});
		let record = read_record(&value.to_string()).unwrap();
		assert_eq!(record.shown, Some(Shown { text: "Nay".into(), finish: Some("length".into()) }));
		assert_eq!(record.finalized, Some((4, [1; 32])));
		assert_eq!(record.output, b"Nay");
		let stream = format!(
			"data: {}\n\ndata: {}\n\ndata: [DONE]\n\n",
			serde_json::json!({"choices": [{"delta": {"role": "assistant", "content": "Na"}}]}),
			serde_json::json!({
				"choices": [{"delta": {"content": "y"}, "finish_reason": "stop"}],
				"aiblock": value["aiblock"],
			}),
		);
		let streamed = read_record(&stream).unwrap();
		assert_eq!(streamed.shown, Some(Shown { text: "Nay".into(), finish: Some("stop".into()) }));
		assert_eq!(read_record(&value["aiblock"].to_string()).unwrap().shown, None);
	}

	#[test]
	fn tokens_compare_to_the_first_difference() {
		assert_eq!(compare(b"abc", b"abc"), Verdict::Identical { tokens: 3 });
		assert_eq!(
			compare(b"abc", b"abd"),
			Verdict::Differs { at: 2, recorded: Some(b'c'), replayed: Some(b'd') }
		);
		assert_eq!(
			compare(b"ab", b"abc"),
			Verdict::Differs { at: 2, recorded: None, replayed: Some(b'c') }
		);
	}
}
