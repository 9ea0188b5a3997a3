#!/usr/bin/env bash
# Writes a raw chain spec of a shipped chain with another block time, for test chains:
#
#   chain-specs/with-block-time.sh CHAIN MILLIS OUT
#
# CHAIN is `dev` or `local` (the node's presets), MILLIS the block time in milliseconds (even,
# 1000 to 60000: the BlockTime pallet's genesis refuses anything else), OUT the raw spec to write.
# It exports the plain spec from the node, sets `blockTime.millis` in its genesis patch and
# converts it to raw with the same node, so the runtime is the node's own. Start nodes from OUT
# with `--chain OUT` (and, for a one-validator dev chain, what `--dev` would add: `--alice
# --validator --force-authoring --tmp --unsafe-force-node-key-generation`). The end-to-end test
# and the zombienet test run on 2 s chains built this way; windows counted in blocks pass three
# times faster than on the shipped 6 s chains.
#
# AIBLOCK_EPOCH_WINDOWS=P,R,T,C,V,X also sets the evolution epochs' windows in blocks (proposing,
# reserving, training, commit, reveal, cleanup), as the end-to-end test does.
# AIBLOCK_SESSION_LENGTH=N sets the validators' sessions to N blocks (at least 10), for tests that
# change the validator set.
set -euo pipefail
if [ $# -ne 3 ]; then
	awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0" >&2
	exit 2
fi
chain=$1 millis=$2 out=$3
if ! [[ $millis =~ ^[1-9][0-9]{0,5}$ ]] || ((millis % 2 != 0 || millis < 1000 || millis > 60000)); then
	echo "block time $millis ms: it must be even and within 1000..=60000" >&2
	exit 2
fi
node="${AIBLOCK_NODE:-${CARGO_TARGET_DIR:-$HOME/.cache/aiblock-target}/release/aiblock-node}"
if [ ! -x "$node" ]; then
	echo "aiblock-node not found at $node: build it with 'cargo build --release --workspace'" >&2
	exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/aiblock-spec.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$node" export-chain-spec --chain "$chain" > "$work/plain.json"
# Its own id too, so that a node started from it keeps its database apart from the shipped chain's.
python3 - "$work/plain.json" "$millis" <<'PY'
import json, os, sys
path, millis = sys.argv[1], int(sys.argv[2])
with open(path) as f:
    spec = json.load(f)
spec["genesis"]["runtimeGenesis"]["patch"].setdefault("blockTime", {})["millis"] = millis
windows = os.environ.get("AIBLOCK_EPOCH_WINDOWS")
if windows:
    names = ["proposing", "reserving", "training", "commit", "reveal", "cleanup"]
    blocks = [int(w) for w in windows.split(",")]
    if len(blocks) != len(names) or min(blocks) < 1:
        sys.exit(f"AIBLOCK_EPOCH_WINDOWS={windows}: six block counts of at least 1")
    patch = spec["genesis"]["runtimeGenesis"]["patch"]
    patch.setdefault("evolution", {})["windows"] = dict(zip(names, blocks))
session = os.environ.get("AIBLOCK_SESSION_LENGTH")
if session:
    if not session.isdigit() or int(session) < 10:
        sys.exit(f"AIBLOCK_SESSION_LENGTH={session}: a block count of at least 10")
    patch = spec["genesis"]["runtimeGenesis"]["patch"]
    patch.setdefault("validatorSet", {})["sessionLength"] = int(session)
spec["id"] = f"{spec['id']}_{millis}ms"
spec["name"] = f"{spec['name']} ({millis} ms blocks)"
with open(path, "w") as f:
    json.dump(spec, f)
PY
"$node" export-chain-spec --chain "$work/plain.json" --raw > "$work/raw.json"
mv "$work/raw.json" "$out"
