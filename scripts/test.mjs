#!/usr/bin/env node
// Runs every test in the tree: Node's own test runner for the TypeScript tests (through tsx, two
// files at a time, the slowest first: scripts/nodeTests.mjs), then the trainer's Python tests
// with pytest in the trainer's venv (installed or refreshed first by
// runtime/src/python, the repository's one Python-environment helper; a no-op when its lock has not
// changed; PALESTRA_TRAINER_PYTHON replaces it).
// Node 20's `--test` takes no globs, so the files are collected here.
// End-to-end suites (`*.e2e.test.ts`) are left out; `npm run test:e2e` (`--e2e`) runs them, and
// only them (no pytest), with the same path filters.
//
// Usage: npm test [-- <path-substring> ...]
//   npm run test:e2e [-- <path-substring> ...]
//   npm test                                  node tests, then the trainer's pytest suite
//   npm test -- envs/src/sandbox              only node tests whose path contains a filter
//   npm test -- runtime/trainer               only the trainer's pytest suite (no node test matches)
//   npm test -- runtime/trainer/tests/test_chat.py   one pytest file
// Then the `palestra` Python package's suite (python/tests) in the `python` use's venv: with no filter,
// or a filter `python` or `python/...`.
// Pytest runs when there is no filter or when a filter contains `runtime/trainer` (unless that
// filter is no path and matches node tests only, e.g. `runtime/trainer/install`); node tests run
// when at least one of their paths matches a filter. PALESTRA_TRAINER_SKIP=1 skips the Python tests
// (say so in your report: CI never sets it).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const roots = ['errors', 'envs', 'overseer', 'runtime', 'contracts', 'studio', 'testing', 'scripts'];
const skip = new Set(['node_modules', '.venv', 'dist', '.palestra', 'artifacts']);
const trainer = 'runtime/trainer';
const pythonPackage = 'python';

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const e2e = process.argv.includes('--e2e');
const filters = process.argv.slice(2).filter((a) => a !== '--e2e');
const isE2e = (f) => f.endsWith('.e2e.test.ts');
const files = roots
  .flatMap((r) => {
    try {
      return collect(join(root, r), []);
    } catch {
      return [];
    }
  })
  .filter((f) => isE2e(f) === e2e)
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (e2e && files.length === 0 && !filters.some((f) => f === 'python' || f.startsWith('python/'))) {
  if (filters.length > 0) {
    console.error(`no e2e suite matches ${filters.join(' ')}`);
    process.exit(1);
  }
  console.log(`no e2e suites: no *.e2e.test.ts file under ${roots.join(', ')}`);
  process.exit(0);
}
// A filter inside runtime/trainer that only names node tests (`runtime/trainer/install`) stays node-only.
const trainerFilters = filters.filter(
  (f) => f.includes(trainer) && (existsSync(join(root, f)) || !files.some((file) => file.includes(f))),
);
const runPytest = !e2e && (filters.length === 0 || trainerFilters.length > 0);
// The `palestra` Python package (python/): its suite runs after the trainer's, in the `python` use's venv.
const packageFilters = filters.filter((f) => f === pythonPackage || f.startsWith(`${pythonPackage}/`));
// Its slow suite (python/tests_slow: Q-learning against Gymnasium's FrozenLake-v1) runs with the
// end-to-end suites.
const runPackagePytest = filters.length === 0 || packageFilters.length > 0;

if (files.length === 0 && !runPytest && !runPackagePytest) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

let status = 0;
if (files.length > 0) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'scripts', 'nodeTests.mjs'), ...files],
    { cwd: root, stdio: 'inherit' },
  );
  status = result.status ?? 1;
}

/**
 * Installs (or checks) the venv of Python use `use` through the repository's helper, then runs
 * pytest on `targets` in it; `what` names the suite in messages. Returns pytest's status.
 */
function pytestIn(use, what, targets) {
  // The helper prints the venv's python on stdout, its progress on stderr.
  const install = spawnSync(process.execPath, ['--import', 'tsx', 'runtime/src/python/cli.ts', use], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const python = install.stdout?.trim().split('\n').pop();
  if (install.status !== 0 || !python) {
    console.error(`\n${what} venv could not be installed (see above); its tests did not run`);
    process.exit(1);
  }
  console.error(`\n== pytest ${targets.join(' ')}`);
  const threads = '1'; // tiny matrices: one thread is ~10× faster than two on a busy 2-core box (measured)
  const pytest = spawnSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', ...targets], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      OMP_NUM_THREADS: threads,
      MKL_NUM_THREADS: threads,
      PALESTRA_TEST_THREADS: threads,
      TOKENIZERS_PARALLELISM: 'false',
      HF_HUB_OFFLINE: '1',
      TRANSFORMERS_OFFLINE: '1',
    },
  });
  return pytest.status ?? 1;
}

const skipPython = process.env.PALESTRA_TRAINER_SKIP === '1';
if (runPytest && skipPython) {
  console.error("\nPALESTRA_TRAINER_SKIP=1: the trainer's Python tests were NOT run");
} else if (runPytest) {
  // A filter naming a file or folder inside runtime/trainer selects it; otherwise the whole suite.
  const targets = trainerFilters.filter((f) => f !== trainer && existsSync(join(root, f)));
  const code = pytestIn('trainer', "the trainer's", targets.length ? targets : [`${trainer}/tests`]);
  if (code !== 0) status = code;
}

if (runPackagePytest && skipPython) {
  console.error("PALESTRA_TRAINER_SKIP=1: the palestra package's Python tests were NOT run");
} else if (runPackagePytest) {
  // A filter naming a file or folder inside python/ selects it (python/tests_slow: the slow suite).
  const selected = packageFilters.filter((f) => f !== pythonPackage && existsSync(join(root, f)));
  const targets = selected.length ? selected : [`${pythonPackage}/${e2e ? 'tests_slow' : 'tests'}`];
  const code = pytestIn('python', "the palestra package's", targets);
  if (code !== 0) status = code;
}
process.exit(status);
