import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PalestraError } from '../src/errors.ts';
import { type EnvSource, envSource } from '../src/kernel/source.ts';

/** The folder of the built-in catalog. */
export const CATALOG_DIR = dirname(fileURLToPath(import.meta.url));

/** Names of the catalog's environments. */
export function catalogNames(): string[] {
  return readdirSync(CATALOG_DIR)
    .filter((n) => statSync(join(CATALOG_DIR, n)).isDirectory())
    .filter((n) => {
      try {
        return statSync(join(CATALOG_DIR, n, 'spec.json')).isFile();
      } catch {
        return false;
      }
    })
    .sort();
}

/**
 * Loads an environment folder: `spec.json` plus every `.js` module beside it (the bundle's files).
 * Throws `SpecError` (with JSON paths) if the spec is invalid.
 */
export function loadEnvDir(dir: string): EnvSource {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8'));
  } catch (e) {
    throw new PalestraError(
      'SPEC_UNREADABLE',
      `cannot read ${join(dir, 'spec.json')}: ${(e as Error).message}`,
      {
        hint: 'an environment is a folder with spec.json and its .js modules',
      },
    );
  }
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.js')) files[name] = readFileSync(join(dir, name), 'utf8');
  }
  return envSource(raw, files);
}

/** Loads a catalog environment by name, or an environment folder by path. */
export function loadCatalog(nameOrDir: string): EnvSource {
  if (catalogNames().includes(nameOrDir)) return loadEnvDir(join(CATALOG_DIR, nameOrDir));
  let isDir = false;
  try {
    isDir = statSync(nameOrDir).isDirectory();
  } catch {
    // not a path: fall through to the error below
  }
  if (isDir) return loadEnvDir(nameOrDir);
  throw new PalestraError('ENV_NOT_FOUND', `no environment "${nameOrDir}"`, {
    hint: `use a catalog name (${catalogNames().join(', ')}) or a folder with a spec.json`,
  });
}
