import { join } from 'node:path';
import { type GymSpec, PalestraError, Prng, taskIndices } from '@palestra/envs';

/**
 * One episode a run will play: where it is written, which task and seed the environment gets,
 * and which seed the agent gets. Every field is derived from the run's options, so a rerun with
 * the same options plans the same episodes and can recognise the ones already on disk.
 */
export interface EpisodePlan {
  /** Position in the run (group * groupSize + member): the agent's `episodeIndex`. */
  index: number;
  group: number;
  member: number;
  /**
   * The task index the environment is reset with (shared by the whole group). Absent: the
   * environment draws the task from the seed, as a plain `reset({ seed })` does.
   */
  taskIndex?: number;
  /** The environment's seed (shared by the whole group). */
  seed: number;
  /** The seed given to `agent.startEpisode`: distinct per member, so sampling agents vary within a group. */
  agentSeed: number;
  /** The episode file. */
  file: string;
}

/** `episode-g000003-m01.jsonl`: group 3, member 1. */
export function groupFileName(group: number, member: number): string {
  return `episode-g${String(group).padStart(6, '0')}-m${String(member).padStart(2, '0')}.jsonl`;
}

/** `episode-000042.jsonl`: the files of a series (`planSeries`). */
export function episodeFileName(index: number): string {
  return `episode-${String(index).padStart(6, '0')}.jsonl`;
}

/** The inverse of `groupFileName` (undefined for other names). */
export function parseGroupFileName(name: string): { group: number; member: number } | undefined {
  const m = /^episode-g(\d{6,})-m(\d{2,})\.jsonl$/.exec(name);
  return m ? { group: Number(m[1]), member: Number(m[2]) } : undefined;
}

export interface GroupPlanOptions {
  /** Episodes in total; rounded up to whole groups. */
  episodes: number;
  /** Members per group (G of GRPO): episodes that share a task and its seed. Default 1. */
  group?: number;
  /** The run's seed: group g's environment seed is `seed + g`. */
  seed: number;
  /** The run folder. */
  out: string;
  /** Which tasks groups draw from. Default `train` (falls back to all tasks when the split is empty). */
  split?: 'train' | 'eval' | 'all';
}

/** A seeded Fisher–Yates shuffle (the input is not changed). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rng = new Prng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Plans a run of groups. Group g plays task `order[g mod n]`, where `order` is the split's task
 * indices shuffled by the run seed (so every task comes round once before any comes twice), with
 * environment seed `seed + g`; both depend on g alone, so all G members of a group start from the
 * same first observation, which is what GRPO's group-relative advantages need.
 *
 * @example
 * planGroups(spec, { episodes: 16, group: 4, seed: 0, out: 'runs/a' }) // 4 groups × 4 members
 */
export function planGroups(spec: GymSpec, options: GroupPlanOptions): EpisodePlan[] {
  const size = options.group ?? 1;
  if (!Number.isInteger(size) || size < 1)
    throw new PalestraError('BAD_GROUP', `a group has at least one member, got ${size}`);
  if (size > 99)
    throw new PalestraError('BAD_GROUP', `at most 99 members per group, got ${size}`, {
      hint: 'file names keep two digits for the member',
    });
  let tasks = taskIndices(spec, options.split ?? 'train');
  if (tasks.length === 0) tasks = taskIndices(spec, 'all');
  const order = shuffled(tasks, options.seed);
  const groups = Math.ceil(options.episodes / size);
  const plans: EpisodePlan[] = [];
  for (let g = 0; g < groups; g++) {
    for (let m = 0; m < size; m++) {
      plans.push({
        index: g * size + m,
        group: g,
        member: m,
        taskIndex: order[g % order.length]!,
        seed: options.seed + g,
        agentSeed: (options.seed + g) * 100 + m,
        file: join(options.out, groupFileName(g, m)),
      });
    }
  }
  return plans;
}

export interface SeriesPlanOptions {
  episodes: number;
  /** Episode i gets environment seed `seed + i` (and the agent gets the same seed). */
  seed: number;
  out: string;
}

/**
 * Plans a series of single episodes, as `palestra run` plays them: episode i is reset with seed
 * `seed + i` alone, so the environment draws its task from the seed (from all the spec's tasks,
 * held-out ones included), and is written to `episode-NNNNNN.jsonl`.
 *
 * @example
 * planSeries({ episodes: 20, seed: 7, out: 'runs/demo' }) // seeds 7..26, episode-000000.jsonl …
 */
export function planSeries(options: SeriesPlanOptions): EpisodePlan[] {
  return Array.from({ length: options.episodes }, (_, i) => ({
    index: i,
    group: i,
    member: 0,
    seed: options.seed + i,
    agentSeed: options.seed + i,
    file: join(options.out, episodeFileName(i)),
  }));
}
