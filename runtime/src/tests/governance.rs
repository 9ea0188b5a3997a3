//! Governance in the real runtime: the local testnet has no sudo key; its four operators' council
//! passes motions with three of four ayes, reaches our pallets' privileged calls directly and
//! FRAME's Root-only calls (a runtime upgrade) through the whitelist. The development chain's
//! one-member council passes a motion as soon as Alice proposes it.

use super::*;
use crate::{configs::governance::CouncilCollective, Hash, Inference};
use pallet_aiblock_inference::MarketParams;
use sp_runtime::{traits::Hash as _, DispatchError};

type Council = pallet_collective::Pallet<Runtime, CouncilCollective>;
type CouncilEvent = pallet_collective::Event<Runtime, CouncilCollective>;

fn account(who: Sr25519Keyring) -> crate::AccountId {
	who.to_account_id()
}

fn council_events() -> Vec<CouncilEvent> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			crate::RuntimeEvent::Council(event) => Some(event),
			_ => None,
		})
		.collect()
}

/// The result of the last motion the council executed, if one ran.
fn last_executed() -> Option<Result<(), DispatchError>> {
	council_events().into_iter().rev().find_map(|event| match event {
		CouncilEvent::Executed { result, .. } => Some(result),
		_ => None,
	})
}

fn propose(who: Sr25519Keyring, threshold: u32, call: RuntimeCall) -> (Hash, u32) {
	let index = pallet_collective::ProposalCount::<Runtime, CouncilCollective>::get();
	let length_bound = call.encoded_size() as u32;
	let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&call);
	assert_ok!(dispatch(
		&account(who),
		RuntimeCall::Council(pallet_collective::Call::propose {
			threshold,
			proposal: Box::new(call),
			length_bound,
		})
	));
	(hash, index)
}

fn vote(who: Sr25519Keyring, (hash, index): (Hash, u32), approve: bool) {
	assert_ok!(dispatch(
		&account(who),
		RuntimeCall::Council(pallet_collective::Call::vote { proposal: hash, index, approve })
	));
}

fn close(
	who: Sr25519Keyring,
	(hash, index): (Hash, u32),
	call: &RuntimeCall,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	use frame_support::dispatch::GetDispatchInfo;
	dispatch(
		&account(who),
		RuntimeCall::Council(pallet_collective::Call::close {
			proposal_hash: hash,
			index,
			proposal_weight_bound: call.get_dispatch_info().call_weight,
			length_bound: call.encoded_size() as u32,
		}),
	)
}

fn faster_market() -> (MarketParams<u32>, RuntimeCall) {
	let params = MarketParams { audit_one_in: 1, ..Inference::params() };
	(params, RuntimeCall::Inference(pallet_aiblock_inference::Call::set_params { params }))
}

fn with_local_testnet(check: impl FnOnce()) {
	with_preset_state(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET, || {
		System::set_block_number(1);
		check();
	});
}

#[test]
fn the_local_testnet_has_no_sudo_key() {
	with_local_testnet(|| {
		let (_, call) = faster_market();
		let sudo = RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(call) });
		assert_noop!(
			dispatch(&account(Sr25519Keyring::Alice), sudo),
			pallet_sudo::Error::<Runtime>::RequireSudo
		);
	});
}

#[test]
fn three_of_four_operators_change_a_pallets_parameters() {
	with_local_testnet(|| {
		let before = Inference::params();
		let (faster, call) = faster_market();
		// Outsiders cannot propose; a member alone cannot act for the council.
		assert_noop!(
			dispatch(
				&account(Sr25519Keyring::Eve),
				RuntimeCall::Council(pallet_collective::Call::propose {
					threshold: 3,
					proposal: Box::new(call.clone()),
					length_bound: 1_000,
				})
			),
			pallet_collective::Error::<Runtime, CouncilCollective>::NotMember
		);
		assert!(dispatch(&account(Sr25519Keyring::Alice), call.clone()).is_err());

		let motion = propose(Sr25519Keyring::Alice, 3, call.clone());
		vote(Sr25519Keyring::Alice, motion, true);
		vote(Sr25519Keyring::Bob, motion, true);
		// Two ayes are not enough, and the motion is open for days.
		assert_noop!(
			close(Sr25519Keyring::Alice, motion, &call),
			pallet_collective::Error::<Runtime, CouncilCollective>::TooEarly
		);
		assert_eq!(Inference::params(), before);
		vote(Sr25519Keyring::Charlie, motion, true);
		// Anyone may close a motion that has its ayes.
		assert_ok!(close(Sr25519Keyring::Eve, motion, &call));
		assert_eq!(last_executed(), Some(Ok(())));
		assert_eq!(Inference::params(), faster);
	});
}

#[test]
fn a_motion_without_three_ayes_changes_nothing() {
	with_local_testnet(|| {
		let before = Inference::params();
		let (_, call) = faster_market();
		// A member who sets a threshold of one gets one member's origin, which our pallets refuse.
		propose(Sr25519Keyring::Bob, 1, call.clone());
		assert_eq!(last_executed(), Some(Err(DispatchError::BadOrigin)));
		assert_eq!(Inference::params(), before);

		// Two ayes and two nays: the motion cannot pass and is closed as disapproved.
		let motion = propose(Sr25519Keyring::Alice, 3, call.clone());
		vote(Sr25519Keyring::Alice, motion, true);
		vote(Sr25519Keyring::Bob, motion, true);
		vote(Sr25519Keyring::Charlie, motion, false);
		vote(Sr25519Keyring::Dave, motion, false);
		assert_ok!(close(Sr25519Keyring::Alice, motion, &call));
		assert!(council_events()
			.iter()
			.any(|event| matches!(event, CouncilEvent::Disapproved { .. })));
		assert_eq!(Inference::params(), before);

		// A motion with a threshold below three quarters passes the council but not our origin.
		let motion = propose(Sr25519Keyring::Alice, 2, call.clone());
		vote(Sr25519Keyring::Alice, motion, true);
		vote(Sr25519Keyring::Bob, motion, true);
		assert_ok!(close(Sr25519Keyring::Alice, motion, &call));
		assert_eq!(last_executed(), Some(Err(DispatchError::BadOrigin)));
		assert_eq!(Inference::params(), before);
	});
}

/// `system.authorizeUpgrade` is Root-only: the council reaches it by whitelisting the call and
/// dispatching it in one motion; no member can whitelist alone.
#[test]
fn the_council_authorizes_a_runtime_upgrade_through_the_whitelist() {
	with_local_testnet(|| {
		let code_hash = sp_core::H256::repeat_byte(7);
		let upgrade = RuntimeCall::System(frame_system::Call::authorize_upgrade { code_hash });
		let upgrade_hash = <Runtime as frame_system::Config>::Hashing::hash_of(&upgrade);
		assert!(dispatch(
			&account(Sr25519Keyring::Alice),
			RuntimeCall::Whitelist(pallet_whitelist::Call::whitelist_call {
				call_hash: upgrade_hash
			})
		)
		.is_err());

		let batch = RuntimeCall::Utility(pallet_utility::Call::batch_all {
			calls: vec![
				RuntimeCall::Whitelist(pallet_whitelist::Call::whitelist_call {
					call_hash: upgrade_hash,
				}),
				RuntimeCall::Whitelist(
					pallet_whitelist::Call::dispatch_whitelisted_call_with_preimage {
						call: Box::new(upgrade),
					},
				),
			],
		});
		let motion = propose(Sr25519Keyring::Dave, 3, batch.clone());
		for who in [Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave] {
			vote(who, motion, true);
		}
		assert_ok!(close(Sr25519Keyring::Bob, motion, &batch));
		assert_eq!(last_executed(), Some(Ok(())));
		assert!(System::events().iter().any(|record| record.event
			== crate::RuntimeEvent::System(frame_system::Event::UpgradeAuthorized {
				code_hash,
				check_version: true,
			})));
		assert!(System::events().iter().any(|record| matches!(
			&record.event,
			crate::RuntimeEvent::Whitelist(pallet_whitelist::Event::WhitelistedCallDispatched {
				result: Ok(_),
				..
			})
		)));
		// Dispatched calls leave the whitelist.
		assert!(!pallet_whitelist::WhitelistedCall::<Runtime>::contains_key(upgrade_hash));
	});
}

/// The development chain keeps its sudo key, and its council of one passes a motion at once.
#[test]
fn the_dev_chains_council_of_one_acts_at_once() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let (faster, call) = faster_market();
		propose(Sr25519Keyring::Alice, 1, call);
		assert_eq!(last_executed(), Some(Ok(())));
		assert_eq!(Inference::params(), faster);
	});
}

/// Passes `call` as a motion of Alice, Bob and Charlie (three of four ayes) and closes it.
fn pass(call: RuntimeCall) {
	let motion = propose(Sr25519Keyring::Alice, 3, call.clone());
	for who in [Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie] {
		vote(who, motion, true);
	}
	assert_ok!(close(Sr25519Keyring::Alice, motion, &call));
}

/// A motion may reshuffle the seats but not leave fewer than three (one member would be the
/// council; none could never propose again) nor name a prime (whose vote the silent would take).
#[test]
fn a_motion_cannot_shrink_the_council_below_three_or_name_a_prime() {
	with_local_testnet(|| {
		let seats = |who: &[Sr25519Keyring]| who.iter().map(|k| account(*k)).collect::<Vec<_>>();
		use Sr25519Keyring::{Alice, Bob, Charlie, Dave, Eve};
		let set = |new_members, prime| {
			RuntimeCall::Council(pallet_collective::Call::set_members {
				new_members,
				prime,
				old_count: 4,
			})
		};
		let filtered = Some(Err(frame_system::Error::<Runtime>::CallFiltered.into()));
		pass(set(seats(&[Alice, Bob]), None));
		assert_eq!(last_executed(), filtered);
		pass(set(seats(&[Alice, Bob, Charlie, Dave]), Some(account(Alice))));
		assert_eq!(last_executed(), filtered);
		assert_eq!(pallet_collective::Members::<Runtime, CouncilCollective>::get().len(), 4);
		assert_eq!(pallet_collective::Prime::<Runtime, CouncilCollective>::get(), None);
		// Inside a batch too.
		pass(RuntimeCall::Utility(pallet_utility::Call::batch_all {
			calls: vec![set(vec![], None)],
		}));
		assert!(last_executed().is_some_and(|result| result.is_err()));
		assert_eq!(pallet_collective::Members::<Runtime, CouncilCollective>::get().len(), 4);
		// Replacing a seat keeps four.
		pass(set(seats(&[Alice, Bob, Charlie, Eve]), None));
		assert_eq!(last_executed(), Some(Ok(())));
		assert!(Council::is_member(&account(Eve)) && !Council::is_member(&account(Dave)));
	});
}

/// A motion that dispatches a call not yet whitelisted leaves nothing another account can run as
/// Root later: a deferred dispatch expires in the block it was made.
#[test]
fn a_deferred_whitelisted_call_cannot_be_relayed_by_anyone() {
	with_local_testnet(|| {
		let upgrade = RuntimeCall::System(frame_system::Call::authorize_upgrade {
			code_hash: sp_core::H256::repeat_byte(9),
		});
		let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&upgrade);
		let dispatch_upgrade = || {
			RuntimeCall::Whitelist(
				pallet_whitelist::Call::dispatch_whitelisted_call_with_preimage {
					call: Box::new(upgrade.clone()),
				},
			)
		};
		pass(dispatch_upgrade());
		assert_eq!(last_executed(), Some(Ok(())), "the council's dispatch is deferred");
		pass(RuntimeCall::Whitelist(pallet_whitelist::Call::whitelist_call { call_hash: hash }));
		run_to(System::block_number() + 1);
		assert_noop!(
			dispatch(&account(Sr25519Keyring::Eve), dispatch_upgrade()),
			pallet_whitelist::Error::<Runtime>::DeferredDispatchExpired
		);
		assert!(!System::events().iter().any(|record| matches!(
			record.event,
			crate::RuntimeEvent::System(frame_system::Event::UpgradeAuthorized { .. })
		)));
	});
}

/// Two open motions are free; a third holds 10 AIB and a fourth 20 (the slots cannot be filled
/// for nothing); the deposit comes back once the motion is closed.
#[test]
fn a_member_with_many_open_motions_holds_growing_deposits() {
	with_local_testnet(|| {
		use frame_support::traits::fungible::InspectHold;
		let alice = account(Sr25519Keyring::Alice);
		let held = || Balances::total_balance_on_hold(&alice);
		let motion = |n: u64| {
			RuntimeCall::System(frame_system::Call::remark { remark: n.to_le_bytes().to_vec() })
		};
		propose(Sr25519Keyring::Alice, 3, motion(1));
		propose(Sr25519Keyring::Alice, 3, motion(2));
		assert_eq!(held(), 0);
		let third = propose(Sr25519Keyring::Alice, 3, motion(3));
		assert_eq!(held(), 10 * UNIT);
		propose(Sr25519Keyring::Alice, 3, motion(4));
		assert_eq!(held(), 30 * UNIT);
		// The third is voted down, closed, and its deposit released.
		for who in [Sr25519Keyring::Bob, Sr25519Keyring::Charlie] {
			vote(who, third, false);
		}
		assert_ok!(close(Sr25519Keyring::Bob, third, &motion(3)));
		assert_ok!(dispatch(
			&alice,
			RuntimeCall::Council(pallet_collective::Call::release_proposal_cost {
				proposal_hash: third.0
			})
		));
		assert_eq!(held(), 20 * UNIT);
	});
}
