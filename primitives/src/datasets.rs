//! Datasets as the other pallets and the worker see them, and the pure rules of their governance:
//! the proposal's content commitment (chunk Merkle root), its proof of work, the proposer's daily
//! quota, the median of the auditors' reports and the automatic rejections it triggers, and the
//! tier a vote gives.
//!
//! The pipeline (the `Datasets` pallet): a proposal (no stake, a proof of work and a daily quota
//! against spam) is audited by drawn auditors (commit–reveal of an [`AuditReport`]); the median
//! report is checked against [`AuditRules`]; what passes goes to a vote of registered workers,
//! one worker one vote, whose share of ayes gives the [`Tier`]. The rules are plain functions so
//! that they are tested here, and so that the worker predicts exactly what the chain decides.

use crate::{dag::SemVer, H256};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{traits::ConstU32, BoundedVec, Permill};

/// A dataset's number on chain, in proposal order.
pub type DatasetId = u32;

/// Longest dataset name, in bytes (UTF-8).
pub const MAX_DATASET_NAME: u32 = 64;
/// Longest license (an SPDX license id or expression), in bytes.
pub const MAX_LICENSE_LEN: u32 = 64;
/// Most sample hashes a proposal lists.
pub const MAX_SAMPLE_HASHES: u32 = 16;
/// Most datasets a dataset can be derived from.
pub const MAX_PARENTS: u32 = 4;
/// The largest dataset: what a worker fetches for a job's data, all datasets together.
pub const MAX_DATASET_BYTES: u64 = 256 << 20;
/// Bytes per chunk of the Merkle commitment (the IPFS chunk size the store uses).
pub const CHUNK_BYTES: u64 = 256 * 1024;

/// What a proposer says about its dataset. Everything but the name and license is checked by
/// the auditors against the bytes they fetch.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct DatasetMeta {
	pub name: BoundedVec<u8, ConstU32<MAX_DATASET_NAME>>,
	pub version: SemVer,
	/// An SPDX license id or expression (`CC0-1.0`, `MIT OR Apache-2.0`).
	pub license: BoundedVec<u8, ConstU32<MAX_LICENSE_LEN>>,
	/// The content (one file), as the store addresses it.
	pub cid: crate::dag::Cid,
	/// Its size in bytes.
	pub size: u64,
	/// [`merkle_root`] of its [`CHUNK_BYTES`] chunks: what lets an auditor check a sample of
	/// chunks without the whole file.
	pub merkle_root: H256,
	/// Hashes of a few samples (leaves of chosen chunks), for quick duplicate checks.
	pub sample_hashes: BoundedVec<H256, ConstU32<MAX_SAMPLE_HASHES>>,
	/// The datasets this one was derived from (lineage).
	pub derived_from: BoundedVec<DatasetId, ConstU32<MAX_PARENTS>>,
}

/// Why a proposal's metadata is refused before anything is stored.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MetaError {
	EmptyName,
	NameNotUtf8,
	/// Not an SPDX license id or expression (letters, digits, `.`, `-`, `+`, spaces and
	/// parentheses; `AND`, `OR`, `WITH` between ids).
	BadLicense,
	UnsupportedCid,
	EmptyDataset,
	/// Larger than [`MAX_DATASET_BYTES`]: no auditor or trainer fetches it.
	TooLarge,
}

impl DatasetMeta {
	/// Refuse what can be seen to be wrong without the data.
	pub fn check(&self) -> Result<(), MetaError> {
		if self.name.is_empty() {
			return Err(MetaError::EmptyName);
		}
		if core::str::from_utf8(&self.name).is_err() {
			return Err(MetaError::NameNotUtf8);
		}
		if !is_spdx_expression(&self.license) {
			return Err(MetaError::BadLicense);
		}
		if !crate::dag::is_supported_cid(&self.cid) {
			return Err(MetaError::UnsupportedCid);
		}
		if self.size == 0 {
			return Err(MetaError::EmptyDataset);
		}
		if self.size > MAX_DATASET_BYTES {
			return Err(MetaError::TooLarge);
		}
		Ok(())
	}

	/// Chunks of [`CHUNK_BYTES`] the content has (the last may be shorter).
	pub fn chunks(&self) -> u64 {
		self.size.div_ceil(CHUNK_BYTES)
	}
}

/// Whether `license` reads as an SPDX license expression: ids of letters, digits, `.`, `-` and
/// `+`, joined by `AND`, `OR` or `WITH`, with balanced parentheses. Whether the ids are known
/// SPDX licenses is the auditors' check (a license list changes; the runtime should not).
pub fn is_spdx_expression(license: &[u8]) -> bool {
	let Ok(text) = core::str::from_utf8(license) else { return false };
	let spaced = text.replace('(', " ( ").replace(')', " ) ");
	let mut depth = 0i32;
	// An id is expected first, after an operator and after "(".
	let mut want_id = true;
	for word in spaced.split_whitespace() {
		match word {
			"(" if want_id => depth += 1,
			")" if !want_id => {
				depth -= 1;
				if depth < 0 {
					return false;
				}
			},
			"AND" | "OR" | "WITH" if !want_id => want_id = true,
			id if want_id
				&& id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.+".contains(&b))
				&& !matches!(id, "AND" | "OR" | "WITH") =>
			{
				want_id = false
			},
			_ => return false,
		}
	}
	!want_id && depth == 0
}

/// The leaf of chunk `index` with bytes `chunk`: `blake2_256("aiblock/dataset-chunk" ‖ index
/// LE ‖ chunk)`. The index is in the leaf so that reordered chunks give another root.
pub fn chunk_leaf(index: u64, chunk: &[u8]) -> H256 {
	let mut input = Vec::with_capacity(21 + 8 + chunk.len());
	input.extend_from_slice(b"aiblock/dataset-chunk");
	input.extend_from_slice(&index.to_le_bytes());
	input.extend_from_slice(chunk);
	H256(sp_crypto_hashing::blake2_256(&input))
}

/// The parent of two nodes.
fn merkle_parent(left: &H256, right: &H256) -> H256 {
	let mut input = [0u8; 64];
	input[..32].copy_from_slice(left.as_bytes());
	input[32..].copy_from_slice(right.as_bytes());
	H256(sp_crypto_hashing::blake2_256(&input))
}

/// The level above `level`: each pair hashed, an odd last node carried up unchanged.
fn next_level(level: &[H256]) -> Vec<H256> {
	level
		.chunks(2)
		.map(|pair| match pair {
			[left, right] => merkle_parent(left, right),
			[single, ..] => *single,
			[] => H256::zero(),
		})
		.collect()
}

/// The root of a binary Merkle tree over `leaves` (an odd node is carried up unchanged; no
/// leaves: the zero hash).
pub fn merkle_root(leaves: &[H256]) -> H256 {
	let mut level: Vec<H256> = leaves.to_vec();
	while level.len() > 1 {
		level = next_level(&level);
	}
	level.first().copied().unwrap_or_default()
}

/// The sibling hashes from leaf `index` up to the root of a tree over `leaves` (what proves
/// one chunk against the root without the others).
pub fn merkle_proof(leaves: &[H256], mut index: usize) -> Vec<H256> {
	let mut proof = Vec::new();
	let mut level: Vec<H256> = leaves.to_vec();
	while level.len() > 1 {
		if let Some(sibling) = level.get(index ^ 1) {
			proof.push(*sibling);
		}
		level = next_level(&level);
		index /= 2;
	}
	proof
}

/// Whether `leaf`, at `index` of a tree of `count` leaves, is under `root` with `proof`.
pub fn verify_merkle_proof(
	root: &H256,
	leaf: H256,
	mut index: u64,
	count: u64,
	proof: &[H256],
) -> bool {
	if index >= count {
		return false;
	}
	let (mut node, mut width, mut used) = (leaf, count, 0usize);
	while width > 1 {
		let sibling = index ^ 1;
		if sibling < width {
			let Some(hash) = proof.get(used) else { return false };
			used += 1;
			node = if index.is_multiple_of(2) {
				merkle_parent(&node, hash)
			} else {
				merkle_parent(hash, &node)
			};
		}
		index /= 2;
		width = width.div_ceil(2);
	}
	used == proof.len() && node == *root
}

/// The hash a proposal's proof of work is judged by: `blake2_256("aiblock/dataset-pow/v1" ‖
/// proposer ‖ meta ‖ nonce)`, all SCALE-encoded. Binding the proposer and the metadata means a
/// solved nonce cannot be reused for another proposal or by another account.
pub fn pow_hash<AccountId: Encode>(proposer: &AccountId, meta: &DatasetMeta, nonce: u64) -> H256 {
	H256(sp_crypto_hashing::blake2_256(
		&(b"aiblock/dataset-pow/v1", proposer, meta, nonce).encode(),
	))
}

/// What a proposer commits to before proposing `meta` ([`proposal_commitment`] is the
/// `commit_proposal` argument, `salt` a secret of 32 random bytes revealed with the proposal):
/// `blake2_256("aiblock/dataset-proposal/v1" ‖ proposer ‖ meta ‖ salt)`. The proposer is in it,
/// so a commitment seen on chain cannot be claimed by another account; the salt hides the
/// content, so nobody can test a guess of which dataset a commitment names.
pub fn proposal_commitment<AccountId: Encode>(
	proposer: &AccountId,
	meta: &DatasetMeta,
	salt: &H256,
) -> H256 {
	H256(sp_crypto_hashing::blake2_256(
		&(b"aiblock/dataset-proposal/v1", proposer, meta, salt).encode(),
	))
}

/// Leading zero bits of `hash`.
pub fn leading_zero_bits(hash: &H256) -> u32 {
	let mut zeros = 0;
	for byte in hash.as_bytes() {
		if *byte == 0 {
			zeros += 8;
		} else {
			return zeros + byte.leading_zeros();
		}
	}
	zeros
}

/// Whether `nonce` solves the proof of work at `difficulty` (leading zero bits).
pub fn pow_solves<AccountId: Encode>(
	proposer: &AccountId,
	meta: &DatasetMeta,
	nonce: u64,
	difficulty: u32,
) -> bool {
	leading_zero_bits(&pow_hash(proposer, meta, nonce)) >= difficulty
}

/// The first nonce from `start` that solves the proof of work (about 2^difficulty hashes).
/// Off chain only: the runtime only checks.
#[cfg(feature = "std")]
pub fn solve_pow<AccountId: Encode>(
	proposer: &AccountId,
	meta: &DatasetMeta,
	difficulty: u32,
	start: u64,
) -> u64 {
	let mut nonce = start;
	while !pow_solves(proposer, meta, nonce, difficulty) {
		nonce = nonce.wrapping_add(1);
	}
	nonce
}

/// How many proposals an account may make per quota period: a newcomer few, a proposer with
/// approved datasets more.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ProposalQuota {
	pub new: u32,
	pub trusted: u32,
	/// Approved datasets that make a proposer trusted.
	pub approvals_to_trust: u32,
}

impl ProposalQuota {
	/// The seed's numbers: 20 a day, 200 after 3 approved datasets.
	pub const SEED: ProposalQuota = ProposalQuota { new: 20, trusted: 200, approvals_to_trust: 3 };

	pub fn limit(&self, approvals: u32) -> u32 {
		if approvals >= self.approvals_to_trust {
			self.trusted
		} else {
			self.new
		}
	}
}

/// Whether the auditors recognise the license.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum LicenseCheck {
	/// Every id in the expression is a known SPDX license that allows training.
	Allowed,
	/// An id the auditor does not know (or `NOASSERTION`).
	Unknown,
	/// A known license that does not allow this use (for example a no-derivatives license).
	Forbidden,
}

/// One auditor's findings on a dataset. Rates are in parts per million of what was checked.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct AuditReport {
	/// Whether the content was fetched and every checked chunk matched the Merkle root (and
	/// the size).
	pub content_matches: bool,
	/// Chunks checked (all of them, or a drawn sample of a large dataset).
	pub chunks_checked: u32,
	/// Share of checked chunks that duplicate chunks of approved datasets.
	pub duplicate_ppm: u32,
	/// Share of checked lines holding personal data (emails, phone numbers, card numbers,
	/// national id patterns).
	pub pii_ppm: u32,
	/// Share of checked lines the toxicity proxy flags.
	pub toxicity_ppm: u32,
	pub license: LicenseCheck,
	/// Validation-loss change of the current model after the fixed short fine-tune on a drawn
	/// sample, in micro-nats per byte (positive: the model got better).
	pub learning_value: i64,
}

/// What an auditor commits to before revealing `report` for dataset `id`:
/// `blake2_256("aiblock/audit/v1" ‖ id ‖ auditor ‖ report ‖ salt)`. The auditor and the
/// dataset are in it, so a commitment cannot be copied from another auditor or dataset.
pub fn audit_commitment<AccountId: Encode>(
	id: DatasetId,
	auditor: &AccountId,
	report: &AuditReport,
	salt: &H256,
) -> H256 {
	H256(sp_crypto_hashing::blake2_256(&(b"aiblock/audit/v1", id, auditor, report, salt).encode()))
}

impl AuditReport {
	/// Whether every rate is a share (at most a million parts per million).
	pub fn is_well_formed(&self) -> bool {
		[self.duplicate_ppm, self.pii_ppm, self.toxicity_ppm].iter().all(|&r| r <= 1_000_000)
	}
}

/// Lower median of `values` (none: None). Sorting a copy: at most a panel's worth.
fn median<T: Ord + Copy>(values: impl Iterator<Item = T>) -> Option<T> {
	let mut all: Vec<T> = values.collect();
	all.sort_unstable();
	all.get(all.len().saturating_sub(1) / 2).copied()
}

/// The report the chain judges by: each field's lower median over the revealed reports (a
/// majority for the yes/no fields, ties against the dataset). One dishonest auditor of three
/// moves no field past an honest one.
pub fn median_report(reports: &[AuditReport]) -> Option<AuditReport> {
	let first = reports.first()?;
	let majority = |yes: usize| yes * 2 > reports.len();
	let license_rank = |l: LicenseCheck| match l {
		LicenseCheck::Allowed => 0u8,
		LicenseCheck::Unknown => 1,
		LicenseCheck::Forbidden => 2,
	};
	// The median license by rank, ties to the worse.
	let mut licenses: Vec<LicenseCheck> = reports.iter().map(|r| r.license).collect();
	licenses.sort_unstable_by_key(|l| license_rank(*l));
	let license = licenses.get(reports.len() / 2).copied().unwrap_or(first.license);
	Some(AuditReport {
		content_matches: majority(reports.iter().filter(|r| r.content_matches).count()),
		chunks_checked: median(reports.iter().map(|r| r.chunks_checked))?,
		// Higher medians of the bad rates: ties against the dataset.
		duplicate_ppm: upper_median(reports.iter().map(|r| r.duplicate_ppm))?,
		pii_ppm: upper_median(reports.iter().map(|r| r.pii_ppm))?,
		toxicity_ppm: upper_median(reports.iter().map(|r| r.toxicity_ppm))?,
		license,
		learning_value: median(reports.iter().map(|r| r.learning_value))?,
	})
}

fn upper_median<T: Ord + Copy>(values: impl Iterator<Item = T>) -> Option<T> {
	let mut all: Vec<T> = values.collect();
	all.sort_unstable();
	all.get(all.len() / 2).copied()
}

/// Why a dataset was not approved.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Rejection {
	/// Fewer auditors revealed than the panel's majority.
	NotAudited,
	/// The content could not be fetched or did not match its commitment.
	ContentMismatch,
	/// More personal data than allowed (the median rate, ppm).
	PersonalData(u32),
	/// Mostly a copy of approved data (ppm).
	Duplicates(u32),
	/// Flagged content above the limit (ppm).
	Toxicity(u32),
	UnknownLicense,
	ForbiddenLicense,
	/// Fewer votes than the quorum.
	NoQuorum {
		votes: u32,
	},
	/// The ayes' share was below the lowest tier.
	VotedDown {
		ayes: Permill,
	},
	/// Taken out by governance after approval.
	Quarantined,
}

impl Rejection {
	/// Whether the same content may be proposed again. The bytes' own verdicts (personal data,
	/// duplicates, flagged lines, a vote against them) stay: cleaned data has another Merkle
	/// root, and re-proposing cannot fish for a friendlier panel. What judged the proposer's
	/// claims rather than the bytes (a CID that did not serve them, a license they may not
	/// carry) or judged nothing (no audit, no quorum) frees the root: else anyone could propose
	/// someone else's root with a dead CID or a bad license and block that content for good.
	pub fn allows_retry(&self) -> bool {
		matches!(
			self,
			Rejection::NotAudited
				| Rejection::NoQuorum { .. }
				| Rejection::ContentMismatch
				| Rejection::UnknownLicense
				| Rejection::ForbiddenLicense
		)
	}
}

/// The automatic rejections applied to the median report (the seed's rules by default).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct AuditRules {
	pub max_pii_ppm: u32,
	pub max_duplicate_ppm: u32,
	pub max_toxicity_ppm: u32,
}

impl AuditRules {
	/// PII above 1 %, duplicates above 95 %, flagged content above 5 %.
	pub const SEED: AuditRules =
		AuditRules { max_pii_ppm: 10_000, max_duplicate_ppm: 950_000, max_toxicity_ppm: 50_000 };

	/// The rejection the median report triggers, if any (checked in this order).
	pub fn judge(&self, median: &AuditReport) -> Result<(), Rejection> {
		if !median.content_matches {
			return Err(Rejection::ContentMismatch);
		}
		match median.license {
			LicenseCheck::Allowed => {},
			LicenseCheck::Unknown => return Err(Rejection::UnknownLicense),
			LicenseCheck::Forbidden => return Err(Rejection::ForbiddenLicense),
		}
		if median.pii_ppm > self.max_pii_ppm {
			return Err(Rejection::PersonalData(median.pii_ppm));
		}
		if median.duplicate_ppm > self.max_duplicate_ppm {
			return Err(Rejection::Duplicates(median.duplicate_ppm));
		}
		if median.toxicity_ppm > self.max_toxicity_ppm {
			return Err(Rejection::Toxicity(median.toxicity_ppm));
		}
		Ok(())
	}
}

/// How far an approved dataset may be used: jobs take Silver and Gold, and Experimental only
/// when they say so.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Tier {
	Experimental,
	Silver,
	Gold,
}

/// The vote's thresholds: a quorum of votes, and the ayes' share for each tier.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct VoteRules {
	pub quorum: u32,
	pub gold: Permill,
	pub silver: Permill,
	pub experimental: Permill,
}

impl VoteRules {
	/// Gold at 75 %, Silver at 60 %, Experimental at 40 % of the votes.
	pub fn seed(quorum: u32) -> VoteRules {
		VoteRules {
			quorum,
			gold: Permill::from_percent(75),
			silver: Permill::from_percent(60),
			experimental: Permill::from_percent(40),
		}
	}

	/// The tier `ayes` against `nays` gives, or why it gives none.
	pub fn tier(&self, ayes: u32, nays: u32) -> Result<Tier, Rejection> {
		let votes = ayes.saturating_add(nays);
		if votes < self.quorum.max(1) {
			return Err(Rejection::NoQuorum { votes });
		}
		let share = Permill::from_rational(ayes, votes);
		if share >= self.gold {
			Ok(Tier::Gold)
		} else if share >= self.silver {
			Ok(Tier::Silver)
		} else if share >= self.experimental {
			Ok(Tier::Experimental)
		} else {
			Err(Rejection::VotedDown { ayes: share })
		}
	}
}

/// Why a job cannot train on a dataset.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Unusable {
	Unknown,
	/// Still being audited or voted on.
	NotApproved,
	Rejected,
	Quarantined,
	/// Experimental, and the job did not allow it.
	Experimental,
}

/// A dataset a job may train on, as the registry describes it to the Jobs pallet.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UsableDataset<AccountId> {
	/// Its content, as the store addresses it.
	pub cid: crate::dag::Cid,
	/// Who proposed it (the data contributor a reward goes to).
	pub proposer: AccountId,
	/// Its size in bytes.
	pub size: u64,
}

/// The dataset registry as other pallets see it.
pub trait DatasetsInspect<AccountId> {
	/// Whether a job may train on `id` (`experimental`: the job allows Experimental datasets),
	/// and then its content and proposer: one read of the registry answers all three.
	fn usable(id: DatasetId, experimental: bool) -> Result<UsableDataset<AccountId>, Unusable>;
}

/// Where a dataset is in the pipeline, as the runtime API reports it.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub enum DatasetStatus<AccountId, BlockNumber> {
	/// Its auditors are drawn at the start of the next block.
	Proposed,
	/// `panel` commits to its reports until `commit_until`, then reveals them until
	/// `reveal_until`.
	Auditing {
		panel: Vec<AccountId>,
		commit_until: BlockNumber,
		reveal_until: BlockNumber,
	},
	/// Workers registered before `opened` vote until `until`; `ayes` and `nays` so far.
	Voting {
		median: AuditReport,
		opened: BlockNumber,
		until: BlockNumber,
		ayes: u32,
		nays: u32,
	},
	Approved {
		tier: Tier,
		median: AuditReport,
	},
	Rejected {
		reason: Rejection,
	},
	Quarantined {
		tier: Tier,
	},
}

/// A dataset as the runtime API reports it.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct DatasetRecord<AccountId, BlockNumber> {
	pub id: DatasetId,
	pub meta: DatasetMeta,
	pub proposer: AccountId,
	pub proposed_at: BlockNumber,
	pub status: DatasetStatus<AccountId, BlockNumber>,
}

sp_api::decl_runtime_apis! {
	/// Read access to the dataset registry for workers and wallets (also served over RPC by
	/// the node as `datasets_*`).
	pub trait DatasetsApi<AccountId, BlockNumber>
	where
		AccountId: codec::Codec,
		BlockNumber: codec::Codec,
	{
		/// A dataset by id.
		fn dataset(id: DatasetId) -> Option<DatasetRecord<AccountId, BlockNumber>>;
		/// Up to `max` datasets in id order, starting after `start_after`.
		fn datasets(start_after: Option<DatasetId>, max: u32) -> Vec<DatasetRecord<AccountId, BlockNumber>>;
		/// The standing proposal (or approved dataset) of a content, by its Merkle root.
		fn by_content(merkle_root: H256) -> Option<DatasetId>;
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn meta() -> DatasetMeta {
		DatasetMeta {
			name: b"tinyshakespeare".to_vec().try_into().unwrap(),
			version: SemVer { major: 1, minor: 0, patch: 0 },
			license: b"CC0-1.0".to_vec().try_into().unwrap(),
			cid: [&[0x01, 0x55, 0x12, 32][..], &[7; 32]].concat().try_into().unwrap(),
			size: 1_115_394,
			merkle_root: H256::repeat_byte(1),
			sample_hashes: Default::default(),
			derived_from: Default::default(),
		}
	}

	#[test]
	fn licenses_read_as_spdx_expressions() {
		for good in [
			"MIT",
			"CC0-1.0",
			"GPL-2.0+",
			"MIT OR Apache-2.0",
			"(MIT AND BSD-3-Clause) OR CC-BY-4.0",
			"GPL-2.0-only WITH Classpath-exception-2.0",
		] {
			assert!(is_spdx_expression(good.as_bytes()), "{good}");
		}
		for bad in
			["", "MIT OR", "AND", "(MIT", "MIT)", "MIT Apache-2.0", "MIT; rm -rf", "Ünïcode", "()"]
		{
			assert!(!is_spdx_expression(bad.as_bytes()), "{bad}");
		}
	}

	#[test]
	fn metadata_is_checked_before_anything_is_stored() {
		assert_eq!(meta().check(), Ok(()));
		assert_eq!(meta().chunks(), 5);
		let with = |f: fn(&mut DatasetMeta)| {
			let mut m = meta();
			f(&mut m);
			m.check()
		};
		assert_eq!(with(|m| m.name = Default::default()), Err(MetaError::EmptyName));
		assert_eq!(with(|m| m.name = vec![0xff].try_into().unwrap()), Err(MetaError::NameNotUtf8));
		assert_eq!(
			with(|m| m.license = b"MIT OR".to_vec().try_into().unwrap()),
			Err(MetaError::BadLicense)
		);
		assert_eq!(
			with(|m| m.cid = b"not a cid".to_vec().try_into().unwrap()),
			Err(MetaError::UnsupportedCid)
		);
		assert_eq!(with(|m| m.size = 0), Err(MetaError::EmptyDataset));
	}

	#[test]
	fn every_chunk_proves_against_the_root_and_nothing_else_does() {
		for count in [1usize, 2, 3, 5, 8, 13] {
			let leaves: Vec<H256> =
				(0..count).map(|i| chunk_leaf(i as u64, &[i as u8; 10])).collect();
			let root = merkle_root(&leaves);
			for (i, leaf) in leaves.iter().enumerate() {
				let proof = merkle_proof(&leaves, i);
				assert!(
					verify_merkle_proof(&root, *leaf, i as u64, count as u64, &proof),
					"{count}/{i}"
				);
				let other = chunk_leaf(i as u64, b"forged");
				assert!(!verify_merkle_proof(&root, other, i as u64, count as u64, &proof));
				if count > 1 {
					let moved = (i + 1) % count;
					assert!(!verify_merkle_proof(&root, *leaf, moved as u64, count as u64, &proof));
				}
				assert!(!verify_merkle_proof(&root, *leaf, count as u64, count as u64, &proof));
			}
		}
		assert_ne!(chunk_leaf(0, b"ab"), chunk_leaf(1, b"ab"), "the index is in the leaf");
		assert_eq!(merkle_root(&[]), H256::zero());
	}

	#[test]
	fn the_proof_of_work_binds_the_proposer_and_the_metadata() {
		let m = meta();
		let nonce = solve_pow(&1u64, &m, 12, 0);
		assert!(pow_solves(&1u64, &m, nonce, 12));
		assert!(leading_zero_bits(&pow_hash(&1u64, &m, nonce)) >= 12);
		// Another account, or other metadata, needs its own work (with overwhelming odds).
		assert!(!pow_solves(&2u64, &m, nonce, 12) || !pow_solves(&3u64, &m, nonce, 12));
		let mut other = m.clone();
		other.size += 1;
		assert!(!pow_solves(&1u64, &other, nonce, 12) || !pow_solves(&1u64, &other, nonce + 1, 40));
		assert_eq!(leading_zero_bits(&H256::zero()), 256);
		assert_eq!(leading_zero_bits(&H256::repeat_byte(0x80)), 0);
		let mut h = H256::zero();
		h.0[1] = 0x10;
		assert_eq!(leading_zero_bits(&h), 11);
	}

	fn report() -> AuditReport {
		AuditReport {
			content_matches: true,
			chunks_checked: 5,
			duplicate_ppm: 0,
			pii_ppm: 0,
			toxicity_ppm: 0,
			license: LicenseCheck::Allowed,
			learning_value: 1_000,
		}
	}

	#[test]
	fn one_dishonest_auditor_moves_no_field_past_an_honest_one() {
		let honest = report();
		let liar = AuditReport {
			content_matches: false,
			pii_ppm: 900_000,
			license: LicenseCheck::Forbidden,
			learning_value: i64::MIN,
			..honest
		};
		assert_eq!(median_report(&[honest, liar, honest]), Some(honest));
		let pii = AuditReport { pii_ppm: 20_000, ..honest };
		// Two of three see personal data: it counts.
		assert_eq!(median_report(&[pii, honest, pii]).unwrap().pii_ppm, 20_000);
		// A tie of two goes against the dataset.
		assert_eq!(median_report(&[pii, honest]).unwrap().pii_ppm, 20_000);
		assert!(!median_report(&[honest, liar]).unwrap().content_matches);
		assert_eq!(median_report(&[]), None);
	}

	#[test]
	fn the_seed_rules_reject_what_they_name() {
		let rules = AuditRules::SEED;
		assert_eq!(rules.judge(&report()), Ok(()));
		let at = |r: AuditReport| rules.judge(&r);
		assert_eq!(at(AuditReport { pii_ppm: 10_000, ..report() }), Ok(()), "1 % is allowed");
		assert_eq!(
			at(AuditReport { pii_ppm: 10_001, ..report() }),
			Err(Rejection::PersonalData(10_001))
		);
		assert_eq!(
			at(AuditReport { duplicate_ppm: 950_001, ..report() }),
			Err(Rejection::Duplicates(950_001))
		);
		assert_eq!(
			at(AuditReport { toxicity_ppm: 60_000, ..report() }),
			Err(Rejection::Toxicity(60_000))
		);
		assert_eq!(
			at(AuditReport { license: LicenseCheck::Unknown, ..report() }),
			Err(Rejection::UnknownLicense)
		);
		assert_eq!(
			at(AuditReport { content_matches: false, pii_ppm: 1, ..report() }),
			Err(Rejection::ContentMismatch)
		);
	}

	#[test]
	fn the_vote_gives_the_tier() {
		let rules = VoteRules::seed(4);
		assert_eq!(rules.tier(3, 1), Ok(Tier::Gold));
		assert_eq!(rules.tier(3, 2), Ok(Tier::Silver));
		assert_eq!(rules.tier(2, 3), Ok(Tier::Experimental));
		assert_eq!(rules.tier(1, 3), Err(Rejection::VotedDown { ayes: Permill::from_percent(25) }));
		assert_eq!(rules.tier(3, 0), Err(Rejection::NoQuorum { votes: 3 }));
		assert_eq!(VoteRules::seed(0).tier(0, 0), Err(Rejection::NoQuorum { votes: 0 }));
		assert!(Tier::Gold > Tier::Silver && Tier::Silver > Tier::Experimental);
		assert_eq!(ProposalQuota::SEED.limit(2), 20);
		assert_eq!(ProposalQuota::SEED.limit(3), 200);
	}
}
