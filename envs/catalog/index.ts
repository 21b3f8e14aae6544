import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PalestraError, SpecError } from '../src/errors.ts';
import { type EnvSource, envSource } from '../src/kernel/source.ts';
import { readModuleFile, readSpecFile } from '../src/spec/specFile.ts';

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
 * The file is read with `readSpecFile` (size, depth and UTF-8 checked before it is parsed); an
 * invalid spec throws `SpecError` (with JSON paths and the file), over-deep or over-large input
 * `InputLimitError`.
 */
export function loadEnvDir(dir: string): EnvSource {
  const specFile = join(dir, 'spec.json');
  if (!existsSync(specFile)) {
    const yaml = ['spec.yaml', 'spec.yml'].find((n) => existsSync(join(dir, n)));
    if (yaml)
      throw new SpecError(
        [
          {
            path: '$',
            message: `${yaml} found, but GymSpecs are JSON and are read from spec.json`,
            hint: `convert it with a tool, e.g. \`yq -o=json . ${yaml} > spec.json\` (or \`npx js-yaml ${yaml} > spec.json\`), then run palestra check again`,
          },
        ],
        undefined,
        { file: join(dir, yaml) },
      );
  }
  return loadSpecFile(specFile);
}

/** Loads a spec file and the `.js` modules in its folder. */
function loadSpecFile(specFile: string): EnvSource {
  const raw = readSpecFile(specFile);
  const dir = dirname(specFile);
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.js')) files[name] = readModuleFile(join(dir, name));
  }
  try {
    return envSource(raw, files);
  } catch (e) {
    // parseSpec sees a value, not a file: name the file here.
    if (e instanceof SpecError && e.file === undefined)
      throw new SpecError(e.issues, e.hint, { file: specFile });
    throw e;
  }
}

/**
 * Loads a catalog environment by name, an environment folder by path, or a spec file by path
 * (its modules are the `.js` files beside it).
 */
export function loadCatalog(nameOrDir: string): EnvSource {
  if (catalogNames().includes(nameOrDir)) return loadEnvDir(join(CATALOG_DIR, nameOrDir));
  let kind: 'dir' | 'file' | undefined;
  try {
    const st = statSync(nameOrDir);
    kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : undefined;
  } catch {
    // not a path: fall through to the error below
  }
  if (kind === 'dir') return loadEnvDir(nameOrDir);
  if (kind === 'file') return loadSpecFile(nameOrDir);
  throw new PalestraError('ENV_NOT_FOUND', `no environment "${nameOrDir}"`, {
    hint: `use a catalog name (${catalogNames().join(', ')}) or a folder with a spec.json`,
  });
}
