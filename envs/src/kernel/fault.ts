/**
 * Who is to blame when an episode stops on an error, because the two must be paid differently
 * (incentives are part of correctness: breaking the environment must never beat failing the task).
 *
 * - `agent`: the policy's output provoked it (an oversized reply or observation it filled, a
 *   forged or broken record). The episode stays in training batches and scores the declared
 *   minimum return minus one micro-unit: always the worst outcome in its group.
 * - `environment`: the environment's own code or rules failed (a module threw, a deadline, memory,
 *   a reward outside the declared bounds). The episode is left out of training batches and
 *   counted; a training step with more than `MAX_FAULT_SHARE` of such episodes fails.
 */
import { microsOf } from './micros.ts';

export type Fault = 'agent' | 'environment';

/** Error codes the agent's output provokes. Every other code is an environment fault. */
export const AGENT_FAULT_CODES: ReadonlySet<string> = new Set([
  'ACTION_TOO_LARGE',
  'OBSERVATION_TOO_LARGE',
  'RECORD_CORRUPT',
  'RECORD_FORGED',
]);

/** Above this share of environment faults in one training step, the step fails. */
export const MAX_FAULT_SHARE = 0.1;

/** The fault class of an error code. */
export function faultOf(code: string): Fault {
  return AGENT_FAULT_CODES.has(code) ? 'agent' : 'environment';
}

/** What an episode record keeps about the error that stopped it. */
export interface EpisodeError {
  code: string;
  message: string;
  fault: Fault;
}

/**
 * The score of an episode that the agent broke: one micro-unit below the declared minimum return,
 * so it ranks below every honest failure in its group.
 */
export function agentFaultMicros(bounds: { min: number }): number {
  return microsOf(bounds.min) - 1;
}
