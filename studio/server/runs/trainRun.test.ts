import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rewardCurveHtml, writeState } from '@palestra/runtime';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { TrainRunReport } from '../../app/runs/train/TrainRunReport.tsx';
import { sampleTrainState as state } from './trainFixture.ts';
import { readTrainRun } from './trainRun.ts';

const dirs: string[] = [];
const folder = () => {
  const d = mkdtempSync(join(tmpdir(), 'palestra-train-view-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('a training run reads as its steps, curves (SFT steps told apart) and evaluation before and after', async () => {
  const dir = folder();
  writeState(dir, state);
  const view = await readTrainRun(dir);
  assert.ok(view && view.state === 'ok');
  assert.equal(view.env, 'echo-target');
  assert.equal(view.sftSteps, 2);
  assert.deepEqual(
    view.steps.map((s) => [s.step, s.kind, s.loss, s.kl]),
    [
      [1, 'sft', 1, null],
      [2, 'sft', 0.5, null],
      [3, 'grpo', 1 / 3, 0.03],
      [4, 'grpo', 0.25, 0.04],
      [5, 'grpo', 0.2, 0.07],
    ],
  );
  // Reward only on RL steps, with its ± std band; held-out success from step 0 (eval0).
  assert.deepEqual(
    view.curves.reward.points.map((p) => [p.x, p.kind, p.lo, p.hi]),
    [3, 4, 5].map((n) => [n, 'grpo', 0.1 * n - 0.05, 0.1 * n + 0.05]),
  );
  assert.deepEqual(
    view.curves.success.points.map((p) => [p.x, p.y, p.kind]),
    [
      [0, 0.25, 'base'],
      [3, 0.5, 'grpo'],
      [5, 0.75, 'grpo'],
    ],
  );
  assert.deepEqual(
    view.curves.loss.points.map((p) => p.kind),
    ['sft', 'sft', 'grpo', 'grpo', 'grpo'],
  );
  assert.deepEqual(view.evalBefore, state.eval0);
  assert.deepEqual(view.evalAfter, { successRate: 0.75, meanReturn: 0.6, episodes: 8, step: 5 });
  assert.deepEqual(view.steps[3]?.warnings, ['ZERO_VARIANCE_GROUPS']);
  assert.deepEqual(view.steps[3]?.faults, { environment: 0, agent: 1 });
  // The CLI's chart still renders the same state (its curves now come from the shared trainCurves).
  assert.match(rewardCurveHtml(state), /Training reward per step/);
});

test('no train.json is no view; a broken one is its reader error with a hint', async () => {
  const dir = folder();
  assert.equal(await readTrainRun(dir), undefined);
  writeFileSync(join(dir, 'train.json'), '{"v":1,"env":"x"}');
  const invalid = await readTrainRun(dir);
  assert.equal(invalid?.state, 'unreadable');
  assert.ok(invalid?.state === 'unreadable');
  assert.equal(invalid.code, 'TRAIN_STATE_INVALID');
  assert.match(invalid.hint ?? '', /new --out folder/);
  writeFileSync(join(dir, 'train.json'), '{not json');
  const broken = await readTrainRun(dir);
  assert.ok(broken?.state === 'unreadable');
  assert.equal(broken.code, 'TRAIN_STATE_UNREADABLE');
});

test('the view renders as four described charts, SFT steps shaded and hollow, and the steps table', async () => {
  const dir = folder();
  writeState(dir, state);
  const view = await readTrainRun(dir);
  assert.ok(view);
  const html = renderToStaticMarkup(createElement(TrainRunReport, { view }));
  assert.equal(html.match(/<svg [^>]*role="img"/g)?.length, 4);
  for (const id of ['train-reward', 'train-success', 'train-loss', 'train-kl'])
    assert.match(html, new RegExp(`aria-labelledby="${id}-title" aria-describedby="${id}-desc"`));
  assert.match(html, /SFT warm-start \(2\)/);
  // Two SFT loss points drawn hollow, none on the reward chart (SFT steps have no reward).
  assert.equal(html.match(/chart-dot chart-dot-sft/g)?.length, 2);
  assert.match(html, /held-out success: 3 points, step 0: 25% → step 5: 75%/);
  assert.match(html, /Before training<\/h4><p><span class="train-eval-big">25%<\/span>/);
  assert.match(html, /After step 5<\/h4><p><span class="train-eval-big">75%<\/span>/);
  assert.equal(html.match(/<tr class="train-row-sft">/g)?.length, 2);
  assert.match(html, /ZERO_VARIANCE_GROUPS/);
  const broken = renderToStaticMarkup(
    createElement(TrainRunReport, {
      view: {
        state: 'unreadable',
        code: 'TRAIN_STATE_INVALID',
        message: 'bad',
        hint: 'train into a new --out folder',
      },
    }),
  );
  assert.match(broken, /role="alert".*TRAIN_STATE_INVALID.*bad.*new --out folder/);
});
