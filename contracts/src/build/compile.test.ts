import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { compile, generatedDir, packageRoot, renderArtifacts } from './compile.ts';

it('the committed artifacts are what the sources compile to', () => {
  const files = renderArtifacts(compile());
  const onDisk = readdirSync(join(packageRoot, generatedDir)).filter((f) => f.endsWith('.ts'));
  assert.deepEqual(
    onDisk.sort(),
    [...files.keys()].map((p) => p.split('/').pop()!).sort(),
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
