/**
 * uv, pinned and hash-checked (`uv.lock.txt` beside this file), and the one way this helper runs
 * a tool: its output forwarded to the log line by line, a heartbeat while it is silent (uv prints
 * nothing while it downloads torch into a pipe), and a typed error with the output's tail.
 *
 * uv is installed with pip into its own small venv (`<envDir>/uv`), not into the venvs it builds:
 * `uv pip sync` makes a venv hold exactly its locks, which would otherwise mean removing uv itself.
 *
 * @example
 * const uv = await ensureUv({ envDir, python: '/usr/bin/python3.11', log, env: process.env });
 * await runLogged(uv, ['pip', 'sync', '--require-hashes', 'requirements.lock'], { log, env, what: 'sync' });
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PythonEnvError } from './pythonEnvError.ts';

/** `uv.lock.txt`: the pinned uv with its wheels' hashes (regenerate from `uv.in`, see README.md). */
export const uvLockFile: string = join(dirname(fileURLToPath(import.meta.url)), 'uv.lock.txt');

export type RunOptions = {
  log: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** What the step does, for the heartbeat and the error ("sync bench's lock"). */
  what: string;
  cwd?: string;
  /** Heartbeat period while the tool prints nothing (default 20 s). */
  heartbeatMs?: number;
  /** Shown in the heartbeat: how long this step usually takes. */
  expected?: string;
};

/** uv's per-package lines (`+ numpy==2.4.6`): kept for the error tail, not logged one by one. */
const PACKAGE_LINE = /^\s*[-+~] \S+==/;

/**
 * Runs a command, logging its output; rejects with `PYTHON_LOCK_HASH_MISMATCH` when uv found a
 * file whose hash the lock does not list, else `PYTHON_INSTALL_FAILED`, both with the last lines.
 */
export function runLogged(command: string, args: string[], options: RunOptions): Promise<void> {
  const { log, what } = options;
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const started = performance.now();
    let lastOutput = started;
    // readline reassembles lines that arrive split over several chunks.
    const forward = (line: string) => {
      lastOutput = performance.now();
      if (!line.trim()) return;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      if (!PACKAGE_LINE.test(line)) log(`  ${line}`);
    };
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', forward);
    createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', forward);
    const heartbeatMs = options.heartbeatMs ?? 20_000;
    const heartbeat = setInterval(() => {
      if (performance.now() - lastOutput < heartbeatMs) return;
      const s = Math.round((performance.now() - started) / 1000);
      log(`  still ${what}: ${s} s${options.expected ? ` (expected ${options.expected})` : ''}`);
    }, heartbeatMs);
    heartbeat.unref();
    child.on('error', (err) => {
      clearInterval(heartbeat);
      fail(
        new PythonEnvError(
          'PYTHON_INSTALL_FAILED',
          `${what}: \`${command}\` could not start (${err.message})`,
          {
            cause: err,
            details: { command, args },
            hint: 'the helper installs its own pinned uv; if it is gone, remove the environment folder and retry',
          },
        ),
      );
    });
    child.on('close', (code) => {
      clearInterval(heartbeat);
      if (code === 0) return done();
      const output = tail.join('\n');
      const mismatch = /hash mismatch/i.test(output);
      fail(
        new PythonEnvError(
          mismatch ? 'PYTHON_LOCK_HASH_MISMATCH' : 'PYTHON_INSTALL_FAILED',
          `${what} failed (exit ${code}): \`${command} ${args.join(' ')}\`\n${output}`,
          {
            details: { command, args, exitCode: code, tail },
            hint: mismatch
              ? 'a downloaded file does not have a hash the lock lists: regenerate the lock (runtime/src/python/README.md); if the version did not change, the file may have been tampered with'
              : "uv's last lines are above; without network access, only a warm uv cache (UV_CACHE_DIR) can install, with UV_OFFLINE=1",
          },
        ),
      );
    });
  });
}

/** The version `uv.lock.txt` pins. */
export function pinnedUvVersion(): string {
  const version = /^uv==(\S+)/m.exec(readFileSync(uvLockFile, 'utf8'))?.[1];
  if (!version)
    throw new PythonEnvError('PYTHON_LOCK_INVALID', `${uvLockFile} pins no uv`, {
      details: { file: uvLockFile },
      hint: 'regenerate it from uv.in (runtime/src/python/README.md)',
    });
  return version;
}

/**
 * The pinned uv, installed into `<envDir>/uv` first if it is missing or another version (a few
 * seconds: `python -m venv`, then pip with `--require-hashes`). Returns the `uv` executable.
 */
export async function ensureUv(options: {
  envDir: string;
  python: string;
  log: (line: string) => void;
  env: NodeJS.ProcessEnv;
}): Promise<string> {
  const { envDir, python, log, env } = options;
  const venv = join(envDir, 'uv');
  const uv = join(venv, 'bin', 'uv');
  const version = pinnedUvVersion();
  // `uv 0.13.9 (x86_64-unknown-linux-gnu)`
  const present = existsSync(uv)
    ? spawnSync(uv, ['--version'], { encoding: 'utf8' }).stdout?.split(' ')[1]
    : '';
  if (present === version) return uv;
  const t0 = performance.now();
  log(`installing the pinned uv ${version} into ${venv} (hash-checked; ~63 MB, ~5 s)`);
  await runLogged(python, ['-m', 'venv', '--clear', venv], { log, env, what: 'create the venv for uv' });
  await runLogged(
    join(venv, 'bin', 'python'),
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--require-hashes',
      '--no-deps',
      '-r',
      uvLockFile,
    ],
    { log, env, what: `install uv ${version} with pip` },
  );
  log(`uv ${version} ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return uv;
}
