#!/usr/bin/env bash
# Measure the AI-Block pallets and write their `weights.rs`.
#
#   pallets/benchmark.sh [pallet-folder ...]     (default: every pallet that has benchmarks)
#
# Builds `aiblock-node` with the `runtime-benchmarks` feature in its own target directory
# (default `$HOME/.cache/aiblock-bench-target`, so the test build is not disturbed), then runs
# `aiblock-node benchmark pallet` on the wasm runtime of that build, with the `development`
# genesis preset, and renders the results with `pallets/weight-template.hbs`.
# Run it on a quiet machine: the figures are wall-clock timings.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${BENCH_TARGET_DIR:-$HOME/.cache/aiblock-bench-target}"
# pallet-revive's `runtime-benchmarks` feature compiles its own test contracts with solc and
# resolc unless told not to; we benchmark our pallets, not revive (whose published weights the
# runtime uses).
export SKIP_PALLET_REVIVE_FIXTURES=1
STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"

if [ "$#" -eq 0 ]; then
	set -- $(cd pallets && for d in */; do [ -f "$d/src/benchmarking.rs" ] && echo "${d%/}"; done)
fi

echo "[bench] building aiblock-node with runtime-benchmarks into $CARGO_TARGET_DIR"
cargo build --release --locked -p aiblock-node --features runtime-benchmarks
NODE="$CARGO_TARGET_DIR/release/aiblock-node"
WASM="$CARGO_TARGET_DIR/release/wbuild/aiblock-runtime/aiblock_runtime.compact.compressed.wasm"

for folder in "$@"; do
	crate=$(sed -n 's/^name = "\(.*\)"/\1/p' "pallets/$folder/Cargo.toml" | head -1)
	pallet=${crate//-/_}
	echo "[bench] $pallet: steps $STEPS, repeat $REPEAT"
	"$NODE" benchmark pallet \
		--runtime "$WASM" \
		--genesis-builder runtime \
		--genesis-builder-preset development \
		--pallet "$pallet" \
		--extrinsic '*' \
		--wasm-execution compiled \
		--steps "$STEPS" \
		--repeat "$REPEAT" \
		--template "$ROOT/pallets/weight-template.hbs" \
		--output "$ROOT/pallets/$folder/src/weights.rs"
done
