// `palestra check` runs the checker in a worker thread with a budget: an environment stuck in
// native code fails with CHECK_TIMEOUT by the CLI's rule for errors instead of hanging the CLI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { HANG_FILES, HANG_SPEC } from '@palestra/testing/envs';

const bin = new URL('../../bin/palestra.js', import.meta.url).pathname;

function palestra(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    // A check that is not ended by its budget must fail the test, not hang it.
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('check --timeout ends an environment that hangs in native code: CHECK_TIMEOUT, a hint, no stack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'palestra-check-hang-'));
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(HANG_SPEC));
  for (const [name, text] of Object.entries(HANG_FILES)) writeFileSync(join(dir, name), text);
  const t0 = performance.now();
  const r = palestra('check', dir, '--timeout', '2');
  const ms = performance.now() - t0;
  assert.equal(r.code, 1, r.out + r.err);
  // The budget plus the CLI's start-up (a few seconds on a busy machine), not the test's 60 s.
  assert.ok(ms < 10_000, `exited after ${ms.toFixed(0)} ms`);
  assert.match(r.err, /^✖ CHECK_TIMEOUT: the check did not finish in 2 s$/m);
  assert.match(r.err, /^ {2}→ .*--timeout <seconds>/m);
  assert.doesNotMatch(r.err, /^\s+at /m, 'no stack trace without --debug');
  assert.doesNotMatch(r.err, /this is a bug/);
});

test('a catalog environment still passes the check in its thread, cross-host replay included', () => {
  const r = palestra('check', 'tally', '--timeout', '60');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /passed: 0 errors/);
  assert.match(r.out, /replayed bit for bit/);
  assert.match(r.out, /bundle 0x[0-9a-f]{64}/);
});

test('--timeout takes a whole number of seconds ≥ 1', () => {
  const r = palestra('check', 'tally', '--timeout', '0');
  assert.notEqual(r.code, 0);
  assert.match(r.err, /--timeout must be an integer ≥ 1/);
});
