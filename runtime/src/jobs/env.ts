/**
 * Where every job finds its environment: one function for an environment a user names, one for
 * the environment that recorded an episode. Every command and job resolves through these two, so
 * that moving from catalog names to content roots (the local content store) changes them alone.
 */
import type { EnvSource, Episode, EpisodeHeader } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';

/** An environment as a job's options name it: a catalog name, a folder with `spec.json`, or a loaded source. */
export type EnvRef = string | EnvSource;

/**
 * The environment a job plays: a catalog name or a folder (`loadCatalog`'s rules), or a source
 * already loaded, as it is.
 *
 * @example
 * jobSource('frozen-lake').spec.name; // 'frozen-lake'
 */
export function jobSource(ref: EnvRef): EnvSource {
  return typeof ref === 'string' ? loadCatalog(ref) : ref;
}

/**
 * The environment of a recorded episode: `override` when the user names one (`--env`), else the
 * environment the episode's header names.
 *
 * @example
 * const source = episodeSource(readEpisode(file), flags.env);
 */
export function episodeSource(episode: Episode | EpisodeHeader, override?: EnvRef): EnvSource {
  const header = 'header' in episode ? episode.header : episode;
  return jobSource(override ?? header.spec.name);
}
