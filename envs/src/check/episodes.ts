import { PalestraError } from '../errors.ts';
import type { Env } from '../kernel/env.ts';
import { Prng } from '../kernel/prng.ts';
import { sampleAction } from '../kernel/sample.ts';
import type { Action, ResetResult, StepResult } from '../kernel/types.ts';
import type { GymSpec } from '../spec/schema.ts';

/** One random episode as the checks see it: what was done, what came back, how it ended. */
export interface SampledEpisode {
  seed: number;
  actions: Action[];
  /** The reset result, then one step result per action: what determinism is judged on. */
  trace: (ResetResult | StepResult)[];
  /** Return in micro-units (of the steps that completed). */
  returnMicros: number;
  /** The error that stopped the episode, if one did. */
  error?: unknown;
}

/** What the random episodes saw, for the checks that judge it. */
export interface RandomRun {
  episodes: SampledEpisode[];
  steps: number;
  /** Every state entered, as dotted paths (transient ones too, when the kernel reports them). */
  seen: Set<string>;
  /** Steps whose result was not Gymnasium-shaped. */
  shapeErrors: number;
  /** Steps after which the context left `$.context.schema`, and the first such problem. */
  contextErrors: number;
  firstContextError?: string;
}

/**
 * Plays `count` random episodes (seeds `seed`, `seed + 1`, …) with `sampleAction`; every fifth
 * episode opens with an unknown tool to exercise the invalid-action path. An episode that throws
 * is recorded with its error, the sandbox is rebuilt, and the next one runs.
 */
export async function runRandomEpisodes(
  env: Env,
  spec: GymSpec,
  options: { count: number; seed: number },
): Promise<RandomRun> {
  const agent = new Prng(options.seed ^ 0x5eed);
  const run: RandomRun = { episodes: [], steps: 0, seen: new Set(), shapeErrors: 0, contextErrors: 0 };
  for (let e = 0; e < options.count; e++) {
    const episode: SampledEpisode = { seed: options.seed + e, actions: [], trace: [], returnMicros: 0 };
    run.episodes.push(episode);
    try {
      const r = env.reset({ seed: episode.seed });
      noteStates(run.seen, r.info);
      episode.trace.push(r);
      for (;;) {
        const a =
          e % 5 === 4 && episode.actions.length === 0
            ? ({ tool: '__nope__' } as Action)
            : sampleAction(spec, agent);
        episode.actions.push(a);
        const out = env.step(a);
        run.steps++;
        episode.trace.push(out);
        episode.returnMicros += out.info.rewardMicros;
        noteStates(run.seen, out.info);
        const bad = env.contextProblems();
        if (bad && run.contextErrors++ === 0)
          run.firstContextError = `after step ${out.info.step} of seed ${episode.seed} the context leaves $.context.schema: ${bad}`;
        if (!wellShaped(out)) run.shapeErrors++;
        if (out.terminated || out.truncated) break;
      }
    } catch (err) {
      episode.error = err;
      await env.recover();
    }
  }
  return run;
}

/** The active states, and the states entered on the way (`info.entered`, transient ones included). */
function noteStates(seen: Set<string>, info: { state: string[]; entered?: unknown }): void {
  for (const p of info.state) seen.add(p);
  if (Array.isArray(info.entered)) for (const p of info.entered) if (typeof p === 'string') seen.add(p);
}

function wellShaped(out: StepResult): boolean {
  return (
    typeof out.terminated === 'boolean' &&
    typeof out.truncated === 'boolean' &&
    Number.isFinite(out.reward) &&
    typeof out.observation?.text === 'string'
  );
}

/**
 * Plays a seed and a list of actions again: the reset result, then each step result, until the
 * episode ends. An error ends the trace with `{ error: { code, message } }` (the caller recovers).
 */
export function replayActions(env: Env, seed: number, actions: Action[]): unknown[] {
  const trace: unknown[] = [];
  try {
    trace.push(env.reset({ seed }));
    for (const a of actions) {
      const out = env.step(a);
      trace.push(out);
      if (out.terminated || out.truncated) break;
    }
  } catch (e) {
    trace.push({
      error: {
        code: e instanceof PalestraError ? e.code : 'UNEXPECTED_ERROR',
        message: (e as Error)?.message ?? String(e),
      },
    });
  }
  return trace;
}

/** Episodes that ran to their end. */
export function completed(run: RandomRun): SampledEpisode[] {
  return run.episodes.filter((e) => e.error === undefined);
}
