pragma circom 2.1.0;

include "settlement.circom";

// N = 16 leaves (depth 2: two levels of 4-ary nodes): the batch the committed ceremony is for.
component main {public [chainId, escrow, jobId, provider, episodesRootHigh, episodesRootLow, episodeCount, passCount, totalScore, payout]} = Settlement(2);
