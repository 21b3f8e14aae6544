// Rollout benchmark: what the harness costs per turn, and whether it sustains many slow episodes.
// Run: npx tsx runtime/bench/rollout.bench.ts [--turns 2000] [--episodes 256] [--delay-ms 300]
// Both parts talk to the local OpenAI-wire server (in its own process) over loopback with the real
// `openai` SDK.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeEnv } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import Table from 'cli-table3';
import OpenAI from 'openai';
import { openaiAgent } from '../src/agents/openai.ts';
import { planGroups } from '../src/rollout/plan.ts';
import { rollout } from '../src/rollout/rollout.ts';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const TURNS = arg('--turns', 2000);
const EPISODES = arg('--episodes', 256);
const DELAY = arg('--delay-ms', 300);
const lake = loadCatalog('frozen-lake');

/** The policy server in its own process; resolves with its URL. */
async function policyServer(delayMs: number): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL('./llmServerProcess.ts', import.meta.url).pathname,
      '--delay-ms',
      String(delayMs),
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
const instant = await policyServer(0);
const client = new OpenAI({ baseURL: instant.url, apiKey: 'local', maxRetries: 0 });
const env = await makeEnv(lake);
let t0 = performance.now();
let turns = 0;
let seed = 0;
env.reset({ seed });
while (turns < TURNS) {
  const r = await client.chat.completions.create({
    model: 'toy',
    messages: [{ role: 'user', content: 'go' }],
    tools: [{ type: 'function', function: { name: 'move', parameters: lake.spec.tools[0]!.parameters } }],
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

const out1 = mkdtempSync(join(tmpdir(), 'bench-rollout-'));
const plans1 = planGroups(lake.spec, { episodes: Math.ceil(TURNS / 8), group: 1, seed: 0, out: out1 });
t0 = performance.now();
const r1 = await rollout(lake, {
  plans: plans1,
  agent: () => openaiAgent({ model: 'toy', baseURL: instant.url, apiKey: 'local' }),
  concurrency: 1,
  episodesInFlight: 1,
});
const engineUs = ((performance.now() - t0) * 1000) / r1.turns;
instant.proc.kill('SIGTERM');

// 2. Sustained concurrency: every answer takes DELAY ms; EPISODES episodes in flight at all times
//    (four times as many are queued, so a finished episode's slot is refilled at once).
const slow = await policyServer(DELAY);
const out2 = mkdtempSync(join(tmpdir(), 'bench-rollout-'));
const plans2 = planGroups(lake.spec, { episodes: 4 * EPISODES, group: 8, seed: 1, out: out2 });
t0 = performance.now();
const r2 = await rollout(lake, {
  plans: plans2,
  agent: () => openaiAgent({ model: 'toy', baseURL: slow.url, apiKey: 'local', timeoutMs: 60_000 }),
  concurrency: EPISODES,
  episodesInFlight: EPISODES,
});
const seconds = (performance.now() - t0) / 1000;
slow.proc.kill('SIGTERM');
// Ideal: EPISODES calls always in flight, each taking DELAY ms. The tail (the last episodes
// finishing with fewer in flight) is counted against us.
const longest = Math.max(...r2.episodes.map((e) => e.turns));
const ideal = EPISODES / (DELAY / 1000);
const achieved = r2.turns / seconds;

const table = new Table({
  head: ['measure', 'Palestra', 'reference', 'ratio', 'goal'],
  style: { head: [], border: [] },
});
table.push(
  [
    'time per turn, µs (instant local server)',
    engineUs.toFixed(0),
    `${bareUs.toFixed(0)} (bare env.step + SDK call)`,
    `${(engineUs / bareUs).toFixed(2)}× (harness: ${(engineUs - bareUs).toFixed(0)} µs/turn)`,
    'low',
  ],
  [
    `turns/s, ${EPISODES} episodes in flight, ${DELAY} ms replies`,
    achieved.toFixed(0),
    `${ideal.toFixed(0)} (ideal)`,
    `${(achieved / ideal).toFixed(2)}×`,
    '≥ 0.9×',
  ],
);
console.log(table.toString());
console.log(
  `${r1.turns} + ${r2.turns} turns; up to ${r2.maxTurnsInFlight} turns in flight on ${r2.envHandles} env handles; longest episode ${longest} turns; Node ${process.version}`,
);
