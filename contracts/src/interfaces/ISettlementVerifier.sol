// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ISettlementVerifier
/// @notice Checks a settlement proof: that a job's episode count, pass count, total score and payout were
/// computed from exactly the committed episode leaves. The production implementation is
/// `ZKSettlementVerifier` (the snarkjs-generated Groth16 verifier of `contracts/circuits`, wrapped); the
/// escrow only ever sees this interface.
/// @dev Public input layout, built by `TrainingEscrow.settlementInputs` (every value is < the BN254 scalar
/// field modulus, else a verifier must refuse it):
///   [0] chain id (`block.chainid`)
///   [1] escrow address (uint160, the escrow that asks)
///   [2] job id
///   [3] provider address (uint160, the caller of `submitResult`)
///   [4] episodes root, high 128 bits
///   [5] episodes root, low 128 bits
///   [6] episode count (non-padding leaves)
///   [7] pass count (passing leaves)
///   [8] total score, micro-units (the circuit proves it is >= 0)
///   [9] payout, wei (computed by the escrow, not by the circuit; the proof binds it)
/// Binding chain, escrow, job and provider means a proof made for one of them fails for any other.
/// An implementation reverts on a proof it refuses, with a custom error saying why; `false` is treated
/// the same by the escrow, but never relied upon.
interface ISettlementVerifier {
    function verify(bytes calldata proof, uint256[] calldata publicInputs) external view returns (bool);
}
