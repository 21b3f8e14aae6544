// Test support for the contracts' tests and benchmarks: the typed ABIs and bytecode of the
// test-only contracts (built here from contracts/test by `npm run build -w contracts`) and the
// development settlement proof that TestSettlementVerifier accepts.
export * from './generated/index.ts';
export { type SettlementClaim, settlementInputs, settlementProof } from './settlement.ts';
