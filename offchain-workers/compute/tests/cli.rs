//! The `aiblock-compute` command as a user runs it: train, replay, detect a forged manifest.

use aiblock_compute::train::Manifest;
use std::process::Command;

fn bin() -> Command {
	Command::new(env!("CARGO_BIN_EXE_aiblock-compute"))
}

#[test]
fn train_then_replay_reproduces_and_a_forged_manifest_fails() {
	let dir = std::env::temp_dir().join(format!("aiblock-cli-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let manifest = dir.join("run.json");
	let store = dir.join("store");
	let out = bin()
		.args([
			"train",
			"--block",
			"layer1.expert0",
			"--steps",
			"40",
			"--checkpoint-every",
			"10",
			"--batch-tokens",
			"64",
		])
		.args(["--source-len", "20000", "--threads", "2"])
		.arg("--manifest")
		.arg(&manifest)
		.arg("--store")
		.arg(&store)
		.output()
		.unwrap();
	let stdout = String::from_utf8_lossy(&out.stdout);
	assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
	assert!(stdout.contains("step     40/40"), "{stdout}");
	let cid = stdout.lines().find_map(|l| l.strip_prefix("stored layer1.expert0 as ")).unwrap();
	assert!(store.join(cid.split_whitespace().next().unwrap()).is_file());

	let replay = bin()
		.args(["replay", "--threads", "1", "--kernel", "portable", "--manifest"])
		.arg(&manifest)
		.output()
		.unwrap();
	assert!(replay.status.success(), "{}", String::from_utf8_lossy(&replay.stdout));
	assert!(String::from_utf8_lossy(&replay.stdout).contains("all 4 checkpoints reproduce"));

	// A trainer publishes a different state at step 30, with a root consistent with it: only
	// replay can tell.
	let mut json: serde_json::Value =
		serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
	let honest = Manifest::from_json(&json).unwrap();
	let mut checkpoints = honest.checkpoints.clone();
	checkpoints[2].state[0] ^= 1;
	let forged = Manifest::new(
		honest.datasets.clone(),
		honest.block,
		honest.config,
		honest.start,
		checkpoints,
	);
	let run = json["run"].take();
	json = forged.to_json();
	json["run"] = run;
	std::fs::write(&manifest, serde_json::to_string(&json).unwrap()).unwrap();
	let replay = bin().args(["replay", "--manifest"]).arg(&manifest).output().unwrap();
	assert_eq!(replay.status.code(), Some(1));
	assert!(
		String::from_utf8_lossy(&replay.stdout).contains("checkpoint 2 (step 30)"),
		"{}",
		String::from_utf8_lossy(&replay.stdout)
	);

	let bad = bin().args(["train", "--block", "layer9.expert0", "--steps", "1"]).output().unwrap();
	assert_eq!(bad.status.code(), Some(2));
	assert!(
		String::from_utf8_lossy(&bad.stderr).contains("layer9.expert0"),
		"{}",
		String::from_utf8_lossy(&bad.stderr)
	);
	std::fs::remove_dir_all(dir).unwrap();
}

/// The genesis model the runtime embeds is exactly what the compute core regenerates from the
/// documented seed: every CID, tensor hash, size and the validation score.
#[test]
fn the_chain_genesis_model_is_regenerated_bit_for_bit() {
	let dir = std::env::temp_dir().join(format!("aiblock-genesis-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let file = dir.join("genesis-model.json");
	let out = bin().args(["genesis", "--chain-json"]).arg(&file).output().unwrap();
	assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
	let regenerated = std::fs::read_to_string(&file).unwrap();
	let committed = std::fs::read_to_string(
		// Where cargo runs this test, not where the binary was first built (see
		// `support::manifest_dir` of the kernel tests).
		std::env::var_os("CARGO_MANIFEST_DIR")
			.map(std::path::PathBuf::from)
			.unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
			.join("../../chain-specs/genesis-model.json"),
	)
	.unwrap();
	assert!(
		regenerated == committed,
		"chain-specs/genesis-model.json is stale: run `aiblock-compute genesis --chain-json \
		 chain-specs/genesis-model.json` and regenerate the chain specs"
	);
	std::fs::remove_dir_all(&dir).unwrap();
}
