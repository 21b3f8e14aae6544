import type { Env } from '../kernel/env.ts';
import { Prng } from '../kernel/prng.ts';
import type { Observation } from '../kernel/types.ts';
import { representativeCalls, resolveActionSpace } from '../spec/actionSpace.ts';
import { type CompiledSpaces, compileSpaces, type WireSpace } from '../spec/gymSpaces.ts';
import { jsonPath } from '../spec/jsonPath.ts';
import type { RandomRun } from './episodes.ts';
import { type CheckFinding, fail, failFromError, notRun, pass } from './report.ts';

/**
 * `spaces` (Gymnasium spaces for classic RL), when the spec declares them: every action-space value
 * (each value of each dimension) maps to a tool call the kernel accepts (`Env.toEvent`, the check
 * the steps make), and the observation-space expression gives a value inside the space for every
 * observation seen: those of the random episodes, and of `episodes` more played by a policy
 * that samples the action space, as a classic RL agent would. Undefined without `spaces`.
 */
export async function checkSpaces(
  env: Env,
  run: RandomRun,
  options: { seed: number; episodes?: number },
): Promise<CheckFinding | undefined> {
  const spaces = compileSpaces(env.spec);
  if (!spaces || !env.spec.spaces) return undefined;
  const { resolved } = resolveActionSpace(env.spec.spaces.action, env.spec.tools);
  if (!resolved) return notRun('spaces', 'spaces.action does not resolve (see the spec errors)');
  const calls = representativeCalls(resolved);
  for (const { call, path } of calls) {
    const event = env.toEvent(call);
    if ('code' in event && typeof event.code === 'string' && 'message' in event)
      return fail('spaces', event.code, `the action ${JSON.stringify(call)} is invalid: ${event.message}`, {
        where: jsonPath(path),
        hint: 'map every action-space value to a tool call the tool accepts',
      });
  }

  let seen = 0;
  const observe = (o: Observation, where: string): CheckFinding | undefined => {
    try {
      spaces.observationValue(o);
      seen++;
      return undefined;
    } catch (e) {
      return failFromError('spaces', e, `the observation ${where}`);
    }
  };
  for (const ep of run.episodes)
    for (const [i, r] of ep.trace.entries()) {
      const bad = observe(r.observation, `at step ${i} of seed ${ep.seed}`);
      if (bad) return bad;
    }
  const played = await playSampled(env, spaces, options.seed, options.episodes ?? 10, observe);
  if (played) return played;
  if (seen === 0) return notRun('spaces', 'no observation was seen (no episode ran)');
  return pass(
    'spaces',
    `action ${describe(spaces.action)} → ${calls.length} tool call${calls.length === 1 ? '' : 's'} the tools accept; observation ${describe(spaces.observation)}: ${seen} observations in the space`,
  );
}

/** Episodes played by a uniform policy over the action space; the first bad observation, if any. */
async function playSampled(
  env: Env,
  spaces: CompiledSpaces,
  seed: number,
  episodes: number,
  observe: (o: Observation, where: string) => CheckFinding | undefined,
): Promise<CheckFinding | undefined> {
  const rng = new Prng(seed ^ 0x59ace);
  for (let e = 0; e < episodes; e++) {
    const s = seed + 10_000 + e;
    try {
      const r = env.reset({ seed: s });
      const bad = observe(r.observation, `after reset with seed ${s} (sampled actions)`);
      if (bad) return bad;
      for (;;) {
        const mapped = spaces.toAction(sample(spaces.action, rng));
        if (!mapped.ok)
          return fail(
            'spaces',
            'INVALID_ARGUMENTS',
            `a sampled value maps to no action: ${mapped.problem.message}`,
          );
        const out = env.step(mapped.action);
        const badStep = observe(out.observation, `at step ${out.info.step} of seed ${s} (sampled actions)`);
        if (badStep) return badStep;
        if (out.terminated || out.truncated) break;
      }
    } catch {
      // The random-episode checks report failing episodes; here only observations are judged.
      await env.recover();
    }
  }
  return undefined;
}

/** A uniform draw from an action space (Discrete, MultiDiscrete or Dict of those). */
function sample(space: WireSpace, rng: Prng): unknown {
  if (space.type === 'Discrete') return space.start + rng.int(space.n);
  if (space.type === 'MultiDiscrete') return space.nvec.map((n) => rng.int(n));
  if (space.type === 'Dict')
    return Object.fromEntries(Object.entries(space.spaces).map(([k, s]) => [k, sample(s, rng)]));
  return null;
}

function describe(space: WireSpace): string {
  if (space.type === 'Discrete') return `Discrete(${space.n})`;
  if (space.type === 'MultiDiscrete') return `MultiDiscrete([${space.nvec.join(', ')}])`;
  if (space.type === 'Box') return `Box(shape [${space.shape.join(', ')}], ${space.dtype})`;
  if (space.type === 'Dict') return `Dict(${Object.keys(space.spaces).join(', ')})`;
  return 'Text';
}
