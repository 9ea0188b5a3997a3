//! The model a server answers with: a transformer version exactly as the chain has it at a
//! finalized block, every block fetched from the store and checked against its on-chain hash.

use super::parallel::{Holding, Loader, ParallelExperts, Placement};
use crate::{
	chain::{At, BlockKind, BlockRecord, BlockStatus, Chain, H256},
	run::{block_id, pointer, shape_of},
	store::{ModelAt, Store},
	WorkerError,
};
use aiblock_compute::{
	job::{Model, Shape},
	model::BlockId,
	transformer::TransformerWeights,
};
use std::sync::Arc;

/// A finalized chain block: where a served model was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finalized {
	pub number: u64,
	pub hash: [u8; 32],
}

/// A model version loaded for serving, with what names it on chain.
pub struct ServedModel {
	/// The model version's index in the ExpertDag.
	pub index: u32,
	/// Its name and version on chain (`aiblock-shakespeare`, `2.0.0`).
	pub name: String,
	pub version: String,
	/// The on-chain block behind each part of the weights, in the canonical block order.
	pub blocks: Vec<(BlockId, [u8; 32])>,
	/// [`state_root`] of the index and the blocks: one hash that names the exact weights.
	pub state_root: [u8; 32],
	/// The finalized block the blocks were read at.
	pub loaded_at: Finalized,
	/// The weights: every block, or, on a server holding some experts, all but the others.
	pub weights: TransformerWeights,
	/// Where the experts the weights leave out are computed (`None`: the weights hold all).
	pub runner: Option<Arc<ParallelExperts>>,
}

impl std::fmt::Debug for ServedModel {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(f, "{} (model {}, state root {})", self.id(), self.index, hex(&self.state_root))
	}
}

impl ServedModel {
	/// The `model` clients name in their requests: `name@version`.
	pub fn id(&self) -> String {
		format!("{}@{}", self.name, self.version)
	}

	/// Whether `requested` names this model: its id, or its name alone (the version served).
	pub fn answers_to(&self, requested: &str) -> bool {
		requested == self.id() || requested == self.name
	}

	/// The chain block ids, for comparing with what the chain has now.
	pub fn block_ids(&self) -> Vec<[u8; 32]> {
		self.blocks.iter().map(|(_, id)| *id).collect()
	}
}

/// The hash that names a model's exact weights: the chain's
/// [`aiblock_primitives::inference::state_root`] of the model index and its block ids in
/// ascending order. Clients sign it in their receipts, and the chain recomputes it from the
/// block list of a server's claim; anyone recomputes it from the ids an answer lists.
pub fn state_root(index: u32, blocks: &[(BlockId, [u8; 32])]) -> [u8; 32] {
	let mut ids: Vec<aiblock_primitives::H256> =
		blocks.iter().map(|(_, id)| aiblock_primitives::H256(*id)).collect();
	ids.sort();
	aiblock_primitives::inference::state_root(index, &ids).0
}

/// The newest model version on chain that is a transformer (the one a server answers with
/// unless told otherwise).
pub async fn newest_transformer(chain: &Chain, at: &At) -> Result<u32, WorkerError> {
	let (latest, _) = chain.latest_model(at).await?;
	for index in (0..=latest).rev() {
		if matches!(shape_of(&chain.model(at, index).await?), Ok(Shape::Transformer(_))) {
			return Ok(index);
		}
	}
	Err(WorkerError::Usage("no model on chain is a transformer this worker can run".into()))
}

/// The current blocks of model `index` at `at`, as (block, id) in canonical order.
pub async fn current_ids(
	chain: &Chain,
	at: &At,
	index: u32,
) -> Result<Vec<(BlockId, [u8; 32])>, WorkerError> {
	let mut ids: Vec<_> = chain
		.current_blocks(at, index)
		.await?
		.into_iter()
		.filter_map(|(kind, id, _)| block_id(&kind).map(|b| (b, id.0)))
		.collect();
	ids.sort_by_key(|(block, _)| *block);
	Ok(ids)
}

/// Load model `index` with the blocks `ids`: exactly one per slot of the model, each looked up
/// on chain at `at`, which must record it as an adopted block (current or superseded since) of
/// that model in that slot; every block fetched and checked. The weights are loaded on a
/// blocking thread. With a `placement`, only the experts it holds are loaded, and the others
/// are run where it says.
pub async fn load(
	chain: &Chain,
	store: Arc<Store>,
	at: &At,
	index: u32,
	ids: Vec<(BlockId, [u8; 32])>,
	placement: Option<&Arc<Placement>>,
) -> Result<ServedModel, WorkerError> {
	let spec = chain.model(at, index).await?;
	let shape =
		shape_of(&spec).map_err(|why| WorkerError::Usage(format!("model {index}: {why}")))?;
	if !matches!(shape, Shape::Transformer(_)) {
		return Err(WorkerError::Usage(format!(
			"model {index} is a byte model: only transformers are served"
		)));
	}
	let mut listed: Vec<BlockId> = ids.iter().map(|(block, _)| *block).collect();
	listed.sort();
	let mut slots = shape.blocks();
	slots.sort();
	if listed != slots {
		return Err(WorkerError::Usage(format!(
			"model {index} has {} slots; the blocks listed are not one for each",
			slots.len()
		)));
	}
	let mut pointers = Vec::with_capacity(ids.len());
	for (block, id) in &ids {
		let record: BlockRecord = chain.block(at, H256(*id)).await?.ok_or_else(|| {
			WorkerError::Node(format!("block {} ({block}) is not on chain", hex(id)))
		})?;
		let slot: Option<BlockKind> = crate::run::chain_kind(*block);
		if record.header.model != index || Some(&record.header.kind) != slot.as_ref() {
			return Err(WorkerError::Usage(format!(
				"block {} is not model {index}'s {block} block",
				hex(id)
			)));
		}
		// Only blocks the quality gate adopted ever answered for the model.
		let adopted = matches!(record.status, BlockStatus::Accepted | BlockStatus::Superseded);
		if !adopted {
			return Err(WorkerError::Usage(format!(
				"block {} ({block}) was never adopted ({:?})",
				hex(id),
				record.status
			)));
		}
		pointers.push((*block, pointer(&record.header.payload)));
	}
	let holding = placement.map(|p| p.holding.clone()).unwrap_or_default();
	if let Shape::Transformer(spec) = &shape {
		holding.check(spec)?;
	}
	let model_at =
		Arc::new(ModelAt { spec: shape, validation: Vec::new(), blocks: pointers, revision: 0 });
	let (reader, from) = (model_at.clone(), store.clone());
	let weights =
		tokio::task::spawn_blocking(move || reader.weights_of(from.as_ref(), |b| holding.loads(b)))
			.await
			.map_err(|e| WorkerError::Compute(format!("loading the weights: {e}")))??;
	let Model::Transformer(weights) = weights else {
		return Err(WorkerError::Usage(format!("model {index} is not a transformer")));
	};
	let runner = placement.filter(|p| p.holding != Holding::All).map(|placement| {
		// A block loaded later (a hot expert, or one no peer runs any more): only that block.
		let loader: Loader =
			Arc::new(move |block| match model_at.weights_of(store.as_ref(), |b| b == block)? {
				Model::Transformer(weights) => Ok(weights),
				Model::Byte(_) => Err(WorkerError::Usage("not a transformer".into())),
			});
		Arc::new(ParallelExperts::new(weights.spec, &ids, placement.clone(), loader))
	});
	let version = format!("{}.{}.{}", spec.version.major, spec.version.minor, spec.version.patch);
	Ok(ServedModel {
		index,
		name: String::from_utf8_lossy(&spec.name.0).into_owned(),
		version,
		state_root: state_root(index, &ids),
		blocks: ids,
		loaded_at: Finalized { number: at.block_number(), hash: at.block_hash().0 },
		weights,
		runner,
	})
}

/// Lower-case hex with a `0x` prefix, as Polkadot.js shows hashes.
pub fn hex(bytes: &[u8]) -> String {
	format!("0x{}", aiblock_compute::tensor::hex(bytes))
}

/// The inverse of [`hex`] (the `0x` prefix optional).
pub fn unhex(text: &str) -> Option<Vec<u8>> {
	aiblock_compute::tensor::unhex(text.strip_prefix("0x").unwrap_or(text))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_state_root_names_the_blocks_whatever_their_listed_order() {
		let a = (BlockId::Shared, [1; 32]);
		let b = (BlockId::Router { layer: 0 }, [2; 32]);
		let c = (BlockId::Expert { layer: 0, expert: 1 }, [3; 32]);
		let root = state_root(1, &[a, b, c]);
		assert_eq!(root, state_root(1, &[c, a, b]));
		assert_ne!(root, state_root(2, &[a, b, c]), "another model index");
		assert_ne!(root, state_root(1, &[a, b, (c.0, [4; 32])]), "another block");
		// What the chain recomputes from a claim's ascending block list.
		let ids = [1u8, 2, 3].map(|byte| aiblock_primitives::H256([byte; 32]));
		assert_eq!(root, aiblock_primitives::inference::state_root(1, &ids).0);
	}

	#[test]
	fn hex_round_trips() {
		assert_eq!(hex(&[0, 0xab, 0x10]), "0x00ab10");
		assert_eq!(unhex("0x00ab10"), Some(vec![0, 0xab, 0x10]));
		assert_eq!(unhex("00AB10"), Some(vec![0, 0xab, 0x10]));
		assert_eq!(unhex("0x0"), None);
		assert_eq!(unhex("zz"), None);
	}
}
