import { bundleId, formatCheckReport } from '@palestra/envs';
import { checkInWorker } from '../check/checkInWorker.ts';
import { jobSource } from '../jobs/env.ts';
import { checkFlags } from './check.ts';
import { parseFlags } from './flags.ts';

/**
 * `palestra check <env>`: the report, the bundle id, exit code 1 on any error. The check runs in a
 * worker thread ended after `--timeout` seconds: an environment stuck in native code fails with
 * `CHECK_TIMEOUT` instead of hanging the CLI.
 */
export async function checkAction(name: string, raw: unknown): Promise<void> {
  const opts = parseFlags(checkFlags, raw, 'check');
  const source = await jobSource(name);
  const report = await checkInWorker(source, {
    episodes: opts.episodes,
    seed: opts.seed,
    ...(opts.crossHost ? {} : { crossHost: false as const }),
    budgetMs: opts.timeout * 1000,
  });
  console.log(formatCheckReport(report));
  console.log(`  bundle ${await bundleId(source)}`);
  if (!report.ok) process.exitCode = 1;
}
