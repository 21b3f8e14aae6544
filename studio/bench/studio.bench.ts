// Studio benchmark: statechart layout for the catalog and generated machines, against the goal of
// the studio issue (200 states laid out in ≤ 1.5 s), with building the graph as the reference step
// measured in the same run; and the studio server's memory with the catalog loaded.
// Run: npm run bench -w studio          (3 rounds)
//      PALESTRA_BENCH_SMOKE=1 npm run bench -w studio   (one round, no 1,000-state machine: checks
//      that it runs and prints its table; its numbers are not measurements)
// In Debian's Chromium (playwright-core), against a studio started in this process: first render
// of each environment page (navigation until every state is a canvas node), and the simulator's
// click-to-observation latency against a bare core `step` in the same page.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { envSource, parseSpec, usesModules } from '@palestra/envs/core';
import { ContentStore } from '@palestra/envs/node';
import { chromiumPath } from '@palestra/testing/browser';
import Table from 'cli-table3';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { layoutGraph } from '../app/canvas/layoutGraph.ts';
import { statechartGraph } from '../app/canvas/statechartGraph.ts';
import { syntheticSpec } from '../app/canvas/syntheticSpec.ts';
import { buildStudio } from '../server/build.ts';
import { checkReport } from '../server/checkStatus.ts';
import { environmentSource } from '../server/environmentSource.ts';
import { startStudio } from '../server/start.ts';

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

/** The q-quantile of `xs` (nearest rank). */
function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
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

// ---- In the browser -------------------------------------------------------------------------
// First render: from navigation to the last canvas node of the page, for the catalog and for
// generated machines imported as studio environments. Latency: a click on Step until the panel
// shows the new step, measured in the page, against the core's own `step` bundled into the same
// page (the reference: what the simulator adds is the page's work around it, and for environments
// with modules the hop to the worker).
const browserDir = mkdtempSync(join(tmpdir(), 'palestra-studio-bench-browser-'));
const studio = await startStudio({
  port: 0,
  warm: true, // as `palestra studio` starts it: the layout thread up and warmed
  dir: join(browserDir, 'studio'),
  runsDir: join(browserDir, 'runs'),
  storeDir: join(browserDir, 'store'),
  databaseUrl: '',
  log: () => {},
});
const browser = await chromium.launch({
  executablePath: chromiumPath(),
  args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const store = new ContentStore(studio.context.storeDir);
  const pages: Array<{ name: string; ref: string; states: number }> = catalogNames().map((name) => ({
    name,
    ref: name,
    states: statechartGraph(loadCatalog(name).spec).nodes.length,
  }));
  for (const n of SMOKE ? [50, 200] : [50, 200, 1000]) {
    const source = envSource(syntheticSpec(n), {});
    const root = await store.putSource(source);
    const row = await studio.context.repo.createEnvironment({
      name: `generated-${n}`,
      source: 'import',
      root,
    });
    pages.push({ name: `generated, ${n} states`, ref: row.id, states: n });
  }
  const render = new Table({
    head: ['page', 'states', 'first visit, ms', 'again (layout cached), ms', 'goal (first visit)'],
    style: { head: [], border: [] },
  });
  // Each page's quick check run beforehand: a first visit starts it in the background, and it
  // would take the two cores from the render being timed.
  for (const { ref } of pages) {
    const env = await environmentSource(studio.context, ref);
    await checkReport(studio.context, env!).catch(() => {});
  }
  for (const { name, ref, states } of pages) {
    const url = new URL(`/env/${encodeURIComponent(ref)}`, studio.url).href;
    // Round 0 is the first visit of this root (the server lays it out); the others find the
    // layout in the server's cache.
    const times: number[] = [];
    for (let r = 0; r <= ROUNDS; r++) {
      await page.goto('about:blank');
      const t0 = performance.now();
      await page.goto(url);
      await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length === n, states, {
        timeout: 60_000,
      });
      times.push(performance.now() - t0);
    }
    const first = times[0]!;
    const again = quantile(times.slice(1), 0.5);
    render.push([
      name,
      states,
      first.toFixed(0),
      again.toFixed(0),
      states === 200 ? `≤ 1500 ms ${first <= 1500 ? '✔' : '✘'}` : '',
    ]);
  }
  console.log(render.toString());

  // The bare core in the page: esbuild bundles `@palestra/envs/core` into a script tag.
  const core = await esbuild.build({
    stdin: {
      contents:
        "import { envSource, makeEnv, setQuickJSWasm } from '@palestra/envs/core'; globalThis.palestraCore = { envSource, makeEnv, setQuickJSWasm };",
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      loader: 'ts',
    },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    // The core's Node-only path (reading QuickJS's WebAssembly from disk) is never taken here.
    logOverride: { 'empty-import-meta': 'silent' },
    write: false,
  });
  const latency = new Table({
    head: [
      'environment',
      'runs in',
      'bare core step p50 / p99, ms',
      'simulator click→observation p50 / p99, ms',
      'goal p99 ≤ 50 ms',
    ],
    style: { head: [], border: [] },
  });
  const STEPS = SMOKE ? 10 : 60;
  for (const { name, tool, args } of [
    { name: 'frozen-lake', tool: 'move', args: { direction: 'right' } },
    { name: 'refund-desk', tool: 'lookup_order', args: { orderId: 'A-1042' } },
  ]) {
    const { spec, files } = loadCatalog(name);
    const action = { tool, arguments: args };
    await page.goto(new URL(`/env/${name}/simulate`, studio.url).href);
    await page.waitForSelector('#obs-title');
    await page.addScriptTag({ content: new TextDecoder().decode(core.outputFiles[0]!.contents) });
    // The reference: reset, then step and restore the same snapshot, STEPS times, in the page.
    const bare = await page.evaluate(
      async ({ spec, files, action, steps }) => {
        const c = (globalThis as unknown as { palestraCore: Record<string, (...a: unknown[]) => unknown> })
          .palestraCore;
        c.setQuickJSWasm!(new URL('/quickjs.wasm', location.href).href);
        const env = (await c.makeEnv!(c.envSource!(spec, files))) as {
          reset(o: object): unknown;
          step(a: object): unknown;
          snapshot(): unknown;
          restore(s: unknown): void;
          close(): void;
        };
        await env.reset({ seed: 0 });
        const snap = env.snapshot();
        const times: number[] = [];
        for (let i = 0; i < steps; i++) {
          const t0 = performance.now();
          await env.step(action);
          times.push(performance.now() - t0);
          env.restore(snap);
        }
        env.close();
        return times;
      },
      { spec, files, action, steps: STEPS },
    );
    // The simulator: Step then Back, STEPS times; each Step timed from the click until the
    // panel's heading names the new step.
    await page.getByLabel('Tool').selectOption(tool);
    await page.getByRole('button', { name: 'JSON', exact: true }).click();
    await page.getByLabel('Arguments (JSON)').fill(JSON.stringify(args));
    await page.waitForSelector('#args-problem:not(.field-error)');
    const sim: number[] = [];
    for (let i = 0; i < STEPS; i++) {
      sim.push(
        await page.evaluate(
          () =>
            new Promise<number>((resolve) => {
              const heading = document.querySelector('#obs-title')!;
              const before = heading.textContent;
              const t0 = performance.now();
              const watch = new MutationObserver(() => {
                if (heading.textContent === before) return;
                watch.disconnect();
                resolve(performance.now() - t0);
              });
              watch.observe(heading, { subtree: true, childList: true, characterData: true });
              [...document.querySelectorAll('button')].find((b) => b.textContent === 'Step')!.click();
            }),
        ),
      );
      await page.getByRole('button', { name: 'Back', exact: true }).click();
      await page.waitForFunction(() => document.querySelector('#obs-title')?.textContent?.includes('step 0'));
    }
    latency.push([
      name,
      usesModules(spec) ? 'Web Worker' : 'the page',
      `${quantile(bare, 0.5).toFixed(2)} / ${quantile(bare, 0.99).toFixed(2)}`,
      `${quantile(sim, 0.5).toFixed(1)} / ${quantile(sim, 0.99).toFixed(1)}`,
      quantile(sim, 0.99) <= 50 ? '✔' : '✘',
    ]);
  }
  console.log(latency.toString());
} finally {
  await browser.close();
  await studio.close();
  rmSync(browserDir, { recursive: true, force: true });
}

if (SMOKE)
  console.log('smoke run (PALESTRA_BENCH_SMOKE=1): one short round, the numbers are not measurements');
console.log(
  `layout and first render: median of ${ROUNDS} round${ROUNDS === 1 ? '' : 's'} after a warm-up; Node ${process.version}`,
);
