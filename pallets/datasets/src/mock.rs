//! A runtime with the real Balances, Stake and Workers pallets behind the Datasets pallet's
//! registry, so the tests draw real auditors and count real workers' votes.

use crate as pallet_datasets;
use aiblock_primitives::{
	dag::SemVer,
	datasets::{proposal_commitment, solve_pow, AuditReport, DatasetMeta, LicenseCheck},
	workers::{ComputeSpec, Role, Roles},
};
use frame_support::{
	derive_impl, parameter_types,
	traits::{tokens::imbalance::ResolveTo, ConstU128, ConstU32, ConstU64},
	weights::Weight,
};
use frame_system::EnsureRoot;
use sp_core::H256;
use sp_runtime::{BuildStorage, Perbill};

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Stake: pallet_aiblock_stake,
		Workers: pallet_aiblock_workers,
		Datasets: pallet_datasets,
		PolCredits: pallet_aiblock_pol_credits,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

pub const TREASURY: AccountId = 99;
pub const PROPOSER: AccountId = 1;
/// Auditors 10..=14.
pub const AUDITORS: [AccountId; 5] = [10, 11, 12, 13, 14];
/// Workers without the auditor role, who vote: 20..=25.
pub const VOTERS: [AccountId; 6] = [20, 21, 22, 23, 24, 25];
pub const WORKER_BOND: Balance = 1_000;

pub const DIFFICULTY: u32 = 8;
pub const COMMIT_WINDOW: u64 = 3;
pub const REVEAL_WINDOW: u64 = 3;
pub const VOTING_WINDOW: u64 = 5;
pub const QUORUM: u32 = 4;
pub const DAY: u64 = 100;
pub const MAX_PROPOSAL_COMMITS: u32 = 2;
pub const PROPOSAL_COMMIT_LIFETIME: u64 = 10;

parameter_types! {
	pub const TreasuryAccount: AccountId = TREASURY;
	pub const ReporterShare: Perbill = Perbill::from_percent(10);
}

/// The seed's credit table.
#[derive_impl(pallet_aiblock_pol_credits::config_preludes::TestDefaultConfig)]
impl pallet_aiblock_pol_credits::Config for Test {}

impl pallet_aiblock_stake::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinBond = ConstU128<10>;
	type UnbondingPeriod = ConstU64<100>;
	type MaxUnlockingChunks = ConstU32<4>;
	type ReporterShare = ReporterShare;
	type OnSlash = ResolveTo<TreasuryAccount, Balances>;
	type SlashOrigin = EnsureRoot<AccountId>;
	type WeightInfo = ();
}

impl pallet_aiblock_workers::Config for Test {
	type Stake = Stake;
	type MinWorkerBond = ConstU128<500>;
	type HeartbeatTimeout = ConstU64<10_000>;
	type MaxGpuModelLen = ConstU32<16>;
	type MaxEndpointLen = ConstU32<32>;
	type MaxWorkersPerRole = ConstU32<32>;
	type MaxSweepPerBlock = ConstU32<16>;
	type QuotaPeriod = ConstU64<DAY>;
	type NewbieQuota = ConstU32<3>;
	type TrustedQuota = ConstU32<10>;
	type SuccessesToTrust = ConstU32<3>;
	type FailuresToDemote = ConstU32<5>;
	type Assignments = ();
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BondForBenchmarks;
}

#[cfg(feature = "runtime-benchmarks")]
pub struct BondForBenchmarks;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_aiblock_workers::BenchmarkHelper<AccountId> for BondForBenchmarks {
	fn bond(who: &AccountId) {
		use frame_support::traits::fungible::Mutate;
		Balances::set_balance(who, 10 * WORKER_BOND);
		Stake::bond(RuntimeOrigin::signed(*who), WORKER_BOND).unwrap();
	}
}

impl pallet_datasets::Config for Test {
	type Registry = Workers;
	type GovernanceOrigin = EnsureRoot<AccountId>;
	type PowDifficulty = ConstU32<DIFFICULTY>;
	type QuotaPeriod = ConstU64<DAY>;
	type NewProposerQuota = ConstU32<3>;
	type TrustedProposerQuota = ConstU32<5>;
	type ApprovalsToTrust = ConstU32<2>;
	type MaxProposalCommits = ConstU32<MAX_PROPOSAL_COMMITS>;
	type ProposalCommitLifetime = ConstU64<PROPOSAL_COMMIT_LIFETIME>;
	type MaxProposalsPerBlock = ConstU32<4>;
	type AuditorsPerDataset = ConstU32<3>;
	type MaxAuditors = ConstU32<3>;
	type MaxAuditorPool = ConstU32<8>;
	type AuditCommitWindow = ConstU64<COMMIT_WINDOW>;
	type AuditRevealWindow = ConstU64<REVEAL_WINDOW>;
	type VotingWindow = ConstU64<VOTING_WINDOW>;
	type VoteQuorum = ConstU32<QUORUM>;
	type MaxVotesPerDataset = ConstU32<8>;
	type MaxPiiPpm = ConstU32<10_000>;
	type MaxDuplicatePpm = ConstU32<950_000>;
	type MaxToxicityPpm = ConstU32<50_000>;
	type Credits = PolCredits;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MakeWorker;
}

#[cfg(feature = "runtime-benchmarks")]
pub struct MakeWorker;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for MakeWorker {
	fn make_worker(who: &AccountId, role: Role) {
		use frame_support::traits::fungible::Mutate;
		Balances::set_balance(who, 10 * WORKER_BOND);
		register(*who, role);
	}

	fn make_inactive(who: &AccountId) {
		Stake::unbond(RuntimeOrigin::signed(*who), WORKER_BOND).unwrap();
	}
}

/// Bond and register `who` as a worker with `role`.
pub fn register(who: AccountId, role: Role) {
	Stake::bond(RuntimeOrigin::signed(who), WORKER_BOND).unwrap();
	Workers::register_worker(
		RuntimeOrigin::signed(who),
		pallet_aiblock_workers::WorkerCapabilities {
			gpu_model: Default::default(),
			spec: ComputeSpec { vram_gib: 0, gpu_count: 0, cpu_cores: 8 },
		},
		Roles::only(role),
		b"https://w.example".to_vec().try_into().unwrap(),
	)
	.unwrap();
}

/// Metadata of a dataset whose content is `seed` (its Merkle root and CID differ per seed).
pub fn meta(seed: u8) -> DatasetMeta {
	DatasetMeta {
		name: b"tinyshakespeare".to_vec().try_into().unwrap(),
		version: SemVer { major: 1, minor: 0, patch: u16::from(seed) },
		license: b"CC0-1.0".to_vec().try_into().unwrap(),
		cid: [&[0x01, 0x55, 0x12, 32][..], &[seed; 32]].concat().try_into().unwrap(),
		size: 1_115_394,
		merkle_root: H256::repeat_byte(seed),
		sample_hashes: Default::default(),
		derived_from: Default::default(),
	}
}

/// A nonce that solves the mock's proof of work for `who` and `meta`.
pub fn nonce(who: AccountId, meta: &DatasetMeta) -> u64 {
	solve_pow(&who, meta, DIFFICULTY, 0)
}

/// The salt the tests' proposers commit with.
pub fn proposal_salt() -> H256 {
	H256::repeat_byte(0x5a)
}

/// `who`'s commitments: only a commitment to `meta` with [`proposal_salt`], as
/// `commit_proposal` in the previous block leaves it (the call itself is tested on its own).
pub fn committed(who: AccountId, meta: &DatasetMeta) {
	let at = System::block_number().saturating_sub(1);
	let commitment = proposal_commitment(&who, meta, &proposal_salt());
	crate::ProposalCommits::<Test>::insert(
		who,
		frame_support::BoundedVec::truncate_from(vec![(commitment, at)]),
	);
}

/// An honest auditor's report of a clean dataset.
pub fn clean_report() -> AuditReport {
	AuditReport {
		content_matches: true,
		chunks_checked: 5,
		duplicate_ppm: 0,
		pii_ppm: 0,
		toxicity_ppm: 0,
		license: LicenseCheck::Allowed,
		learning_value: 2_500,
	}
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances = vec![(PROPOSER, 10), (TREASURY, 1)];
	for who in AUDITORS.iter().chain(&VOTERS) {
		balances.push((*who, 10 * WORKER_BOND));
	}
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(0);
		for who in AUDITORS {
			register(who, Role::Auditor);
		}
		for who in VOTERS {
			register(who, Role::Trainer);
		}
		// Workers register at block 0 and tests start at 1: draws count only workers listed
		// before the proposal.
		System::set_block_number(1);
	});
	ext
}

/// Run `test`, then check the invariants of the pallets involved.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Datasets::do_try_state().expect("Datasets invariants hold after the test");
		PolCredits::do_try_state().expect("PolCredits invariants hold after the test");
		Workers::do_try_state().expect("Workers invariants hold after the test");
	});
}

/// Finish blocks until block `n` has begun, as the executive does (a new parent hash each
/// block; the Datasets pallet draws panels when a block starts).
pub fn run_to_block(n: u64) {
	use frame_support::traits::{OnFinalize, OnIdle, OnInitialize};
	while System::block_number() < n {
		let now = System::block_number();
		AllPalletsWithSystem::on_idle(now, Weight::MAX);
		AllPalletsWithSystem::on_finalize(now);
		System::set_block_number(now + 1);
		System::set_parent_hash(H256::from_low_u64_be(now.wrapping_mul(0x9e37_79b9)));
		AllPalletsWithSystem::on_initialize(now + 1);
	}
}

/// Advance `blocks` blocks.
pub fn advance(blocks: u64) {
	run_to_block(System::block_number() + blocks);
}
