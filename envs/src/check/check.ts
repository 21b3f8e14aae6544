import { type Env, makeEnv } from '../kernel/env.ts';
import type { EnvSource } from '../kernel/source.ts';
import { type CrossHostOptions, type CrossHostRun, checkCrossHost, startCrossHostRun } from './crossHost.ts';
import {
  checkApiShape,
  checkContextSchema,
  checkEpisodesRan,
  checkRewardBounds,
  checkSameInstanceDeterminism,
} from './episodeChecks.ts';
import { runRandomEpisodes } from './episodes.ts';
import { checkUnusedExports } from './exports.ts';
import { exploreGraph } from './graph.ts';
import { checkOrder } from './order.ts';
import { type CheckFinding, type CheckReport, failFromError, notRun } from './report.ts';
import { checkResetHygiene } from './reset.ts';
import { checkSpaces } from './spaces.ts';
import {
  allStates,
  checkDeadEnds,
  checkFinalStates,
  checkReachability,
  checkToolsHandled,
  checkTraps,
} from './statechart.ts';

export type { CrossHostOptions } from './crossHost.ts';
export { type CheckFinding, type CheckReport, type CheckStats, formatCheckReport } from './report.ts';

export interface CheckOptions {
  /** Random episodes for the dynamic checks. */
  episodes?: number;
  seed?: number;
  /** Most distinct (state, context) pairs the graph search explores per task. */
  graphLimit?: number;
  /** How many tasks to explore the graph from, by state value and context. */
  tasks?: number;
  /** How many tasks to explore by state value only (cheap). */
  wideTasks?: number;
  /** Keep searching after every state was reached (finds more traps, costs time). */
  exhaustive?: boolean;
  /**
   * Work budget of the graph search: (state, context) pairs expanded over all searches. A count,
   * not seconds, so the verdict is the same on a fast machine and a busy one.
   */
  graphBudget?: number;
  /** Graph searches per task, each under another seed (stochastic dynamics). */
  graphRounds?: number;
  /**
   * Determinism across hosts (another process, time zone and clock); `false` skips it (a warning),
   * and `{ skipped: why }` skips it saying why (a browser has no second process to run it in).
   */
  crossHost?: CrossHostOptions | false | { skipped: string };
}

/** The checks that need a running environment: reported as not run when it cannot be built. */
const DYNAMIC = ['order', 'episodes', 'api', 'determinism', 'cross-host', 'reset', 'reachability'];

/**
 * The environment checker: Gymnasium's `check_env` (API contract, determinism in this process and
 * across hosts, reset hygiene, reward bounds) plus statechart analysis with `@xstate/graph` (every
 * state reachable, every final state reachable, no dead ends that are not final). Each check is a
 * small named function; this one runs them in order and collects their findings.
 *
 * @example
 * const report = await checkEnv(loadCatalog('refund-desk'));
 * if (!report.ok) process.exitCode = 1;
 */
export async function checkEnv(source: EnvSource, options: CheckOptions = {}): Promise<CheckReport> {
  const spec = source.spec;
  const seed = options.seed ?? 0;
  const findings: CheckFinding[] = [];
  const add = (...fs: (CheckFinding | undefined)[]) => {
    for (const f of fs) if (f) findings.push(f);
  };
  const stats = {
    episodes: 0,
    failedEpisodes: 0,
    steps: 0,
    statesSeen: 0,
    statesTotal: allStates(spec).length,
    graphStates: 0,
    crossHostEpisodes: 0,
  };
  const report = (): CheckReport => ({
    env: `${spec.name}@${spec.version}`,
    findings,
    ok: findings.every((f) => f.level !== 'error'),
    stats,
  });

  let env: Env | undefined;
  let twin: Env | undefined;
  try {
    // Entries are tracked so that a state passed through counts as reached (`info.entered`).
    env = await makeEnv(source, { trackEntries: true });
    twin = await makeEnv(source, { trackEntries: true });
  } catch (e) {
    env?.close();
    add(failFromError('build', e, 'the environment could not be built'));
    const dynamic = spec.spaces ? [...DYNAMIC, 'spaces'] : DYNAMIC;
    add(...dynamic.map((c) => notRun(c, 'the environment could not be built (see build)')));
    add(
      checkRewardBounds(spec, { episodes: [], steps: 0, seen: new Set(), shapeErrors: 0, contextErrors: 0 }),
    );
    add(checkDeadEnds(spec), checkToolsHandled(spec));
    return report();
  }

  // The other process loads while this one plays; it gets the episodes once they are known.
  const asked = options.crossHost;
  const crossHostOff =
    asked === false
      ? 'turned off (crossHost: false, or --no-cross-host)'
      : asked && 'skipped' in asked
        ? asked.skipped
        : undefined;
  const crossHost: CrossHostRun | undefined =
    asked === false || (asked && 'skipped' in asked) ? undefined : startCrossHostRun(source, asked);
  try {
    add(checkOrder(env));
    const run = await runRandomEpisodes(env, spec, { count: options.episodes ?? 40, seed });
    stats.episodes = run.episodes.filter((e) => e.error === undefined).length;
    stats.failedEpisodes = run.episodes.length - stats.episodes;
    stats.steps = run.steps;
    crossHost?.play(run.episodes);
    add(
      checkContextSchema(spec, run),
      checkApiShape(run),
      checkEpisodesRan(run),
      await checkSameInstanceDeterminism(twin, run),
      checkRewardBounds(spec, run),
      await checkResetHygiene(source, env, seed),
      await checkSpaces(env, run, { seed }),
    );

    const stateIds = allStates(spec)
      .filter((x) => x.node.type !== 'history')
      .map((x) => x.id);
    const graph = await exploreGraph(env, source, run.seen, stateIds, {
      limit: options.graphLimit ?? 300,
      budget: options.graphBudget ?? 6000,
      tasks: options.tasks ?? 5,
      wideTasks: options.wideTasks ?? 40,
      rounds: options.graphRounds ?? 6,
      exhaustive: options.exhaustive ?? false,
      seed,
    });
    const seen = new Set([...run.seen, ...graph.seen]);
    stats.statesSeen = stateIds.filter((id) => seen.has(id)).length;
    stats.graphStates = graph.graphStates;
    const exploration = {
      seen,
      episodesWithSteps: run.episodes.filter((e) => e.actions.length > 0 && e.trace.length > 1).length,
      searches: graph.searches,
      graphStates: graph.graphStates,
    };
    add(
      checkReachability(spec, exploration),
      checkFinalStates(spec, exploration),
      checkDeadEnds(spec),
      checkTraps(spec, graph.edges),
      ...graph.findings,
      checkToolsHandled(spec),
      checkUnusedExports(spec, env.moduleExports),
    );
    const crossHostFinding = await checkCrossHost(crossHost, crossHostOff);
    if (crossHostFinding.ran && crossHostFinding.level !== 'warning')
      stats.crossHostEpisodes = crossHost?.episodes.length ?? 0;
    add(crossHostFinding);
  } finally {
    crossHost?.cancel();
    env.close();
    twin.close();
  }
  return report();
}
