#!/usr/bin/env bash
# The checks that need an NVIDIA GPU, in two halves, because the GPU machine reaches no package
# registry:
#
#   gpu-checks.sh build   (here, with cargo) build the CUDA test binary and the bench binary
#                         (--features cuda, release) into ./gpu-bundle
#   gpu-checks.sh run     (on the GPU machine, from the repository root with ./gpu-bundle
#                         carried over) run every GPU test with AIBLOCK_GPU_REQUIRED=1 (a
#                         missing GPU fails instead of skipping), then print the GPU figures
#
# What `run` checks: per-kernel bitwise equality with the CPU on ragged shapes (1, 7, 129, 4097),
# the transformer's kernels too (RMSNorm, causal softmax, RoPE, SwiGLU and their gradients),
# exp/ln/SiLU/SiLU' on all 2^32 inputs, training runs whose every checkpoint hash equals the CPU
# run's (byte model: expert, router and shared blocks; transformer: attention, expert + router,
# and mixed slot sets), a second GPU run identical, an expert file uploaded unchanged. Then `aiblock-compute bench-cuda`: canonical matmul vs cuBLAS FP32 (pedantic) and
# TF32 at d = 512..4096 (T = 4096, d_ff = 4d), the device-resident expert step, expert loading.
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle=gpu-bundle
case "${1:-}" in
build)
	export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aiblock-target}"
	mkdir -p "$bundle"
	test_bin=$(cargo test --release --locked -p aiblock-compute --features cuda --test cuda --no-run \
		--message-format=json 2>/dev/null |
		python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "cuda" and m.get("executable"):
        print(m["executable"])')
	cargo build --release --locked -p aiblock-compute --features cuda --bin aiblock-compute
	cp "$test_bin" "$bundle/cuda-tests"
	cp "$CARGO_TARGET_DIR/release/aiblock-compute" "$bundle/aiblock-compute"
	ls -la "$bundle"
	;;
run)
	[ -x "$bundle/cuda-tests" ] || { echo "no $bundle/cuda-tests: run '$0 build' first (and carry $bundle)" >&2; exit 2; }
	nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
	# cudarc (built for CUDA 12.8) opens libcublas.so or libcublas.so.12; a machine with CUDA 13
	# (PyTorch's pip wheels) has libcublas.so.13 only: offer it under the plain name. Only the
	# benchmark's cuBLAS columns need it; the tests and the worker need the driver alone.
	if ! ldconfig -p 2>/dev/null | grep -q 'libcublas\.so\(\.12\)\? '; then
		lib=$(find /opt /usr/local /usr/lib -name 'libcublas.so.1[0-9]*' 2>/dev/null | head -1)
		if [ -n "$lib" ]; then
			mkdir -p /tmp/aiblock-cublas && ln -sf "$lib" /tmp/aiblock-cublas/libcublas.so
			export LD_LIBRARY_PATH="/tmp/aiblock-cublas:$(dirname "$lib")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
			echo "cuBLAS: $lib"
		fi
	fi
	echo "== GPU tests (bitwise against the CPU)"
	AIBLOCK_GPU_REQUIRED=1 "$bundle/cuda-tests" --test-threads 1 --nocapture
	echo "== GPU figures"
	"$bundle/aiblock-compute" bench-cuda "${@:2}"
	;;
*)
	sed -n '2,16p' "$0"
	exit 2
	;;
esac
