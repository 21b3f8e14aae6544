/**
 * The other side of the cross-host determinism check (see crossHost.ts): run by `palestra check`
 * in a fresh process under another time zone and a shifted host clock. Reads two JSON lines on
 * stdin: `{ spec, files }` (it builds the environment at once, while the parent still runs its own
 * episodes), then `{ episodes: [{ seed, actions }] }`; plays each episode and writes
 * `{ traces, host: { timeZone, now } }` as JSON on stdout (or `{ error: { code, message } }`).
 */
import { createInterface } from 'node:readline';
import { PalestraError } from '../errors.ts';
import { type Env, makeEnv } from '../kernel/env.ts';
import { envSource } from '../kernel/source.ts';
import type { Action } from '../kernel/types.ts';
import { replayActions } from './episodes.ts';

async function main(): Promise<unknown> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })[
    Symbol.asyncIterator
  ]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error('the parent closed stdin early');
    return JSON.parse(r.value) as unknown;
  };
  const { spec, files } = (await next()) as { spec: unknown; files: Record<string, string> };
  const env: Env = await makeEnv(envSource(spec, files), { trackEntries: true });
  try {
    const { episodes } = (await next()) as { episodes: { seed: number; actions: Action[] }[] };
    const traces: unknown[][] = [];
    for (const ep of episodes) {
      const trace = replayActions(env, ep.seed, ep.actions);
      if (trace.some((x) => (x as { error?: unknown }).error !== undefined)) await env.recover();
      traces.push(trace);
    }
    return { traces, host: { timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, now: Date.now() } };
  } finally {
    env.close();
  }
}

main()
  .then(
    (out) => process.stdout.write(JSON.stringify(out)),
    (e: unknown) => {
      const code = e instanceof PalestraError ? e.code : 'UNEXPECTED_ERROR';
      process.stdout.write(JSON.stringify({ error: { code, message: (e as Error)?.message ?? String(e) } }));
    },
  )
  .finally(() => process.stdin.destroy());
