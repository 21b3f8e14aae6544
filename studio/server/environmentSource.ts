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
 * Loads `ref` (a catalog name or a studio environment id), or `undefined` when neither knows it.
 * Only catalog names are passed to `loadCatalog`, never a URL's text as a path.
 */
export async function environmentSource(
  studio: StudioContext,
  ref: string,
): Promise<LoadedEnvironment | undefined> {
  const store = new ContentStore(studio.storeDir);
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
