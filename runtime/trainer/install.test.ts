import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readUse, repoRoot } from '../src/python/ensurePythonEnv.ts';
import { pythonUses } from '../src/python/uses.ts';
import { ensureTrainerVenv } from './install.ts';

test('PALESTRA_TRAINER_PYTHON replaces the venv: returned as given, nothing installed', async () => {
  const saved = process.env.PALESTRA_TRAINER_PYTHON;
  process.env.PALESTRA_TRAINER_PYTHON = '/opt/gpu/bin/python';
  try {
    assert.equal(
      await ensureTrainerVenv({ log: () => assert.fail('nothing to log') }),
      '/opt/gpu/bin/python',
    );
  } finally {
    if (saved === undefined) delete process.env.PALESTRA_TRAINER_PYTHON;
    else process.env.PALESTRA_TRAINER_PYTHON = saved;
  }
});

test("the trainer's stamp covers its lock and its pyproject.toml (the editable package's metadata)", () => {
  const root = mkdtempSync(join(tmpdir(), 'palestra-trainer-'));
  mkdirSync(join(root, 'runtime/trainer'), { recursive: true });
  for (const file of ['runtime/trainer/requirements.lock', 'runtime/trainer/pyproject.toml'])
    cpSync(join(repoRoot, file), join(root, file));
  const before = readUse(pythonUses.trainer, root).hash;
  assert.equal(readUse(pythonUses.trainer, repoRoot).hash, before);
  writeFileSync(join(root, 'runtime/trainer/pyproject.toml'), '[project]\nname = "palestra-trainer"\n');
  assert.notEqual(readUse(pythonUses.trainer, root).hash, before);
});

test("the trainer's use installs no TRL: its tests run without the reference library", () => {
  const { locks } = readUse(pythonUses.trainer, repoRoot);
  const names = new Set(locks.flatMap((l) => l.pins.map((p) => p.name)));
  assert.ok(names.has('torch') && names.has('pytest'));
  assert.equal(names.has('trl'), false);
});
