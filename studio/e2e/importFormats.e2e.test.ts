// Importing machines of other formats through the page: an XState TypeScript module (read, never
// run) and a Mermaid state diagram each become an environment whose canvas has one node per state,
// with the page's report of what to write; a malformed diagram is refused with its line.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type Harness, openHarness } from './harness.ts';

let h: Harness;
let page: Page;

before(async () => {
  h = await openHarness();
  page = h.page;
});
after(() => h?.close());

const DOOR_TS = `import { setup } from 'xstate';

// A door as an XState author writes it: guards and actions named in the config, defined in setup.
export const door = setup({
  guards: { hasKey: ({ context }) => context.keys > 0 },
  actions: { countOpen: () => {} },
}).createMachine({
  id: 'frontDoor',
  context: { keys: 1, opened: 0 },
  initial: 'closed',
  states: {
    closed: {
      initial: 'unlocked',
      states: {
        unlocked: { on: { LOCK: 'locked' } },
        locked: { on: { UNLOCK: { target: 'unlocked', guard: 'hasKey' } } },
      },
      on: { OPEN: { target: 'open', actions: 'countOpen' } },
    },
    open: { on: { CLOSE: 'closed' }, after: { 30000: 'closed' } },
    gone: { type: 'final' },
  },
});
`;

const LAMP_MMD = `stateDiagram-v2
  %% a lamp with a dimmer
  [*] --> off
  off --> on : SWITCH
  state on {
    [*] --> bright
    bright --> dim : TURN
    dim --> bright : TURN
  }
  on --> off : SWITCH
  on --> broken : SHOCK
  broken --> [*]
`;

/** The canvas's node ids once it shows `count` of them. */
async function canvasNodes(count: number): Promise<string[]> {
  await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length === n, count, {
    timeout: 20_000,
  });
  return page.$$eval('.react-flow__node', (nodes) =>
    nodes.map((n) => n.getAttribute('data-id') ?? '').sort(),
  );
}

test('an XState TypeScript file imports through the page: the report, then one canvas node per state', async () => {
  await page.goto(new URL('/import', h.studio.url).href);
  await page.locator('#import-file').setInputFiles({
    name: 'door.ts',
    mimeType: 'text/plain',
    buffer: Buffer.from(DOOR_TS),
  });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const report = page.getByRole('status').filter({ hasText: 'from XState TypeScript' });
  await report.waitFor({ timeout: 20_000 });
  const text = (await report.textContent()) ?? '';
  assert.match(text, /Imported front-door/);
  assert.match(text, /Guards: hasKey/);
  assert.match(text, /Actions: countOpen/);
  assert.match(text, /"after" left out: delayed transitions/);
  assert.deepEqual(
    await page.getByRole('list', { name: 'Import warnings' }).locator('li').count(),
    2,
    'the dropped delay and the missing rewards',
  );
  await h.axeScan('the import page with a report');
  // An artifact only: the README's screenshots are the (studio/docs/).
  await page.screenshot({ path: join(h.artifacts, 'import-xstate.png'), fullPage: true });
  await page.getByRole('link', { name: 'Open front-door' }).click();
  assert.deepEqual(await canvasNodes(5), ['closed', 'closed.locked', 'closed.unlocked', 'gone', 'open']);
  assert.deepEqual(h.pageErrors, []);
});

test('a Mermaid diagram imports from the Environments page, and one pasted on the import page too', async () => {
  await page.goto(h.studio.url);
  await page.locator('#import-file').setInputFiles({
    name: 'lamp.mmd',
    mimeType: 'text/plain',
    buffer: Buffer.from(LAMP_MMD),
  });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'from Mermaid' }).waitFor({ timeout: 20_000 });
  await page.getByRole('link', { name: 'Open lamp' }).click();
  assert.deepEqual(await canvasNodes(5), ['broken', 'off', 'on', 'on.bright', 'on.dim']);

  await page.goto(new URL('/import', h.studio.url).href);
  await page.getByText('or paste a machine').click();
  await page
    .getByLabel(/Mermaid state diagram/)
    .fill('stateDiagram-v2\n  [*] --> idle\n  idle --> busy : START\n');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page
    .getByRole('status')
    .filter({ hasText: 'Imported imported-machine from Mermaid' })
    .waitFor({ timeout: 20_000 });
  assert.deepEqual(h.pageErrors, []);
});

test('a malformed Mermaid file is refused with its line, and nothing is saved', async () => {
  const before = (await h.studio.context.repo.listEnvironments()).length;
  await page.goto(new URL('/import', h.studio.url).href);
  await page.locator('#import-file').setInputFiles({
    name: 'broken.mmd',
    mimeType: 'text/plain',
    buffer: Buffer.from('stateDiagram-v2\n  [*] --> a\n  a --> b : GO\n  b -> a : BACK\n'),
  });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const alert = page.locator('[role="alert"]').filter({ hasText: 'line 4' });
  await alert.waitFor({ timeout: 10_000 });
  const text = (await alert.textContent()) ?? '';
  assert.match(text, /broken\.mmd could not be read: line 4, column 3: cannot read `b -> a : BACK`/);
  assert.match(text, /Nothing was saved/);
  assert.equal((await h.studio.context.repo.listEnvironments()).length, before);
  await h.axeScan('the import page with a refused diagram');
  // The refusal's 400 is logged by the browser; nothing else may be.
  assert.deepEqual(
    h.pageErrors.splice(0).filter((e) => !/status of 400/.test(e)),
    [],
  );
});
