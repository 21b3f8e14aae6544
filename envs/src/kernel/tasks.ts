import { EnvCodeError, PalestraError } from '../errors.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { SANDBOX_EPOCH_MS } from '../sandbox/sandbox.ts';
import type { GymSpec } from '../spec/schema.ts';
import { taskSchema } from '../spec/schema.ts';
import { Prng } from './prng.ts';
import type { Task } from './types.ts';

/** How many tasks a spec has. */
export function taskCount(spec: GymSpec): number {
  return 'list' in spec.tasks ? spec.tasks.list.length : spec.tasks.count;
}

/**
 * Task indices of a split. A listed task may name its split; otherwise (and for generated tasks)
 * the last `split.eval` share of indices is held out for evaluation.
 */
export function taskIndices(spec: GymSpec, split: 'train' | 'eval' | 'all'): number[] {
  const n = taskCount(spec);
  const all = Array.from({ length: n }, (_, i) => i);
  if (split === 'all') return all;
  if ('list' in spec.tasks) {
    const list = spec.tasks.list;
    if (list.some((t) => t.split !== undefined))
      return all.filter((i) => (list[i]!.split ?? 'train') === split);
    return split === 'train' ? all : [];
  }
  const evalCount = Math.floor(n * (spec.tasks.split?.eval ?? 0));
  return split === 'eval' ? all.slice(n - evalCount) : all.slice(0, n - evalCount);
}

/**
 * Task `index` of the spec. Generated tasks come from the sandboxed generator, seeded by the
 * index alone, so task 17 is the same task in every episode and on every machine.
 */
export function resolveTask(
  spec: GymSpec,
  index: number,
  sandbox: Sandbox | undefined,
  deadlineMs: number,
): Task {
  const n = taskCount(spec);
  if (!Number.isInteger(index) || index < 0 || index >= n)
    throw new RangeError(`task index ${index} is out of range: ${spec.name} has ${n} tasks (0…${n - 1})`);
  if ('list' in spec.tasks) return { ...spec.tasks.list[index]!, index };
  if (!sandbox)
    throw new EnvCodeError('NO_SANDBOX', '$.tasks.module: generated tasks need the sandbox', {
      details: { path: '$.tasks.module' },
    });
  const rng = new Prng(index).state;
  let raw: unknown;
  try {
    raw = sandbox.call(
      spec.tasks.module,
      { index, count: n },
      rng,
      SANDBOX_EPOCH_MS,
      performance.now() + deadlineMs,
    );
  } catch (e) {
    // The sandbox knows the function, not the spec element: say where.
    if (e instanceof PalestraError && e.details.path === undefined) e.details.path = '$.tasks.module';
    throw e;
  }
  const parsed = taskSchema.safeParse(raw);
  if (!parsed.success)
    throw new EnvCodeError(
      'BAD_TASK',
      `$.tasks.module: ${spec.tasks.module} returned an invalid task for index ${index}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      {
        details: { path: '$.tasks.module', taskIndex: index },
        hint: 'a task is { id, instructions, context?, data? }',
      },
    );
  return { ...parsed.data, index };
}

/** Finds a task index by id (scans generated tasks if needed). */
export function findTaskIndex(
  spec: GymSpec,
  id: string,
  sandbox: Sandbox | undefined,
  deadlineMs: number,
): number {
  if ('list' in spec.tasks) {
    const i = spec.tasks.list.findIndex((t) => t.id === id);
    if (i >= 0) return i;
  } else {
    for (let i = 0; i < spec.tasks.count; i++)
      if (resolveTask(spec, i, sandbox, deadlineMs).id === id) return i;
  }
  throw new RangeError(`no task with id "${id}" in ${spec.name}`);
}
