// Aligning two real episodes step by step and finding where they first differ.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Episode } from '@palestra/envs/core';
import { alignEpisodes } from './alignEpisodes.ts';
import { type EpisodeFixture, longest, playEpisodes } from './episodes.fixture.ts';
import { readRecord } from './readRecord.ts';

let all: EpisodeFixture[] = [];
let close = () => {};
before(async () => {
  ({ all, close } = await playEpisodes('refund-desk', 'random', 8));
});
after(() => close());

const clone = (e: Episode): Episode => structuredClone(e);

test('an episode against itself: every row agrees, same task, no divergence', () => {
  const { episode } = longest(all);
  const a = alignEpisodes(episode, clone(episode));
  assert.equal(a.rows.length, episode.steps.length + 1);
  assert.ok(a.rows.every((r) => r.differs.length === 0));
  assert.equal(a.firstDivergence, undefined);
  assert.equal(a.sameTask, true);
});

test('the first divergence is the first step whose action, observation or reward differ', () => {
  const { episode } = longest(all);
  assert.ok(episode.steps.length >= 2, 'the fixture has a two-step episode');
  const changed = clone(episode);
  changed.steps[1]!.reward += 1;
  assert.deepEqual(alignEpisodes(episode, changed).firstDivergence, { step: 2, fields: ['reward'] });
  changed.steps[0]!.action = { tool: 'other', arguments: {} };
  changed.steps[0]!.observation = { ...changed.steps[0]!.observation, text: 'else' };
  const a = alignEpisodes(episode, changed);
  assert.deepEqual(a.firstDivergence, { step: 1, fields: ['action', 'observation'] });
  assert.deepEqual(a.rows[2]!.differs, ['reward'], 'later rows keep their own differences');
});

test('a shorter episode (a record cut before its footer) diverges where it stops: missing', () => {
  const { text, episode } = longest(all);
  const cut = text.split('\n').slice(0, 2).join('\n'); // header and step 1, no newline at the end
  const read = readRecord(cut);
  assert.ok(read.ok);
  assert.equal(read.episode.complete, false);
  const a = alignEpisodes(episode, read.episode);
  assert.deepEqual(a.firstDivergence, { step: 2, fields: ['missing'] });
  assert.equal(a.rows.at(-1)!.b, undefined);
});

test('episodes of different tasks are aligned all the same, diverging at the reset', () => {
  const [x, y] = [
    all[0]!.episode,
    all.find((f) => f.episode.header.taskIndex !== all[0]!.episode.header.taskIndex)!.episode,
  ];
  const a = alignEpisodes(x, y);
  assert.equal(a.sameTask, false);
  assert.deepEqual(a.firstDivergence, { step: 0, fields: ['observation'] });
});
