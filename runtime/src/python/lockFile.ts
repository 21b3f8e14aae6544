/**
 * Hash-locked requirements files (`uv pip compile --generate-hashes` output), read strictly enough
 * to refuse a lock that would not install exactly (an unpinned line, a pin without hashes) and to
 * tell whether the locks sharing one venv agree on every version, before uv runs.
 *
 * Only the subset of the format that `uv pip compile --generate-hashes` writes is accepted:
 * `name[extras]==version [; marker] \` followed by `--hash=sha256:…` continuation lines, and
 * comments. uv itself checks the hashes against the files it installs.
 *
 * @example
 * const lock = readLock('bench/reference/requirements.lock');
 * lock.pins.find((p) => p.name === 'numpy')?.version; // '2.4.6'
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PythonEnvError } from './pythonEnvError.ts';

/** One pinned requirement. */
export type LockPin = {
  /** Normalized as PEP 503 does (`typing_extensions` → `typing-extensions`). */
  name: string;
  version: string;
  /** The environment marker after `;`, trimmed; '' when the pin applies everywhere. */
  marker: string;
  /** 1-based line of the requirement in its file. */
  line: number;
};

/** A lock file as read: where it is, its bytes, and its pins. */
export type Lock = { file: string; text: string; pins: LockPin[] };

const PIN = /^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;]+)\s*(?:;\s*(.*?))?\s*$/;
const HASH = /--hash=sha256:[0-9a-f]{64}/g;

/** PEP 503 name normalization: lower case, runs of `-`, `_`, `.` become one `-`. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

function regenerateHint(file: string): string {
  return `regenerate ${file} with the \`uv pip compile … --generate-hashes\` command in its requirements.in (runtime/src/python/README.md lists them all)`;
}

/**
 * Reads and checks one lock file: every requirement pinned with `==` and carrying at least one
 * sha256 hash. Throws `PYTHON_LOCK_MISSING` or `PYTHON_LOCK_INVALID` (with the line) otherwise.
 */
export function readLock(file: string): Lock {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new PythonEnvError('PYTHON_LOCK_MISSING', `the lock file ${file} cannot be read`, {
      cause,
      details: { file },
      hint: 'it is part of the repository: update your checkout, or fix the path in runtime/src/python/uses.ts',
    });
  }
  const pins: LockPin[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    // A logical line: physical lines joined while they end with a backslash.
    let logical = lines[i] ?? '';
    while (logical.trimEnd().endsWith('\\') && i + 1 < lines.length) {
      logical = `${logical.trimEnd().slice(0, -1)} ${lines[++i]}`;
    }
    const content = logical.replace(/(^|\s)#.*$/, '').trim();
    if (!content) continue;
    const hashes = content.match(HASH) ?? [];
    const requirement = content.replace(HASH, '').trim();
    const pin = PIN.exec(requirement);
    const invalid = (why: string) =>
      new PythonEnvError('PYTHON_LOCK_INVALID', `${file}:${start + 1}: ${why}: \`${requirement}\``, {
        details: { file, line: start + 1, requirement },
        hint: regenerateHint(file),
      });
    if (!pin) throw invalid('not a `name==version` pin (a hash-locked file pins every requirement)');
    if (hashes.length === 0) throw invalid('a pin without `--hash=sha256:…`');
    pins.push({
      name: normalizeName(pin[1]!),
      version: pin[3]!,
      marker: (pin[4] ?? '').trim(),
      line: start + 1,
    });
  }
  if (pins.length === 0)
    throw new PythonEnvError('PYTHON_LOCK_INVALID', `${file} pins nothing`, {
      details: { file },
      hint: regenerateHint(file),
    });
  return { file, text, pins };
}

/**
 * SHA-256 over the named files' bytes, in order, each prefixed by its name: the stamp a use's
 * install records, so an unchanged lock is a no-op and any changed byte re-syncs.
 */
export function filesHash(files: { name: string; text: string }[]): string {
  const hash = createHash('sha256');
  for (const { name, text } of files) hash.update(`${name}\0${text}\0`);
  return hash.digest('hex');
}

/** Two uses of one venv pin a package at different versions. */
export type PinConflict = {
  name: string;
  a: { use: string; file: string; line: number; version: string };
  b: { use: string; file: string; line: number; version: string };
};

/** Every package pinned at two versions by the given locks (same marker), in name order. */
export function pinConflicts(locks: { use: string; lock: Lock }[]): PinConflict[] {
  const seen = new Map<string, PinConflict['a']>();
  const conflicts: PinConflict[] = [];
  for (const { use, lock } of locks) {
    for (const pin of lock.pins) {
      const key = `${pin.name};${pin.marker}`;
      const here = { use, file: lock.file, line: pin.line, version: pin.version };
      const first = seen.get(key);
      if (!first) seen.set(key, here);
      else if (first.version !== pin.version) conflicts.push({ name: pin.name, a: first, b: here });
    }
  }
  return conflicts.sort((x, y) => x.name.localeCompare(y.name));
}

/**
 * Throws `PYTHON_LOCK_CONFLICT` when the locks that are to share one venv disagree on a version:
 * installing both would leave whichever came last, and the other use would run against versions
 * it was never locked with.
 */
export function assertPinsAgree(venv: string, locks: { use: string; lock: Lock }[]): void {
  const conflicts = pinConflicts(locks);
  if (conflicts.length === 0) return;
  const lines = conflicts
    .slice(0, 10)
    .map(
      (c) =>
        `  ${c.name}: ${c.a.version} (${c.a.use}, ${c.a.file}:${c.a.line}) vs ${c.b.version} (${c.b.use}, ${c.b.file}:${c.b.line})`,
    );
  if (conflicts.length > 10) lines.push(`  … and ${conflicts.length - 10} more`);
  throw new PythonEnvError(
    'PYTHON_LOCK_CONFLICT',
    `the uses sharing the venv \`${venv}\` pin ${conflicts.length} package(s) at different versions:\n${lines.join('\n')}`,
    {
      details: { venv, conflicts },
      hint:
        "compile the newer lock with `-c` on the other use's lock so the versions agree, or give one use its own venv " +
        'in runtime/src/python/uses.ts (with a comment saying which pins conflict)',
    },
  );
}
