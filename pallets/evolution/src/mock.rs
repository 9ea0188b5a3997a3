//! A runtime with the real Balances, Stake, Workers, ExpertDag and PolCredits pallets behind
//! the Evolution pallet: real trainers and evaluators, a real genesis transformer to grow, real
//! credits to lock. Windows of a few blocks.

use crate as pallet_evolution;
use aiblock_primitives::{
	credits::{Contribution, MintCredits},
	dag::{AttentionSpec, BlockKind, Cid, ModelSpec, Payload, SemVer, Tokenizer},
	datasets::{DatasetId, DatasetsInspect, Unusable, UsableDataset},
	evolution::{benchmark_commitment, Benchmark, Growth, HeldOut, Migration},
	jobs::{HyperParams, JobDataset},
	workers::{ComputeSpec, Role, Roles},
};
use frame_support::{
	derive_impl, parameter_types,
	traits::{tokens::imbalance::ResolveTo, ConstU128, ConstU16, ConstU32, ConstU64},
	weights::Weight,
};
use frame_system::EnsureRoot;
use pallet_aiblock_expert_dag::{ImportedBlock, ImportedModel};
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
		ExpertDag: pallet_aiblock_expert_dag,
		PolCredits: pallet_aiblock_pol_credits,
		Evolution: pallet_evolution,
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
pub const ENDORSER: AccountId = 2;
/// Holds no credits.
pub const PAUPER: AccountId = 3;
pub const TRAINER: AccountId = 10;
pub const OTHER_TRAINER: AccountId = 11;
/// Evaluators 20..=24.
pub const EVALUATORS: [AccountId; 5] = [20, 21, 22, 23, 24];
pub const WORKER_BOND: Balance = 1_000;
pub const TRAINER_PENALTY: Balance = 300;
pub const EVALUATOR_PENALTY: Balance = 50;
/// Credits every account but the pauper starts with: one promoted epoch's training.
pub const STARTING_CREDITS: u64 = 1_000;
pub const DEPOSIT: u64 = 100;
pub const MIN_BID: u64 = 10;
/// The genesis model's validation score: the bar for a 15 % gain is 1 700 000.
pub const PARENT_SCORE: u32 = 2_000_000;

pub const PROPOSING: u64 = 5;
pub const RESERVING: u64 = 3;
pub const TRAINING: u64 = 4;
pub const COMMIT: u64 = 3;
pub const REVEAL: u64 = 3;
pub const CLEANUP: u64 = 2;

parameter_types! {
	pub const TreasuryAccount: AccountId = TREASURY;
	pub const ReporterShare: Perbill = Perbill::from_percent(10);
	pub const MinRelativeGain: Perbill = Perbill::from_percent(15);
	/// A fast worker, so that the tests' windows of a few blocks hold their recipes: a block to
	/// react, a block to move the files, 2^40 token·bytes of training a block.
	pub const ReferenceWorker: aiblock_primitives::jobs::WorkRates =
		aiblock_primitives::jobs::WorkRates {
			finality_lag: 0,
			inclusion: 1,
			transfer_bytes_per_block: 1 << 30,
			train_work_per_block: 1 << 40,
			validation_tokens: 1,
		};
}

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
	type QuotaPeriod = ConstU64<100>;
	type NewbieQuota = ConstU32<3>;
	type TrustedQuota = ConstU32<10>;
	type SuccessesToTrust = ConstU32<3>;
	type FailuresToDemote = ConstU32<5>;
	type Assignments = ();
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MakeWorker;
}

impl pallet_aiblock_expert_dag::Config for Test {
	type ModelOrigin = EnsureRoot<AccountId>;
	type MaxLayers = ConstU16<4>;
	type MaxExperts = ConstU16<16>;
	type MaxDim = ConstU32<1024>;
	type MaxContext = ConstU16<512>;
	type MaxVocab = ConstU32<1024>;
	type MaxHeads = ConstU16<8>;
	/// 1 + 4 layers × (attention + router + 16 experts).
	type MaxImportBlocks = ConstU32<73>;
	type MaxPayloadSize = ConstU64<{ 1 << 20 }>;
	type RejectedRetention = ConstU64<1_000>;
	type WeightInfo = ();
}

impl pallet_evolution::Config for Test {
	type Credits = PolCredits;
	type Models = ExpertDag;
	type Registry = Workers;
	type Datasets = MockDatasets;
	type Stake = Stake;
	type Rewards = ();
	type ProposingWindow = ConstU64<PROPOSING>;
	type ReservingWindow = ConstU64<RESERVING>;
	type TrainingWindow = ConstU64<TRAINING>;
	type CommitWindow = ConstU64<COMMIT>;
	type RevealWindow = ConstU64<REVEAL>;
	type CleanupWindow = ConstU64<CLEANUP>;
	type ProposalDeposit = ConstU64<DEPOSIT>;
	type MinBid = ConstU64<MIN_BID>;
	type MaxProposals = ConstU32<3>;
	type MaxEndorsements = ConstU32<2>;
	type MaxBids = ConstU32<2>;
	type PanelSize = ConstU32<3>;
	type MaxEvaluatorPool = ConstU32<32>;
	type MaxCandidateBlocks = ConstU32<73>;
	type MaxSteps = ConstU32<10_000>;
	type MaxCheckpoints = ConstU32<64>;
	type MaxBatchSize = ConstU32<{ 1 << 16 }>;
	type MaxAttentionScores = ConstU64<{ 1 << 40 }>;
	type ReferenceWorker = ReferenceWorker;
	type MinRelativeGain = MinRelativeGain;
	type TrainerPenalty = ConstU128<TRAINER_PENALTY>;
	type EvaluatorPenalty = ConstU128<EVALUATOR_PENALTY>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MakeWorker;
}

/// The dataset registry of the tests: datasets 0 to [`APPROVED`]` - 1` are approved with content
/// `cid(0x40 + id)`; [`QUARANTINED`] was quarantined; no other exists.
pub struct MockDatasets;
pub const APPROVED: DatasetId = 16;
pub const QUARANTINED: DatasetId = 100;
/// The held-out dataset of the tests' migrations.
pub const HELD_OUT: DatasetId = 9;

pub fn dataset_cid(id: DatasetId) -> Cid {
	cid(0x40 + id as u8)
}

thread_local! {
	/// Datasets a test quarantined after the start.
	pub static QUARANTINE: core::cell::RefCell<Vec<DatasetId>> = const { core::cell::RefCell::new(Vec::new()) };
}

impl DatasetsInspect<AccountId> for MockDatasets {
	fn usable(id: DatasetId, _experimental: bool) -> Result<UsableDataset<AccountId>, Unusable> {
		if QUARANTINE.with(|q| q.borrow().contains(&id)) {
			return Err(Unusable::Quarantined);
		}
		match id {
			QUARANTINED => Err(Unusable::Quarantined),
			id if id < APPROVED => {
				Ok(UsableDataset { cid: dataset_cid(id), proposer: PROPOSER, size: 1 << 16 })
			},
			_ => Err(Unusable::Unknown),
		}
	}
}

/// Sets up workers for the benchmarks (and the Workers pallet's).
#[cfg(feature = "runtime-benchmarks")]
pub struct MakeWorker;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_aiblock_workers::BenchmarkHelper<AccountId> for MakeWorker {
	fn bond(who: &AccountId) {
		use frame_support::traits::fungible::Mutate;
		Balances::set_balance(who, 10 * WORKER_BOND);
		Stake::bond(RuntimeOrigin::signed(*who), WORKER_BOND).unwrap();
	}
}
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for MakeWorker {
	fn make_worker(who: &AccountId, role: Role) {
		use frame_support::traits::fungible::Mutate;
		Balances::set_balance(who, 10 * WORKER_BOND);
		register(*who, role);
	}

	fn approve_dataset(cid: Cid, _proposer: &AccountId) -> DatasetId {
		(0..APPROVED).find(|id| dataset_cid(*id) == cid).expect("a test dataset's content")
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

/// A raw-leaf CIDv1 whose digest is `seed` repeated.
pub fn cid(seed: u8) -> Cid {
	let mut bytes = vec![0x01, 0x55, 0x12, 32];
	bytes.extend([seed; 32]);
	bytes.try_into().unwrap()
}

pub fn payload(seed: u8) -> Payload {
	Payload { cid: cid(seed), hash: H256([seed; 32]), size: 1000 + u64::from(seed) }
}

/// The genesis transformer: 2 layers of 4 experts, top-2.
pub fn parent_spec() -> ModelSpec {
	ModelSpec {
		name: b"aiblock-mixtral".to_vec().try_into().unwrap(),
		architecture: b"aiblock-mixtral-v1".to_vec().try_into().unwrap(),
		version: SemVer { major: 2, minor: 0, patch: 0 },
		generation: 0,
		context: 64,
		vocab: 256,
		tokenizer: Tokenizer::Bytes,
		d_model: 32,
		d_ff: 48,
		layers: 2,
		experts: 4,
		top_k: 2,
		attention: Some(AttentionSpec {
			heads: 4,
			kv_heads: 2,
			head_dim: 8,
			rope_theta: 10_000,
			norm_eps_pico: 10_000_000,
		}),
		delta: 1_000,
		validation_dataset: cid(0xda),
	}
}

/// A migration doubling the experts, trained 100 steps on one dataset.
pub fn migration(growth: Growth) -> Migration {
	Migration {
		growth,
		seed: 7,
		steps: 100,
		hyper: HyperParams {
			hash: H256::repeat_byte(0x11),
			learning_rate_micros: 3_000,
			batch_size: 8,
			seed: 42,
			checkpoint_every: 50,
		},
		datasets: vec![JobDataset { id: 0, cid: dataset_cid(0), parts: 1 }].try_into().unwrap(),
		held_out: HeldOut { id: HELD_OUT, cid: dataset_cid(HELD_OUT) },
	}
}

pub fn doubling() -> Migration {
	migration(Growth::DoubleExperts { noise_ppm: 10_000 })
}

/// One payload per slot of `spec`, seeded from `seed`.
pub fn blocks_of(spec: &ModelSpec, seed: u8) -> Vec<(BlockKind, Payload)> {
	spec.param_kinds()
		.enumerate()
		.map(|(i, kind)| (kind, payload(seed.wrapping_add(i as u8))))
		.collect()
}

/// A benchmark whose parent scores [`PARENT_SCORE`] on the held-out set too.
pub fn benchmark(validation: u32, held_out: u32, replay_ok: bool) -> Benchmark {
	Benchmark { validation, held_out, parent_held_out: PARENT_SCORE, replay_ok }
}

pub fn salt(who: AccountId) -> [u8; 32] {
	[who as u8; 32]
}

pub fn commitment(who: AccountId, b: &Benchmark) -> H256 {
	let epoch = crate::Epoch::<Test>::get().unwrap().index;
	benchmark_commitment(epoch, &who, b, &salt(who))
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances = vec![(TREASURY, 1)];
	for who in [TRAINER, OTHER_TRAINER].iter().chain(&EVALUATORS) {
		balances.push((*who, 10 * WORKER_BOND));
	}
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	let spec = parent_spec();
	let blocks = spec
		.param_kinds()
		.enumerate()
		.map(|(i, kind)| ImportedBlock {
			kind,
			payload: payload(i as u8),
			score: Some(PARENT_SCORE),
		})
		.collect();
	pallet_aiblock_expert_dag::GenesisConfig::<Test> {
		models: vec![ImportedModel { spec, blocks }],
		_config: Default::default(),
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(0);
		for who in [TRAINER, OTHER_TRAINER] {
			register(who, Role::Trainer);
		}
		for who in EVALUATORS {
			register(who, Role::Evaluator);
		}
		for who in [PROPOSER, ENDORSER, TRAINER, OTHER_TRAINER] {
			PolCredits::mint(&who, Contribution::EpochTraining { epoch: 99 });
		}
		System::reset_events();
		// The first block opens epoch 0.
		run_to_block(1);
	});
	ext
}

/// Run `test`, then check the invariants of the pallets involved.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Evolution::do_try_state().expect("Evolution invariants hold after the test");
		PolCredits::do_try_state().expect("PolCredits invariants hold after the test");
		ExpertDag::do_try_state().expect("ExpertDag invariants hold after the test");
		Workers::do_try_state().expect("Workers invariants hold after the test");
	});
}

/// Finish blocks until block `n` has begun, as the executive does (a new parent hash each
/// block).
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

/// The block after the phase under way ends (when the next transition runs).
pub fn end_phase() {
	let until = crate::Epoch::<Test>::get().unwrap().until;
	run_to_block(until + 1);
}

pub fn signed(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}
