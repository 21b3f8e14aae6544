/**
 * The one place a route turns the `:ref` of its URL into an environment: a catalog name, or the
 * stable id of a studio environment (its head version read from the content store). Every page
 * about one environment (canvas, simulator, later runs and editing) loads through here, so the
 * catalog and the database are never told apart anywhere else.
 */
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { type EnvSource, usesModules } from '@palestra/envs/core';
import { ContentStore } from '@palestra/envs/node';
import type { StudioContext } from './context.ts';

/** An environment a page can show: its source, bundle root and where it lives. */
export interface LoadedEnvironment extends EnvSource {
  /** The URL reference: a catalog name or a studio environment id. */
  ref: string;
  /** The name to show (the spec's). */
  name: string;
  kind: 'catalog' | 'studio';
  /** Its bundle's content root: what an episode record's header names. */
  root: string;
  /** True when it runs code modules (the simulator plays it in a Web Worker). */
  modules: boolean;
}

/**
 * Roots a studio environment may be loaded at besides its versions, by environment id: the working
 * copies its simulate page played (`rememberWorkingRoot`), so that an episode played there can be
 * saved and replayed. In memory, a few per environment: a restarted studio forgets them, and the
 * page then plays the copy again.
 */
const workingRoots = new Map<string, string[]>();
const WORKING_ROOTS_KEPT = 8;

/** Lets `<id>@<root>` load environment `id` at `root` (a working copy in the content store). */
export function rememberWorkingRoot(id: string, root: string): void {
  const kept = (workingRoots.get(id) ?? []).filter((r) => r !== root);
  workingRoots.set(id, [root, ...kept].slice(0, WORKING_ROOTS_KEPT));
}

/**
 * Loads `ref` (a catalog name or a studio environment id), or `undefined` when neither knows it.
 * Only catalog names are passed to `loadCatalog`, never a URL's text as a path. `<id>@<root>` is
 * studio environment `id` at `root`: one of its versions, or a working copy its simulate page
 * played; its `ref` is the id.
 */
export async function environmentSource(
  studio: StudioContext,
  ref: string,
): Promise<LoadedEnvironment | undefined> {
  const store = new ContentStore(studio.storeDir);
  const at = /^([^@]+)@(0x[0-9a-fA-F]{64})$/.exec(ref);
  if (at) return studioEnvironmentAt(studio, store, at[1]!, at[2]!.toLowerCase());
  if (catalogNames().includes(ref)) {
    const source = loadCatalog(ref);
    const root = await store.putSource(source);
    return {
      ...source,
      ref,
      name: source.spec.name,
      kind: 'catalog',
      root,
      modules: usesModules(source.spec),
    };
  }
  const row = await studio.repo.getEnvironment(ref);
  if (!row?.headRoot) return undefined;
  const source = await store.getSource(row.headRoot);
  return {
    ...source,
    ref,
    name: row.name,
    kind: 'studio',
    root: row.headRoot,
    modules: usesModules(source.spec),
  };
}

/** Studio environment `id` at `root`, when `root` is one of its versions or remembered working copies. */
async function studioEnvironmentAt(
  studio: StudioContext,
  store: ContentStore,
  id: string,
  root: string,
): Promise<LoadedEnvironment | undefined> {
  const row = await studio.repo.getEnvironment(id);
  if (!row) return undefined;
  const known =
    row.headRoot === root ||
    (workingRoots.get(id) ?? []).includes(root) ||
    (await studio.repo.versionsWithRoot(root)).some((v) => v.environmentId === id);
  if (!known || !store.has(root)) return undefined;
  const source = await store.getSource(root);
  return { ...source, ref: id, name: row.name, kind: 'studio', root, modules: usesModules(source.spec) };
}
