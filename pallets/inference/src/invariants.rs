//! The invariants of the crate documentation, for `try_state` and the tests.

use super::*;
use frame_support::traits::fungible::InspectHold;

impl<T: Config> Pallet<T> {
	/// Check the invariants listed in the crate documentation.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut prepaid = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		for (client, _, channel) in Channels::<T>::iter() {
			ensure!(channel.claimed <= channel.deposit, "a channel claimed beyond its deposit");
			let expected = fee(channel.claimed_tokens, channel.price_per_1k.saturated_into());
			ensure!(
				channel.claimed.saturated_into::<u128>() == expected,
				"claimed is not the fee of its tokens"
			);
			let entry = prepaid.entry(client).or_default();
			*entry = entry.saturating_add(channel.deposit - channel.claimed);
		}
		for (client, owed) in &prepaid {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::Prepaid.into(), client) == *owed,
				"prepaid hold differs from the open channels"
			);
		}
		for (who, user) in FreeUsers::<T>::iter() {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::FreeTier.into(), &who) == user.deposit,
				"free-tier hold differs from the deposit"
			);
		}
		let mut open = BTreeMap::<T::AccountId, u32>::new();
		for (_, claim) in OpenClaims::<T>::iter() {
			*open.entry(claim.server).or_default() += 1;
		}
		ensure!(
			OpenClaimsOf::<T>::iter().all(|(server, count)| open.get(&server) == Some(&count))
				&& open.len() == OpenClaimsOf::<T>::iter().count(),
			"a server's open claims miscounted"
		);
		for (claim, audit) in Audits::<T>::iter() {
			ensure!(OpenClaims::<T>::contains_key(claim), "an audit of no open claim");
			ensure!(
				audit.panel.iter().all(|seat| seat.verdict.is_none() || seat.commitment.is_some()),
				"a verdict without a commitment"
			);
		}
		for (claim, _) in ToDraw::<T>::get() {
			ensure!(OpenClaims::<T>::contains_key(claim), "a claim to draw is not open");
		}
		Ok(())
	}
}
