import { type Action, type GymSpec, Prng, sampleAction } from '@palestra/envs';
import type { Agent } from '../agents/agent.ts';

/**
 * Degenerate policies: ways to score without solving the task. A well-made environment gives
 * them no more than a random agent gets; when one does better, the reward can be gamed.
 */

/** Always calls the same tool, with arguments sampled from its schema. */
export function sameToolAgent(spec: GymSpec, toolIndex: number, seed: number): Agent {
  const tool = spec.tools[toolIndex]!;
  const only = { ...spec, tools: [tool] };
  let rng = new Prng(seed);
  return {
    id: `probe:always-${tool.name}`,
    startEpisode(_i, episodeSeed) {
      rng = new Prng((seed * 1_000_003 + episodeSeed) % Number.MAX_SAFE_INTEGER);
    },
    turn: () => ({ actions: [sampleAction(only, rng)] }),
  };
}

/** Always replies with empty text (a model that says nothing). */
export function emptyReplyAgent(): Agent {
  return { id: 'probe:empty-reply', turn: () => ({ actions: [{ text: '' }] }) };
}

/** Samples one action, then repeats it for the rest of the episode. */
export function repeatAgent(spec: GymSpec, seed: number): Agent {
  let rng = new Prng(seed);
  let last: Action | undefined;
  return {
    id: 'probe:repeat-previous',
    startEpisode(_i, episodeSeed) {
      rng = new Prng((seed * 1_000_003 + episodeSeed) % Number.MAX_SAFE_INTEGER);
      last = undefined;
    },
    turn: () => {
      last ??= sampleAction(spec, rng);
      return { actions: [last] };
    },
  };
}

export interface Probe {
  name: string;
  make: (seed: number) => Agent;
}

/** The probes for a spec: one same-tool probe per tool (up to `maxTools`), empty reply, repeat. */
export function probesFor(spec: GymSpec, maxTools = 8): Probe[] {
  const tools = spec.tools.slice(0, maxTools).map((t, i) => ({
    name: `always ${t.name}`,
    make: (seed: number) => sameToolAgent(spec, i, seed),
  }));
  // With a single tool, "always that tool" is the random agent itself: nothing to learn from it.
  return [
    ...(spec.tools.length > 1 ? tools : []),
    { name: 'empty reply', make: () => emptyReplyAgent() },
    { name: 'repeat previous', make: (seed: number) => repeatAgent(spec, seed) },
  ];
}
