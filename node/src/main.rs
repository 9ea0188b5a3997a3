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

fn main() -> sc_cli::Result<()> {
	command::run()
}
