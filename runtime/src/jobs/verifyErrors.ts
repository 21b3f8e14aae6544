/**
 * The codes of `palestra verify <job id>`, declared in the runtime's domain of the shared registry:
 * reading a job's submission from the chain, and finding the run folder whose proof it carries.
 * They reach the user as a layer's discrepancy (`CODE: message`) with a hint, or, for an argument
 * that is neither a run nor a job id, as the command's error.
 */
import { PalestraError, type PalestraErrorOptions, registerCodes } from '@palestra/errors';

export const verifyErrorCodes = registerCodes('runtime', {
  VERIFY_TARGET_INVALID: 'the argument of palestra verify is neither a run folder nor a job id',
  VERIFY_CHAIN_UNREADABLE:
    "the job's chain cannot be read: no chain.json, no answer from its node, or no such job",
  VERIFY_NOT_SUBMITTED: 'the job has no submitted result to verify (it is open, claimed or cancelled)',
  VERIFY_RUN_NOT_FOUND: "no run folder under the runs folder holds the proof the job's submission carries",
  VERIFY_RUN_AMBIGUOUS: "several run folders hold the proof the job's submission carries",
});

export type VerifyErrorCode = keyof typeof verifyErrorCodes;

/** A job or a run that `palestra verify` cannot reach as asked. */
export class VerifyError extends PalestraError {
  override name = 'VerifyError';
  declare readonly code: VerifyErrorCode;

  constructor(code: VerifyErrorCode, message: string, options: PalestraErrorOptions = {}) {
    super(code, message, options);
  }
}
