import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentFaultMicros, MAX_FAULT_SHARE } from '@palestra/envs';
import fc from 'fast-check';
import { blame, checkFaultShare, type StepEpisode, stepBatch } from './batch.ts';

/** refund-desk's declared bounds: a policy violation commits −1.02, its worst return is −1.12. */
const REFUND_DESK = { min: -1.12, max: 0.99 };

const ep = (file: string, reward: number | null, extra: Partial<StepEpisode> = {}): StepEpisode => ({
  file,
  group: 'g0',
  reward,
  ...extra,
});

describe('stepBatch', () => {
  it('an episode the agent broke scores below an honest failure, whatever its score said (issue 11: 0 beat −1.02)', () => {
    const batch = stepBatch(
      [
        ep('violation.jsonl', -1.02),
        // What the old scoring gave a 300,000-character reply that made the environment fail.
        ep('blew-up.jsonl', 0, { fault: 'agent', code: 'OBSERVATION_TOO_LARGE' }),
        ep('solved.jsonl', 0.99),
      ],
      REFUND_DESK,
    );
    const reward = (f: string) => batch.episodes.find((e) => e.file === f)!.reward;
    assert.equal(reward('blew-up.jsonl'), agentFaultMicros(REFUND_DESK) / 1e6);
    assert.equal(reward('blew-up.jsonl'), -1.120001);
    assert.ok(reward('blew-up.jsonl') < reward('violation.jsonl'));
    assert.equal(batch.episodes.length, 3, 'agent-broken episodes stay in the batch');
    assert.deepEqual(batch.faults, {
      episodes: 3,
      agent: 1,
      environment: 0,
      codes: { OBSERVATION_TOO_LARGE: 1 },
    });
  });

  it('stays the worst of its group even where an honest score lies below the declared minimum', () => {
    const batch = stepBatch(
      [
        ep('judged-low.jsonl', -5), // e.g. a judge on its own scale
        ep('forged.jsonl', 1, { fault: 'agent', code: 'RECORD_FORGED' }),
        ep('other-group.jsonl', 0.5, { group: 'g1' }),
        ep('forged-2.jsonl', 1, { group: 'g1', fault: 'agent' }),
      ],
      REFUND_DESK,
    );
    const reward = (f: string) => batch.episodes.find((e) => e.file === f)!.reward;
    assert.equal(reward('forged.jsonl'), -5.000001);
    assert.equal(reward('forged-2.jsonl'), -1.120001);
    assert.deepEqual(batch.faults.codes, { RECORD_FORGED: 1, VETOED: 1 });
  });

  it('leaves episodes the environment broke out of the batch, and counts them', () => {
    const batch = stepBatch(
      [
        ep('a.jsonl', 1),
        ep('threw.jsonl', 0.4, { fault: 'environment', code: 'ENV_CODE_ERROR' }),
        ep('never-started.jsonl', null, { fault: 'environment', code: 'ENV_FAILED' }),
      ],
      REFUND_DESK,
    );
    assert.deepEqual(
      batch.episodes.map((e) => e.file),
      ['a.jsonl'],
    );
    assert.deepEqual(
      batch.leftOut.map((e) => e.file),
      ['threw.jsonl', 'never-started.jsonl'],
    );
    assert.deepEqual(batch.faults, {
      episodes: 3,
      agent: 0,
      environment: 2,
      codes: { ENV_CODE_ERROR: 1, ENV_FAILED: 1 },
    });
  });

  it('refuses an unscored episode that nothing broke', () => {
    assert.throws(() => stepBatch([ep('a.jsonl', null)], REFUND_DESK), { code: 'EPISODE_UNSCORED' });
  });

  it('property: agent-broken episodes rank strictly below every honest one of their group; environment-broken ones are never kept', () => {
    const episode = fc.record({
      group: fc.constantFrom('g0', 'g1', 'g2'),
      reward: fc.double({ min: -10, max: 10, noNaN: true }),
      fault: fc.constantFrom(undefined, undefined, 'agent' as const, 'environment' as const),
    });
    fc.assert(
      fc.property(
        fc.array(episode, { minLength: 1, maxLength: 24 }),
        fc.double({ min: -3, max: 1, noNaN: true }),
        (list, min) => {
          const episodes = list.map((e, i) => ({
            file: `e${i}`,
            group: e.group,
            reward: e.reward,
            ...(e.fault ? { fault: e.fault } : {}),
          }));
          const batch = stepBatch(episodes, { min });
          assert.ok(batch.episodes.every((e) => e.fault !== 'environment'));
          assert.equal(batch.leftOut.length, list.filter((e) => e.fault === 'environment').length);
          for (const broken of batch.episodes.filter((e) => e.fault === 'agent')) {
            assert.ok(broken.reward <= agentFaultMicros({ min }) / 1e6);
            for (const honest of batch.episodes.filter(
              (e) => e.fault === undefined && e.group === broken.group,
            ))
              assert.ok(broken.reward < honest.reward, `${broken.reward} ≥ ${honest.reward}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('checkFaultShare', () => {
  const step = (environment: number, of: number) =>
    stepBatch(
      Array.from({ length: of }, (_, i) =>
        i < environment
          ? ep(`e${i}.jsonl`, 0, { fault: 'environment', code: 'ENV_DEADLINE' })
          : ep(`e${i}.jsonl`, 0),
      ),
      REFUND_DESK,
    );

  it(`tolerates up to ${100 * MAX_FAULT_SHARE}% of episodes broken by the environment`, () => {
    checkFaultShare('refund-desk', 3, step(1, 10));
    checkFaultShare('refund-desk', 3, step(0, 10));
  });

  it('fails a step past that share with a typed error naming the environment and pointing at palestra check', () => {
    assert.throws(
      () => checkFaultShare('refund-desk', 3, step(2, 10)),
      (e: Error & { code?: string; hint?: string; details?: Record<string, unknown> }) =>
        e.code === 'TRAIN_ENVIRONMENT_FAULTS' &&
        /step 3: the environment refund-desk broke 2 of 10 episodes \(2× ENV_DEADLINE\)/.test(e.message) &&
        /palestra check refund-desk/.test(e.hint ?? '') &&
        e.details?.env === 'refund-desk',
    );
  });

  it('agent faults never fail a step: they are trained on, not blamed on the environment', () => {
    const all = stepBatch(
      Array.from({ length: 10 }, (_, i) =>
        ep(`e${i}.jsonl`, 0, { fault: 'agent', code: 'ACTION_TOO_LARGE' }),
      ),
      REFUND_DESK,
    );
    checkFaultShare('refund-desk', 1, all);
    assert.equal(all.episodes.length, 10);
  });
});

describe('blame', () => {
  it("the agent's fault wins over the environment's, in any order; no verdict, no fault", () => {
    assert.equal(blame('environment', 'agent'), 'agent');
    assert.equal(blame('agent', 'environment'), 'agent');
    assert.equal(blame(undefined, 'environment'), 'environment');
    assert.equal(blame(undefined, undefined), undefined);
  });
});
