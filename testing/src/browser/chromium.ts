/**
 * Debian's Chromium for the end-to-end suites (playwright-core drives it through `executablePath`;
 * no browser is ever downloaded). Missing, it is a failure saying how to install it, never a skip:
 * CI installs it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The Chromium binary's path.
 *
 * @example
 * const browser = await chromium.launch({ executablePath: chromiumPath() });
 */
export function chromiumPath(): string {
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(p)) return p;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const p = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (p) return p;
    } catch {
      // not on PATH
    }
  }
  throw new Error(
    'no Chromium found (chromium or chromium-browser): install it with `apt-get install -y chromium`',
  );
}
