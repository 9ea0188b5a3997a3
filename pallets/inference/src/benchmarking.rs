//! Benchmarks of the Inference pallet's calls and its audit draw, each in its worst case: a
//! claim naming the most blocks, each by another author; an audit settled on a mismatch with
//! the whole panel paid; every claim of a block drawn for an audit.

use super::*;
use aiblock_primitives::inference::audit_commitment;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate as _;
use frame_system::RawOrigin;

fn cid(seed: u8) -> Cid {
	let mut bytes = alloc::vec![0x01, 0x55, 0x12, 32];
	bytes.extend([seed; 32]);
	bytes.try_into().expect("36 bytes fit a CID")
}

fn endpoint<T: Config>() -> BoundedVec<u8, T::MaxEndpointLen> {
	let mut url = b"http://127.0.0.1:8080/".to_vec();
	url.resize(T::MaxEndpointLen::get() as usize, b'a');
	url.try_into().expect("resized to the bound")
}

fn rich<T: Config>(who: &T::AccountId) {
	let plenty = T::ServerCollateral::get()
		.saturating_add(T::MinChannelDeposit::get())
		.saturating_add(T::FreeTierDeposit::get())
		.saturating_mul(1_000u32.into());
	T::Currency::set_balance(who, plenty);
}

/// A registered server of `model` (the `seed`-th signer), a donor of plenty.
fn server<T: Config>(model: ModelIndex, seed: u32) -> T::AccountId {
	let who = T::BenchmarkHelper::signer(seed);
	T::BenchmarkHelper::bond(&who);
	rich::<T>(&who);
	let terms = ServerTerms {
		model,
		price_per_1k: T::MinChannelDeposit::get(),
		free_tokens_per_period: u64::MAX,
	};
	Pallet::<T>::register_server(RawOrigin::Signed(who.clone()).into(), terms, endpoint::<T>())
		.expect("a bonded account registers");
	who
}

/// A client (the `seed`-th signer) with a channel of a large deposit to `server`.
fn client<T: Config>(seed: u32, server: &T::AccountId) -> T::AccountId {
	let who = T::BenchmarkHelper::signer(seed);
	rich::<T>(&who);
	let deposit = T::MinChannelDeposit::get().saturating_mul(100u32.into());
	Pallet::<T>::open_channel(
		RawOrigin::Signed(who.clone()).into(),
		server.clone(),
		deposit,
		T::MinChannelDeposit::get(),
	)
	.expect("a funded client opens a channel");
	who
}

/// The model's usage: every block with a token count.
fn usage<T: Config>(ids: &[H256]) -> UsageOf<T> {
	ids.iter()
		.enumerate()
		.map(|(i, id)| (*id, 1 + i as u64))
		.collect::<Vec<_>>()
		.try_into()
		.expect("at most MaxUsageBlocks")
}

/// A signed receipt for `requests` answers of 1,000 tokens each.
fn signed_receipt<T: Config>(
	client: &T::AccountId,
	server: &T::AccountId,
	model: ModelIndex,
	ids: &[H256],
	requests: u64,
) -> (Receipt<T::AccountId>, T::Signature) {
	let channel = Channels::<T>::get(client, server).expect("an open channel");
	let receipt = Receipt {
		channel: channel.id,
		client: client.clone(),
		server: server.clone(),
		state_root: state_root(model, ids),
		request_hash: H256::repeat_byte(7),
		cumulative_tokens: requests * 1_000,
		requests,
	};
	let signature =
		T::BenchmarkHelper::sign(client, &receipt_payload(&Pallet::<T>::genesis_hash(), &receipt));
	(receipt, signature)
}

/// `count` claims of different clients in this block, with `auditors` listed before it.
fn claims<T: Config>(count: u32, auditors: u32) -> (T::AccountId, Vec<ClaimId>) {
	let (model, ids) = T::BenchmarkHelper::served_model(T::MaxUsageBlocks::get());
	for i in 0..auditors {
		T::BenchmarkHelper::make_auditor(&account("auditor", i, 0));
	}
	let next = frame_system::Pallet::<T>::block_number() + 1u32.into();
	frame_system::Pallet::<T>::set_block_number(next);
	let mut claimed = Vec::new();
	let mut last_server = None;
	// One claim per server per block: a server each.
	for seed in 1..=count {
		let server = server::<T>(model, 1_000 + seed);
		let client = client::<T>(seed, &server);
		let (receipt, signature) = signed_receipt::<T>(&client, &server, model, &ids, 10);
		Pallet::<T>::do_claim(receipt, signature, model, usage::<T>(&ids), cid(1))
			.expect("a valid claim");
		claimed.push(NextClaimId::<T>::get() - 1);
		last_server = Some(server);
	}
	(last_server.expect("at least one claim"), claimed)
}

/// An audit's server, claim, panel and windows.
struct Drawn<T: Config> {
	server: T::AccountId,
	claim: ClaimId,
	panel: Vec<T::AccountId>,
	commit_until: BlockNumberFor<T>,
	reveal_until: BlockNumberFor<T>,
}

/// One claim, drawn for an audit (every claim is, whatever `AuditOneIn`: the draw is forced).
fn audit<T: Config>() -> Drawn<T> {
	let (server, claimed) = claims::<T>(1, T::AuditPanel::get());
	let claim = claimed[0];
	ToDraw::<T>::kill();
	let info = OpenClaims::<T>::get(claim).expect("open");
	let panel: Vec<T::AccountId> =
		(0..T::AuditPanel::get()).map(|i| account("auditor", i, 0)).collect();
	let now = frame_system::Pallet::<T>::block_number();
	let (commit_until, reveal_until) = (now + 10u32.into(), now + 20u32.into());
	let audit = Audit::<T> {
		sample: (info.first_request..info.first_request + u64::from(T::AuditSample::get()))
			.collect::<Vec<_>>()
			.try_into()
			.expect("the sample's bound"),
		panel: panel
			.iter()
			.cloned()
			.map(|who| AuditorSeat { who, commitment: None, verdict: None })
			.collect::<Vec<_>>()
			.try_into()
			.expect("the panel's bound"),
		commit_until,
		reveal_until,
	};
	Audits::<T>::insert(claim, audit);
	Drawn { server, claim, panel, commit_until, reveal_until }
}

fn salt() -> H256 {
	H256::repeat_byte(0x5a)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_server() {
		let (model, _) = T::BenchmarkHelper::served_model(1);
		let who = T::BenchmarkHelper::signer(0);
		T::BenchmarkHelper::bond(&who);
		let terms = ServerTerms { model, price_per_1k: 1u32.into(), free_tokens_per_period: 1 };
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), terms, endpoint::<T>());
		assert!(Servers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn update_server() {
		let (model, _) = T::BenchmarkHelper::served_model(1);
		let who = server::<T>(model, 0);
		let terms = ServerTerms { model, price_per_1k: 2u32.into(), free_tokens_per_period: 0 };
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), terms, endpoint::<T>());
		assert_eq!(Servers::<T>::get(&who).map(|s| s.terms), Some(terms));
	}

	#[benchmark]
	fn unregister_server() {
		let (model, _) = T::BenchmarkHelper::served_model(1);
		let who = server::<T>(model, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Servers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn open_channel() {
		let (model, _) = T::BenchmarkHelper::served_model(1);
		let server = server::<T>(model, 0);
		let client = T::BenchmarkHelper::signer(1);
		rich::<T>(&client);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(client.clone()),
			server.clone(),
			T::MinChannelDeposit::get(),
			T::MinChannelDeposit::get(),
		);
		assert!(Channels::<T>::contains_key(&client, &server));
	}

	#[benchmark]
	fn top_up() {
		let (model, _) = T::BenchmarkHelper::served_model(1);
		let server = server::<T>(model, 0);
		let client = client::<T>(1, &server);
		#[extrinsic_call]
		_(RawOrigin::Signed(client.clone()), server.clone(), T::MinChannelDeposit::get());
	}

	#[benchmark]
	fn close_channel() {
		let (model, _) = T::BenchmarkHelper::served_model(1);
		let server = server::<T>(model, 0);
		let client = client::<T>(1, &server);
		#[extrinsic_call]
		_(RawOrigin::Signed(client.clone()), server.clone());
		assert!(Channels::<T>::get(&client, &server).is_some_and(|c| c.closes_at.is_some()));
	}

	#[benchmark]
	fn withdraw() {
		let (model, _) = T::BenchmarkHelper::served_model(1);
		let server = server::<T>(model, 0);
		let client = client::<T>(1, &server);
		Pallet::<T>::close_channel(RawOrigin::Signed(client.clone()).into(), server.clone())
			.expect("open");
		let after = frame_system::Pallet::<T>::block_number()
			+ Pallet::<T>::params().dispute_window
			+ 1u32.into();
		frame_system::Pallet::<T>::set_block_number(after);
		#[extrinsic_call]
		_(RawOrigin::Signed(client.clone()), server.clone());
		assert!(!Channels::<T>::contains_key(&client, &server));
	}

	#[benchmark]
	fn claim(u: Linear<1, { T::MaxUsageBlocks::get() }>) {
		let (model, ids) = T::BenchmarkHelper::served_model(u);
		let server = server::<T>(model, 0);
		let client = client::<T>(1, &server);
		let (receipt, signature) = signed_receipt::<T>(&client, &server, model, &ids, 10);
		#[extrinsic_call]
		_(RawOrigin::Signed(server.clone()), receipt, signature, model, usage::<T>(&ids), cid(1));
		assert_eq!(ToDraw::<T>::get().len(), 1);
	}

	#[benchmark]
	fn join_free_tier() {
		let who = T::BenchmarkHelper::signer(1);
		rich::<T>(&who);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(FreeUsers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn leave_free_tier() {
		let who = T::BenchmarkHelper::signer(1);
		rich::<T>(&who);
		Pallet::<T>::join_free_tier(RawOrigin::Signed(who.clone()).into()).expect("funded");
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!FreeUsers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn report_free_usage() {
		let (model, ids) = T::BenchmarkHelper::served_model(1);
		let donor = server::<T>(model, 0);
		let who = T::BenchmarkHelper::signer(1);
		rich::<T>(&who);
		Pallet::<T>::join_free_tier(RawOrigin::Signed(who.clone()).into()).expect("funded");
		// The user's period already counts the most donors but one: a search and a push.
		let mut user = FreeUsers::<T>::get(&who).expect("joined");
		user.period = Pallet::<T>::free_period();
		for i in 1..T::MaxDonorsPerUser::get() {
			let other = account("donor", i, 0);
			user.by_donor.try_push(DonorUsage { donor: other, tokens: 0, requests: 0 }).ok();
		}
		FreeUsers::<T>::insert(&who, user);
		let receipt = FreeReceipt {
			client: who.clone(),
			server: donor.clone(),
			period: Pallet::<T>::free_period(),
			state_root: state_root(model, &ids),
			request_hash: H256::repeat_byte(7),
			cumulative_tokens: 1,
			requests: 1,
		};
		let signature = T::BenchmarkHelper::sign(
			&who,
			&free_receipt_payload(&Pallet::<T>::genesis_hash(), &receipt),
		);
		#[extrinsic_call]
		_(RawOrigin::Signed(donor), receipt, signature);
		assert_eq!(FreeUsers::<T>::get(&who).map(|u| u.requests), Some(1));
	}

	#[benchmark]
	fn commit_audit() {
		let drawn = audit::<T>();
		let last = drawn.panel.last().expect("a panel").clone();
		let commitment = audit_commitment(drawn.claim, &last, AuditVerdict::Mismatch, &salt());
		#[extrinsic_call]
		_(RawOrigin::Signed(last), drawn.claim, commitment);
	}

	#[benchmark]
	fn reveal_audit() {
		let drawn = audit::<T>();
		let last = drawn.panel.last().expect("a panel").clone();
		let commitment = audit_commitment(drawn.claim, &last, AuditVerdict::Mismatch, &salt());
		Pallet::<T>::commit_audit(RawOrigin::Signed(last.clone()).into(), drawn.claim, commitment)
			.expect("on the panel");
		frame_system::Pallet::<T>::set_block_number(drawn.commit_until + 1u32.into());
		#[extrinsic_call]
		_(RawOrigin::Signed(last), drawn.claim, AuditVerdict::Mismatch, salt());
	}

	#[benchmark]
	fn settle_audit() {
		let drawn = audit::<T>();
		// Every auditor found a mismatch: the slash, the client's half, every auditor's share
		// and reward, the server's removal.
		for who in &drawn.panel {
			let commitment = audit_commitment(drawn.claim, who, AuditVerdict::Mismatch, &salt());
			Pallet::<T>::commit_audit(
				RawOrigin::Signed(who.clone()).into(),
				drawn.claim,
				commitment,
			)
			.expect("on the panel");
		}
		frame_system::Pallet::<T>::set_block_number(drawn.commit_until + 1u32.into());
		for who in &drawn.panel {
			Pallet::<T>::reveal_audit(
				RawOrigin::Signed(who.clone()).into(),
				drawn.claim,
				AuditVerdict::Mismatch,
				salt(),
			)
			.expect("committed");
		}
		frame_system::Pallet::<T>::set_block_number(drawn.reveal_until + 1u32.into());
		#[extrinsic_call]
		_(RawOrigin::Signed(drawn.server.clone()), drawn.claim);
		assert!(!Servers::<T>::contains_key(&drawn.server));
	}

	#[benchmark]
	fn set_params() -> Result<(), BenchmarkError> {
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let params = MarketParams {
			audit_one_in: 1,
			audit_commit_window: MIN_AUDIT_WINDOW.into(),
			audit_reveal_window: MIN_AUDIT_WINDOW.into(),
			dispute_window: 1u32.into(),
			free_tokens_per_period: 1,
			free_requests_per_period: 1,
		};

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params);

		assert_eq!(Pallet::<T>::params(), params);
		Ok(())
	}

	#[benchmark]
	fn draw_audits(c: Linear<1, { T::MaxClaimsPerBlock::get() }>) {
		// A full registry: the draw ranks every listed auditor.
		let (_, claimed) = claims::<T>(c, T::MaxAuditorPool::get());
		let now = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			for (id, _) in ToDraw::<T>::take() {
				// Drawn as if every claim were audited, the costlier path.
				Pallet::<T>::draw_audit_always(id, now, &[0u8; 32]);
			}
		}
		assert!(claimed.iter().all(Audits::<T>::contains_key));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
