//! Configuration of the Inference pallet: the inference market's prices of entry, shares and
//! windows.

use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32, ConstU64},
	PalletId,
};
use sp_runtime::Perbill;

use crate::{
	configs::aiblock::{EVALUATOR_COLLATERAL, MAX_IMPORT_BLOCKS, MAX_WORKERS_PER_ROLE},
	Balance, Balances, ExpertDag, Runtime, RuntimeHoldReason, Signature, Stake, Workers, DAYS,
	HOURS, UNIT,
};

/// Stake a server commits while it serves: half the minimum worker bond. A proven mismatch
/// costs all of it, half to the wronged client, half to the auditors who proved it.
pub const SERVER_COLLATERAL: Balance = 50 * UNIT;
/// Held from a free-tier user: what another free quota costs in capital.
pub const FREE_TIER_DEPOSIT: Balance = 10 * UNIT;
/// A free-tier user's output tokens a day.
pub const FREE_TOKENS_PER_DAY: u64 = 20_000;
/// A free-tier user's requests a day.
pub const FREE_REQUESTS_PER_DAY: u32 = 200;
/// One claim in this many is audited, until governance says otherwise.
pub const AUDIT_ONE_IN: u32 = 10;

parameter_types! {
	pub const InferencePalletId: PalletId = PalletId(*b"aib/infr");
	/// A fifth of every fee goes to the authors of the blocks that answered.
	pub const UsageShare: Perbill = Perbill::from_percent(20);
	/// One in twenty parts of every fee pays for the audits.
	pub const AuditShare: Perbill = Perbill::from_percent(5);
}

impl pallet_aiblock_inference::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Stake = Stake;
	type Workers = Workers;
	type Models = ExpertDag;
	type Signature = Signature;
	type Signer = <Signature as sp_runtime::traits::Verify>::Signer;
	type PalletId = InferencePalletId;
	type ServerCollateral = ConstU128<SERVER_COLLATERAL>;
	/// A channel is a storage entry: it holds at least 1 AIB.
	type MinChannelDeposit = ConstU128<UNIT>;
	/// A thousandth of an AIB: a claim is worth its audit's trouble, and a flood of empty
	/// claims costs their fees.
	type MinClaimFee = ConstU128<{ UNIT / 1_000 }>;
	/// The council (or Root).
	type GovernanceOrigin = super::governance::GovernanceOrigin;
	/// A server claims at least once an hour to be safe from a client's close.
	type DisputeWindow = ConstU32<HOURS>;
	/// Every block of the largest model the registry imports.
	type MaxUsageBlocks = ConstU32<MAX_IMPORT_BLOCKS>;
	type MaxEndpointLen = ConstU32<256>;
	type UsageShare = UsageShare;
	type AuditShare = AuditShare;
	/// One claim in ten is audited: a server that alters one answer in a claim of n risks its
	/// collateral with probability about 1/10 × (1 − (1 − 1/n)^4) per claim.
	type AuditOneIn = ConstU32<AUDIT_ONE_IN>;
	type AuditPanel = ConstU32<3>;
	type MaxAuditorPool = ConstU32<MAX_WORKERS_PER_ROLE>;
	type AuditSample = ConstU32<4>;
	type AuditorCollateral = ConstU128<EVALUATOR_COLLATERAL>;
	/// A tenth of an AIB per honest audit verdict, from the pot.
	type AuditReward = ConstU128<{ UNIT / 10 }>;
	type AuditCommitWindow = ConstU32<HOURS>;
	type AuditRevealWindow = ConstU32<HOURS>;
	type MaxClaimsPerBlock = ConstU32<64>;
	type FreePeriod = ConstU32<DAYS>;
	type FreeTokensPerPeriod = ConstU64<FREE_TOKENS_PER_DAY>;
	type FreeRequestsPerPeriod = ConstU32<FREE_REQUESTS_PER_DAY>;
	type FreeTierDeposit = ConstU128<FREE_TIER_DEPOSIT>;
	type MaxDonorsPerUser = ConstU32<8>;
	type WeightInfo = pallet_aiblock_inference::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = InferenceBenchmarks;
}

/// Keys from the benchmark's keystore, accounts funded and bonded, adopted blocks written
/// straight into the registry.
#[cfg(feature = "runtime-benchmarks")]
pub struct InferenceBenchmarks;
#[cfg(feature = "runtime-benchmarks")]
const BENCH_KEY: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"aibk");
#[cfg(feature = "runtime-benchmarks")]
impl pallet_aiblock_inference::BenchmarkHelper<crate::AccountId, Signature>
	for InferenceBenchmarks
{
	fn signer(seed: u32) -> crate::AccountId {
		let uri = alloc::format!("//inference-bench-{seed}").into_bytes();
		sp_io::crypto::sr25519_generate(BENCH_KEY, Some(uri)).into()
	}

	fn sign(signer: &crate::AccountId, payload: &[u8]) -> Signature {
		let public = sp_core::sr25519::Public::from_raw(signer.clone().into());
		// The key was generated in the benchmark's keystore; were it missing, an empty
		// signature makes the benchmark fail as `BadSignature` rather than panic.
		sp_io::crypto::sr25519_sign(BENCH_KEY, &public, payload)
			.unwrap_or_else(|| sp_core::sr25519::Signature::from_raw([0; 64]))
			.into()
	}

	fn bond(who: &crate::AccountId) {
		use frame_support::traits::fungible::Mutate;
		Balances::set_balance(who, 1_000 * UNIT);
		let bonded = Stake::bond(crate::RuntimeOrigin::signed(who.clone()), 200 * UNIT);
		debug_assert!(bonded.is_ok(), "benchmark account could not bond");
	}

	fn make_auditor(who: &crate::AccountId) {
		<crate::configs::aiblock::BondForBenchmarks as pallet_aiblock_jobs::BenchmarkHelper<
			crate::AccountId,
		>>::make_worker(who, aiblock_primitives::workers::Role::Auditor)
	}

	fn served_model(
		blocks: u32,
	) -> (aiblock_primitives::dag::ModelIndex, alloc::vec::Vec<sp_core::H256>) {
		use aiblock_primitives::dag::{BlockHeader, BlockRecord, BlockStatus, Payload};
		let model = 0;
		let mut ids = alloc::vec::Vec::new();
		for i in 0..blocks {
			let kind = aiblock_primitives::dag::BlockKind::Expert { layer: 0, expert: 0 };
			let mut cid = alloc::vec![0x01, 0x55, 0x12, 32];
			cid.extend([i as u8; 32]);
			let header = BlockHeader {
				kind,
				model,
				depends_on: Default::default(),
				payload: Payload {
					cid: frame_support::BoundedVec::truncate_from(cid),
					hash: sp_core::H256::repeat_byte(i as u8),
					size: 1_000,
				},
				author: Some(crate::AccountId::from([i as u8 + 1; 32])),
				parent: None,
				created_at: 0,
			};
			let id = header.id();
			pallet_aiblock_expert_dag::Blocks::<Runtime>::insert(
				id,
				BlockRecord { header, status: BlockStatus::Superseded, score: Some(1) },
			);
			ids.push(id);
		}
		ids.sort();
		(model, ids)
	}
}
