import { writeFileSync } from 'node:fs';
import { readEpisode } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import cliProgress from 'cli-progress';
import { resolveAgent } from '../agents/resolve.ts';
import {
  abortOnSigint,
  applyBaseUrl,
  checkOutFile,
  checkStepArg,
  exitOnFailures,
  refuseHuman,
} from '../rollout/cliArgs.ts';
import { effectiveConcurrency } from '../rollout/workers.ts';
import { branch } from './branch.ts';
import { formatBranchChart } from './chart.ts';
import type { BranchFlags } from './command.ts';

/** `palestra branch <episode>`: continuations from restored states, step values and advantages. */
export async function branchAction(file: string, flags: BranchFlags): Promise<void> {
  applyBaseUrl(flags.baseUrl, flags.agent);
  refuseHuman('branch', flags.agent);
  const ep = readEpisode(file);
  checkStepArg(flags.step, ep, file);
  const defaultOut = `${file.replace(/\.jsonl$/, '')}.branch.json`;
  if (flags.out !== undefined) checkOutFile(flags.out, '--out', defaultOut);
  const out = flags.out ?? defaultOut;
  const source = loadCatalog(flags.env ?? ep.header.spec.name);
  const k = flags.step ?? ep.steps.length;
  const steps = flags.all
    ? Array.from({ length: ep.steps.length + 1 }, (_, j) => j)
    : k === 0
      ? [0]
      : [k - 1, k];
  resolveAgent(flags.agent, source.spec, flags.seed);
  const controller = new AbortController();
  const stop = abortOnSigint(controller);
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {value}/{total} continuations', hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(steps.length * flags.samples, 0);
  let report: Awaited<ReturnType<typeof branch>>;
  try {
    report = await branch(source, ep, {
      agent: () => resolveAgent(flags.agent, source.spec, flags.seed),
      samples: flags.samples,
      steps,
      seed: flags.seed,
      // An agent that answers in-process never waits: continuations in flight beyond one would only
      // open more environment handles (a worker thread each for an environment with code).
      concurrency: effectiveConcurrency(flags.concurrency, flags.agent),
      signal: controller.signal,
      ...(flags.timeoutMs === undefined ? {} : { timeoutMs: flags.timeoutMs }),
      onSample: (done) => bar.update(done),
    });
  } finally {
    bar.stop();
    stop();
  }
  console.log(`✔ steps 1–${Math.max(...steps)} re-executed bit for bit; branching from the restored states`);
  console.log(formatBranchChart(report));
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`values and advantages: ${out}`);
  exitOnFailures(
    report.failed.failed,
    `${report.failed.failed} continuation${report.failed.failed === 1 ? '' : 's'} failed, not in the values`,
  );
}
