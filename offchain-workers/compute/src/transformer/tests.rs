use super::{
	forward::{logits, token_losses},
	generate::{argmax, generate, Decoder, Sampling},
	genesis, hf, Sequences, TransformerError, TransformerSpec,
};
use crate::{
	backend::Cpu,
	matmul::Kernel,
	model::{Architecture, BlockId},
	safetensors::MappedFile,
};
use std::path::PathBuf;

fn fixture() -> PathBuf {
	// Read at run time: a test binary reused from another checkout's build reads this one's.
	std::env::var_os("CARGO_MANIFEST_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
		.join("testdata/mixtral-parity")
}

fn text(s: &str) -> Vec<u32> {
	s.bytes().map(u32::from).collect()
}

#[test]
fn hugging_face_parity() {
	let dir = fixture();
	let weights = hf::load(&dir.join("checkpoint")).unwrap();
	assert_eq!(weights.spec.kv_heads, 2, "grouped-query attention is exercised");
	let expected: serde_json::Value =
		serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
	let logits_file = MappedFile::open(&dir.join("expected.safetensors")).unwrap();
	let backend = Cpu::auto();
	let mut worst = 0.0f32;
	for (i, prompt) in expected["prompts"].as_array().unwrap().iter().enumerate() {
		let tokens = text(prompt.as_str().unwrap());
		let seqs = Sequences::new(&tokens, 1, &weights.spec).unwrap();
		let ours = logits(&backend, &weights, seqs).unwrap();
		let theirs = logits_file.f32(&format!("logits.{i}")).unwrap();
		assert_eq!(ours.len(), theirs.len());
		for (a, b) in ours.chunks(256).zip(theirs.chunks(256)) {
			let scale = b.iter().fold(0.0f32, |m, v| m.max(v.abs()));
			let diff = a.iter().zip(b).fold(0.0f32, |m, (x, y)| m.max((x - y).abs()));
			worst = worst.max(diff / scale);
		}
		let greedy: Vec<u32> = expected["greedy"][i]
			.as_array()
			.unwrap()
			.iter()
			.map(|t| t.as_u64().unwrap() as u32)
			.collect();
		let ours =
			generate(&backend, &weights, &tokens, greedy.len(), &Sampling::GREEDY, |_| {}).unwrap();
		assert_eq!(ours, greedy, "64 greedy tokens after prompt {i}");
	}
	println!("largest relative logit difference from transformers: {worst:e}");
	assert!(worst < 1e-4, "logits differ from Hugging Face's by {worst:e} relative");
}

#[test]
fn a_cached_decoding_step_has_the_bits_of_the_full_forward_pass() {
	let w = genesis(TransformerSpec::TINY, 7).unwrap();
	let tokens = text("the quick brown fox jumps");
	let backend = Cpu::auto();
	let full = logits(&backend, &w, Sequences::new(&tokens, 1, &w.spec).unwrap()).unwrap();
	let mut decoder = Decoder::new(&backend, &w).unwrap();
	for (i, &t) in tokens.iter().enumerate() {
		let row = decoder.step(t).unwrap();
		assert_eq!(row, full[i * 256..(i + 1) * 256], "position {i}");
	}
}

#[test]
fn results_do_not_depend_on_threads_kernel_or_batching() {
	let spec = TransformerSpec { d_model: 64, d_ff: 96, ..TransformerSpec::TINY };
	let w = genesis(spec, 3).unwrap();
	let a = text("It was the best of times, it w");
	let b = text("as the worst of times; it was ");
	let both: Vec<u32> = a.iter().chain(&b).copied().collect();
	let reference = Cpu { threads: 1, kernel: Kernel::Portable };
	let one = logits(&reference, &w, Sequences::new(&a, 1, &spec).unwrap()).unwrap();
	for backend in
		[Cpu { threads: 2, kernel: Kernel::Auto }, Cpu { threads: 3, kernel: Kernel::Portable }]
	{
		let batched = logits(&backend, &w, Sequences::new(&both, 2, &spec).unwrap()).unwrap();
		assert_eq!(batched[..one.len()], one[..], "{backend:?}");
	}
	let mut targets = a[1..].to_vec();
	targets.push(u32::from(b' '));
	let losses =
		token_losses(&reference, &w, Sequences::new(&a, 1, &spec).unwrap(), &targets).unwrap();
	let mean = losses.iter().sum::<f32>() / losses.len() as f32;
	assert!((mean - (256f32).ln()).abs() < 0.2, "genesis predicts nearly uniformly: {mean}");
}

#[test]
fn sampling_is_a_function_of_seed_and_step() {
	let logits: Vec<f32> = (0..256).map(|i| ((i * 37) % 101) as f32 * 0.05).collect();
	let top = argmax(&logits);
	assert_eq!(Sampling::GREEDY.pick(&logits, 0), top);
	let warm = Sampling { temperature: 0.8, top_k: 0, top_p: 1.0, seed: 5 };
	let draws: Vec<u32> = (0..64).map(|s| warm.pick(&logits, s)).collect();
	assert_eq!(draws, (0..64).map(|s| warm.pick(&logits, s)).collect::<Vec<_>>());
	assert!(draws.iter().any(|&t| t != top), "sampling at temperature 0.8 varies");
	let other: Vec<u32> = (0..64).map(|s| Sampling { seed: 6, ..warm }.pick(&logits, s)).collect();
	assert_ne!(draws, other);
	let narrow = Sampling { top_k: 3, ..warm };
	let mut allowed: Vec<u32> = (0..256).collect();
	allowed.sort_by(|&a, &b| logits[b as usize].total_cmp(&logits[a as usize]));
	for s in 0..64 {
		assert!(allowed[..3].contains(&narrow.pick(&logits, s)));
	}
	let nucleus = Sampling { top_p: 1e-6, ..warm };
	assert!((0..16).all(|s| nucleus.pick(&logits, s) == allowed[0]), "top_p keeps at least one");
	assert!(Sampling { top_p: 0.0, ..warm }.validate().is_err());
	assert!(Sampling { temperature: f32::NAN, ..warm }.validate().is_err());
}

#[test]
fn blocks_name_slots_and_carry_their_tensors() {
	let spec = TransformerSpec::TINY;
	let blocks = spec.blocks();
	assert_eq!(blocks[1], BlockId::Attention { layer: 0 });
	let mut sorted = blocks.clone();
	sorted.reverse();
	sorted.sort();
	assert_eq!(sorted, blocks, "canonical order");
	for block in &blocks {
		assert_eq!(BlockId::parse(&block.name()), Some(*block));
		for (tensor, _) in spec.tensor_shapes(*block) {
			assert_eq!(BlockId::of_tensor(&tensor), Some(*block), "{tensor}");
		}
	}
	assert!(spec.tensor_shapes(BlockId::Expert { layer: 0, expert: 4 }).is_empty());
	let w = genesis(spec, 1).unwrap();
	assert_eq!(w, genesis(spec, 1).unwrap());
	assert_ne!(w, genesis(spec, 2).unwrap());
	assert!(w.get("layer1.attention.ffn_norm").iter().all(|&v| v == 1.0));
	let total: usize = blocks.iter().map(|b| spec.parameters(*b)).sum();
	assert_eq!(w.tensors.values().map(|t| t.data.len()).sum::<usize>(), total);
	assert!(spec.active_parameters() < total);
	let mut other = genesis(spec, 9).unwrap();
	let attention = BlockId::Attention { layer: 1 };
	other.set_block(attention, w.block(attention)).unwrap();
	assert_eq!(other.block(attention), w.block(attention));
	assert!(other.set_block(BlockId::Attention { layer: 2 }, w.block(attention)).is_err());
}

#[test]
fn bad_input_is_a_typed_error() {
	let spec = TransformerSpec::TINY;
	let w = genesis(spec, 1).unwrap();
	let backend = Cpu::auto();
	let too_long = vec![1u32; spec.context + 1];
	assert_eq!(
		Sequences::new(&too_long, 1, &spec).unwrap_err(),
		TransformerError::SequenceTooLong { length: 33, context: 32 }
	);
	assert_eq!(
		Sequences::new(&[1, 300], 1, &spec).unwrap_err(),
		TransformerError::TokenOutOfVocab { token: 300, vocab: 256 }
	);
	assert!(matches!(
		Sequences::new(&[1, 2, 3], 2, &spec),
		Err(TransformerError::ShapeMismatch { .. })
	));
	assert_eq!(Sequences::new(&[], 1, &spec).unwrap_err(), TransformerError::EmptyBatch);
	let seqs = Sequences::new(&[1, 2], 1, &spec).unwrap();
	assert!(matches!(
		token_losses(&backend, &w, seqs, &[1]),
		Err(TransformerError::ShapeMismatch { .. })
	));
	let mut decoder = Decoder::new(&backend, &w).unwrap();
	assert!(decoder.step(256).is_err());
	for _ in 0..spec.context {
		decoder.step(1).unwrap();
	}
	assert!(matches!(decoder.step(1), Err(TransformerError::SequenceTooLong { .. })));
	// Past the context the window slides: the tokens after it are those of a fresh decoder fed
	// the last half window.
	let prompt = text("Now is the winter of our disco");
	let sampling = Sampling { temperature: 1.0, top_k: 0, top_p: 1.0, seed: 3 };
	let long = generate(&backend, &w, &prompt, 40, &sampling, |_| {}).unwrap();
	assert_eq!(long.len(), 40);
	assert_eq!(long, generate(&backend, &w, &prompt, 40, &sampling, |_| {}).unwrap());
	let mut all = prompt.clone();
	all.extend(&long);
	// Tokens 0..=2 come from the first window (positions 30, 31 fill it); token 3 is read by
	// a decoder restarted on the last 16 tokens.
	let mut decoder = Decoder::new(&backend, &w).unwrap();
	let mut logits = Vec::new();
	for &t in &all[all.len() - 40 + 3 - 16..all.len() - 40 + 3] {
		logits = decoder.step(t).unwrap();
	}
	assert_eq!(sampling.pick(&logits, 3), long[3]);
	for bad in [
		TransformerSpec { kv_heads: 3, ..spec },
		TransformerSpec { head_dim: 7, ..spec },
		TransformerSpec { vocab: 1000, ..spec },
		TransformerSpec { top_k: 5, ..spec },
	] {
		assert!(genesis(bad, 1).is_err(), "{bad:?}");
	}
	// Sizes whose products would overflow, and contexts beyond exact f32 positions, are refused
	// before anything is allocated.
	let huge = TransformerSpec { heads: 1 << 32, kv_heads: 1 << 32, head_dim: 1 << 32, ..spec };
	assert_eq!(huge.validate(), Err(TransformerError::TooLarge));
	assert_eq!(
		TransformerSpec { context: 1 << 20, ..spec }.validate(),
		Err(TransformerError::ContextTooLong { context: 1 << 20, max: 1 << 16 })
	);
	let mut config: serde_json::Value =
		serde_json::from_slice(&std::fs::read(fixture().join("checkpoint/config.json")).unwrap())
			.unwrap();
	assert!(hf::spec_from_config(&config).is_ok());
	config["rope_scaling"] = serde_json::json!({ "type": "linear", "factor": 2.0 });
	assert!(hf::spec_from_config(&config).unwrap_err().to_string().contains("rope_scaling"));
}

#[test]
fn sequences_decoded_side_by_side_get_the_bits_they_get_alone() {
	use super::generate::generate_batch;
	let w = genesis(TransformerSpec { kv_heads: 1, ..TransformerSpec::TINY }, 8).unwrap();
	let backend = Cpu::auto();
	// Prompts of different lengths, one longer than the context (cropped), and answers that
	// slide their windows at different times.
	let prompts = vec![
		text("Romeo, Romeo"),
		text("wherefore art thou"),
		text("O, be some other name! What's in a name? That which"),
	];
	let samplings: Vec<Sampling> = (0..3)
		.map(|i| Sampling { temperature: 0.9, top_k: 20, top_p: 0.95, seed: 40 + i })
		.collect();
	let batched = generate_batch(&backend, &w, &prompts, 45, &samplings).unwrap();
	for ((prompt, sampling), together) in prompts.iter().zip(&samplings).zip(&batched) {
		let alone =
			generate(&Cpu { threads: 1, ..backend }, &w, prompt, 45, sampling, |_| {}).unwrap();
		assert_eq!(&alone, together);
	}
	assert!(generate_batch(&backend, &w, &prompts, 2, &samplings[..2]).is_err());
	assert!(generate_batch(&backend, &w, &[text("ab"), vec![]], 2, &samplings[..2]).is_err());
}

#[test]
fn a_model_exported_for_hugging_face_loads_back_unchanged() {
	let w = genesis(TransformerSpec::TINY, 12).unwrap();
	let dir = std::env::temp_dir().join(format!("aiblock-hf-{}", std::process::id()));
	hf::save(&dir, &w).unwrap();
	assert_eq!(hf::load(&dir).unwrap(), w);
	std::fs::remove_dir_all(&dir).unwrap();
}
