/**
 * The codes of the settlement jobs (`palestra prove`, `palestra verify`), declared in the
 * runtime's domain of the shared registry. Each error names the run, the episode file or the flag.
 */
import { PalestraError, type PalestraErrorOptions, registerCodes } from '@palestra/errors';

export const settleErrorCodes = registerCodes('runtime', {
  SETTLE_NO_EPISODES: 'the run folder holds no episode file to settle',
  SETTLE_EPISODE_UNSCORED: 'an episode of the run carries no score from the overseer the proof is for',
  SETTLE_EPISODE_TRUNCATED: 'an episode of the run ends before its footer (a crash mid-episode)',
  SETTLE_EPISODE_CORRUPT: 'an episode file of the run cannot be read or does not verify',
  SETTLE_RUN_TOO_LARGE: 'the run has more episodes than the settlement allows',
  SETTLE_CONTEXT_MISSING:
    'the chain id, escrow, provider or payout of a proof is neither given nor readable from the chain',
  SETTLE_FILE_INVALID:
    'a settlement file beside the run (proof, public signals, calldata) is missing or not JSON',
});

export type SettleErrorCode = keyof typeof settleErrorCodes;

/** A run that cannot be proven or verified as it is. */
export class SettleError extends PalestraError {
  override name = 'SettleError';
  declare readonly code: SettleErrorCode;

  constructor(code: SettleErrorCode, message: string, options: PalestraErrorOptions = {}) {
    super(code, message, options);
  }
}
