import { EnvCodeError } from '../errors.ts';
import type { GymSpec } from '../spec/schema.ts';

/**
 * Deepest nesting an action may have. Tool arguments are flat in practice; the bound keeps every
 * line that carries an action (a step, a failure, a request to `serve`) well inside the record
 * and request depth limits (`RECORD_LINE_LIMITS`: 128, `REQUEST_LIMITS`: 64), so a record written
 * from an accepted action can always be read back.
 */
export const ACTION_MAX_DEPTH = 32;

/**
 * Refuses an action so large or so deep that it can only be an attack: its JSON is longer than
 * `limits.maxObservationBytes` (the most text the environment may show back in one step), or it
 * nests deeper than `ACTION_MAX_DEPTH`. Throws `EnvCodeError` ACTION_TOO_LARGE, an *agent* fault
 * (`fault.ts`): the episode ends and the agent scores below every honest failure.
 *
 * Why it runs first, before the action is validated or reaches the statechart, and so wins over
 * OBSERVATION_TOO_LARGE: both are agent faults, but an oversized action that got in could also
 * make the environment's own code fail (a module out of memory or past its deadline on a huge
 * string, a context that no longer fits its schema, a reply too large for the isolated worker's
 * channel), which are *environment* faults, left out of training batches instead of scored as
 * the worst outcome. Checking here means an agent cannot launder its own oversized output into
 * an environment fault. A 100,000-deep action is refused, not a stack overflow.
 *
 * @example
 * checkActionSize(env.spec, { text: 'x'.repeat(1e6) }, 3); // throws ACTION_TOO_LARGE
 */
export function checkActionSize(spec: Pick<GymSpec, 'limits'>, action: unknown, step?: number): void {
  const limit = spec.limits.maxObservationBytes;
  // One serialisation for the size (a value too deep for JSON.stringify's own recursion is a
  // RangeError: too deep), then a walk for the depth that stops one level past the limit, so
  // its recursion is bounded. Both are cheap for the small actions of every step (~1 µs).
  let json: string | undefined;
  try {
    json = JSON.stringify(action);
  } catch (e) {
    if (e instanceof RangeError)
      throw tooLarge(
        spec,
        step,
        /string length/i.test(e.message)
          ? 'is too large to serialise'
          : `nests deeper than ${ACTION_MAX_DEPTH} levels`,
      );
    return; // not JSON at all (a cycle, a BigInt): the action's validation says what is wrong with it
  }
  if (json === undefined) return;
  const exact = json.length;
  if (exact > limit)
    throw tooLarge(spec, step, `is ${exact} characters of JSON; the limit is ${limit}`, exact);
  if (deeperThan(action, ACTION_MAX_DEPTH))
    throw tooLarge(spec, step, `nests deeper than ${ACTION_MAX_DEPTH} levels`);
}

function tooLarge(
  spec: Pick<GymSpec, 'limits'>,
  step: number | undefined,
  why: string,
  size?: number,
): EnvCodeError {
  const limit = spec.limits.maxObservationBytes;
  // No step number in the message: the isolated env's host checks too, before the worker (which
  // counts the steps) sees the action, and a record's message must not depend on where it ran.
  return new EnvCodeError('ACTION_TOO_LARGE', `the action ${why}`, {
    details: {
      path: '$.limits.maxObservationBytes',
      ...(step === undefined ? {} : { step }),
      limit,
      maxDepth: ACTION_MAX_DEPTH,
      ...(size === undefined ? {} : { size }),
    },
    hint: 'the agent sent an action far larger than any tool call (an agent fault): keep tool arguments and replies under limits.maxObservationBytes characters',
  });
}

/** Whether `v` nests arrays and objects more than `max` deep (recursion bounded by `max` + 1). */
function deeperThan(v: unknown, max: number, depth = 1): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (depth > max) return true;
  if (Array.isArray(v)) {
    for (const x of v) if (deeperThan(x, max, depth + 1)) return true;
    return false;
  }
  for (const k of Object.keys(v))
    if (deeperThan((v as Record<string, unknown>)[k], max, depth + 1)) return true;
  return false;
}
