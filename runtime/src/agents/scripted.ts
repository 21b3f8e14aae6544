import { readFileSync } from 'node:fs';
import { type Action, type GymSpec, PalestraError, taskIndices } from '@palestra/envs';
import { z } from 'zod';
import type { Agent, TurnInput } from './agent.ts';

const toolAction = z
  .object({ tool: z.string(), arguments: z.record(z.string(), z.unknown()).optional() })
  .strict();
const textAction = z.object({ text: z.string() }).strict();
// An action is told apart by its key, so a wrong one is reported against the shape it meant to
// have ("$[0].tool: expected string"), not as "Invalid input" of a union.
const action = z.unknown().superRefine((v, ctx) => {
  const shape =
    typeof v === 'object' && v !== null && 'text' in v && !('tool' in v) ? textAction : toolAction;
  const r = shape.safeParse(v);
  if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, code: 'custom' });
});
/** A script is a list of actions (every episode plays it) or `{ episodes: [[...], ...] }` (see `scriptedAgent`). */
const listSchema = z.array(action);
const episodesSchema = z.object({ episodes: z.array(z.array(action)).min(1) }).strict();

/**
 * The position of `taskIndex` among the tasks of its own split, in task order: held-out tasks
 * count among held-out tasks (what `eval` plays), the others among training tasks (what `rollout`,
 * `learnability` and train's warm start play). So list i of a file is the same task's list
 * whichever command plays it, and however many seeds it plays the task with.
 */
function positionInSplit(spec: GymSpec, taskIndex: number): number {
  const held = taskIndices(spec, 'eval');
  const split = held.includes(taskIndex) ? held : taskIndices(spec, 'train');
  const i = split.indexOf(taskIndex);
  return i >= 0 ? i : taskIndex;
}

/**
 * The action lists of a script file, validated (`SCRIPT_UNREADABLE`, `SCRIPT_INVALID` with the
 * JSON path): one list for a plain list of actions, one per entry of `{"episodes": [...]}`.
 */
export function readScript(path: string): Action[][] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PalestraError('SCRIPT_UNREADABLE', `cannot read the script ${path}: ${(e as Error).message}`, {
      hint: 'a script is a JSON list of actions like [{"tool":"move","arguments":{"direction":"down"}}]',
    });
  }
  const parsed = Array.isArray(raw)
    ? listSchema.safeParse(raw)
    : typeof raw === 'object' && raw !== null
      ? episodesSchema.safeParse(raw)
      : z.array(z.unknown()).safeParse(raw);
  if (!parsed.success)
    throw new PalestraError(
      'SCRIPT_INVALID',
      `${path}: ${parsed.error.issues.map((i) => `$${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`).join('; ')}`,
      {
        hint: 'a script is a list of actions, [{"tool": name, "arguments": {...}}, {"text": "..."}], or {"episodes": [[...], ...]} with one list per task',
      },
    );
  const data = parsed.data as Action[] | { episodes: Action[][] };
  return Array.isArray(data) ? [data] : data.episodes;
}

/**
 * Plays actions from a JSON file, one per turn; when the list runs out it replies "done".
 *
 * A `{ "episodes": [[...], ...] }` file holds one list per task: given the environment's `spec`,
 * list i is played on every episode of the i-th task of that task's split (training tasks in task
 * order; held-out tasks, which `eval` plays, in task order), modulo the number of lists. An
 * environment with a single task has nothing to tell its episodes apart but their order, so there
 * list i is played on episode i of the run. Without a `spec`, list i is played on episode i too
 * (for callers that plan one episode per task, in task order).
 *
 * @example
 * const agent = scriptedAgent('examples/echo-heldout.json', loadCatalog('echo-target').spec);
 */
export function scriptedAgent(path: string, spec?: GymSpec): Agent {
  const lists = readScript(path);
  const byTask = spec !== undefined && taskIndices(spec, 'all').length > 1;
  const pick = (input: TurnInput, episodeIndex: number): Action[] => {
    const i = byTask && spec ? positionInSplit(spec, input.episode.taskIndex) : episodeIndex;
    return lists[i % lists.length]!;
  };
  let episodeIndex: number | undefined;
  // Chosen at the episode's first turn, the first moment the task is known.
  let list: Action[] | undefined;
  let k = 0;
  return {
    id: `scripted:${path.split('/').pop()}`,
    startEpisode(index) {
      episodeIndex = index;
      list = undefined;
      k = 0;
    },
    turn(input) {
      list ??= pick(input, episodeIndex ?? input.episodeIndex);
      return { actions: [k < list.length ? list[k++]! : { text: 'done' }] };
    },
  };
}
