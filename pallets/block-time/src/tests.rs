use crate::{self as pallet_block_time, *};
use frame_support::{derive_impl, traits::Get};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		BlockTime: pallet_block_time,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

impl Config for Test {
	type DefaultMillis = frame_support::traits::ConstU64<6_000>;
}

/// Runs `test` on a chain whose genesis chose `millis`, then checks the invariants.
fn with_genesis(millis: Option<u64>, test: impl FnOnce()) {
	let storage = RuntimeGenesisConfig {
		system: Default::default(),
		block_time: GenesisConfig { millis, ..Default::default() },
	}
	.build_storage()
	.unwrap();
	sp_io::TestExternalities::new(storage).execute_with(|| {
		test();
		Pallet::<Test>::do_try_state().unwrap();
	});
}

#[test]
fn a_chain_without_a_choice_runs_at_the_default() {
	with_genesis(None, || {
		assert_eq!(Millis::<Test>::get(), None);
		assert_eq!(Pallet::<Test>::millis(), 6_000);
		assert_eq!(SlotMillis::<Test>::get(), 6_000);
		assert_eq!(MinimumPeriod::<Test>::get(), 3_000);
	});
}

#[test]
fn the_genesis_choice_sets_the_slot_and_the_timestamp_period() {
	with_genesis(Some(2_000), || {
		assert_eq!(SlotMillis::<Test>::get(), 2_000);
		assert_eq!(MinimumPeriod::<Test>::get(), 1_000);
	});
}

#[test]
fn the_bounds_are_valid_block_times_and_their_neighbours_are_not() {
	assert!(is_valid(MIN_MILLIS) && is_valid(MAX_MILLIS));
	assert!(!is_valid(MIN_MILLIS - 2) && !is_valid(MAX_MILLIS + 2));
	assert!(!is_valid(2_001), "odd: the timestamp period would round down");
	assert!(!is_valid(0));
}

#[test]
#[should_panic(expected = "blockTime.millis must be even and within 1000..=60000, not 999")]
fn a_genesis_with_too_short_a_block_time_does_not_build() {
	with_genesis(Some(999), || {});
}

#[test]
#[should_panic(expected = "not 3001")]
fn a_genesis_with_an_odd_block_time_does_not_build() {
	with_genesis(Some(3_001), || {});
}

#[test]
fn the_default_passes_the_integrity_test() {
	sp_io::TestExternalities::default().execute_with(|| {
		<Pallet<Test> as frame_support::traits::IntegrityTest>::integrity_test();
	});
}

#[test]
fn a_bad_value_in_storage_breaks_the_invariant() {
	with_genesis(None, || {
		Millis::<Test>::put(1_001);
		assert!(Pallet::<Test>::do_try_state().is_err());
		Millis::<Test>::put(6_000);
	});
}
