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

	/// The audit pot must exist to take shares below the existential deposit: it is given a
	/// provider the first time it is paid.
	pub(crate) fn ensure_pot() -> T::AccountId {
		let pot = Self::pot();
		if !frame_system::Pallet::<T>::account_exists(&pot) {
			frame_system::Pallet::<T>::inc_providers(&pot);
		}
		pot
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
		let mut info = Servers::<T>::get(&server).ok_or(Error::<T>::NotServer)?;
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
		let claim = NextClaimId::<T>::get();
		ToDraw::<T>::try_append(claim).map_err(|_| Error::<T>::TooManyClaims)?;
		NextClaimId::<T>::put(claim.saturating_add(1));

		let due = total.saturating_sub(channel.claimed);
		let (to_authors, to_audit_pot) = Self::pay_shares(claim, &client, due, &usage, &authors);
		let to_server = due.saturating_sub(to_authors).saturating_sub(to_audit_pot);
		// The server's account exists (it holds its bond), so this cannot fail for want of
		// the existential deposit.
		Self::pay_from_prepaid(&client, &server, to_server);

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
		info.open_claims = info.open_claims.saturating_add(1);
		Servers::<T>::insert(&server, info);
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

	/// Pay the usage share of `due` to the blocks' authors, by their token counts, and the
	/// audit share to the pot. Returns what each got; a share that cannot be paid (a block
	/// without an author, an account that cannot take it) stays in the server's part.
	fn pay_shares(
		claim: ClaimId,
		client: &T::AccountId,
		due: BalanceOf<T>,
		usage: &UsageOf<T>,
		authors: &[Option<T::AccountId>],
	) -> (BalanceOf<T>, BalanceOf<T>) {
		let for_authors: u128 = (T::UsageShare::get() * due).saturated_into();
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
		let audit = T::AuditShare::get() * due;
		let to_audit_pot = if Self::pay_from_prepaid(client, &Self::ensure_pot(), audit) {
			audit
		} else {
			Zero::zero()
		};
		(to_authors, to_audit_pot)
	}
}
