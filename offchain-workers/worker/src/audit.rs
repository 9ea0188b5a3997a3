//! What an auditor measures in a proposed dataset's bytes: its content commitment (size and
//! the Merkle root over its chunks, [`aiblock_primitives::datasets`]), the share of lines that
//! hold personal data, and the share of lines copied from datasets already approved.
//!
//! Every measure is a pure function of the bytes (and of the approved datasets' bytes), so that
//! honest auditors report the same numbers and the chain's median is theirs.
//!
//! Personal data, per line (a line ends at `\n`):
//! * an email address: `local@domain.tld`, the local part of letters, digits and `._%+-`, the
//!   domain of labels of letters, digits and `-` with a last label of two or more letters;
//! * a payment card number: 13 to 19 digits, single spaces or dashes between groups, passing
//!   the Luhn check;
//! * a phone number: 10 to 15 digits in one run of digits, spaces, dashes, dots and
//!   parentheses, optionally after `+` (fewer digits are dates, years, verse numbers);
//! * a national id: the US social security pattern `ddd-dd-dddd` (area not 000, 666 or 9xx,
//!   group not 00, serial not 0000).
//!
//! Licenses: [`license_check`] reads the SPDX expression against [`TRAINING_ALLOWED`] and
//! [`TRAINING_FORBIDDEN`].
//!
//! Toxicity: the share of lines holding a term of a small lexicon ([`TOXIC_TERMS`],
//! [`TOXIC_PHRASES`]): a documented proxy, not a classifier.
//!
//! Duplicates: the share of lines of at least [`MIN_DUPLICATE_LINE`] bytes (shorter lines, such
//! as a speaker's name, repeat in any text) whose hash is among the approved datasets' lines.

use aiblock_primitives::{
	datasets::{chunk_leaf, merkle_root, LicenseCheck, CHUNK_BYTES},
	H256,
};
use std::collections::HashSet;

/// Lines shorter than this are not counted as duplicates (nor as lines for the rate).
pub const MIN_DUPLICATE_LINE: usize = 32;

/// A dataset's content commitment: what its proposal must state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commitment {
	pub size: u64,
	pub merkle_root: H256,
	/// The leaf of every chunk, in order.
	pub leaves: Vec<H256>,
}

/// The commitment of `bytes`.
pub fn commitment(bytes: &[u8]) -> Commitment {
	let leaves: Vec<H256> = bytes
		.chunks(CHUNK_BYTES as usize)
		.enumerate()
		.map(|(i, chunk)| chunk_leaf(i as u64, chunk))
		.collect();
	Commitment { size: bytes.len() as u64, merkle_root: merkle_root(&leaves), leaves }
}

/// Kinds of personal data a line can hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PersonalData {
	pub email: bool,
	pub card: bool,
	pub phone: bool,
	pub national_id: bool,
}

impl PersonalData {
	pub fn any(&self) -> bool {
		self.email || self.card || self.phone || self.national_id
	}
}

/// What a scan of a text found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PersonalDataScan {
	pub lines: u64,
	/// Lines holding any personal data, and of each kind.
	pub flagged: u64,
	pub emails: u64,
	pub cards: u64,
	pub phones: u64,
	pub national_ids: u64,
}

impl PersonalDataScan {
	/// Flagged lines in parts per million of all lines.
	pub fn ppm(&self) -> u32 {
		ppm(self.flagged, self.lines)
	}
}

fn ppm(part: u64, whole: u64) -> u32 {
	if whole == 0 {
		return 0;
	}
	(u128::from(part) * 1_000_000 / u128::from(whole)) as u32
}

/// Scan every line of `text` for personal data.
pub fn scan_personal_data(text: &[u8]) -> PersonalDataScan {
	let mut scan = PersonalDataScan::default();
	for line in lines(text) {
		scan.lines += 1;
		let found = personal_data(line);
		scan.flagged += u64::from(found.any());
		scan.emails += u64::from(found.email);
		scan.cards += u64::from(found.card);
		scan.phones += u64::from(found.phone);
		scan.national_ids += u64::from(found.national_id);
	}
	scan
}

/// The lines of `text` that hold anything but white space (a last line without `\n` counts):
/// padding a file with blank lines does not dilute its rates.
fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
	text.split(|&b| b == b'\n').filter(|line| !line.trim_ascii().is_empty())
}

/// The personal data in one line.
pub fn personal_data(line: &[u8]) -> PersonalData {
	let (card, phone) = digit_runs(line);
	PersonalData { email: has_email(line), card, phone, national_id: has_national_id(line) }
}

fn has_email(line: &[u8]) -> bool {
	let local_byte = |b: u8| b.is_ascii_alphanumeric() || b"._%+-".contains(&b);
	let domain_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'.';
	line.iter().enumerate().filter(|(_, &b)| b == b'@').any(|(at, _)| {
		let local = line[..at].iter().rev().take_while(|&&b| local_byte(b)).count();
		let domain_len = line[at + 1..].iter().take_while(|&&b| domain_byte(b)).count();
		let domain = &line[at + 1..at + 1 + domain_len];
		let domain = domain.strip_suffix(b".").unwrap_or(domain);
		let labels: Vec<&[u8]> = domain.split(|&b| b == b'.').collect();
		// `icon@2x.png` names an image at double resolution, not a mailbox.
		let file = |tld: &[u8]| IMAGE_EXTENSIONS.iter().any(|e| tld.eq_ignore_ascii_case(e));
		local > 0
			&& labels.len() >= 2
			&& labels.iter().all(|l| !l.is_empty())
			&& labels.last().is_some_and(|tld| {
				tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic) && !file(tld)
			})
	})
}

/// File extensions that follow an `@2x`-style suffix rather than a mail domain.
const IMAGE_EXTENSIONS: &[&[u8]] = &[b"png", b"jpg", b"jpeg", b"gif", b"svg", b"webp"];

/// Whether the line holds a card number and whether it holds a phone number, from its runs of
/// digits and separators. A run that starts as an ISO date (`2024-01-15`) or is a dotted
/// IPv4 address is neither.
fn digit_runs(line: &[u8]) -> (bool, bool) {
	let (mut card, mut phone) = (false, false);
	let mut i = 0;
	while i < line.len() {
		if !line[i].is_ascii_digit() {
			i += 1;
			continue;
		}
		let plus = i > 0 && line[i - 1] == b'+';
		// A run: digits, with single separators between them.
		let mut digits = Vec::new();
		// Digits per group, and the separator before each group after the first.
		let mut groups: Vec<(usize, u8)> = vec![(0, 0)];
		let mut separators_ok_for_card = true;
		let mut j = i;
		while j < line.len() {
			let b = line[j];
			if b.is_ascii_digit() {
				digits.push(b - b'0');
				if let Some(last) = groups.last_mut() {
					last.0 += 1;
				}
				j += 1;
			} else if !digits.is_empty() && b" -.()".contains(&b) {
				// One or two separators (`) `) between digits.
				let gap = line[j..].iter().take(3).take_while(|b| b" -.()".contains(b)).count();
				if gap > 2 || !line.get(j + gap).is_some_and(u8::is_ascii_digit) {
					break;
				}
				separators_ok_for_card &= gap == 1 && (b == b' ' || b == b'-');
				groups.push((0, b));
				j += gap;
			} else {
				break;
			}
		}
		let n = digits.len();
		let date = groups.len() >= 3
			&& groups[..3].iter().map(|g| g.0).eq([4, 2, 2])
			&& groups[1..3].iter().all(|g| g.1 == b'-' || g.1 == b'.');
		let ipv4 = groups.len() == 4
			&& groups.iter().all(|g| (1..=3).contains(&g.0))
			&& groups[1..].iter().all(|g| g.1 == b'.');
		if (13..=19).contains(&n) && separators_ok_for_card && luhn(&digits) {
			card = true;
		} else if ((10..=15).contains(&n) || (plus && (8..=15).contains(&n))) && !date && !ipv4 {
			phone = true;
		}
		i = j.max(i + 1);
	}
	(card, phone)
}

/// The Luhn checksum (payment card numbers pass it).
fn luhn(digits: &[u8]) -> bool {
	let sum: u32 = digits
		.iter()
		.rev()
		.enumerate()
		.map(|(i, &d)| {
			let d = u32::from(d);
			if i % 2 == 1 {
				let doubled = d * 2;
				if doubled > 9 {
					doubled - 9
				} else {
					doubled
				}
			} else {
				d
			}
		})
		.sum();
	sum.is_multiple_of(10)
}

fn has_national_id(line: &[u8]) -> bool {
	line.windows(11).enumerate().any(|(at, w)| {
		let digit = |i: usize| w[i].is_ascii_digit();
		let shape = (0..3).all(digit)
			&& w[3] == b'-'
			&& (4..6).all(digit)
			&& w[6] == b'-'
			&& (7..11).all(digit);
		let bounded = (at == 0 || !line[at - 1].is_ascii_digit())
			&& line.get(at + 11).is_none_or(|b| !b.is_ascii_digit());
		shape && bounded && {
			let area = &w[0..3];
			area != b"000"
				&& area != b"666"
				&& w[0] != b'9'
				&& &w[4..6] != b"00"
				&& &w[7..11] != b"0000"
		}
	})
}

/// The toxicity proxy's lexicon: strong profanity and incitement to self-harm, matched as
/// whole words (ASCII case-insensitive). A crude, documented stand-in for a classifier: it
/// flags abusive web text, not literature's insults, and it misses what it does not list.
pub const TOXIC_TERMS: &[&str] =
	&["fuck", "fucking", "fucker", "motherfucker", "cunt", "cunts", "shithead", "dickhead", "kys"];
/// Phrases of the lexicon (matched as substrings of the lower-cased line).
pub const TOXIC_PHRASES: &[&str] = &["kill yourself", "go die"];

/// Whether a line holds a term or phrase of the toxicity proxy's lexicon.
pub fn is_toxic(line: &[u8]) -> bool {
	let lower = line.to_ascii_lowercase();
	let words = lower.split(|b| !b.is_ascii_alphabetic()).filter(|w| !w.is_empty());
	let listed = |w: &[u8]| TOXIC_TERMS.iter().any(|t| t.as_bytes() == w);
	words.into_iter().any(listed)
		|| TOXIC_PHRASES.iter().any(|p| lower.windows(p.len()).any(|w| w == p.as_bytes()))
}

/// The share of non-blank lines the toxicity proxy flags, in parts per million.
pub fn toxicity_ppm(text: &[u8]) -> u32 {
	let (mut all, mut flagged) = (0u64, 0u64);
	for line in lines(text) {
		all += 1;
		flagged += u64::from(is_toxic(line));
	}
	ppm(flagged, all)
}

/// SPDX licenses (and license exceptions) that allow training a model on the data and
/// publishing it: public-domain dedications, permissive and copyleft licenses, open data
/// licenses. Copyleft ones are allowed because the model and its blocks are published openly.
pub const TRAINING_ALLOWED: &[&str] = &[
	"0BSD",
	"AFL-3.0",
	"Apache-2.0",
	"Artistic-2.0",
	"BSD-2-Clause",
	"BSD-3-Clause",
	"BSL-1.0",
	"CC-BY-3.0",
	"CC-BY-4.0",
	"CC-BY-SA-3.0",
	"CC-BY-SA-4.0",
	"CC0-1.0",
	"CDLA-Permissive-1.0",
	"CDLA-Permissive-2.0",
	"CDLA-Sharing-1.0",
	"EPL-2.0",
	"GFDL-1.3-or-later",
	"GPL-2.0-only",
	"GPL-2.0-or-later",
	"GPL-3.0-only",
	"GPL-3.0-or-later",
	"ISC",
	"LGPL-2.1-or-later",
	"LGPL-3.0-or-later",
	"MIT",
	"MPL-2.0",
	"ODC-By-1.0",
	"ODbL-1.0",
	"OFL-1.1",
	"PDDL-1.0",
	"Unlicense",
	"WTFPL",
	"Zlib",
];

/// SPDX licenses that forbid what the network does with data: no derivatives (a trained model
/// is one), or no commercial use (the network pays for training and answers).
pub const TRAINING_FORBIDDEN: &[&str] = &[
	"CC-BY-NC-1.0",
	"CC-BY-NC-2.0",
	"CC-BY-NC-2.5",
	"CC-BY-NC-3.0",
	"CC-BY-NC-4.0",
	"CC-BY-NC-ND-3.0",
	"CC-BY-NC-ND-4.0",
	"CC-BY-NC-SA-3.0",
	"CC-BY-NC-SA-4.0",
	"CC-BY-ND-3.0",
	"CC-BY-ND-4.0",
];

/// What an SPDX license expression allows: `A OR B` allows what the better of the two does,
/// `A AND B` what the worse does, `A WITH exception` what `A` does (an exception only adds
/// permissions). Ids are matched exactly (SPDX ids are case-sensitive in their canonical form,
/// and a `+` suffix means "or later"); anything else, `NOASSERTION` included, is unknown.
/// An expression the chain would refuse (see `is_spdx_expression`) is unknown too.
pub fn license_check(expression: &str) -> LicenseCheck {
	if !aiblock_primitives::datasets::is_spdx_expression(expression.as_bytes()) {
		return LicenseCheck::Unknown;
	}
	let spaced = expression.replace('(', " ( ").replace(')', " ) ");
	let words: Vec<&str> = spaced.split_whitespace().collect();
	let mut at = 0;
	or_expression(&words, &mut at)
}

/// Rank for combining: a better check is higher.
fn rank(check: LicenseCheck) -> u8 {
	match check {
		LicenseCheck::Forbidden => 0,
		LicenseCheck::Unknown => 1,
		LicenseCheck::Allowed => 2,
	}
}

fn or_expression(words: &[&str], at: &mut usize) -> LicenseCheck {
	let mut best = and_expression(words, at);
	while words.get(*at) == Some(&"OR") {
		*at += 1;
		let next = and_expression(words, at);
		if rank(next) > rank(best) {
			best = next;
		}
	}
	best
}

fn and_expression(words: &[&str], at: &mut usize) -> LicenseCheck {
	let mut worst = license_term(words, at);
	while words.get(*at) == Some(&"AND") {
		*at += 1;
		let next = license_term(words, at);
		if rank(next) < rank(worst) {
			worst = next;
		}
	}
	worst
}

fn license_term(words: &[&str], at: &mut usize) -> LicenseCheck {
	let Some(&word) = words.get(*at) else { return LicenseCheck::Unknown };
	*at += 1;
	let check = if word == "(" {
		let inner = or_expression(words, at);
		if words.get(*at) == Some(&")") {
			*at += 1;
		}
		inner
	} else {
		let id = word.strip_suffix('+').unwrap_or(word);
		if TRAINING_ALLOWED.contains(&id) {
			LicenseCheck::Allowed
		} else if TRAINING_FORBIDDEN.contains(&id) {
			LicenseCheck::Forbidden
		} else {
			LicenseCheck::Unknown
		}
	};
	if words.get(*at) == Some(&"WITH") {
		// The exception only adds permissions: the license decides.
		*at += 2;
	}
	check
}

/// Everything an auditor measures in a dataset's bytes: what the auditor role reports, and what
/// a proposer checks before proposing (`aiblock-worker dataset check`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspection {
	pub commitment: Commitment,
	/// The store's CID of the bytes (CIDv1, as the proposal states it).
	pub cid: String,
	pub personal_data: PersonalDataScan,
	pub duplicate_ppm: u32,
	pub toxicity_ppm: u32,
	pub license: LicenseCheck,
}

impl Inspection {
	/// Measure `bytes` under `license` against the lines of the approved datasets in `index`.
	pub fn of(bytes: &[u8], license: &str, index: &DuplicateIndex) -> Inspection {
		Inspection {
			commitment: commitment(bytes),
			cid: aiblock_compute::store::cid_of(bytes).to_string(),
			personal_data: scan_personal_data(bytes),
			duplicate_ppm: index.duplicate_ppm(bytes),
			toxicity_ppm: toxicity_ppm(bytes),
			license: license_check(license),
		}
	}

	/// The report an honest auditor would reveal, the chunks all checked, without the learning
	/// value (which needs the chain's model: [`crate::auditing::learning_value`]).
	pub fn report(&self) -> aiblock_primitives::datasets::AuditReport {
		aiblock_primitives::datasets::AuditReport {
			content_matches: true,
			chunks_checked: self.commitment.leaves.len() as u32,
			duplicate_ppm: self.duplicate_ppm,
			pii_ppm: self.personal_data.ppm(),
			toxicity_ppm: self.toxicity_ppm,
			license: self.license,
			learning_value: 0,
		}
	}
}

/// The lines of the approved datasets, for duplicate checks.
#[derive(Default)]
pub struct DuplicateIndex {
	lines: HashSet<[u8; 16]>,
}

fn line_key(line: &[u8]) -> [u8; 16] {
	let hash = blake3::hash(line.trim_ascii());
	let mut key = [0u8; 16];
	key.copy_from_slice(&hash.as_bytes()[..16]);
	key
}

impl DuplicateIndex {
	/// Add an approved dataset's lines.
	pub fn add(&mut self, text: &[u8]) {
		for line in lines(text).filter(|l| l.trim_ascii().len() >= MIN_DUPLICATE_LINE) {
			self.lines.insert(line_key(line));
		}
	}

	/// The share of `text`'s long lines already in the index, in parts per million.
	pub fn duplicate_ppm(&self, text: &[u8]) -> u32 {
		let (mut long, mut seen) = (0u64, 0u64);
		for line in lines(text).filter(|l| l.trim_ascii().len() >= MIN_DUPLICATE_LINE) {
			long += 1;
			seen += u64::from(self.lines.contains(&line_key(line)));
		}
		ppm(seen, long)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use aiblock_primitives::datasets::{merkle_proof, verify_merkle_proof};

	fn shakespeare() -> Option<Vec<u8>> {
		let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
			.join("../../../shared/data/tinyshakespeare.txt");
		std::fs::read(path).ok()
	}

	#[test]
	fn personal_data_is_found_where_it_is_and_nowhere_else() {
		let found = |s: &str| personal_data(s.as_bytes());
		assert!(found("write to jane.doe+news@example.co.uk today").email);
		assert!(found("card 4111 1111 1111 1111 exp 12/27").card);
		assert!(found("card 4111-1111-1111-1111").card);
		assert!(!found("4111 1111 1111 1112").card, "fails Luhn");
		assert!(found("call +44 20 7946 0958").phone);
		assert!(found("call (555) 867-5309 or 212.555.0199 x").phone);
		assert!(found("ssn 123-45-6789.").national_id);
		// Blank lines do not dilute the rate.
		let padded = scan_personal_data(b"mail a@b.org\n\n   \n\nfine\n");
		assert_eq!((padded.lines, padded.ppm()), (2, 500_000));
		assert!(!found("1234-56-7890").national_id, "longer than the pattern");
		for clean in [
			"ROMEO: But soft, what light through yonder window breaks?",
			"In 1599, the Globe; Act 3, scene 1, lines 56-88.",
			"reach me @ the usual place",
			"a@b",
			"user@localhost",
			"666-12-3456 and 123-00-4567 and 123-45-0000",
			"version 1.2.3.4",
			"2024-01-15 12:30:45 request served",
			"logged at 2024.01.15 1230 by the server",
			"from 192.168.100.200 and 10.0.0.1",
			"see icon@2x.png and logo@3x.PNG",
		] {
			assert_eq!(found(clean), PersonalData::default(), "{clean}");
		}
	}

	#[test]
	fn the_toxicity_proxy_flags_lines_of_its_lexicon_as_whole_words() {
		assert!(is_toxic(b"what the FUCK is this"));
		assert!(is_toxic(b"just kill yourself already"));
		assert!(!is_toxic(b"Scunthorpe United won, and a cocktail was had"), "not inside words");
		assert!(!is_toxic(b"Thou art a boil, a plague sore, an embossed carbuncle"));
		assert_eq!(toxicity_ppm(b"fine\nfuck this\n\nfine again\nstill fine\n"), 250_000);
	}

	#[test]
	fn an_inspection_is_the_report_an_honest_auditor_reveals() {
		let approved = b"the same line, long enough to count as a duplicate\n";
		let mut index = DuplicateIndex::default();
		index.add(approved);
		let text = b"the same line, long enough to count as a duplicate\nwrite to a@b.org\n\
			a fresh line that nobody approved before today\n";
		let inspection = Inspection::of(text, "CC-BY-ND-4.0", &index);
		assert_eq!(inspection.cid, aiblock_compute::store::cid_of(text).to_string());
		let report = inspection.report();
		assert_eq!(report.pii_ppm, 333_333);
		assert_eq!(report.duplicate_ppm, 500_000, "one of the two long lines");
		assert_eq!(report.license, LicenseCheck::Forbidden);
		assert_eq!(report.chunks_checked, 1);
		assert_eq!(
			aiblock_primitives::datasets::AuditRules::SEED.judge(&report),
			Err(aiblock_primitives::datasets::Rejection::ForbiddenLicense)
		);
	}

	#[test]
	fn licenses_are_judged_by_their_spdx_expression() {
		use LicenseCheck::*;
		for (expression, check) in [
			("CC0-1.0", Allowed),
			("MIT OR Apache-2.0", Allowed),
			("CC-BY-NC-4.0 OR MIT", Allowed),
			("CC-BY-NC-4.0 AND MIT", Forbidden),
			("(MIT AND BSD-3-Clause) OR CC-BY-ND-4.0", Allowed),
			("(MIT AND CC-BY-ND-4.0) OR Proprietary-1.0", Unknown),
			("GPL-2.0-or-later WITH Classpath-exception-2.0", Allowed),
			("Classpath-exception-2.0", Unknown),
			("GPL-2.0+", Unknown),
			("CC-BY-ND-4.0", Forbidden),
			("NOASSERTION", Unknown),
			("mit", Unknown),
			("MIT OR", Unknown),
			("", Unknown),
		] {
			assert_eq!(license_check(expression), check, "{expression}");
		}
	}

	#[test]
	fn the_commitment_proves_each_chunk() {
		let bytes: Vec<u8> =
			(0..(CHUNK_BYTES as usize * 2 + 1000)).map(|i| (i % 251) as u8).collect();
		let c = commitment(&bytes);
		assert_eq!((c.size, c.leaves.len()), (bytes.len() as u64, 3));
		for i in 0..3 {
			let proof = merkle_proof(&c.leaves, i);
			assert!(verify_merkle_proof(&c.merkle_root, c.leaves[i], i as u64, 3, &proof));
		}
		let mut changed = bytes.clone();
		changed[CHUNK_BYTES as usize + 5] ^= 1;
		assert_ne!(commitment(&changed).merkle_root, c.merkle_root);
		assert_eq!(commitment(&[]).leaves.len(), 0);
	}

	/// The real corpus: no personal data flagged in the 32,777 non-blank lines of Shakespeare;
	/// with one line in fifty given an email address, 2.4 % of the non-blank lines are; a copy of it is a
	/// duplicate, a shuffled half of it half one.
	#[test]
	fn shakespeare_is_clean_and_seeded_personal_data_is_caught() {
		let Some(text) = shakespeare() else {
			eprintln!("skipped: ../shared/data/tinyshakespeare.txt not found");
			return;
		};
		let scan = scan_personal_data(&text);
		assert_eq!(scan.lines, 32_777, "the non-blank lines of 40,000");
		assert_eq!(scan.flagged, 0, "{scan:?}");
		let body = text.strip_suffix(b"\n").unwrap_or(&text);
		let seeded: Vec<u8> = body
			.split(|&b| b == b'\n')
			.enumerate()
			.flat_map(|(i, line)| {
				let mut out = line.to_vec();
				if i % 50 == 0 {
					out.extend_from_slice(
						format!(" (mail player{i}@globe-theatre.org)").as_bytes(),
					);
				}
				out.push(b'\n');
				out
			})
			.collect();
		let scan = scan_personal_data(&seeded);
		// 165 of the seeded lines were blank before.
		assert_eq!((scan.lines, scan.emails, scan.flagged), (32_942, 800, 800));
		assert_eq!(scan.ppm(), 24_285, "{scan:?}");
		let mut index = DuplicateIndex::default();
		index.add(&text);
		assert_eq!(index.duplicate_ppm(&text), 1_000_000);
		let half: Vec<u8> = body
			.split(|&b| b == b'\n')
			.enumerate()
			.flat_map(|(i, line)| {
				let mut out =
					if i % 2 == 0 { line.to_vec() } else { line.iter().rev().copied().collect() };
				out.push(b'\n');
				out
			})
			.collect();
		let rate = index.duplicate_ppm(&half);
		assert!((480_000..=520_000).contains(&rate), "{rate}");
		assert_eq!(DuplicateIndex::default().duplicate_ppm(&text), 0);
	}
}
