//! `aiblock-worker epoch …`: take part in the chain's evolution epochs from the command line:
//! propose a growth of the newest model (locking the proposal deposit in PoL credits), endorse
//! a proposal, bid for an epoch's training, and see where the epoch is. Trainers that bid
//! every epoch use `run --epoch-bid` instead; panel members need nothing but the evaluator role.

use super::{connect, connect_to_read, named_datasets, ChainArgs, Recipe};
use aiblock_compute::{job::Shape, transformer::grow::Growth};
use aiblock_worker::{
	chain::{runtime, At, Chain},
	evolve::{
		chain::{Epoch, Outcome, Phase},
		grown::{growth_of, ChainGrowth, HeldOut, Migration},
	},
	run, WorkerError,
};
use clap::{Args, Subcommand};
use std::time::{Duration, Instant};

#[derive(Subcommand)]
pub enum EpochCommand {
	/// Propose a growth of the newest model and the recipe its training follows, locking the
	/// chain's proposal deposit (100 PoL credits on the shipped chains). Only while the epoch
	/// takes proposals: --wait waits for the next proposing window. The chain checks the grown
	/// spec against its limits and SemVer rules, the datasets (approved, the held-out one not
	/// trained on, neither the validation set) and the run (`RecipeTooLong` when the slowest
	/// worker it protects could not train it within the training window, or replay and score it
	/// within the commit window). Example:
	///   aiblock-worker epoch propose --growth double-experts --noise 0.01 --steps 300 \
	///       --batch-tokens 256 --lr 0.003 --held-out 3 --dev --suri //Ferdie --wait
	#[command(verbatim_doc_comment)]
	Propose(ProposeArgs),
	/// Lock credits behind a proposal of the epoch (once per account, not your own). The best
	/// backed proposal that still grows the newest model is selected; the credits come back when
	/// the epoch ends.
	Endorse(EndorseArgs),
	/// Bid credits for the epoch's training (trainers; the highest bid wins). A running
	/// worker does this itself with `run --epoch-bid`, and only it can then do the training.
	Bid(BidArgs),
	/// The epoch under way: its phase and window, the proposals and their backing, the bids,
	/// the candidate, the panel and what it revealed, and this account's credits.
	Status(ChainArgs),
}

#[derive(Args)]
pub struct ProposeArgs {
	#[command(flatten)]
	chain: ChainArgs,
	/// How the newest model grows: double-experts (a MAJOR version: twice the experts and
	/// top-k), widen-ff:D_FF (MINOR: experts D_FF wide, at most twice as wide), add-layers:N
	/// (MINOR: N more layers, starting as the identity).
	#[arg(long)]
	growth: String,
	/// Relative noise on the copied experts' or units' weights (double-experts, widen-ff), so
	/// that training can tell the copies apart; held on chain in millionths.
	#[arg(long, default_value_t = 0.01)]
	noise: f64,
	/// Seed of the noise and of any new weights.
	#[arg(long, default_value_t = 1)]
	growth_seed: u64,
	/// Training steps of the grown model (every block trained together).
	#[arg(long, default_value_t = 200)]
	steps: u32,
	/// Tokens per step: a whole number of the model's context windows.
	#[arg(long, default_value_t = 256)]
	batch_tokens: u32,
	/// Peak AdamW learning rate (held on chain in millionths).
	#[arg(long, default_value_t = 0.003)]
	lr: f32,
	/// Seed of the training's data order.
	#[arg(long, default_value_t = 1)]
	seed: u64,
	#[arg(long, default_value_t = 20)]
	checkpoint_every: u32,
	/// Approved datasets to train on, ID or ID:PARTS (default: the model's default corpus).
	#[arg(long, value_delimiter = ',')]
	dataset: Vec<String>,
	/// The approved dataset held out: never trained on, the panel scores the grown model and
	/// its parent on it, and promotion needs the same relative gain there as on validation.
	#[arg(long)]
	held_out: u32,
	/// Wait for the next proposing window (the one under way needs a few blocks left for the
	/// transaction to be final in it).
	#[arg(long)]
	wait: bool,
}

#[derive(Args)]
pub struct EndorseArgs {
	#[command(flatten)]
	chain: ChainArgs,
	/// The proposal (`aiblock-worker epoch status`).
	#[arg(long)]
	proposal: u32,
	/// Credits to lock behind it.
	#[arg(long)]
	credits: u64,
	/// Wait for the next proposing window.
	#[arg(long)]
	wait: bool,
}

#[derive(Args)]
pub struct BidArgs {
	#[command(flatten)]
	chain: ChainArgs,
	/// Credits to bid (at least the chain's minimum, 10 on the shipped chains).
	#[arg(long)]
	credits: u64,
	/// Wait for the next reserving window.
	#[arg(long)]
	wait: bool,
}

pub async fn epoch(command: EpochCommand) -> Result<(), WorkerError> {
	match command {
		EpochCommand::Propose(args) => propose(args).await,
		EpochCommand::Endorse(args) => {
			let chain = connect(&args.chain).await?;
			wait_for(&chain, "proposing", args.wait, |p| matches!(p, Phase::Proposing)).await?;
			let call = runtime::transactions().evolution().endorse(args.proposal, args.credits);
			chain.submit("evolution.endorse", &call).await?;
			println!("endorsed proposal {} with {} credits", args.proposal, args.credits);
			Ok(())
		},
		EpochCommand::Bid(args) => {
			let chain = connect(&args.chain).await?;
			let reserving = |p: &Phase<_, _>| matches!(p, Phase::Reserving { .. });
			wait_for(&chain, "reserving", args.wait, reserving).await?;
			let call = runtime::transactions().evolution().reserve(args.credits);
			chain.submit("evolution.reserve", &call).await?;
			println!("bid {} credits for the epoch's training", args.credits);
			Ok(())
		},
		EpochCommand::Status(args) => status(args).await,
	}
}

/// The growth `--growth` names.
fn parse_growth(text: &str, noise: f64) -> Result<ChainGrowth, WorkerError> {
	let usage = || {
		WorkerError::Usage(format!(
			"--growth {text}: double-experts, widen-ff:D_FF or add-layers:N"
		))
	};
	if !(0.0..1.0).contains(&noise) {
		return Err(WorkerError::Usage(format!("--noise {noise}: within [0, 1)")));
	}
	let noise_ppm = (noise * 1e6).round() as u32;
	let (kind, value) = text.split_once(':').unwrap_or((text, ""));
	Ok(match kind {
		"double-experts" if value.is_empty() => ChainGrowth::DoubleExperts { noise_ppm },
		"widen-ff" => ChainGrowth::WidenFf { d_ff: value.parse().map_err(|_| usage())?, noise_ppm },
		"add-layers" => ChainGrowth::AddLayers { layers: value.parse().map_err(|_| usage())? },
		_ => return Err(usage()),
	})
}

async fn propose(args: ProposeArgs) -> Result<(), WorkerError> {
	let growth = parse_growth(&args.growth, args.noise)?;
	let chain = connect(&args.chain).await?;
	// The recipe is built for the newest model when the window opens (a wait may span a
	// promotion).
	wait_for(&chain, "proposing", args.wait, |p| matches!(p, Phase::Proposing)).await?;
	let at = chain.finalized().await?;
	let (newest, parent) = chain.latest_model(&at).await?;
	let Shape::Transformer(parent_shape) = run::shape_of(&parent)
		.map_err(|why| WorkerError::Usage(format!("the newest model, {newest}: {why}")))?
	else {
		return Err(WorkerError::Usage(format!("the newest model, {newest}, is no transformer")));
	};
	let grown: Growth = growth_of(&growth);
	let shape = Shape::Transformer(
		grown
			.grown_spec(&parent_shape)
			.map_err(|e| WorkerError::Usage(format!("--growth {}: {e}", args.growth)))?,
	);
	let recipe = Recipe {
		seed: args.seed,
		batch_tokens: args.batch_tokens,
		lr: args.lr,
		checkpoint_every: args.checkpoint_every,
		steps: args.steps,
	};
	let config = recipe.config(&shape)?;
	let datasets = named_datasets(&chain, &at, &shape, &args.dataset, false).await?;
	let held_out = chain.dataset(&at, args.held_out).await?.ok_or_else(|| {
		WorkerError::Usage(format!("--held-out {}: no such dataset", args.held_out))
	})?;
	let migration = Migration {
		growth,
		seed: args.growth_seed,
		steps: args.steps,
		hyper: run::chain_hyper(&config),
		datasets: run::chain_datasets(&datasets),
		held_out: HeldOut { id: args.held_out, cid: held_out.meta.cid },
	};
	let call = runtime::transactions().evolution().propose(migration);
	let events = chain.submit("evolution.propose", &call).await?;
	match events.find_first::<runtime::evolution::events::Proposed>() {
		Some(Ok(p)) => println!(
			"proposal {} in epoch {}: grow model {} into {}.{}.{} ({} experts, top-{}, d_ff {}, \
			 {} layers), trained {} steps",
			p.proposal,
			p.epoch,
			p.parent,
			p.spec.version.major,
			p.spec.version.minor,
			p.spec.version.patch,
			p.spec.experts,
			p.spec.top_k,
			p.spec.d_ff,
			p.spec.layers,
			args.steps
		),
		_ => println!("proposed (no Proposed event decoded)"),
	}
	Ok(())
}

/// Wait (up to two hours) until the epoch is in the phase `wanted` accepts with at least four
/// blocks of it left, enough for a transaction to be final inside it; without `wait`, only
/// check it is now.
async fn wait_for(
	chain: &Chain,
	name: &str,
	wait: bool,
	wanted: impl Fn(&Phase<subxt::utils::AccountId32, u32>) -> bool,
) -> Result<(), WorkerError> {
	const MARGIN: u64 = 4;
	let started = Instant::now();
	let mut told = false;
	loop {
		let at = chain.finalized().await?;
		let epoch = chain.epoch(&at).await?;
		let now = at.block_number();
		if let Some(epoch) = &epoch {
			if wanted(&epoch.phase) && now + MARGIN <= u64::from(epoch.until) {
				return Ok(());
			}
		}
		let where_ = epoch.as_ref().map(|e| describe(e, now)).unwrap_or("no epoch yet".into());
		if !wait {
			return Err(WorkerError::Usage(format!(
				"the epoch is not {name} now ({where_}); --wait waits for the next window"
			)));
		}
		if !told {
			eprintln!("waiting for the next {name} window ({where_})");
			told = true;
		}
		if started.elapsed() > Duration::from_secs(2 * 3600) {
			return Err(WorkerError::Usage(format!("no {name} window in two hours")));
		}
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
}

fn describe(epoch: &Epoch, now: u64) -> String {
	let phase = match &epoch.phase {
		Phase::Proposing => "proposing".to_string(),
		Phase::Reserving { proposal } => format!("reserving the training of proposal {proposal}"),
		Phase::Training { proposal, trainer } => {
			format!("training proposal {proposal} by {trainer}")
		},
		Phase::Benchmarking { proposal, commit_until, .. } => {
			format!("benchmarking proposal {proposal}: commits until #{commit_until}, then reveals")
		},
		Phase::Cleanup { outcome } => format!("cleanup after {}", outcome_text(outcome)),
	};
	format!("epoch {}, {phase}, until #{} (now #{now})", epoch.index, epoch.until)
}

fn outcome_text(outcome: &Outcome) -> String {
	match outcome {
		Outcome::NoProposal => "no proposal".into(),
		Outcome::NoTrainer => "no trainer bid".into(),
		Outcome::NoCandidate => "no candidate submitted".into(),
		Outcome::NoPanel => "too few evaluators for a panel".into(),
		Outcome::Promoted { model } => format!("promotion to model {model}"),
		Outcome::Rejected { verdict } => format!("rejection ({verdict:?})"),
		Outcome::ParentReplaced => "the parent was replaced".into(),
	}
}

async fn status(args: ChainArgs) -> Result<(), WorkerError> {
	let chain = connect_to_read(&args).await?;
	let at: At = chain.finalized().await?;
	let now = at.block_number();
	let Some(epoch) = chain.epoch(&at).await? else {
		println!("no epoch yet (#{now})");
		return Ok(());
	};
	println!("{}", describe(&epoch, now));
	for (id, p) in chain.epoch_proposals(&at).await? {
		let v = &p.spec.version;
		println!(
			"proposal {id}: {:?} of model {} into {}.{}.{}, {} steps, held out dataset {}, \
			 backing {} credits ({} endorsements), by {}",
			p.migration.growth,
			p.parent,
			v.major,
			v.minor,
			v.patch,
			p.migration.steps,
			p.migration.held_out.id,
			p.backing,
			p.endorsements.0.len(),
			p.proposer
		);
	}
	for (who, credits) in chain.epoch_bids(&at).await? {
		println!("bid         {credits} credits by {who}");
	}
	if let Some(candidate) = chain.epoch_candidate(&at).await? {
		println!(
			"candidate   {} blocks by {}, submitted at #{}",
			candidate.blocks.0.len(),
			candidate.trainer,
			candidate.submitted_at
		);
	}
	for seat in chain.epoch_panel(&at).await? {
		let state = match (&seat.commitment, &seat.benchmark) {
			(_, Some(b)) => format!(
				"revealed validation {} held-out {} (parent {}) replay {}",
				b.validation,
				b.held_out,
				b.parent_held_out,
				if b.replay_ok { "ok" } else { "FAILED" }
			),
			(Some(_), None) => "committed".into(),
			(None, None) => "not committed".into(),
		};
		println!("panel       {}: {state}", seat.evaluator);
	}
	if args.suri.is_some() || args.key.is_some() {
		let me = chain.account();
		let (free, locked) = chain.credits(&at, &me).await?;
		println!("credits     {free} free, {locked} locked ({me})");
	}
	Ok(())
}
