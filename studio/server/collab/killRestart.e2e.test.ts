import assert from 'node:assert/strict';
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ensureBuild } from '../build.ts';
import { connect, spawnStudio, type TestClient } from './testClient.ts';

// A studio in a child process, so that the test can kill -9 it: it prints `{ url, id }` once
// listening, `id` being an environment it created when none was given.
const child = `
const { startStudio } = await import(${JSON.stringify(new URL('../start.ts', import.meta.url).href)});
const [dir, given] = process.argv.slice(1);
const studio = await startStudio({ port: 0, dir, log: () => {} });
const id = given || (await studio.context.repo.createEnvironment({ name: 'kill -9', source: 'import' })).id;
const token = (await studio.membership.ownerSession()).signed;
const invite = (await studio.membership.createInvite('editor')).token;
process.stdout.write(JSON.stringify({ url: studio.url, id, token, invite }) + '\\n');
`;

let dir: string;
const children: ChildProcess[] = [];
const clients: TestClient[] = [];

before(async () => {
  process.env.NODE_ENV ??= 'production';
  await ensureBuild();
  dir = mkdtempSync(join(tmpdir(), 'palestra-collab-kill-'));
});

after(() => {
  for (const c of clients) c.destroy();
  for (const p of children) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function startChild(
  id = '',
): Promise<{ url: string; id: string; token: string; invite: string; process: ChildProcess }> {
  const started = await spawnStudio<{ url: string; id: string; token: string; invite: string }>(
    child,
    [dir, id],
    { DATABASE_URL: '' },
  );
  children.push(started.process);
  return started;
}

function client(url: string, id: string, token: string): TestClient {
  const c = connect(url, id, token);
  clients.push(c);
  return c;
}

test('an edit reported saved survives kill -9 right after the message, and a restart', async () => {
  const first = await startChild();
  const a = client(first.url, first.id, first.token);
  await a.whenSynced();
  a.doc.getMap('states').set('s1', { name: 'kept after kill -9' });
  a.doc.getText('guard').insert(0, 'order.age <= 30');
  await a.whenSaved();
  const killed = new Promise((done) => first.process.once('exit', done));
  first.process.kill('SIGKILL');
  assert.equal(await killed, null);
  a.destroy();

  const second = await startChild(first.id);
  const b = client(second.url, second.id, second.token);
  await b.whenSynced();
  assert.deepEqual(b.doc.getMap('states').toJSON(), { s1: { name: 'kept after kill -9' } });
  assert.equal(b.doc.getText('guard').toString(), 'order.age <= 30');
  second.process.kill('SIGKILL');
});

test('the example script: edit with an invite token, "saved", kill -9, restart, and it reads the edit back', async () => {
  const script = join(import.meta.dirname, '../../../examples/collab-client.mjs');
  const run = (url: string, id: string, token: string, ...text: string[]) =>
    promisify(execFile)(process.execPath, [script, url, id, token, ...text], { timeout: 15_000 });
  const first = await startChild();
  const edited = await run(first.url, first.id, first.invite, 'written by a script');
  assert.equal(edited.stdout.trim(), 'saved: written by a script');
  const killed = new Promise((done) => first.process.once('exit', done));
  first.process.kill('SIGKILL');
  assert.equal(await killed, null);

  const second = await startChild(first.id);
  const read = await run(second.url, first.id, first.invite);
  assert.equal(read.stdout.trim(), 'read: written by a script');
  second.process.kill('SIGKILL');
});
