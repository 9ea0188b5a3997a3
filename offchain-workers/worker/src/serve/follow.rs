//! Following adoptions: at every finalized block the server compares the served model's
//! blocks with the chain's current ones, and when they differ loads the new state in the
//! background and switches to it (requests already running finish on the old one).

use super::{
	engine::Engine,
	model::{self, hex},
	parallel::Placement,
};
use crate::{chain::Chain, store::Store, WorkerError};
use std::{
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc,
	},
	time::Duration,
};

/// Check every `every` until `stop`; `pinned` keeps one model version (else the newest
/// transformer is followed, also across a new version).
pub async fn follow(
	chain: Chain,
	store: Arc<Store>,
	engine: Arc<Engine>,
	pinned: Option<u32>,
	placement: Option<Arc<Placement>>,
	every: Duration,
	stop: Arc<AtomicBool>,
) {
	while !stop.load(Ordering::Relaxed) {
		tokio::time::sleep(every).await;
		if let Err(e) = check(&chain, &store, &engine, pinned, placement.as_ref()).await {
			log::warn!("serve: could not check the chain for a new model state: {e}");
		}
	}
}

/// Switch to the chain's state if it is not the served one. Returns whether it switched.
pub async fn check(
	chain: &Chain,
	store: &Arc<Store>,
	engine: &Engine,
	pinned: Option<u32>,
	placement: Option<&Arc<Placement>>,
) -> Result<bool, WorkerError> {
	let at = chain.finalized().await?;
	let index = match pinned {
		Some(index) => index,
		None => model::newest_transformer(chain, &at).await?,
	};
	let ids = model::current_ids(chain, &at, index).await?;
	let served = engine.current();
	if served.index == index && served.blocks == ids {
		return Ok(false);
	}
	log::info!("serve: model {index} has a new state at #{}: loading it", at.block_number());
	let loaded = model::load(chain, store.clone(), &at, index, ids, placement).await?;
	log::info!(
		"serve: now answering with {} (state root {}, read at #{}); running answers finish on {}",
		loaded.id(),
		hex(&loaded.state_root),
		loaded.loaded_at.number,
		hex(&served.state_root)
	);
	engine.switch(loaded);
	Ok(true)
}
