import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseSpec } from '@palestra/envs/core';
import type { Page } from 'playwright-core';
import { STATUS_TEXT } from '../app/collab/collabStatus.ts';
import { docParts } from '../app/doc/schema.ts';
import { filesOf, toSpec } from '../app/doc/toSpec.ts';
import { type Harness, openHarness, waitStatus } from './harness.ts';

/**
 * Authoring from the panel and the toolbar (issue 17), with no JSON: from `/new`, by clicks and
 * typing only, a guard is added in the side panel, written in its collaborative editor and put on
 * a transition in the toolbar's transition editor; an action with one assignment is added and run
 * by that transition; a reward rule pays on entering the final state; a code file is added. The
 * live check finds nothing to fix, the simulator (another tab) reaches the final state and shows
 * the reward, and one undo takes back the last creation. Then a transition drawn by dragging from
 * a state's handle to another state, with the pointer, waiting on the page (never a timer) for
 * the geometry to settle and for the target handle to accept the line before letting go.
 */

let h: Harness;
let id: string;
let page: Page;
const errors: string[][] = [];

const envUrl = () => new URL(`/env/${encodeURIComponent(id)}`, h.studio.url).href;
const node = (p: Page, path: string) => p.locator(`.react-flow__node[data-id="${path}"]`);
/** A transition on the canvas: waited for attached, as a straight one's box has no height. */
const edge = (p: Page, label: string) => p.locator(`.react-flow__edge[aria-label^="transition ${label}"]`);
const toolbar = (p: Page) => p.getByRole('region', { name: 'Edit the statechart' });
const panel = (p: Page) => p.locator('.editable-panel');

/** Opens a collapsed section of the side panel by its title. */
async function openSection(p: Page, title: string) {
  const details = panel(p)
    .locator('details')
    .filter({ has: p.locator(`summary h2:text-is("${title}")`) });
  if ((await details.getAttribute('open')) === null) await details.locator('summary').first().click();
}

/** Waits until the collaborative editor of `field` holds exactly `text` (its lines' text). */
const waitText = (p: Page, field: string, text: string) =>
  p.waitForFunction(
    ({ field, text }) => {
      const content = document.querySelector(`.expression-editor[data-field="${field}"] .cm-content`);
      return (
        !!content && [...content.querySelectorAll('.cm-line')].map((l) => l.textContent).join('\n') === text
      );
    },
    { field, text },
    { timeout: 10_000 },
  );

/**
 * Waits until the live check of the latest edit has run whole (the checker in its worker, not only
 * the parser) and the problems under the canvas contain `text`.
 */
const waitLiveCheck = (p: Page, text = '') =>
  p.waitForFunction(
    (text) => {
      const column = document.querySelector('.canvas-column[data-live-check="full"]');
      return column?.querySelector('.problems-list')?.textContent?.includes(text) === true;
    },
    text,
    { timeout: 30_000 },
  );

before(async () => {
  h = await openHarness();
  errors.push(h.pageErrors);
  page = h.page;
  // The first page from loopback signs the owner in.
  await page.goto(h.studio.url);
});

after(async () => {
  await h?.close();
});

test('from /new, with no JSON: a guard, an action, a reward rule and a code file; simulated; one undo', async () => {
  await page.getByRole('link', { name: 'New environment' }).click();
  await page.getByLabel('Name', { exact: true }).fill('lookup-desk');
  await page.getByLabel('First state').fill('open');
  await page.getByLabel('First tool').fill('lookup');
  await page.getByLabel('Its event').fill('LOOKUP');
  await page.getByRole('button', { name: 'Create the environment' }).click();
  await page.waitForURL(/\/env\/[^/]+$/);
  id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
  await node(page, 'open').waitFor({ timeout: 15_000 });
  await waitStatus(page, STATUS_TEXT.saved);

  // A final state to reach.
  const addState = page.getByRole('form', { name: 'Add a state' });
  await addState.getByLabel('New state').fill('done');
  await addState.getByRole('button', { name: 'Add state' }).click();
  await node(page, 'done').waitFor({ timeout: 5000 });
  await toolbar(page).getByLabel('Final').check();
  await page.locator('.react-flow__node[data-id="done"][aria-label^="final state"]').waitFor();

  // A guard in the panel: a name the schema refuses first, then a good one, then its expression.
  const addGuard = page.getByRole('form', { name: 'Add guard' });
  await addGuard.getByLabel('New guard').fill('2ready');
  await addGuard.getByRole('button', { name: 'Add guard' }).click();
  await addGuard.getByRole('alert').filter({ hasText: 'is not a guard name' }).waitFor();
  await addGuard.getByLabel('New guard').fill('ready');
  await addGuard.getByRole('button', { name: 'Add guard' }).click();
  await waitText(page, 'guard:ready', 'true');
  await page.locator('.expression-editor[data-field="guard:ready"] .cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(' && step >= 0');
  await waitText(page, 'guard:ready', 'true && step >= 0');

  // An action with one assignment (a new context field, `found`).
  const addAction = page.getByRole('form', { name: 'Add action' });
  await addAction.getByLabel('New action').fill('markFound');
  await addAction.getByRole('button', { name: 'Add action' }).click();
  const assignment = page.getByRole('form', { name: 'Add an assignment to action markFound' });
  await assignment.getByLabel('Context field assigned in action markFound').fill('found');
  await assignment.getByLabel('Expression assigned in action markFound').fill('true');
  await assignment.getByRole('button', { name: 'Add assignment' }).click();
  await waitText(page, 'action:markFound:found', 'true');

  // The starter's LOOKUP transition (it stays in open), edited in the toolbar where the selected
  // state lists its transitions: its target, its guard and the action it runs.
  await node(page, 'open').click();
  const selected = toolbar(page).getByRole('group', { name: 'Selected state open' });
  await selected.getByText('Transitions from open').click();
  await selected.getByRole('listitem', { name: 'Transition LOOKUP from open', exact: true }).waitFor();
  let lookup = selected.getByRole('listitem', { name: 'Transition LOOKUP from open', exact: true });
  await lookup.getByLabel('Target').selectOption({ label: 'done' });
  await lookup.getByRole('button', { name: 'Retarget' }).click();
  lookup = selected.getByRole('listitem', { name: 'Transition LOOKUP from open to done' });
  await lookup.getByLabel('Guard', { exact: true }).selectOption('ready');
  await lookup.getByLabel('Run an action on the transition').selectOption('markFound');
  await lookup.getByRole('listitem').filter({ hasText: 'markFound' }).waitFor();
  assert.equal(await lookup.getByLabel('Guard', { exact: true }).inputValue(), 'ready');

  // A reward rule on entering the final state, chosen from the states.
  await openSection(page, 'Reward rules');
  const addRule = page.getByRole('form', { name: 'Add a reward rule' });
  await addRule.getByLabel('What the rule pays for').selectOption({ label: 'On entering a state' });
  await addRule.getByLabel('State whose entering pays').selectOption('done');
  await addRule.getByLabel('Value it pays').fill('1');
  await addRule.getByLabel('Name of the new rule (optional)').fill('solved');
  await addRule.getByRole('button', { name: 'Add reward rule' }).click();
  await page.getByLabel('State of reward solved').waitFor();
  assert.equal(await page.getByLabel('State of reward solved').inputValue(), 'done');
  // The new environment declared the bounds its rule-less spec had, [0, 0]: the live check finds
  // an episode paid outside them, the panel says the rule pays outside them and widens them.
  await waitLiveCheck(page, 'REWARD_OUT_OF_BOUNDS');
  await page.getByRole('button', { name: 'Widen the bounds to [0, 1]' }).click();
  await page.getByRole('button', { name: /^Widen the bounds/ }).waitFor({ state: 'detached' });
  assert.equal(await page.getByLabel('Maximum return').inputValue(), '1');

  // A code file: a bad name refused, then `helpers.js`, opened in the JavaScript editor.
  await openSection(page, 'Code modules');
  const addFile = page.getByRole('form', { name: 'Add file' });
  await addFile.getByLabel('New file').fill('helpers.ts');
  await addFile.getByRole('button', { name: 'Add file' }).click();
  await addFile.getByRole('alert').filter({ hasText: 'ending in .js' }).waitFor();
  await addFile.getByLabel('New file').fill('helpers.js');
  await addFile.getByRole('button', { name: 'Add file' }).click();
  await page.locator('.expression-editor[data-field="file:helpers.js"] .cm-content').waitFor();

  // The live check of the whole environment: nothing to fix.
  await waitLiveCheck(page, 'The checker found nothing to fix.');
  await waitStatus(page, STATUS_TEXT.saved);
  const reader = await h.storedDoc(id);
  try {
    const spec = parseSpec(toSpec(reader.doc).spec, filesOf(reader.doc));
    assert.deepEqual(spec.guards, { ready: { expr: 'true && step >= 0' } });
    assert.deepEqual(spec.actions, { markFound: { assign: { found: 'true' } } });
    assert.deepEqual(spec.machine.states!.open!.on!.LOOKUP, {
      target: 'done',
      guard: 'ready',
      actions: ['markFound'],
    });
    assert.deepEqual(spec.reward, {
      rules: [{ name: 'solved', onEnter: 'done', value: 1 }],
      bounds: { min: 0, max: 1 },
    });
    assert.deepEqual(Object.keys(filesOf(reader.doc)), ['helpers.js']);
  } finally {
    reader.destroy();
  }
  await page.screenshot({ path: join(h.artifacts, 'authoring.png'), fullPage: true });

  // The simulator, in another tab (this page keeps its undo history): one lookup ends in done.
  const sim = await page.context().newPage();
  await sim.goto(`${envUrl()}/simulate`);
  await sim.locator('[data-playing="working"]').waitFor({ timeout: 15_000 });
  await sim.getByLabel('Tool').selectOption('lookup');
  await sim.getByRole('button', { name: 'Step', exact: true }).click();
  await sim.locator('.react-flow__node[data-id="done"].statechart-active').waitFor({ timeout: 10_000 });
  await sim.waitForFunction(() => document.querySelector('#reward')?.textContent === '1');
  assert.match((await sim.locator('.sim-facts').textContent()) ?? '', /solved: 1/);
  await sim.close();

  // One undo (outside any field) takes back the last creation, the code file, and only it.
  await page.locator('#env-title').click();
  await page.keyboard.press('Control+z');
  await page.locator('.expression-editor[data-field="file:helpers.js"]').waitFor({ state: 'detached' });
  await waitStatus(page, STATUS_TEXT.saved);
  const after = await h.storedDoc(id);
  try {
    assert.deepEqual(Object.keys(filesOf(after.doc)), []);
    assert.equal(docParts(after.doc).rewardRules.size, 1, 'the reward rule before it stays');
    assert.equal(docParts(after.doc).guards.has('ready'), true);
  } finally {
    after.destroy();
  }
  assert.deepEqual(errors.flat(), []);
});

test('deleting a guard names the transition it guards, and clears it there', async () => {
  await page.getByRole('button', { name: 'Delete guard ready' }).click();
  const dialog = page.getByRole('alertdialog');
  assert.equal(await dialog.locator('.editor-confirm-question').textContent(), 'Delete guard ready?');
  assert.match(
    (await dialog.textContent()) ?? '',
    /It is taken off the transition LOOKUP from open to done, which then fires whenever its event comes\./,
  );
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.locator('.expression-editor[data-field="guard:ready"]').waitFor({ state: 'detached' });
  const guard = toolbar(page)
    .getByRole('listitem', { name: 'Transition LOOKUP from open to done' })
    .getByLabel('Guard', { exact: true });
  assert.equal(await guard.inputValue(), '', 'the transition has no guard now');
  // One undo brings the guard back, on its transition.
  await page.locator('#env-title').click();
  await page.keyboard.press('Control+z');
  await waitText(page, 'guard:ready', 'true && step >= 0');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.edit-transition select')].some(
      (s) => (s as HTMLSelectElement).value === 'ready',
    ),
  );
  assert.deepEqual(errors.flat(), []);
});

/**
 * Waits until the boxes of the elements `selectors` name have not moved for a few animation
 * frames: the layout (elkjs, in the page) and the view's fitting are done. Polled on each frame
 * in the page, so it waits exactly as long as the page takes, however loaded the machine is.
 */
async function steadyGeometry(p: Page, selectors: string[]) {
  await p.waitForFunction(
    (sels) => {
      const w = window as unknown as { __steady?: { key: string; frames: number } };
      const boxes = sels.map((s) => {
        const el = document.querySelector(s);
        if (!el) return null;
        const r = el.getBoundingClientRect();
        return [r.x, r.y, r.width, r.height].map((n) => Math.round(n));
      });
      if (boxes.includes(null)) return false;
      const key = JSON.stringify(boxes);
      w.__steady = w.__steady?.key === key ? { key, frames: w.__steady.frames + 1 } : { key, frames: 0 };
      return w.__steady.frames >= 5;
    },
    selectors,
    { polling: 'raf', timeout: 15_000 },
  );
}

/**
 * Waits until every layout the canvas started has finished (it marks each start and measures each
 * end in the page's performance timeline): a layout that lands later draws the states anew, and
 * React Flow drops a line being drawn when its state is drawn anew under it.
 */
const waitLayouts = (p: Page) =>
  p.waitForFunction(
    () =>
      performance.getEntriesByName('palestra:layout-start', 'mark').length ===
      performance.getEntriesByName('palestra:layout', 'measure').length,
    undefined,
    { timeout: 15_000 },
  );

/** How near the pane's border React Flow starts panning by itself while a line is drawn, px. */
const AUTO_PAN_MARGIN = 40;

/** The centre of an element on the screen. */
async function centre(p: Page, selector: string) {
  const box = await p.locator(selector).boundingBox();
  assert.ok(box, `${selector} is drawn`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

test('a transition drawn by dragging from a state handle to another state', async () => {
  await page.goto(envUrl());
  await node(page, 'done').waitFor({ timeout: 15_000 });
  await waitStatus(page, STATUS_TEXT.saved);
  // A state to draw from, to `open`.
  const addState = page.getByRole('form', { name: 'Add a state' });
  await addState.getByLabel('New state').fill('review');
  await addState.getByRole('button', { name: 'Add state' }).click();
  await node(page, 'review').waitFor({ timeout: 5000 });
  await page.locator('.canvas-pane').evaluate((e) => e.scrollIntoView({ block: 'center' }));
  // A way into review (typed in the toolbar), so that an arrow ends at each of the two states.
  const draw = page.getByRole('form', { name: 'Add a transition' });
  await draw.getByLabel('Transition from').selectOption({ label: 'open' });
  await draw.getByLabel('on event').fill('LOOKUP');
  await draw.getByLabel('to', { exact: true }).selectOption({ label: 'review' });
  await draw.getByRole('button', { name: 'Add transition' }).click();
  // Nothing moves the states while the line is drawn: the live check of the last edit is done (its
  // marks are on the canvas) and so is every layout. The arrows into and out of both states are
  // drawn: React Flow knows both states' handles (the canvas gives them with each node).
  // Checked whole: the problem marks are final, so no state is drawn again under the pointer.
  await waitLiveCheck(page);
  await waitLayouts(page);
  await edge(page, 'LOOKUP [ready] / markFound from open to done').waitFor({ state: 'attached' });
  await edge(page, 'LOOKUP from open to review').waitFor({ state: 'attached' });

  const from = '.react-flow__node[data-id="review"] .react-flow__handle.source';
  const to = '.react-flow__node[data-id="open"] .react-flow__handle.target';
  // Both handles in view, away from the pane's border: a handle under the side panel, or near the
  // border, where the canvas pans by itself while a line is drawn, is not where the pointer goes.
  // (The new state is selected, so the view is centred on it, beside `open`.)
  await steadyGeometry(page, [from, to, '.react-flow__viewport']);
  const start = await centre(page, from);
  const end = await centre(page, to);
  const pane = (await page.locator('.react-flow').boundingBox())!;
  for (const p of [start, end])
    assert.ok(
      p.x > pane.x + AUTO_PAN_MARGIN &&
        p.x < pane.x + pane.width - AUTO_PAN_MARGIN &&
        p.y > pane.y + AUTO_PAN_MARGIN &&
        p.y < pane.y + pane.height - AUTO_PAN_MARGIN,
      `the handle at ${JSON.stringify(p)} is well inside the pane ${JSON.stringify(pane)}`,
    );
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  // A first small move starts the line (past React Flow's drag threshold); then to the target.
  await page.mouse.move(start.x - 5, start.y - 2);
  await page.locator('.react-flow__connectionline').waitFor({ state: 'attached' });
  // The line starts at the centre of the handle as drawn: the handles the canvas gives React Flow
  // (from the layout, not measured) are where the page draws them.
  const lineStart = await page.locator('.react-flow__connection-path').evaluate((path: SVGPathElement) => {
    const at = path.getPointAtLength(0).matrixTransform(path.getScreenCTM()!);
    return { x: at.x, y: at.y };
  });
  assert.ok(
    Math.abs(lineStart.x - start.x) <= 1 && Math.abs(lineStart.y - start.y) <= 1,
    `the line starts at ${JSON.stringify(lineStart)}, the handle's centre is ${JSON.stringify(start)}`,
  );
  await page.mouse.move(end.x, end.y, { steps: 12 });
  // Let go only over the target handle, with the line drawn: React Flow connects to the handle
  // under the pointer when it is released (`isValidHandle`: the element below comes first).
  await page.locator('.react-flow__connectionline').waitFor({ state: 'attached' });
  await page.waitForFunction(
    ({ x, y, to }) => document.elementFromPoint(x, y) === document.querySelector(to),
    { ...end, to },
  );
  await page.mouse.up();

  // The drawn line fills in the toolbar's two ends and waits for its event there.
  const eventField = draw.getByLabel('on event');
  await page.waitForFunction(() => document.activeElement?.getAttribute('placeholder') === 'empty: always');
  assert.equal(
    await draw
      .getByLabel('Transition from')
      .evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.textContent),
    'review',
  );
  assert.equal(
    await draw
      .getByLabel('to', { exact: true })
      .evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.textContent),
    'open',
  );
  await eventField.fill('LOOKUP');
  await eventField.press('Enter');
  await edge(page, 'LOOKUP from review to open').waitFor({ state: 'attached', timeout: 5000 });
  assert.deepEqual(errors.flat(), []);
});

/**
 * A history state made in the toolbar ("resume where the agent left off"): a state added inside a
 * compound state becomes a deep history state, its default state is picked by path, and renaming
 * that state renames the default in the stored spec. Making the compound state's initial state a
 * history state is refused beside the field, with the reason.
 */
test('a history state: made deep in the toolbar, its default picked, and renamed with it', async () => {
  const addState = page.getByRole('form', { name: 'Add a state' });
  const add = async (name: string, parent?: string) => {
    await addState.getByLabel('New state').fill(name);
    if (parent) await addState.getByLabel('in', { exact: true }).selectOption({ label: parent });
    await addState.getByRole('button', { name: 'Add state' }).click();
    await node(page, parent ? `${parent}.${name}` : name).waitFor({ timeout: 5000 });
  };
  await add('work');
  await add('draft', 'work');
  await add('sent', 'work');

  // The state `work` enters first cannot be a history state: it would restore itself.
  await node(page, 'work.draft').click();
  const draft = toolbar(page).getByRole('group', { name: 'Selected state work.draft' });
  await draft.getByLabel('Kind').selectOption({ label: 'history (deep)' });
  await draft
    .getByRole('alert')
    .filter({ hasText: 'work.draft is the state its parent enters first' })
    .waitFor();
  assert.equal(await draft.getByLabel('Kind').inputValue(), 'state');

  // A new state in `work` (selected once added) made a deep history state, defaulting to `work.sent`.
  await add('resume', 'work');
  const resume = toolbar(page).getByRole('group', { name: 'Selected state work.resume' });
  await resume.getByLabel('Kind').selectOption({ label: 'history (deep)' });
  await node(page, 'work.resume').getByRole('img', { name: 'history state' }).waitFor();
  const fallback = resume.getByLabel('Default state');
  assert.deepEqual(await fallback.locator('option').allTextContents(), [
    "(none: the parent's initial state)",
    'work.draft',
    'work.sent',
  ]);
  await fallback.selectOption({ label: 'work.sent' });
  await h.axeScan('the toolbar with a history state selected');

  // Renamed in the inspector: the default follows, in the toolbar and in the stored spec.
  // The inspector shows the state clicked before its name is typed over (not the one selected before).
  // The chart is laid out again after each edit: a click may land before a node settles, so a
  // state is clicked until the inspector shows it.
  const select = async (path: string) => {
    const title = page.locator('#state-inspector-title', { hasText: `State ${path}` });
    for (let tries = 0; (await title.count()) === 0 && tries < 10; tries++) {
      await node(page, path).click();
      await title.waitFor({ timeout: 2000 }).catch(() => {});
    }
    await title.waitFor();
  };
  await select('work.sent');
  await page.getByLabel('Name', { exact: true }).fill('mailed');
  await node(page, 'work.mailed').waitFor({ timeout: 5000 });
  await select('work.resume');
  const shown = () => fallback.evaluate((s) => (s as HTMLSelectElement).selectedOptions[0]?.textContent);
  for (let tries = 0; (await shown()) !== 'work.mailed' && tries < 100; tries++)
    await page.waitForTimeout(100);
  assert.equal(await shown(), 'work.mailed');
  await waitStatus(page, STATUS_TEXT.saved);
  const reader = await h.storedDoc(id);
  try {
    const spec = parseSpec(toSpec(reader.doc).spec, filesOf(reader.doc));
    assert.deepEqual(spec.machine.states!.work!.states!.resume, {
      type: 'history',
      history: 'deep',
      target: 'mailed',
    });
  } finally {
    reader.destroy();
  }
  assert.deepEqual(errors.flat(), []);
});
