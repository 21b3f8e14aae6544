/**
 * Compiles the Solidity sources with solc-js (in process, the version pinned in package.json: no
 * compiler download) and renders typed TypeScript artifacts for viem: this package's into
 * `src/generated/`, those of test-only contracts into the private testing package. Pure apart from
 * reading sources: `scripts/build.ts` writes what it returns, and a test compares it with the committed files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContractsError } from '../errors.ts';

const require = createRequire(import.meta.url);

/** The package root (`contracts/`). */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the generated artifacts live, relative to the package root. */
export const generatedDir = 'src/generated';

/**
 * Where the artifacts of the contracts only tests and benchmarks use are written, relative to the
 * package root: the private `@palestra/testing` package, so that `@palestra/contracts` does not ship them.
 */
export const testingGeneratedDir = '../testing/src/contracts/generated';

/**
 * The contracts under `test/` that the local development chain deploys (`deploy.ts`, for
 * `palestra chain up`): their artifacts stay in this package, imported by deploy.ts by file and left
 * out of the generated index. Every other contract under `test/` is test-only (`testingGeneratedDir`).
 */
export const devContracts: readonly string[] = ['TestDisputeResolver', 'TestSettlementVerifier'];

/**
 * The folder a contract's artifact is written to, relative to the package root: this package's own
 * contracts (`src/`) and `devContracts` here; test-only contracts and the libraries only they import
 * (poseidon-solidity's) in the testing package.
 */
export function artifactDir(c: Pick<CompiledContract, 'name' | 'source'>): string {
  return c.source.startsWith('src/') || devContracts.includes(c.name) ? generatedDir : testingGeneratedDir;
}

/** Compiler settings, fixed so that the committed artifacts are reproducible. */
export const compilerSettings = {
  optimizer: { enabled: true, runs: 200 },
  // cancun: transient storage (EIP-1153) for OpenZeppelin's ReentrancyGuardTransient.
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
} as const;

export interface CompiledContract {
  name: string;
  source: string;
  abi: unknown[];
  bytecode: `0x${string}`;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

function listSol(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? listSol(join(dir, e.name)) : e.name.endsWith('.sol') ? [join(dir, e.name)] : [],
    )
    .sort();
}

/** Every `.sol` file under `src/` and `test/`, keyed by its path relative to the package root. */
export function readSources(root = packageRoot): Record<string, { content: string }> {
  const sources: Record<string, { content: string }> = {};
  for (const dir of ['src', 'test']) {
    for (const file of listSol(join(root, dir))) {
      sources[relative(root, file)] = { content: readFileSync(file, 'utf8') };
    }
  }
  return sources;
}

function findImport(path: string): { contents: string } | { error: string } {
  try {
    return { contents: readFileSync(require.resolve(path), 'utf8') };
  } catch {
    return { error: `import not found: ${path}` };
  }
}

/**
 * Compile every source with solc-js's standard-JSON interface.
 *
 * @example
 * const contracts = compile(); // [{ name: 'NodeRegistry', abi, bytecode, source }, …]
 */
export function compile(root = packageRoot): CompiledContract[] {
  const solc = require('solc') as { compile(input: string, cb: { import: typeof findImport }): string };
  const input = { language: 'Solidity', sources: readSources(root), settings: compilerSettings };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new ContractsError(
      'SOLC_FAILED',
      `solc reported ${errors.length} error(s):\n${errors.map((e) => e.formattedMessage).join('\n')}`,
      {
        hint: 'fix the Solidity sources under contracts/src or contracts/test, then run `npm run build -w contracts`',
      },
    );
  }
  const out: CompiledContract[] = [];
  for (const [source, byName] of Object.entries(output.contracts ?? {})) {
    if (source.startsWith('@openzeppelin/')) continue;
    for (const [name, c] of Object.entries(byName)) {
      out.push({ name, source, abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * A contract's name as a TypeScript identifier: its leading capitals lower-cased up to the start of the
 * next word (`NodeRegistry` → `nodeRegistry`, `ISettlementVerifier` → `iSettlementVerifier`,
 * `ZKSettlementVerifier` → `zkSettlementVerifier`).
 */
const lowerFirst = (s: string) => {
  const run = /^[A-Z]+/.exec(s)?.[0].length ?? 0;
  const cut = run > 2 ? run - 1 : 1;
  return s.slice(0, cut).toLowerCase() + s.slice(cut);
};

/**
 * The generated files: one `<Name>.ts` per contract plus an `index.ts` per folder (`generatedDir`
 * and `testingGeneratedDir`; the index of `generatedDir` leaves out `devContracts`), keyed by path
 * relative to the package root.
 */
export function renderArtifacts(contracts: CompiledContract[]): Map<string, string> {
  const files = new Map<string, string>();
  const header = '// Generated by `npm run build -w contracts` from';
  for (const c of contracts) {
    const id = lowerFirst(c.name);
    const lines = [
      `${header} ${c.source}. Do not edit.`,
      `export const ${id}Abi = ${JSON.stringify(c.abi, null, 2)} as const;`,
      '',
      `export const ${id}Bytecode = '${c.bytecode === '0x' ? '0x' : c.bytecode}' as const;`,
      '',
    ];
    files.set(`${artifactDir(c)}/${c.name}.ts`, lines.join('\n'));
  }
  for (const dir of [generatedDir, testingGeneratedDir]) {
    const listed = contracts.filter((c) => artifactDir(c) === dir && !devContracts.includes(c.name));
    const index = [
      '// Generated by `npm run build -w contracts`. Do not edit.',
      ...listed.map(
        (c) => `export { ${lowerFirst(c.name)}Abi, ${lowerFirst(c.name)}Bytecode } from './${c.name}.ts';`,
      ),
      '',
    ];
    files.set(`${dir}/index.ts`, index.join('\n'));
  }
  return files;
}
