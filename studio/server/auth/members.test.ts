import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { isSaved, watchSaved } from '../../app/collab/saved.ts';
import { ensureBuild } from '../build.ts';
import { createDocStore } from '../collab/docStore.ts';
import { messageReadOnly } from '../collab/room.ts';
import { openDatabase } from '../db/index.ts';
import { type Studio, startStudio } from '../start.ts';
import { OWNER_ID } from './members.ts';
import { SESSION_COOKIE } from './sessionCookie.ts';

let studio: Studio;
let dir: string;
let envId: string;
const providers: WebsocketProvider[] = [];

before(async () => {
  process.env.NODE_ENV ??= 'production';
  await ensureBuild();
  dir = mkdtempSync(join(tmpdir(), 'palestra-members-'));
  studio = await startStudio({ port: 0, dir, log: () => {} });
  envId = (await studio.context.repo.createEnvironment({ name: 'members test', source: 'import' })).id;
});

after(async () => {
  for (const p of providers) closeProvider(p);
  await studio?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Closes a client: the provider, and its document, whose destroy also stops the awareness timer. */
function closeProvider(p: WebsocketProvider): void {
  p.destroy();
  p.doc.destroy();
}

/** A real y-websocket client with a `?token=` or a Cookie header; `readOnly` counts messages 101. */
function client(credentials: { token?: string; cookie?: string }) {
  const doc = new Y.Doc();
  const { cookie } = credentials;
  class CookieSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, cookie ? { headers: { cookie } } : {});
    }
  }
  const provider = new WebsocketProvider(`${studio.url.replace(/^http/, 'ws')}collab`, envId, doc, {
    WebSocketPolyfill: CookieSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: credentials.token ? { token: credentials.token } : {},
  });
  providers.push(provider);
  let saved: Uint8Array | undefined;
  let onSaved = () => {};
  watchSaved(provider, (sv) => {
    saved = sv;
    onSaved();
  });
  let readOnly = 0;
  let onReadOnly = () => {};
  provider.messageHandlers[messageReadOnly] = () => {
    readOnly += 1;
    onReadOnly();
  };
  return {
    doc,
    readOnlyCount: () => readOnly,
    whenSynced: () =>
      new Promise<void>((done) => (provider.synced ? done() : provider.once('sync', () => done()))),
    whenSaved: () =>
      new Promise<void>((done) => {
        onSaved = () => saved && isSaved(doc, saved) && done();
        onSaved();
      }),
    whenReadOnly: () => new Promise<void>((done) => (onReadOnly = done)),
  };
}

/** The upgrade's status of a raw socket (101 when it opened). */
function upgradeStatus(query: string, headers: Record<string, string> = {}): Promise<number> {
  const ws = new WebSocket(`${studio.url.replace(/^http/, 'ws')}collab/${envId}${query}`, { headers });
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

test('a stranger gets 401, an unknown token or a forged cookie 403, before any document byte', async () => {
  assert.equal(await upgradeStatus(''), 401);
  assert.equal(await upgradeStatus('?token=not-a-member'), 403);
  assert.equal(await upgradeStatus('', { cookie: `${SESSION_COOKIE}=abc.def` }), 403);
  // Unknown documents too: the id is looked up only for members.
  const ws = new WebSocket(`${studio.url.replace(/^http/, 'ws')}collab/no-such-id`);
  const status = await new Promise<number>((done) => {
    ws.once('unexpected-response', (req, res) => {
      // With this listener `ws` leaves the response to us: without destroy its socket stays open.
      req.destroy();
      done(res.statusCode ?? 0);
    });
    ws.once('error', () => {});
  });
  assert.equal(status, 401);
});

test('the session key is private to its owner (0600)', () => {
  assert.equal(statSync(join(dir, 'session.key')).mode & 0o777, 0o600);
});

test('a page from loopback signs the owner in; the cookie opens the socket and is kept', async () => {
  const res = await fetch(studio.url);
  const set = res.headers.get('set-cookie') ?? '';
  assert.match(set, new RegExp(`^${SESSION_COOKIE}=[^;]+; Path=/; HttpOnly`));
  const cookie = set.split(';')[0] ?? '';
  const again = await fetch(studio.url, { headers: { cookie } });
  assert.equal(again.headers.get('set-cookie'), null);
  const owner = client({ cookie });
  await owner.whenSynced();
  owner.doc.getMap('notes').set('owner', 'was here');
  await owner.whenSaved();
});

test("from loopback under another site's name (DNS rebinding), no one is signed in", async () => {
  // fetch cannot set Host; node:http can, as a rebinding browser's request carries it.
  const { port } = new URL(studio.url);
  const ask = (host: string, method = 'GET') =>
    new Promise<{ status: number; cookie: string | undefined }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/', method, headers: { host, origin: `http://${host}` } },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie']?.[0] });
        },
      );
      req.on('error', reject);
      req.end();
    });
  assert.equal((await ask(`evil.example:${port}`)).cookie, undefined);
  assert.match((await ask(`localhost:${port}`)).cookie ?? '', new RegExp(`^${SESSION_COOKIE}=`));
  assert.match((await ask(`127.0.0.1:${port}`)).cookie ?? '', new RegExp(`^${SESSION_COOKIE}=`));
  // A POST under the rebound name acts as no one: the workspace is not made (owner: 200 and made).
  const make = (host: string, name: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/workspaces',
          method: 'POST',
          headers: { host, origin: `http://${host}`, 'content-type': 'application/x-www-form-urlencoded' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(`intent=create&name=${name}`);
    });
  assert.equal(await make(`evil.example:${port}`, 'Rebound'), 403);
  assert.equal(await make(`127.0.0.1:${port}`, 'Local2'), 200);
  const names = (await studio.membership.workspacesOf(OWNER_ID)).map((w) => w.name);
  assert.ok(names.includes('Local2') && !names.includes('Rebound'), names.join(', '));
});

test('an invite link makes an editor once; the API needs the studio token', async () => {
  const refused = await fetch(new URL('api/invites', studio.url), { method: 'POST', body: '{}' });
  assert.equal(refused.status, 401);
  const res = await fetch(new URL('api/invites', studio.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${studio.token}` },
    body: JSON.stringify({ role: 'editor' }),
  });
  const invite = (await res.json()) as { url: string; role: string };
  assert.equal(invite.role, 'editor');
  assert.ok(invite.url.startsWith(`${studio.url}invite/`));
  const opened = await fetch(invite.url, { redirect: 'manual' });
  assert.equal(opened.status, 303);
  const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  assert.ok(cookie.startsWith(`${SESSION_COOKIE}=`));
  assert.equal((await fetch(invite.url, { redirect: 'manual' })).status, 410);
  const editor = client({ cookie });
  await editor.whenSynced();
  assert.equal(editor.doc.getMap('notes').get('owner'), 'was here');
  editor.doc.getMap('notes').set('editor', 'by invite');
  await editor.whenSaved();
});

test('a viewer gets the document, its updates are dropped, and it is told once', async () => {
  const editor = client({ token: (await studio.membership.createInvite('editor')).token });
  const viewer = client({ token: (await studio.membership.createInvite('viewer')).token });
  await Promise.all([editor.whenSynced(), viewer.whenSynced()]);
  assert.equal(viewer.doc.getMap('notes').get('editor'), 'by invite');
  const told = viewer.whenReadOnly();
  viewer.doc.getMap('notes').set('viewer', 'should not stick');
  await told;
  viewer.doc.getMap('notes').set('viewer2', 'nor this');
  // The editor's next edit is saved after the viewer's were handled: they would be there by now.
  editor.doc.getMap('notes').set('after', 'viewer');
  await editor.whenSaved();
  assert.equal(editor.doc.getMap('notes').get('viewer'), undefined);
  assert.equal(editor.doc.getMap('notes').get('viewer2'), undefined);
  assert.equal(viewer.readOnlyCount(), 1);
});

test('the example script edits with an invite token and waits for "saved"', async () => {
  const { token } = await studio.membership.createInvite('editor');
  const script = join(import.meta.dirname, '../../../examples/collab-client.mjs');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [script, studio.url, envId, token, 'from the example'],
    {
      timeout: 10_000,
    },
  );
  assert.equal(stdout.trim(), 'saved: from the example');
  const reader = client({ token });
  await reader.whenSynced();
  assert.equal(reader.doc.getMap('notes').get('script'), 'from the example');
});

test('expired sessions and unused expired invites are pruned; live ones are kept', async () => {
  const live = await studio.membership.createInvite('viewer');
  const expired = await studio.membership.createInvite('viewer', { ttlMs: -1000 });
  const before = await studio.membership.prune();
  assert.ok(before.invites >= 1, JSON.stringify(before));
  assert.equal(await studio.membership.redeemInvite(expired.token), undefined);
  assert.ok(await studio.membership.redeemInvite(live.token));
  assert.deepEqual(await studio.membership.prune(), { sessions: 0, invites: 0 });
});

test("after a restart the database holds the members' edits and none of the viewer's", async () => {
  for (const p of providers.splice(0)) closeProvider(p);
  await studio.close();
  const database = await openDatabase({ dir: join(dir, 'db') });
  try {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, (await createDocStore(database.db).load(envId)).update);
    const notes = doc.getMap('notes').toJSON();
    assert.deepEqual(notes, {
      owner: 'was here',
      editor: 'by invite',
      after: 'viewer',
      script: 'from the example',
    });
  } finally {
    await database.close();
  }
});
