//! `aiblock-worker dataset …`: a dataset's life from the command line. `check` measures a file
//! as the auditors will; `propose` puts it into the store and proposes it (with the proof of
//! work); `register` enters one as approved through Sudo (development chains); `status` and
//! `list` read the registry; `vote` and `advance` are a worker's and anyone's part.

use crate::{connect, connect_to_read, open_store, ChainArgs};
use aiblock_primitives::datasets::{proposal_commitment, AuditRules, Rejection, CHUNK_BYTES};
use aiblock_worker::{
	audit::{DuplicateIndex, Inspection, MIN_DUPLICATE_LINE},
	auditing::license_text,
	chain::{self, convert, runtime, Chain, DatasetStatus},
	governance::Governed,
	proposal::{meta_of, parse_version, proof_of_work, proposal_salt, Described},
	WorkerError,
};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum DatasetCommand {
	/// Measure a file as the auditors will before proposing it: its CID, size and Merkle root
	/// (what the proposal states), the share of lines holding personal data, the share of
	/// lines copied from approved datasets, the toxicity proxy, what its license allows, and
	/// whether the automatic rules would reject it. Exits 0 when they pass, 1 when they
	/// reject. Example:
	///   aiblock-worker dataset check tinyshakespeare.txt --license CC0-1.0
	#[command(verbatim_doc_comment)]
	Check(CheckArgs),
	/// Propose a file as a dataset: it goes into the store (pinned), its CID, Merkle root and
	/// sample hashes are computed, the proof of work the chain asks for is found (about a
	/// second), a commitment to the proposal (a hash with a secret salt) is submitted, and
	/// once it is final `propose_dataset` reveals the proposal: a copy of it read in the
	/// transaction pool has a newer commitment and loses the dataset to it. The salt is
	/// derived from the key and the data, so running the command again after an interruption
	/// opens the commitment already made.
	/// Auditors are drawn the next block; then registered workers vote. Example:
	///   aiblock-worker dataset propose tinyshakespeare.txt --name tinyshakespeare \
	///       --license CC0-1.0 --dev --suri //Ferdie
	#[command(verbatim_doc_comment)]
	Propose(ProposeArgs),
	/// Enter a file as an approved dataset without audit or vote: at once with the sudo key
	/// (development chains), or as a council motion this key votes for (a council member).
	Register(RegisterArgs),
	/// A dataset's metadata and where it is in the pipeline.
	Status(StatusArgs),
	/// Every dataset, one line each.
	List(ChainArgs),
	/// Vote on a dataset being voted on (registered workers, one vote each).
	Vote(VoteArgs),
	/// Move a dataset on once its audit or vote window is over (anyone may).
	Advance(StatusArgs),
}

#[derive(Args)]
pub struct CheckArgs {
	/// The dataset: a file, or a directory (its files in path order, each ending with a
	/// newline, make one dataset).
	file: PathBuf,
	/// Its license, an SPDX expression (`CC0-1.0`, `MIT OR Apache-2.0`).
	#[arg(long)]
	license: String,
	/// Datasets already approved, to measure duplicated lines against (repeatable).
	#[arg(long)]
	approved: Vec<PathBuf>,
}

#[derive(Args)]
pub struct Describe {
	/// The dataset: a file, or a directory (its files in path order, each ending with a
	/// newline, make one dataset).
	file: PathBuf,
	/// Its name (UTF-8, at most 64 bytes).
	#[arg(long)]
	name: String,
	/// Its license, an SPDX expression (`CC0-1.0`, `MIT OR Apache-2.0`).
	#[arg(long)]
	license: String,
	/// Its version, MAJOR.MINOR.PATCH.
	#[arg(long, default_value = "1.0.0")]
	version: String,
	/// Datasets it was derived from (ids, comma-separated): its lineage.
	#[arg(long, value_delimiter = ',')]
	derived_from: Vec<u32>,
}

#[derive(Args)]
pub struct ProposeArgs {
	#[command(flatten)]
	chain: ChainArgs,
	#[command(flatten)]
	describe: Describe,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TierArg {
	Gold,
	Silver,
	Experimental,
}

#[derive(Args)]
pub struct RegisterArgs {
	#[command(flatten)]
	chain: ChainArgs,
	#[command(flatten)]
	describe: Describe,
	#[arg(long, value_enum, default_value = "gold")]
	tier: TierArg,
	/// The data contributor its rewards go to (SS58; default: the signing account).
	#[arg(long)]
	proposer: Option<String>,
}

#[derive(Args)]
pub struct StatusArgs {
	#[command(flatten)]
	chain: ChainArgs,
	/// The dataset's id.
	id: u32,
}

#[derive(Args)]
pub struct VoteArgs {
	#[command(flatten)]
	chain: ChainArgs,
	/// The dataset's id.
	id: u32,
	/// Vote to approve it.
	#[arg(long, conflicts_with = "nay", required_unless_present = "nay")]
	aye: bool,
	/// Vote to reject it.
	#[arg(long)]
	nay: bool,
}

/// Run a `dataset` command; Ok(false) when `check`'s rules reject.
pub async fn dataset(command: DatasetCommand) -> Result<bool, WorkerError> {
	match command {
		DatasetCommand::Check(args) => check(args),
		DatasetCommand::Propose(args) => propose(args).await.map(|()| true),
		DatasetCommand::Register(args) => register(args).await.map(|()| true),
		DatasetCommand::Status(args) => status(args).await.map(|()| true),
		DatasetCommand::List(args) => list(args).await.map(|()| true),
		DatasetCommand::Vote(args) => vote(args).await.map(|()| true),
		DatasetCommand::Advance(args) => advance(args).await.map(|()| true),
	}
}

fn read(path: &PathBuf) -> Result<Vec<u8>, WorkerError> {
	let cannot =
		|e: std::io::Error| WorkerError::Usage(format!("cannot read {}: {e}", path.display()));
	if !path.is_dir() {
		return std::fs::read(path).map_err(cannot);
	}
	let files = aiblock_worker::proposal::files_in(path).map_err(cannot)?;
	let bytes = aiblock_worker::proposal::concatenate(&files).map_err(cannot)?;
	println!("directory      {} files, {} bytes, in path order", files.len(), bytes.len());
	Ok(bytes)
}

/// Print the measures and the automatic rules' verdict; Ok(true) when they pass.
fn check(args: CheckArgs) -> Result<bool, WorkerError> {
	let bytes = read(&args.file)?;
	let mut index = DuplicateIndex::default();
	for path in &args.approved {
		index.add(&read(path)?);
	}
	let inspection = Inspection::of(&bytes, &args.license, &index);
	let c = &inspection.commitment;
	let pd = &inspection.personal_data;
	println!("file           {}", args.file.display());
	println!("cid            {}", inspection.cid);
	println!(
		"size           {} bytes, {} chunks of {} KiB",
		c.size,
		c.leaves.len(),
		CHUNK_BYTES / 1024
	);
	println!("merkle root    {:?}", c.merkle_root);
	println!(
		"personal data  {} of {} lines ({} ppm): {} email, {} card, {} phone, {} national id",
		pd.flagged,
		pd.lines,
		pd.ppm(),
		pd.emails,
		pd.cards,
		pd.phones,
		pd.national_ids
	);
	println!(
		"duplicates     {} ppm of lines of {MIN_DUPLICATE_LINE}+ bytes, against {} approved file(s)",
		inspection.duplicate_ppm,
		args.approved.len()
	);
	println!("license        {}: {}", args.license, license_text(&inspection.license));
	println!("toxicity       {} ppm of lines (the lexicon proxy)", inspection.toxicity_ppm);
	println!("learning value measured by the auditors on the chain's model");
	match AuditRules::SEED.judge(&inspection.report()) {
		Ok(()) => {
			println!("verdict        passes the automatic rules; the vote decides the tier");
			Ok(true)
		},
		Err(reason) => {
			println!("verdict        rejected by the automatic rules: {}", why(reason));
			Ok(false)
		},
	}
}

fn why(reason: Rejection) -> String {
	match reason {
		Rejection::PersonalData(ppm) => {
			format!("personal data in {ppm} ppm of lines (above 10,000)")
		},
		Rejection::Duplicates(ppm) => format!("{ppm} ppm of lines duplicated (above 950,000)"),
		Rejection::Toxicity(ppm) => format!("flagged content in {ppm} ppm of lines"),
		Rejection::UnknownLicense => "a license the auditors do not know".into(),
		Rejection::ForbiddenLicense => "a license that forbids training".into(),
		other => format!("{other:?}"),
	}
}

/// The file's bytes, put into the store (pinned), and its metadata as the chain takes it.
fn prepare(
	chain_args: &ChainArgs,
	describe: &Describe,
) -> Result<aiblock_primitives::datasets::DatasetMeta, WorkerError> {
	use aiblock_compute::store::ContentStore;
	let bytes = read(&describe.file)?;
	let version = parse_version(&describe.version).ok_or_else(|| {
		WorkerError::Usage(format!("--version {}: not MAJOR.MINOR.PATCH", describe.version))
	})?;
	let store = open_store(&chain_args.store)?;
	let cid = store.put(&bytes)?;
	store.pin(&cid)?;
	let described = Described {
		name: describe.name.clone(),
		version,
		license: describe.license.clone(),
		derived_from: describe.derived_from.clone(),
	};
	meta_of(&bytes, &cid, &described)
}

async fn propose(args: ProposeArgs) -> Result<(), WorkerError> {
	let meta = prepare(&args.chain, &args.describe)?;
	let chain = connect(&args.chain).await?;
	let at = chain.finalized().await?;
	if let Some(id) = chain.dataset_by_content(&at, chain::H256(meta.merkle_root.0)).await? {
		return Err(WorkerError::Usage(format!(
			"this content is already dataset {id} (`aiblock-worker dataset status {id}`)"
		)));
	}
	let difficulty = at
		.constants()
		.entry(runtime::constants().datasets().pow_difficulty())
		.map_err(|e| WorkerError::Node(format!("Datasets.PowDifficulty: {e}")))?;
	println!("proof of work  {difficulty} leading zero bits …");
	let proposer = chain.account().0;
	let pow_meta = meta.clone();
	let (nonce, seconds) =
		tokio::task::spawn_blocking(move || proof_of_work(&proposer, &pow_meta, difficulty))
			.await
			.map_err(|e| WorkerError::Compute(format!("the proof of work stopped: {e}")))?;
	println!("proof of work  nonce {nonce} in {seconds:.1} s");
	// Committed in a block before the proposal's: whoever copies the proposal out of the pool
	// commits too late.
	let salt = proposal_salt(&chain.signer, &meta);
	let commitment = proposal_commitment(&chain.account().0, &meta, &salt);
	let commit = runtime::transactions().datasets().commit_proposal(chain::H256(commitment.0));
	match chain.submit("datasets.commit_proposal", &commit).await {
		Ok(_) => println!("committed      {commitment:?}; proposing …"),
		// The salt is derived, not drawn: a rerun (or a resubmission that had landed) finds
		// its own commitment on chain and opens it.
		Err(WorkerError::Refused(why)) if why.contains("ProposalAlreadyCommitted") => {
			println!("committed      {commitment:?} already (an earlier run); proposing …")
		},
		Err(e) => return Err(e),
	}
	let call = runtime::transactions().datasets().propose_dataset(
		convert::meta(&meta),
		nonce,
		chain::H256(salt.0),
	);
	// A block holds a bounded number of proposals: a full one is retried in the next blocks
	// (the commitment keeps this proposal ahead of any copy of it meanwhile).
	let mut attempt = 1;
	let events = loop {
		match chain.submit("datasets.propose_dataset", &call).await {
			Err(WorkerError::Refused(why))
				if why.contains("TooManyProposalsThisBlock") && attempt < 5 =>
			{
				println!("this block is full of proposals; trying the next one");
				tokio::time::sleep(std::time::Duration::from_secs(6)).await;
				attempt += 1;
			},
			result => break result?,
		}
	};
	match events.find_first::<runtime::datasets::events::DatasetProposed>() {
		Some(Ok(proposed)) => println!(
			"dataset {} proposed: {} bytes, Merkle root {:?}; its auditors are drawn next block",
			proposed.id, proposed.size, proposed.merkle_root
		),
		_ => println!("proposed (no DatasetProposed event decoded)"),
	}
	Ok(())
}

async fn register(args: RegisterArgs) -> Result<(), WorkerError> {
	use runtime::runtime_types::{
		aiblock_primitives::datasets::Tier as ChainTier, aiblock_runtime::RuntimeCall,
		pallet_aiblock_datasets::pallet::Call as DatasetsCall,
	};
	let meta = prepare(&args.chain, &args.describe)?;
	let chain = connect(&args.chain).await?;
	let proposer = match &args.proposer {
		Some(text) => text
			.parse::<chain::AccountId>()
			.map_err(|e| WorkerError::Usage(format!("--proposer {text}: {e}")))?,
		None => chain.account(),
	};
	let tier = match args.tier {
		TierArg::Gold => ChainTier::Gold,
		TierArg::Silver => ChainTier::Silver,
		TierArg::Experimental => ChainTier::Experimental,
	};
	let call = RuntimeCall::Datasets(DatasetsCall::register_approved {
		meta: convert::meta(&meta),
		proposer,
		tier,
	});
	let events = match chain.govern("datasets.register_approved", call).await? {
		Governed::Dispatched(events) => events,
		Governed::Proposed(motion) => {
			println!("{motion}");
			return Ok(());
		},
	};
	match events.find_first::<runtime::datasets::events::DatasetRegistered>() {
		Some(Ok(done)) => println!("dataset {} registered as approved ({:?})", done.id, done.tier),
		_ => println!("registered (no DatasetRegistered event decoded)"),
	}
	Ok(())
}

fn tier_name(tier: &chain::Tier) -> &'static str {
	match tier {
		chain::Tier::Gold => "Gold",
		chain::Tier::Silver => "Silver",
		chain::Tier::Experimental => "Experimental",
	}
}

/// One line on where a dataset stands.
fn stage_text(status: &DatasetStatus<chain::AccountId, u32>) -> String {
	match status {
		DatasetStatus::Proposed => "proposed: auditors drawn next block".into(),
		DatasetStatus::Auditing { panel, commit_until, reveal_until } => format!(
			"auditing by {} auditors: commits until #{commit_until}, reveals until #{reveal_until}",
			panel.len()
		),
		DatasetStatus::Voting { until, ayes, nays, .. } => {
			format!("voting until #{until}: {ayes} aye, {nays} nay")
		},
		DatasetStatus::Approved { tier, .. } => format!("approved: {}", tier_name(tier)),
		DatasetStatus::Rejected { reason } => format!("rejected: {reason:?}"),
		DatasetStatus::Quarantined { tier } => format!("quarantined (was {})", tier_name(tier)),
	}
}

async fn status(args: StatusArgs) -> Result<(), WorkerError> {
	let chain = connect_to_read(&args.chain).await?;
	let at = chain.finalized().await?;
	let Some(d) = chain.dataset(&at, args.id).await? else {
		return Err(WorkerError::Usage(format!("no dataset {} on chain", args.id)));
	};
	let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
	let cid = aiblock_compute::store::Cid::from_bytes(&d.meta.cid.0)
		.map(|c| c.to_string())
		.unwrap_or_else(|_| "(not a CID)".into());
	let v = &d.meta.version;
	println!("dataset      {}", d.id);
	println!("name         {} {}.{}.{}", text(&d.meta.name.0), v.major, v.minor, v.patch);
	println!("license      {}", text(&d.meta.license.0));
	println!("content      {cid} ({} bytes, Merkle root {:?})", d.meta.size, d.meta.merkle_root);
	println!("proposer     {} at #{}", d.proposer, d.proposed_at);
	if !d.meta.derived_from.0.is_empty() {
		println!("derived from {:?}", d.meta.derived_from.0);
	}
	println!("stage        {}", stage_text(&d.status));
	let median = match &d.status {
		DatasetStatus::Voting { median, .. } | DatasetStatus::Approved { median, .. } => {
			Some(median)
		},
		_ => None,
	};
	if let Some(m) = median {
		println!(
			"audit        personal data {} ppm, duplicates {} ppm, toxicity {} ppm, learning value \
			 {} µnats/byte, {} chunks checked",
			m.pii_ppm, m.duplicate_ppm, m.toxicity_ppm, m.learning_value, m.chunks_checked
		);
	}
	Ok(())
}

async fn list(args: ChainArgs) -> Result<(), WorkerError> {
	let chain = connect_to_read(&args).await?;
	let at = chain.finalized().await?;
	for d in chain.datasets(&at).await? {
		println!(
			"{:<5} {:<24} {:>12} bytes  {}",
			d.id,
			String::from_utf8_lossy(&d.meta.name.0),
			d.meta.size,
			stage_text(&d.status)
		);
	}
	Ok(())
}

async fn vote(args: VoteArgs) -> Result<(), WorkerError> {
	let chain = connect(&args.chain).await?;
	let call = runtime::transactions().datasets().vote(args.id, args.aye);
	chain.submit("datasets.vote", &call).await?;
	println!("voted {} on dataset {}", if args.aye { "aye" } else { "nay" }, args.id);
	Ok(())
}

async fn advance(args: StatusArgs) -> Result<(), WorkerError> {
	let chain: Chain = connect(&args.chain).await?;
	chain.submit("datasets.advance", &runtime::transactions().datasets().advance(args.id)).await?;
	let at = chain.finalized().await?;
	if let Some(d) = chain.dataset(&at, args.id).await? {
		println!("dataset {}: {}", args.id, stage_text(&d.status));
	}
	Ok(())
}
