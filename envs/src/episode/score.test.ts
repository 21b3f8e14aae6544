import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CATALOG_DIR, loadCatalog } from '../../catalog/index.ts';
import { RecordError } from '../errors.ts';
import { makeEnv } from '../kernel/env.ts';
import type { Action } from '../kernel/types.ts';
import { appendScore } from './appendScore.ts';
import { goldenFiles } from './golden.ts';
import { chainHash } from './hash.ts';
import { parseEpisode } from './parseEpisode.ts';
import { readEpisode } from './reader.ts';
import { replay } from './replay.ts';
import { type ScoreCommitment, scoreBy, scoredRoot } from './score.ts';
import { EpisodeWriter } from './writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-score-'));
const lake = loadCatalog('frozen-lake');
const moves: Action[] = ['down', 'down', 'right', 'right', 'down', 'right', 'up', 'left'].map((d) => ({
  tool: 'move',
  arguments: { direction: d },
}));
let files = 0;

async function recorded(finish = true): Promise<string> {
  const path = join(dir, `ep-${files++}.jsonl`);
  const env = await makeEnv(lake);
  const w = new EpisodeWriter(path, { spec: lake.spec, seed: 4, agent: 'test' }, env.reset({ seed: 4 }));
  for (let k = 0; k < 40; k++) {
    const a = moves[k % moves.length]!;
    const r = env.step(a);
    w.step(a, r);
    if (r.terminated || r.truncated) break;
  }
  if (finish) w.close();
  env.close();
  return path;
}

const OVERSEER_A = 'a'.repeat(64);
const OVERSEER_B = 'b'.repeat(64);
const commitment = (over: Partial<ScoreCommitment> = {}): ScoreCommitment => ({
  overseer: OVERSEER_A,
  judge: 'ensemble',
  reward: 650_000,
  components: [
    { name: 'rules/goal', micros: 1_000_000 },
    { name: 'judge:openai:m/rubric', micros: 300_000 },
  ],
  rules: { micros: 1_000_000, veto: false },
  verdicts: [{ judge: 'judge:openai:m', key: '1'.repeat(64), entry: '2'.repeat(64) }],
  veto: false,
  confidence: 900_000,
  rationale: 'rules: goal 1 | judge: fine',
  ...over,
});
const lines = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n');

describe('score records (score lines after the footer)', () => {
  test('an unscored episode has no scores and its scored root is its root', async () => {
    const ep = readEpisode(await recorded());
    assert.deepEqual(ep.scores, []);
    assert.equal(scoredRoot(ep), ep.footer!.root);
  });

  test('a committed score round-trips, chained from the root; the root and replay are unchanged', async () => {
    const path = await recorded();
    const before = readEpisode(path);
    const r = appendScore(path, commitment());
    assert.equal(r.appended, true);
    const ep = readEpisode(path);
    assert.equal(ep.scores!.length, 1);
    const s = ep.scores![0]!;
    assert.deepEqual(s, r.record);
    assert.equal(s.n, 1);
    const { hash, ...body } = s;
    assert.equal(hash, chainHash(before.footer!.root, body), 'hash = H(root ‖ canonical(score line))');
    assert.equal(scoredRoot(ep), hash);
    assert.equal(ep.footer!.root, before.footer!.root, 'the episode root does not move');
    assert.deepEqual(scoreBy(ep, OVERSEER_A), s);
    assert.equal(scoreBy(ep, OVERSEER_B), undefined);
    const replayed = await replay(lake, ep);
    assert.equal(replayed.root, ep.footer!.root, 'replay ignores the score lines');
  });

  test('the same overseer again: same score is a no-op, a different one is refused, --force appends', async () => {
    const path = await recorded();
    appendScore(path, commitment());
    const text = readFileSync(path, 'utf8');
    assert.equal(appendScore(path, commitment()).appended, false);
    assert.equal(readFileSync(path, 'utf8'), text, 'nothing written');
    assert.throws(
      () => appendScore(path, commitment({ reward: 700_000 })),
      (e: unknown) => e instanceof RecordError && e.code === 'SCORE_CONFLICT' && /--force/.test(e.hint ?? ''),
    );
    assert.equal(readFileSync(path, 'utf8'), text, 'a refused score writes nothing');
    const forced = appendScore(path, commitment({ reward: 700_000 }), { force: true });
    assert.equal(forced.record.n, 2);
    const other = appendScore(path, commitment({ overseer: OVERSEER_B, reward: 1 }));
    assert.equal(other.record.n, 3, 'another overseer appends its own record without --force');
    const ep = readEpisode(path);
    assert.deepEqual(
      ep.scores!.map((s) => s.reward),
      [650_000, 700_000, 1],
      'the old score stays in the chain',
    );
    assert.equal(scoreBy(ep, OVERSEER_A)!.reward, 700_000, 'the current score is the last record');
    assert.equal(ep.scores![1]!.hash, chainHash(ep.scores![0]!.hash, { ...ep.scores![1]!, hash: undefined }));
  });

  test('tampering with a committed reward or a verdict hash is corruption, with the line number', async () => {
    const path = await recorded();
    appendScore(path, commitment());
    const ls = lines(path);
    const at = ls.length;
    for (const [from, to] of [
      ['"reward":650000', '"reward":950000'],
      ['"entry":"2222', '"entry":"3333'],
      ['"veto":false,"confidence"', '"veto":true,"confidence"'],
    ] as const) {
      const t = [...ls];
      assert.ok(t[at - 1]!.includes(from), from);
      t[at - 1] = t[at - 1]!.replace(from, to);
      assert.throws(
        () => parseEpisode(`${t.join('\n')}\n`, 'tampered'),
        (e: unknown) =>
          e instanceof RecordError && e.code === 'RECORD_CORRUPT' && e.message.includes(`tampered:${at}`),
        `${from} → ${to}`,
      );
    }
  });

  test('a score line must be well formed and come after the footer', async () => {
    const path = await recorded();
    appendScore(path, commitment());
    const ls = lines(path);
    const score = ls.pop()!;
    const footer = ls.pop()!;
    assert.throws(
      () => parseEpisode(`${[...ls, score, footer].join('\n')}\n`, 'early'),
      (e: unknown) => e instanceof RecordError && /before the footer/.test(e.message),
    );
    const floaty = score.replace('"reward":650000', '"reward":0.65');
    assert.throws(
      () => parseEpisode(`${[...ls, footer, floaty].join('\n')}\n`, 'floaty'),
      (e: unknown) => e instanceof RecordError && /invalid score line: \$\.reward/.test(e.message),
    );
    assert.throws(
      () => appendScore(path, commitment({ confidence: 2_000_000 })),
      /between 0 and 10⁶/,
      'the writer validates too',
    );
  });

  test('a score line from a newer Palestra says to upgrade, instead of calling the file corrupt', async () => {
    const path = await recorded();
    appendScore(path, commitment());
    const ls = lines(path);
    ls[ls.length - 1] = ls[ls.length - 1]!.replace('"v":1', '"v":2');
    assert.throws(
      () => parseEpisode(`${ls.join('\n')}\n`, 'future'),
      (e: unknown) => e instanceof RecordError && e.code === 'RECORD_VERSION' && /upgrade/.test(e.hint ?? ''),
    );
  });

  test('an unfinished episode cannot be scored', async () => {
    const path = await recorded(false);
    assert.throws(
      () => appendScore(path, commitment()),
      (e: unknown) => e instanceof RecordError && e.code === 'EPISODE_INCOMPLETE',
    );
  });

  test('a score line torn by a crash is ignored by the reader and dropped by the next append', async () => {
    const path = await recorded();
    const clean = readFileSync(path, 'utf8');
    appendScore(path, commitment());
    const full = readFileSync(path, 'utf8');
    writeFileSync(path, full.slice(0, full.length - 30));
    assert.deepEqual(readEpisode(path).scores, []);
    appendScore(path, commitment());
    assert.equal(readFileSync(path, 'utf8'), full);
    assert.ok(full.startsWith(clean));
  });

  test('golden episodes (unscored, older than score lines) still read', () => {
    const ep = readEpisode(goldenFiles(join(CATALOG_DIR, 'frozen-lake'))[0]!);
    assert.ok(ep.complete);
    assert.deepEqual(ep.scores, []);
  });
});
