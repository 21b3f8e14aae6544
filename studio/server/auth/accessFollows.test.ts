// Access follows membership at once, against a real studio: an owner demotes an editor on the
// workspaces page and the editor's open socket is told at once (101) and its updates are dropped
// from then on; the owner removes them and their open socket is closed with 4403, which a real
// y-websocket client takes as final (no reconnecting); their pages and `.data` requests are 404
// from the next request on, and a new socket is refused (a browser's closed with 4403, since it
// cannot see an upgrade's 403). The page's actions refuse a non-owner (403) and a stranger (404).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { ensureBuild } from '../build.ts';
import { CLOSE_ACCESS_WITHDRAWN } from '../collab/attachCollab.ts';
import { messageReadOnly } from '../collab/room.ts';
import { connect, type TestClient } from '../collab/testClient.ts';
import { type Studio, startStudio } from '../start.ts';
import { OWNER_ID } from './members.ts';
import { SESSION_COOKIE } from './sessionCookie.ts';

let studio: Studio;
let dir: string;
let team = '';
let envId = '';
let ownerCookie = '';
const clients: TestClient[] = [];

const at = (path: string) => new URL(path, studio.url).href;
/** A socket that is never told, or never closed, fails its test rather than hangs. */
const timeout = 20_000;

before(async () => {
  process.env.NODE_ENV ??= 'production';
  await ensureBuild();
  dir = mkdtempSync(join(tmpdir(), 'palestra-access-follows-'));
  studio = await startStudio({
    port: 0,
    dir,
    runsDir: join(dir, 'runs'),
    storeDir: join(dir, 'store'),
    log: () => {},
  });
  ownerCookie = (await fetch(studio.url)).headers.get('set-cookie')?.split(';')[0] ?? '';
  team = (await studio.membership.createWorkspace(OWNER_ID, 'Team')).id;
  // Made as the page makes it (a first version, so that its page opens).
  const made = await fetch(at(`/new?workspace=${team}`), {
    method: 'POST',
    headers: { cookie: ownerCookie },
    body: new URLSearchParams({ name: 'team-desk', state: 'open', tool: 'lookup_order', event: 'LOOKUP' }),
    redirect: 'manual',
  });
  envId = decodeURIComponent(/^\/env\/([^/?]+)$/.exec(made.headers.get('location') ?? '')?.[1] ?? '');
  assert.ok(envId, `made: ${made.status}`);
});

after(async () => {
  for (const c of clients) c.destroy();
  await studio?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A new person invited into the team as `role`: their signed session (socket token and cookie). */
async function colleague(role: 'editor' | 'viewer', name: string) {
  const { token } = await studio.membership.createInvite(role, { workspaceId: team });
  const redeemed = await studio.membership.redeemInvite(token, name);
  assert.ok(redeemed);
  return { id: redeemed.member.id, signed: redeemed.signed, cookie: `${SESSION_COOKIE}=${redeemed.signed}` };
}

/** A real y-websocket client, synced, that counts the server's read-only messages (101). */
async function socket(token: string) {
  const c = connect(studio.url, envId, token);
  clients.push(c);
  let told = 0;
  let onTold = () => {};
  c.provider.messageHandlers[messageReadOnly] = () => {
    told += 1;
    onTold();
  };
  await c.whenSynced();
  return {
    ...c,
    told: () => told,
    whenTold: () =>
      new Promise<void>((done) => {
        if (told > 0) done();
        else onTold = done;
      }),
  };
}

/** The upgrade's status of a script's socket (no `Origin`) with `cookie`: 101 when it opened. */
function upgradeStatus(cookie: string): Promise<number> {
  const ws = new WebSocket(`${studio.url.replace(/^http/, 'ws')}collab/${envId}`, { headers: { cookie } });
  return new Promise((done) => {
    ws.once('open', () => {
      ws.close();
      done(101);
    });
    ws.once('unexpected-response', (req, res) => {
      // With this listener `ws` leaves the response to us: without destroy its socket stays open.
      req.destroy();
      done(res.statusCode ?? 0);
    });
    ws.once('error', () => {});
  });
}

/** A y-websocket client that sends its cookie and an `Origin`, as a browser's page does. */
function browserLike(cookie: string) {
  const origin = new URL(studio.url).origin;
  class BrowserSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie, origin } });
    }
  }
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${studio.url.replace(/^http/, 'ws')}collab`, envId, doc, {
    WebSocketPolyfill: BrowserSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  const closed = new Promise<number>((done) => provider.once('connection-close', (e) => done(e?.code ?? 0)));
  return { doc, provider, closed };
}

/** Posts the workspaces page's form as `cookie`. */
function post(cookie: string, fields: Record<string, string>) {
  return fetch(at('/workspaces'), { method: 'POST', headers: { cookie }, body: new URLSearchParams(fields) });
}

/**
 * Resolves once `watcher` has seen `from`'s awareness say `mark`: the server handles one socket's
 * messages in order, so whatever `from` sent before has been handled (applied or dropped) by then.
 */
function handled(from: TestClient, watcher: TestClient, mark: string): Promise<void> {
  from.provider.awareness.setLocalStateField('mark', mark);
  return new Promise((done) => {
    const seen = () => {
      const states = [...watcher.provider.awareness.getStates().values()];
      if (states.some((s) => s.mark === mark)) {
        watcher.provider.awareness.off('change', seen);
        done();
      }
    };
    watcher.provider.awareness.on('change', seen);
    seen();
  });
}

test('a demoted editor is told at once, and its updates are dropped from then on', { timeout }, async () => {
  const ana = await colleague('editor', 'Ana');
  const anaSocket = await socket(ana.signed);
  const owner = await socket((await studio.membership.ownerSession()).signed);
  anaSocket.doc.getMap('notes').set('before', 'sticks');
  await anaSocket.whenSaved();

  const demoted = await post(ownerCookie, {
    intent: 'role',
    workspace: team,
    member: ana.id,
    role: 'viewer',
  });
  assert.equal(demoted.status, 200);
  assert.match(await demoted.text(), /Ana is now a viewer of Team/);
  // Told before typing anything more: its page turns read-only at once.
  await anaSocket.whenTold();
  assert.equal(anaSocket.told(), 1);

  anaSocket.doc.getMap('notes').set('after', 'dropped');
  await handled(anaSocket, owner, 'after-demotion');
  assert.equal(owner.doc.getMap('notes').get('before'), 'sticks');
  assert.equal(owner.doc.getMap('notes').get('after'), undefined, 'the server dropped it');
  const fresh = await socket(ana.signed);
  assert.equal(fresh.doc.getMap('notes').get('after'), undefined, 'nor was it stored');
  assert.equal(anaSocket.provider.wsconnected, true, 'a viewer stays connected');
});

test("a removed member's open socket is closed for good, and their pages are gone at once", {
  timeout,
}, async () => {
  const bo = await colleague('editor', 'Bo');
  const boSocket = await socket(bo.signed);
  const closed = boSocket.whenClosed();
  const page = (path: string) => fetch(at(path), { headers: { cookie: bo.cookie } });
  assert.equal((await page(`/env/${envId}`)).status, 200);

  const removed = await post(ownerCookie, { intent: 'remove', workspace: team, member: bo.id });
  assert.equal(removed.status, 200);
  assert.equal(await closed, CLOSE_ACCESS_WITHDRAWN);
  assert.equal(boSocket.provider.shouldConnect, false, 'y-websocket gives up on a 44xx close');
  // Pages ask on every request (guardRequests): the next one is an unknown environment.
  assert.equal((await page(`/env/${envId}`)).status, 404);
  assert.equal((await page(`/env/${envId}.data`)).status, 404);
  // A new socket is refused: a script's with 403; a browser's (it sends an Origin, and cannot see
  // an upgrade's status) is closed with 4403 right after the upgrade, before any document byte.
  assert.equal(await upgradeStatus(bo.cookie), 403);
  const browser = browserLike(bo.cookie);
  assert.equal(await browser.closed, CLOSE_ACCESS_WITHDRAWN);
  assert.equal(browser.provider.shouldConnect, false, 'y-websocket gives up on a 44xx close');
  assert.equal(browser.doc.share.size, 0, 'no document byte reached it');
  browser.provider.destroy();
  browser.doc.destroy();
});

test('the page refuses to manage a workspace to a non-owner (403) and a stranger (404)', async () => {
  const cy = await colleague('viewer', 'Cy');
  const stranger = await outsider();
  for (const [fields, status] of [
    [{ intent: 'rename', workspace: team, name: 'Mine' }, 403],
    [{ intent: 'delete', workspace: team }, 403],
    [{ intent: 'role', workspace: team, member: cy.id, role: 'owner' }, 403],
    [{ intent: 'remove', workspace: team, member: OWNER_ID }, 403],
  ] as const) {
    assert.equal((await post(cy.cookie, fields)).status, status, JSON.stringify(fields));
    assert.equal((await post(stranger, fields)).status, 404, JSON.stringify(fields));
  }
  const roles = Object.fromEntries((await studio.membership.membersOf(team)).map((m) => [m.name, m.role]));
  assert.equal(roles.owner, 'owner');
  assert.equal(roles.Cy, 'viewer');
  assert.ok((await studio.membership.workspacesOf(OWNER_ID)).some((w) => w.name === 'Team'));
  // Cy may leave, though; then they are a stranger to it too.
  assert.equal((await post(cy.cookie, { intent: 'leave', workspace: team })).status, 200);
  assert.equal((await post(cy.cookie, { intent: 'leave', workspace: team })).status, 404);
});

/** The cookie of someone invited into the default workspace only. */
async function outsider(): Promise<string> {
  const { token } = await studio.membership.createInvite('editor');
  const redeemed = await studio.membership.redeemInvite(token, 'Outsider');
  assert.ok(redeemed);
  return `${SESSION_COOKIE}=${redeemed.signed}`;
}
