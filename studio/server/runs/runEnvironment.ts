/**
 * Which environment a run ran, as a page can link it: a catalog name whose bundle root is the
 * run's, or the studio environment the run names (or whose head version is the run's root). A run
 * of a version that is no longer anyone's head, or of a folder on disk, resolves to nothing: the
 * page shows its name from the run's own files and no link.
 */
import { bundleId } from '@palestra/envs';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import type { StudioContext } from '../context.ts';
import type { Environment, Run } from '../db/index.ts';

/** An environment a run page can link to (`/env/<ref>`). */
export interface RunEnvironment {
  /** A catalog name or a studio environment id. */
  ref: string;
  name: string;
}

let catalogRoots: Promise<Map<string, string>> | undefined;

/** Root → catalog name, computed once per process (the catalog does not change while it runs). */
function catalogByRoot(): Promise<Map<string, string>> {
  catalogRoots ??= (async () => {
    const byRoot = new Map<string, string>();
    for (const name of catalogNames()) {
      try {
        byRoot.set((await bundleId(loadCatalog(name))).toLowerCase(), name);
      } catch {
        // A catalog entry that does not load resolves no run.
      }
    }
    return byRoot;
  })();
  return catalogRoots;
}

/**
 * A resolver for many runs at once (the runs list): the studio's environments are read once.
 *
 * @example
 * const resolve = await runEnvironments(studio);
 * resolve(run)   // { ref: 'frozen-lake', name: 'frozen-lake' }
 */
export async function runEnvironments(
  studio: StudioContext,
): Promise<(run: Pick<Run, 'envRoot' | 'environmentId'>) => RunEnvironment | undefined> {
  const [byRoot, stored] = await Promise.all([catalogByRoot(), studio.repo.listEnvironments()]);
  const byId = new Map<string, Environment>(stored.map((e) => [e.id, e]));
  const byHead = new Map<string, Environment>();
  for (const e of stored)
    if (e.headRoot && !byHead.has(e.headRoot.toLowerCase())) byHead.set(e.headRoot.toLowerCase(), e);
  return (run) => {
    const own = run.environmentId ? byId.get(run.environmentId) : undefined;
    if (own) return { ref: own.id, name: own.name };
    const root = run.envRoot.toLowerCase();
    const name = byRoot.get(root);
    if (name) return { ref: name, name };
    const head = byHead.get(root);
    return head ? { ref: head.id, name: head.name } : undefined;
  };
}
