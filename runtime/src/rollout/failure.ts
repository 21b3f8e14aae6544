import { type Episode, type Fault, faultOf, PalestraError } from '@palestra/envs';

/**
 * Why an episode failed. A failed episode is never a complete one: it is counted apart in every
 * summary and report, left out of means and success rates (its return is not a score: the
 * episode did not end by its rules), and makes `run`, `rollout`, `eval` and `branch` exit with
 * `EXIT_EPISODES_FAILED`.
 *
 * - `recorded: true`: the episode file holds it (a `failure` line with the offending action, and
 *   the error in the footer). The file is complete: a rerun keeps it, and reads the failure back.
 * - `recorded: false`: the agent gave no action after its retries, or the environment could not
 *   start. The file is truncated or absent: a rerun plays the episode again.
 */
export interface OutcomeFailure {
  code: string;
  message: string;
  /** Who is to blame (see `Fault`): an agent that did not answer is the agent's. */
  fault: Fault;
  recorded: boolean;
  /** The step the failure took the place of (recorded failures). */
  step?: number;
  /** What to do about it, when the error said (kept from the error or its cause, for unrecorded failures). */
  hint?: string;
}

/** Failed episodes, and how they split by fault. */
export interface FailureCounts {
  failed: number;
  agent: number;
  environment: number;
}

/**
 * The failure an episode file records (its footer's error), or none. Records older than failure
 * lines carry no `fault` (the reader derives it, and so does this, for hand-built episodes).
 */
export function failureOfRecord(ep: Episode): OutcomeFailure | undefined {
  const error = ep.footer?.error;
  if (!error) return undefined;
  const step = ep.failure?.i;
  return {
    code: error.code,
    message: error.message,
    fault: error.fault ?? faultOf(error.code),
    recorded: true,
    ...(step === undefined ? {} : { step }),
  };
}

/** The first hint along the error and its causes (an agent's failure wraps the model call's error, which says what to check). */
function hintOf(e: unknown): string | undefined {
  for (let x = e, depth = 0; x !== undefined && depth < 8; x = (x as Error).cause, depth++)
    if (x instanceof PalestraError && x.hint) return x.hint;
  return undefined;
}

/** A failure that left no record: `fault` says whose it was (the agent's turn, or the environment's start). */
export function failureOfError(e: unknown, fault: Fault): OutcomeFailure {
  const hint = hintOf(e);
  return e instanceof PalestraError
    ? { code: e.code, message: e.message, fault, recorded: false, ...(hint ? { hint } : {}) }
    : { code: 'UNEXPECTED', message: e instanceof Error ? e.message : String(e), fault, recorded: false };
}

/** Counts the failed ones among `episodes`, split by fault. */
export function countFailures(episodes: { failure?: OutcomeFailure | undefined }[]): FailureCounts {
  const counts: FailureCounts = { failed: 0, agent: 0, environment: 0 };
  for (const e of episodes)
    if (e.failure) {
      counts.failed++;
      counts[e.failure.fault]++;
    }
  return counts;
}

/**
 * How a report says that failures were left out: `2 failed (1 agent, 1 environment), not in the means`.
 * Empty when none failed.
 */
export function failedNote(c: FailureCounts): string {
  if (c.failed === 0) return '';
  const parts = [c.agent ? `${c.agent} agent` : '', c.environment ? `${c.environment} environment` : '']
    .filter(Boolean)
    .join(', ');
  return `${c.failed} failed (${parts}), not in the means`;
}
