// Studio benchmark, part 2 (runs and replay), each against a reference measured in the same run:
// - replay scrub latency over a 1,000-step episode (goal p99 ≤ 16 ms per scrub step), against the
//   page's own frame interval (requestAnimationFrame);
// - the run page of a run of 1,000 episodes (navigation until its summary shows), the first load
//   and a later one, against reading and parsing the same 1,000 files in Node (the least work a
//   summary of them needs);
// - the progress stream: a rollout run as a studio job watched over `/jobs/:id/events` by an HTTP
//   client, against the same rollout called bare.
// Run: npm run bench -w studio         (both parts; this one: npx tsx studio/bench/runs.bench.ts)
//      PALESTRA_BENCH_SMOKE=1 …        (a short run that checks it works; not measurements)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envSource, parseSpec } from '@palestra/envs/core';
import { ContentStore, readEpisode } from '@palestra/envs/node';
import { rollout, run } from '@palestra/runtime';
import { chromiumPath } from '@palestra/testing/browser';
import Table from 'cli-table3';
import { chromium } from 'playwright-core';
import { startJob } from '../server/jobs.ts';
import { runEpisodeFiles } from '../server/runFiles.ts';
import { startStudio } from '../server/start.ts';

const SMOKE = process.env.PALESTRA_BENCH_SMOKE === '1';
const EPISODE_STEPS = SMOKE ? 100 : 1000;
const RUN_EPISODES = SMOKE ? 50 : 1000;
const SCRUBS = SMOKE ? 30 : 300;
const STREAM_EPISODES = SMOKE ? 20 : 200;
const ROUNDS = SMOKE ? 1 : 3;

/** The q-quantile of `xs` (nearest rank). */
function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
const median = (xs: number[]) => quantile(xs, 0.5);

/** Two states and one tool, truncated at `EPISODE_STEPS`: a random agent plays an episode that long. */
const TICKER = parseSpec({
  specVersion: 1,
  name: 'ticker',
  version: '1.0.0',
  context: { initial: { n: 0 } },
  tasks: { list: [{ id: 't', instructions: 'tick until the end' }] },
  tools: [{ name: 'tick', description: 'tick once', event: 'TICK' }],
  machine: {
    initial: 'even',
    states: {
      even: { on: { TICK: { target: 'odd', actions: 'count' } } },
      odd: { on: { TICK: { target: 'even', actions: 'count' } } },
    },
  },
  actions: { count: { assign: { n: 'n + 1' } } },
  reward: { rules: [{ onEnter: 'odd', value: 1 }], bounds: { min: 0, max: EPISODE_STEPS } },
  observation: { template: 'ticks: {{n}}' },
  limits: { maxSteps: EPISODE_STEPS },
});

const dir = mkdtempSync(join(tmpdir(), 'palestra-runs-bench-'));
const runsDir = join(dir, 'runs');
const storeDir = join(dir, 'store');
const ticker = envSource(TICKER, {});
await new ContentStore(storeDir).putSource(ticker);
console.log(`making a ${EPISODE_STEPS}-step episode and a run of ${RUN_EPISODES} frozen-lake episodes…`);
await run({ env: ticker, agent: 'random', episodes: 1, seed: 1, out: join(runsDir, 'long-episode') });
await run({
  env: 'frozen-lake',
  agent: 'random',
  episodes: RUN_EPISODES,
  seed: 1,
  out: join(runsDir, 'many'),
});

// The reference for the run page: every episode file read and parsed in Node.
const manyDir = join(runsDir, 'many');
const files = runEpisodeFiles(manyDir);
const readTimes: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const t0 = performance.now();
  for (const f of files) readEpisode(join(manyDir, f));
  readTimes.push(performance.now() - t0);
}

const studio = await startStudio({
  port: 0,
  warm: true,
  dir: join(dir, 'studio'),
  runsDir,
  storeDir,
  databaseUrl: '',
  log: () => {},
});
const browser = await chromium.launch({
  executablePath: chromiumPath(),
  args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
});
const table = new Table({
  head: ['measure', 'studio', 'reference (same run)', 'ratio', 'goal'],
  style: { head: [], border: [] },
});
try {
  const runs = await studio.context.repo.listRuns();
  const idOf = (name: string) => {
    const found = runs.find((r) => r.folder.endsWith(`/${name}`) || r.folder === name);
    if (!found) throw new Error(`the studio did not index the run folder ${name}`);
    return found.id;
  };
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });

  // ---- The run page of a run of 1,000 episodes --------------------------------------------------
  const runUrl = new URL(`/runs/${idOf('many')}`, studio.url).href;
  const loads: number[] = [];
  for (let r = 0; r <= ROUNDS; r++) {
    await page.goto('about:blank');
    const t0 = performance.now();
    await page.goto(runUrl);
    await page.waitForSelector('#run-summary-title', { timeout: 120_000 });
    loads.push(performance.now() - t0);
  }
  const bare = median(readTimes);
  table.push(
    [
      `run page, ${RUN_EPISODES} episodes: first load, ms`,
      loads[0]!.toFixed(0),
      `read + parse the files in Node: ${bare.toFixed(0)}`,
      `${(loads[0]! / bare).toFixed(2)}×`,
      '',
    ],
    [
      'run page: later loads (summary cached), median ms',
      median(loads.slice(1)).toFixed(0),
      bare.toFixed(0),
      `${(median(loads.slice(1)) / bare).toFixed(2)}×`,
      '',
    ],
  );

  // ---- Replay: scrubbing a 1,000-step episode ---------------------------------------------------
  const replayUrl = new URL(`/runs/${idOf('long-episode')}/episode/episode-000000.jsonl`, studio.url).href;
  await page.goto(replayUrl);
  await page.waitForSelector('#replay-scrubber', { timeout: 120_000 });
  await page.waitForSelector('[data-verdict]:not([data-verdict="pending"]):not([data-verdict="checking"])', {
    timeout: 120_000,
  });
  const verdict = await page.locator('[data-verdict]').getAttribute('data-verdict');
  // Each scrub: the range moved one step (as an arrow key does, through React's onChange), timed
  // until the page shows the new position; forward through the episode, then back.
  const scrubs = await page.evaluate(async (n) => {
    const input = document.querySelector<HTMLInputElement>('#replay-scrubber')!;
    const position = document.querySelector('.replay-position')!;
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
    const max = Number(input.max);
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const next = Math.min(max, i < n / 2 ? i + 1 : n - i - 1);
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        const watch = new MutationObserver(() => {
          if (!position.textContent?.startsWith(`${next} /`)) return;
          watch.disconnect();
          resolve();
        });
        watch.observe(position, { subtree: true, childList: true, characterData: true });
        setValue.call(input, String(next));
        input.dispatchEvent(new Event('input', { bubbles: true }));
      });
      times.push(performance.now() - t0);
    }
    return times;
  }, SCRUBS);
  const frames = await page.evaluate(async () => {
    const deltas: number[] = [];
    let last = await new Promise<number>((r) => requestAnimationFrame(r));
    for (let i = 0; i < 60; i++) {
      const now = await new Promise<number>((r) => requestAnimationFrame(r));
      deltas.push(now - last);
      last = now;
    }
    return deltas;
  });
  const p99 = quantile(scrubs, 0.99);
  const frame = median(frames);
  table.push([
    `replay scrub, ${EPISODE_STEPS}-step episode (${verdict === 'ok' ? 'verified' : verdict}): p50 / p99 ms`,
    `${median(scrubs).toFixed(1)} / ${p99.toFixed(1)}`,
    `frame interval: ${frame.toFixed(1)}`,
    `${(p99 / frame).toFixed(2)}× a frame`,
    `p99 ≤ 16 ms ${p99 <= 16 ? '✔' : '✘'}`,
  ]);

  // ---- The progress stream ----------------------------------------------------------------------
  const options = (out: string) => ({
    env: 'frozen-lake',
    agent: 'random',
    episodes: STREAM_EPISODES,
    group: 4,
    seed: 3,
    workers: 0,
    overseer: 'none',
    out: join(dir, out),
  });
  const bareTimes: number[] = [];
  const streamed: number[] = [];
  let events = 0;
  for (let r = 0; r < ROUNDS; r++) {
    let t0 = performance.now();
    await rollout(options(`bare-${r}`));
    bareTimes.push(performance.now() - t0);

    t0 = performance.now();
    const job = startJob('rollout', 'bench', (signal, emit) =>
      rollout(options(`streamed-${r}`), { signal, onProgress: emit }),
    );
    const response = await fetch(new URL(`/jobs/${job.id}/events`, studio.url));
    if (!response.ok || !response.body) throw new Error(`/jobs/${job.id}/events answered ${response.status}`);
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of response.body) text += decoder.decode(chunk as Uint8Array, { stream: true });
    streamed.push(performance.now() - t0);
    if (!/event: end/.test(text)) throw new Error('the stream closed without its end event');
    events = (text.match(/^event: progress$/gm) ?? []).length;
  }
  const b = median(bareTimes);
  const s = median(streamed);
  table.push([
    `rollout of ${STREAM_EPISODES} episodes watched over /jobs/:id/events (${events} progress events), median ms`,
    s.toFixed(0),
    `bare rollout job: ${b.toFixed(0)}`,
    `${(s / b).toFixed(2)}×`,
    '',
  ]);
  console.log(table.toString());
} finally {
  await browser.close();
  await studio.close();
  rmSync(dir, { recursive: true, force: true });
}
if (SMOKE) console.log('smoke run (PALESTRA_BENCH_SMOKE=1): small sizes, the numbers are not measurements');
console.log(`medians of ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}; Node ${process.version}`);
