// `palestra studio invite` against a real studio on port 0 in a temporary folder: the link it prints
// signs one person in with the role asked for; without a running studio it says so and fails.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PalestraError } from '@palestra/envs';
import type { Studio } from '@palestra/studio/server';
import { Command } from 'commander';
import { registerStudioCommand, requestInvite } from './studio.ts';

let studio: Studio;
let cwd: string;

before(async () => {
  process.env.NODE_ENV ??= 'production';
  const { startStudio } = await import('@palestra/studio/server');
  cwd = mkdtempSync(join(tmpdir(), 'palestra-studio-invite-'));
  studio = await startStudio({
    port: 0,
    dir: join(cwd, '.palestra', 'studio'),
    databaseUrl: '',
    log: () => {},
  });
});

after(async () => {
  await studio?.close();
  rmSync(cwd, { recursive: true, force: true });
});

/** Runs `palestra studio <args>` in the studio's folder; returns what it printed on stdout. */
async function palestraStudio(...args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const log = console.log;
  const error = console.error;
  const here = process.cwd();
  console.log = (line: string) => lines.push(line);
  console.error = () => {};
  process.chdir(cwd);
  try {
    const program = new Command().exitOverride();
    registerStudioCommand(program);
    await program.parseAsync(['node', 'palestra', 'studio', ...args]);
  } finally {
    process.chdir(here);
    console.log = log;
    console.error = error;
  }
  return lines;
}

test('an invite link for a viewer signs one person in, once', async () => {
  const result = await requestInvite({ role: 'viewer' }, { cwd });
  assert.ok(result.ok, JSON.stringify(result));
  assert.equal(result.role, 'viewer');
  assert.ok(result.url.startsWith(`${studio.url}invite/`));
  const opened = await fetch(result.url, { redirect: 'manual' });
  assert.equal(opened.status, 303);
  assert.match(opened.headers.get('set-cookie') ?? '', /^palestra_session=/);
  assert.equal((await fetch(result.url, { redirect: 'manual' })).status, 410);
});

test('`palestra studio invite` prints the link (editor by default)', async () => {
  const lines = await palestraStudio('invite');
  assert.equal(lines.length, 1);
  assert.ok(lines[0]?.startsWith(`${studio.url}invite/`), lines[0]);
  assert.equal((await fetch(lines[0] ?? '', { redirect: 'manual' })).status, 303);
});

test('`palestra studio invite --name Ana` names the member colleagues see', async () => {
  const lines = await palestraStudio('invite', '--name', 'Ana Lima');
  assert.match(lines[0] ?? '', /\/invite\/[^?]+\?name=Ana%20Lima$/);
  const opened = await fetch(lines[0] ?? '', { redirect: 'manual' });
  assert.equal(opened.status, 303);
  const signed = decodeURIComponent(
    (opened.headers.get('set-cookie') ?? '').split(';')[0]?.split('=')[1] ?? '',
  );
  assert.equal((await studio.membership.sessionMember(signed))?.name, 'Ana Lima');
});

test('`palestra studio invite --workspace <name>` invites into that workspace', async () => {
  const { member: owner } = await studio.membership.ownerSession();
  const workspace = await studio.membership.createWorkspace(owner.id, 'Support');
  const lines = await palestraStudio('invite', '--workspace', 'Support', '--role', 'viewer');
  const opened = await fetch(lines[0] ?? '', { redirect: 'manual' });
  assert.equal(opened.status, 303);
  const signed = decodeURIComponent(
    (opened.headers.get('set-cookie') ?? '').split(';')[0]?.split('=')[1] ?? '',
  );
  const member = await studio.membership.sessionMember(signed);
  assert.ok(member);
  assert.deepEqual(await studio.membership.workspacesOf(member.id), [
    { id: workspace.id, name: 'Support', role: 'viewer' },
  ]);
});

test('an unknown --workspace is STUDIO_WORKSPACE_NOT_FOUND, its hint naming the workspaces', async () => {
  await assert.rejects(palestraStudio('invite', '--workspace', 'No such team'), (e: unknown) => {
    assert.ok(e instanceof PalestraError);
    assert.equal(e.code, 'STUDIO_WORKSPACE_NOT_FOUND');
    assert.match(e.message, /No such team/);
    assert.match(e.hint ?? '', /"Local" \(id default\)/);
    return true;
  });
});

test('without a running studio it says so', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'palestra-no-studio-'));
  try {
    const result = await requestInvite({ role: 'editor' }, { cwd: empty });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && !result.running && /no studio runs/.test(result.reason));
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && !a.internal && a.family === 'IPv4')?.address;

test('on --host 0.0.0.0 the invite names this machine’s network address, and only loopback signs in as the owner', {
  skip: external ? false : 'this machine has no external IPv4 address',
}, async () => {
  const { startStudio } = await import('@palestra/studio/server');
  const folder = mkdtempSync(join(tmpdir(), 'palestra-studio-host-'));
  const shared = await startStudio({
    port: 0,
    host: '0.0.0.0',
    dir: join(folder, '.palestra', 'studio'),
    databaseUrl: '',
    log: () => {},
  });
  try {
    assert.equal(shared.shareUrl, `http://${external}:${shared.port}/`);
    // A page from the network carries no owner session; the same page from loopback does.
    const remote = await fetch(shared.shareUrl, { redirect: 'manual' });
    assert.equal(remote.headers.get('set-cookie'), null);
    const local = await fetch(shared.url, { redirect: 'manual' });
    assert.match(local.headers.get('set-cookie') ?? '', /^palestra_session=/);
    const result = await requestInvite({ role: 'editor' }, { cwd: folder });
    assert.ok(result.ok, JSON.stringify(result));
    assert.ok(result.url.startsWith(`${shared.shareUrl}invite/`), result.url);
    const opened = await fetch(result.url, { redirect: 'manual' });
    assert.equal(opened.status, 303);
    assert.match(opened.headers.get('set-cookie') ?? '', /^palestra_session=/);
  } finally {
    await shared.close();
    rmSync(folder, { recursive: true, force: true });
  }
});

test('`palestra studio --help` explains --host for a newcomer', () => {
  const program = new Command().exitOverride();
  const studioCommand = registerStudioCommand(program);
  const help = studioCommand.helpInformation();
  assert.match(help, /--host <address>/);
  assert.match(help, /0\.0\.0\.0/);
});
