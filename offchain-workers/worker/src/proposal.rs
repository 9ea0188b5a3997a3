//! A dataset proposal as `aiblock-worker dataset propose` makes it: the bytes' CID (as the
//! store addresses them), size, Merkle root over their chunks and sample hashes, and the proof
//! of work the chain asks of a proposer.

use crate::{audit::commitment, WorkerError};
use aiblock_primitives::{
	dag::SemVer,
	datasets::{solve_pow, DatasetId, DatasetMeta, MAX_PARENTS, MAX_SAMPLE_HASHES},
	H256,
};

/// What a proposer says about its data.
#[derive(Clone, Debug)]
pub struct Described {
	pub name: String,
	pub version: SemVer,
	/// An SPDX license id or expression.
	pub license: String,
	pub derived_from: Vec<DatasetId>,
}

/// The metadata of `bytes`, stored under `cid`, as `described`; refused as the chain would
/// refuse it (name, license, CID, empty data).
pub fn meta_of(
	bytes: &[u8],
	cid: &aiblock_compute::store::Cid,
	described: &Described,
) -> Result<DatasetMeta, WorkerError> {
	let usage = |what: String| WorkerError::Usage(what);
	let content = commitment(bytes);
	let meta = DatasetMeta {
		name: described.name.as_bytes().to_vec().try_into().map_err(|_| {
			usage(format!(
				"--name is longer than {} bytes",
				aiblock_primitives::datasets::MAX_DATASET_NAME
			))
		})?,
		version: described.version,
		license: described.license.as_bytes().to_vec().try_into().map_err(|_| {
			usage(format!(
				"--license is longer than {} bytes",
				aiblock_primitives::datasets::MAX_LICENSE_LEN
			))
		})?,
		cid: cid.as_bytes().to_vec().try_into().map_err(|_| usage("the CID is too long".into()))?,
		size: content.size,
		merkle_root: content.merkle_root,
		sample_hashes: sample_hashes(&content.leaves).try_into().unwrap_or_default(),
		derived_from: described
			.derived_from
			.clone()
			.try_into()
			.map_err(|_| usage(format!("a dataset derives from at most {MAX_PARENTS} others")))?,
	};
	meta.check().map_err(|e| usage(format!("the chain would refuse this proposal: {e:?}")))?;
	Ok(meta)
}

/// Up to [`MAX_SAMPLE_HASHES`] chunk leaves spread evenly over the data (all of them for a
/// small dataset).
pub fn sample_hashes(leaves: &[H256]) -> Vec<H256> {
	let n = leaves.len();
	let take = n.min(MAX_SAMPLE_HASHES as usize);
	(0..take).map(|i| leaves[i * n / take.max(1)]).collect()
}

/// The first nonce from a random start that gives `proposer`'s proposal of `meta` `difficulty`
/// leading zero bits, and the seconds it took.
pub fn proof_of_work(proposer: &[u8; 32], meta: &DatasetMeta, difficulty: u32) -> (u64, f64) {
	let mut start = [0u8; 8];
	// A fixed start is as good: only speed matters, and a random one spreads proposers out.
	let _ = getrandom::fill(&mut start);
	let began = std::time::Instant::now();
	let nonce = solve_pow(proposer, meta, difficulty, u64::from_le_bytes(start));
	(nonce, began.elapsed().as_secs_f64())
}

/// `MAJOR.MINOR.PATCH`.
pub fn parse_version(text: &str) -> Option<SemVer> {
	let mut parts = text.split('.').map(|p| p.parse::<u16>().ok());
	let version = SemVer { major: parts.next()??, minor: parts.next()??, patch: parts.next()?? };
	parts.next().is_none().then_some(version)
}

#[cfg(test)]
mod tests {
	use super::*;
	use aiblock_primitives::datasets::{pow_solves, CHUNK_BYTES};

	#[test]
	fn a_proposal_states_what_the_auditors_will_check() {
		let bytes: Vec<u8> = (0..3 * CHUNK_BYTES as usize + 5).map(|i| (i % 251) as u8).collect();
		let cid = aiblock_compute::store::cid_of(&bytes);
		let described = Described {
			name: "corpus".into(),
			version: SemVer { major: 1, minor: 2, patch: 3 },
			license: "CC0-1.0".into(),
			derived_from: vec![],
		};
		let meta = meta_of(&bytes, &cid, &described).unwrap();
		assert_eq!(meta.size, bytes.len() as u64);
		assert_eq!(meta.merkle_root, commitment(&bytes).merkle_root);
		assert_eq!(meta.sample_hashes.len(), 4, "one per chunk of a small dataset");
		let (nonce, _) = proof_of_work(&[7; 32], &meta, 8);
		assert!(pow_solves(&[7u8; 32], &meta, nonce, 8));
		let bad = Described { license: "not a license!".into(), ..described.clone() };
		assert!(meta_of(&bytes, &cid, &bad).is_err());
		assert!(meta_of(&[], &cid, &described).is_err(), "empty data");
	}

	#[test]
	fn samples_spread_over_large_data_and_versions_parse() {
		let leaves: Vec<H256> = (0..100u64).map(H256::from_low_u64_be).collect();
		let samples = sample_hashes(&leaves);
		assert_eq!(samples.len(), MAX_SAMPLE_HASHES as usize);
		assert_eq!(samples[0], leaves[0]);
		assert_eq!(samples[15], leaves[15 * 100 / 16]);
		assert_eq!(parse_version("1.0.2"), Some(SemVer { major: 1, minor: 0, patch: 2 }));
		assert_eq!(parse_version("1.0"), None);
		assert_eq!(parse_version("1.0.2.3"), None);
	}
}
