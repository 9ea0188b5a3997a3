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
		honest.blocks,
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

/// The genesis models the runtime embeds are exactly what the compute core regenerates from the
/// documented seeds and text: every CID, tensor hash, size and validation score.
#[test]
fn the_chain_genesis_models_are_regenerated_bit_for_bit() {
	let dir = std::env::temp_dir().join(format!("aiblock-genesis-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let file = dir.join("genesis-models.json");
	let out = bin().args(["genesis", "--chain-json"]).arg(&file).output().unwrap();
	assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
	let regenerated = std::fs::read_to_string(&file).unwrap();
	let committed = std::fs::read_to_string(
		// Where cargo runs this test, not where the binary was first built (see
		// `support::manifest_dir` of the kernel tests).
		std::env::var_os("CARGO_MANIFEST_DIR")
			.map(std::path::PathBuf::from)
			.unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
			.join("../../chain-specs/genesis-models.json"),
	)
	.unwrap();
	assert!(
		regenerated == committed,
		"chain-specs/genesis-models.json is stale: run `aiblock-compute genesis --chain-json \
		 chain-specs/genesis-models.json` and regenerate the chain specs"
	);
	std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lm_train_then_generate_then_export_for_hugging_face() {
	let dir = std::env::temp_dir().join(format!("aiblock-cli-lm-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let text = dir.join("text.txt");
	let verse =
		"Shall I compare thee to a summer's day?\nThou art more lovely and more temperate.\n";
	std::fs::write(&text, verse.repeat(40)).unwrap();
	let model = dir.join("model");
	let out = bin()
		.args(["lm-train", "--steps", "30", "--log-every", "10", "--eval-every", "20"])
		.args(["--d-model", "32", "--layers", "1", "--d-ff", "48", "--length", "32"])
		.args(["--sequences", "4", "--warmup", "5", "--lr", "1e-2", "--backend", "cpu"])
		.arg("--text")
		.arg(&text)
		.arg("--out")
		.arg(&model)
		.output()
		.unwrap();
	let stdout = String::from_utf8_lossy(&out.stdout);
	assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
	assert!(stdout.contains("step     30  loss"), "{stdout}");
	assert!(stdout.contains("validation loss"), "{stdout}");
	assert!(model.join("layer0.attention.safetensors").is_file());

	let generate = |seed: &str| {
		let out = bin()
			.args(["generate", "--prompt", "Shall I", "--max-tokens", "40", "--seed", seed])
			.args(["--threads", "1", "--backend", "cpu", "--model"])
			.arg(&model)
			.output()
			.unwrap();
		assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
		out.stdout
	};
	let first = generate("4");
	assert!(first.starts_with(b"Shall I") && first.len() == 7 + 40);
	assert_eq!(first, generate("4"), "the same seed gives the same text");

	let refused = bin()
		.args(["generate", "--temperature", "1e-30", "--backend", "cpu", "--model"])
		.arg(&model)
		.output()
		.unwrap();
	assert_eq!(refused.status.code(), Some(2));
	assert!(String::from_utf8_lossy(&refused.stderr).contains("temperature"));

	let hf = dir.join("hf");
	let export =
		bin().arg("export-hf").arg("--model").arg(&model).arg("--out").arg(&hf).output().unwrap();
	assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
	let again = bin()
		.args(["generate", "--prompt", "Shall I", "--max-tokens", "40", "--seed", "4"])
		.args(["--threads", "1", "--backend", "cpu", "--hf"])
		.arg(&hf)
		.output()
		.unwrap();
	assert_eq!(again.stdout, first, "the exported checkpoint is the same model");

	// Growing it: twice the experts, the same function (the validation loss moves by rounding
	// only), a model folder `generate` reads.
	let grown = dir.join("grown");
	let grow = bin()
		.args(["grow", "--growth", "double-experts", "--noise", "0", "--backend", "cpu"])
		.arg("--model")
		.arg(&model)
		.arg("--text")
		.arg(&text)
		.arg("--out")
		.arg(&grown)
		.output()
		.unwrap();
	let stdout = String::from_utf8_lossy(&grow.stdout);
	assert!(grow.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&grow.stderr));
	assert!(stdout.contains("top-4"), "{stdout}");
	let line = stdout.lines().find(|l| l.starts_with("validation loss")).expect("the losses");
	let change: f64 = line.split(['(', ';']).nth(1).unwrap().trim().parse().unwrap();
	assert!(change.abs() < 1e-4, "{line}");
	assert!(grown.join("layer0.expert7.safetensors").is_file(), "eight experts");
	let refused = bin()
		.args(["grow", "--growth", "widen-ff", "--backend", "cpu", "--model"])
		.arg(&model)
		.arg("--out")
		.arg(dir.join("refused"))
		.output()
		.unwrap();
	assert!(!refused.status.success());
	assert!(String::from_utf8_lossy(&refused.stderr).contains("--d-ff"));
	std::fs::remove_dir_all(&dir).unwrap();
}
