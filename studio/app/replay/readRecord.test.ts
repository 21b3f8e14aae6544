// Reading real episode files and damaged copies of them: a corrupt record names its line.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EpisodeFixture, longest, playEpisodes } from './episodes.fixture.ts';
import { readRecord } from './readRecord.ts';

let fixture: EpisodeFixture;
let close = () => {};
before(async () => {
  const played = await playEpisodes('refund-desk', 'random', 6);
  close = played.close;
  fixture = longest(played.all);
});
after(() => close());

const lines = () => fixture.text.trimEnd().split('\n');

test('a file as the runtime wrote it reads whole', () => {
  const r = readRecord(fixture.text, 'e.jsonl');
  assert.ok(r.ok);
  assert.equal(r.episode.steps.length, fixture.episode.steps.length);
  assert.equal(r.episode.complete, true);
});

test('an observation changed in the middle: corrupt at that line', () => {
  const l = lines();
  const middle = Math.max(1, Math.floor((l.length - 1) / 2)); // a step line (0 is the header)
  const step = JSON.parse(l[middle]!);
  step.observation.text += ' (edited)';
  l[middle] = JSON.stringify(step);
  const r = readRecord(`${l.join('\n')}\n`, 'e.jsonl');
  assert.ok(!r.ok);
  assert.equal(r.problem.code, 'RECORD_CORRUPT');
  assert.equal(r.problem.line, middle + 1);
  assert.match(r.problem.message, /hash does not match/);
  assert.ok(r.problem.hint);
});

test('a torn line inside the file (not the last) is corrupt at its line; a torn last line is a cut-short record', () => {
  const l = lines();
  const torn = [...l];
  torn[1] = torn[1]!.slice(0, 20);
  const r = readRecord(`${torn.join('\n')}\n`);
  assert.ok(!r.ok);
  assert.equal(r.problem.line, 2);
  assert.match(r.problem.message, /not valid JSON/);
  const cut = readRecord(`${l.slice(0, -1).join('\n')}\n${l.at(-1)!.slice(0, 10)}`);
  assert.ok(cut.ok, 'only the very last line may be cut short');
  assert.equal(cut.episode.complete, false);
});

test('an empty file has no line to blame', () => {
  const r = readRecord('');
  assert.ok(!r.ok);
  assert.equal(r.problem.code, 'RECORD_EMPTY');
  assert.equal(r.problem.line, undefined);
});
