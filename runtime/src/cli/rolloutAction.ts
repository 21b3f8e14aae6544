import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { rollout } from '../jobs/rollout.ts';
import { abortOnSigint, exitOnFailures, paint, reportInterrupted, tableStyle } from './args.ts';
import { parseFlags } from './flags.ts';
import { rolloutFlags } from './rollout.ts';
import { announceRun } from './studioLink.ts';

/** `palestra rollout <env>`: the rollout job with a progress bar and Ctrl-C, then its summary as a table. */
export async function rolloutAction(name: string, raw: unknown): Promise<void> {
  const flags = parseFlags(rolloutFlags, raw, 'rollout');
  const controller = new AbortController();
  const bar = new cliProgress.SingleBar(
    {
      format:
        ' {bar} {value}/{total} episodes · {eps} episodes/s · {tps} turns/s · {inflight} turns in flight · {eta_formatted} left',
      hideCursor: true,
      stream: process.stderr,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const stopSigint = abortOnSigint(controller, () =>
    process.stderr.write('\n! stopping: in-flight episodes end now (Ctrl-C again to quit at once)\n'),
  );
  let result: Awaited<ReturnType<typeof rollout>>;
  try {
    result = await rollout(
      {
        env: name,
        agent: flags.agent,
        ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
        episodes: flags.episodes,
        group: flags.group,
        concurrency: flags.concurrency,
        out: flags.out,
        seed: flags.seed,
        retries: flags.retries,
        overseer: flags.overseer,
        workers: flags.workers,
        ...(flags.timeoutMs === undefined ? {} : { timeoutMs: flags.timeoutMs }),
        ...(flags.pricePrompt !== undefined || flags.priceCompletion !== undefined
          ? {
              prices: {
                ...(flags.pricePrompt === undefined ? {} : { prompt: flags.pricePrompt }),
                ...(flags.priceCompletion === undefined ? {} : { completion: flags.priceCompletion }),
              },
            }
          : {}),
      },
      {
        signal: controller.signal,
        onProgress: (p) => {
          // The bar follows the episodes; scoring after them is quick and not shown.
          if (p.kind !== 'episodes') return;
          if (!started) {
            bar.start(p.total, 0, { eps: '-', tps: '-', inflight: 0 });
            started = true;
          }
          const s = Math.max(p.elapsedMs / 1000, 1e-3);
          bar.update(p.done + p.failed, {
            eps: ((p.done - p.resumed) / s).toFixed(1),
            tps: (p.turns / s).toFixed(1),
            inflight: p.turnsInFlight,
          });
        },
      },
    );
  } finally {
    if (started) bar.stop();
    stopSigint();
  }
  const { summary } = result;
  const table = new Table({
    ...tableStyle(),
    head: [
      'env',
      'agent',
      'episodes',
      'groups',
      'return mean ± sd',
      'success',
      'mean length',
      'tokens',
      'cost',
    ],
  });
  table.push([
    summary.env,
    summary.agent,
    `${summary.complete}/${summary.episodes}${summary.failed ? ` · ${summary.failed} failed` : ''}${summary.resumed ? ` (${summary.resumed} resumed)` : ''}`,
    summary.groups ? `${summary.groups} × ${summary.groupSize} (${summary.zeroVarianceGroups} flat)` : '-',
    // Over no complete episode there are no figures: dashes, not zeros that read as results.
    ...(summary.complete === 0
      ? ['-', '-', '-']
      : [
          `${summary.returnMean.toFixed(3)} ± ${summary.returnStd.toFixed(3)}`,
          `${(100 * summary.successRate).toFixed(0)}%`,
          summary.meanLength.toFixed(1),
        ]),
    `${summary.tokens.prompt} + ${summary.tokens.completion}`,
    summary.cost === null ? '-' : `$${summary.cost.toFixed(4)}`,
  ]);
  console.log(table.toString());
  const t = summary.throughput;
  const workers = result.workers;
  console.log(
    `${t.episodes} episodes, ${t.turns} turns, ${t.steps} steps in ${t.seconds.toFixed(2)} s · ${t.episodesPerSecond.toFixed(1)} episodes/s · ${t.turnsPerSecond.toFixed(1)} turns/s · up to ${t.maxTurnsInFlight} turns in flight on ${t.envHandles} environment handle${t.envHandles === 1 ? '' : 's'}${workers > 0 ? ` over ${workers} worker threads` : ''}`,
  );
  const firstError = summary.errors[0];
  if (firstError) {
    console.log(
      paint(
        'yellow',
        `! ${summary.note}, e.g. ${firstError.file}: ${firstError.error} (${firstError.fault} fault)`,
      ),
    );
    if (firstError.hint) console.log(paint('yellow', `  → ${firstError.hint}`));
  }
  if (summary.overseer)
    console.log(
      `overseer ${summary.overseer.judge}: mean ${summary.overseer.mean.toFixed(3)} ± ${summary.overseer.sd.toFixed(3)} over ${summary.overseer.episodes} episodes${summary.overseer.vetoed ? `, ${summary.overseer.vetoed} vetoed` : ''} (committed in the episodes)`,
    );
  if (summary.overseer?.conflicts)
    console.log(
      paint(
        'yellow',
        `! ${summary.overseer.conflicts} episode${summary.overseer.conflicts === 1 ? '' : 's'} already hold a different score from this overseer: kept as they were (palestra score --force appends the new one)`,
      ),
    );
  console.log(`summary: ${result.summaryPath}`);
  if (result.interrupted) reportInterrupted(summary);
  else if (result.replayable) console.log(`replay one: palestra replay ${result.replayable}`);
  await announceRun(flags.out);
  exitOnFailures(summary.failed, summary.note);
}
