import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EpisodeWriter, goldenFiles, makeEnv, readEpisode } from '@palestra/envs';
import { CATALOG_DIR, loadCatalog } from '@palestra/envs/catalog';
import { EnsembleOverseer } from '../ensemble/ensemble.ts';
import type { Overseer, Score } from '../types.ts';
import { RulesOverseer, vetoWhen } from './rules.ts';

const refund = loadCatalog('refund-desk');
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

test('an episode that does not replay under this environment is vetoed', async () => {
  const changed = structuredClone(refund.spec);
  changed.reward.rules = changed.reward.rules.map((r) =>
    r.perStep !== undefined ? { ...r, perStep: -0.02 } : r,
  );
  const s = await new RulesOverseer({ spec: changed, files: refund.files }).scoreEpisode(goldens[0]!);
  assert.equal(s.veto, true);
  assert.match(s.rationale, /does not replay: replay diverged at step 1, field "reward"/);
});

test('an episode stopped by an environment error, or cut short, is vetoed', async () => {
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
  assert.equal((await new RulesOverseer(refund).scoreEpisode(readEpisode(join(dir, 'e.jsonl')))).veto, true);
  env.close();
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
