//! Scenario 6 of `e2e`: `aiblock-worker serve` next to the network. Before the Shakespeare
//! job its answers name exactly the genesis transformer's current blocks and replay in a
//! separate process (`replay-answer`), also through the official `openai` Python client;
//! after the adoption the next answer names the adopted blocks, and the earlier answer still
//! replays from the superseded ones.

use super::Network;
use aiblock_worker::chain::{self, At};
use serde_json::{json, Value};
use std::{
	collections::BTreeMap,
	path::Path,
	process::Command,
	time::{Duration, Instant},
};

/// The running server: its address and an answer given before the adoption.
pub struct Server {
	pub base: String,
	pub before: Value,
}

pub fn get(url: &str) -> Option<Value> {
	let mut answer = ureq::get(url).call().ok()?;
	serde_json::from_str(&answer.body_mut().read_to_string().ok()?).ok()
}

pub fn post(url: &str, body: &Value) -> Value {
	let mut answer = ureq::post(url)
		.header("Content-Type", "application/json")
		.send(body.to_string())
		.unwrap_or_else(|e| panic!("POST {url}: {e}"));
	serde_json::from_str(&answer.body_mut().read_to_string().unwrap()).unwrap()
}

/// The slots and ids an answer's trail names.
pub fn named_blocks(answer: &Value) -> BTreeMap<String, String> {
	answer["aiblock"]["model"]["blocks"]
		.as_array()
		.expect("the trail lists blocks")
		.iter()
		.map(|b| (b["block"].as_str().unwrap().to_string(), b["id"].as_str().unwrap().to_string()))
		.collect()
}

/// Model 1's current blocks at `at`, as a trail names them.
async fn current(net: &Network, at: &At) -> BTreeMap<String, String> {
	let hex = |id: &chain::H256| aiblock_worker::serve::model::hex(&id.0);
	net.chain
		.current_blocks(at, 1)
		.await
		.unwrap()
		.iter()
		.filter_map(|(kind, id, _)| Some((aiblock_worker::run::block_id(kind)?.name(), hex(id))))
		.collect()
}

/// `replay-answer` in its own process; its exit code.
fn replay(net: &Network, answer: &Value, name: &str) -> i32 {
	let file = net.dir.join(format!("{name}.json"));
	std::fs::write(&file, answer.to_string()).unwrap();
	let data = net.dir.join("replayer");
	let out = Command::new(&net.worker)
		.args(["replay-answer", "--node", &net.node_url, "--ipfs", &net.ipfs, "--backend", "cpu"])
		.args(["--data-dir", data.to_str().unwrap(), file.to_str().unwrap()])
		.output()
		.unwrap();
	eprintln!("[e2e] 6: replay-answer {name}: {}", String::from_utf8_lossy(&out.stdout).trim());
	out.status.code().unwrap_or(-1)
}

/// Start `aiblock-worker serve` on one thread as `name` (its data directory too) on a free port,
/// with `extra` arguments; its URL once it answers `probe` (a path).
pub async fn start_server(net: &mut Network, name: &str, extra: &[&str], probe: &str) -> String {
	let listen = format!("127.0.0.1:{}", super::free_port());
	let data = net.dir.join(name);
	let args = [
		"serve",
		"--node",
		&net.node_url,
		"--ipfs",
		&net.ipfs,
		"--data-dir",
		data.to_str().unwrap(),
		"--listen",
		&listen,
		"--threads",
		"1",
	];
	let args: Vec<&str> = args.iter().chain(extra).copied().collect();
	let worker = net.worker.clone();
	net.procs.spawn(name, &worker, &args);
	let base = format!("http://{listen}");
	let started = Instant::now();
	while get(&format!("{base}{probe}")).is_none() {
		assert!(started.elapsed() < Duration::from_secs(180), "{name} did not come up");
		tokio::time::sleep(Duration::from_millis(300)).await;
	}
	base
}

/// Start the server and check its first answers.
pub async fn before_adoption(net: &mut Network) -> Server {
	let base = start_server(net, "server", &["--follow-every", "1"], "/health").await;
	let health = get(&format!("{base}/health")).unwrap();
	assert_eq!(health["model"], "aiblock-shakespeare@2.0.0", "{health}");

	let body =
		json!({"model": "aiblock-shakespeare", "prompt": "ROMEO:", "max_tokens": 32, "seed": 9});
	let answer = post(&format!("{base}/v1/completions"), &body);
	let at = net.at().await;
	assert_eq!(named_blocks(&answer), current(net, &at).await, "the trail lists ExpertDag.Current");
	let loaded_at = answer["aiblock"]["finalized"]["number"].as_u64().unwrap();
	assert!(loaded_at <= at.block_number(), "read at a finalized block");
	assert_eq!(answer["usage"]["completion_tokens"], 32);
	assert_eq!(replay(net, &answer, "before"), 0, "the answer replays identically");
	let mut forged = answer.clone();
	forged["aiblock"]["sampling"]["seed"] = json!(10);
	assert_eq!(replay(net, &forged, "forged"), 1, "an answer the blocks do not give is caught");

	match std::env::var_os("AIBLOCK_OPENAI_PYTHON") {
		Some(python) => openai_client(net, Path::new(&python), &base),
		None => {
			assert!(
				std::env::var_os("AIBLOCK_E2E_REQUIRED").is_none(),
				"AIBLOCK_OPENAI_PYTHON (a python with the `openai` package) is not set"
			);
			eprintln!("[e2e] 6: the openai client check skipped: AIBLOCK_OPENAI_PYTHON is not set");
		},
	}
	Server { base, before: answer }
}

/// The official `openai` package: a completion and a streamed chat, whose trail replays.
fn openai_client(net: &Network, python: &Path, base: &str) {
	let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openai_client.py");
	let out = Command::new(python)
		.arg(&script)
		.arg(format!("{base}/v1"))
		.arg("aiblock-shakespeare")
		.output()
		.unwrap();
	assert!(out.status.success(), "openai client: {}", String::from_utf8_lossy(&out.stderr));
	let report: Value = serde_json::from_slice(&out.stdout).unwrap();
	assert_eq!(report["models"], json!(["aiblock-shakespeare@2.0.0"]));
	let chat = json!({"aiblock": report["chat_trail"]});
	assert_eq!(replay(net, &chat, "openai-chat"), 0, "the streamed chat replays identically");
	eprintln!("[e2e] 6: the openai package's completion and streamed chat answered and replayed");
}

/// After the Shakespeare job: the server switches to the adopted blocks.
pub async fn after_adoption(net: &Network, server: &Server, adopted: &[chain::H256]) {
	let at = net.at().await;
	let now = current(net, &at).await;
	let hex = |id: &chain::H256| aiblock_worker::serve::model::hex(&id.0);
	assert_eq!(now.get("shared"), Some(&hex(&adopted[0])));
	let started = Instant::now();
	let answer = loop {
		let body = json!({"model": "aiblock-shakespeare", "prompt": "ROMEO:", "max_tokens": 64, "temperature": 0});
		let answer = post(&format!("{}/v1/completions", server.base), &body);
		if named_blocks(&answer) == now {
			break answer;
		}
		assert!(started.elapsed() < Duration::from_secs(60), "the server did not switch: {answer}");
		tokio::time::sleep(Duration::from_secs(1)).await;
	};
	assert_ne!(
		answer["aiblock"]["model"]["state_root"],
		server.before["aiblock"]["model"]["state_root"]
	);
	eprintln!(
		"[e2e] 6: after the adoption the server answers with the new blocks ({:.0} s): {:?}",
		started.elapsed().as_secs_f64(),
		answer["choices"][0]["text"]
	);
	assert_eq!(replay(net, &answer, "after"), 0, "the new answer replays");
	assert_eq!(replay(net, &server.before, "before-again"), 0, "the old one still replays");
}
