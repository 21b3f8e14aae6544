import { dirname } from 'node:path';
import cliProgress from 'cli-progress';
import { formatBranchChart } from '../branch/chart.ts';
import { branch } from '../jobs/branch.ts';
import { abortOnSigint, exitOnFailures } from './args.ts';
import { branchFlags } from './branch.ts';
import { parseFlags } from './flags.ts';
import { announceRun } from './studioLink.ts';

/** `palestra branch <episode>`: the branch job with a progress bar and Ctrl-C, then the chart of step values. */
export async function branchAction(file: string, raw: unknown): Promise<void> {
  const flags = parseFlags(branchFlags, raw, 'branch');
  const controller = new AbortController();
  const stop = abortOnSigint(controller);
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {value}/{total} continuations', hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let result: Awaited<ReturnType<typeof branch>>;
  try {
    result = await branch(
      {
        episode: file,
        agent: flags.agent,
        ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
        samples: flags.samples,
        seed: flags.seed,
        concurrency: flags.concurrency,
        ...(flags.step === undefined ? {} : { step: flags.step }),
        ...(flags.all ? { all: true } : {}),
        ...(flags.timeoutMs === undefined ? {} : { timeoutMs: flags.timeoutMs }),
        ...(flags.env === undefined ? {} : { env: flags.env }),
        ...(flags.out === undefined ? {} : { out: flags.out }),
      },
      {
        signal: controller.signal,
        onProgress: ({ done, total }) => {
          if (!started) {
            bar.start(total, 0);
            started = true;
          }
          bar.update(done);
        },
      },
    );
  } finally {
    if (started) bar.stop();
    stop();
  }
  const { report } = result;
  console.log(
    `✔ steps 1–${Math.max(...result.steps)} re-executed bit for bit; branching from the restored states`,
  );
  console.log(formatBranchChart(report));
  console.log(`values and advantages: ${result.out}`);
  // The report sits in the episode's run folder: registering that folder again refreshes it.
  await announceRun(dirname(result.out));
  exitOnFailures(
    report.failed.failed,
    `${report.failed.failed} continuation${report.failed.failed === 1 ? '' : 's'} failed, not in the values`,
  );
}
