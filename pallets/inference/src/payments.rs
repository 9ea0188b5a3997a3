//! Prepaid channels: holding a client's deposit, paying a claim out of it (the server, the
//! authors of the blocks that answered, the audit pot) and settling what is left.

use super::*;

impl<T: Config> Pallet<T> {
	pub(crate) fn hold(
		who: &T::AccountId,
		reason: HoldReason,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(
			amount <= T::Currency::reducible_balance(who, Preservation::Protect, Fortitude::Polite),
			Error::<T>::InsufficientBalance
		);
		T::Currency::hold(&reason.into(), who, amount)
	}

	pub(crate) fn release(
		who: &T::AccountId,
		reason: HoldReason,
		amount: BalanceOf<T>,
	) -> BalanceOf<T> {
		T::Currency::release(&reason.into(), who, amount, Precision::BestEffort).unwrap_or_default()
	}

	/// Return what is left of `channel` to its client and remove it.
	pub(crate) fn settle_channel(client: T::AccountId, server: T::AccountId, channel: &Channel<T>) {
		let refund = Self::release(
			&client,
			HoldReason::Prepaid,
			channel.deposit.saturating_sub(channel.claimed),
		);
		Channels::<T>::remove(&client, &server);
		Self::deposit_event(Event::ChannelSettled { client, server, refund });
	}

	/// Move `amount` of the prepaid balance held from `client` to `to`; whether it moved. The
	/// client's own share (an author paying itself) is released to it instead.
	pub(crate) fn pay_from_prepaid(
		client: &T::AccountId,
		to: &T::AccountId,
		amount: BalanceOf<T>,
	) -> bool {
		if amount.is_zero() {
			return true;
		}
		if to == client {
			return !Self::release(client, HoldReason::Prepaid, amount).is_zero();
		}
		T::Currency::transfer_on_hold(
			&HoldReason::Prepaid.into(),
			client,
			to,
			amount,
			Precision::Exact,
			Restriction::Free,
			Fortitude::Polite,
		)
		.is_ok()
	}

	pub(crate) fn do_claim(
		receipt: Receipt<T::AccountId>,
		signature: T::Signature,
		model: ModelIndex,
		usage: UsageOf<T>,
		batch: Cid,
	) -> DispatchResult {
		let (client, server) = (receipt.client.clone(), receipt.server.clone());
		ensure!(Servers::<T>::contains_key(&server), Error::<T>::NotServer);
		let mut channel = Channels::<T>::get(&client, &server).ok_or(Error::<T>::NoChannel)?;
		ensure!(receipt.channel == channel.id, Error::<T>::WrongChannel);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			channel.closes_at.is_none_or(|closes_at| now <= closes_at),
			Error::<T>::ChannelClosed
		);
		let payload = receipt_payload(&Self::genesis_hash(), &receipt);
		ensure!(signature.verify(&payload[..], &client), Error::<T>::BadSignature);
		ensure!(
			receipt.requests > channel.claimed_requests
				&& receipt.cumulative_tokens >= channel.claimed_tokens,
			Error::<T>::StaleReceipt
		);
		// A fee beyond the balance type saturates, above every deposit but the largest.
		let total = BalanceOf::<T>::saturated_from(fee(
			receipt.cumulative_tokens,
			channel.price_per_1k.saturated_into(),
		));
		ensure!(total <= channel.deposit, Error::<T>::ExceedsDeposit);
		ensure!(is_supported_cid(&batch), Error::<T>::BadBatch);
		let authors = Self::check_usage(model, &usage, receipt.state_root)?;
		let due = total.saturating_sub(channel.claimed);
		// Every claim may be audited at the auditors' cost: a claim must be worth one.
		ensure!(due >= T::MinClaimFee::get(), Error::<T>::ClaimTooSmall);
		let claim = NextClaimId::<T>::get();
		let mut to_draw = ToDraw::<T>::get();
		ensure!(!to_draw.iter().any(|(_, by)| by == &server), Error::<T>::OneClaimPerBlock);
		to_draw.try_push((claim, server.clone())).map_err(|_| Error::<T>::TooManyClaims)?;
		ToDraw::<T>::put(to_draw);
		NextClaimId::<T>::put(claim.saturating_add(1));

		// The server's part is fixed: what the authors' share does not pay goes to the pot,
		// so under-reporting a block's usage gains the server nothing.
		let usage_part = T::UsageShare::get() * due;
		let to_server = due.saturating_sub(usage_part).saturating_sub(T::AuditShare::get() * due);
		let (to_authors, to_audit_pot) = Self::pay_shares(
			claim,
			&client,
			due.saturating_sub(to_server),
			usage_part,
			&usage,
			&authors,
		);
		// What neither the authors nor the pot could take is the server's.
		let to_server = due.saturating_sub(to_authors).saturating_sub(to_audit_pot);
		ensure!(Self::pay_from_prepaid(&client, &server, to_server), Error::<T>::PaymentFailed);

		let (requests, tokens) = (
			receipt.requests - channel.claimed_requests,
			receipt.cumulative_tokens - channel.claimed_tokens,
		);
		OpenClaims::<T>::insert(
			claim,
			ClaimInfo {
				server: server.clone(),
				client: client.clone(),
				channel: channel.id,
				batch,
				first_request: channel.claimed_requests.saturating_add(1),
				last_request: receipt.requests,
				fee: due,
				to_audit_pot,
				claimed_at: now,
			},
		);
		channel.claimed = total;
		channel.claimed_tokens = receipt.cumulative_tokens;
		channel.claimed_requests = receipt.requests;
		Channels::<T>::insert(&client, &server, channel);
		OpenClaimsOf::<T>::mutate(&server, |open| *open = open.saturating_add(1));
		Self::deposit_event(Event::Claimed {
			claim,
			server,
			client,
			requests,
			tokens,
			fee: due,
			to_server,
			to_authors,
			to_audit_pot,
		});
		Ok(())
	}

	/// Check a claim's usage against the signed state root and the registry; returns each
	/// block's author.
	fn check_usage(
		model: ModelIndex,
		usage: &UsageOf<T>,
		signed_root: H256,
	) -> Result<Vec<Option<T::AccountId>>, DispatchError> {
		ensure!(
			!usage.is_empty() && usage.windows(2).all(|pair| pair[0].0 < pair[1].0),
			Error::<T>::UsageNotSorted
		);
		let ids: Vec<H256> = usage.iter().map(|(id, _)| *id).collect();
		ensure!(state_root(model, &ids) == signed_root, Error::<T>::StateRootMismatch);
		ids.iter()
			.map(|id| match T::Models::served_block(*id) {
				Some((of, author)) if of == model => Ok(author),
				_ => Err(Error::<T>::UnknownBlock.into()),
			})
			.collect()
	}

	/// Pay `usage_part` to the blocks' authors, by their token counts, and the rest of
	/// `shares` to the pot: the audit share, and every author's share that cannot be paid (a
	/// block without an author, no usage counted, an account that cannot take it). Returns
	/// what the authors and the pot got.
	fn pay_shares(
		claim: ClaimId,
		client: &T::AccountId,
		shares: BalanceOf<T>,
		usage_part: BalanceOf<T>,
		usage: &UsageOf<T>,
		authors: &[Option<T::AccountId>],
	) -> (BalanceOf<T>, BalanceOf<T>) {
		let for_authors: u128 = usage_part.saturated_into();
		let counts: Vec<u64> = usage.iter().map(|(_, count)| *count).collect();
		let mut by_author = BTreeMap::<T::AccountId, u128>::new();
		for (author, share) in authors.iter().zip(proportional_shares(for_authors, &counts)) {
			if let Some(author) = author {
				let entry = by_author.entry(author.clone()).or_default();
				*entry = entry.saturating_add(share);
			}
		}
		let mut to_authors = BalanceOf::<T>::zero();
		for (author, share) in by_author {
			let amount = BalanceOf::<T>::saturated_from(share);
			if !amount.is_zero() && Self::pay_from_prepaid(client, &author, amount) {
				to_authors = to_authors.saturating_add(amount);
				Self::deposit_event(Event::UsageRewardPaid { claim, author, amount });
			}
		}
		let rest = shares.saturating_sub(to_authors);
		let to_audit_pot =
			if Self::pay_from_prepaid(client, &Self::pot(), rest) { rest } else { Zero::zero() };
		(to_authors, to_audit_pot)
	}
}
