// Rollout benchmark: what the harness costs per turn, and whether it sustains many slow episodes.
// Run: npx tsx runtime/bench/rollout.bench.ts [--turns 2000] [--episodes 256] [--delay-ms 300] [--workers 2]
//      PALESTRA_BENCH_SMOKE=1: 40 turns, 4 episodes in flight, 10 ms replies, 2 workers, to check
//      that it runs and prints its table (the README test does); those numbers are not measurements.
// Both parts talk to the local OpenAI-wire server (in its own process) over loopback with the real
// `openai` SDK.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeEnv } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import Table from 'cli-table3';
import OpenAI from 'openai';
import { openaiAgent } from '../src/agents/openai.ts';
import { planGroups } from '../src/rollout/plan.ts';
import { type RolloutProgress, rollout } from '../src/rollout/rollout.ts';
import { rolloutInWorkers } from '../src/rollout/workers.ts';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const SMOKE = process.env.PALESTRA_BENCH_SMOKE === '1';
const TURNS = arg('--turns', SMOKE ? 40 : 2000);
const EPISODES = arg('--episodes', SMOKE ? 4 : 256);
const DELAY = arg('--delay-ms', SMOKE ? 10 : 300);
const WORKERS = arg('--workers', SMOKE ? 2 : Math.max(2, availableParallelism()));
const lake = loadCatalog('frozen-lake');

/** The policy server in its own process; resolves with its URL. */
async function policyServer(delayMs: number, lean = false): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL('./llmServerProcess.ts', import.meta.url).pathname,
      '--delay-ms',
      String(delayMs),
      ...(lean ? ['--lean'] : []),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [chunk] = (await once(proc.stdout!, 'data')) as [Buffer];
  return { url: chunk.toString().trim(), proc };
}

// 1. Harness cost per turn against an instant server: a bare loop (env.step + one SDK call per
//    turn, no records) against the rollout engine (agent, turn records, episode files, limits).
const instant = await policyServer(0, true);
const client = new OpenAI({ baseURL: instant.url, apiKey: 'local', maxRetries: 0 });
const env = await makeEnv(lake);
let t0 = performance.now();
let c0 = process.cpuUsage();
const cpuUs = () => {
  const c = process.cpuUsage(c0);
  return c.user + c.system;
};
let turns = 0;
let seed = 0;
env.reset({ seed });
while (turns < TURNS) {
  const r = await client.chat.completions.create({
    model: 'toy',
    messages: [{ role: 'user', content: 'go' }],
    tools: [{ type: 'function', function: { name: 'move', parameters: lake.spec.tools[0]!.parameters } }],
    // The same vLLM fields the engine's agent asks for, so both get the same answer.
    ...({ logprobs: true, return_token_ids: true, return_tokens_as_token_ids: true } as object),
  });
  const call = r.choices[0]!.message.tool_calls![0]!;
  const s = env.step({
    tool: 'move',
    arguments: JSON.parse(call.type === 'function' ? call.function.arguments : '{}'),
  });
  turns++;
  if (s.terminated || s.truncated) env.reset({ seed: ++seed });
}
const bareUs = ((performance.now() - t0) * 1000) / turns;
const bareCpu = cpuUs() / turns;

const out1 = mkdtempSync(join(tmpdir(), 'bench-rollout-'));
const plans1 = planGroups(lake.spec, { episodes: Math.ceil(TURNS / 8), group: 1, seed: 0, out: out1 });
t0 = performance.now();
c0 = process.cpuUsage();
const r1 = await rollout(lake, {
  plans: plans1,
  agent: () => openaiAgent({ model: 'toy', baseURL: instant.url, apiKey: 'local' }),
  concurrency: 1,
  episodesInFlight: 1,
});
const engineUs = ((performance.now() - t0) * 1000) / r1.turns;
const engineCpu = cpuUs() / r1.turns;
instant.proc.kill('SIGTERM');

// 2. Sustained concurrency: every answer takes DELAY ms and EPISODES episodes are in flight (eight
//    times as many are queued, so a finished episode's slot is refilled at once), on the main thread
//    and over worker threads. The rate is taken over the steady window — from the first full wave
//    until the queue runs dry — because the tail (the last, longest episodes finishing one by one
//    with few in flight) is bound by those episodes' own turn chains, not by the harness: a frozen-
//    lake episode can take 40+ turns, i.e. 12+ s at 300 ms a turn whatever the engine does. Whole-run
//    rates are printed too. The lean policy server keeps the server's own CPU small: on two cores it
//    competes with the harness, which a GPU server elsewhere would not.
const slow = await policyServer(DELAY, true);
process.env.OPENAI_BASE_URL = slow.url;
process.env.OPENAI_API_KEY = 'local';
async function sustained(workers: number) {
  const out = mkdtempSync(join(tmpdir(), 'bench-rollout-'));
  const plans = planGroups(lake.spec, { episodes: 8 * EPISODES, group: 8, seed: 1, out });
  const t = performance.now();
  let from: { ms: number; turns: number } | undefined;
  let to: { ms: number; turns: number } | undefined;
  const onProgress = (p: RolloutProgress) => {
    if (!from && p.turns >= EPISODES) from = { ms: p.elapsedMs, turns: p.turns };
    if (!to && p.done + p.failed + p.episodesInFlight >= p.total) to = { ms: p.elapsedMs, turns: p.turns };
  };
  const common = { plans, concurrency: EPISODES, episodesInFlight: EPISODES, timeoutMs: 60_000, onProgress };
  const r =
    workers === 0
      ? await rollout(lake, {
          ...common,
          agent: () => openaiAgent({ model: 'toy', baseURL: slow.url, apiKey: 'local', timeoutMs: 60_000 }),
        })
      : await rolloutInWorkers(lake, { ...common, agent: 'openai:toy', agentSeed: 0, workers });
  const seconds = (performance.now() - t) / 1000;
  const steady =
    from && to && to.ms > from.ms ? (to.turns - from.turns) / ((to.ms - from.ms) / 1000) : Number.NaN;
  return { r, seconds, steady, window: from && to ? (to.ms - from.ms) / 1000 : 0 };
}
/** The reference: EPISODES bare loops (env.step + one SDK call, no records) on the main thread, same server. */
async function bareSustained() {
  const client = new OpenAI({ baseURL: slow.url, apiKey: 'local', maxRetries: 0 });
  const tools = [
    { type: 'function' as const, function: { name: 'move', parameters: lake.spec.tools[0]!.parameters } },
  ];
  const total = 8 * EPISODES;
  let started = 0;
  let turns = 0;
  let from: { ms: number; turns: number } | undefined;
  let to: { ms: number; turns: number } | undefined;
  const t = performance.now();
  async function loop() {
    const env = await makeEnv(lake);
    while (started < total) {
      const seed = started++;
      if (started === total) to = { ms: performance.now() - t, turns };
      let s = env.reset({ seed });
      for (let done = false; !done; ) {
        const r = await client.chat.completions.create({
          model: 'toy',
          messages: [{ role: 'user', content: s.observation.text ?? 'go' }],
          tools,
          ...({ logprobs: true, return_token_ids: true, return_tokens_as_token_ids: true } as object),
        });
        const call = r.choices[0]!.message.tool_calls![0]!;
        const x = env.step({
          tool: 'move',
          arguments: JSON.parse(call.type === 'function' ? call.function.arguments : '{}'),
        });
        turns++;
        if (!from && turns >= EPISODES) from = { ms: performance.now() - t, turns };
        done = x.terminated || x.truncated;
        s = { observation: x.observation, info: s.info };
      }
    }
  }
  await Promise.all(Array.from({ length: EPISODES }, () => loop()));
  return from && to ? (to.turns - from.turns) / ((to.ms - from.ms) / 1000) : Number.NaN;
}
const bare = await bareSustained();
const main = await sustained(0);
const threads = await sustained(WORKERS);
slow.proc.kill('SIGTERM');
// Ideal: EPISODES calls always in flight, each taking exactly DELAY ms.
const ideal = EPISODES / (DELAY / 1000);
type Sustained = Awaited<ReturnType<typeof sustained>>;
const whole = (x: Sustained) => x.r.turns / x.seconds;

const table = new Table({
  head: ['measure', 'Palestra', 'reference', 'ratio', 'goal'],
  style: { head: [], border: [] },
});
table.push(
  [
    'wall time per turn, µs (instant local server)',
    engineUs.toFixed(0),
    `${bareUs.toFixed(0)} (bare env.step + SDK call)`,
    `${(engineUs / bareUs).toFixed(2)}× (harness: ${(engineUs - bareUs).toFixed(0)} µs/turn)`,
    'low',
  ],
  [
    'client CPU per turn, µs (same runs)',
    engineCpu.toFixed(0),
    `${bareCpu.toFixed(0)} (bare env.step + SDK call)`,
    `${(engineCpu / bareCpu).toFixed(2)}× (harness: ${(engineCpu - bareCpu).toFixed(0)} µs/turn)`,
    'low',
  ],
  ...(
    [
      ['main thread', main],
      [`${WORKERS} worker threads`, threads],
    ] as const
  ).map(([how, x]) => [
    `turns/s, ${EPISODES} episodes in flight, ${DELAY} ms replies, ${how} (steady ${x.window.toFixed(1)} s; whole run ${whole(x).toFixed(0)})`,
    x.steady.toFixed(0),
    `${ideal.toFixed(0)} (ideal); ${bare.toFixed(0)} (${EPISODES} bare loops, main thread)`,
    `${(x.steady / ideal).toFixed(2)}× ideal; ${(x.steady / bare).toFixed(2)}× bare`,
    '≥ 0.9× ideal',
  ]),
);
console.log(table.toString());
if (SMOKE) console.log('smoke run (PALESTRA_BENCH_SMOKE=1): the numbers are not measurements');
console.log(
  `${r1.turns} + ${main.r.turns} + ${threads.r.turns} turns; up to ${main.r.maxTurnsInFlight} turns in flight on ${main.r.envHandles} env handles (main thread); longest episode ${Math.max(...main.r.episodes.map((e) => e.turns))} turns; Node ${process.version}, ${availableParallelism()} cores`,
);
