import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import {
  compile,
  devContracts,
  generatedDir,
  packageRoot,
  renderArtifacts,
  testingGeneratedDir,
} from './compile.ts';

// Compiled once for both tests (solc-js takes a few seconds).
const files = renderArtifacts(compile());

it('the committed artifacts are what the sources compile to', () => {
  const onDisk = [generatedDir, testingGeneratedDir].flatMap((dir) =>
    readdirSync(join(packageRoot, dir))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `${dir}/${f}`),
  );
  assert.deepEqual(
    onDisk.sort(),
    [...files.keys()].sort(),
    'generated files differ: run `npm run build -w contracts`',
  );
  for (const [path, text] of files) {
    assert.ok(
      readFileSync(join(packageRoot, path), 'utf8') === text,
      `${path} is stale: run \`npm run build -w contracts\` and commit it`,
    );
  }
  const names = new Set([...files.keys()].map((p) => p.split('/').pop()));
  for (const c of [
    'NodeRegistry',
    'GymMarketplace',
    'TrainingEscrow',
    'ModelRegistry',
    'ISettlementVerifier',
    'IDisputeResolver',
  ]) {
    assert.ok(names.has(`${c}.ts`), `${c} missing`);
  }
});

it('test-only contracts are built into the testing package, and the development ones stay off the index', () => {
  for (const c of ['ReentrancyAttacker', 'ReferenceERC20', 'ReferenceEscrowV4']) {
    assert.ok(files.has(`${testingGeneratedDir}/${c}.ts`), `${c} is not in the testing package`);
    assert.ok(!files.has(`${generatedDir}/${c}.ts`), `${c} is built into @palestra/contracts`);
  }
  const index = files.get(`${generatedDir}/index.ts`)!;
  for (const c of devContracts) {
    assert.ok(files.has(`${generatedDir}/${c}.ts`), `${c} (deployed by deploy.ts) is not built`);
    assert.ok(!index.includes(`./${c}.ts`), `${c} is exported from @palestra/contracts/generated`);
  }
  assert.doesNotMatch(files.get(`${testingGeneratedDir}/index.ts`)!, /NodeRegistry|TrainingEscrow/);
});
