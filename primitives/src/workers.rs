//! The worker registry as other pallets see it, and the pure rules behind it: trust levels, daily
//! quotas and the deterministic draw of workers for a job.
//!
//! The rules are plain functions on plain data so that they are tested here without a runtime,
//! and so that the worker process can predict what the chain will decide.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::DispatchResult;

/// What a worker does for the network.
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
pub enum Role {
	/// Trains expert candidates for jobs.
	Trainer,
	/// Scores candidates and replays training segments.
	Evaluator,
	/// Audits datasets.
	Auditor,
}

/// The roles a worker has signed up for (any combination, at least one).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Roles {
	pub trainer: bool,
	pub evaluator: bool,
	pub auditor: bool,
}

impl Roles {
	/// All roles; the order matches [`Role`].
	pub const ALL: [Role; 3] = [Role::Trainer, Role::Evaluator, Role::Auditor];

	/// Just `role`.
	pub fn only(role: Role) -> Roles {
		Roles {
			trainer: role == Role::Trainer,
			evaluator: role == Role::Evaluator,
			auditor: role == Role::Auditor,
		}
	}

	/// Whether `role` is among these.
	pub fn has(&self, role: Role) -> bool {
		match role {
			Role::Trainer => self.trainer,
			Role::Evaluator => self.evaluator,
			Role::Auditor => self.auditor,
		}
	}

	/// Whether no role is set (registering without a role is refused).
	pub fn is_empty(&self) -> bool {
		!(self.trainer || self.evaluator || self.auditor)
	}

	/// The roles in `self` and not in `other`.
	pub fn without(self, other: Roles) -> Roles {
		Roles {
			trainer: self.trainer && !other.trainer,
			evaluator: self.evaluator && !other.evaluator,
			auditor: self.auditor && !other.auditor,
		}
	}

	/// The roles set, in [`Roles::ALL`] order.
	pub fn iter(self) -> impl Iterator<Item = Role> {
		Self::ALL.into_iter().filter(move |r| self.has(*r))
	}
}

/// The numeric part of a worker's hardware, which jobs match against.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct ComputeSpec {
	/// Memory per GPU in GiB (0 for a CPU-only worker).
	pub vram_gib: u32,
	/// Number of GPUs.
	pub gpu_count: u32,
	/// Number of CPU cores.
	pub cpu_cores: u32,
}

/// Trust level: newcomers get a small daily quota until they have proven themselves.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum TrustLevel {
	#[default]
	Newbie,
	Trusted,
}

/// The verdict on one piece of work, reported by the pallet that judged it.
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
pub enum Outcome {
	Success,
	Failure,
}

/// When trust changes: promotion after `successes_to_trust` consecutive successes, demotion after
/// `failures_to_demote` consecutive failures.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TrustRules {
	pub successes_to_trust: u32,
	pub failures_to_demote: u32,
}

/// A worker's track record.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Reputation {
	/// Successes ever.
	pub successes: u32,
	/// Failures ever.
	pub failures: u32,
	/// Successes since the last failure.
	pub consecutive_successes: u32,
	/// Failures since the last success.
	pub consecutive_failures: u32,
	/// Current trust level.
	pub trust: TrustLevel,
}

impl Reputation {
	/// Count `outcome` and apply the trust rules. Returns the new level when it changed.
	pub fn record(&mut self, outcome: Outcome, rules: TrustRules) -> Option<TrustLevel> {
		match outcome {
			Outcome::Success => {
				self.successes = self.successes.saturating_add(1);
				self.consecutive_successes = self.consecutive_successes.saturating_add(1);
				self.consecutive_failures = 0;
			},
			Outcome::Failure => {
				self.failures = self.failures.saturating_add(1);
				self.consecutive_failures = self.consecutive_failures.saturating_add(1);
				self.consecutive_successes = 0;
			},
		}
		let next = match self.trust {
			TrustLevel::Newbie if self.consecutive_successes >= rules.successes_to_trust => {
				TrustLevel::Trusted
			},
			TrustLevel::Trusted if self.consecutive_failures >= rules.failures_to_demote => {
				TrustLevel::Newbie
			},
			unchanged => unchanged,
		};
		if next == self.trust {
			return None;
		}
		self.trust = next;
		// A fresh start at the new level: the streak that caused the change is spent.
		self.consecutive_successes = 0;
		self.consecutive_failures = 0;
		Some(next)
	}
}

/// Work taken on during one quota period (a "day" of blocks).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct QuotaUsage {
	/// The period `used` counts in: block number / period length.
	pub period: u32,
	/// Assignments taken in that period.
	pub used: u32,
}

impl QuotaUsage {
	/// What is left of `limit` in `period`. A new period starts from zero.
	pub fn remaining(&self, period: u32, limit: u32) -> u32 {
		if self.period == period {
			limit.saturating_sub(self.used)
		} else {
			limit
		}
	}

	/// Take one unit in `period`; false (and nothing changed) when the quota is spent.
	pub fn try_use(&mut self, period: u32, limit: u32) -> bool {
		if self.remaining(period, limit) == 0 {
			return false;
		}
		if self.period != period {
			*self = QuotaUsage { period, used: 0 };
		}
		self.used += 1;
		true
	}
}

/// Draw `count` distinct indices from `0..len`, determined by `seed` alone.
///
/// A partial Fisher–Yates shuffle whose i-th swap uses the first 8 bytes of
/// `blake2_256(seed ‖ i as u32 LE)` modulo the remaining length. With `len` far below 2^64 the
/// modulo bias is negligible. Returns `min(count, len)` indices in draw order.
pub fn sample_indices(len: u32, count: u32, seed: &[u8; 32]) -> Vec<u32> {
	let take = count.min(len);
	// The shuffled pool is kept sparse: only the positions a swap moved are stored, so the
	// memory is O(take) whatever `len` is (a job may have up to 2^32 checkpoint segments).
	// Position p holds `moved[p]` if a swap wrote it, else p itself.
	let mut moved = alloc::collections::BTreeMap::<u32, u32>::new();
	let mut picked = Vec::with_capacity(take as usize);
	for i in 0..take {
		let mut input = [0u8; 36];
		input[..32].copy_from_slice(seed);
		input[32..].copy_from_slice(&i.to_le_bytes());
		let hash = sp_crypto_hashing::blake2_256(&input);
		let mut word = [0u8; 8];
		word.copy_from_slice(&hash[..8]);
		let span = u64::from(len - i);
		let j = i + (u64::from_le_bytes(word) % span) as u32;
		let at_i = moved.get(&i).copied().unwrap_or(i);
		let at_j = moved.get(&j).copied().unwrap_or(j);
		// Position i is never read again: only j needs to remember what it now holds.
		moved.insert(j, at_i);
		moved.remove(&i);
		picked.push(at_j);
	}
	picked
}

/// A worker's ticket in a draw seeded with `seed`: `blake2_256(seed ‖ who)`. A draw takes the
/// lowest tickets, so each worker's place depends only on the seed and itself: adding or
/// removing other workers after the seed is known cannot move anyone ahead of anyone else.
pub fn lottery_ticket<AccountId: codec::Encode>(seed: &[u8; 32], who: &AccountId) -> [u8; 32] {
	sp_crypto_hashing::blake2_256(&(seed, who).encode())
}

/// How many of the lowest tickets a draw of `count` workers looks at: four per wanted worker
/// and eight more. Entries of a role list can be stale (offline, below the bond) until the
/// liveness sweep or their next heartbeat removes them, so a few may be skipped; the bound
/// keeps the draw's weight independent of how many are.
pub fn tickets_checked(count: u32) -> u32 {
	const PER_PICK: u32 = 4;
	const EXTRA: u32 = 8;
	count.saturating_mul(PER_PICK).saturating_add(EXTRA)
}

/// Who does work for which job has active assignments. Reported by the pallets that assign work
/// (Jobs) so that a worker cannot deregister in the middle of one.
pub trait AssignmentsInspect<AccountId> {
	/// Number of jobs `who` is currently assigned to, as trainer or evaluator.
	fn active_assignments(who: &AccountId) -> u32;
}

/// No pallet assigns work yet.
impl<AccountId> AssignmentsInspect<AccountId> for () {
	fn active_assignments(_: &AccountId) -> u32 {
		0
	}
}

/// The worker registry, as the pallets that assign and judge work use it.
pub trait WorkerRegistry<AccountId> {
	/// The block numbers `sample` compares list entries with.
	type BlockNumber;

	/// Registered, online (heartbeat within the timeout), bonded at least the minimum, and
	/// signed up for `role`.
	fn is_active(who: &AccountId, role: Role) -> bool;

	/// The hardware `who` declared, if registered.
	fn compute_spec(who: &AccountId) -> Option<ComputeSpec>;

	/// `who`'s trust level, if registered.
	fn trust_level(who: &AccountId) -> Option<TrustLevel>;

	/// The block `who` registered in, if registered (a vote open since before it is not
	/// `who`'s to cast: registering after seeing the question gains nothing).
	fn registered_at(who: &AccountId) -> Option<Self::BlockNumber>;

	/// Every active worker with `role` (bounded by the registry's per-role limit).
	fn active_workers(role: Role) -> Vec<AccountId>;

	/// Up to `count` distinct active workers with `role`, none of them in `exclude`, that have
	/// been on the role's list since before block `listed_before`: those with the lowest
	/// [`lottery_ticket`]s for `seed`. Fewer are returned when fewer qualify.
	///
	/// A pool fixed before the seed was known, and places that others cannot move, leave
	/// nothing to grind: joining after the seed is known does not count, and leaving only gives
	/// up one's own place.
	fn sample(
		role: Role,
		count: u32,
		seed: &[u8; 32],
		exclude: &[AccountId],
		listed_before: Self::BlockNumber,
	) -> Vec<AccountId>;

	/// Record the verdict on a piece of work by `who` (reputation and trust level).
	fn record_outcome(who: &AccountId, outcome: Outcome);

	/// Take one unit of `who`'s daily quota; fails with the registry's error when `who` is not
	/// registered or its quota for today is spent.
	fn use_quota(who: &AccountId) -> DispatchResult;

	/// What is left of `who`'s quota today (0 when not registered).
	fn remaining_quota(who: &AccountId) -> u32;

	/// Whether some online trainer declared at least `vram_gib` of GPU memory: a job asking for
	/// more could never be accepted.
	fn trainer_offers_vram(vram_gib: u32) -> bool;
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The textbook partial Fisher–Yates over a materialized pool, as a reference.
	fn dense_sample(len: u32, count: u32, seed: &[u8; 32]) -> Vec<u32> {
		let take = count.min(len);
		let mut pool: Vec<u32> = (0..len).collect();
		for i in 0..take {
			let mut input = [0u8; 36];
			input[..32].copy_from_slice(seed);
			input[32..].copy_from_slice(&i.to_le_bytes());
			let hash = sp_crypto_hashing::blake2_256(&input);
			let word = u64::from_le_bytes(hash[..8].try_into().unwrap());
			let j = i + (word % u64::from(len - i)) as u32;
			pool.swap(i as usize, j as usize);
		}
		pool.truncate(take as usize);
		pool
	}

	const RULES: TrustRules = TrustRules { successes_to_trust: 3, failures_to_demote: 5 };

	#[test]
	fn three_consecutive_successes_promote() {
		let mut r = Reputation::default();
		assert_eq!(r.record(Outcome::Success, RULES), None);
		assert_eq!(r.record(Outcome::Success, RULES), None);
		assert_eq!(r.record(Outcome::Success, RULES), Some(TrustLevel::Trusted));
		assert_eq!(r.trust, TrustLevel::Trusted);
		assert_eq!((r.successes, r.failures), (3, 0));
	}

	#[test]
	fn a_failure_breaks_the_streak_of_a_newbie() {
		let mut r = Reputation::default();
		for outcome in [Outcome::Success, Outcome::Success, Outcome::Failure, Outcome::Success] {
			assert_eq!(r.record(outcome, RULES), None);
		}
		assert_eq!(r.trust, TrustLevel::Newbie);
		assert_eq!(r.consecutive_successes, 1);
		assert_eq!(r.record(Outcome::Success, RULES), None);
		assert_eq!(r.record(Outcome::Success, RULES), Some(TrustLevel::Trusted));
	}

	#[test]
	fn five_consecutive_failures_demote_and_the_way_back_starts_over() {
		let mut r = Reputation { trust: TrustLevel::Trusted, ..Default::default() };
		for _ in 0..4 {
			assert_eq!(r.record(Outcome::Failure, RULES), None);
		}
		assert_eq!(r.record(Outcome::Success, RULES), None, "a success resets the failure streak");
		for _ in 0..4 {
			assert_eq!(r.record(Outcome::Failure, RULES), None);
		}
		assert_eq!(r.record(Outcome::Failure, RULES), Some(TrustLevel::Newbie));
		assert_eq!(r.record(Outcome::Success, RULES), None);
		assert_eq!(r.record(Outcome::Success, RULES), None);
		assert_eq!(r.record(Outcome::Success, RULES), Some(TrustLevel::Trusted));
	}

	#[test]
	fn counters_saturate() {
		let mut r = Reputation {
			successes: u32::MAX,
			consecutive_successes: u32::MAX,
			..Default::default()
		};
		r.trust = TrustLevel::Trusted;
		assert_eq!(r.record(Outcome::Success, RULES), None);
		assert_eq!(r.successes, u32::MAX);
	}

	#[test]
	fn quota_resets_each_period() {
		let mut q = QuotaUsage::default();
		assert_eq!(q.remaining(0, 2), 2);
		assert!(q.try_use(0, 2));
		assert!(q.try_use(0, 2));
		assert!(!q.try_use(0, 2));
		assert_eq!(q, QuotaUsage { period: 0, used: 2 }, "a refused use changes nothing");
		assert_eq!(q.remaining(1, 2), 2);
		assert!(q.try_use(1, 2));
		assert_eq!(q, QuotaUsage { period: 1, used: 1 });
		assert!(!QuotaUsage::default().try_use(5, 0), "a zero limit allows nothing");
	}

	#[test]
	fn sampling_is_distinct_deterministic_and_seed_dependent() {
		let seed = [7u8; 32];
		let a = sample_indices(100, 10, &seed);
		assert_eq!(a, sample_indices(100, 10, &seed));
		// The sparse shuffle draws exactly what a shuffle of the whole pool would.
		for (len, count) in [(1, 1), (2, 2), (7, 3), (100, 10), (100, 100), (1000, 37)] {
			assert_eq!(sample_indices(len, count, &seed), dense_sample(len, count, &seed));
		}
		// A huge pool costs nothing: no allocation of `len` entries.
		let huge = sample_indices(u32::MAX, 4, &seed);
		assert_eq!(huge.len(), 4);
		assert!(huge.iter().collect::<alloc::collections::BTreeSet<_>>().len() == 4);
		assert_eq!(a.len(), 10);
		let mut sorted = a.clone();
		sorted.sort();
		sorted.dedup();
		assert_eq!(sorted.len(), 10);
		assert!(a.iter().all(|i| *i < 100));
		assert_ne!(a, sample_indices(100, 10, &[8u8; 32]));
		assert_eq!(sample_indices(3, 10, &seed).len(), 3);
		assert!(sample_indices(0, 3, &seed).is_empty());
	}

	#[test]
	fn sampling_is_roughly_uniform() {
		let mut hits = [0u32; 10];
		for s in 0..2000u32 {
			let mut seed = [0u8; 32];
			seed[..4].copy_from_slice(&s.to_le_bytes());
			hits[sample_indices(10, 1, &seed)[0] as usize] += 1;
		}
		// Expected 200 each; a binomial sd is ~13, so 140..260 fails only on a broken draw.
		assert!(hits.iter().all(|h| (140..260).contains(h)), "{hits:?}");
	}

	#[test]
	fn roles_helpers() {
		let r = Roles { trainer: true, evaluator: false, auditor: true };
		assert!(r.has(Role::Trainer) && !r.has(Role::Evaluator) && r.has(Role::Auditor));
		assert_eq!(r.iter().collect::<Vec<_>>(), vec![Role::Trainer, Role::Auditor]);
		assert!(Roles::default().is_empty());
		let t = Roles { trainer: true, ..Default::default() };
		assert_eq!(r.without(t), Roles { auditor: true, ..Default::default() });
		assert!(t.without(r).is_empty());
	}
}
