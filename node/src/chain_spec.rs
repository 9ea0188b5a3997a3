//! The built-in chain specifications: `dev` and `local`.
//!
//! `chain-specs/*.json` are generated from these by `scripts/generate-chain-specs.sh`, and a test
//! fails if the committed files drift from what the node produces.

use aiblock_runtime::{SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL, WASM_BINARY};
use sc_service::{ChainType, Properties};

/// Our chain specs carry no client extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token symbol, decimals and address format, which wallets read from the spec.
fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), SS58_PREFIX.into());
	properties
}

fn wasm_binary() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"The wasm runtime was not built into this node (was it built with SKIP_WASM_BUILD?)"
			.to_string()
	})
}

fn chain_spec(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name(name)
		.with_id(id)
		.with_protocol_id("aib")
		.with_chain_type(chain_type)
		.with_properties(properties())
		.with_genesis_config_preset_name(preset)
		.build())
}

/// One validator (Alice) that authors and finalises on its own.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	chain_spec(
		"AI-Block Development",
		"aiblock_dev",
		ChainType::Development,
		sp_genesis_builder::DEV_RUNTIME_PRESET,
	)
}

/// Four validators (Alice, Bob, Charlie, Dave); GRANDPA finalises with any three of them.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	chain_spec(
		"AI-Block Local Testnet",
		"aiblock_local",
		ChainType::Local,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
	)
}
