#!/usr/bin/env bash
# Installs what building and testing AI-Block needs, only where it is missing:
#   apt: protobuf-compiler, clang, libclang-dev, pkg-config with libssl-dev (the node links the
#   system's OpenSSL: .cargo/config.toml), a C++ compiler (the CUDA
#   kernels' CPU emulation), python3-venv (the pinned NVRTC wheel and the `openai` client),
#   curl (the demo's prompt), and nodejs/npm for the network tests;
#   rustup: the pinned toolchain from rust-toolchain.toml with rust-src, rustfmt, clippy and the
#   wasm targets.
# Sourced by .ci/dev, .ci/demo and .ci/test; safe to run again.

# CI may start us with a bare environment: find home and cargo without relying on them.
export HOME="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
	export PATH="$HOME/.cargo/bin:$PATH"
fi

aiblock_log() { printf '\033[1;34m[aiblock]\033[0m %s\n' "$*"; }

aiblock_install_prerequisites() {
	local root
	root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

	local missing=()
	command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
	command -v clang >/dev/null 2>&1 || missing+=(clang)
	# bindgen (RocksDB's bindings, in the Ethereum RPC adapter) loads the unversioned
	# libclang.so, which only libclang-dev provides (libclang1 has libclang.so.1 alone).
	if ! ls /usr/lib/llvm-*/lib/libclang.so >/dev/null 2>&1 &&
		! ls /usr/lib/x86_64-linux-gnu/libclang.so >/dev/null 2>&1; then
		missing+=(libclang-dev)
	fi
	command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
	pkg-config --exists openssl 2>/dev/null || missing+=(libssl-dev)
	command -v c++ >/dev/null 2>&1 || missing+=(g++)
	python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing+=(python3-venv)
	command -v curl >/dev/null 2>&1 || missing+=(curl)
	if [ "${AIBLOCK_NEED_NODEJS:-0}" = 1 ]; then
		command -v node >/dev/null 2>&1 || missing+=(nodejs)
		command -v npm >/dev/null 2>&1 || missing+=(npm)
	fi
	if [ ${#missing[@]} -gt 0 ]; then
		local sudo=""
		[ "$(id -u)" -ne 0 ] && sudo="sudo"
		aiblock_log "installing system packages: ${missing[*]}"
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
	else
		aiblock_log "system packages present (protoc, clang, libclang, pkg-config, libssl, c++, python3-venv)"
	fi

	if ! command -v rustup >/dev/null 2>&1; then
		echo "rustup is required: see https://rustup.rs" >&2
		return 1
	fi
	local toolchain
	toolchain="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$root/rust-toolchain.toml")"
	aiblock_log "rust toolchain $toolchain with rust-src, rustfmt, clippy and the wasm targets"
	rustup toolchain install "$toolchain" --profile minimal --no-self-update >/dev/null 2>&1 || true
	rustup component add --toolchain "$toolchain" rust-src rustfmt clippy >/dev/null
	rustup target add --toolchain "$toolchain" wasm32-unknown-unknown wasm32v1-none >/dev/null
}

# Every build shares one target directory outside the checkout, so a fresh clone (and CI)
# reuses what an earlier build compiled.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aiblock-target}"
export AIBLOCK_NODE="$CARGO_TARGET_DIR/release/aiblock-node"
