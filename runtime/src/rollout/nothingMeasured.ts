import { PalestraError } from '@palestra/envs';
import type { FailureCounts, OutcomeFailure } from './failure.ts';

/** An agent of a measurement, as the error names it: who, how many episodes, how they failed. */
export interface MeasuredAgent {
  /** As the report names it: `a (openai:my-model)`, `the random baseline`. */
  name: string;
  episodes: number;
  failed: FailureCounts;
  firstFailure?: OutcomeFailure | undefined;
}

/** `8 failed, 8 by the agent`: how a count of failures reads in a sentence. */
export function faults(f: FailureCounts): string {
  const by = [
    f.agent ? `${f.agent} by the agent` : '',
    f.environment ? `${f.environment} by the environment` : '',
  ].filter(Boolean);
  return `${f.failed} failed${by.length ? `, ${by.join(', ')}` : ''}`;
}

/**
 * A measurement over episodes (`eval`, `learnability`) that has nothing to measure: an agent
 * completed no episode, or no unit was completed by both agents of a comparison. It is an error,
 * never a result: means over zero episodes, or "no difference shown" between an agent that could
 * not be reached and a baseline, would read as findings. The CLI exits with
 * `EXIT_EPISODES_FAILED` (the episodes failed) and prints the first failure and its hint.
 *
 * @example
 * throw NothingMeasuredError.noEpisode('EVAL_INCOMPLETE', 'the evaluation', { name: 'a (openai:x)', episodes: 8, failed, firstFailure });
 */
export class NothingMeasuredError extends PalestraError {
  override name = 'NothingMeasuredError';
  constructor(code: string, message: string, agents: MeasuredAgent[]) {
    const first = agents.find((a) => a.firstFailure)?.firstFailure;
    super(code, `${message}${first ? ` First failure: ${first.code}: ${first.message}` : ''}`, {
      details: { agents },
      hint:
        first?.hint ??
        (first?.fault === 'environment'
          ? 'the environment fails under play: palestra check <env> names the failing step (palestra replay shows a recorded failure)'
          : 'fix what failed and run the same command again: a measurement that could not run is not a result'),
    });
  }

  /** `agent` completed none of its episodes. */
  static noEpisode(code: string, what: string, agent: MeasuredAgent): NothingMeasuredError {
    return new NothingMeasuredError(
      code,
      `${what} measured nothing: none of the ${agent.episodes} episodes of ${agent.name} completed (${faults(agent.failed)}).`,
      [agent],
    );
  }
}
