/**
 * The version a run ran, for the run and replay pages: a run names only the root it ran (its
 * episodes' headers do too), so the version is found by root among the studio's versions, of the
 * run's own environment when it names one.
 */
import { bundleId } from '@palestra/envs';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import type { StudioContext } from '../context.ts';

let catalogRoots: Promise<Set<string>> | undefined;

/** The catalog environments' roots, computed once per process (the catalog does not change while it runs). */
function catalogRootSet(): Promise<Set<string>> {
  catalogRoots ??= (async () => {
    const roots = new Set<string>();
    for (const name of catalogNames())
      roots.add((await bundleId(loadCatalog(name)).catch(() => '')).toLowerCase());
    return roots;
  })();
  return catalogRoots;
}

/** A version as a run page names it; `seq` null for a root that is no version (a working copy). */
export interface RunVersion {
  environmentId: string;
  seq: number | null;
  message: string | null;
  root: string;
}

/**
 * The version of `environmentId` (or of any studio environment, when the run names none) whose
 * root is `root`: the first one made with it (a roll back makes later versions of the same root).
 * A run of a studio environment at a root that is none of its versions ran a working copy:
 * `seq: null`. Undefined for a root no studio environment knows, and for a run that names no
 * environment at a catalog environment's root (a catalog run, even when a fork's first version has
 * the same content).
 *
 * @example
 * await runVersion(studio, run.envRoot, run.environmentId) // { environmentId, seq: 3, message: 'add escalated', root }
 */
export async function runVersion(
  studio: StudioContext,
  root: string,
  environmentId: string | null,
): Promise<RunVersion | undefined> {
  const rows = (await studio.repo.versionsWithRoot(root)).filter(
    (v) => environmentId === null || v.environmentId === environmentId,
  );
  if (environmentId === null && rows.length > 0 && (await catalogRootSet()).has(root.toLowerCase()))
    return undefined;
  const [first] = rows;
  if (first)
    return { environmentId: first.environmentId, seq: first.seq, message: first.note, root: first.root };
  if (environmentId !== null && (await studio.repo.getEnvironment(environmentId)))
    return { environmentId, seq: null, message: null, root: root.toLowerCase() };
  return undefined;
}
