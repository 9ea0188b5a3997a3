//! `aiblock-worker`: train, verify and get paid on an AI-Block chain.

use aiblock_compute::{
	backend::Cpu,
	select::{self, BackendChoice},
	store::LocalStore,
};
use aiblock_worker::{
	chain::{self, runtime, Chain, Stage},
	feasibility,
	import::ImportOutcome,
	ipfs::IpfsStore,
	run::{self, Counters, RunConfig},
	store::Store,
	WorkerError,
};
use clap::{Args, Parser, Subcommand};

mod asking;
mod datasets;
mod epochs;
mod proxying;
mod serving;
use std::{
	path::PathBuf,
	process::ExitCode,
	sync::{atomic::AtomicBool, Arc},
	time::Duration,
};

/// The AI-Block worker: follows a chain, trains experts of its Mixture-of-Experts model,
/// evaluates other workers' results, and gets paid for both.
///
/// Start a dev chain and a worker on one machine:
///   aiblock-node --dev --tmp &
///   aiblock-worker init-model                       # genesis models into the local store
///   aiblock-worker run --dev --suri //Ferdie --roles trainer --bond 100
///
/// Keys: --key FILE reads a secret URI (a mnemonic with an optional derivation path, or a 0x
/// seed) from the file's first line; keep it `chmod 600`. --suri takes one on the command line
/// (visible to other users: only for test keys). The public development keys (`//Alice` …
/// `//Ferdie`) need --dev.
#[derive(Parser)]
#[command(name = "aiblock-worker", version, verbatim_doc_comment)]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Follow the chain and work: accept and train jobs, attest results when drawn.
	Run(RunArgs),
	/// Put the development genesis models (the byte model and the Shakespeare transformer:
	/// every block and each validation set) into the store and print their CIDs, as the dev
	/// and local chain specs reference them.
	InitModel(StoreArgs),
	/// Post a training job (a client convenience): upload a dataset, escrow the budget.
	PostJob(PostJobArgs),
	/// What this account is doing on chain: stake, registration, jobs, balance.
	Status(ChainArgs),
	/// Check a submitted job's claim locally: score the candidate exactly and replay every
	/// checkpoint of its training. Exits 0 when the claim holds, 1 when it does not. A claim
	/// still sealed (revealed only after the evaluators commit) is not compared: the replay
	/// alone decides.
	Verify(VerifyArgs),
	/// Register a trained transformer (a folder `aiblock-compute lm-train --out` wrote) as the
	/// chain's next MAJOR model version, through Sudo: every block and the validation text go
	/// into the store, the validation score is computed here by the chain's protocol for
	/// transformers (windows of the model's context), and one `import_model` makes every block
	/// current. Clients' `post-job` keeps to the newest model workers can train. The key must be the sudo key (the
	/// import runs at once) or a council member (the import becomes a council motion that this key votes
	/// for; it runs when three quarters of the seats have voted aye and someone closes it). The models
	/// before it stay readable. Example, after training on Shakespeare:
	///   aiblock-worker import-model --dev --suri //Alice --model ./shakespeare \
	///       --validation tinyshakespeare.txt --split
	#[command(verbatim_doc_comment)]
	ImportModel(ImportModelArgs),
	/// Write a transformer as the chain has it now into a model folder (spec.json and one
	/// safetensors file per block, as `aiblock-compute lm-train --out` writes): every current
	/// block fetched from the store and checked against its on-chain hash, and `blocks.json`
	/// naming the on-chain block behind each file (id, author, score). Then, for example:
	///   aiblock-worker fetch-model --dev --out ./chain-model
	///   aiblock-compute generate --model ./chain-model --prompt "ROMEO:" --max-tokens 200
	#[command(verbatim_doc_comment)]
	FetchModel(FetchModelArgs),
	/// Answer prompts with the chain's model: an OpenAI-compatible HTTP API (POST
	/// /v1/completions and /v1/chat/completions, streamed with `"stream": true`; GET /v1/models,
	/// /health, /metrics). The model is the newest transformer at the latest finalized block,
	/// every block fetched and hash-checked; newly adopted blocks are loaded in the background
	/// and switched to between answers. Every answer carries an `aiblock` trail (state root,
	/// block ids, finalized block, input, sampling and seed, output hash) that
	/// `replay-answer` recomputes. No key needed, unless it sells its answers (--price: only
	/// paying clients, `aiblock-worker ask`, are answered). Example:
	///   aiblock-worker serve &
	///   curl -s localhost:8080/v1/completions -H 'Content-Type: application/json' \
	///       -d '{"model": "aiblock-shakespeare", "prompt": "ROMEO:", "max_tokens": 100}'
	#[command(verbatim_doc_comment)]
	Serve(serving::ServeArgs),
	/// Datasets: check a file as the auditors will, propose it, follow it through audit and
	/// vote, vote on others' (`aiblock-worker dataset --help`). Example:
	///   aiblock-worker dataset check tinyshakespeare.txt --license CC0-1.0
	///   aiblock-worker dataset propose tinyshakespeare.txt --name tinyshakespeare \
	///       --license CC0-1.0 --dev --suri //Ferdie
	///   aiblock-worker dataset status 0
	#[command(verbatim_doc_comment, subcommand)]
	Dataset(datasets::DatasetCommand),
	/// Evolution epochs: propose a growth of the newest model with the recipe to train it,
	/// endorse proposals, bid for an epoch's training, and follow the epoch
	/// (`aiblock-worker epoch --help`). Example, on a development chain:
	///   aiblock-worker epoch propose --growth double-experts --noise 0.01 --steps 200 \
	///       --held-out 3 --dev --suri //Ferdie --wait
	///   aiblock-worker epoch status
	#[command(verbatim_doc_comment, subcommand)]
	Epoch(epochs::EpochCommand),
	/// Recompute an answer of `serve` from its `aiblock` trail with the blocks it names (from
	/// the chain and the store, hash-checked) and compare token by token. Exits 0 when it is
	/// identical, 1 when it is not (the first differing token is printed), 2 on an error.
	ReplayAnswer(serving::ReplayArgs),
	/// Ask a server that sells answers (`serve --price`), paying through a prepaid channel:
	/// opens one on chain if needed (--deposit AIB), signs the request, checks the answer's
	/// trail (its state root, and that its blocks are adopted blocks of the model) and pays
	/// for it with a signed receipt the server claims on chain. With --free, asks a donor
	/// (`serve --donate`) as a free-tier member instead (joining the free tier first if
	/// needed), within the account's daily quota. Examples:
	///   aiblock-worker ask --server http://127.0.0.1:8080 --dev --suri //Charlie "ROMEO:"
	///   aiblock-worker ask --server http://127.0.0.1:8080 --free --dev --suri //Dave "ROMEO:"
	#[command(verbatim_doc_comment)]
	Ask(asking::AskArgs),
	/// A local OpenAI-compatible endpoint for clients that cannot sign (the `openai` package,
	/// front-ends): it pays for each answer through this key's prepaid channel with --server
	/// (or asks as a free-tier member with --free), one request at a time, checks each answer
	/// as `ask` does, and streams the whole answer to a client that asks for a stream. With
	/// --api-key it wants `Authorization: Bearer <key>` (the client's api_key). Example:
	///   aiblock-worker proxy --server http://127.0.0.1:8080 --api-key s3cret --dev --suri //Eve
	///   then: openai.OpenAI(base_url="http://127.0.0.1:8090/v1", api_key="s3cret")
	#[command(verbatim_doc_comment)]
	Proxy(proxying::ProxyArgs),
}

#[derive(Args)]
struct FetchModelArgs {
	#[command(flatten)]
	chain: ChainArgs,
	/// The model version (default: the latest).
	#[arg(long)]
	model: Option<u32>,
	/// The folder to write (created; files in it are replaced).
	#[arg(long)]
	out: PathBuf,
}

#[derive(Args)]
struct ImportModelArgs {
	#[command(flatten)]
	chain: ChainArgs,
	/// The model folder (spec.json and one safetensors file per block).
	#[arg(long)]
	model: PathBuf,
	/// The validation text the version is scored on (its CID becomes the spec's validation
	/// dataset).
	#[arg(long)]
	validation: PathBuf,
	/// Validate on the last 10 % of --validation only, as `lm-train` splits its --text.
	#[arg(long)]
	split: bool,
	/// The version's name on chain.
	#[arg(long, default_value = "aiblock-mixtral")]
	name: String,
	/// Adoption threshold: the validation gain, in micro-nats per token, a trained block must
	/// bring to be adopted.
	#[arg(long, default_value_t = 10_000)]
	delta: u32,
	/// Compute backend for the validation score: auto, cpu or cuda (the score does not depend
	/// on it).
	#[arg(long, default_value = "auto")]
	backend: BackendChoice,
}

#[derive(Args)]
struct VerifyArgs {
	#[command(flatten)]
	chain: ChainArgs,
	/// The job (it must be under evaluation: submitted, not yet settled).
	job: u64,
	/// Compute backend for the replay: auto, cpu or cuda (the verdict does not depend on it).
	#[arg(long, default_value = "auto")]
	backend: BackendChoice,
}

#[derive(Args, Clone)]
struct StoreArgs {
	/// IPFS daemon RPC API (kubo or js-ipfs), e.g. http://127.0.0.1:5001. Without it the
	/// embedded local store in --data-dir/store is used (one machine, no daemon).
	#[arg(long)]
	ipfs: Option<String>,
	/// Where the worker keeps its state file (and, by default, the embedded store).
	#[arg(long, default_value = "./aiblock-worker-data")]
	data_dir: PathBuf,
	/// The embedded store's folder (default: DATA_DIR/store). Workers on one machine can
	/// share one.
	#[arg(long)]
	store_dir: Option<PathBuf>,
	/// Seconds the IPFS daemon may search for content before it counts as missing (a job's
	/// data that nobody serves, a trainer's files that were never published).
	#[arg(long, default_value_t = 600)]
	fetch_timeout: u64,
}

#[derive(Args, Clone)]
struct ChainArgs {
	/// The node's WebSocket RPC endpoint.
	#[arg(long, default_value = "ws://127.0.0.1:9944")]
	node: String,
	/// Secret URI of the worker's account (dev chains: //Alice … //Ferdie).
	#[arg(long)]
	suri: Option<String>,
	/// File whose first line is the secret URI or mnemonic.
	#[arg(long)]
	key: Option<PathBuf>,
	/// Allow the public development keys (`--suri //Alice`, an empty key file): anyone can
	/// sign for those accounts, so only on dev and local test chains.
	#[arg(long)]
	dev: bool,
	#[command(flatten)]
	store: StoreArgs,
}

#[derive(Args)]
struct RunArgs {
	#[command(flatten)]
	chain: ChainArgs,
	/// Roles to register with: trainer, evaluator, auditor (comma-separated). Auditors audit
	/// the datasets they are drawn for (fetch, check against the Merkle root, measure, commit
	/// and reveal the report) and move datasets on whose window is over.
	/// `server` also answers prompts as `serve` does, on --listen (the chain has no server
	/// role yet: it is not registered).
	#[arg(long, default_value = "trainer,evaluator", value_delimiter = ',')]
	roles: Vec<String>,
	/// Compute backend: auto (CUDA when this build has it and a GPU answers, else the CPU), cpu
	/// or cuda. The CUDA kernels are written to give the CPU's bits (so CPU evaluators verify
	/// GPU trainers); that is checked by a CPU emulation, not yet on a GPU.
	#[arg(long, default_value = "auto")]
	backend: BackendChoice,
	/// CPU threads (default: all cores).
	#[arg(long)]
	threads: Option<usize>,
	/// Bond this many AIB if the account has less than the registration minimum.
	#[arg(long)]
	bond: Option<u128>,
	/// Where others can reach this worker, as registered on chain (a multiaddr or URL).
	#[arg(long, default_value = "/ip4/127.0.0.1/tcp/4001")]
	endpoint: String,
	/// Blocks between heartbeats.
	#[arg(long, default_value_t = 20)]
	heartbeat_every: u64,
	/// Stop after this many finalized blocks (0: until SIGINT/SIGTERM).
	#[arg(long, default_value_t = 0)]
	max_blocks: u64,
	/// Memory one training may use, in GiB (default: half of this machine's memory). Jobs
	/// estimated to need more (a huge batch, huge datasets) are declined, with the reason
	/// logged.
	#[arg(long)]
	max_memory: Option<f64>,
	/// Seconds one training may run (at this machine's measured speed). Longer jobs are
	/// declined, with the reason logged.
	#[arg(long, default_value_t = 4 * 3600)]
	max_job_seconds: u64,
	/// With the trainer role: bid this many PoL credits for each evolution epoch's training
	/// (0: never). The highest bid wins; the winner grows the newest model by the selected
	/// migration, trains it by its recipe and submits it, and gets its credits back when the
	/// epoch ends (or loses them if it submits nothing or its training does not replay).
	/// `aiblock-worker epoch status` shows the epoch and the bids.
	#[arg(long, default_value_t = 0)]
	epoch_bid: u64,
	/// Serve Prometheus metrics on this port (0: off).
	#[arg(long, default_value_t = 9616)]
	prometheus_port: u16,
	/// Listen for metrics on all interfaces, not only loopback.
	#[arg(long)]
	prometheus_external: bool,
	/// TEST ONLY: claim half the computed loss, so the chain refutes and slashes this trainer.
	/// Exists only in builds with the `adversary` feature (the tests' build).
	#[cfg(feature = "adversary")]
	#[arg(long, hide = true)]
	lie_about_score: bool,
	/// With the `server` role: how it answers.
	#[command(flatten)]
	serve: serving::ServeOptions,
}

#[derive(Args)]
struct PostJobArgs {
	#[command(flatten)]
	chain: ChainArgs,
	/// The slots to train together, comma-separated: shared, layer{L}.attention
	/// (transformers), layer{L}.router, layer{L}.expert{E}, or all (every slot: the whole
	/// model). A transformer job trains up to 64 slots and adopts them together; a byte-model
	/// job trains one.
	#[arg(long, default_value = "shared")]
	block: String,
	/// The model version to train (default: the newest one workers can train).
	#[arg(long)]
	model: Option<u32>,
	/// The approved datasets to train on, as ID or ID:PARTS (its weight in the mix, default
	/// 1), comma-separated or repeated (`aiblock-worker dataset list`). Without it: the
	/// model's default corpus, if it is an approved dataset — for a transformer
	/// tinyshakespeare's training split (its first 90 %, the genesis transformer's training
	/// text; `data/README.md`), for a byte model 64 KiB of the development Markov source.
	#[arg(long, value_delimiter = ',')]
	dataset: Vec<String>,
	/// Allow Experimental datasets (Gold and Silver only otherwise).
	#[arg(long)]
	allow_experimental: bool,
	#[arg(long, default_value_t = 40)]
	steps: u32,
	/// Tokens per step. A transformer trains on windows of its whole context, so this is a
	/// whole number of them (256 = 4 windows of a 64-token model).
	#[arg(long, default_value_t = 256)]
	batch_tokens: u32,
	/// AdamW learning rate, in whole millionths as the chain holds it (a transformer's peak:
	/// it warms up over a tenth of the steps, then decays towards a tenth of this at the end).
	#[arg(long, default_value_t = 0.01)]
	lr: f32,
	#[arg(long, default_value_t = 1)]
	seed: u64,
	#[arg(long, default_value_t = 10)]
	checkpoint_every: u32,
	/// Evaluators to draw (odd, at least 3).
	#[arg(long, default_value_t = 3)]
	evaluators: u32,
	/// Budget in AIB (reward + evaluator fees + protocol fee).
	#[arg(long, default_value_t = 50)]
	budget: u128,
	/// Blocks (6 s each on the shipped chains) for each stage: accept, submit, commit, reveal.
	/// The chain refuses windows shorter than its reference worker needs (`Jobs.WindowTooShort`):
	/// training and replay grow with steps × batch tokens × the model's active weights, and an
	/// evaluator scores the whole validation set (on the genesis transformer about 10 blocks of
	/// the commit window).
	#[arg(long, default_value = "100,100,60,20", value_delimiter = ',')]
	windows: Vec<u32>,
}

fn open_store(args: &StoreArgs) -> Result<Store, WorkerError> {
	match &args.ipfs {
		Some(url) => {
			let timeout = Duration::from_secs(args.fetch_timeout.max(1));
			let store = IpfsStore::new(url)?.with_fetch_timeout(timeout);
			let version = store.version()?;
			log::info!("IPFS daemon {version} at {url}");
			Ok(Store::Ipfs(store))
		},
		None => {
			let dir = args.store_dir.clone().unwrap_or_else(|| args.data_dir.join("store"));
			Ok(Store::Local(LocalStore::open(&dir)?))
		},
	}
}

pub(crate) async fn connect(args: &ChainArgs) -> Result<Chain, WorkerError> {
	let signer = chain::load_signer(args.suri.as_deref(), args.key.as_deref(), args.dev)?;
	Chain::connect(&args.node, signer, Duration::from_secs(30)).await
}

fn init_model(args: StoreArgs) -> Result<(), WorkerError> {
	let store = open_store(&args)?;
	use aiblock_compute::genesis::{genesis_files, GenesisModel, GenesisTransformer};
	let files = genesis_files(&GenesisModel::development(), &GenesisTransformer::development())
		.map_err(WorkerError::from)?;
	for (name, bytes) in files {
		let cid = aiblock_compute::store::ContentStore::put(&store, &bytes)?;
		println!("{name:<20} {cid} {:>9} bytes", bytes.len());
	}
	Ok(())
}

async fn post_job(args: PostJobArgs) -> Result<(), WorkerError> {
	use aiblock_compute::model::BlockId;
	let chain = connect(&args.chain).await?;
	let at = chain.finalized().await?;
	let model = match args.model {
		Some(model) => model,
		None => run::newest_trainable_model(&chain, &at).await?.ok_or_else(|| {
			WorkerError::Usage("no model on chain is one this worker can train".into())
		})?,
	};
	let current = chain.current_blocks(&at, model).await?;
	let names: Vec<&str> = args.block.split(',').map(str::trim).collect();
	let mut blocks = Vec::new();
	let mut slots = Vec::new();
	for name in names {
		let matching: Vec<_> = current
			.iter()
			.filter_map(|(kind, base, _)| run::block_id(kind).map(|b| (b, kind, base)))
			.filter(|(block, ..)| name == "all" || BlockId::parse(name) == Some(*block))
			.collect();
		if matching.is_empty() {
			return Err(WorkerError::Usage(format!(
				"--block {name}: model {model} has no such slot (shared, layerL.attention, \
				 layerL.router, layerL.expertE, or all)"
			)));
		}
		for (block, kind, base) in matching {
			if blocks.contains(&block) {
				return Err(WorkerError::Usage(format!("--block names {block} twice")));
			}
			blocks.push(block);
			slots.push(chain::JobSlot { kind: kind.clone(), base: *base });
		}
	}
	let shape = run::shape_of(&chain.model(&at, model).await?)
		.map_err(|why| WorkerError::Usage(format!("model {model}: {why}")))?;
	let datasets =
		named_datasets(&chain, &at, &shape, &args.dataset, args.allow_experimental).await?;
	let named: Vec<String> = datasets.iter().map(|d| format!("{}:{}", d.id, d.parts)).collect();
	let [accept, submit, commit, reveal] = args.windows[..] else {
		return Err(WorkerError::Usage(
			"--windows takes four block counts: accept,submit,commit,reveal".into(),
		));
	};
	let recipe = Recipe {
		seed: args.seed,
		batch_tokens: args.batch_tokens,
		lr: args.lr,
		checkpoint_every: args.checkpoint_every,
		steps: args.steps,
	};
	let config = recipe.config(&shape)?;
	let order = aiblock_worker::train::TrainOrder {
		blocks,
		datasets,
		config,
		steps: u64::from(args.steps),
	};
	let windows = chain::Windows { accept, submit, commit, reveal };
	let spec =
		run::job_spec(&order, (model, slots), args.evaluators, windows, args.allow_experimental);
	let budget = args.budget * chain::UNIT;
	let events = chain
		.submit("jobs.post_job", &runtime::transactions().jobs().post_job(spec, budget))
		.await?;
	match events.find_first::<runtime::jobs::events::JobPosted>() {
		Some(Ok(posted)) => println!(
			"job {} posted: train {} for {} steps on datasets {}",
			posted.job,
			args.block,
			args.steps,
			named.join(",")
		),
		_ => println!("job posted (no JobPosted event decoded)"),
	}
	Ok(())
}

/// A training recipe's numbers as the command line gives them (a job's or a migration's).
struct Recipe {
	seed: u64,
	batch_tokens: u32,
	lr: f32,
	checkpoint_every: u32,
	steps: u32,
}

impl Recipe {
	/// The full recipe for a model of `shape`, whose hash the chain holds.
	fn config(
		&self,
		shape: &aiblock_compute::job::Shape,
	) -> Result<aiblock_compute::job::JobConfig, WorkerError> {
		let numbers = aiblock_compute::job::JobNumbers {
			seed: self.seed,
			batch_tokens: self.batch_tokens as usize,
			// Hash the rate workers will rebuild from the chain's micro-units, or no worker
			// could reproduce the run.
			lr: run::lr_of_micros(run::lr_micros(self.lr)),
			checkpoint_every: u64::from(self.checkpoint_every),
			steps: u64::from(self.steps),
		};
		aiblock_compute::job::JobConfig::for_job(shape, &numbers).map_err(|why| {
			WorkerError::Usage(format!("--batch-tokens {}: {why}", self.batch_tokens))
		})
	}
}

/// The datasets `--dataset` names (`ID` or `ID:PARTS` each), or without any the default corpus
/// of a model of `shape`, each checked to be one a job may train on.
async fn named_datasets(
	chain: &Chain,
	at: &chain::At,
	shape: &aiblock_compute::job::Shape,
	named: &[String],
	allow_experimental: bool,
) -> Result<Vec<aiblock_worker::train::OrderData>, WorkerError> {
	use aiblock_compute::{
		genesis::{GenesisModel, GenesisTransformer},
		job::Shape,
	};
	if named.is_empty() {
		let corpus = match shape {
			Shape::Transformer(_) => GenesisTransformer::training().to_vec(),
			Shape::Byte(_) => GenesisModel::development().source.generate(1 << 16, 0).bytes,
		};
		let root = aiblock_worker::audit::commitment(&corpus).merkle_root;
		let Some(id) = chain.dataset_by_content(at, chain::H256(root.0)).await? else {
			return Err(WorkerError::Usage(format!(
				"the model's default corpus is not a dataset on this chain: name approved \
				 datasets with --dataset ID (`aiblock-worker dataset list`), or get it approved \
				 (`aiblock-worker dataset propose`; on a development chain `aiblock-worker \
				 dataset register FILE --dev --suri //Alice`). Its content is {}",
				aiblock_compute::store::cid_of(&corpus)
			)));
		};
		return Ok(vec![usable_dataset(chain, at, id, 1, allow_experimental).await?]);
	}
	let mut datasets = Vec::new();
	for text in named {
		let (id, parts) = parse_dataset(text)?;
		datasets.push(usable_dataset(chain, at, id, parts, allow_experimental).await?);
	}
	Ok(datasets)
}

/// `ID` or `ID:PARTS`.
fn parse_dataset(text: &str) -> Result<(u32, u32), WorkerError> {
	let bad = || WorkerError::Usage(format!("--dataset {text}: not ID or ID:PARTS"));
	let (id, parts) = text.split_once(':').unwrap_or((text, "1"));
	let (id, parts) =
		(id.trim().parse().map_err(|_| bad())?, parts.trim().parse().map_err(|_| bad())?);
	if parts == 0 {
		return Err(WorkerError::Usage(format!(
			"--dataset {text}: a part of the mix is at least 1"
		)));
	}
	Ok((id, parts))
}

/// Dataset `id` as a job names it, if a job may train on it.
async fn usable_dataset(
	chain: &Chain,
	at: &chain::At,
	id: u32,
	parts: u32,
	allow_experimental: bool,
) -> Result<aiblock_worker::train::OrderData, WorkerError> {
	let Some(dataset) = chain.dataset(at, id).await? else {
		return Err(WorkerError::Usage(format!("--dataset {id}: no such dataset")));
	};
	match dataset.status {
		chain::DatasetStatus::Approved { tier: chain::Tier::Experimental, .. }
			if !allow_experimental =>
		{
			Err(WorkerError::Usage(format!(
				"dataset {id} is Experimental: add --allow-experimental to train on it"
			)))
		},
		chain::DatasetStatus::Approved { .. } => {
			Ok(aiblock_worker::train::OrderData { id, cid: dataset.meta.cid.0, parts })
		},
		_ => Err(WorkerError::Usage(format!(
			"dataset {id} is not approved (`aiblock-worker dataset status {id}`)"
		))),
	}
}

async fn import_model(args: ImportModelArgs) -> Result<(), WorkerError> {
	use aiblock_compute::genesis::{transformer_model, ModelVersion};
	let usage = |what: &std::path::Path, e: &dyn std::fmt::Display| {
		WorkerError::Usage(format!("{}: {e}", what.display()))
	};
	if args.name.is_empty() || args.name.len() > 32 {
		return Err(WorkerError::Usage(format!("--name {:?}: 1 to 32 bytes", args.name)));
	}
	let weights = aiblock_compute::transformer::files::load(&args.model)
		.map_err(|e| usage(&args.model, &e))?;
	let text = std::fs::read(&args.validation).map_err(|e| usage(&args.validation, &e))?;
	let validation = if args.split {
		aiblock_compute::transformer::train::split(&text).1.to_vec()
	} else {
		text
	};
	let store = open_store(&args.chain.store)?;
	let chain = connect(&args.chain).await?;
	let at = chain.finalized().await?;
	let (latest, previous) = chain.latest_model(&at).await?;
	let version = ModelVersion {
		name: args.name,
		version: (previous.version.major + 1, 0, 0),
		generation: previous.generation,
		delta: args.delta,
	};
	let selected =
		select::select(args.backend, Cpu::auto()).map_err(|e| WorkerError::Usage(e.to_string()))?;
	eprintln!(
		"scoring {} on {} validation bytes ({})",
		args.model.display(),
		validation.len(),
		selected.backend.name()
	);
	let model = transformer_model(&version, &weights, validation, selected.backend.as_ref())
		.map_err(WorkerError::from)?;
	let imported = match aiblock_worker::import::import(&chain, &store, &model).await? {
		ImportOutcome::Imported(imported) => imported,
		ImportOutcome::Proposed(motion) => {
			println!(
				"import of {} (validation loss {} micro-nats/token): {motion}",
				version.name, model.score
			);
			return Ok(());
		},
	};
	let (major, ..) = version.version;
	println!(
		"model {} ({} {major}.0.0, after model {latest}) imported: {} blocks, validation loss {} \
		 micro-nats/token",
		imported.model, version.name, imported.blocks, model.score
	);
	Ok(())
}

async fn status(args: ChainArgs) -> Result<(), WorkerError> {
	let chain = connect(&args).await?;
	let at = chain.finalized().await?;
	let me = chain.account();
	println!("account     {me}");
	println!("finalized   #{}", at.block_number());
	println!("free        {} AIB", chain.free_balance(&at, &me).await? / chain::UNIT);
	println!("bonded      {} AIB", chain.active_stake(&at, &me).await? / chain::UNIT);
	let (free, locked) = chain.credits(&at, &me).await?;
	println!("credits     {free} PoL credits free, {locked} locked (non-transferable)");
	match chain.worker(&at, &me).await? {
		Some(w) => println!(
			"worker      trainer={} evaluator={} online={} last heartbeat #{}",
			w.roles.trainer, w.roles.evaluator, w.online, w.last_heartbeat
		),
		None => println!("worker      not registered"),
	}
	for (id, job) in chain.jobs(&at).await? {
		let role = match &job.stage {
			Stage::Open { .. } => "open".to_string(),
			Stage::Training { trainer, .. } if trainer == &me => "training (mine)".into(),
			Stage::Training { .. } => "training".into(),
			Stage::Evaluating(ev) if ev.panel.0.iter().any(|s| s.evaluator == me) => {
				"evaluating (on my panel)".into()
			},
			Stage::Evaluating(_) => "evaluating".into(),
		};
		let poster = if job.poster == me { ", posted by me" } else { "" };
		println!("job {id:<7} {role}{poster}, reward {} AIB", job.reward / chain::UNIT);
	}
	let (model, _) = chain.latest_model(&at).await?;
	for (kind, id, record) in chain.current_blocks(&at, model).await? {
		let Some(block) = run::block_id(&kind) else { continue };
		let score = record
			.score
			.map(|s| format!("{:.6} nats/token", f64::from(s) / 1e6))
			.unwrap_or_default();
		let author = record.header.author.map(|a| format!(", by {a}")).unwrap_or_default();
		println!("model {model}     {:<16} {id:?} {score}{author}", block.name());
	}
	if let Ok(state) = aiblock_worker::state::State::open(&args.store.data_dir) {
		println!(
			"earned      {}.{:06} AIB from jobs (counted by the worker to #{})",
			state.earned / chain::UNIT,
			state.earned % chain::UNIT / 1_000_000,
			state.counted_to
		);
		println!(
			"in flight   {} trained, {} attested (state file)",
			state.trained.len(),
			state.attested.len()
		);
	}
	Ok(())
}

/// A client that only reads: without a key, a throwaway development one (it signs nothing)
/// satisfies the client.
async fn connect_to_read(args: &ChainArgs) -> Result<Chain, WorkerError> {
	let suri = args.suri.clone().or_else(|| args.key.is_none().then(|| "//Reader".to_string()));
	let dev = args.dev || args.suri.is_none();
	connect(&ChainArgs { suri, dev, ..args.clone() }).await
}

async fn fetch_model(args: FetchModelArgs) -> Result<(), WorkerError> {
	let store = open_store(&args.chain.store)?;
	let chain = connect_to_read(&args.chain).await?;
	let at = chain.finalized().await?;
	let index = match args.model {
		Some(index) => index,
		None => chain.latest_model(&at).await?.0,
	};
	let model = run::model_at(&chain, &at, index).await?;
	let aiblock_compute::job::Model::Transformer(weights) = model.weights(&store)? else {
		return Err(WorkerError::Usage(format!(
			"model {index} is a byte model: only transformers have a model folder"
		)));
	};
	aiblock_compute::transformer::files::save(&args.out, &weights)
		.map_err(|e| WorkerError::Usage(format!("{}: {e}", args.out.display())))?;
	let mut provenance = Vec::new();
	for (kind, id, record) in chain.current_blocks(&at, index).await? {
		let Some(block) = run::block_id(&kind) else { continue };
		let author = record.header.author.map(|a| a.to_string());
		println!(
			"{:<18} {id:?} score {} by {}",
			block.name(),
			record.score.map_or("-".into(), |s| format!("{:.6}", f64::from(s) / 1e6)),
			author.as_deref().unwrap_or("genesis")
		);
		provenance.push(serde_json::json!({
			"block": block.name(), "id": format!("{id:?}"), "author": author, "score": record.score,
		}));
	}
	let listing = serde_json::json!({
		"model": index, "finalized": at.block_number(), "blocks": provenance,
	});
	let path = args.out.join("blocks.json");
	std::fs::write(&path, serde_json::to_string_pretty(&listing).unwrap_or_default())
		.map_err(|e| WorkerError::Usage(format!("{}: {e}", path.display())))?;
	println!("model {index} at block #{} written to {}", at.block_number(), args.out.display());
	Ok(())
}

async fn verify_job(args: VerifyArgs) -> Result<bool, WorkerError> {
	let store = Arc::new(open_store(&args.chain.store)?);
	let chain = connect_to_read(&args.chain).await?;
	let at = chain.finalized().await?;
	let job = chain.job(&at, args.job).await?.ok_or_else(|| {
		WorkerError::Usage(format!(
			"job {} is not on chain (never posted, or already settled)",
			args.job
		))
	})?;
	let Stage::Evaluating(ev) = &job.stage else {
		return Err(WorkerError::Usage(format!(
			"job {} has no submission under evaluation yet",
			args.job
		)));
	};
	let selected =
		select::select(args.backend, Cpu::auto()).map_err(|e| WorkerError::Usage(e.to_string()))?;
	log::info!("replaying on {}", selected.note);
	let backend = selected.backend;
	let segments = (1..=run::segment_count(&job)).collect();
	let subject = run::Subject { id: args.job, job: &job, ev };
	let verdict = run::check_submission(&chain, &at, &store, &backend, subject, segments).await?;
	// A sealed claim is not known yet: only the replay and the score can be checked.
	let gap =
		run::revealed_claim(&ev.submission.claim).map(|claimed| verdict.score.abs_diff(claimed));
	match gap {
		Some(gap) => println!(
			"job {}: claimed {}, computed {} (difference {gap})",
			args.job,
			run::claim_text(&ev.submission.claim),
			verdict.score
		),
		None => println!(
			"job {}: claim {}, computed {}",
			args.job,
			run::claim_text(&ev.submission.claim),
			verdict.score
		),
	}
	println!(
		"replay: {} ({})",
		if verdict.replay_ok { "reproduced" } else { "FAILED" },
		verdict.detail
	);
	Ok(verdict.replay_ok && gap.is_none_or(|gap| gap <= 1_000))
}

async fn run_worker(args: RunArgs) -> Result<(), WorkerError> {
	let trainer = args.roles.iter().any(|r| r == "trainer");
	let evaluator = args.roles.iter().any(|r| r == "evaluator");
	let auditor = args.roles.iter().any(|r| r == "auditor");
	let server = args.roles.iter().any(|r| r == "server");
	if let Some(bad) = args
		.roles
		.iter()
		.find(|r| !["trainer", "evaluator", "auditor", "server"].contains(&r.as_str()))
	{
		return Err(WorkerError::Usage(format!(
			"--roles: unknown role '{bad}' (trainer, evaluator, auditor, server)"
		)));
	}
	let mut cpu = Cpu::auto();
	if let Some(threads) = args.threads {
		cpu.threads = threads.max(1);
	}
	let selected =
		select::select(args.backend, cpu).map_err(|e| WorkerError::Usage(e.to_string()))?;
	aiblock_compute::keep_freed_memory();
	let store = Arc::new(open_store(&args.chain.store)?);
	let chain = connect(&args.chain).await?;
	log::info!(
		"worker {} on {} with {} and {}",
		chain.account(),
		chain.url,
		selected.note,
		store.describe()
	);
	let (gpu_model, vram_gib) = selected.gpu.clone().unwrap_or_default();
	let cfg = RunConfig {
		trainer,
		evaluator,
		auditor,
		data_dir: args.chain.store.data_dir.clone(),
		bond: args.bond.map(|b| b * chain::UNIT),
		vram_gib,
		gpu_model,
		endpoint: args.endpoint.clone(),
		heartbeat_every: args.heartbeat_every,
		lie_about_score: lies_about_score(&args),
		max_blocks: args.max_blocks,
		budget: feasibility::Budget {
			memory: match args.max_memory {
				Some(gib) if gib > 0.0 => (gib * (1u64 << 30) as f64) as u64,
				Some(_) => return Err(WorkerError::Usage("--max-memory must be positive".into())),
				None => machine_memory() / 2,
			},
			seconds: args.max_job_seconds,
		},
		epoch_bid: args.epoch_bid,
	};
	let counters = Arc::new(Counters::default());
	if args.prometheus_port != 0 {
		aiblock_worker::metrics::serve(
			args.prometheus_port,
			args.prometheus_external,
			counters.clone(),
			chain.account().to_string(),
		)
		.await
		.map_err(|e| {
			WorkerError::Usage(format!("--prometheus-port {}: {e}", args.prometheus_port))
		})?;
	}
	let stop = Arc::new(AtomicBool::new(false));
	if server {
		serving::start(&args.chain, &args.serve, &selected, stop.clone()).await?;
	}
	let signal_stop = stop.clone();
	tokio::spawn(async move {
		until_signal().await;
		log::info!("signal received: finishing the current step, then stopping");
		signal_stop.store(true, std::sync::atomic::Ordering::Relaxed);
	});
	run::run(chain, store, selected.backend, cfg, counters, stop).await
}

/// Wait for SIGINT or SIGTERM.
async fn until_signal() {
	let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
	tokio::select! {
		_ = tokio::signal::ctrl_c() => {},
		_ = async { match term.as_mut() { Some(t) => { t.recv().await; }, None => std::future::pending().await } } => {},
	}
}

/// Log lines on stderr: `<seconds since start> <LEVEL> <message>`, or with
/// `AIBLOCK_LOG_FORMAT=json` one JSON object per line (`ts` Unix seconds, `level`, `target`,
/// `msg`) for log collectors. `AIBLOCK_DEBUG=1` adds debug lines.
struct Logger {
	started: std::time::Instant,
	json: bool,
	debug: bool,
}

impl log::Log for Logger {
	fn enabled(&self, meta: &log::Metadata) -> bool {
		meta.level() <= log::Level::Info || self.debug
	}
	fn log(&self, record: &log::Record) {
		if !self.enabled(record.metadata()) || !record.target().starts_with("aiblock") {
			return;
		}
		if self.json {
			let ts = std::time::SystemTime::now()
				.duration_since(std::time::UNIX_EPOCH)
				.map(|d| d.as_secs_f64())
				.unwrap_or_default();
			let line = serde_json::json!({
				"ts": ts,
				"level": record.level().as_str(),
				"target": record.target(),
				"msg": record.args().to_string(),
			});
			eprintln!("{line}");
		} else {
			eprintln!(
				"{:>9.3} {:<5} {}",
				self.started.elapsed().as_secs_f64(),
				record.level(),
				record.args()
			);
		}
	}
	fn flush(&self) {}
}

#[cfg(feature = "adversary")]
fn lies_about_score(args: &RunArgs) -> bool {
	args.lie_about_score
}

#[cfg(not(feature = "adversary"))]
fn lies_about_score(_: &RunArgs) -> bool {
	false
}

/// This machine's physical memory in bytes (`MemTotal` of /proc/meminfo; 8 GiB where that
/// cannot be read).
fn machine_memory() -> u64 {
	std::fs::read_to_string("/proc/meminfo")
		.ok()
		.and_then(|text| {
			let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
			let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
			Some(kib * 1024)
		})
		.unwrap_or(8 << 30)
}

fn main() -> ExitCode {
	let logger = Box::leak(Box::new(Logger {
		started: std::time::Instant::now(),
		json: std::env::var("AIBLOCK_LOG_FORMAT").is_ok_and(|f| f == "json"),
		debug: std::env::var_os("AIBLOCK_DEBUG").is_some(),
	}));
	let _ = log::set_logger(logger).map(|()| log::set_max_level(log::LevelFilter::Debug));
	let cli = Cli::parse();
	// Exit codes: 0 done (or the claim holds), 1 a verified claim does not hold, 2 an error.
	let result = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
		Ok(rt) => rt.block_on(async {
			match cli.command {
				Command::Run(args) => run_worker(args).await.map(|()| true),
				Command::InitModel(args) => init_model(args).map(|()| true),
				Command::PostJob(args) => post_job(args).await.map(|()| true),
				Command::Status(args) => status(args).await.map(|()| true),
				Command::Verify(args) => verify_job(args).await,
				Command::ImportModel(args) => import_model(args).await.map(|()| true),
				Command::FetchModel(args) => fetch_model(args).await.map(|()| true),
				Command::Serve(args) => serving::serve(args).await.map(|()| true),
				Command::ReplayAnswer(args) => serving::replay_answer(args).await,
				Command::Ask(args) => asking::ask(args).await.map(|()| true),
				Command::Proxy(args) => proxying::proxy(args).await.map(|()| true),
				Command::Dataset(command) => datasets::dataset(command).await,
				Command::Epoch(command) => epochs::epoch(command).await.map(|()| true),
			}
		}),
		Err(e) => Err(WorkerError::Usage(format!("cannot start the async runtime: {e}"))),
	};
	match result {
		Ok(true) => ExitCode::SUCCESS,
		Ok(false) => ExitCode::from(1),
		Err(e) => {
			eprintln!("error: {e}");
			ExitCode::from(2)
		},
	}
}
