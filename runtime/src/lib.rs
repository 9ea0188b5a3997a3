//! The AI-Block runtime.
//!
//! Pallets are composed in [`runtime`]; their configuration lives in [`configs`], the runtime APIs
//! the node and clients call in [`apis`], and the genesis presets behind the `dev` and `local`
//! chain specs in [`genesis_config_presets`].

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` and friends expand to deep recursion.
#![recursion_limit = "256"]

#[cfg(all(feature = "std", not(feature = "upgrade-test")))]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));
// The upgrade test's wasm is written under its own name, so that it never replaces the one the
// node embeds (see `build.rs`).
#[cfg(all(feature = "std", feature = "upgrade-test"))]
include!(concat!(env!("OUT_DIR"), "/upgrade_test"));

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;
pub mod precompile;
#[cfg(test)]
mod tests;

extern crate alloc;

use alloc::vec::Vec;

use pallet_session::historical as pallet_session_historical;
use sp_runtime::{generic, impl_opaque_keys, traits::BlakeTwo256, MultiAddress};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Types the node's client machinery needs without knowing the runtime's extrinsic format, so
/// that it keeps syncing across runtime upgrades that change it.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as sp_runtime::traits::Hash>::Output;
}

impl_opaque_keys! {
	/// The keys a validator registers: Aura to author blocks, GRANDPA to vote on finality.
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
	}
}

/// The runtime's version with `spec_version` `$spec`: what the nodes and wallets check, and what a
/// runtime upgrade must raise (nodes run the on-chain wasm; `system.applyAuthorizedUpgrade`
/// refuses a wasm whose version is not higher).
macro_rules! runtime_version {
	($spec:tt) => {
		#[sp_version::runtime_version]
		pub const VERSION: RuntimeVersion = RuntimeVersion {
			spec_name: alloc::borrow::Cow::Borrowed("aiblock"),
			impl_name: alloc::borrow::Cow::Borrowed("aiblock-node"),
			authoring_version: 1,
			spec_version: $spec,
			impl_version: 1,
			apis: apis::RUNTIME_API_VERSIONS,
			// Bump when the encoding of calls or transaction extensions changes (wallets must
			// re-sign).
			transaction_version: 7,
			system_version: 1,
		};
	};
}

// Bump on every change of runtime logic.
#[cfg(not(feature = "upgrade-test"))]
runtime_version!(119);
// The same runtime one version higher, built only for the network test that upgrades a live
// chain to it (`zombienet/upgrade.js`); never a release.
#[cfg(feature = "upgrade-test")]
runtime_version!(120);

/// Whether this is the upgrade test's build (the `upgrade-test` feature): the node refuses to
/// compile with it, so that no node ever embeds that runtime.
pub const UPGRADE_TEST_BUILD: bool = cfg!(feature = "upgrade-test");

/// Target block time of a chain whose genesis does not choose one (`blockTime.millis` in a
/// chain spec: see `pallet_aiblock_block_time`); every shipped chain spec keeps it. Aura's slot is
/// this long; it cannot change once a chain has started.
pub const MILLI_SECS_PER_BLOCK: u64 = 6000;

/// Time expressed in blocks of [`MILLI_SECS_PER_BLOCK`] (a chain started with a shorter block
/// time, such as the tests' 2 s chains, passes them faster).
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
pub const HOURS: BlockNumber = MINUTES * 60;
pub const DAYS: BlockNumber = HOURS * 24;

pub use aiblock_primitives::token::{
	DECIMALS as TOKEN_DECIMALS, MICRO_UNIT, MILLI_UNIT, SS58_PREFIX, SYMBOL as TOKEN_SYMBOL, UNIT,
};
pub use aiblock_primitives::{AccountId, Balance, BlockNumber, Hash, Nonce, Signature};

/// An account holding less than this is reaped, which keeps dust accounts out of state.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// How calls name accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block with its justification (GRANDPA finality proof).
pub type SignedBlock = generic::SignedBlock<Block>;

/// Checks every signed transaction passes through, in order. `CheckMetadataHash` lets a wallet
/// (or a hardware signer) prove that the metadata it used to display the call is this runtime's.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	// Turns the origin of an Ethereum transaction into `pallet_revive`'s; encodes to nothing, so
	// Substrate signers do not see it. After every check that needs a signed origin.
	pallet_revive::evm::tx_extension::SetOrigin<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// The checks of an Ethereum transaction: the same as a signed one's (its nonce is checked by
/// `CheckNonce`, its fee charged by `ChargeTransactionPayment`), immortal, with no metadata hash.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EthExtraImpl;

impl pallet_revive::evm::runtime::EthExtra for EthExtraImpl {
	type Config = Runtime;
	type ExtensionV0 = TxExtension;
	type ExtensionOtherVersions = sp_runtime::traits::InvalidVersion;

	fn get_eth_extension(nonce: Nonce, tip: Balance) -> TxExtension {
		(
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckEra::<Runtime>::from(generic::Era::Immortal),
			frame_system::CheckNonce::<Runtime>::from(nonce),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(tip),
			frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
			pallet_revive::evm::tx_extension::SetOrigin::<Runtime>::new_from_eth_transaction(),
			frame_system::WeightReclaim::<Runtime>::new(),
		)
	}
}

/// A transaction as it appears in a block: a Substrate extrinsic, or an Ethereum transaction
/// (`revive.ethTransact`, unsigned on the Substrate side) checked by its own signature.
pub type UncheckedExtrinsic =
	pallet_revive::evm::runtime::UncheckedExtrinsic<Address, Signature, EthExtraImpl>;
/// What a signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations run on the next runtime upgrade, besides those of the pallets themselves.
#[allow(unused_parens)]
type Migrations = (
	pallet_aiblock_workers::migrations::v1::MigrateV0ToV1<Runtime>,
	pallet_aiblock_jobs::migrations::v1::MigrateV0ToV1<Runtime>,
	pallet_aiblock_jobs::migrations::v2::MigrateV1ToV2<Runtime>,
	pallet_aiblock_jobs::migrations::v3::MigrateV2ToV3<Runtime>,
	pallet_aiblock_jobs::migrations::v4::MigrateV3ToV4<Runtime>,
	pallet_aiblock_jobs::migrations::v5::MigrateV4ToV5<Runtime>,
	pallet_aiblock_expert_dag::migrations::v1::MigrateV0ToV1<Runtime>,
	pallet_aiblock_evolution::migrations::v1::MigrateV0ToV1<Runtime>,
	configs::revive::FundReviveAccount,
);

/// Dispatches blocks and transactions to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

/// The pallets, with the index each keeps for ever (it is part of every call's encoding).
#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(7)]
	pub type BlockTime = pallet_aiblock_block_time;

	// AI-Block
	#[runtime::pallet_index(10)]
	pub type Stake = pallet_aiblock_stake;

	#[runtime::pallet_index(11)]
	pub type Workers = pallet_aiblock_workers;

	#[runtime::pallet_index(12)]
	pub type ExpertDag = pallet_aiblock_expert_dag;

	#[runtime::pallet_index(13)]
	pub type Jobs = pallet_aiblock_jobs;

	#[runtime::pallet_index(14)]
	pub type Datasets = pallet_aiblock_datasets;

	#[runtime::pallet_index(15)]
	pub type PolCredits = pallet_aiblock_pol_credits;

	#[runtime::pallet_index(16)]
	pub type LearningRewards = pallet_aiblock_learning_rewards;

	#[runtime::pallet_index(17)]
	pub type Evolution = pallet_aiblock_evolution;

	#[runtime::pallet_index(18)]
	pub type Inference = pallet_aiblock_inference;

	// Validators and their accountability. Declared after the pallets above but before Session,
	// whose genesis asks ValidatorSet for the first sets (genesis builds run in this order).
	#[runtime::pallet_index(19)]
	pub type Authorship = pallet_authorship;

	#[runtime::pallet_index(20)]
	pub type ValidatorSet = pallet_aiblock_validator_set;

	#[runtime::pallet_index(21)]
	pub type Session = pallet_session;

	#[runtime::pallet_index(22)]
	pub type Historical = pallet_session_historical;

	#[runtime::pallet_index(23)]
	pub type Offences = pallet_offences;

	// Governance: the operators' council, batches, and the council's way to Root.
	#[runtime::pallet_index(24)]
	pub type Council = pallet_collective<Instance1>;

	#[runtime::pallet_index(25)]
	pub type Utility = pallet_utility;

	#[runtime::pallet_index(26)]
	pub type Whitelist = pallet_whitelist;

	// Contracts (EVM bytecode and PolkaVM) and Ethereum transactions. The eth-rpc adapter finds
	// the pallet by this name.
	#[runtime::pallet_index(27)]
	pub type Revive = pallet_revive;
}

/// Unsigned transactions the runtime builds itself (GRANDPA equivocation reports, submitted by
/// the node that saw the double vote).
impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateBare<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_bare(call: RuntimeCall) -> UncheckedExtrinsic {
		generic::UncheckedExtrinsic::new_bare(call).into()
	}
}
