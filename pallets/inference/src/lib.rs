//! # Inference pallet
//!
//! The inference market: servers answer with the chain's model and are paid per output token,
//! the authors of the blocks that answered share each fee, auditors replay a sample of what
//! was paid for and a server whose answers are not the model's loses its collateral; donor
//! servers answer a free tier, whose quotas are kept here.
//!
//! ## Servers
//! [`Pallet::register_server`] commits [`Config::ServerCollateral`] of the caller's bonded
//! stake (the Stake pallet) and records its [`ServerTerms`]: the model version, the price per
//! 1,000 output tokens and, for a donor, the free-tier tokens it answers per period.
//!
//! ## Paying without a transaction per request
//! A client opens a prepaid channel with a server ([`Pallet::open_channel`]), its deposit held
//! under [`HoldReason::Prepaid`] at the price of that moment. After each answer the client
//! signs a [`Receipt`] (off chain) with its totals on the channel: answers, output tokens, the
//! state root of the weights that answered and the hash of the last request and answer. The
//! server claims now and then with the newest receipt ([`Pallet::claim`]) and is paid the fee
//! of the tokens since its last claim. The receipt names the channel's unique id and the
//! signature covers the genesis hash, so a receipt pays once, on one channel of one chain.
//! The client closes a channel ([`Pallet::close_channel`]); the server may still claim during
//! [`Config::DisputeWindow`] blocks, then the client withdraws the rest
//! ([`Pallet::withdraw`]). A server may release a channel at once ([`Pallet::release_channel`]).
//!
//! Of each fee, [`Config::UsageShare`] goes to the authors of the blocks the claim names, in
//! proportion to the tokens the server reports for each block (every token passes through the
//! attention, router and shared blocks; an expert's count is the tokens routed to it), and
//! [`Config::AuditShare`] to the audit pot (this pallet's account), which pays the auditors.
//! The rest goes to the server. The claim lists every block of the weights in ascending id
//! order: the chain recomputes the [`state_root`] from them and requires the one the client
//! signed, and every block must be an adopted block of the served model.
//!
//! ## Spot checks
//! A claim names a batch file in IPFS with each claimed request, its answer, the client's
//! signed receipt and its per-block token counts. In the next block one claim in
//! [`Config::AuditOneIn`] is drawn for an audit, from that block's parent hash: a panel of
//! [`Config::AuditPanel`] auditors (the Workers registry's `auditor` role, listed before the
//! claim, never the server or the client) and [`Config::AuditSample`] request numbers. Each
//! auditor replays the sample at the receipts' state root and commits its [`AuditVerdict`]
//! with [`Config::AuditorCollateral`] of its stake ([`Pallet::commit_audit`]), then reveals it
//! ([`Pallet::reveal_audit`]). After the reveal window anyone settles
//! ([`Pallet::settle_audit`]): a majority of the whole panel finding a mismatch slashes the
//! server's collateral, half of it to the client and half to the auditors who found it, and
//! removes the server; auditors against the verdict, or committed and silent, lose their
//! collateral (one that never committed only loses reputation); auditors with the verdict are
//! paid [`Config::AuditReward`] from the pot, at most what the claims drawn among brought it.
//!
//! ## Free tier
//! An account joins the free tier with a deposit ([`Config::FreeTierDeposit`], held under
//! [`HoldReason::FreeTier`] until it leaves): the price of another quota is that deposit's
//! capital, so a thousand Sybil quotas tie up a thousand deposits. A free-tier user signs a
//! [`FreeReceipt`] after each answer of a donor; the donor reports the newest one
//! ([`Pallet::report_free_usage`]), which counts against the user's quota of
//! [`MarketParams::free_tokens_per_period`] tokens and [`MarketParams::free_requests_per_period`] requests per
//! [`Config::FreePeriod`] blocks and against the donor's declared capacity. A report beyond
//! either is refused ([`Error::QuotaExceeded`], [`Error::DonorCapacityExhausted`]): donors read
//! the quotas here before answering and refuse or queue a request with that reason.
//!
//! ## Invariants
//! 1. For every account, the balance held under [`HoldReason::Prepaid`] equals the sum of
//!    `deposit - claimed` over its channels, and `claimed ≤ deposit` on each.
//! 2. Each channel's `claimed` is the fee of its `claimed_tokens` at its price.
//! 3. For every free-tier user, the balance held under [`HoldReason::FreeTier`] equals its
//!    deposit.
//! 4. Each account's [`OpenClaimsOf`] equals the number of [`OpenClaims`] it made.
//! 5. Every audit is of an open claim, every claim awaiting the draw is open, and no audit has
//!    a verdict without a commitment.
//!
//! They are checked in `try_state`, which the unit tests run after every test.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

mod audit;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod free_tier;
mod invariants;
pub mod migrations;
#[cfg(test)]
mod mock;
mod payments;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

use aiblock_primitives::{
	dag::{is_supported_cid, Cid, ModelIndex},
	inference::{
		fee, free_receipt_payload, proportional_shares, receipt_payload, state_root, AuditVerdict,
		ChannelId, ClaimId, FreeReceipt, Receipt, ServedBlocks,
	},
	stake::{Slash, StakeCollateral},
	workers::WorkerRegistry,
};
use alloc::{collections::BTreeMap, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{self, Inspect, Mutate, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
	},
	PalletId,
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::{
	traits::{AccountIdConversion, IdentifyAccount, Saturating, Verify, Zero},
	Perbill, SaturatedConversion,
};

/// The balance type of the configured currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// The usage a claim reports: every block of the weights, ascending, with its token count.
pub type UsageOf<T> = BoundedVec<(H256, u64), <T as Config>::MaxUsageBlocks>;

/// What the benchmarks need of the runtime: keys that sign receipts, bonded accounts, auditors
/// and a model with adopted blocks (the runtime's keys and registry differ from a mock's).
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, Signature> {
	/// A new account able to sign, its `seed`-th.
	fn signer(seed: u32) -> AccountId;
	/// `signer`'s signature of `payload`.
	fn sign(signer: &AccountId, payload: &[u8]) -> Signature;
	/// Fund `who` and bond enough for a server's or an auditor's collateral.
	fn bond(who: &AccountId);
	/// Fund, bond and register `who` as an auditor.
	fn make_auditor(who: &AccountId);
	/// A model with `blocks` adopted blocks, each by another author; the ids ascending.
	fn served_model(blocks: u32) -> (ModelIndex, Vec<H256>);
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency clients pay in.
		type Currency: fungible::Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, of which [`HoldReason`] is part.
		type RuntimeHoldReason: From<HoldReason>;

		/// Collateral for servers and auditors, and their slashing.
		type Stake: StakeCollateral<Self::AccountId, Balance = BalanceOf<Self>>
			+ Slash<Self::AccountId, Balance = BalanceOf<Self>>;

		/// The auditors.
		type Workers: WorkerRegistry<Self::AccountId, BlockNumber = BlockNumberFor<Self>>;

		/// The model registry: which blocks answered, and their authors.
		type Models: ServedBlocks<Self::AccountId>;

		/// A client's signature of a receipt.
		type Signature: Verify<Signer = Self::Signer> + Parameter;

		/// What signs: an account is its public key.
		type Signer: IdentifyAccount<AccountId = Self::AccountId>;

		/// The audit pot's account.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// Stake a server commits while registered.
		#[pallet::constant]
		type ServerCollateral: Get<BalanceOf<Self>>;

		/// The smallest deposit that opens a channel (each channel is a storage entry).
		#[pallet::constant]
		type MinChannelDeposit: Get<BalanceOf<Self>>;

		/// The smallest fee a claim may pay: any claim may be audited at the auditors' cost.
		#[pallet::constant]
		type MinClaimFee: Get<BalanceOf<Self>>;

		/// Who may change the [`MarketParams`] ([`Pallet::set_params`]).
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Blocks a server may still claim after the client closed the channel, until
		/// governance sets [`MarketParams::dispute_window`].
		#[pallet::constant]
		type DisputeWindow: Get<BlockNumberFor<Self>>;

		/// Most blocks a claim's usage lists (the blocks of the largest model served).
		#[pallet::constant]
		type MaxUsageBlocks: Get<u32>;

		/// Longest server endpoint, in bytes.
		#[pallet::constant]
		type MaxEndpointLen: Get<u32>;

		/// The share of each fee paid to the authors of the blocks that answered.
		#[pallet::constant]
		type UsageShare: Get<Perbill>;

		/// The share of each fee paid into the audit pot.
		#[pallet::constant]
		type AuditShare: Get<Perbill>;

		/// One claim in this many is audited (1: every claim), until governance sets
		/// [`MarketParams::audit_one_in`].
		#[pallet::constant]
		type AuditOneIn: Get<u32>;

		/// Auditors per audit.
		#[pallet::constant]
		type AuditPanel: Get<u32>;

		/// The most auditors the registry lists (its per-role bound): a draw reads them all.
		#[pallet::constant]
		type MaxAuditorPool: Get<u32>;

		/// Requests replayed per audit.
		#[pallet::constant]
		type AuditSample: Get<u32>;

		/// Stake an auditor commits with its verdict.
		#[pallet::constant]
		type AuditorCollateral: Get<BalanceOf<Self>>;

		/// Paid from the pot to each auditor whose verdict was the panel's.
		#[pallet::constant]
		type AuditReward: Get<BalanceOf<Self>>;

		/// Blocks from the draw during which auditors commit (the default of
		/// [`MarketParams::audit_commit_window`]).
		#[pallet::constant]
		type AuditCommitWindow: Get<BlockNumberFor<Self>>;

		/// Blocks after the commit window during which they reveal (the default of
		/// [`MarketParams::audit_reveal_window`]).
		#[pallet::constant]
		type AuditRevealWindow: Get<BlockNumberFor<Self>>;

		/// Most claims in one block (each is drawn in the next block's `on_initialize`).
		#[pallet::constant]
		type MaxClaimsPerBlock: Get<u32>;

		/// Blocks per free-tier quota period.
		#[pallet::constant]
		type FreePeriod: Get<BlockNumberFor<Self>>;

		/// Output tokens a free-tier user may get per period (the default of
		/// [`MarketParams::free_tokens_per_period`]).
		#[pallet::constant]
		type FreeTokensPerPeriod: Get<u64>;

		/// Requests a free-tier user may make per period (the default of
		/// [`MarketParams::free_requests_per_period`]).
		#[pallet::constant]
		type FreeRequestsPerPeriod: Get<u32>;

		/// Held from each free-tier user: the price of another quota.
		#[pallet::constant]
		type FreeTierDeposit: Get<BalanceOf<Self>>;

		/// Most donors whose answers one user's period counts.
		#[pallet::constant]
		type MaxDonorsPerUser: Get<u32>;

		type WeightInfo: WeightInfo;

		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, Self::Signature>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A client's prepaid balance with a server, until claimed or withdrawn.
		#[codec(index = 0)]
		Prepaid,
		/// A free-tier user's deposit, until it leaves the free tier.
		#[codec(index = 1)]
		FreeTier,
	}

	/// Registered servers.
	#[pallet::storage]
	pub type Servers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, ServerInfo<T>>;

	/// The next channel's id.
	#[pallet::storage]
	pub type NextChannelId<T: Config> = StorageValue<_, ChannelId, ValueQuery>;

	/// Prepaid channels, by client and server.
	#[pallet::storage]
	pub type Channels<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		Channel<T>,
	>;

	/// The next claim's id.
	#[pallet::storage]
	pub type NextClaimId<T: Config> = StorageValue<_, ClaimId, ValueQuery>;

	/// Claims not yet past their audit: awaiting the draw, or under audit.
	#[pallet::storage]
	pub type OpenClaims<T: Config> = StorageMap<_, Twox64Concat, ClaimId, ClaimInfo<T>>;

	/// How many [`OpenClaims`] each account made as a server: kept apart from [`Servers`], so
	/// that a server removed and registered again cannot leave with claims still under audit.
	#[pallet::storage]
	pub type OpenClaimsOf<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// The claims of this block, drawn (or not) for an audit in the next block.
	#[pallet::storage]
	pub type ToDraw<T: Config> =
		StorageValue<_, BoundedVec<(ClaimId, T::AccountId), T::MaxClaimsPerBlock>, ValueQuery>;

	/// Audits under way.
	#[pallet::storage]
	pub type Audits<T: Config> = StorageMap<_, Twox64Concat, ClaimId, Audit<T>>;

	/// The settings governance set; `None`: the runtime's defaults ([`Pallet::params`]).
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, MarketParams<BlockNumberFor<T>>>;

	/// Free-tier users.
	#[pallet::storage]
	pub type FreeUsers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, FreeUser<T>>;

	/// The genesis opens the audit pot with the existential deposit, so that it takes the
	/// first claims' shares however small (an empty account takes nothing below it); the pot
	/// never pays below it. A test chain may set the market's settings.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The market's settings (none: the runtime's defaults).
		pub params: Option<MarketParams<BlockNumberFor<T>>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let pot = Pallet::<T>::pot();
			let _ = T::Currency::mint_into(&pot, T::Currency::minimum_balance());
			if let Some(params) = self.params {
				assert!(Pallet::<T>::params_are_valid(&params), "invalid inference market params");
				Params::<T>::put(params);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		ServerRegistered {
			server: T::AccountId,
			terms: ServerTerms<BalanceOf<T>>,
		},
		ServerUpdated {
			server: T::AccountId,
			terms: ServerTerms<BalanceOf<T>>,
		},
		ServerUnregistered {
			server: T::AccountId,
		},
		ChannelOpened {
			client: T::AccountId,
			server: T::AccountId,
			channel: ChannelId,
			deposit: BalanceOf<T>,
			price_per_1k: BalanceOf<T>,
		},
		ChannelToppedUp {
			client: T::AccountId,
			server: T::AccountId,
			deposit: BalanceOf<T>,
		},
		/// The server may claim until `closes_at`; then the client withdraws.
		ChannelClosing {
			client: T::AccountId,
			server: T::AccountId,
			closes_at: BlockNumberFor<T>,
		},
		/// The channel is gone and `refund` went back to the client.
		ChannelSettled {
			client: T::AccountId,
			server: T::AccountId,
			refund: BalanceOf<T>,
		},
		/// A server was paid for `requests` answers and `tokens` output tokens.
		Claimed {
			claim: ClaimId,
			server: T::AccountId,
			client: T::AccountId,
			requests: u64,
			tokens: u64,
			fee: BalanceOf<T>,
			to_server: BalanceOf<T>,
			to_authors: BalanceOf<T>,
			to_audit_pot: BalanceOf<T>,
		},
		/// An author's usage share of a claim.
		UsageRewardPaid {
			claim: ClaimId,
			author: T::AccountId,
			amount: BalanceOf<T>,
		},
		/// A claim is past its audit draw without an audit.
		ClaimNotAudited {
			claim: ClaimId,
			reason: NotAudited,
		},
		AuditDrawn {
			claim: ClaimId,
			auditors: Vec<T::AccountId>,
			sample: Vec<u64>,
			commit_until: BlockNumberFor<T>,
			reveal_until: BlockNumberFor<T>,
		},
		AuditCommitted {
			claim: ClaimId,
			auditor: T::AccountId,
		},
		AuditRevealed {
			claim: ClaimId,
			auditor: T::AccountId,
			verdict: AuditVerdict,
		},
		/// The audit's verdict (`None`: fewer than a majority of the panel revealed, nothing
		/// decided); on a mismatch the server lost `slashed`, of which `to_client` went to the
		/// client and `to_auditors` to the auditors who found it.
		AuditSettled {
			claim: ClaimId,
			verdict: Option<AuditVerdict>,
			slashed: BalanceOf<T>,
			to_client: BalanceOf<T>,
			to_auditors: BalanceOf<T>,
		},
		/// A server proven to give answers the model does not was removed.
		ServerRemoved {
			server: T::AccountId,
		},
		FreeTierJoined {
			who: T::AccountId,
			deposit: BalanceOf<T>,
		},
		FreeTierLeft {
			who: T::AccountId,
		},
		/// A donor's answers to a free-tier user were counted; `tokens_left` of the user's
		/// quota remain this period.
		FreeUsageRecorded {
			client: T::AccountId,
			donor: T::AccountId,
			tokens: u64,
			requests: u32,
			tokens_left: u64,
		},
		/// Governance changed the market's settings.
		ParamsSet {
			params: MarketParams<BlockNumberFor<T>>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The caller is already a server.
		AlreadyServer,
		/// The account is not a registered server.
		NotServer,
		/// No such model.
		UnknownModel,
		/// The endpoint is empty or not UTF-8.
		InvalidEndpoint,
		/// The server has claims awaiting their audit: it can leave once they are settled.
		ClaimsUnderAudit,
		/// A channel with this server is already open.
		ChannelExists,
		/// A client cannot open a channel with itself.
		SelfChannel,
		/// The deposit is below the minimum.
		DepositTooSmall,
		/// The client cannot afford the deposit (keeping its account alive).
		InsufficientBalance,
		/// No channel between these accounts.
		NoChannel,
		/// The channel is closing: no top-up, no second close.
		ChannelClosing,
		/// The dispute window has not passed yet.
		DisputeWindowOpen,
		/// The receipt is not the caller's (its server is another account).
		NotYourReceipt,
		/// The receipt names another channel (an older one between the same accounts).
		WrongChannel,
		/// The channel closed and its dispute window is over.
		ChannelClosed,
		/// The signature is not the client's signature of this receipt on this chain.
		BadSignature,
		/// The receipt is not newer than the last one claimed (or has fewer tokens).
		StaleReceipt,
		/// The receipt's fee is more than the client ever deposited.
		ExceedsDeposit,
		/// The batch is not a supported CID.
		BadBatch,
		/// The usage lists no block, or not in strictly ascending id order.
		UsageNotSorted,
		/// The usage's blocks are not the weights the client signed for.
		StateRootMismatch,
		/// A usage block is not an adopted block of the claimed model.
		UnknownBlock,
		/// The block's claims are full: claim in the next block.
		TooManyClaims,
		/// The server claimed in this block already: one claim per server per block.
		OneClaimPerBlock,
		/// The claim pays less than the minimum: claim when more is due.
		ClaimTooSmall,
		/// The client's prepaid balance could not pay the server.
		PaymentFailed,
		/// The server's price is above the most the client accepts.
		PriceAboveLimit,
		/// Already in the free tier.
		AlreadyFreeUser,
		/// Not in the free tier.
		NotFreeUser,
		/// The free-tier user has used its quota this period: it can leave after the period.
		UsedThisPeriod,
		/// The server answers no free tier.
		NotDonor,
		/// The free receipt is of another period than this one.
		WrongPeriod,
		/// The user's quota for this period would be exceeded.
		QuotaExceeded,
		/// The donor's declared free capacity for this period would be exceeded.
		DonorCapacityExhausted,
		/// The user's period already counts the most donors allowed.
		TooManyDonors,
		/// No audit of this claim.
		NoAudit,
		/// The caller is not on the audit's panel.
		NotOnPanel,
		/// The commit window is over.
		CommitWindowClosed,
		/// The caller already committed.
		AlreadyCommitted,
		/// Not the reveal window.
		NotRevealPhase,
		/// The caller committed nothing to reveal.
		NotCommitted,
		/// The caller already revealed.
		AlreadyRevealed,
		/// The verdict and salt do not match the commitment.
		CommitmentMismatch,
		/// The reveal window is still open.
		RevealWindowOpen,
		/// A setting out of bounds: an audit rate of 0, an audit window under
		/// [`MIN_AUDIT_WINDOW`] blocks, a dispute window of no block.
		BadParams,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let claims = ToDraw::<T>::take();
			let count = claims.len() as u32;
			if count == 0 {
				return T::DbWeight::get().reads(1);
			}
			let parent = frame_system::Pallet::<T>::parent_hash();
			for (claim, _) in claims {
				Self::draw_audit(claim, now, parent.as_ref());
			}
			T::WeightInfo::draw_audits(count)
		}

		fn integrity_test() {
			assert!(T::AuditOneIn::get() >= 1, "AuditOneIn counts claims: at least 1");
			assert!(T::AuditPanel::get() >= 1, "an audit needs an auditor");
			assert!(T::AuditSample::get() >= 1, "an audit replays a request");
			assert!(!T::FreePeriod::get().is_zero(), "a quota period lasts a block at least");
			assert!(
				T::UsageShare::get().saturating_add(T::AuditShare::get()) <= Perbill::one(),
				"the shares of a fee add up to more than the fee"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register the caller as a server with `terms`, reachable at `endpoint`, committing
		/// [`Config::ServerCollateral`] of its bonded stake.
		///
		/// Origin: signed. Errors: [`Error::AlreadyServer`], [`Error::UnknownModel`],
		/// [`Error::InvalidEndpoint`], or the Stake pallet's when the stake is short.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_server())]
		pub fn register_server(
			origin: OriginFor<T>,
			terms: ServerTerms<BalanceOf<T>>,
			endpoint: BoundedVec<u8, T::MaxEndpointLen>,
		) -> DispatchResult {
			let server = ensure_signed(origin)?;
			ensure!(!Servers::<T>::contains_key(&server), Error::<T>::AlreadyServer);
			Self::check_terms(&terms, &endpoint)?;
			let collateral = T::ServerCollateral::get();
			T::Stake::commit(&server, collateral)?;
			Servers::<T>::insert(
				&server,
				ServerInfo { terms, endpoint, collateral, free_period: 0, free_served: 0 },
			);
			Self::deposit_event(Event::ServerRegistered { server, terms });
			Ok(())
		}

		/// Change the caller's terms and endpoint. Open channels keep their price.
		///
		/// Origin: a registered server. Errors: [`Error::NotServer`], [`Error::UnknownModel`],
		/// [`Error::InvalidEndpoint`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update_server())]
		pub fn update_server(
			origin: OriginFor<T>,
			terms: ServerTerms<BalanceOf<T>>,
			endpoint: BoundedVec<u8, T::MaxEndpointLen>,
		) -> DispatchResult {
			let server = ensure_signed(origin)?;
			Self::check_terms(&terms, &endpoint)?;
			Servers::<T>::try_mutate(&server, |info| {
				let info = info.as_mut().ok_or(Error::<T>::NotServer)?;
				info.terms = terms;
				info.endpoint = endpoint;
				Ok::<_, DispatchError>(())
			})?;
			Self::deposit_event(Event::ServerUpdated { server, terms });
			Ok(())
		}

		/// Stop serving and release the collateral. Open channels stay until their clients
		/// close them (at once: nobody can claim on them any more).
		///
		/// Origin: a registered server. Errors: [`Error::NotServer`],
		/// [`Error::ClaimsUnderAudit`] while a claim of the server awaits its audit.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::unregister_server())]
		pub fn unregister_server(origin: OriginFor<T>) -> DispatchResult {
			let server = ensure_signed(origin)?;
			let info = Servers::<T>::get(&server).ok_or(Error::<T>::NotServer)?;
			ensure!(OpenClaimsOf::<T>::get(&server) == 0, Error::<T>::ClaimsUnderAudit);
			Self::remove_server(&server, &info);
			Self::deposit_event(Event::ServerUnregistered { server });
			Ok(())
		}

		/// Open a prepaid channel with `server`, holding `deposit` from the caller, at the
		/// server's current price.
		///
		/// `max_price_per_1k` is the most the client accepts: a server that raises its price
		/// just before the channel opens gets no channel.
		///
		/// Origin: signed. Errors: [`Error::NotServer`], [`Error::SelfChannel`],
		/// [`Error::PriceAboveLimit`], [`Error::ChannelExists`], [`Error::DepositTooSmall`],
		/// [`Error::InsufficientBalance`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::open_channel())]
		pub fn open_channel(
			origin: OriginFor<T>,
			server: T::AccountId,
			deposit: BalanceOf<T>,
			max_price_per_1k: BalanceOf<T>,
		) -> DispatchResult {
			let client = ensure_signed(origin)?;
			ensure!(client != server, Error::<T>::SelfChannel);
			let info = Servers::<T>::get(&server).ok_or(Error::<T>::NotServer)?;
			ensure!(info.terms.price_per_1k <= max_price_per_1k, Error::<T>::PriceAboveLimit);
			ensure!(!Channels::<T>::contains_key(&client, &server), Error::<T>::ChannelExists);
			ensure!(deposit >= T::MinChannelDeposit::get(), Error::<T>::DepositTooSmall);
			Self::hold(&client, HoldReason::Prepaid, deposit)?;
			let id = NextChannelId::<T>::mutate(|next| {
				let id = *next;
				*next = next.saturating_add(1);
				id
			});
			let price_per_1k = info.terms.price_per_1k;
			Channels::<T>::insert(
				&client,
				&server,
				Channel {
					id,
					price_per_1k,
					deposit,
					claimed: Zero::zero(),
					claimed_tokens: 0,
					claimed_requests: 0,
					closes_at: None,
				},
			);
			Self::deposit_event(Event::ChannelOpened {
				client,
				server,
				channel: id,
				deposit,
				price_per_1k,
			});
			Ok(())
		}

		/// Add `amount` to the caller's channel with `server`.
		///
		/// Origin: the channel's client. Errors: [`Error::NoChannel`],
		/// [`Error::ChannelClosing`], [`Error::InsufficientBalance`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::top_up())]
		pub fn top_up(
			origin: OriginFor<T>,
			server: T::AccountId,
			amount: BalanceOf<T>,
		) -> DispatchResult {
			let client = ensure_signed(origin)?;
			let mut channel = Channels::<T>::get(&client, &server).ok_or(Error::<T>::NoChannel)?;
			ensure!(channel.closes_at.is_none(), Error::<T>::ChannelClosing);
			Self::hold(&client, HoldReason::Prepaid, amount)?;
			channel.deposit = channel.deposit.saturating_add(amount);
			let deposit = channel.deposit;
			Channels::<T>::insert(&client, &server, channel);
			Self::deposit_event(Event::ChannelToppedUp { client, server, deposit });
			Ok(())
		}

		/// Close the caller's channel with `server`: the server may claim for
		/// [`MarketParams::dispute_window`] more blocks, then [`Pallet::withdraw`] returns the rest.
		/// A channel with a server that has left is settled at once.
		///
		/// Origin: the channel's client. Errors: [`Error::NoChannel`],
		/// [`Error::ChannelClosing`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::close_channel())]
		pub fn close_channel(origin: OriginFor<T>, server: T::AccountId) -> DispatchResult {
			let client = ensure_signed(origin)?;
			let mut channel = Channels::<T>::get(&client, &server).ok_or(Error::<T>::NoChannel)?;
			ensure!(channel.closes_at.is_none(), Error::<T>::ChannelClosing);
			if !Servers::<T>::contains_key(&server) {
				Self::settle_channel(client, server, &channel);
				return Ok(());
			}
			let closes_at = frame_system::Pallet::<T>::block_number()
				.saturating_add(Self::params().dispute_window);
			channel.closes_at = Some(closes_at);
			Channels::<T>::insert(&client, &server, channel);
			Self::deposit_event(Event::ChannelClosing { client, server, closes_at });
			Ok(())
		}

		/// Take back what is left of a closed channel once its dispute window is over.
		///
		/// Origin: the channel's client. Errors: [`Error::NoChannel`],
		/// [`Error::DisputeWindowOpen`] (also when the channel was never closed).
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn withdraw(origin: OriginFor<T>, server: T::AccountId) -> DispatchResult {
			let client = ensure_signed(origin)?;
			let channel = Channels::<T>::get(&client, &server).ok_or(Error::<T>::NoChannel)?;
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(
				channel.closes_at.is_some_and(|closes_at| now > closes_at),
				Error::<T>::DisputeWindowOpen
			);
			Self::settle_channel(client, server, &channel);
			Ok(())
		}

		/// Give up any further claim on `client`'s channel: the client gets the rest at once.
		///
		/// Origin: the channel's server. Errors: [`Error::NoChannel`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn release_channel(origin: OriginFor<T>, client: T::AccountId) -> DispatchResult {
			let server = ensure_signed(origin)?;
			let channel = Channels::<T>::get(&client, &server).ok_or(Error::<T>::NoChannel)?;
			Self::settle_channel(client, server, &channel);
			Ok(())
		}

		/// Be paid for the answers up to `receipt`, signed by the client as `signature`, of
		/// the weights whose blocks (ascending, each with its token count) are `usage` in
		/// model `model`; `batch` is the IPFS file auditors check.
		///
		/// Origin: the receipt's server. Errors: [`Error::NotYourReceipt`],
		/// [`Error::NotServer`], [`Error::NoChannel`], [`Error::WrongChannel`],
		/// [`Error::ChannelClosed`], [`Error::BadSignature`], [`Error::StaleReceipt`],
		/// [`Error::ExceedsDeposit`], [`Error::BadBatch`], [`Error::UsageNotSorted`],
		/// [`Error::StateRootMismatch`], [`Error::UnknownBlock`], [`Error::ClaimTooSmall`],
		/// [`Error::OneClaimPerBlock`], [`Error::TooManyClaims`], [`Error::PaymentFailed`].
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::claim(usage.len() as u32))]
		pub fn claim(
			origin: OriginFor<T>,
			receipt: Receipt<T::AccountId>,
			signature: T::Signature,
			model: ModelIndex,
			usage: UsageOf<T>,
			batch: Cid,
		) -> DispatchResult {
			let server = ensure_signed(origin)?;
			ensure!(receipt.server == server, Error::<T>::NotYourReceipt);
			Self::do_claim(receipt, signature, model, usage, batch)
		}

		/// Join the free tier, holding [`Config::FreeTierDeposit`] until leaving.
		///
		/// Origin: signed. Errors: [`Error::AlreadyFreeUser`], [`Error::InsufficientBalance`].
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::join_free_tier())]
		pub fn join_free_tier(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!FreeUsers::<T>::contains_key(&who), Error::<T>::AlreadyFreeUser);
			let deposit = T::FreeTierDeposit::get();
			Self::hold(&who, HoldReason::FreeTier, deposit)?;
			FreeUsers::<T>::insert(
				&who,
				FreeUser {
					deposit,
					period: Self::free_period(),
					tokens: 0,
					requests: 0,
					by_donor: BoundedVec::new(),
				},
			);
			Self::deposit_event(Event::FreeTierJoined { who, deposit });
			Ok(())
		}

		/// Leave the free tier and take the deposit back. Not in a period with usage: leaving
		/// and joining again must not buy a fresh quota.
		///
		/// Origin: a free-tier user. Errors: [`Error::NotFreeUser`], [`Error::UsedThisPeriod`].
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::leave_free_tier())]
		pub fn leave_free_tier(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let user = FreeUsers::<T>::get(&who).ok_or(Error::<T>::NotFreeUser)?;
			ensure!(
				user.period != Self::free_period() || (user.tokens == 0 && user.requests == 0),
				Error::<T>::UsedThisPeriod
			);
			Self::release(&who, HoldReason::FreeTier, user.deposit);
			FreeUsers::<T>::remove(&who);
			Self::deposit_event(Event::FreeTierLeft { who });
			Ok(())
		}

		/// Count a free-tier user's answers from the caller, a donor, up to `receipt`, signed by
		/// the user as `signature`.
		///
		/// Origin: the receipt's server. Errors: [`Error::NotYourReceipt`],
		/// [`Error::NotServer`], [`Error::NotDonor`], [`Error::NotFreeUser`],
		/// [`Error::WrongPeriod`], [`Error::BadSignature`], [`Error::StaleReceipt`],
		/// [`Error::QuotaExceeded`], [`Error::DonorCapacityExhausted`],
		/// [`Error::TooManyDonors`].
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::report_free_usage())]
		pub fn report_free_usage(
			origin: OriginFor<T>,
			receipt: FreeReceipt<T::AccountId>,
			signature: T::Signature,
		) -> DispatchResult {
			let donor = ensure_signed(origin)?;
			ensure!(receipt.server == donor, Error::<T>::NotYourReceipt);
			Self::do_report_free_usage(receipt, signature)
		}

		/// Commit the caller's verdict on audit `claim` as `commitment`
		/// ([`aiblock_primitives::inference::audit_commitment`]), with
		/// [`Config::AuditorCollateral`] of its stake.
		///
		/// Origin: an auditor of the panel. Errors: [`Error::NoAudit`], [`Error::NotOnPanel`],
		/// [`Error::CommitWindowClosed`], [`Error::AlreadyCommitted`], or the Stake pallet's.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::commit_audit())]
		pub fn commit_audit(
			origin: OriginFor<T>,
			claim: ClaimId,
			commitment: H256,
		) -> DispatchResult {
			let auditor = ensure_signed(origin)?;
			Self::do_commit_audit(claim, auditor, commitment)
		}

		/// Reveal the verdict committed on audit `claim`.
		///
		/// Origin: an auditor of the panel. Errors: [`Error::NoAudit`], [`Error::NotOnPanel`],
		/// [`Error::NotRevealPhase`], [`Error::NotCommitted`], [`Error::AlreadyRevealed`],
		/// [`Error::CommitmentMismatch`].
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::reveal_audit())]
		pub fn reveal_audit(
			origin: OriginFor<T>,
			claim: ClaimId,
			verdict: AuditVerdict,
			salt: H256,
		) -> DispatchResult {
			let auditor = ensure_signed(origin)?;
			Self::do_reveal_audit(claim, auditor, verdict, salt)
		}

		/// Apply audit `claim`'s verdict once its reveal window is over.
		///
		/// Origin: signed (anyone). Errors: [`Error::NoAudit`], [`Error::RevealWindowOpen`].
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::settle_audit())]
		pub fn settle_audit(origin: OriginFor<T>, claim: ClaimId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_settle_audit(claim)
		}

		/// Set the market's settings: how often claims are audited, the audit windows, the
		/// dispute window and the free tier's quotas. Audits already drawn keep their windows,
		/// closing channels their end.
		///
		/// Origin: [`Config::GovernanceOrigin`]. Errors: [`Error::BadParams`] (an audit rate of
		/// 0, an audit window under [`MIN_AUDIT_WINDOW`] blocks, a dispute window of none).
		#[pallet::call_index(15)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(
			origin: OriginFor<T>,
			params: MarketParams<BlockNumberFor<T>>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(Self::params_are_valid(&params), Error::<T>::BadParams);
			Params::<T>::put(params);
			Self::deposit_event(Event::ParamsSet { params });
			Ok(())
		}
	}
}

/// The shortest audit commit or reveal window governance may set, in blocks.
pub const MIN_AUDIT_WINDOW: u32 = 10;

impl<T: Config> Pallet<T> {
	/// The market's settings in force: governance's, or the runtime's defaults.
	pub fn params() -> MarketParams<BlockNumberFor<T>> {
		Params::<T>::get().unwrap_or_else(|| MarketParams {
			audit_one_in: T::AuditOneIn::get(),
			audit_commit_window: T::AuditCommitWindow::get(),
			audit_reveal_window: T::AuditRevealWindow::get(),
			dispute_window: T::DisputeWindow::get(),
			free_tokens_per_period: T::FreeTokensPerPeriod::get(),
			free_requests_per_period: T::FreeRequestsPerPeriod::get(),
		})
	}

	/// Whether `params` are settings: an audit rate of at least 1, audit windows auditors can
	/// act in (an auditor fetches, replays, and waits for its transaction to be final), a
	/// dispute window of a block or more.
	pub fn params_are_valid(params: &MarketParams<BlockNumberFor<T>>) -> bool {
		let least: BlockNumberFor<T> = MIN_AUDIT_WINDOW.into();
		params.audit_one_in >= 1
			&& params.audit_commit_window >= least
			&& params.audit_reveal_window >= least
			&& !params.dispute_window.is_zero()
	}

	/// The audit pot: pays the auditors, receives the audit share of fees and slashes.
	pub fn pot() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// The chain's genesis hash, which every signed receipt covers.
	pub(crate) fn genesis_hash() -> H256 {
		let hash = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		H256::from_slice(hash.as_ref())
	}

	fn check_terms(
		terms: &ServerTerms<BalanceOf<T>>,
		endpoint: &BoundedVec<u8, T::MaxEndpointLen>,
	) -> DispatchResult {
		ensure!(T::Models::model_exists(terms.model), Error::<T>::UnknownModel);
		ensure!(
			!endpoint.is_empty() && core::str::from_utf8(endpoint).is_ok(),
			Error::<T>::InvalidEndpoint
		);
		Ok(())
	}

	pub(crate) fn remove_server(server: &T::AccountId, info: &ServerInfo<T>) {
		T::Stake::release(server, info.collateral);
		Servers::<T>::remove(server);
	}
}
