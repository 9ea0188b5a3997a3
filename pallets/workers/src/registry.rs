//! The registry as other pallets see it: [`WorkerRegistry`].

use crate::*;
use aiblock_primitives::workers::{
	lottery_ticket, tickets_checked, Outcome, TrustRules, WorkerRegistry,
};
use alloc::vec::Vec;
use sp_runtime::{traits::Zero, DispatchResult, SaturatedConversion};

impl<T: Config> Pallet<T> {
	fn trust_rules() -> TrustRules {
		TrustRules {
			successes_to_trust: T::SuccessesToTrust::get(),
			failures_to_demote: T::FailuresToDemote::get(),
		}
	}

	fn quota_limit(trust: TrustLevel) -> u32 {
		match trust {
			TrustLevel::Newbie => T::NewbieQuota::get(),
			TrustLevel::Trusted => T::TrustedQuota::get(),
		}
	}

	/// The quota period `now` falls in.
	fn current_period() -> u32 {
		let period = T::QuotaPeriod::get();
		if period.is_zero() {
			return 0;
		}
		(frame_system::Pallet::<T>::block_number() / period).saturated_into()
	}

	fn info_is_active(who: &T::AccountId, info: &WorkerInfo<T>, role: Role) -> bool {
		info.online
			&& info.roles.has(role)
			&& Self::is_fresh(info, frame_system::Pallet::<T>::block_number())
			&& Self::has_min_bond(who)
	}
}

impl<T: Config> WorkerRegistry<T::AccountId> for Pallet<T> {
	type BlockNumber = BlockNumberFor<T>;

	fn is_active(who: &T::AccountId, role: Role) -> bool {
		Workers::<T>::get(who).is_some_and(|info| Self::info_is_active(who, &info, role))
	}

	fn compute_spec(who: &T::AccountId) -> Option<ComputeSpec> {
		Workers::<T>::get(who).map(|info| info.capabilities.spec)
	}

	fn trust_level(who: &T::AccountId) -> Option<TrustLevel> {
		Workers::<T>::get(who).map(|info| info.reputation.trust)
	}

	fn registered_at(who: &T::AccountId) -> Option<BlockNumberFor<T>> {
		Workers::<T>::get(who).map(|info| info.registered_at)
	}

	fn active_workers(role: Role) -> Vec<T::AccountId> {
		OnlineByRole::<T>::get(role)
			.into_iter()
			.map(|e| e.who)
			.filter(|who| Self::is_active(who, role))
			.collect()
	}

	fn sample(
		role: Role,
		count: u32,
		seed: &[u8; 32],
		exclude: &[T::AccountId],
		listed_before: BlockNumberFor<T>,
	) -> Vec<T::AccountId> {
		let mut tickets: Vec<([u8; 32], T::AccountId)> = OnlineByRole::<T>::get(role)
			.into_iter()
			.filter(|e| e.since < listed_before && !exclude.contains(&e.who))
			.map(|e| (lottery_ticket(seed, &e.who), e.who))
			.collect();
		tickets.sort_unstable_by_key(|(ticket, _)| *ticket);
		let draws = tickets_checked(count);
		tickets
			.into_iter()
			.take(draws as usize)
			.map(|(_, who)| who)
			.filter(|who| Self::is_active(who, role))
			.take(count as usize)
			.collect()
	}

	fn record_outcome(who: &T::AccountId, outcome: Outcome) {
		let changed = Workers::<T>::mutate(who, |maybe| {
			maybe.as_mut().map(|info| info.reputation.record(outcome, Self::trust_rules()))
		});
		let Some(changed) = changed else { return };
		Self::deposit_event(Event::OutcomeRecorded { who: who.clone(), outcome });
		if let Some(trust) = changed {
			Self::deposit_event(Event::TrustChanged { who: who.clone(), trust });
		}
	}

	fn use_quota(who: &T::AccountId) -> DispatchResult {
		let period = Self::current_period();
		Workers::<T>::try_mutate(who, |maybe| {
			let info = maybe.as_mut().ok_or(Error::<T>::NotRegistered)?;
			let limit = Self::quota_limit(info.reputation.trust);
			ensure!(info.quota.try_use(period, limit), Error::<T>::QuotaExhausted);
			Ok(())
		})
	}

	fn trainer_offers_vram(vram_gib: u32) -> bool {
		TrainerVram::<T>::get().last().is_some_and(|(most, _)| *most >= vram_gib)
	}

	fn remaining_quota(who: &T::AccountId) -> u32 {
		Workers::<T>::get(who)
			.map(|info| {
				info.quota
					.remaining(Self::current_period(), Self::quota_limit(info.reputation.trust))
			})
			.unwrap_or(0)
	}
}
