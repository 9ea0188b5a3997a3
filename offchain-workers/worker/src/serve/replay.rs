//! Replaying an answer: read its `aiblock` trail, load exactly the blocks it names (from the
//! chain and the store, hash-checked), generate again with the same input and parameters, and
//! compare token by token. Generation is deterministic, so an honest answer replays
//! identically on any machine, thread count and backend.

use super::{
	engine::{self, Generation},
	model::{self, state_root, unhex},
};
use crate::{chain::Chain, store::Store, WorkerError};
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
}

/// Read the trail from an answer as the API returned it: the whole JSON answer, a streamed
/// answer's server-sent events (the last chunk carries the trail), or the `aiblock` object.
pub fn read_record(text: &str) -> Result<Record, WorkerError> {
	let bad =
		|why: &str| WorkerError::Usage(format!("not an answer with an `aiblock` trail: {why}"));
	let trail = match serde_json::from_str::<Value>(text.trim()) {
		Ok(value) => value.get("aiblock").cloned().unwrap_or(value),
		Err(_) => text
			.lines()
			.filter_map(|line| line.strip_prefix("data: "))
			.filter_map(|data| serde_json::from_str::<Value>(data).ok())
			.filter_map(|chunk| chunk.get("aiblock").cloned())
			.last()
			.ok_or_else(|| bad("neither JSON nor server-sent events with one"))?,
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
	Ok(Record {
		index,
		state_root: hash(field(&["model", "state_root"])?, "model.state_root")?,
		blocks,
		generation,
		output: output.ok_or_else(|| bad("`output.hex` is not hex"))?,
	})
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
/// blocks stay on chain) and the store serves them.
pub async fn replay(
	chain: &Chain,
	store: Arc<Store>,
	backend: Arc<dyn Backend>,
	record: &Record,
) -> Result<Verdict, WorkerError> {
	if state_root(record.index, &record.blocks) != record.state_root {
		return Err(WorkerError::Usage(
			"the trail's state root is not the root of the blocks it lists: it was altered".into(),
		));
	}
	let at = chain.finalized().await?;
	let served = model::load(chain, store, &at, record.index, record.blocks.clone()).await?;
	let generation = record.generation.clone();
	let (tokens, ..) = tokio::task::spawn_blocking(move || {
		engine::answer(backend.as_ref(), &served.weights, &generation)
	})
	.await
	.map_err(|e| WorkerError::Compute(format!("replay: {e}")))?
	.map_err(|e| WorkerError::Compute(format!("replay: {e}")))?;
	Ok(compare(&record.output, &tokens))
}

#[cfg(test)]
mod tests {
	use super::*;

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
