#!/usr/bin/env node
// The node half of `npm test`: runs the given test files with node:test's `run()`, two at a time,
// the slowest first, and ends with the slowest files and their times.
//
// Why not `node --test`: Node 20's command sorts its files by path, so the two longest files
// (scripts/readme.test.ts, ~400 s, and the trainer's, ~300 s on 2 cores) started late and the run
// ended with one of them alone on a core: 786 s where the work fits in ~690 (measured in CI).
// `run()` keeps the order it is given. Started with `--import tsx`, whose flag the test processes
// inherit. Usage (scripts/test.mjs calls it): node --import tsx scripts/nodeTests.mjs FILE...
import { relative } from 'node:path';
import { Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const root = new URL('..', import.meta.url).pathname;

/**
 * Seconds a file took in a full run on 2 cores (CI, December 2026): the longest files of `npm test`
 * and of `npm run test:e2e` (each run sees only its own). Files start in this order, the rest after
 * them in path order. Refresh from the table a run prints.
 */
const MEASURED = {
  'scripts/readme.e2e.test.ts': 300,
  'runtime/src/train/train.e2e.test.ts': 256,
  'scripts/readme.test.ts': 190,
  'runtime/src/cli/cli.test.ts': 56,
  'contracts/src/invariants.test.ts': 36,
  'runtime/src/cli/submit.e2e.test.ts': 67,
  'studio/e2e/studio.e2e.test.ts': 55,
  'studio/server/start.test.ts': 23,
  'runtime/src/cli/score.test.ts': 21,
  'runtime/src/cli/rollout.test.ts': 17,
};

const files = process.argv.slice(2).map((f) => relative(root, f));
const order = (f) => MEASURED[f] ?? 0;
files.sort((a, b) => order(b) - order(a) || (a < b ? -1 : a > b ? 1 : 0));

/** Seconds per file: the sum of its top-level tests. */
const seconds = new Map();
let failed = false;
const watch = new Transform({
  objectMode: true,
  transform(event, _encoding, done) {
    if (event.type === 'test:fail') failed = true;
    if (
      (event.type === 'test:pass' || event.type === 'test:fail') &&
      event.data.nesting === 0 &&
      event.data.file
    ) {
      const file = relative(root, event.data.file);
      seconds.set(file, (seconds.get(file) ?? 0) + (event.data.details?.duration_ms ?? 0) / 1000);
    }
    done(null, event);
  },
});

// forceExit: a file whose tests are all done ends even if a handle it leaked (a socket, a timer)
// would keep its process alive; without it one leak hangs the whole run, with no timeout to end it.
const reporter = run({ files: files.map((f) => `${root}${f}`), concurrency: 2, forceExit: true })
  .pipe(watch)
  .pipe(new spec());
reporter.pipe(process.stdout, { end: false });
await finished(reporter);
const slowest = [...seconds].sort((a, b) => b[1] - a[1]).slice(0, 10);
if (slowest.length > 1) {
  console.log('\nslowest files (seconds: the sum of their top-level tests)');
  for (const [file, s] of slowest) console.log(`${s.toFixed(1).padStart(7)}  ${file}`);
}
process.exitCode = failed ? 1 : 0;
