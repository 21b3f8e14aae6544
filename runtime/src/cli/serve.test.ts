import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { Command } from 'commander';
import { registerServeCommand } from './serve.ts';

const commandFile = new URL('./serve.ts', import.meta.url).href;

/** A program with only `serve`, as the CLI will wire it. */
function program() {
  const p = new Command('palestra').exitOverride();
  let out = '';
  p.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  const serve = registerServeCommand(p);
  serve.exitOverride();
  serve.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  return { p, output: () => out };
}

test('serve --help explains the options, endpoints and actions; bad flags are refused before anything starts', async () => {
  const help = program();
  await assert.rejects(help.p.parseAsync(['serve', '--help'], { from: 'user' }));
  for (const s of ['--max-sessions', '--idle-timeout', '--invalid-actions', 'WS   /ws', '{"tool": "echo"'])
    assert.ok(help.output().includes(s), s);
  for (const bad of [
    ['--max-sessions', '0'],
    ['--port', '70000'],
    ['--idle-timeout', '-1'],
    ['--invalid-actions', 'ignore'],
  ]) {
    const r = program();
    await assert.rejects(r.p.parseAsync(['serve', 'echo-target', ...bad], { from: 'user' }));
    assert.match(r.output(), new RegExp(bad[0]!));
  }
});

test('palestra serve starts, answers /health, and stops cleanly on SIGTERM', {
  timeout: 60_000,
}, async () => {
  const code = `import { Command } from 'commander'; import { registerServeCommand } from ${JSON.stringify(commandFile)};
const p = new Command('palestra'); registerServeCommand(p); await p.parseAsync(['serve', 'echo-target', '--port', '0'], { from: 'user' });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: string) => {
      out += d;
      const m = /on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', () => reject(new Error(`serve exited early: ${out}`)));
  });
  assert.match(out, /serving echo-target@1\.0\.0/);
  // --port 0: the line names the port the system picked, never :0.
  assert.match(url, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
  assert.match(out, /port picked by --port 0/);
  assert.deepEqual(await (await fetch(`${url}/health`)).json(), { status: 'healthy' });
  child.kill('SIGTERM');
  const [exitCode] = await once(child, 'exit');
  assert.equal(exitCode, 0);
});
