//! Storage migrations of the Inference pallet.
//!
//! The pallet is at storage version 0, its first layout: no migration yet. A change of any
//! stored type bumps `STORAGE_VERSION` in `lib.rs` and adds a `vN` module here, wired into the
//! runtime's `Migrations`, like `pallet_aiblock_evolution::migrations::v1`.
