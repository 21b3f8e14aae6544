// Content store benchmark: what finding environments by content costs, against loading them by
// name from their folders (the reference, measured in the same run).
// Run: npx tsx envs/bench/store.bench.ts            (3 rounds)
//      PALESTRA_BENCH_SMOKE=1 npx tsx envs/bench/store.bench.ts   (one round: checks that it runs and
//      prints its table, as the README test does; its numbers are not measurements)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import { catalogNames, loadCatalog } from '../catalog/index.ts';
import { bundleBytes, merkleRoot } from '../src/bundle/bundle.ts';
import { ContentStore } from '../src/store/contentStore.ts';
import { resolveEnv } from '../src/store/resolveEnv.ts';

const SMOKE = process.env.PALESTRA_BENCH_SMOKE === '1';
const ROUNDS = SMOKE ? 1 : 3;
const REPS = SMOKE ? 2 : 20;

/** Median ms per call of `fn` over `REPS` calls, best of `ROUNDS` rounds. */
async function perCall(fn: () => unknown): Promise<number> {
  await fn(); // warm: module loads, the 0G SDK's first import
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS; r++) {
    const times: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const t0 = performance.now();
      await fn();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    best = Math.min(best, times[Math.floor(times.length / 2)]!);
  }
  return best;
}

const dir = mkdtempSync(join(tmpdir(), 'palestra-store-bench-'));
try {
  const store = new ContentStore(dir);
  const table = new Table({
    head: [
      'environment',
      'bundle KB',
      'load by name (ref)',
      'root of bundle',
      'resolveEnv (name → store)',
      'read from store (checked)',
      'store read / load',
    ],
    style: { head: [], border: [] },
  });
  for (const name of catalogNames()) {
    const source = loadCatalog(name);
    const bytes = bundleBytes(source);
    const root = await store.put(bytes);
    const load = await perCall(() => loadCatalog(name));
    const hash = await perCall(() => merkleRoot(bytes));
    const resolve = await perCall(() => resolveEnv(name, { store }));
    const read = await perCall(() => store.getSource(root));
    table.push([
      name,
      (bytes.length / 1024).toFixed(1),
      `${load.toFixed(2)} ms`,
      `${hash.toFixed(2)} ms`,
      `${resolve.toFixed(2)} ms`,
      `${read.toFixed(2)} ms`,
      `${(read / load).toFixed(2)}×`,
    ]);
  }
  console.log(table.toString());
  if (SMOKE)
    console.log('smoke run (PALESTRA_BENCH_SMOKE=1): one short round, the numbers are not measurements');
  console.log(
    'median ms per call, best of rounds. "read from store" recomputes the 0G Merkle root of every read; "resolveEnv" loads by name, roots the bundle and files it (a no-op write when present).',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
