import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Episode, EpisodeStep } from '@palestra/envs';
import { TURN_GOLDEN_PATH, type TurnGolden } from '@palestra/testing/turn-record';
import type { TurnRecord } from '../agents/agent.ts';
import { episodeRows, groupKey } from './rows.ts';

/** A turn record with the given tokens (the fields rows read; the rest as an agent writes them). */
function record(
  prompt: number[] | null,
  completion: number[] | null,
  logprobs?: number[] | null,
): TurnRecord {
  return {
    v: 1,
    agent: 'openai:toy@0',
    policy: 'toy@0',
    messages: [],
    completion: { text: null, toolCalls: [] },
    finishReason: 'stop',
    promptTokenIds: prompt,
    completionTokenIds: completion,
    logprobs: logprobs === undefined ? (completion?.map((_, i) => -(i + 1) / 10) ?? null) : logprobs,
    usage: null,
    latencyMs: 0,
  };
}

/** An episode whose steps carry the given rewards (micro-units) and turn records (undefined: a later step of the same turn). */
function episode(steps: { reward: number; turn?: TurnRecord }[], taskIndex = 2, seed = 7): Episode {
  return {
    header: { kind: 'header', seed, taskIndex } as Episode['header'],
    steps: steps.map(
      (s, i) =>
        ({
          kind: 'step',
          i: i + 1,
          reward: s.reward,
          ...(s.turn ? { turn: s.turn } : {}),
        }) as EpisodeStep,
    ),
    footer: undefined,
    complete: true,
  };
}

describe('episodeRows', () => {
  it('splits the golden refund-desk episode where a prompt does not extend the previous turn', () => {
    const golden = JSON.parse(readFileSync(TURN_GOLDEN_PATH, 'utf8')) as TurnGolden;
    const steps = golden.turns.flatMap((t) =>
      t.steps.map((s, j) => ({ reward: s.reward, ...(j === 0 ? { turn: t.record } : {}) })),
    );
    const rows = episodeRows(episode(steps, 0, golden.seed));
    // The toy chat template re-renders the end of each prompt, so no turn extends the one before.
    assert.equal(rows.length, golden.turns.length);
    for (const [k, row] of rows.entries()) {
      const r = golden.turns[k]!.record;
      assert.deepEqual(row.prompt_ids, r.promptTokenIds);
      assert.deepEqual(row.completion_ids, r.completionTokenIds);
      assert.deepEqual(row.logprobs, r.logprobs);
      assert.ok(row.env_mask.every((m) => m === 1));
      assert.equal(row.group, groupKey(0, golden.seed));
    }
    // Environment rewards credited to the turn that caused them: the two-call turn earns both steps' costs.
    assert.deepEqual(
      rows.map((r) => r.rewards),
      [[-0.01], [-0.01], [-0.02], [0.99]],
    );
    assert.equal(
      rows.reduce((a, r) => a + r.rewards[0]!, 0),
      golden.return / 1e6,
    );
  });

  it('credits an overseer score to the last turn only', () => {
    const golden = JSON.parse(readFileSync(TURN_GOLDEN_PATH, 'utf8')) as TurnGolden;
    const steps = golden.turns.map((t) => ({ reward: t.steps[0]!.reward, turn: t.record }));
    const rows = episodeRows(episode(steps), { score: 0.5 });
    assert.deepEqual(
      rows.map((r) => r.rewards),
      [[0], [0], [0], [0.5]],
    );
  });

  it('appends a turn whose prompt extends the row: environment tokens masked out, completion kept', () => {
    const t1 = record([1, 2, 3], [10, 11]);
    const t2 = record([1, 2, 3, 10, 11, 50, 51], [12], [-0.7]);
    const t3 = record([1, 2, 3, 10, 11, 50, 51, 12, 60], [13, 14]);
    const rows = episodeRows(
      episode([
        { reward: -10_000, turn: t1 },
        { reward: 0, turn: t2 },
        { reward: 1_000_000, turn: t3 },
      ]),
    );
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.deepEqual(row!.prompt_ids, [1, 2, 3]);
    assert.deepEqual(row!.completion_ids, [10, 11, 50, 51, 12, 60, 13, 14]);
    assert.deepEqual(row!.env_mask, [1, 1, 0, 0, 1, 0, 1, 1]);
    assert.deepEqual(row!.logprobs, [-0.1, -0.2, 0, 0, -0.7, 0, -0.1, -0.2]);
    assert.deepEqual(row!.rewards, [-0.01, 0, 1]);
    assert.equal(row!.group, 't2-s7');
  });

  it('starts a new row where a prompt re-renders the history differently, and extends that row afterwards', () => {
    const t1 = record([1, 2], [10]);
    const t2 = record([1, 2, 99, 50], [11]); // 99 ≠ 10: the template rewrote turn 1's completion
    const t3 = record([1, 2, 99, 50, 11, 60], [12]);
    const rows = episodeRows(
      episode([
        { reward: 1, turn: t1 },
        { reward: 2, turn: t2 },
        { reward: 3, turn: t3 },
      ]),
    );
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0]!.prompt_ids, [1, 2]);
    assert.deepEqual(rows[0]!.completion_ids, [10]);
    assert.deepEqual(rows[0]!.rewards, [1e-6]);
    assert.deepEqual(rows[1]!.prompt_ids, [1, 2, 99, 50]);
    assert.deepEqual(rows[1]!.completion_ids, [11, 60, 12]);
    assert.deepEqual(rows[1]!.env_mask, [1, 0, 1]);
    assert.deepEqual(rows[1]!.rewards, [2e-6, 3e-6]);
  });

  it('gives a turn with several tool calls (several steps) one reward: the sum of its steps', () => {
    const t1 = record([5], [20, 21, 22]);
    const t2 = record([5, 20, 21, 22, 70], [23]);
    const rows = episodeRows(
      episode([
        { reward: -10_000, turn: t1 },
        { reward: -20_000 }, // second tool call of turn 1
        { reward: 250_000 }, // third tool call of turn 1
        { reward: 500_000, turn: t2 },
      ]),
    );
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0]!.rewards, [0.22, 0.5]);
    // one reward per maximal run of model tokens
    const runs = rows[0]!.env_mask.filter((m, i, a) => m === 1 && (i === 0 || a[i - 1] === 0)).length;
    assert.equal(runs, rows[0]!.rewards.length);
  });

  it('merges two completions with no environment token between them into one run and one reward', () => {
    const t1 = record([1], [10]);
    const t2 = record([1, 10], [11]);
    const rows = episodeRows(
      episode([
        { reward: 100_000, turn: t1 },
        { reward: 200_000, turn: t2 },
      ]),
    );
    assert.deepEqual(rows[0]!.env_mask, [1, 1]);
    assert.deepEqual(rows[0]!.rewards, [0.3]);
  });

  it('refuses turns without token ids, saying the endpoint must return them', () => {
    assert.throws(
      () => episodeRows(episode([{ reward: 0, turn: record(null, null, null) }]), { file: 'a.jsonl' }),
      (e: Error & { code?: string; hint?: string }) =>
        e.code === 'TURN_WITHOUT_TOKENS' && /a\.jsonl/.test(e.message) && /token ids/.test(e.hint ?? ''),
    );
    assert.throws(
      () => episodeRows(episode([{ reward: 0, turn: record([1], [2], [-0.1, -0.2]) }])),
      /1 completion tokens but 2 log-probabilities/,
    );
  });

  it('refuses steps no model turn caused (scripted episodes go to SFT)', () => {
    assert.throws(() => episodeRows(episode([{ reward: 0 }])), /not caused by a model turn/);
  });
});

/** An episode that stopped on `code` at the step after `steps`: a failure line (sent by `turn`), then the footer. */
function failed(
  steps: { reward: number; turn?: TurnRecord }[],
  code: string,
  fault: 'agent' | 'environment',
  turn?: TurnRecord,
): Episode {
  const e = episode(steps);
  const error = { code, message: `${code} at step ${steps.length + 1}`, fault };
  return {
    ...e,
    failure: {
      kind: 'failure',
      i: steps.length + 1,
      action: { text: 'x' },
      error,
      ...(turn ? { turn } : {}),
      hash: 'f'.repeat(64),
    },
    footer: { kind: 'footer', error } as Episode['footer'],
  };
}

describe('episodeRows of failed episodes (issue 11: training never pays for breaking the environment)', () => {
  const bounds = { min: -1.12 };

  it('trains on the turn that broke the episode, with the worst reward, whatever the environment paid before', () => {
    const t1 = record([1, 2], [10]);
    const t2 = record([1, 2, 10, 50], [11, 12, 13]); // the oversized reply
    const rows = episodeRows(failed([{ reward: 900_000, turn: t1 }], 'ACTION_TOO_LARGE', 'agent', t2), {
      bounds,
      score: 0.9,
    });
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0]!.completion_ids, [10, 50, 11, 12, 13]);
    assert.deepEqual(rows[0]!.env_mask, [1, 0, 1, 1, 1]);
    assert.deepEqual(rows[0]!.rewards, [0, -1.120001]);
  });

  it('an agent fault whose action was a later call of the last turn lands on that turn', () => {
    const t1 = record([1], [10, 11]);
    const rows = episodeRows(failed([{ reward: 500_000, turn: t1 }], 'OBSERVATION_TOO_LARGE', 'agent'), {
      bounds,
    });
    assert.deepEqual(rows[0]!.rewards, [-1.120001]);
  });

  it('a lower score than the penalty stands; the penalty needs the declared bounds', () => {
    const e = failed([{ reward: 0, turn: record([1], [10]) }], 'ACTION_TOO_LARGE', 'agent');
    assert.deepEqual(episodeRows(e, { bounds, score: -7 })[0]!.rewards, [-7]);
    assert.throws(() => episodeRows(e, { score: 0 }), { code: 'REWARD_BOUNDS_REQUIRED' });
  });

  it('refuses an episode the environment broke: it has nothing to teach', () => {
    const e = failed([{ reward: 1_000_000, turn: record([1], [10]) }], 'BAD_REWARD', 'environment');
    assert.throws(
      () => episodeRows(e, { bounds, file: 'x.jsonl' }),
      (err: Error & { code?: string }) =>
        err.code === 'ENVIRONMENT_FAULT_EPISODE' &&
        /x\.jsonl/.test(err.message) &&
        /BAD_REWARD/.test(err.message),
    );
  });

  it("the code decides, not the record's fault field; and another verdict can add blame, never remove it", () => {
    // A record that calls an agent code an environment fault is still the agent's.
    const laundered = failed([{ reward: 0, turn: record([1], [10]) }], 'ACTION_TOO_LARGE', 'environment');
    assert.deepEqual(episodeRows(laundered, { bounds })[0]!.rewards, [-1.120001]);
    // The overseer found a forged record where the file claims an environment fault.
    const forged = failed([{ reward: 0, turn: record([1], [10]) }], 'ENV_CODE_ERROR', 'environment');
    assert.deepEqual(episodeRows(forged, { bounds, fault: 'agent', score: 1 })[0]!.rewards, [-1.120001]);
  });

  it('old records (an error in the footer only, no fault field) are judged by their code', () => {
    const e = episode([{ reward: 0, turn: record([1], [10]) }]);
    const withFooter = (code: string) =>
      ({ ...e, footer: { kind: 'footer', error: { code, message: code } } }) as unknown as Episode;
    assert.deepEqual(episodeRows(withFooter('OBSERVATION_TOO_LARGE'), { bounds })[0]!.rewards, [-1.120001]);
    assert.throws(() => episodeRows(withFooter('ENV_DEADLINE'), { bounds }), {
      code: 'ENVIRONMENT_FAULT_EPISODE',
    });
  });
});
