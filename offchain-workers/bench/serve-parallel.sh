#!/usr/bin/env bash
# Expert-parallel serving against one server, side by side, on one machine.
#
#   serve-parallel.sh        (REQUESTS=128 by default)
#
# Starts a dev node (`--tmp`), puts the genesis models into a local store and serves the
# genesis transformer (4 layers, 4 experts top-2) twice: by one server holding every expert,
# and by server A holding experts 0-1 that calls B (2-3) and C (1-2) for the others, each
# process on one thread. Drives each with 1 and 8 streaming clients (serve_load.py), checks
# that a sampled answer is the same bits from both, and prints A's expert-call counters. What it
# measures is the price of the calls (one HTTP round trip per peer per layer and pass) on a
# machine where every process shares the same 2 cores: not a speed-up, which needs machines of
# their own. About 3 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
REQUESTS="${REQUESTS:-128}"
BIN="${CARGO_TARGET_DIR:-$HOME/.cache/aiblock-target}/release"
OUT=$(mktemp -d /tmp/aiblock-serve-parallel.XXXXXX)
for b in aiblock-node aiblock-worker; do
	[ -x "$BIN/$b" ] || { echo "build first: cargo build --release --workspace ($BIN/$b)"; exit 1; }
done
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
RPC=$(port)
PIDS=()
cleanup() { kill "${PIDS[@]}" 2>/dev/null || true; }
trap cleanup EXIT

"$BIN/aiblock-node" --dev --tmp --rpc-port "$RPC" --port "$(port)" --no-prometheus > "$OUT/node.log" 2>&1 &
PIDS+=($!)
"$BIN/aiblock-worker" init-model --data-dir "$OUT/data" > /dev/null
# serve NAME PORT ARGS...: one server on one thread.
serve() {
	local name=$1 http=$2
	shift 2
	# Every server reads the one local store init-model wrote (a server writes nothing there).
	"$BIN/aiblock-worker" serve --node "ws://127.0.0.1:$RPC" --data-dir "$OUT/data" \
		--listen "127.0.0.1:$http" --threads 1 --max-batch 32 \
		--max-queue 256 --max-connections-per-client 64 "$@" > "$OUT/$name.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 120); do curl -sf "http://127.0.0.1:$http/health" > /dev/null && return; sleep 1; done
	echo "$name did not come up: $(tail -3 "$OUT/$name.log")"
	exit 1
}
SINGLE=$(port) A=$(port) B=$(port) C=$(port)
serve single "$SINGLE"
serve b "$B" --experts 2-3
serve c "$C" --experts 1-2
# No hot experts (--cache-after 0): every call goes to the peers, the cost measured here.
serve a "$A" --experts 0-1 --peer "http://127.0.0.1:$B" --peer "http://127.0.0.1:$C" --cache-after 0
MODEL=$(curl -sf "http://127.0.0.1:$SINGLE/v1/models" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')
body='{"model": "'"$MODEL"'", "prompt": "ROMEO:", "max_tokens": 58, "temperature": 0.8, "seed": 3}'
same=$(for p in "$SINGLE" "$A"; do
	curl -sf "http://127.0.0.1:$p/v1/completions" -H 'Content-Type: application/json' -d "$body" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["aiblock"]["output"]["blake3"])'
done | uniq | wc -l)
[ "$same" = 1 ] || { echo "the two answers differ"; exit 1; }
echo "[serve-parallel] $MODEL, $REQUESTS streamed requests per level; the same answer from both (logs: $OUT)"
echo "[serve-parallel] one server holding every expert:"
python3 "$HERE/serve_load.py" "http://127.0.0.1:$SINGLE" "$MODEL" "$REQUESTS" 1 8
echo "[serve-parallel] server A holding experts 0-1, calling B (2-3) and C (1-2):"
python3 "$HERE/serve_load.py" "http://127.0.0.1:$A" "$MODEL" "$REQUESTS" 1 8
curl -sf "http://127.0.0.1:$A/metrics" | grep '^aiblock_serve_parallel'
