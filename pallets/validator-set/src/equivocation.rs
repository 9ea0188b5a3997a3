//! Aura equivocations: an authority that seals two different blocks for the same slot.
//!
//! `pallet_aura` has no report of its own (BABE and GRANDPA do). Anyone holding the two headers
//! (a node logs "Slot author is equivocating" when it imports both) submits them with a proof that
//! the sealing key belonged to a validator in a recent session ([`crate::Call::report_aura_equivocation`]).
//! The report is checked here, deduplicated by `pallet_offences` per (offender, slot), and the
//! offence reaches this pallet's offence handler like a GRANDPA equivocation.

use crate::{Config, Error};
use alloc::{vec, vec::Vec};
use codec::{Decode, Encode};
use frame_support::traits::KeyOwnerProofSystem;
use frame_system::pallet_prelude::HeaderFor;
use sp_consensus_aura::AURA_ENGINE_ID;
use sp_consensus_slots::Slot;
use sp_runtime::{traits::Zero, DigestItem, Perbill, RuntimeAppPublic};
use sp_staking::{offence::Offence, SessionIndex};

/// Two headers `offender` sealed for `slot`.
pub type AuraEquivocationProof<T> =
	sp_consensus_slots::EquivocationProof<HeaderFor<T>, <T as Config>::AuraId>;

/// Who a checked report blames, as the key-ownership proof identifies it.
pub type IdentificationOf<T> = <<T as Config>::KeyOwnership as KeyOwnerProofSystem<(
	sp_core::crypto::KeyTypeId,
	<T as Config>::AuraId,
)>>::IdentificationTuple;

/// An Aura equivocation as `pallet_offences` records it.
#[derive(Clone, Debug, Encode, Decode, PartialEq, Eq)]
pub struct AuraEquivocationOffence<Offender> {
	/// The slot sealed twice: offences of one offender in one slot are one offence.
	pub slot: Slot,
	/// The session of the key-ownership proof.
	pub session_index: SessionIndex,
	/// How many validators that session had.
	pub validator_set_count: u32,
	/// The validator whose key sealed both headers.
	pub offender: Offender,
}

impl<Offender: Clone> Offence<Offender> for AuraEquivocationOffence<Offender> {
	const ID: sp_staking::offence::Kind = *b"aura:equivocatio";
	type Slot = Slot;

	fn offenders(&self) -> Vec<Offender> {
		vec![self.offender.clone()]
	}

	fn session_index(&self) -> SessionIndex {
		self.session_index
	}

	fn validator_set_count(&self) -> u32 {
		self.validator_set_count
	}

	fn slot(&self) -> Slot {
		self.slot
	}

	/// BABE's and GRANDPA's rule: (3k/n)², so that a lone equivocation (a misconfigured node run
	/// twice) costs little and a coordinated one (a third of the set) costs everything. This
	/// chain's handler removes offenders and does not slash; the fraction is recorded for a
	/// handler that will.
	fn slash_fraction(&self, offenders_count: u32) -> Perbill {
		if self.validator_set_count.is_zero() {
			return Perbill::zero();
		}
		let x = Perbill::from_rational(3 * offenders_count, self.validator_set_count);
		x.square()
	}
}

/// The most bytes a reported header may take: an honest Aura header (number, three hashes, a
/// pre-runtime slot and a seal, plus a few runtime digests) is far below it, and a report is not
/// a way to store data for free.
pub const MAX_HEADER_BYTES: usize = 1_024;

/// The slot a header claims: its one Aura pre-runtime digest (a node refuses a header with two).
fn slot_of<H: sp_runtime::traits::Header>(header: &H) -> Option<Slot> {
	let mut slots = header
		.digest()
		.logs()
		.iter()
		.filter_map(|item| item.pre_runtime_try_to::<Slot>(&AURA_ENGINE_ID));
	match (slots.next(), slots.next()) {
		(Some(slot), None) => Some(slot),
		_ => None,
	}
}

/// The hash the author signed when `key` sealed `header`: the last digest item is an Aura seal
/// over the hash of the header without it. `None` when it is not such a seal.
fn signed_pre_hash<H: sp_runtime::traits::Header, Id: RuntimeAppPublic>(
	header: &H,
	key: &Id,
) -> Option<H::Hash> {
	let mut unsealed = header.clone();
	let seal = unsealed.digest_mut().pop()?;
	let DigestItem::Seal(engine, _) = &seal else { return None };
	if engine != &AURA_ENGINE_ID {
		return None;
	}
	let signature = seal.seal_try_to::<Id::Signature>(&AURA_ENGINE_ID)?;
	let pre_hash = unsealed.hash();
	key.verify(&pre_hash, &signature).then_some(pre_hash)
}

/// Checks that `proof` shows its offender sealing two different blocks for its slot.
pub fn check<T: Config>(proof: &AuraEquivocationProof<T>) -> Result<(), Error<T>> {
	let (first, second) = (&proof.first_header, &proof.second_header);
	let small =
		first.encoded_size() <= MAX_HEADER_BYTES && second.encoded_size() <= MAX_HEADER_BYTES;
	let both_in_slot = slot_of(first) == Some(proof.slot) && slot_of(second) == Some(proof.slot);
	let signed =
		(signed_pre_hash(first, &proof.offender), signed_pre_hash(second, &proof.offender));
	// Two different blocks: two different signed contents, not one block with two seals.
	let two_blocks = matches!(signed, (Some(a), Some(b)) if a != b);
	if small && both_in_slot && two_blocks {
		Ok(())
	} else {
		Err(Error::<T>::InvalidEquivocationProof)
	}
}
