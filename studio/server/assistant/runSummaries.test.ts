// What the assistant reads of an environment's runs, from real rollouts registered in a real
// (PGlite) studio database: only the environment's own runs are listed and readable, and a
// summary says what the rollout's summary.json says.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RolloutSummary, rollout } from '@palestra/runtime';
import type { StudioContext } from '../context.ts';
import { type OpenedDatabase, openDatabase } from '../db/openDatabase.ts';
import { createRepository } from '../db/repository.ts';
import { registerRunFolder } from '../runsIndex.ts';
import { environmentRuns, runSummary } from './runSummaries.ts';

let tmp: string;
let opened: OpenedDatabase;
let studio: StudioContext;
let summary: RolloutSummary;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'palestra-assistant-runs-'));
  const runsDir = join(tmp, 'runs');
  opened = await openDatabase({ dir: join(tmp, 'db') });
  studio = { repo: createRepository(opened.db), storeDir: join(tmp, 'store'), runsDir };
  const lake = await rollout({
    env: 'frozen-lake',
    agent: 'random',
    episodes: 6,
    out: join(runsDir, 'lake'),
    workers: 0,
  });
  summary = lake.summary;
  await rollout({ env: 'echo-target', agent: 'random', episodes: 2, out: join(runsDir, 'echo'), workers: 0 });
  for (const folder of ['lake', 'echo']) {
    const outcome = await registerRunFolder(studio.repo, runsDir, join(runsDir, folder));
    assert.ok(outcome.ok, JSON.stringify(outcome));
  }
});

after(async () => {
  await opened?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test("the list holds the environment's runs only, and one summary matches the rollout's", async () => {
  const { runs } = await environmentRuns(studio, 'frozen-lake');
  assert.equal(runs.length, 1);
  const run = runs[0]!;
  assert.equal(run.name, 'lake');
  assert.match(run.agent ?? '', /^random/);
  const read = await runSummary(studio, 'frozen-lake', run.id);
  assert.ok(read && 'kept' in read, 'a summary with its numbers');
  assert.equal(read.episodes, 6);
  assert.equal(read.kept, summary.complete);
  assert.equal(read.successRate.rate, Math.round(summary.successRate * 1000) / 1000);
  assert.ok(Math.abs(read.return.mean - summary.returnMean) < 1e-3);
  assert.equal(read.tasks, summary.perTask.length);
  assert.ok(!JSON.stringify(read).includes('observation'), 'numbers only');

  const echo = (await environmentRuns(studio, 'echo-target')).runs[0]!;
  assert.equal(await runSummary(studio, 'frozen-lake', echo.id), undefined, "another environment's run");
  assert.equal(await runSummary(studio, 'frozen-lake', 'no-such-run'), undefined);
});
