//! A runtime with System, Balances and LearningRewards for the unit tests: eras of 10 blocks,
//! years of 4 eras, a 10 % cap, the author of each block set by the test.

use crate as pallet_learning_rewards;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, FindAuthor},
	ConsensusEngineId,
};
use sp_runtime::{BuildStorage, Perbill};

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		LearningRewards: pallet_learning_rewards,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
}

pub const ED: Balance = 10;

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = frame_support::traits::ConstU128<ED>;
	type AccountStore = System;
}

pub const ERA: u64 = 10;
pub const ERAS_PER_YEAR: u32 = 4;
pub const ADOPTION_REWARD: Balance = 1_000;
pub const MAX_AUTHORS: u32 = 3;

parameter_types! {
	pub const InflationCap: Perbill = Perbill::from_percent(10);
	pub const ValidatorShare: Perbill = Perbill::from_percent(20);
	pub const EvaluatorShare: Perbill = Perbill::from_percent(20);
	pub const DataShare: Perbill = Perbill::from_percent(10);
	/// The author of the blocks to come (`None`: a block without one).
	pub static Author: Option<AccountId> = Some(100);
}

/// The author the test chose, whatever the digest says.
pub struct TestAuthor;
impl FindAuthor<AccountId> for TestAuthor {
	fn find_author<'a, I>(_: I) -> Option<AccountId>
	where
		I: 'a + IntoIterator<Item = (ConsensusEngineId, &'a [u8])>,
	{
		Author::get()
	}
}

impl pallet_learning_rewards::Config for Test {
	type Currency = Balances;
	type EraLength = ConstU64<ERA>;
	type ErasPerYear = ConstU32<ERAS_PER_YEAR>;
	type InflationCap = InflationCap;
	type ValidatorShare = ValidatorShare;
	type EvaluatorShare = EvaluatorShare;
	type DataShare = DataShare;
	type AdoptionReward = frame_support::traits::ConstU128<ADOPTION_REWARD>;
	type MaxAdoptionMultiple = ConstU32<10>;
	type FindAuthor = TestAuthor;
	type MaxAuthors = ConstU32<MAX_AUTHORS>;
	type WeightInfo = ();
}

/// 4 000 000 units in existence: a year may mint 400 000, each era 100 000 (20 000 for the
/// authors, 80 000 for adoptions).
pub const ISSUANCE: Balance = 4_000_000;

pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build() -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: vec![(1, ISSUANCE)],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		sp_io::TestExternalities::new(storage)
	}

	/// Run `test` from block 1, then check the pallet's invariants.
	pub fn build_and_execute(test: impl FnOnce()) {
		Self::build().execute_with(|| {
			run_to_block(1);
			test();
			LearningRewards::do_try_state().expect("invariants hold after the test");
		});
	}
}

pub fn run_to_block(n: u64) {
	System::run_to_block::<AllPalletsWithSystem>(n);
}

pub fn free(who: AccountId) -> Balance {
	<Balances as frame_support::traits::fungible::Inspect<_>>::balance(&who)
}

pub fn issuance() -> Balance {
	<Balances as frame_support::traits::fungible::Inspect<_>>::total_issuance()
}
