//! The CUDA backend against the canonical CPU backend, bit for bit (`--features cuda`).
//!
//! Every test runs on every machine. Without a GPU the device tests say they are skipped and
//! pass, unless `AIBLOCK_GPU_REQUIRED=1` (set when running on the GPU machine) makes a missing
//! GPU a failure. On the GPU machine (see the worker README, "GPU checks"):
//!   cargo test -p aiblock-compute --features cuda --release --test cuda --no-run
//! builds the binary here; it is carried over and run there with `--test-threads 1`.

use aiblock_compute::{
	backend::{self, Backend, Cpu},
	cuda::{self, Cuda, CudaError, ScalarFunction},
	data::{Dataset, MarkovSource},
	job::{JobConfig, Model, Run},
	matmul::{Kernel, MatRef},
	model::{BlockId, ModelSpec, Weights},
	safetensors::MappedFile,
	train::{TrainConfig, TrainState},
	transformer::{self, ops, rope::RopeTable, train::LmConfig, TransformerSpec},
};
use support::{
	adam_step, assert_bits, scores, values, NORM_SHAPES, RAGGED, ROPE_SHAPES, SOFTMAX_SHAPES,
};

mod support;

/// The device, or `None` (and a note) where there is none.
fn gpu() -> Option<Cuda> {
	match Cuda::new(0) {
		Ok(c) => {
			eprintln!("running on {} ({:?})", c.device(), c.kernel_image());
			Some(c)
		},
		Err(e) if std::env::var("AIBLOCK_GPU_REQUIRED").as_deref() == Ok("1") => {
			panic!("AIBLOCK_GPU_REQUIRED=1 but there is no usable GPU: {e}")
		},
		Err(e) => {
			eprintln!("skipped, no GPU: {e}");
			None
		},
	}
}

fn cpu() -> Cpu {
	Cpu {
		threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
		kernel: Kernel::Auto,
	}
}

#[test]
fn without_a_gpu_the_backend_says_why_and_never_panics() {
	match Cuda::new(0) {
		Ok(c) => {
			assert!(cuda::available());
			assert!(c.name().starts_with("cuda:0"), "{}", c.name());
		},
		Err(e) => {
			assert!(!cuda::available());
			assert!(
				matches!(
					e,
					CudaError::NoDriver
						| CudaError::NoDevice { .. }
						| CudaError::Unsupported { .. }
				),
				"{e:?}"
			);
			let message = e.to_string();
			assert!(
				["driver", "device", "capability"].iter().any(|w| message.contains(w)),
				"{message}"
			);
		},
	}
	let err = Cuda::new(1000).err().expect("no machine has a thousand GPUs");
	assert!(
		matches!(err, CudaError::NoDriver | CudaError::NoDevice { ordinal: 1000, .. }),
		"{err:?}"
	);
}

#[test]
fn matmul_is_bitwise_the_cpu_on_ragged_shapes_and_views() {
	let Some(gpu) = gpu() else { return };
	let cpu = cpu();
	for m in RAGGED {
		for k in RAGGED {
			for n in RAGGED {
				let (a, b) = (values(m * k, 1), values(k * n, 2));
				let (at, bt) = (values(k * m, 3), values(n * k, 4));
				let views = [
					(MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n)),
					(MatRef::row_major(&at, k, m).t(), MatRef::row_major(&bt, n, k).t()),
				];
				for (i, (a, b)) in views.into_iter().enumerate() {
					// Large-by-large-by-large is slow on the CPU; one view of it is enough.
					if i == 1 && m * k * n > 129 * 4097 * 4097 {
						continue;
					}
					let (mut want, mut got) = (vec![0.0; m * n], vec![1.0; m * n]);
					cpu.matmul(a, b, &mut want).unwrap();
					gpu.try_matmul(a, b, &mut got).unwrap();
					assert_bits(&format!("matmul {m}x{k}x{n} view {i}"), &got, &want);
				}
			}
		}
	}
	// Empty inner dimension: +0 everywhere, as on the CPU.
	let mut c = vec![1.0; 6];
	gpu.try_matmul(MatRef::row_major(&[], 2, 0), MatRef::row_major(&[], 0, 3), &mut c).unwrap();
	assert!(c.iter().all(|v| v.to_bits() == 0));
	// A bad shape is the CPU's typed error, not a launch.
	let err = gpu.try_matmul(
		MatRef::row_major(&[1.0; 6], 2, 3),
		MatRef::row_major(&[1.0; 6], 2, 3),
		&mut c,
	);
	assert!(matches!(err, Err(CudaError::Matmul(_))), "{err:?}");
}

#[test]
fn elementwise_and_row_kernels_are_bitwise_the_cpu() {
	let Some(gpu) = gpu() else { return };
	for len in RAGGED.into_iter().chain([1 << 20]) {
		let (z, g) = (values(len, 5), values(len, 6));
		let (mut want, mut got) = (vec![0.0; len], vec![0.0; len]);
		backend::silu(&z, &mut want);
		gpu.try_silu(&z, &mut got).unwrap();
		assert_bits(&format!("silu {len}"), &got, &want);
		backend::silu_backward(&z, &g, &mut want);
		gpu.try_silu_backward(&z, &g, &mut got).unwrap();
		assert_bits(&format!("silu backward {len}"), &got, &want);

		for decay in [false, true] {
			let step = adam_step();
			let (w0, m0, v0) = (
				values(len, 7),
				values(len, 8),
				values(len, 9).iter().map(|v| v.abs()).collect::<Vec<_>>(),
			);
			let (mut w1, mut m1, mut v1) = (w0.clone(), m0.clone(), v0.clone());
			backend::adamw(&mut w1, &g, &mut m1, &mut v1, &step, decay);
			let (mut w2, mut m2, mut v2) = (w0, m0, v0);
			gpu.try_adamw(&mut w2, &g, &mut m2, &mut v2, &step, decay).unwrap();
			assert_bits(&format!("adamw w {len} {decay}"), &w2, &w1);
			assert_bits(&format!("adamw m {len} {decay}"), &m2, &m1);
			assert_bits(&format!("adamw v {len} {decay}"), &v2, &v1);
		}
	}
	for rows in RAGGED {
		let vocab = 256;
		let logits: Vec<f32> = values(rows * vocab, 10).iter().map(|v| v * 3.0).collect();
		let targets: Vec<u8> = (0..rows).map(|t| (t * 37 % 256) as u8).collect();
		let scale = 1.0 / rows as f32;
		let (mut g1, mut l1) = (vec![0.0; rows * vocab], vec![0.0; rows]);
		backend::cross_entropy_rows(&logits, &targets, scale, &mut g1, &mut l1);
		let (mut g2, mut l2) = (vec![0.0; rows * vocab], vec![0.0; rows]);
		gpu.try_cross_entropy_rows(&logits, &targets, scale, &mut g2, &mut l2).unwrap();
		assert_bits(&format!("cross-entropy loss {rows}"), &l2, &l1);
		assert_bits(&format!("cross-entropy grad {rows}"), &g2, &g1);

		for (experts, k) in [(1, 1), (4, 2), (7, 3), (64, 2), (64, 64)] {
			// Quantised logits: many ties, and both zeros.
			let logits: Vec<f32> =
				values(rows * experts, 11).iter().map(|v| (v * 2.0).round() * 0.5).collect();
			let (mut c1, mut w1) = (vec![0u32; rows * k], vec![0.0; rows * k]);
			backend::route_rows(&logits, experts, k, &mut c1, &mut w1);
			let (mut c2, mut w2) = (vec![0u32; rows * k], vec![0.0; rows * k]);
			gpu.try_route_rows(&logits, experts, k, &mut c2, &mut w2).unwrap();
			assert_eq!(c2, c1, "routing choices {rows} rows, {experts} experts, top {k}");
			assert_bits(&format!("gates {rows}/{experts}/{k}"), &w2, &w1);
		}
	}
	assert_eq!(gpu.failures().0, 0, "{:?}", gpu.failures().1);
}

#[test]
fn bias_and_column_sums_are_bitwise_the_cpu() {
	let Some(gpu) = gpu() else { return };
	for rows in [1, 7, 1025, 4097] {
		for cols in [1, 7, 129] {
			let x = values(rows * cols, 12);
			let bias = values(cols, 13);
			let mut want = x.clone();
			backend::add_bias(&mut want, &bias);
			let mut x_dev = gpu.stream().clone_htod(&x).unwrap();
			let bias_dev = gpu.stream().clone_htod(&bias).unwrap();
			gpu.add_bias_on_device(&mut x_dev, &bias_dev, rows * cols).unwrap();
			assert_bits("bias", &gpu.stream().clone_dtoh(&x_dev).unwrap(), &want);

			let mut sums = vec![0.0; cols];
			backend::column_sums(&x, cols, &mut sums);
			let x_dev = gpu.stream().clone_htod(&x).unwrap();
			let mut out = gpu.stream().alloc_zeros::<f32>(cols).unwrap();
			gpu.column_sums_on_device(&x_dev, rows, cols, &mut out).unwrap();
			assert_bits("column sums", &gpu.stream().clone_dtoh(&out).unwrap(), &sums);
		}
	}
}

/// exp, ln, SiLU and its derivative on all 2^32 inputs (NaN matches any NaN: payloads are not
/// part of the spec).
#[test]
fn scalar_functions_are_bitwise_the_cpu_on_every_f32() {
	let Some(gpu) = gpu() else { return };
	const CHUNK: usize = 1 << 28;
	let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
	let mut out = gpu.stream().alloc_zeros::<f32>(CHUNK).unwrap();
	let mut host = vec![0.0f32; CHUNK];
	for function in ScalarFunction::ALL {
		let f = function.cpu();
		for chunk in 0..(1usize << 32) / CHUNK {
			let first = (chunk * CHUNK) as u32;
			gpu.map_bits_on_device(function, first, CHUNK, &mut out).unwrap();
			gpu.stream().memcpy_dtoh(&out, &mut host).unwrap();
			gpu.stream().synchronize().unwrap();
			let bad = std::thread::scope(|s| {
				let per = CHUNK / threads + 1;
				let parts: Vec<_> = host
					.chunks(per)
					.enumerate()
					.map(|(p, part)| {
						s.spawn(move || {
							part.iter().enumerate().find_map(|(i, &got)| {
								let x = f32::from_bits(first + (p * per + i) as u32);
								let want = f(x);
								let same = got.to_bits() == want.to_bits()
									|| (got.is_nan() && want.is_nan());
								(!same).then_some((x, got, want))
							})
						})
					})
					.collect();
				parts.into_iter().find_map(|h| h.join().unwrap())
			});
			if let Some((x, got, want)) = bad {
				panic!("{function:?}({x:e} = {:#x}): GPU {got:e} CPU {want:e}", x.to_bits());
			}
		}
		eprintln!("{function:?}: all 2^32 inputs agree");
	}
}

fn run(backend: &dyn Backend, spec: ModelSpec, block: BlockId, steps: u64) -> Vec<[u8; 32]> {
	let data = MarkovSource { order: 1, branching: 4, seed: 5 }.generate(1 << 15, 0);
	let cfg = TrainConfig { batch_tokens: 257, checkpoint_every: 1, ..TrainConfig::default() };
	let mut state = TrainState::new(Weights::genesis(spec, 7).unwrap(), block).unwrap();
	let checkpoints = state.run(backend, &data, &cfg, steps, |_, _| {}).unwrap();
	checkpoints.iter().map(|c| c.state).collect()
}

#[test]
fn training_runs_hash_exactly_like_the_cpu_and_repeat() {
	let Some(gpu) = gpu() else { return };
	let cpu = cpu();
	let wide = ModelSpec { context: 3, d_model: 130, d_ff: 257, layers: 2, experts: 5, top_k: 2 };
	for spec in [ModelSpec::TINY, wide] {
		for block in
			[BlockId::Expert { layer: 0, expert: 1 }, BlockId::Router { layer: 1 }, BlockId::Shared]
		{
			let want = run(&cpu, spec, block, 12);
			let got = run(&gpu, spec, block, 12);
			assert_eq!(got, want, "{block} on {spec:?}: every step's state hash");
			assert_eq!(run(&gpu, spec, block, 12), got, "{block}: a second GPU run");
		}
	}
	assert_eq!(gpu.failures().0, 0, "{:?}", gpu.failures().1);
}

#[test]
fn an_expert_file_goes_to_the_device_unchanged() {
	let Some(gpu) = gpu() else { return };
	let spec = ModelSpec { context: 2, d_model: 96, d_ff: 384, layers: 1, experts: 1, top_k: 1 };
	let weights = Weights::genesis(spec, 3).unwrap();
	let block = BlockId::Expert { layer: 0, expert: 0 };
	let dir = std::env::temp_dir().join(format!("aiblock-cuda-test-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let path = dir.join("expert.safetensors");
	std::fs::write(&path, weights.block_file(block)).unwrap();
	let file = MappedFile::open(&path).unwrap();
	let on_device = gpu.upload_file(&file).unwrap();
	assert_eq!(on_device.len(), 4);
	for (name, tensor) in &on_device {
		assert_eq!(tensor.shape, weights.tensors[name].shape);
		assert_bits(name, &gpu.stream().clone_dtoh(&tensor.data).unwrap(), weights.get(name));
	}
	std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn transformer_kernels_are_bitwise_the_cpu() {
	let Some(gpu) = gpu() else { return };
	for (rows, width) in NORM_SHAPES.into_iter().chain([(4096, 128)]) {
		let (x, weight, g) =
			(values(rows * width, 20), values(width, 21), values(rows * width, 22));
		let (mut o1, mut r1) = (vec![0.0; rows * width], vec![0.0; rows]);
		ops::rms_norm(&x, &weight, 1e-5, &mut o1, &mut r1);
		let (mut o2, mut r2) = (vec![0.0; rows * width], vec![0.0; rows]);
		gpu.try_rms_norm(&x, &weight, 1e-5, &mut o2, &mut r2).unwrap();
		assert_bits(&format!("rms norm {rows}x{width}"), &o2, &o1);
		assert_bits(&format!("rms factors {rows}x{width}"), &r2, &r1);
		let (mut dx1, mut t1) = (values(rows * width, 23), vec![0.0; rows * width]);
		let (mut dx2, mut t2) = (dx1.clone(), vec![0.0; rows * width]);
		ops::rms_norm_backward(&x, &weight, &r1, &g, &mut dx1, Some(&mut t1));
		gpu.try_rms_norm_backward(&x, &weight, &r1, &g, &mut dx2, Some(&mut t2)).unwrap();
		assert_bits(&format!("rms backward {rows}x{width}"), &dx2, &dx1);
		assert_bits(&format!("rms weight terms {rows}x{width}"), &t2, &t1);

		let (a, b) = (values(rows * width, 24), values(rows * width, 25));
		let (mut h1, mut h2) = (vec![0.0; a.len()], vec![0.0; a.len()]);
		ops::swiglu(&a, &b, &mut h1);
		gpu.try_swiglu(&a, &b, &mut h2).unwrap();
		assert_bits(&format!("swiglu {}", a.len()), &h2, &h1);
		let (mut da1, mut db1) = (vec![0.0; a.len()], vec![0.0; a.len()]);
		let (mut da2, mut db2) = (vec![0.0; a.len()], vec![0.0; a.len()]);
		ops::swiglu_backward(&a, &b, &g, &mut da1, &mut db1);
		gpu.try_swiglu_backward(&a, &b, &g, &mut da2, &mut db2).unwrap();
		assert_bits("swiglu backward a", &da2, &da1);
		assert_bits("swiglu backward b", &db2, &db1);
	}
	for (rows, matrices) in SOFTMAX_SHAPES.into_iter().chain([(256, 48)]) {
		let scale = 1.0 / (rows as f32 + 0.5).sqrt();
		let raw = scores(rows * rows * matrices, 30);
		let (mut p1, mut p2) = (raw.clone(), raw);
		ops::causal_softmax(&mut p1, rows, scale);
		gpu.try_causal_softmax(&mut p2, rows, scale).unwrap();
		assert_bits(&format!("causal softmax {matrices}x{rows}²"), &p2, &p1);
		let mut g1 = values(p1.len(), 31);
		let mut g2 = g1.clone();
		ops::causal_softmax_backward(&p1, &mut g1, rows, scale);
		gpu.try_causal_softmax_backward(&p1, &mut g2, rows, scale).unwrap();
		assert_bits(&format!("causal softmax backward {matrices}x{rows}²"), &g2, &g1);
	}
	for (rows, heads, half, first) in ROPE_SHAPES {
		let table = RopeTable::new(first + rows, 2 * half, 10_000.0);
		for inverse in [false, true] {
			let mut want = values(rows * heads * 2 * half, 32);
			let mut got = want.clone();
			match inverse {
				false => table.apply(&mut want, heads, first),
				true => table.apply_backward(&mut want, heads, first),
			}
			gpu.try_rope(&table, &mut got, heads, first, inverse).unwrap();
			assert_bits(&format!("rope {rows}x{heads}x{half} from {first}"), &got, &want);
		}
		// Positions past the table are refused, not read.
		let mut x = values(rows * heads * 2 * half, 33);
		assert!(gpu.try_rope(&table, &mut x, heads, first + 1, false).is_err());
	}
	assert_eq!(gpu.failures().0, 0, "{:?}", gpu.failures().1);
}

/// A transformer job's checkpoint hashes, trained on `backend`.
fn transformer_run(backend: &dyn Backend, blocks: &[BlockId], steps: u64) -> Vec<[u8; 32]> {
	let spec = TransformerSpec { context: 24, ..TransformerSpec::TINY };
	let weights = transformer::genesis(spec, 3).unwrap();
	let config = JobConfig::Transformer {
		lm: LmConfig::for_job(9, 4, 24, 1e-2, steps),
		checkpoint_every: 1,
	};
	let text =
		std::fs::read(support::manifest_dir().join("../../data/tinyshakespeare.txt")).unwrap();
	let data = Dataset::new(text[..20_000].to_vec());
	let mut run = Run::new(Model::Transformer(weights), blocks, &config).unwrap();
	let checkpoints = run.run_while(backend, &data, &config, steps, |_, _| true).unwrap();
	checkpoints.iter().map(|c| c.state).collect()
}

#[test]
fn transformer_training_hashes_exactly_like_the_cpu() {
	// The CPU side runs everywhere (on one thread and on all: the same hashes), so the runs
	// this compares are known to work before a GPU ever sees them.
	let (cpu, one) = (cpu(), Cpu { threads: 1, kernel: Kernel::Auto });
	let gpu = gpu();
	let sets: [&[BlockId]; 3] = [
		&[BlockId::Attention { layer: 1 }],
		&[BlockId::Expert { layer: 0, expert: 2 }, BlockId::Router { layer: 0 }],
		&[
			BlockId::Shared,
			BlockId::Attention { layer: 0 },
			BlockId::Expert { layer: 1, expert: 0 },
		],
	];
	for blocks in sets {
		let want = transformer_run(&cpu, blocks, 6);
		assert_eq!(want.len(), 6);
		assert_eq!(transformer_run(&one, blocks, 6), want, "{blocks:?}: one CPU thread");
		if let Some(gpu) = &gpu {
			let got = transformer_run(gpu, blocks, 6);
			assert_eq!(got, want, "{blocks:?}: every step's state hash");
		}
	}
	if let Some(gpu) = gpu {
		assert_eq!(gpu.failures().0, 0, "{:?}", gpu.failures().1);
	}
}

/// What a server answers with: the cached decoder reading a prompt and then one token at a
/// time, and one expert's rows as a peer computes them for another server. On the GPU both
/// are the CPU's bits, so a GPU server, a CPU server and servers of either kind sharing the
/// experts of one answer all give the same answer (and the auditors' CPU replay agrees).
#[test]
fn decoding_and_expert_calls_are_bitwise_the_cpu() {
	use transformer::{
		decode::Decoder,
		experts::{expert_output, ExpertMatrices},
	};
	let spec = TransformerSpec { experts: 4, top_k: 2, ..TransformerSpec::TINY };
	let weights = transformer::genesis(spec, 7).unwrap();
	let text: Vec<u32> = b"O, she doth teach the torches".iter().map(|&b| b.into()).collect();
	let decode = |backend: &dyn Backend| {
		let mut decoder = Decoder::new(backend, &weights).unwrap();
		let mut logits = decoder.read(&[(0, &text[..12])]).unwrap();
		for token in &text[12..] {
			logits.extend(decoder.step(*token).unwrap());
		}
		(logits, decoder.routed(0).unwrap().to_vec())
	};
	let rows = values(5 * spec.d_model, 11);
	let matrices = ExpertMatrices::of(&weights, 1, 3).unwrap();
	let (cpu, one) = (cpu(), Cpu { threads: 1, kernel: Kernel::Auto });
	let want = decode(&cpu);
	assert_eq!(decode(&one), want, "one CPU thread");
	let want_rows = expert_output(&cpu, &spec, matrices, &rows).unwrap();
	let Some(gpu) = gpu() else { return };
	let got = decode(&gpu);
	assert_bits("decoded logits", &got.0, &want.0);
	assert_eq!(got.1, want.1, "the rows routed to each expert");
	assert_bits("expert rows", &expert_output(&gpu, &spec, matrices, &rows).unwrap(), &want_rows);
	assert_eq!(gpu.failures().0, 0, "{:?}", gpu.failures().1);
}
