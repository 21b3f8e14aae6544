import {
  type Episode,
  type Fault,
  faultOf,
  type GymSpec,
  PalestraError,
  ReplayDivergence,
} from '@palestra/envs';

/**
 * Who broke an episode that stopped on an error, from what its footer records. The code decides
 * (`faultOf`, the kernel's contract); a record's own `fault` field can only make it worse: a
 * record may blame the agent for an environment code, never excuse the agent for an agent code,
 * so a forged footer cannot talk an agent-caused failure out of its score.
 *
 * @example
 * faultOfRecord({ code: 'OBSERVATION_TOO_LARGE' }); // 'agent'
 * faultOfRecord({ code: 'BAD_REWARD', fault: 'environment' }); // 'environment'
 */
export function faultOfRecord(error: { code: string; fault?: unknown }): Fault {
  return faultOf(error.code) === 'agent' || error.fault === 'agent' ? 'agent' : 'environment';
}

/**
 * The spec's declared reward bounds, which scoring a broken episode needs: an agent-caused
 * failure scores one micro-unit below the declared minimum return (`agentFaultMicros`), so it
 * ranks below every honest failure. Without bounds there is no such score: a typed error.
 */
export function declaredBounds(spec: GymSpec, why: string): { min: number; max: number } {
  const bounds = spec.reward.bounds;
  if (bounds) return bounds;
  throw new PalestraError(
    'REWARD_BOUNDS_REQUIRED',
    `${spec.name} declares no reward bounds, which ${why} needs`,
    {
      details: { env: spec.name, path: '$.reward.bounds' },
      hint: 'declare the lowest and highest return an episode can earn in the spec, e.g. "reward": { "rules": […], "bounds": { "min": -1.12, "max": 0.99 } }; palestra check reports the returns it sees',
    },
  );
}

/**
 * Environment faults that depend on the host, not on the actions: a step that ran past its
 * deadline or out of memory on the recording machine may not on the replaying one.
 */
export const HOST_LIMIT_CODES: ReadonlySet<string> = new Set(['DEADLINE', 'MEMORY']);

/**
 * Whether a replay failure only says that a host limit did not recur: every step before the
 * failing action replayed bit for bit, the record says the action hit a host limit, and on replay
 * it succeeded or hit a host limit again (with another message). Such an episode stays an
 * environment fault; any other failure to replay is an agent fault (a forged or broken record).
 * The price: a record may claim a host limit that never happened to leave training, which the
 * step log counts and `MAX_FAULT_SHARE` bounds.
 */
export function hostLimitNotReplayed(episode: Episode, e: unknown): boolean {
  const failure = episode.failure;
  if (!(e instanceof ReplayDivergence) || !failure || e.step !== failure.i || e.field !== 'error')
    return false;
  if (!HOST_LIMIT_CODES.has(failure.error.code)) return false;
  const actual = e.actual as { code?: unknown } | string;
  return typeof actual === 'string' || HOST_LIMIT_CODES.has(String(actual.code));
}
