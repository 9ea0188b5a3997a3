// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title AI-Block's precompile: the model and the training market, from a contract.
/// @notice Deployed by the runtime at `AIBLOCK_PRECOMPILE` (below); there is no code to deploy.
/// The runtime compiles this very file into its dispatcher (runtime/src/precompile.rs), so the
/// interface and the chain cannot drift apart.
///
/// Units: balances are in wei, like every value on the Ethereum side. 1 AIB = 10^18 wei and
/// 1 planck (the chain's smallest unit, 10^-12 AIB) = 10^6 wei, so a budget must be a whole
/// number of planck.
///
/// Errors: every refusal reverts with `Error(string)`, the name of the chain's error
/// (`UnknownSlot`, `RewardTooLow`, `InsufficientBalance`, `NotPoster`, ...) or a sentence, and
/// changes nothing. Functions that change state revert under `staticcall` and `delegatecall`.
interface IAIBlock {
    /// A job was posted through this precompile (the chain's `Jobs.JobPosted` event has the
    /// spec and the amounts held).
    event JobPosted(uint64 indexed job, address indexed poster, uint256 budget);

    /// The block currently filling a parameter slot of a model: its id in the ExpertDag.
    /// `kind`: 1 shared (embeddings and output head), 2 router of `layer`, 3 expert `expert` of
    /// `layer`, 4 attention of `layer` (arguments a kind does not use must be 0).
    /// Reverts `UnknownSlot` when the model has no such slot.
    function currentBlock(uint32 model, uint8 kind, uint16 layer, uint16 expert)
        external view returns (bytes32 blockId);

    /// A model's revision (adoptions so far) and its validation score, a loss in micro-nats per
    /// token (lower is better); `scored` is false before the first evaluation.
    /// Reverts `UnknownModel` for a model index that was never created.
    function modelScore(uint32 model)
        external view returns (uint32 revision, bool scored, uint32 score);

    /// Post a training job paid by the caller (`msg.sender`, a contract or an account): `budget`
    /// (the trainer's reward plus the evaluators' fees) and the chain's timeout deposit are held
    /// from the caller's balance until the verdict, and the posting fee is paid. `spec` is the
    /// SCALE encoding of the chain's `JobSpec` (with polkadot.js:
    /// `api.tx.jobs.postJob(spec, 0).method.args[0].toU8a()`).
    /// Takes no value (`msg.value` must be 0). Returns the job's id.
    function postJob(bytes calldata spec, uint256 budget) external returns (uint64 job);

    /// Withdraw a job the caller posted that no trainer has taken yet; its escrow (budget,
    /// protocol fee and timeout deposit, not the posting fee) returns to the caller, and the
    /// amount is returned. Reverts `NotPoster`, `NotOpen` or `UnknownJob`.
    function cancelJob(uint64 job) external returns (uint256 refunded);

    /// Where a job stands. `stage`: 1 open, 2 training, 3 evaluating, 4 ended, 5 ended long ago
    /// (its outcome is no longer kept: the chain keeps the last 4,096 job ids'). When ended,
    /// `outcome`: 1 adopted (its blocks are now current), 2 judged but not adopted, 3 refuted
    /// (the trainer's claim was false, the trainer slashed), 4 no quorum, 5 cancelled,
    /// 6 expired, 7 closed (trainers missed their deadlines), 8 voided (the model moved on);
    /// otherwise 0. `median`: the panel's median score when judged, otherwise 0.
    /// Reverts `UnknownJob` for an id never issued.
    function jobStatus(uint64 job)
        external view returns (uint8 stage, uint8 outcome, uint32 median);
}

// The precompile's address (`AddressMatcher::Fixed(0x0A1B)` in the runtime).
address constant AIBLOCK_PRECOMPILE = 0x000000000000000000000000000000000A1B0000;
