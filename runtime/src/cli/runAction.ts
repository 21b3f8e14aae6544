import { fromMicros } from '@palestra/envs/core';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { run } from '../jobs/run.ts';
import { episodeComplete } from '../play/outcome.ts';
import { abortOnSigint, exitOnFailures, paint, reportInterrupted, tableStyle } from './args.ts';
import { parseFlags } from './flags.ts';
import { runFlags } from './run.ts';
import { announceRun } from './studioLink.ts';

/** `palestra run <env>`: the run job with a progress bar and Ctrl-C, then the summary table. */
export async function runAction(name: string, raw: unknown): Promise<void> {
  const opts = parseFlags(runFlags, raw, 'run');
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {value}/{total} episodes · mean return {mean} · {eta_formatted} left',
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const controller = new AbortController();
  const stopSigint = abortOnSigint(controller, () =>
    process.stderr.write('\n! stopping: the episode in play ends now (Ctrl-C again to quit at once)\n'),
  );
  let sum = 0;
  let finished = 0;
  // Started at the first episode, so that a refused environment or agent prints no bar before its error.
  let started = false;
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run(
      {
        env: name,
        agent: opts.agent,
        ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
        episodes: opts.episodes,
        seed: opts.seed,
        out: opts.out,
      },
      {
        signal: controller.signal,
        onProgress: ({ done, total, episode }) => {
          if (!started) {
            bar.start(total, 0, { mean: '-' });
            started = true;
          }
          if (episodeComplete(episode)) {
            sum += fromMicros(episode.returnMicros);
            finished++;
          }
          bar.update(done, { mean: finished ? (sum / finished).toFixed(3) : '-' });
        },
      },
    );
  } finally {
    if (started) bar.stop();
    stopSigint();
  }
  const { summary } = result;
  const done = result.episodes.filter(episodeComplete);
  const returns = done.map((e) => fromMicros(e.returnMicros));
  const table = new Table({
    ...tableStyle(),
    head: [
      'env',
      'agent',
      'episodes',
      'failed',
      'return mean ± sd',
      'min … max',
      'success',
      'mean length',
      'truncated',
      'invalid actions',
    ],
  });
  table.push([
    summary.env,
    summary.agent,
    `${summary.complete}${summary.resumed ? ` (${summary.resumed} resumed)` : ''}`,
    summary.failed
      ? `${summary.failed} (${summary.faults.agent} agent, ${summary.faults.environment} env.)`
      : 0,
    `${summary.returnMean.toFixed(3)} ± ${summary.returnStd.toFixed(3)}`,
    returns.length ? `${Math.min(...returns)} … ${Math.max(...returns)}` : '-',
    `${(100 * summary.successRate).toFixed(0)}%`,
    summary.meanLength.toFixed(1),
    done.filter((e) => e.truncated).length,
    summary.invalidActions,
  ]);
  console.log(table.toString());
  if (summary.errors.length > 0)
    console.log(
      paint(
        'yellow',
        `! ${summary.note}, e.g. episode ${summary.errors[0]!.index}: ${summary.errors[0]!.error} (${summary.errors[0]!.fault} fault)`,
      ),
    );
  const t = summary.throughput;
  console.log(
    `${t.steps} steps in ${t.seconds.toFixed(2)} s (${Math.round(t.stepsPerSecond)} steps/s) · bundle ${summary.bundle}`,
  );
  if (result.interrupted) reportInterrupted(summary);
  else console.log(`episodes in ${opts.out}/ · replay one: palestra replay ${result.firstFile}`);
  await announceRun(opts.out);
  exitOnFailures(summary.failed, summary.note);
}
