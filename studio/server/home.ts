/**
 * The Environments page's data beyond the catalog: the studio's own environments from the database
 * and the latest runs of each environment (catalog ones matched by their bundle root), all plain
 * and serialisable.
 */

import { bundleId } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { catalogSummaries, type EnvSummary } from './catalog.ts';
import type { StudioContext } from './context.ts';
import type { Run } from './db/index.ts';

/** One run as the page lists it. */
export interface RunSummary {
  folder: string;
  kind: string;
  envRoot: string;
  /** ISO date it was indexed. */
  createdAt: string;
}

/** A studio environment (from the database) on the page. */
export interface StudioEnvSummary {
  id: string;
  name: string;
  source: string;
  sourceRef: string | null;
  headRoot: string | null;
  updatedAt: string;
  runs: RunSummary[];
}

export interface HomeData {
  catalog: Array<EnvSummary & { root: string | undefined; runs: RunSummary[] }>;
  environments: StudioEnvSummary[];
  /** Runs of no listed environment (a folder or a version no longer at its head). */
  otherRuns: RunSummary[];
}

/** How many runs the page lists per environment. */
export const RUNS_PER_ENV = 3;

const runSummary = (r: Run): RunSummary => ({
  folder: r.folder,
  kind: r.kind,
  envRoot: r.envRoot,
  createdAt: r.createdAt.toISOString(),
});

/**
 * The page's data: the catalog (each with its bundle root), the studio's environments, and the
 * latest runs of each (newest first, `RUNS_PER_ENV` at most).
 */
export async function homeData(context: StudioContext): Promise<HomeData> {
  const [stored, runs] = await Promise.all([context.repo.listEnvironments(), context.repo.listRuns()]);
  const used = new Set<string>();
  const take = (match: (r: Run) => boolean) => {
    const mine = runs.filter(match);
    for (const r of mine) used.add(r.id);
    return mine.slice(0, RUNS_PER_ENV).map(runSummary);
  };
  const environments = stored.map((e) => ({
    id: e.id,
    name: e.name,
    source: e.source,
    sourceRef: e.sourceRef,
    headRoot: e.headRoot,
    updatedAt: e.updatedAt.toISOString(),
    runs: take((r) => r.environmentId === e.id || (r.environmentId === null && r.envRoot === e.headRoot)),
  }));
  const catalog = await Promise.all(
    catalogSummaries().map(async (summary) => {
      let root: string | undefined;
      try {
        root = summary.error ? undefined : (await bundleId(loadCatalog(summary.name))).toLowerCase();
      } catch {
        root = undefined;
      }
      return { ...summary, root, runs: root ? take((r) => r.envRoot.toLowerCase() === root) : [] };
    }),
  );
  const otherRuns = runs
    .filter((r) => !used.has(r.id))
    .slice(0, 10)
    .map(runSummary);
  return { catalog, environments, otherRuns };
}
