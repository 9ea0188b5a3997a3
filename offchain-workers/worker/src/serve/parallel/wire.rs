//! The calls between servers: `POST /v1/aiblock/experts` runs experts on rows a peer sends,
//! `GET /v1/aiblock/experts` lists the experts a server runs.
//!
//! A call names each expert by its slot *and* its on-chain block id, so that a peer serving
//! another state (a newer adoption, another model) refuses instead of answering with other
//! weights. Rows travel as the bits of their `f32`s (SCALE-encoded), which is what keeps an
//! answer computed across servers bit-identical to a single server's.

use super::super::model::{hex, ServedModel};
use aiblock_compute::{
	backend::Backend,
	model::BlockId,
	transformer::experts::{expert_output, ExpertMatrices},
};
use codec::{Decode, Encode};
use serde_json::{json, Value};

/// Where both calls are served.
pub const PATH: &str = "/v1/aiblock/experts";

/// The largest call a server reads (8 MiB): a caller splits bigger work into several calls.
/// Like the JSON endpoints' 1 MiB, it bounds what the connections of one client can make a
/// server hold.
pub const MAX_CALL_BYTES: usize = 8 << 20;

/// Rows for experts a server holds.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct ExpertCall {
	pub parts: Vec<CallPart>,
}

/// One expert's rows.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct CallPart {
	pub layer: u32,
	pub expert: u32,
	/// The expert's on-chain block id: the exact weights asked for.
	pub block: [u8; 32],
	/// The rows (`rows × d_model`), as the bits of each `f32`.
	pub x: Vec<u32>,
}

/// The outputs, part by part (`rows × d_model` each, as bits).
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct ExpertReply {
	pub outputs: Vec<Vec<u32>>,
}

impl ExpertCall {
	/// The call as calls of at most about `limit` encoded bytes each, splitting a part's rows
	/// where needed (an expert's rows are independent: their outputs are the same bits however
	/// they are split), each with the part every piece belongs to, pieces in row order.
	pub fn split(&self, limit: usize, d_model: usize) -> Vec<(ExpertCall, Vec<usize>)> {
		let row_bytes = 4 * d_model.max(1);
		// A part's header takes at most 48 bytes, the call's 16; at least a row per call.
		let budget = limit.saturating_sub(16);
		let rows_per_piece = (budget.saturating_sub(48) / row_bytes).max(1);
		let mut calls: Vec<(ExpertCall, Vec<usize>)> = Vec::new();
		let mut size = usize::MAX;
		for (p, part) in self.parts.iter().enumerate() {
			for rows in part.x.chunks(rows_per_piece * d_model.max(1)) {
				let bytes = 4 * rows.len() + 48;
				if size.saturating_add(bytes) > budget {
					calls.push((ExpertCall { parts: Vec::new() }, Vec::new()));
					size = 0;
				}
				let Some((call, parts)) = calls.last_mut() else { break };
				let (layer, expert, block) = (part.layer, part.expert, part.block);
				call.parts.push(CallPart { layer, expert, block, x: rows.to_vec() });
				parts.push(p);
				size += bytes;
			}
		}
		calls
	}
}

/// The bits of `values`.
pub fn bits(values: &[f32]) -> Vec<u32> {
	values.iter().map(|v| v.to_bits()).collect()
}

/// The floats of `bits`.
pub fn floats(bits: &[u32]) -> Vec<f32> {
	bits.iter().map(|&b| f32::from_bits(b)).collect()
}

/// Why a call was refused: an HTTP status and a message for the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
	pub status: u16,
	pub message: String,
}

fn refuse(status: u16, message: impl Into<String>) -> Refusal {
	Refusal { status, message: message.into() }
}

/// The experts `model` runs for peers (its own and those it cached), as `GET` lists them.
pub fn hosted(model: &ServedModel) -> Value {
	let spec = model.weights.spec;
	let experts: Vec<Value> = model
		.blocks
		.iter()
		.filter_map(|(block, id)| match *block {
			BlockId::Expert { layer, expert } => {
				let (l, e) = (layer as usize, expert as usize);
				let cached = || model.runner.as_ref().is_some_and(|r| r.cached(l, e).is_some());
				let held = ExpertMatrices::of(&model.weights, l, e).is_some();
				(held || cached()).then(|| json!({"block": block.name(), "id": hex(id)}))
			},
			_ => None,
		})
		.collect();
	json!({
		"model": model.id(),
		"state_root": hex(&model.state_root),
		"d_model": spec.d_model,
		"experts": experts,
	})
}

/// The block ids a `GET` listed.
pub fn hosted_ids(listing: &Value) -> Vec<[u8; 32]> {
	listing["experts"]
		.as_array()
		.into_iter()
		.flatten()
		.filter_map(|e| super::super::model::unhex(e["id"].as_str()?)?.try_into().ok())
		.collect()
}

/// Run a peer's call on `model` (blocking: the matrix products): the encoded reply, or why
/// not. Every part must name an expert of this model by the block this server runs for it.
pub fn answer(model: &ServedModel, backend: &dyn Backend, body: &[u8]) -> Result<Vec<u8>, Refusal> {
	let call = ExpertCall::decode(&mut &body[..])
		.ok()
		.filter(|call| call.encoded_size() == body.len())
		.ok_or_else(|| refuse(400, "the body is not a SCALE-encoded expert call"))?;
	let spec = model.weights.spec;
	let mut seen = std::collections::HashSet::new();
	if call.parts.len() > spec.layers * spec.experts {
		return Err(refuse(400, "more parts than the model has experts"));
	}
	let mut outputs = Vec::with_capacity(call.parts.len());
	for part in &call.parts {
		if !seen.insert((part.layer, part.expert)) {
			return Err(refuse(400, "an expert named twice in one call"));
		}
		let (l, e) = (part.layer as usize, part.expert as usize);
		let slot = BlockId::Expert { layer: part.layer, expert: part.expert };
		if l >= spec.layers || e >= spec.experts {
			return Err(refuse(404, format!("{} is not part of {}", slot.name(), model.id())));
		}
		let serves = model.blocks.iter().find(|(b, _)| *b == slot).map(|(_, id)| *id);
		if serves != Some(part.block) {
			return Err(refuse(
				409,
				format!(
					"{} here is block {}, not {}",
					slot.name(),
					serves.map_or("(none)".into(), |id| hex(&id)),
					hex(&part.block)
				),
			));
		}
		if part.x.is_empty() || !part.x.len().is_multiple_of(spec.d_model) {
			return Err(refuse(
				400,
				format!("{}: rows are not d_model = {} wide", slot.name(), spec.d_model),
			));
		}
		let cached = model.runner.as_ref().and_then(|r| r.cached(l, e));
		let weights = cached.as_deref().unwrap_or(&model.weights);
		let matrices = ExpertMatrices::of(weights, l, e)
			.ok_or_else(|| refuse(404, format!("this server does not hold {}", slot.name())))?;
		let y = expert_output(backend, &spec, matrices, &floats(&part.x))
			.map_err(|e| refuse(500, e.to_string()))?;
		outputs.push(bits(&y));
	}
	Ok(ExpertReply { outputs }.encode())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_big_call_is_split_by_rows_within_the_limit_and_in_order() {
		let d = 8;
		let part = |expert: u32, rows: usize| CallPart {
			layer: 1,
			expert,
			block: [expert as u8; 32],
			x: (0..(rows * d) as u32).collect(),
		};
		let call = ExpertCall { parts: vec![part(0, 3), part(2, 700), part(3, 1)] };
		assert_eq!(call.split(MAX_CALL_BYTES, d).len(), 1, "a small call stays whole");
		let limit = 4096;
		let pieces = call.split(limit, d);
		assert!(pieces.len() > 5);
		let mut joined: Vec<Vec<u32>> = vec![Vec::new(); 3];
		for (piece, parts) in &pieces {
			assert!(piece.encoded_size() <= limit, "{} bytes", piece.encoded_size());
			for (p, part) in parts.iter().zip(&piece.parts) {
				assert_eq!(part.x.len() % d, 0, "whole rows");
				assert_eq!(
					(part.layer, part.expert, part.block),
					(1, call.parts[*p].expert, call.parts[*p].block)
				);
				joined[*p].extend(&part.x);
			}
		}
		let whole: Vec<Vec<u32>> = call.parts.iter().map(|p| p.x.clone()).collect();
		assert_eq!(joined, whole);
	}
}
