// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "../IAIBlock.sol";

/// @title A fund that pays for training AI-Block's model, from a contract.
/// @notice Anyone pays AIB in; the steward who deployed it spends the fund's balance on training
/// jobs through the AI-Block precompile, and anyone can follow them. A DAO would put a vote where
/// `onlySteward` stands. zombienet/contracts.js deploys it over the Ethereum RPC and posts a job
/// with it.
contract TrainingFund {
    IAIBlock private constant AIBLOCK = IAIBlock(AIBLOCK_PRECOMPILE);

    address public immutable steward;
    uint64[] public jobs;

    event Contributed(address indexed from, uint256 amount);
    event Sponsored(uint64 indexed job, uint256 budget);
    event Withdrawn(uint64 indexed job, uint256 refunded);

    error NotSteward(address caller);

    constructor() {
        steward = msg.sender;
    }

    modifier onlySteward() {
        if (msg.sender != steward) revert NotSteward(msg.sender);
        _;
    }

    receive() external payable {
        emit Contributed(msg.sender, msg.value);
    }

    /// Post a job (`spec`: a SCALE-encoded JobSpec) with `budget` wei of the fund's balance.
    function sponsor(bytes calldata spec, uint256 budget) external onlySteward returns (uint64 job) {
        job = AIBLOCK.postJob(spec, budget);
        jobs.push(job);
        emit Sponsored(job, budget);
    }

    /// Take back a job no trainer has taken yet.
    function withdraw(uint64 job) external onlySteward {
        emit Withdrawn(job, AIBLOCK.cancelJob(job));
    }

    function jobCount() external view returns (uint256) {
        return jobs.length;
    }

    /// The block currently serving expert `expert` of `layer` in `model`.
    function expertBlock(uint32 model, uint16 layer, uint16 expert) external view returns (bytes32) {
        return AIBLOCK.currentBlock(model, 3, layer, expert);
    }

    function status(uint64 job) external view returns (uint8 stage, uint8 outcome, uint32 median) {
        return AIBLOCK.jobStatus(job);
    }
}
