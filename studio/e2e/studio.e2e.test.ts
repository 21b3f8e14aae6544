import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCatalog } from '@palestra/envs/catalog';
import { type Action, envSource, makeEnv } from '@palestra/envs/core';
import { ContentStore } from '@palestra/envs/node';
import { DOOR_SPEC, HANG_FILES, HANG_SPEC } from '@palestra/testing/envs';
import type { Page } from 'playwright-core';
import type { Studio } from '../server/start.ts';
import { type Harness, openHarness } from './harness.ts';

/**
 * The studio in a real browser: Debian's Chromium (driven by playwright-core, never a downloaded
 * browser) against a studio started on a free port. The environment page draws one canvas node per
 * state; the simulate page plays frozen-lake in the page and must show exactly what the core shows
 * in Node for the same seed and actions, through step, back, fork and a switch of timelines.
 *
 * Screenshots: see `harness.ts`.
 */

const PALESTRA = fileURLToPath(new URL('../../runtime/bin/palestra.js', import.meta.url));

type StateNode = { states?: Record<string, StateNode> };
/** Every state below `node`, nested ones included: one canvas node each. */
const countStates = (node: StateNode): number =>
  Object.values(node.states ?? {}).reduce((n, child) => n + 1 + countStates(child), 0);

let h: Harness;
let studio: Studio;
let page: Page;
let dir: string;
let pageErrors: string[] = [];
const axeScan = (what: string) => h.axeScan(what);
const screenshot = (name: string) => h.screenshot(name);

before(async () => {
  h = await openHarness();
  ({ studio, page, dir, pageErrors } = h);
});

after(async () => {
  await h?.close();
});

test('open /, click refund-desk, and see one canvas node per state of its machine', async () => {
  const { spec } = loadCatalog('refund-desk');
  const states = countStates(spec.machine);
  assert.ok(states > 3);
  await page.goto(studio.url);
  await page.click('a[href="/env/refund-desk"]');
  await page.waitForURL(/\/env\/refund-desk$/);
  await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length === n, states, {
    timeout: 8000,
  });
  assert.equal(await page.locator('.react-flow__node').count(), states);
  // Every state of the machine by its dotted path, and the tool table beside the canvas.
  const paths = await page
    .locator('.react-flow__node [data-state]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
  assert.equal(new Set(paths).size, states);
  for (const tool of spec.tools)
    assert.equal(await page.locator(`.spec-panel h3 code:text-is("${tool.name}")`).count(), 1);
  // The checker's verdict arrives after the page (a first check runs in the background).
  await page.waitForSelector('.problems-list:not([aria-busy="true"])', { timeout: 60_000 });
  await screenshot('environment.png');
  assert.deepEqual(pageErrors, []);
});

test('simulate frozen-lake: two steps, back, fork, step, switch, as the core plays them', async () => {
  // What the core gives in Node for the same task, seed and actions.
  const env = await makeEnv(loadCatalog('frozen-lake'));
  const move = (direction: string): Action => ({ tool: 'move', arguments: { direction } });
  const o0 = (await env.reset({ seed: 0, taskId: '4x4' })).observation.text;
  const o1 = (await env.step(move('down'))).observation.text;
  const afterOne = env.snapshot();
  const o2 = (await env.step(move('down'))).observation.text;
  env.restore(afterOne);
  const forked = await env.step(move('right'));
  env.close();

  const observation = page.locator('#observation');
  const heading = page.locator('#obs-title');
  const args = page.getByLabel('Arguments (JSON)');
  const click = (name: string) => page.getByRole('button', { name, exact: true }).click();
  const expectView = async (text: string, timeline: string, step: number) => {
    await page.waitForFunction(
      ([t, h]) =>
        document.querySelector('#observation')?.textContent === t &&
        document.querySelector('#obs-title')?.textContent?.includes(h),
      [text, `timeline ${timeline}, step ${step}`] as const,
      { timeout: 5000 },
    );
  };

  await page.goto(new URL('/env/frozen-lake/simulate', studio.url).href);
  await expectView(o0, 't1', 0);
  await page.waitForSelector('.react-flow__node.statechart-active');
  // The arguments as JSON (the form's other mode; the form itself is played on refund-desk below).
  await click('JSON');

  // Arguments are checked as typed: a bad direction disables Step and says why.
  await args.fill('{"direction": "sideways"}');
  await page.waitForSelector('#args-problem.field-error');
  assert.ok(await page.getByRole('button', { name: 'Step', exact: true }).isDisabled());
  await args.fill('{"direction": "down"}');
  await page.waitForSelector('#args-problem:not(.field-error)');

  await click('Step');
  await expectView(o1, 't1', 1);
  await click('Step');
  await expectView(o2, 't1', 2);
  await click('Back');
  await expectView(o1, 't1', 1);
  await click('Fork');
  await expectView(o1, 't2', 1);
  await args.fill('{"direction": "right"}');
  await click('Step');
  await expectView(forked.observation.text, 't2', 2);
  assert.equal(await observation.textContent(), forked.observation.text);
  // The canvas lights the state the page shows.
  const active = (await page.locator('#active-state').textContent())?.split(', ') ?? [];
  assert.deepEqual(active, forked.info.state);
  for (const s of active)
    assert.equal(await page.locator(`.react-flow__node.statechart-active [data-state="${s}"]`).count(), 1);
  await screenshot('simulator.png');

  // Back to the first timeline, at its cursor (step 1): the fork changed nothing there.
  await page.locator('#sim-timeline').selectOption('t1');
  await expectView(o1, 't1', 1);
  assert.match((await heading.textContent()) ?? '', /timeline t1, step 1/);
  assert.deepEqual(pageErrors, []);
});

test('refund-desk in a Web Worker: the form, a step as the core plays it, saved and verified by palestra replay', async () => {
  // What the core gives in Node for task 0 and seed 0.
  const source = loadCatalog('refund-desk');
  const env = await makeEnv(source);
  const action: Action = { tool: 'lookup_order', arguments: { orderId: 'A-1042' } };
  const o0 = (await env.reset({ seed: 0, taskIndex: 0 })).observation.text;
  const o1 = (await env.step(action)).observation.text;
  env.close();

  await page.goto(new URL('/env/refund-desk/simulate', studio.url).href);
  await page.waitForFunction((t) => document.querySelector('#observation')?.textContent === t, o0, {
    timeout: 15_000,
  });
  await page.getByLabel('Tool').selectOption('lookup_order');
  // The form is generated from the tool's schema: a required order id, checked as typed.
  const orderId = page.locator('#arg-lookup_order-orderId');
  await orderId.fill('');
  await page.waitForSelector('#args-problem.field-error');
  assert.ok(await page.getByRole('button', { name: 'Step', exact: true }).isDisabled());
  await orderId.fill('A-1042');
  await page.waitForSelector('#args-problem:not(.field-error)');
  await orderId.press('Enter');
  await page.waitForFunction((t) => document.querySelector('#observation')?.textContent === t, o1, {
    timeout: 5000,
  });

  // Save it: a run folder under the studio's runs, which the real CLI verifies.
  await page.getByRole('button', { name: 'Save episode', exact: true }).click();
  const file = (await page.locator('#replay-command').textContent({ timeout: 10_000 }))!.replace(
    /^palestra replay /,
    '',
  );
  assert.ok(file.startsWith(studio.context.runsDir), file);
  const replayed = spawnSync(process.execPath, [PALESTRA, 'replay', file], {
    encoding: 'utf8',
    cwd: dir,
  });
  assert.equal(replayed.status, 0, replayed.stdout + replayed.stderr);
  assert.match(replayed.stdout, /verified/);
  const runs = await studio.context.repo.listRuns();
  assert.ok(runs.some((r) => file.startsWith(r.folder) && r.kind === 'simulate'));
  assert.deepEqual(pageErrors, []);
});

test('hostile module code is contained by the worker: the step shows its typed error, the page stays usable', async () => {
  const root = await new ContentStore(studio.context.storeDir).putSource(envSource(HANG_SPEC, HANG_FILES));
  const row = await studio.context.repo.createEnvironment({ name: 'trap', source: 'import', root });
  await page.goto(new URL(`/env/${row.id}/simulate`, studio.url).href);
  await page.waitForSelector('#obs-title', { timeout: 15_000 });
  await page.getByLabel('Tool').selectOption('hang');
  const t0 = performance.now();
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  // The page answers while the worker is stuck in native code.
  assert.equal(await page.evaluate(() => 1 + 1), 2);
  const alert = page.locator('[role="alert"]').filter({ hasText: 'DEADLINE' });
  await alert.waitFor({ timeout: 5000 });
  assert.ok(performance.now() - t0 < 4000, 'ended by the deadline, not by a test timeout');
  // Back to step 0 and the safe tool: the environment runs again (a fresh worker).
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await page.getByLabel('Tool').selectOption('safe');
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('#reward')?.textContent === '1', undefined, {
    timeout: 5000,
  });
  assert.deepEqual(
    pageErrors.filter((e) => !/DEADLINE|deadline/.test(e)),
    [],
  );
});

test('select a problem and see its node selected on the canvas', async () => {
  const root = await new ContentStore(studio.context.storeDir).putSource(envSource(DOOR_SPEC));
  const row = await studio.context.repo.createEnvironment({ name: 'door', source: 'import', root });
  await page.goto(new URL(`/env/${row.id}`, studio.url).href);
  // A first check runs in the background (after any others queued) and the page polls for it.
  const problem = page.locator('button.problem-item').filter({ hasText: 'DEAD_END' });
  await problem.waitFor({ timeout: 60_000 });
  await problem.click();
  await page.waitForSelector('.react-flow__node.selected [data-state="stuck"]', { timeout: 5000 });
  // The node shows its problem mark too.
  assert.equal(await page.locator('.react-flow__node.selected').count(), 1);
  assert.equal(await problem.getAttribute('aria-current'), 'true');
  await screenshot('problems.png');
  assert.deepEqual(pageErrors, []);
});

test('import a malformed spec from the page: the checker message with its JSON path, nothing saved', async () => {
  const before = (await studio.context.repo.listEnvironments()).length;
  const spec = { ...loadCatalog('frozen-lake').spec, name: 'broken', tools: [{ name: 42 }] };
  await page.goto(studio.url);
  await page.locator('#import-file').setInputFiles({
    name: 'broken.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(spec)),
  });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const alert = page.locator('[role="alert"]').filter({ hasText: '$.tools[0].name' });
  await alert.waitFor({ timeout: 10_000 });
  assert.match((await alert.textContent()) ?? '', /Nothing was saved/);
  assert.equal((await studio.context.repo.listEnvironments()).length, before);
  await screenshot('import-error.png');
  // The refusal's 400 is logged by the browser (and taken out of the list); nothing else may be.
  assert.deepEqual(
    pageErrors.splice(0).filter((e) => !/status of 400/.test(e)),
    [],
  );
});

test('the simulate page of a missing environment is a 404 with a way back', async () => {
  const res = await page.goto(new URL('/env/nope/simulate', studio.url).href);
  assert.equal(res?.status(), 404);
  await page.getByRole('heading', { name: 'Environment not found' }).waitFor({ timeout: 5000 });
  await page.getByRole('link', { name: 'Back to the environments' }).click();
  await page.waitForURL(studio.url);
});

test('axe: no serious or critical violation on any page, in the light and the dark theme', async () => {
  const pages = [
    { what: 'the environments page', path: '/', ready: 'h1' },
    { what: 'the environment page', path: '/env/refund-desk', ready: '.react-flow__node' },
    { what: 'the simulate page (in the page)', path: '/env/frozen-lake/simulate', ready: '#obs-title' },
    { what: 'the simulate page (in a worker)', path: '/env/refund-desk/simulate', ready: '#obs-title' },
    { what: 'the import page', path: '/import', ready: 'h1' },
    { what: 'the 404 page', path: '/env/nope', ready: 'h1' },
  ];
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    for (const { what, path, ready } of pages) {
      await page.goto(new URL(path, studio.url).href);
      await page.waitForSelector(ready, { timeout: 10_000 });
      await axeScan(`${what} (${theme})`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  // The 404 page's own status is logged by the browser; nothing else may be.
  assert.deepEqual(
    pageErrors.filter((e) => !/status of 404/.test(e)),
    [],
  );
});
