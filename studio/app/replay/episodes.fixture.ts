// Real episodes for the replay tests, made with the runtime's `run` job (Node only: never imported
// by the app). The longest first, so tests that need several steps find them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Episode, parseEpisode } from '@palestra/envs/core';
import { run } from '@palestra/runtime';

export interface EpisodeFixture {
  file: string;
  text: string;
  episode: Episode;
}

/** `episodes` episodes of `env` played by `agent`, in a temporary folder removed by `close`. */
export async function playEpisodes(
  env: string,
  agent: string,
  episodes: number,
  seed = 0,
): Promise<{ dir: string; all: EpisodeFixture[]; close(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'palestra-replay-'));
  const result = await run({ env, agent, episodes, seed, out: dir });
  const all = result.episodes.map(({ file }) => {
    const text = readFileSync(file, 'utf8');
    return { file, text, episode: parseEpisode(text) };
  });
  return { dir, all, close: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The fixture with the most steps. */
export const longest = (all: readonly EpisodeFixture[]) =>
  [...all].sort((x, y) => y.episode.steps.length - x.episode.steps.length)[0]!;
