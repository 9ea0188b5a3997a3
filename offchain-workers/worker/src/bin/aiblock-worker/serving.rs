//! `aiblock-worker serve` and `replay-answer`: the command-line side of [`aiblock_worker::serve`].

use crate::{connect_to_read, open_store, ChainArgs};
use aiblock_compute::{
	backend::Cpu,
	select::{self, BackendChoice},
};
use aiblock_worker::{
	serve::{
		self,
		api::Limits,
		replay::{self, Verdict},
		ServeConfig,
	},
	WorkerError,
};
use clap::Args;
use std::{
	net::SocketAddr,
	path::PathBuf,
	sync::{atomic::AtomicBool, Arc},
	time::Duration,
};

/// How the server answers (shared by `serve` and `run --roles …,server`).
#[derive(Args, Clone)]
pub struct ServeOptions {
	/// Address of the HTTP API (use 0.0.0.0:PORT to accept other machines).
	#[arg(long, default_value = "127.0.0.1:8080")]
	pub listen: SocketAddr,
	/// Serve this model version (default: the newest transformer on chain, followed across
	/// new versions as they are registered).
	#[arg(long)]
	pub serve_model: Option<u32>,
	/// The most tokens one answer may ask for (`max_tokens`).
	#[arg(long, default_value_t = 1024)]
	pub max_tokens: usize,
	/// The longest input in bytes (a chat with its template); the model reads its last
	/// `context` bytes.
	#[arg(long, default_value_t = 16 * 1024)]
	pub max_input_bytes: usize,
	/// Requests that may wait for the model; beyond them clients get HTTP 429.
	#[arg(long, default_value_t = 64)]
	pub max_queue: usize,
	/// Requests answered together: each pass of the model reads the next token of every one
	/// of them (and up to 64 bytes of each new prompt) as one batch.
	#[arg(long, default_value_t = 8)]
	pub max_batch: usize,
	/// Connections one client (an IPv4 address, an IPv6 /64) may hold at a time; more get HTTP
	/// 429. Keep it below --max-queue so that one client cannot fill the queue; a proxy in
	/// front of the server needs as many as it has users at once.
	#[arg(long, default_value_t = 32)]
	pub max_connections_per_client: usize,
	/// Seconds a request may take from its arrival to its last token, waiting in the queue
	/// included; past it the answer stops and the client gets a `timeout` error (504). At most
	/// 86400.
	#[arg(long, default_value_t = 300)]
	pub request_timeout: u64,
	/// Seconds between checks of the chain for newly adopted blocks.
	#[arg(long, default_value_t = 6)]
	pub follow_every: u64,
	/// Sell the answers at this many planck per 1,000 output tokens (10^12 planck are 1 AIB):
	/// the key (--suri or --key) registers as a server of the model, committing 50 AIB of its
	/// bonded stake, and only paying clients (`aiblock-worker ask`) are answered.
	#[arg(long)]
	pub price: Option<u128>,
	/// Answer the free tier: up to this many output tokens per quota period (a day) for
	/// free-tier members (`aiblock-worker ask --free`), each within its own daily quota, which
	/// the chain keeps. The key registers as a donor server (with --price too, it also sells;
	/// without, it answers members only).
	#[arg(long, default_value_t = 0)]
	pub donate: u64,
	/// The URL clients reach this server at, registered on chain with --price or --donate
	/// (default: http://<--listen>).
	#[arg(long)]
	pub public_url: Option<String>,
	/// Seconds between claims of the paid answers and reports of the free ones.
	#[arg(long, default_value_t = 60)]
	pub claim_every: u64,
	/// TEST ONLY: alter every answer before it is sent (a cheating server, for the
	/// auditors to catch and the chain to slash).
	#[arg(long, hide = true)]
	pub alter_answers: bool,
	/// The experts this server loads: `all`, or a list of `E` and `E-F` (those experts of
	/// every layer) and `L:E`, `L:E-F` (of layer L), e.g. `0-1` or `0,1:2`. The rows routed to
	/// the others are sent to peers that run them (--peer, and with --peers-from-registry the
	/// chain's servers); the answers are the same bits as a single server's.
	#[arg(long, default_value = "all")]
	pub experts: serve::parallel::Holding,
	/// A server to call for the experts this one does not hold (repeat for more).
	#[arg(long = "peer", value_name = "URL")]
	pub peers: Vec<String>,
	/// Also call the servers the chain's Inference registry lists (each asked which experts
	/// it runs; only those running the served blocks are called).
	#[arg(long)]
	pub peers_from_registry: bool,
	/// Load an expert here after this many calls to peers for it (a hot expert; with the
	/// cache full, only if it is used more than the least used loaded one, which it replaces);
	/// 0: never.
	#[arg(long, default_value_t = 64)]
	pub cache_after: u32,
	/// Experts beyond its own that the server keeps loaded (hot ones, and those it loaded
	/// when no peer running them answered; one of those is kept even with 0).
	#[arg(long, default_value_t = 4)]
	pub cache_experts: usize,
	/// Recompute each peer's first expert and then every this-many-th it computes, from the
	/// store's copy, and never call a peer again whose rows differ (the server answers for its
	/// peers' work: an auditor would slash it). 0: trust the peers.
	#[arg(long, default_value_t = 32)]
	pub check_peers: u64,
	/// Answer other servers' expert calls for the experts this one runs (always on with
	/// --experts other than `all`). A call costs the expert's compute for the rows sent and is
	/// not paid: lend to servers you trust.
	#[arg(long)]
	pub lend_experts: bool,
}

impl ServeOptions {
	pub fn config(&self) -> ServeConfig {
		let own = self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.listen));
		ServeConfig {
			listen: self.listen,
			model: self.serve_model,
			limits: Limits {
				max_tokens: self.max_tokens.max(1),
				max_input_bytes: self.max_input_bytes.max(1),
				max_connections_per_client: self.max_connections_per_client.max(1),
				// At most a day: a deadline must stay a representable instant.
				request_timeout: Duration::from_secs(self.request_timeout.clamp(1, 86_400)),
			},
			max_queue: self.max_queue.max(1),
			max_batch: self.max_batch.max(1),
			follow_every: Duration::from_secs(self.follow_every.max(1)),
			market: (self.price.is_some() || self.donate > 0).then(|| serve::MarketConfig {
				price_per_1k: self.price,
				donate: self.donate,
				endpoint: own.clone(),
				claim_every: Duration::from_secs(self.claim_every.max(1)),
				alter_answers: self.alter_answers,
			}),
			experts: serve::ExpertsConfig {
				holding: self.experts.clone(),
				peers: self.peers.clone(),
				from_registry: self.peers_from_registry,
				cache_after: self.cache_after,
				cache_experts: self.cache_experts,
				check_peers: self.check_peers,
				lend: self.lend_experts || self.experts != serve::parallel::Holding::All,
				own,
			},
		}
	}
}

#[derive(Args)]
pub struct ServeArgs {
	#[command(flatten)]
	chain: ChainArgs,
	#[command(flatten)]
	options: ServeOptions,
	/// Compute backend: auto, cpu or cuda (answers are the same bits on each).
	#[arg(long, default_value = "auto")]
	backend: BackendChoice,
	/// CPU threads (default: all cores).
	#[arg(long)]
	threads: Option<usize>,
}

#[derive(Args)]
pub struct ReplayArgs {
	#[command(flatten)]
	chain: ChainArgs,
	/// The answer as the API returned it (JSON, or a stream's `data:` lines), or `-` for
	/// standard input.
	file: PathBuf,
	/// Compute backend for the replay (the answer does not depend on it).
	#[arg(long, default_value = "auto")]
	backend: BackendChoice,
}

/// The compute backend for `choice` with `threads` CPU threads.
fn backend(choice: BackendChoice, threads: Option<usize>) -> Result<select::Selected, WorkerError> {
	let mut cpu = Cpu::auto();
	if let Some(threads) = threads {
		cpu.threads = threads.max(1);
	}
	select::select(choice, cpu).map_err(|e| WorkerError::Usage(e.to_string()))
}

/// Start serving next to whatever else this process does; returns once the API listens.
pub async fn start(
	chain: &ChainArgs,
	options: &ServeOptions,
	selected: &select::Selected,
	stop: Arc<AtomicBool>,
) -> Result<(), WorkerError> {
	let store = Arc::new(open_store(&chain.store)?);
	// A seller or donor signs its registration, claims and reports; an open server only
	// reads.
	let client = if options.price.is_some() || options.donate > 0 {
		crate::connect(chain).await?
	} else {
		connect_to_read(chain).await?
	};
	serve::start(client, store, selected.backend.clone(), options.config(), stop).await?;
	Ok(())
}

pub async fn serve(args: ServeArgs) -> Result<(), WorkerError> {
	let selected = backend(args.backend, args.threads)?;
	log::info!("serve: {}", selected.note);
	start(&args.chain, &args.options, &selected, Arc::new(AtomicBool::new(false))).await?;
	crate::until_signal().await;
	Ok(())
}

/// Replay an answer; Ok(true) when it is identical.
pub async fn replay_answer(args: ReplayArgs) -> Result<bool, WorkerError> {
	let text = if args.file.as_os_str() == "-" {
		std::io::read_to_string(std::io::stdin())
	} else {
		std::fs::read_to_string(&args.file)
	}
	.map_err(|e| WorkerError::Usage(format!("{}: {e}", args.file.display())))?;
	let record = replay::read_record(&text)?;
	let selected = backend(args.backend, None)?;
	let store = Arc::new(open_store(&args.chain.store)?);
	let chain = connect_to_read(&args.chain).await?;
	eprintln!(
		"replaying {} tokens of model {} (state root {}, {} blocks) on {}",
		record.output.len(),
		record.index,
		serve::model::hex(&record.state_root),
		record.blocks.len(),
		selected.backend.name()
	);
	let replayed = replay::replay(&chain, store, selected.backend.clone(), &record).await?;
	match record.finalized {
		Some((number, _)) if replayed.checked_current => {
			println!("the blocks were the model's current blocks at #{number}")
		},
		Some((number, _)) => println!(
			"the node no longer has the state of #{number}: the blocks were checked to be adopted \
			 ones, not to be current there"
		),
		None => {},
	}
	match replayed.verdict {
		Verdict::Identical { tokens } => {
			println!("identical: all {tokens} tokens reproduced from the chain's blocks");
			Ok(true)
		},
		Verdict::Differs { at, recorded, replayed } => {
			let show =
				|t: Option<u8>| t.map_or("(end)".to_string(), |b| format!("{:?}", char::from(b)));
			println!(
				"DIFFERENT at token {at}: the answer has {}, the chain's model gives {}",
				show(recorded),
				show(replayed)
			);
			Ok(false)
		},
		Verdict::Misreported(why) => {
			println!("DIFFERENT: the tokens replay, but {why}");
			Ok(false)
		},
	}
}
