import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '@palestra/envs/catalog';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { resolveAgent } from '../agents/resolve.ts';
import {
  abortOnSigint,
  applyBaseUrl,
  exitOnFailures,
  paint,
  reportInterrupted,
  tableStyle,
} from '../rollout/cliArgs.ts';
import { episodeFileName } from '../rollout/plan.ts';
import { episodeComplete, type RolloutResult } from '../rollout/rollout.ts';
import { summarizeRollout, writeSummary } from '../rollout/summary.ts';
import type { RunFlags } from './command.ts';
import { runEpisodes } from './runEpisodes.ts';

/** `palestra run <env>`: episodes one after the other, each recorded, then the summary table and `summary.json`. */
export async function runAction(name: string, opts: RunFlags): Promise<void> {
  const source = loadCatalog(name);
  applyBaseUrl(opts.baseUrl, opts.agent);
  const agent = resolveAgent(opts.agent, source.spec, opts.seed);
  mkdirSync(opts.out, { recursive: true });
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
  bar.start(opts.episodes, 0, { mean: '-' });
  let result: RolloutResult;
  try {
    result = await runEpisodes(source, agent, {
      episodes: opts.episodes,
      seed: opts.seed,
      out: opts.out,
      signal: controller.signal,
      onEpisode: (done, _total, ep) => {
        if (episodeComplete(ep)) {
          sum += ep.returnMicros / 1e6;
          finished++;
        }
        bar.update(done, { mean: finished ? (sum / finished).toFixed(3) : '-' });
      },
    });
  } finally {
    bar.stop();
    stopSigint();
    // A human agent lets go of the terminal.
    (agent as { close?: () => void }).close?.();
  }
  const summary = summarizeRollout(result);
  const done = result.episodes.filter(episodeComplete);
  const returns = done.map((e) => e.returnMicros / 1e6);
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
  writeSummary(opts.out, summary);
  if (result.interrupted) reportInterrupted(summary);
  else
    console.log(
      `episodes in ${opts.out}/ · replay one: palestra replay ${join(opts.out, episodeFileName(0))}`,
    );
  exitOnFailures(summary.failed, summary.note);
}
