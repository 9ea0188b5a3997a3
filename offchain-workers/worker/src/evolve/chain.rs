//! What the worker reads of the `Evolution` pallet: the epoch under way, its proposals, bids,
//! candidate, panel and the parent blocks it pinned.

use crate::{
	chain::{runtime, At, Chain, H256},
	WorkerError,
};
use subxt::utils::AccountId32;

pub use runtime::runtime_types::pallet_aiblock_evolution::types::{
	CandidateInfo, EpochInfo, Outcome, Phase, Proposal, Seat,
};

/// The epoch under way, as the chain holds it.
pub type Epoch = EpochInfo<AccountId32, u32>;
/// A proposal of the epoch.
pub type EpochProposal = Proposal;
/// A panel member's seat.
pub type BenchmarkSeat = Seat<AccountId32>;

impl Chain {
	/// The epoch under way (none before the chain's first block).
	pub async fn epoch(&self, at: &At) -> Result<Option<Epoch>, WorkerError> {
		let entry = at
			.storage()
			.entry(runtime::storage().evolution().epoch())
			.map_err(|e| self.node_error("Evolution.Epoch", e))?;
		match entry.try_fetch(()).await.map_err(|e| self.node_error("Evolution.Epoch", e))? {
			Some(v) => Ok(Some(v.decode().map_err(|e| self.node_error("an epoch", e))?)),
			None => Ok(None),
		}
	}

	/// Proposal `id` of the epoch, while it is kept.
	pub async fn epoch_proposal(
		&self,
		at: &At,
		id: u32,
	) -> Result<Option<EpochProposal>, WorkerError> {
		let entry = at
			.storage()
			.entry(runtime::storage().evolution().proposals())
			.map_err(|e| self.node_error("Evolution.Proposals", e))?;
		match entry.try_fetch((id,)).await.map_err(|e| self.node_error("Evolution.Proposals", e))? {
			Some(v) => Ok(Some(v.decode().map_err(|e| self.node_error("a proposal", e))?)),
			None => Ok(None),
		}
	}

	/// The epoch's open proposals, by id.
	pub async fn epoch_proposals(&self, at: &At) -> Result<Vec<(u32, EpochProposal)>, WorkerError> {
		let entry = at
			.storage()
			.entry(runtime::storage().evolution().open())
			.map_err(|e| self.node_error("Evolution.Open", e))?;
		let open = entry.fetch(()).await.map_err(|e| self.node_error("Evolution.Open", e))?;
		let open = open.decode().map_err(|e| self.node_error("the open proposals", e))?;
		let mut proposals = Vec::new();
		for id in open.0 {
			if let Some(proposal) = self.epoch_proposal(at, id).await? {
				proposals.push((id, proposal));
			}
		}
		Ok(proposals)
	}

	/// The trainers' bids of the epoch (the winner's alone once training started).
	pub async fn epoch_bids(&self, at: &At) -> Result<Vec<(AccountId32, u64)>, WorkerError> {
		let entry = at
			.storage()
			.entry(runtime::storage().evolution().bids())
			.map_err(|e| self.node_error("Evolution.Bids", e))?;
		let bids = entry.fetch(()).await.map_err(|e| self.node_error("Evolution.Bids", e))?;
		Ok(bids.decode().map_err(|e| self.node_error("the bids", e))?.0)
	}

	/// The grown model the epoch's trainer submitted, if it did.
	pub async fn epoch_candidate(&self, at: &At) -> Result<Option<CandidateInfo>, WorkerError> {
		let entry = at
			.storage()
			.entry(runtime::storage().evolution().candidate())
			.map_err(|e| self.node_error("Evolution.Candidate", e))?;
		match entry.try_fetch(()).await.map_err(|e| self.node_error("Evolution.Candidate", e))? {
			Some(v) => Ok(Some(v.decode().map_err(|e| self.node_error("a candidate", e))?)),
			None => Ok(None),
		}
	}

	/// The epoch's benchmark panel (empty outside Benchmarking).
	pub async fn epoch_panel(&self, at: &At) -> Result<Vec<BenchmarkSeat>, WorkerError> {
		let entry = at
			.storage()
			.entry(runtime::storage().evolution().panel())
			.map_err(|e| self.node_error("Evolution.Panel", e))?;
		let panel = entry.fetch(()).await.map_err(|e| self.node_error("Evolution.Panel", e))?;
		Ok(panel.decode().map_err(|e| self.node_error("the panel", e))?.0)
	}

	/// The parent blocks the epoch pinned when its training started, in slot order (empty
	/// outside Training and Benchmarking).
	pub async fn parent_blocks(&self, at: &At) -> Result<Vec<H256>, WorkerError> {
		let entry = at
			.storage()
			.entry(runtime::storage().evolution().parent_blocks())
			.map_err(|e| self.node_error("Evolution.ParentBlocks", e))?;
		let pinned =
			entry.fetch(()).await.map_err(|e| self.node_error("Evolution.ParentBlocks", e))?;
		Ok(pinned.decode().map_err(|e| self.node_error("the parent blocks", e))?.0)
	}
}
