// The build lock: two processes calling `ensureBuild` at once on a stale build build it once (the
// second waits for the first and finds it fresh), and a lock left by a dead process is taken over.
// The lock and the waiting are the real ones; the build is a stand-in that writes a marker file,
// so the test takes seconds, not a Vite build per process.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BUILD_LOCK, withBuildLock } from './build.ts';

const buildModule = new URL('./build.ts', import.meta.url).href;

// One process: ensureBuild with a "build" that logs, and waits (up to 5 s) until the other process
// has said it is waiting, so the two surely overlap.
const child = `
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ensureBuild } from ${JSON.stringify(buildModule)};
const [dir] = process.argv.slice(-1);
const log = (line) => appendFileSync(dir + '/log', line + ' ' + process.pid + '\\n');
const result = await ensureBuild({
  file: dir + '/lock',
  pollMs: 20,
  fresh: () => existsSync(dir + '/built'),
  onWait: () => log('wait'),
  build: async () => {
    log('build');
    const until = Date.now() + 5000;
    while (!readFileSync(dir + '/log', 'utf8').includes('wait') && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    writeFileSync(dir + '/built', '');
    log('built');
    return { ms: 1 };
  },
});
process.stdout.write(JSON.stringify(result));
`;

function run(dir: string): Promise<{ pid: number; out: string; code: number | null }> {
  const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child, dir]);
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => {
    out += d;
  });
  p.stderr.on('data', (d) => {
    err += d;
  });
  return new Promise((done) =>
    p.once('exit', (code) => done({ pid: p.pid as number, out: out || err, code })),
  );
}

test('two processes on a stale build: one builds, the other waits and uses that build', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'palestra-build-lock-'));
  try {
    const [a, b] = await Promise.all([run(dir), run(dir)]);
    assert.equal(a.code, 0, a.out);
    assert.equal(b.code, 0, b.out);
    const results = [JSON.parse(a.out), JSON.parse(b.out)] as Array<{ built: boolean; waited?: boolean }>;
    assert.deepEqual(results.map((r) => r.built).sort(), [false, true], JSON.stringify(results));
    assert.equal(results.find((r) => !r.built)?.waited, true);
    const lines = readFileSync(join(dir, 'log'), 'utf8').trim().split('\n');
    assert.equal(lines.filter((l) => l.startsWith('build ')).length, 1, lines.join('\n'));
    // The waiter said so while the builder held the lock, and the builder finished before it returned.
    const builder = lines.find((l) => l.startsWith('build '))?.split(' ')[1];
    assert.ok(
      lines.some((l) => l.startsWith('wait ') && !l.endsWith(` ${builder}`)),
      lines.join('\n'),
    );
    assert.equal(existsSync(join(dir, 'lock')), false, 'the lock is released');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a lock whose process is gone is stale and taken over; a live one's is waited for", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'palestra-build-lock-stale-'));
  try {
    const file = join(dir, 'lock');
    const { pid } = spawnSync(process.execPath, ['-e', '']);
    writeFileSync(file, `${pid}\n`);
    const ran = await withBuildLock(async () => readFileSync(file, 'utf8').trim(), { file, timeoutMs: 2000 });
    assert.equal(ran, String(process.pid), 'it held the lock itself while running');
    assert.equal(existsSync(file), false);

    // A live owner (this process, as another holder): the second caller waits, then times out.
    writeFileSync(file, `${process.pid}\n`);
    let told: number | undefined;
    await assert.rejects(
      withBuildLock(async () => 'never', {
        file,
        pollMs: 10,
        timeoutMs: 100,
        onWait: (owner) => {
          told = owner;
        },
      }),
      /waited too long for another build/,
    );
    assert.equal(told, process.pid);
    assert.equal(readFileSync(file, 'utf8').trim(), String(process.pid), "another's lock is left alone");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the default lock is outside build/ (which the build empties) and in a folder git ignores', () => {
  assert.match(BUILD_LOCK, /node_modules[\\/]\.cache[\\/]/);
});
