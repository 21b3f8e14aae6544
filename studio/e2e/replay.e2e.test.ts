import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { canonicalJson, type Episode, parseEpisode } from '@palestra/envs/core';
import { run } from '@palestra/runtime';
import type { Page } from 'playwright-core';
import { type Harness, openHarness } from './harness.ts';

/**
 * The replay and diff pages in a real browser, on runs the runtime's `run` job wrote before the
 * studio started (it indexes them on start): the badge says "verified" once the core re-played the
 * record in the page (refund-desk has code modules: in the simulator's Web Worker), scrubbing
 * lights other states, a tampered copy says "corrupt at line N", and two episodes of one task are
 * diffed with their first divergence marked. Screenshot: `replay.png` (docs).
 */

let h: Harness;
let page: Page;
let tmp: string;
/** Run ids by folder name: `a` (random), `b` (random with invalid calls, same seeds), `t` (a tampered copy of `a`). */
const ids: Record<string, string> = {};
const episodes: Record<string, { file: string; episode: Episode }[]> = {};
let longest: { file: string; episode: Episode };
let tamperedLine = 0;

const read = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((file) => ({ file, episode: parseEpisode(readFileSync(join(dir, file), 'utf8')) }));

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'palestra-replay-e2e-'));
  const runsDir = join(tmp, 'runs');
  await run({ env: 'refund-desk', agent: 'random', episodes: 6, seed: 0, out: join(runsDir, 'a') });
  await run({
    env: 'refund-desk',
    agent: 'random:invalid=0.5',
    episodes: 6,
    seed: 0,
    out: join(runsDir, 'b'),
  });
  episodes.a = read(join(runsDir, 'a'));
  episodes.b = read(join(runsDir, 'b'));
  longest = [...episodes.a].sort((x, y) => y.episode.steps.length - x.episode.steps.length)[0]!;
  assert.ok(longest.episode.steps.length >= 2, 'a run with a two-step episode');
  // The tampered copy: one observation changed in the middle of the longest episode.
  cpSync(join(runsDir, 'a'), join(runsDir, 't'), { recursive: true });
  const lines = readFileSync(join(runsDir, 't', longest.file), 'utf8')
    .trimEnd()
    .split('\n');
  const middle = Math.max(1, Math.floor((lines.length - 1) / 2));
  const step = JSON.parse(lines[middle]!);
  step.observation.text = `${step.observation.text} (edited)`;
  lines[middle] = JSON.stringify(step);
  writeFileSync(join(runsDir, 't', longest.file), `${lines.join('\n')}\n`);
  tamperedLine = middle + 1;

  h = await openHarness({ runsDir });
  page = h.page;
  for (const r of await h.studio.context.repo.listRuns()) ids[r.folder.split(/[\\/]/).pop()!] = r.id;
  assert.ok(ids.a && ids.b && ids.t, JSON.stringify(ids));
});

after(async () => {
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const url = (path: string) => new URL(path, h.studio.url).href;
const lit = () =>
  page
    .locator('.react-flow__node.statechart-active [data-state]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-state')).sort());

test('replay: verified in the browser; scrubbing lights the states of each step and draws the path', async () => {
  const { file, episode } = longest;
  await page.goto(url(`/runs/${ids.a}/episode/${file}`));
  await page.waitForSelector('[data-verdict="ok"]', { timeout: 30_000 });
  assert.match((await page.locator('.replay-badge').textContent()) ?? '', /verified/);
  await page.waitForSelector('.react-flow__node.statechart-active', { timeout: 10_000 });
  assert.deepEqual(await lit(), [...episode.header.info.state].sort());
  assert.equal(await page.locator('.react-flow__edge.statechart-path').count(), 0);

  // Keyboard: End goes to the last step, Home back to the reset, arrows one step.
  const scrubber = page.getByRole('slider', { name: 'Step' });
  await scrubber.focus();
  await page.keyboard.press('End');
  const last = episode.steps.at(-1)!;
  await page.waitForFunction(
    (want) =>
      JSON.stringify(
        [...document.querySelectorAll('.react-flow__node.statechart-active [data-state]')]
          .map((e) => e.getAttribute('data-state'))
          .sort(),
      ) === want,
    JSON.stringify([...last.state].sort()),
    { timeout: 5000 },
  );
  assert.notDeepEqual([...last.state].sort(), [...episode.header.info.state].sort(), 'the lit state changed');
  assert.ok((await page.locator('.react-flow__edge.statechart-path').count()) > 0, 'the path is drawn');
  assert.equal(
    await page.locator('#replay-step-title').textContent(),
    `Step ${last.i} of ${episode.steps.length}`,
  );
  assert.equal(
    await page.locator(`.replay-step-button[aria-current="step"]`).getAttribute('data-step'),
    String(last.i),
  );
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.locator('#replay-step-title').textContent(), `Step 1 of ${episode.steps.length}`);
  assert.deepEqual(await lit(), [...episode.steps[0]!.state].sort());
  // The branch link follows the scrubber.
  assert.equal(
    await page.getByRole('link', { name: 'Branch from this step' }).getAttribute('href'),
    `/runs/${ids.a}/branch/${file}?step=1`,
  );
  await page.keyboard.press('End');
  await h.screenshot('replay.png');
  assert.deepEqual(h.pageErrors, []);
});

test('a tampered copy (one observation changed) says corrupt at its line', async () => {
  await page.goto(url(`/runs/${ids.t}/episode/${longest.file}`));
  const badge = page.locator('.replay-badge');
  await badge.waitFor({ timeout: 10_000 });
  assert.equal((await badge.textContent())?.replace('✖ ', ''), `corrupt at line ${tamperedLine}`);
  assert.match((await page.getByRole('alert').first().textContent()) ?? '', /RECORD_CORRUPT/);
});

test('diff two episodes of one task (another run): the first divergence marked, each side linked', async () => {
  // The first pair of same-index episodes (same seed, so the same task) whose actions differ.
  const pairs = episodes.a!.map((x, i) => [x, episodes.b![i]!] as const);
  const pair = pairs.find(([x, y]) =>
    x.episode.steps.some(
      (s, k) => canonicalJson(s.action) !== canonicalJson(y.episode.steps[k]?.action ?? null),
    ),
  );
  assert.ok(pair, 'two episodes of the same task that differ');
  const [x, y] = pair;
  assert.equal(x.episode.header.taskIndex, y.episode.header.taskIndex);
  const firstStep =
    x.episode.steps.findIndex(
      (s, k) =>
        !y.episode.steps[k] ||
        canonicalJson(s.action) !== canonicalJson(y.episode.steps[k]!.action) ||
        canonicalJson(s.observation) !== canonicalJson(y.episode.steps[k]!.observation) ||
        s.reward !== y.episode.steps[k]!.reward,
    ) + 1;
  await page.goto(url(`/runs/${ids.a}/diff?a=${x.file}&b=${y.file}&bRun=${ids.b}`));
  const first = page.locator('tr.diff-first');
  await first.waitFor({ timeout: 10_000 });
  assert.equal(await first.getAttribute('id'), `diff-step-${firstStep}`);
  assert.match(
    (await page.getByRole('status').textContent()) ?? '',
    new RegExp(`First divergence at step ${firstStep}`),
  );
  assert.equal(await page.locator('tr.diff-first ~ tr.diff-first').count(), 0);
  assert.equal(
    await page.getByRole('link', { name: x.file }).first().getAttribute('href'),
    `/runs/${ids.a}/episode/${x.file}`,
  );
  assert.equal(
    await page.getByRole('link', { name: y.file }).last().getAttribute('href'),
    `/runs/${ids.b}/episode/${y.file}`,
  );
});

test('axe: the replay and diff pages in the light and the dark theme', async () => {
  const [x, y] = [episodes.a![0]!, episodes.b![0]!];
  const pages = [
    { what: 'the replay page', path: `/runs/${ids.a}/episode/${longest.file}`, ready: '[data-verdict="ok"]' },
    {
      what: 'the replay page (corrupt)',
      path: `/runs/${ids.t}/episode/${longest.file}`,
      ready: '.replay-badge',
    },
    {
      what: 'the diff page',
      path: `/runs/${ids.a}/diff?a=${x.file}&b=${y.file}&bRun=${ids.b}`,
      ready: '.diff-table',
    },
  ];
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    for (const { what, path, ready } of pages) {
      await page.goto(url(path));
      await page.waitForSelector(ready, { timeout: 30_000 });
      await page.waitForSelector('.react-flow__node, .replay-alert, .diff-table', { timeout: 10_000 });
      await h.axeScan(`${what} (${theme})`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  assert.deepEqual(h.pageErrors, []);
});
