/**
 * Makes sure the venv of a Python use (see `uses.ts`) exists and holds exactly its hash-locked
 * requirements; returns the venv's python. The one way the repository builds a Python environment:
 * the trainer, its tests, the benchmarks and the OpenEnv check all call it.
 *
 * - **No-op when nothing changed**: the venv's stamp (`.palestra-python.json`) records, per use,
 *   the SHA-256 of its lock files; a call whose hash matches returns in milliseconds.
 * - **Exact**: `uv pip sync --require-hashes` over the locks of every use the venv holds (pins
 *   checked to agree first), so a changed lock also removes what it dropped; then the use's local
 *   packages, editable. uv (pinned, hash-checked) reuses its package cache across venvs and runs.
 * - **One builder at a time**: an install lock per environment folder, across processes.
 * - **Told**: progress on stderr, with the size on disk and the expected time before it starts.
 *
 * Environment: PALESTRA_PYTHON_ENV_DIR (where venvs go; default `.palestra/python` in the
 * repository), PALESTRA_PYTHON (interpreter; default python3), PALESTRA_PYTHON_MIN_FREE_GB (disk
 * threshold; default twice the install's size + 1 GB), UV_CACHE_DIR and the other UV_* variables
 * (passed to uv), and a use's override (PALESTRA_TRAINER_PYTHON for `trainer`).
 *
 * @example
 *   const python = await ensurePythonEnv('openenv');
 *   execFile(python, ['check_openenv.py', url]);
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statfsSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { checkPython } from './checkPython.ts';
import { installedPackages, lockMismatches } from './installedPackages.ts';
import { withInstallLock } from './installLock.ts';
import { assertPinsAgree, filesHash, type Lock, normalizeName, readLock } from './lockFile.ts';
import { PythonEnvError } from './pythonEnvError.ts';
import { type PythonUse, pythonUses } from './uses.ts';
import { ensureUv, runLogged } from './uv.ts';

/** The repository's root (this file is runtime/src/python/ensurePythonEnv.ts). */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where venvs go unless PALESTRA_PYTHON_ENV_DIR says otherwise (git-ignored, like all of .palestra/). */
export const defaultEnvDir: string = join(repoRoot, '.palestra', 'python');

export type EnsurePythonEnvOptions = {
  /** Where progress lines go (default: stderr, prefixed `python env:`; stdout stays the caller's). */
  log?: (line: string) => void;
  /** Delete the use's venv and build it again, with this use only. */
  force?: boolean;
  /** The environment folder (default: PALESTRA_PYTHON_ENV_DIR, else `.palestra/python`). */
  envDir?: string;
  /** Also make this path a symlink to the venv, for callers that name an older venv path. */
  link?: string;
  /** The uses to pick from (default: `pythonUses`); lock paths are relative to `root`. */
  uses?: Record<string, PythonUse>;
  /** What relative lock and package paths start from (default: the repository root). */
  root?: string;
  /** The environment read for the variables above and given to uv (default: process.env). */
  env?: NodeJS.ProcessEnv;
};

/** The stamp a venv keeps: per installed use, the hash of its lock files ('' while installing). */
const StampSchema = z.object({ schema: z.literal(1), uses: z.record(z.string(), z.string()) });
type Stamp = z.infer<typeof StampSchema>;
const STAMP = '.palestra-python.json';

/** Where a venv's parts are. */
export function venvPaths(envDir: string, venv: string): { dir: string; python: string; stamp: string } {
  const dir = join(envDir, venv);
  return { dir, python: join(dir, 'bin', 'python'), stamp: join(dir, STAMP) };
}

/** The stamp, or an empty one when it is missing or unreadable (then everything is re-synced). */
export function readStamp(stampFile: string): Stamp {
  try {
    return StampSchema.parse(JSON.parse(readFileSync(stampFile, 'utf8')));
  } catch {
    return { schema: 1, uses: {} };
  }
}

function writeStamp(stampFile: string, stamp: Stamp): void {
  const tmp = `${stampFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(stamp, null, 2)}\n`);
  renameSync(tmp, stampFile); // atomic: a reader sees the old stamp or the new one
}

/**
 * How a venv is installed, folded into its stamp so that a venv made by an older recipe is redone
 * (from uv's cache) once. `compile-bytecode`: uv does not compile by default, and where
 * PYTHONDONTWRITEBYTECODE is set (CI images often set it) nothing ever writes the `.pyc` files, so
 * every start of the trainer compiled torch, transformers and peft again: 15 s of CPU for their
 * imports, against 6 s compiled (measured on 2 cores).
 */
const INSTALL_RECIPE = 'uv pip sync --compile-bytecode';

/** A use's lock files, read and checked, and the hash its stamp must hold. */
export function readUse(use: PythonUse, root: string): { locks: Lock[]; hash: string } {
  const locks = use.locks.map((file) => readLock(join(root, file)));
  const projects = (use.editable ?? []).map((dir) => {
    const file = join(dir, 'pyproject.toml');
    return { name: file, text: readFileSync(join(root, file), 'utf8') };
  });
  const hash = filesHash([
    ...locks.map((l) => ({ name: relative(root, l.file), text: l.text })),
    ...projects,
    { name: 'install recipe', text: INSTALL_RECIPE },
  ]);
  return { locks, hash };
}

function editableName(root: string, dir: string): string {
  const text = readFileSync(join(root, dir, 'pyproject.toml'), 'utf8');
  const name = /^\s*name\s*=\s*"([^"]+)"/m.exec(text)?.[1];
  if (!name)
    throw new PythonEnvError('PYTHON_LOCK_INVALID', `${join(dir, 'pyproject.toml')} has no project name`, {
      details: { dir },
      hint: 'give its [project] table a `name = "…"`',
    });
  return normalizeName(name);
}

/** The legacy venv's python when it holds exactly the use's locked versions (and its local packages). */
function adoptLegacy(use: PythonUse, root: string, locks: Lock[]): string | undefined {
  if (!use.legacyVenv) return undefined;
  const dir = join(root, use.legacyVenv);
  const python = join(dir, 'bin', 'python');
  if (!existsSync(python)) return undefined;
  if (
    lockMismatches(
      dir,
      locks.flatMap((l) => l.pins),
    ).length > 0
  )
    return undefined;
  const installed = installedPackages(dir);
  if (!(use.editable ?? []).every((d) => installed.has(editableName(root, d)))) return undefined;
  return python;
}

function seconds(s: number): string {
  return s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`;
}

function megabytes(mb: number): string {
  return mb < 1000 ? `${Math.round(mb)} MB` : `${(mb / 1000).toFixed(1)} GB`;
}

function uvCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.UV_CACHE_DIR) return env.UV_CACHE_DIR;
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'uv');
}

function freeGb(path: string): number {
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  const s = statfsSync(p);
  return (s.bavail * s.bsize) / 1e9;
}

/** Refuses to start an install the disk cannot hold (the cache and the venv may be on two disks). */
function checkDisk(
  sizeMb: number,
  places: [string, string][],
  env: NodeJS.ProcessEnv,
  log: (l: string) => void,
) {
  const given = env.PALESTRA_PYTHON_MIN_FREE_GB ?? env.PALESTRA_TRAINER_MIN_FREE_GB;
  const minGb = given !== undefined ? Number(given) : (2 * sizeMb) / 1000 + 1;
  for (const [what, path] of places) {
    const gb = freeGb(path);
    if (gb < minGb) {
      throw new PythonEnvError(
        'PYTHON_DISK_FULL',
        `only ${gb.toFixed(1)} GB free for ${what} at ${path}; this install needs about ${minGb.toFixed(1)} GB ` +
          `(${megabytes(sizeMb)} of packages, stored once in uv's cache and once in the venv)`,
        {
          details: { what, path, freeGb: gb, minGb },
          hint:
            `free ${Math.ceil(minGb - gb)} GB, move uv's cache with UV_CACHE_DIR or the venvs with PALESTRA_PYTHON_ENV_DIR, ` +
            "or, if uv's cache is already warm, lower the bar with PALESTRA_PYTHON_MIN_FREE_GB",
        },
      );
    }
    log(`free disk for ${what} (${path}): ${gb.toFixed(1)} GB`);
  }
}

/** Makes `link` a symlink to `target`; a venv the old setup scripts made there is replaced. */
function ensureLink(link: string, target: string, log: (l: string) => void): void {
  const want = relative(dirname(link), target);
  const stat = lstatSync(link, { throwIfNoEntry: false });
  if (stat?.isSymbolicLink()) {
    if (readlinkSync(link) === want) return;
    rmSync(link);
  } else if (stat?.isDirectory() && existsSync(join(link, 'pyvenv.cfg'))) {
    log(`replacing the venv at ${link} (made by an older setup script) with a link to ${target}`);
    rmSync(link, { recursive: true, force: true });
  } else if (stat) {
    throw new PythonEnvError('PYTHON_LINK_BLOCKED', `${link} exists and is not a venv or a link`, {
      details: { link, target },
      hint: `move ${link} away; it is where ${target} is linked for the scripts that name it`,
    });
  }
  mkdirSync(dirname(link), { recursive: true });
  try {
    symlinkSync(want, link);
  } catch (err) {
    // Another caller made the same link at the same moment: fine if it points to the same venv.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || readlinkSync(link) !== want) throw err;
  }
}

/**
 * Ensures the venv of `useName` is current and returns its python (see the file comment).
 * Throws `PythonEnvError` (`PYTHON_*`) with a hint when it cannot.
 */
export async function ensurePythonEnv(
  useName: string,
  options: EnsurePythonEnvOptions = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.error(`python env: ${line}`));
  const uses: Record<string, PythonUse> = options.uses ?? pythonUses;
  const root = options.root ?? repoRoot;
  const use = Object.hasOwn(uses, useName) ? uses[useName] : undefined;
  if (!use)
    throw new PythonEnvError('PYTHON_USE_UNKNOWN', `no Python use named \`${useName}\``, {
      details: { use: useName, known: Object.keys(uses) },
      hint: `one of: ${Object.keys(uses).join(', ')}`,
    });
  const override = use.overrideEnv ? env[use.overrideEnv] : undefined;
  if (override) return override;

  const explicitDir = options.envDir ?? env.PALESTRA_PYTHON_ENV_DIR;
  const envDir = resolve(explicitDir ?? defaultEnvDir);
  const venv = venvPaths(envDir, use.venv);
  const { locks, hash } = readUse(use, root);
  const finish = (python: string) => {
    if (options.link) ensureLink(resolve(options.link), venv.dir, log);
    return python;
  };
  const current = () => existsSync(venv.python) && readStamp(venv.stamp).uses[useName] === hash;
  if (!options.force && current()) return finish(venv.python);
  if (!options.force && explicitDir === undefined) {
    const legacy = adoptLegacy(use, root, locks);
    if (legacy) return legacy;
  }

  return withInstallLock(join(envDir, '.install.lock'), log, async () => {
    if (!options.force && current()) return finish(venv.python); // another process just built it
    const t0 = performance.now();
    // The uses this sync installs: the one asked for, and every use the venv already holds (their
    // current locks: a use whose lock changed is brought up to date in the same sync).
    const held = options.force ? [] : Object.keys(readStamp(venv.stamp).uses);
    const names = [useName, ...held.filter((n) => n !== useName && Object.hasOwn(uses, n))];
    const members = names.map((name) => {
      const u = uses[name]!;
      return { name, use: u, ...(name === useName ? { locks, hash } : readUse(u, root)) };
    });
    assertPinsAgree(
      use.venv,
      members.flatMap((m) => m.locks.map((lock) => ({ use: m.name, lock }))),
    );
    const stamp = readStamp(venv.stamp);
    const fresh = members.filter(
      (m) => options.force || stamp.uses[m.name] !== m.hash || !existsSync(venv.python),
    );
    const sizeMb = fresh.reduce((s, m) => s + m.use.sizeMb, 0);
    const warm = fresh.reduce((s, m) => s + m.use.warmSeconds, 0);
    const cold = fresh.reduce((s, m) => s + m.use.coldSeconds, 0);
    const expected = `≈${seconds(warm)} from uv's cache, ≈${seconds(cold)} from PyPI`;
    log(
      `installing ${fresh.map((m) => m.name).join(' + ')} into ${venv.dir}: ≈${megabytes(sizeMb)} on disk, ${expected}`,
    );
    const python = checkPython(env.PALESTRA_PYTHON ?? 'python3');
    checkDisk(
      sizeMb,
      [
        ['the venv', envDir],
        ["uv's package cache", uvCacheDir(env)],
      ],
      env,
      log,
    );
    mkdirSync(envDir, { recursive: true });
    const uv = await ensureUv({ envDir, python: python.executable, log, env });
    const run = (what: string, args: string[], expectedTime?: string) =>
      runLogged(uv, args, {
        log,
        env,
        what,
        cwd: envDir,
        ...(expectedTime ? { expected: expectedTime } : {}),
      });
    if (options.force) rmSync(venv.dir, { recursive: true, force: true });
    if (!existsSync(venv.python)) {
      await run(`create the venv ${venv.dir}`, [
        'venv',
        '--python',
        python.executable,
        '--python-preference',
        'only-system',
        venv.dir,
      ]);
    }
    // Nothing is current until the sync is done: an interrupted install is redone next time, and
    // the stamp still names every use the venv holds.
    writeStamp(venv.stamp, { schema: 1, uses: Object.fromEntries(members.map((m) => [m.name, ''])) });
    const lockFiles = members.flatMap((m) => m.locks.map((l) => l.file));
    await run(
      `sync ${names.join(' + ')} (hash-checked; uv cache ${uvCacheDir(env)})`,
      ['pip', 'sync', '--require-hashes', '--compile-bytecode', '--python', venv.python, ...lockFiles],
      expected,
    );
    // `sync` removes what no lock names, so local packages go back in after every sync.
    for (const dir of members.flatMap((m) => m.use.editable ?? [])) {
      await run(`install ${dir} (editable, no deps)`, [
        'pip',
        'install',
        '--no-deps',
        '--python',
        venv.python,
        '-e',
        join(root, dir),
      ]);
    }
    writeStamp(venv.stamp, { schema: 1, uses: Object.fromEntries(members.map((m) => [m.name, m.hash])) });
    log(`${names.join(' + ')} ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${venv.python}`);
    return finish(venv.python);
  });
}

/** Whether a use is installed and current, without installing anything (for `--list`). */
export function pythonEnvStatus(
  useName: string,
  options: Pick<EnsurePythonEnvOptions, 'envDir' | 'uses' | 'root' | 'env'> = {},
): { state: 'current' | 'stale' | 'missing' | 'legacy' | 'override'; python: string } {
  const env = options.env ?? process.env;
  const uses: Record<string, PythonUse> = options.uses ?? pythonUses;
  const root = options.root ?? repoRoot;
  const use = Object.hasOwn(uses, useName) ? uses[useName] : undefined;
  if (!use) throw new PythonEnvError('PYTHON_USE_UNKNOWN', `no Python use named \`${useName}\``);
  const override = use.overrideEnv ? env[use.overrideEnv] : undefined;
  if (override) return { state: 'override', python: override };
  const explicitDir = options.envDir ?? env.PALESTRA_PYTHON_ENV_DIR;
  const venv = venvPaths(resolve(explicitDir ?? defaultEnvDir), use.venv);
  const { locks, hash } = readUse(use, root);
  const recorded = readStamp(venv.stamp).uses[useName];
  if (existsSync(venv.python) && recorded === hash) return { state: 'current', python: venv.python };
  const legacy = explicitDir === undefined ? adoptLegacy(use, root, locks) : undefined;
  if (legacy) return { state: 'legacy', python: legacy };
  return { state: recorded === undefined ? 'missing' : 'stale', python: venv.python };
}
