import { taskIndices } from '@palestra/envs';
import { z } from 'zod';
import type { ServeCore } from './core.ts';
import { HttpError } from './httpBody.ts';

/**
 * OpenEnv's task API (ORS-compatible: `GET /list_environments`, `GET /{env_name}/splits`,
 * `POST /{env_name}/tasks | num_tasks | task | task_range`). Palestra's splits are `train` and
 * `eval` (the held-out tasks, OpenEnv's split type `test`); a task is `{index, id, instructions,
 * split}`, where `index` is what `reset`'s `task_index` takes. Generated tasks come from the
 * environment's generator, so they are read by resetting the server's HTTP environment on them.
 */
export const splitBody = z.strictObject({ split: z.string() });
export const taskBody = z.strictObject({ split: z.string(), index: z.int() });
export const taskRangeBody = z.strictObject({
  split: z.string(),
  start: z.int().nullish(),
  stop: z.int().nullish(),
});

export interface WireTask {
  index: number;
  id: string;
  instructions: string;
  split: 'train' | 'eval';
}

const SPLITS = [
  { name: 'train', type: 'train' },
  { name: 'eval', type: 'test' },
] as const;

/** The environment's splits, as OpenEnv's `/{env_name}/splits` lists them. */
export function listSplits(): { name: string; type: string }[] {
  return SPLITS.map((s) => ({ ...s }));
}

/** Throws OpenEnv's 404 when the path names another environment. */
export function checkEnvName(core: ServeCore, name: string): void {
  if (name.toLowerCase() !== core.spec.name.toLowerCase())
    throw new HttpError(404, `unknown environment ${JSON.stringify(name)}`);
}

/** The task indices of a split, or OpenEnv's 400. */
export function splitIndices(core: ServeCore, split: string): number[] {
  if (split !== 'train' && split !== 'eval')
    throw new HttpError(400, `unknown split ${JSON.stringify(split)}: the splits are train and eval`);
  return taskIndices(core.spec, split);
}

/** The tasks at `indices` of `split`, read by resetting the HTTP environment on each. */
export function readTasks(core: ServeCore, split: 'train' | 'eval', indices: number[]): Promise<WireTask[]> {
  return core.withScratch(async (s) => {
    const out: WireTask[] = [];
    for (const index of indices) {
      const r = await s.reset({ seed: 0, taskIndex: index });
      out.push({
        index,
        id: r.observation.task_id ?? '',
        instructions: r.observation.instructions ?? '',
        split,
      });
    }
    return out;
  });
}

/** `POST /{env_name}/task`: one task by its position in the split (OpenEnv's 400 when out of range). */
export async function getTask(core: ServeCore, split: string, position: number): Promise<WireTask> {
  const indices = splitIndices(core, split);
  if (position < 0 || position >= indices.length) throw new HttpError(400, 'Invalid task index');
  const [task] = await readTasks(core, split as 'train' | 'eval', [indices[position]!]);
  return task!;
}
