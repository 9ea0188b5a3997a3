//! # Workers pallet
//!
//! The registry of the GPU and CPU workers that train and evaluate experts, and of how far each
//! can be trusted.
//!
//! ## Registration
//! [`Pallet::register_worker`] declares a worker's hardware ([`WorkerCapabilities`]), its
//! [`Roles`] (trainer, evaluator, auditor; any combination) and an endpoint where it can be
//! reached. It needs at least [`Config::MinWorkerBond`] of active stake in the Stake pallet; a
//! worker whose stake later falls below it (unbonded or slashed) stops counting as active until
//! it bonds again. [`Pallet::update_worker`] changes the declaration, [`Pallet::deregister_worker`]
//! leaves (refused while a job still counts on the worker, see [`Config::Assignments`]).
//!
//! ## Liveness
//! A worker proves it is alive with [`Pallet::heartbeat`]. One that has not sent a heartbeat for
//! [`Config::HeartbeatTimeout`] blocks is no longer active: every query checks the timeout itself,
//! and an `on_idle` sweep, bounded by the block's spare weight and [`Config::MaxSweepPerBlock`],
//! marks such workers offline and takes them off the per-role lists jobs draw from. A heartbeat
//! brings an offline worker back.
//!
//! A worker whose active stake fell below [`Config::MinWorkerBond`] (it unbonded, or was
//! slashed) leaves the lists the same way, at its next heartbeat, declaration change or sweep:
//! otherwise accounts that unbonded but keep sending heartbeats would fill the lists and starve
//! evaluator draws of bonded workers.
//!
//! ## Reputation, trust and quotas
//! The pallets that judge work report each verdict through
//! [`aiblock_primitives::workers::WorkerRegistry::record_outcome`]. A newbie becomes trusted after
//! [`Config::SuccessesToTrust`] consecutive successes and falls back after
//! [`Config::FailuresToDemote`] consecutive failures. Each trust level has a quota of assignments
//! per [`Config::QuotaPeriod`] blocks (a "day"), which the assigning pallet spends through
//! `use_quota`.
//!
//! ## Invariants
//! 1. Every account on the list of a role is registered, online and has that role, once.
//! 2. Every registered online worker is on the list of each of its roles.
//! 3. Consecutive counters never exceed the totals they are part of.
//! 4. [`TrainerVram`] counts, for each amount of GPU memory, the trainers on the trainer list
//!    that declared it; it holds no zero count and is sorted by memory.
//!
//! They are checked in `try_state`, which the unit tests run after every test.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub mod migrations;
mod registry;

use aiblock_primitives::{
	stake::StakeInspect,
	workers::{AssignmentsInspect, ComputeSpec, QuotaUsage, Reputation, Role, Roles, TrustLevel},
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::*, storage::bounded_vec::BoundedVec};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_runtime::traits::Saturating;

/// The stake balance type.
pub type StakeBalanceOf<T> =
	<<T as Config>::Stake as StakeInspect<<T as frame_system::Config>::AccountId>>::Balance;

/// The hardware a worker declares.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	TypeInfo,
	MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxModelLen))]
#[codec(mel_bound())]
pub struct WorkerCapabilities<MaxModelLen: Get<u32>> {
	/// GPU model as UTF-8, e.g. `NVIDIA H100 80GB HBM3`; empty for a CPU-only worker.
	pub gpu_model: BoundedVec<u8, MaxModelLen>,
	/// The numbers jobs are matched against.
	pub spec: ComputeSpec,
}

/// Capabilities with this runtime's bound.
pub type CapabilitiesOf<T> = WorkerCapabilities<<T as Config>::MaxGpuModelLen>;
/// Endpoint with this runtime's bound.
pub type EndpointOf<T> = BoundedVec<u8, <T as Config>::MaxEndpointLen>;

/// An entry of a role list: a worker, and the block it joined the list (draws only count
/// workers that were listed before the work they judge was submitted).
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Listed<AccountId, BlockNumber> {
	pub who: AccountId,
	pub since: BlockNumber,
}

/// A role list with this runtime's types and bound.
pub type RoleListOf<T> = BoundedVec<
	Listed<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>,
	<T as Config>::MaxWorkersPerRole,
>;

/// `(GPU memory in GiB, trainers on the trainer list that declared it)`.
pub type VramCount = (u32, u32);

/// A registered worker.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
#[scale_info(skip_type_params(T))]
pub struct WorkerInfo<T: Config> {
	pub capabilities: CapabilitiesOf<T>,
	pub roles: Roles,
	/// Where the worker serves (UTF-8: a URL or multiaddr).
	pub endpoint: EndpointOf<T>,
	pub registered_at: BlockNumberFor<T>,
	pub last_heartbeat: BlockNumberFor<T>,
	/// Cleared by the liveness sweep, set again by a heartbeat.
	pub online: bool,
	pub reputation: Reputation,
	pub quota: QuotaUsage,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// Version 1: role lists record when each worker joined, and trainers' memory is counted
	/// ([`migrations::v1`]).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Where stake is bonded (the Stake pallet).
		type Stake: StakeInspect<Self::AccountId>;

		/// Active stake a worker needs to register and to count as active.
		#[pallet::constant]
		type MinWorkerBond: Get<StakeBalanceOf<Self>>;

		/// Blocks without a heartbeat after which a worker is offline.
		#[pallet::constant]
		type HeartbeatTimeout: Get<BlockNumberFor<Self>>;

		/// Longest GPU model name, in bytes.
		#[pallet::constant]
		type MaxGpuModelLen: Get<u32>;

		/// Longest endpoint, in bytes.
		#[pallet::constant]
		type MaxEndpointLen: Get<u32>;

		/// Most online workers per role; registering beyond it is refused.
		#[pallet::constant]
		type MaxWorkersPerRole: Get<u32>;

		/// Most workers the liveness sweep looks at in one block (at most `MaxWorkersPerRole`).
		#[pallet::constant]
		type MaxSweepPerBlock: Get<u32>;

		/// Length of a quota period ("day") in blocks.
		#[pallet::constant]
		type QuotaPeriod: Get<BlockNumberFor<Self>>;

		/// Assignments per period for a newbie.
		#[pallet::constant]
		type NewbieQuota: Get<u32>;

		/// Assignments per period for a trusted worker.
		#[pallet::constant]
		type TrustedQuota: Get<u32>;

		/// Consecutive successes that make a newbie trusted.
		#[pallet::constant]
		type SuccessesToTrust: Get<u32>;

		/// Consecutive failures that make a trusted worker a newbie again.
		#[pallet::constant]
		type FailuresToDemote: Get<u32>;

		/// Which workers are in the middle of a job (they may not deregister).
		type Assignments: AssignmentsInspect<Self::AccountId>;

		/// Weights of this pallet's calls and hook.
		type WeightInfo: WeightInfo;

		/// Sets up stake for benchmarked workers.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Every registered worker.
	#[pallet::storage]
	pub type Workers<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, WorkerInfo<T>, OptionQuery>;

	/// The online workers of each role, in the order they joined: what jobs draw from.
	#[pallet::storage]
	pub type OnlineByRole<T: Config> = StorageMap<_, Twox64Concat, Role, RoleListOf<T>, ValueQuery>;

	/// How many listed trainers declared each amount of GPU memory (GiB), sorted by memory: tells
	/// the Jobs pallet whether anyone could take a job that needs so much memory. Each entry has
	/// at least one trainer on the list behind it, so the list's bound bounds it.
	#[pallet::storage]
	pub type TrainerVram<T: Config> =
		StorageValue<_, BoundedVec<VramCount, T::MaxWorkersPerRole>, ValueQuery>;

	/// Where the liveness sweep continues (a raw key of [`Workers`]); `None` starts over.
	#[pallet::storage]
	pub type SweepCursor<T: Config> = StorageValue<_, BoundedVec<u8, ConstU32<256>>, OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A worker registered.
		WorkerRegistered { who: T::AccountId, roles: Roles, spec: ComputeSpec },
		/// A worker changed its declaration.
		WorkerUpdated { who: T::AccountId, roles: Roles, spec: ComputeSpec },
		/// A worker left the registry.
		WorkerDeregistered { who: T::AccountId },
		/// An offline worker sent a heartbeat and is back.
		WorkerOnline { who: T::AccountId },
		/// A worker missed its heartbeats and is offline.
		WorkerOffline { who: T::AccountId },
		/// A worker's active stake is below `MinWorkerBond`: it is offline until it bonds again
		/// and sends a heartbeat.
		WorkerUnbonded { who: T::AccountId },
		/// A verdict on a worker's work was recorded.
		OutcomeRecorded { who: T::AccountId, outcome: aiblock_primitives::workers::Outcome },
		/// A worker's trust level changed.
		TrustChanged { who: T::AccountId, trust: TrustLevel },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a registered worker.
		AlreadyRegistered,
		/// The account is not a registered worker.
		NotRegistered,
		/// At least one role is required.
		NoRoles,
		/// The active stake is below `MinWorkerBond`: bond more in the Stake pallet first.
		InsufficientBond,
		/// The list of online workers of one of the roles is full.
		TooManyWorkers,
		/// A job still counts on this worker.
		HasActiveAssignments,
		/// The GPU model is not UTF-8.
		InvalidGpuModel,
		/// The endpoint is empty or not UTF-8.
		InvalidEndpoint,
		/// VRAM without a GPU, a GPU without VRAM, or no CPU core.
		InconsistentCapabilities,
		/// The worker's quota for this period is spent.
		QuotaExhausted,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register the caller as a worker with `capabilities`, `roles` and `endpoint`.
		///
		/// Requires `MinWorkerBond` of active stake. The worker starts online, as a newbie.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_worker().saturating_add(Pallet::<T>::census_weight()))]
		pub fn register_worker(
			origin: OriginFor<T>,
			capabilities: CapabilitiesOf<T>,
			roles: Roles,
			endpoint: EndpointOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!Workers::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
			Self::validate(&capabilities, roles, &endpoint)?;
			ensure!(Self::has_min_bond(&who), Error::<T>::InsufficientBond);
			Self::join_lists(&who, roles, capabilities.spec.vram_gib)?;
			let now = frame_system::Pallet::<T>::block_number();
			let spec = capabilities.spec;
			Workers::<T>::insert(
				&who,
				WorkerInfo {
					capabilities,
					roles,
					endpoint,
					registered_at: now,
					last_heartbeat: now,
					online: true,
					reputation: Reputation::default(),
					quota: QuotaUsage::default(),
				},
			);
			Self::deposit_event(Event::WorkerRegistered { who, roles, spec });
			Ok(())
		}

		/// Replace the caller's capabilities, roles and endpoint. Reputation and quota are kept.
		/// A worker below `MinWorkerBond` is updated and goes offline (`WorkerUnbonded`).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update_worker().saturating_add(Pallet::<T>::census_weight()))]
		pub fn update_worker(
			origin: OriginFor<T>,
			capabilities: CapabilitiesOf<T>,
			roles: Roles,
			endpoint: EndpointOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Workers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			Self::validate(&capabilities, roles, &endpoint)?;
			let spec = capabilities.spec;
			if info.online && !Self::has_min_bond(&who) {
				Self::go_offline(&who, &mut info, Event::WorkerUnbonded { who: who.clone() });
			}
			if info.online {
				let old_vram = info.capabilities.spec.vram_gib;
				Self::join_lists(&who, roles.without(info.roles), spec.vram_gib)?;
				Self::leave_lists(&[(who.clone(), info.roles.without(roles), old_vram)]);
				if info.roles.has(Role::Trainer) && roles.has(Role::Trainer) {
					Self::count_trainer_vram(old_vram, false);
					Self::count_trainer_vram(spec.vram_gib, true);
				}
			}
			info.capabilities = capabilities;
			info.roles = roles;
			info.endpoint = endpoint;
			Workers::<T>::insert(&who, info);
			Self::deposit_event(Event::WorkerUpdated { who, roles, spec });
			Ok(())
		}

		/// Prove the caller is alive. Brings an offline worker back online, if it still has the
		/// minimum bond. An online worker below the minimum bond goes offline instead
		/// (`WorkerUnbonded`); the call succeeds so that this is recorded.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::heartbeat().saturating_add(Pallet::<T>::census_weight()))]
		pub fn heartbeat(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Workers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			if info.online && !Self::has_min_bond(&who) {
				Self::go_offline(&who, &mut info, Event::WorkerUnbonded { who: who.clone() });
				Workers::<T>::insert(&who, info);
				return Ok(());
			}
			if !info.online {
				ensure!(Self::has_min_bond(&who), Error::<T>::InsufficientBond);
				Self::join_lists(&who, info.roles, info.capabilities.spec.vram_gib)?;
				info.online = true;
				Self::deposit_event(Event::WorkerOnline { who: who.clone() });
			}
			info.last_heartbeat = frame_system::Pallet::<T>::block_number();
			Workers::<T>::insert(&who, info);
			Ok(())
		}

		/// Leave the registry. Refused while a job still counts on the caller.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::deregister_worker().saturating_add(Pallet::<T>::census_weight()))]
		pub fn deregister_worker(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let info = Workers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			ensure!(
				T::Assignments::active_assignments(&who) == 0,
				Error::<T>::HasActiveAssignments
			);
			if info.online {
				Self::leave_lists(&[(who.clone(), info.roles, info.capabilities.spec.vram_gib)]);
			}
			Workers::<T>::remove(&who);
			Self::deposit_event(Event::WorkerDeregistered { who });
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Mark workers that missed their heartbeats offline, as far as spare weight allows.
		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			let per_worker = Self::sweep_weight(1).saturating_sub(Self::sweep_weight(0));
			let base = Self::sweep_weight(0);
			if remaining.any_lt(base.saturating_add(per_worker)) {
				return Weight::zero();
			}
			let fit = remaining
				.saturating_sub(base)
				.checked_div_per_component(&per_worker)
				.unwrap_or(u64::MAX);
			let budget = T::MaxSweepPerBlock::get().min(fit.min(u32::MAX as u64) as u32);
			let visited = Self::sweep(now, budget);
			Self::sweep_weight(visited)
		}

		fn integrity_test() {
			assert!(
				T::MaxSweepPerBlock::get() <= T::MaxWorkersPerRole::get(),
				"the sweep benchmark assumes MaxSweepPerBlock <= MaxWorkersPerRole"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}

/// What benchmarks need from the runtime: a worker with enough stake.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Give `who` at least the minimum worker bond.
	fn bond(who: &AccountId);
}

impl<T: Config> Pallet<T> {
	fn validate(
		capabilities: &CapabilitiesOf<T>,
		roles: Roles,
		endpoint: &EndpointOf<T>,
	) -> DispatchResult {
		ensure!(!roles.is_empty(), Error::<T>::NoRoles);
		ensure!(core::str::from_utf8(&capabilities.gpu_model).is_ok(), Error::<T>::InvalidGpuModel);
		ensure!(
			!endpoint.is_empty() && core::str::from_utf8(endpoint).is_ok(),
			Error::<T>::InvalidEndpoint
		);
		let spec = capabilities.spec;
		ensure!(
			spec.cpu_cores > 0 && (spec.gpu_count == 0) == (spec.vram_gib == 0),
			Error::<T>::InconsistentCapabilities
		);
		Ok(())
	}

	/// The sweep's benchmarked weight for `n` workers, plus the read of each one's stake ledger
	/// for the bond check and the trainers' memory census (not in the benchmark yet).
	fn sweep_weight(n: u32) -> Weight {
		T::WeightInfo::sweep(n)
			.saturating_add(T::DbWeight::get().reads(n.into()))
			.saturating_add(Self::census_weight())
	}

	/// Reading and writing [`TrainerVram`] and a stake ledger, which the committed weights do
	/// not count yet (measured before the census and the bond checks existed), until
	/// `pallets/benchmark.sh` measures them.
	pub(crate) fn census_weight() -> Weight {
		T::DbWeight::get().reads_writes(2, 1)
	}

	fn has_min_bond(who: &T::AccountId) -> bool {
		T::Stake::active_stake(who) >= T::MinWorkerBond::get()
	}

	/// Whether `info` has sent a heartbeat recently enough at `now`.
	fn is_fresh(info: &WorkerInfo<T>, now: BlockNumberFor<T>) -> bool {
		now.saturating_sub(info.last_heartbeat) <= T::HeartbeatTimeout::get()
	}

	/// Put `who`, which declared `vram_gib`, on the lists of `roles`, listed since now.
	fn join_lists(who: &T::AccountId, roles: Roles, vram_gib: u32) -> DispatchResult {
		let since = frame_system::Pallet::<T>::block_number();
		for role in roles.iter() {
			OnlineByRole::<T>::try_mutate(role, |list| {
				list.try_push(Listed { who: who.clone(), since })
					.map_err(|_| Error::<T>::TooManyWorkers)
			})?;
		}
		if roles.has(Role::Trainer) {
			Self::count_trainer_vram(vram_gib, true);
		}
		Ok(())
	}

	/// Take each `(worker, roles, vram_gib)` off the lists of those roles, in one pass per list
	/// (the lists are the expensive part).
	fn leave_lists(leaving: &[(T::AccountId, Roles, u32)]) {
		for role in Roles::ALL {
			let gone: alloc::vec::Vec<&T::AccountId> = leaving
				.iter()
				.filter(|(_, roles, _)| roles.has(role))
				.map(|(who, _, _)| who)
				.collect();
			if !gone.is_empty() {
				OnlineByRole::<T>::mutate(role, |list| list.retain(|e| !gone.contains(&&e.who)));
			}
		}
		for (_, roles, vram_gib) in leaving {
			if roles.has(Role::Trainer) {
				Self::count_trainer_vram(*vram_gib, false);
			}
		}
	}

	/// Count one trainer with `vram_gib` in or out of [`TrainerVram`].
	pub(crate) fn count_trainer_vram(vram_gib: u32, joining: bool) {
		TrainerVram::<T>::mutate(|counts| {
			let at = counts.binary_search_by_key(&vram_gib, |(v, _)| *v);
			match (at, joining) {
				(Ok(i), true) => counts[i].1 = counts[i].1.saturating_add(1),
				(Ok(i), false) if counts[i].1 > 1 => counts[i].1 -= 1,
				(Ok(i), false) => {
					counts.remove(i);
				},
				// Each entry has a listed trainer behind it, and the list is bounded alike.
				(Err(i), true) => {
					if counts.try_insert(i, (vram_gib, 1)).is_err() {
						frame_support::defensive!("more GPU memory sizes than listed trainers");
					}
				},
				(Err(_), false) => {
					frame_support::defensive!("a trainer left that was not counted");
				},
			}
		});
	}

	/// Take `who` offline: off the lists of its roles, with `event` saying why.
	fn go_offline(who: &T::AccountId, info: &mut WorkerInfo<T>, event: Event<T>) {
		Self::leave_lists(&[(who.clone(), info.roles, info.capabilities.spec.vram_gib)]);
		info.online = false;
		Self::deposit_event(event);
	}

	/// Look at up to `budget` workers from the cursor on, taking offline those that are stale or
	/// below the minimum bond. Returns how many were looked at.
	pub(crate) fn sweep(now: BlockNumberFor<T>, budget: u32) -> u32 {
		if budget == 0 {
			return 0;
		}
		let mut iter = match SweepCursor::<T>::take() {
			Some(cursor) => Workers::<T>::iter_from(cursor.into_inner()),
			None => Workers::<T>::iter(),
		};
		let (mut visited, mut wrapped) = (0, false);
		let mut stale: alloc::vec::Vec<(T::AccountId, Roles, u32)> = alloc::vec::Vec::new();
		while visited < budget {
			let Some((who, mut info)) = iter.next() else {
				wrapped = true;
				break;
			};
			visited += 1;
			if !info.online {
				continue;
			}
			let event = if !Self::is_fresh(&info, now) {
				Event::WorkerOffline { who: who.clone() }
			} else if !Self::has_min_bond(&who) {
				Event::WorkerUnbonded { who: who.clone() }
			} else {
				continue;
			};
			info.online = false;
			stale.push((who.clone(), info.roles, info.capabilities.spec.vram_gib));
			Workers::<T>::insert(&who, info);
			Self::deposit_event(event);
		}
		Self::leave_lists(&stale);
		// After a wrap the next sweep starts from the beginning. Keys are far shorter than the
		// bound; if one were not, the sweep would start over too.
		if !wrapped {
			if let Ok(cursor) = BoundedVec::try_from(iter.last_raw_key().to_vec()) {
				SweepCursor::<T>::put(cursor);
			}
		}
		visited
	}

	/// Check the invariants listed in the crate documentation (`try_state`, and tests of the
	/// runtime that embeds this pallet).
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		for role in Roles::ALL {
			let list: alloc::vec::Vec<_> =
				OnlineByRole::<T>::get(role).into_iter().map(|e| e.who).collect();
			for (i, who) in list.iter().enumerate() {
				ensure!(!list[..i].contains(who), "worker listed twice for a role");
				let info = Workers::<T>::get(who).ok_or("listed worker is not registered")?;
				ensure!(
					info.online && info.roles.has(role),
					"listed worker is offline or lacks the role"
				);
			}
		}
		let mut vram: alloc::vec::Vec<u32> = alloc::vec::Vec::new();
		for Listed { who, .. } in OnlineByRole::<T>::get(Role::Trainer) {
			vram.extend(Workers::<T>::get(&who).map(|info| info.capabilities.spec.vram_gib));
		}
		vram.sort_unstable();
		let mut census: alloc::vec::Vec<VramCount> = alloc::vec::Vec::new();
		for v in vram {
			match census.last_mut() {
				Some((last, n)) if *last == v => *n += 1,
				_ => census.push((v, 1)),
			}
		}
		ensure!(
			TrainerVram::<T>::get().into_inner() == census,
			"TrainerVram differs from the trainer list"
		);
		for (who, info) in Workers::<T>::iter() {
			if info.online {
				for role in info.roles.iter() {
					ensure!(
						OnlineByRole::<T>::get(role).iter().any(|e| e.who == who),
						"online worker missing from a role list"
					);
				}
			}
			let r = info.reputation;
			ensure!(
				r.consecutive_successes <= r.successes && r.consecutive_failures <= r.failures,
				"streak longer than the record"
			);
		}
		Ok(())
	}
}
