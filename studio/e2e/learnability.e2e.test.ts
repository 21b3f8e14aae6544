import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import {
  type EvaluateResult,
  evaluate,
  formatLearnabilityReport,
  type LearnabilityReport,
  learnability,
  writeState,
} from '@palestra/runtime';
import type { Page } from 'playwright-core';
import { sampleTrainState } from '../server/runs/trainFixture.ts';
import { type Harness, openHarness } from './harness.ts';

/**
 * The learnability page in a real browser: started from the environment page, run as a studio job
 * with its progress, and showing the same verdicts in the same words as the `learnability` job's
 * report printed by the CLI's formatter; kept by root so a revisit shows it at once. And an
 * evaluation run (the runtime's `evaluate` job, written before the studio starts, so it is indexed)
 * read on its run page as the paired comparison; a training run's curves on its run page.
 */

const SCRIPT = fileURLToPath(new URL('../../examples/echo-heldout.json', import.meta.url));

let h: Harness;
let page: Page;
let proj: string;
let expected: LearnabilityReport;
let evaluation: EvaluateResult;

before(async () => {
  proj = mkdtempSync(join(tmpdir(), 'palestra-learnability-e2e-'));
  const runsDir = join(proj, 'runs');
  evaluation = await evaluate({
    env: 'echo-target',
    agent: `scripted:${SCRIPT}`,
    vs: 'random',
    episodesPerTask: 2,
    out: join(runsDir, 'ev'),
  });
  // A training run's folder: its train.json (the runtime's writer) and a step's episode, so it is indexed.
  const tr = join(runsDir, 'tr');
  mkdirSync(join(tr, 'steps', 'step-0001'), { recursive: true });
  writeState(tr, sampleTrainState);
  const episode = readdirSync(join(runsDir, 'ev', 'a')).find((f) => f.endsWith('.jsonl'))!;
  copyFileSync(
    join(runsDir, 'ev', 'a', episode),
    join(tr, 'steps', 'step-0001', 'episode-g000000-m00.jsonl'),
  );
  // The same analysis the page runs with its defaults (the CLI's): the reference for its words.
  expected = await learnability({ env: 'echo-target' });
  h = await openHarness({ dir: join(proj, 'studio'), runsDir });
  page = h.page;
});

after(async () => {
  await h?.close();
  rmSync(proj, { recursive: true, force: true });
});

const url = (path: string) => new URL(path, h.studio.url).href;

test('from the environment page, run the analysis: progress, then the CLI verdicts in the same words', async () => {
  await page.goto(url('/env/echo-target'));
  await page.getByRole('link', { name: 'Learnability' }).click();
  await page.waitForURL(/\/env\/echo-target\/learnability$/);
  await page.getByText('No report yet').waitFor({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Run the analysis' }).click();
  // The job's progress while it runs (it takes seconds), then the report.
  await page.locator('.learnability-running progress').waitFor({ timeout: 5000 });
  await page.getByTestId('learnability-verdict').waitFor({ timeout: 30_000 });

  const cli = stripVTControlCharacters(formatLearnabilityReport(expected)).split('\n');
  assert.equal(await page.getByTestId('learnability-verdict').textContent(), cli.at(-1));
  assert.ok(cli.includes((await page.locator('.learnability-report > p.muted').textContent()) ?? ''));
  const rows = await page
    .locator('.learnability-table tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent?.trim() ?? '')),
    );
  assert.deepEqual(
    rows.map((r) => [r[0], r.at(-1)]),
    expected.results.map((x) => {
      const cell =
        x.overRandom === undefined ? '' : `${x.overRandom > 0 ? '+' : ''}${x.overRandom.toFixed(3)}`;
      return [x.name, cell === '' ? '' : `${cell}${x.games ? ' ✖ games the reward' : ' ✔'}`];
    }),
  );
  // Each row's figures are the CLI table's cells for that agent.
  for (const r of rows) {
    const line = cli.find((l) => l.startsWith(`│ ${r[0]} `));
    assert.ok(line, `the CLI has a row for ${r[0]}`);
    assert.deepEqual(
      line
        .split('│')
        .slice(1, -1)
        .map((c) => c.trim()),
      r,
    );
  }
  const findings = await page.locator('.learnability-findings li').allTextContents();
  assert.deepEqual(
    findings.map((f) => f.replace(/^\s*\S+\s+(error|warning|info): /, '')),
    expected.findings.map((f) => f.message),
  );
  for (const f of expected.findings) assert.ok(cli.some((l) => l.endsWith(f.message)));
  assert.equal(await page.locator('.histogram-chart svg[role="img"]').count(), 1);
});

test('a revisit shows the kept report at once; axe in both themes; the screenshot', async () => {
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await page.goto(url('/env/echo-target/learnability'));
    // In the server's first answer: no job to wait for.
    assert.equal(await page.getByTestId('learnability-verdict').count(), 1);
    assert.ok(await page.getByRole('button', { name: 'Run again' }).isVisible());
    await h.axeScan(`the learnability page (${theme})`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await h.screenshot('learnability.png');
});

test('an evaluation run opens on its run page as the paired comparison with its intervals', async () => {
  await page.goto(url('/runs'));
  await page.locator('tr[data-run="ev"] a').first().click();
  await page.waitForURL(/\/runs\/[^/]+$/);
  await page.getByRole('heading', { name: /Evaluation: paired comparison/ }).waitFor({ timeout: 10_000 });
  const r = evaluation.report;
  assert.ok(r.b && r.difference);
  assert.ok(await page.getByText(r.a.agent, { exact: true }).isVisible());
  assert.ok(await page.getByText(r.b.agent, { exact: true }).isVisible());
  assert.equal(await page.locator('.eval-run svg[role="img"]').count(), 2);
  const success = await page.locator('#eval-success-desc').textContent();
  assert.match(success ?? '', /^A: 100% \(95% interval 100% … 100%\)\. B: 0% .*A − B: \+100 pp/);
  assert.equal(
    await page.locator('.eval-run tr.eval-difference td').nth(2).textContent(),
    '+100 pp [+100 pp … +100 pp]',
  );
  await page.screenshot({ path: join(h.artifacts, 'eval-run.png'), fullPage: true });
  assert.deepEqual(h.pageErrors, []);
});

test('a training run opens on its run page with its four curves, SFT steps shaded, and its evaluations', async () => {
  await page.goto(url('/runs'));
  await page.locator('tr[data-run="tr"] a').first().click();
  await page.waitForURL(/\/runs\/[^/]+$/);
  await page.getByRole('heading', { name: /Training: GRPO on / }).waitFor({ timeout: 10_000 });
  const charts = page.locator('.train-run svg[role="img"]');
  assert.equal(await charts.count(), 4);
  assert.deepEqual(await page.locator('.train-run .chart-shade text').allTextContents(), [
    'SFT warm-start (2)',
    'SFT warm-start (2)',
    'SFT warm-start (2)',
    'SFT warm-start (2)',
  ]);
  assert.match(
    (await page.locator('#train-success-desc').textContent()) ?? '',
    /^held-out success: 3 points, step 0: 25% → step 5: 75%/,
  );
  assert.equal(await page.locator('.train-eval-card').nth(1).locator('h4').textContent(), 'After step 5');
  assert.equal(await page.locator('.train-steps tbody tr').count(), sampleTrainState.steps.length);
  await h.axeScan('a training run page (light)');
  await page.screenshot({ path: join(h.artifacts, 'train-run.png'), fullPage: true });
  assert.deepEqual(h.pageErrors, []);
});
