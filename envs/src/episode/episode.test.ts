import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CATALOG_DIR, catalogNames, loadCatalog } from '../../catalog/index.ts';
import { RecordError, ReplayDivergence } from '../errors.ts';
import { makeEnv } from '../kernel/env.ts';
import type { Action } from '../kernel/types.ts';
import { goldenFiles } from './golden.ts';
import { parseEpisode } from './parseEpisode.ts';
import { readEpisode } from './reader.ts';
import { replay } from './replay.ts';
import { EpisodeWriter } from './writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-episode-'));
const lake = loadCatalog('frozen-lake');
const moves: Action[] = ['down', 'down', 'right', 'right', 'down', 'right', 'up', 'left'].map((d) => ({
  tool: 'move',
  arguments: { direction: d },
}));

async function record(path: string, seed: number, actions: Action[], finish = true): Promise<void> {
  const env = await makeEnv(lake);
  const w = new EpisodeWriter(path, { spec: lake.spec, seed, agent: 'test' }, env.reset({ seed }));
  for (const a of actions) {
    const r = env.step(a);
    w.step(a, r);
    if (r.terminated || r.truncated) break;
  }
  if (finish) w.close();
}

describe('episode records', () => {
  test('write → read verifies the chain; footer return is the exact micro-unit sum', async () => {
    const path = join(dir, 'a.jsonl');
    await record(path, 11, [...moves, ...moves, ...moves]);
    const ep = readEpisode(path);
    assert.ok(ep.steps.length > 0);
    if (ep.complete)
      assert.equal(
        ep.footer!.return,
        ep.steps.reduce((s, x) => s + x.reward, 0),
      );
    assert.ok(ep.steps.every((s, i) => s.i === i + 1 && /^[0-9a-f]{64}$/.test(s.hash)));
  });

  test('a file cut mid-line is truncated (steps kept), not corrupt', async () => {
    const path = join(dir, 'b.jsonl');
    await record(path, 5, moves.slice(0, 1).concat(moves.slice(0, 1)), false);
    const text = readFileSync(path, 'utf8');
    const cut = text.slice(0, text.length - 20);
    const ep = parseEpisode(cut, 'cut');
    assert.equal(ep.complete, false);
    assert.equal(ep.steps.length, text.trimEnd().split('\n').length - 2);
    const noFooter = parseEpisode(text, 'nofooter');
    assert.equal(noFooter.complete, false);
  });

  test('a changed byte is corruption, with the line number', async () => {
    const path = join(dir, 'c.jsonl');
    await record(path, 7, moves);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"reward":0', '"reward":1000000');
    assert.throws(
      () => parseEpisode(lines.join('\n'), 'tampered'),
      (e: unknown) => e instanceof RecordError && e.code === 'RECORD_CORRUPT' && /tampered:2/.test(e.message),
    );
    const dropped = readFileSync(path, 'utf8').split('\n');
    if (dropped.length > 4) {
      dropped.splice(2, 1);
      assert.throws(() => parseEpisode(dropped.join('\n'), 'dropped'), RecordError);
    }
  });

  test('replay reports the first divergence: step, field, expected, actual', async () => {
    const path = join(dir, 'd.jsonl');
    await record(path, 3, [...moves, ...moves]);
    const ep = readEpisode(path);
    const ok = await replay(lake, ep);
    assert.equal(ok.steps, ep.steps.length);
    const slipperier = structuredClone(lake.spec);
    slipperier.actions.slip!.assign!.dir = '(int(task.data.dirs[event.direction]) + rand(3) + 2) % 4';
    await assert.rejects(replay({ spec: slipperier, files: {} }, ep), (e: unknown) => {
      assert.ok(e instanceof ReplayDivergence);
      assert.ok(e.step >= 1);
      assert.ok(['observation', 'state', 'reward', 'terminated', 'event'].includes(e.field), e.field);
      return true;
    });
  });

  test('replay up to step k reproduces steps 1..k exactly', async () => {
    const path = join(dir, 'e.jsonl');
    await record(path, 21, [...moves, ...moves]);
    const ep = readEpisode(path);
    const k = Math.max(1, Math.floor(ep.steps.length / 2));
    const r = await replay(lake, ep, { upTo: k });
    assert.deepEqual(r.replayed, ep.steps.slice(0, k));
  });
});

describe('golden episodes of every catalog environment replay bit for bit', () => {
  for (const name of catalogNames()) {
    test(name, async () => {
      const files = goldenFiles(join(CATALOG_DIR, name));
      assert.ok(files.length >= 3, `${name} has no golden episodes: run npm run goldens -- ${name}`);
      const source = loadCatalog(name);
      for (const f of files) {
        const ep = readEpisode(f);
        assert.ok(ep.complete, `${f} is complete`);
        const r = await replay(source, ep);
        assert.equal(r.root, ep.footer!.root);
      }
    });
  }
});

test('golden files are untouched JSONL', () => {
  const text = readFileSync(goldenFiles(join(CATALOG_DIR, 'frozen-lake'))[0]!, 'utf8');
  writeFileSync(join(dir, 'copy.jsonl'), text);
  assert.equal(readEpisode(join(dir, 'copy.jsonl')).header.spec.name, 'frozen-lake');
});
