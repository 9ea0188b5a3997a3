//! The worker's side of an evolution epoch (the `Evolution` pallet).
//!
//! - **Trainer** (`--epoch-bid CREDITS`): while the epoch reserves capacity, it bids for the
//!   selected migration's training, if it can build and reproduce it. Once reserved, it grows
//!   the newest model from the parent blocks the chain pinned ([`GrownModel`]), trains every
//!   block of it by the migration's recipe, publishes the blocks and the manifest, and
//!   `submit_migration`s them.
//! - **Panel member** (any evaluator drawn): it rebuilds the grown model from the same pinned
//!   blocks, replays the training segments the panel's seed draws, and the last one (which ties
//!   the submitted blocks to the run), from the trainer's uploaded
//!   states, scores the candidate on the validation set and on the migration's held-out set
//!   (and the parent there, which the chain has no score for), commits its benchmark, and
//!   reveals it once the commit window is over.
//!
//! Like jobs, slow work runs in the background ([`crate::work`]) and what must survive a restart
//! (the trained migration, the benchmark and its salt) is in the state file.

pub mod chain;
pub mod grown;

pub use self::chain::{Epoch, Phase};
pub use grown::{migration_fingerprint, param_blocks, pinned_parent, GrownModel};

use crate::{
	chain::{runtime, At, H256},
	run::{fresh_salt, payload, pointer, Worker},
	state::{Benchmarked, State, Trained},
	store::{ModelAt, Start},
	train::train_while,
	verify::{verify, Submission},
	work::{InFlight, Kind, Outcome},
	WorkerError,
};
use aiblock_compute::{genesis::score_of, store::Cid};
use aiblock_primitives::evolution::Benchmark;
use std::sync::atomic::Ordering;

/// The submission a panel member judges: the candidate's blocks and manifest, and the seed
/// that draws the replayed segments.
pub fn candidate_fingerprint(
	epoch: u32,
	candidate: &chain::CandidateInfo,
	seed: &[u8; 32],
) -> [u8; 32] {
	let mut h = blake3::Hasher::new();
	h.update(b"aiblock/epoch-candidate");
	h.update(&epoch.to_le_bytes());
	for (_, file) in &candidate.blocks.0 {
		h.update(&file.hash.0);
	}
	h.update(&candidate.manifest.hash.0);
	h.update(seed);
	*h.finalize().as_bytes()
}

/// Act on the epoch under way if this worker's roles call for it; `true` when a transaction
/// was sent.
pub async fn step(
	w: &Worker,
	at: &At,
	state: &mut State,
	work: &mut InFlight,
	number: u64,
) -> Result<bool, WorkerError> {
	let Some(epoch) = w.chain.epoch(at).await? else { return Ok(false) };
	let me = w.chain.account();
	match &epoch.phase {
		Phase::Reserving { proposal } if w.cfg.trainer && w.cfg.epoch_bid > 0 => {
			bid(w, at, state, &epoch, *proposal).await
		},
		Phase::Training { proposal, trainer } if *trainer == me => {
			train(w, at, state, work, &epoch, *proposal).await
		},
		Phase::Benchmarking { proposal, commit_until, seed, .. } if w.cfg.evaluator => {
			let round =
				Round { epoch: &epoch, proposal: *proposal, commit_until: *commit_until, seed };
			benchmark(w, at, state, work, round, number).await
		},
		_ => Ok(false),
	}
}

/// Bid `--epoch-bid` credits for the selected migration's training, once per epoch, if this
/// worker can build and reproduce it and has the credits free.
async fn bid(
	w: &Worker,
	at: &At,
	state: &mut State,
	epoch: &Epoch,
	proposal: u32,
) -> Result<bool, WorkerError> {
	if state.bid_epochs.contains(&epoch.index) {
		return Ok(false);
	}
	let me = w.chain.account();
	let bids = w.chain.epoch_bids(at).await?;
	let Some(record) = w.chain.epoch_proposal(at, proposal).await? else { return Ok(false) };
	let parent = w.chain.model(at, record.parent).await?;
	let (free, _) = w.chain.credits(at, &me).await?;
	// Decided once the chain was read: a refused or skipped bid is not tried again every
	// block (a node that did not answer is, on a later block).
	state.bid_epochs.insert(epoch.index);
	if bids.iter().any(|(who, _)| *who == me) {
		return Ok(false);
	}
	let reproducible = crate::run::shape_of(&parent).and_then(|shape| {
		let stand_in =
			ModelAt { spec: shape, validation: Vec::new(), blocks: Vec::new(), revision: 0 };
		let grown = GrownModel::new(stand_in, &record.migration, &record.spec)?;
		grown.order(&record.migration, &record.spec).map(|_| ())
	});
	if let Err(why) = reproducible {
		log::info!("epoch {}: not bidding for proposal {proposal}: {why}", epoch.index);
		return Ok(false);
	}
	let credits = w.cfg.epoch_bid;
	if free < credits {
		log::warn!(
			"epoch {}: not bidding {credits} credits for its training: {free} free",
			epoch.index
		);
		return Ok(false);
	}
	let call = runtime::transactions().evolution().reserve(credits);
	if let Err(e) = w.chain.submit(&format!("evolution.reserve({credits})"), &call).await {
		// A refusal stands for the epoch; trouble reaching the node is tried again.
		if !matches!(e, WorkerError::Refused(_)) {
			state.bid_epochs.remove(&epoch.index);
		}
		return Err(e);
	}
	log::info!(
		"epoch {}: bid {credits} credits for the training of proposal {proposal}",
		epoch.index
	);
	Ok(true)
}

/// The reserved trainer: grow and train in the background, then submit.
async fn train(
	w: &Worker,
	at: &At,
	state: &mut State,
	work: &mut InFlight,
	epoch: &Epoch,
	proposal: u32,
) -> Result<bool, WorkerError> {
	if w.chain.epoch_candidate(at).await?.is_some() {
		return Ok(false);
	}
	let Some(record) = w.chain.epoch_proposal(at, proposal).await? else { return Ok(false) };
	let pinned = w.chain.parent_blocks(at).await?;
	let fingerprint = migration_fingerprint(epoch.index, proposal, &record.migration, &pinned);
	let Some(trained) = state.migrated.clone().filter(|t| t.job == fingerprint) else {
		if !work.busy(Kind::Migrate) {
			let (w, at, index) = (w.clone(), at.clone(), epoch.index);
			work.start(u64::from(index), Kind::Migrate, epoch.until, move |stop| async move {
				let parent = pinned_parent(&w.chain, &at, record.parent, &pinned).await?;
				let grown = GrownModel::new(parent, &record.migration, &record.spec)
					.map_err(WorkerError::Compute)?;
				let order =
					grown.order(&record.migration, &record.spec).map_err(WorkerError::Compute)?;
				log::info!(
					"epoch {index}: training the grown model ({} blocks) for {} steps on {}",
					order.blocks.len(),
					order.steps,
					w.backend.name()
				);
				let (store, backend, counters) =
					(w.store.clone(), w.backend.clone(), w.counters.clone());
				let candidate = tokio::task::spawn_blocking(move || {
					let every = (order.steps / 10).max(1);
					train_while(store.as_ref(), backend.as_ref(), &grown, &order, |step, loss| {
						counters.training_steps.fetch_add(1, Ordering::Relaxed);
						if step % every == 0 || step == order.steps {
							log::info!("epoch {index}: step {step}/{} loss {loss:.4}", order.steps);
						}
						!stop.load(Ordering::Relaxed)
					})
				})
				.await
				.map_err(|e| WorkerError::Compute(format!("training task: {e}")))??;
				Ok(Outcome::Migrated(Trained {
					job: fingerprint,
					blocks: candidate.blocks,
					manifest: candidate.manifest,
					checkpoint_root: candidate.checkpoint_root,
					claimed: candidate.claimed,
					salt: [0; 32],
					revision: 0,
				}))
			});
		}
		return Ok(false);
	};
	let blocks: Vec<_> = param_blocks(&record.spec)
		.into_iter()
		.zip(&trained.blocks)
		.map(|(block, file)| {
			let kind = crate::run::chain_kind(block)
				.ok_or_else(|| WorkerError::Compute(format!("{block} has no slot on chain")))?;
			Ok((kind, payload(file)))
		})
		.collect::<Result<_, WorkerError>>()?;
	let call = runtime::transactions().evolution().submit_migration(
		runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(blocks),
		payload(&trained.manifest),
	);
	w.chain.submit(&format!("evolution.submit_migration(epoch {})", epoch.index), &call).await?;
	log::info!(
		"epoch {}: grown model submitted (validation score {})",
		epoch.index,
		trained.claimed
	);
	Ok(true)
}

/// The benchmarking phase as a panel member sees it.
struct Round<'a> {
	epoch: &'a Epoch,
	proposal: u32,
	commit_until: u32,
	seed: &'a [u8; 32],
}

/// A panel member: benchmark in the background, commit, then reveal.
async fn benchmark(
	w: &Worker,
	at: &At,
	state: &mut State,
	work: &mut InFlight,
	round: Round<'_>,
	number: u64,
) -> Result<bool, WorkerError> {
	let me = w.chain.account();
	let panel = w.chain.epoch_panel(at).await?;
	let Some(seat) = panel.iter().find(|s| s.evaluator == me) else { return Ok(false) };
	let Some(candidate) = w.chain.epoch_candidate(at).await? else { return Ok(false) };
	let index = round.epoch.index;
	let fingerprint = candidate_fingerprint(index, &candidate, round.seed);
	if state.benchmarked.as_ref().is_some_and(|b| b.submission != fingerprint) {
		state.benchmarked = None;
	}
	let number = u32::try_from(number).unwrap_or(u32::MAX);
	if seat.commitment.is_none() && number <= round.commit_until {
		let Some(done) = state.benchmarked.clone() else {
			if !work.busy(Kind::Benchmark) {
				let (w, at, seed) = (w.clone(), at.clone(), *round.seed);
				let proposal = round.proposal;
				work.start(
					u64::from(index),
					Kind::Benchmark,
					round.commit_until,
					move |_| async move {
						let benchmark = measure(&w, &at, proposal, &candidate, &seed).await?;
						Ok(Outcome::Benchmarked(Benchmarked {
							submission: fingerprint,
							epoch: index,
							benchmark,
							salt: fresh_salt()?,
						}))
					},
				);
			}
			return Ok(false);
		};
		let commitment = aiblock_primitives::evolution::benchmark_commitment(
			index,
			&me.0,
			&done.benchmark,
			&done.salt,
		);
		let call = runtime::transactions().evolution().commit_benchmark(H256(commitment.0));
		w.chain.submit(&format!("evolution.commit_benchmark(epoch {index})"), &call).await?;
		w.counters.attestations_committed.fetch_add(1, Ordering::Relaxed);
		return Ok(true);
	}
	if seat.commitment.is_some()
		&& seat.benchmark.is_none()
		&& number > round.commit_until
		&& number <= round.epoch.until
	{
		let Some(done) = state.benchmarked.clone().filter(|b| b.epoch == index) else {
			log::error!("epoch {index}: committed but the salt is lost (state file replaced?): cannot reveal");
			return Ok(false);
		};
		let b = done.benchmark;
		let benchmark = grown::ChainBenchmark {
			validation: b.validation,
			held_out: b.held_out,
			parent_held_out: b.parent_held_out,
			replay_ok: b.replay_ok,
		};
		let call = runtime::transactions().evolution().reveal_benchmark(benchmark, done.salt);
		w.chain.submit(&format!("evolution.reveal_benchmark(epoch {index})"), &call).await?;
		w.counters.attestations_revealed.fetch_add(1, Ordering::Relaxed);
		return Ok(true);
	}
	Ok(false)
}

/// Rebuild the grown model, replay the drawn segments of its training and score it: the
/// benchmark a panel member commits to.
async fn measure(
	w: &Worker,
	at: &At,
	proposal: u32,
	candidate: &chain::CandidateInfo,
	seed: &[u8; 32],
) -> Result<Benchmark, WorkerError> {
	let record =
		w.chain.epoch_proposal(at, proposal).await?.ok_or_else(|| {
			WorkerError::Node(format!("proposal {proposal} is no longer on chain"))
		})?;
	let pinned = w.chain.parent_blocks(at).await?;
	let parent = pinned_parent(&w.chain, at, record.parent, &pinned).await?;
	// A recipe no honest worker can reproduce (a hyper-parameter hash of another
	// configuration, a batch of no whole number of windows) has no honest candidate: only a
	// trainer who bid for it anyway submitted one, and the panel refuses it.
	let built = GrownModel::new(parent.clone(), &record.migration, &record.spec)
		.and_then(|grown| Ok((grown.order(&record.migration, &record.spec)?, grown)));
	let (order, grown) = match built {
		Ok(built) => built,
		Err(why) => {
			log::warn!("epoch candidate refused: the recipe cannot be reproduced: {why}");
			let worst = aiblock_compute::genesis::WORST_SCORE;
			return Ok(Benchmark {
				validation: worst,
				held_out: worst,
				parent_held_out: worst,
				replay_ok: false,
			});
		},
	};
	let submission = Submission {
		candidates: candidate.blocks.0.iter().map(|(_, file)| pointer(file)).collect(),
		manifest: pointer(&candidate.manifest),
		checkpoint_root: None,
	};
	let count = crate::verify::segment_count(order.steps, order.config.checkpoint_every());
	let count = u32::try_from(count).unwrap_or(u32::MAX);
	// The drawn segments and always the last: it ties the submitted blocks to the run, which
	// for a whole new model version matters more than one segment's replay costs.
	let mut segments: Vec<u32> =
		aiblock_primitives::jobs::replay_segments(seed, count).into_iter().map(|s| s + 1).collect();
	if !segments.contains(&count) {
		segments.push(count);
	}
	let held_out = record.migration.held_out.cid.0.clone();
	let (store, backend) = (w.store.clone(), w.backend.clone());
	tokio::task::spawn_blocking(move || {
		let verdict =
			verify(store.as_ref(), backend.as_ref(), &grown, &order, &submission, &segments)?;
		log::info!(
			"epoch candidate: validation score {}, replay {}: {}",
			verdict.score,
			if verdict.replay_ok { "ok" } else { "FAILED" },
			verdict.detail
		);
		let (held_out, parent_held_out) = if verdict.replay_ok {
			let trained = ModelAt {
				spec: grown.shape,
				validation: Vec::new(),
				blocks: order.blocks.iter().copied().zip(submission.candidates.clone()).collect(),
				revision: 0,
			};
			held_out_scores(store.as_ref(), backend.as_ref(), &held_out, &trained, &parent)?
		} else {
			(aiblock_compute::genesis::WORST_SCORE, aiblock_compute::genesis::WORST_SCORE)
		};
		log::info!("epoch candidate: held-out score {held_out}, the parent's {parent_held_out}");
		Ok(Benchmark {
			validation: verdict.score,
			held_out,
			parent_held_out,
			replay_ok: verdict.replay_ok,
		})
	})
	.await
	.map_err(|e| WorkerError::Compute(format!("benchmark task: {e}")))?
}

/// The candidate's and the parent's scores on the held-out dataset `cid`. Data that cannot be
/// scored (missing while this store works, too short for one window) is the proposer's doing:
/// both score the worst, which no candidate beats, so the epoch is rejected and nobody is
/// slashed.
fn held_out_scores(
	store: &dyn aiblock_compute::store::ContentStore,
	backend: &dyn aiblock_compute::backend::Backend,
	cid: &[u8],
	trained: &ModelAt,
	parent: &ModelAt,
) -> Result<(u32, u32), WorkerError> {
	let worst = (aiblock_compute::genesis::WORST_SCORE, aiblock_compute::genesis::WORST_SCORE);
	let cid =
		Cid::from_bytes(cid).map_err(|e| WorkerError::Compute(format!("held-out CID: {e}")))?;
	let data = match store.get(&cid, crate::store::MAX_JOB_DATA_BYTES) {
		Ok(bytes) => aiblock_compute::data::Dataset::new(bytes),
		Err(e) => {
			store.healthy()?;
			log::warn!("the held-out dataset {cid} cannot be read ({e}): scored the worst");
			return Ok(worst);
		},
	};
	let mut scores = [0u32; 2];
	for (score, model) in scores.iter_mut().zip([trained, parent]) {
		let weights = Start::weights(model, store)?;
		match weights.validation_loss(backend, &data) {
			Ok(loss) => *score = score_of(loss),
			Err(e) => {
				log::warn!("the held-out dataset {cid} cannot be scored ({e}): scored the worst");
				return Ok(worst);
			},
		}
	}
	Ok((scores[0], scores[1]))
}

/// Keep a finished piece of epoch work in the state.
pub fn absorb(state: &mut State, outcome: Outcome) -> Result<(), WorkerError> {
	match outcome {
		Outcome::Migrated(trained) => {
			log::info!(
				"epoch migration trained and published (validation score {})",
				trained.claimed
			);
			state.migrated = Some(trained);
		},
		Outcome::Benchmarked(done) => state.benchmarked = Some(done),
		_ => return Ok(()),
	}
	state.save()
}
