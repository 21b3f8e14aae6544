// The page's quick check: run once per content root, then served from its JSON file. A real
// catalog environment through environmentSource and a real store in a temp folder.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { envSource } from '@palestra/envs/core';
import { HANG_FILES, HANG_SPEC } from '@palestra/testing/envs';
import { checkInWorker, checkReport, checkSummary, checksDir, stopChecks } from './checkStatus.ts';
import type { StudioContext } from './context.ts';
import { environmentSource, type LoadedEnvironment } from './environmentSource.ts';

let tmp: string;
let studio: StudioContext;
let env: LoadedEnvironment;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'palestra-checkstatus-'));
  // Catalog environments need only the store (the database is for studio environments).
  studio = { storeDir: join(tmp, 'store') } as StudioContext;
  const loaded = await environmentSource(studio, 'tally');
  assert.ok(loaded);
  env = loaded;
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('the quick check runs once per root and is served from its file afterwards', async () => {
  const report = await checkReport(studio, env);
  assert.equal(report.ok, true);
  assert.equal(report.env, `${env.spec.name}@${env.spec.version}`);
  // Quick: no second process; the cross-host check says it was turned off.
  assert.equal(report.stats.crossHostEpisodes, 0);
  assert.equal(report.findings.find((f) => f.check === 'cross-host')?.level, 'warning');

  const file = join(checksDir(studio), `${env.root}.json`);
  assert.equal(file, join(tmp, 'studio', 'checks', `${env.root}.json`));
  const written = await stat(file);
  assert.deepEqual(await checkReport(studio, env), report);
  assert.equal((await stat(file)).mtimeMs, written.mtimeMs, 'the second call rewrote the file');

  // What the file says is what is served: edit it and the next call shows the edit (no re-run).
  const body = JSON.parse(await readFile(file, 'utf8'));
  body.report.env = 'read from the cache';
  await writeFile(file, JSON.stringify(body));
  assert.equal((await checkReport(studio, env)).env, 'read from the cache');
});

test('a cache file that is not a report is checked again and replaced', async () => {
  const file = join(checksDir(studio), `${env.root}.json`);
  await writeFile(file, JSON.stringify({ version: 1, root: env.root, report: { env: 3 } }));
  const report = await checkReport(studio, env);
  assert.equal(report.env, `${env.spec.name}@${env.spec.version}`);
  assert.equal(JSON.parse(await readFile(file, 'utf8')).report.env, report.env);
});

test('a root that is not 64 hex digits never becomes a file name', async () => {
  await assert.rejects(checkReport(studio, { ...env, root: '../../escape' }), { code: 'BAD_ROOT' });
});

test('the summary counts errors and warnings', () => {
  const f = (level: 'error' | 'warning' | 'ok') => ({ level, check: 'x', message: 'm', ran: true });
  assert.deepEqual(checkSummary({ findings: [f('ok'), f('warning'), f('warning')] }), {
    ok: true,
    failed: 0,
    warnings: 2,
  });
  assert.deepEqual(checkSummary({ findings: [f('error'), f('ok')] }), { ok: false, failed: 1, warnings: 0 });
});

test('hostile code that hangs in native code is ended by the budget; the server thread keeps running', async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 50);
  const t0 = performance.now();
  try {
    await assert.rejects(checkInWorker(envSource(HANG_SPEC, HANG_FILES), 3000), { code: 'CHECK_TIMEOUT' });
  } finally {
    clearInterval(timer);
  }
  const ms = performance.now() - t0;
  assert.ok(ms < 6000, `ended after ${ms.toFixed(0)} ms`);
  // This thread ran all along: about one tick per 50 ms of the wait.
  assert.ok(ticks >= (ms / 50) * 0.5, `${ticks} ticks in ${ms.toFixed(0)} ms`);
});

test('stopChecks ends the running check thread and drops the queued one, both with STUDIO_CLOSED', async () => {
  const running = checkInWorker(envSource(HANG_SPEC, HANG_FILES), 60_000);
  const queued = checkInWorker(envSource(HANG_SPEC, HANG_FILES), 60_000);
  const t0 = performance.now();
  // Once the thread is stuck in the hang (it loads the checker first).
  await new Promise((r) => setTimeout(r, 1500));
  await stopChecks();
  await assert.rejects(running, { code: 'STUDIO_CLOSED' });
  await assert.rejects(queued, { code: 'STUDIO_CLOSED' });
  const ms = performance.now() - t0;
  assert.ok(ms < 5000, `stopped after ${ms.toFixed(0)} ms`);
});
