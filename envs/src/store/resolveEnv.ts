import { catalogNames, loadCatalog } from '../../catalog/index.ts';
import { bundleBytes, merkleRoot } from '../bundle/bundle.ts';
import type { EpisodeHeader } from '../episode/record.ts';
import { PalestraError } from '../errors.ts';
import type { EnvSource } from '../kernel/source.ts';
import { type ContentStore, checkRoot, isRoot } from './contentStore.ts';
import { BadRootError, EnvChangedError, EpisodeEnvNotFoundError, NotInStoreError } from './errors.ts';

/** Where an environment was found. */
export type EnvOrigin = 'store' | 'folder' | 'catalog';

/** An environment, its bundle root (now in the store) and where it was found. */
export interface ResolvedEnv {
  source: EnvSource;
  /** The root of its bundle: its `bundleId`, the name of its file in the store. */
  root: string;
  from: EnvOrigin;
}

export interface ResolveEnvOptions {
  /** The store to read roots from and to put every resolved bundle in. */
  store: ContentStore;
}

/**
 * Resolves an environment reference: a root (`0x` + 64 hex digits: read from the store, or else
 * the catalog environment with that root), a catalog name, or a folder or spec file path (the
 * rules of `loadCatalog`: a catalog name wins over a folder of the same name). Whatever it
 * resolves is put in the store, so every run that finds its environment here has stored the
 * bundle its episodes name.
 *
 * @example
 * const { source, root } = await resolveEnv('frozen-lake', { store: new ContentStore() });
 */
export async function resolveEnv(ref: string, { store }: ResolveEnvOptions): Promise<ResolvedEnv> {
  if (isRoot(ref)) {
    const root = checkRoot(ref);
    if (store.has(root)) return { source: await store.getSource(root), root, from: 'store' };
    const found = await catalogByRoot(root);
    if (!found) throw new NotInStoreError(root, store.dir);
    await store.put(found.bytes);
    return { source: found.source, root, from: 'catalog' };
  }
  const from: EnvOrigin = catalogNames().includes(ref) ? 'catalog' : 'folder';
  let source: EnvSource;
  try {
    source = loadCatalog(ref);
  } catch (e) {
    // `0x12ab…` that is neither a name nor a path was meant as a root: say what a root is.
    if (e instanceof PalestraError && e.code === 'ENV_NOT_FOUND' && /^0x[0-9a-fA-F]*$/.test(ref))
      throw new BadRootError(ref);
    throw e;
  }
  return { source, root: await store.putSource(source), from };
}

/** The catalog environment whose bundle has this root, if any. */
async function catalogByRoot(root: string): Promise<{ source: EnvSource; bytes: Uint8Array } | undefined> {
  for (const name of catalogNames()) {
    const source = loadCatalog(name);
    const bytes = bundleBytes(source);
    if ((await merkleRoot(bytes)).toLowerCase() === root) return { source, bytes };
  }
  return undefined;
}

/** The environment that recorded an episode, and how sure we are that it is that one. */
export interface EpisodeEnv extends ResolvedEnv {
  /** The user named the environment (`env`): it is used whatever its root. */
  override: boolean;
  /** Its root is not the one in the episode header (only with `override`). */
  rootDiffers: boolean;
  /** The header has no root (a record from before bundles): found by name, its content unchecked. */
  unverified: boolean;
}

export interface ResolveEpisodeEnvOptions extends ResolveEnvOptions {
  /** The user's explicit choice (`--env <folder|name|root>`): used whatever its root. */
  env?: string | undefined;
}

/**
 * The environment that recorded an episode, found by the bundle root in its header, never by a
 * name alone:
 * - `env` given: that environment (`resolveEnv`), whatever its root (`override`, `rootDiffers`);
 * - else the header's root from the store;
 * - else the catalog environment named in the header, only if its root is the header's;
 * - else `ENV_CHANGED` (that name exists with other content) or `ENV_NOT_FOUND`, both with a hint
 *   to pass `--env`.
 * A header without a root (older records) falls back to the name, as before (`unverified`).
 *
 * @example
 * const { source } = await resolveEpisodeEnv(readEpisode(file).header, { store: new ContentStore() });
 */
export async function resolveEpisodeEnv(
  header: Pick<EpisodeHeader, 'spec'>,
  { store, env }: ResolveEpisodeEnvOptions,
): Promise<EpisodeEnv> {
  const { name } = header.spec;
  const recorded = header.spec.root === null ? null : checkRoot(header.spec.root);
  if (env !== undefined) {
    const found = await resolveEnv(env, { store });
    return {
      ...found,
      override: true,
      rootDiffers: recorded !== null && found.root !== recorded,
      unverified: recorded === null,
    };
  }
  const verified = { override: false, rootDiffers: false, unverified: false };
  if (recorded === null) {
    const found = await resolveEnv(name, { store });
    return { ...found, ...verified, unverified: true };
  }
  if (store.has(recorded))
    return { source: await store.getSource(recorded), root: recorded, from: 'store', ...verified };
  if (!catalogNames().includes(name)) throw new EpisodeEnvNotFoundError({ name, root: recorded }, store.dir);
  const source = loadCatalog(name);
  const bytes = bundleBytes(source);
  const root = (await merkleRoot(bytes)).toLowerCase();
  if (root !== recorded) throw new EnvChangedError({ name, root: recorded }, root);
  await store.put(bytes);
  return { source, root, from: 'catalog', ...verified };
}
