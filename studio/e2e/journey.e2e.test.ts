import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { STATUS_TEXT } from '../app/collab/collabStatus.ts';
import { type Harness, openHarness, waitStatus } from './harness.ts';

/**
 * Issue 17's journey, in the browser alone: a new environment from nothing → edited with a
 * colleague (three states, two transitions, a tool, two tasks; each by clicks and typing) →
 * simulated as the working copy → committed as a version → exported as a zip → `palestra check`
 * (the real CLI) accepts the unzipped folder, with the root the studio recorded for the version.
 * The parts are tested more closely in editing, editors and versions e2e files; this is the whole
 * path one person and a colleague take.
 */

const PALESTRA = fileURLToPath(new URL('../../runtime/bin/palestra.js', import.meta.url));

let h: Harness;
let owner: Page;
let colleague: Page;
let tmp: string;
const errors: string[][] = [];

before(async () => {
  h = await openHarness();
  owner = h.page;
  errors.push(h.pageErrors);
  tmp = mkdtempSync(join(tmpdir(), 'palestra-journey-e2e-'));
  await owner.goto(h.studio.url);
});

after(async () => {
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const node = (page: Page, path: string) => page.locator(`.react-flow__node[data-id="${path}"]`);
const edge = (page: Page, label: string) =>
  page.locator(`.react-flow__edge[aria-label^="transition ${label}"]`);
const toolbar = (page: Page) => page.getByRole('region', { name: 'Edit the statechart' });

async function addState(page: Page, name: string) {
  const form = page.getByRole('form', { name: 'Add a state' });
  await form.getByLabel('New state').fill(name);
  await form.getByRole('button', { name: 'Add state' }).click();
  await node(page, name).waitFor({ timeout: 5000 });
}

async function addTransition(page: Page, from: string, event: string, to: string) {
  const form = page.getByRole('form', { name: 'Add a transition' });
  await form.getByLabel('Transition from').selectOption({ label: from });
  await form.getByLabel('on event').fill(event);
  await form.getByLabel('to', { exact: true }).selectOption({ label: to });
  await form.getByRole('button', { name: 'Add transition' }).click();
}

test('new environment → edit with a colleague → simulate → commit → export → palestra check', async () => {
  // 1. From nothing: the guided first step.
  await owner.getByRole('link', { name: 'New environment' }).click();
  await owner.getByLabel('Name', { exact: true }).fill('refund-triage');
  await owner.getByLabel('First state').fill('open');
  await owner.getByLabel('First tool').fill('lookup');
  await owner.getByLabel('Its event').fill('LOOKUP');
  await owner.getByRole('button', { name: 'Create the environment' }).click();
  await owner.waitForURL(/\/env\/[^/]+$/);
  const id = decodeURIComponent(new URL(owner.url()).pathname.split('/').pop()!);
  await node(owner, 'open').waitFor({ timeout: 15_000 });
  const envUrl = new URL(`/env/${encodeURIComponent(id)}`, h.studio.url).href;

  // 2. A colleague joins by an invite.
  colleague = (await h.invitedPerson('editor', errors)).page;
  await colleague.goto(envUrl);
  await node(colleague, 'open').waitFor({ timeout: 15_000 });

  // 3. The statechart, between the two: three states, the last one final, two transitions.
  await addState(owner, 'checking');
  await addState(colleague, 'refunded');
  await toolbar(colleague).getByLabel('Final').check();
  await owner
    .locator('.react-flow__node[data-id="refunded"][aria-label^="final state"]')
    .waitFor({ timeout: 5000 });
  await addTransition(owner, 'open', 'LOOKUP', 'checking');
  await edge(colleague, 'LOOKUP from open to checking').waitFor({ state: 'attached', timeout: 5000 });
  // The starter's own LOOKUP transition (it stays in open) would come first: delete it.
  await edge(owner, 'LOOKUP from open to open').press('Delete');
  await owner.getByRole('alertdialog').getByRole('button', { name: 'Delete', exact: true }).click();
  await edge(colleague, 'LOOKUP from open to open').waitFor({ state: 'detached', timeout: 5000 });
  await addTransition(colleague, 'checking', 'LOOKUP', 'refunded');
  await edge(owner, 'LOOKUP from checking to refunded').waitFor({ state: 'attached', timeout: 5000 });

  // 4. The tool gets a description; the starter task its instructions, and a second task by CSV.
  await owner.getByLabel('Description of tool lookup').fill('Look the order up');
  const instructions = owner.getByLabel('Instructions of task task-1');
  await instructions.fill('Refund order A-1 if it is eligible');
  await colleague
    .getByLabel('Paste tasks as CSV')
    .fill('id,instructions,split\ntask-2,"Refund order B-2, which is not eligible",eval\n');
  await colleague.getByRole('button', { name: 'Add the pasted tasks' }).click();
  await colleague.getByText('1 task added.').waitFor();
  await owner.getByLabel('Id of task task-2', { exact: true }).waitFor({ timeout: 10_000 });
  await Promise.all([waitStatus(owner, STATUS_TEXT.saved), waitStatus(colleague, STATUS_TEXT.saved)]);

  // 5. Simulate the working copy: two lookups reach the final state.
  await owner.goto(new URL(`/env/${encodeURIComponent(id)}/simulate`, h.studio.url).href);
  await owner.locator('[data-playing="working"]').getByText('working copy (uncommitted changes)').waitFor({
    timeout: 15_000,
  });
  await owner.getByLabel('Tool').selectOption('lookup');
  for (let i = 0; i < 2; i++) await owner.getByRole('button', { name: 'Step', exact: true }).click();
  await owner.locator('.react-flow__node[data-id="refunded"].statechart-active').waitFor({ timeout: 10_000 });

  // 6. Commit a version from the environment page.
  await owner.goto(envUrl);
  await waitStatus(owner, STATUS_TEXT.saved);
  await owner.getByRole('button', { name: 'Commit version…' }).click();
  await owner.getByLabel('Message: what changed, in a line').fill('first version: three states, two tasks');
  await owner.getByRole('button', { name: 'Commit', exact: true }).click();
  await owner
    .locator('.commit-dialog')
    .getByText(/^Committed/)
    .waitFor({ timeout: 30_000 });
  const [version] = await h.studio.context.repo
    .listVersions(id)
    .then((vs) => vs.filter((v) => v.note?.startsWith('first version')));
  assert.ok(version, 'the commit is a version of the environment');

  // 7. Export it from the history, unzip, and the real CLI checks the folder: same root.
  await owner.goto(new URL(`/env/${encodeURIComponent(id)}/versions`, h.studio.url).href);
  const [download] = await Promise.all([
    owner.waitForEvent('download'),
    owner.getByRole('link', { name: `Export version ${version.seq} (.zip)` }).click(),
  ]);
  const zip = join(tmp, download.suggestedFilename());
  await download.saveAs(zip);
  let folder = '';
  for (const [name, bytes] of Object.entries(unzipSync(readFileSync(zip)))) {
    mkdirSync(dirname(join(tmp, name)), { recursive: true });
    writeFileSync(join(tmp, name), bytes);
    folder = join(tmp, name.split('/')[0]!);
  }
  const checked = spawnSync(process.execPath, [PALESTRA, 'check', folder], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  assert.equal(checked.status, 0, `${checked.stdout}\n${checked.stderr}`);
  assert.match(checked.stdout, new RegExp(`bundle ${version.root}`));
  const spec = JSON.parse(readFileSync(join(folder, 'spec.json'), 'utf8'));
  assert.deepEqual(Object.keys(spec.machine.states).sort(), ['checking', 'open', 'refunded']);
  assert.deepEqual(
    spec.tasks.list.map((t: { id: string }) => t.id),
    ['task-1', 'task-2'],
  );
  assert.equal(spec.tools[0].description, 'Look the order up');
  assert.deepEqual(errors.flat(), []);
});
