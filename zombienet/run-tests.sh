#!/usr/bin/env bash
# Runs every .zndsl network test in this folder with the zombienet CLI (native provider) against
# the aiblock-node binary at $AIBLOCK_NODE (default: the release build in the shared target dir).
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aiblock-target}"
export AIBLOCK_NODE="${AIBLOCK_NODE:-$CARGO_TARGET_DIR/release/aiblock-node}"
# governance.js runs the worker's command line against the network.
export AIBLOCK_WORKER="${AIBLOCK_WORKER:-$CARGO_TARGET_DIR/release/aiblock-worker}"
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
# upgrade.js upgrades the live network to this runtime built one spec version higher (the
# runtime's `upgrade-test` feature, written as upgrade_test.compact.compressed.wasm beside the
# wasm the node embeds). CI builds it before starting the network tests and sets
# AIBLOCK_UPGRADE_WASM; here cargo builds it (nothing to do when it is up to date).
if [ -z "${AIBLOCK_UPGRADE_WASM:-}" ]; then
	echo "[zombienet] the upgrade test's runtime (aiblock-runtime/upgrade-test, as .ci/test builds it)"
	(cd .. && cargo test --release --locked --workspace --no-run --test upgrade_runtime \
		--features aiblock-runtime/upgrade-test)
	export AIBLOCK_UPGRADE_WASM
	AIBLOCK_UPGRADE_WASM="$CARGO_TARGET_DIR/release/wbuild/aiblock-runtime/upgrade_test.compact.compressed.wasm"
fi
# snapshot.js writes the chain's state here for the try-runtime check (.ci/test keeps it and
# runs `runtime/tests/try_runtime_upgrade.rs` on it; by default it goes with the spec folder).
export AIBLOCK_SNAPSHOT="${AIBLOCK_SNAPSHOT:-$spec_dir/snapshot.json}"
status=0
for test in *.zndsl; do
	echo "[zombienet] $test"
	# zombienet leaves its nodes' logs under a temporary dir; keep ours per test.
	node_modules/.bin/zombienet test --provider native "$test" || status=1
done
exit $status
