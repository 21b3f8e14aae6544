import { bundleId, checkEnv, formatCheckReport } from '@palestra/envs';
import { jobSource } from '../jobs/env.ts';
import { checkFlags } from './check.ts';
import { parseFlags } from './flags.ts';

/** `palestra check <env>`: the report, the bundle id, exit code 1 on any error. */
export async function checkAction(name: string, raw: unknown): Promise<void> {
  const opts = parseFlags(checkFlags, raw, 'check');
  const source = await jobSource(name);
  const report = await checkEnv(source, {
    episodes: opts.episodes,
    seed: opts.seed,
    ...(opts.crossHost ? {} : { crossHost: false as const }),
  });
  console.log(formatCheckReport(report));
  console.log(`  bundle ${await bundleId(source)}`);
  if (!report.ok) process.exitCode = 1;
}
