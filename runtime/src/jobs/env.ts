/**
 * Where every job finds its environment: one function for an environment a user names, one for
 * the environment that recorded an episode. Both go through the local content store
 * (`.palestra/store/`, files named by their 0G Merkle root): every environment a job resolves is
 * put there, and an episode's environment is found by the bundle root in its header, never by a
 * name alone. So an episode replays, scores and branches against exactly the environment that
 * played it, even after its folder is edited or deleted; a changed environment is a refusal
 * (`ENV_CHANGED`) unless the caller names one explicitly (`override`, the CLI's `--env`).
 */
import {
  ContentStore,
  type EnvSource,
  type Episode,
  type EpisodeEnv,
  type EpisodeHeader,
  resolveEnv,
  resolveEpisodeEnv,
} from '@palestra/envs';

/** An environment as a job's options name it: a content root, a catalog name, a folder with `spec.json`, or a loaded source. */
export type EnvRef = string | EnvSource;

/** Where environments are found and stored. Default: `.palestra/store` under the working directory. */
export interface EnvLookup {
  store?: ContentStore;
}

/** The store a job uses when its caller gives none. */
export function defaultStore(): ContentStore {
  return new ContentStore();
}

/**
 * The environment a job plays: a content root (from the store), a catalog name or a folder
 * (`loadCatalog`'s rules), or a source already loaded, as it is. Whatever it is, its bundle is
 * put in the store, so the episodes the job records can be replayed from there.
 *
 * @example
 * (await jobSource('frozen-lake')).spec.name; // 'frozen-lake'
 */
export async function jobSource(ref: EnvRef, lookup: EnvLookup = {}): Promise<EnvSource> {
  const store = lookup.store ?? defaultStore();
  if (typeof ref !== 'string') {
    await store.putSource(ref);
    return ref;
  }
  return (await resolveEnv(ref, { store })).source;
}

/**
 * The environment of a recorded episode (`resolveEpisodeEnv`): `override` when the caller names
 * one (the CLI's `--env`: used whatever its root), else the bundle root in the header, from the
 * store or from the catalog environment of that name if its content is still the same.
 *
 * @example
 * const { source, rootDiffers } = await episodeEnv(readEpisode(file), flags.env);
 */
export async function episodeEnv(
  episode: Episode | EpisodeHeader,
  override?: EnvRef,
  lookup: EnvLookup = {},
): Promise<EpisodeEnv> {
  const store = lookup.store ?? defaultStore();
  const header = 'header' in episode ? episode.header : episode;
  if (override !== undefined && typeof override !== 'string') {
    const root = await store.putSource(override);
    return {
      source: override,
      root,
      from: 'folder',
      override: true,
      rootDiffers: header.spec.root !== null && header.spec.root.toLowerCase() !== root,
      unverified: header.spec.root === null,
    };
  }
  return resolveEpisodeEnv(header, { store, env: override });
}

/**
 * `episodeEnv`'s source alone.
 *
 * @example
 * const source = await episodeSource(readEpisode(file), flags.env);
 */
export async function episodeSource(
  episode: Episode | EpisodeHeader,
  override?: EnvRef,
  lookup: EnvLookup = {},
): Promise<EnvSource> {
  return (await episodeEnv(episode, override, lookup)).source;
}
