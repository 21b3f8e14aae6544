import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type EvaluateResult, evaluate } from '@palestra/runtime';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { EvalRunReport } from '../../app/runs/eval/EvalRunReport.tsx';
import { readEvalRun } from './evalRun.ts';

const SCRIPT = fileURLToPath(new URL('../../../examples/echo-heldout.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'palestra-eval-view-'));
let result: EvaluateResult;

// A real evaluation: the scripted solver against random on echo-target's held-out tasks.
before(async () => {
  result = await evaluate({
    env: 'echo-target',
    agent: `scripted:${SCRIPT}`,
    vs: 'random',
    episodesPerTask: 2,
    out: join(dir, 'ev'),
  });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a real eval run reads as its paired comparison, intervals and per-task rows', async () => {
  const view = await readEvalRun(join(dir, 'ev'));
  assert.ok(view?.state === 'ok');
  const r = result.report;
  assert.match(view.env, /^echo-target@/);
  assert.equal(view.split, r.split);
  assert.equal(view.a.agent, r.a.agent);
  assert.equal(view.b?.agent, r.b?.agent);
  assert.deepEqual(view.a.successRate, r.a.successRate);
  assert.deepEqual(view.difference, r.difference);
  assert.equal(view.perTask.length, r.tasks);
  // The scripted solver beats random, and the difference's interval says so.
  assert.equal(view.a.successRate.estimate, 1);
  assert.ok((view.difference?.successRate.estimate ?? 0) > 0);
});

test('the view renders both interval charts (A, B, A − B) and the tables', async () => {
  const view = await readEvalRun(join(dir, 'ev'));
  assert.ok(view);
  const html = renderToStaticMarkup(createElement(EvalRunReport, { view }));
  assert.equal(html.match(/<svg [^>]*role="img"/g)?.length, 2);
  assert.match(html, /<desc id="eval-success-desc">A: 100% \(95% interval 100% … 100%\)\. B: /);
  assert.match(html, /A − B: \+100 pp \(95% interval \+100 pp … \+100 pp\)/);
  assert.match(html, /<td>\+100 pp \[\+100 pp … \+100 pp\]<\/td>/);
  assert.match(
    html,
    new RegExp(`<code>${result.report.a.agent.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</code>`),
  );
  // Each chart: A, B and A − B, each a bar with two end ticks.
  assert.equal(html.match(/class="chart-interval"/g)?.length, 18);
  assert.equal(html.match(/<tr><th scope="row">\d+/g)?.length, result.report.tasks);
});

test('no eval.json is no view; a broken or foreign one is a problem with a hint', async () => {
  const empty = mkdtempSync(join(dir, 'empty-'));
  assert.equal(await readEvalRun(empty), undefined);
  writeFileSync(join(empty, 'eval.json'), '{oops');
  const unreadable = await readEvalRun(empty);
  assert.ok(unreadable?.state === 'unreadable');
  assert.equal(unreadable.code, 'EVAL_REPORT_UNREADABLE');
  const report = JSON.parse(readFileSync(join(dir, 'ev', 'eval.json'), 'utf8'));
  writeFileSync(
    join(empty, 'eval.json'),
    JSON.stringify({ ...report, a: { ...report.a, successRate: 'high' } }),
  );
  const invalid = await readEvalRun(empty);
  assert.ok(invalid?.state === 'unreadable');
  assert.equal(invalid.code, 'EVAL_REPORT_INVALID');
  assert.match(invalid.message, /a\.successRate/);
  assert.match(
    renderToStaticMarkup(createElement(EvalRunReport, { view: invalid })),
    /role="alert".*EVAL_REPORT_INVALID.*run the evaluation again/,
  );
});
