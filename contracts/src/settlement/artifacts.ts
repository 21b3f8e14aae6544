import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { SettlementError } from './errors.ts';

/** The circuits folder (`contracts/circuits`): sources, `vectors.json`, and `build/` with the artifacts. */
export const CIRCUITS_DIR = fileURLToPath(new URL('../../circuits/', import.meta.url));

/** What proving and verifying a batch of `n` need, all written by `npm run ceremony -w contracts`. */
export interface SettlementArtifacts {
  n: number;
  /** The circuit's main file (`settlement<n>.circom`). */
  circuit: string;
  /** The witness generator (circom's WebAssembly), Brotli-compressed. */
  wasm: string;
  /** The Groth16 proving key, Brotli-compressed. */
  zkey: string;
  /** The verification key (what the Solidity verifier embeds). */
  verificationKey: string;
}

/**
 * The artifact paths for batches of `n` leaves (they may not exist: see `requireArtifacts`).
 *
 * @example
 * settlementArtifacts(16).zkey; // …/contracts/circuits/build/settlement16/settlement.zkey.br
 */
export function settlementArtifacts(n: number, dir = CIRCUITS_DIR): SettlementArtifacts {
  const build = `${dir}build/settlement${n}/`;
  return {
    n,
    circuit: `${dir}settlement${n}.circom`,
    wasm: `${build}settlement.wasm.br`,
    zkey: `${build}settlement.zkey.br`,
    verificationKey: `${build}verification_key.json`,
  };
}

/** The artifacts for `n`, or `CIRCUIT_ARTIFACTS_MISSING` naming the first one that is not there. */
export function requireArtifacts(n: number, dir = CIRCUITS_DIR): SettlementArtifacts {
  const a = settlementArtifacts(n, dir);
  for (const file of [a.wasm, a.zkey, a.verificationKey])
    if (!existsSync(file))
      throw new SettlementError(
        'CIRCUIT_ARTIFACTS_MISSING',
        `no ${file}: the settlement circuit for ${n} leaves is not built`,
        {
          details: { file, n },
          hint:
            n === 16
              ? 'the repository commits them; restore contracts/circuits/build, or run npm run ceremony -w contracts'
              : `run npm run ceremony -w contracts -- --n ${n} (a development ceremony)`,
        },
      );
  return a;
}

/** The artifacts in memory: the witness generator and proving key inflated, the verification key parsed. */
export interface LoadedArtifacts {
  wasm: Uint8Array;
  zkey: Uint8Array;
  verificationKey: Record<string, unknown>;
}

const loaded = new Map<string, LoadedArtifacts>();

/**
 * Reads (once per process) and inflates the artifacts for `n` leaves; snarkjs takes them as bytes.
 *
 * @example
 * const { wasm, zkey } = loadArtifacts(16);
 */
export function loadArtifacts(n: number, dir = CIRCUITS_DIR): LoadedArtifacts {
  const key = `${dir}:${n}`;
  let a = loaded.get(key);
  if (!a) {
    const files = requireArtifacts(n, dir);
    a = {
      wasm: brotliDecompressSync(readFileSync(files.wasm)),
      zkey: brotliDecompressSync(readFileSync(files.zkey)),
      verificationKey: JSON.parse(readFileSync(files.verificationKey, 'utf8')),
    };
    loaded.set(key, a);
  }
  return a;
}
