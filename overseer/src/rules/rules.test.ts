import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  agentFaultMicros,
  EpisodeWriter,
  faultOf,
  goldenFiles,
  makeEnv,
  PalestraError,
  readEpisode,
} from '@palestra/envs';
import { CATALOG_DIR, loadCatalog } from '@palestra/envs/catalog';
import { recordEpisode } from '@palestra/testing/llm';
import { EnsembleOverseer } from '../ensemble/ensemble.ts';
import type { Overseer, Score } from '../types.ts';
import { faultOfRecord } from './faults.ts';
import { RulesOverseer, vetoWhen } from './rules.ts';

const refund = loadCatalog('refund-desk');
const echo = loadCatalog('echo-target');
const goldens = goldenFiles(join(CATALOG_DIR, 'refund-desk')).map(readEpisode);

test('rules re-execute the episode and report the environment reward with its components', async () => {
  const rules = new RulesOverseer(refund);
  for (const ep of goldens) {
    const s = await rules.scoreEpisode(ep);
    assert.equal(s.veto, undefined, s.rationale);
    assert.equal(s.micros, ep.footer!.return, 'the replayed reward is the recorded return');
    assert.equal(
      s.components.reduce((a, c) => a + c.micros, 0),
      s.micros,
    );
    assert.equal(s.confidence, 1);
  }
  await rules.close();
});

// refund-desk declares bounds [-1.12, 0.99]: an agent fault scores -1.12 minus one micro-unit.
const WORST = -1_120_001;

test('an episode that does not replay under this environment is an agent fault', async () => {
  const changed = structuredClone(refund.spec);
  changed.reward.rules = changed.reward.rules.map((r) =>
    r.perStep !== undefined ? { ...r, perStep: -0.02 } : r,
  );
  const s = await new RulesOverseer({ spec: changed, files: refund.files }).scoreEpisode(goldens[0]!);
  assert.equal(s.veto, true);
  assert.equal(s.fault, 'agent');
  assert.equal(s.micros, WORST);
  assert.match(s.rationale, /does not replay: replay diverged at step 1, field "reward"/);
});

test('an episode cut short is an agent fault, scored below the declared minimum', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'overseer-'));
  const env = await makeEnv(refund);
  const w = new EpisodeWriter(
    join(dir, 'e.jsonl'),
    { spec: refund.spec, seed: 1, agent: 't' },
    env.reset({ seed: 1 }),
  );
  const a = { text: 'hello' };
  w.step(a, env.step(a));
  w.close(); // no footer: cut short
  const s = await new RulesOverseer(refund).scoreEpisode(readEpisode(join(dir, 'e.jsonl')));
  assert.deepEqual([s.veto, s.fault, s.micros], [true, 'agent', WORST]);
  env.close();
});

describe('broken episodes: who broke it decides the score', () => {
  const dir = mkdtempSync(join(tmpdir(), 'overseer-faults-'));

  test('a 300,000-character reply that makes the environment fail scores below every honest failure', async () => {
    // The case: a policy violation commits -1.02, a 300,000-character reply committed 0.
    const ep = await recordEpisode(refund, join(dir, 'huge.jsonl'), {
      actions: [{ text: 'x'.repeat(300_000) }],
    });
    // OBSERVATION_TOO_LARGE, or ACTION_TOO_LARGE where the kernel refuses such a reply first.
    assert.equal(faultOf(ep.footer?.error?.code ?? 'none'), 'agent', ep.footer?.error?.code);
    const rules = new RulesOverseer(refund);
    try {
      const s = await rules.scoreEpisode(ep);
      assert.equal(s.veto, true);
      assert.equal(s.fault, 'agent');
      assert.equal(s.micros, agentFaultMicros(refund.spec.reward.bounds!));
      assert.equal(s.micros, WORST);
      assert.deepEqual(s.rules, { micros: WORST, veto: true });
      for (const honest of goldens) {
        const h = await rules.scoreEpisode(honest);
        assert.ok(h.micros > s.micros, `an honest ${h.micros} beats the broken ${s.micros}`);
      }
      assert.ok(s.micros < Math.round(refund.spec.reward.bounds!.min * 1e6), 'below any return at all');
    } finally {
      await rules.close();
    }
  });

  test('an environment fault (a reward rule gives Infinity) is marked for training to leave out', async () => {
    const spec = structuredClone(echo.spec);
    spec.reward.rules.push({ name: 'broken', expr: '1.0 / 0.0' } as (typeof spec.reward.rules)[number]);
    const source = { spec, files: echo.files };
    const ep = await recordEpisode(source, join(dir, 'env.jsonl'), {
      actions: [{ tool: 'echo', arguments: { word: 'pear' } }],
    });
    const code = ep.footer?.error?.code;
    assert.ok(code, 'the episode failed');
    const s = await new RulesOverseer(source).scoreEpisode(ep);
    assert.equal(s.veto, true);
    assert.equal(s.fault, 'environment', s.rationale);
    assert.equal(s.micros, 0);
    assert.match(s.rationale, new RegExp(`environment fault.*${code}`));
  });

  test('a record claiming an environment fault that does not happen on replay is an agent fault', async () => {
    // A consistent chain (the writer hashes it) whose failure line claims an error the action
    // does not cause: leaving the batch would beat the worst score, so replay must refute it.
    const env = await makeEnv(refund);
    try {
      const path = join(dir, 'claimed.jsonl');
      const w = new EpisodeWriter(path, { spec: refund.spec, seed: 0, agent: 't' }, env.reset({ seed: 0 }));
      w.failStep({ text: 'hello' }, { code: 'BAD_REWARD', message: 'a reward rule gave Infinity' });
      w.close();
      const ep = readEpisode(path);
      assert.equal(ep.footer?.error?.fault, 'environment', 'the record claims an environment fault');
      const rules = new RulesOverseer(refund);
      const s = await rules.scoreEpisode(ep);
      await rules.close();
      assert.equal(s.fault, 'agent', s.rationale);
      assert.equal(s.micros, WORST);
      assert.match(s.rationale, /does not replay/);
    } finally {
      env.close();
    }
  });

  test('a host limit (DEADLINE) that does not recur on replay stays an environment fault', async () => {
    // A deadline depends on the machine: the same action may finish in time on the replaying one.
    const env = await makeEnv(refund);
    try {
      const path = join(dir, 'deadline.jsonl');
      const w = new EpisodeWriter(path, { spec: refund.spec, seed: 0, agent: 't' }, env.reset({ seed: 0 }));
      w.failStep({ text: 'hello' }, { code: 'DEADLINE', message: 'environment code ran past its deadline' });
      w.close();
      const rules = new RulesOverseer(refund);
      const s = await rules.scoreEpisode(readEpisode(path));
      await rules.close();
      assert.equal(s.fault, 'environment', s.rationale);
      assert.match(s.rationale, /DEADLINE \(a host limit, not met again on replay/);
    } finally {
      env.close();
    }
  });

  test('a footer cannot excuse an agent-caused error by calling it an environment fault', () => {
    assert.equal(faultOfRecord({ code: 'OBSERVATION_TOO_LARGE', fault: 'environment' }), 'agent');
    assert.equal(faultOfRecord({ code: 'BAD_REWARD', fault: 'agent' }), 'agent');
    assert.equal(faultOfRecord({ code: 'BAD_REWARD' }), 'environment');
    assert.equal(faultOfRecord({ code: 'RECORD_FORGED' }), 'agent');
  });

  test('without reward.bounds an agent fault cannot be scored: a typed error that names the fix', async () => {
    const spec = structuredClone(refund.spec);
    delete spec.reward.bounds;
    await assert.rejects(
      new RulesOverseer({ spec, files: refund.files }).scoreEpisode({ ...goldens[0]!, complete: false }),
      (e: unknown) => {
        assert.ok(e instanceof PalestraError);
        assert.equal(e.code, 'REWARD_BOUNDS_REQUIRED');
        assert.equal(e.details.path, '$.reward.bounds');
        assert.match(e.hint ?? '', /"bounds": \{ "min"/);
        return true;
      },
    );
  });
});

test('the ensemble gates on rules: a veto means no judge is asked; otherwise a weighted mean', async () => {
  let asked = 0;
  const judge: Overseer = {
    id: 'judge:test',
    async scoreEpisode(): Promise<Score> {
      asked++;
      return {
        reward: 1,
        micros: 1_000_000,
        components: [{ name: 'helpful', micros: 1_000_000 }],
        rationale: 'fine',
        confidence: 0.5,
        judge: 'judge:test',
      };
    },
  };
  const rules = new RulesOverseer(refund);
  const ensemble = new EnsembleOverseer([
    { overseer: rules, weight: 1, gate: true },
    { overseer: judge, weight: 3 },
  ]);
  const ep = goldens[0]!;
  const s = await ensemble.scoreEpisode(ep);
  assert.equal(asked, 1);
  assert.equal(s.micros, Math.round((ep.footer!.return + 3 * 1_000_000) / 4));
  assert.ok(s.components.some((c) => c.name === 'judge:test/helpful'));
  const vetoing = new EnsembleOverseer([
    { overseer: vetoWhen('always', () => true), weight: 1, gate: true },
    { overseer: judge, weight: 1 },
  ]);
  const v = await vetoing.scoreEpisode(ep);
  assert.equal(v.veto, true);
  assert.equal(asked, 1, 'the judge was not asked about a vetoed episode');
});

test('the ensemble scores a group: gates per episode, then the judge sees what they let through, together', async () => {
  const groups: number[][] = [];
  const judge: Overseer = {
    id: 'judge:test',
    async scoreEpisode(): Promise<Score> {
      throw new Error('a group is judged together, not one by one');
    },
    async scoreGroup(episodes): Promise<Score[]> {
      groups.push(episodes.map((e) => goldens.indexOf(e)));
      return episodes.map((_, i) => ({
        reward: i,
        micros: i * 1_000_000,
        components: [{ name: 'rank', micros: i * 1_000_000 }],
        rationale: `rank ${i}`,
        confidence: 1,
        judge: 'judge:test#group',
      }));
    },
  };
  const first = goldens[0]!;
  const ensemble = new EnsembleOverseer([
    { overseer: vetoWhen('the first golden', (e) => e === first), weight: 1, gate: true },
    { overseer: judge, weight: 1 },
  ]);
  const scores = await ensemble.scoreGroup(goldens);
  assert.deepEqual(
    groups,
    [goldens.slice(1).map((_, i) => i + 1)],
    'one group call, without the vetoed episode',
  );
  assert.equal(scores[0]!.veto, true);
  assert.deepEqual(
    scores.slice(1).map((s) => s.components.find((c) => c.name === 'judge:test#group/rank')?.micros),
    goldens.slice(1).map((_, i) => i * 1_000_000),
  );
});
