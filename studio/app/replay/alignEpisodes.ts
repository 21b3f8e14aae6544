import { canonicalJson, type Episode, type EpisodeStep } from '@palestra/envs/core';

/** What two episodes are compared on at each step. */
export type DiffField = 'action' | 'observation' | 'reward' | 'missing';

/** One row of a side-by-side diff: step k of each episode (0 is the reset), and what differs. */
export interface AlignedRow {
  step: number;
  /** Step k of episode A, absent when A is shorter (row 0, the reset, has none). */
  a?: EpisodeStep;
  b?: EpisodeStep;
  /** The fields that differ: empty when the two agree; `missing` when one episode has no step k. */
  differs: DiffField[];
}

export interface Alignment {
  rows: AlignedRow[];
  /** The first row where the two differ, or undefined when they agree step for step. */
  firstDivergence?: { step: number; fields: DiffField[] };
  /** Both episodes played the same environment and task. */
  sameTask: boolean;
}

const same = (x: unknown, y: unknown) => canonicalJson(x) === canonicalJson(y);

/**
 * Aligns two episodes by step number, side by side: row 0 compares the reset's observation, row k
 * steps k's action, observation and reward; a step one episode has and the other lacks is
 * `missing`. The first row with a difference is the first divergence.
 *
 * @example
 * const { firstDivergence } = alignEpisodes(parseEpisode(a), parseEpisode(b));
 * firstDivergence // { step: 3, fields: ['action', 'observation', 'reward'] }
 */
export function alignEpisodes(a: Episode, b: Episode): Alignment {
  const rows: AlignedRow[] = [
    {
      step: 0,
      differs: same(a.header.observation, b.header.observation) ? [] : ['observation'],
    },
  ];
  const n = Math.max(a.steps.length, b.steps.length);
  for (let k = 0; k < n; k++) {
    const sa = a.steps[k];
    const sb = b.steps[k];
    const differs: DiffField[] = [];
    if (!sa || !sb) differs.push('missing');
    else {
      if (!same(sa.action, sb.action)) differs.push('action');
      if (!same(sa.observation, sb.observation)) differs.push('observation');
      if (sa.reward !== sb.reward) differs.push('reward');
    }
    rows.push({ step: k + 1, ...(sa ? { a: sa } : {}), ...(sb ? { b: sb } : {}), differs });
  }
  const first = rows.find((r) => r.differs.length > 0);
  return {
    rows,
    ...(first ? { firstDivergence: { step: first.step, fields: first.differs } } : {}),
    sameTask:
      a.header.spec.name === b.header.spec.name &&
      a.header.spec.root === b.header.spec.root &&
      a.header.taskIndex === b.header.taskIndex,
  };
}
