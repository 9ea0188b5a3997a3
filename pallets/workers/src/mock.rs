//! A runtime with System and Workers for the unit tests. Stake and assignments are simple
//! tables the tests set, standing in for the Stake and Jobs pallets behind their traits.

use crate as pallet_workers;
use aiblock_primitives::{
	stake::StakeInspect,
	workers::{AssignmentsInspect, ComputeSpec, Roles},
};
use frame_support::{derive_impl, parameter_types, traits::ConstU32};
use sp_runtime::BuildStorage;
use std::collections::BTreeMap;

pub type AccountId = u64;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Workers: pallet_workers,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
}

pub const MIN_BOND: u128 = 100;
pub const TIMEOUT: u64 = 10;
pub const MAX_PER_ROLE: u32 = 5;
pub const DAY: u64 = 100;
pub const NEWBIE_QUOTA: u32 = 2;
pub const TRUSTED_QUOTA: u32 = 4;

parameter_types! {
	pub static StakeOf: BTreeMap<AccountId, u128> = BTreeMap::new();
	pub static AssignedOf: BTreeMap<AccountId, u32> = BTreeMap::new();
	pub static MaxSweep: u32 = MAX_PER_ROLE;
}

pub struct MockStake;
impl StakeInspect<AccountId> for MockStake {
	type Balance = u128;
	fn active_stake(who: &AccountId) -> u128 {
		StakeOf::get().get(who).copied().unwrap_or(0)
	}
	fn uncommitted_stake(who: &AccountId) -> u128 {
		Self::active_stake(who)
	}
}

pub struct MockAssignments;
impl AssignmentsInspect<AccountId> for MockAssignments {
	fn active_assignments(who: &AccountId) -> u32 {
		AssignedOf::get().get(who).copied().unwrap_or(0)
	}
}

pub fn set_stake(who: AccountId, amount: u128) {
	let mut all = StakeOf::get();
	all.insert(who, amount);
	StakeOf::set(all);
}

pub fn set_assignments(who: AccountId, n: u32) {
	let mut all = AssignedOf::get();
	all.insert(who, n);
	AssignedOf::set(all);
}

impl pallet_workers::Config for Test {
	type Stake = MockStake;
	type MinWorkerBond = frame_support::traits::ConstU128<MIN_BOND>;
	type HeartbeatTimeout = frame_support::traits::ConstU64<TIMEOUT>;
	type MaxGpuModelLen = ConstU32<16>;
	type MaxEndpointLen = ConstU32<32>;
	type MaxWorkersPerRole = ConstU32<MAX_PER_ROLE>;
	type MaxSweepPerBlock = MaxSweep;
	type QuotaPeriod = frame_support::traits::ConstU64<DAY>;
	type NewbieQuota = ConstU32<NEWBIE_QUOTA>;
	type TrustedQuota = ConstU32<TRUSTED_QUOTA>;
	type SuccessesToTrust = ConstU32<3>;
	type FailuresToDemote = ConstU32<5>;
	type Assignments = MockAssignments;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockStakeHelper;
}

#[cfg(feature = "runtime-benchmarks")]
pub struct MockStakeHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for MockStakeHelper {
	fn bond(who: &AccountId) {
		set_stake(*who, MIN_BOND);
	}
}

pub fn gpu() -> crate::CapabilitiesOf<Test> {
	crate::WorkerCapabilities {
		gpu_model: b"NVIDIA H100".to_vec().try_into().unwrap(),
		spec: ComputeSpec { vram_gib: 80, gpu_count: 1, cpu_cores: 16 },
	}
}

pub fn endpoint() -> crate::EndpointOf<Test> {
	b"https://w.example:8080".to_vec().try_into().unwrap()
}

pub const TRAINER: Roles = Roles { trainer: true, evaluator: false, auditor: false };
pub const EVALUATOR: Roles = Roles { trainer: false, evaluator: true, auditor: false };
pub const ALL: Roles = Roles { trainer: true, evaluator: true, auditor: true };

/// Accounts 1..=9 have the minimum worker bond.
pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build() -> sp_io::TestExternalities {
		StakeOf::set(BTreeMap::new());
		AssignedOf::set(BTreeMap::new());
		MaxSweep::set(MAX_PER_ROLE);
		let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			for who in 1..=9 {
				set_stake(who, MIN_BOND);
			}
		});
		ext
	}

	/// Run `test`, then check the pallet's invariants.
	pub fn build_and_execute(test: impl FnOnce()) {
		Self::build().execute_with(|| {
			test();
			Workers::do_try_state().expect("invariants hold after the test");
		});
	}
}

pub fn run_to_block(n: u64) {
	System::run_to_block_with::<AllPalletsWithSystem>(
		n,
		// As the executive does: spare weight goes to `on_idle` before `on_finalize`.
		frame_system::RunToBlockHooks::default().before_finalize(|n| {
			use frame_support::traits::OnIdle;
			AllPalletsWithSystem::on_idle(n, frame_support::weights::Weight::MAX);
		}),
	);
}
