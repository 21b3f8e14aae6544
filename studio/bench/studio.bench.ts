// Studio benchmark: statechart layout for the catalog and generated machines, against the goal of
// the studio issue (200 states laid out in ≤ 1.5 s), with building the graph as the reference step
// measured in the same run; and the studio server's memory with the catalog loaded.
// Run: npm run bench -w studio          (3 rounds)
//      PALESTRA_BENCH_SMOKE=1 npm run bench -w studio   (one round, no 1,000-state machine: checks
//      that it runs and prints its table; its numbers are not measurements)
// Not measured yet: first render and the simulator's click-to-observation latency in the page
// (they need the browser; the end-to-end suite drives it).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { parseSpec } from '@palestra/envs/core';
import Table from 'cli-table3';
import { layoutGraph } from '../app/canvas/layoutGraph.ts';
import { statechartGraph } from '../app/canvas/statechartGraph.ts';
import { syntheticSpec } from '../app/canvas/syntheticSpec.ts';
import { buildStudio } from '../server/build.ts';

const SMOKE = process.env.PALESTRA_BENCH_SMOKE === '1';
const ROUNDS = SMOKE ? 1 : 3;

/** Median ms of `fn` over the rounds (after one untimed warm-up). */
async function median(fn: () => unknown): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const machines = [
  ...catalogNames().map((name) => ({ name, spec: loadCatalog(name).spec })),
  ...(SMOKE ? [50, 200] : [50, 200, 1000]).map((n) => ({
    name: `generated, ${n} states`,
    spec: parseSpec(syntheticSpec(n)),
  })),
];

const table = new Table({
  head: ['machine', 'states', 'graph (ref), ms', 'elk layout, ms', 'layout / graph', 'goal'],
  style: { head: [], border: [] },
});
for (const { name, spec } of machines) {
  const graph = statechartGraph(spec);
  const build = await median(() => statechartGraph(spec));
  const layout = await median(() => layoutGraph(graph));
  table.push([
    name,
    graph.nodes.length,
    build.toFixed(2),
    layout.toFixed(1),
    `${(layout / Math.max(build, 1e-3)).toFixed(0)}×`,
    graph.nodes.length === 200 ? `≤ 1500 ms ${layout <= 1500 ? '✔' : '✘'}` : '',
  ]);
}
console.log(table.toString());

// The server with the catalog loaded: `palestra studio` as its own process (built first, so the
// build is not counted), its resident memory read from /proc after it served every catalog page.
await buildStudio();
const dir = mkdtempSync(join(tmpdir(), 'palestra-studio-bench-'));
const bin = fileURLToPath(new URL('../../runtime/bin/palestra.js', import.meta.url));
const child = spawn(process.execPath, [bin, 'studio', '--port', '0'], {
  cwd: dir,
  stdio: ['ignore', 'pipe', 'pipe'],
});
try {
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c;
      const m = /Palestra Studio on (http:\/\/\S+) /.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`palestra studio exited (${code}) before it served`)));
  });
  for (const name of catalogNames()) await (await fetch(new URL(`/env/${name}`, url))).text();
  await (await fetch(url)).text();
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  console.log(
    `studio server (palestra studio, its own process): ${(rss / 1024).toFixed(0)} MB resident after serving every catalog page`,
  );
} finally {
  child.kill('SIGINT');
  rmSync(dir, { recursive: true, force: true });
}
if (SMOKE)
  console.log('smoke run (PALESTRA_BENCH_SMOKE=1): one short round, the numbers are not measurements');
console.log(`median of ${ROUNDS} round${ROUNDS === 1 ? '' : 's'} after a warm-up; Node ${process.version}`);
