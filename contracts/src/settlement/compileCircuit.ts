import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { CIRCUITS_DIR } from './artifacts.ts';
import { SettlementError } from './errors.ts';

const require = createRequire(import.meta.url);

export interface CompiledCircuit {
  r1cs: string;
  wasm: string;
  /** circom's own report (template instances, constraints, wires). */
  report: string;
  /** Non-linear constraints after --O2 (the R1CS size Groth16 pays for). */
  constraints: number;
}

/**
 * Compiles `settlement<n>.circom` with circom 2 (npm's WebAssembly build) and circomlib, --O2,
 * into `outDir`. circom2 runs in a WASI sandbox that opens only the working folder and its
 * ancestors, so it runs from the folder holding both the circuits and node_modules, with paths
 * relative to it.
 *
 * @example
 * const { r1cs, wasm, constraints } = compileCircuit(16, '/tmp/settlement16');
 */
export function compileCircuit(n: number, outDir: string, circuitsDir = CIRCUITS_DIR): CompiledCircuit {
  const cli = join(dirname(require.resolve('circom2/package.json')), 'cli.js');
  const nodeModules = dirname(dirname(require.resolve('circomlib/package.json')));
  const cwd = commonAncestor([nodeModules, circuitsDir, outDir]);
  mkdirSync(outDir, { recursive: true });
  const args = [
    cli,
    relative(cwd, join(circuitsDir, `settlement${n}.circom`)),
    '--r1cs',
    '--wasm',
    '--O2',
    '-l',
    relative(cwd, nodeModules),
    '-o',
    relative(cwd, outDir),
  ];
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  const report = stripVTControlCharacters(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  const constraints = Number(/non-linear constraints: (\d+)/.exec(report)?.[1] ?? Number.NaN);
  if (r.status !== 0 || !Number.isFinite(constraints))
    throw new SettlementError('CIRCUIT_COMPILE_FAILED', `circom could not compile settlement${n}.circom`, {
      details: { status: r.status, report: report.slice(-2000) },
      hint: 'read the report above; the circuits need circom2 and circomlib from npm',
    });
  return {
    r1cs: join(outDir, `settlement${n}.r1cs`),
    wasm: join(outDir, `settlement${n}_js`, `settlement${n}.wasm`),
    report,
    constraints,
  };
}

function commonAncestor(paths: string[]): string {
  let dir = paths[0]!;
  while (!paths.every((p) => !relative(dir, p).startsWith('..'))) dir = dirname(dir);
  return dir;
}
