import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundleId } from '../bundle/bundle.ts';
import { makeEnv } from '../kernel/env.ts';
import { Prng } from '../kernel/prng.ts';
import { sampleActionV1 } from '../kernel/sampleV1.ts';
import type { EnvSource } from '../kernel/source.ts';
import { EpisodeWriter } from './writer.ts';

/** Seeds of the golden episodes committed for every catalog environment. */
export const GOLDEN_SEEDS = [0, 1, 2];

/** Golden episode files of an environment folder. */
export function goldenFiles(envDir: string): string[] {
  try {
    return readdirSync(join(envDir, 'golden'))
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .map((f) => join(envDir, 'golden', f));
  } catch {
    return [];
  }
}

/**
 * Records the golden episodes of one environment: a seeded random agent plays each golden seed,
 * drawing with the frozen `sampleActionV1` (the files commit to its draws; `sampleAction` may
 * evolve). Regenerate on purpose only (`npm run goldens`), when a change to the environment is
 * meant to change its episodes.
 */
export async function writeGoldens(source: EnvSource, envDir: string): Promise<string[]> {
  const env = await makeEnv(source);
  const root = await bundleId(source);
  const paths: string[] = [];
  try {
    for (const seed of GOLDEN_SEEDS) {
      const agent = new Prng(seed + 1000);
      const path = join(envDir, 'golden', `seed-${seed}.jsonl`);
      const w = new EpisodeWriter(
        path,
        { spec: { ...source.spec, root }, seed, agent: `random:${seed + 1000}` },
        env.reset({ seed }),
      );
      for (;;) {
        const action = sampleActionV1(source.spec, agent);
        const r = env.step(action);
        w.step(action, r);
        if (r.terminated || r.truncated) break;
      }
      w.close();
      paths.push(path);
    }
  } finally {
    env.close();
  }
  return paths;
}
