//! A dataset proposal as `aiblock-worker dataset propose` makes it: the bytes' CID (as the
//! store addresses them), size, Merkle root over their chunks and sample hashes, and the proof
//! of work the chain asks of a proposer, and the salt of its commitment.

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

/// The regular files under `dir`, at any depth, sorted by path: a directory proposed as a
/// dataset is these files one after the other (symbolic links are not followed).
pub fn files_in(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
	let mut files = Vec::new();
	let mut pending = vec![dir.to_path_buf()];
	while let Some(next) = pending.pop() {
		for entry in std::fs::read_dir(&next)? {
			let entry = entry?;
			let kind = entry.file_type()?;
			if kind.is_dir() {
				pending.push(entry.path());
			} else if kind.is_file() {
				files.push(entry.path());
			}
		}
	}
	files.sort();
	Ok(files)
}

/// `files` one after the other, each ending with a newline (a last line without one would
/// run into the next file's first, and the audit measures lines).
pub fn concatenate(files: &[std::path::PathBuf]) -> std::io::Result<Vec<u8>> {
	let mut bytes = Vec::new();
	for file in files {
		bytes.extend_from_slice(&std::fs::read(file)?);
		if bytes.last().is_some_and(|&b| b != b'\n') {
			bytes.push(b'\n');
		}
	}
	Ok(bytes)
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

/// The salt of `signer`'s commitment to proposing `meta`: a hash of the metadata and of a
/// public key hard-derived from the signer's (which only the key's holder can compute), so it
/// is secret, yet the same on every run: a run interrupted after its commitment landed opens
/// that commitment when run again.
pub fn proposal_salt(signer: &subxt_signer::sr25519::Keypair, meta: &DatasetMeta) -> H256 {
	use subxt::ext::codec::Encode;
	let junction = subxt_signer::DeriveJunction::hard("aiblock/dataset-proposal-salt");
	let derived = signer.derive([junction]).public_key();
	H256(sp_crypto_hashing::blake2_256(&(derived.0, meta).encode()))
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
	fn a_proposal_salt_is_the_keys_own_and_the_same_on_every_run() {
		use subxt_signer::sr25519::dev;
		let described = Described {
			name: "corpus".into(),
			version: SemVer { major: 1, minor: 0, patch: 0 },
			license: "CC0-1.0".into(),
			derived_from: vec![],
		};
		let bytes = b"some text to propose\n".repeat(10);
		let cid = aiblock_compute::store::cid_of(&bytes);
		let meta = meta_of(&bytes, &cid, &described).unwrap();
		let other =
			meta_of(&bytes[1..], &aiblock_compute::store::cid_of(&bytes[1..]), &described).unwrap();
		let salt = proposal_salt(&dev::eve(), &meta);
		assert_eq!(salt, proposal_salt(&dev::eve(), &meta), "a rerun opens its commitment");
		assert_ne!(salt, proposal_salt(&dev::ferdie(), &meta), "another key, another salt");
		assert_ne!(salt, proposal_salt(&dev::eve(), &other), "other data, another salt");
		// Nothing public about the key gives it: not its public key hashed with the metadata.
		use subxt::ext::codec::Encode;
		let public = dev::eve().public_key().0;
		assert_ne!(salt, H256(sp_crypto_hashing::blake2_256(&(public, &meta).encode())));
	}

	#[test]
	fn a_directory_is_its_files_in_path_order_each_ending_a_line() {
		let dir = std::env::temp_dir().join(format!("aiblock-proposal-dir-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		std::fs::create_dir_all(dir.join("b")).unwrap();
		std::fs::write(dir.join("b/2.txt"), "third").unwrap();
		std::fs::write(dir.join("a.txt"), "first\n").unwrap();
		std::fs::write(dir.join("b/1.txt"), "second").unwrap();
		let files = files_in(&dir).unwrap();
		let names: Vec<_> =
			files.iter().map(|f| f.strip_prefix(&dir).unwrap().to_owned()).collect();
		assert_eq!(names, ["a.txt", "b/1.txt", "b/2.txt"].map(std::path::PathBuf::from));
		assert_eq!(concatenate(&files).unwrap(), b"first\nsecond\nthird\n");
		std::fs::remove_dir_all(&dir).unwrap();
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
