//! `aiblock-compute`: train, replay and benchmark the AI-Block model on this machine, without a
//! chain. The worker process (`aiblock-worker`) does the same work for jobs posted on chain.

use aiblock_compute::{
	backend::{Backend, Cpu},
	bench,
	data::{Dataset, MarkovSource},
	genesis::{file_text, genesis_models, GenesisModel, GenesisTransformer},
	job::JobConfig,
	matmul::Kernel,
	model::{BlockId, ModelSpec, Weights},
	select::{self, BackendChoice},
	store::{cid_of, ContentStore, LocalStore},
	tensor::{hash_tensors, hex},
	train::{evaluate, Checkpoint, Manifest, TrainConfig, TrainState},
	NUMERICS_VERSION,
};
use clap::{Args, Parser, Subcommand, ValueEnum};

mod lm;
use std::{
	path::PathBuf,
	process::ExitCode,
	time::{Duration, Instant},
};

/// Train, replay and benchmark the AI-Block Mixture-of-Experts model with the canonical,
/// bit-reproducible numerics: on the CPU, or on an NVIDIA GPU (a build with --features cuda),
/// with the same bits on both.
///
/// Examples:
///   aiblock-compute train --block layer0.expert1 --steps 300 --manifest run.json
///   aiblock-compute replay --manifest run.json
///   aiblock-compute genesis --store ./store
///   aiblock-compute bench
///   aiblock-compute bench-cuda                (a build with --features cuda, on a GPU)
///   aiblock-compute train --backend cuda ...  then  replay --backend cpu: the same hashes
///   aiblock-compute lm-train --text tinyshakespeare.txt --out shakespeare-model
///   aiblock-compute generate --model shakespeare-model --prompt "ROMEO:" --seed 7
#[derive(Parser)]
#[command(name = "aiblock-compute", version, verbatim_doc_comment)]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Train one block (the others frozen) and write a manifest of checkpoint hashes.
	Train(TrainArgs),
	/// Re-run the training a manifest describes and check every checkpoint hash.
	Replay(ReplayArgs),
	/// Print (and optionally store) the genesis blocks: name, CID, tensor hash, size.
	Genesis(GenesisArgs),
	/// Print throughput figures: matmul, training step, expert loading.
	Bench(BenchArgs),
	/// Train the Mixtral-architecture transformer (all of it, or a set of blocks) on a text
	/// file with nanoGPT's recipe, printing progress and validation losses.
	LmTrain(lm::LmTrainArgs),
	/// Continue a prompt with a transformer model (ours or a Hugging Face Mixtral
	/// checkpoint): the same output for the same model, prompt, sampling flags and seed.
	Generate(lm::GenerateArgs),
	/// Write an `lm-train` model as a Hugging Face Mixtral checkpoint (for PyTorch).
	ExportHf(lm::ExportHfArgs),
	/// Grow a transformer into a larger one that starts out computing the same function
	/// (twice the experts, wider experts, or identity layers): an evolution epoch's migration.
	Grow(lm::GrowArgs),
	/// Print GPU figures (build with `--features cuda`): the canonical matmul vs cuBLAS FP32
	/// (pedantic) and TF32, the device-resident expert step, loading an expert onto the device.
	BenchCuda(BenchCudaArgs),
}

#[derive(Args)]
struct BenchCudaArgs {
	/// d_model values (d_ff = 4·d_model).
	#[arg(long, value_delimiter = ',', default_value = "512,1024,2048,4096")]
	d_models: Vec<usize>,
	/// Tokens per step (the rows of every product).
	#[arg(long, default_value_t = 4096)]
	tokens: usize,
}

#[derive(Args, Clone)]
struct ModelArgs {
	/// Bytes of context.
	#[arg(long, default_value_t = 2)]
	context: usize,
	#[arg(long, default_value_t = 32)]
	d_model: usize,
	#[arg(long, default_value_t = 64)]
	d_ff: usize,
	#[arg(long, default_value_t = 2)]
	layers: usize,
	#[arg(long, default_value_t = 4)]
	experts: usize,
	#[arg(long, default_value_t = 2)]
	top_k: usize,
	/// Seed of the genesis weights.
	#[arg(long, default_value_t = 0)]
	genesis_seed: u64,
}

impl ModelArgs {
	fn spec(&self) -> ModelSpec {
		ModelSpec {
			context: self.context,
			d_model: self.d_model,
			d_ff: self.d_ff,
			layers: self.layers,
			experts: self.experts,
			top_k: self.top_k,
		}
	}
}

#[derive(Clone, Copy, ValueEnum)]
enum KernelArg {
	Auto,
	Portable,
	Avx2,
}

#[derive(Args, Clone)]
struct ComputeArgs {
	/// Threads for matrix products (default: all cores). Results do not depend on it.
	#[arg(long)]
	threads: Option<usize>,
	/// Matmul kernel. Results do not depend on it.
	#[arg(long, value_enum, default_value = "auto")]
	kernel: KernelArg,
	/// Compute backend: auto (CUDA when this build has it and a GPU answers, else the CPU), cpu
	/// or cuda. Results do not depend on it: a run trained on a GPU replays on a CPU.
	#[arg(long, default_value = "auto")]
	backend: BackendChoice,
}

impl ComputeArgs {
	/// The backend to run on; says on stdout which one and why.
	fn backend(&self) -> aiblock_compute::Result<std::sync::Arc<dyn Backend + Send + Sync>> {
		let selected = select::select(self.backend, self.cpu())?;
		println!("backend: {}", selected.note);
		Ok(selected.backend)
	}

	/// [`ComputeArgs::backend`], saying which on stderr (for commands whose stdout is data).
	fn backend_noted_on_stderr(
		&self,
	) -> aiblock_compute::Result<std::sync::Arc<dyn Backend + Send + Sync>> {
		let selected = select::select(self.backend, self.cpu())?;
		eprintln!("backend: {}", selected.note);
		Ok(selected.backend)
	}

	fn cpu(&self) -> Cpu {
		let mut cpu = Cpu::auto();
		if let Some(t) = self.threads {
			cpu.threads = t.max(1);
		}
		cpu.kernel = match self.kernel {
			KernelArg::Auto => Kernel::Auto,
			KernelArg::Portable => Kernel::Portable,
			KernelArg::Avx2 => Kernel::Avx2Fma,
		};
		cpu
	}
}

#[derive(Args)]
struct TrainArgs {
	#[command(flatten)]
	model: ModelArgs,
	#[command(flatten)]
	compute: ComputeArgs,
	/// The block to train: `shared`, `layer{l}.router` or `layer{l}.expert{e}`.
	#[arg(long, default_value = "layer0.expert0")]
	block: String,
	#[arg(long, default_value_t = 300)]
	steps: u64,
	#[arg(long, default_value_t = 256)]
	batch_tokens: usize,
	#[arg(long, default_value_t = 2e-2)]
	lr: f32,
	/// Seed of the batches.
	#[arg(long, default_value_t = 0)]
	seed: u64,
	#[arg(long, default_value_t = 50)]
	checkpoint_every: u64,
	/// Training bytes from a file instead of the synthetic Markov source.
	#[arg(long)]
	data: Option<PathBuf>,
	/// Validation bytes from a file (required with --data).
	#[arg(long, requires = "data")]
	valid: Option<PathBuf>,
	/// Markov source: bytes of context that determine the next byte.
	#[arg(long, default_value_t = 1)]
	order: usize,
	/// Markov source: successors per context (entropy rate ln(branching) nats/byte).
	#[arg(long, default_value_t = 4)]
	branching: usize,
	#[arg(long, default_value_t = 7)]
	source_seed: u64,
	/// Bytes of synthetic training data.
	#[arg(long, default_value_t = 1 << 20)]
	source_len: usize,
	/// Write the manifest (with what `replay` needs) to this file.
	#[arg(long)]
	manifest: Option<PathBuf>,
	/// Store the trained block in this local content store and print its CID.
	#[arg(long)]
	store: Option<PathBuf>,
}

#[derive(Args)]
struct ReplayArgs {
	#[arg(long)]
	manifest: PathBuf,
	#[command(flatten)]
	compute: ComputeArgs,
}

#[derive(Args)]
struct GenesisArgs {
	#[command(flatten)]
	model: ModelArgs,
	/// Put the blocks (and the validation dataset) into this local content store.
	#[arg(long)]
	store: Option<PathBuf>,
	/// Write the models as the ExpertDag pallet's genesis config takes them (the defaults give
	/// `chain-specs/genesis-models.json`, which the runtime embeds). The model flags shape the
	/// byte model (model 0); the transformer (model 1) is always the development one.
	#[arg(long)]
	chain_json: Option<PathBuf>,
}

#[derive(Args)]
struct BenchArgs {
	/// Seconds per measurement.
	#[arg(long, default_value_t = 1.0)]
	seconds: f64,
	/// Matrix sizes for the matmul figures.
	#[arg(long, value_delimiter = ',', default_value = "256,512,1024,2048")]
	sizes: Vec<usize>,
	/// d_model values for the training-step and loading figures (d_ff = 4·d_model).
	#[arg(long, value_delimiter = ',', default_value = "128,512")]
	d_models: Vec<usize>,
	/// Tokens per training batch.
	#[arg(long, default_value_t = 4096)]
	tokens: usize,
}

/// Everything `replay` needs besides the manifest itself.
struct Run {
	spec: ModelSpec,
	genesis_seed: u64,
	train: Dataset,
	valid: Dataset,
	dataset_id: String,
	entropy_rate: Option<f64>,
}

fn load_data(args: &TrainArgs) -> aiblock_compute::Result<Run> {
	let spec = args.model.spec();
	spec.validate().map_err(|e| format!("model: {e}"))?;
	if let Some(path) = &args.data {
		let train = Dataset::from_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
		let valid_path = args.valid.as_ref().ok_or("--valid is required with --data")?;
		let valid =
			Dataset::from_file(valid_path).map_err(|e| format!("{}: {e}", valid_path.display()))?;
		let dataset_id = cid_of(&train.bytes).to_string();
		return Ok(Run {
			spec,
			genesis_seed: args.model.genesis_seed,
			train,
			valid,
			dataset_id,
			entropy_rate: None,
		});
	}
	if !(1..=256).contains(&args.branching) || args.order > 7 {
		return Err("--branching must be 1..=256 and --order at most 7".into());
	}
	let source =
		MarkovSource { order: args.order, branching: args.branching, seed: args.source_seed };
	Ok(Run {
		spec,
		genesis_seed: args.model.genesis_seed,
		train: source.generate(args.source_len, 0),
		valid: source.generate((args.source_len / 8).max(1024), 1),
		dataset_id: format!(
			"markov:order={},branching={},seed={},len={}",
			args.order, args.branching, args.source_seed, args.source_len
		),
		entropy_rate: Some(source.entropy_rate()),
	})
}

fn train(args: TrainArgs) -> aiblock_compute::Result<()> {
	let block =
		BlockId::parse(&args.block).ok_or_else(|| format!("unknown block name {}", args.block))?;
	let run = load_data(&args)?;
	let backend = args.compute.backend()?;
	let backend = backend.as_ref();
	let cfg = TrainConfig {
		seed: args.seed,
		batch_tokens: args.batch_tokens,
		lr: args.lr,
		checkpoint_every: args.checkpoint_every,
		..TrainConfig::default()
	};
	let weights =
		Weights::genesis(run.spec, run.genesis_seed).map_err(aiblock_compute::Error::from)?;
	let mut state = TrainState::new(weights, block).map_err(aiblock_compute::Error::from)?;
	let before = evaluate(backend, &state.weights, &run.valid, 4096)
		.map_err(aiblock_compute::Error::from)?;
	println!(
		"training {block} of a {}-layer, {}-expert model (d_model {}, d_ff {}) on {} for {} steps, {}",
		run.spec.layers, run.spec.experts, run.spec.d_model, run.spec.d_ff, run.dataset_id, args.steps, backend.name()
	);
	println!("validation loss before: {before:.4} nats/byte{}", floor_note(run.entropy_rate));
	let start = Checkpoint { step: 0, state: state.hash(), loss_bits: 0 };
	let started = Instant::now();
	let every = (args.steps / 10).max(1);
	let checkpoints = state
		.run(backend, &run.train, &cfg, args.steps, |step, loss| {
			if step % every == 0 || step == args.steps {
				let rate = step as f64 / started.elapsed().as_secs_f64();
				println!("step {step:>6}/{}  loss {loss:.4}  {rate:.1} steps/s", args.steps);
			}
		})
		.map_err(aiblock_compute::Error::from)?;
	let after = evaluate(backend, &state.weights, &run.valid, 4096)
		.map_err(aiblock_compute::Error::from)?;
	println!("validation loss after:  {after:.4} nats/byte{}", floor_note(run.entropy_rate));
	let manifest = Manifest::new(
		vec![run.dataset_id.clone()],
		vec![block],
		JobConfig::Byte(cfg),
		start,
		checkpoints,
	);
	for c in &manifest.checkpoints {
		println!(
			"checkpoint step {:>6}  state {}  loss {}",
			c.step,
			hex(&c.state),
			f32::from_bits(c.loss_bits)
		);
	}
	println!("manifest root {}  (numerics v{NUMERICS_VERSION})", hex(&manifest.root));
	println!("block {block} tensor hash {}", hex(&hash_tensors(&state.weights.block(block))));
	if let Some(dir) = &args.store {
		let store = LocalStore::open(dir).map_err(aiblock_compute::Error::from)?;
		let cid =
			store.put(&state.weights.block_file(block)).map_err(aiblock_compute::Error::from)?;
		println!("stored {block} as {cid} in {}", dir.display());
	}
	if let Some(path) = &args.manifest {
		let mut json = manifest.to_json();
		json["run"] = serde_json::json!({
			"spec": {
				"context": run.spec.context, "d_model": run.spec.d_model, "d_ff": run.spec.d_ff,
				"layers": run.spec.layers, "experts": run.spec.experts, "top_k": run.spec.top_k,
			},
			"genesis_seed": run.genesis_seed,
			"steps": args.steps,
			"data": args.data.as_ref().map(|p| p.display().to_string()),
			"valid": args.valid.as_ref().map(|p| p.display().to_string()),
			"source": { "order": args.order, "branching": args.branching, "seed": args.source_seed, "len": args.source_len },
		});
		let text = serde_json::to_string_pretty(&json).map_err(aiblock_compute::Error::from)?;
		std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
		println!("manifest written to {}", path.display());
	}
	Ok(())
}

fn floor_note(rate: Option<f64>) -> String {
	rate.map(|r| format!(" (entropy rate of the source: {r:.4})")).unwrap_or_default()
}

fn replay(args: ReplayArgs) -> aiblock_compute::Result<bool> {
	let text = std::fs::read_to_string(&args.manifest)
		.map_err(|e| format!("{}: {e}", args.manifest.display()))?;
	let json: serde_json::Value =
		serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
	let manifest = Manifest::from_json(&json)?;
	let r = &json["run"];
	let num = |v: &serde_json::Value, k: &str| {
		v[k].as_u64().ok_or_else(|| format!("manifest run.{k} missing"))
	};
	let spec = &r["spec"];
	let model = ModelArgs {
		context: num(spec, "context")? as usize,
		d_model: num(spec, "d_model")? as usize,
		d_ff: num(spec, "d_ff")? as usize,
		layers: num(spec, "layers")? as usize,
		experts: num(spec, "experts")? as usize,
		top_k: num(spec, "top_k")? as usize,
		genesis_seed: num(r, "genesis_seed")?,
	};
	let source = &r["source"];
	let JobConfig::Byte(config) = manifest.config else {
		return Err("the manifest is a transformer run; `replay` replays byte-model runs".into());
	};
	let [block] = manifest.blocks[..] else {
		return Err(aiblock_compute::Error::Invalid(format!(
			"a byte-model run trains one block, not {}",
			manifest.blocks.len()
		)));
	};
	let train_args = TrainArgs {
		model: model.clone(),
		compute: args.compute.clone(),
		block: block.name(),
		steps: num(r, "steps")?,
		batch_tokens: config.batch_tokens,
		lr: config.lr,
		seed: config.seed,
		checkpoint_every: config.checkpoint_every,
		data: r["data"].as_str().map(PathBuf::from),
		valid: r["valid"].as_str().map(PathBuf::from),
		order: num(source, "order")? as usize,
		branching: num(source, "branching")? as usize,
		source_seed: num(source, "seed")?,
		source_len: num(source, "len")? as usize,
		manifest: None,
		store: None,
	};
	let run = load_data(&train_args)?;
	if manifest.datasets != [run.dataset_id.clone()] {
		return Err(aiblock_compute::Error::Invalid(format!(
			"dataset {} is not the manifest's {:?}",
			run.dataset_id, manifest.datasets
		)));
	}
	let backend = args.compute.backend()?;
	let backend = backend.as_ref();
	let weights =
		Weights::genesis(run.spec, run.genesis_seed).map_err(aiblock_compute::Error::from)?;
	let mut state = TrainState::new(weights, block).map_err(aiblock_compute::Error::from)?;
	if state.hash() != manifest.start.state {
		println!("start state differs from the manifest's: not the same genesis");
		return Ok(false);
	}
	println!("replaying {} steps of {block} on {}", train_args.steps, backend.name());
	let mine = state
		.run(backend, &run.train, &config, train_args.steps, |_, _| {})
		.map_err(aiblock_compute::Error::from)?;
	let claimed = &manifest.checkpoints;
	// Every checkpoint is compared: a forged middle checkpoint with an honest end must fail too
	// (bisection, which assumes a diverged run stays diverged, is for locating a fault).
	let first = (0..claimed.len().max(mine.len())).find(|&i| claimed.get(i) != mine.get(i));
	match first {
		None => {
			println!(
				"all {} checkpoints reproduce bit for bit; root {}",
				mine.len(),
				hex(&manifest.root)
			);
			Ok(true)
		},
		Some(i) => {
			let at = claimed.get(i).or(mine.get(i)).map(|c| c.step).unwrap_or_default();
			println!("divergence: checkpoint {i} (step {at}) does not reproduce");
			Ok(false)
		},
	}
}

fn genesis(args: GenesisArgs) -> aiblock_compute::Result<()> {
	let byte = GenesisModel {
		spec: args.model.spec(),
		weight_seed: args.model.genesis_seed,
		..GenesisModel::development()
	};
	byte.spec.validate().map_err(|e| format!("model: {e}"))?;
	let backend = Cpu::auto();
	eprintln!(
		"scoring the byte model and the transformer on their validation sets ({})",
		backend.name()
	);
	let models = genesis_models(&byte, &GenesisTransformer::development(), &backend)?;
	let store = args
		.store
		.as_ref()
		.map(|d| LocalStore::open(d))
		.transpose()
		.map_err(aiblock_compute::Error::from)?;
	for (index, model) in models.iter().enumerate() {
		let name = model.spec["name"]
			.as_array()
			.map(|b| b.iter().filter_map(|v| v.as_u64().map(|v| v as u8 as char)).collect())
			.unwrap_or_else(String::new);
		println!("model {index}: {name} {}", model.spec["version"]);
		println!("{:<20} {:<62} {:<64} bytes", "block", "cid", "tensor hash");
		let hashes = std::iter::once(None).chain(model.blocks.iter().map(|b| Some(b.hash)));
		for ((name, bytes), hash) in model.files().iter().zip(hashes) {
			let cid = match &store {
				Some(s) => s.put(bytes).map_err(aiblock_compute::Error::from)?,
				None => cid_of(bytes),
			};
			let hash = hash.map(|h| hex(&h)).unwrap_or_else(|| "-".into());
			println!("{:<20} {:<62} {:<64} {}", name, cid.to_string(), hash, bytes.len());
		}
		println!("validation loss of the genesis weights: {} micro-nats/byte\n", model.score);
	}
	if let Some(path) = &args.chain_json {
		let json: Vec<_> = models.iter().map(|m| m.to_json()).collect();
		std::fs::write(path, file_text(&json)).map_err(|e| format!("{}: {e}", path.display()))?;
		println!("wrote {}", path.display());
	}
	Ok(())
}

fn run_bench(args: BenchArgs) -> aiblock_compute::Result<()> {
	let budget = Duration::from_secs_f64(args.seconds.max(0.01));
	let cpu = std::fs::read_to_string("/proc/cpuinfo")
		.ok()
		.and_then(|s| {
			s.lines()
				.find(|l| l.starts_with("model name"))
				.map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
		})
		.unwrap_or_else(|| "unknown CPU".into());
	println!("aiblock-compute bench on {cpu}, numerics v{NUMERICS_VERSION}");
	println!("\ncanonical matmul, n×n·n×n, GFLOP/s");
	let variants = bench::cpu_variants();
	print!("{:>6}", "n");
	for (name, _) in &variants {
		print!(" {name:>16}");
	}
	println!();
	for &n in &args.sizes {
		print!("{n:>6}");
		for (_, cpu) in &variants {
			print!(" {:>16.1}", bench::matmul_gflops(n, n, n, cpu.threads, cpu.kernel, budget));
		}
		println!();
	}
	let best = Cpu::auto();
	println!("\ntraining step of one expert, {} tokens, {}", args.tokens, best.name());
	for &d in &args.d_models {
		let (secs, spec) = bench::expert_step_seconds(&best, d, args.tokens, budget);
		println!("d_model {d:>5}  d_ff {:>5}  {:>9.1} ms/step", spec.d_ff, secs * 1e3);
	}
	// Memory bandwidth as memcpy sees it once buffers are far larger than the caches.
	let big = 64 << 20;
	let machine = big as f64 / bench::memcpy_seconds(big, budget) / 1e9;
	println!(
		"\nloading an expert block from the store (mmap + read every tensor), against memcpy of \
		 the same bytes (in cache when they fit) and this machine's memcpy bandwidth \
		 ({machine:.2} GB/s on 64 MiB)"
	);
	let dir = std::env::temp_dir().join(format!("aiblock-bench-{}", std::process::id()));
	for &d in &args.d_models {
		let (bytes, load, copy) = bench::expert_load(d, &dir, budget)?;
		let gbs = |s: f64| bytes as f64 / s / 1e9;
		println!(
			"d_model {d:>5}  {:>8.1} MB  load {:>6.2} GB/s  memcpy {:>6.2} GB/s  ratio {:.2}  \
			 vs bandwidth {:.2}",
			bytes as f64 / 1e6,
			gbs(load),
			gbs(copy),
			copy / load,
			gbs(load) / machine
		);
	}
	let _ = std::fs::remove_dir_all(dir);
	Ok(())
}

#[cfg(feature = "cuda")]
fn run_bench_cuda(args: BenchCudaArgs) -> aiblock_compute::Result<()> {
	let device = aiblock_compute::cuda::Cuda::new(0).map_err(aiblock_compute::Error::from)?;
	aiblock_compute::cuda::run_benchmarks(&device, &args.d_models, args.tokens)
		.map_err(aiblock_compute::Error::from)
}

#[cfg(not(feature = "cuda"))]
fn run_bench_cuda(_: BenchCudaArgs) -> aiblock_compute::Result<()> {
	Err("this build has no CUDA backend; rebuild with `--features cuda`".into())
}

fn main() -> ExitCode {
	aiblock_compute::keep_freed_memory();
	let result = match Cli::parse().command {
		Command::Train(a) => train(a).map(|()| true),
		Command::Replay(a) => replay(a),
		Command::Genesis(a) => genesis(a).map(|()| true),
		Command::Bench(a) => run_bench(a).map(|()| true),
		Command::LmTrain(a) => lm::lm_train(a).map(|()| true),
		Command::Generate(a) => lm::run_generate(a).map(|()| true),
		Command::ExportHf(a) => lm::export_hf(a).map(|()| true),
		Command::Grow(a) => lm::run_grow(a).map(|()| true),
		Command::BenchCuda(a) => run_bench_cuda(a).map(|()| true),
	};
	match result {
		Ok(true) => ExitCode::SUCCESS,
		Ok(false) => ExitCode::FAILURE,
		Err(e) => {
			eprintln!("error: {e}");
			ExitCode::from(2)
		},
	}
}
