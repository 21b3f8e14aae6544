import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTrainer } from './service.ts';

test('the trainer service starts and stops quietly: no "Terminated", no bitsandbytes warning about kernels', async () => {
  const out = mkdtempSync(join(tmpdir(), 'palestra-service-'));
  const lines: string[] = [];
  try {
    const trainer = await startTrainer({
      model: 'tiny',
      name: 'quiet',
      loraRank: 4,
      out,
      log: (l) => lines.push(l),
    });
    assert.ok((await trainer.health()).policy);
    await trainer.stop();
    // Whatever else reached stderr, these two would read as failures on a normal run.
    const text = lines.join('\n');
    assert.doesNotMatch(text, /Terminated/);
    assert.doesNotMatch(text, /kernels-community|pip install kernels/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
