import { writeFileSync } from 'node:fs';
import { type EnvSource, readEpisode } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { buildOverseer, loadOverseerConfig, type Overseer, type Score } from '@palestra/overseer';

export interface ScoredFile {
  file: string;
  score: Score;
}

export interface OverseerStats {
  judge: string;
  episodes: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
  vetoed: number;
  /** Mean per episode of each reward component. */
  components: Record<string, number>;
}

/** `run/episode-000001.jsonl` → `run/episode-000001.score.json` */
export function scorePathFor(file: string): string {
  return file.replace(/\.jsonl$/, '.score.json');
}

/**
 * Scores episode files with an overseer (`rules` or a config file) and writes each score beside
 * its episode. Environments come from the catalog by the name in each episode, unless `source`
 * is given. Used by `palestra score` and by `palestra rollout`.
 */
export async function scoreFiles(
  files: string[],
  overseerSpec: string,
  options: { source?: EnvSource; onScored?: (done: number, scored: ScoredFile) => void } = {},
): Promise<{ scored: ScoredFile[]; stats: OverseerStats }> {
  const config = loadOverseerConfig(overseerSpec);
  const overseers = new Map<string, Overseer>();
  const scored: ScoredFile[] = [];
  try {
    for (const file of files) {
      const episode = readEpisode(file);
      const name = options.source?.spec.name ?? episode.header.spec.name;
      let overseer = overseers.get(name);
      if (!overseer) {
        overseer = await buildOverseer(config, options.source ?? loadCatalog(name));
        overseers.set(name, overseer);
      }
      const score = await overseer.scoreEpisode(episode);
      writeFileSync(
        scorePathFor(file),
        `${JSON.stringify({ episode: file, root: episode.footer?.root ?? null, ...score }, null, 2)}\n`,
      );
      scored.push({ file, score });
      options.onScored?.(scored.length, { file, score });
    }
  } finally {
    for (const o of overseers.values()) await (o as { close?: () => Promise<void> }).close?.();
  }
  return { scored, stats: overseerStats(scored.map((s) => s.score)) };
}

export function overseerStats(scores: Score[]): OverseerStats {
  const xs = scores.map((s) => s.reward);
  const n = Math.max(xs.length, 1);
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const components: Record<string, number> = {};
  for (const s of scores)
    for (const c of s.components) components[c.name] = (components[c.name] ?? 0) + c.micros / 1e6 / n;
  return {
    judge: scores[0]?.judge ?? '-',
    episodes: xs.length,
    mean,
    sd,
    min: xs.length ? Math.min(...xs) : 0,
    max: xs.length ? Math.max(...xs) : 0,
    vetoed: scores.filter((s) => s.veto).length,
    components,
  };
}
