// Every error code the packages throw is declared in the shared registry, with its meaning and by
// exactly one domain: a code is what a user searches for, so an undeclared one is a defect.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { registeredCodes } from '@palestra/errors';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PACKAGES = ['envs', 'overseer', 'runtime', 'contracts'];

// `new SomeError('CODE'`, `super('CODE'` (across a line break too) and `code: 'CODE'` literals.
const USE = /(?:new\s+\w*Error|super)\(\s*'([A-Z][A-Z0-9_]+)'|\bcode:\s*'([A-Z][A-Z0-9_]+)'/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'generated' ? [] : sources(path);
    return /\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name) ? [path] : [];
  });
}

test('every error code thrown in envs, overseer, runtime and contracts is registered', async () => {
  await Promise.all(PACKAGES.map((p) => import(`@palestra/${p}`)));
  const known = new Set(registeredCodes().map((c) => c.code));
  const missing: string[] = [];
  let used = 0;
  for (const pkg of PACKAGES)
    for (const file of sources(join(root, pkg, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(USE)) {
        used++;
        const code = (m[1] ?? m[2])!;
        if (!known.has(code)) missing.push(`${code} (${relative(root, file)})`);
      }
    }
  assert.ok(
    used > 100,
    `the scan found only ${used} uses of a code: the pattern no longer matches the sources`,
  );
  assert.deepEqual([...new Set(missing)], [], 'codes used but declared by no domain');
});

test('every registered code has a meaning and a domain', async () => {
  await Promise.all(PACKAGES.map((p) => import(`@palestra/${p}`)));
  const codes = registeredCodes();
  assert.ok(codes.length > 80);
  for (const c of codes) {
    assert.ok(c.meaning.length > 10, `${c.code} has no meaning`);
    assert.ok(PACKAGES.includes(c.domain), `${c.code} belongs to unknown domain ${c.domain}`);
  }
});
