/**
 * What the design assistant reads of an environment's runs: the list (as the Runs page has it) and
 * one run's summary from its digest (`runs/runDigest.ts`), numbers only, small enough for a model.
 */
import type { StudioContext } from '../context.ts';
import { runFolder } from '../runFiles.ts';
import { runDigest, runParts } from '../runs/runDigest.ts';
import { runListRows } from '../runs/runList.ts';

/** Rows of the per-task table a summary carries at most (the weakest tasks first). */
export const TASKS_IN_SUMMARY = 30;

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The runs of environment `ref` (a studio id or a catalog name), the newest first.
 *
 * @example
 * await environmentRuns(studio, 'k3f9x') // { runs: [{ id: 'r1', kind: 'rollout', agent: 'random', … }] }
 */
export async function environmentRuns(studio: StudioContext, ref: string) {
  const rows = (await runListRows(studio)).filter((r) => r.envRef === ref);
  return {
    runs: rows.map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind,
      agent: r.agent,
      createdAt: r.createdAt,
      episodes: r.episodes,
      returnMean: r.returnMean,
      successRate: r.successRate,
    })),
  };
}

/**
 * One run's summary, or undefined when `id` is not a run of environment `ref` (or its folder is gone).
 *
 * @example
 * await runSummary(studio, 'k3f9x', 'r1') // { id: 'r1', successRate: { rate: 0.25, low: 0.07, high: 0.59 }, … }
 */
export async function runSummary(studio: StudioContext, ref: string, id: string) {
  const listed = (await runListRows(studio)).find((r) => r.id === id && r.envRef === ref);
  if (!listed) return undefined;
  const found = await runFolder(studio, id);
  if (!found?.exists) return undefined;
  const part = runParts(found.dir)[0];
  if (part === undefined) return { id, kind: listed.kind, agent: listed.agent, episodes: 0 };
  const d = await runDigest(found.dir, part);
  return {
    id,
    kind: listed.kind,
    agent: listed.agent,
    ...(part !== '' && { part }),
    episodes: d.files,
    kept: d.kept,
    unreadable: d.unreadable,
    incomplete: d.incomplete,
    successRate: {
      rate: round(d.success.rate),
      low: round(d.success.low),
      high: round(d.success.high),
      k: d.success.k,
      n: d.success.n,
    },
    return: { mean: round(d.returnMean), std: round(d.returnStd), min: d.returnMin, max: d.returnMax },
    length: { mean: round(d.length.mean), max: d.length.max },
    invalidActions: d.invalidActions,
    failed: d.failed,
    truncated: d.truncated,
    vetoed: d.vetoed,
    overseer: d.components.map((c) => ({ ...c, mean: round(c.mean) })),
    perTask: [...d.perTask]
      .sort((a, b) => a.successRate - b.successRate || a.taskIndex - b.taskIndex)
      .slice(0, TASKS_IN_SUMMARY)
      .map((t) => ({ ...t, successRate: round(t.successRate), returnMean: round(t.returnMean) })),
    tasks: d.perTask.length,
  };
}
