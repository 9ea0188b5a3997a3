//! Scenario 9 of `e2e`: expert-parallel serving across processes. Three servers each hold a
//! different half of the Shakespeare transformer's experts (`serve --experts`: A 1-2, B 0 and
//! 3, C 2-3); A calls the other two for the experts it lacks. Its answers are the single
//! server's bits, and its trail names which server computed which expert. B is killed while a
//! streamed answer is under way: the answer completes, still the single server's, with expert 3
//! computed by C and expert 0 (which only B held) loaded by A itself. A fourth server finds its
//! peer in the chain's registry of servers (the seller of scenario 8).

use super::{serving, Network};
use serde_json::{json, Value};
use std::{
	io::{BufRead, BufReader},
	time::Instant,
};

/// Start `serve --serve-model 1 --experts experts` with `extra` arguments as `name`; its URL.
async fn start(net: &mut Network, name: &str, experts: &str, extra: &[&str]) -> String {
	// No hot experts: the peers stay in use, so that one can be killed mid-answer.
	let args = ["--serve-model", "1", "--experts", experts, "--cache-after", "0"];
	let args: Vec<&str> = args.iter().chain(extra).copied().collect();
	serving::start_server(net, name, &args, "/health").await
}

/// Which server computed the rows of each expert (by expert number), from a trail.
fn computed_by(answer: &Value) -> Vec<(usize, String, u64)> {
	answer["aiblock"]["computed_by"]
		.as_array()
		.unwrap_or_else(|| panic!("the trail names who computed the experts: {answer}"))
		.iter()
		.map(|e| {
			let expert = e["block"].as_str().unwrap().rsplit("expert").next().unwrap();
			(
				expert.parse().unwrap(),
				e["server"].as_str().unwrap().to_string(),
				e["rows"].as_u64().unwrap(),
			)
		})
		.collect()
}

/// A streamed completion: its last chunk (with the trail), after `on_first` ran once the first
/// text arrived.
fn stream(url: &str, body: &Value, on_first: impl FnOnce()) -> Value {
	let response = ureq::post(url)
		.header("Content-Type", "application/json")
		.send(body.to_string())
		.unwrap_or_else(|e| panic!("POST {url}: {e}"));
	let mut on_first = Some(on_first);
	let mut text = String::new();
	let mut last = Value::Null;
	for line in BufReader::new(response.into_body().into_reader()).lines() {
		let line = line.unwrap();
		let Some(data) = line.strip_prefix("data: ") else { continue };
		if data == "[DONE]" {
			break;
		}
		let chunk: Value = serde_json::from_str(data).unwrap();
		assert!(chunk.get("error").is_none(), "the stream failed: {chunk}");
		if let Some(piece) = chunk["choices"][0]["text"].as_str() {
			text.push_str(piece);
			if !piece.is_empty() {
				if let Some(f) = on_first.take() {
					f();
				}
			}
		}
		last = chunk;
	}
	assert!(on_first.is_none(), "no text arrived");
	last["choices"][0]["text"] = json!(text);
	last
}

pub async fn across_servers(net: &mut Network, single: &str, seller: &str) {
	let b = start(net, "experts-b", "0,3", &[]).await;
	let c = start(net, "experts-c", "2-3", &[]).await;
	let a = start(net, "experts-a", "1-2", &["--peer", &b, "--peer", &c]).await;
	let body = json!({"model": "aiblock-shakespeare", "prompt": "KING RICHARD:", "max_tokens": 48, "temperature": 0.8, "seed": 5});
	let timed = |url: String| {
		let started = Instant::now();
		(serving::post(&url, &body), started.elapsed().as_secs_f64())
	};
	let (alone, single_s) = timed(format!("{single}/v1/completions"));
	let (parallel, parallel_s) = timed(format!("{a}/v1/completions"));
	assert_eq!(parallel["choices"][0]["text"], alone["choices"][0]["text"], "{parallel}");
	assert_eq!(parallel["aiblock"]["output"], alone["aiblock"]["output"], "the same tokens");
	assert_eq!(parallel["aiblock"]["model"], alone["aiblock"]["model"], "the same blocks");
	for (expert, server, _) in computed_by(&parallel) {
		match expert {
			1 | 2 => assert_eq!(server, a),
			0 => assert_eq!(server, b, "expert 0 by {server}"),
			_ => assert!(server == b || server == c, "expert 3 by {server}"),
		}
	}
	eprintln!(
		"[e2e] 9: three servers holding 2 experts each answer as one ({parallel_s:.2} s for 48 \
		 tokens, a single server {single_s:.2} s): {:?}",
		parallel["choices"][0]["text"]
	);

	// Kill B once the stream is under way: expert 3 goes to C, expert 0 (nobody else holds it)
	// is loaded by A, and the answer is still the single server's. (The trained model routes
	// nearly every row to expert 0, so B takes part in every pass.)
	let long = json!({"model": "aiblock-shakespeare", "prompt": "KING RICHARD:", "max_tokens": 160, "temperature": 0.8, "seed": 6, "stream": true});
	let mut whole = long.clone();
	whole["stream"] = json!(false);
	let alone = serving::post(&format!("{single}/v1/completions"), &whole);
	let b_pid = net.procs.children["experts-b"].id();
	let url = format!("{a}/v1/completions");
	let streamed = tokio::task::spawn_blocking(move || {
		stream(&url, &long, || {
			// SIGKILL, as a crash: nothing is flushed or said goodbye.
			let _ = std::process::Command::new("kill").args(["-9", &b_pid.to_string()]).status();
		})
	})
	.await
	.unwrap();
	net.procs.kill("experts-b");
	assert_eq!(streamed["choices"][0]["text"], alone["choices"][0]["text"], "{streamed}");
	assert_eq!(streamed["aiblock"]["output"], alone["aiblock"]["output"]);
	let computed = computed_by(&streamed);
	let rows = |expert: usize, by: &str| {
		computed.iter().filter(|(e, s, _)| *e == expert && s == by).map(|(_, _, r)| r).sum::<u64>()
	};
	assert!(rows(0, &b) > 0 && rows(0, &a) > 0, "expert 0 by B, then by A itself: {computed:?}");
	assert_eq!(rows(3, &a), 0, "expert 3 never needed loading: C runs it");
	let metrics =
		ureq::get(format!("{a}/metrics")).call().unwrap().into_body().read_to_string().unwrap();
	let counter = |name: &str| {
		metrics.lines().find_map(|l| l.strip_prefix(name)?.trim().parse::<u64>().ok()).unwrap_or(0)
	};
	assert!(counter("aiblock_serve_parallel_loaded_on_failure_total") >= 1, "{metrics}");
	eprintln!(
		"[e2e] 9: B killed mid-stream, the answer completed identically (expert 0: {} rows at B, \
		 {} at A)",
		rows(0, &b),
		rows(0, &a)
	);
	net.procs.kill("experts-a");
	net.procs.kill("experts-c");

	// D holds expert 0 only and knows no peer: it finds the seller in the registry.
	let d = start(net, "experts-d", "0", &["--peers-from-registry"]).await;
	let alone = serving::post(&format!("{single}/v1/completions"), &body);
	let from_registry = serving::post(&format!("{d}/v1/completions"), &body);
	assert_eq!(from_registry["aiblock"]["output"], alone["aiblock"]["output"]);
	let servers: Vec<String> = computed_by(&from_registry).into_iter().map(|(_, s, _)| s).collect();
	assert!(
		servers.iter().any(|s| s == seller),
		"the registry's seller computed experts: {servers:?}"
	);
	eprintln!("[e2e] 9: a server found its peer {seller} in the chain's registry");
	net.procs.kill("experts-d");
}
