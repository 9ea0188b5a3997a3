//! The auditor's side of the market: a worker drawn onto a claim's panel fetches the claim's
//! batch file, checks every sampled request against the client's signed receipt, replays it
//! at the receipt's state root and recounts its usage, commits to its verdict with a fresh salt
//! and reveals it once commits close; once the reveal window is over it settles the audit (a
//! server caught cheating would not).
//!
//! A sampled request is honest when:
//! * the batch has it, with the client's receipt for that request number on the claimed
//!   channel, signed by the client over this chain's genesis;
//! * the receipt's request hash is the hash of the request and the output in the batch: the
//!   client signed for exactly that answer;
//! * the answer's trail names weights whose state root is the one the client signed, and
//!   reads the client's request (its endpoint, input, sampling and stop sequences, with the
//!   seed the server drew where the client gave none; at most the tokens asked for);
//! * the replay with those weights gives the output token for token, and the usage the server
//!   reported for it is the replay's.
//!
//! And the claim as a whole: the batch holds every claimed request, and the usage the claim
//! paid the authors by (read from the claim's transaction) is the batch's, added up as the
//! server's ledger adds it ([`Usage::claimed`]).
//!
//! Anything else is a mismatch, and so is a batch file the server does not keep reachable
//! until the last blocks of the commit window while the auditor's own store works: the server
//! must be able to show its work. Trouble on the auditor's side (its node, its store, its
//! compute) is not a verdict: the auditor tries again, and commits nothing if it cannot judge
//! in time (it loses reputation, not stake).

use super::{
	chain::{account, ClaimAudit, OpenClaim},
	receipt,
	usage::Usage,
};
use crate::{
	chain::{At, Chain},
	serve::{
		api::{self, Endpoint, Limits},
		model::unhex,
		replay::{self, Record, Verdict},
	},
	state::{ClaimAudited, State},
	store::Store,
	WorkerError,
};
use aiblock_compute::{
	backend::Backend,
	store::{Cid, ContentStore},
};
use aiblock_primitives::{
	inference::{audit_commitment, request_hash, AuditVerdict},
	H256,
};
use serde_json::Value;
use std::sync::Arc;

/// Blocks before the end of the commit window from which a batch file that cannot be fetched
/// is judged a mismatch (before that, it is tried again): the finalized block the auditor acts
/// on trails the best block by a few, and its commitment needs a few more to be included.
const LAST_CHANCE: u32 = 6;

/// The largest batch file an auditor reads (a server claims before its batch grows past it:
/// [`super::seller`]).
pub const MAX_BATCH_BYTES: u64 = 64 << 20;

/// What an auditor found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
	Honest,
	/// The first thing that is not as the client signed or the model computes.
	Mismatch(String),
}

/// Why a claim could not be judged (yet).
#[derive(Debug)]
pub enum Trouble {
	/// The batch file could not be fetched: the server's fault if the auditor's store works.
	Batch(aiblock_compute::store::StoreError),
	/// The auditor's node, store or compute: never the server's fault.
	Auditor(WorkerError),
}

impl From<WorkerError> for Trouble {
	fn from(e: WorkerError) -> Trouble {
		Trouble::Auditor(e)
	}
}

/// The replay in flight, across blocks.
#[derive(Default)]
pub struct ClaimAudits {
	judging: Option<(u64, tokio::task::JoinHandle<Result<Finding, Trouble>>)>,
}

impl Drop for ClaimAudits {
	fn drop(&mut self) {
		if let Some((_, task)) = self.judging.take() {
			task.abort();
		}
	}
}

/// What an auditor of claims needs from the running worker.
pub struct ClaimAuditor<'a> {
	pub chain: &'a Chain,
	pub store: &'a Arc<Store>,
	pub backend: &'a Arc<dyn Backend + Send + Sync>,
}

impl ClaimAuditor<'_> {
	/// Act on the first claim audit that calls for a duty at finalized block `at`: commit to a
	/// verdict (once judged in the background) or reveal one; only when none does, settle an
	/// audit whose reveal window is over. `true` when a transaction was sent.
	pub async fn step(
		&self,
		at: &At,
		state: &mut State,
		audits: &mut ClaimAudits,
	) -> Result<bool, WorkerError> {
		let me = self.chain.account();
		let now = at.block_number() as u32;
		let drawn = self.chain.claim_audits(at).await?;
		let before = state.claim_audits.len();
		state.claim_audits.retain(|claim, _| drawn.iter().any(|a| a.claim == *claim));
		if state.claim_audits.len() != before {
			state.save()?;
		}
		if let Some((judging, task)) = &audits.judging {
			let open = |a: &ClaimAudit| a.claim == *judging && now <= a.commit_until;
			if !drawn.iter().any(open) {
				task.abort();
				audits.judging = None;
			}
		}
		let mut to_settle = None;
		for audit in &drawn {
			let Some((committed, revealed)) = audit.seat(&me) else { continue };
			if now > audit.reveal_until {
				to_settle.get_or_insert(audit.claim);
				continue;
			}
			// One audit's refused transaction must not hold up the others' duties.
			if !committed && now <= audit.commit_until {
				let last_chance = now + LAST_CHANCE >= audit.commit_until;
				if self.judged(at, audit, state, audits, last_chance).await? {
					match self.commit(audit.claim, state).await {
						Ok(sent) => return Ok(sent),
						Err(e) => log::warn!("claim {}: commit failed: {e}", audit.claim),
					}
				}
				continue; // judging: the other audits may call for something
			}
			if committed && !revealed && now > audit.commit_until {
				match self.reveal(audit.claim, state).await {
					Ok(true) => return Ok(true),
					Ok(false) => {},
					Err(e) => log::warn!("claim {}: reveal failed: {e}", audit.claim),
				}
			}
		}
		match to_settle {
			Some(claim) => match self.chain.settle_audit(claim).await {
				Ok(()) => {
					log::info!("claim {claim}: audit settled");
					Ok(true)
				},
				// The server (or another auditor) settled it first.
				Err(WorkerError::Refused(why)) => {
					log::debug!("claim {claim}: settle refused: {why}");
					Ok(false)
				},
				Err(e) => Err(e),
			},
			None => Ok(false),
		}
	}

	/// Whether the verdict on `audit` is in `state`; if not, the judging is started in the
	/// background, or collected once done.
	async fn judged(
		&self,
		at: &At,
		audit: &ClaimAudit,
		state: &mut State,
		audits: &mut ClaimAudits,
		last_chance: bool,
	) -> Result<bool, WorkerError> {
		let claim = audit.claim;
		if state.claim_audits.contains_key(&claim) {
			return Ok(true);
		}
		let task = match audits.judging.take() {
			Some((judged, task)) if judged == claim && task.is_finished() => task,
			Some(in_flight) => {
				audits.judging = Some(in_flight);
				return Ok(false);
			},
			None => {
				let Some(open) = self.chain.open_claim(at, claim).await? else { return Ok(false) };
				log::info!(
					"claim {claim}: auditing requests {:?} of channel {} ({} answers claimed)",
					audit.sample,
					open.channel,
					open.last_request.saturating_sub(open.first_request) + 1
				);
				let judge = Judge {
					chain: self.chain.clone(),
					store: self.store.clone(),
					backend: self.backend.clone(),
				};
				let sample = audit.sample.clone();
				audits.judging = Some((claim, tokio::spawn(judge.judge(open, sample))));
				return Ok(false);
			},
		};
		let result =
			task.await.map_err(|e| WorkerError::Compute(format!("the audit stopped: {e}")))?;
		let finding = match result {
			Ok(finding) => finding,
			Err(Trouble::Batch(why)) if last_chance && self.store.healthy().is_ok() => {
				Finding::Mismatch(format!("the batch file cannot be fetched: {why}"))
			},
			Err(Trouble::Batch(why)) => {
				log::warn!("claim {claim}: the batch file: {why}; trying again");
				return Ok(false);
			},
			Err(Trouble::Auditor(e)) => {
				log::warn!("claim {claim}: {e}; trying again");
				return Ok(false);
			},
		};
		let verdict = match &finding {
			Finding::Honest => {
				log::info!("claim {claim}: every sampled answer replays exactly: honest");
				AuditVerdict::Honest
			},
			Finding::Mismatch(why) => {
				log::warn!("claim {claim}: MISMATCH: {why}");
				AuditVerdict::Mismatch
			},
		};
		// Saved before the commitment is sent: a restart reveals what was committed.
		state.claim_audits.insert(claim, ClaimAudited { verdict, salt: crate::run::fresh_salt()? });
		state.save()?;
		Ok(true)
	}

	async fn commit(&self, claim: u64, state: &State) -> Result<bool, WorkerError> {
		let Some(audited) = state.claim_audits.get(&claim) else { return Ok(false) };
		let me = account(&self.chain.account());
		let commitment = audit_commitment(claim, &me, audited.verdict, &H256(audited.salt));
		self.chain.commit_claim_audit(claim, commitment.0).await?;
		log::info!("claim {claim}: verdict committed");
		Ok(true)
	}

	async fn reveal(&self, claim: u64, state: &State) -> Result<bool, WorkerError> {
		let Some(audited) = state.claim_audits.get(&claim) else {
			log::warn!("claim {claim}: committed, but the verdict is not in the state file");
			return Ok(false);
		};
		let mismatch = audited.verdict == AuditVerdict::Mismatch;
		self.chain.reveal_claim_audit(claim, mismatch, audited.salt).await?;
		log::info!("claim {claim}: verdict revealed ({:?})", audited.verdict);
		Ok(true)
	}
}

/// The judging of one claim, in its own task.
struct Judge {
	chain: Chain,
	store: Arc<Store>,
	backend: Arc<dyn Backend + Send + Sync>,
}

impl Judge {
	/// Fetch `claim`'s batch file and judge each request of `sample`. Errors are the
	/// auditor's trouble (its node, its store, its compute), not findings.
	async fn judge(self, claim: OpenClaim, sample: Vec<u64>) -> Result<Finding, Trouble> {
		let cid = match Cid::from_bytes(&claim.batch) {
			Ok(cid) => cid,
			Err(e) => return Ok(Finding::Mismatch(format!("the claim's batch is no CID: {e}"))),
		};
		let store = self.store.clone();
		let bytes = tokio::task::spawn_blocking(move || store.get(&cid, MAX_BATCH_BYTES))
			.await
			.map_err(|e| WorkerError::Compute(format!("fetching the batch: {e}")))?
			.map_err(Trouble::Batch)?;
		let batch: Value = match serde_json::from_slice(&bytes) {
			Ok(batch) => batch,
			Err(e) => return Ok(Finding::Mismatch(format!("the batch file is not JSON: {e}"))),
		};
		let Some(paid_usage) = self.chain.claimed_usage(&claim).await? else {
			return Err(Trouble::Auditor(WorkerError::Node(format!(
				"the claim's transaction is not in block {}",
				claim.claimed_at
			))));
		};
		if let Err(why) = check_claim_usage(&batch, &claim, &paid_usage) {
			return Ok(Finding::Mismatch(why));
		}
		let genesis = self.chain.genesis();
		for &request in &sample {
			let checked = match check_entry(&batch, &claim, &genesis, request) {
				Ok(checked) => checked,
				Err(why) => return Ok(Finding::Mismatch(format!("request {request}: {why}"))),
			};
			let replayed = match replay::replay(
				&self.chain,
				self.store.clone(),
				self.backend.clone(),
				&checked.record,
			)
			.await
			{
				Ok(replayed) => replayed,
				// The trail itself is wrong (its root, its blocks).
				Err(WorkerError::Usage(why)) => {
					return Ok(Finding::Mismatch(format!("request {request}: {why}")))
				},
				Err(e) => return Err(Trouble::Auditor(e)),
			};
			match replayed.verdict {
				Verdict::Identical { tokens } => {
					log::info!("claim audit: request {request} replays exactly ({tokens} tokens)")
				},
				other => {
					return Ok(Finding::Mismatch(format!(
						"request {request}: the model does not give the answer paid for: {other:?}"
					)))
				},
			}
			if replayed.usage.listed() != checked.usage {
				return Ok(Finding::Mismatch(format!(
					"request {request}: the usage reported is not the replay's"
				)));
			}
		}
		Ok(Finding::Honest)
	}
}

/// A sampled request that passed the checks before the replay.
#[derive(Debug)]
pub struct Checked {
	/// What to replay: the weights and the generation read from the client's request.
	pub record: Record,
	/// The per-block tokens the server reported for it.
	pub usage: Vec<([u8; 32], u64)>,
}

/// Check request number `request` of `claim` in `batch` against the client's receipt and
/// request, as far as can be done without the model. `Err`: why it is a mismatch.
pub fn check_entry(
	batch: &Value,
	claim: &OpenClaim,
	genesis: &H256,
	request: u64,
) -> Result<Checked, String> {
	let entries =
		batch.get("entries").and_then(Value::as_array).ok_or("the batch has no entries")?;
	let entry = entries
		.iter()
		.find(|entry| {
			entry.get("receipt").and_then(receipt::from_json).map(|r| r.receipt.requests)
				== Some(request)
		})
		.ok_or("not in the batch file")?;
	let signed = entry.get("receipt").and_then(receipt::from_json).ok_or("no receipt")?;
	let r = &signed.receipt;
	if r.channel != claim.channel
		|| super::chain::chain_account(&r.client) != claim.client
		|| super::chain::chain_account(&r.server) != claim.server
	{
		return Err("its receipt is not for the claimed channel".into());
	}
	if !receipt::verify(genesis, &signed) {
		return Err("its receipt is not signed by the client".into());
	}
	let body = entry.get("request").and_then(Value::as_str).ok_or("no request")?.as_bytes();
	let output = entry.get("output").and_then(Value::as_str).and_then(unhex).ok_or("no output")?;
	if request_hash(body, &output) != r.request_hash {
		return Err("the request and output are not the ones the client signed for".into());
	}
	let trail = entry.get("trail").ok_or("no trail")?;
	let mut record = replay::read_record(&trail.to_string()).map_err(|e| e.to_string())?;
	// The weights are pinned by the root the client signed, and the chain took them as
	// adopted blocks of the model when it took the claim: whether they were current at the
	// block the server names depends on the state an auditor's node keeps, which honest
	// auditors must not disagree on.
	record.finalized = None;
	if record.output != output {
		return Err("the trail's output is not the answer paid for".into());
	}
	if record.state_root != r.state_root.0 {
		return Err("the trail's weights are not the ones the client signed for".into());
	}
	let endpoint = trail
		.get("endpoint")
		.and_then(Value::as_str)
		.and_then(Endpoint::named)
		.ok_or("the trail names no endpoint")?;
	// Read as any server reads it; the seed is the one the server drew where the client gave
	// none (the client's own seed is in the body it signed).
	let any_limits = Limits {
		max_tokens: usize::MAX,
		max_input_bytes: usize::MAX,
		max_connections_per_client: 1,
		request_timeout: std::time::Duration::from_secs(1),
	};
	let asked = api::parse(endpoint, body, &any_limits, || record.generation.sampling.seed)
		.map_err(|e| format!("the request does not parse: {}", e.message))?
		.generation;
	let read = &record.generation;
	if asked.input != read.input
		|| asked.sampling != read.sampling
		|| asked.stop != read.stop
		|| read.max_tokens > asked.max_tokens
	{
		return Err("the trail does not read the client's request".into());
	}
	let usage = entry_usage(entry)?.listed();
	Ok(Checked { record, usage })
}

/// A batch entry's per-block tokens.
fn entry_usage(entry: &Value) -> Result<Usage, String> {
	entry
		.get("usage")
		.and_then(Value::as_array)
		.ok_or("no usage")?
		.iter()
		.map(|pair| {
			let id: [u8; 32] = pair.get(0)?.as_str().and_then(unhex)?.try_into().ok()?;
			Some((id, pair.get(1)?.as_u64()?))
		})
		.collect::<Option<_>>()
		.map(Usage)
		.ok_or_else(|| "a usage is malformed".to_string())
}

/// Check that `batch` holds every request `claim` paid for, each once, and that the usage the
/// claim paid the authors by is the batch's ([`Usage::claimed`]). `Err`: why not.
pub fn check_claim_usage(
	batch: &Value,
	claim: &OpenClaim,
	paid: &[([u8; 32], u64)],
) -> Result<(), String> {
	let entries =
		batch.get("entries").and_then(Value::as_array).ok_or("the batch has no entries")?;
	let mut answers: Vec<(u64, Usage)> = Vec::new();
	for entry in entries {
		let number = entry
			.get("receipt")
			.and_then(receipt::from_json)
			.map(|r| r.receipt.requests)
			.ok_or("a batch entry has no receipt")?;
		if (claim.first_request..=claim.last_request).contains(&number) {
			answers.push((number, entry_usage(entry)?));
		}
	}
	answers.sort_by_key(|(number, _)| *number);
	let numbers: Vec<u64> = answers.iter().map(|(number, _)| *number).collect();
	if numbers != (claim.first_request..=claim.last_request).collect::<Vec<_>>() {
		return Err(format!(
			"the batch does not hold each of requests {}..={} once",
			claim.first_request, claim.last_request
		));
	}
	let newest = &answers.last().ok_or("the batch is empty")?.1;
	let claimed = Usage::claimed(answers.iter().map(|(_, usage)| usage), newest);
	if claimed.listed() != paid {
		return Err("the usage the claim paid the authors by is not its answers'".into());
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{market::receipt::Answered, serve::model::hex};
	use aiblock_compute::model::BlockId;
	use serde_json::json;
	use subxt_signer::sr25519::dev;

	const BODY: &str = r#"{"model":"m","prompt":"To be","max_tokens":4,"temperature":0}"#;
	const BLOCKS: [(BlockId, [u8; 32]); 2] =
		[(BlockId::Shared, [1; 32]), (BlockId::Expert { layer: 0, expert: 0 }, [2; 32])];

	/// An answer's trail as `serve` writes it, with its endpoint.
	fn trail(input: &str, seed: u64, output: &[u8]) -> Value {
		let blocks: Vec<Value> =
			BLOCKS.iter().map(|(b, id)| json!({"block": b.name(), "id": hex(id)})).collect();
		json!({
			"endpoint": "completions",
			"model": {
				"index": 1,
				"state_root": hex(&crate::serve::model::state_root(1, &BLOCKS)),
				"blocks": blocks,
			},
			"input": input,
			"sampling": {"temperature": 0.0, "top_k": 0, "top_p": 1.0, "seed": seed},
			"max_tokens": 4,
			"stop": [],
			"output": {"hex": hex(output)},
		})
	}

	/// A claim of one paid answer on channel 7, its batch file and the chain's genesis.
	fn claimed(body: &str, output: &[u8], trail: Value) -> (OpenClaim, Value, H256) {
		let genesis = H256::repeat_byte(9);
		let (client, server) = (dev::eve(), dev::ferdie());
		let root = crate::serve::model::state_root(1, &BLOCKS);
		let answered = Answered::new(body.as_bytes(), output, output.len() as u64, root);
		let server_account = receipt::account_of(&server);
		let signed = receipt::sign_next(&client, &genesis, 7, &server_account, None, &answered);
		let batch = json!({"version": 1, "channel": 7, "entries": [{
			"request": body,
			"output": hex(output),
			"model": 1,
			"receipt": receipt::to_json(&signed),
			"usage": [[hex(&[1; 32]), 9], [hex(&[2; 32]), 18]],
			"trail": trail,
		}]});
		let claim = OpenClaim {
			server: subxt::utils::AccountId32(server.public_key().0),
			client: subxt::utils::AccountId32(client.public_key().0),
			channel: 7,
			batch: vec![],
			first_request: 1,
			last_request: 1,
			claimed_at: 0,
		};
		(claim, batch, genesis)
	}

	fn mismatch(claim: &OpenClaim, batch: &Value, genesis: &H256) -> String {
		check_entry(batch, claim, genesis, 1).expect_err("a mismatch")
	}

	#[test]
	fn an_answer_as_the_client_signed_and_asked_it_goes_to_the_replay() {
		let (claim, batch, genesis) = claimed(BODY, b"abcd", trail("To be", 77, b"abcd"));
		let checked = check_entry(&batch, &claim, &genesis, 1).unwrap();
		assert_eq!(checked.record.generation.sampling.seed, 77, "the seed the server drew");
		assert_eq!(checked.record.output, b"abcd");
		assert_eq!(checked.usage, vec![([1; 32], 9), ([2; 32], 18)]);
	}

	#[test]
	fn whatever_the_client_did_not_sign_or_ask_for_is_a_mismatch() {
		let (claim, batch, genesis) = claimed(BODY, b"abcd", trail("To be", 77, b"abcd"));
		assert!(check_entry(&batch, &claim, &genesis, 2).unwrap_err().contains("not in the batch"));
		let other_channel = OpenClaim { channel: 8, ..claim.clone() };
		assert!(mismatch(&other_channel, &batch, &genesis).contains("claimed channel"));
		assert!(mismatch(&claim, &batch, &H256::zero()).contains("not signed by the client"));
		// The server swapped the answer after the client signed.
		let mut swapped = batch.clone();
		swapped["entries"][0]["output"] = json!(hex(b"ABCD"));
		assert!(mismatch(&claim, &swapped, &genesis).contains("not the ones the client signed"));
		// A trail that reads another prompt, or ignores the client's seed.
		let (claim, batch, genesis) = claimed(BODY, b"abcd", trail("To be or", 77, b"abcd"));
		assert!(mismatch(&claim, &batch, &genesis).contains("client's request"));
		let seeded = r#"{"model":"m","prompt":"To be","max_tokens":4,"temperature":0,"seed":5}"#;
		let (claim, batch, genesis) = claimed(seeded, b"abcd", trail("To be", 77, b"abcd"));
		assert!(mismatch(&claim, &batch, &genesis).contains("client's request"));
		// A trail whose output is not the one paid for, or names no endpoint.
		let (claim, batch, genesis) = claimed(BODY, b"abcd", trail("To be", 77, b"abce"));
		assert!(mismatch(&claim, &batch, &genesis).contains("trail's output"));
		let (claim, mut batch, genesis) = claimed(BODY, b"abcd", trail("To be", 77, b"abcd"));
		batch["entries"][0]["trail"]["endpoint"] = json!("embeddings");
		assert!(mismatch(&claim, &batch, &genesis).contains("names no endpoint"));
	}

	#[test]
	fn a_claim_pays_the_authors_by_exactly_its_answers_usage() {
		let (claim, batch, _) = claimed(BODY, b"abcd", trail("To be", 77, b"abcd"));
		let honest = [([1; 32], 9), ([2; 32], 18)];
		assert_eq!(check_claim_usage(&batch, &claim, &honest), Ok(()));
		// The author share moved from one block to another.
		let moved = [([1; 32], 0), ([2; 32], 27)];
		assert!(check_claim_usage(&batch, &claim, &moved).unwrap_err().contains("usage"));
		// A claim of more requests than the batch holds.
		let longer = OpenClaim { last_request: 2, ..claim };
		assert!(check_claim_usage(&batch, &longer, &honest).unwrap_err().contains("each of"));
	}
}
