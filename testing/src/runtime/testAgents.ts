import { type GymSpec, Prng, sampleAction } from '@palestra/envs';
import type { Agent } from '../../../runtime/src/agents/agent.ts';
import { sleep } from '../../../runtime/src/rollout/callAgent.ts';

/** Counters shared by the agents of one test run. */
export interface AgentStats {
  inFlight: number;
  maxInFlight: number;
  turns: number;
  failures: number;
  episodesStarted: number;
}

export function agentStats(): AgentStats {
  return { inFlight: 0, maxInFlight: 0, turns: 0, failures: 0, episodesStarted: 0 };
}

/**
 * For tests: a model-like agent that takes `delayMs` per turn (a timer, like a network call),
 * honours its abort signal, and fails the first attempt of every `failEvery`-th turn. Its actions
 * are sampled from the episode's agent seed, so they do not depend on timing or retries.
 */
export function slowFlakyAgent(
  spec: GymSpec,
  stats: AgentStats,
  options: { delayMs?: number; failEvery?: number; hangFirst?: boolean } = {},
): Agent {
  let rng = new Prng(0);
  const failed = new Set<number>();
  return {
    id: 'test:slow-flaky',
    startEpisode(_index, seed) {
      rng = new Prng(seed);
      failed.clear();
      stats.episodesStarted++;
    },
    async turn({ step, signal }) {
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      try {
        if (options.hangFirst && !failed.has(step)) {
          failed.add(step);
          // Never answers on its own: only the per-turn timeout ends this attempt.
          await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
        }
        await sleep(options.delayMs ?? 5, signal);
        const every = options.failEvery ?? 0;
        if (every > 0 && step % every === every - 1 && !failed.has(step)) {
          failed.add(step);
          stats.failures++;
          throw new Error(`simulated endpoint error at step ${step}`);
        }
        stats.turns++;
        return {
          actions: [sampleAction(spec, rng)],
          turn: {
            v: 1,
            agent: 'test:slow-flaky',
            policy: null,
            messages: [{ role: 'user', content: `step ${step}` }],
            completion: { text: null, toolCalls: [] },
            finishReason: 'tool_calls',
            promptTokenIds: null,
            completionTokenIds: null,
            logprobs: null,
            usage: { promptTokens: 10, completionTokens: 2 },
            latencyMs: options.delayMs ?? 5,
          },
        };
      } finally {
        stats.inFlight--;
      }
    },
  };
}

/** For tests on echo-target: reads the target word from the instructions and says it. Always right. */
export function echoOracle(): Agent {
  return {
    id: 'test:echo-oracle',
    turn: ({ episode }) => ({
      actions: [{ tool: 'echo', arguments: { word: /word: (\w+)/.exec(episode.instructions)?.[1] ?? '' } }],
    }),
  };
}
