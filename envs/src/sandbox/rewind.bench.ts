// What a fresh realm per episode costs: env steps/s and episodes/s of frozen-lake-js and
// refund-desk, with this tree's kernel (every reset rewinds the sandbox to its memory image) side
// by side with the kernel of an earlier commit (one sandbox, module state carried over), in one
// process, in alternating rounds; the table shows medians.
//
// Run:  node --import tsx envs/src/sandbox/rewind.bench.ts [--before <git rev>] [--rounds 5] [--seconds 1.5]
//
// `--before` (default HEAD) is the commit whose envs/src and envs/catalog are measured as
// "before": they are extracted with `git archive` into a temporary folder (nothing in the
// repository changes). Once this change is committed, pass the commit before it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const BEFORE = arg('before', 'HEAD');
const ROUNDS = Number(arg('rounds', '5'));
const SECONDS = Number(arg('seconds', '1.5'));
const ROOT = new URL('../../../', import.meta.url).pathname;

interface Kernel {
  makeEnv(source: unknown): Promise<KernelEnv>;
  loadCatalog(name: string): unknown;
  Sandbox: {
    create(o: {
      files: Record<string, string>;
      memoryMb: number;
      maxOutputBytes: number;
    }): Promise<KernelSandbox>;
  };
  VectorEnv: { create(source: unknown, n: number): Promise<{ close(): void }> };
}
interface KernelSandbox {
  call(ref: string, arg: unknown, rng: number[], clockMs: number, deadline: number): unknown;
  dispose(): void;
}
interface KernelEnv {
  reset(o: { seed: number }): unknown;
  step(a: unknown): { terminated: boolean; truncated: boolean };
  close(): void;
}

/** This tree's kernel, or `rev`'s, extracted beside a link to this tree's node_modules. */
async function kernelAt(rev: string | undefined): Promise<{ kernel: Kernel; cleanup: () => void }> {
  let base = ROOT;
  let cleanup = () => {};
  if (rev !== undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'palestra-rewind-bench-'));
    mkdirSync(join(dir, 'envs'));
    const tar = execFileSync('git', [
      '-C',
      ROOT,
      'archive',
      rev,
      'envs/src',
      'envs/catalog',
      'envs/package.json',
    ]);
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    base = `${dir}/`;
    cleanup = () => rmSync(dir, { recursive: true, force: true });
  }
  const index = await import(pathToFileURL(join(base, 'envs/src/index.ts')).href);
  const catalog = await import(pathToFileURL(join(base, 'envs/catalog/index.ts')).href);
  return {
    kernel: {
      makeEnv: index.makeEnv,
      loadCatalog: catalog.loadCatalog,
      Sandbox: index.Sandbox,
      VectorEnv: index.VectorEnv,
    },
    cleanup,
  };
}

/** The bare hot path: `lake.js#move` called for `SECONDS` with no reset in between, calls/s. */
function callRate(sandbox: KernelSandbox): number {
  const arg = {
    context: { row: 0, col: 0 },
    event: { direction: 'down' },
    task: { data: { tiles: 'SFFFFHFHFFFHHFFG' } },
  };
  const rng = [1, 2, 3, 4];
  const warm = performance.now() + 200;
  while (performance.now() < warm) sandbox.call('lake.js#move', arg, rng, 0, Number.POSITIVE_INFINITY);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000)
    for (let k = 0; k < 64; k++, n++) sandbox.call('lake.js#move', arg, rng, 0, Number.POSITIVE_INFINITY);
  return n / ((performance.now() - t0) / 1000);
}

/** Steps for `SECONDS` (resets as episodes end, timed in): steps/s and episodes/s. */
function measure(env: KernelEnv, actions: readonly unknown[]): { steps: number; episodes: number } {
  let seed = 0;
  let steps = 0;
  let episodes = 0;
  env.reset({ seed });
  const warm = performance.now() + 200;
  while (performance.now() < warm) {
    const s = env.step(actions[steps++ % actions.length]);
    if (s.terminated || s.truncated) env.reset({ seed: ++seed });
  }
  steps = 0;
  const t0 = performance.now();
  let now = t0;
  while (now - t0 < SECONDS * 1000) {
    const s = env.step(actions[steps % actions.length]);
    steps++;
    if (s.terminated || s.truncated) {
      episodes++;
      env.reset({ seed: ++seed });
    }
    if ((steps & 63) === 0) now = performance.now();
  }
  const sec = (performance.now() - t0) / 1000;
  return { steps: steps / sec, episodes: episodes / sec };
}

const after = await kernelAt(undefined);
const before = await kernelAt(BEFORE);
const { Prng, sampleAction } = await import('../index.ts');
const DIRS = ['left', 'down', 'right', 'up'];
const workloads = [
  {
    name: 'frozen-lake-js',
    actions: Array.from({ length: 4096 }, (_, i) => ({
      tool: 'move',
      arguments: { direction: DIRS[new Prng(i).int(4)]! },
    })),
  },
  {
    name: 'refund-desk',
    actions: (() => {
      const spec = (after.kernel.loadCatalog('refund-desk') as { spec: Parameters<typeof sampleAction>[0] })
        .spec;
      const rng = new Prng(1);
      return Array.from({ length: 4096 }, () => sampleAction(spec, rng));
    })(),
  },
];

const sides = { before: before.kernel, after: after.kernel } as const;
const envs = new Map<string, KernelEnv>();
for (const w of workloads)
  for (const [side, k] of Object.entries(sides))
    envs.set(`${side} ${w.name}`, await k.makeEnv(k.loadCatalog(w.name)));

const lakeFiles = {
  'lake.js': (after.kernel.loadCatalog('frozen-lake-js') as { files: Record<string, string> }).files[
    'lake.js'
  ]!,
};
const sandboxes = new Map<string, KernelSandbox>();
for (const [side, k] of Object.entries(sides))
  sandboxes.set(side, await k.Sandbox.create({ files: lakeFiles, memoryMb: 32, maxOutputBytes: 100_000 }));
const calls = new Map<string, number[]>();
const builds = new Map<string, number[]>();

const results = new Map<string, { steps: number[]; episodes: number[] }>();
for (let round = 1; round <= ROUNDS; round++) {
  console.error(`round ${round}/${ROUNDS} …`);
  // Alternate which side goes first, so drift in the machine's load falls on both.
  const order = round % 2 ? (['before', 'after'] as const) : (['after', 'before'] as const);
  for (const w of workloads)
    for (const side of order) {
      const key = `${side} ${w.name}`;
      const r = measure(envs.get(key)!, w.actions);
      const acc = results.get(key) ?? { steps: [], episodes: [] };
      acc.steps.push(r.steps);
      acc.episodes.push(r.episodes);
      results.set(key, acc);
    }
  for (const side of order) {
    calls.set(side, [...(calls.get(side) ?? []), callRate(sandboxes.get(side)!)]);
    const t0 = performance.now();
    const v = await sides[side].VectorEnv.create(sides[side].loadCatalog('frozen-lake-js'), 16);
    builds.set(side, [...(builds.get(side) ?? []), performance.now() - t0]);
    v.close();
  }
}
for (const s of sandboxes.values()) s.dispose();
for (const env of envs.values()) env.close();
before.cleanup();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const rows: string[][] = [
  ['measure (one core)', `before (${BEFORE})`, 'after (rewind per episode)', 'after / before'],
];
for (const w of workloads)
  for (const what of ['steps', 'episodes'] as const) {
    const b = median(results.get(`before ${w.name}`)![what]);
    const a = median(results.get(`after ${w.name}`)![what]);
    rows.push([`${w.name}, ${what}/s`, fmt(b), fmt(a), `${(a / b).toFixed(2)}×`]);
  }
{
  const b = median(calls.get('before')!);
  const a = median(calls.get('after')!);
  rows.push(['Sandbox.call (lake.js#move), calls/s', fmt(b), fmt(a), `${(a / b).toFixed(2)}×`]);
  const bb = median(builds.get('before')!);
  const ab = median(builds.get('after')!);
  rows.push([
    'VectorEnv ×16 frozen-lake-js, build ms',
    bb.toFixed(0),
    ab.toFixed(0),
    `${(ab / bb).toFixed(2)}×`,
  ]);
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
const line = (r: string[]) =>
  r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
console.log(line(rows[0]!));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows.slice(1)) console.log(line(r));
console.log(`medians of ${ROUNDS} rounds of ${SECONDS} s each, sides alternating`);
