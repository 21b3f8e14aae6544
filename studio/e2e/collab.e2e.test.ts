import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { ContentStore } from '@palestra/envs/node';
import type { Page } from 'playwright-core';
import * as Y from 'yjs';
import { STATUS_TEXT } from '../app/collab/collabStatus.ts';
import { docParts } from '../app/doc/schema.ts';
import { toSpec } from '../app/doc/toSpec.ts';
import { createDocStore } from '../server/collab/docStore.ts';
import { openDatabase } from '../server/db/index.ts';
import { type Harness, openHarness, waitStatus } from './harness.ts';

/**
 * Two people on one studio environment, each in a browser context of their own (cookies and
 * IndexedDB apart): the owner, signed in from loopback, and a colleague who joined by an invite
 * link. Each sees the other's edits, pointer and selection; edits made while the studio is down
 * are kept in both browsers and merge when it is back; a viewer can look and not edit.
 */

let h: Harness;
let id: string;
let owner: Page;
let guest: Page;
const errors: string[][] = [];

const envUrl = () => new URL(`/env/${id}`, h.studio.url).href;
const node = (page: Page, path: string) => page.locator(`.react-flow__node [data-state="${path}"]`);

/** Opens the environment page and waits until its document is synced and saved. */
async function open(page: Page) {
  await page.goto(envUrl());
  await node(page, 'frozen').waitFor({ timeout: 15_000 });
  await waitStatus(page, STATUS_TEXT.saved);
}

/** A person who joined with an invite link of `role`. */
async function invited(role: 'editor' | 'viewer') {
  return (await h.invitedPerson(role, errors)).page;
}

/** Selects a state on the canvas and renames it in the inspector. */
async function rename(page: Page, from: string, to: string) {
  await node(page, from).click();
  // The inspector shows the state clicked before its Name field is typed in (else the last one's).
  await page.locator('#state-inspector-title', { hasText: `State ${from}` }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill(to);
  await node(page, to).waitFor({ timeout: 5000 });
}

before(async () => {
  h = await openHarness();
  errors.push(h.pageErrors);
  const root = await new ContentStore(h.studio.context.storeDir).putSource(loadCatalog('frozen-lake'));
  ({ id } = await h.studio.context.repo.createEnvironment({ name: 'lake', source: 'import', root }));
  owner = h.page;
  // The first page from loopback signs the owner in; the environment page then knows its member.
  await owner.goto(h.studio.url);
  guest = await invited('editor');
  await Promise.all([open(owner), open(guest)]);
});

after(async () => {
  await h?.close();
});

test('each sees the other: a rename, a pointer, a selection and the field being typed in', async () => {
  // Both are listed, each in their colour.
  await owner.locator('.here-now li[data-peer="guest"]').waitFor({ timeout: 5000 });
  await guest.locator('.here-now li[data-peer="owner"]').waitFor({ timeout: 5000 });

  await rename(owner, 'hole', 'icy-hole');
  await node(guest, 'icy-hole').waitFor({ timeout: 5000 });
  assert.equal(await node(guest, 'hole').count(), 0);

  // The guest selects the renamed state: the owner sees it outlined and tagged in the guest's colour.
  await node(guest, 'icy-hole').click();
  await owner.locator('.presence-selection[data-peer="guest"]').waitFor({ timeout: 5000 });
  // The owner types in the name field: the guest, on the same state, sees who types there.
  await owner.getByLabel('Name', { exact: true }).focus();
  await guest.locator('.field-peer[data-peer="owner"]').waitFor({ timeout: 5000 });

  // Pointers: each one's, drawn on the other's canvas, in flow coordinates.
  const box = (await owner.locator('.react-flow__pane').boundingBox())!;
  await owner.mouse.move(box.x + box.width / 2, box.y + box.height / 3);
  await owner.mouse.move(box.x + box.width / 2 + 10, box.y + box.height / 3 + 10);
  await guest.locator('.presence-cursor[data-peer="owner"]').waitFor({ timeout: 5000 });
  const gBox = (await guest.locator('.react-flow__pane').boundingBox())!;
  await guest.mouse.move(gBox.x + gBox.width / 3, gBox.y + gBox.height / 2);
  await guest.mouse.move(gBox.x + gBox.width / 3 + 10, gBox.y + gBox.height / 2 + 10);
  await owner.locator('.presence-cursor[data-peer="guest"]').waitFor({ timeout: 5000 });

  await waitStatus(owner, STATUS_TEXT.saved);
  await waitStatus(guest, STATUS_TEXT.saved);
  // The rename laid the chart out again; fitted, the picture shows all of it.
  await owner.locator('.react-flow__controls-fitview').click();
  await h.screenshot('collab.png', owner);
  await h.axeScan('the environment page with two people on it');
  assert.deepEqual(errors.flat(), []);
});

test("a viewer's fields are disabled, and an edit forced through its socket is dropped", async () => {
  const viewer = await invited('viewer');
  await viewer.goto(envUrl());
  await waitStatus(viewer, STATUS_TEXT['read-only']);
  await node(viewer, 'frozen').click();
  assert.equal(await viewer.getByLabel('Name', { exact: true }).isDisabled(), true);
  assert.equal(await viewer.getByLabel('Description', { exact: true }).isDisabled(), true);

  // The viewer's own session on a socket of its own, sending a document update: the server
  // answers "read-only" (101) and drops it.
  const forced = new Y.Doc();
  forced.getMap('states').set('forced-by-viewer', new Y.Map());
  const update = [...Y.encodeStateAsUpdate(forced)];
  const answer = await viewer.evaluate(
    ({ id, update }) =>
      new Promise<number[]>((done, fail) => {
        const ws = new WebSocket(`ws://${location.host}/collab/${id}`);
        ws.binaryType = 'arraybuffer';
        ws.onopen = () => {
          // y-websocket's frame: message 0 (sync), 2 (update), the update's length and bytes.
          const frame = [0, 2];
          let n = update.length;
          while (n > 127) {
            frame.push((n & 127) | 128);
            n >>>= 7;
          }
          frame.push(n, ...update);
          ws.send(new Uint8Array(frame));
        };
        ws.onmessage = (e) => {
          const bytes = [...new Uint8Array(e.data as ArrayBuffer)];
          if (bytes[0] === 101) {
            ws.close();
            done(bytes);
          }
        };
        ws.onclose = (e) => fail(new Error(`closed ${e.code} before the read-only message`));
      }),
    { id, update },
  );
  assert.deepEqual(answer, [101]);
  // Read back as the owner, through the server: nothing of it is there.
  const reader = await h.storedDoc(id);
  assert.equal(docParts(reader.doc).states.has('forced-by-viewer'), false);
  assert.ok(docParts(reader.doc).states.size > 0);
  reader.destroy();
  await viewer.context().close();
  assert.deepEqual(errors.flat(), []);
});

test('offline: both edit while the studio is down, and both edits merge and are saved when it is back', async () => {
  await h.stopStudio();
  const offline = STATUS_TEXT.offline;
  await Promise.all([waitStatus(owner, offline), waitStatus(guest, offline)]);
  await rename(owner, 'goal', 'owner-goal');
  await rename(guest, 'frozen', 'guest-frozen');
  // Still offline, each sees only their own edit.
  assert.equal(await node(owner, 'guest-frozen').count(), 0);
  assert.equal(await node(guest, 'owner-goal').count(), 0);

  await h.startStudio();
  for (const page of [owner, guest]) {
    await node(page, 'owner-goal').waitFor({ timeout: 15_000 });
    await node(page, 'guest-frozen').waitFor({ timeout: 5000 });
    await waitStatus(page, STATUS_TEXT.saved);
  }

  // What the database holds: read once the studio has stopped (its rows are all committed).
  await h.stopStudio();
  const database = await openDatabase({ dir: join(h.dir, 'studio', 'db') });
  try {
    const { update } = await createDocStore(database.db).load(id);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, update);
    const { paths } = toSpec(doc);
    const names = new Set(paths.values());
    for (const path of ['guest-frozen', 'icy-hole', 'owner-goal'])
      assert.ok(names.has(path), `${path} saved`);
  } finally {
    await database.close();
  }
  // The pages kept trying to reconnect while the studio was down: the browser logs each refusal.
  assert.deepEqual(
    errors.flat().filter((e) => !/WebSocket connection to .* failed/.test(e)),
    [],
  );
});
