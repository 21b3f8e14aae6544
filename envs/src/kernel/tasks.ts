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
 * index alone and run in a rewound sandbox (the realm as its modules left it at load), so task 17
 * is the same task in every episode, after any history, and on every machine. The generator's
 * own state stays in the sandbox: rewind it again before running an episode (`Env.reset` does).
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
  sandbox.rewind();
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
  return new TaskCache(spec, () => sandbox).findIndex(id, deadlineMs);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * An environment's tasks by index, each generated once. Sound because a generated task is a
 * function of its index alone (`resolveTask` runs the generator in a rewound sandbox), so a task
 * kept from an earlier episode is the task a fresh process would generate; and cheap, because a
 * rollout meets the same tasks again and again (refund-desk: one generator call, ~0.1 ms, saved
 * per reset). Holds at most `limit` tasks; the oldest go first.
 */
export class TaskCache {
  private readonly tasks = new Map<number, Task>();

  constructor(
    private readonly spec: GymSpec,
    /** The environment's sandbox now (it is replaced after a failure). */
    private readonly sandbox: () => Sandbox | undefined,
    private readonly limit = 4096,
  ) {}

  /** Task `index` (see `resolveTask`). */
  get(index: number, deadlineMs: number): Task {
    const known = this.tasks.get(index);
    if (known) return known;
    const task = resolveTask(this.spec, index, this.sandbox(), deadlineMs);
    if ('module' in this.spec.tasks) {
      if (this.tasks.size >= this.limit) this.tasks.delete(this.tasks.keys().next().value!);
      // Frozen: one episode must not be able to change the task the next one gets.
      this.tasks.set(index, deepFreeze(task));
    }
    return task;
  }

  /** The index of the task with this id (generated tasks are scanned in index order). */
  findIndex(id: string, deadlineMs: number): number {
    if ('list' in this.spec.tasks) {
      const i = this.spec.tasks.list.findIndex((t) => t.id === id);
      if (i >= 0) return i;
    } else {
      for (let i = 0; i < this.spec.tasks.count; i++) if (this.get(i, deadlineMs).id === id) return i;
    }
    throw new RangeError(`no task with id "${id}" in ${this.spec.name}`);
  }
}
