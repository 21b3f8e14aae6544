// Compiles contracts/src and contracts/test with solc-js and writes typed ABIs + bytecode to
// contracts/src/generated/, and those of test-only contracts to testing/src/contracts/generated/
// (the private @palestra/testing package). Run: `npm run build -w contracts`.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compile,
  generatedDir,
  packageRoot,
  renderArtifacts,
  testingGeneratedDir,
} from '../src/build/compile.ts';

const started = performance.now();
const files = renderArtifacts(compile());
for (const d of [generatedDir, testingGeneratedDir]) {
  const dir = join(packageRoot, d);
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) if (name.endsWith('.ts')) rmSync(join(dir, name));
}
for (const [path, text] of files) writeFileSync(join(packageRoot, path), text);
console.log(
  `wrote ${files.size} files to contracts/${generatedDir} and ${testingGeneratedDir.replace('../', '')} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
