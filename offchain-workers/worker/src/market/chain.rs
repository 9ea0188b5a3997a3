//! The Inference pallet as the worker uses it: a server's registration and claims, a client's
//! channel, and the reads both sides need.

use super::{ledger::OnChain, receipt::SignedReceipt};
use crate::{
	chain::{runtime, At, Chain},
	WorkerError,
};
use subxt::utils::{AccountId32, H256};

type Types = runtime::runtime_types::pallet_aiblock_inference::types::ServerTerms<u128>;

/// A server as the chain has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerOnChain {
	pub model: u32,
	pub price_per_1k: u128,
	pub free_tokens_per_period: u64,
	pub endpoint: String,
}

/// A claim under audit, as an auditor reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimAudit {
	pub claim: u64,
	/// The request numbers to replay.
	pub sample: Vec<u64>,
	pub commit_until: u32,
	pub reveal_until: u32,
	/// The panel: each auditor, whether it committed and whether it revealed.
	pub panel: Vec<(AccountId32, bool, bool)>,
}

impl ClaimAudit {
	/// `who`'s seat: whether it committed and whether it revealed.
	pub fn seat(&self, who: &AccountId32) -> Option<(bool, bool)> {
		self.panel.iter().find(|(seat, ..)| seat == who).map(|(_, c, r)| (*c, *r))
	}
}

/// A claim not yet past its audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenClaim {
	pub server: AccountId32,
	pub client: AccountId32,
	pub channel: u64,
	/// The batch file's CID (binary).
	pub batch: Vec<u8>,
	pub first_request: u64,
	pub last_request: u64,
	/// The block it was claimed in.
	pub claimed_at: u32,
}

/// A free-tier member's use in the current period, as the chain counts it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberUse {
	pub tokens: u64,
	pub requests: u32,
}

/// What a donor checks a free request against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreeStanding {
	/// The current quota period, and the first block of the next.
	pub period: u32,
	pub period_ends: u64,
	pub quota_tokens: u64,
	pub quota_requests: u32,
	/// `None`: the account is not in the free tier.
	pub member: Option<MemberUse>,
	/// The free tokens the donor's reports counted in the period.
	pub donor_served: u64,
	/// The member's totals with this donor the chain counted in the period (tokens,
	/// requests): where both go on from when the donor holds no newer receipt.
	pub reported_here: (u64, u32),
}

/// The chain's account type from the primitives' one (the same 32 bytes).
pub fn chain_account(who: &aiblock_primitives::AccountId) -> AccountId32 {
	AccountId32(*<aiblock_primitives::AccountId as AsRef<[u8; 32]>>::as_ref(who))
}

/// The primitives' account type from the chain's.
pub fn account(who: &AccountId32) -> aiblock_primitives::AccountId {
	aiblock_primitives::AccountId::from(who.0)
}

fn chain_receipt(
	signed: &SignedReceipt,
) -> Result<
	(
		runtime::runtime_types::aiblock_primitives::inference::Receipt<AccountId32>,
		runtime::runtime_types::sp_runtime::MultiSignature,
	),
	WorkerError,
> {
	let r = &signed.receipt;
	let receipt = runtime::runtime_types::aiblock_primitives::inference::Receipt {
		channel: r.channel,
		client: chain_account(&r.client),
		server: chain_account(&r.server),
		state_root: H256(r.state_root.0),
		request_hash: H256(r.request_hash.0),
		cumulative_tokens: r.cumulative_tokens,
		requests: r.requests,
	};
	Ok((receipt, chain_signature(&signed.signature)?))
}

fn chain_signature(
	signature: &aiblock_primitives::Signature,
) -> Result<runtime::runtime_types::sp_runtime::MultiSignature, WorkerError> {
	use aiblock_primitives::Signature;
	use runtime::runtime_types::sp_runtime::MultiSignature;
	Ok(match signature {
		Signature::Sr25519(s) => MultiSignature::Sr25519(s.0),
		Signature::Ed25519(s) => MultiSignature::Ed25519(s.0),
		Signature::Ecdsa(s) => MultiSignature::Ecdsa(s.0),
		// Receipts are signed with sr25519 keys (the worker's `receipt::sign_next`).
		_ => {
			return Err(WorkerError::Usage("a receipt signed with an unsupported key type".into()))
		},
	})
}

impl Chain {
	/// The chain's genesis hash: every receipt is signed over it.
	pub fn genesis(&self) -> aiblock_primitives::H256 {
		aiblock_primitives::H256(self.api.genesis_hash().0)
	}

	/// `who` as a registered server, if it is one.
	pub async fn server(
		&self,
		at: &At,
		who: &AccountId32,
	) -> Result<Option<ServerOnChain>, WorkerError> {
		let entry = at
			.storage()
			.entry(runtime::storage().inference().servers())
			.map_err(|e| self.node_error("Inference.Servers", e))?;
		let Some(value) =
			entry.try_fetch((*who,)).await.map_err(|e| self.node_error("Inference.Servers", e))?
		else {
			return Ok(None);
		};
		let info = value.decode().map_err(|e| self.node_error("a server", e))?;
		Ok(Some(ServerOnChain {
			model: info.terms.model,
			price_per_1k: info.terms.price_per_1k,
			free_tokens_per_period: info.terms.free_tokens_per_period,
			endpoint: String::from_utf8_lossy(&info.endpoint.0).into_owned(),
		}))
	}

	/// Every registered server's model and endpoint (the peers an expert-parallel server
	/// may call).
	pub async fn server_endpoints(&self, at: &At) -> Result<Vec<(u32, String)>, WorkerError> {
		let entry = at
			.storage()
			.entry(runtime::storage().inference().servers())
			.map_err(|e| self.node_error("Inference.Servers", e))?;
		let mut iter = entry.iter(()).await.map_err(|e| self.node_error("Inference.Servers", e))?;
		let mut servers = Vec::new();
		while let Some(kv) = iter.next().await {
			let kv = kv.map_err(|e| self.node_error("Inference.Servers", e))?;
			let info = kv.value().decode().map_err(|e| self.node_error("a server", e))?;
			servers
				.push((info.terms.model, String::from_utf8_lossy(&info.endpoint.0).into_owned()));
		}
		Ok(servers)
	}

	/// `client`'s channel with `server`, if open.
	pub async fn channel(
		&self,
		at: &At,
		client: &AccountId32,
		server: &AccountId32,
	) -> Result<Option<OnChain>, WorkerError> {
		let entry = at
			.storage()
			.entry(runtime::storage().inference().channels())
			.map_err(|e| self.node_error("Inference.Channels", e))?;
		let Some(value) = entry
			.try_fetch((*client, *server))
			.await
			.map_err(|e| self.node_error("Inference.Channels", e))?
		else {
			return Ok(None);
		};
		let c = value.decode().map_err(|e| self.node_error("a channel", e))?;
		Ok(Some(OnChain {
			id: c.id,
			price_per_1k: c.price_per_1k,
			deposit: c.deposit,
			claimed_tokens: c.claimed_tokens,
			claimed_requests: c.claimed_requests,
			closing: c.closes_at.is_some(),
		}))
	}

	/// Register this key as a server of `model` at `price_per_1k`, or update its terms when
	/// it is one already (the key must have bonded the collateral first).
	pub async fn offer_serving(
		&self,
		model: u32,
		price_per_1k: u128,
		free_tokens_per_period: u64,
		endpoint: &str,
	) -> Result<(), WorkerError> {
		let at = self.finalized().await?;
		let terms = Types { model, price_per_1k, free_tokens_per_period };
		let endpoint = runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(
			endpoint.as_bytes().to_vec(),
		);
		let api = runtime::transactions().inference();
		let me = self.account();
		let registered = self.server(&at, &me).await?.is_some();
		let collateral = at
			.constants()
			.entry(runtime::constants().inference().server_collateral())
			.map_err(|e| self.node_error("Inference.ServerCollateral", e))?;
		let active = self.active_stake(&at, &me).await?;
		if !registered && active < collateral {
			// Selling is asking for it: bond what the collateral lacks.
			let missing = collateral - active;
			log::info!("serve: bonding {missing} planck more for the server collateral");
			self.submit("stake.bond", &runtime::transactions().stake().bond(missing)).await?;
		}
		match registered {
			true => {
				self.submit("inference.update_server", &api.update_server(terms, endpoint)).await?
			},
			false => {
				self.submit("inference.register_server", &api.register_server(terms, endpoint))
					.await?
			},
		};
		Ok(())
	}

	/// Open a channel with `server`, holding `deposit` from this key, if its price is at most
	/// `max_price_per_1k` (what it advertised: a raise in between opens nothing).
	pub async fn open_channel(
		&self,
		server: &AccountId32,
		deposit: u128,
		max_price_per_1k: u128,
	) -> Result<(), WorkerError> {
		let call =
			runtime::transactions().inference().open_channel(*server, deposit, max_price_per_1k);
		self.submit("inference.open_channel", &call).await.map(|_| ())
	}

	/// Close this key's channel with `server` (the rest comes back after the dispute window,
	/// through [`Chain::withdraw_channel`]).
	pub async fn close_channel(&self, server: &AccountId32) -> Result<(), WorkerError> {
		let call = runtime::transactions().inference().close_channel(*server);
		self.submit("inference.close_channel", &call).await.map(|_| ())
	}

	/// Take back the rest of a closed channel with `server`.
	pub async fn withdraw_channel(&self, server: &AccountId32) -> Result<(), WorkerError> {
		let call = runtime::transactions().inference().withdraw(*server);
		self.submit("inference.withdraw", &call).await.map(|_| ())
	}

	/// Claim the answers up to `signed` on `model`'s weights, their per-block `usage`
	/// (ascending), the batch file at `batch` (a CID); returns the claim's id and its fee.
	pub async fn claim(
		&self,
		signed: &SignedReceipt,
		model: u32,
		usage: &[([u8; 32], u64)],
		batch: Vec<u8>,
	) -> Result<(u64, u128), WorkerError> {
		let (receipt, signature) = chain_receipt(signed)?;
		let usage = runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(
			usage.iter().map(|(id, tokens)| (H256(*id), *tokens)).collect(),
		);
		let batch = runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(batch);
		let call =
			runtime::transactions().inference().claim(receipt, signature, model, usage, batch);
		let events = self.submit("inference.claim", &call).await?;
		match events.find_first::<runtime::inference::events::Claimed>() {
			Some(Ok(claimed)) => Ok((claimed.claim, claimed.fee)),
			_ => Err(WorkerError::Node("inference.claim: no Claimed event".into())),
		}
	}

	/// Claim `claim`'s state: `None` once past its audit; `Some(None)` while it awaits the
	/// draw; `Some(Some(reveal_until))` while under audit.
	pub async fn claim_state(
		&self,
		at: &At,
		claim: u64,
	) -> Result<Option<Option<u32>>, WorkerError> {
		let open = at
			.storage()
			.entry(runtime::storage().inference().open_claims())
			.map_err(|e| self.node_error("Inference.OpenClaims", e))?;
		if open
			.try_fetch((claim,))
			.await
			.map_err(|e| self.node_error("Inference.OpenClaims", e))?
			.is_none()
		{
			return Ok(None);
		}
		let audits = at
			.storage()
			.entry(runtime::storage().inference().audits())
			.map_err(|e| self.node_error("Inference.Audits", e))?;
		match audits
			.try_fetch((claim,))
			.await
			.map_err(|e| self.node_error("Inference.Audits", e))?
		{
			Some(audit) => {
				let audit = audit.decode().map_err(|e| self.node_error("an audit", e))?;
				Ok(Some(Some(audit.reveal_until)))
			},
			None => Ok(Some(None)),
		}
	}

	/// `member`'s free-tier standing with `donor` at `at`.
	pub async fn free_standing(
		&self,
		at: &At,
		member: &AccountId32,
		donor: &AccountId32,
	) -> Result<FreeStanding, WorkerError> {
		let length = at
			.constants()
			.entry(runtime::constants().inference().free_period())
			.map_err(|e| self.node_error("Inference.FreePeriod", e))?
			.max(1);
		let period = (at.block_number() / u64::from(length)) as u32;
		let (quota_tokens, quota_requests) = self.free_quota(at).await?;
		let users = at
			.storage()
			.entry(runtime::storage().inference().free_users())
			.map_err(|e| self.node_error("Inference.FreeUsers", e))?;
		let mut reported_here = (0, 0);
		let member = match users
			.try_fetch((*member,))
			.await
			.map_err(|e| self.node_error("Inference.FreeUsers", e))?
		{
			None => None,
			Some(value) => {
				let user = value.decode().map_err(|e| self.node_error("a free user", e))?;
				if user.period != period {
					Some(MemberUse::default())
				} else {
					let here = user.by_donor.0.iter().find(|entry| entry.donor == *donor);
					reported_here = here.map_or((0, 0), |entry| (entry.tokens, entry.requests));
					Some(MemberUse { tokens: user.tokens, requests: user.requests })
				}
			},
		};
		let servers = at
			.storage()
			.entry(runtime::storage().inference().servers())
			.map_err(|e| self.node_error("Inference.Servers", e))?;
		let donor_served = match servers
			.try_fetch((*donor,))
			.await
			.map_err(|e| self.node_error("Inference.Servers", e))?
		{
			Some(value) => {
				let info = value.decode().map_err(|e| self.node_error("a server", e))?;
				if info.free_period == period {
					info.free_served
				} else {
					0
				}
			},
			None => 0,
		};
		Ok(FreeStanding {
			period,
			period_ends: (u64::from(period) + 1) * u64::from(length),
			quota_tokens,
			quota_requests,
			member,
			donor_served,
			reported_here,
		})
	}

	/// The free tier's quota per period: tokens and requests (governance's, or the runtime's
	/// defaults).
	async fn free_quota(&self, at: &At) -> Result<(u64, u32), WorkerError> {
		let params = at
			.storage()
			.entry(runtime::storage().inference().params())
			.map_err(|e| self.node_error("Inference.Params", e))?
			.try_fetch(())
			.await
			.map_err(|e| self.node_error("Inference.Params", e))?;
		if let Some(params) = params {
			let p = params.decode().map_err(|e| self.node_error("the market params", e))?;
			return Ok((p.free_tokens_per_period, p.free_requests_per_period));
		}
		let constant = |e| self.node_error("Inference's free quota", e);
		let tokens = at
			.constants()
			.entry(runtime::constants().inference().free_tokens_per_period())
			.map_err(constant)?;
		let requests = at
			.constants()
			.entry(runtime::constants().inference().free_requests_per_period())
			.map_err(constant)?;
		Ok((tokens, requests))
	}

	/// Join the free tier (its deposit is held until [`Chain::leave_free_tier`]).
	pub async fn join_free_tier(&self) -> Result<(), WorkerError> {
		let call = runtime::transactions().inference().join_free_tier();
		self.submit("inference.join_free_tier", &call).await.map(|_| ())
	}

	/// Count a member's signed free receipt against its quota and this donor's capacity.
	pub async fn report_free_usage(
		&self,
		signed: &super::receipt::SignedFreeReceipt,
	) -> Result<(), WorkerError> {
		let r = &signed.receipt;
		let receipt = runtime::runtime_types::aiblock_primitives::inference::FreeReceipt {
			client: chain_account(&r.client),
			server: chain_account(&r.server),
			period: r.period,
			state_root: H256(r.state_root.0),
			request_hash: H256(r.request_hash.0),
			cumulative_tokens: r.cumulative_tokens,
			requests: r.requests,
		};
		let signature = chain_signature(&signed.signature)?;
		let call = runtime::transactions().inference().report_free_usage(receipt, signature);
		self.submit("inference.report_free_usage", &call).await.map(|_| ())
	}

	/// Every audit under way, by claim id.
	pub async fn claim_audits(&self, at: &At) -> Result<Vec<ClaimAudit>, WorkerError> {
		let entry = at
			.storage()
			.entry(runtime::storage().inference().audits())
			.map_err(|e| self.node_error("Inference.Audits", e))?;
		let mut iter = entry.iter(()).await.map_err(|e| self.node_error("Inference.Audits", e))?;
		let mut audits = Vec::new();
		while let Some(kv) = iter.next().await {
			let kv = kv.map_err(|e| self.node_error("Inference.Audits", e))?;
			let claim = kv
				.key()
				.and_then(|k| k.decode())
				.map_err(|e| self.node_error("an Inference.Audits key", e))?
				.0;
			let audit = kv.value().decode().map_err(|e| self.node_error("an audit", e))?;
			audits.push(ClaimAudit {
				claim,
				sample: audit.sample.0,
				commit_until: audit.commit_until,
				reveal_until: audit.reveal_until,
				panel: audit
					.panel
					.0
					.into_iter()
					.map(|seat| (seat.who, seat.commitment.is_some(), seat.verdict.is_some()))
					.collect(),
			});
		}
		audits.sort_by_key(|a| a.claim);
		Ok(audits)
	}

	/// Claim `claim`, while it is not past its audit.
	pub async fn open_claim(&self, at: &At, claim: u64) -> Result<Option<OpenClaim>, WorkerError> {
		let entry = at
			.storage()
			.entry(runtime::storage().inference().open_claims())
			.map_err(|e| self.node_error("Inference.OpenClaims", e))?;
		let Some(value) = entry
			.try_fetch((claim,))
			.await
			.map_err(|e| self.node_error("Inference.OpenClaims", e))?
		else {
			return Ok(None);
		};
		let info = value.decode().map_err(|e| self.node_error("a claim", e))?;
		Ok(Some(OpenClaim {
			server: info.server,
			client: info.client,
			channel: info.channel,
			batch: info.batch.0,
			first_request: info.first_request,
			last_request: info.last_request,
			claimed_at: info.claimed_at,
		}))
	}

	/// The usage `claim` paid the authors by: the `usage` of its transaction (a server claims
	/// once a block, so its claim on that channel is the one). `None`: not found there.
	pub async fn claimed_usage(
		&self,
		claim: &OpenClaim,
	) -> Result<Option<Vec<([u8; 32], u64)>>, WorkerError> {
		use runtime::inference::calls::Claim;
		let at = self
			.api
			.at_block(u64::from(claim.claimed_at))
			.await
			.map_err(|e| self.node_error("the claim's block", e))?;
		let extrinsics =
			at.extrinsics().fetch().await.map_err(|e| self.node_error("the claim's block", e))?;
		for call in extrinsics.find::<Claim>() {
			let call = call.map_err(|e| self.node_error("a claim transaction", e))?;
			if call.receipt.server == claim.server && call.receipt.channel == claim.channel {
				return Ok(Some(call.usage.0.iter().map(|(id, tokens)| (id.0, *tokens)).collect()));
			}
		}
		Ok(None)
	}

	/// Commit to a verdict on `claim` (`aiblock_primitives::inference::audit_commitment`).
	pub async fn commit_claim_audit(
		&self,
		claim: u64,
		commitment: [u8; 32],
	) -> Result<(), WorkerError> {
		let call = runtime::transactions().inference().commit_audit(claim, H256(commitment));
		self.submit("inference.commit_audit", &call).await.map(|_| ())
	}

	/// Reveal the verdict committed to on `claim`.
	pub async fn reveal_claim_audit(
		&self,
		claim: u64,
		mismatch: bool,
		salt: [u8; 32],
	) -> Result<(), WorkerError> {
		use runtime::runtime_types::aiblock_primitives::inference::AuditVerdict;
		let verdict = if mismatch { AuditVerdict::Mismatch } else { AuditVerdict::Honest };
		let call = runtime::transactions().inference().reveal_audit(claim, verdict, H256(salt));
		self.submit("inference.reveal_audit", &call).await.map(|_| ())
	}

	/// Apply the verdict of the audit of `claim` (its reveal window over).
	pub async fn settle_audit(&self, claim: u64) -> Result<(), WorkerError> {
		let call = runtime::transactions().inference().settle_audit(claim);
		self.submit("inference.settle_audit", &call).await.map(|_| ())
	}

	/// The smallest fee a claim may pay (`Inference.MinClaimFee`).
	pub async fn min_claim_fee(&self) -> Result<u128, WorkerError> {
		let at = self.finalized().await?;
		at.constants()
			.entry(runtime::constants().inference().min_claim_fee())
			.map_err(|e| self.node_error("Inference.MinClaimFee", e))
	}
}
