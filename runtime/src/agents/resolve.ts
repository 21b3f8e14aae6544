import { type GymSpec, PalestraError } from '@palestra/envs';
import type { Agent } from './agent.ts';
import { randomAgent } from './random.ts';
import { scriptedAgent } from './scripted.ts';

/** `random` | `scripted:<file>` → an agent. */
export function resolveAgent(spec: string, env: GymSpec, seed: number): Agent {
  if (spec === 'random') return randomAgent(env, seed);
  if (spec.startsWith('scripted:')) return scriptedAgent(spec.slice('scripted:'.length));
  throw new PalestraError('UNKNOWN_AGENT', `unknown agent "${spec}"`, {
    hint: 'use --agent random or --agent scripted:<file.json>',
  });
}
