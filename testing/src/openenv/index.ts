// The OpenEnv conformance kit for the tests of `palestra serve`: OpenEnv's published client and
// reference server (hash-locked in requirements.lock, installed as the `openenv` use of
// runtime/src/python) and the Python scripts that drive them.
export { ensureOpenEnvVenv } from './ensureOpenEnvVenv.ts';

/** The folder of the kit's Python scripts (`check_openenv.py`, `probe_protocol.py`, `reference_server.py`). */
export const OPENENV_KIT_DIR = new URL('./', import.meta.url).pathname;
