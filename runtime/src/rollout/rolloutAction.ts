import { mkdirSync } from 'node:fs';
import { loadCatalog } from '@palestra/envs/catalog';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { resolveAgent } from '../agents/resolve.ts';
import { type OverseerStats, scoreFiles } from '../score/scoreFiles.ts';
import {
  abortOnSigint,
  applyBaseUrl,
  exitOnFailures,
  paint,
  refuseHuman,
  reportInterrupted,
  tableStyle,
} from './cliArgs.ts';
import type { RolloutFlags } from './command.ts';
import { planGroups } from './plan.ts';
import { requireRewardBounds } from './rewardBounds.ts';
import { episodeComplete, type RolloutProgress, rollout } from './rollout.ts';
import { summarizeRollout, writeSummary } from './summary.ts';
import { answersInProcess, effectiveConcurrency, rolloutAutoWorkers, rolloutInWorkers } from './workers.ts';

/** `palestra rollout <env>`: many episodes at once (in threads where they pay), scored, summarised in `summary.json`. */
export async function rolloutAction(name: string, flags: RolloutFlags): Promise<void> {
  applyBaseUrl(flags.baseUrl, flags.agent);
  refuseHuman('rollout', flags.agent);
  const source = loadCatalog(name);
  requireRewardBounds(source.spec, 'rollout');
  resolveAgent(flags.agent, source.spec, flags.seed); // fail fast on a bad --agent
  mkdirSync(flags.out, { recursive: true });
  const plans = planGroups(source.spec, {
    episodes: flags.episodes,
    group: flags.group,
    seed: flags.seed,
    out: flags.out,
  });
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
  const stopSigint = abortOnSigint(controller, () =>
    process.stderr.write('\n! stopping: in-flight episodes end now (Ctrl-C again to quit at once)\n'),
  );
  bar.start(plans.length, 0, { eps: '-', tps: '-', inflight: 0 });
  const inProcess = answersInProcess(flags.agent);
  const common = {
    plans,
    // In-process agents never wait: one episode and one turn at a time on the main thread.
    concurrency:
      flags.workers === 'auto' || flags.workers === 0
        ? effectiveConcurrency(flags.concurrency, flags.agent)
        : flags.concurrency,
    // Model agents: as many episodes in flight as the measured wait per turn pays for (each
    // holds an environment handle), up to --concurrency.
    ...(inProcess ? {} : { episodesInFlight: 'auto' as const }),
    retries: flags.retries,
    signal: controller.signal,
    ...(flags.timeoutMs === undefined ? {} : { timeoutMs: flags.timeoutMs }),
    onProgress: (p: RolloutProgress) => {
      const s = Math.max(p.elapsedMs / 1000, 1e-3);
      bar.update(p.done + p.failed, {
        eps: ((p.done - p.resumed) / s).toFixed(1),
        tps: (p.turns / s).toFixed(1),
        inflight: p.turnsInFlight,
      });
    },
  };
  const local = () => resolveAgent(flags.agent, source.spec, flags.seed);
  let result: Awaited<ReturnType<typeof rollout>>;
  let workers = 0;
  try {
    if (flags.workers === 'auto') {
      const r = await rolloutAutoWorkers(source, {
        ...common,
        agent: flags.agent,
        agentSeed: flags.seed,
        local,
      });
      workers = r.workers;
      result = r;
    } else if (flags.workers > 0) {
      workers = flags.workers;
      result = await rolloutInWorkers(source, {
        ...common,
        agent: flags.agent,
        agentSeed: flags.seed,
        workers,
      });
    } else result = await rollout(source, { ...common, agent: local });
  } finally {
    bar.stop();
    stopSigint();
  }
  const prices =
    flags.pricePrompt !== undefined || flags.priceCompletion !== undefined
      ? { prompt: (flags.pricePrompt ?? 0) / 1e6, completion: (flags.priceCompletion ?? 0) / 1e6 }
      : undefined;
  const summary: ReturnType<typeof summarizeRollout> & { overseer?: OverseerStats } = summarizeRollout(
    result,
    prices,
  );
  if (flags.overseer !== 'none') {
    // Failed episodes carry no outcome to judge: they are counted, not scored.
    const complete = result.episodes.filter(episodeComplete).map((e) => e.file);
    if (complete.length > 0)
      summary.overseer = (
        await scoreFiles(complete, flags.overseer, { source, groups: flags.group > 1 })
      ).stats;
  }
  const path = writeSummary(flags.out, summary);
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
  console.log(`summary: ${path}`);
  // An episode worth replaying: a complete one, else one whose file records its failure.
  const replayable =
    result.episodes.find(episodeComplete) ?? result.episodes.find((e) => e.failure?.recorded);
  if (result.interrupted) reportInterrupted(summary);
  else if (replayable) console.log(`replay one: palestra replay ${replayable.file}`);
  exitOnFailures(summary.failed, summary.note);
}
