//! A runtime with the real Balances, Stake, Workers, ExpertDag and Datasets pallets behind the
//! Jobs pallet's traits, so the unit tests see the funds, stake, blocks and datasets that
//! really move.

use crate as pallet_jobs;
use aiblock_primitives::{
	dag::{BlockKind, ModelSpec, Payload, SemVer},
	datasets::{DatasetId, DatasetMeta, Tier},
	jobs::{HyperParams, JobDataset, JobSlot, JobSlots, JobSpec, Windows},
	workers::{ComputeSpec, Role, Roles},
};
use frame_support::{
	derive_impl, parameter_types,
	traits::{tokens::imbalance::ResolveTo, ConstU128, ConstU16, ConstU32, ConstU64, OnIdle},
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
		Jobs: pallet_jobs,
		Datasets: pallet_aiblock_datasets,
		PolCredits: pallet_aiblock_pol_credits,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
	/// Real database costs, so that the weight `on_idle` counts is not just the calls'.
	type DbWeight = frame_support::weights::constants::ParityDbWeight;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

pub const TREASURY: AccountId = 99;
pub const POSTER: AccountId = 1;
pub const TRAINER: AccountId = 10;
pub const OTHER_TRAINER: AccountId = 11;
/// Evaluators 20..=24.
pub const EVALUATORS: [AccountId; 5] = [20, 21, 22, 23, 24];
/// Proposed the tests' datasets.
pub const DATA_PROPOSER: AccountId = 30;
pub const OTHER_DATA_PROPOSER: AccountId = 31;
/// The tests' datasets: Gold, proposed by `DATA_PROPOSER`, content `cid(0x42)`.
pub const DATASET: DatasetId = 0;
/// Gold, proposed by `OTHER_DATA_PROPOSER`, content `cid(0x44)`.
pub const OTHER_DATASET: DatasetId = 1;
/// Experimental, proposed by `DATA_PROPOSER`, content `cid(0x43)`.
pub const EXPERIMENTAL_DATASET: DatasetId = 2;

pub const WORKER_BOND: Balance = 1_000;
pub const TRAINER_COLLATERAL: Balance = 200;
pub const EVALUATOR_COLLATERAL: Balance = 50;
pub const EVALUATOR_FEE: Balance = 30;
pub const MIN_REWARD: Balance = 100;
pub const TOLERANCE: u32 = 1_000;
pub const BASE_SCORE: u32 = 2_000_000;
pub const DELTA: u32 = 10_000;
pub const REDRAW: u32 = 2;

parameter_types! {
	pub const TreasuryAccount: AccountId = TREASURY;
	pub const ReporterShare: Perbill = Perbill::from_percent(10);
	pub const ProtocolFee: Perbill = Perbill::from_percent(10);
	// Zero (the minimum collateral on every job) unless a test sets it.
	pub static CollateralPerReward: Perbill = Perbill::zero();
	// Zero (the trainer keeps the whole reward) unless a test sets it.
	pub static DataShare: Perbill = Perbill::zero();
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
	type HeartbeatTimeout = ConstU64<1_000>;
	type MaxGpuModelLen = ConstU32<16>;
	type MaxEndpointLen = ConstU32<32>;
	type MaxWorkersPerRole = ConstU32<16>;
	type MaxSweepPerBlock = ConstU32<16>;
	type QuotaPeriod = ConstU64<1_000>;
	type NewbieQuota = ConstU32<3>;
	type TrustedQuota = ConstU32<10>;
	type SuccessesToTrust = ConstU32<3>;
	type FailuresToDemote = ConstU32<5>;
	type Assignments = Jobs;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BondForBenchmarks;
}

impl pallet_aiblock_expert_dag::Config for Test {
	type ModelOrigin = EnsureRoot<AccountId>;
	type MaxLayers = ConstU16<4>;
	type MaxExperts = ConstU16<16>;
	type MaxDim = ConstU32<1024>;
	type MaxContext = ConstU16<512>;
	type MaxVocab = ConstU32<1024>;
	type MaxHeads = ConstU16<8>;
	/// The benchmarks' model: 4 layers of 16 experts.
	type MaxImportBlocks = ConstU32<73>;
	type MaxPayloadSize = ConstU64<{ 1 << 20 }>;
	type RejectedRetention = ConstU64<1_000>;
	type WeightInfo = ();
}

parameter_types! {
	/// A fast worker, so that the tests' short windows (`windows()`) are long enough: every
	/// minimum is 2 blocks of reaction plus at least a block of work.
	pub const ReferenceWorker: aiblock_primitives::jobs::WorkRates =
		aiblock_primitives::jobs::WorkRates {
			finality_lag: 1,
			inclusion: 1,
			transfer_bytes_per_block: 1 << 30,
			train_work_per_block: 1 << 40,
			validation_tokens: 0,
		};
}

impl pallet_jobs::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Stake = Stake;
	type Registry = Workers;
	type Gate = ExpertDag;
	type Treasury = TreasuryAccount;
	type ProtocolFee = ProtocolFee;
	type EvaluatorFee = ConstU128<EVALUATOR_FEE>;
	type MinReward = ConstU128<MIN_REWARD>;
	type TrainerCollateral = ConstU128<TRAINER_COLLATERAL>;
	type EvaluatorCollateral = ConstU128<EVALUATOR_COLLATERAL>;
	type CollateralPerReward = CollateralPerReward;
	type ScoreTolerance = ConstU32<TOLERANCE>;
	type MaxEvaluators = ConstU32<5>;
	type MaxWindow = ConstU32<100>;
	type ReferenceWorker = ReferenceWorker;
	type Trainable = ByteModels;
	type MaxSteps = ConstU32<10_000>;
	type MaxBatchSize = ConstU32<65_536>;
	type MaxAttentionScores = frame_support::traits::ConstU64<{ 1 << 28 }>;
	type MaxCheckpoints = ConstU32<4096>;
	type PostingFee = ConstU128<0>;
	type TimeoutDeposit = ConstU128<0>;
	type MaxTimeouts = ConstU32<3>;
	type MaxJobsPerPoster = ConstU32<8>;
	type OutcomesKept = ConstU32<3>;
	type RedrawInterval = ConstU32<REDRAW>;
	type MaxLiveJobs = ConstU32<8>;
	type MaxJobsPerBlock = ConstU32<2>;
	type MaxScheduleShift = ConstU32<4>;
	type MaxEvaluatorPool = ConstU32<16>;
	type Datasets = Datasets;
	type DataShare = DataShare;
	type Credits = PolCredits;
	/// Learning rewards are tested in their pallet and in the runtime.
	type Rewards = ();
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MakeWorker;
}

impl pallet_aiblock_datasets::Config for Test {
	type Registry = Workers;
	type GovernanceOrigin = EnsureRoot<AccountId>;
	type PowDifficulty = ConstU32<4>;
	type QuotaPeriod = ConstU64<1_000>;
	type NewProposerQuota = ConstU32<3>;
	type TrustedProposerQuota = ConstU32<5>;
	type ApprovalsToTrust = ConstU32<2>;
	type MaxProposalCommits = ConstU32<2>;
	type ProposalCommitLifetime = ConstU64<10>;
	type MaxProposalsPerBlock = ConstU32<4>;
	type AuditorsPerDataset = ConstU32<3>;
	type MaxAuditors = ConstU32<3>;
	type MaxAuditorPool = ConstU32<16>;
	type AuditCommitWindow = ConstU64<2>;
	type AuditRevealWindow = ConstU64<2>;
	type VotingWindow = ConstU64<2>;
	type VoteQuorum = ConstU32<3>;
	type MaxVotesPerDataset = ConstU32<48>;
	type MaxPiiPpm = ConstU32<10_000>;
	type MaxDuplicatePpm = ConstU32<950_000>;
	type MaxToxicityPpm = ConstU32<50_000>;
	type Credits = PolCredits;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MakeWorker;
}

/// A dataset whose content is `cid` (its Merkle root derived from it).
pub fn dataset_meta(cid: aiblock_primitives::dag::Cid) -> DatasetMeta {
	DatasetMeta {
		name: b"corpus".to_vec().try_into().unwrap(),
		version: SemVer { major: 1, minor: 0, patch: 0 },
		license: b"CC0-1.0".to_vec().try_into().unwrap(),
		merkle_root: H256(sp_io::hashing::blake2_256(&cid)),
		cid,
		size: 1 << 20,
		sample_hashes: Default::default(),
		derived_from: Default::default(),
	}
}

/// Enter the dataset of content `cid` as approved at `tier`, proposed by `proposer`; its id.
pub fn approved_dataset(
	cid: aiblock_primitives::dag::Cid,
	proposer: AccountId,
	tier: Tier,
) -> DatasetId {
	let id = pallet_aiblock_datasets::NextDatasetId::<Test>::get();
	Datasets::register_approved(RuntimeOrigin::root(), dataset_meta(cid), proposer, tier).unwrap();
	id
}

/// `DATASET` as a job names it, with `parts` of the mix.
pub fn job_dataset(id: DatasetId, parts: u32) -> JobDataset {
	let cid = pallet_aiblock_datasets::Datasets::<Test>::get(id).expect("a test dataset").meta.cid;
	JobDataset { id, cid, parts }
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

#[cfg(feature = "runtime-benchmarks")]
pub struct MakeWorker;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for MakeWorker {
	fn make_worker(who: &AccountId, role: Role) {
		use frame_support::traits::fungible::Mutate;
		Balances::set_balance(who, 10 * WORKER_BOND);
		register(*who, role, 80);
	}

	fn approve_dataset(cid: aiblock_primitives::dag::Cid, proposer: &AccountId) -> DatasetId {
		use frame_support::traits::fungible::Mutate;
		let root = dataset_meta(cid.clone()).merkle_root;
		if let Some(id) = pallet_aiblock_datasets::ByContent::<Test>::get(root) {
			return id;
		}
		Balances::set_balance(proposer, 1);
		approved_dataset(cid, *proposer, Tier::Gold)
	}

	fn import_model(
		spec: ModelSpec,
		score: aiblock_primitives::dag::Score,
	) -> Result<aiblock_primitives::dag::ModelIndex, sp_runtime::DispatchError> {
		TransformersTrainable::set(true);
		ExpertDag::import_for_benchmarks(spec, score)
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_aiblock_datasets::BenchmarkHelper<AccountId> for MakeWorker {
	fn make_worker(who: &AccountId, role: Role) {
		<Self as crate::BenchmarkHelper<AccountId>>::make_worker(who, role);
	}

	fn make_inactive(who: &AccountId) {
		Stake::unbond(RuntimeOrigin::signed(*who), WORKER_BOND).unwrap();
	}
}

parameter_types! {
	/// Whether transformers take jobs (of up to `MAX_JOB_SLOTS` slots), as in the runtime: only
	/// the benchmarks, whose jobs name more slots than the tests' byte model has, turn it on.
	pub static TransformersTrainable: bool = false;
}

/// The models the tests' workers train: byte models without attention, at most
/// [`MAX_SLOTS`] slots of one per job (so that the tests train sets); transformers too when
/// [`TransformersTrainable`].
pub struct ByteModels;
impl aiblock_primitives::jobs::TrainableModels for ByteModels {
	fn max_slots(spec: &ModelSpec) -> u32 {
		match (spec.architecture.as_slice(), &spec.attention) {
			(b"byte-moe-v1", None) => MAX_SLOTS,
			(b"aiblock-mixtral-v1", Some(_)) if TransformersTrainable::get() => {
				aiblock_primitives::jobs::MAX_JOB_SLOTS
			},
			_ => 0,
		}
	}
}

/// Most slots of the test model one job trains together.
pub const MAX_SLOTS: u32 = 4;

/// The model every test trains: 2 layers of 3 experts, all blocks scored `BASE_SCORE`.
pub fn model() -> ModelSpec {
	ModelSpec {
		name: b"tiny".to_vec().try_into().unwrap(),
		architecture: b"byte-moe-v1".to_vec().try_into().unwrap(),
		version: SemVer { major: 1, minor: 0, patch: 0 },
		generation: 0,
		context: 2,
		vocab: 256,
		tokenizer: aiblock_primitives::dag::Tokenizer::Bytes,
		d_model: 32,
		d_ff: 64,
		layers: 2,
		experts: 3,
		top_k: 2,
		attention: None,
		delta: DELTA,
		validation_dataset: cid(0xda),
	}
}

/// A raw-leaf CIDv1 whose digest is `seed` repeated.
pub fn cid(seed: u8) -> aiblock_primitives::dag::Cid {
	let mut bytes = vec![0x01, 0x55, 0x12, 32];
	bytes.extend([seed; 32]);
	bytes.try_into().unwrap()
}

pub fn payload(seed: u8) -> Payload {
	Payload { cid: cid(seed), hash: H256([seed; 32]), size: 1000 + seed as u64 }
}

/// The slot the tests train.
pub const SLOT: BlockKind = BlockKind::Expert { layer: 1, expert: 2 };

/// The current block of `SLOT`.
pub fn base() -> H256 {
	pallet_aiblock_expert_dag::Current::<Test>::get(0, SLOT).expect("genesis fills the slot")
}

pub fn windows() -> Windows {
	Windows { accept: 10, submit: 20, commit: 5, reveal: 5 }
}

/// `kinds` of model 0 with their current blocks, as a job names them.
pub fn slots(kinds: &[BlockKind]) -> JobSlots {
	let slot = |kind: &BlockKind| JobSlot {
		kind: *kind,
		base: pallet_aiblock_expert_dag::Current::<Test>::get(0, kind).unwrap_or_default(),
	};
	JobSlots::truncate_from(kinds.iter().map(slot).collect())
}

/// A job on `SLOT` with three evaluators.
pub fn job_spec() -> JobSpec {
	JobSpec {
		model: 0,
		slots: slots(&[SLOT]),
		datasets: vec![JobDataset { id: DATASET, cid: cid(0x42), parts: 1 }].try_into().unwrap(),
		allow_experimental: false,
		hyper: HyperParams {
			hash: H256([7; 32]),
			learning_rate_micros: 1_000,
			batch_size: 8,
			seed: 1,
			checkpoint_every: 50,
		},
		steps: 300,
		trainers: 1,
		evaluators: 3,
		min_vram_gib: 16,
		windows: windows(),
	}
}

/// Bond `WORKER_BOND` for `who` and register it with `role`, `vram_gib` of GPU memory.
pub fn register(who: AccountId, role: Role, vram_gib: u32) {
	Stake::bond(RuntimeOrigin::signed(who), WORKER_BOND).unwrap();
	Workers::register_worker(
		RuntimeOrigin::signed(who),
		pallet_aiblock_workers::WorkerCapabilities {
			gpu_model: if vram_gib == 0 { vec![] } else { b"NVIDIA H100".to_vec() }
				.try_into()
				.unwrap(),
			spec: ComputeSpec { vram_gib, gpu_count: (vram_gib > 0) as u32, cpu_cores: 16 },
		},
		Roles::only(role),
		b"https://w.example".to_vec().try_into().unwrap(),
	)
	.unwrap();
}

pub const POSTER_FUNDS: Balance = 1_000_000;
pub const WORKER_FUNDS: Balance = 10_000;

pub struct ExtBuilder {
	evaluators: usize,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		ExtBuilder { evaluators: 5 }
	}
}

impl ExtBuilder {
	/// Register only the first `n` evaluators.
	pub fn evaluators(mut self, n: usize) -> Self {
		self.evaluators = n;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut balances = vec![
			(POSTER, POSTER_FUNDS),
			(TREASURY, 1),
			(DATA_PROPOSER, 1),
			(OTHER_DATA_PROPOSER, 1),
		];
		for who in [TRAINER, OTHER_TRAINER].iter().chain(&EVALUATORS) {
			balances.push((*who, WORKER_FUNDS));
		}
		pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		let blocks = model()
			.param_kinds()
			.enumerate()
			.map(|(i, kind)| ImportedBlock {
				kind,
				payload: payload(i as u8),
				score: Some(BASE_SCORE),
			})
			.collect();
		pallet_aiblock_expert_dag::GenesisConfig::<Test> {
			models: vec![ImportedModel { spec: model(), blocks }],
			_config: Default::default(),
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(0);
			register(TRAINER, Role::Trainer, 80);
			register(OTHER_TRAINER, Role::Trainer, 8);
			for who in &EVALUATORS[..self.evaluators] {
				register(*who, Role::Evaluator, 0);
			}
			assert_eq!(approved_dataset(cid(0x42), DATA_PROPOSER, Tier::Gold), DATASET);
			assert_eq!(approved_dataset(cid(0x44), OTHER_DATA_PROPOSER, Tier::Gold), OTHER_DATASET);
			assert_eq!(
				approved_dataset(cid(0x43), DATA_PROPOSER, Tier::Experimental),
				EXPERIMENTAL_DATASET
			);
			// Workers register at block 0 and tests start at 1: draws count only workers listed
			// before the submission.
			System::set_block_number(1);
		});
		ext
	}

	/// Run `test`, then check the invariants of every pallet involved.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Jobs::do_try_state().expect("Jobs invariants hold after the test");
			Stake::do_try_state().expect("Stake invariants hold after the test");
			Workers::do_try_state().expect("Workers invariants hold after the test");
			ExpertDag::do_try_state().expect("ExpertDag invariants hold after the test");
			Datasets::do_try_state().expect("Datasets invariants hold after the test");
			PolCredits::do_try_state().expect("PolCredits invariants hold after the test");
		});
	}
}

/// Finish blocks until block `n` has begun, as the executive does: each block's spare weight
/// goes to `on_idle`, then `on_finalize`; the next block starts with a new parent hash.
/// Events are kept across blocks, so a test can look back over a whole job.
pub fn run_to_block(n: u64) {
	use frame_support::traits::{OnFinalize, OnInitialize};
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
