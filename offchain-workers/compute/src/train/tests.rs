use super::*;
use crate::{backend::Cpu, data::MarkovSource, matmul::Kernel, model::ModelSpec};

fn source() -> MarkovSource {
	MarkovSource { order: 1, branching: 4, seed: 21 }
}

fn cfg() -> TrainConfig {
	TrainConfig {
		seed: 5,
		batch_tokens: 128,
		lr: 1e-2,
		checkpoint_every: 10,
		..TrainConfig::default()
	}
}

fn cpu(threads: usize, kernel: Kernel) -> Cpu {
	Cpu { threads, kernel }
}

#[test]
fn training_the_shared_block_approaches_the_entropy_rate() {
	let train = source().generate(20_000, 0);
	let valid = source().generate(4_000, 1);
	let backend = Cpu::auto();
	let mut state =
		TrainState::new(Weights::genesis(ModelSpec::TINY, 1).unwrap(), BlockId::Shared).unwrap();
	let before = evaluate(&backend, &state.weights, &valid, 1024).unwrap();
	state.run(&backend, &train, &cfg(), 150, |_, _| {}).unwrap();
	let after = evaluate(&backend, &state.weights, &valid, 1024).unwrap();
	let floor = source().entropy_rate() as f32;
	assert!(before > 5.0, "starts near ln 256: {before}");
	assert!(after < before - 3.0, "{before} → {after}");
	// 150 steps close most of the gap between the uniform guess and the entropy rate.
	assert!(after - floor < 0.25 * (before - floor), "{after} vs the entropy rate {floor}");
}

#[test]
fn training_one_expert_leaves_everything_else_untouched() {
	let train = source().generate(5_000, 0);
	let block = BlockId::Expert { layer: 1, expert: 2 };
	let start = Weights::genesis(ModelSpec::TINY, 1).unwrap();
	let mut state = TrainState::new(start.clone(), block).unwrap();
	let mut losses = Vec::new();
	state.run(&Cpu::auto(), &train, &cfg(), 40, |_, l| losses.push(l)).unwrap();
	assert_eq!(losses.len(), 40);
	for (name, t) in &state.weights.tensors {
		let changed = t != &start.tensors[name];
		assert_eq!(changed, name.starts_with("layer1.expert2."), "{name}");
	}
	assert!(losses[39] < losses[0], "the expert learns something: {} → {}", losses[0], losses[39]);
}

#[test]
fn runs_are_bitwise_reproducible_across_threads_and_kernels() {
	let train = source().generate(5_000, 0);
	let run = |backend: Cpu| {
		let mut state =
			TrainState::new(Weights::genesis(ModelSpec::TINY, 1).unwrap(), BlockId::Shared)
				.unwrap();
		state.run(&backend, &train, &cfg(), 20, |_, _| {}).unwrap()
	};
	let reference = run(cpu(1, Kernel::Portable));
	assert_eq!(reference.len(), 2);
	assert_eq!(reference, run(cpu(2, Kernel::Auto)));
	assert_eq!(reference, run(cpu(3, Kernel::Portable)));
	assert_eq!(reference, run(cpu(1, Kernel::Auto)));
}

#[test]
fn replay_from_a_checkpoint_reproduces_the_committed_hash() {
	let train = source().generate(5_000, 0);
	let block = BlockId::Router { layer: 0 };
	let mut state = TrainState::new(Weights::genesis(ModelSpec::TINY, 1).unwrap(), block).unwrap();
	let backend = Cpu::auto();
	state.run(&backend, &train, &cfg(), 10, |_, _| {}).unwrap();
	let saved = state.clone();
	assert_eq!(saved.hash(), state.hash());
	let committed = state.run(&backend, &train, &cfg(), 30, |_, _| {}).unwrap();
	assert_eq!(committed.iter().map(|c| c.step).collect::<Vec<_>>(), vec![20, 30]);

	let mut replay = saved;
	let replayed = replay.run(&cpu(1, Kernel::Portable), &train, &cfg(), 30, |_, _| {}).unwrap();
	assert_eq!(replayed, committed);
	// A different seed is a different run.
	let mut other = state.clone();
	other.step = 10;
	let other_cfg = TrainConfig { seed: 6, ..cfg() };
	assert_ne!(
		other.run(&backend, &train, &other_cfg, 20, |_, _| {}).unwrap()[0].state,
		committed[0].state
	);
}

#[test]
fn bisection_finds_the_first_tampered_step() {
	let train = source().generate(5_000, 0);
	let backend = Cpu::auto();
	let honest_start =
		TrainState::new(Weights::genesis(ModelSpec::TINY, 1).unwrap(), BlockId::Shared).unwrap();
	let steps = 24u64;
	// The trainer cheats once: after step 13 it nudges a weight.
	let mut cheat = honest_start.clone();
	let mut claimed = vec![cheat.hash()];
	while cheat.step < steps {
		cheat.step(&backend, &train, &cfg()).unwrap();
		if cheat.step == 13 {
			cheat.weights.tensors.get_mut("shared.head.bias").unwrap().data[0] += 1e-3;
		}
		claimed.push(cheat.hash());
	}
	// The verifier recomputes the honest hashes and bisects over the trainer's claims.
	let mut honest = honest_start;
	let mut mine = vec![honest.hash()];
	while honest.step < steps {
		honest.step(&backend, &train, &cfg()).unwrap();
		mine.push(honest.hash());
	}
	let mut asked = 0;
	let first = first_disagreement(0, steps + 1, |s| {
		asked += 1;
		claimed[s as usize] == mine[s as usize]
	});
	assert_eq!(first, Some(13));
	assert!(asked <= 6, "bisection asks O(log n): {asked}");
	assert_eq!(first_disagreement(0, steps + 1, |_| true), None);
	assert_eq!(first_disagreement(0, 1, |_| false), Some(0));
	assert_eq!(first_disagreement(5, 5, |_| false), None);
}

#[test]
fn evaluation_does_not_depend_on_batching_or_threads() {
	let valid = source().generate(3_000, 1);
	let w = Weights::genesis(ModelSpec::TINY, 4).unwrap();
	let a = evaluate(&cpu(1, Kernel::Portable), &w, &valid, 3_000).unwrap();
	for (threads, tokens) in [(2, 100), (3, 1024), (1, 1)] {
		assert_eq!(
			evaluate(&cpu(threads, Kernel::Auto), &w, &valid, tokens).unwrap().to_bits(),
			a.to_bits()
		);
	}
	assert!(evaluate(&Cpu::auto(), &w, &Dataset::new(vec![]), 10).is_err());
}

#[test]
fn manifest_root_commits_to_every_checkpoint() {
	let c = |step, byte, loss| Checkpoint { step, state: [byte; 32], loss_bits: loss };
	let start = c(0, 0, 0);
	let cps = vec![c(10, 1, 7), c(20, 2, 8), c(25, 3, 9)];
	let m = Manifest::new(
		vec!["bafk…".into()],
		vec![BlockId::Shared],
		JobConfig::Byte(cfg()),
		start,
		cps.clone(),
	);
	assert_eq!(m.numerics_version, crate::NUMERICS_VERSION);
	for i in 0..cps.len() {
		for tweak in 0..3 {
			let mut changed = cps.clone();
			match tweak {
				0 => changed[i].step += 1,
				1 => changed[i].state[5] ^= 1,
				_ => changed[i].loss_bits ^= 1,
			}
			assert_ne!(
				Manifest::new(
					vec![],
					vec![BlockId::Shared],
					JobConfig::Byte(cfg()),
					start,
					changed
				)
				.root,
				m.root
			);
		}
	}
	assert_ne!(merkle_root(&[]), merkle_root(&[start]));
	let json = m.to_json();
	assert_eq!(Manifest::from_json(&json).unwrap(), m);
	// The mix round-trips; a manifest written before mixes has none.
	let mixed = Manifest { mix: vec![1, 3], ..m.clone() };
	assert_eq!(Manifest::from_json(&mixed.to_json()).unwrap(), mixed);
	let mut unmixed = json.clone();
	unmixed.as_object_mut().unwrap().remove("mix");
	assert_eq!(Manifest::from_json(&unmixed).unwrap(), m);
	// A manifest written before jobs trained sets names its one block.
	let mut legacy = json.clone();
	let object = legacy.as_object_mut().unwrap();
	object.remove("blocks");
	object.insert("block".into(), "shared".into());
	assert_eq!(Manifest::from_json(&legacy).unwrap(), m);
	let mut forged = json.clone();
	forged["checkpoints"][1]["loss_bits"] = 99.into();
	assert!(Manifest::from_json(&forged).unwrap_err().to_string().contains("root"));
	let mut future = json;
	future["numerics_version"] = 999.into();
	assert!(Manifest::from_json(&future).is_err());
	assert_ne!(merkle_root(&cps[..2]), merkle_root(&[cps[1], cps[0]]), "order matters");
}

#[test]
fn bad_configuration_is_refused() {
	let data = source().generate(100, 0);
	let mut state =
		TrainState::new(Weights::genesis(ModelSpec::TINY, 1).unwrap(), BlockId::Shared).unwrap();
	let backend = Cpu::auto();
	assert_eq!(
		state.run(&backend, &data, &TrainConfig { checkpoint_every: 0, ..cfg() }, 5, |_, _| {}),
		Err(TrainError::BadConfig("checkpoint_every"))
	);
	assert_eq!(
		state.step(&backend, &data, &TrainConfig { batch_tokens: 0, ..cfg() }),
		Err(TrainError::BadConfig("batch_tokens"))
	);
	assert_eq!(state.step(&backend, &Dataset::new(vec![]), &cfg()), Err(TrainError::EmptyDataset));
	assert_eq!(state.step, 0, "nothing changed");
	assert!(TrainState::new(
		Weights::genesis(ModelSpec::TINY, 1).unwrap(),
		BlockId::Router { layer: 7 }
	)
	.is_err());
}

/// The numerics spec, pinned: the state hash after a short run of every block kind. Any change
/// of bits (an op reordered, an `exp` rewritten) fails here and must come with a new
/// `NUMERICS_VERSION` and new values.
#[test]
fn numerics_v1_state_hashes_are_pinned() {
	assert_eq!(crate::NUMERICS_VERSION, 1, "a new numerics version needs new pinned hashes");
	let train = source().generate(5_000, 0);
	let hash_after = |block| {
		let mut state =
			TrainState::new(Weights::genesis(ModelSpec::TINY, 1).unwrap(), block).unwrap();
		state.run(&cpu(2, Kernel::Auto), &train, &cfg(), 12, |_, _| {}).unwrap();
		crate::tensor::hex(&state.hash())
	};
	let got = [
		hash_after(BlockId::Shared),
		hash_after(BlockId::Router { layer: 0 }),
		hash_after(BlockId::Expert { layer: 1, expert: 2 }),
	];
	assert_eq!(got, PINNED, "the numerics changed: {got:#?}");
}

const PINNED: [&str; 3] = [
	"c023bfa2a8f5d6ecf59fe17cf013da876e1d4c82c548661dde8a36ac4d64ea71",
	"365e080de60513e9bee29920c7dcd5a2ab602a8b2a86b9234cb459fcb59417a2",
	"2912763692bd215236eb7c832e63931a0b00685c71136f79115ad8ff26e79914",
];
