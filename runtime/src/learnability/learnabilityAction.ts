import { writeFileSync } from 'node:fs';
import { loadCatalog } from '@palestra/envs/catalog';
import {
  abortOnSigint,
  checkOutFile,
  EXIT_EPISODES_FAILED,
  requireWritableFolder,
} from '../rollout/cliArgs.ts';
import { formatLearnabilityReport, type LearnabilityFlags } from './command.ts';
import { type LearnabilityReport, learnability } from './learnability.ts';

/** `palestra learnability <env>`: baselines and degenerate probes, the report, its exit code. */
export async function learnabilityAction(name: string, flags: LearnabilityFlags): Promise<void> {
  const source = loadCatalog(name);
  // Paths the report is written to are checked before any episode is played, not after.
  if (flags.json) checkOutFile(flags.json, '--json', 'learnability.json');
  if (flags.out) requireWritableFolder(flags.out, '--out');
  const controller = new AbortController();
  const stop = abortOnSigint(controller);
  let report: LearnabilityReport;
  try {
    report = await learnability(source, {
      groups: flags.groups,
      group: flags.group,
      seed: flags.seed,
      concurrency: flags.concurrency,
      signal: controller.signal,
      ...(flags.scripted ? { scripted: flags.scripted } : {}),
      ...(flags.margin === undefined ? {} : { margin: flags.margin }),
      ...(flags.out ? { out: flags.out } : {}),
    });
  } finally {
    stop();
  }
  console.log(formatLearnabilityReport(report));
  if (flags.json) writeFileSync(flags.json, `${JSON.stringify(report, null, 2)}\n`);
  if (report.results.some((x) => x.games)) process.exitCode = 1;
  else if (report.failed > 0) process.exitCode = EXIT_EPISODES_FAILED;
}
