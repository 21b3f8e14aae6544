import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { ensureBuild } from './build.ts';
import { readServerInfo, type Studio, startStudio } from './start.ts';

// One build for the whole file (a no-op when studio/build/ is fresh), then one studio for the pages.
let studio: Studio;
let dir: string;
const notices: string[] = [];

before(async () => {
  // As startStudio does, before anything loads React (see start.ts): the build below may load it.
  process.env.NODE_ENV ??= 'production';
  const build = await ensureBuild();
  if (build.built) console.log(`built the studio in ${(build.ms / 1000).toFixed(1)} s`);
  dir = mkdtempSync(join(tmpdir(), 'palestra-studio-'));
  studio = await startStudio({ port: 0, dir, log: (line) => notices.push(line) });
});

after(async () => {
  await studio?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; type: string; html: string }> {
  const res = await fetch(new URL(path, studio.url));
  return { status: res.status, type: res.headers.get('content-type') ?? '', html: await res.text() };
}

test('/ lists every catalog environment, each linking to its page', async () => {
  const { status, type, html } = await get('/');
  assert.equal(status, 200);
  assert.match(type, /text\/html/);
  assert.ok(html.includes('refund-desk'));
  for (const name of catalogNames()) assert.ok(html.includes(`href="/env/${name}"`), `no link to ${name}`);
  // The page's landmarks: a named navigation and the main region the skip link targets.
  assert.match(html, /<nav aria-label="Main">/);
  assert.match(html, /<main id="main"/);
});

test("/env/refund-desk shows the spec's name and every tool", async () => {
  const { spec } = loadCatalog('refund-desk');
  const { status, html } = await get('/env/refund-desk');
  assert.equal(status, 200);
  assert.match(html, /<h1 id="env-title">refund-desk<\/h1>/);
  assert.ok(spec.tools.length > 0);
  for (const tool of spec.tools)
    assert.ok(html.includes(`<code>${tool.name}</code>`), `no tool ${tool.name}`);
});

test('an unknown environment is a 404 page with a link back', async () => {
  const { status, html } = await get('/env/nope');
  assert.equal(status, 404);
  assert.match(html, /Environment not found/);
  assert.match(html, /<a href="\/"[^>]*>Back to the environments<\/a>/);
});

test('a path in place of a name is a 404, never a folder read', async () => {
  const { status } = await get(`/env/${encodeURIComponent('../envs/catalog/refund-desk')}`);
  assert.equal(status, 404);
  assert.equal((await get('/no/such/page')).status, 404);
});

test('the running studio is in server.json, and a second start with its folder is refused', async () => {
  const info = readServerInfo(join(dir, 'server.json'));
  assert.deepEqual(info, { pid: process.pid, port: studio.port, token: studio.token });
  assert.match(studio.token, /^[0-9a-f]{64}$/);
  await assert.rejects(startStudio({ port: 0, dir, log: () => {} }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'STUDIO_RUNNING');
    assert.ok(e.message.includes(studio.url), e.message);
    return true;
  });
  // The refused start left the running studio's record alone.
  assert.equal(readServerInfo(join(dir, 'server.json'))?.token, studio.token);
});

test('a server.json left by a dead process is replaced with a notice, and removed on close', async () => {
  const stale = mkdtempSync(join(tmpdir(), 'palestra-studio-stale-'));
  try {
    // A process that has exited: its pid names no live process.
    const { pid } = spawnSync(process.execPath, ['-e', '']);
    assert.ok(pid);
    writeFileSync(join(stale, 'server.json'), JSON.stringify({ pid, port: 1, token: 'old' }));
    const lines: string[] = [];
    const second = await startStudio({ port: 0, dir: stale, log: (l) => lines.push(l) });
    try {
      assert.ok(
        lines.some((l) => l.includes(`pid ${pid}`) && l.includes('no longer running')),
        lines.join('\n'),
      );
      const info = JSON.parse(readFileSync(join(stale, 'server.json'), 'utf8'));
      assert.equal(info.pid, process.pid);
      assert.equal(info.port, second.port);
      assert.notEqual(info.token, 'old');
      assert.equal((await fetch(second.url)).status, 200);
    } finally {
      await second.close();
    }
    assert.equal(existsSync(join(stale, 'server.json')), false);
  } finally {
    rmSync(stale, { recursive: true, force: true });
  }
});

test('`palestra studio --port 0 --open` serves from one process until SIGINT, then removes server.json', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'palestra-studio-cli-'));
  const bin = fileURLToPath(new URL('../../runtime/bin/palestra.js', import.meta.url));
  const env = { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '' };
  const child = spawn(process.execPath, [bin, 'studio', '--port', '0', '--open'], { cwd, env });
  try {
    let out = '';
    child.stderr.on('data', (d) => {
      out += d;
    });
    const url = await new Promise<string>((done, fail) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /Palestra Studio on (\S+)/.exec(out);
        if (m && out.includes('no display')) done(m[1]!);
      });
      child.once('exit', (code) => fail(new Error(`palestra studio exited (${code}): ${out}`)));
    });
    const info = readServerInfo(join(cwd, '.palestra', 'studio', 'server.json'));
    assert.equal(info?.pid, child.pid);
    assert.equal(url, `http://127.0.0.1:${info?.port}/`);
    const page = await fetch(new URL('/env/refund-desk', url));
    assert.equal(page.status, 200);
    const exited = new Promise<number | null>((done) => child.once('exit', done));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.equal(existsSync(join(cwd, '.palestra', 'studio', 'server.json')), false);
  } finally {
    child.kill();
    rmSync(cwd, { recursive: true, force: true });
  }
});
