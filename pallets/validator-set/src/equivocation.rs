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
use sp_runtime::{
	traits::{Header as _, Zero},
	DigestItem, Perbill, RuntimeAppPublic,
};
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

/// The slot a header claims (its Aura pre-runtime digest).
fn slot_of<H: sp_runtime::traits::Header>(header: &H) -> Option<Slot> {
	header.digest().logs().iter().find_map(|item| item.pre_runtime_try_to::<Slot>(&AURA_ENGINE_ID))
}

/// Whether `key` sealed `header`: the last digest item is an Aura seal over the hash of the
/// header without it (what the block author signs).
fn sealed_by<H: sp_runtime::traits::Header, Id: RuntimeAppPublic>(header: &H, key: &Id) -> bool {
	let mut unsealed = header.clone();
	let Some(seal) = unsealed.digest_mut().pop() else { return false };
	let DigestItem::Seal(engine, _) = &seal else { return false };
	if engine != &AURA_ENGINE_ID {
		return false;
	}
	let Some(signature) = seal.seal_try_to::<Id::Signature>(&AURA_ENGINE_ID) else {
		return false;
	};
	key.verify(&unsealed.hash(), &signature)
}

/// Checks that `proof` shows its offender sealing two different headers for its slot.
pub fn check<T: Config>(proof: &AuraEquivocationProof<T>) -> Result<(), Error<T>> {
	let (first, second) = (&proof.first_header, &proof.second_header);
	let both_in_slot = slot_of(first) == Some(proof.slot) && slot_of(second) == Some(proof.slot);
	let different = first.hash() != second.hash();
	let both_sealed = sealed_by(first, &proof.offender) && sealed_by(second, &proof.offender);
	if both_in_slot && different && both_sealed {
		Ok(())
	} else {
		Err(Error::<T>::InvalidEquivocationProof)
	}
}
