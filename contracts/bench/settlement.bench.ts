/**
 * The settlement circuit's costs, beside a reference measured in the same run (machines are noisy:
 * read the ratio column): for N = 16 and 64 leaves, constraints (circom --O2), witness time, Groth16
 * proving and local verification; how they grow with N; the committed artifacts' sizes (≤ 10 MB in
 * all); `zkey verify` of the committed key against the circuit and the development powers of tau;
 * and `palestra verify` time per episode on a run of 16 echo-target episodes made by the real CLI.
 * The reference is the N = 16 witness; a single Poseidon(4) hash (one tree node) in TypeScript is printed too.
 *
 * Proving for N = 64 needs its development ceremony (`npm run ceremony -w contracts -- --n 64`, a
 * 2^16 powers of tau, about 15 minutes on 2 cores); without it that row says so. Run: npm run bench:settlement -w contracts
 * (BENCH_RUNS=3 timings each, the median printed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { poseidon4 } from 'poseidon-lite';
import { groth16, wtns, zKey } from 'snarkjs';
import { DEV_MIN_POWER, developmentPtau } from '../scripts/ceremony.ts';
import { compileCircuit } from '../src/settlement/compileCircuit.ts';
import {
  loadArtifacts,
  OUTCOME,
  releaseProver,
  type SettlementLeafFields,
  settlementArtifacts,
  settlementInputs,
} from '../src/settlement/index.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const work = mkdtempSync(join(tmpdir(), 'settlement-bench-'));
const repo = new URL('../../', import.meta.url).pathname;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function time(f: () => Promise<unknown> | unknown, runs = RUNS): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    xs.push(performance.now() - t);
  }
  return median(xs);
}

function leaves(n: number): SettlementLeafFields[] {
  return Array.from({ length: n }, (_, i) => ({
    episodeRoot: (BigInt(i + 1) * 0x9e3779b97f4a7c15f39cc0605cedc834n)
      .toString(16)
      .padStart(64, '0')
      .slice(-64),
    taskIndex: i,
    envReturn: i % 3 === 0 ? -500_000 : 1_000_000,
    score: 750_000,
    steps: 10 + i,
    outcome: i % 4 === 0 ? OUTCOME.cut : OUTCOME.terminated,
  }));
}
const CONTEXT = {
  chainId: 31337,
  escrow: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  jobId: 1,
  provider: '0x70997970C51812dc3A010C7d01b93b4dC79C8720',
  payout: 10n ** 18n,
} as const;

type Row = { what: string; value: string; ms?: number };
const rows: Row[] = [];
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

const poseidonMs =
  (await time(() => {
    for (let i = 0; i < 1000; i++) poseidon4([BigInt(i), 2n, 3n, 4n]);
  }, 1)) / 1000;

const per: Record<
  number,
  { constraints: number; witness: number; load?: number; prove?: number; verify?: number }
> = {};
for (const n of [16, 64]) {
  const compiled = compileCircuit(n, join(work, String(n)));
  const input = settlementInputs({ ...CONTEXT, leaves: leaves(n), n }).witnessInput;
  const witness = await time(() => wtns.calculate(input, compiled.wasm, { type: 'mem' }));
  per[n] = { constraints: compiled.constraints, witness };
  if (existsSync(settlementArtifacts(n).zkey)) {
    const t = performance.now();
    const a = loadArtifacts(n);
    per[n].load = performance.now() - t;
    let out: Awaited<ReturnType<typeof groth16.fullProve>> | undefined;
    per[n].prove = await time(async () => {
      out = await groth16.fullProve(input, a.wasm, a.zkey);
    });
    per[n].verify = await time(() => groth16.verify(a.verificationKey, out!.publicSignals, out!.proof));
  }
}
const ref = per[16]!.witness;
for (const n of [16, 64]) {
  const p = per[n]!;
  rows.push({ what: `N=${n} constraints`, value: String(p.constraints) });
  rows.push({ what: `N=${n} witness`, value: ms(p.witness), ms: p.witness });
  if (p.load !== undefined)
    rows.push({ what: `N=${n} load artifacts (Brotli)`, value: ms(p.load), ms: p.load });
  rows.push(
    p.prove === undefined
      ? {
          what: `N=${n} prove (fullProve)`,
          value: `not measured: no key (npm run ceremony -w contracts -- --n ${n})`,
        }
      : { what: `N=${n} prove (fullProve)`, value: ms(p.prove), ms: p.prove },
  );
  if (p.verify !== undefined) rows.push({ what: `N=${n} verify (local)`, value: ms(p.verify), ms: p.verify });
}
rows.push({
  what: 'growth 16 → 64',
  value: `constraints ×${(per[64]!.constraints / per[16]!.constraints).toFixed(2)}, witness ×${(per[64]!.witness / per[16]!.witness).toFixed(2)}${per[64]!.prove && per[16]!.prove ? `, prove ×${(per[64]!.prove / per[16]!.prove).toFixed(2)}` : ''}`,
});
rows.push({ what: 'Poseidon(4) (a tree node) in TypeScript', value: ms(poseidonMs), ms: poseidonMs });

// Artifact sizes.
const a16 = settlementArtifacts(16);
const verifierSol = join(repo, 'contracts/src/SettlementGroth16Verifier.sol');
let total = 0;
for (const [name, file] of [
  ['settlement.wasm.br', a16.wasm],
  ['settlement.zkey.br', a16.zkey],
  ['verification_key.json', a16.verificationKey],
  ['SettlementGroth16Verifier.sol', verifierSol],
] as const) {
  const size = existsSync(file) ? statSync(file).size : 0;
  total += size;
  rows.push({ what: `size ${name}`, value: `${(size / 1e3).toFixed(0)} kB` });
}
rows.push({ what: 'size, committed in all', value: `${(total / 1e6).toFixed(2)} MB (limit 10 MB)` });

// zkey verify: the committed key against the circuit and the (deterministic) development ptau.
{
  const compiled = compileCircuit(16, join(work, 'verify16'));
  const power = Math.max(DEV_MIN_POWER, Math.ceil(Math.log2(compiled.constraints + 11)));
  const { curves } = await import('snarkjs');
  const curve = await curves.getCurveFromName('bn128');
  const t = performance.now();
  const ptau = await developmentPtau(power, work, curve);
  const ptauMs = performance.now() - t;
  const t2 = performance.now();
  const zkey = join(work, 'settlement16.zkey');
  writeFileSync(zkey, loadArtifacts(16).zkey);
  const ok = await zKey.verifyFromR1cs(compiled.r1cs, ptau, zkey);
  rows.push({
    what: 'zkey verify (N=16)',
    value: `${ok ? 'OK' : 'FAILED'} in ${ms(performance.now() - t2)}${ptauMs > 1000 ? ` (+ ${ms(ptauMs)} to remake the ptau)` : ''}`,
  });
  await curve.terminate();
}

// palestra verify per episode, on a run of 16 episodes made by the real CLI.
{
  const bin = join(repo, 'runtime/bin/palestra.js');
  const run = join(work, 'run');
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    if (r.status !== 0) throw new Error(`palestra ${args[0]} failed: ${r.stderr}`);
  };
  cli('run', 'echo-target', '--agent', 'random', '--episodes', '16', '--seed', '3', '--out', run);
  const files = readdirSync(run)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => join(run, f));
  cli('score', ...files);
  cli(
    'prove',
    run,
    '--job',
    '1',
    '--chain-id',
    '31337',
    '--escrow',
    CONTEXT.escrow,
    '--provider',
    CONTEXT.provider,
    '--payout',
    '0',
  );
  const verifyMs = await time(() => cli('verify', run), 1);
  rows.push({
    what: 'palestra verify, per episode',
    value: `${ms(verifyMs / 16)} (16 episodes, whole command ${ms(verifyMs)})`,
    ms: verifyMs / 16,
  });
}

await releaseProver();
rmSync(work, { recursive: true, force: true });

const head = ['measure', 'value', '× N=16 witness'];
const table = [
  head,
  ...rows.map((r) => [r.what, r.value, r.ms === undefined ? '' : (r.ms / ref).toFixed(2)]),
];
const w = head.map((_, j) => Math.max(...table.map((r) => r[j]!.length)));
console.log(`settlement circuit · ${new Date().toISOString().slice(0, 10)} · ${RUNS} runs each, median`);
for (const r of table)
  console.log(
    r
      .map((c, j) => (j === 2 ? c.padStart(w[j]!) : c.padEnd(w[j]!)))
      .join('  ')
      .trimEnd(),
  );
process.exit(0);
