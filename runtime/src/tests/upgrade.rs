//! What a runtime upgrade relies on: every pallet starts at the storage version its code
//! declares, and the runtime's pending migrations find nothing to do on a new chain (they run
//! only on a chain whose stored layouts are older).

use super::*;
use crate::genesis_config_presets::preset_names;
use frame_support::traits::{
	GetStorageVersion, OnRuntimeUpgrade, PalletInfoAccess, StorageVersion,
};

/// `(name, on-chain version, version in the code)` of every pallet of ours and of the FRAME
/// pallets that version their storage.
fn storage_versions() -> Vec<(&'static str, StorageVersion, StorageVersion)> {
	fn of<P>() -> (&'static str, StorageVersion, StorageVersion)
	where
		P: GetStorageVersion<InCodeStorageVersion = StorageVersion> + PalletInfoAccess,
	{
		(P::name(), P::on_chain_storage_version(), P::in_code_storage_version())
	}
	vec![
		of::<crate::BlockTime>(),
		of::<Stake>(),
		of::<Workers>(),
		of::<crate::ExpertDag>(),
		of::<Jobs>(),
		of::<crate::Datasets>(),
		of::<crate::PolCredits>(),
		of::<crate::LearningRewards>(),
		of::<crate::Evolution>(),
		of::<crate::Inference>(),
		of::<crate::ValidatorSet>(),
		of::<crate::Session>(),
		of::<crate::Council>(),
		of::<Balances>(),
	]
}

#[test]
fn every_pallet_starts_at_its_codes_storage_version() {
	for preset in preset_names() {
		with_preset_state(preset.as_ref(), || {
			for (name, on_chain, in_code) in storage_versions() {
				assert_eq!(on_chain, in_code, "{name} on {preset:?}");
			}
		});
	}
}

#[test]
fn the_pending_migrations_change_nothing_on_a_new_chain() {
	with_preset_state(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET, || {
		let before = sp_io::storage::root(sp_runtime::StateVersion::V1);
		<crate::Migrations as OnRuntimeUpgrade>::on_runtime_upgrade();
		assert_eq!(sp_io::storage::root(sp_runtime::StateVersion::V1), before);
	});
}
