import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './ensurePythonEnv.ts';
import { pinConflicts, readLock } from './lockFile.ts';
import { PythonEnvError } from './pythonEnvError.ts';
import { pythonUses } from './uses.ts';

const HASH = `--hash=sha256:${'a'.repeat(64)}`;

function lockFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'palestra-lock-')), 'requirements.lock');
  writeFileSync(file, text);
  return file;
}

test("every use's lock reads as hash-locked pins", () => {
  for (const [name, use] of Object.entries(pythonUses)) {
    for (const file of use.locks) {
      const lock = readLock(join(repoRoot, file));
      assert.ok(lock.pins.length > 0, `${name}: ${file} pins nothing`);
    }
  }
  const trainer = readLock(join(repoRoot, 'runtime/trainer/requirements.lock'));
  assert.equal(trainer.pins.find((p) => p.name === 'torch')?.version, '2.15.0');
  assert.equal(trainer.pins.find((p) => p.name === 'typing-extensions')?.version, '4.16.0');
});

test('continuation lines, comments, extras and markers are read; names are normalized', () => {
  const lock = readLock(
    lockFile(
      `# header\nTyping_Extensions==4.16.0 \\\n    ${HASH}\n    # via x\npydantic[email]==2.1 ; python_version < "3.12" \\\n    ${HASH} \\\n    ${HASH}\n`,
    ),
  );
  assert.deepEqual(lock.pins, [
    { name: 'typing-extensions', version: '4.16.0', marker: '', line: 2 },
    { name: 'pydantic', version: '2.1', marker: 'python_version < "3.12"', line: 5 },
  ]);
});

test('an unpinned requirement is refused with its file, line and how to regenerate', () => {
  const file = lockFile(`numpy==2.4.6 \\\n    ${HASH}\ngymnasium\n`);
  assert.throws(
    () => readLock(file),
    (err: unknown) =>
      err instanceof PythonEnvError &&
      err.code === 'PYTHON_LOCK_INVALID' &&
      err.message.includes(`${file}:3`) &&
      /gymnasium/.test(err.message) &&
      /uv pip compile/.test(err.hint ?? ''),
  );
});

test('a pin without a hash is refused', () => {
  assert.throws(
    () => readLock(lockFile('numpy==2.4.6\n')),
    (err: unknown) =>
      err instanceof PythonEnvError && err.code === 'PYTHON_LOCK_INVALID' && /hash/.test(err.message),
  );
});

test('a missing lock file is its own error', () => {
  assert.throws(
    () => readLock('/nonexistent/requirements.lock'),
    (err: unknown) => err instanceof PythonEnvError && err.code === 'PYTHON_LOCK_MISSING',
  );
});

test('pinConflicts finds the packages two locks pin differently, and only those', () => {
  const a = readLock(lockFile(`numpy==2.4.6 \\\n    ${HASH}\ntorch==2.15.0 \\\n    ${HASH}\n`));
  const b = readLock(lockFile(`numpy==2.4.5 \\\n    ${HASH}\ntorch==2.15.0 \\\n    ${HASH}\n`));
  const conflicts = pinConflicts([
    { use: 'a', lock: a },
    { use: 'b', lock: b },
  ]);
  assert.deepEqual(
    conflicts.map((c) => [c.name, c.a.use, c.a.version, c.b.use, c.b.version]),
    [['numpy', 'a', '2.4.6', 'b', '2.4.5']],
  );
});
