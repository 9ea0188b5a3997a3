use super::*;
use crate::{
	backend::Cpu,
	transformer::{genesis, TransformerSpec},
};

const TEXT: &[u8] = b"First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\nFirst Citizen:\nYou are all resolved rather to die than to famish?\n\nAll:\nResolved. resolved.\n";

fn transformer() -> TransformerWeights {
	genesis(TransformerSpec { context: 16, ..TransformerSpec::TINY }, 3).unwrap()
}

fn lm_config(steps: u64) -> JobConfig {
	JobConfig::Transformer { lm: LmConfig::for_job(9, 4, 16, 1e-2, steps), checkpoint_every: 2 }
}

#[test]
fn configurations_round_trip_and_byte_hashes_are_unchanged() {
	let byte = TrainConfig { seed: 4, batch_tokens: 96, lr: 2e-3, ..TrainConfig::default() };
	assert_eq!(JobConfig::Byte(byte).to_json(), byte.to_json(), "byte jobs keep their hashes");
	for config in [JobConfig::Byte(byte), lm_config(50)] {
		let json = config.to_json();
		assert_eq!(JobConfig::from_json(&json), Some(config));
		let reparsed: serde_json::Value = serde_json::from_str(&json.to_string()).unwrap();
		assert_eq!(JobConfig::from_json(&reparsed), Some(config), "through text");
	}
	assert_ne!(JobConfig::Byte(byte).hash(), lm_config(50).hash());
	assert_ne!(lm_config(50).hash(), lm_config(51).hash(), "the schedule depends on the steps");
	let mut other = lm_config(50).to_json();
	other["architecture"] = "llama-v9".into();
	assert_eq!(JobConfig::from_json(&other), None);
	assert_eq!(lm_config(50).batch_tokens(), 64);
}

#[test]
fn the_job_recipe_warms_up_for_a_tenth_and_decays_over_the_run() {
	let lm = LmConfig::for_job(0, 2, 8, 1e-3, 400);
	assert_eq!((lm.warmup, lm.decay_steps), (40, 400));
	assert!((lm.min_lr - 1e-4).abs() < 1e-10, "{}", lm.min_lr);
	assert_eq!(LmConfig::for_job(0, 2, 8, 1e-3, 5000).warmup, 100);
	assert_eq!(lm.lr_at(40), 1e-3);
	assert_eq!(lm.lr_at(400), lm.min_lr);
}

#[test]
fn a_transformer_run_commits_on_schedule_and_replays_bit_for_bit() {
	let weights = transformer();
	let block = BlockId::Attention { layer: 1 };
	let config = lm_config(6);
	let data = Dataset::new(TEXT.to_vec());
	let cpu = Cpu::auto();
	let mut run = Run::new(Model::Transformer(weights.clone()), &[block], &config).unwrap();
	let start = run.hash();
	let mut losses = Vec::new();
	let trained = run
		.run_while(&cpu, &data, &config, 5, |_, loss| {
			losses.push(loss);
			true
		})
		.unwrap();
	assert_eq!(trained.iter().map(|c| c.step).collect::<Vec<_>>(), [2, 4, 5]);
	assert_eq!(trained[2].loss_bits, losses[4].to_bits());
	// An evaluator replays the first two segments on one thread: the same commitments.
	let one = Cpu { threads: 1, ..cpu };
	let mut replay = Run::new(Model::Transformer(weights.clone()), &[block], &config).unwrap();
	assert_eq!(replay.hash(), start);
	let replayed = replay.run_while(&one, &data, &config, 4, |_, _| true).unwrap();
	assert_eq!(replayed[..], trained[..2]);
	// Only the trained block moved.
	let after = run.into_model();
	for b in weights.spec.blocks() {
		assert_eq!(after.block(b) != weights.block(b), b == block, "{b}");
	}
	// Stopping early is reported with the step reached.
	let mut stopped = Run::new(Model::Transformer(weights), &[block], &config).unwrap();
	let error = stopped.run_while(&cpu, &data, &config, 5, |step, _| step < 3).unwrap_err();
	assert_eq!(error, TrainError::Stopped { step: 3 });
}

#[test]
fn runs_refuse_mismatched_or_oversized_configurations() {
	let weights = transformer();
	let block = BlockId::Shared;
	let byte = JobConfig::Byte(TrainConfig::default());
	let model = Model::Transformer(weights.clone());
	assert!(Run::new(model.clone(), &[block], &byte)
		.unwrap_err()
		.to_string()
		.contains("transformer"));
	let too_long =
		JobConfig::Transformer { lm: LmConfig::for_job(0, 4, 17, 1e-3, 10), checkpoint_every: 2 };
	assert!(Run::new(model.clone(), &[block], &too_long)
		.unwrap_err()
		.to_string()
		.contains("context of 16"));
	let no_block = BlockId::Expert { layer: 9, expert: 0 };
	assert!(Run::new(model.clone(), &[no_block], &lm_config(4)).is_err());
	assert!(Run::new(model.clone(), &[], &lm_config(4)).is_err(), "nothing to train");
	assert!(Run::new(model.clone(), &[block, block], &lm_config(4)).is_err(), "twice");
	let byte_model = Model::Byte(Weights::genesis(ModelSpec::TINY, 0).unwrap());
	assert!(Run::new(byte_model.clone(), &[block], &lm_config(4))
		.unwrap_err()
		.to_string()
		.contains("byte"));
	let router = BlockId::Router { layer: 0 };
	let byte_config = JobConfig::Byte(TrainConfig::default());
	let error = Run::new(byte_model, &[block, router], &byte_config).unwrap_err();
	assert!(error.to_string().contains("one block per run"), "{error}");
	// A run given the other architecture's hyper-parameters mid-way refuses to step.
	let mut run = Run::new(model, &[block], &lm_config(4)).unwrap();
	let data = Dataset::new(TEXT.to_vec());
	let error = run.run_while(&Cpu::auto(), &data, &byte, 1, |_, _| true).unwrap_err();
	assert_eq!(error, TrainError::OtherArchitecture);
}

#[test]
fn blocks_load_into_an_empty_model_of_the_shape() {
	let weights = transformer();
	let model = Model::Transformer(weights.clone());
	let shape = model.shape();
	let mut loaded = shape.empty();
	for block in shape.blocks() {
		let file = model.block_file(block);
		let parsed = SafeTensors::parse(&file[..]).unwrap();
		loaded.load_block_file(block, &parsed).unwrap();
		assert_eq!(
			shape.parameters(block),
			model.block(block).values().map(|t| t.data.len()).sum::<usize>()
		);
	}
	assert_eq!(loaded, model);
	// A router's file does not load as an attention block.
	let router = model.block_file(BlockId::Router { layer: 0 });
	let parsed = SafeTensors::parse(&router[..]).unwrap();
	assert!(loaded.load_block_file(BlockId::Attention { layer: 0 }, &parsed).is_err());
	// The transformer is scored by the chain's window protocol.
	let validation = Dataset::new(TEXT.to_vec());
	let cpu = Cpu::auto();
	let loss = model.validation_loss(&cpu, &validation).unwrap();
	assert_eq!(loss.to_bits(), transformer_score(&cpu, &weights, TEXT).unwrap().to_bits());
	assert!(shape.activation_floats_per_token() > 0);
	// The whole active model and the attention window, whichever block: the chain's
	// `active_weight_bytes` for this spec (primitives tests pin that formula).
	let spec = weights.spec;
	let window = spec.layers * 2 * spec.q_width() * spec.context;
	let expected = 4 * (spec.active_parameters() + window) as u64;
	assert_eq!(shape.work_bytes(&[BlockId::Router { layer: 0 }]), expected);
	assert_eq!(shape.work_bytes(&[BlockId::Shared]), expected);
	assert_eq!(shape.work_bytes(&shape.blocks()), expected, "the whole model costs the same");
}

/// A set of blocks trains together: every one of them moves, no other does, and a replay of
/// the set reproduces the commitments.
#[test]
fn a_set_of_blocks_trains_together_and_replays() {
	let weights = transformer();
	let set =
		[BlockId::Shared, BlockId::Attention { layer: 0 }, BlockId::Expert { layer: 1, expert: 2 }];
	let config = lm_config(4);
	let data = Dataset::new(TEXT.to_vec());
	let cpu = Cpu::auto();
	let mut run = Run::new(Model::Transformer(weights.clone()), &set, &config).unwrap();
	let trained = run.run_while(&cpu, &data, &config, 4, |_, _| true).unwrap();
	let mut replay = Run::new(Model::Transformer(weights.clone()), &set, &config).unwrap();
	let replayed = replay.run_while(&Cpu { threads: 1, ..cpu }, &data, &config, 4, |_, _| true);
	assert_eq!(replayed.unwrap(), trained);
	// Another set (one block fewer) is another run.
	let mut fewer = Run::new(Model::Transformer(weights.clone()), &set[..2], &config).unwrap();
	assert_ne!(fewer.run_while(&cpu, &data, &config, 4, |_, _| true).unwrap(), trained);
	let after = run.into_model();
	for b in weights.spec.blocks() {
		assert_eq!(after.block(b) != weights.block(b), set.contains(&b), "{b}");
	}
}

/// A run's state written at a checkpoint resumes to the same commitment and the same future,
/// on either architecture; a file of other blocks or a changed moment does not.
#[test]
fn a_state_file_resumes_the_run_it_was_written_from() {
	let data = Dataset::new(TEXT.to_vec());
	let cpu = Cpu::auto();
	let set = [BlockId::Shared, BlockId::Attention { layer: 1 }];
	let config = lm_config(4);
	let model = Model::Transformer(transformer());
	let mut run = Run::new(model.clone(), &set, &config).unwrap();
	run.run_while(&cpu, &data, &config, 2, |_, _| true).unwrap();
	let file = run.state_file();
	let mut resumed = Run::resume(model.clone(), &set, &config, &file).unwrap();
	assert_eq!(resumed.hash(), run.hash());
	assert_eq!(resumed.state_file(), file, "the same bytes for the same state");
	let ahead = run.run_while(&cpu, &data, &config, 4, |_, _| true).unwrap();
	assert_eq!(resumed.run_while(&cpu, &data, &config, 4, |_, _| true).unwrap(), ahead);
	// Other blocks than the file's, or a moment changed by one bit.
	let error = Run::resume(model.clone(), &set[..1], &config, &file).unwrap_err();
	assert!(error.to_string().contains("tensors"), "{error}");
	let mut changed = SafeTensors::parse(&file[..]).unwrap().to_tensors().unwrap();
	let moment = changed.keys().find(|n| n.starts_with("opt.v.")).unwrap().clone();
	changed.get_mut(&moment).unwrap().data[0] += 1.0;
	let metadata = SafeTensors::parse(&file[..]).unwrap().metadata.clone();
	let tampered = crate::safetensors::serialize_f32(&changed, &metadata);
	let other = Run::resume(model, &set, &config, &tampered).unwrap();
	assert_ne!(other.hash(), resumed.hash(), "the commitment covers the moments");
	assert!(Run::resume(Model::Transformer(transformer()), &set, &config, b"no").is_err());

	// The byte model's run too.
	let byte = Model::Byte(Weights::genesis(ModelSpec::TINY, 0).unwrap());
	let byte_config = JobConfig::Byte(TrainConfig { batch_tokens: 64, ..TrainConfig::default() });
	let mut run = Run::new(byte.clone(), &[BlockId::Shared], &byte_config).unwrap();
	run.run_while(&cpu, &data, &byte_config, 3, |_, _| true).unwrap();
	let resumed = Run::resume(byte, &[BlockId::Shared], &byte_config, &run.state_file()).unwrap();
	assert_eq!(resumed.hash(), run.hash());
}
