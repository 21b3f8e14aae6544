import { type GymSpec, PalestraError } from '@palestra/envs';
import type { Agent } from './agent.ts';
import { anthropicAgent } from './anthropic.ts';
import { humanAgent } from './human.ts';
import { openaiAgent } from './openai.ts';
import { randomAgent } from './random.ts';
import { scriptedAgent } from './scripted.ts';

export interface ResolveAgentOptions {
  /** The endpoint of an `openai:` or `anthropic:` agent (OpenAI-compatible or Messages API). */
  baseUrl?: string | undefined;
  /**
   * The key of an `openai:` or `anthropic:` agent, instead of `OPENAI_API_KEY` / `ANTHROPIC_API_KEY`:
   * for a caller that holds a key for one job only (the studio), in memory, never in `process.env`.
   */
  apiKey?: string | undefined;
}

/**
 * `random` | `random:invalid=<rate>` | `scripted:<file>` | `openai:<model>` | `anthropic:<model>` |
 * `human` → an agent. `random` sends arguments that pass each tool's JSON schema; with
 * `invalid=<rate>` (0…1) that share of its calls breaks one constraint on purpose.
 * Model agents talk to `options.baseUrl` when given, else to the endpoint in the environment
 * (`OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`); keys come from `OPENAI_API_KEY` / `ANTHROPIC_API_KEY`
 * (a local base URL needs no key). Callers that run several jobs at once (the studio server, the
 * provider) pass `baseUrl` rather than setting process-wide variables.
 *
 * @example
 * resolveAgent('openai:qwen2.5-7b', spec, 0, { baseUrl: 'http://127.0.0.1:8000/v1' });
 */
export function resolveAgent(
  spec: string,
  env: GymSpec,
  seed: number,
  options: ResolveAgentOptions = {},
): Agent {
  const endpoint = {
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  };
  if (spec === 'random') return randomAgent(env, seed);
  const invalid = /^random:invalid=(.+)$/.exec(spec);
  if (invalid) {
    const rate = Number(invalid[1]);
    if (!(rate >= 0 && rate <= 1))
      throw new PalestraError(
        'UNKNOWN_AGENT',
        `"${spec}": the invalid-call rate must be a number from 0 to 1`,
        {
          hint: 'e.g. --agent random:invalid=0.1 (one call in ten breaks its tool schema)',
        },
      );
    return randomAgent(env, seed, { invalidRate: rate });
  }
  if (spec.startsWith('scripted:')) return scriptedAgent(spec.slice('scripted:'.length), env);
  if (spec.startsWith('openai:') && spec.length > 'openai:'.length)
    return openaiAgent({ model: spec.slice('openai:'.length), ...endpoint });
  if (spec.startsWith('anthropic:') && spec.length > 'anthropic:'.length)
    return anthropicAgent({ model: spec.slice('anthropic:'.length), ...endpoint });
  if (spec === 'human') return humanAgent();
  throw new PalestraError('UNKNOWN_AGENT', `unknown agent "${spec}"`, {
    hint: 'use --agent random, random:invalid=<rate>, scripted:<file.json>, openai:<model>, anthropic:<model> or human',
  });
}
