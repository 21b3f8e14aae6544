// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDisputeResolver} from "../src/interfaces/IDisputeResolver.sol";

/// @notice Test-only resolver: its deployer sets verdicts and evaluation scores by hand, standing in for
/// the validator quorum.
contract TestDisputeResolver is IDisputeResolver {
    address public immutable oracle;
    mapping(uint256 jobId => Outcome) public outcome;
    mapping(uint256 jobId => uint32) private _score;
    mapping(uint256 jobId => bool) private _reported;

    error NotOracle(address caller);

    constructor() {
        oracle = msg.sender;
    }

    function setOutcome(uint256 jobId, Outcome o) external {
        if (msg.sender != oracle) revert NotOracle(msg.sender);
        outcome[jobId] = o;
    }

    function setEvaluation(uint256 jobId, uint32 scoreMicros) external {
        if (msg.sender != oracle) revert NotOracle(msg.sender);
        _score[jobId] = scoreMicros;
        _reported[jobId] = true;
    }

    function evaluation(uint256 jobId) external view returns (bool reported, uint32 scoreMicros) {
        return (_reported[jobId], _score[jobId]);
    }
}
