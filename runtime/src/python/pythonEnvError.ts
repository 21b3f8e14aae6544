import { PalestraError } from '@palestra/envs';

/**
 * A Python environment could not be made: no usable interpreter, a lock file that is missing,
 * malformed or disagrees with another use's lock, too little disk, or a failed uv step. `code` says
 * which (`PYTHON_*`), `details` names the file, package or command, and `hint` says what to do.
 *
 * @example
 * try { await ensurePythonEnv('bench') } catch (e) { if (e instanceof PythonEnvError) console.error(e.explain()) }
 */
export class PythonEnvError extends PalestraError {
  override name = 'PythonEnvError';
}
