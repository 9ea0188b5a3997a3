#!/usr/bin/env bash
# Rewrites aiblock.scale, the runtime metadata (V16) the worker's subxt client is generated
# from, with what a dev node of the current runtime serves. Run it after any runtime change
# (chain-specs/generate.sh is the other file to regenerate); `cargo test -p aiblock-node`
# fails while the two differ.
set -euo pipefail
cd "$(dirname "$0")/../../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aiblock-target}"
AIBLOCK_UPDATE_METADATA=1 cargo test --release --locked --workspace --test worker_metadata
