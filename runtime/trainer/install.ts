/**
 * Installs the trainer's Python environment into `runtime/trainer/.venv`, from hash-locked files.
 *
 * Why a script and not a README paragraph: `npm test`, CI and `palestra train` all need the same
 * venv, and torch brings ~3 GB of CUDA wheels, so an install must be checked (Python version, free
 * disk), reproducible (every wheel hash-checked), cheap when nothing changed (a stamp of the lock
 * files' hash) and fast when something did (uv, whose package cache is reused across runs).
 *
 * Steps: python3 ≥ 3.11 → stamp check (no-op when current) → free disk check → `python3 -m venv` →
 * pip installs the pinned, hash-checked `uv` (uv.lock.txt) → `uv pip sync --require-hashes
 * requirements.lock` → `uv pip install --no-deps -e runtime/trainer` → stamp.
 *
 * Environment: PALESTRA_PYTHON (interpreter, default python3), PALESTRA_TRAINER_MIN_FREE_GB (disk
 * threshold, default 10), UV_CACHE_DIR (uv's cache, default ~/.cache/uv).
 *
 * @example
 *   npx tsx runtime/trainer/install.ts            # or: npm run trainer:install
 *   npx tsx runtime/trainer/install.ts --force    # rebuild the venv from scratch
 *   const python = await ensureTrainerVenv({ log: console.log });
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The trainer package folder (this file's folder). */
export const trainerDir: string = dirname(fileURLToPath(import.meta.url));
/** The venv the trainer runs in. */
export const venvDir: string = join(trainerDir, '.venv');
/** The venv's interpreter, what `ensureTrainerVenv` returns. */
export const venvPython: string = join(venvDir, 'bin', 'python');

const LOCK_FILES = ['requirements.lock', 'pyproject.toml', 'uv.lock.txt'] as const;
const STAMP = join(venvDir, '.palestra-stamp');
const INSTALL_LOCK = join(trainerDir, '.venv.lock');
const MIN_PYTHON: [number, number] = [3, 11];

export type EnsureTrainerVenvOptions = {
  /** Where progress lines go (default: console.error, so stdout stays clean for callers). */
  log?: (line: string) => void;
  /** Delete the venv and install again even when the stamp is current. */
  force?: boolean;
};

/** An install step failed; `message` says what to do. */
export class TrainerInstallError extends Error {
  override name = 'TrainerInstallError';
}

/** SHA-256 over the lock files, in a fixed order: the venv is current when its stamp equals this. */
export function lockHash(): string {
  const hash = createHash('sha256');
  for (const name of LOCK_FILES) {
    hash.update(`${name}\0`);
    hash.update(readFileSync(join(trainerDir, name)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * The interpreter to build the venv from (PALESTRA_PYTHON or python3), after checking it is
 * Python ≥ 3.11 with its `venv` module; otherwise a `TrainerInstallError` saying what to install.
 */
export function checkPython(python: string = process.env.PALESTRA_PYTHON ?? 'python3'): string {
  const probe = spawnSync(python, ['-c', 'import sys, venv; print("%d.%d" % sys.version_info[:2])'], {
    encoding: 'utf8',
  });
  const install =
    'Install Python 3.11 or newer with its venv module (Debian/Ubuntu: `apt-get install python3 python3-venv`), or point PALESTRA_PYTHON at one.';
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : probe.stderr.trim().split('\n').pop();
    throw new TrainerInstallError(
      `the trainer needs Python ≥ 3.11, but \`${python}\` failed (${why}). ${install}`,
    );
  }
  const [major, minor] = probe.stdout.trim().split('.').map(Number) as [number, number];
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    throw new TrainerInstallError(
      `the trainer needs Python ≥ 3.11, but \`${python}\` is ${major}.${minor}. ${install}`,
    );
  }
  return python;
}

function uvCacheDir(): string {
  if (process.env.UV_CACHE_DIR) return process.env.UV_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'uv');
}

/** Free bytes on the filesystem holding `path` (or its nearest existing parent). */
function freeBytes(path: string): number {
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  const s = statfsSync(p);
  return s.bavail * s.bsize;
}

function checkDisk(log: (line: string) => void): void {
  const minGb = Number(process.env.PALESTRA_TRAINER_MIN_FREE_GB ?? '10');
  for (const [what, path] of [
    ['the venv', venvDir],
    ["uv's package cache", uvCacheDir()],
  ] as const) {
    const gb = freeBytes(path) / 1e9;
    log(`free disk for ${what} (${path}): ${gb.toFixed(1)} GB`);
    if (gb < minGb) {
      throw new TrainerInstallError(
        `only ${gb.toFixed(1)} GB free for ${what} at ${path}; the trainer's install needs about ${minGb} GB ` +
          `(torch brings ~3 GB of CUDA wheels, unpacked twice: once in uv's cache, once in the venv). ` +
          `Free ${Math.ceil(minGb - gb)} GB, move the cache with UV_CACHE_DIR, or, if you know the cache is ` +
          'already warm, lower the threshold with PALESTRA_TRAINER_MIN_FREE_GB.',
      );
    }
  }
}

/** Run a command, forwarding its output to `log`; rejects with the output's tail on failure. */
function run(log: (line: string) => void, command: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: trainerDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        log(`  ${line}`);
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', (err) => fail(new TrainerInstallError(`${command} could not start: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) done();
      else
        fail(
          new TrainerInstallError(
            `\`${command} ${args.join(' ')}\` failed (exit ${code}):\n${tail.join('\n')}`,
          ),
        );
    });
  });
}

async function timed(log: (line: string) => void, what: string, step: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  log(`${what} ...`);
  await step();
  log(`${what}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** One installer at a time (npm test and `palestra train` may both ask): a lock directory. */
async function withInstallLock<T>(log: (line: string) => void, body: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      mkdirSync(INSTALL_LOCK);
      writeFileSync(join(INSTALL_LOCK, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(join(INSTALL_LOCK, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      if (holder && !isAlive(holder)) {
        rmSync(INSTALL_LOCK, { recursive: true, force: true }); // left by a crashed install
        continue;
      }
      if (Date.now() > deadline)
        throw new TrainerInstallError(`another install holds ${INSTALL_LOCK}; remove it if none runs`);
      log(`waiting for another install (pid ${holder || '?'}) to finish ...`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await body();
  } finally {
    rmSync(INSTALL_LOCK, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isCurrent(want: string): boolean {
  return existsSync(venvPython) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === want;
}

/**
 * Make sure `runtime/trainer/.venv` matches the lock files; returns the venv's python.
 * A no-op (milliseconds) when the stamp is current.
 */
export async function ensureTrainerVenv(options: EnsureTrainerVenvOptions = {}): Promise<string> {
  const log = options.log ?? ((line: string) => console.error(`trainer install: ${line}`));
  const want = lockHash();
  if (!options.force && isCurrent(want)) return venvPython;
  return withInstallLock(log, async () => {
    if (!options.force && isCurrent(want)) return venvPython; // another process just finished it
    const t0 = performance.now();
    const python = checkPython();
    checkDisk(log);
    if (options.force) rmSync(venvDir, { recursive: true, force: true });
    rmSync(STAMP, { force: true });
    if (!existsSync(venvPython)) {
      await timed(log, `create the venv (${python} -m venv ${venvDir})`, () =>
        run(log, python, ['-m', 'venv', venvDir]),
      );
    }
    const uv = join(venvDir, 'bin', 'uv');
    const pinned = /^uv==(\S+)/m.exec(readFileSync(join(trainerDir, 'uv.lock.txt'), 'utf8'))?.[1];
    const present = spawnSync(uv, ['--version'], { encoding: 'utf8' }).stdout?.trim();
    if (present !== `uv ${pinned}`) {
      await timed(log, `install the pinned uv ${pinned} (uv.lock.txt, hash-checked)`, async () => {
        // `uv pip sync` may have removed pip from an older venv; ensurepip brings it back offline.
        await run(log, venvPython, ['-m', 'ensurepip', '--default-pip']);
        await run(log, venvPython, [
          '-m',
          'pip',
          'install',
          '--quiet',
          '--disable-pip-version-check',
          '--require-hashes',
          '--no-deps',
          '-r',
          'uv.lock.txt',
        ]);
      });
    }
    await timed(log, `sync requirements.lock (hash-checked; uv cache ${uvCacheDir()})`, () =>
      run(log, uv, ['pip', 'sync', '--require-hashes', '--python', venvPython, 'requirements.lock']),
    );
    await timed(log, 'install palestra_trainer (editable, no deps)', () =>
      run(log, uv, ['pip', 'install', '--no-deps', '--python', venvPython, '-e', '.']),
    );
    writeFileSync(STAMP, `${want}\n`);
    log(`ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${venvPython}`);
    return venvPython;
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const force = process.argv.includes('--force');
  ensureTrainerVenv({ force }).then(
    (python) => console.log(python),
    (err: unknown) => {
      console.error(err instanceof TrainerInstallError ? `trainer install failed: ${err.message}` : err);
      process.exit(1);
    },
  );
}
