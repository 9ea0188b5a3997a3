//! Serving the chain's model: an OpenAI-compatible HTTP API that answers with the transformer
//! exactly as the chain has it at a finalized block, every answer carrying the trail that
//! names the on-chain blocks behind it, and anyone able to replay it.
//!
//! One role per module: [`model`] (loading a version from the chain and the store, the state
//! root), [`engine`] (the thread that generates, concurrent answers batched into one pass), [`text`] (chat template, stop sequences),
//! [`api`] (the OpenAI JSON), [`http`] (the connections), [`metrics`], [`follow`] (switching
//! to newly adopted blocks) and [`replay`] (recomputing an answer from its trail).

pub mod api;
pub mod engine;
pub mod follow;
pub mod http;
pub mod metrics;
pub mod model;
pub mod replay;
pub mod sell;
pub mod text;

use crate::{chain::Chain, store::Store, WorkerError};
use aiblock_compute::backend::Backend;
use std::{
	net::SocketAddr,
	sync::{atomic::AtomicBool, Arc},
	time::Duration,
};

/// How a server runs.
#[derive(Clone, Debug)]
pub struct ServeConfig {
	pub listen: SocketAddr,
	/// Serve this model version (default: the newest transformer, followed across versions).
	pub model: Option<u32>,
	pub limits: api::Limits,
	/// Requests that may wait for the engine before new ones get HTTP 429.
	pub max_queue: usize,
	/// Requests decoded side by side.
	pub max_batch: usize,
	/// How often the chain is checked for a new state.
	pub follow_every: Duration,
	/// Sell the answers (the chain client must sign with the server's bonded key).
	pub sell: Option<SellConfig>,
}

/// A server selling its answers.
#[derive(Clone, Debug)]
pub struct SellConfig {
	/// Planck per 1,000 output tokens.
	pub price_per_1k: u128,
	/// Where clients reach it, as registered on chain.
	pub endpoint: String,
	/// How often paid answers are claimed.
	pub claim_every: Duration,
	/// TEST ONLY: alter every answer (upper-case its letters) before it is sent and paid for,
	/// to exercise the auditors' replay and the slashing.
	pub alter_answers: bool,
}

/// Load the model the chain names now, answer on `config.listen`, and follow adoptions until
/// `stop`. Returns the bound address once the server listens; the serving goes on in tasks.
pub async fn start(
	chain: Chain,
	store: Arc<Store>,
	backend: Arc<dyn Backend>,
	config: ServeConfig,
	stop: Arc<AtomicBool>,
) -> Result<(SocketAddr, Arc<engine::Engine>), WorkerError> {
	let at = chain.finalized().await?;
	let index = match config.model {
		Some(index) => index,
		None => model::newest_transformer(&chain, &at).await?,
	};
	let ids = model::current_ids(&chain, &at, index).await?;
	log::info!("serve: loading model {index} ({} blocks) at #{}", ids.len(), at.block_number());
	let served = model::load(&chain, store.clone(), &at, index, ids).await?;
	log::info!(
		"serve: {} ready (state root {}, {})",
		served.id(),
		model::hex(&served.state_root),
		backend.name()
	);
	let metrics = Arc::new(metrics::ServeMetrics::default());
	let engine = Arc::new(engine::Engine::start(
		served,
		backend,
		config.max_queue,
		config.max_batch,
		metrics.clone(),
	));
	let seller = match &config.sell {
		None => None,
		Some(sell) => {
			let seller = crate::market::seller::Seller::start(
				chain.clone(),
				store.clone(),
				index,
				sell.price_per_1k,
				&sell.endpoint,
				sell.alter_answers,
			)
			.await?;
			tokio::spawn(claim_every(seller.clone(), sell.claim_every, stop.clone()));
			Some(seller)
		},
	};
	let bound =
		http::listen(config.listen, engine.clone(), config.limits, metrics, seller)
			.await
			.map_err(|e| WorkerError::Usage(format!("cannot listen on {}: {e}", config.listen)))?;
	log::info!("serve: OpenAI-compatible API on http://{bound}/v1 (GET /health, /metrics)");
	tokio::spawn(follow::follow(
		chain,
		store,
		engine.clone(),
		config.model,
		config.follow_every,
		stop,
	));
	Ok((bound, engine))
}

/// Claim the paid answers, and settle the audits of earlier claims, every `period` until
/// `stop`.
async fn claim_every(
	seller: Arc<crate::market::seller::Seller>,
	period: Duration,
	stop: Arc<AtomicBool>,
) {
	while !stop.load(std::sync::atomic::Ordering::Relaxed) {
		tokio::time::sleep(period).await;
		seller.claim_due().await;
		seller.settle_due().await;
	}
}
