#!/usr/bin/env bash
# Runs every .zndsl network test in this folder with the zombienet CLI (native provider) against
# the aiblock-node binary at $AIBLOCK_NODE (default: the release build in the shared target dir).
set -euo pipefail
cd "$(dirname "$0")"
export AIBLOCK_NODE="${AIBLOCK_NODE:-${CARGO_TARGET_DIR:-$HOME/.cache/aiblock-target}/release/aiblock-node}"
if [ ! -x "$AIBLOCK_NODE" ]; then
	echo "aiblock-node not found at $AIBLOCK_NODE: build it with 'cargo build --release --workspace'" >&2
	exit 1
fi
if [ ! -x node_modules/.bin/zombienet ]; then
	echo "[zombienet] installing the pinned zombienet CLI and @polkadot/api (npm ci)"
	npm ci --no-audit --no-fund --loglevel=error
fi
# The network runs the local testnet's genesis (chain-specs/local.json: its validators, accounts,
# models) with a block every 2 s instead of 6 s: the tests wait for blocks, and their windows
# count blocks. local-testnet.toml reads the spec's path from AIBLOCK_CHAIN_SPEC.
spec_dir=$(mktemp -d /tmp/aiblock-zombienet.XXXXXX)
trap 'rm -rf "$spec_dir"' EXIT
export AIBLOCK_CHAIN_SPEC="$spec_dir/local-2s-raw.json"
# Sessions of 10 blocks (20 s), so that validators.js sees a validator join and leave in minutes.
AIBLOCK_SESSION_LENGTH=10 ../chain-specs/with-block-time.sh local 2000 "$AIBLOCK_CHAIN_SPEC"
status=0
for test in *.zndsl; do
	echo "[zombienet] $test"
	# zombienet leaves its nodes' logs under a temporary dir; keep ours per test.
	node_modules/.bin/zombienet test --provider native "$test" || status=1
done
exit $status
