/**
 * One installer at a time per environment folder, across processes (`npm test` runs test files two
 * at a time, and `palestra train` may start while a test installs): a lock directory holding the
 * holder's pid. A directory because `mkdir`/`rename` are atomic on every filesystem Node runs on;
 * Node has no `flock`, and no locking package is in the tree.
 *
 * @example
 * await withInstallLock('.palestra/python/.install.lock', console.error, async () => build());
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { processAlive } from '../process/alive.ts';
import { PythonEnvError } from './pythonEnvError.ts';

export type InstallLockOptions = {
  /** Give up after this long (default 30 min: a cold torch install takes minutes). */
  timeoutMs?: number;
  /** Time between two looks at the lock (default 1 s). */
  pollMs?: number;
};

function holderOf(lockDir: string): number | undefined {
  try {
    return Number(readFileSync(`${lockDir}/pid`, 'utf8')) || undefined;
  } catch {
    return undefined;
  }
}

/** Tries once: the lock dir appears with its pid file in one `rename`, so a holder is never pid-less. */
function tryAcquire(lockDir: string): boolean {
  const staging = `${lockDir}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  mkdirSync(dirname(lockDir), { recursive: true });
  mkdirSync(staging);
  writeFileSync(`${staging}/pid`, String(process.pid));
  try {
    renameSync(staging, lockDir);
    return true;
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Runs `body` while holding `lockDir`; waits (logging every 15 s) while another live process
 * holds it, and takes over a lock whose holder died. Throws `PYTHON_ENV_BUSY` after the timeout.
 */
export async function withInstallLock<T>(
  lockDir: string,
  log: (line: string) => void,
  body: () => Promise<T>,
  options: InstallLockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const pollMs = options.pollMs ?? 1000;
  const started = performance.now();
  let lastLog = -Infinity;
  while (!tryAcquire(lockDir)) {
    const holder = holderOf(lockDir);
    if (holder !== undefined && !processAlive(holder)) {
      // Left by a crashed install. Re-read right before removing, in the same tick, so a lock a
      // live waiter has just re-taken is not removed (two waiters racing on one dead holder).
      if (holderOf(lockDir) === holder) rmSync(lockDir, { recursive: true, force: true });
      log(`took over the install lock of pid ${holder}, which is gone`);
      continue;
    }
    const waited = performance.now() - started;
    if (waited > timeoutMs)
      throw new PythonEnvError('PYTHON_ENV_BUSY', `another install (pid ${holder ?? '?'}) holds ${lockDir}`, {
        details: { lockDir, holder, waitedMs: Math.round(waited) },
        hint: `wait for it to finish; if no install runs, remove ${lockDir}`,
      });
    if (waited - lastLog >= 15_000) {
      log(`waiting for another install (pid ${holder ?? '?'}) to finish ...`);
      lastLog = waited;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  try {
    return await body();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
