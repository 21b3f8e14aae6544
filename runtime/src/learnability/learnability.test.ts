import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { envSource, openEnv } from '@palestra/envs';
import { CATALOG_DIR, loadCatalog } from '@palestra/envs/catalog';
import { echoBoom } from '../rollout/testEnvs.ts';
import { formatLearnabilityReport } from './command.ts';
import { histogram, learnability } from './learnability.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-learnability-'));
const echoSpec = JSON.parse(readFileSync(join(CATALOG_DIR, 'echo-target', 'spec.json'), 'utf8'));

test('histogram: equal bins, the maximum in the last bin, one bin for constant data', () => {
  assert.deepEqual(histogram([0, 0, 1, 0.5], 2), { min: 0, max: 1, width: 0.5, counts: [2, 2] });
  assert.deepEqual(histogram([3, 3]), { min: 3, max: 3, width: 0, counts: [2] });
  assert.equal(
    histogram([0, 0.1, 0.9, 1]).counts.reduce((a, b) => a + b, 0),
    4,
  );
});

test('echo-target: no degenerate policy scores; a scripted baseline shows the goal is reachable', async () => {
  const script = join(dir, 'apple.json');
  writeFileSync(script, JSON.stringify([{ tool: 'echo', arguments: { word: 'apple' } }]));
  const r = await learnability(loadCatalog('echo-target'), { groups: 8, group: 4, scripted: script });
  assert.equal(r.ok, true);
  assert.deepEqual(
    r.results.map((x) => [x.name, x.kind]),
    [
      ['random', 'baseline'],
      ['scripted', 'baseline'],
      ['empty reply', 'probe'],
      ['repeat previous', 'probe'],
    ],
  );
  const [random, scripted] = r.results;
  assert.equal(random!.meanReturn, 0);
  assert.ok(scripted!.successRate > 0, 'apple is one of the tasks');
  assert.equal(random!.flatGroups, 1);
  assert.ok(r.findings.some((f) => /GRPO learns nothing/.test(f.message)));
  assert.deepEqual(r.range, { min: 0, max: 1, from: 'bounds' });
  assert.equal(
    r.histogram.counts.reduce((a, b) => a + b, 0),
    32,
  );
  assert.match(formatLearnabilityReport(r), /✔ no degenerate policy beats the random baseline/);
});

test('frozen-lake: the probes score no better than random', async () => {
  const r = await learnability(loadCatalog('frozen-lake'), { groups: 8, group: 4, seed: 1 });
  assert.equal(r.ok, true);
  for (const x of r.results.filter((y) => y.kind === 'probe')) assert.equal(x.games, false, x.name);
  assert.equal(
    r.results.find((x) => x.name === 'empty reply')!.meanLength,
    100,
    'silence runs into the step limit',
  );
});

test('a reward that pays for silence is caught: the report says so and the command exits 1', async () => {
  const spec = structuredClone(echoSpec);
  spec.name = 'echo-silence';
  spec.machine.states.waiting.on.REPLY = { target: 'matched' };
  const gamed = await learnability(envSource(spec), { groups: 4, group: 2 });
  assert.equal(gamed.ok, false);
  const silence = gamed.results.find((x) => x.name === 'empty reply')!;
  assert.equal(silence.games, true);
  assert.equal(silence.meanReturn, 1);
  assert.match(formatLearnabilityReport(gamed), /"empty reply" scores 1\.000 on average/);

  const folder = join(dir, 'echo-silence');
  mkdirSync(folder);
  writeFileSync(join(folder, 'spec.json'), JSON.stringify(spec));
  const cli = new URL('../rollout/testCli.ts', import.meta.url).pathname;
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      cli,
      'learnability',
      folder,
      '--groups',
      '4',
      '--group',
      '2',
      '--json',
      join(dir, 'r.json'),
    ],
    { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
  );
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stdout, /empty reply .* ✖ games the reward/);
  assert.equal(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).ok, false);
});

test('failed episodes are counted apart, by fault, and left out of every figure; an error finding names them', async () => {
  // Every echo breaks the environment: random and "repeat previous" fail every episode, the empty
  // reply probe never echoes and completes. With failures scored as 0, random would look complete.
  const r = await learnability(echoBoom({ always: true }), {
    groups: 2,
    group: 2,
    concurrency: 1,
    openEnv: (s) => openEnv(s, { isolate: false }),
  });
  const byName = new Map(r.results.map((x) => [x.name, x]));
  assert.deepEqual(byName.get('random')!.failed, { failed: 4, agent: 0, environment: 4 });
  assert.equal(byName.get('random')!.episodes, 0);
  assert.deepEqual(byName.get('empty reply')!.failed, { failed: 0, agent: 0, environment: 0 });
  assert.equal(byName.get('empty reply')!.episodes, 4);
  assert.equal(r.failed, 8);
  assert.equal(r.histogram.counts.length, 0, "no complete random episode: random's returns are empty");
  assert.ok(
    r.findings.some(
      (f) => f.level === 'error' && /"random": 4 failed \(4 environment\), not in the means/.test(f.message),
    ),
    JSON.stringify(r.findings),
  );
});
