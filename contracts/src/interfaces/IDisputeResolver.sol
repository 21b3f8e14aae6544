// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IDisputeResolver
/// @notice Decides what the chain cannot compute: whether a challenged result stands (the chain cannot
/// replay an environment) and the held-out evaluation score of a submitted adapter. The production
/// implementation is a bonded validator quorum (a later issue).
/// @dev The escrow only reads (staticcall) from the resolver; it is never called back, so a resolver
/// cannot re-enter the escrow. Answers are keyed by the escrow's job id.
interface IDisputeResolver {
    enum Outcome {
        Pending,
        ProviderWins,
        ChallengerWins
    }

    /// @return The verdict on the dispute opened against `jobId`'s result.
    function outcome(uint256 jobId) external view returns (Outcome);

    /// @return reported Whether validators have reported the held-out evaluation yet.
    /// @return scoreMicros The score in micro-units (0 … 1_000_000).
    function evaluation(uint256 jobId) external view returns (bool reported, uint32 scoreMicros);
}
