//! The worker's life: make sure it is bonded and registered, then for every finalized block
//! look at the jobs on chain and do what its roles call for: accept and train open jobs,
//! submit results, commit and reveal attestations for the panels it was drawn on.
//!
//! Decisions are made from finalized state plus the state file, so a restarted worker picks up
//! where it stopped: a trained candidate is submitted rather than trained again, a commitment
//! is revealed with the salt it was made with.

use crate::{
	chain::{self, runtime, At, BlockKind, Chain, Claim, Job, Stage, H256},
	feasibility,
	state::{Attested, Owner, State, Trained},
	store::{ModelAt, Pointer, Store},
	train::{train_while, OrderData, TrainOrder},
	verify::{verify, Submission},
	work::{Finished, InFlight, Kind, Outcome},
	WorkerError,
};
use aiblock_compute::{
	backend::Backend,
	job::{JobConfig, JobNumbers, Shape},
	model::{Architecture, BlockId, ModelSpec},
	transformer::TransformerSpec,
};
use std::{
	path::PathBuf,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};

/// How the operator configured this worker.
#[derive(Clone, Debug)]
pub struct RunConfig {
	pub trainer: bool,
	pub evaluator: bool,
	/// Registered as auditor: audits the datasets ([`crate::auditing`]) and the inference
	/// market's claims ([`crate::market::audit`]) it is drawn for.
	pub auditor: bool,
	pub data_dir: PathBuf,
	/// Stake to bond when the account has less than the registration minimum (None: only
	/// tell the operator).
	pub bond: Option<u128>,
	pub vram_gib: u32,
	pub gpu_model: String,
	/// Where others reach this worker (a multiaddr or URL; informational on chain).
	pub endpoint: String,
	/// Blocks between heartbeats (the runtime's timeout is 10 minutes).
	pub heartbeat_every: u64,
	/// TEST ONLY: claim a score better than the one computed, to exercise slashing.
	pub lie_about_score: bool,
	/// Stop after this many finalized blocks (0: run until a signal).
	pub max_blocks: u64,
	/// What one job may take of this machine.
	pub budget: feasibility::Budget,
	/// PoL credits to bid for an evolution epoch's training (0: never bid). Needs the
	/// trainer role.
	pub epoch_bid: u64,
}

/// The newest model version this worker can train (and so the chain takes jobs on), if any.
pub async fn newest_trainable_model(chain: &Chain, at: &At) -> Result<Option<u32>, WorkerError> {
	let (latest, _) = chain.latest_model(at).await?;
	for model in (0..=latest).rev() {
		if trainable(&chain.model(at, model).await?).is_ok() {
			return Ok(Some(model));
		}
	}
	Ok(None)
}

/// The compute-core block of a chain slot (the meta block has none).
pub fn block_id(kind: &BlockKind) -> Option<BlockId> {
	match kind {
		BlockKind::Meta | BlockKind::Migration => None,
		BlockKind::Shared => Some(BlockId::Shared),
		BlockKind::Attention { layer } => Some(BlockId::Attention { layer: u32::from(*layer) }),
		BlockKind::Router { layer } => Some(BlockId::Router { layer: u32::from(*layer) }),
		BlockKind::Expert { layer, expert } => {
			Some(BlockId::Expert { layer: u32::from(*layer), expert: u32::from(*expert) })
		},
	}
}

/// The chain slot of a compute-core block: the inverse of [`block_id`] (none for a layer or
/// expert index above the chain's `u16`).
pub fn chain_kind(block: BlockId) -> Option<BlockKind> {
	let narrow = |v: u32| u16::try_from(v).ok();
	Some(match block {
		BlockId::Shared => BlockKind::Shared,
		BlockId::Attention { layer } => BlockKind::Attention { layer: narrow(layer)? },
		BlockId::Router { layer } => BlockKind::Router { layer: narrow(layer)? },
		BlockId::Expert { layer, expert } => {
			BlockKind::Expert { layer: narrow(layer)?, expert: narrow(expert)? }
		},
	})
}

pub fn pointer(p: &chain::Payload) -> Pointer {
	Pointer { cid: p.cid.0.clone(), hash: p.hash.0, size: p.size }
}

/// The model `index` as the chain has it at `at`.
pub async fn model_at(chain: &Chain, at: &At, index: u32) -> Result<ModelAt, WorkerError> {
	let spec = chain.model(at, index).await?;
	let shape =
		shape_of(&spec).map_err(|why| WorkerError::Compute(format!("model {index}: {why}")))?;
	let revision = chain.model_revision(at, index).await?;
	let blocks = chain
		.current_blocks(at, index)
		.await?
		.into_iter()
		.filter_map(|(kind, _, record)| {
			block_id(&kind).map(|b| (b, pointer(&record.header.payload)))
		})
		.collect();
	Ok(ModelAt { spec: shape, validation: spec.validation_dataset.0, blocks, revision })
}

/// The shape of a model of `spec` if this worker can train and replay it, or why not: the
/// byte model (its tag, byte tokens, no attention) or the transformer (its tag, byte tokens,
/// attention). The runtime's `Jobs::Trainable` lists the same models, so a job on any other
/// is refused before an evaluator could be drawn for it.
pub fn shape_of(spec: &chain::ModelSpec) -> Result<Shape, String> {
	let architecture = String::from_utf8_lossy(&spec.architecture.0).into_owned();
	let bytes = matches!(spec.tokenizer, chain::Tokenizer::Bytes)
		&& spec.vocab as usize == aiblock_compute::model::VOCAB;
	if !bytes {
		return Err(format!("a '{architecture}' model on other tokens than bytes"));
	}
	let shape = match (architecture.as_str(), &spec.attention) {
		(ModelSpec::TAG, None) => Shape::Byte(ModelSpec {
			context: usize::from(spec.context),
			d_model: spec.d_model as usize,
			d_ff: spec.d_ff as usize,
			layers: usize::from(spec.layers),
			experts: usize::from(spec.experts),
			top_k: usize::from(spec.top_k),
		}),
		(TransformerSpec::TAG, Some(attention)) => Shape::Transformer(TransformerSpec {
			vocab: spec.vocab as usize,
			d_model: spec.d_model as usize,
			layers: usize::from(spec.layers),
			heads: usize::from(attention.heads),
			kv_heads: usize::from(attention.kv_heads),
			head_dim: attention.head_dim as usize,
			d_ff: spec.d_ff as usize,
			experts: usize::from(spec.experts),
			top_k: usize::from(spec.top_k),
			context: usize::from(spec.context),
			rope_theta: attention.rope_theta as f32,
			// The chain holds the epsilon in 10⁻¹² units; the importer refused any value
			// this division does not give back exactly.
			norm_eps: (f64::from(attention.norm_eps_pico) / 1e12) as f32,
		}),
		(ModelSpec::TAG | TransformerSpec::TAG, _) => {
			return Err(format!(
				"a '{architecture}' spec with attention where it has none, or none where it has"
			));
		},
		_ => {
			return Err(format!(
				"architecture '{architecture}'; this worker implements '{}' and '{}'",
				ModelSpec::TAG,
				TransformerSpec::TAG
			))
		},
	};
	shape.validate().map_err(|e| e.to_string())?;
	Ok(shape)
}

/// The longest transformer context the runtime's `Jobs::Trainable` takes jobs on.
pub const MAX_JOB_CONTEXT: usize = 1024;

/// Whether this worker can train and replay a model of `spec` in a job, or why not: a shape
/// it knows ([`shape_of`]) within the runtime's `Jobs::Trainable` rule (a transformer's
/// context at most [`MAX_JOB_CONTEXT`]).
pub fn trainable(spec: &chain::ModelSpec) -> Result<(), String> {
	match shape_of(spec)? {
		Shape::Transformer(t) if t.context > MAX_JOB_CONTEXT => Err(format!(
			"a context of {} tokens; jobs take transformers of at most {MAX_JOB_CONTEXT}",
			t.context
		)),
		_ => Ok(()),
	}
}

/// A learning rate as the chain holds it: whole millionths.
pub fn lr_micros(lr: f32) -> u32 {
	(lr * 1e6).round() as u32
}

/// The learning rate of `micros` millionths, as every worker computes it from the chain (the
/// rate a job's hash covers, so posters hash exactly this).
pub fn lr_of_micros(micros: u32) -> f32 {
	micros as f32 / 1e6
}

/// The few numbers of a job as the compute core takes them.
pub fn job_numbers(job: &Job) -> JobNumbers {
	let hyper = &job.spec.hyper;
	JobNumbers {
		seed: hyper.seed,
		batch_tokens: hyper.batch_size as usize,
		lr: lr_of_micros(hyper.learning_rate_micros),
		checkpoint_every: u64::from(hyper.checkpoint_every),
		steps: u64::from(job.spec.steps),
	}
}

/// The blocks of a job's slots, in its order.
pub fn job_blocks(job: &Job) -> Result<Vec<BlockId>, String> {
	let blocks = job.spec.slots.0.iter().map(|slot| block_id(&slot.kind));
	blocks.collect::<Option<Vec<_>>>().ok_or_else(|| "the meta block is not trained".into())
}

/// The training run a job asks for on a model of `shape`, or why this worker cannot do it.
pub fn order_of(job: &Job, shape: &Shape) -> Result<TrainOrder, String> {
	let spec = &job.spec;
	let blocks = job_blocks(job)?;
	if matches!(shape, Shape::Byte(_)) && blocks.len() != 1 {
		return Err(format!("the byte model trains one block per job, not {}", blocks.len()));
	}
	let config = JobConfig::for_job(shape, &job_numbers(job)).map_err(|e| e.to_string())?;
	if config.hash() != spec.hyper.hash.0 {
		return Err("its hyper-parameter hash is not one this worker knows how to reproduce".into());
	}
	Ok(TrainOrder {
		blocks,
		datasets: spec
			.datasets
			.0
			.iter()
			.map(|d| OrderData { id: d.id, cid: d.cid.0.clone(), parts: d.parts })
			.collect(),
		config,
		steps: u64::from(spec.steps),
	})
}

/// The spec of a job asking for `order` on `slots` of model `model` (each slot's kind and
/// current block, in the order's order): the inverse of [`order_of`].
pub fn job_spec(
	order: &TrainOrder,
	(model, slots): (u32, Vec<chain::JobSlot>),
	evaluators: u32,
	windows: chain::Windows,
	allow_experimental: bool,
) -> chain::JobSpec {
	use runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec;
	let config = &order.config;
	chain::JobSpec {
		model,
		slots: BoundedVec(slots),
		datasets: chain_datasets(&order.datasets),
		allow_experimental,
		hyper: chain_hyper(config),
		steps: order.steps as u32,
		trainers: 1,
		evaluators,
		min_vram_gib: 0,
		windows,
	}
}

/// Datasets as the chain's jobs and migrations name them.
pub fn chain_datasets(
	datasets: &[OrderData],
) -> runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec<chain::JobDataset> {
	use runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec;
	BoundedVec(
		datasets
			.iter()
			.map(|d| chain::JobDataset { id: d.id, cid: BoundedVec(d.cid.clone()), parts: d.parts })
			.collect(),
	)
}

/// A recipe's numbers as the chain holds them, with the hash of the whole recipe.
pub fn chain_hyper(config: &JobConfig) -> chain::HyperParams {
	chain::HyperParams {
		hash: H256(config.hash()),
		learning_rate_micros: lr_micros(config.lr()),
		batch_size: config.batch_tokens() as u32,
		seed: config.seed(),
		checkpoint_every: config.checkpoint_every() as u32,
	}
}

/// Bond what the account lacks of the registration minimum (after a slash), when the operator
/// allowed bonding (`--bond`); otherwise say what to do.
async fn top_up(chain: &Chain, cfg: &RunConfig) -> Result<(), WorkerError> {
	let at = chain.finalized().await?;
	let me = chain.account();
	let (min, active) = (chain.min_worker_bond(&at)?, chain.active_stake(&at, &me).await?);
	if active >= min {
		return Ok(());
	}
	let missing = min - active;
	if cfg.bond.is_none() {
		return Err(WorkerError::Usage(format!(
			"{me} has {} AIB bonded, under the {} AIB minimum: it gets no work until it bonds \
			 {} AIB more (stake.bond, or restart with --bond)",
			active / chain::UNIT,
			min / chain::UNIT,
			missing.div_ceil(chain::UNIT)
		)));
	}
	if chain.free_balance(&at, &me).await? < missing {
		return Err(WorkerError::Usage(format!(
			"{me} needs {} AIB more bonded and has not that much free: fund the account",
			missing.div_ceil(chain::UNIT)
		)));
	}
	chain.submit("stake.bond", &runtime::transactions().stake().bond(missing)).await?;
	log::info!(
		"bonded {} AIB more, back to the {} AIB minimum",
		missing / chain::UNIT,
		min / chain::UNIT
	);
	Ok(())
}

/// Make sure the account is bonded and registered with the wanted roles.
pub async fn ensure_registered(chain: &Chain, cfg: &RunConfig) -> Result<(), WorkerError> {
	let at = chain.finalized().await?;
	let me = chain.account();
	let roles =
		chain::Roles { trainer: cfg.trainer, evaluator: cfg.evaluator, auditor: cfg.auditor };
	// The chain keeps at most 64 bytes of the model name (the runtime's `MaxGpuModelLen`).
	let mut gpu_model = cfg.gpu_model.clone();
	while gpu_model.len() > 64 {
		gpu_model.pop();
	}
	let capabilities = chain::WorkerCapabilities {
		gpu_model: runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(
			gpu_model.into_bytes(),
		),
		spec: chain::ComputeSpec {
			vram_gib: cfg.vram_gib,
			gpu_count: u32::from(cfg.vram_gib > 0),
			cpu_cores: std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(1),
		},
	};
	let endpoint = runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(
		cfg.endpoint.as_bytes().to_vec(),
	);
	if let Some(info) = chain.worker(&at, &me).await? {
		if info.roles != roles || info.capabilities != capabilities || info.endpoint != endpoint {
			let call =
				runtime::transactions().workers().update_worker(capabilities, roles, endpoint);
			chain.submit("workers.update_worker", &call).await?;
			log::info!("updated the registration of {me} to this run's roles and capabilities");
		}
		return Ok(());
	}
	let min = chain.min_worker_bond(&at)?;
	let active = chain.active_stake(&at, &me).await?;
	if active < min {
		let Some(amount) = cfg.bond else {
			return Err(WorkerError::Usage(format!(
				"{me} has {} AIB bonded; registering needs {} AIB: rerun with --bond {} (or bond \
				 from Polkadot.js: stake.bond)",
				active / chain::UNIT,
				min / chain::UNIT,
				(min - active).div_ceil(chain::UNIT)
			)));
		};
		let free = chain.free_balance(&at, &me).await?;
		if free < amount {
			return Err(WorkerError::Usage(format!(
				"{me} has {} AIB free, cannot bond {} AIB: fund the account first",
				free / chain::UNIT,
				amount / chain::UNIT
			)));
		}
		chain.submit("stake.bond", &runtime::transactions().stake().bond(amount)).await?;
	}
	chain
		.submit(
			"workers.register_worker",
			&runtime::transactions().workers().register_worker(capabilities, roles, endpoint),
		)
		.await?;
	log::info!(
		"registered {me} (trainer: {}, evaluator: {}, auditor: {})",
		cfg.trainer,
		cfg.evaluator,
		cfg.auditor
	);
	Ok(())
}

/// Counters the metrics endpoint serves.
#[derive(Default)]
pub struct Counters {
	pub jobs_accepted: std::sync::atomic::AtomicU64,
	pub results_submitted: std::sync::atomic::AtomicU64,
	pub claims_revealed: std::sync::atomic::AtomicU64,
	pub attestations_committed: std::sync::atomic::AtomicU64,
	pub attestations_revealed: std::sync::atomic::AtomicU64,
	pub replays_failed: std::sync::atomic::AtomicU64,
	pub training_steps: std::sync::atomic::AtomicU64,
	pub finalized_block: std::sync::atomic::AtomicU64,
	/// What the Jobs pallet paid this worker, in the chain's smallest unit.
	pub earned: std::sync::atomic::AtomicU64,
}

/// What every piece of the worker's work needs; cheap to clone into background work.
#[derive(Clone)]
pub struct Worker {
	pub chain: Chain,
	pub store: Arc<Store>,
	pub backend: Arc<dyn Backend + Send + Sync>,
	pub cfg: Arc<RunConfig>,
	pub counters: Arc<Counters>,
}

/// The main loop. Returns when `stop` is set (a signal) or after `cfg.max_blocks` blocks.
///
/// Each finalized block: collect finished background work, heartbeat when due, then look at
/// every job and act on the first one that calls for a transaction (the chain is read again
/// before anything else is decided). Slow work (vetting, training, evaluating) runs in the
/// background ([`crate::work`]), so one job never holds up another's commit or reveal.
pub async fn run(
	chain: Chain,
	store: Arc<Store>,
	backend: Arc<dyn Backend + Send + Sync>,
	cfg: RunConfig,
	counters: Arc<Counters>,
	stop: Arc<AtomicBool>,
) -> Result<(), WorkerError> {
	ensure_registered(&chain, &cfg).await?;
	let me = chain.account();
	let owner = Owner { genesis: chain.api.genesis_hash().0, account: me.0 };
	let mut state = State::open_for(&cfg.data_dir, owner)?;
	let w = Worker { chain, store, backend, cfg: Arc::new(cfg), counters };
	// Registration counts as a heartbeat; a worker registered long ago beats at once.
	let mut last_heartbeat = {
		let at = w.chain.finalized().await?;
		w.chain.worker(&at, &me).await?.map(|w| u64::from(w.last_heartbeat)).unwrap_or(0)
	};
	let mut work = InFlight::default();
	let mut audits = crate::auditing::Audits::default();
	let mut claim_audits = crate::market::audit::ClaimAudits::default();
	let outcome = follow(
		&w,
		&mut state,
		(&mut work, &mut audits, &mut claim_audits),
		&mut last_heartbeat,
		&stop,
	)
	.await;
	work.stop_all();
	log::info!("stopping: state saved in {}", w.cfg.data_dir.display());
	outcome
}

/// The loop of [`run`], until `stop` or `max_blocks`.
async fn follow(
	w: &Worker,
	state: &mut State,
	(work, audits, claim_audits): (
		&mut InFlight,
		&mut crate::auditing::Audits,
		&mut crate::market::audit::ClaimAudits,
	),
	last_heartbeat: &mut u64,
	stop: &AtomicBool,
) -> Result<(), WorkerError> {
	let me = w.chain.account();
	let (mut seen, mut last_number) = (0u64, 0u64);
	while !stop.load(Ordering::Relaxed) {
		let at = match w.chain.finalized().await {
			Ok(at) => at,
			Err(e) => {
				pause_after(&e).await;
				continue;
			},
		};
		let number = at.block_number();
		if number == last_number {
			tokio::time::sleep(Duration::from_millis(500)).await;
			continue;
		}
		last_number = number;
		seen += 1;
		w.counters.finalized_block.store(number, Ordering::Relaxed);
		for done in work.collect(number).await {
			absorb(w, state, done)?;
		}
		if let Err(e) = count_earnings(&w.chain, &me, state, number, &w.counters).await {
			log::warn!("counting payments: {e}");
		}
		if w.cfg.max_blocks > 0 && seen > w.cfg.max_blocks {
			break;
		}
		if number >= *last_heartbeat + w.cfg.heartbeat_every {
			let heartbeat = runtime::transactions().workers().heartbeat();
			match w.chain.submit("workers.heartbeat", &heartbeat).await {
				Ok(_) => *last_heartbeat = number,
				// Refused (a slash left the bond below the minimum): top up if the operator
				// allowed it, and try again at the next interval rather than every few seconds.
				Err(WorkerError::Refused(why)) => {
					log::warn!("heartbeat refused: {why}");
					if why.contains("InsufficientBond") {
						if let Err(e) = top_up(&w.chain, &w.cfg).await {
							log::error!("{e}");
						}
					}
					*last_heartbeat = number;
				},
				Err(e) if recoverable(&e) => pause_after(&e).await,
				Err(e) => return Err(e),
			}
			continue; // the heartbeat took blocks: act on fresh state
		}
		let jobs = match w.chain.jobs(&at).await {
			Ok(jobs) => jobs,
			Err(e) => {
				pause_after(&e).await;
				continue;
			},
		};
		if state.retain(|id| jobs.iter().any(|(j, _)| *j == id)) {
			state.save()?;
		}
		let mut acted = false;
		for (id, job) in &jobs {
			if stop.load(Ordering::Relaxed) {
				break;
			}
			match step(w, &at, state, work, *id, job, number).await {
				Ok(true) => {
					acted = true;
					break; // acted: re-read the chain before deciding anything else
				},
				Ok(false) => {},
				// One job's trouble (a refused transaction, its files) is that job's: the
				// others are still looked at. Only a node that does not answer stops the round.
				Err(e) if recoverable(&e) => {
					log::warn!("job {id}: {e}");
					if matches!(e, WorkerError::Node(_)) {
						pause_after(&e).await;
						break;
					}
				},
				Err(e) => return Err(e),
			}
		}
		// Jobs first (their deadlines slash); then the evolution epoch, then a dataset's
		// audit, then a claim's, each when nothing before it called for a transaction this
		// block.
		if !acted && !stop.load(Ordering::Relaxed) {
			match crate::evolve::step(w, &at, state, work, number).await {
				Ok(sent) => acted = sent,
				Err(e) if recoverable(&e) => log::warn!("evolution epoch: {e}"),
				Err(e) => return Err(e),
			}
		}
		if w.cfg.auditor && !acted && !stop.load(Ordering::Relaxed) {
			let auditor =
				crate::auditing::Auditor { chain: &w.chain, store: &w.store, backend: &w.backend };
			match auditor.step(&at, state, audits).await {
				Ok(sent) => acted = sent,
				Err(e) if recoverable(&e) => log::warn!("auditing: {e}"),
				Err(e) => return Err(e),
			}
		}
		if w.cfg.auditor && !acted && !stop.load(Ordering::Relaxed) {
			let auditor = crate::market::audit::ClaimAuditor {
				chain: &w.chain,
				store: &w.store,
				backend: &w.backend,
			};
			match auditor.step(&at, state, claim_audits).await {
				Ok(_) => {},
				Err(e) if recoverable(&e) => log::warn!("auditing claims: {e}"),
				Err(e) => return Err(e),
			}
		}
	}
	Ok(())
}

/// Take in what background work produced.
fn absorb(w: &Worker, state: &mut State, done: Finished) -> Result<(), WorkerError> {
	let Finished { job, kind, deadline, result } = done;
	match result {
		Ok(Outcome::Vetted(Ok(()))) => {
			state.vetted.insert((job, deadline));
		},
		Ok(Outcome::Vetted(Err(why))) => {
			log::info!("job {job}: declined: {why}");
			state.declined.insert((job, deadline));
		},
		Ok(Outcome::Trained { trained, speed }) => {
			log::info!("job {job}: candidate published (claimed score {})", trained.claimed);
			state.train_speed = speed.or(state.train_speed);
			state.trained.insert(job, trained);
			state.save()?;
		},
		Ok(outcome @ (Outcome::Migrated(_) | Outcome::Benchmarked(_))) => {
			crate::evolve::absorb(state, outcome)?;
		},
		Ok(Outcome::Evaluated(attested)) => {
			if !attested.replay_ok {
				w.counters.replays_failed.fetch_add(1, Ordering::Relaxed);
			}
			state.attested.insert(job, attested);
			state.save()?;
		},
		Err(e) if recoverable(&e) => {
			log::warn!("job {job}: {kind} failed: {e}; trying again on a later block")
		},
		Err(e) => return Err(e),
	}
	Ok(())
}

/// Add what the Jobs pallet paid this worker in the finalized blocks since the last count (at
/// most the last 600, so a worker that was down long does not stall on history).
async fn count_earnings(
	chain: &Chain,
	me: &subxt::utils::AccountId32,
	state: &mut State,
	number: u64,
	counters: &Counters,
) -> Result<(), WorkerError> {
	// A fresh state counts from now: payments before this worker ran are not its doing.
	let from = if state.counted_to == 0 {
		number
	} else {
		(state.counted_to + 1).max(number.saturating_sub(600))
	};
	let before = state.earned;
	for n in from..=number {
		state.earned = state.earned.saturating_add(chain.paid_in_block(n, me).await?);
		state.counted_to = n;
	}
	counters.earned.store(u64::try_from(state.earned).unwrap_or(u64::MAX), Ordering::Relaxed);
	// Written only when something was earned: a stale `counted_to` after a restart just means
	// recounting blocks that paid nothing.
	if state.earned != before {
		state.save()?;
	}
	Ok(())
}

/// Whether the worker should carry on after `e`: the node or the store may come back, a refused
/// transaction or one job's bad files concern that job only. A bad key, bad options or an
/// unwritable state file stop the worker.
fn recoverable(e: &WorkerError) -> bool {
	!matches!(e, WorkerError::Key(_) | WorkerError::Usage(_) | WorkerError::State(_))
}

async fn pause_after(e: &WorkerError) {
	log::warn!("{e}; retrying in 5 s");
	tokio::time::sleep(Duration::from_secs(5)).await;
}

/// Act on one job if this worker's roles call for it; `true` when a transaction was sent.
/// Work that takes longer than a block is started in the background and acted on once done.
async fn step(
	w: &Worker,
	at: &At,
	state: &mut State,
	work: &mut InFlight,
	id: u64,
	job: &Job,
	number: u64,
) -> Result<bool, WorkerError> {
	let me = w.chain.account();
	match &job.stage {
		Stage::Open { deadline }
			if w.cfg.trainer && job.poster != me && u64::from(*deadline) > number =>
		{
			if job.spec.min_vram_gib > w.cfg.vram_gib {
				return Ok(false);
			}
			let model = match w.chain.model(at, job.spec.model).await {
				Ok(model) => model,
				Err(e) => {
					log::warn!("job {id}: skipped: cannot read its model: {e}");
					return Ok(false);
				},
			};
			if let Err(why) = shape_of(&model).and_then(|shape| order_of(job, &shape)) {
				log::debug!("job {id}: skipped: {why}");
				return Ok(false);
			}
			let key = (id, *deadline);
			if state.declined.contains(&key) {
				return Ok(false);
			}
			if !state.vetted.contains(&key) {
				if !work.busy(Kind::Vet) {
					let (w, at, job, speed) =
						(w.clone(), at.clone(), job.clone(), state.train_speed);
					work.start(id, Kind::Vet, *deadline, move |_| async move {
						let verdict =
							feasibility::check(&w.chain, &at, &w.store, &w.cfg, &job, speed).await;
						Ok(Outcome::Vetted(verdict))
					});
				}
				return Ok(false);
			}
			w.chain
				.submit(
					&format!("jobs.accept_job({id})"),
					&runtime::transactions().jobs().accept_job(id),
				)
				.await?;
			w.counters.jobs_accepted.fetch_add(1, Ordering::Relaxed);
			Ok(true)
		},
		Stage::Training { trainer, deadline, .. }
			if *trainer == me && u64::from(*deadline) >= number =>
		{
			let fingerprint = job_fingerprint(job);
			if state.trained.get(&id).is_some_and(|t| t.job != fingerprint) {
				log::warn!("job {id}: the saved candidate was trained for another job (a chain reset?): training afresh");
				state.trained.remove(&id);
			}
			let Some(trained) = state.trained.get(&id).cloned() else {
				if !work.busy(Kind::Train) {
					let (w, at, job) = (w.clone(), at.clone(), job.clone());
					work.start(id, Kind::Train, *deadline, move |stop| async move {
						train_job(&w, &at, id, &job, stop).await
					});
				}
				return Ok(false);
			};
			let candidates = trained.blocks.iter().map(payload).collect();
			let call = runtime::transactions().jobs().submit_result(
				id,
				runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(candidates),
				sealed_claim(&me, &trained),
				payload(&trained.manifest),
				H256(trained.checkpoint_root),
				runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(Vec::new()),
				trained.revision,
			);
			w.chain.submit(&format!("jobs.submit_result({id})"), &call).await?;
			w.counters.results_submitted.fetch_add(1, Ordering::Relaxed);
			Ok(true)
		},
		Stage::Evaluating(ev) if ev.trainer == me => {
			// The claim is revealed once no evaluator can still choose what to commit.
			let all_committed = ev.panel.0.iter().all(|s| s.commitment.is_some());
			let number32 = number as u32;
			let panel_complete = ev.panel.0.len() == job.spec.evaluators as usize;
			if !matches!(ev.submission.claim, Claim::Sealed(_))
				|| !panel_complete
				|| !(all_committed || number32 > ev.commit_deadline)
				|| number32 > ev.reveal_deadline
			{
				return Ok(false);
			}
			let Some(trained) = state.trained.get(&id).filter(|t| t.job == job_fingerprint(job))
			else {
				log::error!("job {id}: the claim's salt is lost (state file replaced?): cannot reveal; the chain will slash the claim as withheld");
				return Ok(false);
			};
			let call =
				runtime::transactions().jobs().reveal_claim(id, trained.claimed, trained.salt);
			w.chain.submit(&format!("jobs.reveal_claim({id})"), &call).await?;
			w.counters.claims_revealed.fetch_add(1, Ordering::Relaxed);
			Ok(true)
		},
		Stage::Evaluating(ev) if w.cfg.evaluator => {
			let Some(position) = ev.panel.0.iter().position(|s| s.evaluator == me) else {
				return Ok(false);
			};
			let seat = &ev.panel.0[position];
			let number32 = number as u32;
			let fingerprint = submission_fingerprint(ev);
			if state.attested.get(&id).is_some_and(|a| a.submission != fingerprint) {
				log::warn!("job {id}: the saved attestation is of another submission (a chain reset?): dropped");
				state.attested.remove(&id);
			}
			if seat.commitment.is_none() && number32 <= ev.commit_deadline {
				let Some(attested) = state.attested.get(&id).cloned() else {
					let revision = w.chain.model_revision(at, job.spec.model).await?;
					if revision != ev.submission.revision {
						// The state the candidate was trained in is gone: the chain voids the
						// job at its verdict and judges nobody, so there is nothing to attest.
						log::debug!(
							"job {id}: the model moved on from revision {} to {revision}; not evaluating",
							ev.submission.revision
						);
						return Ok(false);
					}
					if !work.busy(Kind::Evaluate) {
						let (w, at, job, ev) = (w.clone(), at.clone(), job.clone(), ev.clone());
						work.start(id, Kind::Evaluate, ev.commit_deadline, move |_| async move {
							let attested = attest(&w, &at, id, &job, &ev).await?;
							Ok(Outcome::Evaluated(attested))
						});
					}
					return Ok(false);
				};
				let commitment = aiblock_primitives::jobs::attestation_commitment(
					id,
					&me.0,
					&aiblock_primitives::jobs::Attestation {
						score: attested.score,
						replay_ok: attested.replay_ok,
					},
					&attested.salt,
				);
				let call =
					runtime::transactions().jobs().commit_attestation(id, H256(commitment.0));
				w.chain.submit(&format!("jobs.commit_attestation({id})"), &call).await?;
				w.counters.attestations_committed.fetch_add(1, Ordering::Relaxed);
				return Ok(true);
			}
			let all_committed = ev.panel.0.iter().all(|s| s.commitment.is_some());
			if seat.commitment.is_some()
				&& seat.attestation.is_none()
				&& (all_committed || number32 > ev.commit_deadline)
				&& number32 <= ev.reveal_deadline
			{
				let Some(a) = state.attested.get(&id).cloned() else {
					log::error!("job {id}: committed but the salt is lost (state file replaced?): cannot reveal");
					return Ok(false);
				};
				let call = runtime::transactions().jobs().reveal_attestation(
					id,
					a.score,
					a.replay_ok,
					a.salt,
				);
				w.chain.submit(&format!("jobs.reveal_attestation({id})"), &call).await?;
				w.counters.attestations_revealed.fetch_add(1, Ordering::Relaxed);
				return Ok(true);
			}
			Ok(false)
		},
		_ => Ok(false),
	}
}

/// Train the candidate of `job` (in the background: see [`step`]); stops at the next step
/// once `stop` is set.
async fn train_job(
	w: &Worker,
	at: &At,
	id: u64,
	job: &Job,
	stop: Arc<AtomicBool>,
) -> Result<Outcome, WorkerError> {
	let model = model_at(&w.chain, at, job.spec.model).await?;
	let order = order_of(job, &model.spec).map_err(WorkerError::Compute)?;
	let revision = model.revision;
	let work_bytes = model.spec.work_bytes(&order.blocks);
	let names: Vec<String> = order.blocks.iter().map(|b| b.name()).collect();
	log::info!(
		"job {id}: training {} for {} steps on {}",
		names.join(","),
		order.steps,
		w.backend.name()
	);
	let (store, backend, counters) = (w.store.clone(), w.backend.clone(), w.counters.clone());
	let started = Instant::now();
	let candidate = tokio::task::spawn_blocking(move || {
		let every = (order.steps / 10).max(1);
		train_while(store.as_ref(), backend.as_ref(), &model, &order, |step, loss| {
			counters.training_steps.fetch_add(1, Ordering::Relaxed);
			if step % every == 0 || step == order.steps {
				let rate = step as f64 / started.elapsed().as_secs_f64().max(1e-9);
				log::info!(
					"job {id}: step {step}/{} loss {loss:.4} ({rate:.1} steps/s)",
					order.steps
				);
			}
			!stop.load(Ordering::Relaxed)
		})
	})
	.await
	.map_err(|e| WorkerError::Compute(format!("training task: {e}")))??;
	let tokens = u64::from(job.spec.steps) * u64::from(job.spec.hyper.batch_size);
	let speed = feasibility::measured_speed(tokens, work_bytes, started.elapsed().as_secs_f64());
	let claimed = if w.cfg.lie_about_score { candidate.claimed / 2 } else { candidate.claimed };
	Ok(Outcome::Trained {
		trained: Trained {
			job: job_fingerprint(job),
			blocks: candidate.blocks,
			manifest: candidate.manifest,
			checkpoint_root: candidate.checkpoint_root,
			claimed,
			salt: fresh_salt()?,
			revision,
		},
		speed,
	})
}

/// What a job's training depends on: the model, the slots and their base blocks, the
/// hyper-parameters, the steps and the data. A saved candidate is used only for a job with the
/// same fingerprint (job ids start again when a chain is reset).
pub fn job_fingerprint(job: &Job) -> [u8; 32] {
	let spec = &job.spec;
	let mut h = blake3::Hasher::new();
	h.update(&spec.model.to_le_bytes());
	for slot in &spec.slots.0 {
		h.update(block_id(&slot.kind).map(|b| b.name()).unwrap_or_default().as_bytes());
		h.update(&slot.base.0);
	}
	h.update(&spec.hyper.hash.0);
	h.update(&spec.steps.to_le_bytes());
	for dataset in &spec.datasets.0 {
		h.update(&dataset.id.to_le_bytes());
		h.update(&(dataset.cid.0.len() as u64).to_le_bytes());
		h.update(&dataset.cid.0);
		h.update(&dataset.parts.to_le_bytes());
	}
	*h.finalize().as_bytes()
}

/// The submission an evaluation judges: its candidate blocks, manifest and checkpoint root.
pub fn submission_fingerprint(ev: &chain::Evaluation) -> [u8; 32] {
	let mut h = blake3::Hasher::new();
	for candidate in &ev.submission.candidates.0 {
		h.update(&candidate.0);
	}
	h.update(&ev.submission.manifest.hash.0);
	h.update(&ev.submission.checkpoint_root.0);
	h.update(&ev.submission.revision.to_le_bytes());
	h.update(&ev.seed);
	*h.finalize().as_bytes()
}

/// The claim of `trained` as `me` submits it: sealed with its salt, to be revealed once the
/// evaluators have committed.
pub fn sealed_claim(me: &chain::AccountId, trained: &Trained) -> H256 {
	let manifest = aiblock_primitives::H256(trained.manifest.hash);
	let seal = aiblock_primitives::jobs::claim_commitment(
		&me.0,
		&manifest,
		trained.claimed,
		&trained.salt,
	);
	H256(seal.0)
}

/// A file pointer as the chain's calls take it.
pub fn payload(p: &Pointer) -> chain::Payload {
	chain::Payload {
		cid: runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(p.cid.clone()),
		hash: H256(p.hash),
		size: p.size,
	}
}

/// Checkpoint segments a job's manifest has (one per `checkpoint_every` steps, the last one
/// possibly shorter).
pub fn segment_count(job: &Job) -> u32 {
	let count = crate::verify::segment_count(
		u64::from(job.spec.steps),
		u64::from(job.spec.hyper.checkpoint_every),
	);
	u32::try_from(count).unwrap_or(u32::MAX)
}

/// A job under evaluation: what [`check_submission`] judges.
pub struct Subject<'a> {
	pub id: u64,
	pub job: &'a Job,
	pub ev: &'a chain::Evaluation,
}

/// Score a job's submitted candidate and replay `segments` (1-based) of its training.
pub async fn check_submission(
	chain: &Chain,
	at: &At,
	store: &Arc<Store>,
	backend: &Arc<dyn Backend + Send + Sync>,
	subject: Subject<'_>,
	segments: Vec<u32>,
) -> Result<crate::verify::Verdict, WorkerError> {
	let Subject { id, job, ev } = subject;
	let mut candidates = Vec::with_capacity(ev.submission.candidates.0.len());
	for candidate in &ev.submission.candidates.0 {
		let record = chain.block(at, *candidate).await?.ok_or_else(|| {
			WorkerError::Node(format!("job {id}: candidate block {candidate:?} is not on chain"))
		})?;
		candidates.push(pointer(&record.header.payload));
	}
	let model = model_at(chain, at, job.spec.model).await?;
	if model.revision != ev.submission.revision {
		log::warn!(
			"job {id}: the model is at revision {}, not the submission's {}: the chain voids this job at its verdict",
			model.revision,
			ev.submission.revision
		);
	}
	// A job this worker cannot reproduce was never one it could judge: the chain checked the
	// hyper-parameter hash is one posters can only get from the same configuration.
	let order = order_of(job, &model.spec).map_err(WorkerError::Compute)?;
	let submission = Submission {
		candidates,
		manifest: pointer(&ev.submission.manifest),
		checkpoint_root: Some(ev.submission.checkpoint_root.0),
	};
	let (store, backend) = (store.clone(), backend.clone());
	log::info!(
		"job {id}: evaluating {} candidate block(s), replaying segments {segments:?}",
		submission.candidates.len()
	);
	let verdict = tokio::task::spawn_blocking(move || {
		verify(store.as_ref(), backend.as_ref(), &model, &order, &submission, &segments)
	})
	.await
	.map_err(|e| WorkerError::Compute(format!("evaluation task: {e}")))??;
	log::info!(
		"job {id}: score {} (claim {}), replay {}: {}",
		verdict.score,
		claim_text(&ev.submission.claim),
		if verdict.replay_ok { "ok" } else { "FAILED" },
		verdict.detail
	);
	Ok(verdict)
}

/// Score the submitted candidate and replay the segments the chain picked for the panel.
async fn attest(
	w: &Worker,
	at: &At,
	id: u64,
	job: &Job,
	ev: &chain::Evaluation,
) -> Result<Attested, WorkerError> {
	// The panel's segments, the same for every evaluator (see `replay_segments`).
	let segments = aiblock_primitives::jobs::replay_segments(&ev.seed, segment_count(job))
		.into_iter()
		.map(|s| s + 1)
		.collect::<Vec<_>>();
	let verdict =
		check_submission(&w.chain, at, &w.store, &w.backend, Subject { id, job, ev }, segments)
			.await?;
	Ok(Attested {
		submission: submission_fingerprint(ev),
		score: verdict.score,
		replay_ok: verdict.replay_ok,
		salt: fresh_salt()?,
	})
}

/// A secret salt for a commitment.
pub fn fresh_salt() -> Result<[u8; 32], WorkerError> {
	let mut salt = [0u8; 32];
	getrandom::fill(&mut salt)
		.map_err(|e| WorkerError::State(format!("no randomness for a salt: {e}")))?;
	Ok(salt)
}

/// A trainer's claimed score, once revealed.
pub fn revealed_claim(claim: &Claim) -> Option<u32> {
	match claim {
		Claim::Revealed(score) => Some(*score),
		Claim::Sealed(_) => None,
	}
}

/// A trainer's claim as people read it: the score once revealed.
pub fn claim_text(claim: &Claim) -> String {
	revealed_claim(claim)
		.map_or_else(|| "sealed until the evaluators commit".into(), |s| s.to_string())
}
