//! # ValidatorSet pallet
//!
//! Who validates the next sessions, and how long a session lasts. `pallet_session` asks this
//! pallet at every session boundary for the validators of the session after next
//! ([`pallet_session::SessionManager`]) and whether the current session has ended
//! ([`pallet_session::ShouldEndSession`]); this pallet answers from [`Validators`], which only the
//! governance origin and proven offences change.
//!
//! ## Joining
//! An operator first registers its node's session keys (`author_rotateKeys` on the node, then
//! `session.setKeys(keys, 0x)` signed by its account); governance then calls
//! [`Pallet::add_validator`] for that account. The change is planned at the next session boundary
//! and takes effect one session later, when `pallet_session` hands the new keys to Aura and
//! GRANDPA. An account without session keys cannot be added ([`Error::NoSessionKeys`]): it would
//! be skipped by `pallet_session` and leave governance believing it validates. Key rotation needs
//! no governance: `session.setKeys` with new keys takes effect the same way.
//!
//! ## Offences
//! Proven offences reach [`OnOffenceHandler::on_offence`] from `pallet_offences`: GRANDPA
//! equivocations (reported by the node that sees a double vote, checked by `pallet_grandpa`) and
//! Aura equivocations (two blocks sealed for one slot, reported by anyone through
//! [`Pallet::report_aura_equivocation`] and checked in [`equivocation`]), both against the
//! historical session proofs of the offender's key. The offender is disabled at once
//! through [`Config::Disable`] (the runtime lets `pallet_session`'s disabling strategy decide: at
//! most ⌊(n−1)/3⌋ of n validators, so that reports cannot stop block production; a disabled
//! validator may not author, while GRANDPA counts its votes until it leaves) and removed from
//! [`Validators`], unless that would leave fewer than [`Config::MinValidators`]; governance may add
//! it back.
//!
//! ## Known limits
//! - Key-ownership proofs for the current session are built from the keys registered *now*
//!   (`pallet_session::historical`): a validator that rotated its keys during a session cannot be
//!   proven to have equivocated with its old keys until the session is over, when the stored root
//!   of that session is used; and an unchanged set keeps the previous session's root.
//! - An Aura report's slot is not checked against the session of its key-ownership proof: an old
//!   double block of a key that belonged to a validator in a kept session can still be reported.
//!
//! ## Invariants
//! 1. [`Validators`] holds no account twice.
//! 2. [`Validators`] holds at least [`Config::MinValidators`] accounts once the chain has any.
//! 3. [`SessionLength`] is at least [`Config::MinSessionLength`].
//! 4. [`SessionStart`] is not in the future.
//!
//! They are checked in `try_state`, which the unit tests run after every test.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod equivocation;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::{boxed::Box, vec, vec::Vec};
pub use equivocation::{AuraEquivocationOffence, AuraEquivocationProof, IdentificationOf};
use frame_support::{
	dispatch::{DispatchResultWithPostInfo, Pays},
	pallet_prelude::*,
	traits::{EstimateNextSessionRotation, KeyOwnerProofSystem, ValidatorRegistration},
};
use frame_system::pallet_prelude::*;
use sp_runtime::RuntimeAppPublic;
use sp_runtime::{
	traits::{Saturating, Zero},
	Perbill, Permill,
};
use sp_session::{GetSessionNumber, GetValidatorCount};
use sp_staking::{
	offence::{OffenceDetails, OnOffenceHandler, ReportOffence},
	SessionIndex,
};

/// Stops a validator from authoring before the session ends (the runtime asks `pallet_session`,
/// whose disabling strategy refuses beyond ⌊(n−1)/3⌋ of n validators, so none of three or fewer;
/// GRANDPA still counts a disabled validator's votes until it leaves the set).
pub trait DisableValidator<AccountId> {
	fn disable(who: &AccountId);
}

impl<AccountId> DisableValidator<AccountId> for () {
	fn disable(_: &AccountId) {}
}

/// Forgets the proofs of past validator sets (`pallet_session::historical`), which would
/// otherwise grow by one entry per session for ever.
pub trait PruneSessions {
	/// Forget every session before `session`.
	fn prune_up_to(session: SessionIndex);
}

impl PruneSessions for () {
	fn prune_up_to(_: SessionIndex) {}
}

/// What the benchmarks need from the runtime: session keys and key-ownership proofs are the
/// session pallet's, which this pallet only reaches through [`Config::KeyOwnership`].
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<T: Config> {
	/// Give `who` session keys, so that it may be added to the set.
	fn register_keys(who: &T::AccountId);

	/// Make a set of `validators` validators the current session's and [`Validators`], and return
	/// a valid report against one of them: two headers its Aura key sealed for one slot, and the
	/// proof that the key belonged to it in that session (of `validators` members: the proof's
	/// size, and so the check's cost, grows with it).
	fn aura_equivocation(
		validators: u32,
	) -> (equivocation::AuraEquivocationProof<T>, T::KeyOwnerProof);
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The pallet's storage layout version (the first one).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Who may add and remove validators and change the session length (governance).
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Whether an account has registered session keys (`pallet_session`).
		type KeysRegistered: ValidatorRegistration<Self::AccountId>;

		/// Disables an offender at once.
		type Disable: DisableValidator<Self::AccountId>;

		/// Forgets old sessions' validator proofs.
		type History: PruneSessions;

		/// Aura's authority key (what seals blocks).
		type AuraId: Parameter + RuntimeAppPublic;

		/// A proof that a session key belonged to a validator in a given session.
		type KeyOwnerProof: Parameter + GetSessionNumber + GetValidatorCount;

		/// Checks key-ownership proofs (the historical session roots).
		type KeyOwnership: KeyOwnerProofSystem<
			(sp_core::crypto::KeyTypeId, Self::AuraId),
			Proof = Self::KeyOwnerProof,
			IdentificationTuple: Clone,
		>;

		/// Where proven Aura equivocations go (`pallet_offences`, which deduplicates them and
		/// calls this pallet's offence handler).
		type Offences: ReportOffence<
			Self::AccountId,
			IdentificationOf<Self>,
			AuraEquivocationOffence<IdentificationOf<Self>>,
		>;

		/// The most validators a session can have.
		#[pallet::constant]
		type MaxValidators: Get<u32>;

		/// The fewest validators removals may leave (GRANDPA finalises with more than two thirds
		/// of them online).
		#[pallet::constant]
		type MinValidators: Get<u32>;

		/// How many past sessions' validator proofs are kept: an equivocation older than this
		/// can no longer be reported.
		#[pallet::constant]
		type HistoryDepth: Get<SessionIndex>;

		/// How many blocks a session lasts on a chain whose genesis does not say.
		#[pallet::constant]
		type DefaultSessionLength: Get<BlockNumberFor<Self>>;

		/// The shortest session governance may choose (every boundary rebuilds proofs and may
		/// change GRANDPA's authority set).
		#[pallet::constant]
		type MinSessionLength: Get<BlockNumberFor<Self>>;

		/// Weights of the calls, measured by the benchmarks.
		type WeightInfo: WeightInfo;

		/// Session keys and equivocation reports for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self>;
	}

	/// The validators of the next planned session, in the order Aura gives them slots.
	#[pallet::storage]
	pub type Validators<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

	/// Whether [`Validators`] changed since the last session was planned.
	#[pallet::storage]
	pub type SetChanged<T: Config> = StorageValue<_, bool, ValueQuery>;

	#[pallet::type_value]
	pub fn DefaultSessionLength<T: Config>() -> BlockNumberFor<T> {
		T::DefaultSessionLength::get()
	}

	/// How many blocks a session lasts.
	#[pallet::storage]
	pub type SessionLength<T: Config> =
		StorageValue<_, BlockNumberFor<T>, ValueQuery, DefaultSessionLength<T>>;

	/// The block at which the current session started.
	#[pallet::storage]
	pub type SessionStart<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The first validators (each needs its keys in `session.keys` of the same genesis).
		pub validators: Vec<T::AccountId>,
		/// Blocks per session, at least [`Config::MinSessionLength`]; `None` keeps
		/// [`Config::DefaultSessionLength`].
		pub session_length: Option<BlockNumberFor<T>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			// A chain spec with bad values must not start a chain that cannot rotate sessions.
			if let Some(length) = self.session_length {
				assert!(
					length >= T::MinSessionLength::get(),
					"validatorSet.sessionLength is shorter than MinSessionLength"
				);
				SessionLength::<T>::put(length);
			}
			// Sorted first: `dedup` only removes neighbours.
			let mut distinct = self.validators.clone();
			distinct.sort();
			distinct.dedup();
			assert_eq!(
				distinct.len(),
				self.validators.len(),
				"validatorSet lists a validator twice"
			);
			let validators = BoundedVec::<_, T::MaxValidators>::try_from(self.validators.clone())
				.expect("validatorSet lists more validators than MaxValidators");
			Validators::<T>::put(validators);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `who` validates from the session after next.
		ValidatorAdded { who: T::AccountId },
		/// `who` stops validating from the session after next.
		ValidatorRemoved { who: T::AccountId },
		/// `who` committed a proven offence in `session`: removed from the next set (and disabled
		/// if the disabling strategy allowed it).
		OffenderRemoved { who: T::AccountId, session: SessionIndex },
		/// `who` committed a proven offence in `session`: kept because removing it would leave
		/// fewer than `MinValidators` (disabled if the disabling strategy allowed it).
		OffenderKept { who: T::AccountId, session: SessionIndex },
		/// Session `session` will have `validators` validators (the set changed).
		NewSetPlanned { session: SessionIndex, validators: u32 },
		/// Sessions last `blocks` blocks from the next boundary on.
		SessionLengthSet { blocks: BlockNumberFor<T> },
		/// An Aura equivocation (two blocks sealed for `slot`) was proven and reported.
		AuraEquivocationReported { offender: T::AuraId, slot: u64, reporter: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account already validates.
		AlreadyValidator,
		/// The account does not validate.
		NotValidator,
		/// The account has no session keys (`session.setKeys`).
		NoSessionKeys,
		/// The set holds `MaxValidators` already.
		TooManyValidators,
		/// Removing the account would leave fewer than `MinValidators`.
		TooFewValidators,
		/// The session length is below `MinSessionLength`.
		SessionTooShort,
		/// The headers are not two different blocks the offender sealed for the proof's slot.
		InvalidEquivocationProof,
		/// The key-ownership proof does not show the offender's key in a kept session.
		InvalidKeyOwnershipProof,
		/// This offence was reported already.
		DuplicateOffenceReport,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MinValidators::get() >= 1, "MinValidators must be at least 1");
			assert!(T::MinValidators::get() <= T::MaxValidators::get(), "MinValidators > Max");
			assert!(!T::MinSessionLength::get().is_zero(), "MinSessionLength must be at least 1");
			assert!(
				T::DefaultSessionLength::get() >= T::MinSessionLength::get(),
				"DefaultSessionLength is shorter than MinSessionLength"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Add `who` to the validators from the session after next.
		///
		/// Origin: [`Config::GovernanceOrigin`]. Errors: [`Error::AlreadyValidator`],
		/// [`Error::NoSessionKeys`] (register keys with `session.setKeys` first),
		/// [`Error::TooManyValidators`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::add_validator())]
		pub fn add_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let mut validators = Validators::<T>::get();
			ensure!(!validators.contains(&who), Error::<T>::AlreadyValidator);
			ensure!(T::KeysRegistered::is_registered(&who), Error::<T>::NoSessionKeys);
			validators.try_push(who.clone()).map_err(|_| Error::<T>::TooManyValidators)?;
			Validators::<T>::put(validators);
			SetChanged::<T>::put(true);
			Self::deposit_event(Event::ValidatorAdded { who });
			Ok(())
		}

		/// Remove `who` from the validators from the session after next.
		///
		/// Origin: [`Config::GovernanceOrigin`]. Errors: [`Error::NotValidator`],
		/// [`Error::TooFewValidators`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_validator())]
		pub fn remove_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let mut validators = Validators::<T>::get();
			let at = validators.iter().position(|v| v == &who).ok_or(Error::<T>::NotValidator)?;
			ensure!(
				validators.len() as u32 > T::MinValidators::get(),
				Error::<T>::TooFewValidators
			);
			validators.remove(at);
			Validators::<T>::put(validators);
			SetChanged::<T>::put(true);
			Self::deposit_event(Event::ValidatorRemoved { who });
			Ok(())
		}

		/// Let sessions last `blocks` blocks, counted from the current session's start.
		///
		/// Origin: [`Config::GovernanceOrigin`]. Errors: [`Error::SessionTooShort`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_session_length())]
		pub fn set_session_length(
			origin: OriginFor<T>,
			blocks: BlockNumberFor<T>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(blocks >= T::MinSessionLength::get(), Error::<T>::SessionTooShort);
			SessionLength::<T>::put(blocks);
			Self::deposit_event(Event::SessionLengthSet { blocks });
			Ok(())
		}

		/// Report an Aura equivocation: `equivocation_proof` holds two different headers its
		/// offender sealed for one slot, `key_owner_proof` shows the offender's key belonged to a
		/// validator (from `session.historical` proofs, e.g. `Historical::prove` in a runtime
		/// API or a node's RPC `state_call`) in a session still kept.
		///
		/// Origin: signed (the reporter). Free when the report takes the offender out of the set;
		/// otherwise (a failed report, an offender already out or kept) the fee is paid, so that
		/// nobody can fill blocks with reports for nothing. Each header must be at most
		/// [`equivocation::MAX_HEADER_BYTES`] long and carry one Aura slot.
		/// Errors: [`Error::InvalidEquivocationProof`], [`Error::InvalidKeyOwnershipProof`],
		/// [`Error::DuplicateOffenceReport`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::report_aura_equivocation(key_owner_proof.validator_count()))]
		pub fn report_aura_equivocation(
			origin: OriginFor<T>,
			equivocation_proof: Box<AuraEquivocationProof<T>>,
			key_owner_proof: T::KeyOwnerProof,
		) -> DispatchResultWithPostInfo {
			let reporter = ensure_signed(origin)?;
			equivocation::check::<T>(&equivocation_proof)?;
			let session_index = key_owner_proof.session();
			let validator_set_count = key_owner_proof.validator_count();
			let key = (<T::AuraId as RuntimeAppPublic>::ID, equivocation_proof.offender.clone());
			let offender = T::KeyOwnership::check_proof(key, key_owner_proof)
				.ok_or(Error::<T>::InvalidKeyOwnershipProof)?;
			let offence = AuraEquivocationOffence {
				slot: equivocation_proof.slot,
				session_index,
				validator_set_count,
				offender,
			};
			let validators_before = Validators::<T>::decode_len().unwrap_or(0);
			T::Offences::report_offence(vec![reporter.clone()], offence)
				.map_err(|_| Error::<T>::DuplicateOffenceReport)?;
			Self::deposit_event(Event::AuraEquivocationReported {
				offender: equivocation_proof.offender,
				slot: *equivocation_proof.slot,
				reporter,
			});
			// Free only when the report took the offender out: an offender already out (or kept
			// as one of the last validators) could otherwise report its own double blocks, one
			// slot at a time, and fill blocks for nothing.
			let removed = Validators::<T>::decode_len().unwrap_or(0) < validators_before;
			Ok(if removed { Pays::No } else { Pays::Yes }.into())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The validators of the next planned session.
	pub fn validators() -> Vec<T::AccountId> {
		Validators::<T>::get().into_inner()
	}

	/// The block at which the current session ends.
	pub fn session_end() -> BlockNumberFor<T> {
		SessionStart::<T>::get().saturating_add(SessionLength::<T>::get())
	}

	/// Disable an offender and remove it from the set if enough validators remain.
	fn punish(who: &T::AccountId, session: SessionIndex) {
		T::Disable::disable(who);
		let mut validators = Validators::<T>::get();
		let Some(at) = validators.iter().position(|v| v == who) else {
			// Already removed for this or an earlier report.
			return;
		};
		if validators.len() as u32 > T::MinValidators::get() {
			validators.remove(at);
			Validators::<T>::put(validators);
			SetChanged::<T>::put(true);
			Self::deposit_event(Event::OffenderRemoved { who: who.clone(), session });
		} else {
			Self::deposit_event(Event::OffenderKept { who: who.clone(), session });
		}
	}

	/// Checks the invariants (see the crate docs).
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let validators = Validators::<T>::get();
		let mut sorted = validators.clone().into_inner();
		sorted.sort();
		sorted.dedup();
		ensure!(sorted.len() == validators.len(), "a validator is listed twice");
		ensure!(
			validators.is_empty() || validators.len() as u32 >= T::MinValidators::get(),
			"fewer validators than MinValidators"
		);
		ensure!(
			SessionLength::<T>::get() >= T::MinSessionLength::get(),
			"the session length is below MinSessionLength"
		);
		ensure!(
			SessionStart::<T>::get() <= frame_system::Pallet::<T>::block_number(),
			"the session starts in the future"
		);
		Ok(())
	}
}

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	/// The set for session `index`, when it changed since the last plan (`None` keeps the set:
	/// GRANDPA then keeps its authority set id).
	fn new_session(index: SessionIndex) -> Option<Vec<T::AccountId>> {
		if !SetChanged::<T>::take() {
			return None;
		}
		let validators = Self::validators();
		Self::deposit_event(Event::NewSetPlanned {
			session: index,
			validators: validators.len() as u32,
		});
		Some(validators)
	}

	/// The genesis sets are always given, so that the historical proofs start at session 0.
	fn new_session_genesis(_: SessionIndex) -> Option<Vec<T::AccountId>> {
		let validators = Self::validators();
		(!validators.is_empty()).then_some(validators)
	}

	fn start_session(index: SessionIndex) {
		SessionStart::<T>::put(frame_system::Pallet::<T>::block_number());
		if let Some(oldest_kept) = index.checked_sub(T::HistoryDepth::get()) {
			T::History::prune_up_to(oldest_kept);
		}
	}

	fn end_session(_: SessionIndex) {}
}

impl<T: Config> pallet_session::ShouldEndSession<BlockNumberFor<T>> for Pallet<T> {
	fn should_end_session(now: BlockNumberFor<T>) -> bool {
		now >= Self::session_end()
	}
}

impl<T: Config> EstimateNextSessionRotation<BlockNumberFor<T>> for Pallet<T> {
	fn average_session_length() -> BlockNumberFor<T> {
		SessionLength::<T>::get()
	}

	fn estimate_current_session_progress(now: BlockNumberFor<T>) -> (Option<Permill>, Weight) {
		let length = SessionLength::<T>::get();
		let elapsed = now.saturating_sub(SessionStart::<T>::get()).min(length);
		let progress =
			if length.is_zero() { Permill::one() } else { Permill::from_rational(elapsed, length) };
		(Some(progress), T::DbWeight::get().reads(2))
	}

	fn estimate_next_session_rotation(_: BlockNumberFor<T>) -> (Option<BlockNumberFor<T>>, Weight) {
		(Some(Self::session_end()), T::DbWeight::get().reads(2))
	}
}

/// Offenders are identified by their account (and whatever full identification the historical
/// proofs carry, unused here).
impl<T: Config, Identification>
	OnOffenceHandler<T::AccountId, (T::AccountId, Identification), Weight> for Pallet<T>
{
	fn on_offence(
		offenders: &[OffenceDetails<T::AccountId, (T::AccountId, Identification)>],
		_slash_fraction: &[Perbill],
		session: SessionIndex,
	) -> Weight {
		for details in offenders {
			Self::punish(&details.offender.0, session);
		}
		T::WeightInfo::punish_offender().saturating_mul(offenders.len() as u64)
	}
}
