import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { readEpisode } from '@palestra/envs';
import { CATALOG_DIR } from '@palestra/envs/catalog';
import { TEST_CLI } from '@palestra/testing/runtime';

const cli = TEST_CLI;
const dir = mkdtempSync(join(tmpdir(), 'palestra-rollout-cli-'));
const env = { ...process.env, NO_COLOR: '1' };

function palestra(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { encoding: 'utf8', env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Resolves once `n` episode files exist in `out` (the run is under way), or after 20 s. */
async function underWay(out: string, n: number): Promise<void> {
  for (let i = 0; i < 4000; i++) {
    try {
      if (readdirSync(out).length >= n) return;
    } catch {
      // not created yet
    }
    await delay(5);
  }
}

test('palestra rollout writes groups of episodes, summary.json and a table', () => {
  const out = join(dir, 'lake');
  const r = palestra(
    'rollout',
    'frozen-lake',
    '--episodes',
    '12',
    '--group',
    '4',
    '--concurrency',
    '3',
    '--seed',
    '2',
    '--out',
    out,
  );
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /frozen-lake@1\.0\.0 │ random:2 │ 12\/12/);
  assert.match(r.out, /episodes\/s/);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.complete, 12);
  assert.equal(summary.groups, 3);
  assert.equal(summary.groupSize, 4);
  assert.ok(summary.throughput.turnsPerSecond > 0);
  assert.equal(readdirSync(out).filter((f) => /^episode-g\d{6}-m\d{2}\.jsonl$/.test(f)).length, 12);
  const again = palestra(
    'rollout',
    'frozen-lake',
    '--episodes',
    '12',
    '--group',
    '4',
    '--seed',
    '2',
    '--out',
    out,
  );
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /12\/12 \(12 resumed\)/);
});

test('Ctrl-C stops a rollout with valid files; the same command finishes it', async () => {
  const out = join(dir, 'sigint');
  const args = ['--import', 'tsx', cli, 'rollout', 'frozen-lake', '--episodes', '600', '--out', out];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await underWay(out, 10);
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 130, stdout);
  assert.match(stdout, /interrupted: \d+\/600 episodes complete/);
  const files = readdirSync(out).filter((f) => f.endsWith('.jsonl'));
  assert.ok(files.length < 600, 'stopped before the end');
  const complete = files.filter((f) => readEpisode(join(out, f)).complete).length; // none is broken
  const again = palestra('rollout', 'frozen-lake', '--episodes', '600', '--out', out);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, new RegExp(`600/600 \\(${complete} resumed\\)`));
});

test('killed outright (SIGKILL, no cleanup): the same command keeps what was complete and finishes the rest', async () => {
  const out = join(dir, 'sigkill');
  // Scoring is left out (--overseer none): what is on disk must be exactly what the first run wrote.
  const run = ['rollout', 'frozen-lake', '--episodes', '1200', '--concurrency', '8', '--overseer', 'none'];
  const args = ['--import', 'tsx', cli, ...run];
  const child = spawn(process.execPath, [...args, '--out', out], { env, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await underWay(out, 40);
  child.kill('SIGKILL');
  await exited;
  const before = new Map<string, Buffer>();
  for (const f of readdirSync(out).filter((x) => x.endsWith('.jsonl'))) {
    let complete = false;
    try {
      complete = readEpisode(join(out, f)).complete;
    } catch {
      // cut mid-line by the kill: the rerun plays it again
    }
    if (complete) before.set(f, readFileSync(join(out, f)));
  }
  assert.ok(before.size > 0 && before.size < 1200, `killed midway (${before.size} complete)`);

  const again = palestra(...run, '--out', out);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, new RegExp(`1200/1200 \\(${before.size} resumed\\)`));
  const files = readdirSync(out).filter((f) => f.endsWith('.jsonl'));
  assert.equal(files.length, 1200, 'one file per planned episode, no duplicate');
  for (const f of files) assert.equal(readEpisode(join(out, f)).complete, true, f);
  for (const [f, bytes] of before)
    assert.ok(readFileSync(join(out, f)).equals(bytes), `${f} was kept as it was`);
});

test('palestra rollout counts failed episodes apart, by fault, and exits 3', () => {
  // echo-target whose action module throws on "boom", played by a script that always says it.
  const envDir = join(dir, 'boom-env');
  mkdirSync(envDir, { recursive: true });
  const spec = JSON.parse(readFileSync(join(CATALOG_DIR, 'echo-target', 'spec.json'), 'utf8'));
  spec.actions.remember = { module: 'boom.js#remember' };
  writeFileSync(join(envDir, 'spec.json'), JSON.stringify(spec));
  writeFileSync(
    join(envDir, 'boom.js'),
    "export function remember({ event }) { if (event.word === 'boom') throw new Error('boom'); return { said: event.word }; }\n",
  );
  const script = join(dir, 'boom.json');
  writeFileSync(script, JSON.stringify([{ tool: 'echo', arguments: { word: 'boom' } }]));
  const out = join(dir, 'boom-run');
  const r = palestra('rollout', envDir, '--agent', `scripted:${script}`, '--episodes', '2', '--out', out);
  assert.equal(r.code, 3, r.out + r.err);
  assert.match(r.out, /0\/2 · 2 failed/);
  assert.match(
    r.out,
    /! 2 failed \(2 environment\), not in the means, e\.g\. .*EXCEPTION: .*boom.*\(environment fault\)/,
  );
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.complete, 0);
  assert.equal(summary.failed, 2);
  assert.deepEqual(summary.faults, { agent: 0, environment: 2 });
  assert.equal(summary.note, '2 failed (2 environment), not in the means');
});
