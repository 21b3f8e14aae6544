// ONNX reward-model benchmark: one batched session.run over a group against a loop of single-row
// runs, same model, same rows, same run (machines are noisy; the ratio is what to read).
// Run: npx tsx overseer/bench/onnx.bench.ts [--seconds 2] [--batch 256]
//      PALESTRA_BENCH_SMOKE=1: a batch of 16 for 0.2 s per cell, to check that it runs and prints its
//      table (the README test does); those numbers are not measurements.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Episode, EpisodeWriter, makeEnv, Prng, readEpisode, sampleAction } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import Table from 'cli-table3';
import {
  buildLinearModel,
  buildTextClassifier,
  extractFeatureMatrix,
  type FeatureSpec,
  OnnxScorer,
  OnnxTextScorer,
  writeModel,
} from '../src/onnx/index.ts';
import type { Score } from '../src/types.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SMOKE = process.env.PALESTRA_BENCH_SMOKE === '1';
const SECONDS = arg('--seconds', SMOKE ? 0.2 : 2);
const BATCH = arg('--batch', SMOKE ? 16 : 256);

const tmp = mkdtempSync(join(tmpdir(), 'palestra-onnx-bench-'));

/** Real refund-desk episodes played by a seeded random agent. */
async function playEpisodes(n: number): Promise<Episode[]> {
  const source = loadCatalog('refund-desk');
  const env = await makeEnv(source);
  const out: Episode[] = [];
  try {
    for (let seed = 0; seed < n; seed++) {
      const agent = new Prng(seed + 5000);
      const path = join(tmp, `ep-${seed}.jsonl`);
      const w = new EpisodeWriter(
        path,
        { spec: source.spec, seed, agent: `random:${seed + 5000}` },
        env.reset({ seed }),
      );
      for (;;) {
        const a = sampleAction(source.spec, agent);
        const r = env.step(a);
        w.step(a, r);
        if (r.terminated || r.truncated) break;
      }
      w.close();
      out.push(readEpisode(path));
    }
  } finally {
    env.close();
  }
  return out;
}

/** Rows per second of `fn` (which handles `rows` rows per call), after a short warm-up. */
async function rate(rows: number, fn: () => Promise<unknown>): Promise<number> {
  const warm = performance.now() + 200;
  while (performance.now() < warm) await fn();
  let calls = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < SECONDS * 1000) {
    await fn();
    calls++;
    t = performance.now();
  }
  return (rows * calls) / ((t - t0) / 1000);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const episodes = await playEpisodes(BATCH);
const spec: FeatureSpec = {
  version: 1,
  features: [
    'return',
    'length',
    'terminated',
    'truncated',
    'invalidActionShare',
    'textReplyShare',
    'distinctTools',
    'repeatedActionShare',
    'meanObservationLength',
    'finalState:resolved',
    'finalState:violated',
    'finalState:escalated',
  ],
};
const prng = new Prng(7);
const weights = spec.features.map(() => prng.int(2001) / 1000 - 1);
const featureModel = writeModel(
  join(tmp, 'linear.onnx'),
  buildLinearModel({ weights, bias: 0.1, sigmoid: true, features: spec }),
);
const scorer = await OnnxScorer.load({
  model: featureModel,
  transform: { kind: 'probability', min: -1, max: 1 },
});

// A text classifier over a BERT-style vocabulary of the refund desk's words.
const words = new Set<string>();
for (const e of episodes.slice(0, 32))
  for (const w of (e.header.observation.text + e.steps.map((s) => s.observation.text).join(' '))
    .toLowerCase()
    .match(/[a-z]+|[^\sa-z]/g) ?? [])
    words.add(w);
const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', ...[...words].sort()];
const tokDir = join(tmp, 'tokenizer');
mkdirSync(tokDir);
writeFileSync(join(tokDir, 'vocab.txt'), `${vocab.join('\n')}\n`);
const D = 32;
const textModel = writeModel(
  join(tmp, 'text.onnx'),
  buildTextClassifier({
    embeddings: vocab.map(() => Array.from({ length: D }, () => prng.int(2001) / 1000 - 1)),
    weights: Array.from({ length: D }, () => [prng.int(2001) / 1000 - 1, prng.int(2001) / 1000 - 1]),
    bias: [0, 0],
  }),
);
const text = await OnnxTextScorer.load({
  model: textModel,
  tokenizer: tokDir,
  maxLength: 256,
  transform: { kind: 'class', index: 1 },
});

const matrix = extractFeatureMatrix(episodes, scorer.extractor);
const f = scorer.extractor.width;
/** How far batched scores are from single-row ones: the largest difference in micro-units, and in how many rows. */
const same = (a: Score[], b: Score[]) => {
  const d = a.map((s, i) => Math.abs(s.micros - b[i]!.micros));
  const n = d.filter((x) => x > 0).length;
  return n === 0 ? 'identical' : `±${Math.max(...d)} µ in ${n}/${d.length}`;
};

/** The largest difference between two float32 outputs, as printed. */
const rawDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d === 0 ? 'identical' : `max |Δ| ${d.toExponential(1)}`;
};

const rows: [string, number, number, string][] = [];
{
  const batch = await rate(BATCH, () => scorer.run(matrix, BATCH));
  const single = await rate(BATCH, async () => {
    for (let i = 0; i < BATCH; i++) await scorer.run(matrix.subarray(i * f, (i + 1) * f), 1);
  });
  const a = (await scorer.run(matrix, BATCH)).data;
  const b: number[] = [];
  for (let i = 0; i < BATCH; i++) b.push(...(await scorer.run(matrix.subarray(i * f, (i + 1) * f), 1)).data);
  rows.push([`linear, ${f} features: session.run only`, batch, single, rawDiff(a, b)]);
}
{
  const batch = await rate(BATCH, () => scorer.scoreEpisodes(episodes));
  const loop = async () => {
    const out: Score[] = [];
    for (const e of episodes) out.push(await scorer.scoreEpisode(e));
    return out;
  };
  const single = await rate(BATCH, loop);
  rows.push([
    `linear: features + run + Score`,
    batch,
    single,
    same(await scorer.scoreEpisodes(episodes), await loop()),
  ]);
}
{
  const batch = await rate(BATCH, () => text.scoreEpisodes(episodes));
  const loop = async () => {
    const out: Score[] = [];
    for (const e of episodes) out.push(await text.scoreEpisode(e));
    return out;
  };
  const single = await rate(BATCH, loop);
  rows.push([
    `text, ≤256 tokens: tokenize + run + Score`,
    batch,
    single,
    same(await text.scoreEpisodes(episodes), await loop()),
  ]);
}
{
  const tokenized = episodes.map((e) => text.tokenize(e).ids);
  const batch = await rate(BATCH, () => text.run(tokenized));
  const single = await rate(BATCH, async () => {
    for (const t of tokenized) await text.run([t]);
  });
  const a = (await text.run(tokenized)).data;
  const b: number[] = [];
  for (const t of tokenized) b.push(...(await text.run([t])).data);
  rows.push([`text: session.run only (pre-tokenized)`, batch, single, rawDiff(a, b)]);
}

const table = new Table({
  style: { head: [], border: [] }, // plain: the table is pasted into notes and logs
  head: [
    'what (same rows, same model)',
    `batch of ${BATCH} rows/s`,
    'single-row loop rows/s',
    'ratio',
    'batch vs single',
  ],
  colAligns: ['left', 'right', 'right', 'right', 'center'],
});
for (const [what, batch, single, ok] of rows)
  table.push([what, fmt(batch), fmt(single), `${(batch / single).toFixed(1)}×`, ok]);
console.log(
  `onnxruntime-node CPU, 1 intra-op thread; ${BATCH} refund-desk episodes (random agent); ${SECONDS} s per cell`,
);
console.log(table.toString());
if (SMOKE) console.log('smoke run (PALESTRA_BENCH_SMOKE=1): the numbers are not measurements');

await scorer.close();
await text.close();
rmSync(tmp, { recursive: true, force: true });
