// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Compiles poseidon-solidity's 4-input Poseidon (a library) so tests can deploy it and call `hash` on it
// directly: the node hash of the 4-ary episodes tree, which a challenge of one leaf recomputes on chain.
// (The 7-input leaf hash has no poseidon-solidity version; the chain never needs it.)
import {PoseidonT5} from "poseidon-solidity/PoseidonT5.sol";
