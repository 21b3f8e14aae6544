// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISettlementVerifier} from "../src/interfaces/ISettlementVerifier.sol";
import {IGroth16SettlementVerifier} from "../src/interfaces/IGroth16SettlementVerifier.sol";

/// @notice Gas bench only: the gas of one verifier call as a consumer contract pays it (the call, the
/// argument copy and the verification), read with gasleft() around the call. `estimateGas` on the
/// verifier itself would add the 21k transaction base and the calldata of a transaction, and hide
/// what a consumer such as the escrow pays.
contract VerifierGasProbe {
    function measure(ISettlementVerifier verifier, bytes calldata proof, uint256[] calldata inputs)
        external
        view
        returns (uint256 used)
    {
        uint256 start = gasleft();
        verifier.verify(proof, inputs);
        used = start - gasleft();
    }

    function measureGroth16(
        IGroth16SettlementVerifier verifier,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[10] calldata inputs
    ) external view returns (uint256 used) {
        uint256 start = gasleft();
        bool ok = verifier.verifyProof(a, b, c, inputs);
        used = start - gasleft();
        require(ok, "proof refused");
    }
}
