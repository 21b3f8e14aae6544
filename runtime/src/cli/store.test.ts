// Environments are found by content: an episode replays from the content store after the folder
// that played it is gone, and an environment that is not the recorded one is refused unless named.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CATALOG_DIR } from '@palestra/envs/catalog';

const bin = new URL('../../bin/palestra.js', import.meta.url).pathname;

/** `palestra …` in `cwd` (its content store is `cwd/.palestra/store`). */
function palestra(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** frozen-lake copied to `dir/name` under another name, so no catalog name can stand in for it. */
function copyLake(dir: string, name: string): string {
  const folder = join(dir, name);
  cpSync(join(CATALOG_DIR, 'frozen-lake'), folder, { recursive: true });
  rmSync(join(folder, 'golden'), { recursive: true, force: true });
  const spec = JSON.parse(readFileSync(join(folder, 'spec.json'), 'utf8'));
  writeFileSync(join(folder, 'spec.json'), JSON.stringify({ ...spec, name }, null, 2));
  return folder;
}

test('an episode of a deleted folder still replays and verifies, from the content store', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'palestra-store-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const folder = copyLake(dir, 'lake-copy');
  const run = palestra(
    dir,
    'run',
    folder,
    '--agent',
    'random',
    '--episodes',
    '2',
    '--seed',
    '3',
    '--out',
    'runs/copy',
  );
  assert.equal(run.code, 0, run.out + run.err);
  const stored = readdirSync(join(dir, '.palestra', 'store')).filter((f) => f.startsWith('0x'));
  assert.equal(stored.length, 1, 'the run filed its bundle in the store');
  rmSync(folder, { recursive: true });
  assert.ok(!existsSync(folder));

  const replay = palestra(dir, 'replay', 'runs/copy/episode-000000.jsonl');
  assert.equal(replay.code, 0, replay.out + replay.err);
  assert.match(replay.out, /✔ verified: \d+ steps? re-executed bit for bit/);
  assert.doesNotMatch(replay.out, /changed/);
});

test('without the recorded bundle, replay refuses by name and replays a named environment explicitly', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'palestra-store-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const folder = copyLake(dir, 'lake-copy');
  assert.equal(palestra(dir, 'run', folder, '--episodes', '1', '--seed', '3', '--out', 'runs/copy').code, 0);
  // Another working directory has another (empty) store: nothing there has the episode's root.
  const elsewhere = mkdtempSync(join(tmpdir(), 'palestra-store-cli-'));
  t.after(() => rmSync(elsewhere, { recursive: true, force: true }));
  const file = join(dir, 'runs', 'copy', 'episode-000000.jsonl');
  const refused = palestra(elsewhere, 'replay', file);
  assert.equal(refused.code, 1, refused.out + refused.err);
  assert.match(refused.err, /^✖ ENV_NOT_FOUND: /m);
  assert.match(refused.err, /--env/);

  // The same content under another name replays (the root is the same); another content is replayed
  // only when named, and said to be another environment.
  const renamed = copyLake(elsewhere, 'lake-copy');
  const named = palestra(elsewhere, 'replay', file, '--env', renamed);
  assert.equal(named.code, 0, named.out + named.err);
  assert.doesNotMatch(named.out, /is not the environment that recorded/);
  const plain = palestra(elsewhere, 'replay', file, '--env', 'frozen-lake');
  assert.match(plain.out + plain.err, /is not the environment that recorded this episode|REPLAY_DIVERGED/);
});
