//! Types shared by the AI-Block runtime, pallets, node and worker.
//!
//! This crate is `no_std` so the runtime can use it in wasm, and has no FRAME dependency so that
//! off-chain code (the worker) can use it too. Pallets talk to each other only through the traits
//! here ([`credits`], [`dag`], [`datasets`], [`evolution`], [`inference`], [`jobs`], [`rewards`], [`stake`],
//! [`workers`]), wired together in the runtime, so that a pallet never reaches into another
//! pallet's storage.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod credits;
pub mod dag;
pub mod datasets;
pub mod evolution;
pub mod inference;
pub mod jobs;
pub mod rewards;
pub mod stake;
pub mod workers;

use sp_runtime::{
	traits::{IdentifyAccount, Verify},
	MultiSignature,
};

/// The 32-byte hash every id and commitment is (block ids, content hashes, commitments).
pub use sp_core::H256;

/// Transaction signature: sr25519, ed25519 or ecdsa.
pub type Signature = MultiSignature;

/// An account is the public key of its signer (32 bytes).
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// An amount of AIB in planck (10^-12 AIB).
pub type Balance = u128;

/// Block height.
pub type BlockNumber = u32;

/// Number of transactions an account has sent.
pub type Nonce = u32;

/// Block, state and content hash.
pub type Hash = sp_core::H256;

/// The native token.
pub mod token {
	use super::Balance;

	/// Ticker shown by wallets.
	pub const SYMBOL: &str = "AIB";
	/// Decimal places: one AIB is 10^12 planck.
	pub const DECIMALS: u8 = 12;
	/// The generic Substrate address format.
	pub const SS58_PREFIX: u16 = 42;

	/// One AIB.
	pub const UNIT: Balance = 10u128.pow(DECIMALS as u32);
	/// 10^-3 AIB.
	pub const MILLI_UNIT: Balance = UNIT / 1_000;
	/// 10^-6 AIB.
	pub const MICRO_UNIT: Balance = UNIT / 1_000_000;
}

#[cfg(test)]
mod tests {
	use super::token::*;

	#[test]
	fn unit_matches_decimals() {
		assert_eq!(UNIT, 1_000_000_000_000);
		assert_eq!(MILLI_UNIT * 1_000, UNIT);
		assert_eq!(MICRO_UNIT * 1_000_000, UNIT);
	}
}
