//! `aiblock-node`: the AI-Block full node.
#![warn(missing_docs)]
// `sc_cli::Error` and `sc_service::Error` are large; the node returns them as the SDK's own
// nodes do, once per start, where boxing them would buy nothing.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

// The runtime's `upgrade-test` build (one spec version higher, for the network test of a live
// upgrade) must never be what a node embeds and starts chains with.
const _: () = assert!(
	!aiblock_runtime::UPGRADE_TEST_BUILD,
	"aiblock-node cannot be built with aiblock-runtime/upgrade-test: build that runtime through \
	 `cargo test --workspace --no-run --test upgrade_runtime --features aiblock-runtime/upgrade-test`"
);

fn main() -> sc_cli::Result<()> {
	command::run()
}
