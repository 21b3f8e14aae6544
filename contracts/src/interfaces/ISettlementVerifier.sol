// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ISettlementVerifier
/// @notice Checks a settlement proof: that a job's total score and payout were computed from exactly
/// the committed episode leaves. The production implementation is a snarkjs-generated Groth16 verifier
/// (a later issue); the escrow only ever sees this interface.
/// @dev Public input layout, built by `TrainingEscrow.settlementInputs` (every value is < 2^254):
///   [0] job id
///   [1] provider address (uint160)
///   [2] episodes root, high 128 bits
///   [3] episodes root, low 128 bits
///   [4] total score, micro-units
///   [5] payout, wei
/// Binding the job id and the provider means a proof made for one job or one recipient fails for any other.
interface ISettlementVerifier {
    function verify(bytes calldata proof, uint256[] calldata publicInputs) external view returns (bool);
}
