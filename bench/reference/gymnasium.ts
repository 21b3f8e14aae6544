// Reference half of the kernel benchmark: Gymnasium's FrozenLake-v1 measured on this machine, in the
// same run as Palestra's numbers. It drives bench/reference/gymnasium_bench.py with the venv at
// bench/.venv (made by bench/reference/setup.sh on first use; nothing is installed anywhere else).
//
//   import { measureGymnasium } from './reference/gymnasium.ts';
//   const gym = await measureGymnasium({ seconds: 3 });
//
// Only node: built-ins, so it runs before and without any npm install of extra packages.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What gymnasium_bench.py reports (all rates measured single-threaded, wall clock). */
export interface GymnasiumResults {
  /** `gymnasium.make("FrozenLake-v1", map_name="4x4", is_slippery=True)`, TimeLimit(100) kept; resets timed in. */
  frozen_lake_steps_per_s: number;
  /** Mean latency of an unseeded `env.reset()` of the same env, in microseconds. */
  frozen_lake_reset_us: number;
  /** `SyncVectorEnv` of 64 such envs, next-step autoreset: 64 × vector steps / s. */
  sync_vector_64_env_steps_per_s: number;
  gymnasium_version: string;
  python_version: string;
  numpy_version: string;
  env_id: string;
  env_kwargs: { map_name: string; is_slippery: boolean };
  /** Timed duration of each of the three measurements. */
  seconds: number;
  warmup_seconds: number;
  seed: number;
  threads: number;
  counts: {
    frozen_lake_steps: number;
    frozen_lake_episodes: number;
    frozen_lake_resets: number;
    sync_vector_64_vector_steps: number;
  };
  /**
   * Min/median/max of each rate over the timed chunks (between two looks at the clock), to tell a real
   * gap from a noisy moment on a shared machine. The headline numbers are totals over `seconds`.
   */
  spread: {
    frozen_lake_steps_per_s: GymnasiumSpread;
    frozen_lake_reset_us: GymnasiumSpread;
    sync_vector_64_env_steps_per_s: GymnasiumSpread;
  };
  platform: string;
}

export interface GymnasiumSpread {
  min: number;
  median: number;
  max: number;
  chunks: number;
}

/** One transition of the seed-42 reference trace (`gymnasium_bench.py --check-determinism`). */
export interface GymnasiumTraceStep {
  t: number;
  episode: number;
  /** Observation before the step. */
  state: number;
  /** 0=LEFT 1=DOWN 2=RIGHT 3=UP, from `np.random.default_rng(seed).integers(0, 4)`. */
  action: number;
  /** The env RNG's uniform draw that chose the slip. */
  u: number;
  /** The direction actually taken. */
  moved: 'LEFT' | 'DOWN' | 'RIGHT' | 'UP';
  obs: number;
  reward: number;
  terminated: boolean;
  truncated: boolean;
}

export interface GymnasiumTrace {
  seed: number;
  actions_rng: string;
  map: string[];
  max_episode_steps: number;
  steps: GymnasiumTraceStep[];
  /** `env.unwrapped.P`: transitions[state][action] = [probability, next state, reward, terminated][]. */
  transitions: Record<string, Record<string, [number, number, number, boolean][]>>;
  gymnasium_version: string;
  python_version: string;
  numpy_version: string;
}

const here = new URL('.', import.meta.url);
const setupScript = fileURLToPath(new URL('setup.sh', here));
const benchScript = fileURLToPath(new URL('gymnasium_bench.py', here));
const venvDir = fileURLToPath(new URL('../.venv/', here));
const venvPython = fileURLToPath(new URL('../.venv/bin/python', here));
// Written by setup.sh once gymnasium and numpy import from the venv.
const setupMarker = fileURLToPath(new URL('../.venv/.palestra-reference', here));

const singleThreaded = {
  OMP_NUM_THREADS: '1',
  MKL_NUM_THREADS: '1',
  OPENBLAS_NUM_THREADS: '1',
  NUMEXPR_NUM_THREADS: '1',
  VECLIB_MAXIMUM_THREADS: '1',
};

/** A path as a person would type it from the current directory. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

function byHand(args: string[]): string {
  return [`bash ${shown(setupScript)}`, [shown(venvPython), shown(benchScript), ...args].join(' ')].join(
    ' && ',
  );
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  error?: Error;
}

/** Runs a command; its stderr (and, unless captured, its stdout) is streamed to our stderr. */
function run(command: string, args: string[], captureStdout: boolean, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...singleThreaded, PYTHONUNBUFFERED: '1' },
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let failed: Error | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (captureStdout) stdout += chunk;
      else process.stderr.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    child.on('error', (err) => {
      failed = err;
    });
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, ...(failed ? { error: failed } : {}) }),
    );
  });
}

function describeExit(r: RunResult, timeoutMs: number): string {
  if (r.error) return `could not be started (${r.error.message})`;
  if (r.signal === 'SIGKILL')
    return `was killed (signal SIGKILL; the limit was ${Math.round(timeoutMs / 1000)} s)`;
  if (r.signal) return `was killed by ${r.signal}`;
  return `exited with code ${r.code}`;
}

/** Makes bench/.venv with gymnasium when it is missing or its setup never finished. */
async function ensureVenv(): Promise<void> {
  if (existsSync(venvPython) && existsSync(setupMarker)) return;
  process.stderr.write(
    `[bench/reference] ${shown(venvDir)} is not set up yet: running ${shown(setupScript)}\n`,
  );
  const timeoutMs = 20 * 60_000;
  const r = await run('bash', [setupScript], false, timeoutMs);
  if (r.error || r.code !== 0 || !existsSync(venvPython)) {
    throw new Error(
      `Gymnasium reference setup failed: bash ${shown(setupScript)} ${describeExit(r, timeoutMs)}` +
        (r.code === 0 ? ` but ${shown(venvPython)} is missing` : '') +
        `. Its output is above; run it by hand to retry: bash ${shown(setupScript)}`,
    );
  }
}

async function runBench(args: string[], timeoutMs: number, what: string): Promise<unknown> {
  await ensureVenv();
  const r = await run(venvPython, [benchScript, ...args], true, timeoutMs);
  if (r.error || r.code !== 0) {
    throw new Error(
      `Gymnasium reference ${what} failed: ${shown(venvPython)} ${shown(benchScript)} ${describeExit(r, timeoutMs)} ` +
        `(its stderr is above). Run by hand: ${byHand(args)}`,
    );
  }
  const text = r.stdout.trim();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(
      `Gymnasium reference ${what}: expected one JSON object on stdout, got ${JSON.stringify(text.slice(0, 300))}. ` +
        `Run by hand: ${byHand(args)}`,
    );
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the JSON against GymnasiumResults; lists every problem found. */
function validateResults(v: unknown): string[] {
  if (!isObject(v)) return ['not a JSON object'];
  const problems: string[] = [];
  const positive = (obj: Record<string, unknown>, key: string, prefix = '') => {
    const x = obj[key];
    if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) {
      problems.push(`${prefix}${key} should be a finite number > 0, got ${JSON.stringify(x)}`);
    }
  };
  const nonNegativeInt = (obj: Record<string, unknown>, key: string, prefix = '') => {
    const x = obj[key];
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) {
      problems.push(`${prefix}${key} should be an integer >= 0, got ${JSON.stringify(x)}`);
    }
  };
  const text = (key: string) => {
    const x = v[key];
    if (typeof x !== 'string' || x === '')
      problems.push(`${key} should be a non-empty string, got ${JSON.stringify(x)}`);
  };
  for (const key of [
    'frozen_lake_steps_per_s',
    'frozen_lake_reset_us',
    'sync_vector_64_env_steps_per_s',
    'seconds',
  ]) {
    positive(v, key);
  }
  for (const key of ['gymnasium_version', 'python_version', 'numpy_version', 'env_id', 'platform']) text(key);
  const warmup = v.warmup_seconds;
  if (typeof warmup !== 'number' || !Number.isFinite(warmup) || warmup < 0) {
    problems.push(`warmup_seconds should be a number >= 0, got ${JSON.stringify(warmup)}`);
  }
  nonNegativeInt(v, 'seed');
  if (v.threads !== 1) problems.push(`threads should be 1, got ${JSON.stringify(v.threads)}`);
  if (v.env_id !== undefined && v.env_id !== 'FrozenLake-v1') {
    problems.push(`env_id should be "FrozenLake-v1", got ${JSON.stringify(v.env_id)}`);
  }
  const kwargs = v.env_kwargs;
  if (!isObject(kwargs) || kwargs.map_name !== '4x4' || kwargs.is_slippery !== true) {
    problems.push(
      `env_kwargs should be {"map_name":"4x4","is_slippery":true}, got ${JSON.stringify(kwargs)}`,
    );
  }
  const counts = v.counts;
  if (!isObject(counts)) {
    problems.push(`counts should be an object, got ${JSON.stringify(counts)}`);
  } else {
    for (const key of ['frozen_lake_steps', 'frozen_lake_resets', 'sync_vector_64_vector_steps']) {
      positive(counts, key, 'counts.');
    }
    for (const key of [
      'frozen_lake_steps',
      'frozen_lake_episodes',
      'frozen_lake_resets',
      'sync_vector_64_vector_steps',
    ]) {
      nonNegativeInt(counts, key, 'counts.');
    }
  }
  const spread = v.spread;
  if (!isObject(spread)) {
    problems.push(`spread should be an object, got ${JSON.stringify(spread)}`);
  } else {
    for (const key of ['frozen_lake_steps_per_s', 'frozen_lake_reset_us', 'sync_vector_64_env_steps_per_s']) {
      const s = spread[key];
      if (!isObject(s)) {
        problems.push(`spread.${key} should be an object, got ${JSON.stringify(s)}`);
        continue;
      }
      for (const stat of ['min', 'median', 'max', 'chunks']) positive(s, stat, `spread.${key}.`);
      if (!(Number(s.min) <= Number(s.median) && Number(s.median) <= Number(s.max))) {
        problems.push(`spread.${key} should have min <= median <= max, got ${JSON.stringify(s)}`);
      }
    }
  }
  if (typeof v.gymnasium_version === 'string' && !/^1\./.test(v.gymnasium_version)) {
    problems.push(`gymnasium_version should be 1.x, got ${v.gymnasium_version}`);
  }
  return problems;
}

/**
 * Measures Gymnasium's FrozenLake-v1 on this machine (single env steps/s, reset latency, and
 * SyncVectorEnv×64 env-steps/s), each for `seconds` (default 3) after an untimed warm-up of
 * `warmup` seconds (default: the script's 0.5), so about 3 × (seconds + warmup) s plus Python
 * start-up. Makes bench/.venv first if needed (its output goes to stderr).
 * Throws an Error saying what failed and the command to run by hand.
 */
export async function measureGymnasium(
  opts: { seconds?: number; warmup?: number } = {},
): Promise<GymnasiumResults> {
  const seconds = opts.seconds ?? 3;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`measureGymnasium: seconds must be a finite number > 0, got ${String(seconds)}`);
  }
  const warmup = opts.warmup;
  if (warmup !== undefined && (!Number.isFinite(warmup) || warmup < 0)) {
    throw new Error(`measureGymnasium: warmup must be a finite number >= 0, got ${String(warmup)}`);
  }
  const args = ['--seconds', String(seconds), ...(warmup === undefined ? [] : ['--warmup', String(warmup)])];
  // Three timed phases plus warm-ups and imports; generous, but bounded.
  const timeoutMs = Math.ceil((3 * (seconds + (warmup ?? 0.5)) + 120) * 1000);
  const parsed = await runBench(args, timeoutMs, 'benchmark');
  const problems = validateResults(parsed);
  if (problems.length > 0) {
    throw new Error(
      `Gymnasium reference benchmark printed unexpected results: ${problems.join('; ')}. Run by hand: ${byHand(args)}`,
    );
  }
  return parsed as GymnasiumResults;
}

/**
 * The reference trace used to check Palestra's lake against FrozenLake-v1: the first `steps`
 * (default 20) transitions after `reset(seed)` (default 42), with the map and the transition table.
 */
export async function gymnasiumDeterminismTrace(
  opts: { seed?: number; steps?: number } = {},
): Promise<GymnasiumTrace> {
  const seed = opts.seed ?? 42;
  const steps = opts.steps ?? 20;
  if (!Number.isSafeInteger(seed) || seed < 0 || !Number.isSafeInteger(steps) || steps < 1) {
    throw new Error(
      `gymnasiumDeterminismTrace: seed must be an integer >= 0 and steps >= 1, got ${seed}, ${steps}`,
    );
  }
  const args = ['--check-determinism', '--seed', String(seed), '--trace-steps', String(steps)];
  const parsed = await runBench(args, 120_000 + steps * 10, 'determinism trace');
  if (
    !isObject(parsed) ||
    !Array.isArray(parsed.steps) ||
    parsed.steps.length !== steps ||
    !Array.isArray(parsed.map) ||
    !isObject(parsed.transitions)
  ) {
    throw new Error(
      `Gymnasium reference determinism trace printed an unexpected object (want map, steps[${steps}], transitions). ` +
        `Run by hand: ${byHand(args)}`,
    );
  }
  return parsed as unknown as GymnasiumTrace;
}
