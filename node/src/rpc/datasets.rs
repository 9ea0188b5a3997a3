//! `datasets_*`: the dataset registry over JSON-RPC, for workers, wallets and `curl`.
//!
//! Every method reads the runtime's `DatasetsApi` at the best block, or at `at` when given, and
//! answers in readable JSON: CIDs in the text form IPFS prints, versions as
//! `MAJOR.MINOR.PATCH`, accounts in SS58, the stage as a word with its details.

use std::sync::Arc;

use aiblock_primitives::{
	dag::cid_to_text,
	datasets::{
		AuditReport, DatasetId, DatasetRecord, DatasetStatus, DatasetsApi, LicenseCheck, Tier,
	},
};
use aiblock_runtime::{opaque::Block, AccountId, BlockNumber};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use serde::{Deserialize, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;

use super::expert_dag::runtime_error;

/// Most datasets one `datasets_list` call returns (the runtime caps it as well).
const MAX_RESULTS: u32 = 1024;

/// An auditor's (or the panel's median) report.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AuditView {
	pub content_matches: bool,
	pub chunks_checked: u32,
	pub duplicate_ppm: u32,
	pub pii_ppm: u32,
	pub toxicity_ppm: u32,
	/// `allowed`, `unknown` or `forbidden`.
	pub license: String,
	/// Validation-loss gain of the probe fine-tune, micro-nats per byte.
	pub learning_value: i64,
}

impl From<AuditReport> for AuditView {
	fn from(r: AuditReport) -> Self {
		AuditView {
			content_matches: r.content_matches,
			chunks_checked: r.chunks_checked,
			duplicate_ppm: r.duplicate_ppm,
			pii_ppm: r.pii_ppm,
			toxicity_ppm: r.toxicity_ppm,
			license: match r.license {
				LicenseCheck::Allowed => "allowed",
				LicenseCheck::Unknown => "unknown",
				LicenseCheck::Forbidden => "forbidden",
			}
			.into(),
			learning_value: r.learning_value,
		}
	}
}

/// A dataset and where it stands.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DatasetView {
	pub id: DatasetId,
	pub name: String,
	pub version: String,
	/// SPDX license expression.
	pub license: String,
	pub cid: String,
	pub size: u64,
	pub merkle_root: H256,
	pub sample_hashes: Vec<H256>,
	pub derived_from: Vec<DatasetId>,
	pub proposer: AccountId,
	pub proposed_at: BlockNumber,
	/// `proposed`, `auditing`, `voting`, `approved`, `rejected` or `quarantined`.
	pub stage: String,
	/// `gold`, `silver` or `experimental` (approved or quarantined).
	pub tier: Option<String>,
	/// Auditing: the drawn auditors and the windows.
	pub panel: Option<Vec<AccountId>>,
	pub commit_until: Option<BlockNumber>,
	pub reveal_until: Option<BlockNumber>,
	/// Voting: when it opened and closes, and the count so far.
	pub voting_opened: Option<BlockNumber>,
	pub voting_until: Option<BlockNumber>,
	pub ayes: Option<u32>,
	pub nays: Option<u32>,
	/// The audit's median report (voting and approved).
	pub audit: Option<AuditView>,
	/// Why it was rejected.
	pub rejection: Option<String>,
}

fn tier_name(tier: Tier) -> String {
	match tier {
		Tier::Gold => "gold",
		Tier::Silver => "silver",
		Tier::Experimental => "experimental",
	}
	.into()
}

impl DatasetView {
	fn new(record: DatasetRecord<AccountId, BlockNumber>) -> DatasetView {
		let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
		let meta = record.meta;
		let v = meta.version;
		let mut view = DatasetView {
			id: record.id,
			name: text(&meta.name),
			version: format!("{}.{}.{}", v.major, v.minor, v.patch),
			license: text(&meta.license),
			cid: cid_to_text(&meta.cid),
			size: meta.size,
			merkle_root: meta.merkle_root,
			sample_hashes: meta.sample_hashes.into_inner(),
			derived_from: meta.derived_from.into_inner(),
			proposer: record.proposer,
			proposed_at: record.proposed_at,
			stage: String::new(),
			tier: None,
			panel: None,
			commit_until: None,
			reveal_until: None,
			voting_opened: None,
			voting_until: None,
			ayes: None,
			nays: None,
			audit: None,
			rejection: None,
		};
		view.stage = match record.status {
			DatasetStatus::Proposed => "proposed",
			DatasetStatus::Auditing { panel, commit_until, reveal_until } => {
				view.panel = Some(panel);
				view.commit_until = Some(commit_until);
				view.reveal_until = Some(reveal_until);
				"auditing"
			},
			DatasetStatus::Voting { median, opened, until, ayes, nays } => {
				view.audit = Some(median.into());
				view.voting_opened = Some(opened);
				view.voting_until = Some(until);
				view.ayes = Some(ayes);
				view.nays = Some(nays);
				"voting"
			},
			DatasetStatus::Approved { tier, median } => {
				view.tier = Some(tier_name(tier));
				view.audit = Some(median.into());
				"approved"
			},
			DatasetStatus::Rejected { reason } => {
				view.rejection = Some(format!("{reason:?}"));
				"rejected"
			},
			DatasetStatus::Quarantined { tier } => {
				view.tier = Some(tier_name(tier));
				"quarantined"
			},
		}
		.into();
		view
	}
}

#[rpc(server, namespace = "datasets")]
pub trait DatasetsRpc {
	/// A dataset by id.
	#[method(name = "dataset")]
	fn dataset(&self, id: DatasetId, at: Option<H256>) -> RpcResult<Option<DatasetView>>;

	/// Datasets in id order after `start_after`.
	#[method(name = "list")]
	fn list(
		&self,
		start_after: Option<DatasetId>,
		max: Option<u32>,
		at: Option<H256>,
	) -> RpcResult<Vec<DatasetView>>;

	/// The dataset standing for a content, by its Merkle root.
	#[method(name = "byContent")]
	fn by_content(&self, merkle_root: H256, at: Option<H256>) -> RpcResult<Option<DatasetId>>;
}

/// The `datasets_*` methods over a client.
pub struct Datasets<C> {
	client: Arc<C>,
}

impl<C> Datasets<C> {
	pub fn new(client: Arc<C>) -> Self {
		Datasets { client }
	}
}

impl<C: HeaderBackend<Block>> Datasets<C> {
	fn at(&self, at: Option<H256>) -> H256 {
		at.unwrap_or_else(|| self.client.info().best_hash)
	}
}

impl<C> DatasetsRpcServer for Datasets<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: DatasetsApi<Block, AccountId, BlockNumber>,
{
	fn dataset(&self, id: DatasetId, at: Option<H256>) -> RpcResult<Option<DatasetView>> {
		let record = self.client.runtime_api().dataset(self.at(at), id).map_err(runtime_error)?;
		Ok(record.map(DatasetView::new))
	}

	fn list(
		&self,
		start_after: Option<DatasetId>,
		max: Option<u32>,
		at: Option<H256>,
	) -> RpcResult<Vec<DatasetView>> {
		let max = max.unwrap_or(MAX_RESULTS).min(MAX_RESULTS);
		let records = self
			.client
			.runtime_api()
			.datasets(self.at(at), start_after, max)
			.map_err(runtime_error)?;
		Ok(records.into_iter().map(DatasetView::new).collect())
	}

	fn by_content(&self, merkle_root: H256, at: Option<H256>) -> RpcResult<Option<DatasetId>> {
		self.client.runtime_api().by_content(self.at(at), merkle_root).map_err(runtime_error)
	}
}
