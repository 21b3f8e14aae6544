/**
 * The Python environment with OpenEnv's published client and server (`openenv` 0.10.0, hash-locked
 * in `requirements.lock`): the `openenv` use of runtime/src/python, which installs only this lock
 * into the venv it shares with the repository's other Python uses (a few hundred MB, no torch).
 *
 * @example
 *   const python = await ensureOpenEnvVenv();
 *   execFile(python, [checkScript, server.url]);
 */
import { ensurePythonEnv } from '../../../runtime/src/python/ensurePythonEnv.ts';

/** Makes sure the venv holds exactly `requirements.lock`; returns its python. A no-op when current. */
export function ensureOpenEnvVenv(options: { log?: (line: string) => void } = {}): Promise<string> {
  return ensurePythonEnv('openenv', options.log ? { log: options.log } : {});
}
