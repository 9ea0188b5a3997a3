//! The evaluator's side of a job: score the candidates exactly and replay the training
//! segments the chain picked, each from the state the trainer uploaded for its start, checking
//! the trainer's manifest against the job first.
//!
//! Who is at fault decides what an evaluator does. Everything the trainer published (the
//! manifest, the candidate, the data it trained on) is a stranger's, and anything wrong with
//! it (missing, too large, not what the chain says, not what the job asked, not reproducible)
//! is a *refusal*: the evaluator commits and reveals `replay_ok = false`, so the verdict
//! refutes the trainer. Only this machine's own faults (its node, its store, the chain's
//! current model not loading) are errors; then the evaluator cannot attest at all.

use crate::{
	store::{block_file_limit, datasets, fetch_block, fetch_file, Pointer, Start},
	train::TrainOrder,
	WorkerError,
};
use aiblock_compute::{
	backend::Backend,
	genesis::{score_of, WORST_SCORE},
	job::{Model, Run},
	model::BlockId,
	safetensors::SafeTensors,
	store::{Cid, ContentStore, StoreError},
	tensor::{Digest, Tensor},
	train::{Checkpoint, Manifest},
};
use std::collections::BTreeMap;

/// What an evaluator found, and why (for the operator's log and `aiblock-worker verify`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
	/// The candidate's validation score (micro-nats per byte); [`WORST_SCORE`] when the
	/// candidate could not be scored.
	pub score: u32,
	/// Whether every replayed checkpoint reproduced the manifest's hash (and, when the replay
	/// reached the end, the candidate's weights are the replay's).
	pub replay_ok: bool,
	/// The segments replayed (1-based checkpoint indices into the manifest).
	pub segments: Vec<u32>,
	pub detail: String,
}

/// What a trainer put on chain for a job.
#[derive(Clone, Debug)]
pub struct Submission {
	/// The candidate blocks, one per slot of the job in its order.
	pub candidates: Vec<Pointer>,
	pub manifest: Pointer,
	/// The manifest's checkpoint root as the chain has it (a job's submission); `None` where
	/// the chain pins the manifest by its file hash alone (an epoch's migration).
	pub checkpoint_root: Option<Digest>,
}

/// Whose fault a failed check is.
enum Fault {
	/// The trainer's: the evaluator refuses the submission.
	Trainer(String),
	/// This machine's: no attestation is possible.
	Local(WorkerError),
}

impl From<WorkerError> for Fault {
	fn from(e: WorkerError) -> Self {
		Fault::Local(e)
	}
}

/// Sort a failure to read what the trainer published: content that is missing, too large or
/// not what the chain says is the trainer's fault, unless the store itself is down.
fn published<T>(store: &dyn ContentStore, read: Result<T, WorkerError>) -> Result<T, Fault> {
	match read {
		Ok(value) => Ok(value),
		// Missing, or served under a CID its bytes do not have (a CID the trainer chose that
		// is not the canonical one of its content): the trainer's, while this store works.
		Err(e @ WorkerError::Store(StoreError::NotFound(_) | StoreError::Corrupt { .. })) => {
			match store.healthy() {
				Ok(()) => Err(Fault::Trainer(e.to_string())),
				Err(down) => Err(Fault::Local(down.into())),
			}
		},
		Err(
			e @ (WorkerError::Store(StoreError::TooLarge { .. })
			| WorkerError::Tampered { .. }
			| WorkerError::WrongSize { .. }
			| WorkerError::Compute(_)),
		) => Err(Fault::Trainer(e.to_string())),
		Err(e) => Err(Fault::Local(e)),
	}
}

/// Checkpoints a run of `steps` steps committing every `every` steps has: one per `every`
/// steps, and the last one at `steps` (possibly closer to the one before).
pub fn segment_count(steps: u64, every: u64) -> u64 {
	steps.div_ceil(every.max(1))
}

/// The step of checkpoint `index` (0-based) in such a run.
pub fn checkpoint_step(index: u64, steps: u64, every: u64) -> u64 {
	index.saturating_add(1).saturating_mul(every.max(1)).min(steps)
}

/// The most bytes an honest manifest of `order` can have: ~100 bytes of JSON per checkpoint
/// and ~70 per state file's CID, with room to spare, and a fixed part.
pub fn manifest_limit(order: &TrainOrder) -> u64 {
	segment_count(order.steps, order.config.checkpoint_every())
		.saturating_mul(256)
		.saturating_add(64 << 10)
}

/// Why `manifest` is not a record of the run `order` describes, if it is not: the job on chain
/// fixes the blocks, the hyper-parameters, the data and the checkpoint schedule, so nothing of
/// the replay is left to the trainer's choosing.
pub fn manifest_mismatch(order: &TrainOrder, manifest: &Manifest) -> Option<String> {
	if manifest.blocks != order.blocks {
		let names =
			|blocks: &[BlockId]| blocks.iter().map(|b| b.name()).collect::<Vec<_>>().join(",");
		return Some(format!(
			"the manifest trains {}, the job {}",
			names(&manifest.blocks),
			names(&order.blocks)
		));
	}
	if manifest.config != order.config {
		return Some("the manifest's hyper-parameters are not the job's".into());
	}
	let job_datasets: Option<Vec<String>> = order
		.datasets
		.iter()
		.map(|d| Cid::from_bytes(&d.cid).ok().map(|c| c.to_string()))
		.collect();
	if job_datasets.as_ref() != Some(&manifest.datasets) {
		return Some("the manifest names other datasets than the job".into());
	}
	if order.datasets.iter().map(|d| d.parts).collect::<Vec<_>>() != manifest.mix {
		return Some("the manifest mixes the datasets otherwise than the job".into());
	}
	if manifest.start.step != 0 {
		return Some("the manifest does not start at step 0".into());
	}
	let every = order.config.checkpoint_every();
	let expected = segment_count(order.steps, every);
	if manifest.checkpoints.len() as u64 != expected {
		return Some(format!(
			"the manifest has {} checkpoints; {} steps committed every {every} have {expected}",
			manifest.checkpoints.len(),
			order.steps
		));
	}
	let misplaced = manifest
		.checkpoints
		.iter()
		.enumerate()
		.find(|(i, c)| c.step != checkpoint_step(*i as u64, order.steps, every));
	misplaced.map(|(i, c)| {
		format!(
			"checkpoint {} is at step {}, the job's schedule puts it at step {}",
			i + 1,
			c.step,
			checkpoint_step(i as u64, order.steps, every)
		)
	})
}

/// Score `submission`'s candidates (the new blocks of `order.blocks` on top of `model`) and
/// replay `segments` (1-based) of its training, each from the trainer's uploaded state at its
/// start (see [`replay`]).
///
/// `Ok` with `replay_ok = false` refuses the submission (see the module docs); `Err` is this
/// machine's fault.
pub fn verify(
	store: &dyn ContentStore,
	backend: &dyn Backend,
	model: &dyn Start,
	order: &TrainOrder,
	submission: &Submission,
	segments: &[u32],
) -> Result<Verdict, WorkerError> {
	let refuse = |score: u32, detail: String| Verdict {
		score,
		replay_ok: false,
		segments: segments.to_vec(),
		detail,
	};
	let scored = match score_candidate(store, backend, model, order, submission) {
		Ok(scored) => scored,
		Err(Fault::Trainer(detail)) => return Ok(refuse(WORST_SCORE, detail)),
		Err(Fault::Local(e)) => return Err(e),
	};
	let score = scored.score;
	match replay(store, backend, order, scored, segments) {
		Ok(detail) => Ok(Verdict { score, replay_ok: true, segments: segments.to_vec(), detail }),
		Err(Fault::Trainer(detail)) => Ok(refuse(score, detail)),
		Err(Fault::Local(e)) => Err(e),
	}
}

/// A submission whose manifest matches its job and whose candidate was scored.
struct Scored {
	manifest: Manifest,
	/// The chain's weights: where the replay starts.
	start: Model,
	/// The candidate blocks' tensors, in the order's order.
	candidates: Vec<BTreeMap<String, Tensor>>,
	score: u32,
}

/// Check the manifest against the job and score the candidate.
fn score_candidate(
	store: &dyn ContentStore,
	backend: &dyn Backend,
	model: &dyn Start,
	order: &TrainOrder,
	submission: &Submission,
) -> Result<Scored, Fault> {
	let manifest_bytes = published(
		store,
		fetch_file(store, "manifest", &submission.manifest, manifest_limit(order)),
	)?;
	let manifest = serde_json::from_slice(&manifest_bytes)
		.map_err(aiblock_compute::Error::from)
		.and_then(|json| Manifest::from_json(&json))
		.map_err(|e| Fault::Trainer(format!("the manifest is invalid: {e}")))?;
	if submission.checkpoint_root.is_some_and(|root| root != manifest.root) {
		return Err(Fault::Trainer("the manifest's root is not the one submitted on chain".into()));
	}
	if let Some(why) = manifest_mismatch(order, &manifest) {
		return Err(Fault::Trainer(why));
	}

	// The chain's model is not the trainer's doing: failing to load it is this machine's.
	let start_weights = model.weights(store)?;
	if submission.candidates.len() != order.blocks.len() {
		return Err(Fault::Trainer(format!(
			"{} candidates for {} slots",
			submission.candidates.len(),
			order.blocks.len()
		)));
	}
	let mut weights = start_weights.clone();
	for (&block, pointer) in order.blocks.iter().zip(&submission.candidates) {
		let limit = block_file_limit(model.shape(), block);
		let what = format!("candidate {block}");
		let file = published(store, fetch_block(store, &what, pointer, limit))?;
		SafeTensors::parse(&file[..])
			.map_err(|e| e.to_string())
			.and_then(|file| weights.load_block_file(block, &file).map_err(|e| e.to_string()))
			.map_err(|e| Fault::Trainer(format!("the candidate is not a {block} block: {e}")))?;
		if let Some((name, _)) =
			weights.block(block).iter().find(|(_, t)| t.data.iter().any(|x| !x.is_finite()))
		{
			let why = format!("the candidate's {name} holds NaN or infinite values");
			return Err(Fault::Trainer(why));
		}
	}
	let validation = model.validation(store)?;
	let loss = weights
		.validation_loss(backend, &validation)
		.map_err(|e| Fault::Local(WorkerError::Compute(format!("scoring: {e}"))))?;
	let candidates = order.blocks.iter().map(|&block| weights.block(block)).collect();
	Ok(Scored { manifest, start: start_weights, candidates, score: score_of(loss) })
}

/// Replay the drawn `segments` (1-based); `Ok` says what was reproduced. A manifest that lists
/// the run's state at its checkpoints is replayed segment by segment, each from the uploaded
/// state at its start (checked against the committed hash first); one from a trainer that
/// uploads no states is replayed from the chain's weights to the end of the last segment drawn.
fn replay(
	store: &dyn ContentStore,
	backend: &dyn Backend,
	order: &TrainOrder,
	scored: Scored,
	segments: &[u32],
) -> Result<String, Fault> {
	let manifest = &scored.manifest;
	let count = manifest.checkpoints.len();
	let mut drawn: Vec<usize> = segments.iter().map(|&s| s as usize).collect();
	drawn.sort_unstable();
	drawn.dedup();
	let Some(&last) = drawn.last() else { return Ok("nothing to replay".into()) };
	// The schedule was checked against the job, and the segments are drawn from its count.
	if drawn[0] == 0 || last > count {
		return Err(Fault::Local(WorkerError::Usage(format!(
			"segments {drawn:?} are not within the job's {count} checkpoints"
		))));
	}
	let (data, _) = published(store, datasets(store, &order.datasets))?;
	if manifest.states.is_empty() {
		return replay_from_start(backend, order, &scored, &data, last);
	}
	if manifest.states.len() + 1 != count {
		return Err(Fault::Trainer(format!(
			"the manifest lists {} state files for {count} checkpoints",
			manifest.states.len()
		)));
	}
	let mut replayed = 0;
	for &segment in &drawn {
		let mut run = segment_start(store, order, &scored, segment)?;
		let from = if segment == 1 { 0 } else { manifest.checkpoints[segment - 2].step };
		let claimed = &manifest.checkpoints[segment - 1];
		let reached: Vec<Checkpoint> = run
			.run_while(backend, &data, &order.config, claimed.step, |_, _| true)
			.map_err(|e| Fault::Trainer(format!("the run cannot be replayed: {e}")))?;
		if reached.last() != Some(claimed) {
			return Err(Fault::Trainer(format!(
				"checkpoint {segment} (step {}) does not reproduce",
				claimed.step
			)));
		}
		if segment == count {
			check_candidates(order, &scored, &run)?;
		}
		replayed += claimed.step - from;
	}
	let total = manifest.checkpoints.last().map_or(0, |c| c.step);
	Ok(format!(
		"replayed segments {drawn:?} from their uploaded states: {replayed} of {total} steps"
	))
}

/// The run at the start of `segment` (1-based): the chain's weights for the first, else the
/// state the trainer uploaded for the checkpoint before it, which must hash to that
/// checkpoint's commitment.
fn segment_start(
	store: &dyn ContentStore,
	order: &TrainOrder,
	scored: &Scored,
	segment: usize,
) -> Result<Run, Fault> {
	let manifest = &scored.manifest;
	let local = |e: aiblock_compute::Error| Fault::Local(WorkerError::from(e));
	if segment == 1 {
		let run = Run::new(scored.start.clone(), &order.blocks, &order.config).map_err(local)?;
		if run.hash() != manifest.start.state {
			let why = "the manifest does not start from the chain's weights";
			return Err(Fault::Trainer(why.into()));
		}
		return Ok(run);
	}
	let at = segment - 1;
	let text = &manifest.states[at - 1];
	let cid = text
		.parse::<Cid>()
		.map_err(|e| Fault::Trainer(format!("the state of checkpoint {at}: {text}: {e}")))?;
	let limit = state_file_limit(&scored.start.shape(), &order.blocks);
	let file = published(store, store.get(&cid, limit).map_err(WorkerError::from))?;
	let run = Run::resume(scored.start.clone(), &order.blocks, &order.config, &file)
		.map_err(|e| Fault::Trainer(format!("the state of checkpoint {at}: {e}")))?;
	if run.hash() != manifest.checkpoints[at - 1].state {
		let why = format!("the state file of checkpoint {at} is not the state committed to");
		return Err(Fault::Trainer(why));
	}
	Ok(run)
}

/// The most bytes an honest state file of a run of `blocks` takes: 12 per trained parameter
/// (the weight and both moments, 4 bytes each), and the header: three entries per tensor, a few
/// tensors per block (16 KiB a block leaves ample room), and a fixed part.
pub fn state_file_limit(shape: &aiblock_compute::job::Shape, blocks: &[BlockId]) -> u64 {
	let parameters: u64 = blocks.iter().map(|&b| shape.parameters(b) as u64).sum();
	let headers = (blocks.len() as u64).saturating_mul(16 << 10);
	parameters.saturating_mul(12).saturating_add(headers).saturating_add(64 << 10)
}

/// At the end of the run, the candidates must be the replay's blocks.
fn check_candidates(order: &TrainOrder, scored: &Scored, run: &Run) -> Result<(), Fault> {
	let replayed: Vec<_> = order.blocks.iter().map(|&block| run.block(block)).collect();
	if replayed != scored.candidates {
		return Err(Fault::Trainer("the candidate's weights are not the replayed run's".into()));
	}
	Ok(())
}

/// Replay from the chain's weights to the end of segment `last`, every checkpoint on the way
/// compared (a forged early checkpoint with an honest later one fails too): the check of a
/// manifest without state files.
fn replay_from_start(
	backend: &dyn Backend,
	order: &TrainOrder,
	scored: &Scored,
	data: &aiblock_compute::data::Dataset,
	last: usize,
) -> Result<String, Fault> {
	let manifest = &scored.manifest;
	let end = manifest.checkpoints[last - 1].step;
	let mut state = Run::new(scored.start.clone(), &order.blocks, &order.config)
		.map_err(|e| Fault::Local(WorkerError::from(e)))?;
	if state.hash() != manifest.start.state {
		return Err(Fault::Trainer("the manifest does not start from the chain's weights".into()));
	}
	// Checkpoint by checkpoint, stopping at the first that does not reproduce: a forged
	// manifest costs its evaluators one segment, not the whole run it claims. The job's inputs
	// are fixed, so a run that cannot be replayed could not have been trained honestly either.
	let mut reproduced = 0;
	for (i, claimed) in manifest.checkpoints.iter().enumerate().take_while(|(_, c)| c.step <= end) {
		let replayed: Vec<Checkpoint> = state
			.run_while(backend, data, &order.config, claimed.step, |_, _| true)
			.map_err(|e| Fault::Trainer(format!("the run cannot be replayed: {e}")))?;
		if replayed.last() != Some(claimed) {
			return Err(Fault::Trainer(format!(
				"checkpoint {} (step {}) does not reproduce",
				i + 1,
				claimed.step
			)));
		}
		reproduced += 1;
	}
	if last == manifest.checkpoints.len() {
		check_candidates(order, scored, &state)?;
	}
	Ok(format!("replayed {end} steps from the start, {reproduced} checkpoints reproduced"))
}
