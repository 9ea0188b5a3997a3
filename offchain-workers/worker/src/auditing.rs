//! The auditor role: a worker drawn onto a dataset's panel fetches the data, checks it against
//! the proposal's Merkle root and size, measures it ([`crate::audit`]: personal data, lines
//! copied from approved datasets, the license, the toxicity proxy) and the learning value
//! (below), commits to the report with a fresh salt and reveals it once commits close. It also
//! moves datasets on whose window is over (`advance`: anyone may), so that the pipeline does
//! not wait on the proposer.
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
	audit::{commitment, scan_personal_data, toxicity_ppm, DuplicateIndex},
	chain::{self, recode, runtime, At, Chain, Dataset, DatasetStatus},
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

/// What an auditor needs from the running worker.
pub struct Auditor<'a> {
	pub chain: &'a Chain,
	pub store: &'a std::sync::Arc<crate::store::Store>,
	pub backend: &'a std::sync::Arc<dyn Backend + Send + Sync>,
}

impl Auditor<'_> {
	/// Act on the first dataset that calls for it at finalized block `at`: commit to a report,
	/// reveal one, or move a dataset whose window is over. `true` when a transaction was sent.
	pub async fn step(&self, at: &At, state: &mut State) -> Result<bool, WorkerError> {
		let me = self.chain.account();
		let now = at.block_number() as u32;
		let datasets = self.chain.datasets(at).await?;
		if state.audits.keys().any(|id| !datasets.iter().any(|d| d.id == *id && auditing(d))) {
			state.audits.retain(|id, _| datasets.iter().any(|d| d.id == *id && auditing(d)));
			state.save()?;
		}
		for dataset in &datasets {
			let id = dataset.id;
			match &dataset.status {
				DatasetStatus::Auditing { panel, commit_until, reveal_until } => {
					if now > *reveal_until {
						return self.advance(id).await;
					}
					if !panel.contains(&me) {
						continue;
					}
					let (committed, revealed) = self.my_audit(at, id).await?;
					if !committed && now <= *commit_until {
						return self.commit(dataset, state).await;
					}
					if committed && !revealed && now > *commit_until {
						return self.reveal(id, state).await;
					}
				},
				DatasetStatus::Voting { until, .. } if now > *until => {
					return self.advance(id).await;
				},
				_ => {},
			}
		}
		Ok(false)
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

	async fn commit(&self, dataset: &Dataset, state: &mut State) -> Result<bool, WorkerError> {
		let id = dataset.id;
		let audited = match state.audits.get(&id) {
			Some(audited) => audited.clone(),
			None => {
				log::info!(
					"dataset {id}: auditing {}",
					String::from_utf8_lossy(&dataset.meta.name.0)
				);
				let report = self.measure(dataset).await?;
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
				let audited = Audited { report, salt: crate::run::fresh_salt()? };
				// Saved before the commitment is sent: a restart reveals what was committed.
				state.audits.insert(id, audited.clone());
				state.save()?;
				audited
			},
		};
		let me = self.chain.account();
		let commitment =
			audit_commitment(id, &me.0, &audited.report, &aiblock_primitives::H256(audited.salt));
		let call = runtime::tx().datasets().commit_audit(id, chain::H256(commitment.0));
		self.chain.submit("datasets.commit_audit", &call).await?;
		log::info!("dataset {id}: audit committed");
		Ok(true)
	}

	async fn reveal(&self, id: u32, state: &mut State) -> Result<bool, WorkerError> {
		let Some(audited) = state.audits.get(&id).cloned() else {
			log::warn!("dataset {id}: committed, but the report is not in the state file");
			return Ok(false);
		};
		let report: chain::AuditReport = recode(&audited.report)?;
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

	/// The report on `dataset`, with every input read in the state of its proposal's block.
	async fn measure(&self, dataset: &Dataset) -> Result<AuditReport, WorkerError> {
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
		let meta: aiblock_primitives::datasets::DatasetMeta = recode(&dataset.meta)?;
		let (store, backend) = (self.store.clone(), self.backend.clone());
		tokio::task::spawn_blocking(move || {
			measure(store.as_ref(), backend.as_ref(), &meta, &approved, model.as_ref())
		})
		.await
		.map_err(|e| WorkerError::Compute(format!("the audit stopped: {e}")))?
	}
}

fn auditing(dataset: &Dataset) -> bool {
	matches!(dataset.status, DatasetStatus::Auditing { .. })
}

/// The newest model this worker can train, at `at` (none: no learning value is measured).
async fn newest_trainable(chain: &Chain, at: &At) -> Result<Option<ModelAt>, WorkerError> {
	match newest_trainable_model(chain, at).await? {
		Some(index) => model_at(chain, at, index).await.map(Some),
		None => Ok(None),
	}
}

/// The report on the data `meta` states, against the `approved` datasets' contents, with the
/// learning value on `model`.
pub fn measure(
	store: &dyn ContentStore,
	backend: &dyn Backend,
	meta: &aiblock_primitives::datasets::DatasetMeta,
	approved: &[Vec<u8>],
	model: Option<&ModelAt>,
) -> Result<AuditReport, WorkerError> {
	let license = crate::audit::license_check(&String::from_utf8_lossy(&meta.license));
	let unfetchable = AuditReport {
		content_matches: false,
		chunks_checked: 0,
		duplicate_ppm: 0,
		pii_ppm: 0,
		toxicity_ppm: 0,
		license,
		learning_value: 0,
	};
	let Ok(cid) = Cid::from_bytes(&meta.cid) else { return Ok(unfetchable) };
	let bytes = match store.get(&cid, MAX_JOB_DATA_BYTES) {
		Ok(bytes) => bytes,
		Err(e) => {
			log::warn!("the dataset's content {cid} cannot be fetched: {e}");
			return Ok(unfetchable);
		},
	};
	let content = commitment(&bytes);
	if content.merkle_root != meta.merkle_root || content.size != meta.size {
		return Ok(AuditReport { chunks_checked: content.leaves.len() as u32, ..unfetchable });
	}
	let mut index = DuplicateIndex::default();
	for other in approved.iter().filter(|other| **other != *meta.cid) {
		let cid = Cid::from_bytes(other)
			.map_err(|e| WorkerError::Compute(format!("an approved dataset's CID: {e}")))?;
		index.add(&store.get(&cid, MAX_JOB_DATA_BYTES)?);
	}
	let learning_value = match model {
		Some(model) => learning_value(store, backend, model, &bytes)?,
		None => 0,
	};
	Ok(AuditReport {
		content_matches: true,
		chunks_checked: content.leaves.len() as u32,
		duplicate_ppm: index.duplicate_ppm(&bytes),
		pii_ppm: scan_personal_data(&bytes).ppm(),
		toxicity_ppm: toxicity_ppm(&bytes),
		license,
		learning_value,
	})
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
