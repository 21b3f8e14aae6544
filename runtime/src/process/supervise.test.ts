import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { processAlive } from './alive.ts';
import { ProcessExitedError, ProcessFailedToStartError } from './processError.ts';
import { supervise } from './supervise.ts';

/** Polls until every pid is gone; false if one is still there after `ms`. */
async function goneWithin(pids: number[], ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (pids.some(processAlive)) {
    if (performance.now() > deadline) return false;
    await delay(25);
  }
  return true;
}

/** `node -e script`: the children are real processes. */
const node = (script: string) => [process.execPath, ['-e', script]] as const;

/** The pid a child printed on stderr as `pid N`. */
function printedPid(text: string): number {
  const m = /pid (\d+)/.exec(text);
  assert.ok(m, `the child printed no pid:\n${text}`);
  return Number(m[1]);
}

test('ready: the answer for the ready line comes back, pid is the child itself, stop() ends it quietly', async () => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const server = await supervise(
    ...node(
      "console.error('warming up'); console.log('pid ' + process.pid); console.log('noise'); console.log('listening on port 4321'); setInterval(() => {}, 1000);",
    ),
    {
      ready: (line) => {
        const m = /listening on port (\d+)/.exec(line);
        return m ? { port: Number(m[1]) } : false;
      },
      onStdout: (l) => stdout.push(l),
      onStderr: (l) => stderr.push(l),
    },
  );
  assert.deepEqual(server.ready, { port: 4321 });
  assert.equal(server.pid, printedPid(stdout.join('\n')), 'pid is the child, not the watchdog shell');
  assert.ok(processAlive(server.pid));
  assert.equal(stdout.includes('noise'), true);

  const status = await server.stop();
  assert.deepEqual(status, { code: null, signal: 'SIGTERM' });
  assert.equal(processAlive(server.pid), false);
  assert.deepEqual(await server.exited, status);
  assert.deepEqual(await server.stop(), status, 'stop() is idempotent');
  assert.match(server.stderrTail(), /warming up/);
  assert.doesNotMatch(stderr.join('\n'), /Terminated/);
});

test('a child that never gets ready: PROCESS_FAILED_TO_START after the timeout, with its stderr, and it is gone', async () => {
  const error = await supervise(
    ...node("console.error('loading weights, pid ' + process.pid); setInterval(() => {}, 1000);"),
    { ready: (line) => line === 'ready', readyTimeoutMs: 1_000, name: 'the slow server' },
  ).then(
    () => assert.fail('it never printed ready'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ProcessFailedToStartError, String(error));
  assert.equal(error.code, 'PROCESS_FAILED_TO_START');
  assert.equal(error.reason, 'timeout');
  assert.match(error.message, /the slow server did not get ready in 1 s/);
  assert.match(error.hint ?? '', /loading weights/);
  assert.equal(processAlive(printedPid(error.stderrTail)), false, 'no orphan once supervise() rejected');
});

test('a child that exits while starting: PROCESS_EXITED with its status and its stderr', async () => {
  await assert.rejects(
    supervise(...node("console.error('bad model: no config.json'); process.exit(3);"), {
      ready: (line) => line === 'ready',
    }),
    (e: unknown) =>
      e instanceof ProcessExitedError &&
      e.code === 'PROCESS_EXITED' &&
      e.status.code === 3 &&
      e.status.signal === null &&
      /bad model: no config\.json/.test(e.hint ?? ''),
  );
});

test('a command that cannot be spawned at all (missing working folder): PROCESS_FAILED_TO_START, reason spawn', async () => {
  await assert.rejects(
    supervise(...node('setInterval(() => {}, 1000)'), {
      cwd: fileURLToPath(new URL('./no-such-folder/', import.meta.url)),
    }),
    (e: unknown) => e instanceof ProcessFailedToStartError && e.reason === 'spawn',
  );
});

test('stop() escalates to SIGKILL for a child that ignores SIGTERM', async () => {
  const server = await supervise(
    ...node(
      "process.on('SIGTERM', () => console.error('ignoring SIGTERM')); console.log('ready'); setInterval(() => {}, 1000);",
    ),
    { ready: (line) => line === 'ready', stopGraceMs: 300 },
  );
  const status = await server.stop();
  assert.deepEqual(status, { code: null, signal: 'SIGKILL' });
  assert.match(server.stderrTail(), /ignoring SIGTERM/, 'SIGTERM came first');
  assert.equal(processAlive(server.pid), false);
});

test('aborting while it starts rejects with the abort reason and leaves nothing running', async () => {
  const controller = new AbortController();
  let pid: number | undefined;
  const started = supervise(...node("console.error('pid ' + process.pid); setInterval(() => {}, 1000);"), {
    ready: (line) => line === 'ready',
    signal: controller.signal,
    stopGraceMs: 300,
    onStderr: (line) => {
      pid = printedPid(line);
      controller.abort();
    },
  });
  await assert.rejects(started, { name: 'AbortError' });
  assert.ok(pid);
  assert.equal(processAlive(pid), false);
});

test('the child dies with its parent, even when the parent is SIGKILLed and the child ignores SIGTERM', {
  timeout: 60_000,
}, async () => {
  const superviseFile = new URL('./supervise.ts', import.meta.url).href;
  const parentCode = `import { supervise } from ${JSON.stringify(superviseFile)};
const ready = (line) => line === 'ready';
const calm = await supervise(process.execPath, ['-e', "console.log('ready'); setInterval(() => {}, 1000)"], { ready });
const stubborn = await supervise(process.execPath, ['-e', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"], { ready, stopGraceMs: 500 });
console.log(JSON.stringify([calm.pid, stubborn.pid]));
setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', parentCode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  parent.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const lines = createInterface({ input: parent.stdout });
  const parentExited = once(parent, 'exit');
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => line as string),
    parentExited.then(() => undefined),
  ]);
  assert.ok(first !== undefined, `the parent exited early:\n${stderr}`);
  const pids = JSON.parse(first) as number[];
  assert.equal(pids.length, 2);
  assert.ok(pids.every(processAlive), 'both children run while the parent does');

  parent.kill('SIGKILL');
  await parentExited;
  assert.ok(await goneWithin(pids, 10_000), `children still alive: ${pids.filter(processAlive).join(', ')}`);
});
