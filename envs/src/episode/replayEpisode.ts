import { PalestraError, ReplayDivergence } from '../errors.ts';
import { makeEnv } from '../kernel/env.ts';
import type { AsyncEnvHandle } from '../kernel/handle.ts';
import type { EnvSource } from '../kernel/source.ts';
import { EpisodeChain } from './chain.ts';
import { canonicalJson } from './hash.ts';
import type { Episode, EpisodeFailure, EpisodeStep } from './record.ts';

export interface ReplayResult {
  steps: number;
  root: string;
  complete: boolean;
  /** The re-executed steps (equal to the record's, bit for bit). */
  replayed: EpisodeStep[];
  /** The re-executed failure line of a failed episode (equal to the record's): the same error again. */
  failure?: EpisodeFailure;
}

const FIELDS = [
  'action',
  'observation',
  'reward',
  'terminated',
  'truncated',
  'state',
  'event',
  'components',
  'invalidAction',
  'hash',
] as const;

/** Options of `replayEpisode`. `H`: the environment's type (`EnvHandle`, or a browser's `WorkerEnv`). */
export interface ReplayEpisodeOptions<H extends AsyncEnvHandle> {
  /** Replay steps 1..upTo only. */
  upTo?: number;
  /** The caller's environment, kept open (a caller replaying many episodes passes one). */
  env?: H;
  /** Opens the environment when `env` is not given (closed at the end). Default: `makeEnv`, in this thread. */
  open?: (source: EnvSource) => H | Promise<H>;
  /** Called after the reset (k = 0, no step) and after each verified step k: snapshot the env there. */
  onStep?: (k: number, env: H, step: EpisodeStep | undefined) => void;
}

/**
 * Re-executes a recorded episode's actions from its seed and task and checks every step bit for
 * bit (canonical JSON). Throws `ReplayDivergence` at the first difference: step, field, expected,
 * actual. Stop early with `upTo` (replays steps 1..upTo). A failed episode's failing action is
 * re-executed too and must throw the same error (code and message; field `error` otherwise), and
 * the failure line it rebuilds must hash to the recorded root.
 *
 * Browser-safe: the record is in memory, and the environment is any handle whose calls answer
 * now or later (Node's `replay` opens an isolated one for environments with code).
 *
 * @example
 * const { root } = await replayEpisode(source, parseEpisode(text)); // in-process env
 * const r = await replayEpisode(source, record, { env: await WorkerEnv.start(source, { createWorker }) });
 */
export async function replayEpisode<H extends AsyncEnvHandle>(
  source: EnvSource,
  record: Episode,
  options: ReplayEpisodeOptions<H> = {},
): Promise<ReplayResult> {
  const env: H =
    options.env ?? (await (options.open ?? ((s: EnvSource) => makeEnv(s) as unknown as Promise<H>))(source));
  try {
    const { header } = record;
    if (header.spec.name !== source.spec.name)
      throw new ReplayDivergence(0, 'spec.name', header.spec.name, source.spec.name);
    const reset = await env.reset({ seed: header.seed, taskIndex: header.taskIndex });
    const chain = new EpisodeChain();
    const h = chain.header({ spec: header.spec, seed: header.seed, agent: header.agent }, reset);
    for (const field of ['observation', 'info'] as const) {
      if (canonicalJson(h[field]) !== canonicalJson(header[field]))
        throw new ReplayDivergence(0, field, header[field], h[field]);
    }
    const limit = Math.min(options.upTo ?? record.steps.length, record.steps.length);
    const replayed: EpisodeStep[] = [];
    options.onStep?.(0, env, undefined);
    for (let k = 0; k < limit; k++) {
      const expected = record.steps[k]!;
      const result = await env.step(expected.action);
      const actual = chain.step(expected.action, result, expected.turn);
      for (const f of FIELDS) {
        const e = expected[f as keyof EpisodeStep];
        const a = actual[f as keyof EpisodeStep];
        if (
          (e === undefined) !== (a === undefined) ||
          (e !== undefined && canonicalJson(e) !== canonicalJson(a))
        )
          throw new ReplayDivergence(expected.i, f, e, a);
      }
      replayed.push(actual);
      options.onStep?.(k + 1, env, actual);
    }
    let failure: EpisodeFailure | undefined;
    const expectedFailure = record.failure;
    if (
      expectedFailure &&
      limit === record.steps.length &&
      (options.upTo ?? Number.POSITIVE_INFINITY) >= expectedFailure.i
    ) {
      const want = { code: expectedFailure.error.code, message: expectedFailure.error.message };
      let got: { code: string; message: string } | { result: unknown };
      try {
        got = { result: await env.step(expectedFailure.action) };
      } catch (e) {
        if (!(e instanceof PalestraError)) throw e;
        got = { code: e.code, message: e.message };
        // A kept env (the caller's) is usable again after a failure that broke its sandbox.
        if (options.env) await env.recover();
      }
      if (!('code' in got) || got.code !== want.code || got.message !== want.message)
        throw new ReplayDivergence(
          expectedFailure.i,
          'error',
          want,
          'code' in got ? got : 'no error: the step succeeded',
        );
      failure = chain.failStep(expectedFailure.action, got, expectedFailure.turn);
      if (failure.hash !== expectedFailure.hash)
        throw new ReplayDivergence(expectedFailure.i, 'hash', expectedFailure.hash, failure.hash);
    }
    const replayedAll = limit === record.steps.length && (!expectedFailure || failure !== undefined);
    return {
      steps: limit,
      root: chain.root,
      complete: record.complete && replayedAll,
      replayed,
      ...(failure ? { failure } : {}),
    };
  } finally {
    if (!options.env) env.close();
  }
}
