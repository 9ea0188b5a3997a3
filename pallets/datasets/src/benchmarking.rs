//! Benchmarks of the Datasets pallet, each in its worst case: the longest metadata with every
//! parent, full panels, the most votes, and a voter found only at its last role.

use super::*;
use aiblock_primitives::{
	dag::SemVer,
	datasets::{LicenseCheck, MAX_DATASET_NAME, MAX_LICENSE_LEN, MAX_PARENTS, MAX_SAMPLE_HASHES},
};
use frame_benchmarking::v2::*;
use frame_support::traits::Hooks;
use frame_system::RawOrigin;

/// A hash standing for number `n` (`H256::from_low_u64_be` is std-only).
fn numbered(n: u64) -> H256 {
	let mut bytes = [0u8; 32];
	bytes[24..].copy_from_slice(&n.to_be_bytes());
	H256(bytes)
}

/// Metadata of the largest encoding, content `seed`, derived from `parents`.
fn meta_of(seed: u32, parents: Vec<DatasetId>) -> DatasetMeta {
	// "A OR A OR …": the license check reads every word.
	let mut license = alloc::vec![b'A'];
	while license.len() + 5 <= MAX_LICENSE_LEN as usize {
		license.extend_from_slice(b" OR A");
	}
	let mut cid = alloc::vec![0x01, 0x55, 0x12, 32];
	cid.extend_from_slice(&[7; 32]);
	DatasetMeta {
		name: BoundedVec::truncate_from(alloc::vec![b'n'; MAX_DATASET_NAME as usize]),
		version: SemVer { major: 1, minor: 0, patch: 0 },
		license: BoundedVec::truncate_from(license),
		cid: BoundedVec::truncate_from(cid),
		size: aiblock_primitives::datasets::MAX_DATASET_BYTES,
		merkle_root: numbered(u64::from(seed) + 1),
		sample_hashes: BoundedVec::truncate_from(alloc::vec![
			H256::repeat_byte(3);
			MAX_SAMPLE_HASHES as usize
		]),
		derived_from: BoundedVec::truncate_from(parents),
	}
}

/// The first nonce that solves the proof of work for `who` and `meta` (about
/// 2^`PowDifficulty` hashes: setup, not measured).
fn solve<T: Config>(who: &T::AccountId, meta: &DatasetMeta) -> u64 {
	let mut nonce = 0;
	while !pow_solves(who, meta, nonce, T::PowDifficulty::get()) {
		nonce += 1;
	}
	nonce
}

/// A full list of `who`'s proposal commitments from the previous block, the one to `meta` with
/// [`salt`] last (the longest search), and the chain one block on.
fn committed<T: Config>(who: &T::AccountId, meta: &DatasetMeta) {
	let at = frame_system::Pallet::<T>::block_number();
	let mut commits: Vec<(H256, BlockNumberFor<T>)> =
		(1..T::MaxProposalCommits::get()).map(|i| (numbered(u64::from(i)), at)).collect();
	commits.push((proposal_commitment(who, meta, &salt()), at));
	ProposalCommits::<T>::insert(who, BoundedVec::truncate_from(commits));
	frame_system::Pallet::<T>::set_block_number(at + One::one());
}

/// The costliest proposal to check: the largest metadata, derived from `MAX_PARENTS` datasets;
/// its proposer and proof of work.
fn largest_proposal<T: Config>() -> (T::AccountId, DatasetMeta, u64) {
	let other: T::AccountId = account("other", 0, 0);
	let parents: Vec<DatasetId> = (0..MAX_PARENTS)
		.map(|i| stored::<T>(1_000 + i, &other, Stage::Rejected { reason: Rejection::NotAudited }))
		.collect();
	let who: T::AccountId = account("proposer", 0, 0);
	let meta = meta_of(0, parents);
	let nonce = solve::<T>(&who, &meta);
	(who, meta, nonce)
}

/// Store dataset `seed` at `stage`, proposed by `proposer` now; returns its id.
fn stored<T: Config>(seed: u32, proposer: &T::AccountId, stage: Stage<T>) -> DatasetId {
	let id = NextDatasetId::<T>::get();
	NextDatasetId::<T>::put(id + 1);
	let meta = meta_of(seed, Vec::new());
	if !matches!(stage, Stage::Rejected { .. }) {
		ByContent::<T>::insert(meta.merkle_root, id);
	}
	if matches!(stage, Stage::Proposed) {
		assert!(Drawing::<T>::try_append(id).is_ok());
	}
	let proposed_at = frame_system::Pallet::<T>::block_number();
	Datasets::<T>::insert(id, DatasetInfo { meta, proposer: proposer.clone(), proposed_at, stage });
	id
}

fn report() -> AuditReport {
	AuditReport {
		content_matches: true,
		chunks_checked: 5,
		duplicate_ppm: 0,
		pii_ppm: 0,
		toxicity_ppm: 0,
		license: LicenseCheck::Allowed,
		learning_value: 1,
	}
}

fn salt() -> H256 {
	H256::repeat_byte(5)
}

/// A panel of `p` registered auditors, each committed and revealed when `revealed`.
fn audited<T: Config>(p: u32, revealed: bool) -> (DatasetId, PanelOf<T>) {
	let panel: Vec<T::AccountId> = (0..p)
		.map(|i| {
			let who: T::AccountId = account("auditor", i, 0);
			T::BenchmarkHelper::make_worker(&who, Role::Auditor);
			who
		})
		.collect();
	let panel = BoundedVec::truncate_from(panel);
	let now = frame_system::Pallet::<T>::block_number();
	let stage = Stage::Auditing {
		panel: panel.clone(),
		// Commits this block and the next (a runtime may move to the next block before the
		// call), reveals the block after.
		commit_until: now + 1u32.into(),
		reveal_until: now + 2u32.into(),
	};
	let id = stored::<T>(0, &account("proposer", 0, 0), stage);
	if revealed {
		for who in panel.iter() {
			AuditCommits::<T>::insert(id, who, audit_commitment(id, who, &report(), &salt()));
			AuditReports::<T>::insert(id, who, report());
		}
	}
	(id, panel)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn propose_dataset() {
		let (who, meta, nonce) = largest_proposal::<T>();
		// Its own content, rejected before and reserved for it: the reservation is cleared.
		let now = frame_system::Pallet::<T>::block_number();
		let until = now + 100u32.into();
		Reserved::<T>::insert(
			meta.merkle_root,
			Reservation { owner: who.clone(), until, committed_at: now },
		);
		committed::<T>(&who, &meta);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), meta, nonce, salt());

		assert_eq!(Drawing::<T>::get().len(), 1);
		assert_eq!(Reserved::<T>::iter().count(), 0);
		assert_eq!(ProposalCommits::<T>::get(&who).len() as u32, T::MaxProposalCommits::get() - 1);
	}

	/// A proposal of the same content, committed earlier with other metadata, takes over a
	/// dataset being audited by a full panel that committed and revealed (the largest record;
	/// the audit starts over).
	#[benchmark]
	fn propose_dataset_takeover() {
		let (who, meta, nonce) = largest_proposal::<T>();
		committed::<T>(&who, &meta);
		let copier: T::AccountId = account("copier", 0, 0);
		let (id, _) = audited::<T>(T::MaxAuditors::get(), true);
		Datasets::<T>::mutate(id, |info| info.as_mut().expect("stored").proposer = copier);
		ByContent::<T>::insert(meta.merkle_root, id);
		CommittedAt::<T>::insert(id, frame_system::Pallet::<T>::block_number());

		#[extrinsic_call]
		propose_dataset(RawOrigin::Signed(who.clone()), meta, nonce, salt());

		let info = Datasets::<T>::get(id).expect("stored");
		assert_eq!(info.proposer, who);
		assert!(matches!(info.stage, Stage::Proposed));
		assert_eq!(AuditReports::<T>::iter_prefix(id).count(), 0);
	}

	/// A list one short of full, every commitment live (each compared with the new one).
	#[benchmark]
	fn commit_proposal() {
		let who: T::AccountId = account("proposer", 0, 0);
		let now = frame_system::Pallet::<T>::block_number();
		let commits: Vec<(H256, BlockNumberFor<T>)> =
			(1..T::MaxProposalCommits::get()).map(|i| (numbered(u64::from(i)), now)).collect();
		ProposalCommits::<T>::insert(&who, BoundedVec::truncate_from(commits));

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), H256::repeat_byte(0xcc));

		assert_eq!(ProposalCommits::<T>::get(&who).len() as u32, T::MaxProposalCommits::get());
	}

	#[benchmark]
	fn commit_audit() {
		let (id, panel) = audited::<T>(T::MaxAuditors::get(), false);
		let last = panel.last().cloned().expect("a panel");

		#[extrinsic_call]
		_(RawOrigin::Signed(last.clone()), id, H256::repeat_byte(1));

		assert!(AuditCommits::<T>::contains_key(id, &last));
	}

	#[benchmark]
	fn reveal_audit() {
		let (id, panel) = audited::<T>(T::MaxAuditors::get(), false);
		let last = panel.last().cloned().expect("a panel");
		AuditCommits::<T>::insert(id, &last, audit_commitment(id, &last, &report(), &salt()));
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number() + 2u32.into(),
		);

		#[extrinsic_call]
		_(RawOrigin::Signed(last.clone()), id, report(), salt());

		assert!(AuditReports::<T>::contains_key(id, &last));
	}

	#[benchmark]
	fn vote() {
		// An auditor only: the registry is asked about every role before it is found.
		let voter: T::AccountId = account("voter", 0, 0);
		T::BenchmarkHelper::make_worker(&voter, Role::Auditor);
		let opened = frame_system::Pallet::<T>::block_number() + 1u32.into();
		frame_system::Pallet::<T>::set_block_number(opened);
		let until = opened + 10u32.into();
		let id = stored::<T>(
			0,
			&account("proposer", 0, 0),
			Stage::Voting { median: report(), opened, until },
		);
		let others = T::MaxVotesPerDataset::get().saturating_sub(1);
		Tallies::<T>::insert(id, Tally { ayes: others, nays: 0 });
		for i in 0..others {
			Votes::<T>::insert(id, account::<T::AccountId>("other", i, 0), true);
		}

		#[extrinsic_call]
		_(RawOrigin::Signed(voter.clone()), id, true);

		assert_eq!(Votes::<T>::get(id, &voter), Some(true));
	}

	#[benchmark]
	fn judge_audit(p: Linear<1, { T::MaxAuditors::get() }>) {
		let (id, _) = audited::<T>(p, true);
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number() + 3u32.into(),
		);

		#[extrinsic_call]
		advance(RawOrigin::Signed(account("anyone", 0, 0)), id);

		assert!(matches!(Datasets::<T>::get(id).map(|i| i.stage), Some(Stage::Voting { .. })));
	}

	#[benchmark]
	fn count_votes(v: Linear<0, { T::MaxVotesPerDataset::get() }>) {
		let now = frame_system::Pallet::<T>::block_number();
		let id = stored::<T>(
			0,
			&account("proposer", 0, 0),
			Stage::Voting { median: report(), opened: now, until: now },
		);
		Tallies::<T>::insert(id, Tally { ayes: v, nays: 0 });
		for i in 0..v {
			Votes::<T>::insert(id, account::<T::AccountId>("voter", i, 0), true);
		}
		frame_system::Pallet::<T>::set_block_number(now + 1u32.into());

		#[extrinsic_call]
		advance(RawOrigin::Signed(account("anyone", 0, 0)), id);

		assert_eq!(Votes::<T>::iter_prefix(id).count(), 0);
	}

	#[benchmark]
	fn quarantine() -> Result<(), BenchmarkError> {
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let id = stored::<T>(
			0,
			&account("proposer", 0, 0),
			Stage::Approved { tier: Tier::Gold, median: report() },
		);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id);

		assert!(matches!(Datasets::<T>::get(id).map(|i| i.stage), Some(Stage::Quarantined { .. })));
		Ok(())
	}

	#[benchmark]
	fn register_approved() -> Result<(), BenchmarkError> {
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let proposer: T::AccountId = account("proposer", 0, 0);
		let parents: Vec<DatasetId> = (0..MAX_PARENTS)
			.map(|i| {
				stored::<T>(i + 1, &proposer, Stage::Rejected { reason: Rejection::NotAudited })
			})
			.collect();
		let meta = meta_of(0, parents);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, meta, proposer, Tier::Gold);

		assert_eq!(ByContent::<T>::get(meta_of(0, Vec::new()).merkle_root), Some(MAX_PARENTS));
		Ok(())
	}

	#[benchmark]
	fn set_params() -> Result<(), BenchmarkError> {
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let params = Pallet::<T>::default_params();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params);

		assert_eq!(Params::<T>::get(), Some(params));
		Ok(())
	}

	/// The worst draw: a full auditor list, every entry inactive, so that each draw hashes the
	/// whole list and reads every worker its tickets look at (`tickets_checked`) before it
	/// gives up and rejects the dataset as not audited.
	#[benchmark]
	fn draw_panels(n: Linear<0, { T::MaxProposalsPerBlock::get() }>) {
		// Listed a block before the proposals, so the draw counts them.
		for i in 0..T::MaxAuditorPool::get() {
			let auditor = account("auditor", i, 0);
			T::BenchmarkHelper::make_worker(&auditor, Role::Auditor);
			T::BenchmarkHelper::make_inactive(&auditor);
		}
		let next = frame_system::Pallet::<T>::block_number() + 1u32.into();
		frame_system::Pallet::<T>::set_block_number(next);
		let proposer: T::AccountId = account("proposer", 0, 0);
		let ids: Vec<DatasetId> =
			(0..n).map(|i| stored::<T>(i, &proposer, Stage::Proposed)).collect();
		let now = next + 1u32.into();
		frame_system::Pallet::<T>::set_block_number(now);

		#[block]
		{
			Pallet::<T>::on_initialize(now);
		}

		for id in ids {
			assert!(matches!(
				Datasets::<T>::get(id).map(|i| i.stage),
				Some(Stage::Rejected { reason: Rejection::NotAudited })
			));
		}
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
