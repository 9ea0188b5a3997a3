//! Spot checks: drawing a claim's audit, the auditors' commit–reveal, and the verdict.

use super::*;
use aiblock_primitives::{
	inference::audit_commitment,
	stake::SlashReason,
	workers::{sample_indices, Outcome, Role},
};

impl<T: Config> Pallet<T> {
	/// Decide whether `claim` is audited and draw its panel and sample, from the hash of the
	/// block it was claimed in (`parent`, read in the next block: the server could not know it
	/// when it claimed).
	pub(crate) fn draw_audit(claim: ClaimId, now: BlockNumberFor<T>, parent: &[u8]) {
		Self::draw_audit_with(claim, now, parent, false)
	}

	/// [`Self::draw_audit`], every claim audited: the costlier path, for the benchmark.
	#[cfg(feature = "runtime-benchmarks")]
	pub(crate) fn draw_audit_always(claim: ClaimId, now: BlockNumberFor<T>, parent: &[u8]) {
		Self::draw_audit_with(claim, now, parent, true)
	}

	fn draw_audit_with(claim: ClaimId, now: BlockNumberFor<T>, parent: &[u8], always: bool) {
		let Some(info) = OpenClaims::<T>::get(claim) else { return };
		let params = Self::params();
		let seed =
			sp_crypto_hashing::blake2_256(&(b"aiblock/inference-draw", parent, claim).encode());
		let ticket = u32::from_le_bytes([seed[0], seed[1], seed[2], seed[3]]);
		if !always && !ticket.is_multiple_of(params.audit_one_in.max(1)) {
			return Self::close_claim(claim, &info, Some(NotAudited::NotDrawn));
		}
		let drawn = T::Workers::sample(
			Role::Auditor,
			T::AuditPanel::get(),
			&seed,
			&[info.server.clone(), info.client.clone()],
			info.claimed_at,
		);
		// A short panel would let fewer auditors decide than the runtime asks for.
		if (drawn.len() as u32) < T::AuditPanel::get() {
			return Self::close_claim(claim, &info, Some(NotAudited::NoAuditors));
		}
		let requests = info.last_request.saturating_sub(info.first_request).saturating_add(1);
		let sample: BoundedVec<u64, T::AuditSample> = BoundedVec::truncate_from(
			sample_indices(requests.min(u64::from(u32::MAX)) as u32, T::AuditSample::get(), &seed)
				.into_iter()
				.map(|index| info.first_request.saturating_add(u64::from(index)))
				.collect(),
		);
		let panel = BoundedVec::truncate_from(
			drawn
				.iter()
				.map(|who| AuditorSeat { who: who.clone(), commitment: None, verdict: None })
				.collect(),
		);
		let commit_until = now.saturating_add(params.audit_commit_window);
		let reveal_until = commit_until.saturating_add(params.audit_reveal_window);
		Self::deposit_event(Event::AuditDrawn {
			claim,
			auditors: drawn,
			sample: sample.to_vec(),
			commit_until,
			reveal_until,
		});
		Audits::<T>::insert(claim, Audit { sample, panel, commit_until, reveal_until });
	}

	/// Forget a claim past its audit (or its draw).
	fn close_claim(claim: ClaimId, info: &ClaimInfo<T>, not_audited: Option<NotAudited>) {
		OpenClaims::<T>::remove(claim);
		OpenClaimsOf::<T>::mutate_exists(&info.server, |open| {
			*open = open.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0);
		});
		if let Some(reason) = not_audited {
			Self::deposit_event(Event::ClaimNotAudited { claim, reason });
		}
	}

	pub(crate) fn do_commit_audit(
		claim: ClaimId,
		auditor: T::AccountId,
		commitment: H256,
	) -> DispatchResult {
		let mut audit = Audits::<T>::get(claim).ok_or(Error::<T>::NoAudit)?;
		let seat = audit.panel.iter_mut().find(|seat| seat.who == auditor);
		let seat = seat.ok_or(Error::<T>::NotOnPanel)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= audit.commit_until, Error::<T>::CommitWindowClosed);
		ensure!(seat.commitment.is_none(), Error::<T>::AlreadyCommitted);
		T::Stake::commit(&auditor, T::AuditorCollateral::get())?;
		seat.commitment = Some(commitment);
		Audits::<T>::insert(claim, audit);
		Self::deposit_event(Event::AuditCommitted { claim, auditor });
		Ok(())
	}

	pub(crate) fn do_reveal_audit(
		claim: ClaimId,
		auditor: T::AccountId,
		verdict: AuditVerdict,
		salt: H256,
	) -> DispatchResult {
		let mut audit = Audits::<T>::get(claim).ok_or(Error::<T>::NoAudit)?;
		let now = frame_system::Pallet::<T>::block_number();
		let seat = audit.panel.iter_mut().find(|seat| seat.who == auditor);
		let seat = seat.ok_or(Error::<T>::NotOnPanel)?;
		ensure!(now > audit.commit_until && now <= audit.reveal_until, Error::<T>::NotRevealPhase);
		let commitment = seat.commitment.ok_or(Error::<T>::NotCommitted)?;
		ensure!(seat.verdict.is_none(), Error::<T>::AlreadyRevealed);
		ensure!(
			audit_commitment(claim, &auditor, verdict, &salt) == commitment,
			Error::<T>::CommitmentMismatch
		);
		seat.verdict = Some(verdict);
		Audits::<T>::insert(claim, audit);
		Self::deposit_event(Event::AuditRevealed { claim, auditor, verdict });
		Ok(())
	}

	/// The verdict of the revealed verdicts, once a majority of the panel revealed: a mismatch
	/// needs more than half of them. With fewer reveals nothing is decided: silent seats are
	/// neither votes for the server nor against an honest finder.
	pub(crate) fn do_settle_audit(claim: ClaimId) -> DispatchResult {
		let audit = Audits::<T>::get(claim).ok_or(Error::<T>::NoAudit)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now > audit.reveal_until, Error::<T>::RevealWindowOpen);
		let info = OpenClaims::<T>::get(claim).ok_or(Error::<T>::NoAudit)?;
		let revealed = audit.panel.iter().filter(|seat| seat.verdict.is_some()).count();
		let mismatches =
			audit.panel.iter().filter(|seat| seat.verdict == Some(AuditVerdict::Mismatch)).count();
		let verdict = if revealed * 2 <= audit.panel.len() {
			None
		} else if mismatches * 2 > revealed {
			Some(AuditVerdict::Mismatch)
		} else {
			Some(AuditVerdict::Honest)
		};
		let pot = Self::pot();
		let (mut slashed, mut to_client, mut to_auditors) =
			(BalanceOf::<T>::zero(), BalanceOf::<T>::zero(), BalanceOf::<T>::zero());
		if verdict == Some(AuditVerdict::Mismatch) {
			// The whole collateral, into the pot; half to the auditors who found the mismatch,
			// and to the client the claim's fee back, at most half (a client cannot profit
			// more from a conviction than it paid); the rest stays in the pot.
			let collateral = Servers::<T>::get(&info.server)
				.map(|server| server.collateral)
				.unwrap_or_else(T::ServerCollateral::get);
			slashed =
				T::Stake::slash_to(&info.server, collateral, SlashReason::AnswerMismatch, &pot);
			let half = slashed / 2u32.into();
			let back = half.min(info.fee);
			if Self::pay_from_pot(&pot, &info.client, back) {
				to_client = back;
			}
			to_auditors = Self::share_from_pot(
				&pot,
				audit.panel.iter().filter(|seat| seat.verdict == verdict),
				slashed.saturating_sub(half),
			);
			if let Some(server) = Servers::<T>::get(&info.server) {
				Self::remove_server(&info.server, &server);
				Self::deposit_event(Event::ServerRemoved { server: info.server.clone() });
			}
		}
		Self::judge_auditors(&pot, &audit, verdict, Self::audit_reward(&info, audit.panel.len()));
		Audits::<T>::remove(claim);
		Self::close_claim(claim, &info, None);
		Self::deposit_event(Event::AuditSettled {
			claim,
			verdict,
			slashed,
			to_client,
			to_auditors,
		});
		Ok(())
	}

	/// Auditors with the verdict get their collateral back and the audit reward; against it,
	/// or committed and never revealed, they lose it. A drawn auditor that never committed is
	/// recorded as a failure but not slashed: it risked nothing, and an auditor whose worker
	/// does not audit claims yet must not lose stake for it.
	fn judge_auditors(
		pot: &T::AccountId,
		audit: &Audit<T>,
		verdict: Option<AuditVerdict>,
		reward: BalanceOf<T>,
	) {
		let collateral = T::AuditorCollateral::get();
		for seat in &audit.panel {
			if seat.commitment.is_some() {
				T::Stake::release(&seat.who, collateral);
			}
			let reason = match (seat.verdict, verdict) {
				// Nothing decided: a revealed verdict is neither right nor wrong.
				(Some(_), None) => continue,
				(Some(found), Some(verdict)) if found == verdict => {
					Self::pay_from_pot(pot, &seat.who, reward);
					T::Workers::record_outcome(&seat.who, Outcome::Success);
					continue;
				},
				(Some(_), Some(_)) => SlashReason::AuditOutvoted,
				(None, _) if seat.commitment.is_some() => SlashReason::MissedReveal,
				(None, _) => {
					T::Workers::record_outcome(&seat.who, Outcome::Failure);
					continue;
				},
			};
			T::Stake::slash(&seat.who, collateral, reason, None);
			T::Workers::record_outcome(&seat.who, Outcome::Failure);
		}
	}

	/// Each auditor's reward for an audit of `claim` by `panel` auditors: at most
	/// [`Config::AuditReward`], and at most what one claim in [`MarketParams::audit_one_in`] brings
	/// the pot, shared by the panel. So audits are paid for by the claims drawn among: a
	/// server auditing its own tiny claims with its own auditors cannot drain the pot.
	fn audit_reward(claim: &ClaimInfo<T>, panel: usize) -> BalanceOf<T> {
		let funded = claim.to_audit_pot.saturating_mul(Self::params().audit_one_in.into())
			/ BalanceOf::<T>::saturated_from(panel.max(1) as u128);
		funded.min(T::AuditReward::get())
	}

	/// Pay `amount` equally to `seats`, rounding down; returns what was paid.
	fn share_from_pot<'a>(
		pot: &T::AccountId,
		seats: impl Iterator<Item = &'a AuditorSeat<T::AccountId>>,
		amount: BalanceOf<T>,
	) -> BalanceOf<T>
	where
		T::AccountId: 'a,
	{
		let seats: Vec<_> = seats.collect();
		if seats.is_empty() {
			return Zero::zero();
		}
		let each = amount / BalanceOf::<T>::saturated_from(seats.len() as u128);
		let mut paid = BalanceOf::<T>::zero();
		for seat in seats {
			if Self::pay_from_pot(pot, &seat.who, each) {
				paid = paid.saturating_add(each);
			}
		}
		paid
	}

	/// Pay `amount` from the pot if it has it above the existential deposit (the pot stays
	/// open for the shares of small claims); whether it was paid.
	fn pay_from_pot(pot: &T::AccountId, to: &T::AccountId, amount: BalanceOf<T>) -> bool {
		!amount.is_zero()
			&& <T::Currency as Mutate<_>>::transfer(pot, to, amount, Preservation::Preserve).is_ok()
	}
}
