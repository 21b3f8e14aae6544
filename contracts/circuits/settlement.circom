pragma circom 2.1.0;

// The settlement circuit: a batch of N = 4^depth episode leaves, their 4-ary Poseidon Merkle root,
// and the totals a job is paid on. DESIGN.md ("Formats": the settlement leaf) fixes the leaf;
// contracts/README.md ("Settlement proofs") the public signals and what each one means.
// `src/settlement/` builds the same leaves and tree in TypeScript; `vectors.json` holds both to it.

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// A signed micro-unit value in [-2^63, 2^63): the field has no sign, so a "negative" score is
// p - |x|, a huge number that would wrap any sum. Adding 2^63 and asking for 64 bits pins the value
// to the signed 64-bit range (and so every sum of N of them far below p) before it is summed or
// compared.
template SignedMicros() {
    signal input in;
    component bits = Num2Bits(64);
    bits.in <== in + (1 << 63);
}

// The same range check, and whether the value is positive: the top bit of the shifted value is 1
// exactly when x >= 0, and x != 0 on top of that.
template PositiveSignedMicros() {
    signal input in;
    signal output positive;
    component bits = Num2Bits(64);
    bits.in <== in + (1 << 63);
    component zero = IsZero();
    zero.in <== in;
    positive <== bits.out[63] * (1 - zero.out);
}

// One leaf. `isEmpty` marks a padding leaf: all its fields are zero, its hash is 0 (never a
// Poseidon output in practice), and it counts for nothing (no episode, no pass, no score).
// `outcome`: 0 = cut (truncated by a limit, or ended without a final state), 1 = terminated (a
// final state of its task), 2 = failed (stopped on an error). Passing is envs' one definition of
// success (`episodeSucceeded`): terminated, not failed, with a positive environment return.
template SettlementLeaf() {
    signal input isEmpty;
    signal input rootHigh;   // the episode's root (SHA-256), top 128 bits
    signal input rootLow;    // ... and low 128 bits
    signal input taskIndex;  // < 2^32
    signal input envReturn;  // environment return, signed micro-units
    signal input score;      // the overseer's committed score, signed micro-units
    signal input steps;      // completed steps, < 2^32
    signal input outcome;    // 0 cut, 1 terminated, 2 failed

    signal output hash;
    signal output counted;   // 1 for an episode, 0 for padding
    signal output passing;   // 1 for an episode that succeeded

    isEmpty * (isEmpty - 1) === 0;
    counted <== 1 - isEmpty;

    // Range checks first: every later sum and comparison relies on them. The root's limbs are only
    // hashed, yet unchecked, (high - 1, low + 2^128) would be a second leaf for the same episode
    // root, and a limb past 128 bits the split of no SHA-256 root at all: each limb is held to 128
    // bits, so a leaf opens to exactly one episode root, in one way.
    component highBits = Num2Bits(128);
    highBits.in <== rootHigh;
    component lowBits = Num2Bits(128);
    lowBits.in <== rootLow;
    component task = Num2Bits(32);
    task.in <== taskIndex;
    component stepBits = Num2Bits(32);
    stepBits.in <== steps;
    component ret = PositiveSignedMicros();
    ret.in <== envReturn;
    component scored = SignedMicros();
    scored.in <== score;
    // outcome is one of 0, 1, 2.
    signal outcomeTimesOne <== outcome * (outcome - 1);
    outcomeTimesOne * (outcome - 2) === 0;

    // A padding leaf has nothing in it.
    isEmpty * rootHigh === 0;
    isEmpty * rootLow === 0;
    isEmpty * taskIndex === 0;
    isEmpty * envReturn === 0;
    isEmpty * score === 0;
    isEmpty * steps === 0;
    isEmpty * outcome === 0;

    component poseidon = Poseidon(7);
    poseidon.inputs[0] <== rootHigh;
    poseidon.inputs[1] <== rootLow;
    poseidon.inputs[2] <== taskIndex;
    poseidon.inputs[3] <== envReturn;
    poseidon.inputs[4] <== score;
    poseidon.inputs[5] <== steps;
    poseidon.inputs[6] <== outcome;
    hash <== counted * poseidon.out;

    // Passing: terminated (outcome 1, which also excludes failed) and envReturn > 0.
    component terminated = IsEqual();
    terminated.in[0] <== outcome;
    terminated.in[1] <== 1;
    signal terminatedAndPositive <== terminated.out * ret.positive;
    // Padding already has outcome 0; the factor says so in the constraint too.
    passing <== terminatedAndPositive * counted;
}

// `depth` levels of 4-ary nodes: N = 4^depth leaves (16 for depth 2, 64 for depth 3).
template Settlement(depth) {
    var N = 1 << (2 * depth);

    // Public signals, in this order (ISettlementVerifier, TrainingEscrow.settlementInputs).
    signal input chainId;
    signal input escrow;
    signal input jobId;
    signal input provider;
    signal input episodesRootHigh;
    signal input episodesRootLow;
    signal input episodeCount;
    signal input passCount;
    signal input totalScore;
    signal input payout;

    // Private: the leaves' fields.
    signal input isEmpty[N];
    signal input rootHigh[N];
    signal input rootLow[N];
    signal input taskIndex[N];
    signal input envReturn[N];
    signal input score[N];
    signal input steps[N];
    signal input outcome[N];

    // The context a proof is bound to: it is checked by nothing else in the circuit, so each one
    // enters a constraint here (a public input in no constraint could be changed freely in some
    // Groth16 setups; snarkjs adds one of its own, and this does not rely on it). Addresses are
    // 160 bits and the chain id 64 bits, so each has one representation; the job id and the
    // payout are uint256 on chain and any field element here (the verifier contract refuses
    // inputs >= the field's order).
    component chainBits = Num2Bits(64);
    chainBits.in <== chainId;
    component escrowBits = Num2Bits(160);
    escrowBits.in <== escrow;
    component providerBits = Num2Bits(160);
    providerBits.in <== provider;
    // circomspect: waive under-constrained-signal (the square only puts jobId in a constraint)
    signal jobIdSquared <== jobId * jobId;
    // circomspect: waive under-constrained-signal (the square only puts payout in a constraint)
    signal payoutSquared <== payout * payout;

    component leaves[N];
    var count = 0;
    var passes = 0;
    var total = 0;
    for (var i = 0; i < N; i++) {
        leaves[i] = SettlementLeaf();
        leaves[i].isEmpty <== isEmpty[i];
        leaves[i].rootHigh <== rootHigh[i];
        leaves[i].rootLow <== rootLow[i];
        leaves[i].taskIndex <== taskIndex[i];
        leaves[i].envReturn <== envReturn[i];
        leaves[i].score <== score[i];
        leaves[i].steps <== steps[i];
        leaves[i].outcome <== outcome[i];
        count += leaves[i].counted;
        passes += leaves[i].passing;
        total += score[i];
    }
    // Episodes first, padding after: leaf i is the run's episode i, so one leaf can be challenged
    // by its index and path, and the tree of a run is unique.
    for (var i = 0; i + 1 < N; i++) {
        isEmpty[i] * (1 - isEmpty[i + 1]) === 0;
    }
    episodeCount === count;
    passCount === passes;
    // Each score is in [-2^63, 2^63) and padding scores are 0, so |total| < N * 2^63 << p: the sum
    // does not wrap, and 63 + log2(N) = 63 + 2 * depth bits hold it exactly when it is non-negative.
    totalScore === total;
    // circomspect: waive non-strict-binary-conversion (63 + 2 * depth bits, far below the field's 254)
    component totalBits = Num2Bits(63 + 2 * depth);
    totalBits.in <== totalScore;

    // The Poseidon Merkle tree, 4-ary, level by level: node k of level l+1 = Poseidon(c0, c1, c2, c3)
    // over four consecutive nodes of level l. Four children a node keep the tree's hashing to
    // (N - 1) / 3 Poseidon(4) (5 at N = 16) instead of N - 1 Poseidon(2) (15): that is what pays for
    // the limbs' range checks within the 2^14 constraints of the committed key. A leaf's path is
    // still one hash a level, with its three siblings.
    var nodeCount = (N - 1) \ 3;
    component nodes[nodeCount];
    signal level[N + nodeCount];
    for (var i = 0; i < N; i++) {
        level[i] <== leaves[i].hash;
    }
    var read = 0;
    var write = N;
    for (var k = 0; k < nodeCount; k++) {
        nodes[k] = Poseidon(4);
        for (var j = 0; j < 4; j++) {
            nodes[k].inputs[j] <== level[read + j];
        }
        level[write] <== nodes[k].out;
        read += 4;
        write += 1;
    }

    // The root, split into the two 128-bit halves the contract stores as one bytes32: through its
    // canonical 254 bits (Num2Bits_strict checks they are below p), so one root has one split.
    component rootBits = Num2Bits_strict();
    rootBits.in <== level[N + nodeCount - 1];
    component highNum = Bits2Num(126);
    for (var i = 0; i < 126; i++) {
        highNum.in[i] <== rootBits.out[128 + i];
    }
    component lowNum = Bits2Num(128);
    for (var i = 0; i < 128; i++) {
        lowNum.in[i] <== rootBits.out[i];
    }
    episodesRootHigh === highNum.out;
    episodesRootLow === lowNum.out;
}
