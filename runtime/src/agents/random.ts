import { type GymSpec, Prng, sampleAction } from '@palestra/envs';
import type { Agent } from './agent.ts';

/** Valid tool calls sampled with the seed: the baseline every environment should beat. */
export function randomAgent(spec: GymSpec, seed: number): Agent {
  let rng = new Prng(seed);
  return {
    id: `random:${seed}`,
    startEpisode(_index, episodeSeed) {
      rng = new Prng((seed * 1_000_003 + episodeSeed) % Number.MAX_SAFE_INTEGER);
    },
    turn: () => ({ actions: [sampleAction(spec, rng)] }),
  };
}
