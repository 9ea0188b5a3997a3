//! The evaluator's side of a job: score a candidate exactly and replay the training segments
//! the chain picked, from the manifest the trainer published.

use crate::{
	store::{datasets, fetch_block, fetch_file, ModelAt, Pointer},
	train::EVAL_BATCH,
	WorkerError,
};
use aiblock_compute::{
	backend::Backend,
	genesis::score_of,
	safetensors::SafeTensors,
	store::ContentStore,
	train::{evaluate, Manifest, TrainState},
};

/// What an evaluator found, and why (for the operator's log and `aiblock-worker verify`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
	/// The candidate's validation score (micro-nats per byte).
	pub score: u32,
	/// Whether every replayed checkpoint reproduced the manifest's hash (and, when the replay
	/// reached the end, the candidate's weights are the replay's).
	pub replay_ok: bool,
	/// The segments replayed (1-based checkpoint indices into the manifest).
	pub segments: Vec<u32>,
	pub detail: String,
}

/// Score `candidate` (the new block of `manifest.block` on top of `model`) and replay
/// `segments` of its training: the run is re-executed from the manifest's start up to the end
/// of the last chosen segment, every checkpoint on the way compared (a forged early checkpoint
/// with an honest later one fails too).
pub fn verify(
	store: &dyn ContentStore,
	backend: &dyn Backend,
	model: &ModelAt,
	job_datasets: &[Vec<u8>],
	candidate: &Pointer,
	manifest: &Pointer,
	checkpoint_root: &[u8; 32],
	segments: &[u32],
) -> Result<Verdict, WorkerError> {
	let compute = |e: &dyn std::fmt::Display| WorkerError::Compute(e.to_string());
	let manifest_bytes = fetch_file(store, "manifest", manifest)?;
	let refuse = |detail: String| Verdict {
		score: 0,
		replay_ok: false,
		segments: segments.to_vec(),
		detail,
	};
	let manifest = match serde_json::from_slice(&manifest_bytes)
		.map_err(|e| e.to_string())
		.and_then(|json| Manifest::from_json(&json))
	{
		Ok(m) => m,
		Err(e) => return Ok(refuse(format!("the manifest is invalid: {e}"))),
	};
	if &manifest.root != checkpoint_root {
		return Ok(refuse("the manifest's root is not the one submitted on chain".into()));
	}

	// The score: the chain's model with the candidate in its slot.
	let mut weights = model.weights(store)?;
	let candidate_file = fetch_block(store, "candidate", candidate)?;
	let parsed = SafeTensors::parse(&candidate_file[..]).map_err(|e| compute(&e))?;
	let start_weights = weights.clone();
	weights
		.load_block_file(manifest.block, &parsed)
		.map_err(|e| WorkerError::Compute(format!("candidate: {e}")))?;
	let validation = model.validation(store)?;
	let score =
		score_of(evaluate(backend, &weights, &validation, EVAL_BATCH).map_err(|e| compute(&e))?);

	// The replay, from the chain's current weights (the base the job names).
	let Some(&last) = segments.iter().max() else {
		return Ok(Verdict {
			score,
			replay_ok: true,
			segments: vec![],
			detail: "nothing to replay".into(),
		});
	};
	let Some(end) =
		(last as usize).checked_sub(1).and_then(|i| manifest.checkpoints.get(i)).map(|c| c.step)
	else {
		return Ok(Verdict { score, ..refuse(format!("segment {last} is not in the manifest")) });
	};
	let (data, ids) = datasets(store, job_datasets)?;
	if ids != manifest.datasets {
		return Ok(Verdict {
			score,
			..refuse("the manifest names other datasets than the job".into())
		});
	}
	let mut state = TrainState::new(start_weights, manifest.block).map_err(|e| compute(&e))?;
	if state.hash() != manifest.start.state {
		return Ok(Verdict {
			score,
			..refuse("the manifest does not start from the chain's base weights".into())
		});
	}
	let replayed =
		state.run(backend, &data, &manifest.config, end, |_, _| {}).map_err(|e| compute(&e))?;
	let claimed = manifest.checkpoints.iter().take_while(|c| c.step <= end);
	if let Some((i, _)) = claimed.zip(&replayed).enumerate().find(|(_, (c, r))| c != r) {
		return Ok(Verdict {
			score,
			..refuse(format!("checkpoint {} (step {}) does not reproduce", i + 1, replayed[i].step))
		});
	}
	let reached_end = manifest.checkpoints.last().map(|c| c.step) == Some(end);
	if reached_end && state.weights.block(manifest.block) != weights.block(manifest.block) {
		return Ok(Verdict {
			score,
			..refuse("the candidate's weights are not the replayed run's".into())
		});
	}
	Ok(Verdict {
		score,
		replay_ok: true,
		segments: segments.to_vec(),
		detail: format!("replayed {end} steps, {} checkpoints reproduced", replayed.len()),
	})
}
