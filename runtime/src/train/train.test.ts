import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { envSource } from '@palestra/envs';
import { CATALOG_DIR, loadCatalog } from '@palestra/envs/catalog';
import { train } from './train.ts';

// What palestra train refuses before any trainer starts. The real trainings are in
// train.e2e.test.ts (`npm run test:e2e`).

const dir = mkdtempSync(join(tmpdir(), 'palestra-train-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const source = loadCatalog('echo-target');

describe('palestra train refuses what it cannot train on safely (no trainer needed)', () => {
  it('a spec without reward.bounds: REWARD_BOUNDS_REQUIRED with its JSON path, before the trainer starts', async () => {
    // An expression rule: the loader cannot derive bounds for it, and none are declared.
    const spec = JSON.parse(readFileSync(join(CATALOG_DIR, 'echo-target', 'spec.json'), 'utf8'));
    spec.reward = { rules: [{ expr: '0.0' }] };
    const out = join(dir, 'no-bounds');
    await assert.rejects(
      train({
        source: envSource(spec, source.files),
        algo: 'grpo',
        // A model that does not exist: the refusal must come first, or this would fail another way.
        model: join(dir, 'no-model'),
        loraRank: 8,
        steps: 1,
        group: 2,
        out,
      }),
      (e: Error & { code?: string; details?: Record<string, unknown> }) =>
        e.code === 'REWARD_BOUNDS_REQUIRED' && e.details?.path === '$.reward.bounds',
    );
    assert.equal(existsSync(join(out, 'trainer')), false, 'no trainer was started');
  });
});
