#!/usr/bin/env bash
# `aiblock-worker serve` under load, side by side with PyTorch generating with the same weights.
#
#   serve-load.sh            (THREADS=2 REQUESTS=64 by default)
#
# Starts a dev node (`--tmp`), puts the genesis models into a local store, serves the genesis
# transformer (the Shakespeare shape: 4 layers, d 128, 4 experts top-2, 64 bytes of context;
# its speed does not depend on the weights' values) and drives it with 1, 8 and 32 concurrent
# streaming clients (serve_load.py: requests/s, tokens/s, p50/p99 time to first token and
# answer latency), then reports the server's peak memory. Then the same weights, fetched from
# the chain (`fetch-model`) and exported (`export-hf`), generate through Hugging Face
# transformers' MixtralForCausalLM at batch 1, 8 and 32 (hf_generate.py, in the bench venv of
# run.sh). Binaries come from a release build in CARGO_TARGET_DIR. About 5 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
THREADS="${THREADS:-2}"
REQUESTS="${REQUESTS:-64}"
BIN="${CARGO_TARGET_DIR:-$HOME/.cache/aiblock-target}/release"
VENV="${VENV:-$HOME/.cache/aiblock-bench-venv}"
OUT=$(mktemp -d /tmp/aiblock-serve-load.XXXXXX)
for b in aiblock-node aiblock-worker aiblock-compute; do
	[ -x "$BIN/$b" ] || { echo "build first: cargo build --release --workspace ($BIN/$b)"; exit 1; }
done
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
RPC=$(port) HTTP=$(port)
cleanup() { kill "$NODE" "$SERVER" 2>/dev/null || true; }
trap cleanup EXIT

"$BIN/aiblock-node" --dev --tmp --rpc-port "$RPC" --port "$(port)" --no-prometheus > "$OUT/node.log" 2>&1 &
NODE=$!
"$BIN/aiblock-worker" init-model --data-dir "$OUT/data" > /dev/null
"$BIN/aiblock-worker" serve --node "ws://127.0.0.1:$RPC" --data-dir "$OUT/data" --listen "127.0.0.1:$HTTP" \
	--threads "$THREADS" --max-batch 32 --max-queue 256 --max-connections-per-client 64 > "$OUT/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$HTTP/health" > /dev/null && break; sleep 1; done
MODEL=$(curl -sf "http://127.0.0.1:$HTTP/v1/models" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')
echo "[serve-load] $MODEL on $THREADS threads, $REQUESTS streamed requests per level (logs: $OUT)"
python3 "$HERE/serve_load.py" "http://127.0.0.1:$HTTP" "$MODEL" "$REQUESTS" 1 8 32
echo "[serve-load] server peak memory: $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$SERVER/status")"

echo "[serve-load] the same weights through transformers (batch 1, 8, 32; $THREADS threads)"
"$BIN/aiblock-worker" fetch-model --node "ws://127.0.0.1:$RPC" --data-dir "$OUT/data" --out "$OUT/model" > /dev/null
"$BIN/aiblock-compute" export-hf --model "$OUT/model" --out "$OUT/hf" > /dev/null
TORCH_THREADS=$THREADS "$VENV/bin/python" "$HERE/hf_generate.py" "$OUT/hf" "ROMEO:" 58 1 8 32 2>/dev/null
