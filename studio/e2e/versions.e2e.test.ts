import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCatalog } from '@palestra/envs/catalog';
import { ContentStore } from '@palestra/envs/node';
import { run } from '@palestra/runtime';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import * as Y from 'yjs';
import { addState, addTransition } from '../app/doc/edits.ts';
import { docParts } from '../app/doc/schema.ts';
import { connect, type TestClient } from '../server/collab/testClient.ts';
import { importSpecText } from '../server/importSpec.ts';
import { registerRunFolder } from '../server/runsIndex.ts';
import { type Harness, openHarness } from './harness.ts';

/**
 * Versions in a real browser: an environment imported from tally (its first version), a
 * colleague's script adds a state `escalated` (and a tool that reaches it) while the page is open, the page commits it (the
 * second version); the history lists both, their diff shows the added state in words and on the
 * canvas, a roll back to the first makes a third version and the open page loses the state live,
 * the second version's export is a folder `palestra check` accepts with its root, and a replay of
 * a run of the second version opens its canvas at that version. Axe on the history and the diff in
 * both themes. Screenshots: `versions.png`, `version-diff.png` (docs).
 */

const PALESTRA = fileURLToPath(new URL('../../runtime/bin/palestra.js', import.meta.url));

let h: Harness;
let page: Page;
let tmp: string;
let id: string;
let colleague: TestClient;
const roots: { v1?: string; v2?: string } = {};

before(async () => {
  h = await openHarness();
  page = h.page;
  tmp = mkdtempSync(join(tmpdir(), 'palestra-versions-e2e-'));
  const imported = await importSpecText(
    JSON.stringify(loadCatalog('tally').spec),
    h.studio.context,
    'tally.json',
  );
  assert.ok(imported.ok);
  id = imported.environment.id;
  roots.v1 = imported.environment.headRoot!;
});

after(async () => {
  colleague?.destroy();
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const url = (path: string) => new URL(path, h.studio.url).href;
const versionRows = () => page.locator('.versions-table tbody tr');

test('commit from the environment page: the colleague’s new state, played as the working copy, becomes the second version', async () => {
  await page.goto(url(`/env/${id}`));
  await page.locator('.collab-status[data-status="saved"]').waitFor();
  const { signed } = await h.studio.membership.ownerSession();
  colleague = connect(h.studio.url, id, signed);
  await colleague.whenSynced();
  const counting = [...docParts(colleague.doc).states.entries()].find(
    ([, m]) => m.get('name') === 'counting',
  )![0];
  const escalated = addState(colleague.doc, null, 'escalated');
  docParts(colleague.doc).states.get(escalated)!.set('type', 'final');
  addTransition(colleague.doc, counting, 'ESCALATE', escalated);
  // A tool that sends ESCALATE, so that the new state is reachable and the version checks clean.
  const tool = new Y.Map<unknown>();
  for (const [k, v] of Object.entries({
    order: 9,
    name: 'escalate',
    description: 'Hand the count to a person.',
    parameters: { type: 'object' },
    event: 'ESCALATE',
  }))
    tool.set(k, v);
  docParts(colleague.doc).tools.set('escalate-tool', tool);
  await colleague.whenSaved();
  await page.locator('[data-state="escalated"]').waitFor();

  // Before the commit, the simulator plays the working copy, and says so.
  await page.goto(url(`/env/${id}/simulate`));
  await page.locator('[data-playing="working"]').getByText('working copy (uncommitted changes)').waitFor();
  await page.locator('[data-state="escalated"]').waitFor();
  await page.goto(url(`/env/${id}`));
  await page.locator('.collab-status[data-status="saved"]').waitFor();

  await page.getByRole('button', { name: 'Commit version…' }).click();
  await page.getByLabel('Message: what changed, in a line').fill('add escalated');
  await page.getByRole('button', { name: 'Commit', exact: true }).click();
  const committed = page.locator('.commit-dialog').getByText(/^Committed/);
  await committed.waitFor();
  const head = await h.studio.context.repo.getEnvironment(id);
  roots.v2 = head!.headRoot!;
  assert.notEqual(roots.v2, roots.v1);
  assert.equal(await committed.locator('code').getAttribute('title'), roots.v2);

  // An unchanged document is refused with its reason, and no version is written.
  await page.getByLabel('Message: what changed, in a line').fill('again');
  await page.getByRole('button', { name: 'Commit', exact: true }).click();
  await page.locator('.commit-dialog [role="alert"]').getByText('STUDIO_VERSION_UNCHANGED').waitFor();
  assert.equal((await h.studio.context.repo.listVersions(id)).length, 2);
  await page.getByRole('button', { name: 'Close' }).click();
  await page.goto(url(`/env/${id}/simulate`));
  await page.locator('[data-playing="head"]').waitFor();

  // The same refusal for a JSON client (the assistant's "Commit" card): its code, message and hint.
  const json = await page.request.post(url(`/env/${id}/versions`), {
    headers: { accept: 'application/json' },
    form: { intent: 'commit', message: 'again' },
  });
  assert.equal(json.status(), 422);
  const problem = (await json.json()) as { code: string; hint?: string };
  assert.equal(problem.code, 'STUDIO_VERSION_UNCHANGED');
  assert.ok(problem.hint);
});

test('history and diff: the added state in words and on the canvas; axe in both themes', async () => {
  await page.goto(url(`/env/${id}/versions`));
  assert.equal(await versionRows().count(), 2);
  await page.locator('.versions-table').getByText('add escalated').waitFor();
  // The commit's check ran in its worker thread: the page asks again until both have a verdict.
  await page
    .locator('.version-check[data-state="pending"]')
    .first()
    .waitFor({ state: 'detached', timeout: 60_000 });
  assert.deepEqual(
    await page.locator('.version-check').evaluateAll((els) => els.map((e) => e.getAttribute('data-state'))),
    ['passed', 'passed'],
  );
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await h.axeScan(`the versions page (${theme})`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await h.screenshot('versions.png');

  for (const box of await page.getByRole('checkbox').all()) await box.check();
  await page.getByRole('button', { name: 'Compare the two ticked versions' }).click();
  await page.waitForURL(/\/versions\/diff\?/);
  const words = page.locator('.diff-list li');
  await words.filter({ hasText: 'state escalated' }).filter({ hasText: 'Added' }).waitFor();
  await words.filter({ hasText: 'transition counting —ESCALATE→ escalated' }).waitFor();
  const marked = page.locator('.diff-side[data-side="after"] [data-state="escalated"]');
  await marked.waitFor();
  const mark = await marked.evaluate((e) => ({
    outline: getComputedStyle(e).outlineStyle,
    label: getComputedStyle(e, '::after').content,
  }));
  assert.deepEqual(mark, { outline: 'solid', label: '"added"' });
  assert.equal(await page.locator('.diff-side[data-side="before"] [data-state="escalated"]').count(), 0);
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await h.axeScan(`the version diff (${theme})`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await h.screenshot('version-diff.png');
});

test('roll back to the first version: a third version, and an open environment page loses the state live', async () => {
  const person = await h.newPerson();
  try {
    // A second person on the environment page, who sees the roll back arrive.
    await person.page.goto(url(`/env/${id}`));
    await person.page.locator('[data-state="escalated"]').waitFor();
    await page.goto(url(`/env/${id}/versions`));
    const first = (await h.studio.context.repo.listVersions(id)).at(-1)!;
    await page.getByRole('button', { name: `Roll back to #${first.seq}` }).click();
    await page.getByText(/^Rolled back: the head is now/).waitFor();
    await person.page.locator('[data-state="escalated"]').waitFor({ state: 'detached' });
    assert.equal((await h.studio.context.repo.getEnvironment(id))?.headRoot, roots.v1);
    // The list is loaded again after the action's answer: wait for its third row.
    await versionRows().nth(2).waitFor();
    assert.equal(await versionRows().count(), 3);
    await versionRows()
      .first()
      .getByText(/^Roll back to version/)
      .waitFor();
    assert.deepEqual(person.errors, []);
  } finally {
    await person.context.close();
  }
});

test('export the second version: palestra check accepts the unzipped folder, with the same root', async () => {
  const second = (await h.studio.context.repo.listVersions(id)).find((v) => v.root === roots.v2)!;
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: `Export version ${second.seq} (.zip)` }).click(),
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
    timeout: 120_000,
  });
  assert.equal(checked.status, 0, `${checked.stdout}\n${checked.stderr}`);
  assert.match(checked.stdout, new RegExp(`bundle ${roots.v2}`));
});

test('a replay of a run of the second version opens its canvas at that version, not at the head', async () => {
  const source = await new ContentStore(join(h.dir, 'store')).getSource(roots.v2!);
  const out = join(h.runsDir, 'v2-run');
  await run({ env: source, agent: 'random', episodes: 1, seed: 0, out });
  const registered = await registerRunFolder(h.studio.context.repo, h.runsDir, out);
  assert.ok(registered.ok, JSON.stringify(registered));
  const runRow = (await h.studio.context.repo.listRuns()).find((r) => r.envRoot === roots.v2)!;
  await page.goto(url(`/runs/${runRow.id}`));
  await page.locator('.run-meta .run-version').getByText('“add escalated”').waitFor();
  await page.goto(url(`/runs/${runRow.id}/episode/episode-000000.jsonl`));
  await page.locator('.replay-version').getByText('not the head version of today').waitFor();
  await page.locator('[data-state="escalated"]').waitFor();
});
