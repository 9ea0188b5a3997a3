//! Configuration of the AI-Block pallets: Stake, Workers and ExpertDag.

use frame_support::{
	parameter_types,
	traits::{tokens::imbalance::ResolveTo, ConstU16, ConstU32, ConstU64, ConstU8},
	PalletId,
};
use frame_system::EnsureRoot;
use sp_runtime::{traits::AccountIdConversion, Perbill};

use crate::{AccountId, Balance, Balances, Runtime, RuntimeHoldReason, Stake, DAYS, MINUTES, UNIT};

parameter_types! {
	/// Receives slashed stake (and, later, protocol fees). An account no key controls: only
	/// governance can spend from it.
	pub TreasuryAccount: AccountId = PalletId(*b"aib/trsy").into_account_truncating();
	/// One in ten slashed AIB goes to whoever proved the fault.
	pub const ReporterShare: Perbill = Perbill::from_percent(10);
}

/// A worker must keep 100 AIB bonded to be registered; stake can also back job collateral.
pub const MIN_WORKER_BOND: Balance = 100 * UNIT;

impl pallet_aiblock_stake::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinBond = frame_support::traits::ConstU128<UNIT>;
	/// A day: longer than any job's evaluation window, so a cheater is judged before it can
	/// leave with its stake.
	type UnbondingPeriod = ConstU32<DAYS>;
	type MaxUnlockingChunks = ConstU32<16>;
	type ReporterShare = ReporterShare;
	type OnSlash = ResolveTo<TreasuryAccount, Balances>;
	type SlashOrigin = EnsureRoot<AccountId>;
	type WeightInfo = pallet_aiblock_stake::weights::SubstrateWeight<Runtime>;
}

impl pallet_aiblock_workers::Config for Runtime {
	type Stake = Stake;
	type MinWorkerBond = frame_support::traits::ConstU128<MIN_WORKER_BOND>;
	/// A worker heartbeats every few minutes; ten minutes of silence means it is gone.
	type HeartbeatTimeout = ConstU32<{ 10 * MINUTES }>;
	type MaxGpuModelLen = ConstU32<64>;
	type MaxEndpointLen = ConstU32<256>;
	type MaxWorkersPerRole = ConstU32<1024>;
	type MaxSweepPerBlock = ConstU32<64>;
	type QuotaPeriod = ConstU32<DAYS>;
	type NewbieQuota = ConstU32<20>;
	type TrustedQuota = ConstU32<200>;
	type SuccessesToTrust = ConstU32<3>;
	type FailuresToDemote = ConstU32<5>;
	/// No pallet assigns work yet (the Jobs pallet will).
	type Assignments = ();
	type WeightInfo = pallet_aiblock_workers::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BondForBenchmarks;
}

impl pallet_aiblock_expert_dag::Config for Runtime {
	/// Root registers model versions until the Evolution pallet takes over.
	type ModelOrigin = EnsureRoot<AccountId>;
	type MaxLayers = ConstU16<8>;
	type MaxExperts = ConstU16<16>;
	type MaxDim = ConstU32<16_384>;
	type MaxContext = ConstU8<8>;
	/// 1 + 8 × (1 + 16): the largest model imports in one call.
	type MaxImportBlocks = ConstU32<137>;
	/// 16 GiB: an expert of d_model 16 384 with d_ff 4 × that in fp32 is 8 GiB.
	type MaxPayloadSize = ConstU64<{ 16 << 30 }>;
	type WeightInfo = pallet_aiblock_expert_dag::weights::SubstrateWeight<Runtime>;
}

/// Funds an account and bonds the minimum worker bond for it.
#[cfg(feature = "runtime-benchmarks")]
pub struct BondForBenchmarks;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_aiblock_workers::BenchmarkHelper<AccountId> for BondForBenchmarks {
	fn bond(who: &AccountId) {
		use frame_support::traits::fungible::Mutate;
		Balances::set_balance(who, 2 * MIN_WORKER_BOND);
		let bonded = Stake::bond(crate::RuntimeOrigin::signed(who.clone()), MIN_WORKER_BOND);
		debug_assert!(bonded.is_ok(), "benchmark account could not bond");
	}
}
