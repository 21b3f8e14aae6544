import { readFileSync } from 'node:fs';
import { type Action, PalestraError } from '@palestra/envs';
import { z } from 'zod';
import type { Agent } from './agent.ts';

const action = z.union([
  z.object({ tool: z.string(), arguments: z.record(z.string(), z.unknown()).optional() }).strict(),
  z.object({ text: z.string() }).strict(),
]);
/** A script is a list of actions (every episode plays it) or `{ episodes: [[...], ...] }` (episode i plays list i mod n). */
const scriptSchema = z.union([
  z.array(action),
  z.object({ episodes: z.array(z.array(action)).min(1) }).strict(),
]);

/** Plays actions from a JSON file, one per turn; when the list runs out it replies "done". */
export function scriptedAgent(path: string): Agent {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PalestraError('SCRIPT_UNREADABLE', `cannot read the script ${path}: ${(e as Error).message}`, {
      hint: 'a script is a JSON list of actions like [{"tool":"move","arguments":{"direction":"down"}}]',
    });
  }
  const parsed = scriptSchema.safeParse(raw);
  if (!parsed.success)
    throw new PalestraError(
      'SCRIPT_INVALID',
      `${path}: ${parsed.error.issues.map((i) => `$${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`).join('; ')}`,
      {
        hint: 'each action is {"tool": name, "arguments": {...}} or {"text": "..."}',
      },
    );
  const episodes: Action[][] = Array.isArray(parsed.data)
    ? [parsed.data as Action[]]
    : (parsed.data.episodes as Action[][]);
  let list: Action[] = episodes[0]!;
  let k = 0;
  return {
    id: `scripted:${path.split('/').pop()}`,
    startEpisode(index) {
      list = episodes[index % episodes.length]!;
      k = 0;
    },
    turn: () => ({ actions: [k < list.length ? list[k++]! : { text: 'done' }] }),
  };
}
