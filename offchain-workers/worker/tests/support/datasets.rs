//! Scenario 0 of `e2e`: the data every later job trains on goes through the Datasets pipeline.
//! A contributor proposes the byte model's corpus, tinyshakespeare's training split and a file
//! seeded with personal data (`aiblock-worker dataset propose`, proof of work and all); the
//! evaluator workers, also auditors, are drawn, fetch each file from IPFS, measure it and
//! commit and reveal their reports; the seeded file is rejected on the median report; the
//! workers vote the other two to Gold (`dataset vote`), and the auditors move them on when the
//! windows close. `dataset status` shows the result. The contributor is paid when a job on its
//! data is adopted (scenario 1).

use super::{account, Network};
use aiblock_compute::genesis::{GenesisModel, GenesisTransformer};
use aiblock_worker::chain::{DatasetStatus, Rejection, Tier};
use std::{path::Path, process::Command, time::Duration};

/// Proposes the datasets and is paid for them.
pub const CONTRIBUTOR: &str = "//Eve//stash";

/// The approved datasets' ids.
pub struct Approved {
	pub byte_corpus: u32,
	pub shakespeare: u32,
}

/// `aiblock-worker dataset ARGS` with `net`'s node and IPFS daemon.
fn command(net: &Network, suri: &str, args: &[&str]) -> Command {
	let mut command = Command::new(&net.worker);
	command
		.arg("dataset")
		.args(args)
		.args(["--node", &net.node_url, "--dev", "--suri", suri, "--ipfs", &net.ipfs])
		.args(["--data-dir", net.dir.join("cli").to_str().unwrap()])
		.stdout(std::process::Stdio::piped())
		.stderr(std::process::Stdio::piped());
	command
}

/// Run `aiblock-worker dataset ARGS`; its stdout.
fn dataset(net: &Network, suri: &str, args: &[&str]) -> String {
	checked(args, command(net, suri, args).output().unwrap())
}

/// The stdout of a `dataset` command that must have succeeded.
fn checked(args: &[&str], out: std::process::Output) -> String {
	let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
	assert!(
		out.status.success(),
		"dataset {args:?}: {stdout}{}",
		String::from_utf8_lossy(&out.stderr)
	);
	stdout
}

/// Propose `bytes` as dataset `name`; its id.
fn propose(net: &Network, dir: &Path, name: &str, bytes: &[u8]) -> u32 {
	let file = dir.join(name);
	std::fs::write(&file, bytes).unwrap();
	let file = file.to_str().unwrap();
	let out = dataset(net, CONTRIBUTOR, &["propose", file, "--name", name, "--license", "CC0-1.0"]);
	out.split_whitespace()
		.skip_while(|w| *w != "dataset")
		.nth(1)
		.and_then(|id| id.parse().ok())
		.unwrap_or_else(|| panic!("no dataset id in {out:?}"))
}

/// Wait until dataset `id`'s status passes `check`.
async fn reached(
	net: &Network,
	id: u32,
	what: &str,
	check: fn(&DatasetStatus<subxt::utils::AccountId32, u32>) -> bool,
) {
	let chain = net.chain.clone();
	net.wait_for(&format!("dataset {id} {what}"), Duration::from_secs(300), |at| {
		let chain = chain.clone();
		async move {
			let status = chain.dataset(&at, id).await.unwrap()?.status;
			check(&status).then_some(())
		}
	})
	.await
}

/// Scenario 0; `voters` are registered workers (listed before the proposals).
pub async fn through_the_pipeline(net: &Network, voters: &[&str]) -> Approved {
	let dir = net.dir.join("datasets");
	std::fs::create_dir_all(&dir).unwrap();
	let byte_corpus = GenesisModel::development().source.generate(1 << 16, 0).bytes;
	let seeded: String = (0..200)
		.map(|i| format!("order {i} shipped to jane.doe{i}@example.com, call +1 555 010 {i:04}\n"))
		.collect();
	let byte_corpus = propose(net, &dir, "byte-corpus", &byte_corpus);
	let shakespeare = propose(net, &dir, "tinyshakespeare-train", GenesisTransformer::training());
	let seeded = propose(net, &dir, "customer-orders", seeded.as_bytes());
	eprintln!("[e2e] 0: datasets {byte_corpus}, {shakespeare}, {seeded} proposed");

	// Each vote opens as its audit closes and lasts a minute on the dev chain: the workers vote
	// as soon as it opens, side by side (one transaction each takes a few blocks to finalise).
	for id in [byte_corpus, shakespeare] {
		reached(net, id, "open for votes", |s| matches!(s, DatasetStatus::Voting { .. })).await;
		let id = id.to_string();
		let args = ["vote", id.as_str(), "--aye"];
		let votes: Vec<_> =
			voters.iter().map(|voter| command(net, voter, &args).spawn().unwrap()).collect();
		for vote in votes {
			checked(&args, vote.wait_with_output().unwrap());
		}
	}
	reached(net, seeded, "rejected for personal data", |s| {
		matches!(s, DatasetStatus::Rejected { reason: Rejection::PersonalData(_) })
	})
	.await;
	for id in [byte_corpus, shakespeare] {
		reached(net, id, "approved Gold", |s| {
			matches!(s, DatasetStatus::Approved { tier: Tier::Gold, .. })
		})
		.await;
	}
	let at = net.at().await;
	let record = net.chain.dataset(&at, shakespeare).await.unwrap().unwrap();
	assert_eq!(record.proposer, account(CONTRIBUTOR));
	let DatasetStatus::Approved { median, .. } = record.status else { unreachable!() };
	assert!(median.content_matches, "the auditors fetched and checked the content");
	let chunks = GenesisTransformer::training().len().div_ceil(256 << 10);
	assert_eq!(median.chunks_checked as usize, chunks, "every chunk checked: {median:?}");
	assert_eq!(median.pii_ppm, 0, "{median:?}");
	let status = dataset(net, CONTRIBUTOR, &["status", &shakespeare.to_string()]);
	assert!(status.contains("approved: Gold"), "{status}");
	eprintln!(
		"[e2e] 0: datasets {byte_corpus} and {shakespeare} approved Gold (learning value {} \
		 µnats/byte), {seeded} rejected for personal data",
		median.learning_value
	);
	Approved { byte_corpus, shakespeare }
}

/// A dataset entered as approved through Sudo whose content nobody serves (scenario 4): its
/// id.
pub async fn unserved(net: &Network) -> u32 {
	use aiblock_primitives::{dag::SemVer, datasets::DatasetMeta};
	use aiblock_worker::chain::{convert, runtime, Chain};
	use runtime::runtime_types::{
		aiblock_runtime::RuntimeCall, pallet_aiblock_datasets::pallet::Call as DatasetsCall,
	};
	let nowhere = aiblock_compute::store::cid_of(b"a dataset nobody ever published, e2e 4");
	let meta = DatasetMeta {
		name: b"unserved".to_vec().try_into().unwrap(),
		version: SemVer { major: 1, minor: 0, patch: 0 },
		license: b"CC0-1.0".to_vec().try_into().unwrap(),
		cid: nowhere.as_bytes().to_vec().try_into().unwrap(),
		size: 1 << 16,
		merkle_root: aiblock_primitives::H256(*blake3::hash(nowhere.as_bytes()).as_bytes()),
		sample_hashes: Default::default(),
		derived_from: Default::default(),
	};
	let signer = aiblock_worker::chain::load_signer(Some("//Alice"), None, true).unwrap();
	let sudo = Chain::connect(&net.node_url, signer, Duration::from_secs(30)).await.unwrap();
	let call = RuntimeCall::Datasets(DatasetsCall::register_approved {
		meta: convert::meta(&meta),
		proposer: account(CONTRIBUTOR),
		tier: runtime::runtime_types::aiblock_primitives::datasets::Tier::Gold,
	});
	let events = match sudo.govern("datasets.register_approved", call).await.unwrap() {
		aiblock_worker::governance::Governed::Dispatched(events) => events,
		aiblock_worker::governance::Governed::Proposed(motion) => {
			panic!("the dev chain's sudo key: {motion}")
		},
	};
	events
		.find_first::<runtime::datasets::events::DatasetRegistered>()
		.and_then(Result::ok)
		.map(|e| e.id)
		.expect("DatasetRegistered")
}
