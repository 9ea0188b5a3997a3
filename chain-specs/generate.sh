#!/usr/bin/env bash
# Regenerates the committed chain specs from the node itself:
#   dev.json / dev-raw.json      one validator (Alice)
#   local.json / local-raw.json  four validators (Alice, Bob, Charlie, Dave)
# The plain form shows the genesis preset; the raw form is the storage a node starts from.
# `cargo test -p aiblock-node` fails when these files drift from what the node generates.
set -euo pipefail
cd "$(dirname "$0")"
node="${AIBLOCK_NODE:-${CARGO_TARGET_DIR:-$HOME/.cache/aiblock-target}/release/aiblock-node}"
if [ ! -x "$node" ]; then
	echo "aiblock-node not found at $node: build it with 'cargo build --release --workspace'" >&2
	exit 1
fi
for chain in dev local; do
	"$node" export-chain-spec --chain "$chain" > "$chain.json"
	"$node" export-chain-spec --chain "$chain" --raw > "$chain-raw.json"
	echo "wrote chain-specs/$chain.json and chain-specs/$chain-raw.json"
done
