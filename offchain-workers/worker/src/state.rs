//! What the worker must not forget across a restart: candidates it trained with the salts of
//! their sealed claims (so a restart submits instead of training again, and can reveal the
//! claim), its attestations and its dataset audits with their salts (a commitment can only be
//! revealed with the salt it was made with). One JSON file, written atomically after every
//! change.

use crate::WorkerError;
use aiblock_compute::tensor::{hex, unhex};
use serde_json::{json, Value};
use std::{
	collections::{BTreeMap, BTreeSet},
	path::{Path, PathBuf},
};

/// A candidate trained for a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trained {
	/// Fingerprint of the job's training inputs (`run::job_fingerprint`).
	pub job: [u8; 32],
	/// The trained blocks, one per slot of the job in its order.
	pub blocks: Vec<crate::store::Pointer>,
	pub manifest: crate::store::Pointer,
	pub checkpoint_root: [u8; 32],
	pub claimed: u32,
	/// The salt the claim is sealed with in the submission (see `run::sealed_claim`).
	pub salt: [u8; 32],
	/// The model revision it was trained against (what `submit_result` pins).
	pub revision: u32,
}

/// An attestation for a job, before and after its reveal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attested {
	/// Fingerprint of the submission evaluated (`run::submission_fingerprint`).
	pub submission: [u8; 32],
	pub score: u32,
	pub replay_ok: bool,
	pub salt: [u8; 32],
}

/// A benchmark of an epoch's candidate, before and after its reveal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Benchmarked {
	/// Fingerprint of the candidate benchmarked (`evolve::candidate_fingerprint`).
	pub submission: [u8; 32],
	pub epoch: u32,
	pub benchmark: aiblock_primitives::evolution::Benchmark,
	pub salt: [u8; 32],
}

/// An audit report on a dataset, before and after its reveal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audited {
	pub report: aiblock_primitives::datasets::AuditReport,
	pub salt: [u8; 32],
}

/// A verdict on a claim under audit, before and after its reveal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimAudited {
	pub verdict: aiblock_primitives::inference::AuditVerdict,
	pub salt: [u8; 32],
}

/// Whose state a file is: the chain's genesis hash and the worker's account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
	pub genesis: [u8; 32],
	pub account: [u8; 32],
}

#[derive(Default, Debug)]
pub struct State {
	path: PathBuf,
	/// Held while a worker runs on this directory (see [`State::open_for`]).
	lock: Option<std::fs::File>,
	pub owner: Option<Owner>,
	pub trained: BTreeMap<u64, Trained>,
	pub attested: BTreeMap<u64, Attested>,
	/// Audits by dataset id.
	pub audits: BTreeMap<u32, Audited>,
	/// Verdicts on the inference market's claims, by claim id.
	pub claim_audits: BTreeMap<u64, ClaimAudited>,
	/// The grown model this worker trained for an epoch (its `job` is the migration's
	/// fingerprint, `evolve::migration_fingerprint`; its claim the validation score).
	pub migrated: Option<Trained>,
	/// This worker's benchmark of an epoch's candidate, with its salt.
	pub benchmarked: Option<Benchmarked>,
	/// Epochs this run bid for, or decided not to (not saved: a restarted worker reads the
	/// chain's bids again).
	pub bid_epochs: BTreeSet<u32>,
	/// Everything the Jobs pallet paid this worker while it was running (smallest units).
	pub earned: u128,
	/// The last finalized block whose payments are counted in `earned`.
	pub counted_to: u64,
	/// How fast this machine trained its last job (tokens × block bytes per second).
	pub train_speed: Option<f64>,
	/// Jobs this run declined, with the accept deadline they were declined at (a reopened job
	/// is looked at again). Not saved: a restarted worker looks again.
	pub declined: BTreeSet<(u64, u32)>,
	/// Jobs this run checked it can do, with their accept deadline (not saved either).
	pub vetted: BTreeSet<(u64, u32)>,
}

fn bytes32(v: &Value) -> Option<[u8; 32]> {
	unhex(v.as_str()?)?.try_into().ok()
}

fn pointer_json(p: &crate::store::Pointer) -> Value {
	json!({ "cid": hex(&p.cid), "hash": hex(&p.hash), "size": p.size })
}

fn pointer_from(v: &Value) -> Option<crate::store::Pointer> {
	Some(crate::store::Pointer {
		cid: unhex(v["cid"].as_str()?)?,
		hash: bytes32(&v["hash"])?,
		size: v["size"].as_u64()?,
	})
}

impl State {
	/// Open `dir` for a running worker: lock it (one worker per data directory) and check the
	/// state belongs to `owner` (a state without an owner, new or from an older worker, is
	/// taken over).
	pub fn open_for(dir: &Path, owner: Owner) -> Result<State, WorkerError> {
		std::fs::create_dir_all(dir)
			.map_err(|e| WorkerError::State(format!("{}: {e}", dir.display())))?;
		let lock_path = dir.join("lock");
		let lock = std::fs::OpenOptions::new()
			.create(true)
			.truncate(false)
			.write(true)
			.open(&lock_path)
			.map_err(|e| WorkerError::State(format!("{}: {e}", lock_path.display())))?;
		lock.try_lock().map_err(|_| {
			WorkerError::State(format!(
				"{} is in use by another worker: give each worker its own --data-dir",
				dir.display()
			))
		})?;
		let mut state = State::open(dir)?;
		match state.owner {
			Some(found) if found != owner => {
				let hex32 = |b: &[u8; 32]| hex(&b[..4]);
				return Err(WorkerError::State(format!(
					"{} holds the state of account 0x{}… on the chain with genesis 0x{}…, not of \
					 this worker (account 0x{}…, genesis 0x{}…): give it its own --data-dir",
					state.path.display(),
					hex32(&found.account),
					hex32(&found.genesis),
					hex32(&owner.account),
					hex32(&owner.genesis)
				)));
			},
			Some(_) => {},
			None => {
				state.owner = Some(owner);
				state.save()?;
			},
		}
		state.lock = Some(lock);
		Ok(state)
	}

	/// Load `dir/state.json`, or start empty when there is none. Reading only: see
	/// [`State::open_for`] for a running worker.
	pub fn open(dir: &Path) -> Result<State, WorkerError> {
		std::fs::create_dir_all(dir)
			.map_err(|e| WorkerError::State(format!("{}: {e}", dir.display())))?;
		let path = dir.join("state.json");
		let mut state = State { path: path.clone(), ..State::default() };
		let text = match std::fs::read_to_string(&path) {
			Ok(text) => text,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(state),
			Err(e) => return Err(WorkerError::State(format!("{}: {e}", path.display()))),
		};
		let bad =
			|what: &str| WorkerError::State(format!("{}: {what} is malformed", path.display()));
		let v: Value = serde_json::from_str(&text)
			.map_err(|e| WorkerError::State(format!("{}: {e}", path.display())))?;
		state.owner = match (bytes32(&v["genesis"]), bytes32(&v["account"])) {
			(Some(genesis), Some(account)) => Some(Owner { genesis, account }),
			_ => None,
		};
		// Entries written before fingerprints existed match nothing and are never used.
		let fingerprint = |v: &Value| bytes32(v).unwrap_or([0; 32]);
		let trained_from = |t: &Value| -> Result<Trained, WorkerError> {
			// An entry without its revision or its claim's salt (from an older worker) cannot
			// be submitted: it matches no job, so the job is trained afresh.
			let revision = t["revision"].as_u64().and_then(|r| u32::try_from(r).ok());
			let salt = bytes32(&t["salt"]);
			let complete = revision.is_some() && salt.is_some();
			Ok(Trained {
				job: if complete { fingerprint(&t["job"]) } else { [0; 32] },
				revision: revision.unwrap_or(0),
				salt: salt.unwrap_or([0; 32]),
				blocks: match t.get("blocks") {
					Some(list) => list
						.as_array()
						.ok_or_else(|| bad("the trained blocks"))?
						.iter()
						.map(|b| pointer_from(b).ok_or_else(|| bad("a trained block")))
						.collect::<Result<_, _>>()?,
					// Written before jobs trained sets: one block.
					None => vec![pointer_from(&t["block"]).ok_or_else(|| bad("a trained block"))?],
				},
				manifest: pointer_from(&t["manifest"]).ok_or_else(|| bad("a manifest"))?,
				checkpoint_root: bytes32(&t["checkpoint_root"]).ok_or_else(|| bad("a root"))?,
				claimed: t["claimed"].as_u64().ok_or_else(|| bad("a claim"))? as u32,
			})
		};
		for (job, t) in v["trained"].as_object().into_iter().flatten() {
			let trained = trained_from(t)?;
			state.trained.insert(job.parse().map_err(|_| bad("a job id"))?, trained);
		}
		if !v["migrated"].is_null() {
			state.migrated = Some(trained_from(&v["migrated"])?);
		}
		if let Some(b) = v["benchmarked"].as_object() {
			use subxt::ext::codec::Decode;
			let encoded =
				unhex(b["benchmark"].as_str().unwrap_or("")).ok_or_else(|| bad("a benchmark"))?;
			state.benchmarked = Some(Benchmarked {
				submission: fingerprint(&b["submission"]),
				epoch: b["epoch"]
					.as_u64()
					.and_then(|e| u32::try_from(e).ok())
					.ok_or_else(|| bad("an epoch"))?,
				benchmark: Decode::decode(&mut &encoded[..]).map_err(|_| bad("a benchmark"))?,
				salt: bytes32(&b["salt"]).ok_or_else(|| bad("a salt"))?,
			});
		}
		state.earned = v["earned"].as_str().unwrap_or("0").parse().map_err(|_| bad("earned"))?;
		state.counted_to = v["counted_to"].as_u64().unwrap_or(0);
		state.train_speed = v["train_speed"].as_f64();
		for (job, a) in v["attested"].as_object().into_iter().flatten() {
			let attested = Attested {
				submission: fingerprint(&a["submission"]),
				score: a["score"].as_u64().ok_or_else(|| bad("a score"))? as u32,
				replay_ok: a["replay_ok"].as_bool().ok_or_else(|| bad("replay_ok"))?,
				salt: bytes32(&a["salt"]).ok_or_else(|| bad("a salt"))?,
			};
			state.attested.insert(job.parse().map_err(|_| bad("a job id"))?, attested);
		}
		for (id, a) in v["audits"].as_object().into_iter().flatten() {
			use subxt::ext::codec::Decode;
			let encoded =
				unhex(a["report"].as_str().unwrap_or("")).ok_or_else(|| bad("a report"))?;
			let audited = Audited {
				report: Decode::decode(&mut &encoded[..]).map_err(|_| bad("a report"))?,
				salt: bytes32(&a["salt"]).ok_or_else(|| bad("a salt"))?,
			};
			state.audits.insert(id.parse().map_err(|_| bad("a dataset id"))?, audited);
		}
		for (id, a) in v["claim_audits"].as_object().into_iter().flatten() {
			use aiblock_primitives::inference::AuditVerdict;
			let verdict = match a["verdict"].as_str() {
				Some("honest") => AuditVerdict::Honest,
				Some("mismatch") => AuditVerdict::Mismatch,
				_ => return Err(bad("a claim verdict")),
			};
			let audited =
				ClaimAudited { verdict, salt: bytes32(&a["salt"]).ok_or_else(|| bad("a salt"))? };
			state.claim_audits.insert(id.parse().map_err(|_| bad("a claim id"))?, audited);
		}
		Ok(state)
	}

	/// Write the file (to a temporary name, then renamed: a crash leaves the old or the new).
	pub fn save(&self) -> Result<(), WorkerError> {
		let trained_json = |t: &Trained| {
			json!({
				"job": hex(&t.job),
				"blocks": t.blocks.iter().map(pointer_json).collect::<Vec<_>>(),
				"manifest": pointer_json(&t.manifest),
				"checkpoint_root": hex(&t.checkpoint_root),
				"claimed": t.claimed,
				"salt": hex(&t.salt),
				"revision": t.revision,
			})
		};
		let trained: serde_json::Map<String, Value> =
			self.trained.iter().map(|(job, t)| (job.to_string(), trained_json(t))).collect();
		let benchmarked = self.benchmarked.as_ref().map(|b| {
			use subxt::ext::codec::Encode;
			json!({
				"submission": hex(&b.submission),
				"epoch": b.epoch,
				"benchmark": hex(&b.benchmark.encode()),
				"salt": hex(&b.salt),
			})
		});
		let attested: serde_json::Map<String, Value> = self
			.attested
			.iter()
			.map(|(job, a)| {
				(
					job.to_string(),
					json!({
						"submission": hex(&a.submission),
						"score": a.score,
						"replay_ok": a.replay_ok,
						"salt": hex(&a.salt),
					}),
				)
			})
			.collect();
		let audits: serde_json::Map<String, Value> = self
			.audits
			.iter()
			.map(|(id, a)| {
				use subxt::ext::codec::Encode;
				(id.to_string(), json!({ "report": hex(&a.report.encode()), "salt": hex(&a.salt) }))
			})
			.collect();
		let claim_audits: serde_json::Map<String, Value> = self
			.claim_audits
			.iter()
			.map(|(id, a)| {
				let verdict = match a.verdict {
					aiblock_primitives::inference::AuditVerdict::Honest => "honest",
					aiblock_primitives::inference::AuditVerdict::Mismatch => "mismatch",
				};
				(id.to_string(), json!({ "verdict": verdict, "salt": hex(&a.salt) }))
			})
			.collect();
		let text = serde_json::to_string_pretty(&json!({
			"genesis": self.owner.map(|o| hex(&o.genesis)),
			"account": self.owner.map(|o| hex(&o.account)),
			"trained": trained,
			"attested": attested,
			"audits": audits,
			"claim_audits": claim_audits,
			"migrated": self.migrated.as_ref().map(trained_json),
			"benchmarked": benchmarked,
			"earned": self.earned.to_string(),
			"counted_to": self.counted_to,
			"train_speed": self.train_speed,
		}))
		.map_err(|e| WorkerError::State(e.to_string()))?;
		aiblock_compute::safetensors::write_atomic(&self.path, text.as_bytes())
			.map_err(|e| WorkerError::State(format!("{}: {e}", self.path.display())))
	}

	/// Forget jobs the chain no longer has.
	pub fn retain(&mut self, live: impl Fn(u64) -> bool) -> bool {
		let before = self.trained.len() + self.attested.len();
		self.trained.retain(|job, _| live(*job));
		self.attested.retain(|job, _| live(*job));
		self.declined.retain(|(job, _)| live(*job));
		self.vetted.retain(|(job, _)| live(*job));
		before != self.trained.len() + self.attested.len()
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::store::Pointer;

	#[test]
	fn state_survives_a_restart_and_refuses_garbage() {
		let dir = std::env::temp_dir().join(format!("aiblock-worker-state-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		let mut state = State::open(&dir).unwrap();
		let p = Pointer { cid: vec![1, 0x55, 0x12, 32, 9], hash: [3; 32], size: 77 };
		state.trained.insert(
			4,
			Trained {
				job: [2; 32],
				blocks: vec![p.clone(), Pointer { size: 78, ..p.clone() }],
				manifest: p.clone(),
				checkpoint_root: [5; 32],
				claimed: 123,
				salt: [0xcd; 32],
				revision: 7,
			},
		);
		state.attested.insert(
			9,
			Attested { submission: [6; 32], score: 456, replay_ok: false, salt: [0xab; 32] },
		);
		state.migrated = Some(Trained { job: [8; 32], ..state.trained[&4].clone() });
		state.benchmarked = Some(Benchmarked {
			submission: [9; 32],
			epoch: 3,
			benchmark: aiblock_primitives::evolution::Benchmark {
				validation: 1,
				held_out: 2,
				parent_held_out: 3,
				replay_ok: true,
			},
			salt: [0xef; 32],
		});
		state.earned = 340_282_366_920_938_463_463_374_607_431_768_211_455; // u128::MAX
		state.counted_to = 88;
		state.train_speed = Some(1.5e9);
		use aiblock_primitives::inference::AuditVerdict;
		for (claim, verdict) in [(3, AuditVerdict::Honest), (u64::MAX, AuditVerdict::Mismatch)] {
			state.claim_audits.insert(claim, ClaimAudited { verdict, salt: [claim as u8; 32] });
		}
		state.save().unwrap();
		let back = State::open(&dir).unwrap();
		assert_eq!(back.trained, state.trained);
		assert_eq!(back.attested, state.attested);
		assert_eq!((&back.migrated, &back.benchmarked), (&state.migrated, &state.benchmarked));
		assert_eq!((back.earned, back.counted_to), (u128::MAX, 88));
		assert_eq!(back.train_speed, Some(1.5e9));
		assert_eq!(back.claim_audits, state.claim_audits);

		// A candidate saved by an older worker, without its claim's salt, is never submitted
		// (its claim could not be revealed): it matches no job.
		let mut old: Value =
			serde_json::from_str(&std::fs::read_to_string(dir.join("state.json")).unwrap())
				.unwrap();
		old["trained"]["4"].as_object_mut().unwrap().remove("salt");
		std::fs::write(dir.join("state.json"), old.to_string()).unwrap();
		assert_eq!(State::open(&dir).unwrap().trained[&4].job, [0; 32]);
		// One saved before jobs trained sets names its one block.
		let trained = old["trained"]["4"].as_object_mut().unwrap();
		trained.remove("blocks");
		trained.insert("block".into(), pointer_json(&p));
		std::fs::write(dir.join("state.json"), old.to_string()).unwrap();
		assert_eq!(State::open(&dir).unwrap().trained[&4].blocks, [p]);

		std::fs::write(dir.join("state.json"), r#"{"trained":{"4":{"claimed":1}}}"#).unwrap();
		let e = State::open(&dir).unwrap_err().to_string();
		assert!(e.contains("malformed"), "{e}");
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn one_worker_per_directory_and_per_chain_and_account() {
		let dir = std::env::temp_dir().join(format!("aiblock-worker-owner-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		let me = Owner { genesis: [1; 32], account: [2; 32] };
		let running = State::open_for(&dir, me).unwrap();
		// A second worker on the same directory is refused while the first runs.
		let e = State::open_for(&dir, me).unwrap_err().to_string();
		assert!(e.contains("in use by another worker"), "{e}");
		drop(running);
		let state = State::open_for(&dir, me).unwrap();
		assert_eq!(state.owner, Some(me));
		drop(state);
		// Another account, or another chain: refused, and the file is left as it was.
		for other in [Owner { account: [3; 32], ..me }, Owner { genesis: [4; 32], ..me }] {
			let e = State::open_for(&dir, other).unwrap_err().to_string();
			assert!(e.contains("not of this worker"), "{e}");
		}
		assert_eq!(State::open(&dir).unwrap().owner, Some(me));
		let _ = std::fs::remove_dir_all(&dir);
	}
}
