//! The worker's chain client is generated (subxt) from `offchain-workers/worker/metadata/
//! aiblock.scale`; this test fails when that file is not the metadata this node serves, so a
//! runtime change cannot silently break the worker. `offchain-workers/worker/metadata/
//! generate.sh` rewrites the file (it runs this test with `AIBLOCK_UPDATE_METADATA=1`).

mod common;

use common::{hex_bytes, repo_root, RunningNode};
use serde_json::json;
use std::time::{Duration, Instant};

/// The metadata version the worker is generated from (V16: the newest the runtime serves).
const VERSION: u32 = 16;

/// SCALE `Option<Vec<u8>>` → the bytes (`RuntimeMetadataPrefixed`, magic `meta` first).
fn opaque_metadata(scale: &[u8]) -> Vec<u8> {
	assert_eq!(scale.first(), Some(&1), "the runtime has no metadata V{VERSION}");
	let rest = &scale[1..];
	let (len, skip) = match rest[0] & 3 {
		0 => (usize::from(rest[0] >> 2), 1),
		1 => (usize::from(u16::from_le_bytes([rest[0], rest[1]]) >> 2), 2),
		2 => ((u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) >> 2) as usize, 4),
		_ => panic!("metadata larger than 1 GiB"),
	};
	let bytes = rest[skip..].to_vec();
	assert_eq!(bytes.len(), len, "the length prefix covers the whole answer");
	assert_eq!(&bytes[..4], b"meta", "metadata starts with its magic number");
	bytes
}

#[test]
fn worker_metadata_is_what_the_node_serves() {
	let node = RunningNode::start(&["--dev", "--tmp"]);
	let argument = format!("0x{}", hex(&VERSION.to_le_bytes()));
	let started = Instant::now();
	let answer = loop {
		match node.rpc("state_call", json!(["Metadata_metadata_at_version", argument])) {
			Ok(answer) => break answer,
			Err(e) if started.elapsed() > Duration::from_secs(120) => {
				panic!("the dev node's RPC did not answer within 2 minutes: {e}")
			},
			Err(_) => std::thread::sleep(Duration::from_millis(500)),
		}
	};
	let served = opaque_metadata(&hex_bytes(answer.as_str().expect("hex")));
	let file = repo_root().join("offchain-workers/worker/metadata/aiblock.scale");
	if std::env::var_os("AIBLOCK_UPDATE_METADATA").is_some() {
		std::fs::write(&file, &served).expect("write the metadata file");
		eprintln!("wrote {} ({} bytes)", file.display(), served.len());
		return;
	}
	let committed = std::fs::read(&file).unwrap_or_default();
	assert!(
		committed == served,
		"{} ({} bytes) is not the metadata the node serves ({} bytes): run \
		 offchain-workers/worker/metadata/generate.sh and rebuild the worker",
		file.display(),
		committed.len(),
		served.len()
	);
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}
