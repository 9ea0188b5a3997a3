//! A trainer's candidate verifies; forged manifests, foreign data, tampered or missing files,
//! manifests that do not follow the job and diverged weights are refused (so the verdict
//! refutes the trainer), while a store that is down is this machine's error.
//! The development genesis model on the embedded store: no chain, no daemon, seconds.

use aiblock_compute::{
	backend::Cpu,
	data::MarkovSource,
	genesis::{GenesisModel, WORST_SCORE},
	job::{JobConfig, JobNumbers, Model},
	model::{BlockId, Weights},
	store::{cid_of, Cid, ContentStore, LocalStore, StoreError},
	train::{Manifest, TrainConfig},
	transformer::{self, TransformerSpec},
};
use aiblock_worker::{
	store::{put_block, put_file, ModelAt, Pointer},
	train::{train, Candidate, TrainOrder},
	verify::{verify, Submission, Verdict},
	WorkerError,
};

struct Fixture {
	store: LocalStore,
	model: ModelAt,
	order: TrainOrder,
}

fn fixture(name: &str) -> Fixture {
	let genesis = GenesisModel::development();
	let weights = Weights::genesis(genesis.spec, genesis.weight_seed).unwrap();
	let config = TrainConfig {
		seed: 5,
		batch_tokens: 256,
		lr: 1e-2,
		checkpoint_every: 10,
		..TrainConfig::default()
	};
	let order = (vec![BlockId::Shared], JobConfig::Byte(config), 40);
	fixture_of(name, Model::Byte(weights), &genesis.validation().bytes, order)
}

/// A store holding `model`'s blocks, its validation set and 64 KiB of Markov text, and the
/// job `(blocks, config, steps)` training on that text.
fn fixture_of(
	name: &str,
	model: Model,
	validation: &[u8],
	(blocks, config, steps): (Vec<BlockId>, JobConfig, u64),
) -> Fixture {
	let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
	let _ = std::fs::remove_dir_all(&dir);
	let store = LocalStore::open(&dir).unwrap();
	let shape = model.shape();
	let stored =
		shape.blocks().into_iter().map(|b| (b, put_block(&store, &model, b).unwrap())).collect();
	let validation = store.put(validation).unwrap().as_bytes().to_vec();
	let data = MarkovSource { order: 1, branching: 4, seed: 7 }.generate(1 << 16, 0);
	let dataset = store.put(&data.bytes).unwrap().as_bytes().to_vec();
	let model = ModelAt { spec: shape, validation, blocks: stored, revision: 0 };
	let datasets = vec![aiblock_worker::train::OrderData { id: 0, cid: dataset, parts: 1 }];
	let order = TrainOrder { blocks, datasets, config, steps };
	Fixture { store, model, order }
}

fn cpu() -> Cpu {
	Cpu::auto()
}

fn submitted(c: &Candidate) -> Submission {
	Submission {
		candidates: c.blocks.clone(),
		manifest: c.manifest.clone(),
		checkpoint_root: Some(c.checkpoint_root),
	}
}

impl Fixture {
	/// An evaluator's check of `submission` for this fixture's job.
	fn verify(&self, submission: &Submission, segments: &[u32]) -> Result<Verdict, WorkerError> {
		verify(&self.store, &cpu(), &self.model, &self.order, submission, segments)
	}

	fn manifest(&self, c: &Candidate) -> Manifest {
		let text = self.store.get(&c.manifest.cid("m").unwrap(), c.manifest.size).unwrap();
		Manifest::from_json(&serde_json::from_slice(&text).unwrap()).unwrap()
	}

	/// `c` with `manifest` published in place of its own (a consistent forgery: the root is
	/// recomputed and the file re-published).
	fn with_manifest(&self, c: &Candidate, manifest: Manifest) -> Submission {
		let mut forged = Manifest::new(
			manifest.datasets.clone(),
			manifest.blocks,
			manifest.config,
			manifest.start,
			manifest.checkpoints.clone(),
		);
		forged.states = manifest.states;
		forged.mix = manifest.mix;
		let pointer = put_file(&self.store, forged.to_json().to_string().as_bytes()).unwrap();
		Submission { manifest: pointer, checkpoint_root: Some(forged.root), ..submitted(c) }
	}
}

/// The evaluator refused the submission (the verdict will refute the trainer), saying `why`.
fn refused(v: Verdict, why: &str) -> Verdict {
	assert!(!v.replay_ok, "expected a refusal ({why}), got {v:?}");
	assert!(v.detail.contains(why), "refused for '{}', expected '{why}'", v.detail);
	v
}

#[test]
fn an_honest_candidate_verifies_and_its_score_is_the_claim() {
	let f = fixture("honest");
	let mut steps = 0;
	let c = train(&f.store, &cpu(), &f.model, &f.order, |_, _| steps += 1).unwrap();
	assert_eq!(steps, 40);
	let v = f.verify(&submitted(&c), &[1, 4]).unwrap();
	assert!(v.replay_ok, "{}", v.detail);
	assert_eq!(v.score, c.claimed, "the evaluator computes exactly the trainer's score");
	// Untrained, the model is no better than uniform (ln 256 ≈ 5.545 nats per byte); 40 steps
	// of the shared block gain far more than the development model's delta (0.01 nats).
	assert!(c.claimed + 100_000 < 5_545_177, "training lowered the loss: {}", c.claimed);

	// A second run gives the same candidate, bit for bit.
	let again = train(&f.store, &cpu(), &f.model, &f.order, |_, _| {}).unwrap();
	assert_eq!(again.blocks, c.blocks);
	assert_eq!(again.checkpoint_root, c.checkpoint_root);
}

#[test]
fn a_forged_checkpoint_or_foreign_data_fails_the_replay() {
	let f = fixture("forged");
	let c = train(&f.store, &cpu(), &f.model, &f.order, |_, _| {}).unwrap();
	let mut manifest = f.manifest(&c);
	manifest.checkpoints[1].state[0] ^= 1;
	let forged = f.with_manifest(&c, manifest);
	let v = refused(f.verify(&forged, &[2]).unwrap(), "checkpoint 2");
	assert_eq!(v.score, c.claimed, "the candidate itself was scored");
	// Segment 1 alone is before the forgery: it reproduces.
	let v = f.verify(&forged, &[1]).unwrap();
	assert!(v.replay_ok, "{}", v.detail);

	// A root other than the one submitted on chain.
	let v =
		f.verify(&Submission { checkpoint_root: Some([0; 32]), ..submitted(&c) }, &[1]).unwrap();
	refused(v, "root");

	// A manifest naming data other than the job's.
	let other = f.store.put(b"some other dataset entirely").unwrap();
	let mut manifest = f.manifest(&c);
	manifest.datasets = vec![other.to_string()];
	refused(f.verify(&f.with_manifest(&c, manifest), &[1]).unwrap(), "datasets");

	// A manifest mixing the job's datasets otherwise than the job.
	let mut manifest = f.manifest(&c);
	assert_eq!(manifest.mix, vec![1], "the trainer records the job's mix");
	manifest.mix = vec![2];
	refused(f.verify(&f.with_manifest(&c, manifest), &[1]).unwrap(), "mixes");
}

#[test]
fn the_replay_follows_the_job_not_the_manifest() {
	let f = fixture("schedule");
	let c = train(&f.store, &cpu(), &f.model, &f.order, |_, _| {}).unwrap();
	// Four copies of the first checkpoint: one step of work claimed as forty.
	let mut manifest = f.manifest(&c);
	let first = manifest.checkpoints[0];
	manifest.checkpoints = vec![first; 4];
	refused(f.verify(&f.with_manifest(&c, manifest), &[4]).unwrap(), "checkpoint 2 is at step 10");
	// Fewer checkpoints than the job's schedule has (the replay used to zip the shorter list).
	let mut manifest = f.manifest(&c);
	manifest.checkpoints.truncate(1);
	refused(f.verify(&f.with_manifest(&c, manifest), &[1]).unwrap(), "1 checkpoints");
	// A step no replay would ever reach, and a batch no machine can allocate: refused before
	// any replaying, so they cost nothing.
	let mut manifest = f.manifest(&c);
	manifest.checkpoints[3].step = 1 << 63;
	refused(f.verify(&f.with_manifest(&c, manifest), &[4]).unwrap(), "step 9223372036854775808");
	let JobConfig::Byte(job) = f.order.config else { unreachable!("a byte fixture") };
	for config in [
		TrainConfig { batch_tokens: 1 << 40, ..job },
		TrainConfig { checkpoint_every: 0, ..job },
		TrainConfig { lr: 1e9, ..job },
	] {
		let mut manifest = f.manifest(&c);
		manifest.config = JobConfig::Byte(config);
		refused(f.verify(&f.with_manifest(&c, manifest), &[1]).unwrap(), "hyper-parameters");
	}
	// Another block than the job's.
	let mut manifest = f.manifest(&c);
	manifest.blocks = vec![BlockId::Router { layer: 0 }];
	refused(f.verify(&f.with_manifest(&c, manifest), &[1]).unwrap(), "trains layer0.router");
}

#[test]
fn what_the_trainer_published_wrongly_is_a_refusal_not_an_error() {
	let f = fixture("tampered");
	let c = train(&f.store, &cpu(), &f.model, &f.order, |_, _| {}).unwrap();
	let honest = submitted(&c);
	// Content that is not what the chain says.
	let wrong = Pointer { hash: [7; 32], ..c.blocks[0].clone() };
	let v = refused(
		f.verify(&Submission { candidates: vec![wrong], ..honest.clone() }, &[1]).unwrap(),
		"candidate",
	);
	assert_eq!(v.score, WORST_SCORE, "an unusable candidate has the worst score");
	let wrong = Pointer { hash: [7; 32], ..c.manifest.clone() };
	refused(f.verify(&Submission { manifest: wrong, ..honest.clone() }, &[1]).unwrap(), "manifest");
	let wrong = Pointer { size: c.blocks[0].size + 1, ..c.blocks[0].clone() };
	refused(
		f.verify(&Submission { candidates: vec![wrong], ..honest.clone() }, &[1]).unwrap(),
		"bytes",
	);
	// A CID nobody serves (this store works: the content is missing, not the store).
	let nowhere =
		Pointer { cid: cid_of(b"never published").as_bytes().to_vec(), ..c.blocks[0].clone() };
	let v = f.verify(&Submission { candidates: vec![nowhere], ..honest.clone() }, &[1]).unwrap();
	refused(v, "not in the store");
	// A manifest larger than any honest one for this job could be.
	let huge = Pointer { size: 1 << 40, ..c.manifest.clone() };
	refused(f.verify(&Submission { manifest: huge, ..honest.clone() }, &[1]).unwrap(), "larger");
	// A block of another slot's shapes, consistently hashed.
	let genesis = GenesisModel::development();
	let weights = Weights::genesis(genesis.spec, 1).unwrap();
	let router =
		put_block(&f.store, &Model::Byte(weights.clone()), BlockId::Router { layer: 0 }).unwrap();
	refused(
		f.verify(&Submission { candidates: vec![router], ..honest.clone() }, &[1]).unwrap(),
		"not a shared block",
	);
	// Diverged weights: NaN must never score as a perfect model.
	let mut diverged = weights.clone();
	let name = diverged.block(BlockId::Shared).keys().next().unwrap().clone();
	diverged.tensors.get_mut(&name).unwrap().data[0] = f32::NAN;
	let nan = put_block(&f.store, &Model::Byte(diverged), BlockId::Shared).unwrap();
	let v =
		refused(f.verify(&Submission { candidates: vec![nan], ..honest }, &[1]).unwrap(), "NaN");
	assert_eq!(v.score, WORST_SCORE);
}

/// A store whose daemon is down: every read fails, and it says so.
struct Down;

impl ContentStore for Down {
	fn put(&self, _: &[u8]) -> Result<Cid, StoreError> {
		Err(StoreError::Remote("connection refused".into()))
	}
	fn get(&self, cid: &Cid, _: u64) -> Result<Vec<u8>, StoreError> {
		Err(StoreError::NotFound(cid.clone()))
	}
	fn has(&self, _: &Cid) -> Result<bool, StoreError> {
		Err(StoreError::Remote("connection refused".into()))
	}
	fn healthy(&self) -> Result<(), StoreError> {
		Err(StoreError::Remote("connection refused".into()))
	}
}

#[test]
fn a_store_that_is_down_is_this_machines_fault() {
	let f = fixture("down");
	let c = train(&f.store, &cpu(), &f.model, &f.order, |_, _| {}).unwrap();
	match verify(&Down, &cpu(), &f.model, &f.order, &submitted(&c), &[1]) {
		Err(WorkerError::Store(StoreError::Remote(why))) => assert!(why.contains("refused")),
		other => panic!("expected the store's error, got {other:?}"),
	}
}

#[test]
fn a_transformer_job_trains_verifies_and_refuses_forgeries() {
	let spec = TransformerSpec { context: 32, ..TransformerSpec::TINY };
	let weights = transformer::genesis(spec, 2).unwrap();
	let validation = MarkovSource { order: 1, branching: 4, seed: 7 }.generate(4096, 1).bytes;
	let block = BlockId::Attention { layer: 0 };
	let numbers =
		JobNumbers { seed: 3, batch_tokens: 128, lr: 3e-3, checkpoint_every: 4, steps: 12 };
	let config =
		JobConfig::for_job(&Model::Transformer(weights.clone()).shape(), &numbers).unwrap();
	let f = fixture_of(
		"transformer",
		Model::Transformer(weights.clone()),
		&validation,
		(vec![block], config, 12),
	);
	let c = train(&f.store, &cpu(), &f.model, &f.order, |_, _| {}).unwrap();
	// Every segment replays, and the score is the claim (per token, the transformer protocol).
	let v = f.verify(&submitted(&c), &[1, 3]).unwrap();
	assert!(v.replay_ok, "{v:?}");
	assert_eq!(v.score, c.claimed);
	let before =
		aiblock_compute::genesis::transformer_score(&cpu(), &weights, &validation).unwrap();
	assert!((c.claimed as f32) < before * 1e6, "training helped: {before} → {}", c.claimed);
	// A forged middle checkpoint with a consistent root.
	let mut manifest = f.manifest(&c);
	manifest.checkpoints[1].state[0] ^= 1;
	// Segment 3 starts from the uploaded state of checkpoint 2, which is not the forged hash.
	let forged = f.with_manifest(&c, manifest);
	refused(f.verify(&forged, &[3]).unwrap(), "state file of checkpoint 2");
	// Segment 2 ends there: its replay does not reach the forged hash.
	refused(f.verify(&forged, &[2]).unwrap(), "checkpoint 2 (step 8)");
	// The byte recipe for a transformer job.
	let mut manifest = f.manifest(&c);
	manifest.config = JobConfig::Byte(TrainConfig::default());
	refused(f.verify(&f.with_manifest(&c, manifest), &[1]).unwrap(), "hyper-parameters");
	// Another slot's block in the candidate's place.
	let router =
		put_block(&f.store, &Model::Transformer(weights), BlockId::Router { layer: 0 }).unwrap();
	refused(
		f.verify(&Submission { candidates: vec![router], ..submitted(&c) }, &[1]).unwrap(),
		"not a layer0.attention block",
	);
}

/// A job on a set of a transformer's slots: one run trains them together, each block is
/// published, the evaluator loads them all, scores and replays; the candidates in another
/// order, or one short, are refused.
#[test]
fn a_set_of_slots_trains_and_verifies_together() {
	let spec = TransformerSpec { context: 32, ..TransformerSpec::TINY };
	let weights = transformer::genesis(spec, 4).unwrap();
	let validation = MarkovSource { order: 1, branching: 4, seed: 7 }.generate(4096, 1).bytes;
	let blocks = vec![BlockId::Shared, BlockId::Expert { layer: 1, expert: 3 }];
	let numbers =
		JobNumbers { seed: 6, batch_tokens: 128, lr: 3e-3, checkpoint_every: 4, steps: 8 };
	let config =
		JobConfig::for_job(&Model::Transformer(weights.clone()).shape(), &numbers).unwrap();
	let f = fixture_of("set", Model::Transformer(weights), &validation, (blocks, config, 8));
	let c = train(&f.store, &cpu(), &f.model, &f.order, |_, _| {}).unwrap();
	assert_eq!(c.blocks.len(), 2, "one candidate per slot");
	assert_eq!(f.manifest(&c).blocks, f.order.blocks);
	let v = f.verify(&submitted(&c), &[1, 2]).unwrap();
	assert!(v.replay_ok, "{v:?}");
	assert_eq!(v.score, c.claimed);
	let swapped = vec![c.blocks[1].clone(), c.blocks[0].clone()];
	let swapped = Submission { candidates: swapped, ..submitted(&c) };
	refused(f.verify(&swapped, &[1]).unwrap(), "not a shared block");
	let short = Submission { candidates: vec![c.blocks[0].clone()], ..submitted(&c) };
	refused(f.verify(&short, &[1]).unwrap(), "1 candidates for 2 slots");
}

/// A trainer uploads its state at every checkpoint but the last, and an evaluator replays a
/// drawn segment from the state at its start: only that segment's steps. A state file that is
/// not the committed state, or missing, refutes the trainer; a manifest without states (an
/// older trainer's) is replayed from the start.
#[test]
fn drawn_segments_replay_from_the_uploaded_states() {
	let f = fixture("states");
	let c = train(&f.store, &cpu(), &f.model, &f.order, |_, _| {}).unwrap();
	let manifest = f.manifest(&c);
	assert_eq!(manifest.states.len(), manifest.checkpoints.len() - 1, "all but the last");
	let v = f.verify(&submitted(&c), &[3]).unwrap();
	assert!(v.replay_ok, "{v:?}");
	assert!(v.detail.contains("[3] from their uploaded states: 10 of 40 steps"), "{}", v.detail);
	let v = f.verify(&submitted(&c), &[4, 2]).unwrap();
	assert!(v.detail.contains("[2, 4] from their uploaded states: 20 of 40 steps"), "{}", v.detail);

	// The state of checkpoint 2 swapped for checkpoint 1's: a real state, not the committed one.
	let mut swapped = manifest.clone();
	swapped.states[1] = swapped.states[0].clone();
	let swapped = f.with_manifest(&c, swapped);
	refused(f.verify(&swapped, &[3]).unwrap(), "state file of checkpoint 2");
	assert!(f.verify(&swapped, &[2]).unwrap().replay_ok, "segment 2 starts at checkpoint 1");
	// A state nobody serves, a file that is no state, and one state too few.
	let mut missing = manifest.clone();
	missing.states[0] = cid_of(b"never published").to_string();
	refused(f.verify(&f.with_manifest(&c, missing), &[2]).unwrap(), "not in the store");
	let mut garbage = manifest.clone();
	garbage.states[0] = f.store.put(b"not a state").unwrap().to_string();
	refused(f.verify(&f.with_manifest(&c, garbage), &[2]).unwrap(), "state of checkpoint 1");
	let mut short = manifest.clone();
	short.states.pop();
	refused(f.verify(&f.with_manifest(&c, short), &[2]).unwrap(), "2 state files for 4");
	// Without states: from the start, every checkpoint up to the segment's end.
	let mut legacy = manifest;
	legacy.states.clear();
	let v = f.verify(&f.with_manifest(&c, legacy), &[3]).unwrap();
	assert!(v.replay_ok && v.detail.contains("replayed 30 steps from the start"), "{v:?}");
}

/// The embedded store, reporting only `room` bytes of space left.
struct Cramped {
	inner: LocalStore,
	room: u64,
}

impl ContentStore for Cramped {
	fn put(&self, bytes: &[u8]) -> Result<Cid, StoreError> {
		self.inner.put(bytes)
	}
	fn get(&self, cid: &Cid, limit: u64) -> Result<Vec<u8>, StoreError> {
		self.inner.get(cid, limit)
	}
	fn has(&self, cid: &Cid) -> Result<bool, StoreError> {
		self.inner.has(cid)
	}
	fn room(&self) -> Result<Option<u64>, StoreError> {
		Ok(Some(self.room))
	}
}

#[test]
fn a_store_without_room_for_the_states_gets_none_and_the_run_still_verifies() {
	let f = fixture("cramped");
	assert!(f.store.room().unwrap().is_some_and(|free| free > 0), "a folder knows its room");
	let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cramped");
	let cramped = Cramped { inner: LocalStore::open(&dir).unwrap(), room: 4096 };
	let c = train(&cramped, &cpu(), &f.model, &f.order, |_, _| {}).unwrap();
	let manifest = f.manifest(&c);
	assert!(manifest.states.is_empty(), "no states where they do not fit");
	let v = f.verify(&submitted(&c), &[3]).unwrap();
	assert!(v.replay_ok && v.detail.contains("replayed 30 steps from the start"), "{v:?}");
	// With room, the same job publishes them.
	let roomy = Cramped { inner: LocalStore::open(&dir).unwrap(), room: u64::MAX };
	let c = train(&roomy, &cpu(), &f.model, &f.order, |_, _| {}).unwrap();
	assert_eq!(f.manifest(&c).states.len(), 3);
}

/// An evolution epoch's training: the trainer and the evaluator each grow the parent from its
/// stored blocks by the same growth and seed, so the whole grown model's run verifies; a
/// candidate grown with another seed, or trained from the parent without growing, is refused.
#[test]
fn a_grown_model_trains_from_its_parent_and_verifies_only_from_the_same_growth() {
	use aiblock_compute::transformer::grow::Growth;
	use aiblock_worker::evolve::GrownModel;
	let spec = TransformerSpec { context: 32, ..TransformerSpec::TINY };
	let weights = transformer::genesis(spec, 4).unwrap();
	let validation = MarkovSource { order: 1, branching: 4, seed: 7 }.generate(4096, 1).bytes;
	let growth = Growth::DoubleExperts { noise: 0.01 };
	let grown_shape = aiblock_compute::job::Shape::Transformer(growth.grown_spec(&spec).unwrap());
	let numbers =
		JobNumbers { seed: 3, batch_tokens: 128, lr: 3e-3, checkpoint_every: 4, steps: 8 };
	let config = JobConfig::for_job(&grown_shape, &numbers).unwrap();
	// The order trains every block of the grown model; the fixture stores the parent.
	let f = fixture_of(
		"grown",
		Model::Transformer(weights),
		&validation,
		(grown_shape.blocks(), config, 8),
	);
	let grown =
		|seed| GrownModel { parent: f.model.clone(), growth, seed, shape: grown_shape.clone() };
	let trainer = grown(11);
	let c = train(&f.store, &cpu(), &trainer, &f.order, |_, _| {}).unwrap();
	assert_eq!(c.blocks.len(), grown_shape.blocks().len(), "one block per grown slot");
	let check = |start: &GrownModel, segments: &[u32]| {
		verify(&f.store, &cpu(), start, &f.order, &submitted(&c), segments).unwrap()
	};
	let v = check(&grown(11), &[1, 2]);
	assert!(v.replay_ok, "{v:?}");
	assert_eq!(v.score, c.claimed, "the evaluator scores what the trainer measured");
	// Grown with another seed: other noise on the copies, another start.
	refused(check(&grown(12), &[1]), "does not start from the chain's weights");
	// Without the noise: another start too.
	let exact = GrownModel { growth: Growth::DoubleExperts { noise: 0.0 }, ..grown(11) };
	refused(check(&exact, &[1]), "does not start from the chain's weights");
}
