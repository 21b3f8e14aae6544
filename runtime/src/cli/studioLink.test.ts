// A real studio on port 0 in a temporary folder, a real rollout into its runs folder, then the CLI's
// loopback registration: the run is listed without a restart; a wrong token, a folder outside the
// runs folder and no studio at all are each told apart, and none of them throws.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Studio } from '@palestra/studio/server';
import { rollout } from '../jobs/rollout.ts';
import { registerRunWithStudio } from './studioLink.ts';

let studio: Studio;
let cwd: string;
let runsDir: string;

before(async () => {
  // As the studio's own tests do: set before anything loads React (the studio's build may).
  process.env.NODE_ENV ??= 'production';
  const { startStudio } = await import('@palestra/studio/server');
  cwd = mkdtempSync(join(tmpdir(), 'palestra-studio-link-'));
  runsDir = join(cwd, '.palestra', 'runs');
  studio = await startStudio({
    port: 0,
    dir: join(cwd, '.palestra', 'studio'),
    runsDir,
    storeDir: join(cwd, '.palestra', 'store'),
    databaseUrl: '',
    log: () => {},
  });
});

after(async () => {
  await studio?.close();
  rmSync(cwd, { recursive: true, force: true });
});

test('a rollout written while the studio runs is listed once registered, without a restart', async () => {
  const out = join(runsDir, 'lake');
  await rollout({ env: 'frozen-lake', agent: 'random', episodes: 4, group: 2, out, seed: 3 });
  const folderRuns = async () =>
    (await studio.context.repo.listRuns()).filter((r) => r.folder.endsWith('lake'));
  assert.equal((await folderRuns()).length, 0, 'not indexed before it is registered');

  const result = await registerRunWithStudio(out, { cwd });
  assert.equal(result.registered, true, JSON.stringify(result));
  const runs = await folderRuns();
  assert.equal(runs.length, 1);
  assert.equal(runs[0]?.kind, 'rollout');
  assert.match(runs[0]?.envRoot ?? '', /^0x[0-9a-f]{64}$/i);
  assert.equal(runs[0]?.summary?.episodes, 4);
  // Again (a resumed rollout): still one row.
  assert.equal((await registerRunWithStudio(out, { cwd })).registered, true);
  assert.equal((await folderRuns()).length, 1);
});

test('the studio refuses a wrong token (401), and a folder outside its runs folder or with no episodes (400)', async () => {
  const other = mkdtempSync(join(tmpdir(), 'palestra-studio-link-token-'));
  try {
    mkdirSync(join(other, '.palestra', 'studio'), { recursive: true });
    writeFileSync(
      join(other, '.palestra', 'studio', 'server.json'),
      JSON.stringify({ pid: process.pid, port: studio.port, token: 'not-the-token' }),
    );
    const wrong = await registerRunWithStudio(join(runsDir, 'lake'), { cwd: other });
    assert.deepEqual(
      { registered: wrong.registered, running: !wrong.registered && wrong.running },
      { registered: false, running: true },
    );
    assert.match(!wrong.registered ? wrong.reason : '', /401/);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }

  const outside = await registerRunWithStudio(tmpdir(), { cwd });
  assert.match(!outside.registered ? outside.reason : '', /400.*not a folder under the studio's runs folder/);
  mkdirSync(join(runsDir, 'empty'), { recursive: true });
  const empty = await registerRunWithStudio(join(runsDir, 'empty'), { cwd });
  assert.match(!empty.registered ? empty.reason : '', /400.*no episode file/);
  assert.equal((await studio.context.repo.listRuns()).filter((r) => r.folder.endsWith('empty')).length, 0);

  const noToken = await fetch(new URL('/api/runs', studio.url), {
    method: 'POST',
    body: JSON.stringify({ folder: join(runsDir, 'lake') }),
  });
  assert.equal(noToken.status, 401);
  assert.equal(((await noToken.json()) as { code: string }).code, 'STUDIO_UNAUTHORIZED');
});

test('no server.json, or one whose process is gone, is "not running" and no error', async () => {
  const none = mkdtempSync(join(tmpdir(), 'palestra-studio-link-none-'));
  try {
    assert.deepEqual(await registerRunWithStudio('.palestra/runs/x', { cwd: none }), {
      registered: false,
      running: false,
      reason: 'not running',
    });
    const { pid } = spawnSync(process.execPath, ['-e', '']);
    mkdirSync(join(none, '.palestra', 'studio'), { recursive: true });
    writeFileSync(
      join(none, '.palestra', 'studio', 'server.json'),
      JSON.stringify({ pid, port: studio.port, token: studio.token }),
    );
    const stale = await registerRunWithStudio('.palestra/runs/x', { cwd: none });
    assert.equal(!stale.registered && stale.reason, 'not running');
  } finally {
    rmSync(none, { recursive: true, force: true });
  }
});
