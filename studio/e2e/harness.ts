/**
 * What every studio end-to-end suite starts with: the studio built, started on a free port in a
 * temporary folder (its own database, runs and content store), and Debian's Chromium driven by
 * playwright-core (never a downloaded browser), with a page that records every page error.
 *
 * Screenshots go to `PALESTRA_E2E_ARTIFACTS` (default: a temporary folder); the copies under
 * `studio/docs/` are written when missing or with `PALESTRA_UPDATE_SCREENSHOTS=1`.
 *
 * @example
 * let h: Harness;
 * before(async () => { h = await openHarness(); });
 * after(() => h?.close());
 * test('…', async () => { await h.page.goto(h.studio.url); await h.axeScan('home'); });
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromiumPath } from '@palestra/testing/browser';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { ensureBuild } from '../server/build.ts';
import { connect, type TestClient } from '../server/collab/testClient.ts';
import { type StartStudioOptions, type Studio, startStudio } from '../server/start.ts';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));

export interface Harness {
  studio: Studio;
  browser: Browser;
  page: Page;
  /** The temporary folder: `studio/` (database), `runs/`, `store/`, `artifacts/`. */
  dir: string;
  /** The studio's runs folder (`<dir>/runs`). */
  runsDir: string;
  artifacts: string;
  /** Uncaught page errors and console errors seen so far, with their URL. */
  pageErrors: string[];
  /**
   * An axe-core scan of the page as it is now (WCAG 2 A and AA rules): every serious or critical
   * violation fails, listed with its rule and elements; a scan that ran no rule fails too.
   */
  axeScan(what: string): Promise<void>;
  /** A full-page screenshot as an artifact and, when asked or missing, as `studio/docs/<name>`. */
  screenshot(name: string, of?: Page): Promise<void>;
  /**
   * A page in a browser context of its own (its own cookies and IndexedDB: a second person), the
   * same size as `page`, recording its errors in `errors`.
   */
  newPerson(): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
  /**
   * A second person who joined by an invite link of `role` (`palestra studio invite`), signed in
   * and on the studio's home page; their page errors go to `errors`.
   */
  invitedPerson(
    role: 'editor' | 'viewer',
    errors?: string[][],
  ): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
  /**
   * Environment `id`'s stored document, read through the studio's socket as the owner (a real
   * y-websocket client, synced); `destroy()` it when done.
   */
  storedDoc(id: string): Promise<TestClient>;
  /** Stops the studio (its documents committed first); the browsers stay open. */
  stopStudio(): Promise<void>;
  /** Starts the studio again on the same port and folders; `studio` is the new one. */
  startStudio(): Promise<Studio>;
  close(): Promise<void>;
}

/** Records a page's uncaught errors and console errors, with their URL, in `into`. */
function recordErrors(page: Page, into: string[]): void {
  page.on('pageerror', (e) => into.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') into.push(`${m.text()} (${m.location().url})`);
  });
}

/** Builds the studio if needed, starts it and a browser page (1400 × 900). */
export async function openHarness(options: Partial<StartStudioOptions> = {}): Promise<Harness> {
  process.env.NODE_ENV ??= 'production';
  const build = await ensureBuild();
  if (build.built) console.log(`built the studio in ${(build.ms / 1000).toFixed(1)} s`);
  const dir = mkdtempSync(join(tmpdir(), 'palestra-studio-e2e-'));
  const artifacts = process.env.PALESTRA_E2E_ARTIFACTS ?? join(dir, 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  const runsDir = join(dir, 'runs');
  const startOptions: StartStudioOptions = {
    port: 0,
    dir: join(dir, 'studio'),
    runsDir,
    storeDir: join(dir, 'store'),
    log: () => {},
    ...options,
  };
  let studio = await startStudio(startOptions);
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  // A context of its own: axe-core's Playwright builder refuses a page of the default context.
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const pageErrors: string[] = [];
  recordErrors(page, pageErrors);

  const newPerson = async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const person = await context.newPage();
    const errors: string[] = [];
    recordErrors(person, errors);
    return { context, page: person, errors };
  };
  return {
    get studio() {
      return studio;
    },
    browser,
    page,
    dir,
    runsDir,
    artifacts,
    pageErrors,
    async axeScan(what) {
      const results = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(
        bad.map(
          (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`,
        ),
        [],
        `axe found serious or critical violations on ${what}`,
      );
      assert.ok(results.passes.length > 0, `axe ran no rule on ${what}`);
    },
    async screenshot(name, of = page) {
      const file = join(artifacts, name);
      await of.screenshot({ path: file, fullPage: true });
      const doc = join(DOCS, name);
      if (process.env.PALESTRA_UPDATE_SCREENSHOTS === '1' || !existsSync(doc)) {
        mkdirSync(DOCS, { recursive: true });
        copyFileSync(file, doc);
      }
    },
    newPerson,
    async invitedPerson(role, errors) {
      const { token } = await studio.membership.createInvite(role);
      const person = await newPerson();
      errors?.push(person.errors);
      await person.page.goto(new URL(`/invite/${token}`, studio.url).href);
      await person.page.waitForURL(studio.url);
      return person;
    },
    async storedDoc(id) {
      const reader = connect(studio.url, id, (await studio.membership.ownerSession()).signed);
      await reader.whenSynced();
      return reader;
    },
    stopStudio: () => studio.close(),
    async startStudio() {
      // The same port: the pages' sockets reconnect to the address they know.
      studio = await startStudio({ ...startOptions, port: studio.port });
      return studio;
    },
    async close() {
      await browser.close();
      await studio.close();
      if (!process.env.PALESTRA_E2E_ARTIFACTS) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the page's collaboration status line reads `text` (`STATUS_TEXT.saved`, …). */
export const waitStatus = (page: Page, text: string, timeout = 10_000) =>
  page.waitForFunction(
    (t) => [...document.querySelectorAll('.collab-status')].some((e) => e.textContent === t),
    text,
    { timeout },
  );
