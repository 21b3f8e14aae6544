import { bundleId, readEpisode, replay } from '@palestra/envs';
import { episodeSource } from '../jobs/env.ts';
import { writeEpisodeHtml } from './episodeHtml.ts';

/** `runs/a/episode-000003.jsonl` → `runs/a/episode-000003.html` */
export function htmlPathFor(episodeFile: string): string {
  return `${episodeFile.replace(/\.jsonl$/, '')}.html`;
}

/**
 * Verifies an episode by replaying it (when its environment can be loaded), then writes its page.
 * Returns the page's path and whether it was verified.
 */
export async function episodeToHtml(
  file: string,
  options: { out?: string; env?: string } = {},
): Promise<{ path: string; verified: boolean; sameBundle: boolean }> {
  const ep = readEpisode(file);
  const source = await episodeSource(ep, options.env);
  await replay(source, ep);
  const root = await bundleId(source);
  const path = writeEpisodeHtml(ep, options.out ?? htmlPathFor(file));
  return { path, verified: true, sameBundle: ep.header.spec.root === null || ep.header.spec.root === root };
}
