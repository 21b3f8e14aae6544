/**
 * The interpreter every venv is made from: `PALESTRA_PYTHON`, else `python3`, checked to be
 * CPython ≥ 3.11 with its `venv` module (the pinned uv is bootstrapped with `python -m venv`).
 *
 * @example
 * checkPython('python3'); // { executable: '/usr/bin/python3.11', version: '3.11.7' }
 */
import { spawnSync } from 'node:child_process';
import { PythonEnvError } from './pythonEnvError.ts';

/** The oldest Python the locks are compiled for. */
export const MIN_PYTHON: readonly [number, number] = [3, 11];

export type CheckedPython = {
  /** `sys.executable`: the real interpreter behind a shim such as pyenv's. */
  executable: string;
  /** `major.minor.micro`. */
  version: string;
};

const INSTALL_HINT =
  'install Python 3.11 or newer with its venv module (Debian/Ubuntu: `apt-get install python3 python3-venv`), or point PALESTRA_PYTHON at one';

/** Runs `python` once; throws `PYTHON_NOT_FOUND` or `PYTHON_TOO_OLD` with what to install. */
export function checkPython(python: string): CheckedPython {
  const probe = spawnSync(
    python,
    ['-c', 'import sys, venv; print("%d.%d.%d" % sys.version_info[:3]); print(sys.executable)'],
    { encoding: 'utf8' },
  );
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : probe.stderr.trim().split('\n').pop();
    throw new PythonEnvError(
      'PYTHON_NOT_FOUND',
      `the Python environments need Python ≥ ${MIN_PYTHON.join('.')}, but \`${python}\` failed (${why})`,
      { details: { python }, hint: INSTALL_HINT },
    );
  }
  const [version = '', executable = python] = probe.stdout.trim().split('\n');
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    throw new PythonEnvError(
      'PYTHON_TOO_OLD',
      `the Python environments need Python ≥ ${MIN_PYTHON.join('.')}, but \`${python}\` is ${version}`,
      { details: { python, version }, hint: INSTALL_HINT },
    );
  }
  return { executable: executable.trim(), version };
}
