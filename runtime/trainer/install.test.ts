import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkPython, lockHash, TrainerInstallError } from './install.ts';

test('the stamp hash covers the lock files and is stable', () => {
  const a = lockHash();
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.equal(lockHash(), a);
});

test('a Python older than 3.11 is refused with what to install', () => {
  const dir = mkdtempSync(join(tmpdir(), 'palestra-python-'));
  const fake = join(dir, 'python3');
  writeFileSync(fake, '#!/bin/sh\necho 3.9\n');
  chmodSync(fake, 0o755);
  assert.throws(
    () => checkPython(fake),
    (err: unknown) =>
      err instanceof TrainerInstallError && /is 3\.9/.test(err.message) && /python3-venv/.test(err.message),
  );
});

test('a missing interpreter is refused with what to install', () => {
  assert.throws(
    () => checkPython('/nonexistent/python3'),
    (err: unknown) => err instanceof TrainerInstallError && /PALESTRA_PYTHON/.test(err.message),
  );
});

test('the machine python3 passes the check', () => {
  assert.equal(checkPython('python3'), 'python3');
});
