// How `palestra verify` reads its argument: a folder is a run (even one named like a job id), a
// number that names no folder is a job id, --job alone is the job, and what is neither is refused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { verifyTarget } from './verifyTarget.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-verify-args-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const folders = new Set(['runs/echo', '1']);
const folder = (p: string) => folders.has(p);

test('a folder is a run, with or without --job', () => {
  assert.deepEqual(verifyTarget('runs/echo', {}, folder), { kind: 'run', run: 'runs/echo' });
  assert.deepEqual(verifyTarget('runs/echo', { job: 3n }, folder), {
    kind: 'run',
    run: 'runs/echo',
    jobId: 3n,
  });
});

test('a job id names a job, its run found under --runs; --job alone is the same', () => {
  assert.deepEqual(verifyTarget('12', {}, folder), { kind: 'job', jobId: 12n });
  assert.deepEqual(verifyTarget('12', { runs: 'runs' }, folder), {
    kind: 'job',
    jobId: 12n,
    runsDir: 'runs',
  });
  assert.deepEqual(verifyTarget('12', { job: 12n }, folder), { kind: 'job', jobId: 12n });
  assert.deepEqual(verifyTarget(undefined, { job: 5n }, folder), { kind: 'job', jobId: 5n });
});

test('a folder named like a job id stays the folder, with a note saying how to mean the job', () => {
  const t = verifyTarget('1', {}, folder);
  assert.equal(t.kind, 'run');
  assert.match((t as { note?: string }).note ?? '', /palestra verify --job 1/);
  // With --job given the user said which job: no note.
  assert.equal((verifyTarget('1', { job: 1n }, folder) as { note?: string }).note, undefined);
});

test('refused, naming the argument: neither a folder nor a job id, two jobs, --runs with a run, nothing', () => {
  const refused = (f: () => unknown, pattern: RegExp) =>
    assert.throws(f, (e: Error & { code?: string }) => {
      assert.equal(e.code, 'VERIFY_TARGET_INVALID');
      assert.match(e.message, pattern);
      return true;
    });
  refused(() => verifyTarget('runs/none', {}, folder), /runs\/none is neither a run folder nor a job id/);
  refused(() => verifyTarget('0', {}, folder), /0 is neither/);
  refused(() => verifyTarget('0x1', {}, folder), /0x1 is neither/);
  refused(() => verifyTarget('12', { job: 13n }, folder), /job 12 and --job 13 name two jobs/);
  refused(() => verifyTarget('runs/echo', { runs: 'runs' }, folder), /--runs goes with a job id/);
  refused(() => verifyTarget(undefined, {}, folder), /give a run folder or a job id/);
});

test('the real file system decides what is a folder; the CLI prints the refusal and exits 1', () => {
  mkdirSync(join(dir, '7'));
  assert.equal(verifyTarget(join(dir, '7'), {}).kind, 'run');
  assert.equal(verifyTarget('7', {}).kind, 'job'); // no folder 7 in the working directory
  const bin = new URL('../../bin/palestra.js', import.meta.url).pathname;
  const r = spawnSync(process.execPath, [bin, 'verify', join(dir, 'nothing-here')], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /VERIFY_TARGET_INVALID/);
  assert.match(r.stderr, /nothing-here is neither a run folder nor a job id/);
  // A job id with no chain to read it from: every layer fails, none passes, exit 1.
  const job = spawnSync(process.execPath, [bin, 'verify', '5', '--chain-dir', join(dir, 'no-chain')], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  assert.equal(job.status, 1, job.stderr);
  assert.match(job.stdout, /│ job\s*│ FAILED\s*│ job 5\s*│ VERIFY_CHAIN_UNREADABLE: no chain\.json in /);
  for (const layer of ['submission', 'records', 'replay', 'scores', 'leaves', 'proof', 'chain'])
    assert.match(job.stdout, new RegExp(`│ ${layer}\\s*│ FAILED`));
  assert.doesNotMatch(job.stdout, /│ ok|✔/);
  assert.match(job.stdout, /✘ job 5: job: VERIFY_CHAIN_UNREADABLE/);
});
