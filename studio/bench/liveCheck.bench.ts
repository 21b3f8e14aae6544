// Live check benchmark: the two stages of the check the environment page runs after every edit
// (studio/app/validate/), for the catalog's largest environment and a generated 200-state machine,
// against the server's check of the same spec in the same run (the ratio is stage 2 / server).
// - stage 1: `toSpec` of the document, then `parseStage` (the core's parseSpec), on the page;
// - stage 2: the core's `checkEnv` under LIVE_CHECK_OPTIONS (small budgets, no cross-host), which
//   the page runs in a Web Worker; here in this process, to compare the checker's work alone;
// - server: `checkEnv` as the studio server runs it for a page (crossHost off, default budgets),
//   also in this process (the server adds a worker thread around it).
// "same findings" compares the problems both report: smaller budgets must not change a verdict.
// Run: node --import tsx studio/bench/liveCheck.bench.ts   (PALESTRA_BENCH_SMOKE=1: one round)
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { type EnvSource, parseSpec } from '@palestra/envs/core';
import { checkEnv } from '@palestra/envs/node';
import Table from 'cli-table3';
import { syntheticSpec } from '../app/canvas/syntheticSpec.ts';
import { fromSpec } from '../app/doc/fromSpec.ts';
import { filesOf, toSpec } from '../app/doc/toSpec.ts';
import { problemsOf } from '../app/problems/problemsOf.ts';
import { parseStage } from '../app/validate/parseStage.ts';
import { LIVE_CHECK_OPTIONS } from '../app/validate/serveCheckWorker.ts';

const SMOKE = process.env.PALESTRA_BENCH_SMOKE === '1';
const ROUNDS = SMOKE ? 1 : 5;

/** Median ms of `fn` over the rounds (after one untimed warm-up), and its last value. */
async function median<T>(fn: () => T | Promise<T>): Promise<{ ms: number; value: T }> {
  let value = await fn();
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    value = await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, value };
}

// The largest catalog environment by the size of its spec.
const largest = catalogNames()
  .map((name) => ({ name, source: loadCatalog(name) }))
  .sort((a, b) => JSON.stringify(b.source.spec).length - JSON.stringify(a.source.spec).length)[0]!;
const cases: { name: string; source: EnvSource }[] = [
  { name: `${largest.name} (largest in the catalog)`, source: largest.source },
  { name: 'generated, 200 states', source: { spec: parseSpec(syntheticSpec(200)), files: {} } },
];

/** What a report says, but for the cross-host line (skipped by both, in other words). */
const key = (r: Awaited<ReturnType<typeof checkEnv>>) =>
  problemsOf(r)
    .filter((p) => p.check !== 'cross-host')
    .map((p) => `${p.level} ${p.check} ${p.code ?? ''}`);

const table = new Table({
  head: [
    'environment',
    'stage 1: toSpec + parse (ms)',
    'stage 2: live checker (ms)',
    "server's check (ms)",
    'stage 2 / server',
    'same findings',
  ],
});
for (const { name, source } of cases) {
  const doc = fromSpec(source.spec, source.files);
  const stage1 = await median(() => {
    const { spec, problems, paths } = toSpec(doc);
    return parseStage({ spec, files: filesOf(doc), docProblems: problems, paths });
  });
  if (!stage1.value.source) throw new Error(`${name}: the document did not parse`);
  // Side by side, alternating, so that a busy moment of the machine hits both.
  const live: number[] = [];
  const server: number[] = [];
  let liveProblems: string[] = [];
  let serverProblems: string[] = [];
  for (let r = 0; r <= ROUNDS; r++) {
    let t0 = performance.now();
    const a = await checkEnv(stage1.value.source, LIVE_CHECK_OPTIONS);
    if (r > 0) live.push(performance.now() - t0);
    t0 = performance.now();
    const b = await checkEnv(source, { crossHost: false });
    if (r > 0) server.push(performance.now() - t0);
    liveProblems = key(a);
    serverProblems = key(b);
  }
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  table.push([
    name,
    stage1.ms.toFixed(1),
    mid(live).toFixed(0),
    mid(server).toFixed(0),
    `${(mid(live) / mid(server)).toFixed(2)}×`,
    JSON.stringify(liveProblems) === JSON.stringify(serverProblems)
      ? 'yes'
      : `no: live ${liveProblems.join(', ') || 'none'}; server ${serverProblems.join(', ') || 'none'}`,
  ]);
}
console.log(`Live check, median of ${ROUNDS} rounds`);
console.log(table.toString());

// The smaller budgets must not change a verdict: every catalog environment, once each.
const differ: string[] = [];
for (const name of catalogNames()) {
  const source = loadCatalog(name);
  const live = key(await checkEnv(source, LIVE_CHECK_OPTIONS));
  const server = key(await checkEnv(source, { crossHost: false }));
  if (JSON.stringify(live) !== JSON.stringify(server))
    differ.push(`${name}: live ${live.join(', ') || 'none'}; server ${server.join(', ') || 'none'}`);
}
console.log(
  differ.length === 0
    ? `Same findings as the server's check on all ${catalogNames().length} catalog environments.`
    : `Findings differ from the server's check:\n  ${differ.join('\n  ')}`,
);
