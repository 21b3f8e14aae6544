import { type GymSpec, Prng, sampleAction } from '@palestra/envs';
import type { Agent } from './agent.ts';

export interface RandomAgentOptions {
  /**
   * Share (0…1) of actions whose arguments break their tool's schema on purpose, to exercise an
   * environment's invalid-action path. Default 0: every call passes its tool's schema.
   */
  invalidRate?: number;
}

/**
 * Valid tool calls sampled with the seed (`sampleAction`: arguments that pass each tool's JSON
 * schema): the baseline every environment should beat. With `invalidRate`, a fuzzer too.
 *
 * @example
 * randomAgent(spec, 7); // id random:7
 * randomAgent(spec, 7, { invalidRate: 0.2 }); // id random:7:invalid=0.2, one call in five invalid
 */
export function randomAgent(spec: GymSpec, seed: number, options: RandomAgentOptions = {}): Agent {
  const invalidRate = options.invalidRate ?? 0;
  // Fail at construction, not at the first turn, on a rate out of range.
  sampleAction(spec, new Prng(0), { invalidRate });
  let rng = new Prng(seed);
  return {
    // The id is in every episode header: an agent that draws differently must say so.
    id: invalidRate > 0 ? `random:${seed}:invalid=${invalidRate}` : `random:${seed}`,
    startEpisode(_index, episodeSeed) {
      rng = new Prng((seed * 1_000_003 + episodeSeed) % Number.MAX_SAFE_INTEGER);
    },
    turn: () => ({ actions: [sampleAction(spec, rng, { invalidRate })] }),
  };
}
