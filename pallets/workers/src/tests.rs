use crate::{
	mock::*, Error, Event, OnlineByRole, SweepCursor, WorkerCapabilities, Workers as WorkersMap,
};
use aiblock_primitives::workers::{ComputeSpec, Outcome, Role, Roles, TrustLevel, WorkerRegistry};
use frame_support::{assert_noop, assert_ok, traits::Hooks, weights::Weight};
use sp_runtime::DispatchError;

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Workers(e) = r.event { Some(e) } else { None })
		.collect()
}

fn last_event() -> Event<Test> {
	events().pop().expect("a Workers event")
}

fn register(who: AccountId, roles: Roles) {
	assert_ok!(Workers::register_worker(RuntimeOrigin::signed(who), gpu(), roles, endpoint()));
}

fn online(role: Role) -> Vec<AccountId> {
	OnlineByRole::<Test>::get(role).into_iter().map(|e| e.who).collect()
}

fn caps(
	model: &[u8],
	vram_gib: u32,
	gpu_count: u32,
	cpu_cores: u32,
) -> crate::CapabilitiesOf<Test> {
	WorkerCapabilities {
		gpu_model: model.to_vec().try_into().unwrap(),
		spec: ComputeSpec { vram_gib, gpu_count, cpu_cores },
	}
}

#[test]
fn register_lists_the_worker_under_each_role() {
	ExtBuilder::build_and_execute(|| {
		register(1, ALL);
		assert_eq!(last_event(), Event::WorkerRegistered { who: 1, roles: ALL, spec: gpu().spec });
		let info = WorkersMap::<Test>::get(1).unwrap();
		assert!(info.online);
		assert_eq!((info.registered_at, info.last_heartbeat), (1, 1));
		assert_eq!(info.reputation.trust, TrustLevel::Newbie);
		for role in Roles::ALL {
			assert_eq!(online(role), vec![1]);
			assert!(Workers::is_active(&1, role));
		}
		// A CPU-only worker.
		assert_ok!(Workers::register_worker(
			RuntimeOrigin::signed(2),
			caps(b"", 0, 0, 64),
			EVALUATOR,
			endpoint()
		));
		assert_eq!(online(Role::Evaluator), vec![1, 2]);
		assert_eq!(online(Role::Trainer), vec![1]);
	});
}

#[test]
fn register_refusals() {
	ExtBuilder::build_and_execute(|| {
		let signed = RuntimeOrigin::signed;
		assert_noop!(
			Workers::register_worker(RuntimeOrigin::none(), gpu(), ALL, endpoint()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Workers::register_worker(signed(1), gpu(), Roles::default(), endpoint()),
			Error::<Test>::NoRoles
		);
		assert_noop!(
			Workers::register_worker(signed(1), caps(&[0xff, 0xfe], 80, 1, 8), ALL, endpoint()),
			Error::<Test>::InvalidGpuModel
		);
		assert_noop!(
			Workers::register_worker(signed(1), gpu(), ALL, Default::default()),
			Error::<Test>::InvalidEndpoint
		);
		assert_noop!(
			Workers::register_worker(signed(1), gpu(), ALL, vec![0xc3].try_into().unwrap()),
			Error::<Test>::InvalidEndpoint
		);
		for bad in [caps(b"X", 80, 0, 8), caps(b"X", 0, 1, 8), caps(b"X", 80, 1, 0)] {
			assert_noop!(
				Workers::register_worker(signed(1), bad, ALL, endpoint()),
				Error::<Test>::InconsistentCapabilities
			);
		}
		set_stake(1, MIN_BOND - 1);
		assert_noop!(
			Workers::register_worker(signed(1), gpu(), ALL, endpoint()),
			Error::<Test>::InsufficientBond
		);
		set_stake(1, MIN_BOND);
		register(1, ALL);
		assert_noop!(
			Workers::register_worker(signed(1), gpu(), ALL, endpoint()),
			Error::<Test>::AlreadyRegistered
		);
	});
}

#[test]
fn a_full_role_list_refuses_and_changes_nothing() {
	ExtBuilder::build_and_execute(|| {
		for who in 1..=MAX_PER_ROLE as u64 {
			register(who, TRAINER);
		}
		// Evaluator has room, trainer does not: the whole registration is refused.
		assert_noop!(
			Workers::register_worker(RuntimeOrigin::signed(9), gpu(), ALL, endpoint()),
			Error::<Test>::TooManyWorkers
		);
		register(9, EVALUATOR);
		assert_noop!(
			Workers::update_worker(RuntimeOrigin::signed(9), gpu(), ALL, endpoint()),
			Error::<Test>::TooManyWorkers
		);
	});
}

#[test]
fn update_moves_the_worker_between_role_lists() {
	ExtBuilder::build_and_execute(|| {
		assert_noop!(
			Workers::update_worker(RuntimeOrigin::signed(1), gpu(), ALL, endpoint()),
			Error::<Test>::NotRegistered
		);
		register(1, TRAINER);
		register(2, ALL);
		let cpu = caps(b"", 0, 0, 32);
		assert_ok!(Workers::update_worker(
			RuntimeOrigin::signed(1),
			cpu.clone(),
			EVALUATOR,
			endpoint()
		));
		assert_eq!(last_event(), Event::WorkerUpdated { who: 1, roles: EVALUATOR, spec: cpu.spec });
		assert_eq!(online(Role::Trainer), vec![2]);
		assert_eq!(online(Role::Evaluator), vec![2, 1]);
		assert_eq!(Workers::compute_spec(&1), Some(cpu.spec));
		assert_noop!(
			Workers::update_worker(RuntimeOrigin::signed(1), gpu(), Roles::default(), endpoint()),
			Error::<Test>::NoRoles
		);
	});
}

#[test]
fn missed_heartbeats_make_a_worker_inactive_and_the_sweep_takes_it_offline() {
	ExtBuilder::build_and_execute(|| {
		register(1, ALL);
		register(2, TRAINER);
		MaxSweep::set(0);
		run_to_block(1 + TIMEOUT);
		assert_ok!(Workers::heartbeat(RuntimeOrigin::signed(2)));
		assert!(Workers::is_active(&1, Role::Trainer), "within the timeout");
		run_to_block(2 + TIMEOUT);
		// Not swept yet, but queries already see the timeout.
		assert!(!Workers::is_active(&1, Role::Trainer));
		assert!(Workers::is_active(&2, Role::Trainer));
		assert_eq!(online(Role::Trainer), vec![1, 2]);
		assert_eq!(Workers::active_workers(Role::Trainer), vec![2]);

		MaxSweep::set(MAX_PER_ROLE);
		run_to_block(3 + TIMEOUT);
		assert!(events().contains(&Event::WorkerOffline { who: 1 }));
		assert!(!WorkersMap::<Test>::get(1).unwrap().online);
		assert_eq!(online(Role::Trainer), vec![2]);
		assert!(online(Role::Auditor).is_empty());

		assert_ok!(Workers::heartbeat(RuntimeOrigin::signed(1)));
		assert_eq!(last_event(), Event::WorkerOnline { who: 1 });
		assert_eq!(online(Role::Trainer), vec![2, 1]);
		assert!(Workers::is_active(&1, Role::Auditor));
	});
}

#[test]
fn heartbeat_refusals() {
	ExtBuilder::build_and_execute(|| {
		assert_noop!(Workers::heartbeat(RuntimeOrigin::signed(1)), Error::<Test>::NotRegistered);
		register(1, TRAINER);
		// Block 2 + TIMEOUT is the first that sees the worker stale; its `on_idle` runs when
		// the next block starts.
		run_to_block(3 + TIMEOUT);
		assert!(!WorkersMap::<Test>::get(1).unwrap().online);
		set_stake(1, 0);
		assert_noop!(Workers::heartbeat(RuntimeOrigin::signed(1)), Error::<Test>::InsufficientBond);
		for who in 2..=1 + MAX_PER_ROLE as u64 {
			register(who, TRAINER);
		}
		set_stake(1, MIN_BOND);
		assert_noop!(Workers::heartbeat(RuntimeOrigin::signed(1)), Error::<Test>::TooManyWorkers);
	});
}

#[test]
fn the_sweep_is_bounded_and_resumes_where_it_stopped() {
	ExtBuilder::build_and_execute(|| {
		for who in 1..=5 {
			register(who, TRAINER);
		}
		System::set_block_number(100);
		// Too little spare weight: nothing done, nothing charged.
		assert_eq!(Workers::on_idle(100, Weight::from_parts(1, 1)), Weight::zero());
		assert_eq!(online(Role::Trainer).len(), 5);

		MaxSweep::set(2);
		let used = Workers::on_idle(100, Weight::MAX);
		assert_eq!(used, <() as crate::WeightInfo>::sweep(2));
		assert_eq!(online(Role::Trainer).len(), 3);
		assert!(SweepCursor::<Test>::get().is_some());
		Workers::on_idle(100, Weight::MAX);
		assert_eq!(online(Role::Trainer).len(), 1);
		// One left to visit, then the sweep wraps around.
		assert_eq!(Workers::on_idle(100, Weight::MAX), <() as crate::WeightInfo>::sweep(1));
		assert!(online(Role::Trainer).is_empty());
		assert!(SweepCursor::<Test>::get().is_none());
		// Spare weight for one worker only.
		let one = <() as crate::WeightInfo>::sweep(1);
		MaxSweep::set(MAX_PER_ROLE);
		assert_eq!(Workers::on_idle(100, one), one);
	});
}

#[test]
fn an_unbonded_worker_is_not_active() {
	ExtBuilder::build_and_execute(|| {
		register(1, TRAINER);
		set_stake(1, MIN_BOND - 1);
		assert!(!Workers::is_active(&1, Role::Trainer));
		assert!(Workers::active_workers(Role::Trainer).is_empty());
		set_stake(1, MIN_BOND);
		assert!(Workers::is_active(&1, Role::Trainer));
		assert!(!Workers::is_active(&1, Role::Evaluator), "lacks the role");
		assert!(!Workers::is_active(&7, Role::Trainer), "not registered");
	});
}

#[test]
fn deregister() {
	ExtBuilder::build_and_execute(|| {
		assert_noop!(
			Workers::deregister_worker(RuntimeOrigin::signed(1)),
			Error::<Test>::NotRegistered
		);
		register(1, ALL);
		register(2, TRAINER);
		set_assignments(1, 1);
		assert_noop!(
			Workers::deregister_worker(RuntimeOrigin::signed(1)),
			Error::<Test>::HasActiveAssignments
		);
		set_assignments(1, 0);
		assert_ok!(Workers::deregister_worker(RuntimeOrigin::signed(1)));
		assert_eq!(last_event(), Event::WorkerDeregistered { who: 1 });
		assert!(!WorkersMap::<Test>::contains_key(1));
		assert_eq!(online(Role::Trainer), vec![2]);
		assert!(online(Role::Evaluator).is_empty());
		// An offline worker may leave too.
		run_to_block(3 + TIMEOUT);
		assert!(!WorkersMap::<Test>::get(2).unwrap().online);
		assert_ok!(Workers::deregister_worker(RuntimeOrigin::signed(2)));
	});
}

#[test]
fn outcomes_move_trust_and_emit_events() {
	ExtBuilder::build_and_execute(|| {
		register(1, TRAINER);
		Workers::record_outcome(&1, Outcome::Success);
		Workers::record_outcome(&1, Outcome::Success);
		assert_eq!(Workers::trust_level(&1), Some(TrustLevel::Newbie));
		Workers::record_outcome(&1, Outcome::Success);
		assert_eq!(Workers::trust_level(&1), Some(TrustLevel::Trusted));
		assert_eq!(last_event(), Event::TrustChanged { who: 1, trust: TrustLevel::Trusted });
		for _ in 0..5 {
			Workers::record_outcome(&1, Outcome::Failure);
		}
		assert_eq!(Workers::trust_level(&1), Some(TrustLevel::Newbie));
		let rep = WorkersMap::<Test>::get(1).unwrap().reputation;
		assert_eq!((rep.successes, rep.failures), (3, 5));
		// Nothing happens for an unknown account.
		let before = events().len();
		Workers::record_outcome(&9, Outcome::Success);
		assert_eq!(events().len(), before);
		assert_eq!(Workers::trust_level(&9), None);
	});
}

#[test]
fn quotas_depend_on_trust_and_reset_each_day() {
	ExtBuilder::build_and_execute(|| {
		assert_noop!(Workers::use_quota(&1), Error::<Test>::NotRegistered);
		assert_eq!(Workers::remaining_quota(&1), 0);
		register(1, TRAINER);
		assert_eq!(Workers::remaining_quota(&1), NEWBIE_QUOTA);
		for _ in 0..NEWBIE_QUOTA {
			assert_ok!(Workers::use_quota(&1));
		}
		assert_noop!(Workers::use_quota(&1), Error::<Test>::QuotaExhausted);
		for _ in 0..3 {
			Workers::record_outcome(&1, Outcome::Success);
		}
		assert_eq!(Workers::remaining_quota(&1), TRUSTED_QUOTA - NEWBIE_QUOTA);
		assert_ok!(Workers::use_quota(&1));
		assert_ok!(Workers::use_quota(&1));
		assert_noop!(Workers::use_quota(&1), Error::<Test>::QuotaExhausted);
		System::set_block_number(DAY);
		assert_eq!(Workers::remaining_quota(&1), TRUSTED_QUOTA);
		assert_ok!(Workers::use_quota(&1));
	});
}

#[test]
fn sampling_draws_distinct_active_workers_and_honours_exclusions() {
	ExtBuilder::build_and_execute(|| {
		for who in 1..=5 {
			register(who, EVALUATOR);
		}
		let seed = [3u8; 32];
		let three = Workers::sample(Role::Evaluator, 3, &seed, &[], LATER);
		assert_eq!(three.len(), 3);
		assert_eq!(three, Workers::sample(Role::Evaluator, 3, &seed, &[], LATER), "deterministic");
		let mut sorted = three.clone();
		sorted.sort();
		sorted.dedup();
		assert_eq!(sorted.len(), 3);

		let picked = Workers::sample(Role::Evaluator, 5, &seed, &[2, 4], LATER);
		let mut picked_sorted = picked.clone();
		picked_sorted.sort();
		assert_eq!(picked_sorted, vec![1, 3, 5]);

		set_stake(3, 0);
		let mut rest = Workers::sample(Role::Evaluator, 5, &seed, &[2, 4], LATER);
		rest.sort();
		assert_eq!(rest, vec![1, 5], "inactive workers are never drawn");
		assert!(Workers::sample(Role::Trainer, 3, &seed, &[], LATER).is_empty());
	});
}

/// Later than any block of the tests: every listed worker counts.
const LATER: u64 = u64::MAX;

#[test]
fn draws_ignore_late_joiners_and_nobody_can_push_others_out() {
	ExtBuilder::build_and_execute(|| {
		// Five per role at most (the mock's bound).
		System::set_block_number(1);
		for who in 1..=4 {
			register(who, EVALUATOR);
		}
		System::set_block_number(5);
		register(5, EVALUATOR);
		let seed = [9u8; 32];
		let mut all = Workers::sample(Role::Evaluator, 5, &seed, &[], 5);
		all.sort();
		assert_eq!(all, vec![1, 2, 3, 4], "joined at block 5: not listed before it");

		// A place depends only on the seed and the worker: a worker that leaves after seeing
		// the seed gives up its own place and moves nobody else.
		let three = Workers::sample(Role::Evaluator, 3, &seed, &[], 5);
		assert_ok!(Workers::deregister_worker(RuntimeOrigin::signed(three[0])));
		let after = Workers::sample(Role::Evaluator, 3, &seed, &[], 5);
		assert_eq!(after[..2], three[1..]);
		assert!(!after.contains(&three[0]));
	});
}

#[test]
fn try_state_catches_an_inconsistent_list() {
	ExtBuilder::build().execute_with(|| {
		register(1, TRAINER);
		assert_ok!(Workers::do_try_state());
		OnlineByRole::<Test>::mutate(Role::Evaluator, |l| {
			l.try_push(crate::Listed { who: 1, since: 0 }).unwrap()
		});
		assert!(Workers::do_try_state().is_err(), "listed without the role");
		OnlineByRole::<Test>::remove(Role::Evaluator);
		OnlineByRole::<Test>::remove(Role::Trainer);
		assert!(Workers::do_try_state().is_err(), "online but not listed");
	});
}
