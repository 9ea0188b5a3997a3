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
pub mod parallel;
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
	/// Take part in the market: sell the answers, answer the free tier, or both (the chain
	/// client must sign with the server's bonded key).
	pub market: Option<MarketConfig>,
	/// Which experts this server holds, and where it finds the others.
	pub experts: ExpertsConfig,
}

/// Expert-parallel serving ([`parallel`]).
#[derive(Clone, Debug, Default)]
pub struct ExpertsConfig {
	/// The experts this server loads and runs (`All`: a single server).
	pub holding: parallel::Holding,
	/// Servers to call for the others (`http://host:port`).
	pub peers: Vec<String>,
	/// Also call the servers the chain's registry lists for the model.
	pub from_registry: bool,
	/// Calls for one expert after which the server loads it too (0: never).
	pub cache_after: u32,
	/// Experts beyond its own it keeps loaded.
	pub cache_experts: usize,
	/// Recompute every this-many-th expert a peer computed (0: never).
	pub check_peers: u64,
	/// Answer other servers' expert calls (`/v1/aiblock/experts`).
	pub lend: bool,
	/// This server's URL (the trail's name for it; left out of the registry's peers).
	pub own: String,
}

/// How often a server asks its peers what they run (and the registry for new ones).
pub const PEER_REFRESH: Duration = Duration::from_secs(10);

/// A server in the market.
#[derive(Clone, Debug)]
pub struct MarketConfig {
	/// Sell answers at this many planck per 1,000 output tokens.
	pub price_per_1k: Option<u128>,
	/// Answer free-tier members, up to this many tokens per quota period (0: none).
	pub donate: u64,
	/// Where clients reach it, as registered on chain.
	pub endpoint: String,
	/// How often paid answers are claimed and free ones reported.
	pub claim_every: Duration,
	/// TEST ONLY: alter every answer (each ASCII token for another) before it is sent and
	/// paid for, to exercise the auditors' replay and the slashing.
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
	let placement = placement(&chain, &config.experts, stop.clone()).await;
	log::info!("serve: loading model {index} ({} blocks) at #{}", ids.len(), at.block_number());
	let served = model::load(&chain, store.clone(), &at, index, ids, placement.as_ref()).await?;
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
	let market = match &config.market {
		None => sell::MarketSide::default(),
		Some(market) => {
			let price = market.price_per_1k.unwrap_or(0);
			chain.offer_serving(index, price, market.donate, &market.endpoint).await?;
			let seller = match market.price_per_1k {
				Some(price) => Some(
					crate::market::seller::Seller::start(
						chain.clone(),
						store.clone(),
						price,
						market.alter_answers,
					)
					.await?,
				),
				None => None,
			};
			let donor = (market.donate > 0)
				.then(|| crate::market::donor::Donor::new(chain.clone(), market.donate));
			let side = sell::MarketSide { seller, donor };
			tokio::spawn(claim_every(side.clone(), market.claim_every, stop.clone()));
			side
		},
	};
	let bound = http::listen(
		config.listen,
		engine.clone(),
		config.limits,
		metrics,
		market,
		config.experts.lend,
	)
	.await
	.map_err(|e| WorkerError::Usage(format!("cannot listen on {}: {e}", config.listen)))?;
	log::info!("serve: OpenAI-compatible API on http://{bound}/v1 (GET /health, /metrics)");
	tokio::spawn(follow::follow(
		chain,
		store,
		engine.clone(),
		config.model,
		placement,
		config.follow_every,
		stop,
	));
	Ok((bound, engine))
}

/// For a server holding some experts: its peers (asked once what they run before the model
/// loads, then every [`PEER_REFRESH`] until `stop`, with the registry's servers added as they
/// register).
async fn placement(
	chain: &Chain,
	config: &ExpertsConfig,
	stop: Arc<AtomicBool>,
) -> Option<Arc<parallel::Placement>> {
	if config.holding == parallel::Holding::All {
		return None;
	}
	let peers = Arc::new(parallel::peers::Peers::new());
	for url in &config.peers {
		peers.add(url);
	}
	let placement = Arc::new(parallel::Placement {
		holding: config.holding.clone(),
		peers: peers.clone(),
		cache_after: config.cache_after,
		cache_experts: config.cache_experts,
		check_peers: config.check_peers,
		own: config.own.clone(),
		counters: Arc::default(),
	});
	let first = find_peers(chain, config, &peers).await;
	let (chain, config) = (chain.clone(), config.clone());
	tokio::spawn(async move {
		while !stop.load(std::sync::atomic::Ordering::Relaxed) {
			tokio::time::sleep(PEER_REFRESH).await;
			find_peers(&chain, &config, &peers).await;
		}
	});
	log::info!(
		"serve: holding experts {}; {first} peers, {} up",
		placement.holding,
		placement.peers.status().iter().filter(|p| p.up).count()
	);
	Some(placement)
}

/// Add the registry's servers (when asked to; whatever model each serves, since calls name
/// the exact blocks), then ask every peer what it runs; the number of peers.
async fn find_peers(
	chain: &Chain,
	config: &ExpertsConfig,
	peers: &Arc<parallel::peers::Peers>,
) -> usize {
	if config.from_registry {
		match chain.finalized().await {
			Ok(at) => match chain.server_endpoints(&at).await {
				Ok(servers) => {
					for (_, endpoint) in servers {
						let own =
							endpoint.trim_end_matches('/') == config.own.trim_end_matches('/');
						if !own && peers.add(&endpoint) {
							log::info!("serve: peer {endpoint} found in the registry");
						}
					}
				},
				Err(e) => log::warn!("serve: could not read the registry's servers: {e}"),
			},
			Err(e) => log::warn!("serve: could not read the registry's servers: {e}"),
		}
	}
	let refreshing = peers.clone();
	let _ = tokio::task::spawn_blocking(move || refreshing.refresh()).await;
	peers.status().len()
}

/// Claim the paid answers, settle the audits of earlier claims and report the free answers,
/// every `period` until `stop`.
async fn claim_every(market: sell::MarketSide, period: Duration, stop: Arc<AtomicBool>) {
	while !stop.load(std::sync::atomic::Ordering::Relaxed) {
		tokio::time::sleep(period).await;
		if let Some(seller) = &market.seller {
			seller.claim_due().await;
			seller.settle_due().await;
		}
		if let Some(donor) = &market.donor {
			donor.report_due().await;
		}
	}
}
