/**
 * The one definition of success, shared by the overseer (a rule's verdict), the runtime (success
 * rates, branch values, training reports) and the studio: an episode succeeded when it reached a
 * final state of its task (terminated, not cut by a limit) with a positive return. A caller that
 * knows the episode failed on an error says so; a failed episode never succeeded.
 *
 * @example
 * episodeSucceeded({ terminated: true, returnMicros: 1_000_000 })  // true
 * episodeSucceeded({ terminated: false, returnMicros: 1_000_000 }) // false: truncated
 */
export function episodeSucceeded(e: {
  terminated: boolean;
  returnMicros: number;
  failed?: boolean;
}): boolean {
  return e.failed !== true && e.terminated && e.returnMicros > 0;
}
