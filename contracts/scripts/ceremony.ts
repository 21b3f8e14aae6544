// The development ceremony of the settlement circuit: compiles `settlement<n>.circom`, makes a
// small powers of tau and the Groth16 proving key, and writes what proving and verifying need:
//   circuits/build/settlement<n>/{settlement.wasm, settlement.zkey, verification_key.json}
//   src/SettlementGroth16Verifier.sol (for n = 16, the committed batch size)
//
// DEVELOPMENT ONLY. Both phases are closed by a *beacon* with a fixed, public value, so the
// ceremony is deterministic and anyone can recompute its secrets, and so forge proofs. That is
// what a development chain needs (the same key on every machine, no secret to keep), and exactly
// what a production deployment must not use: contracts/README.md ("Settlement proofs") says how
// the production ceremony goes (a public perpetual powers of tau, then independent contributions).
// The powers of tau is never committed: it is kept in node_modules/.cache/palestra-settlement (so
// the benchmark's `zkey verify` and a second ceremony reuse it) and made again, identically, when
// it is not there.
//
// Usage: npm run ceremony -w contracts [-- --n 64] [-- --out <dir>]
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants as zlib } from 'node:zlib';
import { curves, powersOfTau, zKey } from 'snarkjs';
import { CIRCUITS_DIR, settlementArtifacts } from '../src/settlement/artifacts.ts';
import { compileCircuit } from '../src/settlement/compileCircuit.ts';
import { isTreeSize } from '../src/settlement/tree.ts';

const require = createRequire(import.meta.url);

/** Where the development powers of tau are kept between runs (never in the repository). */
export const PTAU_CACHE = join(
  dirname(require.resolve('circomlib/package.json')),
  '..',
  '.cache',
  'palestra-settlement',
);

/** The smallest development powers of tau made: one file for every circuit up to 2^15 constraints. */
export const DEV_MIN_POWER = 15;

/** The beacon both phases end with: public, fixed, so the development key is reproducible. */
const DEV_BEACON = '0000000000000000000000000000000000000000000000000000000070616c6573747261';

export interface CeremonyResult {
  n: number;
  constraints: number;
  /** log2 of the powers of tau made for it. */
  power: number;
  files: string[];
  seconds: number;
}

/**
 * Runs the development ceremony for batches of `n` leaves into `circuitsDir/build/settlement<n>`;
 * for n = 16 it also exports the Solidity verifier to `verifierPath`.
 *
 * @example
 * await ceremony({ n: 16 });
 */
export async function ceremony(
  options: {
    n?: number;
    circuitsDir?: string;
    verifierPath?: string | null;
    log?: (line: string) => void;
  } = {},
): Promise<CeremonyResult> {
  const started = performance.now();
  const n = options.n ?? 16;
  const log = options.log ?? (() => {});
  const artifacts = settlementArtifacts(n, options.circuitsDir ?? CIRCUITS_DIR);
  const work = mkdtempSync(join(tmpdir(), `settlement${n}-`));
  try {
    log(`compiling settlement${n}.circom`);
    const compiled = compileCircuit(n, work, options.circuitsDir ?? CIRCUITS_DIR);
    // Groth16 needs a domain of at least constraints + public inputs + 1 points; one development
    // powers of tau of 2^15 serves every circuit up to that size (snarkjs reads the part it needs).
    const power = Math.max(DEV_MIN_POWER, Math.ceil(Math.log2(compiled.constraints + 10 + 1)));
    log(`${compiled.constraints} constraints: powers of tau 2^${power}`);
    const curve = await curves.getCurveFromName('bn128');
    const ptau = await developmentPtau(power, work, curve, log);
    log('phase 2: the Groth16 key');
    const zkey0 = join(work, 'settlement0.zkey');
    const zkey = join(work, 'settlement.zkey');
    await zKey.newZKey(compiled.r1cs, ptau, zkey0);
    await zKey.beacon(zkey0, zkey, 'palestra development beacon', DEV_BEACON, 10);
    const vk = await zKey.exportVerificationKey(zkey);
    mkdirSync(dirname(artifacts.zkey), { recursive: true });
    writeFileSync(artifacts.verificationKey, `${JSON.stringify(vk, null, 1)}\n`);
    // Brotli with a 16 MB window (Node's zlib, nothing to install): the key's coefficients repeat
    // the same few field elements (powers of two, Poseidon's constants) megabytes apart, beyond
    // gzip's 32 kB window. For N = 16 the key packs to 5.8 MB instead of gzip's 9.9 MB, which keeps
    // what the repository carries under 10 MB; `loadArtifacts` inflates them in memory.
    writeFileSync(artifacts.zkey, pack(readFileSync(zkey)));
    writeFileSync(artifacts.wasm, pack(readFileSync(compiled.wasm)));
    const files = [artifacts.wasm, artifacts.zkey, artifacts.verificationKey];
    const verifierPath =
      options.verifierPath === undefined
        ? n === 16
          ? join(CIRCUITS_DIR, '..', 'src', 'SettlementGroth16Verifier.sol')
          : null
        : options.verifierPath;
    if (verifierPath) {
      // snarkjs's package exports no package.json: its templates sit beside build/main.cjs.
      const template = readFileSync(
        join(dirname(require.resolve('snarkjs')), '..', 'templates', 'verifier_groth16.sol.ejs'),
        'utf8',
      );
      const solidity = (await zKey.exportSolidityVerifier(zkey, { groth16: template })).replace(
        /contract Groth16Verifier\b/,
        '/// @notice Generated by snarkjs from the settlement circuit (contracts/circuits, batches of 16) by\n/// `npm run ceremony -w contracts`: a DEVELOPMENT key (see contracts/README.md). Do not edit.\ncontract SettlementGroth16Verifier',
      );
      writeFileSync(verifierPath, solidity);
      files.push(verifierPath);
    }
    // The pool of worker threads snarkjs started would keep the process alive.
    await curve.terminate();
    return {
      n,
      constraints: compiled.constraints,
      power,
      files,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Brotli at quality 9, its largest standard window: quality 11 saves under 0.1 % for ten times the time. */
function pack(bytes: Buffer): Buffer {
  return brotliCompressSync(bytes, {
    params: {
      [zlib.BROTLI_PARAM_QUALITY]: 9,
      [zlib.BROTLI_PARAM_LGWIN]: zlib.BROTLI_MAX_WINDOW_BITS,
      [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
}

/**
 * The development powers of tau for 2^power constraints: from the cache, else made (a fresh
 * accumulator closed by the public beacon, so the same bytes every time) and cached.
 */
export async function developmentPtau(
  power: number,
  work: string,
  curve: unknown,
  log: (line: string) => void = () => {},
): Promise<string> {
  const cached = join(PTAU_CACHE, `pot${power}_dev.ptau`);
  if (existsSync(cached)) return cached;
  log(`powers of tau 2^${power} (not cached yet: minutes)`);
  const ptau0 = join(work, 'pot0.ptau');
  const ptau1 = join(work, 'pot1.ptau');
  const ptau = join(work, 'pot.ptau');
  await powersOfTau.newAccumulator(curve, power, ptau0);
  await powersOfTau.beacon(ptau0, ptau1, 'palestra development beacon', DEV_BEACON, 10);
  await powersOfTau.preparePhase2(ptau1, ptau);
  mkdirSync(PTAU_CACHE, { recursive: true });
  // Into the cache in one step, so an interrupted run never leaves half a file there.
  copyFileSync(ptau, `${cached}.tmp`);
  renameSync(`${cached}.tmp`, cached);
  return cached;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { n: { type: 'string', default: '16' } } });
  const n = Number(values.n);
  if (!isTreeSize(n)) {
    console.error(
      `--n ${values.n}: the batch size is a power of 4 (the tree is 4-ary), and a settlement${values.n}.circom must exist`,
    );
    process.exit(2);
  }
  const r = await ceremony({ n, log: (line) => console.log(line) });
  console.log(
    `settlement${r.n}: ${r.constraints} constraints, powers of tau 2^${r.power}, ${r.seconds.toFixed(1)} s`,
  );
  for (const f of r.files) console.log(`  wrote ${f}`);
  process.exit(0);
}
