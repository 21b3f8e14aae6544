// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISettlementVerifier} from "./interfaces/ISettlementVerifier.sol";
import {IGroth16SettlementVerifier} from "./interfaces/IGroth16SettlementVerifier.sol";

/// @title ZKSettlementVerifier
/// @notice The settlement verifier the escrow uses: the snarkjs-generated Groth16 verifier of the settlement
/// circuit behind ISettlementVerifier. It decodes the proof bytes, checks their shape and the public inputs,
/// and reverts with a custom error on anything it refuses: a proof never fails as a silent `false`.
///
/// One circuit proof covers a batch of at most `batchSize` episodes (N). A run of up to N episodes is
/// settled by one proof whose public inputs are exactly the escrow's: `proof` is `abi.encode(a, b, c)`.
/// A larger run is settled by k = 2..MAX_BATCHES proofs in one submission: `proof` is
/// `abi.encode(Batch[])`, batch i holding episodes [i·N, i·N + N) of the run (every batch but the last is
/// full, so a leaf's place in the run is its batch and its index in it). Each batch is proven with the
/// escrow's chain, escrow, job, provider and payout and its own root and totals; the escrow's totals must
/// be the batches' sums, and its episodes root must be `keccak256(abi.encode(uint256[] batchRoots))`.
/// A single leaf is then challenged with its batch's root list, its batch index and its Poseidon path.
/// @dev The Groth16 verifier is a separate contract, called externally: snarkjs's `verifyProof` ends in an
/// assembly `return`, which, inherited and called internally, would end this function's call frame with its
/// own return value (a bad proof would return `false` from here instead of reverting).
contract ZKSettlementVerifier is ISettlementVerifier {
    /// @notice One batch of a run larger than N episodes.
    struct Batch {
        /// The batch's Poseidon Merkle root (a field element).
        uint256 root;
        uint256 episodes;
        uint256 passing;
        uint256 totalScore;
        /// `abi.encode(a, b, c)` of the batch's proof, as 8 words.
        uint256[8] proof;
    }

    /// @notice Public inputs per proof (ISettlementVerifier's layout).
    uint256 public constant PUBLIC_INPUTS = 10;
    /// @notice Proof bytes of a single batch: `abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c)`.
    uint256 public constant PROOF_BYTES = 256;
    /// @notice The most batches one submission may carry: 64 × N = 1024 episodes, at about 260k gas per
    /// batch (some 17M gas in all, within a 30M block).
    uint256 public constant MAX_BATCHES = 64;
    /// @notice One encoded Batch: 4 words, then the 8 words of its proof.
    uint256 public constant BATCH_BYTES = 12 * 32;
    /// @notice BN254's scalar field: every public input is an element of it.
    uint256 public constant SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice BN254's base field: every proof coordinate is an element of it.
    uint256 public constant BASE_FIELD =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;

    /// @notice The snarkjs-generated verifier for the circuit's verification key.
    IGroth16SettlementVerifier public immutable groth16;
    /// @notice Episodes per proof: the N the circuit (and its verification key) was built for.
    uint256 public immutable batchSize;

    error ZeroVerifier();
    error ProofLength(uint256 length, uint256 expected);
    error ProofCoordinateOutOfField(uint256 index, uint256 value);
    error PublicInputCount(uint256 count, uint256 expected);
    error PublicInputOutOfField(uint256 index, uint256 value);
    /// @notice The pairing check failed: the proof is not one for these inputs. `inputsHash` is
    /// keccak256(abi.encode(inputs)) of the inputs it was checked against (the batch's, for a batch).
    error ProofRejected(bytes32 inputsHash);
    error BatchCount(uint256 count, uint256 max);
    error BatchSize(uint256 batch, uint256 episodes, uint256 batchSize);
    error BatchTotals(uint256 episodes, uint256 passing, uint256 totalScore);
    error BatchRoots(bytes32 combined, bytes32 episodesRoot);

    constructor(IGroth16SettlementVerifier groth16_, uint256 batchSize_) {
        if (address(groth16_) == address(0)) revert ZeroVerifier();
        groth16 = groth16_;
        batchSize = batchSize_;
    }

    /// @inheritdoc ISettlementVerifier
    function verify(bytes calldata proof, uint256[] calldata publicInputs) external view returns (bool) {
        if (publicInputs.length != PUBLIC_INPUTS) revert PublicInputCount(publicInputs.length, PUBLIC_INPUTS);
        uint256[10] memory signals;
        for (uint256 i; i < PUBLIC_INPUTS; ++i) {
            uint256 v = publicInputs[i];
            if (v >= SCALAR_FIELD) revert PublicInputOutOfField(i, v);
            signals[i] = v;
        }
        if (proof.length == PROOF_BYTES) {
            _verify(abi.decode(proof, (uint256[8])), signals);
            return true;
        }
        // abi.encode(Batch[]): the offset 32, the count k, then k batches of BATCH_BYTES. Checked before
        // decoding, so a malformed proof is a custom error rather than a revert without data.
        if (proof.length < 64 || uint256(bytes32(proof[:32])) != 32) revert ProofLength(proof.length, PROOF_BYTES);
        uint256 k = uint256(bytes32(proof[32:64]));
        // One batch is the plain form (one encoding per statement); more than MAX_BATCHES would not fit a block.
        if (k < 2 || k > MAX_BATCHES) revert BatchCount(k, MAX_BATCHES);
        if (proof.length != 64 + k * BATCH_BYTES) revert ProofLength(proof.length, 64 + k * BATCH_BYTES);
        _verifyBatches(abi.decode(proof, (Batch[])), signals);
        return true;
    }

    function _verifyBatches(Batch[] memory batches, uint256[10] memory signals) private view {
        uint256 k = batches.length;
        uint256[] memory roots = new uint256[](k);
        uint256 episodes;
        uint256 passing;
        uint256 totalScore;
        // The submission's root and totals, kept before `signals` is reused for each batch's statement below
        // (a memory array assigned to another is the same array, not a copy).
        bytes32 episodesRoot = bytes32((signals[4] << 128) | signals[5]);
        (uint256 wantEpisodes, uint256 wantPassing, uint256 wantScore) = (signals[6], signals[7], signals[8]);
        uint256[10] memory s = signals;
        for (uint256 i; i < k; ++i) {
            Batch memory b = batches[i];
            bool last = i + 1 == k;
            if (last ? b.episodes == 0 || b.episodes > batchSize : b.episodes != batchSize) {
                revert BatchSize(i, b.episodes, batchSize);
            }
            // The batch's own statement: the submission's context (chain, escrow, job, provider, payout),
            // the batch's root and totals. Each value is checked against the field by the Groth16 verifier,
            // and a root >= the field order has no proof (the circuit splits its canonical bits).
            s[4] = b.root >> 128;
            s[5] = b.root & type(uint128).max;
            s[6] = b.episodes;
            s[7] = b.passing;
            s[8] = b.totalScore;
            _verify(b.proof, s);
            roots[i] = b.root;
            // No overflow: each value was proven below the field order, and k <= 64.
            episodes += b.episodes;
            passing += b.passing;
            totalScore += b.totalScore;
        }
        if (episodes != wantEpisodes || passing != wantPassing || totalScore != wantScore) {
            revert BatchTotals(episodes, passing, totalScore);
        }
        bytes32 combined = keccak256(abi.encode(roots));
        if (combined != episodesRoot) revert BatchRoots(combined, episodesRoot);
    }

    function _verify(uint256[8] memory p, uint256[10] memory signals) private view {
        // One canonical encoding per proof: a coordinate >= q would alias a smaller one.
        for (uint256 i; i < 8; ++i) {
            if (p[i] >= BASE_FIELD) revert ProofCoordinateOutOfField(i, p[i]);
        }
        uint256[2] memory a = [p[0], p[1]];
        uint256[2][2] memory b = [[p[2], p[3]], [p[4], p[5]]];
        uint256[2] memory c = [p[6], p[7]];
        if (!groth16.verifyProof(a, b, c, signals)) revert ProofRejected(keccak256(abi.encode(signals)));
    }
}
