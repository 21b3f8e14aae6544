import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadCatalog } from '@palestra/envs/catalog';
import { type EnvSource, envSource } from '@palestra/envs/core';
import { checkEnv } from '@palestra/envs/node';
import { DOOR_SPEC, HANG_FILES, HANG_SPEC } from '@palestra/testing/envs';
import { buildEnvWorker, CHECK_WORKER_URL, QUICKJS_WASM_URL } from '../../server/buildWorker.ts';
import { problemsOf } from '../problems/problemsOf.ts';
import { type CheckWorkerLike, CheckWorkerRunner, type FullCheckOutcome } from './checkWorkerRunner.ts';
import { CROSS_HOST_SKIPPED, type LiveCheck, LiveChecker } from './liveChecker.ts';
import { LIVE_CHECK_OPTIONS } from './serveCheckWorker.ts';

/**
 * The check worker as the studio builds it (`/check-worker.js`, the same esbuild bundle), run in a
 * Node worker thread. The bundle expects a Web Worker's global scope; the only stand-in is the
 * few lines below that give the thread `postMessage` and `addEventListener('message')` on top of
 * Node's port. QuickJS is handed over as bytes, as a page hands over the URL of `/quickjs.wasm`.
 * What this does not cover: a real browser's Worker and fetch of the WebAssembly (the page's
 * e2e test, which uses the hook).
 */
const SCOPE = `
const { parentPort, workerData } = require('node:worker_threads');
globalThis.postMessage = (message) => parentPort.postMessage(message);
globalThis.addEventListener = (type, listener) => {
  if (type === 'message') parentPort.on('message', (data) => listener({ data }));
};
import(workerData.url);
`;

let dir: string;
let wasm: Uint8Array;
const runners: CheckWorkerRunner[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'palestra-check-worker-'));
  await buildEnvWorker(dir);
  wasm = new Uint8Array(await readFile(join(dir, QUICKJS_WASM_URL.slice(1))));
});
after(async () => {
  for (const r of runners) r.close();
  await rm(dir, { recursive: true, force: true });
});

/** A Node worker thread running the bundle at `file`, shaped as the runner wants a Web Worker. */
function threadWorker(file: string): CheckWorkerLike {
  const worker = new Worker(SCOPE, { eval: true, workerData: { url: pathToFileURL(file).href } });
  const on = (type: 'message' | 'error', listener: (event: never) => void) => {
    if (type === 'message') worker.on('message', (data) => listener({ data } as never));
    else worker.on('error', (e: Error) => listener({ message: e.message } as never));
  };
  return {
    postMessage: (message) => worker.postMessage(message),
    addEventListener: on as CheckWorkerLike['addEventListener'],
    terminate: () => void worker.terminate(),
  };
}

/** A runner on the built bundle, closed after the tests. */
function runner(options: { file?: string } = {}) {
  let started = 0;
  const r = new CheckWorkerRunner({
    createWorker: () => {
      started++;
      return threadWorker(options.file ?? join(dir, CHECK_WORKER_URL.slice(1)));
    },
    wasm,
  });
  runners.push(r);
  return { r, started: () => started };
}

function report(outcome: FullCheckOutcome) {
  assert.equal(outcome.kind, 'report', JSON.stringify(outcome));
  return (outcome as Extract<FullCheckOutcome, { kind: 'report' }>).report;
}

test('the bundled worker checks an environment with code as the checker does in Node', async () => {
  // frozen-lake-js: its dynamics are a code module, so QuickJS runs in the worker.
  const source = loadCatalog('frozen-lake-js');
  const { r, started } = runner();
  const live = report(await r.check(source));
  const here = await checkEnv(source, LIVE_CHECK_OPTIONS);
  assert.deepEqual(problemsOf(live), problemsOf(here));
  assert.equal(live.env, here.env);
  const crossHost = live.findings.find((f) => f.check === 'cross-host');
  assert.equal(crossHost?.level, 'warning');
  assert.match(crossHost!.message, /not run in the browser/);
  // The worker is kept for the next check.
  report(await r.check(loadCatalog('tally')));
  assert.equal(started(), 1);
});

test('a newer check supersedes a running one; a check that hangs is stopped at its time limit', async () => {
  const { r, started } = runner();
  const first = r.check(loadCatalog('refund-desk'));
  const second = r.check(loadCatalog('tally'));
  assert.deepEqual(await first, { kind: 'superseded' });
  assert.match(report(await second).env, /^tally@/);
  assert.equal(started(), 2, 'the superseded check’s worker was replaced');

  // Environment code that loops in QuickJS's native code (no interrupt reaches it): only
  // terminating the worker ends the check, and the next check gets a fresh worker.
  const hung = runner();
  const outcome = await hung.r.check(envSource(HANG_SPEC, HANG_FILES), 2000);
  assert.equal(outcome.kind, 'timeout', JSON.stringify(outcome).slice(0, 300));
  assert.ok((outcome as { ms: number }).ms >= 2000);
  // Under the default limit: a fresh worker on a busy machine may take seconds to start.
  assert.match(report(await hung.r.check(loadCatalog('tally'))).env, /^tally@/);
  assert.equal(hung.started(), 2);
});

test('a worker whose script fails says so, as a failure and not a pass', async () => {
  const { r } = runner({ file: join(dir, 'no-such-worker.js') });
  const outcome = await r.check(loadCatalog('tally'));
  assert.equal(outcome.kind, 'failed');
  assert.equal((outcome as { code: string }).code, 'CHECK_WORKER_FAILED');
});

/** The results a live checker reports, and a promise of the first one that `done` accepts. */
function collect(full?: CheckWorkerRunner) {
  const results: LiveCheck[] = [];
  const waiters: { done: (c: LiveCheck) => boolean; resolve: () => void }[] = [];
  const checker = new LiveChecker({
    debounceMs: 5,
    ...(full && { full }),
    onResult: (c) => {
      results.push(c);
      for (const w of waiters) if (w.done(c)) w.resolve();
    },
  });
  const until = (done: (c: LiveCheck) => boolean) =>
    new Promise<void>((resolve) => waiters.push({ done, resolve }));
  return { checker, results, until };
}

const sourceOf = (s: EnvSource) => ({ spec: s.spec as unknown, files: s.files, docProblems: [] });

test('the live checker: pending at once, the parse, then the full check of the latest version only', async () => {
  const { r } = runner();
  const { checker, results, until } = collect(r);
  const full = until((c) => c.state === 'done' && c.checked === 'full');
  checker.update(sourceOf(loadCatalog('refund-desk')));
  checker.update(sourceOf(loadCatalog('tally')));
  // The same content again (a re-render) is no new version.
  checker.update(sourceOf(loadCatalog('tally')));
  await full;
  assert.deepEqual(
    results.map((c) => (c.state === 'done' ? `${c.state} ${c.checked}` : c.state)),
    ['pending', 'pending', 'done parse', 'done full'],
  );
  const last = results.at(-1) as Extract<LiveCheck, { state: 'done' }>;
  // Tally's findings (refund-desk's would include its unused exports), but for the checker's note
  // that the live check skipped the cross-host replay, which the page does not list.
  const direct = await checkEnv(loadCatalog('tally'), LIVE_CHECK_OPTIONS);
  assert.ok(direct.findings.some((f) => f.check === 'cross-host' && f.message.includes(CROSS_HOST_SKIPPED)));
  assert.deepEqual(
    last.problems.map((p) => p.check),
    problemsOf(direct)
      .map((p) => p.check)
      .filter((check) => check !== 'cross-host'),
  );
  assert.ok(last.ms > 0);

  // The checker's findings come placed on their states: the door's dead end.
  const door = collect(r);
  const doorFull = door.until((c) => c.state === 'done' && c.checked === 'full');
  door.checker.update({ spec: DOOR_SPEC, files: {}, docProblems: [] });
  await doorFull;
  const found = door.results.at(-1) as Extract<LiveCheck, { state: 'done' }>;
  const deadEnd = found.problems.find((p) => p.code === 'DEAD_END');
  assert.deepEqual(deadEnd?.states, ['stuck']);
  assert.equal(deadEnd?.level, 'error');
  door.checker.close();

  // An invalid spec stops at the parse; a change after close is not checked.
  const broken = collect(r);
  const parsed = broken.until((c) => c.state === 'done');
  broken.checker.update({ spec: { specVersion: 1 }, files: {}, docProblems: [] });
  await parsed;
  const done = broken.results.at(-1) as Extract<LiveCheck, { state: 'done' }>;
  assert.equal(done.checked, 'parse');
  assert.ok(done.problems.length > 0 && done.problems.every((p) => p.level === 'error'));
  broken.checker.close();
  broken.checker.update(sourceOf(loadCatalog('tally')));
  assert.equal(broken.results.length, 2);
});
