import { bundleId, checkEnv, formatCheckReport } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';

/** The flags of `palestra check`. */
export interface CheckFlags {
  episodes: number;
  seed: number;
  crossHost: boolean;
}

/** `palestra check <env>`: the report, the bundle id, exit code 1 on any error. */
export async function checkAction(name: string, opts: CheckFlags): Promise<void> {
  const source = loadCatalog(name);
  const report = await checkEnv(source, {
    episodes: opts.episodes,
    seed: opts.seed,
    ...(opts.crossHost ? {} : { crossHost: false as const }),
  });
  console.log(formatCheckReport(report));
  console.log(`  bundle ${await bundleId(source)}`);
  if (!report.ok) process.exitCode = 1;
}
