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
		merkle_root: H256::from_low_u64_be(u64::from(seed) + 1),
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
		commit_until: now,
		reveal_until: now + 1u32.into(),
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
		let other: T::AccountId = account("other", 0, 0);
		let parents: Vec<DatasetId> = (0..MAX_PARENTS)
			.map(|i| {
				stored::<T>(1_000 + i, &other, Stage::Rejected { reason: Rejection::NotAudited })
			})
			.collect();
		let who: T::AccountId = account("proposer", 0, 0);
		let meta = meta_of(0, parents);
		let nonce = solve::<T>(&who, &meta);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), meta, nonce);

		assert_eq!(Drawing::<T>::get().len(), 1);
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
			frame_system::Pallet::<T>::block_number() + 1u32.into(),
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
			frame_system::Pallet::<T>::block_number() + 2u32.into(),
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
