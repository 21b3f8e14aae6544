// Compiles contracts/src and contracts/test with solc-js and writes typed ABIs + bytecode to
// contracts/src/generated/. Run: `npm run build -w contracts`.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, generatedDir, packageRoot, renderArtifacts } from '../src/build/compile.ts';

const started = performance.now();
const files = renderArtifacts(compile());
const dir = join(packageRoot, generatedDir);
mkdirSync(dir, { recursive: true });
for (const name of readdirSync(dir)) if (name.endsWith('.ts')) rmSync(join(dir, name));
for (const [path, text] of files) writeFileSync(join(packageRoot, path), text);
console.log(
  `wrote ${files.size} files to contracts/${generatedDir} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
