//! `aiblock-worker dataset-check`: what the auditors will measure in a dataset, before it is
//! proposed.

use aiblock_primitives::datasets::{AuditRules, LicenseCheck, Rejection, CHUNK_BYTES};
use aiblock_worker::{
	audit::{DuplicateIndex, Inspection, MIN_DUPLICATE_LINE},
	WorkerError,
};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct DatasetCheckArgs {
	/// The dataset (one file).
	file: PathBuf,
	/// Its license, an SPDX expression (`CC0-1.0`, `MIT OR Apache-2.0`).
	#[arg(long)]
	license: String,
	/// Datasets already approved, to measure duplicated lines against (repeatable).
	#[arg(long)]
	approved: Vec<PathBuf>,
}

fn read(path: &PathBuf) -> Result<Vec<u8>, WorkerError> {
	std::fs::read(path)
		.map_err(|e| WorkerError::Usage(format!("cannot read {}: {e}", path.display())))
}

/// Print the measures and the automatic rules' verdict; Ok(true) when they pass.
pub fn dataset_check(args: DatasetCheckArgs) -> Result<bool, WorkerError> {
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
	let license = match inspection.license {
		LicenseCheck::Allowed => "allows training",
		LicenseCheck::Unknown => "unknown to the auditors",
		LicenseCheck::Forbidden => "forbids training (no derivatives or no commercial use)",
	};
	println!("license        {}: {license}", args.license);
	println!("toxicity       not measured yet (reported as 0)");
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
