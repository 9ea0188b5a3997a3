//! Contracts: `pallet_revive`, which runs unmodified EVM bytecode (solc's output, on its revm
//! backend) and PolkaVM contracts, and accepts Ethereum-signed transactions (through
//! [`super::super::EthExtraImpl`] and the eth-rpc adapter next to the node).
//!
//! Money: 1 planck (10⁻¹² AIB) is 10⁶ wei, so an Ethereum wallet shows AIB with 18 decimals.
//! Gas is the transaction's fee over the gas price, 50 gwei (50,000 planck) at the base fee
//! multiplier: an Ethereum transfer through the eth-rpc adapter estimates about 235,000 gas
//! (11.8 mAIB), a job posted by a contract through the precompile about 524,000.
//!
//! Accounts: an Ethereum key's account is its 20-byte address followed by twelve `0xEE` bytes;
//! an sr25519 account's address is the last 20 bytes of the keccak-256 of its 32 bytes, recorded
//! when the account is created (`pallet_revive::AutoMapper` in `frame_system`'s hooks) so that
//! contracts can pay it back.

use frame_support::{
	parameter_types,
	traits::{ConstBool, ConstU32, ConstU64},
};
use frame_system::EnsureSigned;
use sp_runtime::{FixedU128, Perbill};

use super::super::{
	Address, Balance, Balances, Runtime, RuntimeCall, RuntimeEvent, RuntimeHoldReason,
	RuntimeOrigin, Signature, Timestamp, MICRO_UNIT, MILLI_UNIT,
};

/// The EIP-155 chain id wallets sign for: "AIB" in ASCII (0x414942).
pub const CHAIN_ID: u64 = 0x41_49_42;

parameter_types! {
	/// A contract's storage item costs 20 mAIB while it exists (returned when it is removed).
	pub const DepositPerItem: Balance = 20 * MILLI_UNIT;
	/// A child-trie item (the contract's own storage) costs a hundredth of that.
	pub const DepositPerChildTrieItem: Balance = 20 * MILLI_UNIT / 100;
	/// A byte of contract storage or code costs what a byte of a transaction does (10 µAIB).
	pub const DepositPerByte: Balance = 10 * MICRO_UNIT;
	/// Instantiating from someone else's code locks part of its deposit, so that the code cannot
	/// be removed under the contract.
	pub const CodeHashLockupDepositPercent: Perbill = Perbill::from_percent(30);
	/// An Ethereum transaction may use at most 90 % of a block's normal weight.
	pub const MaxEthExtrinsicWeight: FixedU128 = FixedU128::from_rational(9, 10);
}

impl pallet_revive::Config for Runtime {
	type Time = Timestamp;
	type Balance = Balance;
	type Currency = Balances;
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Gas rounding dust is burned, like fees.
	type OnBurn = ();
	/// The AI-Block precompile at 0x…0A1B0000 (`contracts/IAIBlock.sol`).
	type Precompiles = (crate::precompile::AiBlockPrecompile,);
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Runtime, super::super::Aura>;
	type DepositPerByte = DepositPerByte;
	type DepositPerItem = DepositPerItem;
	type DepositPerChildTrieItem = DepositPerChildTrieItem;
	type CodeHashLockupDepositPercent = CodeHashLockupDepositPercent;
	type AddressMapper = pallet_revive::AccountId32Mapper<Self>;
	/// Solidity compiled with solc runs as it is.
	type AllowEVMBytecode = ConstBool<true>;
	type UploadOrigin = EnsureSigned<Self::AccountId>;
	type InstantiateOrigin = EnsureSigned<Self::AccountId>;
	type RuntimeMemory = ConstU32<{ 128 * 1024 * 1024 }>;
	type PVFMemory = ConstU32<{ 512 * 1024 * 1024 }>;
	type ChainId = ConstU64<CHAIN_ID>;
	/// 10¹⁸ wei per AIB over 10¹² planck.
	type NativeToEthRatio = ConstU32<1_000_000>;
	type FeeInfo = pallet_revive::evm::fees::Info<Address, Signature, super::super::EthExtraImpl>;
	/// Deposits are paid in AIB.
	type Deposit = ();
	type MaxEthExtrinsicWeight = MaxEthExtrinsicWeight;
	type DebugEnabled = ConstBool<false>;
	type AutoMap = ConstBool<true>;
	/// The gas price is `multiplier × NativeToEthRatio × GasScale` wei: 50 gwei at the base
	/// multiplier (see the module's docs).
	type GasScale = ConstU32<50_000>;
	type WeightInfo = pallet_revive::weights::SubstrateWeight<Self>;
}

/// Revive on a chain that ran without it: its genesis build never ran, so the pallet's own
/// account (which holds code deposits) has no existential deposit and the first code upload
/// would fail. Give it one, exactly as revive's genesis does. Does nothing where the account
/// exists (new chains, and every upgrade after the first).
pub struct FundReviveAccount;

impl frame_support::traits::OnRuntimeUpgrade for FundReviveAccount {
	fn on_runtime_upgrade() -> frame_support::weights::Weight {
		use frame_support::traits::{fungible::Mutate, Defensive, Get};
		let db = <Runtime as frame_system::Config>::DbWeight::get();
		let account = pallet_revive::Pallet::<Runtime>::account_id();
		if frame_system::Pallet::<Runtime>::account_exists(&account) {
			return db.reads(1);
		}
		let minimum = <Runtime as pallet_balances::Config>::ExistentialDeposit::get();
		// Minting the existential deposit into an account that does not exist cannot fail.
		let _ = Balances::mint_into(&account, minimum).defensive();
		db.reads_writes(2, 3)
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(_: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let account = pallet_revive::Pallet::<Runtime>::account_id();
		frame_support::ensure!(
			frame_system::Pallet::<Runtime>::account_exists(&account),
			"revive's pallet account has no existential deposit"
		);
		Ok(())
	}
}
