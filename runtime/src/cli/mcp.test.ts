import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { registerMcpCommand } from './mcp.ts';

test('mcp --help says what the client gets; a bad --first-seed is refused', async () => {
  let out = '';
  const p = new Command('palestra').exitOverride();
  const mcp = registerMcpCommand(p)
    .exitOverride()
    .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  assert.equal(mcp.name(), 'mcp');
  await assert.rejects(p.parseAsync(['mcp', '--help'], { from: 'user' }));
  for (const s of ['reset {seed?, taskId?}', 'state', 'structured content', 'stdin/stdout'])
    assert.ok(out.includes(s), s);
  out = '';
  await assert.rejects(p.parseAsync(['mcp', 'echo-target', '--first-seed', '-3'], { from: 'user' }));
  assert.match(out, /--first-seed must be an integer/);
});
