// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IGroth16SettlementVerifier
/// @notice The function the snarkjs-generated `SettlementGroth16Verifier` exports for the settlement
/// circuit: a Groth16 proof (a, b, c; b in the order the Solidity calldata of snarkjs uses) over its 10
/// public signals (ISettlementVerifier's layout). It returns false on a bad proof; `ZKSettlementVerifier`
/// turns that into a revert.
interface IGroth16SettlementVerifier {
    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[10] calldata publicSignals
    ) external view returns (bool);
}
