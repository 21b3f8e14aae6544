pragma circom 2.1.0;

include "settlement.circom";

// N = 64 leaves (depth 3): measured by the benchmark; no committed ceremony.
component main {public [chainId, escrow, jobId, provider, episodesRootHigh, episodesRootLow, episodeCount, passCount, totalScore, payout]} = Settlement(3);
