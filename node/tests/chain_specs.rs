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
	// Aura's and GRANDPA's authorities come from the first validators' session keys.
	let keys = patch["session"]["keys"].as_array().expect("session keys");
	let validators = patch["validatorSet"]["validators"].as_array().expect("validators");
	assert_eq!(keys.len(), 4, "four validators with session keys");
	assert_eq!(validators.len(), 4, "four validators");
	for (entry, validator) in keys.iter().zip(validators) {
		assert_eq!(&entry[0], validator, "keys of the listed validators, in order");
		assert_eq!(entry[0], entry[1], "a validator is its account");
	}
	// Each validator has its own keys.
	for key in ["aura", "grandpa"] {
		let mut distinct: Vec<_> = keys.iter().map(|k| k[2][key].to_string()).collect();
		distinct.sort();
		distinct.dedup();
		assert_eq!(distinct.len(), 4, "four distinct {key} keys");
	}
	assert!(patch.get("aura").is_none() && patch.get("grandpa").is_none(), "set by Session");

	let dev: serde_json::Value = serde_json::from_str(&committed("dev.json")).expect("JSON");
	let dev_keys =
		dev["genesis"]["runtimeGenesis"]["patch"]["session"]["keys"].as_array().expect("keys");
	assert_eq!(dev_keys.len(), 1, "the dev chain has one validator");
}
