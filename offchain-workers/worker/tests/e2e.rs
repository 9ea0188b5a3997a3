//! End to end: a real dev node, a real IPFS daemon and `aiblock-worker` processes.
//!
//! 0. Datasets: the byte model's corpus and tinyshakespeare's training split are proposed,
//!    audited by the evaluators (also auditors), voted Gold, and a file seeded with personal
//!    data is rejected on the audit (`support/datasets.rs`). Every later job trains on them.
//! 1. Honest: Ferdie trains a posted job, Bob, Charlie and Dave are drawn, attest and the
//!    candidate is adopted: `ExpertDag.Current` points at it, its file in IPFS hashes to the
//!    on-chain value, and every balance moved exactly as the Jobs rules say (fees accounted
//!    from the chain's own `TransactionFeePaid` events), the data's contributor paid its
//!    share.
//! 2. A lying trainer (`--lie-about-score`) is refuted and loses its collateral; nothing is
//!    adopted.
//! 3. A trainer killed mid-job: the job times out, reopens, another trainer completes it and
//!    the candidate is adopted; the killed one loses its collateral.
//! 4. Hostile jobs, at the same time as 3: a job whose batch is beyond the trainers' memory
//!    budget and one whose dataset nobody serves are declined, with the reason logged; an open
//!    submission with a forged manifest and a NaN candidate is refused by every evaluator, so
//!    its trainer is slashed and no evaluator is; the evaluators keep heartbeating.
//! 5. Shakespeare: a job on the genesis transformer (model 1, the newest the chain starts
//!    with) trains a set of two slots, its shared block and layer 3's attention, together on
//!    tinyshakespeare's training split; the panel scores them on the validation split, replays
//!    the run and both candidates are adopted with a gain of at least the model's delta. Then an operator imports a transformer as the next MAJOR version
//!    (`import-model` through Sudo): it becomes the latest model with an attention block per
//!    layer, every file in IPFS; a key that is not the sudo key is refused with the pallet's
//!    error name; the earlier models stay readable.
//! 6. Serving, around 5: `aiblock-worker serve` answers with the genesis transformer, its trail
//!    naming exactly `ExpertDag.Current`, and `replay-answer` (another process) reproduces it
//!    and catches an altered one; the official `openai` Python package (AIBLOCK_OPENAI_PYTHON)
//!    runs a completion and a streamed chat; after 5's adoption the next answer names the
//!    adopted blocks and the earlier answer still replays.
//!
//! 8. Paid answers, after 6 (`support/market.rs`): a server selling its answers (`serve
//!    --price`) refuses an unpaid request; a client prepays a channel with `ask` and asks
//!    twenty questions, each answer's trail checked and paid for with a signed receipt; the
//!    server claims them on chain, the fee split between the authors of the answering blocks,
//!    the audit pot and the server; a deposit too small for a request is refused; a free-tier
//!    member is answered by the donating seller until its quota, then refused. Every claim
//!    is audited: the auditors' replay finds the seller honest and catches a server that alters
//!    its answers, which is slashed and removed; the client closes its channel and gets the
//!    rest back.
//! 7. Evolution, last (`support/evolution.rs`): an epoch doubles the experts of the transformer
//!    imported in 5 and promotes it as model 3, served at once; a second epoch's barely trained
//!    candidate is rejected and its credits returned.
//!
//! Scenarios 1 to 4 train the genesis byte model (model 0), the cheapest to train and replay.
//!
//! Needs `aiblock-node` built in the same profile (`cargo build --release --workspace`);
//! without it the test says so and passes, unless `AIBLOCK_E2E_REQUIRED` is set (CI sets it).
//!
//! It has its own `main` (one chain for the three scenarios), so it reads libtest's filters
//! itself: `cargo test -- --skip e2e` runs every other test, `cargo test -- NAME` leaves it out
//! unless NAME is part of "e2e". CI does that, and runs this one at
//! the same time with `cargo test --test e2e`, because it spends its minutes waiting for blocks.

use aiblock_compute::store::ContentStore;
use aiblock_worker::{
	chain::{self, runtime, At, Chain, Stage, H256},
	ipfs::IpfsStore,
	run::pointer,
	store::fetch_block,
};
use std::{
	collections::BTreeMap,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};
use subxt::utils::AccountId32;

#[path = "support/daemon.rs"]
mod daemon;
#[path = "support/datasets.rs"]
mod datasets;
#[path = "support/evolution.rs"]
mod evolution;
#[path = "support/market.rs"]
mod market;
#[path = "support/parallel.rs"]
mod parallel;
#[path = "support/serving.rs"]
mod serving;

use daemon::free_port;

const UNIT: u128 = chain::UNIT;
/// Scenarios 1 to 4 train the byte model, model 0 of the genesis (cheapest to train and replay);
/// scenario 5 trains the genesis transformer, model 1.
const BYTE_MODEL: Option<u32> = Some(0);
/// The trainer account of scenario 4's forged submission.
const FORGER: &str = "//Dave//stash";

/// Child processes killed on drop; their logs printed when the test fails.
struct Processes {
	dir: PathBuf,
	children: BTreeMap<String, Child>,
}

impl Processes {
	fn spawn(&mut self, name: &str, program: &Path, args: &[&str]) {
		let log = std::fs::File::create(self.dir.join(format!("{name}.log"))).unwrap();
		let child = Command::new(program)
			.args(args)
			.stdout(log.try_clone().unwrap())
			.stderr(log)
			.stdin(Stdio::null())
			.spawn()
			.unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
		self.children.insert(name.to_string(), child);
	}

	fn kill(&mut self, name: &str) {
		if let Some(mut child) = self.children.remove(name) {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	fn log(&self, name: &str) -> String {
		std::fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap_or_default()
	}
}

impl Drop for Processes {
	fn drop(&mut self) {
		let names: Vec<String> = self.children.keys().cloned().collect();
		for name in names {
			self.kill(&name);
		}
		if std::thread::panicking() {
			for entry in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
				let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
				let tail: Vec<&str> = text.lines().rev().take(25).collect();
				eprintln!("---- {} (last lines)", entry.path().display());
				for line in tail.iter().rev() {
					eprintln!("{line}");
				}
			}
		}
	}
}

fn account(suri: &str) -> AccountId32 {
	chain::load_signer(Some(suri), None, true).unwrap().public_key().into()
}

/// The treasury: `PalletId(*b"aib/trsy")` as an account (`modl` ‖ id, zero-padded).
fn treasury() -> AccountId32 {
	let mut bytes = [0u8; 32];
	bytes[..4].copy_from_slice(b"modl");
	bytes[4..12].copy_from_slice(b"aib/trsy");
	AccountId32(bytes)
}

struct Network {
	chain: Chain,
	worker: PathBuf,
	node_url: String,
	ipfs: String,
	dir: PathBuf,
	procs: Processes,
}

impl Network {
	async fn at(&self) -> At {
		self.chain.finalized().await.unwrap()
	}

	/// Poll finalized state until `check` returns `Some`, for at most `limit`.
	async fn wait_for<T, F, Fut>(&self, what: &str, limit: Duration, mut check: F) -> T
	where
		F: FnMut(At) -> Fut,
		Fut: std::future::Future<Output = Option<T>>,
	{
		let started = Instant::now();
		loop {
			if let Some(value) = check(self.at().await).await {
				eprintln!("[e2e] {what} after {:.0} s", started.elapsed().as_secs_f64());
				return value;
			}
			assert!(started.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
			tokio::time::sleep(Duration::from_secs(1)).await;
		}
	}

	fn start_worker(&mut self, name: &str, suri: &str, roles: &str, extra: &[&str]) {
		let data = self.dir.join(name);
		let mut args = vec![
			"run",
			"--node",
			&self.node_url,
			"--dev",
			"--suri",
			suri,
			"--roles",
			roles,
			"--bond",
			"100",
			"--ipfs",
			&self.ipfs,
			"--prometheus-port",
			"0",
			"--threads",
			"1",
			"--fetch-timeout",
			"10",
			"--data-dir",
			data.to_str().unwrap(),
		];
		args.extend_from_slice(extra);
		let worker = self.worker.clone();
		self.procs.spawn(name, &worker, &args);
	}

	async fn registered(&self, who: &[AccountId32]) {
		let chain = self.chain.clone();
		let who = who.to_vec();
		self.wait_for("workers registered", Duration::from_secs(180), |at| {
			let (chain, who) = (chain.clone(), who.clone());
			async move {
				for w in &who {
					chain.worker(&at, w).await.unwrap()?;
				}
				Some(())
			}
		})
		.await
	}

	/// Post a job on `model` (`None`: the CLI's default, the newest model workers can train)
	/// with the CLI as a client would; returns its id.
	fn post_job(&self, model: Option<u32>, extra: &[&str]) -> u64 {
		let model = model.map(|m| m.to_string());
		let mut args = vec![
			"--node",
			&self.node_url,
			"--dev",
			"--suri",
			"//Eve",
			"--ipfs",
			&self.ipfs,
			"--data-dir",
			self.dir.to_str().unwrap(),
		];
		if let Some(model) = &model {
			args.extend(["--model", model]);
		}
		args.extend_from_slice(extra);
		let out = Command::new(&self.worker).arg("post-job").args(&args).output().unwrap();
		let stdout = String::from_utf8_lossy(&out.stdout);
		assert!(
			out.status.success(),
			"post-job failed: {stdout}{}",
			String::from_utf8_lossy(&out.stderr)
		);
		stdout
			.split_whitespace()
			.skip_while(|w| *w != "job")
			.nth(1)
			.and_then(|id| id.parse().ok())
			.unwrap_or_else(|| panic!("no job id in {stdout:?}"))
	}

	/// Wait until job `id` has left the chain; return its `JobFinalized` event, every
	/// account's fees and every account's newly minted rewards (learning rewards, block
	/// rewards) in the blocks from `from`, and the block it ended in.
	async fn settled(
		&self,
		id: u64,
		from: u64,
		limit: Duration,
	) -> (
		runtime::jobs::events::JobFinalized,
		BTreeMap<AccountId32, u128>,
		BTreeMap<AccountId32, u128>,
		u64,
	) {
		let chain = self.chain.clone();
		let to = self
			.wait_for(&format!("job {id} settled"), limit, |at| {
				let chain = chain.clone();
				async move { chain.job(&at, id).await.unwrap().is_none().then(|| at.block_number()) }
			})
			.await;
		let mut fees = BTreeMap::new();
		let mut minted = BTreeMap::new();
		let mut finalized = None;
		for n in from..=to {
			let at = self.chain.api.at_block(n).await.unwrap();
			let events = at.events().fetch().await.unwrap();
			for fee in events.find::<runtime::transaction_payment::events::TransactionFeePaid>() {
				let fee = fee.unwrap();
				*fees.entry(fee.who).or_insert(0) += fee.actual_fee + fee.tip;
			}
			for paid in events.find::<runtime::learning_rewards::events::LearningRewardPaid>() {
				let paid = paid.unwrap();
				*minted.entry(paid.who).or_insert(0) += paid.amount;
			}
			for paid in events.find::<runtime::learning_rewards::events::AuthorRewarded>() {
				let paid = paid.unwrap();
				*minted.entry(paid.author).or_insert(0) += paid.amount;
			}
			for done in events.find::<runtime::jobs::events::JobFinalized>() {
				let done = done.unwrap();
				if done.job == id {
					finalized = Some(done);
				}
			}
		}
		(finalized.unwrap_or_else(|| panic!("no JobFinalized for job {id}")), fees, minted, to)
	}

	async fn balances(&self, at: &At, who: &[AccountId32]) -> Vec<u128> {
		let mut out = Vec::new();
		for w in who {
			out.push(self.chain.free_balance(at, w).await.unwrap());
		}
		out
	}

	async fn current_shared(&self, at: &At) -> H256 {
		let blocks = self.chain.current_blocks(at, 0).await.unwrap();
		blocks.into_iter().find(|(k, _, _)| matches!(k, chain::BlockKind::Shared)).unwrap().1
	}
}

/// Whether libtest's command line leaves out a test named `name`: a `--skip` filter matches it,
/// or there are name filters and none matches it (filters match substrings, as in libtest).
fn left_out(name: &str) -> bool {
	let mut filters = Vec::new();
	let mut args = std::env::args().skip(1);
	while let Some(arg) = args.next() {
		if let Some(skip) = arg.strip_prefix("--skip=") {
			if name.contains(skip) {
				return true;
			}
			continue;
		}
		match arg.as_str() {
			"--skip" => {
				if args.next().is_some_and(|skip| name.contains(skip.as_str())) {
					return true;
				}
			},
			// libtest's options that take a value.
			"--test-threads" | "--color" | "--format" | "--logfile" | "-Z" => {
				args.next();
			},
			option if option.starts_with('-') => {},
			_ => filters.push(arg),
		}
	}
	!filters.is_empty() && !filters.iter().any(|filter| name.contains(filter.as_str()))
}

fn main() {
	if left_out("e2e") {
		eprintln!("e2e left out by the test filters");
		return;
	}
	// AIBLOCK_WORKER: a copy of the binary, so that CI can rebuild the original (with CUDA)
	// while this test runs.
	let worker = std::env::var_os("AIBLOCK_WORKER")
		.map(PathBuf::from)
		.unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_aiblock-worker")));
	let node = std::env::var_os("AIBLOCK_NODE")
		.map(PathBuf::from)
		.unwrap_or_else(|| worker.with_file_name("aiblock-node"));
	if !node.is_file() {
		let why = format!(
			"{} not found: build it with `cargo build --release --workspace`",
			node.display()
		);
		assert!(std::env::var_os("AIBLOCK_E2E_REQUIRED").is_none(), "{why}");
		eprintln!("e2e skipped: {why}");
		return;
	}
	let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
	runtime.block_on(scenarios(node, worker));
}

/// The test's chain: the development chain (its accounts, keys, models and dataset windows) with
/// a block every [`BLOCK_MILLIS`] instead of 6 s (`chain-specs/with-block-time.sh`). Every
/// scenario waits for blocks, not for the CPU; its windows count blocks, so they keep their
/// meaning and pass three times faster.
fn fast_dev_chain(node: &Path, dir: &Path) -> PathBuf {
	let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../chain-specs/with-block-time.sh");
	let spec = dir.join("dev-fast.json");
	let out = Command::new(script)
		.args(["dev", &BLOCK_MILLIS.to_string(), spec.to_str().unwrap()])
		.env("AIBLOCK_NODE", node)
		.env("AIBLOCK_EPOCH_WINDOWS", EPOCH_WINDOWS)
		.output()
		.unwrap();
	assert!(out.status.success(), "with-block-time.sh: {}", String::from_utf8_lossy(&out.stderr));
	spec
}

/// The test chain's block time.
const BLOCK_MILLIS: u64 = 2_000;

/// The test chain's evolution windows in blocks (proposing, reserving, training, commit,
/// reveal, cleanup): 168 s an epoch at 2 s blocks, under half the development chain's, with
/// room for each step's transaction (about four blocks to be final) and the small model's
/// training and benchmarks (`support/evolution.rs`).
const EPOCH_WINDOWS: &str = "10,10,30,20,10,4";

async fn scenarios(node: PathBuf, worker: PathBuf) {
	let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e");
	let _ = std::fs::remove_dir_all(&dir);
	std::fs::create_dir_all(&dir).unwrap();
	let ipfs_daemon = daemon::Daemon::start_or_use();
	let ipfs = ipfs_daemon.api().to_string();
	let mut procs = Processes { dir: dir.join("logs"), children: BTreeMap::new() };
	std::fs::create_dir_all(&procs.dir).unwrap();

	let rpc = free_port();
	let (p2p, rpc_s) = (free_port().to_string(), rpc.to_string());
	let spec = fast_dev_chain(&node, &dir);
	procs.spawn(
		"node",
		&node,
		&[
			"--chain",
			spec.to_str().unwrap(),
			// What `--dev` implies besides the chain.
			"--alice",
			"--validator",
			"--force-authoring",
			"--tmp",
			"--unsafe-force-node-key-generation",
			"--rpc-port",
			&rpc_s,
			"--port",
			&p2p,
			"--no-prometheus",
			"--no-mdns",
			"--no-telemetry",
		],
	);
	let node_url = format!("ws://127.0.0.1:{rpc}");

	// The genesis model's files into IPFS: the chain spec references exactly these CIDs.
	let out = Command::new(&worker).args(["init-model", "--ipfs", &ipfs]).output().unwrap();
	assert!(out.status.success(), "init-model: {}", String::from_utf8_lossy(&out.stderr));

	let signer = chain::load_signer(Some("//Eve"), None, true).unwrap();
	let chain = Chain::connect(&node_url, signer, Duration::from_secs(120)).await.unwrap();
	// The chain runs at the test's block time (the timestamps' period is half of it).
	let at = chain.finalized().await.unwrap();
	let period = at.constants().entry(runtime::constants().timestamp().minimum_period()).unwrap();
	assert_eq!(period, BLOCK_MILLIS / 2, "the test chain's block time");
	let mut net = Network { chain, worker, node_url, ipfs: ipfs.clone(), dir: dir.clone(), procs };

	let evaluators = ["//Bob", "//Charlie", "//Dave"];
	for (i, suri) in evaluators.iter().enumerate() {
		net.start_worker(&format!("evaluator{i}"), suri, "evaluator,auditor", &[]);
	}
	net.start_worker("honest", "//Ferdie", "trainer", &[]);
	// Scenario 4's forger registers with everyone else (its worker declines every job: its
	// memory budget is nil) and forges a submission later.
	net.start_worker("forger", FORGER, "trainer", &["--max-memory", "0.0001"]);
	let (eve, ferdie) = (account("//Eve"), account("//Ferdie"));
	let evaluator_accounts: Vec<AccountId32> = evaluators.iter().map(|s| account(s)).collect();
	let mut everyone = vec![ferdie.clone(), account(FORGER)];
	everyone.extend(evaluator_accounts.clone());
	net.registered(&everyone).await;
	let approved = datasets::through_the_pipeline(&net, &evaluators).await;
	let server = serving::before_adoption(&mut net).await;

	// 1. Honest training, adopted, paid exactly.
	let at = net.at().await;
	let start = at.block_number();
	let contributor = account(datasets::CONTRIBUTOR);
	let watched: Vec<AccountId32> = [
		vec![eve.clone(), ferdie.clone(), treasury(), contributor.clone()],
		evaluator_accounts.clone(),
	]
	.concat();
	let before = net.balances(&at, &watched).await;
	let genesis_shared = net.current_shared(&at).await;
	let id = net.post_job(BYTE_MODEL, &["--windows", "40,40,20,20"]);
	let job = {
		let chain = net.chain.clone();
		net.wait_for("job posted", Duration::from_secs(60), |at| {
			let chain = chain.clone();
			async move { chain.job(&at, id).await.unwrap() }
		})
		.await
	};
	let (done, fees, minted, end) = net.settled(id, start + 1, Duration::from_secs(360)).await;
	assert!(done.adopted && !done.refuted, "honest candidate adopted: {done:?}");
	let at = net.chain.api.at_block(end).await.unwrap();
	let shared = net.current_shared(&at).await;
	assert_eq!(shared, done.candidates.0[0], "ExpertDag.Current points at the adopted candidate");
	assert_ne!(shared, genesis_shared);
	let after = net.balances(&at, &watched).await;
	let fee = |who: &AccountId32| fees.get(who).copied().unwrap_or(0);
	// The network's learning reward for the adoption, minted on top of the poster's reward.
	let learning = |who: &AccountId32| minted.get(who).copied().unwrap_or(0) as i128;
	assert!(learning(&ferdie) > 0, "the trainer was paid a learning reward: {minted:?}");
	// And PoL credits: the trainer's adoption, each evaluator's honest evaluation.
	let (credits, _) = net.chain.credits(&at, &ferdie).await.unwrap();
	assert!(credits >= 100, "the trainer's adoption credits: {credits}");
	for e in &evaluator_accounts {
		assert!(net.chain.credits(&at, e).await.unwrap().0 >= 25, "{e}'s evaluation credits");
	}
	let delta = |i: usize| after[i] as i128 - before[i] as i128;
	// The timeout deposit held with the job comes back with the verdict; the posting fee does
	// not.
	let posting_fee = at.constants().entry(runtime::constants().jobs().posting_fee()).unwrap();
	let paid = job.reward + 3 * job.evaluator_fee + job.protocol_fee + posting_fee;
	// The data's contributor takes `DataShare` of the reward (rounded down).
	let share = at.constants().entry(runtime::constants().jobs().data_share()).unwrap();
	let data = job.reward * u128::from(share.0) / 1_000_000_000;
	assert!(data > 0);
	let trainer_pay = job.reward - data;
	assert_eq!(delta(0), -(paid as i128) - fee(&eve) as i128, "Eve paid the escrow and her fees");
	assert_eq!(
		delta(1),
		trainer_pay as i128 + learning(&ferdie) - fee(&ferdie) as i128,
		"Ferdie earned the reward and a learning reward"
	);
	assert_eq!(
		delta(3),
		data as i128 + learning(&contributor),
		"the data's contributor was paid its shares"
	);
	assert_eq!(
		delta(2),
		(job.protocol_fee + posting_fee) as i128,
		"the treasury took the protocol and posting fees"
	);
	for (i, e) in evaluator_accounts.iter().enumerate() {
		assert_eq!(
			delta(4 + i),
			job.evaluator_fee as i128 + learning(e) - fee(e) as i128,
			"evaluator {i} paid its fee and its part of the learning reward"
		);
	}
	let record = net.chain.block(&at, shared).await.unwrap().unwrap();
	let store = IpfsStore::new(&ipfs).unwrap();
	let adopted = pointer(&record.header.payload);
	let file = fetch_block(&store, "adopted candidate", &adopted, adopted.size).unwrap();
	assert_eq!(file.len() as u64, record.header.payload.size);
	assert!(store.has(&pointer(&record.header.payload).cid("c").unwrap()).unwrap());
	// The trainer counted its reward (state file, shown by `status` and as a metric).
	let deadline = Instant::now() + Duration::from_secs(60);
	loop {
		let earned = aiblock_worker::state::State::open(&dir.join("honest")).unwrap().earned;
		if earned == trainer_pay {
			break;
		}
		assert!(
			Instant::now() < deadline,
			"the trainer counted {earned} earned, not {trainer_pay}"
		);
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
	eprintln!("[e2e] 1: job {id} adopted {shared:?}; reward {} AIB", job.reward / UNIT);
	net.procs.kill("honest");

	// 2. A trainer that lies about its score is refuted and slashed.
	let liar = account("//Alice//stash");
	net.start_worker("liar", "//Alice//stash", "trainer", &["--lie-about-score"]);
	net.registered(std::slice::from_ref(&liar)).await;
	let at = net.at().await;
	let start = at.block_number();
	let stake_before = net.chain.active_stake(&at, &liar).await.unwrap();
	let id = net.post_job(BYTE_MODEL, &["--windows", "40,40,20,20", "--seed", "2"]);
	let (done, _, _, end) = net.settled(id, start + 1, Duration::from_secs(360)).await;
	assert!(!done.adopted && done.refuted, "the lie is refuted: {done:?}");
	// The job's collateral, as it stood in the block before the verdict removed the job: the
	// minimum, or the whole reward when that is more (`Jobs.CollateralPerReward`).
	let before_verdict = net.chain.api.at_block(end - 1).await.unwrap();
	let judged = net.chain.job(&before_verdict, id).await.unwrap().expect("open until its verdict");
	let minimum =
		before_verdict.constants().entry(runtime::constants().jobs().trainer_collateral()).unwrap();
	let collateral = judged.trainer_collateral;
	assert_eq!(collateral, minimum.max(judged.reward), "collateral grows with the reward");
	let at = net.chain.api.at_block(end).await.unwrap();
	let stake_after = net.chain.active_stake(&at, &liar).await.unwrap();
	assert_eq!(stake_before - stake_after, collateral, "the liar lost its collateral");
	assert_eq!(net.current_shared(&at).await, shared, "nothing adopted");
	eprintln!("[e2e] 2: job {id} refuted, liar slashed {} AIB", collateral / UNIT);
	net.procs.kill("liar");

	// 3. A trainer killed mid-job: the job times out and reopens, another completes it.
	let (quitter, finisher) = (account("//Bob//stash"), account("//Charlie//stash"));
	net.start_worker("quitter", "//Bob//stash", "trainer", &[]);
	net.registered(std::slice::from_ref(&quitter)).await;
	let at = net.at().await;
	let start = at.block_number();
	let quitter_stake = net.chain.active_stake(&at, &quitter).await.unwrap();
	let id = net.post_job(
		BYTE_MODEL,
		&[
			// The submit window must hold the finisher's 1,500 steps on a loaded CI machine
			// (up to ~20 s) after its acceptance is final; it is also how long the job waits
			// for the killed trainer.
			"--windows",
			"40,20,20,20",
			"--seed",
			"3",
			"--steps",
			"1500",
			"--checkpoint-every",
			"250",
		],
	);
	let deadline = Instant::now() + Duration::from_secs(180);
	while !net.procs.log("quitter").contains(&format!("job {id}: training")) {
		assert!(Instant::now() < deadline, "the quitter never started training job {id}");
		tokio::time::sleep(Duration::from_millis(200)).await;
	}
	net.procs.kill("quitter");
	eprintln!("[e2e] 3: quitter killed while training job {id}");
	{
		let (chain, quitter) = (net.chain.clone(), quitter.clone());
		net.wait_for("job reopened", Duration::from_secs(180), |at| {
			let (chain, quitter) = (chain.clone(), quitter.clone());
			async move {
				match chain.job(&at, id).await.unwrap()?.stage {
					Stage::Training { trainer, .. } if trainer == quitter => None,
					_ => Some(()),
				}
			}
		})
		.await;
	}
	// 4, while job 3 waits for a trainer: hostile jobs, and a forger's submission.
	let hostile = hostile_jobs(&mut net, &evaluator_accounts, approved.byte_corpus).await;
	// The finisher's budget leaves no room for a batch of 65,536 tokens (about 1 GiB).
	net.start_worker("finisher", "//Charlie//stash", "trainer", &["--max-memory", "0.5"]);
	let (done, _, _, end) = net.settled(id, start + 1, Duration::from_secs(480)).await;
	assert!(done.adopted, "the reopened job is completed and adopted: {done:?}");
	let at = net.chain.api.at_block(end).await.unwrap();
	assert_eq!(net.current_shared(&at).await, done.candidates.0[0]);
	let record = net.chain.block(&at, done.candidates.0[0]).await.unwrap().unwrap();
	assert_eq!(record.header.author.as_ref(), Some(&finisher), "the finisher's candidate");
	let quitter_after = net.chain.active_stake(&at, &quitter).await.unwrap();
	assert_eq!(quitter_after, quitter_stake - collateral, "the quitter lost its collateral");
	eprintln!("[e2e] 3: job {id} completed by the second trainer");
	// The forger's open submission has no reward: it committed the minimum collateral.
	hostile.judged(&net, minimum).await;

	// 5. The genesis transformer trained on Shakespeare; then, last, since it moves the latest
	// model on, a transformer imported through Sudo.
	let adopted = shakespeare_job(&net, approved.shakespeare).await;
	serving::after_adoption(&net, &server, &adopted).await;
	// 8. Paid answers from a server that sells them, claimed on chain.
	let seller = market::paid_answers(&mut net).await;
	// 9. Servers holding some experts each answer as one, through a peer's death.
	parallel::across_servers(&mut net, &server.base, &seller).await;
	net.procs.kill("seller");
	import_transformer(&net).await;
	evolution::two_epochs(&mut net, &server.base, &evaluator_accounts, approved.shakespeare).await;
	eprintln!("[e2e] all scenarios passed");
	drop(ipfs_daemon);
}

/// Scenario 4 in flight: what was posted, and what to check once judged.
struct Hostile {
	huge_batch: u64,
	no_data: u64,
	forged: u64,
	forger: AccountId32,
	forger_stake: u128,
	evaluators: Vec<(AccountId32, u128)>,
	heartbeats: Vec<u32>,
}

/// Post the hostile jobs of scenario 4 and the forger's submission.
async fn hostile_jobs(net: &mut Network, evaluators: &[AccountId32], corpus: u32) -> Hostile {
	let huge_batch =
		net.post_job(BYTE_MODEL, &["--windows", "40,40,20,20", "--batch-tokens", "65536"]);
	let nowhere = datasets::unserved(net).await.to_string();
	let no_data = net.post_job(BYTE_MODEL, &["--windows", "40,40,20,20", "--dataset", &nowhere]);

	// The forger submits, on its own, a candidate with a NaN weight and a manifest of one step
	// claimed as forty.
	let forger = account(FORGER);
	let at = net.at().await;
	let forger_stake = net.chain.active_stake(&at, &forger).await.unwrap();
	let mut before = Vec::new();
	for e in evaluators {
		before.push((e.clone(), net.chain.active_stake(&at, e).await.unwrap()));
	}
	let mut heartbeats = Vec::new();
	for e in evaluators {
		heartbeats.push(net.chain.worker(&at, e).await.unwrap().unwrap().last_heartbeat);
	}
	let forged = forge_submission(net, &at, corpus).await;
	eprintln!(
		"[e2e] 4: jobs {huge_batch} (huge batch), {no_data} (no data) posted; job {forged} forged"
	);
	Hostile { huge_batch, no_data, forged, forger, forger_stake, evaluators: before, heartbeats }
}

/// Submit, as the forger, a NaN candidate with a forged manifest; returns its job id.
async fn forge_submission(net: &Network, at: &At, corpus: u32) -> u64 {
	use aiblock_compute::{
		genesis::GenesisModel,
		job::{JobConfig, Model},
		model::{BlockId, Weights},
		train::{Checkpoint, Manifest, TrainConfig},
	};
	use aiblock_worker::{
		store::{put_block, put_file},
		train::{OrderData, TrainOrder},
	};
	let store = IpfsStore::new(&net.ipfs).unwrap();
	let genesis = GenesisModel::development();
	let mut weights = Weights::genesis(genesis.spec, genesis.weight_seed).unwrap();
	let name = weights.block(BlockId::Shared).keys().next().unwrap().clone();
	weights.tensors.get_mut(&name).unwrap().data[0] = f32::NAN;
	let candidate = put_block(&store, &Model::Byte(weights), BlockId::Shared).unwrap();
	let data = genesis.source.generate(1 << 16, 0).bytes;
	let dataset = store.put(&data).unwrap();
	let config = JobConfig::Byte(TrainConfig {
		seed: 4,
		batch_tokens: 256,
		lr: 0.01,
		checkpoint_every: 10,
		..TrainConfig::default()
	});
	let order = TrainOrder {
		blocks: vec![BlockId::Shared],
		datasets: vec![OrderData { id: corpus, cid: dataset.as_bytes().to_vec(), parts: 1 }],
		config,
		steps: 40,
	};
	let one_step = Checkpoint { step: 1, state: [7; 32], loss_bits: 0 };
	let start = Checkpoint { step: 0, state: [0; 32], loss_bits: 0 };
	let mut manifest = Manifest::new(
		vec![dataset.to_string()],
		vec![BlockId::Shared],
		config,
		start,
		vec![one_step; 4],
	);
	manifest.mix = vec![1];
	let manifest_pointer = put_file(&store, manifest.to_json().to_string().as_bytes()).unwrap();
	let base = net.current_shared(at).await;
	let windows = chain::Windows { accept: 1, submit: 1, commit: 20, reveal: 20 };
	let slot = chain::JobSlot { kind: chain::BlockKind::Shared, base };
	let spec = aiblock_worker::run::job_spec(&order, (0, vec![slot]), 3, windows, false);
	let signer = chain::load_signer(Some(FORGER), None, true).unwrap();
	let forger = Chain::connect(&net.node_url, signer, Duration::from_secs(30)).await.unwrap();
	let revision = forger.model_revision(at, 0).await.unwrap();
	// The forger seals a claim it never reveals: the failed replays decide before the claim
	// would.
	let sealed = aiblock_primitives::jobs::claim_commitment(
		&forger.account().0,
		&aiblock_primitives::H256(manifest_pointer.hash),
		1,
		&[0xf0; 32],
	);
	let call = runtime::transactions().jobs().submit_candidate(
		spec,
		runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(vec![
			aiblock_worker::run::payload(&candidate),
		]),
		H256(sealed.0),
		aiblock_worker::run::payload(&manifest_pointer),
		H256(manifest.root),
		runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(Vec::new()),
		revision,
	);
	let events = forger.submit("jobs.submit_candidate", &call).await.unwrap();
	events
		.find_first::<runtime::jobs::events::ResultSubmitted>()
		.and_then(Result::ok)
		.map(|e| e.job)
		.expect("ResultSubmitted")
}

impl Hostile {
	/// Wait for the forged submission's verdict and check everything scenario 4 promises.
	async fn judged(&self, net: &Network, collateral: u128) {
		let (done, _, _, end) = net.settled(self.forged, 1, Duration::from_secs(300)).await;
		assert!(!done.adopted && done.refuted, "the forged submission is refuted: {done:?}");
		let at = net.chain.api.at_block(end).await.unwrap();
		let stake = net.chain.active_stake(&at, &self.forger).await.unwrap();
		assert_eq!(stake, self.forger_stake - collateral, "the forger lost its collateral");
		for (i, (e, before)) in self.evaluators.iter().enumerate() {
			let now = net.chain.active_stake(&at, e).await.unwrap();
			assert_eq!(now, *before, "evaluator {i} was not slashed");
		}
		// Heartbeats went on while the evaluators judged (every 20 blocks).
		let (chain, evaluators, beats) =
			(net.chain.clone(), self.evaluators.clone(), self.heartbeats.clone());
		net.wait_for("evaluators heartbeat", Duration::from_secs(180), |at| {
			let (chain, evaluators, beats) = (chain.clone(), evaluators.clone(), beats.clone());
			async move {
				for ((e, _), before) in evaluators.iter().zip(&beats) {
					let beat = chain.worker(&at, e).await.unwrap()?.last_heartbeat;
					if beat <= *before {
						return None;
					}
				}
				Some(())
			}
		})
		.await;
		// Both hostile jobs were declined with a reason, by the trainer that completed job 3.
		let log = net.procs.log("finisher");
		for (job, why) in [(self.huge_batch, "--max-memory"), (self.no_data, "cannot be fetched")] {
			let line = log.lines().find(|l| l.contains(&format!("job {job}: declined")));
			assert!(
				line.is_some_and(|l| l.contains(why)),
				"job {job} declined for '{why}':\n{log}"
			);
		}
		let refused = net.procs.log("evaluator0");
		assert!(refused.contains(&format!("job {}: score", self.forged)), "{refused}");
		eprintln!(
			"[e2e] 4: hostile jobs {} and {} declined; forged job {} refuted, forger slashed {} AIB, no evaluator slashed",
			self.huge_batch, self.no_data, self.forged, collateral / UNIT
		);
	}
}

/// Scenario 5: a client posts a job on the newest model, the genesis transformer (model 1), with
/// the CLI's default data for it: a set of two slots, its shared block (embedding, final norm,
/// head) and its last layer's attention, trained together on tinyshakespeare's training split.
/// The trainer trains them, three evaluators score the candidates on the validation split and
/// replay drawn segments, and the chain adopts both.
async fn shakespeare_job(net: &Network, corpus: u32) -> Vec<H256> {
	let at = net.at().await;
	let start = at.block_number();
	let genesis = net.chain.current_blocks(&at, 1).await.unwrap();
	let genesis_score = genesis[0].2.score.expect("genesis blocks are scored");
	let posted = Instant::now();
	let id = net.post_job(
		None,
		&[
			"--block",
			"shared,layer3.attention",
			"--seed",
			"5",
			"--lr",
			"0.003",
			"--batch-tokens",
			"256",
			// Scoring the 111,540 bytes of Shakespeare through the whole model takes the
			// reference worker 10 blocks: the commit window's minimum is 21.
			"--windows",
			"40,40,30,20",
		],
	);
	let at = net.at().await;
	let job = net.chain.job(&at, id).await.unwrap().expect("posted");
	assert_eq!(job.spec.model, 1, "post-job picks the newest model workers can train");
	let datasets: Vec<u32> = job.spec.datasets.0.iter().map(|d| d.id).collect();
	assert_eq!(datasets, [corpus], "and the approved Shakespeare split, its default corpus");
	assert_eq!(job.spec.slots.0.len(), 2);
	let training =
		aiblock_compute::store::cid_of(aiblock_compute::genesis::GenesisTransformer::training());
	let (done, _, _, end) = net.settled(id, start + 1, Duration::from_secs(480)).await;
	assert!(done.adopted && !done.refuted, "the transformer's candidate is adopted: {done:?}");
	let at = net.chain.api.at_block(end).await.unwrap();
	let blocks = net.chain.current_blocks(&at, 1).await.unwrap();
	let (kind, current, record) = &blocks[0];
	assert!(matches!(kind, chain::BlockKind::Shared));
	assert_eq!(*current, done.candidates.0[0], "model 1's shared slot holds the adopted block");
	let attention = blocks.iter().find(|(k, ..)| *k == chain::BlockKind::Attention { layer: 3 });
	assert_eq!(attention.map(|b| b.1), Some(done.candidates.0[1]), "and its layer 3 attention");
	let score = record.score.expect("an adopted block is scored");
	let model = net.chain.model(&at, 1).await.unwrap();
	assert!(
		score + model.delta <= genesis_score,
		"adopted only with a gain of delta: {score} after {genesis_score}"
	);
	let store = IpfsStore::new(&net.ipfs).unwrap();
	assert!(store.has(&training).unwrap(), "the training split is served");
	let file = pointer(&record.header.payload);
	fetch_block(&store, "adopted transformer block", &file, file.size).unwrap();
	eprintln!(
		"[e2e] 5: Shakespeare job {id} adopted {:?}: validation loss {:.3} -> {:.3} nats/byte, \
		 {:.0} s from posting to verdict",
		done.candidates.0[0],
		f64::from(genesis_score) / 1e6,
		f64::from(score) / 1e6,
		posted.elapsed().as_secs_f64()
	);
	done.candidates.0
}

/// Scenario 5, last: `import-model` registers a small transformer as model 2 (MAJOR version 3);
/// Eve, who is not the sudo key, is refused first. The earlier models stay readable.
async fn import_transformer(net: &Network) {
	use aiblock_compute::transformer::{files, genesis, TransformerSpec};
	let folder = net.dir.join("transformer");
	files::save(&folder, &genesis(TransformerSpec::TINY, 5).unwrap()).unwrap();
	let validation = net.dir.join("validation.txt");
	// A line tinyshakespeare does not hold: scenario 7 trains this model on it.
	let line = b"Tomorrow, and tomorrow, and tomorrow, creeps in this petty pace from day to day\n";
	std::fs::write(&validation, line.repeat(18)).unwrap();
	let import = |suri: &str| {
		let data_dir = net.dir.join("importer");
		let args = [
			"import-model",
			"--node",
			&net.node_url,
			"--dev",
			"--suri",
			suri,
			"--ipfs",
			&net.ipfs,
			"--data-dir",
			data_dir.to_str().unwrap(),
			"--model",
			folder.to_str().unwrap(),
			"--validation",
			validation.to_str().unwrap(),
			"--backend",
			"cpu",
		];
		Command::new(&net.worker).args(args).output().unwrap()
	};
	// Eve, the client, signs nothing else meanwhile (a worker's key could collide with the
	// worker's own pending transaction in the pool).
	let refused = import("//Eve");
	let stderr = String::from_utf8_lossy(&refused.stderr);
	assert_eq!(refused.status.code(), Some(2), "a non-sudo import fails: {stderr}");
	assert!(
		stderr.contains("neither the sudo key nor a council member"),
		"the refusal says who may import: {stderr}"
	);

	let out = import("//Alice");
	let stdout = String::from_utf8_lossy(&out.stdout);
	assert!(
		out.status.success(),
		"import-model failed: {stdout}{}",
		String::from_utf8_lossy(&out.stderr)
	);
	let at = net.at().await;
	let (index, spec) = net.chain.latest_model(&at).await.unwrap();
	assert_eq!(index, 2, "{stdout}");
	assert_eq!(spec.architecture.0, b"aiblock-mixtral-v1");
	assert_eq!((spec.version.major, spec.version.minor, spec.context), (3, 0, 32));
	let attention = spec.attention.expect("a transformer has attention");
	assert_eq!((attention.heads, attention.kv_heads, attention.head_dim), (4, 2, 8));
	let blocks = net.chain.current_blocks(&at, 2).await.unwrap();
	assert_eq!(blocks.len(), 1 + 2 * (1 + 1 + 4));
	let attention_blocks =
		blocks.iter().filter(|(kind, ..)| matches!(kind, chain::BlockKind::Attention { .. }));
	assert_eq!(attention_blocks.count(), 2);
	let store = IpfsStore::new(&net.ipfs).unwrap();
	for (kind, _, record) in &blocks {
		let file = pointer(&record.header.payload);
		let fetched = fetch_block(&store, &format!("{kind:?}"), &file, file.size).unwrap();
		assert_eq!(fetched.len() as u64, file.size);
	}
	let validation_cid = aiblock_compute::store::Cid::from_bytes(&spec.validation_dataset.0);
	assert!(store.has(&validation_cid.unwrap()).unwrap(), "the validation set is served");
	assert_eq!(net.chain.current_blocks(&at, 0).await.unwrap().len(), 1 + 2 * (1 + 4));
	assert_eq!(net.chain.current_blocks(&at, 1).await.unwrap().len(), 1 + 4 * (1 + 1 + 4));
	eprintln!("[e2e] 5: transformer imported as model 2: {}", stdout.trim());
}
