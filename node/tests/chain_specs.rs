//! The committed chain specs are exactly what this node generates, and say what they should.

mod common;

use common::{node_binary, repo_root};
use std::process::Command;

fn generated(chain: &str, raw: bool) -> String {
	let mut cmd = Command::new(node_binary());
	cmd.args(["export-chain-spec", "--chain", chain]);
	if raw {
		cmd.arg("--raw");
	}
	let output = cmd.output().expect("aiblock-node runs");
	assert!(
		output.status.success(),
		"export-chain-spec failed: {}",
		String::from_utf8_lossy(&output.stderr)
	);
	String::from_utf8(output.stdout).expect("a chain spec is UTF-8 JSON")
}

fn committed(file: &str) -> String {
	let path = repo_root().join("chain-specs").join(file);
	std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn committed_chain_specs_match_the_node() {
	for chain in ["dev", "local"] {
		for raw in [false, true] {
			let file = if raw { format!("{chain}-raw.json") } else { format!("{chain}.json") };
			// Compare without trailing whitespace only: everything else, runtime code included,
			// must be byte-identical.
			assert!(
				generated(chain, raw).trim_end() == committed(&file).trim_end(),
				"chain-specs/{file} differs from what aiblock-node generates: \
				 run chain-specs/generate.sh and commit the result"
			);
		}
	}
}

#[test]
fn local_spec_has_four_validators_and_token_properties() {
	let spec: serde_json::Value = serde_json::from_str(&committed("local.json")).expect("JSON");
	assert_eq!(spec["id"], "aiblock_local");
	assert_eq!(spec["properties"]["tokenSymbol"], "AIB");
	assert_eq!(spec["properties"]["tokenDecimals"], 12);
	assert_eq!(spec["properties"]["ss58Format"], 42);
	let patch = &spec["genesis"]["runtimeGenesis"]["patch"];
	let aura = patch["aura"]["authorities"].as_array().expect("aura authorities");
	let grandpa = patch["grandpa"]["authorities"].as_array().expect("grandpa authorities");
	assert_eq!(aura.len(), 4, "four Aura authorities");
	assert_eq!(grandpa.len(), 4, "four GRANDPA authorities");
	// Each validator has its own keys.
	let mut aura_keys: Vec<_> = aura.iter().map(|k| k.to_string()).collect();
	aura_keys.sort();
	aura_keys.dedup();
	assert_eq!(aura_keys.len(), 4);
	assert!(grandpa.iter().all(|a| a[1] == 1), "equal GRANDPA voting weight");

	let dev: serde_json::Value = serde_json::from_str(&committed("dev.json")).expect("JSON");
	let dev_aura =
		dev["genesis"]["runtimeGenesis"]["patch"]["aura"]["authorities"].as_array().expect("aura");
	assert_eq!(dev_aura.len(), 1, "the dev chain has one validator");
}
