//! The free tier: quota periods, and donors' reports of the answers they gave for free.

use super::*;

impl<T: Config> Pallet<T> {
	/// The current free-tier quota period.
	pub fn free_period() -> u32 {
		let now = frame_system::Pallet::<T>::block_number();
		let period = now / T::FreePeriod::get();
		period.try_into().unwrap_or(u32::MAX)
	}

	/// What remains of `who`'s free quota this period: (tokens, requests); `None` outside the
	/// free tier.
	pub fn free_quota_left(who: &T::AccountId) -> Option<(u64, u32)> {
		let user = FreeUsers::<T>::get(who)?;
		let (tokens, requests) =
			if user.period == Self::free_period() { (user.tokens, user.requests) } else { (0, 0) };
		let params = Self::params();
		Some((
			params.free_tokens_per_period.saturating_sub(tokens),
			params.free_requests_per_period.saturating_sub(requests),
		))
	}

	pub(crate) fn do_report_free_usage(
		receipt: FreeReceipt<T::AccountId>,
		signature: T::Signature,
	) -> DispatchResult {
		let (client, donor) = (receipt.client.clone(), receipt.server.clone());
		let mut info = Servers::<T>::get(&donor).ok_or(Error::<T>::NotServer)?;
		let capacity = info.terms.free_tokens_per_period;
		ensure!(capacity > 0, Error::<T>::NotDonor);
		let mut user = FreeUsers::<T>::get(&client).ok_or(Error::<T>::NotFreeUser)?;
		let period = Self::free_period();
		ensure!(receipt.period == period, Error::<T>::WrongPeriod);
		let payload = free_receipt_payload(&Self::genesis_hash(), &receipt);
		ensure!(signature.verify(&payload[..], &client), Error::<T>::BadSignature);

		if user.period != period {
			(user.period, user.tokens, user.requests) = (period, 0, 0);
			user.by_donor.clear();
		}
		let known = user.by_donor.iter().position(|entry| entry.donor == donor);
		let (old_tokens, old_requests) = known
			.map(|at| (user.by_donor[at].tokens, user.by_donor[at].requests))
			.unwrap_or_default();
		ensure!(
			receipt.requests > old_requests && receipt.cumulative_tokens >= old_tokens,
			Error::<T>::StaleReceipt
		);
		let (tokens, requests) =
			(receipt.cumulative_tokens - old_tokens, receipt.requests - old_requests);
		let (user_tokens, user_requests) =
			(user.tokens.saturating_add(tokens), user.requests.saturating_add(requests));
		let params = Self::params();
		ensure!(
			user_tokens <= params.free_tokens_per_period
				&& user_requests <= params.free_requests_per_period,
			Error::<T>::QuotaExceeded
		);
		if info.free_period != period {
			(info.free_period, info.free_served) = (period, 0);
		}
		let served = info.free_served.saturating_add(tokens);
		ensure!(served <= capacity, Error::<T>::DonorCapacityExhausted);
		let entry = DonorUsage {
			donor: donor.clone(),
			tokens: receipt.cumulative_tokens,
			requests: receipt.requests,
		};
		match known {
			Some(at) => user.by_donor[at] = entry,
			None => user.by_donor.try_push(entry).map_err(|_| Error::<T>::TooManyDonors)?,
		}
		(user.tokens, user.requests) = (user_tokens, user_requests);
		info.free_served = served;
		Servers::<T>::insert(&donor, info);
		FreeUsers::<T>::insert(&client, user);
		Self::deposit_event(Event::FreeUsageRecorded {
			client,
			donor,
			tokens,
			requests,
			tokens_left: params.free_tokens_per_period.saturating_sub(user_tokens),
		});
		Ok(())
	}
}
