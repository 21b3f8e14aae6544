/**
 * What a venv holds, read from its `site-packages/*.dist-info` folder names (no interpreter
 * started): used to accept a venv built before this helper existed when it already holds exactly
 * the locked versions, so that nothing is rebuilt.
 *
 * @example
 * lockMismatches('runtime/trainer/.venv', readLock('runtime/trainer/requirements.lock').pins); // [] when it matches
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type LockPin, normalizeName } from './lockFile.ts';

/** The venv's `lib/python3.X/site-packages` folders (one, normally). */
function sitePackages(venvDir: string): string[] {
  const lib = join(venvDir, 'lib');
  if (!existsSync(lib)) return [];
  return readdirSync(lib)
    .filter((name) => /^python3\.\d+$/.test(name))
    .map((name) => join(lib, name, 'site-packages'))
    .filter((dir) => existsSync(dir));
}

/** Installed distributions of a venv: normalized name → version. Empty when it is no venv. */
export function installedPackages(venvDir: string): Map<string, string> {
  const installed = new Map<string, string>();
  for (const dir of sitePackages(venvDir)) {
    for (const entry of readdirSync(dir)) {
      // `<name>-<version>.dist-info`; the name has its `-` escaped to `_`, the version has none.
      const m = /^(.+)-([^-]+)\.dist-info$/.exec(entry);
      if (m) installed.set(normalizeName(m[1]!), m[2]!);
    }
  }
  return installed;
}

/**
 * The pins a venv does not satisfy, as `name==locked (installed: x)` lines; empty when every
 * unmarked pin is installed at its version (pins with an environment marker are not judged here).
 */
export function lockMismatches(venvDir: string, pins: LockPin[]): string[] {
  const installed = installedPackages(venvDir);
  const wrong: string[] = [];
  for (const pin of pins) {
    if (pin.marker) continue;
    const have = installed.get(pin.name);
    if (have !== pin.version) wrong.push(`${pin.name}==${pin.version} (installed: ${have ?? 'none'})`);
  }
  return wrong;
}
