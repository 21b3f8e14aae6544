/**
 * The Python environment with OpenEnv's published client (`openenv-core`, hash-locked in
 * `requirements.lock`), in `openenv-check/.venv`, apart from the trainer's venv.
 *
 * Same recipe as `runtime/trainer/install.ts`, cut to what this check needs (a few hundred MB, no
 * torch): `python3 -m venv` → pip itself from `pip.lock` (the bundled one mishandles extras under
 * --require-hashes) → `pip install --require-hashes -r requirements.lock` → a stamp holding the
 * locks' SHA-256, so a second run with an unchanged lock is a no-op. The trainer's helpers are
 * bound to the trainer's folder and files, hence this short equivalent.
 *
 * Environment: PALESTRA_PYTHON (interpreter, default python3; the lock is for CPython 3.11 on x86-64
 * Linux).
 *
 * @example
 *   const python = await ensureOpenEnvVenv();
 *   execFile(python, [checkScript, server.url]);
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This folder: the lock file, the check script, and the venv. */
export const checkDir: string = dirname(fileURLToPath(import.meta.url));
/** Where the venv lives (git-ignored like every `.venv/`). */
export const venvDir: string = join(checkDir, '.venv');
/** The venv's interpreter, what `ensureOpenEnvVenv` returns. */
export const venvPython: string = join(venvDir, 'bin', 'python');

const LOCK = join(checkDir, 'requirements.lock');
const PIP_LOCK = join(checkDir, 'pip.lock');
const STAMP = join(venvDir, '.palestra-stamp');
/** Held while installing: test files run two at a time, and two may need the venv at once. */
const INSTALL_LOCK = join(checkDir, '.venv.lock');

/** SHA-256 of the two lock files: the venv is current when its stamp equals this. */
export function openEnvLockHash(): string {
  return createHash('sha256').update(readFileSync(PIP_LOCK)).update(readFileSync(LOCK)).digest('hex');
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: checkDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e) => fail(new Error(`${command} could not start: ${e.message}`)));
    child.on('close', (code) =>
      code === 0
        ? done()
        : fail(new Error(`\`${command} ${args.join(' ')}\` failed (exit ${code}):\n${tail}`)),
    );
  });
}

/**
 * Makes sure `.venv` holds exactly `requirements.lock` (every wheel hash-checked); returns its python.
 * A no-op when the stamp matches the lock; otherwise the venv is rebuilt from scratch (a couple of
 * minutes the first time: the pip cache makes later rebuilds faster).
 */
export async function ensureOpenEnvVenv(options: { log?: (line: string) => void } = {}): Promise<string> {
  const log = options.log ?? ((line: string) => console.error(`openenv-check: ${line}`));
  const want = openEnvLockHash();
  const current = () =>
    existsSync(venvPython) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === want;
  if (current()) return venvPython;
  await takeInstallLock(log);
  try {
    // Another process may have installed it while this one waited.
    if (current()) return venvPython;
    await install(want, log);
  } finally {
    rmSync(INSTALL_LOCK, { recursive: true, force: true });
  }
  return venvPython;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock directory holding the installer's pid; one left by a dead process is taken over. */
async function takeInstallLock(log: (line: string) => void): Promise<void> {
  for (let waited = 0; ; waited++) {
    try {
      mkdirSync(INSTALL_LOCK);
      writeFileSync(join(INSTALL_LOCK, 'pid'), String(process.pid));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(join(INSTALL_LOCK, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      if (holder && !isAlive(holder)) {
        rmSync(INSTALL_LOCK, { recursive: true, force: true });
        continue;
      }
      if (waited % 15 === 0) log(`waiting for another install (pid ${holder || '?'}) ...`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

async function install(want: string, log: (line: string) => void): Promise<void> {
  log(`installing openenv-core into ${venvDir} (hash-checked) ...`);
  rmSync(venvDir, { recursive: true, force: true });
  mkdirSync(checkDir, { recursive: true });
  await run(process.env.PALESTRA_PYTHON ?? 'python3', ['-m', 'venv', venvDir]);
  const quiet = ['--quiet', '--disable-pip-version-check', '--require-hashes', '--only-binary', ':all:'];
  await run(venvPython, ['-m', 'pip', 'install', ...quiet, '-r', PIP_LOCK]);
  await run(venvPython, ['-m', 'pip', 'install', ...quiet, '-r', LOCK]);
  // The stamp is written last: an interrupted install is redone next time.
  writeFileSync(STAMP, `${want}\n`);
  log('openenv-core installed');
}
