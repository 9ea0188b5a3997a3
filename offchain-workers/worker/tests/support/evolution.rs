//! Scenario 7 of `e2e`, last: two evolution epochs grow model 2 (the small transformer scenario 5
//! imported, untrained) with real workers. The test chain's epochs are short
//! ([`super::EPOCH_WINDOWS`]).
//!
//! 1. Ferdie proposes doubling its experts (`epoch propose --wait`), trained 60 steps on the
//!    Shakespeare split, with a registered text held out. The finisher's worker, restarted with
//!    `--epoch-bid`, wins the training, grows the model from the pinned blocks, trains and
//!    submits it; the three evaluators rebuild it, replay the drawn segments, score it on the
//!    validation and held-out sets and reveal. It is promoted: model 3, MAJOR version 4, eight
//!    experts per layer, the manifest recorded as the migration block from 2 to 3; the
//!    proposer, trainer and panel earn their credits; `serve` answers from model 3.
//! 2. Ferdie proposes adding a layer trained for two steps at a tiny learning rate: the panel
//!    measures too little gain, the epoch is rejected, nothing is registered, and the credits
//!    locked for it come back.

use super::{account, Network};
use aiblock_worker::{
	chain::{self, runtime, At},
	evolve::chain::{Outcome, Phase},
};
use serde_json::{json, Value};
use std::{
	collections::BTreeMap,
	process::Command,
	time::{Duration, Instant},
};
use subxt::utils::AccountId32;

const PROPOSER: &str = "//Ferdie";
/// The trainer of the epochs: scenario 3's finisher, which has credits from its adoptions.
const GROWER: &str = "//Charlie//stash";

/// Run the CLI with the chain and store options; its stdout.
fn cli(net: &Network, args: &[&str], suri: &str, data: &str) -> String {
	let data = net.dir.join(data);
	let out = Command::new(&net.worker)
		.args(args)
		.args(["--node", &net.node_url, "--dev", "--suri", suri, "--ipfs", &net.ipfs])
		.args(["--data-dir", data.to_str().unwrap()])
		.output()
		.unwrap();
	let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
	assert!(
		out.status.success(),
		"{args:?} failed: {stdout}{}",
		String::from_utf8_lossy(&out.stderr)
	);
	stdout
}

/// Ferdie's `epoch propose` of `growth_and_recipe` on `dataset`, holding out `held_out`, in the
/// next proposing window; its stdout.
fn propose(net: &Network, growth_and_recipe: &[&str], dataset: &str, held_out: &str) -> String {
	let datasets = ["--dataset", dataset, "--held-out", held_out, "--wait"];
	let args = [&["epoch", "propose"][..], growth_and_recipe, &datasets[..]].concat();
	cli(net, &args, PROPOSER, "proposer")
}

/// The word after `word` in `text`, parsed.
fn after<T: std::str::FromStr>(text: &str, word: &str) -> T {
	text.split_whitespace()
		.skip_while(|w| *w != word)
		.nth(1)
		.and_then(|v| v.trim_end_matches(':').parse().ok())
		.unwrap_or_else(|| panic!("no '{word} N' in {text:?}"))
}

async fn credits(net: &Network, at: &At, who: &AccountId32) -> (u64, u64) {
	net.chain.credits(at, who).await.unwrap()
}

/// Wait until epoch `epoch` has closed (found in its `EpochClosed` event, from block `from`
/// on: finality may pass over a short cleanup between two polls); its outcome and the block
/// it closed in.
async fn closed(net: &Network, epoch: u32, from: u64, limit: Duration) -> (Outcome, u64) {
	let chain = net.chain.clone();
	let now = net
		.wait_for(&format!("epoch {epoch} closed"), limit, |at| {
			let chain = chain.clone();
			async move {
				let now = chain.epoch(&at).await.unwrap()?;
				let over = now.index > epoch
					|| (now.index == epoch && matches!(now.phase, Phase::Cleanup { .. }));
				over.then(|| at.block_number())
			}
		})
		.await;
	for n in from..=now {
		let at = net.chain.api.at_block(n).await.unwrap();
		let events = at.events().fetch().await.unwrap();
		for closed in events.find::<runtime::evolution::events::EpochClosed>() {
			let closed = closed.unwrap();
			if closed.epoch == epoch {
				return (closed.outcome, n);
			}
		}
	}
	panic!("no EpochClosed for epoch {epoch} in blocks {from}..={now}")
}

/// What an epoch left in the events of blocks `from..=to`.
#[derive(Default)]
struct EpochEvents {
	submitted: Option<runtime::evolution::events::MigrationSubmitted>,
	promoted: Option<runtime::evolution::events::MigrationPromoted>,
	recorded: Option<runtime::expert_dag::events::MigrationRecorded>,
}

async fn epoch_events(net: &Network, from: u64, to: u64) -> EpochEvents {
	let mut found = EpochEvents::default();
	for n in from..=to {
		let at = net.chain.api.at_block(n).await.unwrap();
		let events = at.events().fetch().await.unwrap();
		if let Some(e) = events.find_first() {
			found.submitted = found.submitted.or(Some(e.unwrap()));
		}
		if let Some(e) = events.find_first() {
			found.promoted = found.promoted.or(Some(e.unwrap()));
		}
		if let Some(e) = events.find_first() {
			found.recorded = found.recorded.or(Some(e.unwrap()));
		}
	}
	found
}

pub async fn two_epochs(
	net: &mut Network,
	server: &str,
	evaluators: &[AccountId32],
	shakespeare: u32,
) {
	let (ferdie, grower) = (account(PROPOSER), account(GROWER));
	// The held-out text: never in any recipe, registered through Sudo.
	let held_out_file = net.dir.join("held-out.txt");
	std::fs::write(
		&held_out_file,
		b"Is this a dagger which I see before me, the handle toward my hand?\n".repeat(30),
	)
	.unwrap();
	let registered = cli(
		net,
		&[
			"dataset",
			"register",
			held_out_file.to_str().unwrap(),
			"--name",
			"held-out",
			"--license",
			"CC0-1.0",
		],
		"//Alice",
		"registrar",
	);
	let held_out: u32 = after(&registered, "dataset");
	net.procs.kill("finisher");
	net.start_worker("grower", GROWER, "trainer", &["--epoch-bid", "10"]);
	let at = net.at().await;
	let (parent, parent_spec) = net.chain.latest_model(&at).await.unwrap();
	assert_eq!(parent, 2, "scenario 5 imported model 2");
	assert!(credits(net, &at, &ferdie).await.0 >= 100, "the proposer's credits from scenario 1");
	assert!(credits(net, &at, &grower).await.0 >= 10, "the trainer's credits from its adoptions");
	let parent_score =
		net.chain.current_blocks(&at, parent).await.unwrap()[0].2.score.expect("scored");
	let watched: Vec<AccountId32> =
		[vec![ferdie.clone(), grower.clone()], evaluators.to_vec()].concat();
	let mut before = Vec::new();
	for who in &watched {
		before.push(credits(net, &at, who).await);
	}

	// 1. Doubling the experts: promoted.
	let started = Instant::now();
	let shakespeare = shakespeare.to_string();
	let held = held_out.to_string();
	let recipe = ["--batch-tokens", "256", "--lr", "0.01", "--checkpoint-every", "20"];
	let growth = ["--growth", "double-experts", "--noise", "0.01", "--steps", "60"];
	let proposed = propose(net, &[&growth[..], &recipe[..]].concat(), &shakespeare, &held);
	let epoch: u32 = after(&proposed, "epoch");
	let from = net.at().await.block_number();
	let (outcome, end) = closed(net, epoch, from, Duration::from_secs(600)).await;
	assert_eq!(outcome, Outcome::Promoted { model: 3 }, "the doubled model is promoted");
	let at = net.chain.api.at_block(end).await.unwrap();
	let (newest, spec) = net.chain.latest_model(&at).await.unwrap();
	assert_eq!(newest, 3);
	assert_eq!((spec.experts, spec.top_k), (2 * parent_spec.experts, 2 * parent_spec.top_k));
	assert_eq!(spec.version.major, parent_spec.version.major + 1, "a MAJOR version");
	assert_eq!(spec.generation, parent_spec.generation + 1);
	let blocks = net.chain.current_blocks(&at, 3).await.unwrap();
	assert_eq!(blocks.len() as u32, 1 + u32::from(spec.layers) * (2 + u32::from(spec.experts)));
	let events = epoch_events(net, from, end).await;
	let submitted = events.submitted.expect("MigrationSubmitted");
	assert_eq!(submitted.trainer, grower, "the bidding worker trained it");
	let recorded = events.recorded.expect("MigrationRecorded");
	assert_eq!((recorded.from, recorded.to), (2, 3), "the lineage: model 2 grew into model 3");
	let record = net.chain.block(&at, recorded.id).await.unwrap().expect("the migration block");
	assert!(matches!(record.header.kind, chain::BlockKind::Migration));
	assert_eq!(record.header.payload, submitted.manifest, "the training manifest");
	let promoted = events.promoted.expect("MigrationPromoted");
	let (validation, held_out_score) = (promoted.validation, promoted.held_out);
	assert!(
		u64::from(validation) * 100 <= u64::from(parent_score) * 85,
		"15 % better on validation: {validation} after {parent_score}"
	);
	let mut after_first = Vec::new();
	for who in &watched {
		after_first.push(credits(net, &at, who).await);
	}
	assert_eq!(after_first[0], (before[0].0 + 200, 0), "the proposer: 200 credits, deposit back");
	assert_eq!(after_first[1], (before[1].0 + 1_000, 0), "the trainer: 1,000 credits, bid back");
	for (i, _) in evaluators.iter().enumerate() {
		assert_eq!(after_first[2 + i].0, before[2 + i].0 + 25, "evaluator {i}'s benchmark credits");
	}
	eprintln!(
		"[e2e] 7: epoch {epoch} promoted model 3 ({}.{}.{}, {} experts): validation {:.3} -> {:.3} \
		 nats/token, held-out median {:.3}, {:.0} s from proposal to promotion",
		spec.version.major,
		spec.version.minor,
		spec.version.patch,
		spec.experts,
		f64::from(parent_score) / 1e6,
		f64::from(validation) / 1e6,
		f64::from(held_out_score) / 1e6,
		started.elapsed().as_secs_f64()
	);
	served_from(net, server, &at, 3).await;

	// 2. A layer added and barely trained: too little gain, rejected, credits back.
	let barely = ["--growth", "add-layers:1", "--steps", "2", "--batch-tokens", "64"];
	let recipe = ["--lr", "0.0001", "--checkpoint-every", "1"];
	let proposed = propose(net, &[&barely[..], &recipe[..]].concat(), &shakespeare, &held);
	let epoch: u32 = after(&proposed, "epoch");
	let from = net.at().await.block_number();
	let (outcome, end) = closed(net, epoch, from, Duration::from_secs(600)).await;
	let Outcome::Rejected { verdict } = &outcome else { panic!("rejected, not {outcome:?}") };
	assert!(format!("{verdict:?}").starts_with("TooLittleGain"), "{verdict:?}");
	let at = net.chain.api.at_block(end).await.unwrap();
	assert_eq!(net.chain.latest_model(&at).await.unwrap().0, 3, "nothing registered");
	assert_eq!(credits(net, &at, &ferdie).await, after_first[0], "the deposit came back");
	assert_eq!(credits(net, &at, &grower).await, after_first[1], "the bid came back");
	eprintln!("[e2e] 7: epoch {epoch} rejected: {verdict:?}; the locked credits returned");
}

/// `serve` (started in scenario 6, following the newest transformer) answers from `model`'s
/// current blocks.
async fn served_from(net: &Network, base: &str, at: &At, model: u32) {
	let hex = |id: &chain::H256| aiblock_worker::serve::model::hex(&id.0);
	let current: BTreeMap<String, String> = net
		.chain
		.current_blocks(at, model)
		.await
		.unwrap()
		.iter()
		.filter_map(|(kind, id, _)| Some((aiblock_worker::run::block_id(kind)?.name(), hex(id))))
		.collect();
	let started = Instant::now();
	loop {
		let health: Value = super::serving::get(&format!("{base}/health")).unwrap_or_default();
		let name = health["model"]
			.as_str()
			.unwrap_or_default()
			.split('@')
			.next()
			.unwrap_or_default()
			.to_string();
		if !name.is_empty() {
			let body =
				json!({"model": name, "prompt": "ROMEO:", "max_tokens": 16, "temperature": 0});
			let answer = super::serving::post(&format!("{base}/v1/completions"), &body);
			if super::serving::named_blocks(&answer) == current {
				eprintln!(
					"[e2e] 7: serve answers from model {model}: {:?}",
					answer["choices"][0]["text"]
				);
				return;
			}
		}
		assert!(
			started.elapsed() < Duration::from_secs(120),
			"serve did not switch to model {model}"
		);
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
}
