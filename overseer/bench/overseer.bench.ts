// Overseer benchmark: rules scoring rate, the judge path with a warm cache vs a cold call, the
// overseer layer's overhead over calling the SDK directly (same local server, same request count),
// and what escaping the fenced transcript costs over canonical JSON.
// Run: npx tsx overseer/bench/overseer.bench.ts [--n 200]
//      PALESTRA_BENCH_SMOKE=1: 20 verdicts per measure, to check that it runs and prints its table
//      (the README test does); those numbers are not measurements.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, goldenFiles, readEpisode } from '@palestra/envs';
import { CATALOG_DIR, loadCatalog } from '@palestra/envs/catalog';
import { startLlmServer } from '@palestra/testing/llm';
import Table from 'cli-table3';
import OpenAI from 'openai';
import { JUDGE_INSTRUCTIONS, LlmJudge, quoteTranscript, RulesOverseer, transcriptOf } from '../src/index.ts';

const SMOKE = process.env.PALESTRA_BENCH_SMOKE === '1';
const at = process.argv.indexOf('--n');
const N = at > 0 ? Number(process.argv[at + 1]) : SMOKE ? 20 : 200;
const episodes = ['refund-desk', 'frozen-lake'].flatMap((e) =>
  goldenFiles(join(CATALOG_DIR, e)).map(readEpisode),
);
const refund = episodes.filter((e) => e.header.spec.name === 'refund-desk');
const lakeEps = episodes.filter((e) => e.header.spec.name === 'frozen-lake');

async function rate(f: () => Promise<unknown>, n: number): Promise<number> {
  for (let i = 0; i < Math.min(20, n); i++) await f();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await f();
  return n / ((performance.now() - t0) / 1000);
}

// Rules: each episode replayed through the kernel (worker-isolated for refund-desk's code).
const rulesRefund = new RulesOverseer(loadCatalog('refund-desk'));
const rulesLake = new RulesOverseer(loadCatalog('frozen-lake'));
let k = 0;
const refundRate = await rate(() => rulesRefund.scoreEpisode(refund[k++ % refund.length]!), N);
const lakeRate = await rate(() => rulesLake.scoreEpisode(lakeEps[k++ % lakeEps.length]!), N);
await rulesRefund.close();
await rulesLake.close();

// Judge: cold (a request to the instant local server per verdict) vs warm (from the cache); and
// the same request made directly with the SDK. Cold and direct alternate in one loop, so machine
// noise falls on both alike.
const llm = await startLlmServer({
  script: () => ({ toolCalls: [{ name: 'submit_verdict', arguments: { score: 0.5, rationale: 'ok' } }] }),
});
const cacheDir = mkdtempSync(join(tmpdir(), 'bench-verdicts-'));
const cfg = {
  provider: 'openai' as const,
  model: 'toy',
  rubric: 'Did the agent follow the policy?',
  baseURL: llm.url,
  samples: 1,
};
const cold = new LlmJudge(cfg);
const client = new OpenAI({ baseURL: llm.url, apiKey: 'local', maxRetries: 0 });
const direct = async (e: (typeof refund)[number]) => {
  const r = await client.chat.completions.create({
    model: 'toy',
    temperature: 0,
    max_tokens: 512,
    messages: [
      { role: 'system', content: JUDGE_INSTRUCTIONS },
      { role: 'user', content: `Rubric:\n${cfg.rubric}\n\n${quoteTranscript(transcriptOf(e))}` },
    ],
    tools: [{ type: 'function', function: { name: 'submit_verdict', parameters: { type: 'object' } } }],
    tool_choice: { type: 'function', function: { name: 'submit_verdict' } },
  });
  return JSON.parse(
    r.choices[0]!.message.tool_calls![0]!.type === 'function'
      ? (r.choices[0]!.message.tool_calls![0] as { function: { arguments: string } }).function.arguments
      : '{}',
  );
};
let coldMs = 0;
let directMs = 0;
for (let i = 0; i < N + 20; i++) {
  const e = refund[i % refund.length]!;
  let t = performance.now();
  await cold.scoreEpisode(e);
  if (i >= 20) coldMs += performance.now() - t;
  t = performance.now();
  await direct(e);
  if (i >= 20) directMs += performance.now() - t;
}
const coldUs = (coldMs * 1000) / N;
const directUs = (directMs * 1000) / N;
const warm = new LlmJudge({ ...cfg, cacheDir });
for (const e of refund) await warm.scoreEpisode(e);
const warmUs = 1e6 / (await rate(() => warm.scoreEpisode(refund[k++ % refund.length]!), N));
await llm.close();

// Quoting a transcript for the judge (fenced, with `<`, `>` and non-printing characters escaped)
// against the canonical JSON it is made from, alternating in one loop. A hostile transcript (every
// step full of characters that must be escaped) shows the worst case.
const plain = refund.map((e) => transcriptOf(e));
const hostile = plain.map((t) => ({
  ...t,
  steps: t.steps.map((s) => ({ ...s, environment: '\u2028<<<END>>>\u202e\u200b'.repeat(200) })),
}));
const quoting = (ts: unknown[]) => {
  let quoteMs = 0;
  let canonMs = 0;
  for (let i = 0; i < N * 10 + 100; i++) {
    const t0 = performance.now();
    quoteTranscript(ts[i % ts.length]);
    const t1 = performance.now();
    canonicalJson(ts[i % ts.length]);
    const t2 = performance.now();
    if (i >= 100) {
      quoteMs += t1 - t0;
      canonMs += t2 - t1;
    }
  }
  return { quoteUs: (quoteMs * 1000) / (N * 10), canonUs: (canonMs * 1000) / (N * 10) };
};
const q = quoting(plain);
const qh = quoting(hostile);

const table = new Table({
  head: ['measure', 'value', 'reference', 'ratio', 'goal'],
  style: { head: [], border: [] },
});
table.push(
  ['rules, refund-desk episodes/s (replayed in a worker)', refundRate.toFixed(0), '—', '—', ''],
  ['rules, frozen-lake episodes/s (replayed in-process)', lakeRate.toFixed(0), '—', '—', ''],
  [
    'judge, warm cache, µs per verdict',
    warmUs.toFixed(0),
    `${coldUs.toFixed(0)} (cold call to the local server)`,
    `${(coldUs / warmUs).toFixed(1)}× faster`,
    '',
  ],
  [
    'judge layer vs the SDK directly, µs per verdict',
    coldUs.toFixed(0),
    `${directUs.toFixed(0)} (SDK call alone)`,
    `${(coldUs / directUs).toFixed(3)}×`,
    '≤ 1.05×',
  ],
  [
    'transcript quoted for the judge, µs (refund-desk goldens)',
    q.quoteUs.toFixed(1),
    `${q.canonUs.toFixed(1)} (canonical JSON alone)`,
    `${(q.quoteUs / q.canonUs).toFixed(2)}×`,
    '',
  ],
  [
    'the same, every step 2,800 characters to escape, µs',
    qh.quoteUs.toFixed(1),
    `${qh.canonUs.toFixed(1)} (canonical JSON alone)`,
    `${(qh.quoteUs / qh.canonUs).toFixed(2)}×`,
    '',
  ],
);
console.log(table.toString());
if (SMOKE) console.log('smoke run (PALESTRA_BENCH_SMOKE=1): the numbers are not measurements');
console.log(
  `${N} verdicts per measure; Node ${process.version}. ONNX batch vs single rows: npx tsx overseer/bench/onnx.bench.ts`,
);
