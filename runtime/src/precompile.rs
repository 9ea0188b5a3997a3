//! The AI-Block precompile: what a Solidity contract can ask of the chain, at the fixed address
//! `0x000000000000000000000000000000000A1B0000`, with the interface `contracts/IAIBlock.sol`
//! (compiled into this module, so the two cannot drift apart).
//!
//! Reads: the block filling a model's slot, a model's revision and score, a job's stage and
//! outcome. Writes: post a training job paid from the caller's own balance, and cancel it.
//!
//! Why it is safe to hand to any contract:
//! - The payer is always the immediate caller (`msg.sender`): a contract can only spend its own
//!   balance, and an account only its own, however deep the call stack. Delegate calls, whose
//!   `msg.sender` would be someone else's, are refused, and so are value transfers (the budget
//!   is held by the Jobs pallet, never sent here).
//! - A job is posted by dispatching `Jobs::post_job` as the caller, so the base call filter,
//!   every check of the pallet and its escrow apply exactly as for a signed extrinsic. Its
//!   declared weight is charged as gas before it runs (out of gas: nothing happens), and the
//!   unused part is refunded.
//! - Every refusal reverts with the chain error's name as `Error(string)`; revive rolls back the
//!   frame, so a reverted call moves nothing.

use alloc::{string::String, vec::Vec};
use codec::DecodeLimit;
use core::num::NonZero;
use frame_support::{dispatch::GetDispatchInfo, traits::Get};
use pallet_aiblock_jobs::{JobOutcome, Stage};
use pallet_revive::precompiles::{
	alloy::{
		self,
		primitives::{Address, FixedBytes, U256 as SolU256},
		sol_types::{SolCall, SolEvent, SolValue},
	},
	AddressMatcher, Error, Ext, Precompile, RuntimeCosts, H256, U256,
};
use sp_runtime::{traits::Dispatchable, DispatchError, DispatchErrorWithPostInfo};

use aiblock_primitives::{
	dag::{BlockKind, ModelIndex, QualityGate},
	jobs::{JobId, JobSpec},
};

use crate::{AccountId, Balance, Runtime, RuntimeCall, RuntimeOrigin};

alloy::sol!("../contracts/IAIBlock.sol");

use IAIBlock::IAIBlockCalls as Call;

/// The precompile's index: its address is 16 zero bytes, this (big-endian), two zero bytes.
pub const PRECOMPILE_INDEX: u16 = 0x0A1B;

/// Deepest nesting a job spec may decode with (it is a few flat vectors).
const SPEC_DEPTH_LIMIT: u32 = 8;

/// See the module's documentation.
pub struct AiBlockPrecompile;

impl Precompile for AiBlockPrecompile {
	type T = Runtime;
	type Interface = Call;
	// A constant: evaluated (and checked non-zero) at compile time, never at run time.
	const MATCHER: AddressMatcher =
		AddressMatcher::Fixed(NonZero::new(PRECOMPILE_INDEX).expect("non-zero"));
	const HAS_CONTRACT_INFO: bool = false;

	fn call(
		_address: &[u8; 20],
		input: &Self::Interface,
		env: &mut impl Ext<T = Self::T>,
	) -> Result<Vec<u8>, Error> {
		let reads = |n: u64| <Runtime as frame_system::Config>::DbWeight::get().reads(n);
		match input {
			Call::currentBlock(IAIBlock::currentBlockCall { model, kind, layer, expert }) => {
				// The slot's entry in `Current`, and its block's record.
				env.charge(reads(2))?;
				let kind =
					slot_kind(*kind, *layer, *expert).ok_or_else(|| revert("UnknownSlot"))?;
				let (id, _) = <ExpertDag as QualityGate<AccountId>>::current(*model, kind)
					.ok_or_else(|| revert("UnknownSlot"))?;
				Ok(FixedBytes::<32>(id.0).abi_encode())
			},
			Call::modelScore(IAIBlock::modelScoreCall { model }) => {
				// `Models` (does it exist) and `States`.
				env.charge(reads(2))?;
				let state = <ExpertDag as QualityGate<AccountId>>::state(*model as ModelIndex)
					.ok_or_else(|| revert("UnknownModel"))?;
				let score = (state.revision, state.score.is_some(), state.score.unwrap_or(0));
				Ok(IAIBlock::modelScoreCall::abi_encode_returns_tuple(&score))
			},
			Call::jobStatus(IAIBlock::jobStatusCall { job }) => {
				// `Jobs`, then `NextJobId` and `Outcomes` for a job that ended.
				env.charge(reads(3))?;
				Ok(IAIBlock::jobStatusCall::abi_encode_returns_tuple(&job_status(*job)?))
			},
			Call::postJob(IAIBlock::postJobCall { spec, budget }) => {
				let poster = writer(env)?;
				let spec =
					JobSpec::decode_all_with_depth_limit(SPEC_DEPTH_LIMIT, &mut &spec[..])
						.map_err(|_| revert("BadJobSpec: not the SCALE encoding of a JobSpec"))?;
				let budget = planck(*budget)?;
				// `NextJobId`, for the id the job gets (the call's own weight is charged below).
				env.charge(reads(1))?;
				let job = pallet_aiblock_jobs::NextJobId::<Runtime>::get();
				let call = pallet_aiblock_jobs::Call::<Runtime>::post_job { spec, budget };
				dispatch(env, &poster, call.into())?;
				let event =
					IAIBlock::JobPosted { job, poster: eth_address(&poster), budget: wei(budget) };
				emit(env, event)?;
				Ok(job.abi_encode())
			},
			Call::cancelJob(IAIBlock::cancelJobCall { job }) => {
				let poster = writer(env)?;
				env.charge(reads(1))?;
				let held = pallet_aiblock_jobs::Jobs::<Runtime>::get(job).map(|j| j.held());
				let call = pallet_aiblock_jobs::Call::<Runtime>::cancel_job { job: *job };
				dispatch(env, &poster, call.into())?;
				Ok(wei(held.unwrap_or_default()).abi_encode())
			},
		}
	}
}

type ExpertDag = pallet_aiblock_expert_dag::Pallet<Runtime>;

/// The ExpertDag slot a `currentBlock` call names; `None` for an unknown kind or arguments the
/// kind does not use.
fn slot_kind(kind: u8, layer: u16, expert: u16) -> Option<BlockKind> {
	match (kind, layer, expert) {
		(1, 0, 0) => Some(BlockKind::Shared),
		(2, layer, 0) => Some(BlockKind::Router { layer }),
		(3, layer, expert) => Some(BlockKind::Expert { layer, expert }),
		(4, layer, 0) => Some(BlockKind::Attention { layer }),
		_ => None,
	}
}

/// `(stage, outcome, median)` of `jobStatus`; see the interface for the codes.
fn job_status(job: JobId) -> Result<(u8, u8, u32), Error> {
	if let Some(record) = pallet_aiblock_jobs::Jobs::<Runtime>::get(job) {
		let stage = match record.stage {
			Stage::Open { .. } => 1,
			Stage::Training { .. } => 2,
			Stage::Evaluating(_) => 3,
		};
		return Ok((stage, 0, 0));
	}
	if job >= pallet_aiblock_jobs::NextJobId::<Runtime>::get() {
		return Err(revert("UnknownJob"));
	}
	let Some(outcome) = pallet_aiblock_jobs::Outcomes::<Runtime>::get(job) else {
		return Ok((5, 0, 0));
	};
	Ok(match outcome {
		JobOutcome::Finalized { adopted, refuted, median } => {
			let code = if adopted {
				1
			} else if refuted {
				3
			} else {
				2
			};
			(4, code, median.unwrap_or(0))
		},
		JobOutcome::NoQuorum => (4, 4, 0),
		JobOutcome::Cancelled => (4, 5, 0),
		JobOutcome::Expired => (4, 6, 0),
		JobOutcome::Closed => (4, 7, 0),
		JobOutcome::Voided => (4, 8, 0),
	})
}

/// The account a state-changing call acts for: the immediate caller, refused in a static or
/// delegate call, with value attached, or for the root origin.
fn writer(env: &mut impl Ext<T = Runtime>) -> Result<AccountId, Error> {
	if env.is_read_only() {
		return Err(pallet_revive::Error::<Runtime>::StateChangeDenied.into());
	}
	if env.is_delegate_call() {
		return Err(revert("the AI-Block precompile cannot be delegate-called"));
	}
	if !env.value_transferred().is_zero() {
		return Err(revert("takes no value: the budget is held from the caller's balance"));
	}
	env.caller().account_id().cloned().map_err(|_| revert("a signed caller is required"))
}

/// Dispatch `call` as `who`, charging its declared weight first and refunding what it did not
/// use; a refusal reverts with the error's name.
fn dispatch(
	env: &mut impl Ext<T = Runtime>,
	who: &AccountId,
	call: RuntimeCall,
) -> Result<(), Error> {
	let info = call.get_dispatch_info();
	let charged = env.charge(info.total_weight())?;
	let result = call.dispatch(RuntimeOrigin::signed(who.clone()));
	let post = match &result {
		Ok(post) => *post,
		Err(DispatchErrorWithPostInfo { post_info, .. }) => *post_info,
	};
	env.adjust_gas(charged, post.calc_actual_weight(&info));
	result.map(|_| ()).map_err(|e| revert_for(e.error))
}

/// Wei per planck: the runtime's `NativeToEthRatio`.
fn wei_per_planck() -> u128 {
	<<Runtime as pallet_revive::Config>::NativeToEthRatio as Get<u32>>::get().into()
}

/// A wei amount as planck; refused when it is not a whole number of planck or does not fit.
fn planck(wei: SolU256) -> Result<Balance, Error> {
	let wei = U256::from_little_endian(&wei.to_le_bytes::<32>());
	let per = U256::from(wei_per_planck());
	if !(wei % per).is_zero() {
		return Err(revert("budget is not a whole number of planck (10^6 wei)"));
	}
	Balance::try_from(wei / per).map_err(|_| revert("budget too large"))
}

fn wei(planck: Balance) -> SolU256 {
	SolU256::from(planck).saturating_mul(SolU256::from(wei_per_planck()))
}

/// Emit `event` as an EVM log, charged like a contract's `LOG`.
fn emit<E: SolEvent>(env: &mut impl Ext<T = Runtime>, event: E) -> Result<(), Error> {
	let topics: Vec<H256> = event.encode_topics().into_iter().map(|t| H256(t.0 .0)).collect();
	let data = event.encode_data();
	env.frame_meter_mut().charge_weight_token(RuntimeCosts::DepositEvent {
		num_topic: topics.len() as u32,
		len: data.len() as u32,
	})?;
	env.deposit_event(topics, data);
	Ok(())
}

/// A readable revert for a refused dispatch: the pallet error's name (`RewardTooLow`), or the
/// sentence FRAME gives the other errors (`Funds are unavailable`).
fn revert_for(error: DispatchError) -> Error {
	let reason: &'static str = error.into();
	revert(reason)
}

fn revert(reason: &str) -> Error {
	Error::Revert(String::from(reason).into())
}

/// The Ethereum address of `who` (a contract's own, or an account's mapped one).
fn eth_address(who: &AccountId) -> Address {
	use pallet_revive::AddressMapper;
	let address = <Runtime as pallet_revive::Config>::AddressMapper::to_address(who);
	Address::from(address.0)
}
