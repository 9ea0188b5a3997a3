//! Privileged calls (importing a model, entering a dataset as approved) made the way this key
//! may make them: through Sudo where it is the chain's sudo key (the development chain), or as a
//! council motion where it holds a seat (a governed network). A motion needs three quarters of
//! the seats: on a council of one it runs at once; otherwise this key proposes it, votes aye, and
//! the other members vote in Polkadot.js Apps (Governance → Council → Motions) before anyone
//! closes it.

use crate::{
	chain::{dispatch_error_name, runtime, At, Chain, H256},
	WorkerError,
};
use runtime::runtime_types::aiblock_runtime::RuntimeCall;
use subxt::ext::scale_encode::EncodeAsType;
use subxt::{extrinsics::ExtrinsicEvents, utils::AccountId32, PolkadotConfig};

/// What became of a privileged call.
pub enum Governed {
	/// It ran (through Sudo, or a motion that passed when proposed): its events.
	Dispatched(ExtrinsicEvents<PolkadotConfig>),
	/// A council motion waits for the other members' ayes.
	Proposed(Motion),
}

/// A council motion this key proposed and voted aye on.
#[derive(Clone, Debug, PartialEq)]
pub struct Motion {
	pub index: u32,
	pub hash: H256,
	/// Ayes it needs to pass (three quarters of the seats).
	pub threshold: u32,
	pub seats: u32,
}

impl std::fmt::Display for Motion {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(
			f,
			"council motion #{} ({:?}) proposed, with this key's aye: it passes with {} ayes of {} \
			 seats. The other members vote in Polkadot.js Apps (Governance → Council → Motions); \
			 once it has its ayes, anyone closes it there and the call runs.",
			self.index, self.hash, self.threshold, self.seats
		)
	}
}

/// Ayes a motion needs for the runtime's governance origin: at least three quarters of `seats`.
pub fn council_threshold(seats: u32) -> u32 {
	(seats.saturating_mul(3)).div_ceil(4).max(1)
}

impl Chain {
	/// Make the privileged `call` (`label` names it in messages) with this key: see the module's
	/// docs. The call's own failure comes back as [`WorkerError::Refused`] with the pallet's
	/// error name; a key that is neither the sudo key nor a council member is refused before
	/// anything is sent.
	pub async fn govern(&self, label: &str, call: RuntimeCall) -> Result<Governed, WorkerError> {
		let at = self.finalized().await?;
		let me = self.account();
		if self.sudo_key(&at).await? == Some(me) {
			return self.sudo(label, &at, call).await.map(Governed::Dispatched);
		}
		let seats = self.council(&at).await?;
		if !seats.contains(&me) {
			return Err(WorkerError::Refused(format!(
				"{label}: this key ({me}) is neither the sudo key nor a council member: the \
				 council decides (Polkadot.js Apps: Governance → Council → Motions)"
			)));
		}
		let threshold = council_threshold(seats.len() as u32);
		let length_bound = self.encoded_len(&at, &call)?;
		let propose = runtime::transactions().council().propose(threshold, call, length_bound);
		let events = self.submit(&format!("council.propose({label})"), &propose).await?;
		if let Some(executed) = events.find_first::<runtime::council::events::Executed>() {
			let executed = executed.map_err(|e| self.node_error("a council.Executed event", e))?;
			return match executed.result {
				Ok(()) => Ok(Governed::Dispatched(events)),
				Err(e) => Err(WorkerError::Refused(format!(
					"{label}: {}",
					dispatch_error_name(&self.finalized().await?, &e)
				))),
			};
		}
		let proposed = match events.find_first::<runtime::council::events::Proposed>() {
			Some(Ok(proposed)) => proposed,
			_ => return Err(WorkerError::Node("council.propose: no Proposed event".into())),
		};
		let (hash, index) = (proposed.proposal_hash, proposed.proposal_index);
		let vote = runtime::transactions().council().vote(hash, index, true);
		self.submit(&format!("council.vote({label})"), &vote).await?;
		Ok(Governed::Proposed(Motion { index, hash, threshold, seats: seats.len() as u32 }))
	}

	/// Submit `call` as Root through Sudo. Sudo succeeds whatever the call does: the call's own
	/// result, from the `Sudid` event, is returned as [`WorkerError::Refused`].
	async fn sudo(
		&self,
		label: &str,
		at: &At,
		call: RuntimeCall,
	) -> Result<ExtrinsicEvents<PolkadotConfig>, WorkerError> {
		let events = self
			.submit(&format!("sudo({label})"), &runtime::transactions().sudo().sudo(call))
			.await?;
		match events.find_first::<runtime::sudo::events::Sudid>() {
			Some(Ok(sudid)) => match sudid.sudo_result {
				Ok(()) => Ok(events),
				Err(e) => {
					Err(WorkerError::Refused(format!("{label}: {}", dispatch_error_name(at, &e))))
				},
			},
			Some(Err(e)) => Err(self.node_error("a sudo.Sudid event", e)),
			None => Err(WorkerError::Refused(format!("sudo({label}): no Sudid event"))),
		}
	}

	/// The length of `call` as the runtime encodes it (a motion states a bound for it).
	fn encoded_len(&self, at: &At, call: &RuntimeCall) -> Result<u32, WorkerError> {
		let metadata = at.metadata_ref();
		let mut bytes = Vec::new();
		call.encode_as_type_to(metadata.outer_enums().call_enum_ty(), metadata.types(), &mut bytes)
			.map_err(|e| self.node_error("encoding the motion's call", e))?;
		Ok(bytes.len() as u32)
	}

	/// The chain's sudo key, if it has one.
	pub async fn sudo_key(&self, at: &At) -> Result<Option<AccountId32>, WorkerError> {
		let entry = at
			.storage()
			.entry(runtime::storage().sudo().key())
			.map_err(|e| self.node_error("Sudo.Key", e))?;
		match entry.try_fetch(()).await.map_err(|e| self.node_error("Sudo.Key", e))? {
			Some(v) => Ok(Some(v.decode().map_err(|e| self.node_error("the sudo key", e))?)),
			None => Ok(None),
		}
	}

	/// The council's members.
	pub async fn council(&self, at: &At) -> Result<Vec<AccountId32>, WorkerError> {
		let entry = at
			.storage()
			.entry(runtime::storage().council().members())
			.map_err(|e| self.node_error("Council.Members", e))?;
		let members = entry.fetch(()).await.map_err(|e| self.node_error("Council.Members", e))?;
		members.decode().map_err(|e| self.node_error("the council's members", e))
	}
}

#[cfg(test)]
mod tests {
	use super::council_threshold;

	/// The runtime's origin is `EnsureProportionAtLeast<3, 4>`: ayes × 4 ≥ seats × 3.
	#[test]
	fn the_threshold_is_the_fewest_ayes_the_runtime_accepts() {
		for seats in 1..=16u32 {
			let ayes = council_threshold(seats);
			assert!(ayes * 4 >= seats * 3, "{seats} seats");
			assert!((ayes - 1) * 4 < seats * 3, "{seats} seats: {ayes} is not the fewest");
		}
		assert_eq!(council_threshold(1), 1);
		assert_eq!(council_threshold(4), 3);
	}
}
