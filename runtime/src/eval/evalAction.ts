import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '@palestra/envs/catalog';
import { resolveAgent } from '../agents/resolve.ts';
import {
  abortOnSigint,
  applyBaseUrl,
  exitOnFailures,
  refuseHuman,
  requireWritableFolder,
} from '../rollout/cliArgs.ts';
import { effectiveConcurrency } from '../rollout/workers.ts';
import { type EvalFlags, formatEvalReport } from './command.ts';
import { type EvalReport, evaluate, requireMeasured } from './evaluate.ts';

/** `palestra eval <env>`: an agent on the held-out tasks, paired against `--vs` when given; writes `eval.json`. */
export async function evalAction(name: string, flags: EvalFlags): Promise<void> {
  applyBaseUrl(flags.baseUrl, flags.agent, flags.vs);
  refuseHuman('eval', flags.agent, flags.vs);
  const source = loadCatalog(name);
  resolveAgent(flags.agent, source.spec, flags.seed);
  if (flags.vs) resolveAgent(flags.vs, source.spec, flags.seed);
  requireWritableFolder(flags.out, '--out');
  const controller = new AbortController();
  const stop = abortOnSigint(controller);
  let report: EvalReport;
  try {
    report = await evaluate(source, {
      agent: { label: 'a', make: () => resolveAgent(flags.agent, source.spec, flags.seed) },
      ...(flags.vs
        ? { vs: { label: 'b', make: () => resolveAgent(flags.vs!, source.spec, flags.seed) } }
        : {}),
      episodesPerTask: flags.episodesPerTask,
      seed: flags.seed,
      out: flags.out,
      // Agents that answer in-process never wait: episodes in flight beyond one would only open
      // more environment handles (a worker thread each for an environment with code).
      concurrency: Math.max(
        effectiveConcurrency(flags.concurrency, flags.agent),
        flags.vs ? effectiveConcurrency(flags.concurrency, flags.vs) : 1,
      ),
      retries: flags.retries,
      signal: controller.signal,
      ...(flags.timeoutMs === undefined ? {} : { timeoutMs: flags.timeoutMs }),
    });
  } finally {
    stop();
  }
  writeFileSync(join(flags.out, 'eval.json'), `${JSON.stringify(report, null, 2)}\n`);
  // Every episode of an agent failed (an endpoint that cannot be reached, say): an error, not a table.
  if (!controller.signal.aborted) requireMeasured(report);
  console.log(formatEvalReport(report));
  console.log(`report: ${join(flags.out, 'eval.json')}`);
  if (controller.signal.aborted) process.exitCode = 130;
  exitOnFailures(
    report.failed,
    `${report.failed} episode${report.failed === 1 ? '' : 's'} failed, not in the scores`,
  );
  if (!report.complete && !process.exitCode) process.exitCode = 1;
}
