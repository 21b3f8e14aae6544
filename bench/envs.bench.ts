// Kernel benchmark: Palestra's environments against Gymnasium, measured in the same run.
// Run: npm run bench        (first run builds bench/.venv with gymnasium; ~15 s from pip's cache)
//      npm run bench -- --seconds 5
//      PALESTRA_BENCH_SMOKE=1 npm run bench   (one short round: checks that the bench runs and prints
//      its table, as the README test does; its numbers are not measurements)
import Table from 'cli-table3';
import { CATALOG_DIR, loadCatalog } from '../envs/catalog/index.ts';
import {
  type Action,
  type Env,
  EpisodeChain,
  makeEnv,
  Prng,
  sampleAction,
  VectorEnv,
} from '../envs/src/index.ts';
import { measureGymnasium } from './reference/gymnasium.ts';

/** Smoke mode: the smallest run that still prints the table (flags given on the command line win). */
const SMOKE = process.env.PALESTRA_BENCH_SMOKE === '1';
const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : SMOKE ? 0.2 : 3;
/** Untimed warm-up before each measure, in ms; reset latency is timed for RESET_SECONDS. */
const WARM_MS = SMOKE ? 50 : 300;
const RESET_SECONDS = SMOKE ? SECONDS : 1;

const DIRS = ['left', 'down', 'right', 'up'];
const lakeActions: Action[] = Array.from({ length: 4096 }, (_, i) => ({
  tool: 'move',
  arguments: { direction: DIRS[new Prng(i).int(4)]! },
}));

/** Steps a single env for `seconds`, resetting on episode end (resets timed in, as Gymnasium's loop). */
function stepRate(env: Env, actions: (i: number) => Action, seconds: number, hash = false): number {
  let steps = 0;
  let seed = 0;
  const warm = performance.now() + WARM_MS;
  let t0 = 0;
  let chain = new EpisodeChain();
  let r = env.reset({ seed });
  if (hash) chain.header({ spec: env.spec, seed, agent: 'bench' }, r);
  for (let timing = false; ; ) {
    const now = steps % 256 === 0 ? performance.now() : 0;
    if (!timing && now > warm) {
      timing = true;
      t0 = now;
      steps = 0;
    }
    if (timing && now > t0 + seconds * 1000) return steps / ((now - t0) / 1000);
    const a = actions(steps);
    const s = env.step(a);
    if (hash) chain.step(a, s);
    steps++;
    if (s.terminated || s.truncated) {
      seed++;
      r = env.reset({ seed });
      if (hash) {
        chain = new EpisodeChain();
        chain.header({ spec: env.spec, seed, agent: 'bench' }, r);
      }
    }
  }
}

function resetMicros(env: Env, seconds: number): number {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) for (let k = 0; k < 64; k++) env.reset({ seed: n++ });
  return ((performance.now() - t0) * 1000) / n;
}

function vectorRate(v: VectorEnv, seconds: number): number {
  v.reset({ seed: 0 });
  let k = 0;
  const batch = Array.from({ length: 64 }, (_, i) => lakeActions[i]!);
  const warm = performance.now() + WARM_MS;
  while (performance.now() < warm) v.step(batch);
  const t0 = performance.now();
  let steps = 0;
  while (performance.now() - t0 < seconds * 1000) {
    for (let i = 0; i < 64; i++) batch[i] = lakeActions[(k + i * 7) & 4095]!;
    v.step(batch);
    k++;
    steps += v.size;
  }
  return steps / ((performance.now() - t0) / 1000);
}

// Machines are noisy: each side is measured in several rounds, interleaved (Palestra, then
// Gymnasium, then Palestra again …), and the median of the rounds is reported.
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : SMOKE ? 1 : 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const lake = await makeEnv(loadCatalog('frozen-lake'));
const lakeJs = await makeEnv(loadCatalog('frozen-lake-js'));
const refundSource = loadCatalog('refund-desk');
const refund = await makeEnv(refundSource);
const refundAgent = new Prng(1);
const refundActions = Array.from({ length: 4096 }, () => sampleAction(refundSource.spec, refundAgent));
const vec = await VectorEnv.create(loadCatalog('frozen-lake'), 64, 'next-step');
const vecJs = await VectorEnv.create(loadCatalog('frozen-lake-js'), 64, 'next-step');

const ours: Record<string, number[]> = {
  lake: [],
  lakeJs: [],
  refund: [],
  vec: [],
  vecJs: [],
  lakeReset: [],
  refundReset: [],
};
const theirs: { single: number[]; vec: number[]; reset: number[] } = { single: [], vec: [], reset: [] };
let gym: Awaited<ReturnType<typeof measureGymnasium>> | undefined;
for (let round = 1; round <= ROUNDS; round++) {
  console.error(`round ${round}/${ROUNDS}: Palestra (${SECONDS} s per measure) …`);
  ours.lake!.push(stepRate(lake, (i) => lakeActions[i & 4095]!, SECONDS));
  ours.lakeJs!.push(stepRate(lakeJs, (i) => lakeActions[i & 4095]!, SECONDS));
  ours.refund!.push(stepRate(refund, (i) => refundActions[i & 4095]!, SECONDS, true));
  ours.vec!.push(vectorRate(vec, SECONDS));
  ours.vecJs!.push(vectorRate(vecJs, SECONDS));
  ours.lakeReset!.push(resetMicros(lake, RESET_SECONDS));
  ours.refundReset!.push(resetMicros(refund, RESET_SECONDS));
  console.error(`round ${round}/${ROUNDS}: Gymnasium in bench/.venv …`);
  gym = await measureGymnasium({ seconds: SECONDS, ...(SMOKE ? { warmup: 0.05 } : {}) });
  theirs.single.push(gym.frozen_lake_steps_per_s);
  theirs.vec.push(gym.sync_vector_64_env_steps_per_s);
  theirs.reset.push(gym.frozen_lake_reset_us);
}
const lakeRate = median(ours.lake!);
const lakeJsRate = median(ours.lakeJs!);
const refundRate = median(ours.refund!);
const vecRate = median(ours.vec!);
const vecJsRate = median(ours.vecJs!);
const lakeReset = median(ours.lakeReset!);
const refundReset = median(ours.refundReset!);
const gymSingle = median(theirs.single);
const gymVec = median(theirs.vec);
const gymReset = median(theirs.reset);

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const ratio = (a: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(2)}×` : 'n/a';
const table = new Table({
  head: ['measure (one core)', 'Palestra', 'Gymnasium reference', 'ratio', 'goal'],
  style: { head: [], border: [] },
});
table.push(
  [
    'frozen-lake, expressions, steps/s',
    fmt(lakeRate),
    `${fmt(gymSingle)} (FrozenLake-v1)`,
    ratio(lakeRate, gymSingle),
    '≥ 2×',
  ],
  [
    'frozen-lake-js, sandboxed module, steps/s',
    fmt(lakeJsRate),
    `${fmt(gymSingle)} (FrozenLake-v1)`,
    ratio(lakeJsRate, gymSingle),
    '≥ 1×',
  ],
  ['refund-desk + rendering + step hashing, steps/s', fmt(refundRate), '—', '—', ''],
  [
    '64 × frozen-lake vector, env-steps/s',
    fmt(vecRate),
    `${fmt(gymVec)} (SyncVectorEnv×64)`,
    ratio(vecRate, gymVec),
    '≥ 2×',
  ],
  [
    '64 × frozen-lake-js vector, env-steps/s',
    fmt(vecJsRate),
    `${fmt(gymVec)} (SyncVectorEnv×64)`,
    ratio(vecJsRate, gymVec),
    '',
  ],
  [
    'reset latency frozen-lake, µs',
    lakeReset.toFixed(1),
    `${gymReset.toFixed(1)} (FrozenLake-v1)`,
    ratio(gymReset, lakeReset),
    '',
  ],
  [
    'reset latency refund-desk, µs',
    Number.isFinite(refundReset) ? refundReset.toFixed(1) : 'n/a',
    '—',
    '—',
    '',
  ],
);
console.log(table.toString());
if (SMOKE)
  console.log('smoke run (PALESTRA_BENCH_SMOKE=1): one short round, the numbers are not measurements');
console.log(
  `Node ${process.version}, gymnasium ${gym!.gymnasium_version} on Python ${gym!.python_version}; median of ${ROUNDS} interleaved rounds, ${SECONDS} s per measure; ratio = Palestra / Gymnasium (for latency: Gymnasium / Palestra, higher is better).\n` +
    `rounds — Palestra lake ${ours.lake!.map(fmt).join(' / ')}; Gymnasium ${theirs.single.map(fmt).join(' / ')} steps/s; vectors ${ours.vec!.map(fmt).join(' / ')} vs ${theirs.vec.map(fmt).join(' / ')} env-steps/s.`,
);
void CATALOG_DIR;
lake.close();
refund.close();
lakeJs.close();
vec.close();
vecJs.close();
