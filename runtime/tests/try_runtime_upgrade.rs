//! The try-runtime check of a runtime upgrade, against a snapshot of a running chain.
//!
//! `zombienet/snapshot.js` writes every storage key and value of the zombienet network's
//! finalised head (with stakes, datasets, jobs and adopted blocks in it) to `$AIBLOCK_SNAPSHOT`.
//! This test, built with the runtime's `try-runtime` feature, loads that state and runs what a
//! runtime upgrade runs on it: every pallet's and the runtime's migrations with their
//! `pre_upgrade` / `post_upgrade` checks, then the checks that the whole state still decodes and
//! every pallet's `try_state` invariants hold (`Executive::try_runtime_upgrade`), and the hooks'
//! weight fits a block.
//!
//! What it proves depends on where the snapshot comes from. In CI it is the zombienet network
//! running this same runtime: the migrations find their pallets at the current storage versions
//! and do nothing, so the check proves the hooks, the decoding and the invariants on lived-in
//! state, not a migration. For a release that changes a storage layout, take the snapshot from a
//! network running the previous release: then every migration runs on real data here, with its
//! checks, before the release is proposed to the council. `.ci/test` builds this test while the
//! network tests run and runs it on their snapshot:
//!
//! ```sh
//! AIBLOCK_SNAPSHOT=/path/to/snapshot.json SKIP_WASM_BUILD=1 cargo test --release --workspace \
//!     --features aiblock-runtime/try-runtime --test try_runtime_upgrade
//! ```
//! (without `AIBLOCK_SNAPSHOT` the test says so and passes).
#![cfg(feature = "try-runtime")]

use aiblock_runtime::{Executive, Runtime};
use frame_support::traits::UpgradeCheckSelect;
use sp_core::storage::{well_known_keys, Storage};

/// The snapshot's state, as `snapshot.js` wrote it: block number, spec version, hex keys and
/// values.
struct Snapshot {
	number: u64,
	spec_version: u64,
	pairs: Vec<(String, String)>,
}

fn parse(text: &str) -> Snapshot {
	let json: serde_json::Value = serde_json::from_str(text).expect("the snapshot is JSON");
	let number = |field: &str| json[field].as_u64().unwrap_or_else(|| panic!("no {field}"));
	let pairs = json["pairs"]
		.as_array()
		.expect("pairs")
		.iter()
		.map(|pair| {
			let text = |i: usize| pair[i].as_str().expect("a hex string").to_owned();
			(text(0), text(1))
		})
		.collect();
	Snapshot { number: number("number"), spec_version: number("specVersion"), pairs }
}

fn hex(text: &str) -> Vec<u8> {
	sp_core::bytes::from_hex(text).unwrap_or_else(|e| panic!("{text:.20}… is not hex: {e:?}"))
}

#[test]
fn the_upgrade_hooks_and_invariants_pass_on_a_running_chains_state() {
	let Some(path) = std::env::var_os("AIBLOCK_SNAPSHOT") else {
		eprintln!(
			"AIBLOCK_SNAPSHOT is not set: no snapshot to check (zombienet/snapshot.js makes one)"
		);
		return;
	};
	let text = std::fs::read_to_string(&path).expect("the snapshot file reads");
	let snapshot = parse(&text);
	let mut storage = Storage::default();
	for (key, value) in &snapshot.pairs {
		let key = hex(key);
		// The network keeps no child tries; a child trie's root entry has no content here.
		if key.starts_with(well_known_keys::CHILD_STORAGE_KEY_PREFIX) {
			continue;
		}
		storage.top.insert(key, hex(value));
	}
	assert!(storage.top.contains_key(well_known_keys::CODE), "the snapshot holds the chain's code");
	let version = aiblock_runtime::VERSION;
	assert!(
		snapshot.spec_version <= u64::from(version.spec_version),
		"the snapshot's chain runs spec {}, newer than this runtime's {}: not an upgrade",
		snapshot.spec_version,
		version.spec_version
	);

	sp_io::TestExternalities::new(storage).execute_with(|| {
		// What the snapshot must hold for the check to mean something.
		assert!(pallet_aiblock_stake::Ledgers::<Runtime>::iter().count() > 0, "no stakes");
		assert!(pallet_aiblock_expert_dag::Blocks::<Runtime>::iter().count() > 0, "no blocks");
		assert!(pallet_aiblock_datasets::Datasets::<Runtime>::iter().count() > 0, "no datasets");

		let weight = Executive::try_runtime_upgrade(UpgradeCheckSelect::All).unwrap_or_else(|e| {
			panic!("the upgrade checks failed on block #{}: {e:?}", snapshot.number)
		});
		let max = <Runtime as frame_system::Config>::BlockWeights::get().max_block;
		assert!(
			weight.all_lte(max),
			"the upgrade's migrations weigh {weight:?} and would not fit a block ({max:?})"
		);
		eprintln!(
			"block #{} of spec {}: {} keys; upgrade hooks, pre/post checks, state decoding and \
			 try_state passed ({weight:?} of a block's {max:?})",
			snapshot.number,
			snapshot.spec_version,
			snapshot.pairs.len()
		);
	});
}
