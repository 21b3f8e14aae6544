import { type GymSpec, PalestraError } from '@palestra/envs';
import type { Agent } from './agent.ts';
import { anthropicAgent } from './anthropic.ts';
import { humanAgent } from './human.ts';
import { openaiAgent } from './openai.ts';
import { randomAgent } from './random.ts';
import { scriptedAgent } from './scripted.ts';

/**
 * `random` | `scripted:<file>` | `openai:<model>` | `anthropic:<model>` | `human` → an agent.
 * Model agents read their endpoint and key from the environment: `OPENAI_BASE_URL` and
 * `OPENAI_API_KEY` (a local base URL needs no key), `ANTHROPIC_BASE_URL` and `ANTHROPIC_API_KEY`.
 */
export function resolveAgent(spec: string, env: GymSpec, seed: number): Agent {
  if (spec === 'random') return randomAgent(env, seed);
  if (spec.startsWith('scripted:')) return scriptedAgent(spec.slice('scripted:'.length));
  if (spec.startsWith('openai:') && spec.length > 'openai:'.length)
    return openaiAgent({ model: spec.slice('openai:'.length) });
  if (spec.startsWith('anthropic:') && spec.length > 'anthropic:'.length)
    return anthropicAgent({ model: spec.slice('anthropic:'.length) });
  if (spec === 'human') return humanAgent();
  throw new PalestraError('UNKNOWN_AGENT', `unknown agent "${spec}"`, {
    hint: 'use --agent random, scripted:<file.json>, openai:<model>, anthropic:<model> or human',
  });
}
