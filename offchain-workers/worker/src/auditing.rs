//! The auditor role: a worker drawn onto a dataset's panel fetches the data, checks it against
//! the proposal's Merkle root and size, measures it ([`crate::audit`]: personal data, lines
//! copied from approved datasets, the license, the toxicity proxy) and the learning value
//! (below), commits to the report with a fresh salt and reveals it once commits close. It also
//! moves on the datasets it audited once their windows are over (`advance`: anyone may, and a
//! refused one costs a read), so that the pipeline does not wait on the proposer.
//!
//! The measurement runs in the background ([`Audits`]): the worker's loop goes on with its jobs
//! (which come first: their deadlines slash) while a dataset downloads. Content that cannot be
//! fetched is tried again on later blocks and reported unfetchable only in the last blocks of
//! the commit window, so that a host serving late does not cost an honest auditor its record.
//!
//! Every input is fixed by the proposal's block: the data (its CID), the approved datasets it
//! is compared with and the model the learning value is measured on are read in the state of
//! the block the dataset was proposed in, so honest auditors report identical numbers whatever
//! block they audit at. A node keeps the state of the last 256 blocks by default; an auditor
//! measures as soon as it is drawn. Where that state is gone it falls back to the latest
//! finalized state, with a warning (its report may then differ from the panel's).
//!
//! The learning value: the validation loss of the newest trainable model on the first
//! [`PROBE_VALIDATION_BYTES`] of its validation set, before and after [`PROBE_STEPS`] steps
//! of a fixed recipe ([`PROBE_LR`], seed 0, the model's shared block trained) on the data; the
//! gain in micro-nats per byte (positive: the data teaches the model something). The compute
//! core is bit-exact, so the figure is the same on every honest auditor.

use crate::{
	audit::{DuplicateIndex, Inspection},
	chain::{self, convert, runtime, At, Chain, Dataset, DatasetStatus},
	run::{model_at, newest_trainable_model},
	state::{Audited, State},
	store::{ModelAt, MAX_JOB_DATA_BYTES},
	WorkerError,
};
use aiblock_compute::{
	backend::Backend,
	data::Dataset as Bytes,
	job::{JobConfig, JobNumbers, Run},
	model::BlockId,
	store::{Cid, ContentStore},
};
use aiblock_primitives::datasets::{audit_commitment, AuditReport, LicenseCheck};

/// Steps of the learning-value probe.
pub const PROBE_STEPS: u64 = 4;
/// Its learning rate.
pub const PROBE_LR: f32 = 1e-3;
/// Bytes of the model's validation set it scores.
pub const PROBE_VALIDATION_BYTES: usize = 8 << 10;

/// Blocks before the end of the commit window from which content that cannot be fetched is
/// reported as such (before that, it is tried again).
const LAST_CHANCE: u32 = 2;

/// The auditor's work across blocks: the measurement in flight, and where undecided datasets
/// start.
#[derive(Default)]
pub struct Audits {
	measuring: Option<(u32, tokio::task::JoinHandle<Result<AuditReport, WorkerError>>)>,
	/// Every dataset below this id is decided: nothing there calls for an auditor.
	from: u32,
}

impl Drop for Audits {
	fn drop(&mut self) {
		if let Some((_, task)) = self.measuring.take() {
			task.abort();
		}
	}
}

/// A dataset's metadata, the approved datasets' contents (binary CIDs), the model.
type MeasureInputs = (aiblock_primitives::datasets::DatasetMeta, Vec<Vec<u8>>, Option<ModelAt>);

/// Whether a dataset's pipeline is still running.
fn undecided(dataset: &Dataset) -> bool {
	matches!(
		dataset.status,
		DatasetStatus::Proposed | DatasetStatus::Auditing { .. } | DatasetStatus::Voting { .. }
	)
}

/// The report on content that could not be fetched (or was not what the proposal states).
fn unfetchable(license: &[u8]) -> AuditReport {
	AuditReport {
		content_matches: false,
		chunks_checked: 0,
		duplicate_ppm: 0,
		pii_ppm: 0,
		toxicity_ppm: 0,
		license: crate::audit::license_check(&String::from_utf8_lossy(license)),
		learning_value: 0,
	}
}

/// What an auditor needs from the running worker.
pub struct Auditor<'a> {
	pub chain: &'a Chain,
	pub store: &'a std::sync::Arc<crate::store::Store>,
	pub backend: &'a std::sync::Arc<dyn Backend + Send + Sync>,
}

impl Auditor<'_> {
	/// Act on the first dataset that calls for a duty at finalized block `at`: commit to a
	/// report (once measured in the background) or reveal one; only when none does, move on a
	/// dataset it audited whose window is over. `true` when a transaction was sent.
	pub async fn step(
		&self,
		at: &At,
		state: &mut State,
		audits: &mut Audits,
	) -> Result<bool, WorkerError> {
		let me = self.chain.account();
		let now = at.block_number() as u32;
		let datasets = self.chain.datasets_after(at, audits.from.checked_sub(1)).await?;
		if let Some(first) = datasets.iter().find(|d| undecided(d)) {
			audits.from = first.id;
		} else if let Some(last) = datasets.last() {
			audits.from = last.id + 1;
		}
		// An entry is kept while its dataset may need it: the report until revealed, the entry
		// itself (this worker audited it) until the vote is counted.
		let before = state.audits.len();
		state.audits.retain(|id, _| datasets.iter().any(|d| d.id == *id && undecided(d)));
		if state.audits.len() != before {
			state.save()?;
		}
		// A measurement for a dataset no longer being audited is of no use.
		if let Some((measuring, task)) = &audits.measuring {
			let auditing = |d: &Dataset| matches!(d.status, DatasetStatus::Auditing { .. });
			if !datasets.iter().any(|d| d.id == *measuring && auditing(d)) {
				task.abort();
				audits.measuring = None;
			}
		}
		// Duties come first: a commitment or a reveal missed costs the auditor its record and
		// the dataset its panel, while moving a dataset on is a courtesy anyone may do a block
		// later (with several datasets in flight, advancing one first made a reveal miss its
		// window).
		let mut to_advance = None;
		for dataset in &datasets {
			let id = dataset.id;
			match &dataset.status {
				DatasetStatus::Auditing { panel, commit_until, reveal_until } => {
					if !panel.contains(&me) {
						continue;
					}
					if now > *reveal_until {
						to_advance.get_or_insert(id);
						continue;
					}
					let (committed, revealed) = self.my_audit(at, id).await?;
					if !committed && now <= *commit_until {
						let last_chance = now + LAST_CHANCE >= *commit_until;
						if self.report(dataset, state, audits, last_chance).await? {
							return self.commit(id, state).await;
						}
						continue; // measuring: the other datasets may call for something
					}
					if committed && !revealed && now > *commit_until {
						return self.reveal(id, state).await;
					}
				},
				DatasetStatus::Voting { until, .. }
					if now > *until && state.audits.contains_key(&id) =>
				{
					to_advance.get_or_insert(id);
				},
				_ => {},
			}
		}
		match to_advance {
			Some(id) => self.advance(id).await,
			None => Ok(false),
		}
	}

	/// Whether the report on `dataset` is in `state`; if not, the measurement is started in
	/// the background, or collected once done.
	async fn report(
		&self,
		dataset: &Dataset,
		state: &mut State,
		audits: &mut Audits,
		last_chance: bool,
	) -> Result<bool, WorkerError> {
		let id = dataset.id;
		if state.audits.contains_key(&id) {
			return Ok(true);
		}
		let (measuring, task) = match audits.measuring.take() {
			Some((measured, task)) if measured == id && task.is_finished() => (measured, task),
			// This one's still running, or another dataset's (collected when the loop reaches
			// that dataset): one measurement at a time.
			Some(in_flight) => {
				audits.measuring = Some(in_flight);
				return Ok(false);
			},
			None => {
				log::info!(
					"dataset {id}: auditing {} ({} bytes)",
					String::from_utf8_lossy(&dataset.meta.name.0),
					dataset.meta.size
				);
				let inputs = self.inputs(dataset).await?;
				let (store, backend) = (self.store.clone(), self.backend.clone());
				let task = tokio::task::spawn_blocking(move || {
					let (meta, approved, model) = inputs;
					measure(store.as_ref(), backend.as_ref(), &meta, &approved, model.as_ref())
				});
				audits.measuring = Some((id, task));
				return Ok(false);
			},
		};
		let result =
			task.await.map_err(|e| WorkerError::Compute(format!("the audit stopped: {e}")))?;
		let report = match result {
			Ok(report) => report,
			Err(e) if last_chance => {
				log::warn!("dataset {measuring}: {e}; reporting it unfetchable");
				unfetchable(&dataset.meta.license.0)
			},
			Err(e) => {
				log::warn!("dataset {measuring}: {e}; trying again");
				return Ok(false);
			},
		};
		log::info!(
			"dataset {id}: content {}, {} chunks, personal data {} ppm, duplicates {} ppm, \
			 toxicity {} ppm, license {:?}, learning value {} µnats/byte",
			if report.content_matches { "matches" } else { "does NOT match" },
			report.chunks_checked,
			report.pii_ppm,
			report.duplicate_ppm,
			report.toxicity_ppm,
			report.license,
			report.learning_value
		);
		// Saved before the commitment is sent: a restart reveals what was committed.
		state.audits.insert(id, Audited { report, salt: crate::run::fresh_salt()? });
		state.save()?;
		Ok(true)
	}

	/// Whether this auditor's commitment and report for `id` are on chain.
	async fn my_audit(&self, at: &At, id: u32) -> Result<(bool, bool), WorkerError> {
		let me = self.chain.account();
		let fail = |what: &str, e: &dyn std::fmt::Display| {
			WorkerError::Node(format!("reading {what}: {e}"))
		};
		let commits = at
			.storage()
			.entry(runtime::storage().datasets().audit_commits())
			.map_err(|e| fail("Datasets.AuditCommits", &e))?;
		let committed = commits
			.try_fetch((id, me))
			.await
			.map_err(|e| fail("Datasets.AuditCommits", &e))?
			.is_some();
		let reports = at
			.storage()
			.entry(runtime::storage().datasets().audit_reports())
			.map_err(|e| fail("Datasets.AuditReports", &e))?;
		let revealed = reports
			.try_fetch((id, me))
			.await
			.map_err(|e| fail("Datasets.AuditReports", &e))?
			.is_some();
		Ok((committed, revealed))
	}

	async fn commit(&self, id: u32, state: &State) -> Result<bool, WorkerError> {
		let Some(audited) = state.audits.get(&id) else { return Ok(false) };
		let me = self.chain.account();
		let salt = aiblock_primitives::H256(audited.salt);
		let commitment = audit_commitment(id, &me.0, &audited.report, &salt);
		let call = runtime::tx().datasets().commit_audit(id, chain::H256(commitment.0));
		self.chain.submit("datasets.commit_audit", &call).await?;
		log::info!("dataset {id}: audit committed");
		Ok(true)
	}

	async fn reveal(&self, id: u32, state: &State) -> Result<bool, WorkerError> {
		let Some(audited) = state.audits.get(&id).cloned() else {
			log::warn!("dataset {id}: committed, but the report is not in the state file");
			return Ok(false);
		};
		let report = convert::report(&audited.report);
		let call = runtime::tx().datasets().reveal_audit(id, report, chain::H256(audited.salt));
		self.chain.submit("datasets.reveal_audit", &call).await?;
		log::info!("dataset {id}: audit revealed");
		Ok(true)
	}

	async fn advance(&self, id: u32) -> Result<bool, WorkerError> {
		let call = runtime::tx().datasets().advance(id);
		match self.chain.submit("datasets.advance", &call).await {
			Ok(_) => {
				log::info!("dataset {id}: moved on");
				Ok(true)
			},
			// Someone else moved it first.
			Err(WorkerError::Refused(why)) => {
				log::debug!("dataset {id}: advance refused: {why}");
				Ok(false)
			},
			Err(e) => Err(e),
		}
	}

	/// What the measurement of `dataset` needs, read in the state of its proposal's block: its
	/// metadata, the approved datasets' contents and the newest trainable model.
	async fn inputs(&self, dataset: &Dataset) -> Result<MeasureInputs, WorkerError> {
		let at = match self.chain.api.at_block(u64::from(dataset.proposed_at)).await {
			Ok(at) => at,
			Err(e) => {
				log::warn!(
					"dataset {}: the state of block {} is gone ({e}): measuring against the \
					 latest finalized state, which other auditors may not share",
					dataset.id,
					dataset.proposed_at
				);
				self.chain.finalized().await?
			},
		};
		let approved: Vec<Vec<u8>> = self
			.chain
			.datasets(&at)
			.await?
			.into_iter()
			.filter(|d| matches!(d.status, DatasetStatus::Approved { .. }))
			.map(|d| d.meta.cid.0)
			.collect();
		let model = newest_trainable(self.chain, &at).await?;
		Ok((convert::meta_of_chain(&dataset.meta), approved, model))
	}
}

/// The newest model this worker can train, at `at` (none: no learning value is measured).
async fn newest_trainable(chain: &Chain, at: &At) -> Result<Option<ModelAt>, WorkerError> {
	match newest_trainable_model(chain, at).await? {
		Some(index) => model_at(chain, at, index).await.map(Some),
		None => Ok(None),
	}
}

/// The report on the data `meta` states, against the `approved` datasets' contents, with the
/// learning value on `model`. Content that cannot be fetched is an error (the caller tries
/// again); content that is not what the proposal states is reported as such. An approved
/// dataset that cannot be fetched is left out of the duplicate count, with a warning.
pub fn measure(
	store: &dyn ContentStore,
	backend: &dyn Backend,
	meta: &aiblock_primitives::datasets::DatasetMeta,
	approved: &[Vec<u8>],
	model: Option<&ModelAt>,
) -> Result<AuditReport, WorkerError> {
	let mismatch = unfetchable(&meta.license);
	let Ok(cid) = Cid::from_bytes(&meta.cid) else { return Ok(mismatch) };
	let bytes = store.get(&cid, MAX_JOB_DATA_BYTES).map_err(|e| {
		WorkerError::Compute(format!("the dataset's content {cid} cannot be fetched: {e}"))
	})?;
	let mut index = DuplicateIndex::default();
	for other in approved.iter().filter(|other| **other != *meta.cid) {
		let fetched = Cid::from_bytes(other)
			.map_err(|e| e.to_string())
			.and_then(|cid| store.get(&cid, MAX_JOB_DATA_BYTES).map_err(|e| e.to_string()));
		match fetched {
			Ok(text) => index.add(&text),
			Err(e) => log::warn!("an approved dataset left out of the duplicate count: {e}"),
		}
	}
	// The measures `aiblock-worker dataset check` prints, so a proposer sees what the panel will.
	let inspection = Inspection::of(&bytes, &String::from_utf8_lossy(&meta.license), &index);
	let content = &inspection.commitment;
	if content.merkle_root != meta.merkle_root || content.size != meta.size {
		return Ok(AuditReport { chunks_checked: content.leaves.len() as u32, ..mismatch });
	}
	let learning_value = match model {
		Some(model) => learning_value(store, backend, model, &bytes)?,
		None => 0,
	};
	Ok(AuditReport { learning_value, ..inspection.report() })
}

/// The probe's validation-loss gain on `model` from training on `data`, in micro-nats per
/// byte (0 when the data is too short for one of the model's windows).
pub fn learning_value(
	store: &dyn ContentStore,
	backend: &dyn Backend,
	model: &ModelAt,
	data: &[u8],
) -> Result<i64, WorkerError> {
	let compute = |e: &dyn std::fmt::Display| WorkerError::Compute(e.to_string());
	if data.len() <= model.spec.context() {
		return Ok(0);
	}
	let weights = model.weights(store)?;
	let mut validation = model.validation(store)?;
	validation.bytes.truncate(PROBE_VALIDATION_BYTES);
	let numbers = JobNumbers {
		seed: 0,
		batch_tokens: 4 * model.spec.context(),
		lr: PROBE_LR,
		checkpoint_every: PROBE_STEPS,
		steps: PROBE_STEPS,
	};
	let config = JobConfig::for_job(&model.spec, &numbers).map_err(|e| compute(&e))?;
	let before = weights.validation_loss(backend, &validation).map_err(|e| compute(&e))?;
	let mut run = Run::new(weights, &[BlockId::Shared], &config).map_err(|e| compute(&e))?;
	run.run_while(backend, &Bytes::new(data.to_vec()), &config, PROBE_STEPS, |_, _| true)
		.map_err(|e| compute(&e))?;
	let after = run.into_model().validation_loss(backend, &validation).map_err(|e| compute(&e))?;
	let gain = (f64::from(before) - f64::from(after)) * 1e6;
	Ok(if gain.is_finite() { gain.round() as i64 } else { 0 })
}

/// A human reading of a license check.
pub fn license_text(license: &LicenseCheck) -> &'static str {
	match license {
		LicenseCheck::Allowed => "allows training",
		LicenseCheck::Unknown => "unknown to the auditors",
		LicenseCheck::Forbidden => "forbids training (no derivatives or no commercial use)",
	}
}
