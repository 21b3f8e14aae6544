/**
 * What the studio's pages show of the catalog, read on the server by the route loaders: plain,
 * serialisable summaries (a loader's data crosses to the browser as JSON).
 */

import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { type GymSpec, taskCount, taskIndices } from '@palestra/envs/core';

/** One catalog environment on the Environments page. */
export interface EnvSummary {
  name: string;
  description: string | undefined;
  /** Every state of the machine, nested ones included (the root excluded): one canvas node each. */
  states: number;
  tools: number;
  tasks: number;
  train: number;
  eval: number;
  /** Set when the spec does not load; the page shows it instead of the counts. */
  error: string | undefined;
}

/** The Environment page's data until the canvas mounts there. */
export interface EnvDetail {
  name: string;
  description: string | undefined;
  states: number;
  tools: Array<{ name: string; description: string; event: string }>;
  /** Listed tasks by id and split; generated tasks are only counted (`generated`). */
  tasks: Array<{ id: string; split: 'train' | 'eval' }>;
  generated: { module: string; count: number; eval: number } | undefined;
}

type StateNode = { states?: Record<string, StateNode> };

/** Counts every state below `node` (nested states included, `node` itself not). */
export function countStates(node: StateNode): number {
  let n = 0;
  for (const child of Object.values(node.states ?? {})) n += 1 + countStates(child);
  return n;
}

/** The counts of one spec, as the Environments page lists them (catalog and studio environments). */
export function summarize(name: string, spec: GymSpec): EnvSummary {
  return {
    name,
    description: spec.description || undefined,
    states: countStates(spec.machine),
    tools: spec.tools.length,
    tasks: taskCount(spec),
    train: taskIndices(spec, 'train').length,
    eval: taskIndices(spec, 'eval').length,
    error: undefined,
  };
}

/**
 * A summary of every catalog environment, in name order. A spec that fails to load is listed with
 * its error rather than hiding the others.
 *
 * @example
 * catalogSummaries().find((e) => e.name === 'refund-desk')?.tools   // 4
 */
export function catalogSummaries(): EnvSummary[] {
  return catalogNames().map((name) => {
    try {
      return summarize(name, loadCatalog(name).spec);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      return { name, description: undefined, states: 0, tools: 0, tasks: 0, train: 0, eval: 0, error };
    }
  });
}

/** The Environment page's detail of one spec. */
export function environmentDetail(spec: GymSpec): EnvDetail {
  const evalSet = new Set(taskIndices(spec, 'eval'));
  return {
    name: spec.name,
    description: spec.description || undefined,
    states: countStates(spec.machine),
    tools: spec.tools.map((t) => ({ name: t.name, description: t.description, event: t.event })),
    tasks:
      'list' in spec.tasks
        ? spec.tasks.list.map((t, i) => ({ id: t.id, split: evalSet.has(i) ? 'eval' : 'train' }))
        : [],
    generated:
      'module' in spec.tasks
        ? { module: spec.tasks.module, count: spec.tasks.count, eval: evalSet.size }
        : undefined,
  };
}
