/**
 * Typed errors of the settlement proofs: leaves out of range, a batch too large for the circuit,
 * missing artifacts, a proof or public-signals file that is not what `proveSettlement` writes.
 * Declared in the `contracts` domain of the shared registry, like `ContractsError`'s codes.
 *
 * @example
 * try { settlementLeaf(fields) } catch (e) { if (e instanceof SettlementError) console.error(e.code) }
 */
import { PalestraError, type PalestraErrorOptions, registerCodes } from '@palestra/errors';

export const settlementErrorCodes = registerCodes('contracts', {
  LEAF_INVALID: 'a settlement leaf field is out of the range the circuit accepts',
  BATCH_TOO_LARGE: 'more episodes than the settlement circuit holds in one proof',
  CIRCUIT_ARTIFACTS_MISSING: "the settlement circuit's proving artifacts are not built for that batch size",
  CIRCUIT_COMPILE_FAILED: 'circom could not compile the settlement circuit',
  PROOF_MALFORMED: 'a settlement proof or its public signals are not in the shape snarkjs writes',
  WITNESS_REFUSED: 'the settlement circuit refused the inputs (a constraint does not hold)',
  CONTEXT_UNREADABLE: "a job's settlement context (provider, payout) cannot be read from the chain",
});

export type SettlementErrorCode = keyof typeof settlementErrorCodes;

/** A settlement proof could not be built or read. */
export class SettlementError extends PalestraError {
  override name = 'SettlementError';
  declare readonly code: SettlementErrorCode;

  constructor(code: SettlementErrorCode, message: string, options: PalestraErrorOptions = {}) {
    super(code, message, options);
  }
}
