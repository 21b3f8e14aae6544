import { canonicalJson } from '../episode/hash.ts';
import { PalestraError } from '../errors.ts';
import type { Env } from '../kernel/env.ts';
import { fromMicros } from '../kernel/micros.ts';
import type { GymSpec } from '../spec/schema.ts';
import { firstDivergence, shortJson } from './divergence.ts';
import { completed, type RandomRun, replayActions } from './episodes.ts';
import { type CheckFinding, fail, failFromError, notRun, pass } from './report.ts';

/** Did the random episodes run? Names the first failure with its code, JSON path and hint. */
export function checkEpisodesRan(run: RandomRun): CheckFinding {
  const total = run.episodes.length;
  const failed = run.episodes.filter((e) => e.error !== undefined);
  if (total === 0) return notRun('episodes', 'no random episode was asked for (episodes: 0)');
  if (failed.length === 0)
    return pass('episodes', `${total}/${total} random episodes ran (${run.steps} steps)`);
  const first = failed[0]!;
  const f = failFromError(
    'episodes',
    first.error,
    `${total - failed.length}/${total} random episodes ran; the episode with seed ${first.seed} failed ${first.actions.length === 0 ? 'on reset' : `at step ${first.actions.length}`}`,
  );
  return failed.length > 1 ? { ...f, message: `${f.message} (and ${failed.length - 1} more failed)` } : f;
}

/** Gymnasium's result shapes: booleans `terminated`/`truncated`, a finite reward, a text observation. */
export function checkApiShape(run: RandomRun): CheckFinding {
  if (run.steps === 0) return notRun('api', 'no step completed, so no result could be inspected');
  return run.shapeErrors === 0
    ? pass('api', `reset/step return Gymnasium-shaped results (${run.steps} steps looked at)`)
    : fail('api', 'BAD_STEP_RESULT', `${run.shapeErrors} of ${run.steps} steps returned malformed results`, {
        hint: 'step() must return { observation: { text, json }, reward (finite), terminated, truncated, info }',
      });
}

/** The context keeps to `$.context.schema` after every sampled step (only when a schema is declared). */
export function checkContextSchema(spec: GymSpec, run: RandomRun): CheckFinding | undefined {
  if (!spec.context.schema) return undefined;
  if (run.steps === 0) return notRun('context', 'no step completed, so no context could be checked');
  return run.contextErrors === 0
    ? pass('context', `the context stays within $.context.schema on every sampled step (${run.steps})`)
    : fail('context', 'CONTEXT_SCHEMA', run.firstContextError!, {
        where: '$.context.schema',
        hint: 'fix the action that writes this key, or widen the schema',
      });
}

/**
 * Returns stay within `$.reward.bounds`. Bounds are required: trainers normalise with them and a
 * broken episode is scored one micro-unit below their minimum. A return the kernel itself stopped
 * at the bounds (an error pointing at `$.reward.bounds`) counts as a violation too.
 */
export function checkRewardBounds(spec: GymSpec, run: RandomRun): CheckFinding {
  const bounds = spec.reward.bounds;
  if (!bounds)
    return fail(
      'reward bounds',
      'NO_REWARD_BOUNDS',
      'no reward.bounds declared, and none could be derived from the rules: trainers cannot normalise returns, an episode the agent broke cannot be scored below every honest one, and returns cannot be checked',
      {
        where: '$.reward.bounds',
        hint: 'declare "reward": { "bounds": { "min": <lowest return>, "max": <highest return> } }',
      },
    );
  const done = completed(run);
  const stopped = run.episodes.filter(
    (e) => e.error instanceof PalestraError && e.error.details.path === '$.reward.bounds',
  );
  if (done.length === 0 && stopped.length === 0)
    return notRun('reward bounds', 'no random episode ran to its end, so no return was seen');
  const returns = done.map((e) => fromMicros(e.returnMicros));
  const outside =
    returns.filter((r) => r < bounds.min - 1e-9 || r > bounds.max + 1e-9).length + stopped.length;
  const range = returns.length > 0 ? ` (${Math.min(...returns)}…${Math.max(...returns)} seen)` : '';
  return outside === 0
    ? pass('reward bounds', `every return within [${bounds.min}, ${bounds.max}]${range}`)
    : fail(
        'reward bounds',
        'RETURN_OUT_OF_BOUNDS',
        `${outside} episode returns left the declared bounds [${bounds.min}, ${bounds.max}]${range}`,
        {
          where: '$.reward.bounds',
          hint: 'widen $.reward.bounds to the lowest and highest return possible, or change the rules that overshoot',
        },
      );
}

/**
 * Same seed and actions on a second instance in this process → the same episode, canonical JSON
 * equal step by step (module-level state in code, or anything else that survives an episode).
 */
export async function checkSameInstanceDeterminism(twin: Env, run: RandomRun): Promise<CheckFinding> {
  const done = completed(run);
  if (done.length === 0)
    return notRun('determinism', 'no random episode ran to its end, so there was nothing to play again');
  let differing = 0;
  let first: string | undefined;
  for (const ep of done) {
    const again = replayActions(twin, ep.seed, ep.actions);
    if (again.some((x) => (x as { error?: unknown }).error !== undefined)) await twin.recover();
    if (canonicalJson(again) === canonicalJson(ep.trace)) continue;
    differing++;
    const d = firstDivergence(ep.trace, again);
    first ??= d
      ? `seed ${ep.seed} first differed at step ${d.step}, field "${d.field}": ${shortJson(d.expected)} then ${shortJson(d.actual)}`
      : `seed ${ep.seed}`;
  }
  return differing === 0
    ? pass(
        'determinism',
        `same seed and actions → same episode (${done.length} episodes played again on a second instance)`,
      )
    : fail(
        'determinism',
        'NONDETERMINISTIC',
        `${differing} of ${done.length} episodes differed on a second instance with the same seed and actions; ${first}`,
        {
          hint: 'draw randomness only from Math.random or rand() inside the environment; if it does, report this as a Palestra bug (the kernel should make this impossible)',
        },
      );
}
