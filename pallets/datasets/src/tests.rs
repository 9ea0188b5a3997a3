//! The Datasets pallet against the real Workers registry: the whole pipeline, every tier and
//! rejection, and every call's bad input.

use crate::{mock::*, AuditReports, ByContent, Error, Event, Proposers, Stage, Tallies, Votes};
use aiblock_primitives::credits::{seed_table, Contribution};
use aiblock_primitives::datasets::{
	audit_commitment, AuditReport, DatasetId, DatasetsInspect, LicenseCheck, Rejection, Tier,
	Unusable, UsableDataset,
};
use aiblock_primitives::workers::Role;
use frame_support::{assert_noop, assert_ok};
use sp_core::H256;
use sp_runtime::{DispatchError, Permill};

fn propose(who: AccountId, seed: u8) -> DatasetId {
	let m = meta(seed);
	let id = crate::NextDatasetId::<Test>::get();
	committed(who, &m);
	assert_ok!(propose_meta(who, &m));
	id
}

fn stage(id: DatasetId) -> Stage<Test> {
	crate::Datasets::<Test>::get(id).unwrap().stage
}

fn panel(id: DatasetId) -> Vec<AccountId> {
	match stage(id) {
		Stage::Auditing { panel, .. } => panel.into_inner(),
		other => panic!("not auditing: {other:?}"),
	}
}

fn salt(who: AccountId) -> H256 {
	H256::from_low_u64_be(who * 7919)
}

/// Propose dataset `seed`, draw its panel, have the first `reports.len()` auditors commit and
/// reveal those reports, and judge the audit. Returns the id.
fn audited(seed: u8, reports: &[AuditReport]) -> DatasetId {
	audited_by(PROPOSER, seed, reports)
}

/// [`audited`] of a dataset proposed by `proposer`.
fn audited_by(proposer: AccountId, seed: u8, reports: &[AuditReport]) -> DatasetId {
	let id = propose(proposer, seed);
	advance(1);
	let auditors = panel(id);
	for (who, report) in auditors.iter().zip(reports) {
		let commitment = audit_commitment(id, who, report, &salt(*who));
		assert_ok!(Datasets::commit_audit(RuntimeOrigin::signed(*who), id, commitment));
	}
	advance(COMMIT_WINDOW);
	for (who, report) in auditors.iter().zip(reports) {
		assert_ok!(Datasets::reveal_audit(RuntimeOrigin::signed(*who), id, *report, salt(*who)));
	}
	advance(REVEAL_WINDOW);
	assert_ok!(Datasets::advance(RuntimeOrigin::signed(PROPOSER), id));
	id
}

/// Audit dataset `seed` cleanly, then have `ayes` and `nays` voters vote and count.
fn voted(seed: u8, ayes: usize, nays: usize) -> DatasetId {
	let id = audited(seed, &[clean_report(); 3]);
	assert!(matches!(stage(id), Stage::Voting { .. }), "{:?}", stage(id));
	for (i, who) in VOTERS.iter().take(ayes + nays).enumerate() {
		assert_ok!(Datasets::vote(RuntimeOrigin::signed(*who), id, i < ayes));
	}
	advance(VOTING_WINDOW);
	assert_ok!(Datasets::advance(RuntimeOrigin::signed(PROPOSER), id));
	id
}

/// `who`'s PoL credits (all free: nothing locks them in these tests).
fn credits(who: AccountId) -> u64 {
	PolCredits::credits(&who).free
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Datasets(e) => Some(e),
			_ => None,
		})
		.collect()
}

#[test]
fn a_dataset_goes_from_proposal_to_gold() {
	build_and_execute(|| {
		let id = propose(PROPOSER, 1);
		assert_eq!(stage(id), Stage::Proposed);
		assert_eq!(Datasets::usable(id, true), Err(Unusable::NotApproved));
		assert_noop!(
			Datasets::advance(RuntimeOrigin::signed(PROPOSER), id).map_err(|e| e.error),
			Error::<Test>::TooEarly
		);
		advance(1);
		let auditors = panel(id);
		assert_eq!(auditors.len(), 3);
		assert!(auditors.iter().all(|a| AUDITORS.contains(a)));
		let before: Vec<_> = auditors
			.iter()
			.map(|a| pallet_aiblock_workers::Workers::<Test>::get(a).unwrap().reputation.successes)
			.collect();
		let report = clean_report();
		for who in &auditors {
			let commitment = audit_commitment(id, who, &report, &salt(*who));
			assert_ok!(Datasets::commit_audit(RuntimeOrigin::signed(*who), id, commitment));
		}
		advance(COMMIT_WINDOW);
		for who in &auditors {
			assert_ok!(Datasets::reveal_audit(RuntimeOrigin::signed(*who), id, report, salt(*who)));
		}
		assert_noop!(
			Datasets::advance(RuntimeOrigin::signed(PROPOSER), id).map_err(|e| e.error),
			Error::<Test>::TooEarly
		);
		advance(REVEAL_WINDOW);
		assert_ok!(Datasets::advance(RuntimeOrigin::signed(VOTERS[0]), id));
		let Stage::Voting { median, .. } = stage(id) else { panic!("{:?}", stage(id)) };
		assert_eq!(median, report);
		assert_eq!(AuditReports::<Test>::iter_prefix(id).count(), 0, "reports cleared");
		for (who, successes) in auditors.iter().zip(before) {
			let reputation = pallet_aiblock_workers::Workers::<Test>::get(who).unwrap().reputation;
			assert_eq!(reputation.successes, successes + 1, "auditor {who} recorded");
		}
		// Auditors vote too (any registered worker does): 4 ayes of 5.
		for (who, aye) in [
			(VOTERS[0], true),
			(VOTERS[1], true),
			(VOTERS[2], true),
			(AUDITORS[0], true),
			(VOTERS[3], false),
		] {
			assert_ok!(Datasets::vote(RuntimeOrigin::signed(who), id, aye));
		}
		assert_eq!(Tallies::<Test>::get(id).votes(), 5);
		advance(VOTING_WINDOW);
		assert_ok!(Datasets::advance(RuntimeOrigin::signed(PROPOSER), id));
		assert!(matches!(stage(id), Stage::Approved { tier: Tier::Gold, .. }));
		assert_eq!(Datasets::usable(id, false).map(|d| d.proposer), Ok(PROPOSER));
		assert_eq!(Proposers::<Test>::get(PROPOSER).approvals, 1);
		assert_eq!(Votes::<Test>::iter_prefix(id).count(), 0, "votes cleared");
		assert!(events().contains(&Event::DatasetApproved {
			id,
			tier: Tier::Gold,
			ayes: 4,
			nays: 1
		}));
		// Credits: each auditor's report was the median, and the dataset is Gold.
		assert_eq!(credits(PROPOSER), seed_table::GOLD_DATASET);
		for who in &auditors {
			assert_eq!(credits(*who), seed_table::EVALUATION, "auditor {who}");
		}
		assert_noop!(
			Datasets::advance(RuntimeOrigin::signed(PROPOSER), id).map_err(|e| e.error),
			Error::<Test>::AlreadyDecided
		);
		// The same content cannot be proposed again.
		let m = meta(1);
		committed(VOTERS[0], &m);
		assert_noop!(propose_meta(VOTERS[0], &m), Error::<Test>::ContentAlreadyProposed);
	});
}

#[test]
fn the_share_of_ayes_gives_the_tier() {
	build_and_execute(|| {
		let silver = voted(1, 3, 2);
		assert!(matches!(stage(silver), Stage::Approved { tier: Tier::Silver, .. }));
		// Only Gold earns the proposer credits.
		assert_eq!(credits(PROPOSER), 0);
		let experimental = voted(2, 2, 3);
		assert!(matches!(stage(experimental), Stage::Approved { tier: Tier::Experimental, .. }));
		assert_eq!(Datasets::usable(experimental, false), Err(Unusable::Experimental));
		assert!(Datasets::usable(experimental, true).is_ok());
		let down = voted(3, 1, 4);
		assert_eq!(
			stage(down),
			Stage::Rejected { reason: Rejection::VotedDown { ayes: Permill::from_percent(20) } }
		);
		assert_eq!(Datasets::usable(down, true), Err(Unusable::Rejected));
		let unheard = voted(4, 3, 0);
		assert_eq!(stage(unheard), Stage::Rejected { reason: Rejection::NoQuorum { votes: 3 } });
		// Two approvals make the proposer trusted.
		assert_eq!(Proposers::<Test>::get(PROPOSER).approvals, 2);
		assert_eq!(Datasets::usable(99, true), Err(Unusable::Unknown));
	});
}

#[test]
fn the_median_report_decides_and_one_lying_auditor_cannot_move_it() {
	build_and_execute(|| {
		let pii = AuditReport { pii_ppm: 20_000, ..clean_report() };
		let rejected = audited(1, &[pii, clean_report(), pii]);
		assert_eq!(stage(rejected), Stage::Rejected { reason: Rejection::PersonalData(20_000) });
		assert!(events().contains(&Event::DatasetRejected {
			id: rejected,
			reason: Rejection::PersonalData(20_000)
		}));
		// Content judged bad is not proposed again (cleaned data has another root), so that
		// nobody can fish for a friendlier panel.
		assert_eq!(ByContent::<Test>::get(H256::repeat_byte(1)), Some(rejected));
		let m = meta(1);
		committed(VOTERS[2], &m);
		assert_noop!(propose_meta(VOTERS[2], &m), Error::<Test>::ContentAlreadyProposed);
		let liar = AuditReport {
			pii_ppm: 900_000,
			content_matches: false,
			license: LicenseCheck::Forbidden,
			..clean_report()
		};
		let failures = |who: AccountId| {
			pallet_aiblock_workers::Workers::<Test>::get(who).unwrap().reputation.failures
		};
		let before: Vec<u32> = AUDITORS.iter().map(|a| failures(*a)).collect();
		let kept = propose(PROPOSER, 2);
		advance(1);
		let auditors = panel(kept);
		let reports = [clean_report(), liar, clean_report()];
		for (who, report) in auditors.iter().zip(&reports) {
			let commitment = audit_commitment(kept, who, report, &salt(*who));
			assert_ok!(Datasets::commit_audit(RuntimeOrigin::signed(*who), kept, commitment));
		}
		advance(COMMIT_WINDOW);
		for (who, report) in auditors.iter().zip(&reports) {
			assert_ok!(Datasets::reveal_audit(
				RuntimeOrigin::signed(*who),
				kept,
				*report,
				salt(*who)
			));
		}
		advance(REVEAL_WINDOW);
		assert_ok!(Datasets::advance(RuntimeOrigin::signed(PROPOSER), kept));
		assert!(matches!(stage(kept), Stage::Voting { .. }));
		// The audit is deterministic: a report off the median is a failure on its record.
		assert!(events().contains(&Event::AuditDisagreed { id: kept, auditor: auditors[1] }));
		// Only the reports on the median earn audit credits.
		let kept_audits = |who: AccountId| {
			System::events().iter().any(|r| {
				r.event
					== RuntimeEvent::PolCredits(pallet_aiblock_pol_credits::Event::Minted {
						who,
						amount: seed_table::EVALUATION,
						cause: Contribution::Audit { dataset: kept },
					})
			})
		};
		assert_eq!(
			auditors.iter().map(|a| kept_audits(*a)).collect::<Vec<_>>(),
			[true, false, true]
		);
		for (who, failed) in AUDITORS.iter().zip(before) {
			let expected = failed + u32::from(*who == auditors[1]);
			assert_eq!(failures(*who), expected, "auditor {who}");
		}
		for (proposer, seed, report, reason) in [
			(
				VOTERS[0],
				3,
				AuditReport { duplicate_ppm: 990_000, ..clean_report() },
				Rejection::Duplicates(990_000),
			),
			(
				VOTERS[0],
				4,
				AuditReport { license: LicenseCheck::Unknown, ..clean_report() },
				Rejection::UnknownLicense,
			),
			(
				VOTERS[1],
				5,
				AuditReport { content_matches: false, ..clean_report() },
				Rejection::ContentMismatch,
			),
			(
				VOTERS[1],
				6,
				AuditReport { toxicity_ppm: 60_000, ..clean_report() },
				Rejection::Toxicity(60_000),
			),
		] {
			let id = audited_by(proposer, seed, &[report; 3]);
			assert_eq!(stage(id), Stage::Rejected { reason }, "seed {seed}");
		}
	});
}

#[test]
fn an_audit_without_a_majority_of_reveals_is_no_audit() {
	build_and_execute(|| {
		let id = audited(1, &[clean_report()]);
		assert_eq!(stage(id), Stage::Rejected { reason: Rejection::NotAudited });
		// Never judged: the same content may be proposed again, by its proposer for a while.
		assert_eq!(ByContent::<Test>::get(H256::repeat_byte(1)), None);
		propose(PROPOSER, 1);
		// The two auditors that did not reveal are recorded a failure.
		let failures: u32 = AUDITORS
			.iter()
			.map(|a| pallet_aiblock_workers::Workers::<Test>::get(a).unwrap().reputation.failures)
			.sum();
		assert_eq!(failures, 2);
	});
}

#[test]
fn without_a_full_panel_a_proposal_is_rejected_at_the_draw() {
	new_test_ext().execute_with(|| {
		// Two auditors left of five: fewer than a panel of three.
		for who in &AUDITORS[..3] {
			let who = *who;
			assert_ok!(Workers::deregister_worker(RuntimeOrigin::signed(who)));
		}
		let id = propose(PROPOSER, 1);
		advance(1);
		assert_eq!(stage(id), Stage::Rejected { reason: Rejection::NotAudited });
		Datasets::do_try_state().unwrap();
	});
}

#[test]
fn a_proposal_is_refused_for_what_it_gets_wrong() {
	build_and_execute(|| {
		let refused = |m: aiblock_primitives::datasets::DatasetMeta, error: Error<Test>| {
			let n = nonce(PROPOSER, &m);
			committed(PROPOSER, &m);
			assert_noop!(
				Datasets::propose_dataset(RuntimeOrigin::signed(PROPOSER), m, n, proposal_salt()),
				error
			);
		};
		refused(crate::mock::meta(1).with(|m| m.name = Default::default()), Error::EmptyName);
		refused(
			crate::mock::meta(1).with(|m| m.name = vec![0xff].try_into().unwrap()),
			Error::NameNotUtf8,
		);
		refused(
			crate::mock::meta(1).with(|m| m.license = b"MIT OR".to_vec().try_into().unwrap()),
			Error::BadLicense,
		);
		refused(
			crate::mock::meta(1).with(|m| m.cid = b"Qm...".to_vec().try_into().unwrap()),
			Error::UnsupportedCid,
		);
		refused(crate::mock::meta(1).with(|m| m.size = 0), Error::EmptyDataset);
		refused(
			crate::mock::meta(1).with(|m| m.derived_from = vec![7].try_into().unwrap()),
			Error::UnknownParent,
		);
		// A nonce solved for another proposer, or for other metadata, does not count.
		let m = meta(1);
		let mut weak = nonce(VOTERS[0], &m);
		while aiblock_primitives::datasets::pow_solves(&PROPOSER, &m, weak, DIFFICULTY) {
			weak += 1;
		}
		committed(PROPOSER, &m);
		assert_noop!(
			Datasets::propose_dataset(RuntimeOrigin::signed(PROPOSER), m, weak, proposal_salt()),
			Error::<Test>::ProofOfWorkTooWeak
		);
		// Derived from an existing dataset: fine.
		let parent = propose(PROPOSER, 1);
		let child = meta(2).with(|m| m.derived_from = vec![parent].try_into().unwrap());
		committed(PROPOSER, &child);
		assert_ok!(propose_meta(PROPOSER, &child));
		committed(VOTERS[1], &meta(1));
		assert_noop!(
			Datasets::propose_dataset(
				RuntimeOrigin::signed(VOTERS[1]),
				meta(1),
				nonce(VOTERS[1], &meta(1)),
				proposal_salt()
			),
			Error::<Test>::ContentAlreadyProposed
		);
	});
}

trait With: Sized {
	fn with(self, f: impl FnOnce(&mut Self)) -> Self;
}

impl With for aiblock_primitives::datasets::DatasetMeta {
	fn with(mut self, f: impl FnOnce(&mut Self)) -> Self {
		f(&mut self);
		self
	}
}

#[test]
fn proposals_are_limited_per_day_and_per_block() {
	build_and_execute(|| {
		for seed in 1..=3 {
			propose(PROPOSER, seed);
		}
		let m = meta(4);
		committed(PROPOSER, &m);
		assert_noop!(propose_meta(PROPOSER, &m), Error::<Test>::QuotaExhausted);
		propose(VOTERS[0], 4);
		let m5 = meta(5);
		committed(VOTERS[1], &m5);
		assert_noop!(propose_meta(VOTERS[1], &m5), Error::<Test>::TooManyProposalsThisBlock);
		advance(1);
		propose(VOTERS[1], 5);
		// A new day, a new quota.
		run_to_block(DAY);
		propose(PROPOSER, 6);
	});
}

#[test]
fn a_trusted_proposer_gets_the_larger_quota() {
	build_and_execute(|| {
		voted(1, 4, 0);
		voted(2, 4, 0);
		assert_eq!(Proposers::<Test>::get(PROPOSER).approvals, 2);
		let used = Proposers::<Test>::get(PROPOSER).quota;
		assert_eq!(used.used, 2);
		for seed in 3..=5 {
			propose(PROPOSER, seed);
			advance(1);
		}
		let m = meta(6);
		committed(PROPOSER, &m);
		assert_noop!(propose_meta(PROPOSER, &m), Error::<Test>::QuotaExhausted);
	});
}

#[test]
fn commits_and_reveals_are_refused_out_of_turn() {
	build_and_execute(|| {
		let id = propose(PROPOSER, 1);
		let any = H256::repeat_byte(9);
		assert_noop!(
			Datasets::commit_audit(RuntimeOrigin::signed(AUDITORS[0]), id, any),
			Error::<Test>::NotAuditing
		);
		assert_noop!(
			Datasets::commit_audit(RuntimeOrigin::signed(AUDITORS[0]), 9, any),
			Error::<Test>::UnknownDataset
		);
		advance(1);
		let auditors = panel(id);
		let outsider = *AUDITORS.iter().find(|a| !auditors.contains(a)).unwrap();
		assert_noop!(
			Datasets::commit_audit(RuntimeOrigin::signed(outsider), id, any),
			Error::<Test>::NotAnAuditor
		);
		let (a, b, c) = (auditors[0], auditors[1], auditors[2]);
		let report = clean_report();
		assert_ok!(Datasets::commit_audit(
			RuntimeOrigin::signed(a),
			id,
			audit_commitment(id, &a, &report, &salt(a))
		));
		assert_noop!(
			Datasets::commit_audit(RuntimeOrigin::signed(a), id, any),
			Error::<Test>::AlreadyCommitted
		);
		// b commits what a committed: a copy is bound to a, so it will not reveal.
		assert_ok!(Datasets::commit_audit(
			RuntimeOrigin::signed(b),
			id,
			audit_commitment(id, &a, &report, &salt(a))
		));
		let bad = AuditReport { pii_ppm: 1_000_001, ..report };
		assert_ok!(Datasets::commit_audit(
			RuntimeOrigin::signed(c),
			id,
			audit_commitment(id, &c, &bad, &salt(c))
		));
		assert_noop!(
			Datasets::reveal_audit(RuntimeOrigin::signed(a), id, report, salt(a)),
			Error::<Test>::RevealNotOpen
		);
		advance(COMMIT_WINDOW);
		assert_noop!(
			Datasets::commit_audit(RuntimeOrigin::signed(outsider), id, any),
			Error::<Test>::NotAnAuditor
		);
		assert_noop!(
			Datasets::commit_audit(RuntimeOrigin::signed(c), id, any),
			Error::<Test>::CommitWindowClosed
		);
		assert_noop!(
			Datasets::reveal_audit(RuntimeOrigin::signed(outsider), id, report, salt(outsider)),
			Error::<Test>::NotCommitted
		);
		assert_noop!(
			Datasets::reveal_audit(RuntimeOrigin::signed(a), id, report, salt(b)),
			Error::<Test>::CommitmentMismatch
		);
		assert_noop!(
			Datasets::reveal_audit(RuntimeOrigin::signed(b), id, report, salt(a)),
			Error::<Test>::CommitmentMismatch
		);
		assert_noop!(
			Datasets::reveal_audit(RuntimeOrigin::signed(c), id, bad, salt(c)),
			Error::<Test>::MalformedReport
		);
		assert_ok!(Datasets::reveal_audit(RuntimeOrigin::signed(a), id, report, salt(a)));
		assert_noop!(
			Datasets::reveal_audit(RuntimeOrigin::signed(a), id, report, salt(a)),
			Error::<Test>::AlreadyRevealed
		);
		advance(REVEAL_WINDOW);
		assert_noop!(
			Datasets::reveal_audit(RuntimeOrigin::signed(a), id, report, salt(a)),
			Error::<Test>::RevealWindowClosed
		);
		// One reveal of three: no audit.
		assert_ok!(Datasets::advance(RuntimeOrigin::signed(PROPOSER), id));
		assert_eq!(stage(id), Stage::Rejected { reason: Rejection::NotAudited });
	});
}

#[test]
fn votes_are_refused_out_of_turn_and_from_non_workers() {
	build_and_execute(|| {
		let pending = propose(VOTERS[2], 2);
		assert_noop!(
			Datasets::vote(RuntimeOrigin::signed(VOTERS[1]), pending, true),
			Error::<Test>::NotVoting
		);
		assert_noop!(
			Datasets::vote(RuntimeOrigin::signed(VOTERS[1]), 9, true),
			Error::<Test>::UnknownDataset
		);
		let id = audited_by(VOTERS[0], 1, &[clean_report(); 3]);
		assert_noop!(
			Datasets::vote(RuntimeOrigin::signed(VOTERS[0]), id, true),
			Error::<Test>::OwnDataset
		);
		assert_noop!(
			Datasets::vote(RuntimeOrigin::signed(PROPOSER), id, true),
			Error::<Test>::NotAWorker
		);
		// A worker registered after the proposal was not there to be asked: registering voters
		// after seeing the question gains nothing.
		let late = 99;
		<Balances as frame_support::traits::fungible::Mutate<_>>::set_balance(
			&late,
			10 * WORKER_BOND,
		);
		register(late, Role::Trainer);
		assert_noop!(
			Datasets::vote(RuntimeOrigin::signed(late), id, true),
			Error::<Test>::RegisteredTooLate
		);
		assert_ok!(Datasets::vote(RuntimeOrigin::signed(VOTERS[1]), id, false));
		assert_noop!(
			Datasets::vote(RuntimeOrigin::signed(VOTERS[1]), id, true),
			Error::<Test>::AlreadyVoted
		);
		// Eight votes at most (the mock's bound): five more voters and two auditors fill it.
		for who in VOTERS[2..].iter().chain(&AUDITORS[..3]) {
			assert_ok!(Datasets::vote(RuntimeOrigin::signed(*who), id, true));
		}
		assert_noop!(
			Datasets::vote(RuntimeOrigin::signed(AUDITORS[3]), id, true),
			Error::<Test>::TooManyVotes
		);
		assert_noop!(
			Datasets::advance(RuntimeOrigin::signed(PROPOSER), id).map_err(|e| e.error),
			Error::<Test>::TooEarly
		);
		advance(VOTING_WINDOW);
		assert_noop!(
			Datasets::vote(RuntimeOrigin::signed(AUDITORS[3]), id, true),
			Error::<Test>::VotingClosed
		);
		assert_ok!(Datasets::advance(RuntimeOrigin::signed(PROPOSER), id));
		// 7 ayes of 8.
		assert!(matches!(stage(id), Stage::Approved { tier: Tier::Gold, .. }));
	});
}

#[test]
fn quarantine_takes_an_approved_dataset_out() {
	build_and_execute(|| {
		let id = voted(1, 4, 0);
		assert_noop!(
			Datasets::quarantine(RuntimeOrigin::signed(PROPOSER), id),
			DispatchError::BadOrigin
		);
		assert_noop!(Datasets::quarantine(RuntimeOrigin::root(), 9), Error::<Test>::UnknownDataset);
		assert_ok!(Datasets::quarantine(RuntimeOrigin::root(), id));
		assert_eq!(stage(id), Stage::Quarantined { tier: Tier::Gold });
		assert_eq!(Datasets::usable(id, true), Err(Unusable::Quarantined));
		assert!(events().contains(&Event::DatasetQuarantined { id }));
		assert_noop!(Datasets::quarantine(RuntimeOrigin::root(), id), Error::<Test>::NotApproved);
		let pending = propose(PROPOSER, 2);
		assert_noop!(
			Datasets::quarantine(RuntimeOrigin::root(), pending),
			Error::<Test>::NotApproved
		);
		// Quarantined content is not proposed again.
		let m = meta(1);
		committed(VOTERS[0], &m);
		assert_noop!(propose_meta(VOTERS[0], &m), Error::<Test>::ContentAlreadyProposed);
	});
}

#[test]
fn governance_can_enter_an_approved_dataset() {
	build_and_execute(|| {
		let m = meta(3);
		assert_noop!(
			Datasets::register_approved(RuntimeOrigin::signed(PROPOSER), m.clone(), 7, Tier::Gold),
			DispatchError::BadOrigin
		);
		let mut bad = m.clone();
		bad.size = 0;
		assert_noop!(
			Datasets::register_approved(RuntimeOrigin::root(), bad, 7, Tier::Gold),
			Error::<Test>::EmptyDataset
		);
		let id = crate::NextDatasetId::<Test>::get();
		assert_ok!(Datasets::register_approved(RuntimeOrigin::root(), m.clone(), 7, Tier::Silver));
		// Governance's word is not a contribution the workers judged: no credits.
		assert_eq!(credits(7), 0);
		assert!(matches!(stage(id), Stage::Approved { tier: Tier::Silver, .. }));
		assert_eq!(
			Datasets::usable(id, false),
			Ok(UsableDataset { cid: m.cid.clone(), proposer: 7, size: m.size })
		);
		assert!(events().contains(&Event::DatasetRegistered {
			id,
			proposer: 7,
			tier: Tier::Silver
		}));
		// The same content twice is refused, by either path.
		assert_noop!(
			Datasets::register_approved(RuntimeOrigin::root(), m.clone(), 7, Tier::Gold),
			Error::<Test>::ContentAlreadyProposed
		);
		committed(PROPOSER, &m);
		assert_noop!(propose_meta(PROPOSER, &m), Error::<Test>::ContentAlreadyProposed);
	});
}

#[test]
fn governance_sets_the_windows_and_quorum_for_stages_to_come() {
	build_and_execute(|| {
		let defaults = Datasets::params();
		assert_eq!(defaults.voting_window, VOTING_WINDOW);
		let longer = crate::PipelineParams { voting_window: 3 * VOTING_WINDOW, ..defaults };
		assert_noop!(
			Datasets::set_params(RuntimeOrigin::signed(PROPOSER), longer),
			DispatchError::BadOrigin
		);
		for bad in [
			crate::PipelineParams { audit_commit_window: 0, ..defaults },
			crate::PipelineParams { voting_window: 0, ..defaults },
			crate::PipelineParams { vote_quorum: 0, ..defaults },
			crate::PipelineParams { vote_quorum: 9, ..defaults },
		] {
			assert_noop!(
				Datasets::set_params(RuntimeOrigin::root(), bad),
				Error::<Test>::BadParams
			);
		}
		assert_ok!(Datasets::set_params(RuntimeOrigin::root(), longer));
		assert!(events().contains(&Event::ParamsSet { params: longer }));
		let id = audited(1, &[clean_report(); 3]);
		let Stage::Voting { opened, until, .. } = stage(id) else { panic!("{:?}", stage(id)) };
		assert_eq!(until + 1 - opened, 3 * VOTING_WINDOW);
		// The runtime API's view of it.
		let record = Datasets::record(id).unwrap();
		assert_eq!(record.proposer, PROPOSER);
		assert!(matches!(
			record.status,
			aiblock_primitives::datasets::DatasetStatus::Voting { ayes: 0, nays: 0, .. }
		));
		assert_eq!(Datasets::records(None, 10).len(), 1);
		assert!(Datasets::records(Some(id), 10).is_empty());
	});
}

#[test]
fn a_verdict_on_the_bytes_needs_a_majority_of_the_panel_behind_it() {
	build_and_execute(|| {
		// One auditor silent, one lying about personal data, one honest: the median of two
		// tips to the liar, but a permanent rejection needs two of the three.
		let liar = AuditReport { pii_ppm: 900_000, ..clean_report() };
		let id = propose(PROPOSER, 1);
		advance(1);
		let auditors = panel(id);
		for (who, report) in auditors.iter().zip([liar, clean_report()]) {
			let commitment = audit_commitment(id, who, &report, &salt(*who));
			assert_ok!(Datasets::commit_audit(RuntimeOrigin::signed(*who), id, commitment));
		}
		advance(COMMIT_WINDOW);
		for (who, report) in auditors.iter().zip([liar, clean_report()]) {
			assert_ok!(Datasets::reveal_audit(RuntimeOrigin::signed(*who), id, report, salt(*who)));
		}
		advance(REVEAL_WINDOW);
		assert_ok!(Datasets::advance(RuntimeOrigin::signed(PROPOSER), id));
		assert_eq!(stage(id), Stage::Rejected { reason: Rejection::NotAudited });
		assert_eq!(ByContent::<Test>::get(H256::repeat_byte(1)), None, "it may be proposed again");
		// A claim of the proposer's (its CID) judged wrong frees the root too: else anyone
		// could block someone else's content with a dead CID.
		let mismatch = audited(2, &[AuditReport { content_matches: false, ..clean_report() }; 3]);
		assert_eq!(stage(mismatch), Stage::Rejected { reason: Rejection::ContentMismatch });
		assert_eq!(ByContent::<Test>::get(H256::repeat_byte(2)), None);
	});
}

#[test]
fn a_refused_advance_pays_for_one_read_and_a_huge_dataset_is_refused() {
	use frame_support::traits::Get;
	build_and_execute(|| {
		let id = propose(PROPOSER, 1);
		let refused = Datasets::advance(RuntimeOrigin::signed(VOTERS[0]), id).unwrap_err();
		assert_eq!(refused.error, Error::<Test>::TooEarly.into());
		assert_eq!(
			refused.post_info.actual_weight,
			Some(
				<<Test as frame_system::Config>::DbWeight as Get<
					frame_support::weights::RuntimeDbWeight,
				>>::get()
				.reads(1)
			)
		);
		let mut huge = meta(3);
		huge.size = aiblock_primitives::datasets::MAX_DATASET_BYTES + 1;
		committed(PROPOSER, &huge);
		assert_noop!(
			Datasets::propose_dataset(
				RuntimeOrigin::signed(PROPOSER),
				huge.clone(),
				0,
				proposal_salt()
			),
			Error::<Test>::DatasetTooLarge
		);
	});
}

#[test]
fn a_proposal_read_in_the_pool_cannot_be_taken_over() {
	build_and_execute(|| {
		let m = meta(1);
		let salt = proposal_salt();
		let commitment = aiblock_primitives::datasets::proposal_commitment(&PROPOSER, &m, &salt);
		// Without a commitment, or in the commitment's own block: refused.
		assert_noop!(propose_meta(PROPOSER, &m), Error::<Test>::ProposalNotCommitted);
		assert_ok!(Datasets::commit_proposal(RuntimeOrigin::signed(PROPOSER), commitment));
		assert!(events().contains(&Event::ProposalCommitted { proposer: PROPOSER, commitment }));
		assert_noop!(propose_meta(PROPOSER, &m), Error::<Test>::ProposalCommittedThisBlock);
		advance(1);
		// The proposal sits in the pool; a copier redoes the proof of work for its own
		// account, and even knowing the salt it holds no older commitment: its own, made now,
		// is too new for this block.
		let copier = VOTERS[0];
		assert_noop!(propose_meta(copier, &m), Error::<Test>::ProposalNotCommitted);
		let copied = aiblock_primitives::datasets::proposal_commitment(&copier, &m, &salt);
		assert_ok!(Datasets::commit_proposal(RuntimeOrigin::signed(copier), copied));
		assert_noop!(propose_meta(copier, &m), Error::<Test>::ProposalCommittedThisBlock);
		// A wrong salt does not open the commitment.
		assert_noop!(
			Datasets::propose_dataset(
				RuntimeOrigin::signed(PROPOSER),
				m.clone(),
				nonce(PROPOSER, &m),
				H256::zero()
			),
			Error::<Test>::ProposalNotCommitted
		);
		let id = crate::NextDatasetId::<Test>::get();
		assert_ok!(propose_meta(PROPOSER, &m));
		assert_eq!(crate::Datasets::<Test>::get(id).unwrap().proposer, PROPOSER);
		// The commitment is spent.
		assert!(!crate::ProposalCommits::<Test>::contains_key(PROPOSER));
		advance(1);
		assert_noop!(propose_meta(copier, &m), Error::<Test>::ContentAlreadyProposed);
	});
}

#[test]
fn proposal_commitments_are_bounded_and_expire() {
	build_and_execute(|| {
		let commit = |n: u64| {
			Datasets::commit_proposal(RuntimeOrigin::signed(PROPOSER), H256::from_low_u64_be(n))
		};
		assert_ok!(commit(1));
		assert_noop!(commit(1), Error::<Test>::ProposalAlreadyCommitted);
		for n in 2..=u64::from(MAX_PROPOSAL_COMMITS) {
			assert_ok!(commit(n));
		}
		assert_noop!(commit(99), Error::<Test>::TooManyProposalCommits);
		// Expired commitments are dropped by the next commit, and cannot be used: a commitment
		// serves in the `PROPOSAL_COMMIT_LIFETIME` blocks after its own, not one more.
		advance(PROPOSAL_COMMIT_LIFETIME);
		assert_noop!(commit(99), Error::<Test>::TooManyProposalCommits);
		advance(1);
		let salt = proposal_salt();
		let (m2, m3) = (meta(2), meta(3));
		for m in [&m2, &m3] {
			assert_ok!(Datasets::commit_proposal(
				RuntimeOrigin::signed(PROPOSER),
				aiblock_primitives::datasets::proposal_commitment(&PROPOSER, m, &salt)
			));
		}
		assert_eq!(crate::ProposalCommits::<Test>::get(PROPOSER).len(), 2);
		advance(PROPOSAL_COMMIT_LIFETIME);
		assert_ok!(propose_meta(PROPOSER, &m2));
		advance(1);
		assert_noop!(propose_meta(PROPOSER, &m3), Error::<Test>::ProposalNotCommitted);
	});
}

/// `who`'s only commitment: to `meta` with [`proposal_salt`], made at block `at`.
fn committed_at(who: AccountId, meta: &aiblock_primitives::datasets::DatasetMeta, at: u64) {
	let commitment =
		aiblock_primitives::datasets::proposal_commitment(&who, meta, &proposal_salt());
	crate::ProposalCommits::<Test>::insert(
		who,
		frame_support::BoundedVec::truncate_from(vec![(commitment, at)]),
	);
}

fn propose_meta(
	who: AccountId,
	meta: &aiblock_primitives::datasets::DatasetMeta,
) -> frame_support::dispatch::DispatchResult {
	Datasets::propose_dataset(
		RuntimeOrigin::signed(who),
		meta.clone(),
		nonce(who, meta),
		proposal_salt(),
	)
}

#[test]
fn an_honest_proposal_that_lands_late_takes_its_dataset_back() {
	build_and_execute(|| {
		let m = meta(1);
		// A copy of the same content under another name: the auditors would not notice.
		let renamed = m.clone().with(|m| m.name = b"mine".to_vec().try_into().unwrap());
		let commit = |who: AccountId, meta: &aiblock_primitives::datasets::DatasetMeta| {
			let commitment =
				aiblock_primitives::datasets::proposal_commitment(&who, meta, &proposal_salt());
			assert_ok!(Datasets::commit_proposal(RuntimeOrigin::signed(who), commitment));
		};
		commit(PROPOSER, &m);
		advance(1);
		// The honest proposal is sent but does not land this block (a full block, a failed
		// attempt); a copier commits now and gets in first next block.
		let copier = VOTERS[0];
		commit(copier, &renamed);
		advance(1);
		let id = crate::NextDatasetId::<Test>::get();
		assert_ok!(propose_meta(copier, &renamed));
		assert_eq!(crate::Datasets::<Test>::get(id).unwrap().proposer, copier);
		assert_eq!(crate::CommittedAt::<Test>::get(id), Some(2));
		// The honest proposal lands: its commitment is older, so it takes the dataset back,
		// with its own metadata.
		assert_ok!(propose_meta(PROPOSER, &m));
		let info = crate::Datasets::<Test>::get(id).unwrap();
		assert_eq!((info.proposer, info.meta), (PROPOSER, m.clone()));
		assert_eq!(crate::CommittedAt::<Test>::get(id), Some(1));
		assert!(events().contains(&Event::ProposerReplaced {
			id,
			previous: copier,
			proposer: PROPOSER
		}));
		assert_eq!(crate::NextDatasetId::<Test>::get(), id + 1, "no second dataset");
		// A commitment of the same block, or a newer one, takes nothing.
		committed_at(VOTERS[1], &renamed, 1);
		assert_noop!(propose_meta(VOTERS[1], &renamed), Error::<Test>::ContentAlreadyProposed);
		commit(copier, &m);
		advance(1);
		assert_noop!(propose_meta(copier, &m), Error::<Test>::ContentAlreadyProposed);
		// Taken over while audited, the audit starts over: the panel was drawn excluding the
		// previous proposer only.
		let Stage::Auditing { panel, .. } = stage(id) else { panic!("auditing") };
		let report = audit_commitment(id, &panel[0], &clean_report(), &proposal_salt());
		assert_ok!(Datasets::commit_audit(RuntimeOrigin::signed(panel[0]), id, report));
		let elder = VOTERS[2];
		committed_at(elder, &m, 0);
		assert_ok!(propose_meta(elder, &m));
		assert_eq!(stage(id), Stage::Proposed);
		assert_eq!(crate::AuditCommits::<Test>::iter_prefix(id).count(), 0);
		Datasets::do_try_state().unwrap();
		advance(1);
		let Stage::Auditing { panel, commit_until, reveal_until } = stage(id) else {
			panic!("audited again")
		};
		assert!(!panel.contains(&elder));
		// Past the audit the proposer is settled.
		let salt = proposal_salt();
		for who in &panel {
			let commitment = audit_commitment(id, who, &clean_report(), &salt);
			assert_ok!(Datasets::commit_audit(RuntimeOrigin::signed(*who), id, commitment));
		}
		run_to_block(commit_until + 1);
		for who in &panel {
			assert_ok!(Datasets::reveal_audit(
				RuntimeOrigin::signed(*who),
				id,
				clean_report(),
				salt
			));
		}
		run_to_block(reveal_until + 1);
		assert_ok!(Datasets::advance(RuntimeOrigin::signed(PROPOSER), id));
		assert!(matches!(stage(id), Stage::Voting { .. }));
		assert_eq!(crate::CommittedAt::<Test>::get(id), None);
		committed(VOTERS[3], &m);
		assert_noop!(propose_meta(VOTERS[3], &m), Error::<Test>::ContentAlreadyProposed);
	});
}

#[test]
fn content_freed_for_a_retry_is_reserved_for_its_proposer() {
	new_test_ext().execute_with(|| {
		// Two auditors left of five: every proposal is rejected, not audited, at its draw.
		for who in &AUDITORS[..3] {
			assert_ok!(Workers::deregister_worker(RuntimeOrigin::signed(*who)));
		}
		run_to_block(5);
		let (m, other) = (meta(1), meta(2));
		committed_at(PROPOSER, &m, 4);
		let id = crate::NextDatasetId::<Test>::get();
		assert_ok!(propose_meta(PROPOSER, &m));
		committed_at(PROPOSER, &other, 3);
		let other_id = id + 1;
		assert_ok!(propose_meta(PROPOSER, &other));
		advance(1);
		assert_eq!(stage(id), Stage::Rejected { reason: Rejection::NotAudited });
		let root = H256::repeat_byte(1);
		let reservation = |until| crate::Reservation { owner: PROPOSER, until, committed_at: 4 };
		assert_eq!(
			crate::Reserved::<Test>::get(root),
			Some(reservation(6 + PROPOSAL_COMMIT_LIFETIME))
		);
		assert_eq!(crate::CommittedAt::<Test>::get(id), None);
		// Its metadata is public: a copier who committed since may not take the retry.
		let copier = VOTERS[0];
		committed(copier, &m);
		assert_noop!(propose_meta(copier, &m), Error::<Test>::ContentReserved);
		// A commitment older than the first proposal's may (the copied proposer's own, had
		// the first proposal been a copy).
		assert_eq!(stage(other_id), Stage::Rejected { reason: Rejection::NotAudited });
		committed_at(VOTERS[1], &other, 2);
		assert_ok!(propose_meta(VOTERS[1], &other));
		// Its proposer may, and keeps its first commitment's place in line.
		committed(PROPOSER, &m);
		let retry = crate::NextDatasetId::<Test>::get();
		assert_ok!(propose_meta(PROPOSER, &m));
		assert_eq!(crate::Reserved::<Test>::get(root), None);
		assert_eq!(crate::CommittedAt::<Test>::get(retry), Some(4));
		Datasets::do_try_state().unwrap();
		advance(1);
		assert_eq!(stage(retry), Stage::Rejected { reason: Rejection::NotAudited });
		let until = 7 + PROPOSAL_COMMIT_LIFETIME;
		assert_eq!(crate::Reserved::<Test>::get(root), Some(reservation(until)));
		// Reserved through its last block; then anyone may propose it.
		run_to_block(until);
		committed(copier, &m);
		assert_noop!(propose_meta(copier, &m), Error::<Test>::ContentReserved);
		advance(1);
		committed(copier, &m);
		assert_ok!(propose_meta(copier, &m));
		assert_eq!(crate::Reserved::<Test>::get(root), None);
		Datasets::do_try_state().unwrap();
	});
}

#[test]
fn content_rejected_for_the_proposers_own_error_is_not_reserved() {
	build_and_execute(|| {
		let dead = audited(1, &[AuditReport { content_matches: false, ..clean_report() }; 3]);
		assert_eq!(stage(dead), Stage::Rejected { reason: Rejection::ContentMismatch });
		assert_eq!(ByContent::<Test>::get(H256::repeat_byte(1)), None);
		assert_eq!(crate::Reserved::<Test>::get(H256::repeat_byte(1)), None);
		propose(VOTERS[0], 1);
	});
}
