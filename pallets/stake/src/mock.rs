//! A runtime with System, Balances and Stake for the unit tests.

use crate as pallet_stake;
use frame_support::{
	derive_impl, parameter_types,
	traits::{fungible, tokens::imbalance::ResolveTo, OnUnbalanced},
};
use frame_system::EnsureRoot;
use sp_runtime::{BuildStorage, Perbill};

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Stake: pallet_stake,
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
	type ExistentialDeposit = ExistentialDeposit;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

pub const TREASURY: AccountId = 1000;
pub const ED: Balance = 10;
pub const MIN_BOND: Balance = 100;
pub const UNBONDING: u64 = 20;
pub const MAX_CHUNKS: u32 = 4;

parameter_types! {
	pub const ExistentialDeposit: Balance = ED;
	pub const TreasuryAccount: AccountId = TREASURY;
	/// Tests switch between paying the treasury and burning.
	pub static BurnSlashes: bool = false;
}

/// Treasury or burn, as [`BurnSlashes`] says.
pub struct SlashDestination;
impl OnUnbalanced<crate::CreditOf<Test>> for SlashDestination {
	fn on_nonzero_unbalanced(credit: crate::CreditOf<Test>) {
		if BurnSlashes::get() {
			drop(credit);
		} else {
			<ResolveTo<TreasuryAccount, Balances> as OnUnbalanced<_>>::on_unbalanced(credit);
		}
	}
}

impl pallet_stake::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinBond = frame_support::traits::ConstU128<MIN_BOND>;
	type UnbondingPeriod = frame_support::traits::ConstU64<UNBONDING>;
	type MaxUnlockingChunks = frame_support::traits::ConstU32<MAX_CHUNKS>;
	type ReporterShare = ReporterShare;
	type OnSlash = SlashDestination;
	type SlashOrigin = EnsureRoot<AccountId>;
	type WeightInfo = ();
}

parameter_types! {
	pub const ReporterShare: Perbill = Perbill::from_percent(10);
}

/// Accounts 1..=4 start with 10_000, the treasury with the existential deposit.
pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build() -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: vec![(1, 10_000), (2, 10_000), (3, 10_000), (4, 10_000), (TREASURY, ED)],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Run `test`, then check the pallet's invariants.
	pub fn build_and_execute(test: impl FnOnce()) {
		Self::build().execute_with(|| {
			test();
			Stake::do_try_state().expect("invariants hold after the test");
		});
	}
}

pub fn run_to_block(n: u64) {
	System::run_to_block::<AllPalletsWithSystem>(n);
}

pub fn free(who: AccountId) -> Balance {
	<Balances as fungible::Inspect<_>>::balance(&who)
}

pub fn held(who: AccountId) -> Balance {
	<Balances as fungible::InspectHold<_>>::balance_on_hold(&crate::HoldReason::Bonded.into(), &who)
}
