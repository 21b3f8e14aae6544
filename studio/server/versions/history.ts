/**
 * What the history and diff pages read: a studio environment's versions, newest first, each with
 * its check (recorded, or taken from the check cache by root when the commit's own check did not
 * get to record it), and two versions' environments from the content store.
 */
import { ContentStore } from '@palestra/envs';
import type { EnvSource } from '@palestra/envs/core';
import { checkState, checkSummary } from '../checkStatus.ts';
import type { StudioContext } from '../context.ts';
import type { Environment, Version, VersionCheck } from '../db/index.ts';

/** A version as the history page shows it (plain JSON). */
export interface VersionRow {
  seq: number;
  root: string;
  message: string | null;
  author: string | null;
  /** ISO time. */
  createdAt: string;
  parentRoot: string | null;
  /** The quick check of its root; `pending` while it runs. */
  check: VersionCheck | { state: 'pending' };
  head: boolean;
}

/** A studio environment's history, or undefined for an id the database does not know. */
export async function versionHistory(
  studio: StudioContext,
  id: string,
): Promise<{ env: Environment; versions: VersionRow[] } | undefined> {
  const env = await studio.repo.getEnvironment(id);
  if (!env) return undefined;
  const rows = await studio.repo.listVersions(id);
  const store = new ContentStore(studio.storeDir);
  const checks = new Map<string, VersionRow['check']>();
  for (const row of rows) {
    if (row.checkStatus) checks.set(row.root, row.checkStatus);
    if (checks.has(row.root)) continue;
    checks.set(row.root, await cachedCheck(studio, store, env.id, row.root));
  }
  let headSeen = false;
  return {
    env,
    versions: rows.map((row) => {
      // The newest row of the head's root is the head (an older row of it was rolled back from).
      const head = !headSeen && row.root === env.headRoot;
      headSeen ||= head;
      return versionRow(row, checks.get(row.root) ?? { state: 'pending' }, head);
    }),
  };
}

function versionRow(row: Version, check: VersionRow['check'], head: boolean): VersionRow {
  return {
    seq: row.seq,
    root: row.root,
    message: row.note,
    author: row.authorName,
    createdAt: row.createdAt.toISOString(),
    parentRoot: row.parentRoot,
    check,
    head,
  };
}

/**
 * The check of `root` from the cache, recorded on the versions when it is there; otherwise started
 * (a studio restarted since the commit, or an imported first version) and `pending`.
 */
async function cachedCheck(
  studio: StudioContext,
  store: ContentStore,
  id: string,
  root: string,
): Promise<VersionRow['check']> {
  let source: EnvSource;
  try {
    source = await store.getSource(root);
  } catch (e) {
    const error = e as { code?: string; message?: string };
    return {
      state: 'error',
      failed: 0,
      warnings: 0,
      code: error.code ?? 'NOT_IN_STORE',
      message: String(error.message),
    };
  }
  const state = await checkState(studio, { ...source, root });
  if (state.state === 'pending') return state;
  const check: VersionCheck =
    state.state === 'failed'
      ? { state: 'error', failed: 0, warnings: 0, code: state.code, message: state.message }
      : (() => {
          const s = checkSummary(state.report);
          return { state: s.ok ? 'passed' : 'failed', failed: s.failed, warnings: s.warnings } as const;
        })();
  await studio.repo.setVersionCheck(id, root, check);
  return check;
}

/** Two versions of one environment (the older first) with their environments, for a diff. */
export async function versionPair(
  studio: StudioContext,
  id: string,
  seqs: [number, number],
): Promise<{ a: Version & { source: EnvSource }; b: Version & { source: EnvSource } } | undefined> {
  const [x, y] = await Promise.all(seqs.map((s) => studio.repo.getVersion(id, s)));
  if (!x || !y) return undefined;
  const [older, newer] = x.seq <= y.seq ? [x, y] : [y, x];
  const store = new ContentStore(studio.storeDir);
  const [sa, sb] = await Promise.all([store.getSource(older.root), store.getSource(newer.root)]);
  return { a: { ...older, source: sa }, b: { ...newer, source: sb } };
}
