//! The Datasets pallet in the real runtime with the development chain's windows: a dataset from
//! proposal to Gold through drawn auditors and worker votes, a job trained on it whose adoption
//! pays its proposer; a dataset seeded with personal data rejected by the audit.

use super::*;
use crate::configs::aiblock::{DataShare, DATASET_POW_DIFFICULTY, EVALUATOR_FEE};
use aiblock_primitives::credits::seed_table;
use aiblock_primitives::datasets::{
	audit_commitment, proposal_commitment, solve_pow, AuditReport, DatasetId, LicenseCheck,
	Rejection,
};
use pallet_aiblock_datasets::Stage;

fn stage(id: DatasetId) -> Stage<Runtime> {
	pallet_aiblock_datasets::Datasets::<Runtime>::get(id).expect("proposed").stage
}

fn datasets_call(who: &crate::AccountId, call: pallet_aiblock_datasets::Call<Runtime>) {
	assert_ok!(dispatch(who, RuntimeCall::Datasets(call)));
}

const SALT: H256 = H256([0x5a; 32]);

/// `who` commits to proposing `meta`, and in the next block proposes it with a proof of work
/// found here; the dataset's id.
fn propose(who: &crate::AccountId, meta: DatasetMeta) -> DatasetId {
	let commitment = proposal_commitment(who, &meta, &SALT);
	datasets_call(who, pallet_aiblock_datasets::Call::commit_proposal { commitment });
	run_to(System::block_number() + 1);
	let id = pallet_aiblock_datasets::NextDatasetId::<Runtime>::get();
	let pow_nonce = solve_pow(who, &meta, DATASET_POW_DIFFICULTY, 0);
	datasets_call(
		who,
		pallet_aiblock_datasets::Call::propose_dataset { meta, pow_nonce, salt: SALT },
	);
	id
}

/// A report that passes every automatic rule.
fn clean() -> AuditReport {
	AuditReport {
		content_matches: true,
		chunks_checked: 4,
		duplicate_ppm: 0,
		pii_ppm: 0,
		toxicity_ppm: 0,
		license: LicenseCheck::Allowed,
		learning_value: 1_500,
	}
}

/// Draw `id`'s panel, have every auditor commit to and reveal `report`, and judge the audit.
fn audit(id: DatasetId, report: AuditReport) {
	run_to(System::block_number() + 1);
	let Stage::Auditing { panel, commit_until, reveal_until } = stage(id) else {
		panic!("auditing: {:?}", stage(id));
	};
	assert_eq!(panel.len(), 3);
	for who in &panel {
		let commitment = audit_commitment(id, who, &report, &H256([9; 32]));
		datasets_call(who, pallet_aiblock_datasets::Call::commit_audit { id, commitment });
	}
	run_to(commit_until + 1);
	for who in &panel {
		datasets_call(
			who,
			pallet_aiblock_datasets::Call::reveal_audit { id, report, salt: H256([9; 32]) },
		);
	}
	run_to(reveal_until + 1);
	datasets_call(&account(Sr25519Keyring::Alice), pallet_aiblock_datasets::Call::advance { id });
}

/// Three auditors, a trainer (Bob) and three evaluators, listed a block before anything.
fn workers() -> Vec<crate::AccountId> {
	let only = |trainer, evaluator, auditor| Roles { trainer, evaluator, auditor };
	register(&account(Sr25519Keyring::Bob), only(true, false, false), 80);
	let auditors: Vec<_> = [Sr25519Keyring::Charlie, Sr25519Keyring::Dave, Sr25519Keyring::Eve]
		.into_iter()
		.map(account)
		.collect();
	for who in &auditors {
		register(who, only(false, false, true), 0);
	}
	for k in [Sr25519Keyring::AliceStash, Sr25519Keyring::BobStash, Sr25519Keyring::CharlieStash] {
		register(&account(k), only(false, true, false), 0);
	}
	run_to(System::block_number() + 1);
	auditors
}

#[test]
fn a_dataset_goes_from_proposal_to_gold_and_its_proposer_is_paid_when_a_job_on_it_is_adopted() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let auditors = workers();
		let ferdie = account(Sr25519Keyring::Ferdie);
		let id = propose(&ferdie, dataset_meta(0x5a));
		audit(id, clean());
		let Stage::Voting { until, .. } = stage(id) else {
			panic!("voting: {:?}", stage(id));
		};
		// A worker registered after the proposal does not vote; the proposer never does.
		let late = account(Sr25519Keyring::DaveStash);
		register(&late, Roles { trainer: true, evaluator: false, auditor: false }, 0);
		let proposed_at =
			pallet_aiblock_datasets::Datasets::<Runtime>::get(id).unwrap().proposed_at;
		let registered_at =
			pallet_aiblock_workers::Workers::<Runtime>::get(&late).unwrap().registered_at;
		assert!(registered_at >= proposed_at);
		assert_noop!(
			dispatch(
				&late,
				RuntimeCall::Datasets(pallet_aiblock_datasets::Call::vote { id, aye: true })
			),
			pallet_aiblock_datasets::Error::<Runtime>::RegisteredTooLate
		);
		assert_noop!(
			dispatch(
				&ferdie,
				RuntimeCall::Datasets(pallet_aiblock_datasets::Call::vote { id, aye: true })
			),
			pallet_aiblock_datasets::Error::<Runtime>::OwnDataset
		);
		for who in auditors.iter().chain([&account(Sr25519Keyring::Bob)]) {
			datasets_call(who, pallet_aiblock_datasets::Call::vote { id, aye: true });
		}
		run_to(until + 1);
		datasets_call(&ferdie, pallet_aiblock_datasets::Call::advance { id });
		assert!(matches!(stage(id), Stage::Approved { tier: Tier::Gold, .. }), "{:?}", stage(id));
		// PoL credits: the Gold dataset's proposer, and each auditor whose report was the median.
		assert_eq!(crate::PolCredits::credits(&ferdie).free, seed_table::GOLD_DATASET);
		for who in &auditors {
			assert_eq!(crate::PolCredits::credits(who).free, seed_table::EVALUATION);
		}

		// A job trains on it, and its adoption pays Ferdie a tenth of the reward.
		let spec = JobSpec {
			datasets: vec![JobDataset { id, cid: dataset_meta(0x5a).cid, parts: 1 }]
				.try_into()
				.unwrap(),
			..job_spec()
		};
		let proposer = free(&ferdie);
		let bob = free(&account(Sr25519Keyring::Bob));
		let (_, genesis_score) = current();
		let candidate =
			super::jobs::run_job_on(spec, genesis_score - 20_000, genesis_score - 20_000, BUDGET);
		assert_eq!(current().0, candidate, "adopted");
		let reward = BUDGET - 3 * EVALUATOR_FEE;
		let data = DataShare::get().mul_floor(reward);
		assert!(data > 0);
		// The learning reward's data part goes to the proposer too, the rest to the trainer.
		let learning = learning_paid(&ferdie);
		assert!(learning > 0);
		assert_eq!(free(&ferdie), proposer + data + learning);
		let bob_learning = learning_paid(&account(Sr25519Keyring::Bob));
		assert_eq!(free(&account(Sr25519Keyring::Bob)), bob + reward - data + bob_learning);
		assert!(System::events().iter().any(|r| matches!(
			&r.event,
			crate::RuntimeEvent::Jobs(pallet_aiblock_jobs::Event::DataRewardPaid { dataset, who, .. })
				if *dataset == id && *who == ferdie
		)));
		try_state();
	});
}

#[test]
fn a_dataset_seeded_with_personal_data_is_rejected_and_no_job_trains_on_it() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		workers();
		let ferdie = account(Sr25519Keyring::Ferdie);
		// A proof of work for someone else's account is worthless.
		let meta = dataset_meta(0x5b);
		let stolen = solve_pow(&account(Sr25519Keyring::Alice), &meta, DATASET_POW_DIFFICULTY, 0);
		let other_salt = H256([0x77; 32]);
		let commitment = proposal_commitment(&ferdie, &meta, &other_salt);
		datasets_call(&ferdie, pallet_aiblock_datasets::Call::commit_proposal { commitment });
		run_to(System::block_number() + 1);
		if !aiblock_primitives::datasets::pow_solves(&ferdie, &meta, stolen, DATASET_POW_DIFFICULTY)
		{
			assert_noop!(
				dispatch(
					&ferdie,
					RuntimeCall::Datasets(pallet_aiblock_datasets::Call::propose_dataset {
						meta: meta.clone(),
						pow_nonce: stolen,
						salt: other_salt,
					})
				),
				pallet_aiblock_datasets::Error::<Runtime>::ProofOfWorkTooWeak
			);
		}
		let id = propose(&ferdie, meta.clone());
		// 3 % of the lines hold personal data: the seed's rule rejects above 1 %.
		audit(id, AuditReport { pii_ppm: 30_000, ..clean() });
		assert_eq!(stage(id), Stage::Rejected { reason: Rejection::PersonalData(30_000) });
		let spec = JobSpec {
			datasets: vec![JobDataset { id, cid: meta.cid, parts: 1 }].try_into().unwrap(),
			..job_spec()
		};
		assert_noop!(
			dispatch(
				&account(Sr25519Keyring::Alice),
				RuntimeCall::Jobs(pallet_aiblock_jobs::Call::post_job { spec, budget: BUDGET })
			),
			pallet_aiblock_jobs::Error::<Runtime>::DatasetRejected
		);
		try_state();
	});
}

/// Found by review: a proposal read in the transaction pool could be copied by an account that
/// redid the proof of work for itself and got in first, taking the data contributor's rewards.
/// A proposal now needs a commitment from an earlier block: a copy made in the proposal's own
/// block is refused, and a copy that gets in first (the honest proposal held up a block) loses
/// the dataset to the honest proposal, whose commitment is older.
#[test]
fn a_proposal_copied_from_the_pool_loses_to_the_honest_one() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		workers();
		let (ferdie, eve) = (account(Sr25519Keyring::Ferdie), account(Sr25519Keyring::Eve));
		let meta = dataset_meta(0x5c);
		let propose_call = |who: &crate::AccountId| {
			RuntimeCall::Datasets(pallet_aiblock_datasets::Call::propose_dataset {
				meta: meta.clone(),
				pow_nonce: solve_pow(who, &meta, DATASET_POW_DIFFICULTY, 0),
				salt: SALT,
			})
		};
		let commitment = proposal_commitment(&ferdie, &meta, &SALT);
		datasets_call(&ferdie, pallet_aiblock_datasets::Call::commit_proposal { commitment });
		run_to(System::block_number() + 1);
		// Ferdie's proposal is in the pool, salt and all; Eve copies it with her own proof of
		// work and commitment: too new for this block.
		let copied = proposal_commitment(&eve, &meta, &SALT);
		datasets_call(&eve, pallet_aiblock_datasets::Call::commit_proposal { commitment: copied });
		assert_noop!(
			dispatch(&eve, propose_call(&eve)),
			pallet_aiblock_datasets::Error::<Runtime>::ProposalCommittedThisBlock
		);
		// Ferdie's proposal is held up a block; Eve's copy gets in first.
		run_to(System::block_number() + 1);
		let id = pallet_aiblock_datasets::NextDatasetId::<Runtime>::get();
		assert_ok!(dispatch(&eve, propose_call(&eve)));
		assert_ok!(dispatch(&ferdie, propose_call(&ferdie)));
		let info = pallet_aiblock_datasets::Datasets::<Runtime>::get(id).expect("proposed");
		assert_eq!(info.proposer, ferdie);
		assert_eq!(pallet_aiblock_datasets::NextDatasetId::<Runtime>::get(), id + 1);
		// Drawn, audited as Ferdie's: Eve's newer commitment takes nothing back.
		run_to(System::block_number() + 1);
		datasets_call(&eve, pallet_aiblock_datasets::Call::commit_proposal { commitment: copied });
		run_to(System::block_number() + 1);
		assert!(matches!(stage(id), Stage::Auditing { .. }));
		assert_noop!(
			dispatch(&eve, propose_call(&eve)),
			pallet_aiblock_datasets::Error::<Runtime>::ContentAlreadyProposed
		);
		try_state();
	});
}
