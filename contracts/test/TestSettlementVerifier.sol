// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISettlementVerifier} from "../src/interfaces/ISettlementVerifier.sol";

/// @notice Test-only stand-in for the Groth16 verifier: a "proof" is the keccak256 of the ABI-encoded
/// public inputs. It accepts exactly the inputs the proof was made for, so tests can show that the escrow
/// binds job, provider, root, score and payout (a proof for one job fails for another) without a circuit.
contract TestSettlementVerifier is ISettlementVerifier {
    function verify(bytes calldata proof, uint256[] calldata publicInputs) external pure returns (bool) {
        return proof.length == 32 && bytes32(proof) == keccak256(abi.encode(publicInputs));
    }
}
