//! `aiblock-node --dev` is a working chain: it authors blocks with Aura, finalises them with
//! GRANDPA, serves the RPC methods wallets and the worker use, reports the chain properties and
//! exports Prometheus metrics.

mod common;

use common::{header_number, hex_bytes, RunningNode};
use serde_json::json;
use std::time::{Duration, Instant};

/// How long a fresh dev chain may take to finalise `FINALIZED_TARGET`: generous, because the
/// test machine may be busy (in `.ci/test` this node runs at low priority beside the end-to-end
/// test's and zombienet's nodes and workers, and once took over 180 s to answer its first RPC
/// call); the block rate itself is checked from the runtime.
const DEADLINE: Duration = Duration::from_secs(480);
const FINALIZED_TARGET: u64 = 3;

#[test]
fn dev_chain_authors_finalizes_and_serves_rpc() {
	let mut node = RunningNode::start(&["--dev", "--tmp"]);

	let started = Instant::now();
	let mut seen_heights: Vec<(u64, Instant)> = Vec::new();
	let finalized = loop {
		assert!(node.is_running(), "aiblock-node --dev exited");
		assert!(
			started.elapsed() < DEADLINE,
			"no block finalised to #{FINALIZED_TARGET} within {DEADLINE:?}; heights seen: {:?}",
			seen_heights.iter().map(|(h, _)| h).collect::<Vec<_>>()
		);
		if let Ok(best) = node.rpc("chain_getHeader", json!([])) {
			let height = header_number(&best);
			if seen_heights.last().map(|(h, _)| *h) != Some(height) {
				seen_heights.push((height, Instant::now()));
			}
			let hash = node.rpc("chain_getFinalizedHead", json!([])).expect("finalized head");
			let finalized =
				header_number(&node.rpc("chain_getHeader", json!([hash])).expect("header"));
			if finalized >= FINALIZED_TARGET {
				break finalized;
			}
		}
		std::thread::sleep(Duration::from_millis(500));
	};
	if let [(first, t0), .., (last, t1)] = seen_heights.as_slice() {
		if last > first {
			let per_block = t1.duration_since(*t0) / (*last - *first) as u32;
			println!(
				"observed {} blocks, {per_block:?} per block; finalised #{finalized}",
				last - first
			);
		}
	}

	// Aura's slot, as the runtime reports it to the node: one block every 6 s.
	let encoded = node
		.rpc("state_call", json!(["AuraApi_slot_duration", "0x"]))
		.expect("AuraApi_slot_duration");
	let bytes = hex_bytes(encoded.as_str().expect("hex result"));
	let slot_ms = u64::from_le_bytes(bytes[..8].try_into().expect("a u64"));
	assert_eq!(slot_ms, 6000, "slot duration");

	let properties = node.rpc("system_properties", json!([])).expect("system_properties");
	assert_eq!(properties["tokenSymbol"], "AIB");
	assert_eq!(properties["tokenDecimals"], 12);
	assert_eq!(properties["ss58Format"], 42);

	let methods = node.rpc("rpc_methods", json!([])).expect("rpc_methods");
	let methods: Vec<&str> =
		methods["methods"].as_array().expect("a list").iter().filter_map(|m| m.as_str()).collect();
	for wanted in [
		"system_health",
		"system_accountNextIndex",
		"chain_getBlock",
		"chain_getFinalizedHead",
		"state_getStorage",
		"state_getMetadata",
		"author_submitExtrinsic",
		"author_submitAndWatchExtrinsic",
		"payment_queryInfo",
		"payment_queryFeeDetails",
		"expertDag_latestModel",
		"expertDag_currentBlocks",
		"expertDag_lineage",
		"expertDag_blocksByStatus",
	] {
		assert!(methods.contains(&wanted), "RPC method {wanted} is missing");
	}

	// The AI-Block pallets and their calls are in the metadata wallets read (names are SCALE
	// strings, so their bytes appear verbatim).
	let metadata = node.rpc("state_getMetadata", json!([])).expect("state_getMetadata");
	let metadata = hex_bytes(metadata.as_str().expect("hex metadata"));
	for name in [
		"Stake",
		"bond",
		"unbond",
		"withdraw_unbonded",
		"Workers",
		"register_worker",
		"update_worker",
		"heartbeat",
		"deregister_worker",
		"ExpertDag",
		"register_model",
		"import_model",
		"Jobs",
		"post_job",
		"cancel_job",
		"accept_job",
		"submit_result",
		"submit_candidate",
		"commit_attestation",
		"reveal_attestation",
		"Datasets",
		"commit_proposal",
		"propose_dataset",
		"commit_audit",
		"reveal_audit",
		"vote",
		"advance",
		"quarantine",
		"register_approved",
		"set_params",
	] {
		let needle = name.as_bytes();
		assert!(
			metadata.windows(needle.len()).any(|w| w == needle),
			"{name} is missing from the runtime metadata"
		);
	}

	check_genesis_model(&node);

	let metrics = node.metrics().expect("the Prometheus endpoint answers");
	assert!(
		metrics.contains("substrate_block_height{status=\"finalized\""),
		"finalised height is not exported as a metric"
	);
}

/// The genesis models are on chain, served by `expertDag_*`, with exactly the CIDs and hashes of
/// `chain-specs/genesis-models.json` (which the compute core regenerates from its seeds): the
/// byte model as model 0 (1.0.0), the Shakespeare transformer as model 1 (2.0.0), the latest.
fn check_genesis_model(node: &RunningNode) {
	let file = common::repo_root().join("chain-specs/genesis-models.json");
	let models: serde_json::Value =
		serde_json::from_str(&std::fs::read_to_string(file).expect("genesis-models.json")).unwrap();
	let (byte, transformer) = (&models[0], &models[1]);
	let model = node.rpc("expertDag_latestModel", json!([])).expect("expertDag_latestModel");
	assert_eq!(model["index"], 1);
	assert_eq!(model["version"], "2.0.0");
	assert_eq!(model["architecture"], "aiblock-mixtral-v1");
	assert_eq!(model["name"], "aiblock-shakespeare");
	assert_eq!((model["context"].clone(), model["layers"].clone()), (json!(64), json!(4)));
	assert_eq!(model["layers"], transformer["spec"]["layers"]);
	assert_eq!((model["vocab"].clone(), model["tokenizer"].clone()), (json!(256), json!("bytes")));
	assert_eq!(model["attention"]["heads"], 4);
	assert_eq!(model["attention"]["normEps"], json!(1e-5_f32));

	let old = node.rpc("expertDag_model", json!([0])).expect("expertDag_model");
	assert_eq!(old["version"], "1.0.0", "the byte model stays readable");
	assert_eq!(old["architecture"], "byte-moe-v1");
	assert_eq!(old["layers"], byte["spec"]["layers"]);
	assert_eq!(old["attention"], serde_json::Value::Null, "the byte model has no attention");

	for (index, expected) in [byte, transformer].into_iter().enumerate() {
		let blocks = node.rpc("expertDag_currentBlocks", json!([index])).expect("currentBlocks");
		let blocks = blocks.as_array().expect("a list");
		let expected = expected["blocks"].as_array().expect("blocks");
		assert_eq!(blocks.len(), expected.len());
		for (block, want) in blocks.iter().zip(expected) {
			let cid: Vec<u8> = serde_json::from_value(want["payload"]["cid"].clone()).unwrap();
			assert_eq!(block["cid"], aiblock_primitives::dag::cid_to_text(&cid), "{block}");
			assert_eq!(block["hash"], want["payload"]["hash"]);
			assert_eq!(block["size"], want["payload"]["size"]);
			assert_eq!(block["status"], "accepted");
			assert_eq!(block["score"], want["score"]);
		}
	}
	let blocks = node.rpc("expertDag_currentBlocks", json!([1])).expect("currentBlocks");
	assert_eq!(blocks[1]["kind"], "layer0.attention");
	let blocks = node.rpc("expertDag_currentBlocks", json!([0])).expect("currentBlocks");
	let blocks = blocks.as_array().expect("a list");
	assert_eq!(blocks[0]["kind"], "shared");
	assert_eq!(blocks[2]["kind"], "layer0.expert0");
	assert!(blocks[2]["cid"].as_str().unwrap().starts_with("bafkrei"));

	let id = blocks[2]["id"].clone();
	let lineage = node.rpc("expertDag_lineage", json!([id])).expect("lineage");
	assert_eq!(lineage, json!([id]), "a genesis block has no parent");
	let accepted =
		node.rpc("expertDag_blocksByStatus", json!(["accepted"])).expect("blocksByStatus");
	let transformer_blocks = models[1]["blocks"].as_array().expect("blocks").len();
	assert_eq!(
		accepted.as_array().unwrap().len(),
		blocks.len() + transformer_blocks + 2,
		"both models' blocks and metas"
	);
	let refused = node.rpc("expertDag_blocksByStatus", json!(["bogus"]));
	assert!(refused.is_err(), "an unknown status is an error");
}
