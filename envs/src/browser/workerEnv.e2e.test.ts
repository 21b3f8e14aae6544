import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromiumPath } from '@palestra/testing/browser';
import { HANG_FILES, HANG_SPEC } from '@palestra/testing/envs';
import * as esbuild from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CATALOG_DIR } from '../../catalog/index.ts';
import { readEpisode } from '../episode/reader.ts';
import { EpisodeWriter } from '../episode/writer.ts';
import { openEnv } from '../kernel/open.ts';
import { envSource } from '../kernel/source.ts';
import type { Action } from '../kernel/types.ts';
import { HANG_BOUND_MS } from '../sandbox/hangBound.ts';

/**
 * The core in a real browser: Debian's Chromium (driven by playwright-core, never a downloaded
 * browser) loads a page bundled by esbuild from `@palestra/envs/core` and `@palestra/envs/browser`,
 * plays catalog episodes — frozen-lake (expressions only) in the page, frozen-lake-js (code
 * modules) inside one Web Worker — and must get exactly the roots Node's writer records for the
 * same seeds and actions. A hang in native code is ended by `terminate()` within deadline + 1 s.
 */

const E2E_DIR = fileURLToPath(new URL('./e2e/', import.meta.url));
const WASM = fileURLToPath(import.meta.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));

const move = (direction: string): Action => ({ tool: 'move', arguments: { direction } });
const ROUTE = ['down', 'right', 'down', 'right', 'down', 'right', 'down', 'right', 'left', 'up'].map(move);
/** Seeds whose episodes on ROUTE end (in a hole) after several steps, so both have a footer. */
const CASES = [
  { name: 'frozen-lake', seed: 5, where: 'inPage' },
  { name: 'frozen-lake-js', seed: 13, where: 'inWorker' },
] as const;

/** The spec as its file holds it and the modules beside it: what the page gets over HTTP. */
function rawSource(name: string): { spec: unknown; files: Record<string, string> } {
  const dir = join(CATALOG_DIR, name);
  const files: Record<string, string> = {};
  for (const f of readdirSync(dir).sort())
    if (f.endsWith('.js')) files[f] = readFileSync(join(dir, f), 'utf8');
  return { spec: JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8')), files };
}

/** What Node's writer records for the same seed and actions (the environment opened as `palestra run` does). */
async function nodeEpisode(name: string, seed: number, dir: string) {
  const raw = rawSource(name);
  const source = envSource(raw.spec, raw.files);
  const env = await openEnv(source);
  const path = join(dir, `${name}.jsonl`);
  const spec = { name: source.spec.name, version: source.spec.version, root: null };
  const w = new EpisodeWriter(path, { spec, seed, agent: 'e2e' }, env.reset({ seed }));
  for (const action of ROUTE) {
    const r = env.step(action);
    w.step(action, r);
    if (r.terminated || r.truncated) break;
  }
  w.close();
  env.close();
  return { record: readEpisode(path), text: readFileSync(path, 'utf8') };
}

let server: Server;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'palestra-browser-'));

before(async () => {
  const t0 = performance.now();
  const bundle = await esbuild.build({
    entryPoints: { page: join(E2E_DIR, 'page.ts'), worker: join(E2E_DIR, 'worker.ts') },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    outdir: '/',
    logLevel: 'silent',
  });
  const js = new Map(bundle.outputFiles.map((f) => [f.path, f.contents]));
  const sources: Record<string, unknown> = { hang: { spec: HANG_SPEC, files: HANG_FILES } };
  for (const c of CASES) sources[c.name] = rawSource(c.name);
  const routes: Record<string, [string, Uint8Array | string]> = {
    '/': [
      'text/html',
      '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="/page.js"></script>',
    ],
    '/page.js': ['text/javascript', js.get('/page.js')!],
    '/worker.js': ['text/javascript', js.get('/worker.js')!],
    '/quickjs.wasm': ['application/wasm', readFileSync(WASM)],
    '/sources.json': ['application/json', JSON.stringify(sources)],
  };
  server = createServer((req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://localhost').pathname];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': route[0] }).end(route[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`${m.text()} (${m.location().url})`);
  });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => 'palestraE2E' in globalThis);
  console.log(
    `bundled, served and loaded in Chromium ${browser.version()} in ${Math.round(performance.now() - t0)} ms`,
  );
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  rmSync(tmp, { recursive: true, force: true });
});

for (const c of CASES) {
  test(`${c.name} (${c.where === 'inPage' ? 'expressions, in the page' : 'code modules, in a Web Worker'}): the same root as Node`, async () => {
    const { record: node, text } = await nodeEpisode(c.name, c.seed, tmp);
    assert.ok(node.footer && node.steps.length >= 3, 'the case is an ended episode of several steps');
    const got = await page.evaluate(
      async ({ name, seed, where, route }) => {
        const sources = await (await fetch('/sources.json')).json();
        const e2e = (
          globalThis as unknown as { palestraE2E: Record<string, (...a: unknown[]) => Promise<unknown>> }
        ).palestraE2E;
        return e2e[where]!(sources[name], seed, route);
      },
      { name: c.name, seed: c.seed, where: c.where, route: ROUTE },
    );
    const { root, footer } = got as { root: string; footer: unknown };
    console.log(`${c.name} seed ${c.seed}: browser ${root}, node ${node.footer!.root}`);
    assert.equal(root, node.footer!.root);
    assert.deepEqual(footer, node.footer);
    // And Node's record replays in the browser, where the episode was played, to the same root.
    const replayed = await page.evaluate(
      async ({ name, text, where }) => {
        const sources = await (await fetch('/sources.json')).json();
        const e2e = (
          globalThis as unknown as { palestraE2E: Record<string, (...a: unknown[]) => Promise<unknown>> }
        ).palestraE2E;
        return e2e.replay!(sources[name], text, where);
      },
      { name: c.name, text, where: c.where },
    );
    assert.equal(replayed, node.footer!.root);
    assert.deepEqual(pageErrors, []);
  });
}

test('a hang in native code inside the Web Worker: terminate() within deadline + 1 s, then recover()', async () => {
  const got = (await page.evaluate(async () => {
    const sources = await (await fetch('/sources.json')).json();
    const e2e = (globalThis as unknown as { palestraE2E: { hang(raw: unknown): Promise<unknown> } })
      .palestraE2E;
    return e2e.hang(sources.hang);
  })) as {
    error?: { name: string; code?: string; message: string };
    ms: number;
    aliveAfterHang: boolean;
    afterHang?: string;
    safe: { terminated: boolean; reward: number };
  };
  const deadline = HANG_SPEC.limits.stepDeadlineMs;
  console.log(`hang ended after ${Math.round(got.ms)} ms (deadline ${deadline} ms): ${got.error?.message}`);
  assert.equal(got.error?.name, 'SandboxError');
  assert.equal(got.error?.code, 'DEADLINE');
  assert.match(got.error!.message, /did not answer step within \d+ ms; its worker was stopped/);
  // The worker was stopped (not interrupted by QuickJS, which cannot reach a native loop): not before the deadline, within the bound.
  assert.ok(got.ms >= deadline, `failed after ${Math.round(got.ms)} ms, before the ${deadline} ms deadline`);
  assert.ok(
    got.ms < deadline + HANG_BOUND_MS,
    `failed after ${Math.round(got.ms)} ms, over ${deadline} + ${HANG_BOUND_MS}`,
  );
  assert.equal(got.aliveAfterHang, false);
  assert.equal(got.afterHang, 'SANDBOX_REBUILD');
  assert.deepEqual(got.safe, { terminated: true, reward: 1 });
  assert.deepEqual(pageErrors, []);
});
