/**
 * Every Python environment of the repository, by use. A use is an *extra* of a venv: its own
 * hash-locked requirements file, installed into the venv only when that use asks for it.
 *
 * All five uses share the venv `main`: their locks pin every package they have in common at the
 * same version (torch 2.15.0, transformers 5.23.0, peft 0.21.2, numpy 2.4.6, fastapi, pydantic, …;
 * `assertPinsAgree` checks it before every install, and ensurePythonEnv.test.ts on every test run).
 * So `npm run bench` installs only Gymnasium into it (~60 MB), the OpenEnv tests only OpenEnv's
 * client, and nothing is downloaded twice. A use whose pins come to conflict gets its own `venv`
 * name here, with a comment saying which pins conflict; the same helper builds it.
 *
 * Sizes and times were measured on a 2-core x86-64 Linux box (`du -sh` of a venv holding the use
 * alone; seconds for `uv venv` + `uv pip sync` + editables, from uv's warm cache and with an empty
 * cache from PyPI), not counting the one-time pinned-uv install (~63 MB, ~5 s). They are what the
 * helper announces before installing and what its disk check asks for. "Warm" is fast because uv
 * hardlinks files from its cache when the cache and the venv share a filesystem; a cache on another
 * disk means copying (~35 s for torch's 5.5 GB).
 *
 * @example
 * pythonUses.bench.locks; // ['bench/reference/requirements.lock']
 */

/** One use of Python in the repository. */
export type PythonUse = {
  /** What it is for, in a few words (shown by `--list`). */
  purpose: string;
  /** The venv it is installed into, under the environment folder. */
  venv: string;
  /** Hash-locked requirements files, relative to the repository root. */
  locks: string[];
  /** Local packages (folders with a pyproject.toml) installed editable, `--no-deps`, after the locks. */
  editable?: string[];
  /** An environment variable naming a python that replaces this use's venv entirely. */
  overrideEnv?: string;
  /**
   * A venv built before this helper existed, relative to the repository root: used as it is, never
   * modified, while it holds exactly the lock's versions, so that nothing is rebuilt on a machine
   * that has it. Only with the default environment folder.
   */
  legacyVenv?: string;
  /** Size on disk of this use alone, in MB. */
  sizeMb: number;
  /** Install time from uv's warm cache, in seconds. */
  warmSeconds: number;
  /** Install time from nothing (empty uv cache, wheels from PyPI), in seconds. */
  coldSeconds: number;
};

/** The uses, by name: what `ensurePythonEnv(name)` and `npm run python:env -- <name>` accept. */
export const pythonUses = {
  /** `palestra train`'s service and its pytest suite (runtime/trainer). */
  trainer: {
    purpose: "palestra train's service and its pytest suite",
    venv: 'main',
    locks: ['runtime/trainer/requirements.lock'],
    editable: ['runtime/trainer'],
    overrideEnv: 'PALESTRA_TRAINER_PYTHON',
    legacyVenv: 'runtime/trainer/.venv',
    // PyPI's Linux torch wheel brings the CUDA libraries (~3 GB) even on a CPU machine.
    sizeMb: 5500,
    warmSeconds: 3,
    coldSeconds: 180, // the README's figure from before this helper; not re-measured (5.5 GB download)
  },
  /** TRL for the trainer benchmark and the TRL gradient fixture (bench/trainer). */
  trl: {
    purpose: 'TRL for the trainer benchmark and the TRL fixture',
    venv: 'main',
    locks: ['bench/trainer/requirements.lock'],
    sizeMb: 5600,
    warmSeconds: 2,
    coldSeconds: 190, // estimated as the trainer's plus pyarrow & co.; not measured
  },
  /** Gymnasium for the kernel benchmark (`npm run bench`). */
  bench: {
    purpose: 'Gymnasium for npm run bench',
    venv: 'main',
    locks: ['bench/reference/requirements.lock'],
    sizeMb: 61,
    warmSeconds: 1,
    coldSeconds: 1,
  },
  /** OpenEnv 0.10.0's client, reference server and `openenv validate`, for the tests under runtime/src/serve. */
  openenv: {
    purpose: "OpenEnv's client, server and validator for the serve tests",
    venv: 'main',
    locks: ['testing/src/openenv/requirements.lock'],
    sizeMb: 323,
    warmSeconds: 1,
    coldSeconds: 2,
  },
  /**
   * The `palestra` Python package (python/: Gymnasium adapter, episodes, TRL) and its pytest suites.
   * Its lock holds the `palestra[trl]` extra (TRL, torch) for the TRL example in python/tests_slow:
   * the same torch as the trainer's use, which `npm test` installs into this venv anyway.
   */
  python: {
    purpose: 'the palestra Python package (Gymnasium, episodes, TRL) and its pytest suites',
    venv: 'main',
    locks: ['python/requirements.lock'],
    editable: ['python'],
    sizeMb: 5700, // the trl use's 5.6 GB (torch and its CUDA wheels, TRL, datasets, pandas) + Gymnasium
    warmSeconds: 3,
    coldSeconds: 190, // as the trl use's estimate; not measured
  },
} satisfies Record<string, PythonUse>;

/** A use's name. */
export type PythonUseName = keyof typeof pythonUses;
