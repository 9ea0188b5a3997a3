use crate::{
	mock::*, weights::WeightInfo, Agenda, Assigned, Config, Error, Event, HoldReason, JobOutcome,
	JobSpec, Jobs as JobsStorage, LiveJobs, NextJobId, Outcomes, Stage,
};
use aiblock_primitives::{
	credits::{seed_table, Contribution},
	dag::{BlockKind, BlockStatus, ModelIndex, Payload, QualityGate, Score},
	jobs::{
		attestation_commitment, claim_commitment, Attestation, Candidates, Claim, JobId, JobSlot,
		TrainedWith, MAX_JOB_SLOTS,
	},
	stake::StakeInspect,
	workers::{Role, Roles, TrustLevel, WorkerRegistry},
};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::DispatchResultWithPostInfo,
	traits::fungible::{Inspect, InspectHold},
	weights::Weight,
};
use sp_core::H256;
use std::{cell::RefCell, collections::BTreeMap};

thread_local! {
	/// The score each trainer sealed for each manifest, so that tests can reveal it.
	static CLAIMS: RefCell<BTreeMap<(AccountId, H256), Score>> = Default::default();
}

/// `trainer`'s claim of `claimed` for the submission with `manifest`, sealed with its salt
/// (and remembered for [`reveal_claim`]).
fn seal(trainer: AccountId, manifest: &Payload, claimed: Score) -> H256 {
	CLAIMS.with(|c| c.borrow_mut().insert((trainer, manifest.hash), claimed));
	claim_commitment(&trainer, &manifest.hash, claimed, &salt(trainer))
}

/// The job's trainer and the claim it sealed.
fn sealed_claim(job: JobId) -> Option<(AccountId, Score)> {
	let Some(Stage::Evaluating(e)) = JobsStorage::<Test>::get(job).map(|j| j.stage) else {
		return None;
	};
	let claimed =
		CLAIMS.with(|c| c.borrow().get(&(e.trainer, e.submission.manifest.hash)).copied());
	claimed.map(|c| (e.trainer, c))
}

/// The job's trainer reveals the claim it sealed.
fn reveal_claim(job: JobId) -> sp_runtime::DispatchResult {
	let (trainer, claimed) = sealed_claim(job).ok_or(Error::<Test>::NotEvaluating)?;
	Jobs::reveal_claim(signed(trainer), job, claimed, salt(trainer))
		.map(|_| ())
		.map_err(|e| e.error)
}

fn jobs_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Jobs(e) = r.event { Some(e) } else { None })
		.collect()
}

fn signed(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

fn escrow_of(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::Jobs(HoldReason::Escrow), &who)
}

fn free(who: AccountId) -> Balance {
	Balances::balance(&who)
}

fn stake(who: AccountId) -> Balance {
	<Stake as StakeInspect<AccountId>>::active_stake(&who)
}

fn committed(who: AccountId) -> Balance {
	stake(who) - <Stake as StakeInspect<AccountId>>::uncommitted_stake(&who)
}

/// Budget 1_000 with three evaluators: reward 910, fees 3 × 30, protocol fee 100.
const BUDGET: Balance = 1_000;
const REWARD: Balance = BUDGET - 3 * EVALUATOR_FEE;
const FEE: Balance = BUDGET / 10;

fn post_spec(spec: JobSpec, budget: Balance) -> JobId {
	assert_ok!(Jobs::post_job(signed(POSTER), spec, budget));
	NextJobId::<Test>::get() - 1
}

fn post() -> JobId {
	post_spec(job_spec(), BUDGET)
}

fn submit_as(trainer: AccountId, job: JobId, claimed: Score) -> DispatchResultWithPostInfo {
	let manifest = payload(0xa0 + job as u8);
	Jobs::submit_result(
		signed(trainer),
		job,
		candidates(&[payload(0xc0 + job as u8)]),
		seal(trainer, &manifest, claimed),
		manifest,
		H256([0x77; 32]),
		TrainedWith::default(),
		revision(),
	)
}

/// The model's current revision.
fn revision() -> u32 {
	<ExpertDag as QualityGate<AccountId>>::state(0).expect("the model exists").revision
}

/// A job on one slot, `kind` of `model`, whose current block is `base`.
fn on(model: ModelIndex, kind: BlockKind, base: H256) -> JobSpec {
	JobSpec { model, slots: vec![JobSlot { kind, base }].try_into().unwrap(), ..job_spec() }
}

/// Candidate payloads as a submission brings them.
fn candidates(payloads: &[Payload]) -> Candidates<Payload> {
	payloads.to_vec().try_into().expect("at most MAX_JOB_SLOTS")
}

/// The candidates of `job`, under evaluation.
fn candidate_set(job: JobId) -> Candidates<H256> {
	match JobsStorage::<Test>::get(job).expect("open job").stage {
		Stage::Evaluating(e) => e.submission.candidates,
		_ => panic!("job {job} is not under evaluation"),
	}
}

/// The one candidate of a one-slot `job`, under evaluation.
fn candidate(job: JobId) -> H256 {
	candidate_set(job)[0]
}

fn panel(job: JobId) -> Vec<AccountId> {
	match JobsStorage::<Test>::get(job).map(|j| j.stage) {
		Some(Stage::Evaluating(e)) => e.panel.iter().map(|s| s.evaluator).collect(),
		_ => vec![],
	}
}

fn salt(who: AccountId) -> [u8; 32] {
	[who as u8; 32]
}

fn commit(job: JobId, who: AccountId, score: Score, replay_ok: bool) -> sp_runtime::DispatchResult {
	let commitment =
		attestation_commitment(job, &who, &Attestation { score, replay_ok }, &salt(who));
	Jobs::commit_attestation(signed(who), job, commitment)
}

fn reveal(job: JobId, who: AccountId, score: Score, replay_ok: bool) -> sp_runtime::DispatchResult {
	Jobs::reveal_attestation(signed(who), job, score, replay_ok, salt(who))
		.map(|_| ())
		.map_err(|e| e.error)
}

/// A submission's block ends, and the panel is drawn at the end of the next one: evaluators
/// can commit from the block after that.
fn await_draw() {
	advance(2);
}

/// Accept with `TRAINER`, submit `claimed`, and wait for the panel.
fn train(job: JobId, claimed: Score) -> Vec<AccountId> {
	assert_ok!(Jobs::accept_job(signed(TRAINER), job));
	assert_ok!(submit_as(TRAINER, job, claimed));
	await_draw();
	let drawn = panel(job);
	assert_eq!(drawn.len(), 3, "the panel is complete");
	drawn
}

/// Every panel member commits and reveals its attestation (`None`: stays silent), and the
/// trainer reveals its claim once they have committed.
fn attest(job: JobId, attestations: &[Option<(Score, bool)>]) {
	let members = panel(job);
	for (who, a) in members.iter().zip(attestations) {
		if let Some((score, ok)) = a {
			assert_ok!(commit(job, *who, *score, *ok));
		}
	}
	if attestations.iter().any(|a| a.is_none()) {
		advance(windows().commit as u64 + 1);
	}
	assert_ok!(reveal_claim(job));
	for (who, a) in members.iter().zip(attestations) {
		if let Some((score, ok)) = a {
			assert_ok!(reveal(job, *who, *score, *ok));
		}
	}
}

/// `who`'s PoL credits (all free: nothing locks them in these tests).
fn credits(who: AccountId) -> u64 {
	PolCredits::credits(&who).free
}

fn honest(score: Score) -> Option<(Score, bool)> {
	Some((score, true))
}

fn finalized(job: JobId) -> (bool, bool) {
	jobs_events()
		.into_iter()
		.find_map(|e| match e {
			Event::JobFinalized { job: j, adopted, refuted, .. } if j == job => {
				Some((adopted, refuted))
			},
			_ => None,
		})
		.expect("the job was finalised")
}

#[test]
fn posting_holds_budget_and_fee() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		assert_eq!(escrow_of(POSTER), BUDGET + FEE);
		assert_eq!(free(POSTER), POSTER_FUNDS - BUDGET - FEE);
		let record = JobsStorage::<Test>::get(job).unwrap();
		assert_eq!((record.reward, record.evaluator_fee, record.protocol_fee), (REWARD, 30, FEE));
		assert_eq!((record.base_score, record.delta), (BASE_SCORE, DELTA));
		assert_eq!(record.stage, Stage::Open { deadline: 1 + 10 });
		assert_eq!(LiveJobs::<Test>::get(), 1);
		assert!(matches!(
			jobs_events().last(),
			Some(Event::JobPosted { job: 0, poster: POSTER, reward: REWARD, held, .. })
				if *held == BUDGET + FEE
		));
	});
}

#[test]
fn an_honest_gain_is_adopted_and_everyone_is_paid_exactly() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		let old = base();
		let evaluators = train(job, 1_980_000);
		let cand = candidate(job);
		assert_eq!(<ExpertDag as QualityGate<AccountId>>::status(cand), Some(BlockStatus::Pending));
		assert_eq!(committed(TRAINER), TRAINER_COLLATERAL);
		for who in &evaluators {
			assert_eq!(committed(*who), EVALUATOR_COLLATERAL);
		}
		let treasury = free(TREASURY);
		let trainer = free(TRAINER);
		attest(job, &[honest(1_980_300), honest(1_979_800), honest(1_980_000)]);

		assert_eq!(finalized(job), (true, false));
		assert_eq!(base(), cand, "the candidate is current");
		assert_eq!(
			<ExpertDag as QualityGate<AccountId>>::status(old),
			Some(BlockStatus::Superseded)
		);
		assert_eq!(
			pallet_aiblock_expert_dag::Blocks::<Test>::get(cand).unwrap().score,
			Some(1_980_000),
			"the median"
		);
		assert_eq!(free(TRAINER), trainer + REWARD);
		for who in &evaluators {
			assert_eq!(free(*who), WORKER_FUNDS - WORKER_BOND + EVALUATOR_FEE);
			assert_eq!(committed(*who), 0);
			assert_eq!(stake(*who), WORKER_BOND);
		}
		assert_eq!(free(TREASURY), treasury + FEE);
		assert_eq!(escrow_of(POSTER), 0);
		assert_eq!(free(POSTER), POSTER_FUNDS - BUDGET - FEE, "nothing to refund");
		assert_eq!((stake(TRAINER), committed(TRAINER)), (WORKER_BOND, 0));
		assert!(JobsStorage::<Test>::get(job).is_none());
		assert_eq!(Assigned::<Test>::iter().count(), 0);
		assert_eq!(LiveJobs::<Test>::get(), 0);
		// Credits: the gain (20 000 micro-nats) is twice the delta, and each evaluation was
		// honest.
		assert_eq!(credits(TRAINER), 2 * seed_table::ADOPTION);
		for who in &evaluators {
			assert_eq!(credits(*who), seed_table::EVALUATION);
		}
		assert!(System::events().iter().any(|r| r.event
			== RuntimeEvent::PolCredits(pallet_aiblock_pol_credits::Event::Minted {
				who: TRAINER,
				amount: 2 * seed_table::ADOPTION,
				cause: Contribution::Adoption { job, gain: 20_000, delta: DELTA },
			})));
	});
}

#[test]
fn a_refuted_claim_is_slashed_and_the_reward_refunded() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		let old = base();
		let evaluators = train(job, 1_900_000);
		let cand = candidate(job);
		let treasury = free(TREASURY);
		attest(job, &[honest(1_995_000), honest(1_995_100), honest(1_994_900)]);

		assert_eq!(finalized(job), (false, true));
		assert_eq!(base(), old);
		assert_eq!(
			<ExpertDag as QualityGate<AccountId>>::status(cand),
			Some(BlockStatus::Rejected)
		);
		assert_eq!(stake(TRAINER), WORKER_BOND - TRAINER_COLLATERAL);
		assert_eq!(committed(TRAINER), 0);
		// The three evaluators who refuted the claim share the reporter's tenth of the slash.
		let mut reported = 0;
		for who in &evaluators {
			let share = free(*who) - (WORKER_FUNDS - WORKER_BOND + EVALUATOR_FEE);
			assert!(share > 0, "evaluator {who} shares the reporter's part");
			reported += share;
		}
		assert!(reported.abs_diff(TRAINER_COLLATERAL / 10) <= 3, "{reported}");
		assert_eq!(free(TREASURY), treasury + FEE + TRAINER_COLLATERAL - reported);
		assert_eq!(free(POSTER), POSTER_FUNDS - BUDGET - FEE + REWARD);
		assert_eq!(escrow_of(POSTER), 0);
		let rep = pallet_aiblock_workers::Workers::<Test>::get(TRAINER).unwrap().reputation;
		assert_eq!((rep.successes, rep.failures), (0, 1));
		// The three evaluators proved the fraud and share its credits; the trainer earns
		// nothing, and no evaluation credits come without an adoption.
		assert_eq!(credits(TRAINER), 0);
		for who in &evaluators {
			assert_eq!(credits(*who), seed_table::FRAUD / 3);
		}
	});
}

#[test]
fn an_honest_claim_without_enough_gain_is_not_adopted_nor_slashed() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		let evaluators = train(job, 1_995_000);
		attest(job, &[honest(1_995_000); 3]);
		assert_eq!(finalized(job), (false, false));
		// A submission that is not adopted earns nobody credits: a junk open submission
		// cannot buy its own panel credits for the price of its fees.
		assert_eq!(credits(TRAINER), 0);
		for who in &evaluators {
			assert_eq!(credits(*who), 0);
		}
		assert_eq!((stake(TRAINER), committed(TRAINER)), (WORKER_BOND, 0));
		assert_eq!(free(POSTER), POSTER_FUNDS - BUDGET - FEE + REWARD);
		let rep = pallet_aiblock_workers::Workers::<Test>::get(TRAINER).unwrap().reputation;
		assert_eq!((rep.successes, rep.failures), (1, 0));
	});
}

#[test]
fn failed_replays_are_fraud() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		let evaluators = train(job, 1_980_000);
		attest(job, &[Some((1_980_000, false)), Some((1_980_000, false)), honest(1_980_000)]);
		assert_eq!(finalized(job), (false, true));
		// The two whose replays failed proved the fraud; the third vouched for a replay the
		// majority could not reproduce and earns nothing.
		assert_eq!(credits(TRAINER), 0);
		assert_eq!(
			evaluators.iter().map(|who| credits(*who)).collect::<Vec<_>>(),
			[seed_table::FRAUD / 2, seed_table::FRAUD / 2, 0]
		);
		assert_eq!(stake(TRAINER), WORKER_BOND - TRAINER_COLLATERAL);
		assert!(JobsStorage::<Test>::get(job).is_none(), "the job is over");
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::Stake(pallet_aiblock_stake::Event::Slashed {
				who: TRAINER,
				reason: aiblock_primitives::stake::SlashReason::ProvenFraud,
				..
			})
		)));
	});
}

#[test]
fn outliers_and_silent_evaluators_are_slashed_and_not_paid() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		let evaluators = train(job, 1_980_000);
		attest(job, &[honest(1_980_000), honest(1_950_000), None]);
		// The third never committed; once the commit window is over and both committed seats
		// revealed, the job ends. Of the two reveals the median is the worse one, not the
		// outlier's flattering score.
		assert!(JobsStorage::<Test>::get(job).is_none(), "all committed seats revealed");
		assert_eq!(finalized(job), (true, false));
		assert_eq!(
			pallet_aiblock_expert_dag::Blocks::<Test>::get(base()).unwrap().score,
			Some(1_980_000)
		);
		assert_eq!(stake(evaluators[0]), WORKER_BOND);
		assert_eq!(free(evaluators[0]), WORKER_FUNDS - WORKER_BOND + EVALUATOR_FEE);
		assert_eq!(stake(evaluators[1]), WORKER_BOND - EVALUATOR_COLLATERAL, "outlier");
		assert_eq!(free(evaluators[1]), WORKER_FUNDS - WORKER_BOND);
		assert_eq!(stake(evaluators[2]), WORKER_BOND - EVALUATOR_COLLATERAL, "silent");
		assert_eq!(free(POSTER), POSTER_FUNDS - BUDGET - FEE + 2 * EVALUATOR_FEE);
	});
}

#[test]
fn the_reveal_deadline_finalises_with_the_reveals_in() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		let evaluators = train(job, 1_980_000);
		for who in &evaluators {
			assert_ok!(commit(job, *who, 1_980_000, true));
		}
		assert_ok!(reveal_claim(job));
		assert_ok!(reveal(job, evaluators[0], 1_980_000, true));
		assert_ok!(reveal(job, evaluators[1], 1_980_000, true));
		advance(windows().commit as u64 + windows().reveal as u64 + 1);
		assert_eq!(finalized(job), (true, false));
		assert_eq!(stake(evaluators[2]), WORKER_BOND - EVALUATOR_COLLATERAL);
		assert_eq!(free(TRAINER), WORKER_FUNDS - WORKER_BOND + REWARD);
	});
}

#[test]
fn post_job_refusals() {
	ExtBuilder::default().build_and_execute(|| {
		let refuse = |spec: JobSpec, budget: Balance, error: Error<Test>| {
			assert_noop!(Jobs::post_job(signed(POSTER), spec, budget), error);
		};
		for evaluators in [1, 2, 4, 7] {
			refuse(JobSpec { evaluators, ..job_spec() }, BUDGET, Error::BadEvaluatorCount);
		}
		refuse(JobSpec { trainers: 2, ..job_spec() }, BUDGET, Error::UnsupportedTrainerCount);
		for (accept, submit) in [(0, 20), (10, 101)] {
			let mut spec = job_spec();
			spec.windows.accept = accept;
			spec.windows.submit = submit;
			refuse(spec, BUDGET, Error::BadWindow);
		}
		refuse(JobSpec { steps: 0, ..job_spec() }, BUDGET, Error::BadTrainingParams);
		let mut spec = job_spec();
		spec.hyper.checkpoint_every = 0;
		refuse(spec, BUDGET, Error::BadTrainingParams);
		refuse(job_spec(), 3 * EVALUATOR_FEE + MIN_REWARD - 1, Error::RewardTooLow);
		refuse(job_spec(), 10, Error::RewardTooLow);
		let stale = JobSlot { kind: SLOT, base: H256([1; 32]) };
		let stale = JobSpec { slots: vec![stale].try_into().unwrap(), ..job_spec() };
		refuse(stale, BUDGET, Error::BaseNotCurrent);
		refuse(JobSpec { model: 3, ..job_spec() }, BUDGET, Error::UnknownSlot);
		refuse(
			JobSpec { slots: slots(&[BlockKind::Meta]), ..job_spec() },
			BUDGET,
			Error::UnknownSlot,
		);
		refuse(job_spec(), POSTER_FUNDS, Error::InsufficientBalance);
		assert_noop!(
			Jobs::post_job(RuntimeOrigin::none(), job_spec(), BUDGET),
			sp_runtime::DispatchError::BadOrigin
		);
	});
}

/// A model no worker can train and replay takes no jobs: evaluators drawn for its candidates
/// could not judge them, and would be slashed for the attestations they could not give.
#[test]
fn jobs_on_an_architecture_workers_cannot_judge_are_refused() {
	use aiblock_primitives::dag::{AttentionSpec, ModelSpec, SemVer};
	use pallet_aiblock_expert_dag::ImportedBlock;
	ExtBuilder::default().build_and_execute(|| {
		let transformer = ModelSpec {
			architecture: b"aiblock-mixtral-v1".to_vec().try_into().unwrap(),
			version: SemVer { major: 2, minor: 0, patch: 0 },
			context: 64,
			attention: Some(AttentionSpec {
				heads: 4,
				kv_heads: 4,
				head_dim: 8,
				rope_theta: 10_000,
				norm_eps_pico: 10_000_000,
			}),
			..model()
		};
		let blocks: Vec<_> = transformer
			.param_kinds()
			.enumerate()
			.map(|(i, kind)| ImportedBlock {
				kind,
				payload: payload(0x60 + i as u8),
				score: Some(BASE_SCORE),
			})
			.collect();
		assert_ok!(ExpertDag::import_model(
			RuntimeOrigin::root(),
			transformer,
			blocks.try_into().unwrap()
		));
		let kind = BlockKind::Attention { layer: 0 };
		let base = <ExpertDag as QualityGate<AccountId>>::current(1, kind).unwrap().0;
		assert_noop!(
			Jobs::post_job(signed(POSTER), on(1, kind, base), BUDGET),
			Error::<Test>::ArchitectureNotTrainable
		);
		// Nor does a spec with the byte model's tag and a transformer's shape.
		let disguised = ModelSpec {
			architecture: b"byte-moe-v1".to_vec().try_into().unwrap(),
			version: SemVer { major: 3, minor: 0, patch: 0 },
			..<ExpertDag as QualityGate<AccountId>>::spec(1).unwrap()
		};
		let blocks: Vec<_> = disguised
			.param_kinds()
			.enumerate()
			.map(|(i, kind)| ImportedBlock {
				kind,
				payload: payload(0x90 + i as u8),
				score: Some(BASE_SCORE),
			})
			.collect();
		assert_ok!(ExpertDag::import_model(
			RuntimeOrigin::root(),
			disguised,
			blocks.try_into().unwrap()
		));
		let kind = BlockKind::Expert { layer: 0, expert: 0 };
		let base = <ExpertDag as QualityGate<AccountId>>::current(2, kind).unwrap().0;
		assert_noop!(
			Jobs::post_job(signed(POSTER), on(2, kind, base), BUDGET),
			Error::<Test>::ArchitectureNotTrainable
		);
		// The byte model's slots still take jobs.
		assert_ok!(Jobs::post_job(signed(POSTER), job_spec(), BUDGET));
	});
}

/// Accepting declares the weight of a job on `MAX_JOB_SLOTS` slots (the job is read only in
/// the call) and charges the weight of the job's own slots.
#[test]
fn accepting_charges_the_weight_of_the_jobs_slots() {
	use frame_support::dispatch::GetDispatchInfo;
	ExtBuilder::default().build_and_execute(|| {
		let kinds = [SLOT, BlockKind::Expert { layer: 0, expert: 0 }];
		let job = post_spec(JobSpec { slots: slots(&kinds), ..job_spec() }, BUDGET);
		let declared = crate::Call::<Test>::accept_job { job }.get_dispatch_info().call_weight;
		let accepted = Jobs::accept_job(signed(TRAINER), job).unwrap();
		let charged = accepted.actual_weight.expect("the job's own weight");
		assert_eq!(charged, <Test as Config>::WeightInfo::accept_job(2));
		assert_eq!(declared, <Test as Config>::WeightInfo::accept_job(MAX_JOB_SLOTS));
		assert!(declared.all_gte(charged));
	});
}

#[test]
fn accept_job_refusals_and_quota() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		assert_noop!(Jobs::accept_job(signed(TRAINER), 9), Error::<Test>::UnknownJob);
		assert_noop!(Jobs::accept_job(signed(EVALUATORS[0]), job), Error::<Test>::NotActiveTrainer);
		assert_noop!(Jobs::accept_job(signed(POSTER), job), Error::<Test>::NotActiveTrainer);
		assert_noop!(Jobs::accept_job(signed(OTHER_TRAINER), job), Error::<Test>::InsufficientVram);
		assert_ok!(Jobs::accept_job(signed(TRAINER), job));
		assert_noop!(Jobs::accept_job(signed(TRAINER), job), Error::<Test>::NotOpen);
		assert_eq!(Workers::remaining_quota(&TRAINER), 2);
		assert_eq!(
			<Jobs as aiblock_primitives::workers::AssignmentsInspect<_>>::active_assignments(
				&TRAINER
			),
			1
		);
		assert_noop!(
			Workers::deregister_worker(signed(TRAINER)),
			pallet_aiblock_workers::Error::<Test>::HasActiveAssignments
		);

		// The newbie quota is three jobs a day.
		let more: Vec<JobId> = (0..3).map(|_| post()).collect();
		assert_ok!(Jobs::accept_job(signed(TRAINER), more[0]));
		assert_ok!(Jobs::accept_job(signed(TRAINER), more[1]));
		assert_noop!(
			Jobs::accept_job(signed(TRAINER), more[2]),
			pallet_aiblock_workers::Error::<Test>::QuotaExhausted
		);
		assert_eq!(committed(TRAINER), 3 * TRAINER_COLLATERAL);

		// Too late to accept.
		let late = post();
		advance(windows().accept as u64 + 1);
		assert!(JobsStorage::<Test>::get(late).is_none(), "expired");
	});
}

#[test]
fn accepting_needs_uncommitted_stake() {
	ExtBuilder::default().build_and_execute(|| {
		// 510 active: still registered (500), but collateral for two jobs only.
		assert_ok!(Stake::unbond(signed(TRAINER), WORKER_BOND - 510));
		let jobs: Vec<JobId> = (0..3).map(|_| post()).collect();
		assert_ok!(Jobs::accept_job(signed(TRAINER), jobs[0]));
		assert_ok!(Jobs::accept_job(signed(TRAINER), jobs[1]));
		assert_noop!(
			Jobs::accept_job(signed(TRAINER), jobs[2]),
			pallet_aiblock_stake::Error::<Test>::InsufficientUncommittedStake
		);
		assert_eq!(Workers::remaining_quota(&TRAINER), 1, "a refused accept costs no quota");
		assert_eq!(committed(TRAINER), 2 * TRAINER_COLLATERAL);
	});
}

#[test]
fn accept_window_is_enforced_before_the_hook_runs() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		// Reach the deadline block, then past it without letting on_idle run.
		run_to_block(1 + windows().accept as u64);
		assert_ok!(Jobs::accept_job(signed(TRAINER), job));
		let job = post();
		let deadline = System::block_number() + windows().accept as u64;
		System::set_block_number(deadline + 1);
		assert_noop!(Jobs::accept_job(signed(TRAINER), job), Error::<Test>::AcceptWindowOver);
	});
}

#[test]
fn the_poster_cancels_an_unaccepted_job_for_a_full_refund() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		assert_noop!(Jobs::cancel_job(signed(TRAINER), job), Error::<Test>::NotPoster);
		assert_noop!(Jobs::cancel_job(signed(POSTER), 7), Error::<Test>::UnknownJob);
		assert_ok!(Jobs::cancel_job(signed(POSTER), job));
		assert_eq!((free(POSTER), escrow_of(POSTER)), (POSTER_FUNDS, 0));
		assert_eq!(Agenda::<Test>::iter().count(), 0);
		assert!(jobs_events().contains(&Event::JobCancelled { job }));

		let job = post();
		assert_ok!(Jobs::accept_job(signed(TRAINER), job));
		assert_noop!(Jobs::cancel_job(signed(POSTER), job), Error::<Test>::NotOpen);
	});
}

#[test]
fn an_unaccepted_job_expires_with_a_full_refund() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		advance(windows().accept as u64);
		assert!(JobsStorage::<Test>::get(job).is_some(), "still open on its deadline block");
		advance(1);
		assert!(JobsStorage::<Test>::get(job).is_none());
		assert!(jobs_events().contains(&Event::JobExpired { job }));
		assert_eq!((free(POSTER), escrow_of(POSTER)), (POSTER_FUNDS, 0));
	});
}

#[test]
fn how_a_job_ended_is_kept_for_the_last_outcomes_kept_ids() {
	ExtBuilder::default().build_and_execute(|| {
		let adopted = post();
		train(adopted, 1_980_000);
		attest(adopted, &[honest(1_980_300), honest(1_979_800), honest(1_980_000)]);
		let cancelled = post();
		assert_ok!(Jobs::cancel_job(signed(POSTER), cancelled));
		let expired = post();
		assert!(Outcomes::<Test>::get(expired).is_none(), "open: no outcome yet");
		advance(windows().accept as u64 + 1);
		assert_eq!(
			Outcomes::<Test>::get(adopted),
			Some(JobOutcome::Finalized { adopted: true, refuted: false, median: Some(1_980_000) })
		);
		assert_eq!(Outcomes::<Test>::get(cancelled), Some(JobOutcome::Cancelled));
		assert_eq!(Outcomes::<Test>::get(expired), Some(JobOutcome::Expired));

		// The mock keeps 3: posting the fourth id forgets the first.
		let fourth = post();
		assert_eq!(Outcomes::<Test>::get(adopted), None);
		assert_eq!(Outcomes::<Test>::get(cancelled), Some(JobOutcome::Cancelled));
		// A job that outlives OutcomesKept later posts keeps no outcome when it ends.
		for _ in 0..3 {
			post();
		}
		assert_ok!(Jobs::cancel_job(signed(POSTER), fourth));
		assert_eq!(Outcomes::<Test>::get(fourth), None);
		assert_eq!(Outcomes::<Test>::iter().count(), 0);
	});
}

#[test]
fn a_trainer_missing_its_deadline_is_slashed_and_the_job_reopens() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post_spec(JobSpec { min_vram_gib: 0, ..job_spec() }, BUDGET);
		assert_ok!(Jobs::accept_job(signed(TRAINER), job));
		let treasury = free(TREASURY);
		advance(windows().submit as u64);
		assert_noop!(submit_as(OTHER_TRAINER, job, 1), Error::<Test>::NotTrainer);
		advance(1);
		assert_eq!(stake(TRAINER), WORKER_BOND - TRAINER_COLLATERAL);
		assert_eq!(committed(TRAINER), 0);
		assert_eq!(free(TREASURY), treasury + TRAINER_COLLATERAL);
		let reopened = JobsStorage::<Test>::get(job).unwrap().stage;
		let deadline = System::block_number() + windows().accept as u64 - 1;
		assert_eq!(reopened, Stage::Open { deadline });
		assert!(jobs_events().contains(&Event::TrainerTimedOut {
			job,
			trainer: TRAINER,
			deadline
		}));
		assert_noop!(submit_as(TRAINER, job, 1), Error::<Test>::NotTrainer);

		// Another trainer completes it; nothing was lost.
		assert_ok!(Jobs::accept_job(signed(OTHER_TRAINER), job));
		assert_ok!(submit_as(OTHER_TRAINER, job, 1_980_000));
		await_draw();
		attest(job, &[honest(1_980_000); 3]);
		assert_eq!(finalized(job), (true, false));
		assert_eq!(free(OTHER_TRAINER), WORKER_FUNDS - WORKER_BOND + REWARD);
		assert_eq!(escrow_of(POSTER), 0);
	});
}

#[test]
fn a_late_submission_is_refused_even_before_the_hook_runs() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		assert_ok!(Jobs::accept_job(signed(TRAINER), job));
		System::set_block_number(1 + windows().submit as u64 + 1);
		assert_noop!(submit_as(TRAINER, job, 1_980_000), Error::<Test>::SubmitWindowOver);
	});
}

#[test]
fn commit_reveal_refusals() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		assert_ok!(Jobs::accept_job(signed(TRAINER), job));
		assert_noop!(commit(job, EVALUATORS[0], 1, true), Error::<Test>::NotEvaluating);
		assert_ok!(submit_as(TRAINER, job, 1_980_000));
		assert_noop!(commit(job, EVALUATORS[0], 1, true), Error::<Test>::NotEvaluating);
		await_draw();
		let members = panel(job);
		let outsider = *EVALUATORS.iter().find(|e| !members.contains(e)).unwrap();
		assert_noop!(commit(job, outsider, 1_980_000, true), Error::<Test>::NotOnPanel);
		assert_noop!(commit(job, TRAINER, 1_980_000, true), Error::<Test>::NotOnPanel);
		assert_ok!(commit(job, members[0], 1_980_000, true));
		assert_noop!(commit(job, members[0], 1_980_000, true), Error::<Test>::AlreadyCommitted);
		assert_noop!(reveal(job, members[0], 1_980_000, true), Error::<Test>::RevealNotOpen);
		assert_ok!(commit(job, members[1], 1_980_000, true));
		advance(windows().commit as u64);
		assert_noop!(commit(job, members[2], 1_980_000, true), Error::<Test>::CommitWindowOver);
		assert_noop!(reveal(job, members[2], 1_980_000, true), Error::<Test>::NotCommitted);
		assert_noop!(reveal(job, members[0], 1_980_001, true), Error::<Test>::CommitmentMismatch);
		assert_noop!(reveal(job, members[0], 1_980_000, false), Error::<Test>::CommitmentMismatch);
		assert_noop!(reveal(job, outsider, 1_980_000, true), Error::<Test>::NotOnPanel);
		assert_ok!(reveal(job, members[0], 1_980_000, true));
		assert_noop!(reveal(job, members[0], 1_980_000, true), Error::<Test>::AlreadyRevealed);
		System::set_block_number(System::block_number() + windows().reveal as u64);
		assert_noop!(reveal(job, members[1], 1_980_000, true), Error::<Test>::RevealWindowOver);
	});
}

#[test]
fn a_copied_commitment_is_worthless() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		let members = train(job, 1_980_000);
		let theirs = attestation_commitment(
			job,
			&members[0],
			&Attestation { score: 1_980_000, replay_ok: true },
			&salt(members[0]),
		);
		assert_ok!(Jobs::commit_attestation(signed(members[0]), job, theirs));
		assert_ok!(Jobs::commit_attestation(signed(members[1]), job, theirs));
		assert_ok!(commit(job, members[2], 1_980_000, true));
		assert_noop!(
			Jobs::reveal_attestation(signed(members[1]), job, 1_980_000, true, salt(members[0]))
				.map_err(|e| e.error),
			Error::<Test>::CommitmentMismatch
		);
	});
}

#[test]
fn the_claim_stays_sealed_until_every_evaluator_is_bound() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		let members = train(job, 1_980_000);
		let Some(Stage::Evaluating(e)) = JobsStorage::<Test>::get(job).map(|j| j.stage) else {
			panic!("under evaluation");
		};
		// What evaluators can read of the claim is a hash.
		assert!(matches!(e.submission.claim, Claim::Sealed(_)));
		assert!(jobs_events().iter().any(|ev| matches!(ev,
			Event::ResultSubmitted { submission, .. } if submission.claim == e.submission.claim)));
		assert_noop!(reveal_claim(job), Error::<Test>::RevealNotOpen);
		assert_ok!(commit(job, members[0], 1_980_000, true));
		assert_ok!(commit(job, members[1], 1_980_000, true));
		assert_noop!(reveal_claim(job), Error::<Test>::RevealNotOpen);
		assert_ok!(commit(job, members[2], 1_980_000, true));
		// Bound: now the claim may be revealed, by its trainer and with its salt only.
		assert_noop!(
			Jobs::reveal_claim(signed(members[0]), job, 1_980_000, salt(TRAINER))
				.map_err(|e| e.error),
			Error::<Test>::NotTrainer
		);
		for (claimed, salt) in [(1_980_001, salt(TRAINER)), (1_980_000, salt(POSTER))] {
			assert_noop!(
				Jobs::reveal_claim(signed(TRAINER), job, claimed, salt).map_err(|e| e.error),
				Error::<Test>::CommitmentMismatch
			);
		}
		assert_ok!(reveal_claim(job));
		assert!(jobs_events().contains(&Event::ClaimRevealed {
			job,
			trainer: TRAINER,
			claimed: 1_980_000
		}));
		assert_noop!(reveal_claim(job), Error::<Test>::AlreadyRevealed);
		for who in &members {
			assert_ok!(reveal(job, *who, 1_980_000, true));
		}
		assert_eq!(finalized(job), (true, false));
	});
}

#[test]
fn the_verdict_waits_for_the_claim_and_a_withheld_claim_is_slashed() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		let members = train(job, 1_900_000);
		for who in &members {
			assert_ok!(commit(job, *who, 1_995_000, true));
		}
		// The trainer sees the evaluators' scores refute its claim, and keeps it to itself.
		for who in &members {
			assert_ok!(reveal(job, *who, 1_995_000, true));
		}
		assert!(JobsStorage::<Test>::get(job).is_some(), "the claim may still come");
		advance(windows().commit as u64 + windows().reveal as u64 + 1);
		assert_eq!(finalized(job), (false, true));
		assert!(JobsStorage::<Test>::get(job).is_none());
		assert_eq!(stake(TRAINER), WORKER_BOND - TRAINER_COLLATERAL, "slashed as if refuted");
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::Stake(pallet_aiblock_stake::Event::Slashed {
				who: TRAINER,
				reason: aiblock_primitives::stake::SlashReason::ClaimWithheld,
				..
			})
		)));
		// The evaluators were paid, and share the reporter's part of the slash.
		for who in &members {
			assert!(free(*who) > WORKER_FUNDS - WORKER_BOND + EVALUATOR_FEE, "{who}");
			assert_eq!(stake(*who), WORKER_BOND);
		}
		assert_eq!(free(POSTER), POSTER_FUNDS - BUDGET - FEE + REWARD);
	});
}

#[test]
fn without_enough_evaluators_nobody_is_judged_and_everything_refunded() {
	ExtBuilder::default().evaluators(2).build_and_execute(|| {
		let job = post();
		assert_ok!(Jobs::accept_job(signed(TRAINER), job));
		assert_ok!(submit_as(TRAINER, job, 1_980_000));
		let cand = candidate(job);
		let set = candidate_set(job);
		await_draw();
		assert_eq!(panel(job).len(), 2, "drawn what there is");
		assert_noop!(commit(job, EVALUATORS[0], 1, true), Error::<Test>::NotEvaluating);
		advance(windows().commit as u64);
		assert!(jobs_events().contains(&Event::NoQuorum { job, candidates: set }));
		assert_eq!(
			<ExpertDag as QualityGate<AccountId>>::status(cand),
			Some(BlockStatus::Rejected)
		);
		assert_eq!((free(POSTER), escrow_of(POSTER)), (POSTER_FUNDS, 0));
		for who in [TRAINER, EVALUATORS[0], EVALUATORS[1]] {
			assert_eq!((stake(who), committed(who)), (WORKER_BOND, 0));
		}
	});
}

#[test]
fn an_incomplete_panel_is_completed_by_a_later_draw() {
	use aiblock_primitives::stake::StakeCollateral;
	ExtBuilder::default().evaluators(3).build_and_execute(|| {
		// The third evaluator's stake is all committed elsewhere: it is passed over.
		let busy = EVALUATORS[2];
		assert_ok!(<Stake as StakeCollateral<AccountId>>::commit(&busy, WORKER_BOND));
		// A late joiner is never drawn for this job: it was not listed before the submission.
		let job = post();
		assert_ok!(Jobs::accept_job(signed(TRAINER), job));
		assert_ok!(submit_as(TRAINER, job, 1_980_000));
		register(EVALUATORS[3], Role::Evaluator, 0);
		await_draw();
		assert_eq!(panel(job).len(), 2);
		<Stake as StakeCollateral<AccountId>>::release(&busy, WORKER_BOND);
		advance(REDRAW as u64);
		let members = panel(job);
		assert_eq!(members.len(), 3);
		assert!(members.contains(&busy) && !members.contains(&EVALUATORS[3]));
		attest(job, &[honest(1_980_000); 3]);
		assert_eq!(finalized(job), (true, false));
	});
}

#[test]
fn neither_trainer_nor_poster_sits_on_the_panel() {
	ExtBuilder::default().evaluators(2).build_and_execute(|| {
		// The trainer and the poster are evaluators too, but may not judge their own job.
		let both = Roles { trainer: true, evaluator: true, auditor: false };
		let caps = pallet_aiblock_workers::Workers::<Test>::get(TRAINER).unwrap().capabilities;
		assert_ok!(Workers::update_worker(
			signed(TRAINER),
			caps.clone(),
			both,
			b"https://t".to_vec().try_into().unwrap()
		));
		register(POSTER, Role::Evaluator, 0);
		let job = post();
		assert_ok!(Jobs::accept_job(signed(TRAINER), job));
		assert_ok!(submit_as(TRAINER, job, 1_980_000));
		for _ in 0..=windows().commit {
			advance(1);
			let members = panel(job);
			assert!(!members.contains(&TRAINER) && !members.contains(&POSTER));
		}
		assert!(jobs_events().iter().any(|e| matches!(e, Event::NoQuorum { .. })));
	});
}

#[test]
fn an_open_submission_pays_only_the_evaluation() {
	ExtBuilder::default().build_and_execute(|| {
		let fees = 3 * EVALUATOR_FEE;
		let spec = job_spec();
		assert_noop!(
			Jobs::submit_candidate(
				signed(EVALUATORS[0]),
				spec.clone(),
				candidates(&[payload(0xee)]),
				seal(EVALUATORS[0], &payload(0xef), 1_980_000),
				payload(0xef),
				H256::zero(),
				TrainedWith::default(),
				revision()
			),
			Error::<Test>::NotActiveTrainer
		);
		let before = free(TRAINER);
		assert_ok!(Jobs::submit_candidate(
			signed(TRAINER),
			spec,
			candidates(&[payload(0xee)]),
			seal(TRAINER, &payload(0xef), 1_980_000),
			payload(0xef),
			H256::zero(),
			TrainedWith::default(),
			revision()
		));
		let job = NextJobId::<Test>::get() - 1;
		assert_eq!(escrow_of(TRAINER), fees + fees / 10);
		assert_eq!(committed(TRAINER), TRAINER_COLLATERAL);
		let cand = candidate(job);
		await_draw();
		attest(job, &[honest(1_980_000); 3]);
		assert_eq!(finalized(job), (true, false));
		assert_eq!(base(), cand);
		assert_eq!(free(TRAINER), before - fees - fees / 10);
		assert_eq!(escrow_of(TRAINER), 0);
	});
}

#[test]
fn a_candidate_for_a_superseded_base_voids_the_job() {
	ExtBuilder::default().build_and_execute(|| {
		let first = post();
		let second = post();
		let third = post();
		assert_ok!(Jobs::accept_job(signed(TRAINER), second));
		train(first, 1_980_000);
		attest(first, &[honest(1_980_000); 3]);
		assert_eq!(finalized(first), (true, false));

		let poster = free(POSTER);
		let voided = submit_as(TRAINER, second, 1_970_000).unwrap();
		assert!(jobs_events().contains(&Event::JobVoided { job: second }));
		// Voiding charges its own weight, and the call's declared weight covers it (the
		// benchmarked submission alone did not: a void refunds and removes more than it reads).
		let call = crate::Call::<Test>::submit_result {
			job: second,
			candidates: candidates(&[payload(0)]),
			sealed_claim: H256::zero(),
			manifest: payload(0),
			checkpoint_root: H256::zero(),
			trained_with: TrainedWith::default(),
			revision: 0,
		};
		let declared =
			frame_support::dispatch::GetDispatchInfo::get_dispatch_info(&call).call_weight;
		let actual = voided.actual_weight.expect("the void path returns its weight");
		assert_eq!(actual, crate::Pallet::<Test>::release_weight(1));
		assert!(declared.all_gte(actual), "{declared:?} covers {actual:?}");
		assert!(declared.all_gte(<Test as Config>::WeightInfo::submit_result(0, 1)));
		assert_noop!(Jobs::accept_job(signed(TRAINER), third), Error::<Test>::BaseNotCurrent);
		assert_eq!(free(POSTER), poster + BUDGET + FEE);
		assert_eq!((stake(TRAINER), committed(TRAINER)), (WORKER_BOND, 0));
		// And a new job against the old base is refused.
		let old = pallet_aiblock_expert_dag::Blocks::<Test>::get(base()).unwrap().header.parent;
		let stale = on(0, SLOT, old.unwrap());
		assert_noop!(Jobs::post_job(signed(POSTER), stale, BUDGET), Error::<Test>::BaseNotCurrent);
	});
}

/// Two jobs on the same slot, trained by `TRAINER` and `OTHER_TRAINER` in the same model
/// state, both with their panels drawn.
fn two_jobs_under_evaluation() -> (JobId, JobId) {
	let first = post();
	let second = post_spec(JobSpec { min_vram_gib: 0, ..job_spec() }, BUDGET);
	assert_ok!(Jobs::accept_job(signed(TRAINER), first));
	assert_ok!(Jobs::accept_job(signed(OTHER_TRAINER), second));
	assert_ok!(submit_as(TRAINER, first, 1_980_000));
	assert_ok!(submit_as(OTHER_TRAINER, second, 1_970_000));
	await_draw();
	(first, second)
}

#[test]
fn an_adoption_before_the_verdict_voids_the_other_evaluations_and_slashes_nobody() {
	ExtBuilder::default().build_and_execute(|| {
		let (first, second) = two_jobs_under_evaluation();
		let poster = free(POSTER);
		attest(first, &[honest(1_980_000); 3]);
		assert_eq!(finalized(first), (true, false));
		let judges = panel(second);
		let before: Vec<_> = judges.iter().map(|who| (free(*who), stake(*who))).collect();
		// The second candidate was trained and scored in the model before the first adoption.
		attest(second, &[Some((1_970_000, false)); 3]);
		assert!(jobs_events().contains(&Event::JobVoided { job: second }));
		assert!(!jobs_events()
			.iter()
			.any(|e| matches!(e, Event::JobFinalized { job, .. } if *job == second)));
		assert_eq!(free(POSTER), poster + BUDGET + FEE, "the second job is refunded in full");
		assert_eq!((stake(OTHER_TRAINER), committed(OTHER_TRAINER)), (WORKER_BOND, 0));
		for (who, before) in judges.iter().zip(before) {
			assert_eq!((free(*who), stake(*who)), before, "nobody paid or slashed");
			assert_eq!(committed(*who), 0);
		}
	});
}

#[test]
fn an_adoption_after_the_attestations_are_bound_only_forbids_the_adoption() {
	ExtBuilder::default().build_and_execute(|| {
		let (first, second) = two_jobs_under_evaluation();
		// The second panel commits and the claim is revealed in the pinned state...
		let judges = panel(second);
		for who in &judges {
			assert_ok!(commit(second, *who, 1_970_000, true));
		}
		assert_ok!(reveal_claim(second));
		// ... then the first candidate is adopted, and the second panel reveals.
		let poster = free(POSTER);
		attest(first, &[honest(1_980_000); 3]);
		assert_eq!(finalized(first), (true, false));
		let before: Vec<_> = judges.iter().map(|who| free(*who)).collect();
		for who in &judges {
			assert_ok!(reveal(second, *who, 1_970_000, true));
		}
		assert!(!jobs_events().contains(&Event::JobVoided { job: second }));
		assert_eq!(finalized(second), (false, false), "judged, but not adopted in a gone state");
		assert_eq!(
			<ExpertDag as QualityGate<AccountId>>::status(candidate_of_event(second)),
			Some(BlockStatus::Rejected)
		);
		// The evaluators did their work in the pinned state: paid; the reward is refunded.
		for (who, before) in judges.iter().zip(before) {
			assert_eq!(free(*who), before + EVALUATOR_FEE);
			assert_eq!(stake(*who), WORKER_BOND);
		}
		assert_eq!(free(POSTER), poster + REWARD);
		assert_eq!((stake(OTHER_TRAINER), committed(OTHER_TRAINER)), (WORKER_BOND, 0));
	});
}

/// The candidate of `job`'s verdict.
fn candidate_of_event(job: JobId) -> H256 {
	jobs_events()
		.into_iter()
		.find_map(|e| match e {
			Event::JobFinalized { job: j, candidates, .. } if j == job => Some(candidates[0]),
			_ => None,
		})
		.expect("the job was finalised")
}

#[test]
fn the_agenda_spills_into_later_blocks_and_is_bounded() {
	ExtBuilder::default().build_and_execute(|| {
		// Two entries per block: the third job posted in a block is due one block later.
		let jobs: Vec<JobId> = (0..3).map(|_| post()).collect();
		let due: Vec<u64> = jobs.iter().map(|j| JobsStorage::<Test>::get(j).unwrap().due).collect();
		assert_eq!(due, vec![11, 11, 12]);
		for _ in 3..8 {
			post();
		}
		assert_noop!(
			Jobs::post_job(signed(POSTER), job_spec(), BUDGET),
			Error::<Test>::TooManyJobs
		);
		advance(windows().accept as u64 + 5);
		assert_eq!(LiveJobs::<Test>::get(), 0);
		assert_eq!((free(POSTER), escrow_of(POSTER)), (POSTER_FUNDS, 0));
	});
}

#[test]
fn on_idle_stops_at_its_weight_and_resumes() {
	ExtBuilder::default().build_and_execute(|| {
		for _ in 0..4 {
			post();
		}
		System::set_block_number(30);
		let step = crate::Pallet::<Test>::agenda_step_weight(0);
		let visit = frame_support::weights::constants::ParityDbWeight::get().reads_writes(1, 1);
		// Room for the cursor, a few empty blocks and exactly one job.
		let budget = visit.saturating_mul(13).saturating_add(step);
		let used = crate::Pallet::<Test>::work_agenda(30, budget);
		assert!(used.all_lte(budget));
		assert_eq!(LiveJobs::<Test>::get(), 3, "one job expired");
		assert_eq!(crate::Pallet::<Test>::work_agenda(30, Weight::zero()), Weight::zero());
		crate::Pallet::<Test>::work_agenda(30, Weight::MAX);
		assert_eq!(LiveJobs::<Test>::get(), 0);
		assert_eq!(crate::AgendaCursor::<Test>::get(), 31);
	});
}

#[test]
fn reputation_promotes_a_trainer_after_three_adoptions() {
	ExtBuilder::default().build_and_execute(|| {
		for round in 0..3u32 {
			let job = post();
			train(job, 1_980_000 - round * 20_000);
			let score = 1_980_000 - round * 20_000;
			attest(job, &[honest(score); 3]);
			assert_eq!(finalized(job), (true, false));
		}
		assert_eq!(Workers::trust_level(&TRAINER), Some(TrustLevel::Trusted));
	});
}

/// Random sequences of calls and blocks: after every step every invariant holds (escrow held
/// equals open escrows, collateral committed, agenda consistent) and no unit is created or
/// destroyed.
#[test]
fn random_job_sequences_conserve_funds() {
	let mut verdicts = 0;
	for seed in 1..=12u64 {
		ExtBuilder::default().build_and_execute(|| {
			let issuance = Balances::total_issuance();
			let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
			let mut next = |bound: u64| {
				state ^= state << 13;
				state ^= state >> 7;
				state ^= state << 17;
				state % bound
			};
			for _ in 0..150 {
				let live: Vec<JobId> = JobsStorage::<Test>::iter_keys().collect();
				let pick = |r: u64| live.get(r as usize % live.len().max(1)).copied().unwrap_or(0);
				match next(9) {
					0 | 1 => {
						let spec = JobSpec {
							slots: slots(&[SLOT]),
							min_vram_gib: next(2) as u32 * 16,
							..job_spec()
						};
						let _ = Jobs::post_job(signed(POSTER), spec, BUDGET + next(500) as u128);
					},
					2 => {
						let _ = Jobs::cancel_job(signed(POSTER), pick(next(8)));
					},
					3 => {
						let who = [TRAINER, OTHER_TRAINER][next(2) as usize];
						let _ = Jobs::accept_job(signed(who), pick(next(8)));
					},
					4 => {
						let who = [TRAINER, OTHER_TRAINER][next(2) as usize];
						let _ = submit_as(who, pick(next(8)), 1_970_000 + next(40_000) as u32);
					},
					5 | 6 => {
						let job = pick(next(8));
						let who = EVALUATORS[next(5) as usize];
						// Each evaluator's attestation for a job is fixed, so reveals can match.
						let score = 1_970_000 + ((job + who) % 3) as u32 * 15_000;
						let ok = (job * 3 + who) % 5 != 0;
						match next(4) {
							0 | 1 => {
								let _ = commit(job, who, score, ok);
							},
							2 => {
								let _ = reveal(job, who, score, ok);
							},
							_ => {
								let _ = reveal_claim(job);
							},
						}
					},
					_ => advance(1 + next(4)),
				}
				Jobs::do_try_state().expect("Jobs invariants");
				Stake::do_try_state().expect("Stake invariants");
				assert_eq!(Balances::total_issuance(), issuance);
			}
			advance(200);
			assert_eq!(LiveJobs::<Test>::get(), 0, "every job ends");
			assert_eq!(escrow_of(POSTER), 0);
			assert_eq!(Assigned::<Test>::iter().count(), 0);
			verdicts +=
				jobs_events().iter().filter(|e| matches!(e, Event::JobFinalized { .. })).count();
		});
	}
	assert!(verdicts >= 12, "the sequences reach verdicts, not only refusals ({verdicts})");
}

/// The slots the set tests train together: a layer's router and two of its experts.
const SET: [BlockKind; 3] =
	[BlockKind::Router { layer: 1 }, BlockKind::Expert { layer: 1, expert: 0 }, SLOT];

/// Accept a job on [`SET`] with `TRAINER`, submit one candidate per slot claiming `claimed`,
/// and wait for the panel; returns the job and its candidates.
fn train_set(claimed: Score) -> (JobId, Candidates<H256>) {
	let job = post_spec(JobSpec { slots: slots(&SET), ..job_spec() }, BUDGET);
	assert_ok!(Jobs::accept_job(signed(TRAINER), job));
	let manifest = payload(0xa0);
	let payloads = candidates(&[payload(0xc1), payload(0xc2), payload(0xc3)]);
	assert_noop!(
		Jobs::submit_result(
			signed(TRAINER),
			job,
			candidates(&payloads[..2]),
			seal(TRAINER, &manifest, claimed),
			manifest.clone(),
			H256([0x77; 32]),
			TrainedWith::default(),
			revision(),
		)
		.map_err(|e| e.error),
		Error::<Test>::WrongCandidateCount
	);
	assert_ok!(Jobs::submit_result(
		signed(TRAINER),
		job,
		payloads,
		seal(TRAINER, &manifest, claimed),
		manifest,
		H256([0x77; 32]),
		TrainedWith::default(),
		revision(),
	));
	await_draw();
	(job, candidate_set(job))
}

fn current(kind: BlockKind) -> H256 {
	pallet_aiblock_expert_dag::Current::<Test>::get(0, kind).expect("a parameter slot")
}

#[test]
fn a_set_of_slots_is_adopted_together() {
	ExtBuilder::default().build_and_execute(|| {
		let old: Vec<H256> = SET.iter().map(|k| current(*k)).collect();
		let (job, candidates) = train_set(1_980_000);
		assert_eq!(candidates.len(), SET.len());
		for (kind, candidate) in SET.iter().zip(&candidates) {
			let record = pallet_aiblock_expert_dag::Blocks::<Test>::get(candidate).unwrap();
			assert_eq!(record.header.kind, *kind, "one candidate per slot, in the job's order");
			assert_eq!(record.status, BlockStatus::Pending);
		}
		attest(job, &[honest(1_980_000); 3]);
		assert_eq!(finalized(job), (true, false));
		let event = jobs_events().into_iter().find_map(|e| match e {
			Event::JobFinalized { job: j, candidates, .. } if j == job => Some(candidates),
			_ => None,
		});
		assert_eq!(event, Some(candidates.clone()));
		for ((kind, candidate), old) in SET.iter().zip(&candidates).zip(&old) {
			assert_eq!(current(*kind), *candidate, "{kind:?} holds its candidate");
			assert_eq!(
				<ExpertDag as QualityGate<AccountId>>::status(*old),
				Some(BlockStatus::Superseded)
			);
		}
		assert_eq!(free(TRAINER), WORKER_FUNDS - WORKER_BOND + REWARD, "paid once");
	});
}

#[test]
fn a_set_without_enough_gain_is_refused_whole() {
	ExtBuilder::default().build_and_execute(|| {
		let old: Vec<H256> = SET.iter().map(|k| current(*k)).collect();
		let (job, candidates) = train_set(1_995_000);
		attest(job, &[honest(1_995_000); 3]);
		assert_eq!(finalized(job), (false, false));
		for (kind, (candidate, old)) in SET.iter().zip(candidates.iter().zip(&old)) {
			assert_eq!(current(*kind), *old, "{kind:?} keeps its block");
			assert_eq!(
				<ExpertDag as QualityGate<AccountId>>::status(*candidate),
				Some(BlockStatus::Rejected)
			);
		}
	});
}

#[test]
fn slot_sets_are_checked() {
	ExtBuilder::default().build_and_execute(|| {
		let refuse = |kinds: &[BlockKind], error: Error<Test>| {
			let spec = JobSpec { slots: slots(kinds), ..job_spec() };
			assert_noop!(Jobs::post_job(signed(POSTER), spec, BUDGET), error);
		};
		refuse(&[], Error::BadSlots);
		refuse(&[SLOT, SLOT], Error::BadSlots);
		let five = [
			BlockKind::Shared,
			BlockKind::Router { layer: 0 },
			BlockKind::Expert { layer: 0, expert: 0 },
			BlockKind::Expert { layer: 0, expert: 1 },
			SLOT,
		];
		assert_eq!(five.len() as u32, MAX_SLOTS + 1);
		refuse(&five, Error::TooManySlots);
		refuse(&[SLOT, BlockKind::Expert { layer: 9, expert: 0 }], Error::UnknownSlot);
		// One stale base among current ones.
		let mut spec = JobSpec { slots: slots(&SET), ..job_spec() };
		spec.slots[1].base = H256([1; 32]);
		assert_noop!(Jobs::post_job(signed(POSTER), spec, BUDGET), Error::<Test>::BaseNotCurrent);
		// The most the model allows is taken.
		assert_ok!(Jobs::post_job(
			signed(POSTER),
			JobSpec { slots: slots(&five[..4]), ..job_spec() },
			BUDGET
		));
	});
}

#[test]
fn a_set_whose_slot_moves_on_is_void() {
	ExtBuilder::default().build_and_execute(|| {
		// A set job and a one-slot job on one of its slots; the one-slot job is adopted first.
		let set = post_spec(JobSpec { slots: slots(&SET), ..job_spec() }, BUDGET);
		assert_ok!(Jobs::accept_job(signed(TRAINER), set));
		let single = post();
		train(single, 1_980_000);
		attest(single, &[honest(1_980_000); 3]);
		assert_eq!(finalized(single), (true, false));
		// The set's trainer submits against the revision it accepted in: its base of `SLOT`
		// is gone, so the job is void and nobody is slashed.
		let manifest = payload(0xa0);
		let stale = revision() - 1;
		assert_ok!(Jobs::submit_result(
			signed(TRAINER),
			set,
			candidates(&[payload(0xc1), payload(0xc2), payload(0xc3)]),
			seal(TRAINER, &manifest, 1_970_000),
			manifest,
			H256([0x77; 32]),
			TrainedWith::default(),
			stale,
		));
		assert!(jobs_events().contains(&Event::JobVoided { job: set }));
		assert!(JobsStorage::<Test>::get(set).is_none());
		assert_eq!(stake(TRAINER), WORKER_BOND, "nobody is slashed");
	});
}

#[test]
fn a_set_is_not_trained_with_its_own_bases() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post_spec(JobSpec { slots: slots(&SET), ..job_spec() }, BUDGET);
		assert_ok!(Jobs::accept_job(signed(TRAINER), job));
		let manifest = payload(0xa0);
		// The router's base named as a frozen block the experts were trained with.
		let frozen: TrainedWith = vec![current(SET[0])].try_into().unwrap();
		assert_noop!(
			Jobs::submit_result(
				signed(TRAINER),
				job,
				candidates(&[payload(0xc1), payload(0xc2), payload(0xc3)]),
				seal(TRAINER, &manifest, 1_980_000),
				manifest,
				H256([0x77; 32]),
				frozen,
				revision(),
			)
			.map_err(|e| e.error),
			Error::<Test>::TrainedWithOwnSlot
		);
	});
}

/// `job_spec()` training on `datasets`.
fn on_data(datasets: Vec<aiblock_primitives::jobs::JobDataset>) -> JobSpec {
	JobSpec { datasets: datasets.try_into().unwrap(), ..job_spec() }
}

#[test]
fn jobs_train_only_on_approved_datasets_named_with_their_content() {
	ExtBuilder::default().build_and_execute(|| {
		let refused = |spec: JobSpec, error: Error<Test>| {
			assert_noop!(Jobs::post_job(signed(POSTER), spec, BUDGET), error);
		};
		refused(on_data(vec![]), Error::NoDataset);
		refused(
			on_data(vec![job_dataset(DATASET, 1), job_dataset(DATASET, 2)]),
			Error::DuplicateDataset,
		);
		refused(on_data(vec![job_dataset(DATASET, 0)]), Error::ZeroMixPart);
		let mut unknown = job_dataset(DATASET, 1);
		unknown.id = 77;
		refused(on_data(vec![unknown]), Error::UnknownDataset);
		let mut wrong_content = job_dataset(DATASET, 1);
		wrong_content.cid = cid(0x44);
		refused(on_data(vec![wrong_content]), Error::DatasetContentMismatch);
		// Experimental data only when the job says so.
		let experimental = on_data(vec![job_dataset(EXPERIMENTAL_DATASET, 1)]);
		refused(experimental.clone(), Error::DatasetExperimental);
		post_spec(JobSpec { allow_experimental: true, ..experimental }, BUDGET);
		// A dataset still in the pipeline is not trained on.
		let meta = dataset_meta(cid(0x45));
		let nonce = aiblock_primitives::datasets::solve_pow(&POSTER, &meta, 4, 0);
		let salt = H256::repeat_byte(1);
		let commitment = aiblock_primitives::datasets::proposal_commitment(&POSTER, &meta, &salt);
		assert_ok!(Datasets::commit_proposal(signed(POSTER), commitment));
		advance(1);
		assert_ok!(Datasets::propose_dataset(signed(POSTER), meta, nonce, salt));
		refused(on_data(vec![job_dataset(3, 1)]), Error::DatasetNotApproved);
		// Proposed at block 2, panel drawn at 3: nobody has the auditor role, so it is
		// rejected there.
		advance(1);
		refused(on_data(vec![job_dataset(3, 1)]), Error::DatasetRejected);
		post_spec(on_data(vec![job_dataset(DATASET, 1), job_dataset(OTHER_DATASET, 3)]), BUDGET);
	});
}

#[test]
fn a_quarantined_dataset_stops_its_jobs_being_accepted() {
	ExtBuilder::default().build_and_execute(|| {
		let job = post();
		assert_ok!(Datasets::quarantine(RuntimeOrigin::root(), DATASET));
		assert_noop!(Jobs::accept_job(signed(TRAINER), job), Error::<Test>::DatasetQuarantined);
		assert_noop!(
			Jobs::post_job(signed(POSTER), job_spec(), BUDGET),
			Error::<Test>::DatasetQuarantined
		);
		// Its poster gets everything back.
		assert_ok!(Jobs::cancel_job(signed(POSTER), job));
		assert_eq!(escrow_of(POSTER), 0);
	});
}

#[test]
fn an_adopted_job_pays_its_data_contributors_by_their_part_of_the_mix() {
	ExtBuilder::default().build_and_execute(|| {
		DataShare::set(sp_runtime::Perbill::from_percent(10));
		let job = post_spec(
			on_data(vec![job_dataset(DATASET, 1), job_dataset(OTHER_DATASET, 3)]),
			BUDGET,
		);
		let (trainer, first, second) =
			(free(TRAINER), free(DATA_PROPOSER), free(OTHER_DATA_PROPOSER));
		train(job, 1_980_000);
		attest(job, &[honest(1_980_000), honest(1_980_000), honest(1_980_000)]);
		assert_eq!(finalized(job), (true, false));
		// A tenth of the reward, split 1 : 3 (rounded down, the last taking the rest).
		let share = REWARD / 10;
		let to_first = share / 4;
		assert_eq!(free(DATA_PROPOSER), first + to_first);
		assert_eq!(free(OTHER_DATA_PROPOSER), second + share - to_first);
		assert_eq!(free(TRAINER), trainer + REWARD - share);
		assert!(jobs_events().contains(&Event::DataRewardPaid {
			job,
			dataset: DATASET,
			who: DATA_PROPOSER,
			amount: to_first
		}));
		assert_eq!(escrow_of(POSTER), 0);
		assert_eq!(free(POSTER), POSTER_FUNDS - BUDGET - FEE, "nothing to refund");
	});
}

#[test]
fn a_job_not_adopted_pays_no_data_contributor() {
	ExtBuilder::default().build_and_execute(|| {
		DataShare::set(sp_runtime::Perbill::from_percent(10));
		let job = post();
		let first = free(DATA_PROPOSER);
		// An honest claim short of delta: nothing adopted, the reward refunded.
		train(job, BASE_SCORE - 10);
		attest(job, &[honest(BASE_SCORE - 10), honest(BASE_SCORE - 10), honest(BASE_SCORE - 10)]);
		assert_eq!(finalized(job), (false, false));
		assert_eq!(free(DATA_PROPOSER), first);
		assert!(!jobs_events().iter().any(|e| matches!(e, Event::DataRewardPaid { .. })));
	});
}

#[test]
fn a_dataset_quarantined_during_training_is_not_paid() {
	ExtBuilder::default().build_and_execute(|| {
		DataShare::set(sp_runtime::Perbill::from_percent(10));
		let job = post();
		let (trainer, proposer) = (free(TRAINER), free(DATA_PROPOSER));
		train(job, 1_980_000);
		assert_ok!(Datasets::quarantine(RuntimeOrigin::root(), DATASET));
		attest(job, &[honest(1_980_000), honest(1_980_000), honest(1_980_000)]);
		assert_eq!(finalized(job), (true, false));
		assert_eq!(free(DATA_PROPOSER), proposer, "quarantined data earns nothing");
		assert_eq!(free(TRAINER), trainer + REWARD, "its part stays with the trainer");
	});
}
