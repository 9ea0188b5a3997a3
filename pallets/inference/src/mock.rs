//! A runtime with the real Balances, Stake and Workers pallets behind the Inference pallet:
//! real collateral, real auditors, a model registry of a few blocks, and test signatures
//! (`TestSignature(signer, message)`: valid when it names the signer and the exact message).

use crate as pallet_inference;
use aiblock_primitives::{
	dag::{Cid, ModelIndex},
	inference::{
		audit_commitment, free_receipt_payload, receipt_payload, state_root, AuditVerdict,
		FreeReceipt, Receipt, ServedBlocks,
	},
	workers::{ComputeSpec, Role, Roles},
};
use frame_support::{
	derive_impl, parameter_types,
	traits::{tokens::imbalance::ResolveTo, ConstU128, ConstU32, ConstU64},
	weights::Weight,
	PalletId,
};
use frame_system::EnsureRoot;
use sp_core::H256;
use sp_runtime::{
	testing::{TestSignature, UintAuthorityId},
	BuildStorage, Perbill,
};
use std::{cell::RefCell, collections::BTreeMap};

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Stake: pallet_aiblock_stake,
		Workers: pallet_aiblock_workers,
		Inference: pallet_inference,
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
	type ExistentialDeposit = ConstU128<ED>;
}

pub const ED: Balance = 10;
pub const TREASURY: AccountId = 99;
pub const SERVER: AccountId = 1;
pub const OTHER_SERVER: AccountId = 2;
pub const CLIENT: AccountId = 5;
pub const FREE_USER: AccountId = 6;
/// Authors of the served model's blocks.
pub const AUTHORS: [AccountId; 3] = [30, 31, 32];
/// Auditors 20..=22.
pub const AUDITORS: [AccountId; 3] = [20, 21, 22];
pub const BOND: Balance = 10_000;
pub const SERVER_COLLATERAL: Balance = 2_000;
pub const AUDITOR_COLLATERAL: Balance = 100;
pub const AUDIT_REWARD: Balance = 20;
/// 1,000 planck per 1,000 tokens: a token is a planck.
pub const PRICE: Balance = 1_000;
pub const DISPUTE: u64 = 5;
pub const COMMIT: u64 = 3;
pub const REVEAL: u64 = 3;
pub const FREE_PERIOD: u64 = 100;
pub const FREE_TOKENS: u64 = 1_000;
pub const FREE_REQUESTS: u32 = 10;
pub const FREE_DEPOSIT: Balance = 500;
pub const MODEL: ModelIndex = 0;

parameter_types! {
	pub const TreasuryAccount: AccountId = TREASURY;
	pub const ReporterShare: Perbill = Perbill::from_percent(10);
	pub const InferencePalletId: PalletId = PalletId(*b"aib/infr");
	pub const UsageShare: Perbill = Perbill::from_percent(20);
	pub const AuditShare: Perbill = Perbill::from_percent(5);
	pub static AuditOneIn: u32 = 1;
}

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
	type BenchmarkHelper = Helper;
}

impl pallet_inference::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Stake = Stake;
	type Workers = Workers;
	type Models = MockModels;
	type Signature = TestSignature;
	type Signer = UintAuthorityId;
	type PalletId = InferencePalletId;
	type ServerCollateral = ConstU128<SERVER_COLLATERAL>;
	type MinChannelDeposit = ConstU128<100>;
	type MinClaimFee = ConstU128<10>;
	type GovernanceOrigin = EnsureRoot<AccountId>;
	type DisputeWindow = ConstU64<DISPUTE>;
	type MaxUsageBlocks = ConstU32<16>;
	type MaxEndpointLen = ConstU32<32>;
	type UsageShare = UsageShare;
	type AuditShare = AuditShare;
	type AuditOneIn = AuditOneIn;
	type AuditPanel = ConstU32<3>;
	/// The registry's 32 less the three auditors every test starts with.
	type MaxAuditorPool = ConstU32<29>;
	type AuditSample = ConstU32<2>;
	type AuditorCollateral = ConstU128<AUDITOR_COLLATERAL>;
	type AuditReward = ConstU128<AUDIT_REWARD>;
	type AuditCommitWindow = ConstU64<COMMIT>;
	type AuditRevealWindow = ConstU64<REVEAL>;
	type MaxClaimsPerBlock = ConstU32<4>;
	type FreePeriod = ConstU64<FREE_PERIOD>;
	type FreeTokensPerPeriod = ConstU64<FREE_TOKENS>;
	type FreeRequestsPerPeriod = ConstU32<FREE_REQUESTS>;
	type FreeTierDeposit = ConstU128<FREE_DEPOSIT>;
	type MaxDonorsPerUser = ConstU32<2>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Helper;
}

thread_local! {
	/// The registry's adopted blocks: id → (model, author).
	static SERVED: RefCell<BTreeMap<H256, (ModelIndex, Option<AccountId>)>> =
		const { RefCell::new(BTreeMap::new()) };
}

/// The model registry of the tests: model 0 with [`blocks`], and whatever a test adds.
pub struct MockModels;
impl ServedBlocks<AccountId> for MockModels {
	fn model_exists(model: ModelIndex) -> bool {
		model == MODEL
	}
	fn served_block(id: H256) -> Option<(ModelIndex, Option<AccountId>)> {
		SERVED.with(|s| s.borrow().get(&id).cloned())
	}
}

/// Make `id` an adopted block of `model` by `author`.
pub fn serve_block(id: H256, model: ModelIndex, author: Option<AccountId>) {
	SERVED.with(|s| s.borrow_mut().insert(id, (model, author)));
}

/// Model 0's blocks, ascending: three by [`AUTHORS`] and one of genesis (no author).
pub fn blocks() -> Vec<H256> {
	(1..=4u8).map(H256::repeat_byte).collect()
}

/// Usage counts for [`blocks`]: `counts[i]` tokens through block i.
pub fn usage(counts: [u64; 4]) -> crate::UsageOf<Test> {
	blocks().into_iter().zip(counts).collect::<Vec<_>>().try_into().unwrap()
}

pub fn root() -> H256 {
	state_root(MODEL, &blocks())
}

/// A raw-leaf CIDv1 whose digest is `seed` repeated.
pub fn cid(seed: u8) -> Cid {
	let mut bytes = vec![0x01, 0x55, 0x12, 32];
	bytes.extend([seed; 32]);
	bytes.try_into().unwrap()
}

pub fn genesis() -> H256 {
	H256::from_slice(System::block_hash(0).as_ref())
}

/// A receipt on `client`'s channel with `server`, after `requests` answers and `tokens`.
pub fn receipt(
	client: AccountId,
	server: AccountId,
	requests: u64,
	tokens: u64,
) -> Receipt<AccountId> {
	let channel = crate::Channels::<Test>::get(client, server).map(|c| c.id).unwrap_or(u64::MAX);
	Receipt {
		channel,
		client,
		server,
		state_root: root(),
		request_hash: H256::from_low_u64_be(requests),
		cumulative_tokens: tokens,
		requests,
	}
}

/// The client's signature of `receipt`.
pub fn sign(receipt: &Receipt<AccountId>) -> TestSignature {
	TestSignature(receipt.client, receipt_payload(&genesis(), receipt))
}

pub fn free_receipt(requests: u32, tokens: u64) -> FreeReceipt<AccountId> {
	FreeReceipt {
		client: FREE_USER,
		server: SERVER,
		period: Inference::free_period(),
		state_root: root(),
		request_hash: H256::from_low_u64_be(u64::from(requests)),
		cumulative_tokens: tokens,
		requests,
	}
}

pub fn sign_free(receipt: &FreeReceipt<AccountId>) -> TestSignature {
	TestSignature(receipt.client, free_receipt_payload(&genesis(), receipt))
}

pub fn salt(who: AccountId) -> H256 {
	H256::repeat_byte(who as u8)
}

pub fn commitment(claim: u64, who: AccountId, verdict: AuditVerdict) -> H256 {
	audit_commitment(claim, &who, verdict, &salt(who))
}

/// Terms of a server of model 0 at [`PRICE`]; a donor of `free` tokens per period.
pub fn terms(free: u64) -> crate::ServerTerms<Balance> {
	crate::ServerTerms { model: MODEL, price_per_1k: PRICE, free_tokens_per_period: free }
}

pub fn endpoint() -> frame_support::BoundedVec<u8, ConstU32<32>> {
	b"http://127.0.0.1:8080".to_vec().try_into().unwrap()
}

/// Bond and register `who` as a worker with `role`.
pub fn register_worker(who: AccountId, role: Role) {
	Stake::bond(RuntimeOrigin::signed(who), BOND).unwrap();
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

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances = vec![(TREASURY, ED)];
	for who in [SERVER, OTHER_SERVER, CLIENT, FREE_USER].iter().chain(&AUDITORS).chain(&AUTHORS) {
		balances.push((*who, 10 * BOND));
	}
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	// The audit pot opens with the existential deposit.
	pallet_inference::GenesisConfig::<Test>::default().assimilate_storage(&mut storage).unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		SERVED.with(|s| s.borrow_mut().clear());
		let ids = blocks();
		for (i, id) in ids.iter().enumerate() {
			serve_block(*id, MODEL, AUTHORS.get(i).copied());
		}
		AuditOneIn::set(1);
		System::set_block_number(1);
		for who in AUDITORS {
			register_worker(who, Role::Auditor);
		}
		for who in [SERVER, OTHER_SERVER] {
			Stake::bond(RuntimeOrigin::signed(who), BOND).unwrap();
		}
		System::reset_events();
		// Auditors must be listed before a claim's block.
		run_to_block(2);
	});
	ext
}

/// Run `test`, then check the invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Inference::do_try_state().expect("Inference invariants hold after the test");
		Workers::do_try_state().expect("Workers invariants hold after the test");
		Stake::do_try_state().expect("Stake invariants hold after the test");
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

pub fn signed(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

pub fn events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Inference(e) = r.event { Some(e) } else { None })
		.collect()
}

pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

/// Sets up accounts for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct Helper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_aiblock_workers::BenchmarkHelper<AccountId> for Helper {
	fn bond(who: &AccountId) {
		use frame_support::traits::fungible::Mutate;
		Balances::set_balance(who, 10 * BOND);
		Stake::bond(RuntimeOrigin::signed(*who), BOND).unwrap();
	}
}
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId, TestSignature> for Helper {
	fn signer(seed: u32) -> AccountId {
		1_000 + u64::from(seed)
	}
	fn sign(signer: &AccountId, payload: &[u8]) -> TestSignature {
		TestSignature(*signer, payload.to_vec())
	}
	fn bond(who: &AccountId) {
		<Self as pallet_aiblock_workers::BenchmarkHelper<AccountId>>::bond(who)
	}
	fn make_auditor(who: &AccountId) {
		use frame_support::traits::fungible::Mutate;
		Balances::set_balance(who, 10 * BOND);
		register_worker(*who, Role::Auditor);
	}
	fn served_model(blocks: u32) -> (ModelIndex, Vec<H256>) {
		let ids: Vec<H256> = (0..blocks).map(|i| H256::from_low_u64_be(u64::from(i) + 1)).collect();
		for (i, id) in ids.iter().enumerate() {
			serve_block(*id, MODEL, Some(2_000 + i as u64));
		}
		(MODEL, ids)
	}
}
