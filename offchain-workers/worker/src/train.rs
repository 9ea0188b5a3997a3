//! The trainer's side of a job: train the slots' blocks together on the job's data from the
//! chain's current weights, then publish the candidates and their manifest.

use crate::{
	store::{datasets, put_block, put_file, ModelAt, Pointer},
	verify::{checkpoint_step, segment_count},
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

/// What a job asks to be trained, in compute-core terms.
#[derive(Clone, Debug)]
pub struct TrainOrder {
	/// The blocks trained together, in the job's order (one for the byte model).
	pub blocks: Vec<BlockId>,
	/// Binary CIDs of the training data, concatenated in this order.
	pub datasets: Vec<Vec<u8>>,
	/// The full recipe; its [`JobConfig::hash`] is the job's `hyper.hash`.
	pub config: JobConfig,
	pub steps: u64,
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
	model: &ModelAt,
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
	model: &ModelAt,
	order: &TrainOrder,
	mut progress: impl FnMut(u64, f32) -> bool,
) -> Result<Candidate, WorkerError> {
	let compute = |e: &dyn std::fmt::Display| WorkerError::Compute(e.to_string());
	let weights = model.weights(store)?;
	let validation = model.validation(store)?;
	let (data, dataset_ids) = datasets(store, &order.datasets)?;
	// Evaluators replay from the same data: keep serving it (a daemon's cache is collected).
	for raw in &order.datasets {
		if let Ok(cid) = aiblock_compute::store::Cid::from_bytes(raw) {
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
		if index + 1 < segments {
			let cid = store.put(&run.state_file())?;
			states.push(cid.to_string());
		}
	}
	let mut manifest =
		Manifest::new(dataset_ids, order.blocks.clone(), order.config, start, checkpoints);
	manifest.states = states;
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
