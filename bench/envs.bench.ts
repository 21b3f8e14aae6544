// Kernel benchmark: Palestra's environments against Gymnasium, measured in the same run.
// Run: npm run bench        (first run builds bench/.venv with gymnasium; ~15 s from pip's cache)
//      npm run bench -- --seconds 5
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

const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 3;

const DIRS = ['left', 'down', 'right', 'up'];
const lakeActions: Action[] = Array.from({ length: 4096 }, (_, i) => ({
  tool: 'move',
  arguments: { direction: DIRS[new Prng(i).int(4)]! },
}));

/** Steps a single env for `seconds`, resetting on episode end (resets timed in, as Gymnasium's loop). */
function stepRate(env: Env, actions: (i: number) => Action, seconds: number, hash = false): number {
  let steps = 0;
  let seed = 0;
  const warm = performance.now() + 300;
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
  const warm = performance.now() + 300;
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

console.error(`measuring Palestra (${SECONDS} s each) …`);
const lake = await makeEnv(loadCatalog('frozen-lake'));
const lakeJs = await makeEnv(loadCatalog('frozen-lake-js'));
const lakeRate = stepRate(lake, (i) => lakeActions[i & 4095]!, SECONDS);
const lakeJsRate = stepRate(lakeJs, (i) => lakeActions[i & 4095]!, SECONDS);
const lakeReset = resetMicros(lake, 1);
let refundRate = Number.NaN;
let refundReset = Number.NaN;
try {
  const refundSource = loadCatalog('refund-desk');
  const refund = await makeEnv(refundSource);
  const agent = new Prng(1);
  const refundActions = Array.from({ length: 4096 }, () => sampleAction(refundSource.spec, agent));
  refundRate = stepRate(refund, (i) => refundActions[i & 4095]!, SECONDS, true);
  refundReset = resetMicros(refund, 1);
} catch (e) {
  console.error(`refund-desk not measured: ${(e as Error).message}`);
}
const vec = await VectorEnv.create(loadCatalog('frozen-lake'), 64, 'next-step');
const vecRate = vectorRate(vec, SECONDS);
const vecJs = await VectorEnv.create(loadCatalog('frozen-lake-js'), 64, 'next-step');
const vecJsRate = vectorRate(vecJs, SECONDS);

console.error('measuring Gymnasium 1.x in bench/.venv …');
const gym = await measureGymnasium({ seconds: SECONDS });

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
    `${fmt(gym.frozen_lake_steps_per_s)} (FrozenLake-v1)`,
    ratio(lakeRate, gym.frozen_lake_steps_per_s),
    '≥ 2×',
  ],
  [
    'frozen-lake-js, sandboxed module, steps/s',
    fmt(lakeJsRate),
    `${fmt(gym.frozen_lake_steps_per_s)} (FrozenLake-v1)`,
    ratio(lakeJsRate, gym.frozen_lake_steps_per_s),
    '≥ 1×',
  ],
  ['refund-desk + rendering + step hashing, steps/s', fmt(refundRate), '—', '—', ''],
  [
    '64 × frozen-lake vector, env-steps/s',
    fmt(vecRate),
    `${fmt(gym.sync_vector_64_env_steps_per_s)} (SyncVectorEnv×64)`,
    ratio(vecRate, gym.sync_vector_64_env_steps_per_s),
    '≥ 2×',
  ],
  [
    '64 × frozen-lake-js vector, env-steps/s',
    fmt(vecJsRate),
    `${fmt(gym.sync_vector_64_env_steps_per_s)} (SyncVectorEnv×64)`,
    ratio(vecJsRate, gym.sync_vector_64_env_steps_per_s),
    '',
  ],
  [
    'reset latency frozen-lake, µs',
    lakeReset.toFixed(1),
    `${gym.frozen_lake_reset_us.toFixed(1)} (FrozenLake-v1)`,
    ratio(gym.frozen_lake_reset_us, lakeReset),
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
console.log(
  `Node ${process.version}, gymnasium ${gym.gymnasium_version} on Python ${gym.python_version}; ${SECONDS} s per measure; ratio = Palestra / Gymnasium (for latency: Gymnasium / Palestra, higher is better).\n` +
    `Gymnasium spread over its timed chunks: single ${fmt(gym.spread.frozen_lake_steps_per_s.min)}–${fmt(gym.spread.frozen_lake_steps_per_s.max)} steps/s, vector ${fmt(gym.spread.sync_vector_64_env_steps_per_s.min)}–${fmt(gym.spread.sync_vector_64_env_steps_per_s.max)} env-steps/s.`,
);
void CATALOG_DIR;
lake.close();
lakeJs.close();
vec.close();
vecJs.close();
