/**
 * The Environments page's data beyond the catalog: the studio's own environments from the database
 * (with their counts, read from their head version in the content store) and the latest runs of
 * each environment (catalog ones matched by their bundle root), all plain and serialisable.
 */

import { basename } from 'node:path';
import { bundleId, ContentStore } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import type { EnvSource } from '@palestra/envs/core';
import type { Access } from './auth/access.ts';
import { catalogSummaries, type EnvSummary, summarize } from './catalog.ts';
import { type CheckOutcome, checkOutcome } from './checkOutcome.ts';
import { checkState } from './checkStatus.ts';
import type { StudioContext } from './context.ts';
import type { Run } from './db/index.ts';

/** One run as the page lists it. */
export interface RunSummary {
  /** The folder as indexed (relative to the studio's working directory when inside it). */
  folder: string;
  /** The folder's own name, what the page shows. */
  name: string;
  kind: string;
  envRoot: string;
  /** ISO date it was indexed. */
  createdAt: string;
  /** Episodes, when its summary says. */
  episodes: number | undefined;
}

/**
 * The checker's verdict on an environment, for the list's "Checks" column: where its check stands
 * (a first check runs in the background and the page polls it), or `null` when there is nothing to
 * check (an environment with no version).
 */
export type CheckSlot = CheckOutcome | null;

/** A studio environment (from the database) on the page. */
export interface StudioEnvSummary {
  id: string;
  name: string;
  /** Its workspace's id and name. */
  workspaceId: string;
  workspace: string;
  source: string;
  sourceRef: string | null;
  headRoot: string | null;
  updatedAt: string;
  /** Counts of its head version; `error` set when that version does not load, undefined without one. */
  counts: EnvSummary | undefined;
  check: CheckSlot;
  runs: RunSummary[];
}

export interface HomeData {
  /** The workspaces of the request's member, with its role in each. */
  workspaces: Array<{ id: string; name: string; role: string }>;
  catalog: Array<EnvSummary & { root: string | undefined; check: CheckSlot; runs: RunSummary[] }>;
  environments: StudioEnvSummary[];
  /** Runs of no listed environment (a folder or a version no longer at its head). */
  otherRuns: RunSummary[];
}

/** How many runs the page lists per environment. */
export const RUNS_PER_ENV = 3;

const runSummary = (r: Run): RunSummary => {
  const episodes = r.summary?.episodes;
  return {
    folder: r.folder,
    name: basename(r.folder),
    kind: r.kind,
    envRoot: r.envRoot,
    createdAt: r.createdAt.toISOString(),
    episodes: typeof episodes === 'number' && Number.isFinite(episodes) ? episodes : undefined,
  };
};

/** Where the check of `source` at `root` stands (started when it has not run); a failure is said. */
async function checkSlot(
  context: StudioContext,
  source: () => Promise<EnvSource>,
  root: string,
): Promise<CheckSlot> {
  try {
    return checkOutcome(await checkState(context, { ...(await source()), root }, { start: false }));
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return { state: 'failed', code: err.code ?? 'CHECK_FAILED', message: err.message ?? String(e) };
  }
}

/** The counts of a stored version; a version that does not load says why instead. */
async function storedCounts(store: ContentStore, name: string, root: string | null) {
  if (!root) return undefined;
  try {
    return summarize(name, (await store.getSource(root)).spec);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return { name, description: undefined, states: 0, tools: 0, tasks: 0, train: 0, eval: 0, error };
  }
}

/**
 * The page's data: the catalog (each with its bundle root), the studio's environments of the
 * workspaces `access` belongs to, and the latest runs of each (newest first, `RUNS_PER_ENV` at
 * most), never a run of another workspace's environment.
 */
export async function homeData(
  context: StudioContext,
  access: Pick<Access, 'workspaces' | 'environmentRole' | 'seesRun'>,
): Promise<HomeData> {
  const [all, allRuns] = await Promise.all([context.repo.listEnvironments(), context.repo.listRuns()]);
  const stored = all.filter((e) => access.environmentRole(e.id) !== undefined);
  const runs = allRuns.filter((r) => access.seesRun(r));
  const workspaceName = new Map(access.workspaces.map((w) => [w.id, w.name]));
  const store = new ContentStore(context.storeDir);
  const used = new Set<string>();
  const take = (match: (r: Run) => boolean) => {
    const mine = runs.filter(match);
    for (const r of mine) used.add(r.id);
    return mine.slice(0, RUNS_PER_ENV).map(runSummary);
  };
  const environments = await Promise.all(
    stored.map(async (e) => ({
      id: e.id,
      name: e.name,
      workspaceId: e.workspaceId,
      workspace: workspaceName.get(e.workspaceId) ?? e.workspaceId,
      source: e.source,
      sourceRef: e.sourceRef,
      headRoot: e.headRoot,
      updatedAt: e.updatedAt.toISOString(),
      counts: await storedCounts(store, e.name, e.headRoot),
      check: e.headRoot
        ? await checkSlot(context, () => store.getSource(e.headRoot as string), e.headRoot)
        : null,
      runs: take((r) => r.environmentId === e.id || (r.environmentId === null && r.envRoot === e.headRoot)),
    })),
  );
  const catalog = await Promise.all(
    catalogSummaries().map(async (summary) => {
      let root: string | undefined;
      try {
        root = summary.error ? undefined : (await bundleId(loadCatalog(summary.name))).toLowerCase();
      } catch {
        root = undefined;
      }
      return {
        ...summary,
        root,
        check: root ? await checkSlot(context, async () => loadCatalog(summary.name), root) : null,
        runs: root ? take((r) => r.envRoot.toLowerCase() === root) : [],
      };
    }),
  );
  const otherRuns = runs
    .filter((r) => !used.has(r.id))
    .slice(0, 10)
    .map(runSummary);
  const workspaces = access.workspaces.map(({ id, name, role }) => ({ id, name, role }));
  return { workspaces, catalog, environments, otherRuns };
}
