//! A runtime with System and PolCredits for the unit tests; the seed's credit table.

use crate as pallet_pol_credits;
use frame_support::derive_impl;
use sp_runtime::BuildStorage;

pub type AccountId = u64;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		PolCredits: pallet_pol_credits,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
}

pub use aiblock_primitives::credits::seed_table::{
	ADOPTION, EVALUATION, FRAUD, GOLD_DATASET as GOLD, MIGRATION,
};
/// The seed pays an audit as a validation, like an evaluation.
pub const AUDIT: u64 = EVALUATION;

#[derive_impl(pallet_pol_credits::config_preludes::TestDefaultConfig)]
impl pallet_pol_credits::Config for Test {}

pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build() -> sp_io::TestExternalities {
		let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Run `test`, then check the pallet's invariants.
	pub fn build_and_execute(test: impl FnOnce()) {
		Self::build().execute_with(|| {
			test();
			PolCredits::do_try_state().expect("invariants hold after the test");
		});
	}
}
