import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type LlmServer, startLlmServer } from '@palestra/testing/llm';
import type { Page } from 'playwright-core';
import { runEpisodeFiles, runFolder } from '../server/runFiles.ts';
import { type Harness, openHarness } from './harness.ts';

/**
 * Running agents from the page (issue 15): a random-agent run followed to its end through the job
 * stream, a model agent run against the local OpenAI-wire server with a typed key that must end up
 * nowhere (disk, database, page storage), a run cancelled and resumed, and a branch whose chart
 * has one point per step. Axe in both themes on both pages; screenshots for the docs.
 */

const KEY = 'sk-e2e-palestra-7d41c9b0aa52';
let h: Harness;
let page: Page;
let llm: LlmServer;
/** The random-agent run of the first test. */
let randomRun = '';

before(async () => {
  h = await openHarness();
  page = h.page;
  // Always moves down; slow enough that a 24-episode run can be cancelled midway.
  llm = await startLlmServer({
    script: () => ({ delayMs: 40, toolCalls: [{ name: 'move', arguments: { direction: 'down' } }] }),
  });
});

after(async () => {
  await llm?.close();
  await h?.close();
});

async function startRun(p: Page, fields: { agent?: string; model?: string; key?: string; episodes: number }) {
  await p.goto(new URL('/env/frozen-lake/run', h.studio.url).href);
  await p.getByRole('heading', { name: 'Run agents on frozen-lake' }).waitFor();
  if (fields.agent) await p.getByLabel('Agent', { exact: true }).selectOption(fields.agent);
  if (fields.model) {
    await p.getByLabel('Model').fill(fields.model);
    await p.getByLabel('Base URL').fill(llm.url);
  }
  if (fields.key) await p.getByLabel('API key').fill(fields.key);
  await p.getByLabel('Episodes').fill(String(fields.episodes));
  await p.getByLabel('Turns in flight').fill('2');
  await p.getByRole('button', { name: 'Run agents' }).click();
  await p.waitForURL(/\?job=/);
}

async function runIdOf(p: Page): Promise<string> {
  const href = await p.getByRole('link', { name: 'Open the run' }).getAttribute('href', { timeout: 30_000 });
  return decodeURIComponent(href!.replace('/runs/', ''));
}

test('8 random-agent episodes of frozen-lake from the page: progress reaches 8 / 8, then open the run', async () => {
  await page.goto(new URL('/env/frozen-lake', h.studio.url).href);
  await page.getByRole('link', { name: 'Run agents' }).click();
  await page.waitForURL(/\/env\/frozen-lake\/run$/);
  await page.getByLabel('Episodes').fill('8');
  await page.getByRole('button', { name: 'Run agents' }).click();
  await page.waitForURL(/\?job=/);
  await page.getByTestId('episodes-done').filter({ hasText: '8 / 8 episodes' }).waitFor({ timeout: 20_000 });
  const id = await runIdOf(page);
  randomRun = id;
  assert.equal(await page.locator('#episodes-progress').getAttribute('value'), '8');
  assert.match((await page.locator('.job-stats').textContent()) ?? '', /Success rate\s*\d+\.\d %/);
  const found = await runFolder(h.studio.context, id);
  assert.ok(found?.exists, 'the run is registered and its folder exists');
  assert.equal(runEpisodeFiles(found!.dir).length, 8);
  assert.match(found!.dir, /studio-frozen-lake-/);
  await h.screenshot('run-agents.png');
  await page.getByRole('link', { name: 'Open the run' }).click();
  await page.waitForURL(new RegExp(`/runs/${id}$`));
});

test('a typed API key reaches the model server and is found nowhere on disk or in the page', async () => {
  const before = llm.requests.length;
  await startRun(page, { agent: 'openai', model: 'toy', key: KEY, episodes: 3 });
  assert.equal(await page.getByLabel('API key').inputValue(), '', 'the field is cleared once sent');
  assert.ok(!page.url().includes(KEY));
  await runIdOf(page);
  const mine = llm.requests.slice(before);
  assert.ok(mine.length >= 3, 'the model was called');
  for (const r of mine) assert.equal(r.headers.authorization, `Bearer ${KEY}`);

  const files = readdirSync(h.dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
  assert.ok(files.some((f) => f.endsWith('.jsonl')) && files.length > 10, `searched ${files.length} files`);
  const needle = Buffer.from(KEY);
  const holding = files.filter((f) => readFileSync(f).includes(needle));
  assert.deepEqual(holding, [], 'no file under the studio folder, runs or store holds the key');
  const storage = await page.evaluate(() =>
    JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie]),
  );
  assert.ok(!storage.includes(KEY), 'not in localStorage, sessionStorage or cookies');
  const cookies = JSON.stringify(await page.context().cookies());
  assert.ok(!cookies.includes(KEY));
  assert.ok(!(await page.content()).includes(KEY), 'not in the page');
});

test('cancel a longer run midway, then resume it to completion in the same folder', async () => {
  await startRun(page, { agent: 'openai', model: 'toy', episodes: 24 });
  await page.waitForFunction(
    () => {
      const m = /^(\d+) \//.exec(document.querySelector('[data-testid="episodes-done"]')?.textContent ?? '');
      return m && Number(m[1]) >= 2;
    },
    null,
    { timeout: 20_000 },
  );
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Resume' }).waitFor({ timeout: 20_000 });
  const kept = Number(/^(\d+) \//.exec((await page.getByTestId('episodes-done').textContent()) ?? '')![1]);
  assert.ok(kept >= 2 && kept < 24, `stopped midway (${kept})`);
  await page.getByRole('button', { name: 'Resume' }).click();
  await page
    .getByTestId('episodes-done')
    .filter({ hasText: '24 / 24 episodes' })
    .waitFor({ timeout: 30_000 });
  const id = await runIdOf(page);
  const found = await runFolder(h.studio.context, id);
  assert.equal(runEpisodeFiles(found!.dir).length, 24, 'one file per episode: none played twice');
  const summary = JSON.parse(readFileSync(join(found!.dir, 'summary.json'), 'utf8'));
  assert.equal(summary.episodes, 24);
  assert.ok(summary.resumed >= kept, `resumed ${summary.resumed} ≥ kept ${kept}`);
});

test('branch from step 1 of an episode: a chart with one point per step, saved beside the run', async () => {
  const run = await h.studio.context.repo.getRun(randomRun);
  assert.ok(run, 'the random run is listed');
  const found = await runFolder(h.studio.context, run.id);
  const episodes = runEpisodeFiles(found!.dir);
  const episode =
    episodes.find((e) => readFileSync(join(found!.dir, e), 'utf8').split('\n').length > 4) ?? episodes[0]!;
  await page.goto(new URL(`/runs/${run.id}/branch/${episode}?step=1`, h.studio.url).href);
  await page.getByText('No branch report for this step yet').waitFor();
  await page.getByLabel('Samples per step').fill('4');
  await page.getByRole('button', { name: 'Branch', exact: true }).click();
  await page.locator('.branch-chart svg').waitFor({ timeout: 30_000 });
  const report = JSON.parse(
    readFileSync(join(found!.dir, 'branches', `${episode.replace(/\.jsonl$/, '')}-step-1.json`), 'utf8'),
  );
  const points = await page.locator('.branch-chart svg circle').count();
  assert.equal(points, report.values.length, 'one point per step');
  assert.equal(points, report.original.length + 1, 'steps 0 (after reset) to the last');
  assert.equal(await page.locator('.branch-table tbody tr').count(), points);
  await h.screenshot('branch.png');
  // Coming back shows the saved report without running again.
  await page.goto(new URL(`/runs/${run.id}/branch/${episode}?step=1`, h.studio.url).href);
  assert.equal(await page.locator('.branch-chart svg circle').count(), points);
});

test('axe: the run-agents and branch pages, in the light and the dark theme', async () => {
  const run = (await h.studio.context.repo.getRun(randomRun))!;
  const found = await runFolder(h.studio.context, run.id);
  const episode = runEpisodeFiles(found!.dir)[0]!;
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await page.goto(new URL('/env/frozen-lake/run', h.studio.url).href);
    await page.getByLabel('Agent', { exact: true }).selectOption('openai');
    await h.axeScan(`the run-agents form (${theme})`);
    const jobs = await page.goto(new URL('/env/frozen-lake/run', h.studio.url).href);
    assert.equal(jobs?.status(), 200);
    await startRun(page, { episodes: 2 });
    await page.getByRole('link', { name: 'Open the run' }).waitFor({ timeout: 20_000 });
    await h.axeScan(`the run-agents page with a finished job (${theme})`);
    await page.goto(new URL(`/runs/${run.id}/branch/${episode}?step=1`, h.studio.url).href);
    await page.locator('h1').waitFor();
    await h.axeScan(`the branch page (${theme})`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  assert.deepEqual(h.pageErrors, []);
});
