import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseEpisode } from '@palestra/envs/core';
import { rollout } from '@palestra/runtime';
import type { Locator, Page } from 'playwright-core';
import { type Harness, openHarness } from './harness.ts';

/**
 * The Runs list and the run page in a real browser: a run the CLI writes while the studio runs
 * (it finds the studio through `.palestra/studio/server.json` in its working folder) and a
 * rollout job's run registered over `POST /api/runs` appear under /runs; the list sorts; the run
 * page's numbers are the run's summary.json; its episode list filters and links to replays and a
 * diff; a tampered file is listed as unreadable; delete asks first and removes the folder.
 */

const PALESTRA = fileURLToPath(new URL('../../runtime/bin/palestra.js', import.meta.url));

let h: Harness;
let page: Page;
let proj: string;
let runsDir: string;

before(async () => {
  // A project folder of its own, laid out as the CLI expects (.palestra/studio, .palestra/runs).
  proj = mkdtempSync(join(tmpdir(), 'palestra-runs-e2e-'));
  runsDir = join(proj, '.palestra', 'runs');
  h = await openHarness({ dir: join(proj, '.palestra', 'studio'), runsDir });
  page = h.page;
});

after(async () => {
  await h?.close();
  rmSync(proj, { recursive: true, force: true });
});

const url = (path: string) => new URL(path, h.studio.url).href;
const summaryOf = (folder: string) => JSON.parse(readFileSync(join(runsDir, folder, 'summary.json'), 'utf8'));
/** A locator's text as the DOM holds it. */
const text = async (l: Locator) => (await l.textContent()) ?? '';
const runRow = (name: string) => page.locator(`tr[data-run="${name}"]`);

test('the empty list says how to make a run', async () => {
  await page.goto(url('/runs'));
  await page.getByText('No runs yet').waitFor({ timeout: 10_000 });
  assert.ok(await page.getByText('npx palestra run frozen-lake').isVisible());
});

test('a run the CLI writes while the studio runs, and a rollout job registered over the API, appear under /runs', async () => {
  const cli = await promisify(execFile)(
    process.execPath,
    [
      PALESTRA,
      'run',
      'frozen-lake',
      '--agent',
      'random',
      '--episodes',
      '8',
      '--out',
      '.palestra/runs/cli-run',
    ],
    { cwd: proj, env: { ...process.env, NO_COLOR: '1' } },
  );
  assert.doesNotMatch(cli.stderr, /not listed yet/, cli.stderr);
  await rollout({
    env: 'frozen-lake',
    agent: 'random',
    episodes: 12,
    out: join(runsDir, 'rolled'),
    workers: 0,
  });
  const res = await fetch(url('/api/runs'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.studio.token}` },
    body: JSON.stringify({ folder: join(runsDir, 'rolled') }),
  });
  assert.equal(res.status, 200, await res.text());

  await page.goto(url('/runs'));
  await runRow('cli-run').waitFor({ timeout: 10_000 });
  await runRow('rolled').waitFor();
  const cells = await runRow('cli-run').locator('td').allTextContents();
  assert.equal(cells[1], 'frozen-lake');
  assert.equal(cells[2], 'run');
  assert.equal(cells[5], '8');
  assert.ok(
    await runRow('cli-run').getByRole('link', { name: 'frozen-lake' }).getAttribute('href'),
    '/env/frozen-lake',
  );

  // Sorting by episodes: ascending puts the 8-episode run first, again turns it round.
  const header = page.locator('th:has(button[data-column="episodes"])');
  await header.locator('button').click();
  assert.equal(await header.getAttribute('aria-sort'), 'ascending');
  assert.equal(await page.locator('tbody tr').first().getAttribute('data-run'), 'cli-run');
  await header.locator('button').click();
  assert.equal(await header.getAttribute('aria-sort'), 'descending');
  assert.equal(await page.locator('tbody tr').first().getAttribute('data-run'), 'rolled');
});

test("the run page's numbers are the run's summary.json; its episodes filter and link to replays and a diff", async () => {
  const summary = summaryOf('cli-run');
  await page.goto(url('/runs'));
  await runRow('cli-run').getByRole('link', { name: 'cli-run' }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const id = new URL(page.url()).pathname.split('/').at(-1) as string;
  const stat = (name: string) => text(page.locator(`[data-stat="${name}"]`));
  assert.match(await stat('episodes'), new RegExp(`^${summary.episodes} `));
  assert.match(await stat('returnMean'), new RegExp(`^${summary.returnMean.toFixed(3)} `));
  assert.match(await stat('successRate'), new RegExp(`^${(summary.successRate * 100).toFixed(1)} %`));
  assert.match(await stat('successInterval'), /95 % CI 0\.0 % – \d+\.\d %/);
  assert.match(await stat('length'), new RegExp(`^${summary.meanLength.toFixed(1)} steps`));
  assert.ok(await page.getByRole('img', { name: 'Returns of the complete episodes' }).isVisible());
  assert.equal(
    await page.getByRole('link', { name: 'Run agents again' }).getAttribute('href'),
    '/env/frozen-lake/run',
  );

  // The filters against the files themselves.
  const files = readdirSync(join(runsDir, 'cli-run')).filter((f) => f.endsWith('.jsonl'));
  const episodes = files.map((f) => parseEpisode(readFileSync(join(runsDir, 'cli-run', f), 'utf8')));
  const truncated = episodes.filter((e) => e.footer?.truncated).length;
  const failed = episodes.filter((e) => e.footer?.error).length;
  const shown = () => text(page.locator('[data-stat="shown"]'));
  assert.equal(await shown(), '8 of 8 episodes');
  await page.getByLabel('Show', { exact: true }).selectOption('failed');
  assert.equal(await shown(), `${failed} of 8 episodes`);
  assert.equal(await page.locator('tbody tr[data-episode]').count(), failed);
  await page.getByLabel('Show', { exact: true }).selectOption('truncated');
  assert.equal(await shown(), `${truncated} of 8 episodes`);
  await page.getByLabel('Show', { exact: true }).selectOption('all');
  await page.getByLabel('Task', { exact: true }).selectOption('4x4');
  assert.equal(await shown(), '8 of 8 episodes');

  const first = page.locator('tbody tr[data-episode]').first();
  assert.equal(
    await first.getByRole('link').getAttribute('href'),
    `/runs/${id}/episode/episode-000000.jsonl`,
  );
  await page.getByLabel('Compare episode-000000.jsonl').check();
  await page.getByLabel('Compare episode-000003.jsonl').check();
  assert.equal(
    await page.getByRole('link', { name: 'Compare the two ticked episodes' }).getAttribute('href'),
    `/runs/${id}/diff?a=episode-000000.jsonl&b=episode-000003.jsonl`,
  );
  await page.getByLabel('Compare episode-000000.jsonl').uncheck();
  await page.getByLabel('Show', { exact: true }).focus();
  await h.screenshot('run.png');
});

test('a tampered episode file is listed as unreadable, with its line, and the page still shows the rest', async () => {
  const file = join(runsDir, 'rolled', 'episode-g000002-m00.jsonl');
  const lines = readFileSync(file, 'utf8').split('\n');
  const step = JSON.parse(lines[1] as string);
  step.reward += 1;
  lines[1] = JSON.stringify(step);
  writeFileSync(file, lines.join('\n'));
  await page.goto(url('/runs'));
  await runRow('rolled').getByRole('link', { name: 'rolled' }).click();
  await page.getByRole('heading', { name: 'Episodes' }).waitFor({ timeout: 10_000 });
  assert.match(await text(page.locator('[data-stat="episodes"]')), /^12 \(11 complete, 1 unreadable\)/);
  await page.getByLabel('Show', { exact: true }).selectOption('unreadable');
  const row = page.locator('tr[data-episode="episode-g000002-m00.jsonl"]');
  assert.match(await text(row), /unreadable: RECORD_CORRUPT at line 2/);
});

test('axe on /runs and a run page, in the light and the dark theme', async () => {
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await page.goto(url('/runs'));
    await runRow('cli-run').waitFor({ timeout: 10_000 });
    await h.axeScan(`the runs page (${theme})`);
    if (theme === 'light') await h.screenshot('runs.png');
    await runRow('cli-run').getByRole('link', { name: 'cli-run' }).click();
    await page.getByRole('heading', { name: 'Episodes' }).waitFor({ timeout: 10_000 });
    await h.axeScan(`the run page (${theme})`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
});

test('delete asks first: Cancel keeps the run; Delete run removes its row and its folder', async () => {
  await page.goto(url('/runs'));
  await page.getByRole('button', { name: 'Delete run cli-run' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete run cli-run?' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.ok(existsSync(join(runsDir, 'cli-run')));
  assert.equal(await runRow('cli-run').count(), 1);

  await page.getByRole('button', { name: 'Delete run cli-run' }).click();
  await dialog.getByRole('button', { name: 'Delete run' }).click();
  await page.getByRole('status').filter({ hasText: 'Deleted' }).waitFor({ timeout: 10_000 });
  assert.match(await text(page.getByRole('status').filter({ hasText: 'Deleted' })), /and its folder\./);
  await runRow('cli-run').waitFor({ state: 'detached' });
  assert.equal(existsSync(join(runsDir, 'cli-run')), false);
  assert.equal(await runRow('rolled').count(), 1);
  assert.deepEqual(
    h.pageErrors.filter((e) => !/status of 404/.test(e)),
    [],
  );
});
