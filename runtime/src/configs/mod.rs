//! Configuration of every pallet in the runtime: the FRAME ones here, ours in [`aiblock`].

pub mod aiblock;
pub mod governance;
pub mod inference;
pub mod revive;
pub mod validators;

use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf},
	weights::{
		constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		ConstantMultiplier, Weight,
	},
};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::{FungibleAdapter, Multiplier, TargetedFeeAdjustment};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{traits::One, FixedPointNumber, Perbill, Perquintill};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Hash, Nonce, PalletInfo, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask,
	System, EXISTENTIAL_DEPOSIT, MICRO_UNIT, MILLI_SECS_PER_BLOCK, SS58_PREFIX, VERSION,
};

/// Share of a block that ordinary transactions may fill; the rest is kept for operational ones
/// (council votes and closes, sudo on the dev chain) so that a full block cannot lock governance
/// out.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;

	/// Two seconds of compute per six-second block: the rest of the slot is for propagation and
	/// import on the other validators.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(DispatchClass::Normal, |max| {
			*max = NORMAL_DISPATCH_RATIO * *max
		})
		.build();
	pub const SS58Prefix: u16 = SS58_PREFIX;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	/// Every call but the signed GRANDPA equivocation report ([`validators::CallFilter`]) and a
	/// motion that would shrink the council below its quorum or name a prime
	/// ([`governance::CouncilKeepsQuorum`]).
	type BaseCallFilter =
		frame_support::traits::InsideBoth<validators::CallFilter, governance::CouncilKeepsQuorum>;
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// The node stores state in ParityDB, so storage access is priced with its weights.
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	/// Every new account gets its 20-byte contract address recorded (see [`revive`]).
	type OnNewAccount = pallet_revive::AutoMapper<Runtime>;
	type OnKilledAccount = pallet_revive::AutoMapper<Runtime>;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	// A validator disabled for an offence may not author until the set changes.
	type DisabledValidators = super::Session;
	type MaxAuthorities = ConstU32<{ validators::MAX_VALIDATORS }>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	/// The block time chosen at genesis (`BlockTime`).
	type SlotDuration = pallet_aiblock_block_time::SlotMillis<Runtime>;
}

impl pallet_aiblock_block_time::Config for Runtime {
	type DefaultMillis = ConstU64<MILLI_SECS_PER_BLOCK>;
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the Unix epoch.
	type Moment = u64;
	type OnTimestampSet = Aura;
	/// Half the block time chosen at genesis (`BlockTime`): one timestamp per Aura slot.
	type MinimumPeriod = pallet_aiblock_block_time::MinimumPeriod<Runtime>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	// Reserves are the legacy API: our pallets hold funds with `MutateHold` instead.
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

/// Planck per unit of weight (a picosecond of reference compute): a second of block compute
/// costs 10 AIB, so a full block's normal share (1.5 s) costs 15 AIB before the multiplier.
pub const FEE_PER_WEIGHT: Balance = 10;
/// Planck per byte of a transaction: 10 µAIB, so a megabyte costs 10.5 AIB and filling a
/// block's normal share by length (3.75 MiB) costs 39 AIB. Not multiplied (see below).
pub const FEE_PER_BYTE: Balance = 10 * MICRO_UNIT;

parameter_types! {
	pub const ByteFee: Balance = FEE_PER_BYTE;
	/// The multiplier aims at blocks whose normal share is a quarter full.
	pub const TargetBlockFullness: Perquintill = Perquintill::from_percent(25);
	/// How fast the multiplier moves: each block with a full normal share multiplies it by about
	/// 1 + 0.005 × 0.75, so an hour of full blocks (600) makes weight 9.5 times as expensive,
	/// and it falls back as fast while blocks stay under the target.
	pub AdjustmentVariable: Multiplier = Multiplier::saturating_from_rational(5, 1_000);
	/// Fees never fall below the base price.
	pub MinimumMultiplier: Multiplier = Multiplier::one();
	pub MaximumMultiplier: Multiplier = Multiplier::saturating_from_integer(100_000);
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// Fees are burned.
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	/// `FEE_PER_WEIGHT` planck per picosecond of compute (proof size is priced by its share of
	/// the block, negligible with no proof limit); `pallet_revive` derives gas from this type.
	type WeightToFee =
		pallet_revive::evm::fees::BlockRatioFee<{ FEE_PER_WEIGHT }, 1, Runtime, Balance>;
	type LengthToFee = ConstantMultiplier<Balance, ByteFee>;
	/// Sustained full blocks make weight ever more expensive (the multiplier applies to the
	/// weight fee only; the length fee is fixed).
	type FeeMultiplierUpdate = TargetedFeeAdjustment<
		Self,
		TargetBlockFullness,
		AdjustmentVariable,
		MinimumMultiplier,
		MaximumMultiplier,
	>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}
