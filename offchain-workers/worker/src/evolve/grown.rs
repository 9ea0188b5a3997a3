//! The grown model of an epoch in compute-core terms: the parent rebuilt from the blocks the
//! chain pinned, grown by the migration's growth and seed, and the recipe it is trained by.
//! The trainer and every panel member build it with these same functions, so they start from
//! the same bits.

use crate::{
	chain::{self, runtime, At, Chain, H256},
	run,
	store::{ModelAt, Start},
	train::{OrderData, TrainOrder},
	WorkerError,
};
use aiblock_compute::{
	job::{JobConfig, JobNumbers, Model, Shape},
	model::BlockId,
	store::ContentStore,
	transformer::grow::{grow, Growth},
};
#[cfg(test)]
use aiblock_compute::{model::Architecture, transformer::TransformerSpec};

pub use runtime::runtime_types::aiblock_primitives::evolution::{
	Benchmark as ChainBenchmark, Growth as ChainGrowth, HeldOut, Migration,
};

/// The compute core's growth for a growth on chain; the noise is held in millionths there.
pub fn growth_of(growth: &ChainGrowth) -> Growth {
	// Through f64, so that every machine turns the same millionths into the same f32.
	let noise = |ppm: u32| (f64::from(ppm) / 1e6) as f32;
	match *growth {
		ChainGrowth::DoubleExperts { noise_ppm } => {
			Growth::DoubleExperts { noise: noise(noise_ppm) }
		},
		ChainGrowth::WidenFf { d_ff, noise_ppm } => {
			Growth::WidenFf { d_ff: d_ff as usize, noise: noise(noise_ppm) }
		},
		ChainGrowth::AddLayers { layers } => Growth::AddLayers { layers: usize::from(layers) },
	}
}

/// The blocks of a model of `spec`, in the chain's canonical slot order (the order a
/// migration's blocks are submitted in; the chain's `ModelSpec::param_kinds`).
pub fn param_blocks(spec: &chain::ModelSpec) -> Vec<BlockId> {
	slot_order(u32::from(spec.layers), u32::from(spec.experts), spec.attention.is_some())
}

/// The shared block, then layer by layer its attention (if the model has attention), its
/// router and its experts.
fn slot_order(layers: u32, experts: u32, attention: bool) -> Vec<BlockId> {
	let mut blocks = vec![BlockId::Shared];
	for layer in 0..layers {
		if attention {
			blocks.push(BlockId::Attention { layer });
		}
		blocks.push(BlockId::Router { layer });
		blocks.extend((0..experts).map(|expert| BlockId::Expert { layer, expert }));
	}
	blocks
}

/// The parent as the chain pinned it for the epoch: its shape and validation set, and the
/// pinned block of every slot (whatever is current now).
pub async fn pinned_parent(
	chain: &Chain,
	at: &At,
	parent: u32,
	pinned: &[H256],
) -> Result<ModelAt, WorkerError> {
	let spec = chain.model(at, parent).await?;
	let shape = run::shape_of(&spec)
		.map_err(|why| WorkerError::Compute(format!("model {parent}: {why}")))?;
	let mut blocks = Vec::with_capacity(pinned.len());
	for id in pinned {
		let record = chain.block(at, *id).await?.ok_or_else(|| {
			WorkerError::Node(format!("the pinned parent block {id:?} is not on chain"))
		})?;
		let Some(block) = run::block_id(&record.header.kind) else {
			return Err(WorkerError::Node(format!("the pinned block {id:?} is no parameter")));
		};
		blocks.push((block, run::pointer(&record.header.payload)));
	}
	Ok(ModelAt { spec: shape, validation: spec.validation_dataset.0, blocks, revision: 0 })
}

/// A model grown from a pinned parent: where an epoch's training starts.
#[derive(Clone, Debug)]
pub struct GrownModel {
	pub parent: ModelAt,
	pub growth: Growth,
	pub seed: u64,
	/// The grown shape.
	pub shape: Shape,
}

impl GrownModel {
	/// `parent` grown by `migration` into `spec` (the proposal's grown spec, which the chain
	/// derived by the same rule), or why this worker cannot build it.
	pub fn new(
		parent: ModelAt,
		migration: &Migration,
		spec: &chain::ModelSpec,
	) -> Result<GrownModel, String> {
		let Shape::Transformer(parent_spec) = parent.spec else {
			return Err("only a transformer grows".into());
		};
		let growth = growth_of(&migration.growth);
		let grown = growth.grown_spec(&parent_spec).map_err(|e| e.to_string())?;
		let shape = run::shape_of(spec)?;
		if shape != Shape::Transformer(grown) {
			return Err("the proposal's spec is not its growth of the parent".into());
		}
		Ok(GrownModel { parent, growth, seed: migration.seed, shape })
	}

	/// The training `migration` asks for: every block of the grown model `spec` together, in
	/// the chain's slot order, on the recipe's data, by its hyper-parameters (whose hash must
	/// be the one this worker computes, or nobody could replay it).
	pub fn order(
		&self,
		migration: &Migration,
		spec: &chain::ModelSpec,
	) -> Result<TrainOrder, String> {
		let hyper = &migration.hyper;
		let numbers = JobNumbers {
			seed: hyper.seed,
			batch_tokens: hyper.batch_size as usize,
			lr: run::lr_of_micros(hyper.learning_rate_micros),
			checkpoint_every: u64::from(hyper.checkpoint_every),
			steps: u64::from(migration.steps),
		};
		let config = JobConfig::for_job(&self.shape, &numbers).map_err(|e| e.to_string())?;
		if config.hash() != hyper.hash.0 {
			return Err("its hyper-parameter hash is not one this worker can reproduce".into());
		}
		Ok(TrainOrder {
			blocks: param_blocks(spec),
			datasets: migration
				.datasets
				.0
				.iter()
				.map(|d| OrderData { id: d.id, cid: d.cid.0.clone(), parts: d.parts })
				.collect(),
			config,
			steps: u64::from(migration.steps),
		})
	}
}

impl Start for GrownModel {
	fn shape(&self) -> &Shape {
		&self.shape
	}

	fn weights(&self, store: &dyn ContentStore) -> Result<Model, WorkerError> {
		match self.parent.weights(store)? {
			Model::Transformer(parent) => grow(&parent, self.growth, self.seed)
				.map(Model::Transformer)
				.map_err(|e| WorkerError::Compute(format!("growing the parent: {e}"))),
			Model::Byte(_) => Err(WorkerError::Compute("only a transformer grows".into())),
		}
	}

	fn validation(
		&self,
		store: &dyn ContentStore,
	) -> Result<aiblock_compute::data::Dataset, WorkerError> {
		self.parent.validation(store)
	}
}

/// What an epoch's training depends on: the epoch, its proposal and the pinned parent. A saved
/// migration is submitted only for the same fingerprint.
pub fn migration_fingerprint(
	epoch: u32,
	proposal: u32,
	migration: &Migration,
	pinned: &[H256],
) -> [u8; 32] {
	let mut h = blake3::Hasher::new();
	h.update(b"aiblock/migration");
	h.update(&epoch.to_le_bytes());
	h.update(&proposal.to_le_bytes());
	match migration.growth {
		ChainGrowth::DoubleExperts { noise_ppm } => h.update(&[0]).update(&noise_ppm.to_le_bytes()),
		ChainGrowth::WidenFf { d_ff, noise_ppm } => {
			h.update(&[1]).update(&d_ff.to_le_bytes()).update(&noise_ppm.to_le_bytes())
		},
		ChainGrowth::AddLayers { layers } => h.update(&[2]).update(&layers.to_le_bytes()),
	};
	h.update(&migration.seed.to_le_bytes()).update(&migration.steps.to_le_bytes());
	h.update(&migration.hyper.hash.0);
	for d in &migration.datasets.0 {
		h.update(&d.id.to_le_bytes()).update(&(d.cid.0.len() as u64).to_le_bytes());
		h.update(&d.cid.0).update(&d.parts.to_le_bytes());
	}
	for id in pinned {
		h.update(&id.0);
	}
	*h.finalize().as_bytes()
}

#[cfg(test)]
mod tests {
	use super::*;

	/// A transformer spec of `layers` layers of `experts` experts (attention or none).
	fn spec(layers: u16, experts: u16, attention: bool) -> aiblock_primitives::dag::ModelSpec {
		aiblock_primitives::dag::ModelSpec {
			name: Default::default(),
			architecture: TransformerSpec::TAG.as_bytes().to_vec().try_into().unwrap(),
			version: aiblock_primitives::dag::SemVer { major: 1, minor: 0, patch: 0 },
			generation: 0,
			context: 64,
			vocab: 256,
			tokenizer: aiblock_primitives::dag::Tokenizer::Bytes,
			d_model: 32,
			d_ff: 48,
			layers,
			experts,
			top_k: experts.min(2),
			attention: attention.then_some(aiblock_primitives::dag::AttentionSpec {
				heads: 4,
				kv_heads: 2,
				head_dim: 8,
				rope_theta: 10_000,
				norm_eps_pico: 10_000_000,
			}),
			delta: 1,
			validation_dataset: Default::default(),
		}
	}

	#[test]
	fn slots_come_in_the_chains_order() {
		use aiblock_primitives::dag::BlockKind as Kind;
		for (layers, experts, attention) in [(4u16, 8u16, true), (2, 4, false), (1, 1, true)] {
			let spec = spec(layers, experts, attention);
			let chain: Vec<BlockId> = spec
				.param_kinds()
				.map(|kind| match kind {
					Kind::Attention { layer } => BlockId::Attention { layer: u32::from(layer) },
					Kind::Router { layer } => BlockId::Router { layer: u32::from(layer) },
					Kind::Expert { layer, expert } => {
						BlockId::Expert { layer: u32::from(layer), expert: u32::from(expert) }
					},
					_ => BlockId::Shared,
				})
				.collect();
			assert_eq!(slot_order(layers.into(), experts.into(), attention), chain);
		}
	}

	/// What a panel member refuses (`replay_ok = false`) rather than fail to judge: a recipe
	/// whose hash is of another configuration, a batch of no whole number of windows, a
	/// proposal whose spec is not the growth of its parent.
	#[test]
	fn a_recipe_no_worker_can_reproduce_is_found_out() {
		use runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec;
		let parent = spec(2, 4, true);
		let grown = aiblock_primitives::evolution::Growth::DoubleExperts { noise_ppm: 10_000 }
			.grown_spec(&parent)
			.unwrap();
		let (parent, grown) =
			(crate::import::runtime_spec(parent), crate::import::runtime_spec(grown));
		let shape = run::shape_of(&grown).unwrap();
		let numbers = JobNumbers {
			seed: 1,
			batch_tokens: 128,
			lr: run::lr_of_micros(3_000),
			checkpoint_every: 4,
			steps: 8,
		};
		let config = JobConfig::for_job(&shape, &numbers).unwrap();
		let migration = Migration {
			growth: ChainGrowth::DoubleExperts { noise_ppm: 10_000 },
			seed: 7,
			steps: 8,
			hyper: run::chain_hyper(&config),
			datasets: run::chain_datasets(&[]),
			held_out: HeldOut { id: 1, cid: BoundedVec(Vec::new()) },
		};
		let parent_at = ModelAt {
			spec: run::shape_of(&parent).unwrap(),
			validation: Vec::new(),
			blocks: Vec::new(),
			revision: 0,
		};
		let model = GrownModel::new(parent_at.clone(), &migration, &grown).unwrap();
		let order = model.order(&migration, &grown).unwrap();
		assert_eq!(order.blocks, param_blocks(&grown), "every block of the grown model");
		let mut other = migration.clone();
		other.hyper.hash = H256([7; 32]);
		assert!(model.order(&other, &grown).unwrap_err().contains("hash"));
		let mut other = migration.clone();
		other.hyper.batch_size = 100;
		assert!(model.order(&other, &grown).is_err(), "100 tokens are no whole 64-token windows");
		let not_grown = GrownModel::new(parent_at, &migration, &parent).unwrap_err();
		assert!(not_grown.contains("not its growth"), "{not_grown}");
	}

	#[test]
	fn chain_growths_become_the_compute_cores() {
		assert_eq!(
			growth_of(&ChainGrowth::DoubleExperts { noise_ppm: 10_000 }),
			Growth::DoubleExperts { noise: 0.01 }
		);
		assert_eq!(
			growth_of(&ChainGrowth::WidenFf { d_ff: 352, noise_ppm: 0 }),
			Growth::WidenFf { d_ff: 352, noise: 0.0 }
		);
		assert_eq!(
			growth_of(&ChainGrowth::AddLayers { layers: 2 }),
			Growth::AddLayers { layers: 2 }
		);
	}
}
