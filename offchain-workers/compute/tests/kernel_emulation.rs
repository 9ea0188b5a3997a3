//! The CUDA kernels (`cuda/kernels.cu`) run on the CPU by `cuda/emulate/harness.cpp`, compared
//! bit for bit with the Rust implementation they port. This checks the kernels' logic — tiles
//! and tails, reduction orders, the exp/ln port, routing ties — on every machine, GPU or not;
//! the GPU tests (`tests/cuda.rs`) check the same on the device.
//!
//! Needs a C++20 compiler (`$CXX`, else c++, g++ or clang++). Without one the tests say they are
//! skipped, unless `AIBLOCK_EMULATION_REQUIRED=1` (set in CI) makes that a failure.

use aiblock_compute::{
	backend, math,
	matmul::{matmul, Kernel, MatRef},
	transformer::{ops, rope::RopeTable},
};
use std::{
	io::Write,
	path::PathBuf,
	process::{Command, Stdio},
	sync::OnceLock,
};
use support::{adam_step, assert_bits, scores, values, NORM_SHAPES, ROPE_SHAPES, SOFTMAX_SHAPES};

mod support;

/// The compiled harness, built once per test run.
fn harness() -> Option<&'static PathBuf> {
	static BUILT: OnceLock<Option<PathBuf>> = OnceLock::new();
	BUILT
		.get_or_init(|| {
			let source = support::manifest_dir().join("cuda/emulate/harness.cpp");
			let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kernel-harness");
			let compilers =
				std::env::var("CXX").into_iter().chain(["c++", "g++", "clang++"].map(String::from));
			for cxx in compilers {
				let status = Command::new(&cxx)
					// Strict IEEE: no contraction into FMA, no fast-math.
					.args(["-std=c++20", "-O2", "-ffp-contract=off", "-pthread", "-Wall", "-Werror"])
					.arg("-Wno-unknown-pragmas")
					.arg(&source)
					.arg("-o")
					.arg(&out)
					.status();
				match status {
					Ok(s) if s.success() => return Some(out),
					Ok(s) => panic!("{cxx} cannot compile the kernel harness ({s})"),
					Err(_) => continue,
				}
			}
			if std::env::var("AIBLOCK_EMULATION_REQUIRED").as_deref() == Ok("1") {
				panic!("AIBLOCK_EMULATION_REQUIRED=1 but no C++ compiler was found");
			}
			eprintln!("skipped: no C++ compiler for the kernel harness");
			None
		})
		.as_ref()
}

fn bytes_of<T: Copy>(values: &[T]) -> &[u8] {
	// SAFETY: plain numbers, read as their bytes.
	unsafe {
		std::slice::from_raw_parts(values.as_ptr() as *const u8, std::mem::size_of_val(values))
	}
}

/// Run one kernel in the harness; its raw output.
fn emulate(harness: &PathBuf, op: &str, args: &[String], inputs: &[&[u8]]) -> Vec<u8> {
	let mut child = Command::new(harness)
		.arg(op)
		.args(args)
		.stdin(Stdio::piped())
		.stdout(Stdio::piped())
		.spawn()
		.expect("the harness starts");
	{
		let mut stdin = child.stdin.take().expect("piped");
		for input in inputs {
			stdin.write_all(input).expect("the harness reads its input");
		}
	}
	let out = child.wait_with_output().expect("the harness finishes");
	assert!(out.status.success(), "harness {op} {args:?} failed");
	out.stdout
}

fn floats(bytes: &[u8]) -> Vec<f32> {
	bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

fn hex(x: f32) -> String {
	format!("{:x}", x.to_bits())
}

#[test]
fn matmul_kernel_matches_on_ragged_shapes_and_transposed_views() {
	let Some(h) = harness() else { return };
	// 1 and 7: inside one tile and one k-tile; 129: a tile and one more, and a k tail of 1;
	// 144: nine whole k-tiles.
	for (m, k, n) in
		[(1, 1, 1), (7, 7, 7), (1, 129, 7), (129, 7, 1), (7, 144, 129), (129, 129, 130)]
	{
		let (a, b) = (values(m * k, 1), values(k * n, 2));
		let (at, bt) = (values(k * m, 3), values(n * k, 4));
		let views = [
			(MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n)),
			(MatRef::row_major(&at, k, m).t(), MatRef::row_major(&bt, n, k).t()),
		];
		for (i, (a, b)) in views.into_iter().enumerate() {
			let mut want = vec![0.0; m * n];
			matmul(a, b, &mut want, 1, Kernel::Portable).unwrap();
			let args = [
				m,
				k,
				n,
				a.row_stride,
				a.col_stride,
				a.data.len(),
				b.row_stride,
				b.col_stride,
				b.data.len(),
			]
			.map(|v| v.to_string());
			let got = floats(&emulate(h, "matmul", &args, &[bytes_of(a.data), bytes_of(b.data)]));
			assert_bits(&format!("matmul {m}x{k}x{n} view {i}"), &got, &want);
		}
	}
}

#[test]
fn elementwise_kernels_match() {
	let Some(h) = harness() else { return };
	for len in [1, 7, 129, 4097] {
		let (z, g) = (values(len, 5), values(len, 6));
		let mut want = vec![0.0; len];
		backend::silu(&z, &mut want);
		let got = floats(&emulate(h, "silu", &[len.to_string()], &[bytes_of(&z)]));
		assert_bits("silu", &got, &want);
		backend::silu_backward(&z, &g, &mut want);
		let got =
			floats(&emulate(h, "silu_backward", &[len.to_string()], &[bytes_of(&z), bytes_of(&g)]));
		assert_bits("silu backward", &got, &want);

		for decay in [false, true] {
			let step = adam_step();
			let (w, m) = (values(len, 7), values(len, 8));
			let v: Vec<f32> = values(len, 9).iter().map(|x| x.abs()).collect();
			let (mut w1, mut m1, mut v1) = (w.clone(), m.clone(), v.clone());
			backend::adamw(&mut w1, &g, &mut m1, &mut v1, &step, decay);
			let args: Vec<String> = [len.to_string()]
				.into_iter()
				.chain(
					[step.lr, step.beta1, step.beta2, 1.0 - step.beta1, 1.0 - step.beta2, step.eps]
						.into_iter()
						.chain([step.weight_decay, step.correction1, step.correction2])
						.map(hex),
				)
				.chain([(decay as i32).to_string()])
				.collect();
			let out = floats(&emulate(
				h,
				"adamw",
				&args,
				&[bytes_of(&w), bytes_of(&g), bytes_of(&m), bytes_of(&v)],
			));
			assert_bits("adamw w", &out[..len], &w1);
			assert_bits("adamw m", &out[len..2 * len], &m1);
			assert_bits("adamw v", &out[2 * len..], &v1);
		}
	}
}

#[test]
fn cross_entropy_and_routing_kernels_match() {
	let Some(h) = harness() else { return };
	for rows in [1, 7, 33] {
		let vocab = 256;
		let logits: Vec<f32> = values(rows * vocab, 10).iter().map(|v| v * 3.0).collect();
		let targets: Vec<u8> = (0..rows).map(|t| (t * 37 % 256) as u8).collect();
		let scale = 1.0 / rows as f32;
		let (mut grad, mut losses) = (vec![0.0; rows * vocab], vec![0.0; rows]);
		backend::cross_entropy_rows(&logits, &targets, scale, &mut grad, &mut losses);
		let args = [rows.to_string(), vocab.to_string(), hex(scale)];
		let out = floats(&emulate(h, "cross_entropy_rows", &args, &[bytes_of(&logits), &targets]));
		assert_bits("losses", &out[..rows], &losses);
		assert_bits("logit gradients", &out[rows..], &grad);

		for (experts, k) in [(1, 1), (4, 2), (7, 3), (64, 2), (64, 64)] {
			// Quantised logits: many ties, and both zeros.
			let logits: Vec<f32> =
				values(rows * experts, 11).iter().map(|v| (v * 2.0).round() * 0.5).collect();
			let (mut chosen, mut gates) = (vec![0u32; rows * k], vec![0.0; rows * k]);
			backend::route_rows(&logits, experts, k, &mut chosen, &mut gates);
			let args = [rows, experts, k].map(|v| v.to_string());
			let out = emulate(h, "route_rows", &args, &[bytes_of(&logits)]);
			let (c, g) = out.split_at(rows * k * 4);
			let got_chosen: Vec<u32> =
				c.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
			assert_eq!(got_chosen, chosen, "choices, {rows} rows of {experts}, top {k}");
			assert_bits("gates", &floats(g), &gates);
		}
	}
}

#[test]
fn bias_and_column_sum_kernels_match() {
	let Some(h) = harness() else { return };
	for (rows, cols) in [(1, 1), (7, 129), (2100, 3)] {
		let (x, bias) = (values(rows * cols, 12), values(cols, 13));
		let args = [rows, cols].map(|v| v.to_string());
		let mut want = x.clone();
		backend::add_bias(&mut want, &bias);
		assert_bits(
			"bias",
			&floats(&emulate(h, "add_bias", &args, &[bytes_of(&x), bytes_of(&bias)])),
			&want,
		);
		let mut sums = vec![0.0; cols];
		backend::column_sums(&x, cols, &mut sums);
		assert_bits(
			"column sums",
			&floats(&emulate(h, "column_sums", &args, &[bytes_of(&x)])),
			&sums,
		);
	}
}

/// exp, ln, SiLU and its derivative on every 65521st bit pattern (a prime stride, so every
/// exponent and many mantissas), plus the special values. The GPU test covers all 2^32.
#[test]
fn scalar_function_ports_match_on_a_sweep_of_bit_patterns() {
	let Some(h) = harness() else { return };
	let stride = 65_521u64;
	let count = (1u64 << 32) / stride + 1;
	let functions: [fn(f32) -> f32; 4] = [math::exp, math::ln, math::silu, math::silu_grad];
	for (op, f) in functions.into_iter().enumerate() {
		let args = [op.to_string(), "0".into(), count.to_string(), stride.to_string()];
		let got = floats(&emulate(h, "map_bits", &args, &[]));
		let want: Vec<f32> = (0..count).map(|i| f(f32::from_bits((i * stride) as u32))).collect();
		assert_bits(&format!("function {op}"), &got, &want);
		for special in [
			0.0f32,
			-0.0,
			1.0,
			f32::INFINITY,
			f32::NEG_INFINITY,
			f32::MIN_POSITIVE,
			88.72284,
			-103.97208,
		] {
			let args = [op.to_string(), special.to_bits().to_string(), "1".into(), "1".into()];
			assert_bits(
				&format!("function {op}({special:e})"),
				&floats(&emulate(h, "map_bits", &args, &[])),
				&[f(special)],
			);
		}
	}
}

#[test]
fn transformer_norm_and_gate_kernels_match() {
	let Some(h) = harness() else { return };
	for (rows, width) in NORM_SHAPES {
		let (x, weight) = (values(rows * width, 20), values(width, 21));
		let eps = 1e-5f32;
		let (mut out, mut factors) = (vec![0.0; rows * width], vec![0.0; rows]);
		ops::rms_norm(&x, &weight, eps, &mut out, &mut factors);
		let args = [rows.to_string(), width.to_string(), hex(eps)];
		let got = floats(&emulate(h, "rms_norm", &args, &[bytes_of(&x), bytes_of(&weight)]));
		assert_bits(&format!("rms norm {rows}x{width}"), &got[..rows * width], &out);
		assert_bits(&format!("rms factors {rows}x{width}"), &got[rows * width..], &factors);

		let (g, dx0) = (values(rows * width, 22), values(rows * width, 23));
		for with_terms in [false, true] {
			let mut dx = dx0.clone();
			let mut terms = vec![1.0f32; rows * width];
			let wanted_terms = with_terms.then_some(&mut terms[..]);
			ops::rms_norm_backward(&x, &weight, &factors, &g, &mut dx, wanted_terms);
			let args = [rows, width, with_terms as usize].map(|v| v.to_string());
			let inputs = [&x, &weight, &factors, &g, &dx0].map(|v| bytes_of(v));
			let got = floats(&emulate(h, "rms_norm_backward", &args, &inputs));
			assert_bits(&format!("rms backward dx {rows}x{width}"), &got[..rows * width], &dx);
			assert_bits(&format!("rms backward terms {with_terms}"), &got[rows * width..], &terms);
		}

		let len = rows * width;
		let (a, b, grad) = (values(len, 24), values(len, 25), values(len, 26));
		let mut want = vec![0.0; len];
		ops::swiglu(&a, &b, &mut want);
		let got = floats(&emulate(h, "swiglu", &[len.to_string()], &[bytes_of(&a), bytes_of(&b)]));
		assert_bits(&format!("swiglu {len}"), &got, &want);
		let (mut da, mut db) = (vec![0.0; len], vec![0.0; len]);
		ops::swiglu_backward(&a, &b, &grad, &mut da, &mut db);
		let inputs = [&a, &b, &grad].map(|v| bytes_of(v));
		let got = floats(&emulate(h, "swiglu_backward", &[len.to_string()], &inputs));
		assert_bits(&format!("swiglu backward a {len}"), &got[..len], &da);
		assert_bits(&format!("swiglu backward b {len}"), &got[len..], &db);
	}
}

#[test]
fn transformer_attention_kernels_match() {
	let Some(h) = harness() else { return };
	for (rows, matrices) in SOFTMAX_SHAPES {
		let len = rows * rows * matrices;
		let scale = 1.0 / (rows as f32 + 0.5).sqrt();
		let raw = scores(len, 30);
		let mut probs = raw.clone();
		ops::causal_softmax(&mut probs, rows, scale);
		let args = [rows.to_string(), matrices.to_string(), hex(scale)];
		let got = floats(&emulate(h, "causal_softmax", &args, &[bytes_of(&raw)]));
		assert_bits(&format!("causal softmax {matrices}x{rows}²"), &got, &probs);

		let grad0 = values(len, 31);
		let mut grad = grad0.clone();
		ops::causal_softmax_backward(&probs, &mut grad, rows, scale);
		let inputs = [bytes_of(&probs), bytes_of(&grad0)];
		let got = floats(&emulate(h, "causal_softmax_backward", &args, &inputs));
		assert_bits(&format!("causal softmax backward {matrices}x{rows}²"), &got, &grad);
	}
	for (rows, heads, half, first) in ROPE_SHAPES {
		let table = RopeTable::new(first + rows, 2 * half, 10_000.0);
		let x = values(rows * heads * 2 * half, 32);
		for (inverse, direction) in [(false, 1.0f32), (true, -1.0)] {
			let mut want = x.clone();
			match inverse {
				false => table.apply(&mut want, heads, first),
				true => table.apply_backward(&mut want, heads, first),
			}
			let args = [rows, heads, half, first + rows, first]
				.map(|v| v.to_string())
				.into_iter()
				.chain([hex(direction)])
				.collect::<Vec<_>>();
			let inputs = [bytes_of(&x), bytes_of(&table.cos), bytes_of(&table.sin)];
			let got = floats(&emulate(h, "rope", &args, &inputs));
			assert_bits(
				&format!("rope {rows}x{heads}x{half} from {first}, {inverse}"),
				&got,
				&want,
			);
		}
	}
}
