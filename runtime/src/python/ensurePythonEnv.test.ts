/**
 * The helper against real uv and the real `bench` lock (Gymnasium + numpy, ~100 MB), in a
 * temporary environment folder: never the trainer's venv. The first build needs uv's cache or
 * PyPI (like every test that installs a venv here); the later syncs run with UV_OFFLINE=1, from
 * the cache the first one filled.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkPython } from './checkPython.ts';
import {
  ensurePythonEnv,
  pythonEnvStatus,
  readStamp,
  readUse,
  repoRoot,
  venvPaths,
} from './ensurePythonEnv.ts';
import { installedPackages } from './installedPackages.ts';
import { withInstallLock } from './installLock.ts';
import { pinConflicts } from './lockFile.ts';
import { PythonEnvError } from './pythonEnvError.ts';
import { type PythonUse, pythonUses } from './uses.ts';

const cli = join(repoRoot, 'runtime/src/python/cli.ts');
const benchLock = readFileSync(join(repoRoot, pythonUses.bench.locks[0]!), 'utf8');
const offline = { ...process.env, UV_OFFLINE: '1' };

/** A lock's text without one package's block (its pin line and the hash and comment lines under it). */
function without(lock: string, name: string): string {
  return lock
    .split(/(?=^[a-z])/m)
    .filter((block) => !block.startsWith(`${name}==`))
    .join('');
}

function rejectsWith(code: string, check: (err: PythonEnvError) => boolean = () => true) {
  return (err: unknown) => err instanceof PythonEnvError && err.code === code && check(err);
}

test('the uses of each venv pin every package they share at one version', () => {
  const byVenv = new Map<string, { use: string; lock: ReturnType<typeof readUse>['locks'][number] }[]>();
  for (const [name, use] of Object.entries(pythonUses)) {
    const list = byVenv.get(use.venv) ?? [];
    for (const lock of readUse(use, repoRoot).locks) list.push({ use: name, lock });
    byVenv.set(use.venv, list);
  }
  for (const [venv, locks] of byVenv) assert.deepEqual(pinConflicts(locks), [], `venv ${venv}`);
});

describe('building the bench use in a temporary folder', () => {
  let envDir: string;
  let root: string;
  const main = () => venvPaths(envDir, 'main');

  before(() => {
    envDir = mkdtempSync(join(tmpdir(), 'palestra-pyenv-'));
    root = mkdtempSync(join(tmpdir(), 'palestra-pyroot-'));
  });
  after(() => {
    rmSync(envDir, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  test('two processes asking at once: one builds, the other waits and reuses it', async () => {
    const results: Promise<{ code: number | null; stdout: string; stderr: string }>[] = [];
    // The test holds the install lock until both callers are waiting on it, so they really overlap.
    await withInstallLock(
      join(envDir, '.install.lock'),
      () => {},
      async () => {
        const children: ChildProcess[] = [];
        const waiting = [0, 1].map(
          () =>
            new Promise<void>((ready) => {
              const child = spawn(process.execPath, ['--import', 'tsx', cli, 'bench'], {
                cwd: repoRoot,
                env: { ...process.env, PALESTRA_PYTHON_ENV_DIR: envDir },
                stdio: ['ignore', 'pipe', 'pipe'],
              });
              children.push(child);
              let stdout = '';
              let stderr = '';
              child.stdout!.on('data', (d) => (stdout += d));
              child.stderr!.on('data', (d) => {
                stderr += d;
                if (stderr.includes('waiting for another install')) ready();
              });
              results.push(
                new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr }))),
              );
              child.on('close', () => ready()); // a caller that dies early fails the asserts below
            }),
        );
        await Promise.all(waiting);
        assert.equal(children.length, 2);
      },
    );
    const [a, b] = await Promise.all(results);
    for (const r of [a!, b!]) assert.equal(r.code, 0, r.stderr);
    assert.equal(a!.stdout.trim(), main().python);
    assert.equal(b!.stdout.trim(), main().python);
    const builds = [a!, b!].filter((r) => r.stderr.includes('bench ready in')).length;
    assert.equal(builds, 1, `${a!.stderr}\n----\n${b!.stderr}`);
    assert.equal(installedPackages(main().dir).get('gymnasium'), '1.4.0');
    assert.ok(existsSync(join(envDir, 'uv', 'bin', 'uv')));
  });

  test('a current stamp is a no-op: nothing logged, nothing run, the stamp untouched', async () => {
    const before = statSync(main().stamp).mtimeMs;
    const lines: string[] = [];
    const python = await ensurePythonEnv('bench', { envDir, log: (l) => lines.push(l), env: offline });
    assert.equal(python, main().python);
    assert.deepEqual(lines, []);
    assert.equal(statSync(main().stamp).mtimeMs, before);
    assert.equal(pythonEnvStatus('bench', { envDir }).state, 'current');
  });

  test("a changed lock re-syncs: the venv follows the lock's bytes, both ways", async () => {
    writeFileSync(join(root, 'bench.lock'), without(benchLock, 'farama-notifications'));
    const uses: Record<string, PythonUse> = { bench: { ...pythonUses.bench, locks: ['bench.lock'] } };
    const opts = { envDir, root, uses, env: offline, log: () => {} };
    await ensurePythonEnv('bench', opts);
    assert.equal(installedPackages(main().dir).has('farama-notifications'), false);
    const dropped = readStamp(main().stamp).uses.bench;

    writeFileSync(join(root, 'bench.lock'), benchLock);
    const lines: string[] = [];
    await ensurePythonEnv('bench', { ...opts, log: (l) => lines.push(l) });
    assert.equal(installedPackages(main().dir).get('farama-notifications'), '0.0.6');
    assert.ok(
      lines.some((l) => l.startsWith('bench ready in')),
      lines.join('\n'),
    );
    assert.notEqual(readStamp(main().stamp).uses.bench, dropped);
  });

  test('pins that disagree with a use already in the venv are refused before uv runs', async () => {
    const stamp = readFileSync(main().stamp, 'utf8');
    writeFileSync(join(root, 'other.lock'), benchLock.replace('numpy==2.4.6', 'numpy==2.4.5'));
    const uses: Record<string, PythonUse> = {
      bench: { ...pythonUses.bench, locks: ['bench.lock'] },
      other: { ...pythonUses.bench, locks: ['other.lock'] },
    };
    await assert.rejects(
      ensurePythonEnv('other', { envDir, root, uses, env: offline, log: () => {} }),
      rejectsWith(
        'PYTHON_LOCK_CONFLICT',
        (e) => /numpy: 2\.4\.5 \(other.* vs 2\.4\.6 \(bench/.test(e.message) && /own venv/.test(e.hint ?? ''),
      ),
    );
    assert.equal(readFileSync(main().stamp, 'utf8'), stamp);
  });

  test("a lock whose hash does not match the file fails with uv's reason, and is retried next time", async () => {
    // Every hash of cloudpickle's block replaced: uv finds the cached wheel and refuses it.
    const tampered = benchLock.replace(/^cloudpickle==[\s\S]*?(?=^[a-z])/m, (block) =>
      block.replace(/sha256:[0-9a-f]{64}/g, `sha256:${'f'.repeat(64)}`),
    );
    assert.notEqual(tampered, benchLock);
    writeFileSync(join(root, 'tampered.lock'), tampered);
    const uses: Record<string, PythonUse> = {
      tampered: { ...pythonUses.bench, venv: 'tampered', locks: ['tampered.lock'] },
    };
    await assert.rejects(
      ensurePythonEnv('tampered', { envDir, root, uses, env: offline, log: () => {} }),
      rejectsWith(
        'PYTHON_LOCK_HASH_MISMATCH',
        (e) => /cloudpickle/.test(e.message) && /regenerate the lock/.test(e.hint ?? ''),
      ),
    );
    assert.deepEqual(readStamp(venvPaths(envDir, 'tampered').stamp).uses, { tampered: '' });
    assert.equal(pythonEnvStatus('tampered', { envDir, root, uses }).state, 'stale');
  });

  test('a malformed lock fails before anything is created', async () => {
    writeFileSync(join(root, 'unpinned.lock'), 'gymnasium\n');
    const uses: Record<string, PythonUse> = {
      unpinned: { ...pythonUses.bench, venv: 'unpinned', locks: ['unpinned.lock'] },
    };
    await assert.rejects(
      ensurePythonEnv('unpinned', { envDir, root, uses, log: () => {} }),
      rejectsWith('PYTHON_LOCK_INVALID', (e) => e.message.includes('unpinned.lock:1')),
    );
    assert.equal(existsSync(venvPaths(envDir, 'unpinned').dir), false);
  });
});

test('an unknown use names the known ones', async () => {
  await assert.rejects(
    ensurePythonEnv('gym'),
    rejectsWith('PYTHON_USE_UNKNOWN', (e) => /bench/.test(e.hint ?? '')),
  );
});

test("the use's override variable replaces its venv, and nothing is built", async () => {
  const envDir = join(mkdtempSync(join(tmpdir(), 'palestra-pyenv-')), 'never');
  const python = await ensurePythonEnv('trainer', {
    envDir,
    env: { PALESTRA_TRAINER_PYTHON: '/opt/conda/bin/python' },
  });
  assert.equal(python, '/opt/conda/bin/python');
  assert.equal(existsSync(envDir), false);
});

describe('a venv made before the helper', () => {
  let root: string;
  const lock = `numpy==2.4.6 \\\n    --hash=sha256:${'a'.repeat(64)}\n`;
  const uses: Record<string, PythonUse> = {
    old: { ...pythonUses.bench, locks: ['old.lock'], editable: ['pkg'], legacyVenv: 'legacy' },
  };
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'palestra-pyroot-'));
    writeFileSync(join(root, 'old.lock'), lock);
    mkdirSync(join(root, 'pkg'));
    writeFileSync(join(root, 'pkg', 'pyproject.toml'), '[project]\nname = "my_pkg"\n');
    const site = join(root, 'legacy', 'lib', 'python3.11', 'site-packages');
    mkdirSync(join(site, 'numpy-2.4.6.dist-info'), { recursive: true });
    mkdirSync(join(site, 'my_pkg-0.1.0.dist-info'));
    mkdirSync(join(root, 'legacy', 'bin'));
    writeFileSync(join(root, 'legacy', 'bin', 'python'), '');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('is used as it is while it holds exactly the locked versions', async () => {
    // No envDir and no PALESTRA_PYTHON_ENV_DIR: the default folder, where legacy venvs count.
    const python = await ensurePythonEnv('old', { root, uses, env: {}, log: () => {} });
    assert.equal(python, join(root, 'legacy', 'bin', 'python'));
    assert.equal(pythonEnvStatus('old', { root, uses, env: {} }).state, 'legacy');
  });

  test('is not used once the lock moves on', () => {
    writeFileSync(join(root, 'old.lock'), lock.replace('2.4.6', '2.4.7'));
    assert.equal(pythonEnvStatus('old', { root, uses, env: {} }).state, 'missing');
  });
});

describe('checkPython', () => {
  test('a Python older than 3.11 is refused with what to install', () => {
    const fake = join(mkdtempSync(join(tmpdir(), 'palestra-python-')), 'python3');
    writeFileSync(fake, '#!/bin/sh\necho 3.9.18\necho /usr/bin/python3.9\n');
    chmodSync(fake, 0o755);
    assert.throws(
      () => checkPython(fake),
      rejectsWith(
        'PYTHON_TOO_OLD',
        (e) => /is 3\.9\.18/.test(e.message) && /python3-venv/.test(e.hint ?? ''),
      ),
    );
  });

  test('a missing interpreter is refused with what to install', () => {
    assert.throws(
      () => checkPython('/nonexistent/python3'),
      rejectsWith('PYTHON_NOT_FOUND', (e) => /PALESTRA_PYTHON/.test(e.hint ?? '')),
    );
  });

  test("the machine's python3 passes and names its real executable", () => {
    const { executable, version } = checkPython('python3');
    assert.match(version, /^3\.\d+\.\d+$/);
    assert.equal(spawnSync(executable, ['--version'], { encoding: 'utf8' }).status, 0);
  });
});

test('an install lock left by a dead process is taken over', async () => {
  const lockDir = join(mkdtempSync(join(tmpdir(), 'palestra-lock-')), '.install.lock');
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  mkdirSync(lockDir);
  writeFileSync(join(lockDir, 'pid'), dead.stdout.trim());
  const lines: string[] = [];
  const value = await withInstallLock(
    lockDir,
    (l) => lines.push(l),
    async () => {
      assert.equal(readFileSync(join(lockDir, 'pid'), 'utf8'), String(process.pid));
      return 42;
    },
  );
  assert.equal(value, 42);
  assert.ok(lines.some((l) => l.includes(`pid ${dead.stdout.trim()}`)));
  assert.equal(existsSync(lockDir), false);
});
