//! `lm-train` and `generate`: the Mixtral-architecture transformer on real text.

use crate::ComputeArgs;
use aiblock_compute::{
	model::BlockId,
	transformer::{
		files,
		generate::{generate, generate_batch, Sampling},
		genesis, hf,
		train::{evaluate, split, LmConfig, LmTrainer},
		TransformerSpec, TransformerWeights,
	},
};
use clap::Args;
use std::{collections::BTreeSet, io::Write, path::PathBuf, time::Instant};

#[derive(Args)]
pub struct TransformerArgs {
	#[arg(long, default_value_t = TransformerSpec::SHAKESPEARE.d_model)]
	d_model: usize,
	#[arg(long, default_value_t = TransformerSpec::SHAKESPEARE.layers)]
	layers: usize,
	/// Query heads.
	#[arg(long, default_value_t = TransformerSpec::SHAKESPEARE.heads)]
	heads: usize,
	/// Key/value heads (grouped-query attention when fewer than --heads); default: --heads.
	#[arg(long)]
	kv_heads: Option<usize>,
	/// Width of each head; default: d_model / heads.
	#[arg(long)]
	head_dim: Option<usize>,
	/// Hidden width of each expert.
	#[arg(long, default_value_t = TransformerSpec::SHAKESPEARE.d_ff)]
	d_ff: usize,
	#[arg(long, default_value_t = TransformerSpec::SHAKESPEARE.experts)]
	experts: usize,
	#[arg(long, default_value_t = TransformerSpec::SHAKESPEARE.top_k)]
	top_k: usize,
	/// The longest sequence the model reads (up to any length; positions beyond those it was
	/// trained on are not learnt); default: the training --length.
	#[arg(long)]
	context: Option<usize>,
	#[arg(long, default_value_t = TransformerSpec::SHAKESPEARE.rope_theta)]
	rope_theta: f32,
	/// Seed of the genesis weights.
	#[arg(long, default_value_t = 0)]
	genesis_seed: u64,
}

impl TransformerArgs {
	fn spec(&self, length: usize) -> TransformerSpec {
		TransformerSpec {
			vocab: 256,
			d_model: self.d_model,
			layers: self.layers,
			heads: self.heads,
			kv_heads: self.kv_heads.unwrap_or(self.heads),
			head_dim: self.head_dim.unwrap_or(self.d_model / self.heads.max(1)),
			d_ff: self.d_ff,
			experts: self.experts,
			top_k: self.top_k,
			context: self.context.unwrap_or(length),
			rope_theta: self.rope_theta,
			norm_eps: TransformerSpec::SHAKESPEARE.norm_eps,
		}
	}
}

#[derive(Args)]
pub struct LmTrainArgs {
	/// The text to learn from (bytes); the first 90 % trains, the last 10 % validates.
	#[arg(long)]
	text: PathBuf,
	/// Write the trained model here (spec.json and one safetensors file per block).
	#[arg(long)]
	out: PathBuf,
	/// Start from this model folder instead of genesis weights (the shape flags are ignored).
	#[arg(long)]
	from: Option<PathBuf>,
	/// Blocks to train, comma-separated (`shared`, `layer0.attention`, `layer1.router`,
	/// `layer1.expert3`, …), or `all`.
	#[arg(long, default_value = "all")]
	train: String,
	#[command(flatten)]
	model: TransformerArgs,
	#[command(flatten)]
	compute: ComputeArgs,
	#[arg(long, default_value_t = 2000)]
	steps: u64,
	/// Sequences per batch.
	#[arg(long, default_value_t = 12)]
	sequences: usize,
	/// Tokens per training sequence.
	#[arg(long, default_value_t = TransformerSpec::SHAKESPEARE.context)]
	length: usize,
	#[arg(long, default_value_t = 1e-3)]
	lr: f32,
	#[arg(long, default_value_t = 1e-4)]
	min_lr: f32,
	#[arg(long, default_value_t = 100)]
	warmup: u64,
	#[arg(long, default_value_t = 0.1)]
	weight_decay: f32,
	#[arg(long, default_value_t = 1.0)]
	grad_clip: f32,
	/// Seed of the batches.
	#[arg(long, default_value_t = 0)]
	seed: u64,
	/// Steps between progress lines.
	#[arg(long, default_value_t = 100)]
	log_every: u64,
	/// Steps between validation losses (0: only at the end).
	#[arg(long, default_value_t = 500)]
	eval_every: u64,
	/// Validation windows per evaluation during the run (0: the whole split); the final
	/// evaluation always reads the whole split.
	#[arg(long, default_value_t = 200)]
	eval_windows: usize,
}

fn parse_blocks(text: &str, spec: &TransformerSpec) -> aiblock_compute::Result<BTreeSet<BlockId>> {
	if text == "all" {
		return Ok(spec.blocks().into_iter().collect());
	}
	text.split(',')
		.map(|name| {
			BlockId::parse(name.trim())
				.filter(|b| spec.contains(*b))
				.ok_or_else(|| format!("--train: {name} is not a block of this model").into())
		})
		.collect()
}

pub fn lm_train(args: LmTrainArgs) -> aiblock_compute::Result<()> {
	let text = std::fs::read(&args.text).map_err(|e| format!("{}: {e}", args.text.display()))?;
	let (train_text, valid_text) = split(&text);
	if valid_text.len() <= args.length || train_text.len() <= args.length {
		return Err(aiblock_compute::Error::Invalid(format!(
			"{}: {} bytes split 90/10 leave a part no longer than --length {}",
			args.text.display(),
			text.len(),
			args.length
		)));
	}
	let weights = match &args.from {
		Some(dir) => files::load(dir)?,
		None => genesis(args.model.spec(args.length), args.model.genesis_seed)
			.map_err(|e| format!("model: {e}"))?,
	};
	let spec = weights.spec;
	let blocks = parse_blocks(&args.train, &spec)?;
	let config = LmConfig {
		seed: args.seed,
		sequences: args.sequences,
		length: args.length,
		lr: args.lr,
		min_lr: args.min_lr,
		warmup: args.warmup,
		decay_steps: args.steps,
		weight_decay: args.weight_decay,
		grad_clip: args.grad_clip,
		..LmConfig::default()
	};
	let backend = args.compute.backend()?;
	let trained: usize = blocks.iter().map(|b| spec.parameters(*b)).sum();
	let total: usize = spec.blocks().iter().map(|b| spec.parameters(*b)).sum();
	println!(
		"model: {} layers, d_model {}, {} heads ({} kv), {} experts top-{} of d_ff {}: {total} parameters, {} active per token; training {} blocks ({trained} parameters)",
		spec.layers,
		spec.d_model,
		spec.heads,
		spec.kv_heads,
		spec.experts,
		spec.top_k,
		spec.d_ff,
		spec.active_parameters(),
		blocks.len()
	);
	println!(
		"data: {} ({} bytes: {} train, {} validation); {} steps of {}×{} tokens",
		args.text.display(),
		text.len(),
		train_text.len(),
		valid_text.len(),
		args.steps,
		config.sequences,
		config.length
	);
	let mut trainer = LmTrainer::new(weights, blocks).map_err(aiblock_compute::Error::from)?;
	let train_data = aiblock_compute::data::Dataset::new(train_text.to_vec());
	let started = Instant::now();
	let mut window = (Instant::now(), 0u64);
	for _ in 0..args.steps {
		let report = trainer
			.step(backend.as_ref(), &train_data, &config)
			.map_err(|e| format!("step {}: {e}", trainer.step))?;
		let step = trainer.step;
		if step % args.log_every.max(1) == 0 || step == args.steps {
			let seconds = window.0.elapsed().as_secs_f64();
			let steps = (step - window.1) as f64;
			println!(
				"step {step:>6}  loss {:.4}  lr {:.2e}  grad-norm {:.3}  {:.1} ms/step  {:.0} tok/s",
				report.loss,
				report.lr,
				report.grad_norm,
				1e3 * seconds / steps,
				steps * (config.sequences * config.length) as f64 / seconds
			);
			window = (Instant::now(), step);
		}
		if args.eval_every > 0 && step % args.eval_every == 0 && step < args.steps {
			let loss = evaluate(
				backend.as_ref(),
				&trainer.weights,
				valid_text,
				config.length,
				16,
				args.eval_windows,
			)
			.map_err(aiblock_compute::Error::from)?;
			let over = match args.eval_windows {
				0 => "the whole split".to_string(),
				n => format!("{n} windows"),
			};
			println!("step {step:>6}  validation loss {loss:.4} ({over})");
			window = (Instant::now(), step);
		}
	}
	let train_seconds = started.elapsed().as_secs_f64();
	let loss = evaluate(backend.as_ref(), &trainer.weights, valid_text, config.length, 16, 0)
		.map_err(aiblock_compute::Error::from)?;
	println!(
		"done: {} steps in {train_seconds:.1} s; validation loss {loss:.4} nats/byte over the whole split ({} bytes, windows of {})",
		args.steps,
		valid_text.len(),
		config.length
	);
	files::save(&args.out, &trainer.weights)?;
	println!("model written to {}", args.out.display());
	Ok(())
}

#[derive(Args)]
pub struct GenerateArgs {
	/// A model folder written by `lm-train`.
	#[arg(long, conflicts_with = "hf")]
	model: Option<PathBuf>,
	/// A Hugging Face Mixtral checkpoint folder (config.json and safetensors, f32).
	#[arg(long)]
	hf: Option<PathBuf>,
	#[arg(long, default_value = "\n")]
	prompt: String,
	#[arg(long, default_value_t = 200)]
	max_tokens: usize,
	/// 0 for greedy decoding.
	#[arg(long, default_value_t = 0.8)]
	temperature: f32,
	/// Keep only the k most likely tokens (0: all).
	#[arg(long, default_value_t = 0)]
	top_k: usize,
	/// Keep the most likely tokens up to this probability mass.
	#[arg(long, default_value_t = 1.0)]
	top_p: f32,
	#[arg(long, default_value_t = 0)]
	seed: u64,
	/// Continue the prompt this many times side by side (sequence i sampled with seed + i),
	/// print the first continuation and the throughput of all; the prompt plus --max-tokens
	/// must fit the context.
	#[arg(long, default_value_t = 1)]
	batch: usize,
	#[command(flatten)]
	compute: ComputeArgs,
}

pub fn run_generate(args: GenerateArgs) -> aiblock_compute::Result<()> {
	let weights: TransformerWeights = match (&args.model, &args.hf) {
		(Some(dir), _) => files::load(dir)?,
		(None, Some(dir)) => hf::load(dir)?,
		(None, None) => return Err("give --model DIR (from lm-train) or --hf DIR".into()),
	};
	let sampling = Sampling {
		temperature: args.temperature,
		top_k: args.top_k,
		top_p: args.top_p,
		seed: args.seed,
	};
	sampling.validate().map_err(aiblock_compute::Error::from)?;
	let backend = args.compute.backend_noted_on_stderr()?;
	let prompt: Vec<u32> = args.prompt.bytes().map(u32::from).collect();
	if args.batch > 1 {
		let prompts = vec![prompt; args.batch];
		let samplings: Vec<Sampling> = (0..args.batch as u64)
			.map(|i| Sampling { seed: args.seed.wrapping_add(i), ..sampling })
			.collect();
		let started = Instant::now();
		let outputs =
			generate_batch(backend.as_ref(), &weights, &prompts, args.max_tokens, &samplings)
				.map_err(aiblock_compute::Error::from)?;
		let seconds = started.elapsed().as_secs_f64();
		let first: Vec<u8> = outputs[0].iter().map(|&t| t as u8).collect();
		println!("{}{}", args.prompt, String::from_utf8_lossy(&first));
		eprintln!(
			"[{} sequences × {} new tokens in {seconds:.2} s: {:.1} new tokens/s]",
			args.batch,
			args.max_tokens,
			(args.batch * args.max_tokens) as f64 / seconds
		);
		return Ok(());
	}
	let started = Instant::now();
	let mut stdout = std::io::stdout().lock();
	let _ = stdout.write_all(args.prompt.as_bytes());
	let tokens = generate(backend.as_ref(), &weights, &prompt, args.max_tokens, &sampling, |t| {
		let _ = stdout.write_all(&[t as u8]);
		let _ = stdout.flush();
	})
	.map_err(aiblock_compute::Error::from)?;
	let seconds = started.elapsed().as_secs_f64();
	eprintln!(
		"\n[{} new tokens in {seconds:.2} s (the prompt's {} read first): {:.1} new tokens/s]",
		tokens.len(),
		prompt.len(),
		tokens.len() as f64 / seconds
	);
	Ok(())
}

#[derive(Args)]
pub struct ExportHfArgs {
	/// A model folder written by `lm-train`.
	#[arg(long)]
	model: PathBuf,
	/// Where to write config.json and model.safetensors (Hugging Face MixtralForCausalLM).
	#[arg(long)]
	out: PathBuf,
}

pub fn export_hf(args: ExportHfArgs) -> aiblock_compute::Result<()> {
	let weights = files::load(&args.model)?;
	hf::save(&args.out, &weights)?;
	println!("{} written as a Hugging Face Mixtral checkpoint", args.out.display());
	Ok(())
}

/// How `grow` grows a model (the chain's `Growth`).
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum GrowthKind {
	/// Twice the experts per layer and per token.
	DoubleExperts,
	/// Wider experts: --d-ff hidden units (at most twice the model's).
	WidenFf,
	/// --layers more layers after the last, starting as the identity.
	AddLayers,
}

#[derive(Args)]
pub struct GrowArgs {
	/// A model folder written by `lm-train` (or an earlier `grow`).
	#[arg(long)]
	model: PathBuf,
	#[arg(long, value_enum)]
	growth: GrowthKind,
	/// For widen-ff: the new hidden width.
	#[arg(long)]
	d_ff: Option<usize>,
	/// For add-layers: how many layers to add.
	#[arg(long, default_value_t = 1)]
	layers: usize,
	/// Relative noise on copied weights (double-experts, widen-ff), so that training can
	/// tell copies apart.
	#[arg(long, default_value_t = 0.01)]
	noise: f32,
	/// Seed of the noise and of new weights.
	#[arg(long, default_value_t = 0)]
	seed: u64,
	/// A text file: print the validation loss (its last tenth, windows of the model's
	/// context) of the model before and after growing.
	#[arg(long)]
	text: Option<PathBuf>,
	/// Where to write the grown model.
	#[arg(long)]
	out: PathBuf,
	#[command(flatten)]
	compute: ComputeArgs,
}

/// Grow a model into a successor that starts out computing the same function.
pub fn run_grow(args: GrowArgs) -> aiblock_compute::Result<()> {
	use aiblock_compute::transformer::grow::{grow, Growth};
	let parent = files::load(&args.model)?;
	let growth = match args.growth {
		GrowthKind::DoubleExperts => Growth::DoubleExperts { noise: args.noise },
		GrowthKind::WidenFf => {
			Growth::WidenFf { d_ff: args.d_ff.ok_or("widen-ff needs --d-ff")?, noise: args.noise }
		},
		GrowthKind::AddLayers => Growth::AddLayers { layers: args.layers },
	};
	let grown = grow(&parent, growth, args.seed).map_err(aiblock_compute::Error::from)?;
	let count = |w: &TransformerWeights| w.tensors.values().map(|t| t.data.len()).sum::<usize>();
	println!(
		"{:?}: {} → {} parameters ({} experts of d_ff {} in {} layers, top-{})",
		growth,
		count(&parent),
		count(&grown),
		grown.spec.experts,
		grown.spec.d_ff,
		grown.spec.layers,
		grown.spec.top_k
	);
	if let Some(path) = &args.text {
		let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
		let (_, valid) = split(&text);
		let backend = args.compute.backend()?;
		let length = parent.spec.context;
		let before = evaluate(backend.as_ref(), &parent, valid, length, 16, 0)
			.map_err(aiblock_compute::Error::from)?;
		let after = evaluate(backend.as_ref(), &grown, valid, length, 16, 0)
			.map_err(aiblock_compute::Error::from)?;
		println!(
			"validation loss {before:.6} → {after:.6} nats/byte ({:+.6}; {} bytes, windows of {length})",
			after - before,
			valid.len()
		);
	}
	files::save(&args.out, &grown)?;
	println!("grown model written to {}", args.out.display());
	Ok(())
}
