//! Storage migrations of the Evolution pallet.

use super::*;
use frame_support::{migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade};

/// Version 1: a migration names a held-out dataset, a benchmark carries the parent's held-out
/// score, the benchmarking phase its replay seed, and the parent's blocks are pinned when
/// training starts ([`ParentBlocks`]). An epoch of version 0 cannot go on under these rules:
/// it is closed, every credit locked for it returned, and the next epoch opens.
pub mod v1 {
	use super::*;
	use aiblock_primitives::jobs::{HyperParams, JobDatasets};

	/// A migration as version 0 stored it: no held-out dataset.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	pub struct OldMigration {
		pub growth: Growth,
		pub seed: u64,
		pub steps: u32,
		pub hyper: HyperParams,
		pub datasets: JobDatasets,
	}

	/// A proposal as version 0 stored it.
	#[derive(Encode, Decode, CloneNoBound, PartialEqNoBound, DebugNoBound, TypeInfo)]
	#[scale_info(skip_type_params(T))]
	pub struct OldProposal<T: Config> {
		pub proposer: T::AccountId,
		pub epoch: EpochIndex,
		pub parent: ModelIndex,
		pub migration: OldMigration,
		pub spec: ModelSpec,
		pub deposit: Credits,
		pub endorsements: BoundedVec<(T::AccountId, Credits), T::MaxEndorsements>,
		pub backing: Credits,
	}

	/// The phases as version 0 stored them: benchmarking without a seed.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	pub enum OldPhase<AccountId, BlockNumber> {
		Proposing,
		Reserving { proposal: ProposalId },
		Training { proposal: ProposalId, trainer: AccountId },
		Benchmarking { proposal: ProposalId, trainer: AccountId, commit_until: BlockNumber },
		Cleanup { outcome: Outcome },
	}

	/// The epoch as version 0 stored it.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	pub struct OldEpoch<AccountId, BlockNumber> {
		pub index: EpochIndex,
		pub phase: OldPhase<AccountId, BlockNumber>,
		pub until: BlockNumber,
	}

	pub mod old {
		use super::*;

		#[frame_support::storage_alias]
		pub type Epoch<T: Config> = StorageValue<
			Pallet<T>,
			OldEpoch<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>,
			OptionQuery,
		>;

		#[frame_support::storage_alias]
		pub type Proposals<T: Config> =
			StorageMap<Pallet<T>, Twox64Concat, ProposalId, OldProposal<T>, OptionQuery>;
	}

	/// Close the epoch under way: return every proposal's deposit and endorsements and every
	/// bid, drop its candidate and panel, and open the next epoch at once.
	pub struct VersionUncheckedMigrateV0ToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for VersionUncheckedMigrateV0ToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut unlocks = 0u64;
			let mut proposals = 0u64;
			for (_, proposal) in old::Proposals::<T>::drain() {
				proposals += 1;
				T::Credits::unlock(&proposal.proposer, proposal.deposit);
				for (who, credits) in proposal.endorsements {
					T::Credits::unlock(&who, credits);
					unlocks += 1;
				}
				unlocks += 1;
			}
			for (who, credits) in Bids::<T>::take() {
				T::Credits::unlock(&who, credits);
				unlocks += 1;
			}
			Open::<T>::kill();
			Candidate::<T>::kill();
			Panel::<T>::kill();
			let next = old::Epoch::<T>::take().map_or(0, |epoch| epoch.index.saturating_add(1));
			Pallet::<T>::open_epoch(next, frame_system::Pallet::<T>::block_number());
			// The epoch, the lists, each proposal read and removed, each unlock (its account).
			T::DbWeight::get().reads_writes(
				5u64.saturating_add(proposals).saturating_add(unlocks),
				6u64.saturating_add(proposals).saturating_add(unlocks),
			)
		}

		/// The credits locked before: what must all be free after.
		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			let mut locked: alloc::vec::Vec<(T::AccountId, Credits)> = alloc::vec::Vec::new();
			for (_, proposal) in old::Proposals::<T>::iter() {
				locked.push((proposal.proposer, proposal.deposit));
				locked.extend(proposal.endorsements);
			}
			locked.extend(Bids::<T>::get());
			Ok(locked.encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let _locked: alloc::vec::Vec<(T::AccountId, Credits)> = Decode::decode(&mut &state[..])
				.map_err(|_| "the pre-upgrade locks do not decode")?;
			ensure!(
				matches!(Epoch::<T>::get().map(|e| e.phase), Some(Phase::Proposing)),
				"the next epoch is open"
			);
			ensure!(Proposals::<T>::iter().next().is_none(), "no proposal is left");
			Pallet::<T>::do_try_state()
		}
	}

	/// [`VersionUncheckedMigrateV0ToV1`], run only at storage version 0, which it sets to 1.
	pub type MigrateV0ToV1<T> = VersionedMigration<
		0,
		1,
		VersionUncheckedMigrateV0ToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
