import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { ContentStore } from '@palestra/envs/node';
import { type LlmRequest, type LlmServer, type ScriptedReply, startLlmServer } from '@palestra/testing/llm';
import type { Page } from 'playwright-core';
import { STATUS_TEXT } from '../app/collab/collabStatus.ts';
import { type Harness, openHarness, waitStatus } from './harness.ts';

/**
 * The design assistant (issue 17), driven by a scripted model on the local LLM wire server: the
 * owner chooses the model with a typed key, asks for a state, and the assistant's tool call adds
 * it; it appears in a colleague's browser (a context of its own, joined by invite) and one undo in
 * the owner's takes it away. The key is found nowhere on disk or in the page's storage. The
 * proposed version's card posts the commit. Axe in both themes, and the screenshot for the docs.
 */

const KEY = 'sk-e2e-assistant-3f0a9c41d2';
const REQUEST = 'add a state where the agent must ask for the order id before refunding';
let h: Harness;
let id: string;
let owner: Page;
let guest: Page;
let llm: LlmServer;
const errors: string[][] = [];

/**
 * The scripted model: adds the state, reads the checker's findings and the runs and proposes a
 * version, then says what it did once it read the results; a request saying "refuse me" gets a 401.
 */
function scripted(request: LlmRequest): ScriptedReply {
  const sent = JSON.stringify(request.body.messages);
  if (sent.includes('refuse me')) return { error: { status: 401, message: 'invalid api key' } };
  if (!sent.includes('ask_order_id'))
    return {
      text: 'I will add the state.',
      toolCalls: [
        {
          name: 'add_state',
          arguments: { name: 'ask_order_id', description: 'Ask for the order id first.' },
        },
        { name: 'read_problems', arguments: {} },
        { name: 'list_runs', arguments: {} },
        { name: 'propose_version', arguments: { message: 'Ask for the order id before refunding' } },
      ],
    };
  return { text: 'Added "ask_order_id" at the top level; connect it with a transition when you are ready.' };
}

const envUrl = () => new URL(`/env/${id}`, h.studio.url).href;
const node = (page: Page, path: string) => page.locator(`.react-flow__node [data-state="${path}"]`);

async function open(page: Page) {
  await page.goto(envUrl());
  await node(page, 'frozen').waitFor({ timeout: 15_000 });
  await waitStatus(page, STATUS_TEXT.saved);
}

before(async () => {
  h = await openHarness();
  errors.push(h.pageErrors);
  llm = await startLlmServer({ script: scripted });
  const root = await new ContentStore(h.studio.context.storeDir).putSource(loadCatalog('frozen-lake'));
  ({ id } = await h.studio.context.repo.createEnvironment({ name: 'lake', source: 'import', root }));
  owner = h.page;
  await owner.goto(h.studio.url);
  guest = (await h.invitedPerson('editor', errors)).page;
  await Promise.all([open(owner), open(guest)]);
});

after(async () => {
  await llm?.close();
  await h?.close();
});

test('the assistant, with a typed key, adds a state that appears live in a colleague’s browser', async () => {
  await owner.getByText('Design assistant').click();
  const panel = owner.locator('.assistant-panel');
  await panel.getByLabel('Model', { exact: true }).fill('toy');
  await panel.getByLabel('Base URL').fill(llm.url);
  await panel.getByLabel('API key').fill(KEY);
  await panel.getByRole('button', { name: 'Use this model' }).click();
  await panel.getByText('key kept in the studio’s memory for this session').waitFor();

  const before = llm.requests.length;
  await panel.getByLabel('Ask the assistant').fill(REQUEST);
  await panel.getByRole('button', { name: 'Send' }).click();
  // The tool call and its effect, in words, in the chat.
  await panel
    .locator('.assistant-tool')
    .filter({ hasText: 'added state "ask_order_id" under the root' })
    .waitFor({ timeout: 15_000 });
  await panel.getByText('Added "ask_order_id" at the top level').waitFor({ timeout: 15_000 });
  const calls = llm.requests.slice(before);
  assert.equal(calls.length, 2, 'one call with the request, one with the tool results');
  for (const r of calls) assert.equal(r.headers.authorization, `Bearer ${KEY}`);
  const results = (calls[1]!.body.messages as { role: string; content: string }[]).filter(
    (m) => m.role === 'tool',
  );
  assert.equal(results.length, 4);
  assert.deepEqual(
    JSON.parse(results[2]!.content),
    { runs: [] },
    "the environment's runs, through the route",
  );
  // The checker's findings the model read are the page's live check of the document with the new state.
  const problems = JSON.parse(results[1]!.content) as { checked: string; problems: { message: string }[] };
  assert.equal(problems.checked, 'full');
  assert.ok(
    problems.problems.some((p) => p.message.includes('ask_order_id')),
    JSON.stringify(problems.problems.map((p) => p.message)),
  );
  await panel
    .locator('.assistant-tool')
    .filter({ hasText: /read the checker's findings: [1-9]\d* error/ })
    .waitFor();

  // Live in the colleague's browser, as any edit.
  await node(guest, 'ask_order_id').waitFor({ timeout: 10_000 });
  await node(owner, 'ask_order_id').waitFor({ timeout: 10_000 });
  await waitStatus(owner, STATUS_TEXT.saved);
  await panel.getByText('Proposed version: Ask for the order id before refunding').waitFor();
  await h.screenshot('assistant.png', owner);

  for (const theme of ['light', 'dark'] as const) {
    await owner.emulateMedia({ colorScheme: theme });
    await h.axeScan(`the environment page with the assistant's chat (${theme})`);
  }
  await owner.emulateMedia({ colorScheme: 'light' });
});

test('the proposed version: Commit posts the commit form and shows the new root', async () => {
  const card = owner.locator('.assistant-panel .assistant-proposal');
  const posted = owner.waitForRequest(
    (r) => r.url().endsWith(`/env/${id}/versions`) && r.method() === 'POST',
  );
  await card.getByRole('button', { name: 'Commit' }).click();
  const request = await posted;
  assert.equal(request.headers().accept, 'application/json');
  const body = request.postData() ?? '';
  assert.match(body, /name="intent"\r\n\r\ncommit\r\n/);
  assert.match(body, /name="message"\r\n\r\nAsk for the order id before refunding\r\n/);
  // The versions route answers `{ root }` (through its one-time JSON URL, which fetch follows).
  await card.getByText(/^Committed: root 0x[0-9a-f]{10}…$/).waitFor({ timeout: 15_000 });
  const head = (await h.studio.context.repo.getEnvironment(id))?.headRoot ?? '';
  assert.equal(await card.getByText(`Committed: root ${head.slice(0, 12)}…`).count(), 1, 'the new head');
  assert.equal(await card.getByRole('button', { name: 'Commit' }).count(), 0, 'committed once');
});

test("one undo in the owner's browser takes the turn back, there and for the colleague", async () => {
  const panel = owner.locator('.assistant-panel');
  await panel.getByRole('button', { name: 'Undo this turn' }).click();
  await node(guest, 'ask_order_id').waitFor({ state: 'detached', timeout: 10_000 });
  await node(owner, 'ask_order_id').waitFor({ state: 'detached', timeout: 10_000 });
  assert.equal(await node(guest, 'frozen').count(), 1);
  assert.equal(await panel.getByRole('button', { name: 'Undo this turn' }).count(), 0, 'offered once');
});

test('the typed key is nowhere on disk, in the page or its storage', async () => {
  assert.equal(await owner.locator('.assistant-panel input[name="apiKey"]').count(), 0, 'the form is closed');
  const files = readdirSync(h.dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
  assert.ok(files.length > 5, `searched ${files.length} files`);
  const needle = Buffer.from(KEY);
  assert.deepEqual(
    files.filter((f) => readFileSync(f).includes(needle)),
    [],
    'no file under the studio folder, runs or store holds the key',
  );
  for (const page of [owner, guest]) {
    const storage = await page.evaluate(async () => {
      const dbs = await indexedDB.databases();
      return JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie, dbs]);
    });
    assert.ok(!storage.includes(KEY), 'not in localStorage, sessionStorage, cookies or IndexedDB names');
    assert.ok(!JSON.stringify(await page.context().cookies()).includes(KEY));
    assert.ok(!(await page.content()).includes(KEY), 'not in the page');
  }
  // The studio answers the page with the settings, never the key.
  const settings = await owner.evaluate(
    async (url) => (await fetch(url)).text(),
    new URL(`/env/${id}/assistant`, h.studio.url).href,
  );
  assert.match(settings, /"hasKey":true/);
  assert.ok(!settings.includes(KEY));
  assert.deepEqual(errors.flat(), []);
});

test('an endpoint error shows its code, message and hint; a viewer cannot use the assistant', async () => {
  const panel = owner.locator('.assistant-panel');
  await panel.getByLabel('Ask the assistant').fill('refuse me');
  await panel.getByRole('button', { name: 'Send' }).click();
  const alert = panel.locator('.assistant-log [role="alert"]');
  await alert.waitFor({ timeout: 15_000 });
  const text = (await alert.textContent()) ?? '';
  assert.match(text, /ASSISTANT_MODEL_HTTP_ERROR .*HTTP 401 .*invalid api key/);
  assert.match(text, /check the API key/);

  const { token } = await h.studio.membership.createInvite('viewer');
  const person = await h.newPerson();
  await person.page.goto(new URL(`/invite/${token}`, h.studio.url).href);
  await person.page.waitForURL(h.studio.url);
  await person.page.goto(envUrl());
  await person.page.getByText('Design assistant').click();
  await person.page.getByText('Viewers cannot use the assistant').waitFor();
  assert.equal(await person.page.getByLabel('Ask the assistant').count(), 0);
  const refused = await person.page.evaluate(
    async (url) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ intent: 'chat', messages: [{ role: 'user', text: 'hi' }] }),
      });
      return { status: res.status, body: await res.json() };
    },
    new URL(`/env/${id}/assistant`, h.studio.url).href,
  );
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'ASSISTANT_FORBIDDEN');
  await person.context.close();
  // The browser reports the refused model call (502) it was asked to make; nothing else.
  assert.deepEqual(
    errors.flat().filter((e) => !/status of 502 .*\/assistant\)$/.test(e)),
    [],
  );
});
