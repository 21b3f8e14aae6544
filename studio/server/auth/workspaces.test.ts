// Workspaces against a real studio: the owner makes a second workspace and an environment in it;
// a colleague invited into the default workspace is refused the other's socket (a real y-websocket
// client gets 403 before any document byte) and its pages and runs (404, as for an unknown id);
// a viewer invited into the second workspace opens its document read-only and adds nothing to it;
// an unknown workspace is a typed refusal naming the workspaces; a fork records its catalog name.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { ensureBuild } from '../build.ts';
import { messageReadOnly } from '../collab/room.ts';
import { DEFAULT_WORKSPACE_ID } from '../db/index.ts';
import { type Studio, startStudio } from '../start.ts';
import { OWNER_ID } from './members.ts';
import { SESSION_COOKIE } from './sessionCookie.ts';

let studio: Studio;
let dir: string;
/** Session cookies (`name=value`) of the owner, Ana (editor of the default workspace), Bo (viewer of Refund). */
const cookie = { owner: '', ana: '', bo: '' };
let refund = '';
let envLocal = '';
let envRefund = '';

const at = (path: string) => new URL(path, studio.url).href;
const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

/** Posts a form as `who` (a session cookie), without following the redirect. */
function post(path: string, who: string, fields: Record<string, string>) {
  return fetch(at(path), {
    method: 'POST',
    headers: { cookie: who },
    body: new URLSearchParams(fields),
    redirect: 'manual',
  });
}

/** An invite link from the studio's API, as `palestra studio invite` asks for it. */
async function inviteApi(body: Record<string, string>) {
  const res = await fetch(at('/api/invites'), {
    method: 'POST',
    headers: { authorization: `Bearer ${studio.token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Opens an invite link as a new browser (or as `as`, someone signed in already): their cookie. */
async function openInvite(url: string, as?: string): Promise<string> {
  const res = await fetch(url, { redirect: 'manual', headers: as ? { cookie: as } : {} });
  assert.equal(res.status, 303);
  return cookieOf(res);
}

/** The id an environment's page was redirected to (`/env/<id>`). */
function createdId(res: Response): string {
  assert.equal(res.status, 302);
  const id = /^\/env\/([^/?]+)$/.exec(res.headers.get('location') ?? '')?.[1];
  assert.ok(id, `redirected to ${res.headers.get('location')}`);
  return decodeURIComponent(id);
}

before(async () => {
  process.env.NODE_ENV ??= 'production';
  await ensureBuild();
  dir = mkdtempSync(join(tmpdir(), 'palestra-workspaces-'));
  studio = await startStudio({
    port: 0,
    dir,
    runsDir: join(dir, 'runs'),
    storeDir: join(dir, 'store'),
    log: () => {},
  });
  cookie.owner = cookieOf(await fetch(studio.url));
  assert.ok(cookie.owner.startsWith(`${SESSION_COOKIE}=`));
  // "New workspace" on the workspaces page: its maker owns it.
  const made = await post('/workspaces', cookie.owner, { intent: 'create', name: 'Refund' });
  assert.equal(made.status, 200);
  const owned = await studio.membership.workspacesOf(OWNER_ID);
  assert.deepEqual(
    owned.map((w) => [w.name, w.role]),
    [
      ['Local', 'owner'],
      ['Refund', 'owner'],
    ],
  );
  refund = owned.find((w) => w.name === 'Refund')?.id ?? '';
  const step = { state: 'open', tool: 'lookup_order', event: 'LOOKUP' };
  envLocal = createdId(await post('/new', cookie.owner, { ...step, name: 'local-desk' }));
  envRefund = createdId(
    await post(`/new?workspace=${refund}`, cookie.owner, { ...step, name: 'refund-desk-private' }),
  );
  const ana = await inviteApi({ role: 'editor' });
  cookie.ana = await openInvite(String(ana.body.url));
  const bo = await inviteApi({ role: 'viewer', workspace: 'Refund' });
  assert.deepEqual(bo.body.workspace, { id: refund, name: 'Refund' });
  cookie.bo = await openInvite(String(bo.body.url));
});

after(async () => {
  await studio?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('new environments go into the workspace asked for, else the default one', async () => {
  assert.equal((await studio.context.repo.getEnvironment(envLocal))?.workspaceId, DEFAULT_WORKSPACE_ID);
  assert.equal((await studio.context.repo.getEnvironment(envRefund))?.workspaceId, refund);
  // An import names its workspace in the URL (the workspaces page's import form).
  const spec = readFileSync(
    fileURLToPath(new URL('../../../envs/catalog/frozen-lake/spec.json', import.meta.url)),
    'utf8',
  );
  const form = new FormData();
  const renamed = JSON.stringify({ ...JSON.parse(spec), name: 'imported-into-refund' });
  form.set('spec', new Blob([renamed], { type: 'application/json' }), 'spec.json');
  const imported = await fetch(at(`/import?workspace=${refund}`), {
    method: 'POST',
    headers: { cookie: cookie.owner },
    body: form,
    redirect: 'manual',
  });
  assert.equal(imported.status, 302);
  const made = (await studio.context.repo.listEnvironments()).find((e) => e.name === 'imported-into-refund');
  assert.equal(made?.workspaceId, refund);
  // Ana is no member of Refund (404, as for no workspace); Bo only views it (403).
  const step = { name: 'sneaky', state: 'open', tool: 'lookup_order', event: 'LOOKUP' };
  assert.equal((await post(`/new?workspace=${refund}`, cookie.ana, step)).status, 404);
  assert.equal((await post(`/new?workspace=${refund}`, cookie.bo, step)).status, 403);
  // Bo can edit no workspace at all: not even the default.
  assert.equal((await post('/new', cookie.bo, step)).status, 403);
  const names = (await studio.context.repo.listEnvironments()).map((e) => e.name);
  assert.ok(!names.includes('sneaky'), names.join(', '));
  // The form offers the workspaces one may add to, preselecting the link's: the owner chooses
  // between two; Ana edits only the default one, so she is not asked.
  const newPage = async (who: string, query = '') =>
    (await fetch(at(`/new${query}`), { headers: { cookie: who } })).text();
  const owners = await newPage(cookie.owner, `?workspace=${refund}`);
  assert.match(owners, /<select id="new-workspace" name="workspace">/);
  assert.match(owners, new RegExp(`<option value="${refund}" selected="">Refund</option>`));
  assert.doesNotMatch(await newPage(cookie.ana), /id="new-workspace"/);
});

/** A real y-websocket client as `who`: the upgrade's status, whether it synced, and its document. */
async function socketAs(who: string, id: string) {
  let status = 0;
  let onStatus = () => {};
  class CookieSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie: who } });
      this.once('open', () => {
        status = 101;
        onStatus();
      });
      this.once('unexpected-response', (req, res) => {
        // With this listener `ws` leaves the response to us: without destroy its socket stays open.
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.once('end', () => {
          status = bytes === 0 ? (res.statusCode ?? 0) : -1;
          req.destroy();
          onStatus();
        });
        res.resume();
      });
    }
  }
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${studio.url.replace(/^http/, 'ws')}collab`, id, doc, {
    WebSocketPolyfill: CookieSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 60_000,
  });
  // The server tells a viewer once that its edits are dropped (message 101): counted here.
  let readOnly = 0;
  let onReadOnly = () => {};
  provider.messageHandlers[messageReadOnly] = () => {
    readOnly += 1;
    onReadOnly();
  };
  await new Promise<void>((done) => {
    onStatus = done;
    if (status !== 0) done();
  });
  const synced =
    status === 101
      ? await new Promise<boolean>((done) => (provider.synced ? done(true) : provider.once('sync', done)))
      : provider.synced;
  return {
    status,
    synced,
    doc,
    provider,
    whenReadOnly: () =>
      new Promise<void>((done) => {
        if (readOnly > 0) done();
        else onReadOnly = done;
      }),
    close: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

test("the socket of another workspace's environment: 403 before any document byte", async () => {
  const refused = await socketAs(cookie.ana, envRefund);
  try {
    assert.equal(refused.status, 403, 'refused, with an empty body');
    assert.equal(refused.synced, false);
    assert.deepEqual(refused.doc.share.size, 0, 'no document byte reached the client');
  } finally {
    refused.close();
  }
  const own = await socketAs(cookie.ana, envLocal);
  try {
    assert.equal(own.status, 101);
    assert.ok(own.doc.getMap('header').size > 0 || own.doc.share.size > 0, 'its own document synced');
  } finally {
    own.close();
  }
  const other = await socketAs(cookie.bo, envLocal);
  other.close();
  assert.equal(other.status, 403);
});

test('a viewer of the workspace opens its document, and its edits do not stick', async () => {
  const bo = await socketAs(cookie.bo, envRefund);
  const owner = await socketAs(cookie.owner, envRefund);
  try {
    assert.equal(bo.status, 101);
    bo.doc.getMap('notes').set('bo', 'should not stick');
    // Told once the server handled (and dropped) it: a fresh client would have it by now.
    await bo.whenReadOnly();
    owner.doc.getMap('notes').set('owner', 'sticks');
    // The owner's edit reaches Bo through the server.
    await new Promise<void>((done) => {
      const seen = () => bo.doc.getMap('notes').get('owner') === 'sticks' && done();
      bo.doc.on('update', seen);
      seen();
    });
    const fresh = await socketAs(cookie.owner, envRefund);
    try {
      assert.equal(fresh.doc.getMap('notes').get('owner'), 'sticks');
      assert.equal(fresh.doc.getMap('notes').get('bo'), undefined);
    } finally {
      fresh.close();
    }
  } finally {
    bo.close();
    owner.close();
  }
});

test("another workspace's pages, data requests and runs are 404 to a stranger to it", async () => {
  const run = await studio.context.repo.registerRun({
    folder: join(dir, 'runs', 'refund-run'),
    kind: 'rollout',
    envRoot: `0x${'ab'.repeat(32)}`,
    environmentId: envRefund,
  });
  const paths = [
    `/env/${envRefund}`,
    `/env/${envRefund}.data`,
    `/env/${envRefund}/versions`,
    `/env/${envRefund}/versions/1/export`,
    `/env/${envRefund}/simulate`,
    `/env/${envRefund}/check`,
    `/env/${envRefund}/assistant`,
    `/runs/${run.id}`,
    `/runs/${run.id}/diff`,
  ];
  for (const path of paths) {
    const res = await fetch(at(path), { headers: { cookie: cookie.ana } });
    assert.equal(res.status, 404, `${path} for Ana`);
    assert.ok(!(await res.text()).includes('refund-desk-private'), `${path} names nothing`);
  }
  // Actions too: Ana cannot commit or delete in Refund.
  assert.equal((await post(`/env/${envRefund}/versions`, cookie.ana, { intent: 'commit' })).status, 404);
  assert.equal((await post('/runs', cookie.ana, { intent: 'delete', id: run.id })).status, 404);
  assert.ok(await studio.context.repo.getRun(run.id), 'the run is still there');
  // Its own environment's page opens; the lists leave the other workspace out.
  assert.equal((await fetch(at(`/env/${envLocal}`), { headers: { cookie: cookie.ana } })).status, 200);
  const home = await (await fetch(studio.url, { headers: { cookie: cookie.ana } })).text();
  assert.ok(home.includes('local-desk') && !home.includes('refund-desk-private'));
  const runs = await (await fetch(at('/runs'), { headers: { cookie: cookie.ana } })).text();
  assert.ok(!runs.includes('refund-run'));
  // The owner, a member of both, sees both.
  const ownerHome = await (await fetch(studio.url, { headers: { cookie: cookie.owner } })).text();
  assert.ok(ownerHome.includes('local-desk') && ownerHome.includes('refund-desk-private'));
  assert.ok(
    (await (await fetch(at('/runs'), { headers: { cookie: cookie.owner } })).text()).includes('refund-run'),
  );
});

test('the workspaces page lists members per workspace; an owner makes an invite link there', async () => {
  const page = await (await fetch(at('/workspaces'), { headers: { cookie: cookie.owner } })).text();
  assert.match(page, /Refund/);
  assert.deepEqual(
    (await studio.membership.membersOf(refund)).map((m) => m.role),
    ['owner', 'viewer'],
  );
  const made = await post('/workspaces', cookie.owner, {
    intent: 'invite',
    workspace: refund,
    role: 'editor',
  });
  const link = /(http:\/\/[^<\s"]+\/invite\/[A-Za-z0-9_-]+)/.exec(await made.text())?.[1];
  assert.ok(link, 'the page shows the link');
  // Ana, signed in already, joins Refund as herself: one person, two workspaces.
  await openInvite(link, cookie.ana);
  const anaId =
    (await studio.membership.sessionMember(cookie.ana.slice(SESSION_COOKIE.length + 1)))?.id ?? '';
  assert.deepEqual(
    (await studio.membership.workspacesOf(anaId)).map((w) => [w.name, w.role]),
    [
      ['Local', 'editor'],
      ['Refund', 'editor'],
    ],
  );
  // Only an owner invites: Bo, a viewer of Refund, cannot.
  const refused = await post('/workspaces', cookie.bo, {
    intent: 'invite',
    workspace: refund,
    role: 'editor',
  });
  assert.equal(refused.status, 403);
});

test('an unknown workspace is STUDIO_WORKSPACE_NOT_FOUND, with a hint naming the workspaces', async () => {
  const { status, body } = await inviteApi({ role: 'viewer', workspace: 'Nope' });
  assert.equal(status, 400);
  assert.equal(body.code, 'STUDIO_WORKSPACE_NOT_FOUND');
  assert.match(String(body.hint), /"Local" \(id default\).*"Refund"/);
  // By id works as by name.
  assert.equal((await inviteApi({ role: 'viewer', workspace: refund })).status, 200);
});

test('a fork records the catalog environment it came from', async () => {
  const id = createdId(await post('/new', cookie.owner, { from: 'frozen-lake' }));
  const env = await studio.context.repo.getEnvironment(id);
  assert.equal(env?.source, 'catalog');
  assert.equal(env?.sourceRef, 'frozen-lake');
  const [first] = await studio.context.repo.listVersions(id);
  assert.equal(first?.note, "forked from the catalog's frozen-lake");
});
