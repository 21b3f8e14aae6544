/**
 * The trainer's Python environment: the `trainer` use of runtime/src/python (torch, transformers,
 * peft, hash-locked in `requirements.lock`, and `palestra_trainer` itself, editable). Kept as the
 * entry point `palestra train`, `npm test` and `npm run trainer:install` have always called.
 *
 * `PALESTRA_TRAINER_PYTHON=/path/to/python` replaces the venv with a python that already has the
 * dependencies. A venv at runtime/trainer/.venv from before the shared helper is used as it is
 * while it holds exactly the locked versions.
 *
 * @example
 *   npm run trainer:install                 # = npx tsx runtime/trainer/install.ts [--force]
 *   const python = await ensureTrainerVenv({ log: console.error });
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensurePythonEnv } from '../src/python/ensurePythonEnv.ts';
import { PythonEnvError } from '../src/python/pythonEnvError.ts';

export type EnsureTrainerVenvOptions = {
  /** Where progress lines go (default: stderr, so stdout stays clean for callers). */
  log?: (line: string) => void;
  /** Build the venv again from scratch, even when it is current. */
  force?: boolean;
};

/** Makes sure the trainer's venv matches its locks; returns its python. A no-op when current. */
export function ensureTrainerVenv(options: EnsureTrainerVenvOptions = {}): Promise<string> {
  return ensurePythonEnv('trainer', {
    log: options.log ?? ((line) => console.error(`trainer install: ${line}`)),
    force: options.force ?? false,
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  ensureTrainerVenv({ force: process.argv.includes('--force') }).then(
    (python) => console.log(python),
    (err: unknown) => {
      console.error(
        err instanceof PythonEnvError ? `trainer install failed [${err.code}]: ${err.explain()}` : err,
      );
      process.exit(1);
    },
  );
}
