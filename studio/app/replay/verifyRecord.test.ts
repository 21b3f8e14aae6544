// Re-playing real records with the core, as the page does (in-page env for an expression environment).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { makeEnv } from '@palestra/envs/core';
import { type EpisodeFixture, longest, playEpisodes } from './episodes.fixture.ts';
import { recordRoot, verifyRecord } from './verifyRecord.ts';

let fixture: EpisodeFixture;
let close = () => {};
before(async () => {
  const played = await playEpisodes('refund-desk', 'random', 4);
  close = played.close;
  fixture = longest(played.all);
});
after(() => close());

test('the record re-plays to its own root: verified', async () => {
  const source = loadCatalog('refund-desk');
  const env = await makeEnv(source);
  try {
    const v = await verifyRecord(source, fixture.episode, env);
    assert.deepEqual(v, {
      status: 'verified',
      root: recordRoot(fixture.episode),
      steps: fixture.episode.steps.length,
    });
    assert.equal(recordRoot(fixture.episode), fixture.episode.footer!.root);
  } finally {
    env.close();
  }
});

test('in another environment the replay diverges, and says where', async () => {
  const other = loadCatalog('frozen-lake');
  const env = await makeEnv(other);
  try {
    const v = await verifyRecord(other, fixture.episode, env);
    assert.equal(v.status, 'diverged');
    assert.ok(v.status === 'diverged' && v.step === 0 && v.field === 'spec.name', JSON.stringify(v));
  } finally {
    env.close();
  }
});

test('a changed reward rule: the replay diverges at the first step it pays differently', async () => {
  const source = loadCatalog('refund-desk');
  const spec = structuredClone(source.spec);
  // Every step costs half as much: the first step's reward no longer matches.
  const rules = (spec as unknown as { reward: { rules: { name: string; perStep?: number }[] } }).reward.rules;
  const cost = rules.find((r) => r.name === 'step cost');
  assert.ok(cost?.perStep, JSON.stringify(rules.map((r) => r.name)));
  cost.perStep /= 2;
  const changed = { spec, files: source.files };
  const env = await makeEnv(changed);
  try {
    const v = await verifyRecord(changed, fixture.episode, env);
    assert.equal(v.status, 'diverged', JSON.stringify(v));
    assert.ok(v.status === 'diverged' && v.step === 1 && v.field === 'reward', JSON.stringify(v));
  } finally {
    env.close();
  }
});
