import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from '@palestra/contracts';

const bin = new URL('../../bin/palestra.js', import.meta.url).pathname;

test('palestra chain up deploys once, finds the contracts again after down/up, and down stops anvil', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'palestra-chain-')), 'chain');
  const port = String(await freePort());
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [bin, 'chain', ...args, '--dir', dir], { encoding: 'utf8' });
  try {
    const first = run('up', '--port', port);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /started: http:\/\/127\.0\.0\.1:\d+/);
    assert.match(first.stdout, /contracts deployed:/);
    // The Groth16 settlement verifier is real; the dispute resolver is still the development one.
    assert.match(first.stdout, /settlementVerifier\s+0x[0-9a-fA-F]{40}/);
    assert.match(first.stdout, /placeholders \(their deployer decides, development only\): resolver\n/);
    const escrow = /trainingEscrow\s+(0x[0-9a-fA-F]{40})/.exec(first.stdout)![1];
    assert.match(run('up').stdout, /already running[\s\S]*contracts found/);
    assert.match(run('down').stdout, /stopped anvil/);
    const again = run('up');
    assert.match(again.stdout, /contracts found \(deployed earlier\)/, 'the state file kept them');
    assert.ok(again.stdout.includes(escrow!));
  } finally {
    run('down');
  }
});
