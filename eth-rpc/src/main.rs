//! `aiblock-eth-rpc`: an Ethereum JSON-RPC server (port 8545 by default) in front of an
//! AI-Block node's WebSocket RPC. Wallets and tools (MetaMask, ethers.js, Hardhat, Foundry)
//! talk to it as to any Ethereum node; it turns their signed transactions into the runtime's
//! `Revive::eth_transact` extrinsics and answers reads through the `ReviveApi` runtime API.
//!
//! Everything is polkadot-sdk's `pallet-revive-eth-rpc` (see its `--help`); this binary only
//! pins the version that matches the runtime's `pallet-revive`.

fn main() -> anyhow::Result<()> {
	let command = pallet_revive_eth_rpc::cli::CliCommand::parse_cli()?;
	pallet_revive_eth_rpc::cli::run(command)
}
