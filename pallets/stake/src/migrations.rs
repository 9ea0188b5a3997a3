//! Storage migrations of the Stake pallet.
//!
//! Version 0 is the first layout: nothing to migrate yet. A change of a stored type bumps
//! `STORAGE_VERSION` in `lib.rs` and adds a `vN` module here with a `VersionedMigration`
//! (as the Jobs and Workers pallets do).
