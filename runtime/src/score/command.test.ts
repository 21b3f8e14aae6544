import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { goldenFiles, readEpisode } from '@palestra/envs';
import { CATALOG_DIR } from '@palestra/envs/catalog';

const bin = new URL('../../bin/palestra.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'palestra-score-cli-'));

function palestra(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('palestra score commits, keeps its summary, and --verify fails (exit 1) on a changed score line', () => {
  const files = goldenFiles(join(CATALOG_DIR, 'frozen-lake')).map((g, i) => {
    const f = join(dir, `episode-${i}.jsonl`);
    copyFileSync(g, f);
    return f;
  });
  const scored = palestra('score', ...files);
  assert.equal(scored.code, 0, scored.err);
  assert.match(scored.out, /episodes │ mean/);
  assert.match(scored.out, new RegExp(`${files.length}/${files.length} scores committed in their episodes`));
  assert.ok(files.every((f) => readEpisode(f).scores!.length === 1));

  const verified = palestra('score', '--verify', ...files);
  assert.equal(verified.code, 0, verified.out + verified.err);
  assert.match(verified.out, new RegExp(`${files.length}/${files.length} committed scores re-derived`));

  const lines = readFileSync(files[0]!, 'utf8').trimEnd().split('\n');
  lines[lines.length - 1] = lines[lines.length - 1]!.replace('"rationale":"', '"rationale":"great! ');
  writeFileSync(files[0]!, `${lines.join('\n')}\n`);
  const tampered = palestra('score', '--verify', ...files);
  assert.equal(tampered.code, 1);
  assert.match(tampered.out, /NO: RECORD_CORRUPT: .*episode-0\.jsonl:\d+: score 1: hash does not match/);
});
