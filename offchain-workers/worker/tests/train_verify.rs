//! A trainer's candidate verifies; forged manifests, foreign data and tampered files do not.
//! The development genesis model on the embedded store: no chain, no daemon, seconds.

use aiblock_compute::{
	backend::Cpu,
	data::MarkovSource,
	genesis::GenesisModel,
	model::{BlockId, Weights},
	store::{ContentStore, LocalStore},
	train::{Manifest, TrainConfig},
};
use aiblock_worker::{
	store::{put_block, put_file, ModelAt, Pointer},
	train::{train, TrainOrder},
	verify::{verify, Verdict},
	WorkerError,
};

struct Fixture {
	store: LocalStore,
	model: ModelAt,
	order: TrainOrder,
}

fn fixture(name: &str) -> Fixture {
	let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
	let _ = std::fs::remove_dir_all(&dir);
	let store = LocalStore::open(&dir).unwrap();
	let genesis = GenesisModel::development();
	let weights = Weights::genesis(genesis.spec, genesis.weight_seed).unwrap();
	let blocks = genesis
		.spec
		.blocks()
		.into_iter()
		.map(|b| (b, put_block(&store, &weights, b).unwrap()))
		.collect();
	let validation = store.put(&genesis.validation().bytes).unwrap().as_bytes().to_vec();
	let data = MarkovSource { order: 1, branching: 4, seed: 7 }.generate(1 << 16, 0);
	let dataset = store.put(&data.bytes).unwrap().as_bytes().to_vec();
	let model = ModelAt { spec: genesis.spec, validation, blocks };
	let config = TrainConfig {
		seed: 5,
		batch_tokens: 256,
		lr: 1e-2,
		checkpoint_every: 10,
		..TrainConfig::default()
	};
	let order = TrainOrder { block: BlockId::Shared, datasets: vec![dataset], config, steps: 40 };
	Fixture { store, model, order }
}

fn cpu() -> Cpu {
	Cpu::auto()
}

impl Fixture {
	/// An evaluator's check of a submission (datasets, candidate, manifest, root) on this model.
	fn verify(
		&self,
		datasets: &[Vec<u8>],
		candidate: &Pointer,
		manifest: &Pointer,
		root: &[u8; 32],
		segments: &[u32],
	) -> Result<Verdict, WorkerError> {
		verify(&self.store, &cpu(), &self.model, datasets, candidate, manifest, root, segments)
	}
}

#[test]
fn an_honest_candidate_verifies_and_its_score_is_the_claim() {
	let f = fixture("honest");
	let mut steps = 0;
	let c = train(&f.store, &cpu(), &f.model, &f.order, |_, _| steps += 1).unwrap();
	assert_eq!(steps, 40);
	let v =
		f.verify(&f.order.datasets, &c.block, &c.manifest, &c.checkpoint_root, &[1, 4]).unwrap();
	assert!(v.replay_ok, "{}", v.detail);
	assert_eq!(v.score, c.claimed, "the evaluator computes exactly the trainer's score");
	// Untrained, the model is no better than uniform (ln 256 ≈ 5.545 nats per byte); 40 steps
	// of the shared block gain far more than the development model's delta (0.01 nats).
	assert!(c.claimed + 100_000 < 5_545_177, "training lowered the loss: {}", c.claimed);

	// A second run gives the same candidate, bit for bit.
	let again = train(&f.store, &cpu(), &f.model, &f.order, |_, _| {}).unwrap();
	assert_eq!(again.block, c.block);
	assert_eq!(again.checkpoint_root, c.checkpoint_root);
}

#[test]
fn a_forged_checkpoint_or_foreign_data_fails_the_replay() {
	let f = fixture("forged");
	let c = train(&f.store, &cpu(), &f.model, &f.order, |_, _| {}).unwrap();
	let text = f.store.get(&c.manifest.cid("m").unwrap()).unwrap();
	let mut manifest = Manifest::from_json(&serde_json::from_slice(&text).unwrap()).unwrap();
	manifest.checkpoints[1].state[0] ^= 1;
	// A consistent forgery: the root is recomputed, the file re-published.
	let forged = Manifest::new(
		manifest.datasets.clone(),
		manifest.block,
		manifest.config,
		manifest.start,
		manifest.checkpoints.clone(),
	);
	let pointer = put_file(&f.store, forged.to_json().to_string().as_bytes()).unwrap();
	let v = f.verify(&f.order.datasets, &c.block, &pointer, &forged.root, &[2]).unwrap();
	assert!(!v.replay_ok);
	assert!(v.detail.contains("checkpoint 2"), "{}", v.detail);
	// Segment 1 alone is before the forgery: it reproduces.
	let v = f.verify(&f.order.datasets, &c.block, &pointer, &forged.root, &[1]).unwrap();
	assert!(v.replay_ok, "{}", v.detail);

	// A root other than the one submitted on chain.
	let v = f.verify(&f.order.datasets, &c.block, &c.manifest, &[0; 32], &[1]).unwrap();
	assert!(!v.replay_ok && v.detail.contains("root"), "{}", v.detail);

	// Data other than the job's.
	let other = f.store.put(b"some other dataset entirely").unwrap().as_bytes().to_vec();
	let v = f.verify(&[other], &c.block, &c.manifest, &c.checkpoint_root, &[1]).unwrap();
	assert!(!v.replay_ok && v.detail.contains("datasets"), "{}", v.detail);
}

#[test]
fn files_that_do_not_match_the_chain_are_refused() {
	let f = fixture("tampered");
	let c = train(&f.store, &cpu(), &f.model, &f.order, |_, _| {}).unwrap();
	let wrong = Pointer { hash: [7; 32], ..c.block.clone() };
	match f.verify(&f.order.datasets, &wrong, &c.manifest, &c.checkpoint_root, &[1]) {
		Err(WorkerError::Tampered { what, .. }) => assert_eq!(what, "candidate"),
		other => panic!("expected Tampered, got {other:?}"),
	}
	let wrong = Pointer { hash: [7; 32], ..c.manifest.clone() };
	match f.verify(&f.order.datasets, &c.block, &wrong, &c.checkpoint_root, &[1]) {
		Err(WorkerError::Tampered { what, .. }) => assert_eq!(what, "manifest"),
		other => panic!("expected Tampered, got {other:?}"),
	}
}
