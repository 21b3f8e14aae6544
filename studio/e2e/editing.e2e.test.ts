import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseSpec } from '@palestra/envs/core';
import type { Page } from 'playwright-core';
import { STATUS_TEXT } from '../app/collab/collabStatus.ts';
import { positionOf } from '../app/doc/edits.ts';
import { docParts } from '../app/doc/schema.ts';
import { toSpec } from '../app/doc/toSpec.ts';
import { type Harness, openHarness, waitStatus } from './harness.ts';

/**
 * Editing on the canvas (issue 17) with two people, each in a browser context of their own: the
 * owner creates an environment from nothing with the guided first step, then both add, rename,
 * nest, mark, move and delete states and draw a transition, by clicks and typing only, and each
 * sees the other's edits; each one's undo takes back only their own edits.
 */

let h: Harness;
let id: string;
let owner: Page;
let guest: Page;
const errors: string[][] = [];

const envUrl = () => new URL(`/env/${id}`, h.studio.url).href;
const node = (page: Page, path: string) => page.locator(`.react-flow__node[data-id="${path}"]`);
/** A transition on the canvas: waited for attached, as a straight one's box has no height. */
const edge = (page: Page, label: string) =>
  page.locator(`.react-flow__edge[aria-label^="transition ${label}"]`);
const gone = (page: Page, path: string) => node(page, path).waitFor({ state: 'detached', timeout: 5000 });
const toolbar = (page: Page) => page.getByRole('region', { name: 'Edit the statechart' });

/** Adds a state with the toolbar's form (under `parent`, a dotted path, or at the top level). */
async function addState(page: Page, name: string, parent?: string) {
  const form = page.getByRole('form', { name: 'Add a state' });
  await form.getByLabel('New state').fill(name);
  if (parent) await form.getByLabel('in', { exact: true }).selectOption({ label: parent });
  await form.getByRole('button', { name: 'Add state' }).click();
  await node(page, parent ? `${parent}.${name}` : name).waitFor({ timeout: 5000 });
}

/**
 * The box of `locator` once it has stopped moving: a colleague's edit lays the chart out again
 * (in the page, a moment after it arrives), and a drag must start where the state is drawn.
 */
async function steadyBox(page: Page, selector: string) {
  let last = '';
  for (;;) {
    const box = await page.locator(selector).boundingBox();
    const now = JSON.stringify(box);
    if (box && now === last) return box;
    last = now;
    await page.waitForTimeout(150);
  }
}

before(async () => {
  h = await openHarness();
  errors.push(h.pageErrors);
  owner = h.page;
  // The first page from loopback signs the owner in.
  await owner.goto(h.studio.url);
});

after(async () => {
  await h?.close();
});

test('a new environment from nothing, built by two people who see each other edit', async () => {
  // The guided first step: a name, a first state, a first tool and its event.
  await owner.getByRole('link', { name: 'New environment' }).click();
  await owner.getByLabel('Name', { exact: true }).fill('help-desk');
  await owner.getByLabel('First state').fill('open');
  await owner.getByLabel('First tool').fill('lookup');
  await owner.getByLabel('Its event').fill('LOOKUP');
  await h.axeScan('the new environment page');
  await owner.getByRole('button', { name: 'Create the environment' }).click();
  await owner.waitForURL(/\/env\/[^/]+$/);
  id = decodeURIComponent(new URL(owner.url()).pathname.split('/').pop()!);
  await node(owner, 'open').waitFor({ timeout: 15_000 });

  guest = (await h.invitedPerson('editor', errors)).page;
  await guest.goto(envUrl());
  await node(guest, 'open').waitFor({ timeout: 15_000 });
  await Promise.all([waitStatus(owner, STATUS_TEXT.saved), waitStatus(guest, STATUS_TEXT.saved)]);

  // Add (the toolbar), then rename on the canvas: double-click the name, type, Enter.
  await addState(owner, 'review');
  await node(guest, 'review').waitFor({ timeout: 5000 });
  await node(owner, 'review').locator('.state-label').dblclick();
  const field = owner.getByLabel('New name of review');
  await field.fill('open');
  await field.press('Enter');
  await owner.getByRole('alert').filter({ hasText: 'a sibling state is already named "open"' }).waitFor();
  await field.fill('reviewing');
  await field.press('Enter');
  await node(guest, 'reviewing').waitFor({ timeout: 5000 });
  await gone(guest, 'review');

  // The guest adds a final state, and nests a new one in the owner's with "Move into…".
  await addState(guest, 'done');
  await toolbar(guest).getByLabel('Final').check();
  await owner
    .locator('.react-flow__node[data-id="done"][aria-label^="final state"]')
    .waitFor({ timeout: 5000 });
  await addState(guest, 'inner');
  await toolbar(guest).getByLabel('Move into…').selectOption({ label: 'reviewing' });
  await toolbar(guest).getByRole('button', { name: 'Move', exact: true }).click();
  await node(owner, 'reviewing.inner').waitFor({ timeout: 5000 });

  // The owner adds a transition by typing: from open, on LOOKUP, to reviewing.
  const draw = owner.getByRole('form', { name: 'Add a transition' });
  await draw.getByLabel('Transition from').selectOption({ label: 'open' });
  await draw.getByLabel('on event').fill('LOOKUP');
  await draw.getByLabel('to', { exact: true }).selectOption({ label: 'reviewing' });
  await draw.getByLabel('on event').press('Enter');
  await edge(guest, 'LOOKUP from open to reviewing').waitFor({ state: 'attached', timeout: 5000 });
  // Drawn here too: the owner's canvas names its edges after the new layout.
  await edge(owner, 'LOOKUP from open to reviewing').waitFor({ state: 'attached', timeout: 5000 });
  // The starter's own LOOKUP transition (no target) came first and would always win: delete it.
  await edge(owner, 'LOOKUP from open to open').press('Delete');
  const dialog = owner.getByRole('alertdialog');
  assert.equal(await dialog.locator('p').textContent(), 'Delete the transition LOOKUP from open?');
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await edge(guest, 'LOOKUP from open to open').waitFor({ state: 'detached', timeout: 5000 });
  // And one by typing only: from reviewing, on LOOKUP, to done.
  const add = guest.getByRole('form', { name: 'Add a transition' });
  await add.getByLabel('Transition from').selectOption({ label: 'reviewing' });
  await add.getByLabel('on event').fill('LOOKUP');
  await add.getByLabel('to', { exact: true }).selectOption({ label: 'done' });
  await add.getByRole('button', { name: 'Add transition' }).click();
  await edge(owner, 'LOOKUP from reviewing to done').waitFor({ state: 'attached', timeout: 5000 });

  // The owner drags done to a place of its own, to the right: a manual position, in the document.
  await owner.locator('.canvas-pane').evaluate((e) => e.scrollIntoView({ block: 'end' }));
  const box = await steadyBox(owner, '.react-flow__node[data-id="done"]');
  await owner.mouse.move(box.x + box.width / 2, box.y + 6);
  await owner.mouse.down();
  await owner.mouse.move(box.x + box.width / 2 + 220, box.y + 6, { steps: 8 });
  await owner.mouse.up();
  await owner.waitForFunction(
    (x) => (document.querySelector('.react-flow__node[data-id="done"]')?.getBoundingClientRect().x ?? 0) > x,
    box.x + 150,
  );

  // The guest deletes the nested state with the Delete key, after a confirmation that counts.
  await node(guest, 'reviewing.inner').click();
  await node(guest, 'reviewing.inner').press('Delete');
  const confirm = guest.getByRole('alertdialog');
  assert.equal(await confirm.locator('p').textContent(), 'Delete state reviewing.inner?');
  await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
  await gone(owner, 'reviewing.inner');

  await Promise.all([waitStatus(owner, STATUS_TEXT.saved), waitStatus(guest, STATUS_TEXT.saved)]);
  const reader = await h.storedDoc(id);
  try {
    const { spec, paths } = toSpec(reader.doc);
    parseSpec(spec);
    assert.deepEqual(new Set(paths.values()), new Set(['open', 'reviewing', 'done']));
    const done = [...paths].find(([, p]) => p === 'done')![0];
    assert.ok(positionOf(docParts(reader.doc).states.get(done)!), 'the dragged state has a position');
    assert.equal(JSON.stringify(spec).includes('position'), false);
  } finally {
    reader.destroy();
  }
  assert.deepEqual(errors.flat(), []);
});

test("each one's undo takes back their own edit and leaves the other's", async () => {
  await addState(owner, 'owner_note');
  await node(guest, 'owner_note').waitFor({ timeout: 5000 });
  await addState(guest, 'guest_note');
  await node(owner, 'guest_note').waitFor({ timeout: 5000 });

  // The owner's Ctrl+Z (outside any field): only the owner's state goes, on both pages.
  await owner.locator('#env-title').click();
  await owner.keyboard.press('Control+z');
  await gone(guest, 'owner_note');
  await gone(owner, 'owner_note');
  assert.equal(await node(owner, 'guest_note').count(), 1);

  // The guest's Undo button: the guest's state goes; the owner's earlier edits stay.
  await toolbar(guest).getByRole('button', { name: 'Undo' }).click();
  await gone(owner, 'guest_note');
  for (const path of ['reviewing', 'done', 'open']) assert.equal(await node(guest, path).count(), 1);

  // Redo brings the owner's back.
  await owner.keyboard.press('Control+Shift+z');
  await node(guest, 'owner_note').waitFor({ timeout: 5000 });
  await Promise.all([waitStatus(owner, STATUS_TEXT.saved), waitStatus(guest, STATUS_TEXT.saved)]);
  const reader = await h.storedDoc(id);
  try {
    const { paths } = toSpec(reader.doc);
    assert.deepEqual(new Set(paths.values()), new Set(['open', 'reviewing', 'done', 'owner_note']));
  } finally {
    reader.destroy();
  }
  assert.deepEqual(errors.flat(), []);
});

test('the editing page: axe in the light and the dark theme, and the screenshot', async () => {
  await node(owner, 'reviewing').click();
  await toolbar(owner).getByRole('group', { name: 'Selected state reviewing' }).waitFor();
  for (const theme of ['light', 'dark'] as const) {
    await owner.emulateMedia({ colorScheme: theme });
    await h.axeScan(`the editing page (${theme})`);
  }
  await owner.emulateMedia({ colorScheme: 'light' });
  await waitStatus(owner, STATUS_TEXT.saved);
  await owner.locator('.react-flow__controls-fitview').click();
  await h.screenshot('editor.png', owner);
  assert.deepEqual(errors.flat(), []);
});

test('fork a catalog environment from its page: a studio environment to edit, opened at once', async () => {
  await owner.goto(new URL('/env/frozen-lake', h.studio.url).href);
  await node(owner, 'frozen').waitFor({ timeout: 15_000 });
  assert.equal(await toolbar(owner).count(), 0, 'the catalog environment itself stays read-only');
  await owner.getByRole('button', { name: 'Fork frozen-lake to edit it' }).click();
  await owner.waitForURL((url) => url.pathname.startsWith('/env/') && !url.pathname.endsWith('frozen-lake'));
  await owner.getByRole('heading', { name: 'frozen-lake-fork' }).waitFor();
  await node(owner, 'frozen').waitFor({ timeout: 15_000 });
  await addState(owner, 'thawed');
  await waitStatus(owner, STATUS_TEXT.saved);
  // On the list, the fork is among the studio's environments, with a Fork button on each catalog card.
  await owner.goto(h.studio.url);
  await owner.getByRole('link', { name: 'frozen-lake-fork' }).waitFor();
  assert.equal(await owner.getByRole('button', { name: 'Fork refund-desk to edit it' }).count(), 1);
  assert.deepEqual(errors.flat(), []);
});
