//! Configuration of the AI-Block pallets: Stake, Workers, ExpertDag, Jobs, Datasets, PolCredits
//! and LearningRewards.

use aiblock_primitives::credits::seed_table;
use frame_support::{
	parameter_types,
	traits::{tokens::imbalance::ResolveTo, ConstU16, ConstU32, ConstU64},
	PalletId,
};
use sp_runtime::{traits::AccountIdConversion, Perbill};

use crate::{
	AccountId, Balance, Balances, BlockNumber, Datasets, ExpertDag, Jobs, LearningRewards,
	PolCredits, Runtime, RuntimeHoldReason, Stake, Workers, DAYS, HOURS, MINUTES, UNIT,
};

parameter_types! {
	/// Receives slashed stake and the protocol fees of jobs. An account no key controls: only
	/// Root (the dev chain's sudo key, or the council through the whitelist) can move funds from it.
	pub TreasuryAccount: AccountId = PalletId(*b"aib/trsy").into_account_truncating();
	/// One in ten slashed AIB goes to the reporter a slash names: the evaluators who proved a
	/// trainer's refuted claim or failed replays (shared), or whom root's `slash` names.
	pub const ReporterShare: Perbill = Perbill::from_percent(10);
}

/// A worker must keep 100 AIB bonded to be registered; stake can also back job collateral.
pub const MIN_WORKER_BOND: Balance = 100 * UNIT;
/// Blocks of the largest model the registry takes: 1 + 8 layers × (attention, router and 16
/// experts).
pub const MAX_IMPORT_BLOCKS: u32 = 145;
/// Largest number of workers of one role; evaluator draws read them all.
pub const MAX_WORKERS_PER_ROLE: u32 = 1024;

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
	type SlashOrigin = super::governance::GovernanceOrigin;
	type WeightInfo = pallet_aiblock_stake::weights::SubstrateWeight<Runtime>;
}

impl pallet_aiblock_workers::Config for Runtime {
	type Stake = Stake;
	type MinWorkerBond = frame_support::traits::ConstU128<MIN_WORKER_BOND>;
	/// A worker heartbeats every few minutes; ten minutes of silence means it is gone.
	type HeartbeatTimeout = ConstU32<{ 10 * MINUTES }>;
	type MaxGpuModelLen = ConstU32<64>;
	type MaxEndpointLen = ConstU32<256>;
	type MaxWorkersPerRole = ConstU32<MAX_WORKERS_PER_ROLE>;
	type MaxSweepPerBlock = ConstU32<64>;
	type QuotaPeriod = ConstU32<DAYS>;
	type NewbieQuota = ConstU32<20>;
	type TrustedQuota = ConstU32<200>;
	type SuccessesToTrust = ConstU32<3>;
	type FailuresToDemote = ConstU32<5>;
	/// A worker with open jobs cannot deregister.
	type Assignments = Jobs;
	type WeightInfo = pallet_aiblock_workers::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BondForBenchmarks;
}

impl pallet_aiblock_expert_dag::Config for Runtime {
	/// The council (or Root) registers and imports model versions.
	type ModelOrigin = super::governance::GovernanceOrigin;
	type MaxLayers = ConstU16<8>;
	type MaxExperts = ConstU16<16>;
	type MaxDim = ConstU32<16_384>;
	/// Tokens: a byte model's n-gram or a transformer's sequence (Mixtral's is 32 768). The
	/// attention's memory grows with its square; a worker declines a job beyond its memory
	/// budget, and jobs are only taken on the models `Jobs::Trainable` lists.
	type MaxContext = ConstU16<4096>;
	/// A BPE vocabulary of up to 64 Ki tokens (byte models use 256).
	type MaxVocab = ConstU32<65_536>;
	type MaxHeads = ConstU16<64>;
	/// 1 + 8 × (2 + 16): the largest transformer (attention, router and experts in each
	/// layer) imports in one call.
	type MaxImportBlocks = ConstU32<MAX_IMPORT_BLOCKS>;
	/// 16 GiB: an expert of d_model 16 384 with d_ff 4 × that in fp32 is 8 GiB.
	type MaxPayloadSize = ConstU64<{ 16 << 30 }>;
	/// A week: what a refused submission costs the state, and how long its record stays for
	/// audits of the verdict.
	type RejectedRetention = ConstU32<{ 7 * DAYS }>;
	type WeightInfo = pallet_aiblock_expert_dag::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// 5 % of a job's budget goes to the treasury.
	pub const ProtocolFee: Perbill = Perbill::from_percent(5);
	/// A job's trainer puts at least its whole reward at risk, and its evaluators together as
	/// much again: a trainer and a bribed panel that adopt junk stand to lose at least twice
	/// what the reward pays them if the draw puts one honest majority in their way. Jobs up to
	/// 20 AIB of reward need only the minimum collateral.
	pub const CollateralPerReward: Perbill = Perbill::from_percent(100);
	/// A tenth of an adopted job's reward goes to the proposers of the datasets it trained
	/// on, split by their parts of the mix.
	pub const DataShare: Perbill = Perbill::from_percent(10);
}

/// Leading zero bits of a dataset proposal's proof of work: about a million hashes, a second
/// or so on one core (the worker's `dataset propose` prints its time), one hash to check.
pub const DATASET_POW_DIFFICULTY: u32 = 20;
/// The pipeline's windows and quorum where a chain's genesis sets none (production): a
/// panel has two days to commit and one to reveal, and the vote lasts three days and needs
/// ten votes. The development chain sets minutes, the local testnet days with a quorum its
/// few workers can reach (`genesis_config_presets`).
pub const DATASET_COMMIT_WINDOW: BlockNumber = 2 * DAYS;
pub const DATASET_REVEAL_WINDOW: BlockNumber = DAYS;
pub const DATASET_VOTING_WINDOW: BlockNumber = 3 * DAYS;
pub const DATASET_VOTE_QUORUM: u32 = 10;

impl pallet_aiblock_datasets::Config for Runtime {
	type Registry = Workers;
	/// The council (or Root).
	type GovernanceOrigin = super::governance::GovernanceOrigin;
	type PowDifficulty = ConstU32<DATASET_POW_DIFFICULTY>;
	/// The seed's quota: 20 proposals a day, 200 after 3 approved datasets.
	type QuotaPeriod = ConstU32<DAYS>;
	type NewProposerQuota = ConstU32<20>;
	type TrustedProposerQuota = ConstU32<200>;
	type ApprovalsToTrust = ConstU32<3>;
	/// Eight proposals in flight per account; a commitment lasts a day (the quota's period).
	type MaxProposalCommits = ConstU32<8>;
	type ProposalCommitLifetime = ConstU32<DAYS>;
	type MaxProposalsPerBlock = ConstU32<16>;
	/// Three auditors: one lying auditor cannot move the median.
	type AuditorsPerDataset = ConstU32<3>;
	type MaxAuditors = ConstU32<3>;
	type MaxAuditorPool = ConstU32<MAX_WORKERS_PER_ROLE>;
	type AuditCommitWindow = ConstU32<DATASET_COMMIT_WINDOW>;
	type AuditRevealWindow = ConstU32<DATASET_REVEAL_WINDOW>;
	type VotingWindow = ConstU32<DATASET_VOTING_WINDOW>;
	type VoteQuorum = ConstU32<DATASET_VOTE_QUORUM>;
	/// Every worker the registry can list (three roles of `MAX_WORKERS_PER_ROLE`), so the
	/// bound never turns an eligible voter away.
	type MaxVotesPerDataset = ConstU32<{ 3 * MAX_WORKERS_PER_ROLE }>;
	/// The seed's automatic rejections: over 1 % personal data, over 95 % duplicates; and
	/// over 5 % of lines the toxicity proxy flags.
	type MaxPiiPpm = ConstU32<10_000>;
	type MaxDuplicatePpm = ConstU32<950_000>;
	type MaxToxicityPpm = ConstU32<50_000>;
	type Credits = PolCredits;
	type WeightInfo = pallet_aiblock_datasets::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BondForBenchmarks;
}

/// What each honest evaluator earns per job.
pub const EVALUATOR_FEE: Balance = UNIT;
/// Stake a trainer puts at risk per job: a fifth of the minimum bond, so a worker with the
/// minimum bond can hold five jobs at once.
pub const TRAINER_COLLATERAL: Balance = 20 * UNIT;
/// Stake an evaluator puts at risk per job.
pub const EVALUATOR_COLLATERAL: Balance = 10 * UNIT;
/// Paid to the treasury for each posted job and never refunded: occupying one of the 4096
/// places for a day (the longest accept window) costs this, so filling them all costs
/// 4096 AIB a day on top of the escrow that must be held.
pub const POSTING_FEE: Balance = UNIT;
/// Held with each posted job and paid to a trainer that misses the submission deadline: half of
/// what that trainer is slashed, so a trap job costs its poster while a lazy trainer still loses.
pub const TIMEOUT_DEPOSIT: Balance = TRAINER_COLLATERAL / 2;
/// Missed submission deadlines after which a job closes: a trap job slashes at most this many
/// trainers.
pub const MAX_TIMEOUTS: u32 = 2;
/// Open jobs one account may have: 4096 places need at least 256 funded accounts.
pub const MAX_JOBS_PER_POSTER: u32 = 16;
/// Most training steps a job may ask for.
pub const MAX_STEPS: u32 = 1_000_000;
/// Most tokens in a job's training batch: 4× nanoGPT's Shakespeare recipe (64 × 256). Every
/// evaluator replays the batches: a replay of the development model at this batch takes about
/// 1 GB by the worker's estimate (`feasibility::training_memory`).
pub const MAX_BATCH_SIZE: u32 = 65_536;
/// Most attention probabilities a transformer job's step keeps: 2^28 floats, 1 GiB (nanoGPT's
/// Shakespeare step, 12 × 64 tokens of 4 layers × 4 heads over 64 positions, keeps 2^20).
pub const MAX_ATTENTION_SCORES: u64 = 1 << 28;
/// Most checkpoints a job's run may commit to: its manifest (about 100 bytes a checkpoint) stays
/// under half a MiB, whatever `steps` and `checkpoint_every` are.
pub const MAX_CHECKPOINTS: u32 = 4096;

parameter_types! {
	/// The slowest worker the job windows protect: a 2-core CPU machine on a home connection.
	/// Every window a job asks for must leave it time ([`aiblock_primitives::jobs::min_windows`]):
	/// - it acts on finalized blocks, which GRANDPA finalizes 1 to 3 blocks behind the head:
	///   `finality_lag` 5 blocks (30 s); a transaction waits up to `inclusion` 5 blocks;
	/// - it fetches and uploads at 1 MiB/s: 6 MiB a block;
	/// - it trains 2^37 token·bytes a block (a 4096-token step of a 1 MiB block every 0.19 s):
	///   a quarter of what the compute core measured on 2 cores (a 4096-token step of an 8.4 MB
	///   expert of d_model 512 in 0.40 s; `offchain-workers/README.md`);
	/// - it scores a validation set of up to 1 MiB (byte tokens), and replays the training up to
	///   the last segment it drew: in the worst case the whole run, at the training speed.
	///
	/// For the genesis model (blocks of 0.7 to 97 KiB) every minimum is 10 to 12 blocks; an
	/// 8 MiB expert trained 1000 steps of 4096 tokens needs a submit window of 263 blocks.
	pub const ReferenceWorker: aiblock_primitives::jobs::WorkRates =
		aiblock_primitives::jobs::WorkRates {
			finality_lag: 5,
			inclusion: 5,
			transfer_bytes_per_block: 6 << 20,
			train_work_per_block: 1 << 37,
			validation_tokens: 1 << 20,
		};
}

/// The models the reference worker (`aiblock-worker`) trains and replays in jobs: byte models
/// (`byte-moe-v1`: byte tokens, no attention, up to 8 bytes of context) and Mixtral-layout
/// transformers (`aiblock-mixtral-v1`: byte tokens, attention, up to 1 024 tokens of context,
/// so one scoring window's attention probabilities stay within 2^26 floats at `MaxHeads`).
/// A model of any other architecture, or one that carries a known tag with another shape,
/// can be registered and imported but takes no job until workers can judge its candidates.
///
/// A job on the byte model trains one block (its trainer's optimiser runs over one slot); a
/// job on a transformer trains up to `MAX_JOB_SLOTS` of its slots together (the reference
/// worker trains any set of blocks in one run), so a small transformer can be trained whole.
pub struct TrainableModels;
impl aiblock_primitives::jobs::TrainableModels for TrainableModels {
	fn max_slots(spec: &aiblock_primitives::dag::ModelSpec) -> u32 {
		let bytes = spec.tokenizer == aiblock_primitives::dag::Tokenizer::Bytes;
		match (spec.architecture.as_slice(), &spec.attention) {
			(b"byte-moe-v1", None) if bytes && spec.context <= 8 => 1,
			(b"aiblock-mixtral-v1", Some(_)) if bytes && spec.context <= 1024 => {
				aiblock_primitives::jobs::MAX_JOB_SLOTS
			},
			_ => 0,
		}
	}
}

impl pallet_aiblock_jobs::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Stake = Stake;
	type Registry = Workers;
	type Gate = ExpertDag;
	type Treasury = TreasuryAccount;
	type ProtocolFee = ProtocolFee;
	type EvaluatorFee = frame_support::traits::ConstU128<EVALUATOR_FEE>;
	type MinReward = frame_support::traits::ConstU128<UNIT>;
	type TrainerCollateral = frame_support::traits::ConstU128<TRAINER_COLLATERAL>;
	type EvaluatorCollateral = frame_support::traits::ConstU128<EVALUATOR_COLLATERAL>;
	type CollateralPerReward = CollateralPerReward;
	/// Evaluation is bit-exact, so honest evaluators agree exactly; the tolerance (a tenth of
	/// the genesis delta) only absorbs a trainer rounding its claim.
	type ScoreTolerance = ConstU32<1_000>;
	type MaxEvaluators = ConstU32<15>;
	/// No stage may outlast the unbonding period, so collateral cannot escape a verdict.
	type MaxWindow = ConstU32<DAYS>;
	type ReferenceWorker = ReferenceWorker;
	type Trainable = TrainableModels;
	type MaxSteps = ConstU32<MAX_STEPS>;
	type MaxBatchSize = ConstU32<MAX_BATCH_SIZE>;
	type MaxAttentionScores = frame_support::traits::ConstU64<MAX_ATTENTION_SCORES>;
	type MaxCheckpoints = ConstU32<MAX_CHECKPOINTS>;
	type PostingFee = frame_support::traits::ConstU128<POSTING_FEE>;
	type TimeoutDeposit = frame_support::traits::ConstU128<TIMEOUT_DEPOSIT>;
	type MaxTimeouts = ConstU32<MAX_TIMEOUTS>;
	type MaxJobsPerPoster = ConstU32<MAX_JOBS_PER_POSTER>;
	// About as many ids as can be open at once: a contract that posted a job reads its outcome
	// for as long as 4,096 later jobs have not been posted (each entry ~20 bytes).
	type OutcomesKept = ConstU32<4096>;
	type RedrawInterval = ConstU32<10>;
	type MaxLiveJobs = ConstU32<4096>;
	type MaxJobsPerBlock = ConstU32<64>;
	type MaxScheduleShift = ConstU32<64>;
	type MaxEvaluatorPool = ConstU32<MAX_WORKERS_PER_ROLE>;
	type Datasets = Datasets;
	type DataShare = DataShare;
	type Credits = PolCredits;
	type Rewards = LearningRewards;
	type WeightInfo = pallet_aiblock_jobs::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BondForBenchmarks;
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

/// Registers an online worker with a large GPU for the Jobs benchmarks.
#[cfg(feature = "runtime-benchmarks")]
impl pallet_aiblock_jobs::BenchmarkHelper<AccountId> for BondForBenchmarks {
	fn make_worker(who: &AccountId, role: aiblock_primitives::workers::Role) {
		use aiblock_primitives::workers::{ComputeSpec, Roles};
		use pallet_aiblock_workers::BenchmarkHelper as _;
		Self::bond(who);
		let registered = Workers::register_worker(
			crate::RuntimeOrigin::signed(who.clone()),
			pallet_aiblock_workers::WorkerCapabilities {
				gpu_model: b"NVIDIA H100".to_vec().try_into().unwrap_or_default(),
				spec: ComputeSpec { vram_gib: 80, gpu_count: 1, cpu_cores: 16 },
			},
			Roles::only(role),
			b"https://worker.example".to_vec().try_into().unwrap_or_default(),
		);
		debug_assert!(registered.is_ok(), "benchmark worker could not register");
	}

	fn import_model(
		spec: aiblock_primitives::dag::ModelSpec,
		score: aiblock_primitives::dag::Score,
	) -> Result<aiblock_primitives::dag::ModelIndex, sp_runtime::DispatchError> {
		ExpertDag::import_for_benchmarks(spec, score)
	}

	fn approve_dataset(
		cid: aiblock_primitives::dag::Cid,
		proposer: &AccountId,
	) -> aiblock_primitives::datasets::DatasetId {
		use aiblock_primitives::{dag::SemVer, datasets::DatasetMeta};
		use frame_support::traits::fungible::Mutate;
		let merkle_root = <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(&cid);
		if let Some(id) = pallet_aiblock_datasets::ByContent::<Runtime>::get(merkle_root) {
			return id;
		}
		Balances::set_balance(proposer, crate::EXISTENTIAL_DEPOSIT);
		let id = pallet_aiblock_datasets::NextDatasetId::<Runtime>::get();
		let meta = DatasetMeta {
			name: b"benchmark corpus".to_vec().try_into().unwrap_or_default(),
			version: SemVer { major: 1, minor: 0, patch: 0 },
			license: b"CC0-1.0".to_vec().try_into().unwrap_or_default(),
			cid,
			size: 1 << 20,
			merkle_root,
			sample_hashes: Default::default(),
			derived_from: Default::default(),
		};
		let registered = Datasets::register_approved(
			frame_system::RawOrigin::Root.into(),
			meta,
			proposer.clone(),
			aiblock_primitives::datasets::Tier::Gold,
		);
		debug_assert!(registered.is_ok(), "benchmark dataset could not be registered");
		id
	}
}

/// Registers auditors for the Datasets benchmarks, and makes them inactive.
#[cfg(feature = "runtime-benchmarks")]
impl pallet_aiblock_datasets::BenchmarkHelper<AccountId> for BondForBenchmarks {
	fn make_worker(who: &AccountId, role: aiblock_primitives::workers::Role) {
		<Self as pallet_aiblock_jobs::BenchmarkHelper<AccountId>>::make_worker(who, role);
	}

	fn make_inactive(who: &AccountId) {
		let unbonded = Stake::unbond(crate::RuntimeOrigin::signed(who.clone()), MIN_WORKER_BOND);
		debug_assert!(unbonded.is_ok(), "benchmark worker could not unbond");
	}
}

/// The seed's credit table (whitepaper §14.4); an audit counts as a validation, like an
/// evaluation.
impl pallet_aiblock_pol_credits::Config for Runtime {
	type AdoptionCredits = ConstU64<{ seed_table::ADOPTION }>;
	type MaxAdoptionMultiple = ConstU32<{ seed_table::MAX_ADOPTION_MULTIPLE }>;
	type EvaluationCredits = ConstU64<{ seed_table::EVALUATION }>;
	type FraudCredits = ConstU64<{ seed_table::FRAUD }>;
	type AuditCredits = ConstU64<{ seed_table::EVALUATION }>;
	type GoldDatasetCredits = ConstU64<{ seed_table::GOLD_DATASET }>;
	type MigrationCredits = ConstU64<{ seed_table::MIGRATION }>;
	type WeightInfo = pallet_aiblock_pol_credits::weights::SubstrateWeight<Runtime>;
}

/// A learning reward era is a day, counted in blocks of the block time chosen at genesis
/// (14 400 at 6 s, 43 200 on a 2 s test chain), so that the inflation cap holds per calendar
/// year whatever the block time; a year is 365 eras.
pub struct RewardEra;
impl frame_support::traits::Get<BlockNumber> for RewardEra {
	fn get() -> BlockNumber {
		let millis = <pallet_aiblock_block_time::SlotMillis<Runtime> as frame_support::traits::Get<
			u64,
		>>::get();
		(86_400_000 / millis.max(1)) as BlockNumber
	}
}
pub const REWARD_ERAS_PER_YEAR: u32 = 365;

parameter_types! {
	/// The seed's annual inflation cap.
	pub const InflationCap: Perbill = Perbill::from_percent(10);
	/// A fifth of each era's budget pays the block authors; the rest pays learning.
	pub const ValidatorShare: Perbill = Perbill::from_percent(20);
	/// An adoption's learning reward: a fifth to its honest evaluators, a tenth to its
	/// datasets' proposers (like the poster's reward), the rest to its trainer.
	pub const LearningEvaluatorShare: Perbill = Perbill::from_percent(20);
}

impl pallet_aiblock_learning_rewards::Config for Runtime {
	type Currency = Balances;
	type EraLength = RewardEra;
	type ErasPerYear = ConstU32<REWARD_ERAS_PER_YEAR>;
	type InflationCap = InflationCap;
	type ValidatorShare = ValidatorShare;
	type EvaluatorShare = LearningEvaluatorShare;
	type DataShare = DataShare;
	/// 10 AIB for a gain of exactly the model's delta, up to 100 AIB for ten times that.
	type AdoptionReward = frame_support::traits::ConstU128<{ 10 * UNIT }>;
	type MaxAdoptionMultiple = ConstU32<10>;
	// The account of the validator whose session key sealed the block (not the key itself:
	// operators sign blocks with session keys their accounts registered).
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Runtime, crate::Aura>;
	/// As many as Aura may have.
	type MaxAuthors = ConstU32<32>;
	type WeightInfo = pallet_aiblock_learning_rewards::weights::SubstrateWeight<Runtime>;
}

/// The production epoch: 28 days, of which the seed's 64 hours of phases after the proposals
/// (2 h of bids, 48 h of training, 8 h of benchmarking, 4 h of reveals, 2 h of cleanup); the
/// development chain sets minutes in its genesis (`genesis_config_presets`).
pub const EPOCH_RESERVING: BlockNumber = 2 * HOURS;
pub const EPOCH_TRAINING: BlockNumber = 48 * HOURS;
pub const EPOCH_COMMIT: BlockNumber = 8 * HOURS;
pub const EPOCH_REVEAL: BlockNumber = 4 * HOURS;
pub const EPOCH_CLEANUP: BlockNumber = 2 * HOURS;
pub const EPOCH_PROPOSING: BlockNumber =
	28 * DAYS - EPOCH_RESERVING - EPOCH_TRAINING - EPOCH_COMMIT - EPOCH_REVEAL - EPOCH_CLEANUP;

parameter_types! {
	/// The seed's success threshold: both benchmark medians 15 % below the parent's loss.
	pub const MinRelativeGain: Perbill = Perbill::from_percent(15);
}

impl pallet_aiblock_evolution::Config for Runtime {
	type Credits = PolCredits;
	type Models = ExpertDag;
	type Registry = Workers;
	type Datasets = Datasets;
	type Stake = Stake;
	type Rewards = LearningRewards;
	type ProposingWindow = ConstU32<EPOCH_PROPOSING>;
	type ReservingWindow = ConstU32<EPOCH_RESERVING>;
	type TrainingWindow = ConstU32<EPOCH_TRAINING>;
	type CommitWindow = ConstU32<EPOCH_COMMIT>;
	type RevealWindow = ConstU32<EPOCH_REVEAL>;
	type CleanupWindow = ConstU32<EPOCH_CLEANUP>;
	/// The seed's "successful expert training": proposing costs as much merit as one adoption.
	type ProposalDeposit = ConstU64<100>;
	type MinBid = ConstU64<10>;
	type MaxProposals = ConstU32<16>;
	type MaxEndorsements = ConstU32<64>;
	type MaxBids = ConstU32<16>;
	/// Three evaluators, as a job's smallest panel: one liar cannot move a median.
	type PanelSize = ConstU32<3>;
	type MaxEvaluatorPool = ConstU32<MAX_WORKERS_PER_ROLE>;
	type MaxCandidateBlocks = ConstU32<MAX_IMPORT_BLOCKS>;
	type MaxSteps = ConstU32<MAX_STEPS>;
	type MaxCheckpoints = ConstU32<MAX_CHECKPOINTS>;
	type MaxBatchSize = ConstU32<MAX_BATCH_SIZE>;
	type MaxAttentionScores = frame_support::traits::ConstU64<MAX_ATTENTION_SCORES>;
	/// The jobs' reference worker: an epoch's windows leave it the time a job's would.
	type ReferenceWorker = ReferenceWorker;
	type MinRelativeGain = MinRelativeGain;
	/// A trainer whose grown model does not replay loses as much as a refuted job's trainer.
	type TrainerPenalty = frame_support::traits::ConstU128<TRAINER_COLLATERAL>;
	type EvaluatorPenalty = frame_support::traits::ConstU128<EVALUATOR_COLLATERAL>;
	type WeightInfo = pallet_aiblock_evolution::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BondForBenchmarks;
}

/// Registers an online worker for the Evolution benchmarks.
#[cfg(feature = "runtime-benchmarks")]
impl pallet_aiblock_evolution::BenchmarkHelper<AccountId> for BondForBenchmarks {
	fn make_worker(who: &AccountId, role: aiblock_primitives::workers::Role) {
		<Self as pallet_aiblock_jobs::BenchmarkHelper<AccountId>>::make_worker(who, role)
	}

	fn approve_dataset(cid: aiblock_primitives::dag::Cid, proposer: &AccountId) -> u32 {
		<Self as pallet_aiblock_jobs::BenchmarkHelper<AccountId>>::approve_dataset(cid, proposer)
	}
}
