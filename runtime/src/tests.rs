//! The AI-Block pallets working together in the real runtime (not a mock): a worker's life from
//! bonding to withdrawal, through the calls users submit and the traits other pallets use.

use crate::{
	configs::aiblock::{TreasuryAccount, MIN_WORKER_BOND},
	genesis_config_presets::tests::with_preset_state,
	Balances, Runtime, RuntimeCall, RuntimeOrigin, Stake, System, Workers, DAYS, MINUTES, UNIT,
};
use aiblock_primitives::{
	stake::{Slash, SlashReason, StakeInspect},
	workers::{ComputeSpec, Role, Roles, WorkerRegistry},
};
use codec::{Decode, Encode};
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::Inspect, OnIdle, UnfilteredDispatchable},
	weights::Weight,
};
use sp_keyring::Sr25519Keyring;

fn dispatch(
	who: &crate::AccountId,
	call: RuntimeCall,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	// Through SCALE, as a wallet would submit it.
	let call = RuntimeCall::decode(&mut &call.encode()[..]).expect("a call decodes");
	call.dispatch_bypass_filter(RuntimeOrigin::signed(who.clone()))
}

/// Our pallets' hooks. Consensus pallets are left out: they need real slots and timestamps.
type Hooked = (System, Stake, Workers);

/// Run blocks up to `n`, giving `on_idle` spare weight as the executive does.
fn run_to(n: u32) {
	System::run_to_block_with::<Hooked>(
		n,
		frame_system::RunToBlockHooks::default().before_finalize(|bn| {
			Hooked::on_idle(bn, Weight::from_parts(500_000_000_000, 5 * 1024 * 1024));
		}),
	);
}

#[test]
fn register_heartbeat_slash_unbond_withdraw() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let bob = Sr25519Keyring::Bob.to_account_id();
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let start = Balances::balance(&bob);
		let capabilities = pallet_aiblock_workers::WorkerCapabilities {
			gpu_model: b"NVIDIA H100 80GB HBM3".to_vec().try_into().unwrap(),
			spec: ComputeSpec { vram_gib: 80, gpu_count: 1, cpu_cores: 16 },
		};
		let register = RuntimeCall::Workers(pallet_aiblock_workers::Call::register_worker {
			capabilities,
			roles: Roles { trainer: true, evaluator: true, auditor: false },
			endpoint: b"/ip4/127.0.0.1/tcp/4001".to_vec().try_into().unwrap(),
		});

		// Registration needs the bond first.
		assert_noop!(
			dispatch(&bob, register.clone()),
			pallet_aiblock_workers::Error::<Runtime>::InsufficientBond
		);
		assert_ok!(dispatch(
			&bob,
			RuntimeCall::Stake(pallet_aiblock_stake::Call::bond { amount: MIN_WORKER_BOND })
		));
		assert_ok!(dispatch(&bob, register));
		assert!(Workers::is_active(&bob, Role::Trainer));
		assert_eq!(Workers::sample(Role::Evaluator, 3, &[0; 32], &[]), vec![bob.clone()]);

		// Heartbeats keep it active across the timeout; silence takes it offline.
		run_to(1 + 8 * MINUTES);
		assert_ok!(dispatch(
			&bob,
			RuntimeCall::Workers(pallet_aiblock_workers::Call::heartbeat {})
		));
		run_to(1 + 16 * MINUTES);
		assert!(Workers::is_active(&bob, Role::Trainer));
		run_to(1 + 30 * MINUTES);
		assert!(!Workers::is_active(&bob, Role::Trainer));
		assert!(!pallet_aiblock_workers::Workers::<Runtime>::get(&bob).unwrap().online);
		assert_ok!(dispatch(
			&bob,
			RuntimeCall::Workers(pallet_aiblock_workers::Call::heartbeat {})
		));
		assert!(Workers::is_active(&bob, Role::Trainer));

		// A refuted claim costs 10 AIB: 1 to the reporter, 9 to the treasury.
		let treasury = Balances::balance(&TreasuryAccount::get());
		let reporter = Balances::balance(&charlie);
		let slashed =
			<Stake as Slash<_>>::slash(&bob, 10 * UNIT, SlashReason::ClaimRefuted, Some(&charlie));
		assert_eq!(slashed, 10 * UNIT);
		assert_eq!(Balances::balance(&charlie), reporter + UNIT);
		assert_eq!(Balances::balance(&TreasuryAccount::get()), treasury + 9 * UNIT);
		assert!(!Workers::is_active(&bob, Role::Trainer), "below the minimum bond now");

		// Unbond the rest and wait out the unbonding period.
		let rest = Stake::active_stake(&bob);
		assert_ok!(dispatch(
			&bob,
			RuntimeCall::Stake(pallet_aiblock_stake::Call::unbond { amount: rest })
		));
		assert_noop!(
			dispatch(&bob, RuntimeCall::Stake(pallet_aiblock_stake::Call::withdraw_unbonded {})),
			pallet_aiblock_stake::Error::<Runtime>::NothingToWithdraw
		);
		System::set_block_number(System::block_number() + DAYS);
		assert_ok!(dispatch(
			&bob,
			RuntimeCall::Stake(pallet_aiblock_stake::Call::withdraw_unbonded {})
		));
		assert_ok!(dispatch(
			&bob,
			RuntimeCall::Workers(pallet_aiblock_workers::Call::deregister_worker {})
		));

		// Bob has everything back but the slash (transaction fees are not charged on this path).
		assert_eq!(Balances::balance(&bob), start - 10 * UNIT);
		assert!(pallet_aiblock_stake::Ledgers::<Runtime>::get(&bob).is_none());
		pallet_aiblock_stake::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_aiblock_workers::Pallet::<Runtime>::do_try_state().unwrap();
	});
}
