//! The trainer's side of a job: train the slots' blocks together on the job's data from the
//! chain's current weights, then publish the candidates and their manifest.

use crate::{
	store::{datasets, put_block, put_file, Pointer, Start},
	verify::{checkpoint_step, segment_count, state_file_limit},
	WorkerError,
};
use aiblock_compute::{
	backend::Backend,
	genesis::score_of,
	job::{JobConfig, Run},
	model::BlockId,
	store::ContentStore,
	tensor::Digest,
	train::{Checkpoint, Manifest},
};

/// One dataset a job trains on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderData {
	/// Its id in the Datasets pallet.
	pub id: u32,
	/// Its content, a binary CID.
	pub cid: Vec<u8>,
	/// Its weight in the mix.
	pub parts: u32,
}

/// What a job asks to be trained, in compute-core terms.
#[derive(Clone, Debug)]
pub struct TrainOrder {
	/// The blocks trained together, in the job's order (one for the byte model).
	pub blocks: Vec<BlockId>,
	/// The training data, concatenated in this order and mixed by their parts.
	pub datasets: Vec<OrderData>,
	/// The full recipe; its [`JobConfig::hash`] is the job's `hyper.hash`.
	pub config: JobConfig,
	pub steps: u64,
}

/// The most bytes of checkpoint states a trainer publishes for one job. A job whose states would
/// take more (a very large set of slots, or thousands of checkpoints asked for by its poster)
/// is trained without them: its evaluators replay from the job's start, which the chain's
/// windows allow for, and no poster can fill a trainer's disk.
pub const MAX_STATE_BYTES: u64 = 4 << 30;

/// Whether the states of a run of `segments` segments, each file at most `state_bytes`, fit
/// within [`MAX_STATE_BYTES`] (the last checkpoint's state is the candidate, not uploaded).
pub fn states_fit(state_bytes: u64, segments: u64) -> bool {
	state_bytes.saturating_mul(segments.saturating_sub(1)) <= MAX_STATE_BYTES
}

/// Whether `store` can take `bytes` more and keep a quarter of its room free (for the
/// candidate, the manifest and other jobs); a store that cannot tell is trusted.
pub fn has_room(store: &dyn ContentStore, bytes: u64) -> bool {
	match store.room() {
		Ok(Some(room)) => bytes <= room - room / 4,
		Ok(None) | Err(_) => true,
	}
}

/// A published candidate: what `submit_result` carries.
#[derive(Clone, Debug)]
pub struct Candidate {
	/// The trained blocks, in the order's order.
	pub blocks: Vec<Pointer>,
	pub manifest: Pointer,
	pub checkpoint_root: Digest,
	pub claimed: u32,
	/// Training loss of the last step, for the operator.
	pub final_loss: f32,
}

/// Train `order` on `model`, publish the candidate blocks and the manifest to `store`.
/// `progress(step, loss)` is called after every step.
pub fn train(
	store: &dyn ContentStore,
	backend: &dyn Backend,
	model: &dyn Start,
	order: &TrainOrder,
	mut progress: impl FnMut(u64, f32),
) -> Result<Candidate, WorkerError> {
	train_while(store, backend, model, order, |step, loss| {
		progress(step, loss);
		true
	})
}

/// [`train`], giving up (a `Compute` error saying so) as soon as `progress` returns `false`:
/// a training whose submit window has passed is worth nothing.
pub fn train_while(
	store: &dyn ContentStore,
	backend: &dyn Backend,
	model: &dyn Start,
	order: &TrainOrder,
	mut progress: impl FnMut(u64, f32) -> bool,
) -> Result<Candidate, WorkerError> {
	let compute = |e: &dyn std::fmt::Display| WorkerError::Compute(e.to_string());
	let weights = model.weights(store)?;
	let validation = model.validation(store)?;
	let (data, dataset_ids) = datasets(store, &order.datasets)?;
	// Evaluators replay from the same data: keep serving it (a daemon's cache is collected).
	for dataset in &order.datasets {
		if let Ok(cid) = aiblock_compute::store::Cid::from_bytes(&dataset.cid) {
			store.pin(&cid)?;
		}
	}
	let mut run = Run::new(weights, &order.blocks, &order.config).map_err(|e| compute(&e))?;
	let start = Checkpoint { step: 0, state: run.hash(), loss_bits: 0 };
	let mut final_loss = f32::NAN;
	// Segment by segment, publishing the state at every checkpoint but the last, so that an
	// evaluator replays a drawn segment from its start rather than from step 0.
	let every = order.config.checkpoint_every();
	let segments = segment_count(order.steps, every);
	let state_bytes = state_file_limit(model.shape(), &order.blocks);
	// Only where the store has room for them: without states the run is still verifiable
	// (evaluators replay from the start), while a store filled half way fails the job.
	let state_total = state_bytes.saturating_mul(segments.saturating_sub(1));
	let upload_states =
		states_fit(state_bytes, segments) && (segments <= 1 || has_room(store, state_total));
	if !upload_states && segments > 1 {
		log::warn!(
			"publishing no checkpoint states ({state_total} bytes would not fit): evaluators \
			 will replay this run from its start"
		);
	}
	let mut checkpoints = Vec::new();
	let mut states = Vec::new();
	for index in 0..segments {
		let until = checkpoint_step(index, order.steps, every);
		let reached = run
			.run_while(backend, &data, &order.config, until, |step, loss| {
				final_loss = loss;
				progress(step, loss)
			})
			.map_err(|e| compute(&e))?;
		checkpoints.extend(reached);
		if upload_states && index + 1 < segments {
			let cid = store.put(&run.state_file())?;
			states.push(cid.to_string());
		}
	}
	let mut manifest =
		Manifest::new(dataset_ids, order.blocks.clone(), order.config, start, checkpoints);
	manifest.states = states;
	manifest.mix = order.datasets.iter().map(|d| d.parts).collect();
	let trained = run.into_model();
	let loss = trained.validation_loss(backend, &validation).map_err(|e| compute(&e))?;
	let blocks = order
		.blocks
		.iter()
		.map(|&block| put_block(store, &trained, block))
		.collect::<Result<_, _>>()?;
	let manifest_file = manifest.to_json().to_string().into_bytes();
	let manifest_pointer = put_file(store, &manifest_file)?;
	Ok(Candidate {
		blocks,
		manifest: manifest_pointer,
		checkpoint_root: manifest.root,
		claimed: score_of(loss),
		final_loss,
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn states_are_published_up_to_a_bound() {
		// The Shakespeare run through the chain: 99 states of about 17 MB.
		assert!(states_fit(17 << 20, 100));
		// Its poster asking for the most checkpoints the chain takes (4,096): 70 GB, refused.
		assert!(!states_fit(17 << 20, 4096));
		assert!(states_fit(u64::MAX, 1), "one segment uploads nothing");
		assert!(!states_fit(u64::MAX, 3), "no overflow");
	}
}
