//! `expertDag_*`: the model registry over JSON-RPC, for the worker and for anyone with `curl`.
//!
//! Every method reads the runtime's `ExpertDagApi` at the best block, or at `at` when given,
//! and answers in readable JSON: CIDs in the text form IPFS prints, slots named as the worker
//! names them (`layer0.expert1`), versions as `MAJOR.MINOR.PATCH`, accounts in SS58.

use std::sync::Arc;

use aiblock_primitives::dag::{
	cid_to_text, BlockRecord, BlockStatus, ExpertDagApi, ModelIndex, ModelSpec, Tokenizer,
};
use aiblock_runtime::{opaque::Block, AccountId, BlockNumber};
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{ErrorObject, ErrorObjectOwned},
};
use serde::{Deserialize, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;

/// Most results one call returns (the runtime caps it as well).
const MAX_RESULTS: u32 = 1024;

/// A model version.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ModelView {
	pub index: ModelIndex,
	pub name: String,
	pub architecture: String,
	pub version: String,
	pub generation: u32,
	/// Tokens read: a byte model's n-gram, a transformer's longest sequence.
	pub context: u16,
	pub vocab: u32,
	/// `bytes` for byte-level models.
	pub tokenizer: String,
	pub d_model: u32,
	pub d_ff: u32,
	pub layers: u16,
	pub experts: u16,
	pub top_k: u16,
	/// A transformer's self-attention; absent for models without attention.
	pub attention: Option<AttentionView>,
	/// Adoption threshold, micro-nats per token.
	pub delta: u32,
	pub validation_dataset: String,
	pub meta: H256,
}

/// A transformer's attention, with the norm epsilon as the number the workers compute with.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AttentionView {
	pub heads: u16,
	pub kv_heads: u16,
	pub head_dim: u32,
	pub rope_theta: u32,
	pub norm_eps: f32,
}

impl ModelView {
	fn new(index: ModelIndex, spec: ModelSpec, meta: H256) -> ModelView {
		let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
		let v = spec.version;
		ModelView {
			index,
			name: text(&spec.name),
			architecture: text(&spec.architecture),
			version: format!("{}.{}.{}", v.major, v.minor, v.patch),
			generation: spec.generation,
			context: spec.context,
			vocab: spec.vocab,
			tokenizer: match spec.tokenizer {
				Tokenizer::Bytes => "bytes".into(),
			},
			d_model: spec.d_model,
			d_ff: spec.d_ff,
			layers: spec.layers,
			experts: spec.experts,
			top_k: spec.top_k,
			attention: spec.attention.map(|a| AttentionView {
				heads: a.heads,
				kv_heads: a.kv_heads,
				head_dim: a.head_dim,
				rope_theta: a.rope_theta,
				norm_eps: a.norm_eps(),
			}),
			delta: spec.delta,
			validation_dataset: cid_to_text(&spec.validation_dataset),
			meta,
		}
	}
}

/// A block of the DAG.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BlockView {
	pub id: H256,
	/// `meta`, `shared`, `layer{l}.attention`, `layer{l}.router`, `layer{l}.expert{e}` or
	/// `migration`.
	pub kind: String,
	pub model: ModelIndex,
	pub depends_on: Vec<H256>,
	/// Text CID (empty for a meta block).
	pub cid: String,
	/// The content hash readers check.
	pub hash: H256,
	pub size: u64,
	pub author: Option<AccountId>,
	pub parent: Option<H256>,
	pub created_at: BlockNumber,
	/// `pending`, `accepted`, `rejected` or `superseded`.
	pub status: String,
	/// Validation loss, micro-nats per token.
	pub score: Option<u32>,
}

fn status_name(status: BlockStatus) -> &'static str {
	match status {
		BlockStatus::Pending => "pending",
		BlockStatus::Accepted => "accepted",
		BlockStatus::Rejected => "rejected",
		BlockStatus::Superseded => "superseded",
	}
}

fn parse_status(name: &str) -> Option<BlockStatus> {
	[BlockStatus::Pending, BlockStatus::Accepted, BlockStatus::Rejected, BlockStatus::Superseded]
		.into_iter()
		.find(|s| status_name(*s) == name)
}

impl BlockView {
	fn new(id: H256, record: BlockRecord<AccountId, BlockNumber>) -> BlockView {
		let header = record.header;
		BlockView {
			id,
			kind: header.kind.to_string(),
			model: header.model,
			depends_on: header.depends_on.into_inner(),
			cid: cid_to_text(&header.payload.cid),
			hash: header.payload.hash,
			size: header.payload.size,
			author: header.author,
			parent: header.parent,
			created_at: header.created_at,
			status: status_name(record.status).into(),
			score: record.score,
		}
	}
}

#[rpc(server, namespace = "expertDag")]
pub trait ExpertDagRpc {
	/// The newest model version.
	#[method(name = "latestModel")]
	fn latest_model(&self, at: Option<H256>) -> RpcResult<Option<ModelView>>;

	/// A model version by index.
	#[method(name = "model")]
	fn model(&self, index: ModelIndex, at: Option<H256>) -> RpcResult<Option<ModelView>>;

	/// The current block of every parameter slot of a model, in canonical order.
	#[method(name = "currentBlocks")]
	fn current_blocks(&self, model: ModelIndex, at: Option<H256>) -> RpcResult<Vec<BlockView>>;

	/// A block by id.
	#[method(name = "block")]
	fn block(&self, id: H256, at: Option<H256>) -> RpcResult<Option<BlockView>>;

	/// A block and its ancestors by parent link, newest first.
	#[method(name = "lineage")]
	fn lineage(&self, id: H256, max: Option<u32>, at: Option<H256>) -> RpcResult<Vec<H256>>;

	/// Ids of blocks with a status (`pending`, `accepted`, `rejected`, `superseded`), in id
	/// order after `start_after`.
	#[method(name = "blocksByStatus")]
	fn blocks_by_status(
		&self,
		status: String,
		start_after: Option<H256>,
		max: Option<u32>,
		at: Option<H256>,
	) -> RpcResult<Vec<H256>>;
}

/// The `expertDag_*` methods over a client.
pub struct ExpertDag<C> {
	client: Arc<C>,
}

impl<C> ExpertDag<C> {
	pub fn new(client: Arc<C>) -> Self {
		ExpertDag { client }
	}
}

const RUNTIME_ERROR: i32 = 1;
const INVALID_PARAMS: i32 = -32602;

pub(super) fn runtime_error(e: impl std::fmt::Display) -> ErrorObjectOwned {
	ErrorObject::owned(RUNTIME_ERROR, format!("runtime call failed: {e}"), None::<()>)
}

impl<C: HeaderBackend<Block>> ExpertDag<C> {
	/// `at`, or the best block.
	fn at(&self, at: Option<H256>) -> H256 {
		at.unwrap_or_else(|| self.client.info().best_hash)
	}
}

impl<C> ExpertDagRpcServer for ExpertDag<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: ExpertDagApi<Block, AccountId, BlockNumber>,
{
	fn latest_model(&self, at: Option<H256>) -> RpcResult<Option<ModelView>> {
		let at = self.at(at);
		let api = self.client.runtime_api();
		let Some((index, _)) = api.latest_model(at).map_err(runtime_error)? else {
			return Ok(None);
		};
		self.model(index, Some(at))
	}

	fn model(&self, index: ModelIndex, at: Option<H256>) -> RpcResult<Option<ModelView>> {
		let model = self.client.runtime_api().model(self.at(at), index).map_err(runtime_error)?;
		Ok(model.map(|(spec, meta)| ModelView::new(index, spec, meta)))
	}

	fn current_blocks(&self, model: ModelIndex, at: Option<H256>) -> RpcResult<Vec<BlockView>> {
		let blocks =
			self.client.runtime_api().current_blocks(self.at(at), model).map_err(runtime_error)?;
		Ok(blocks.into_iter().map(|(_, id, record)| BlockView::new(id, record)).collect())
	}

	fn block(&self, id: H256, at: Option<H256>) -> RpcResult<Option<BlockView>> {
		let record = self.client.runtime_api().block(self.at(at), id).map_err(runtime_error)?;
		Ok(record.map(|r| BlockView::new(id, r)))
	}

	fn lineage(&self, id: H256, max: Option<u32>, at: Option<H256>) -> RpcResult<Vec<H256>> {
		let max = max.unwrap_or(MAX_RESULTS).min(MAX_RESULTS);
		self.client.runtime_api().lineage(self.at(at), id, max).map_err(runtime_error)
	}

	fn blocks_by_status(
		&self,
		status: String,
		start_after: Option<H256>,
		max: Option<u32>,
		at: Option<H256>,
	) -> RpcResult<Vec<H256>> {
		let status = parse_status(&status).ok_or_else(|| {
			ErrorObject::owned(
				INVALID_PARAMS,
				format!("unknown status `{status}`: use pending, accepted, rejected or superseded"),
				None::<()>,
			)
		})?;
		let max = max.unwrap_or(MAX_RESULTS).min(MAX_RESULTS);
		self.client
			.runtime_api()
			.blocks_by_status(self.at(at), status, start_after, max)
			.map_err(runtime_error)
	}
}
