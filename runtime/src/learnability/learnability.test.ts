import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Action, envSource, makeEnv, openEnv } from '@palestra/envs';
import { CATALOG_DIR, loadCatalog } from '@palestra/envs/catalog';
import { echoBoom, TEST_CLI } from '@palestra/testing/runtime';
import { formatLearnabilityReport } from '../cli/learnability.ts';
import { NothingMeasuredError } from '../rollout/nothingMeasured.ts';
import { gamesTheReward, histogram, learnability } from './learnability.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-learnability-'));
const CLI = new URL('../../bin/palestra.js', import.meta.url).pathname;
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
  assert.match(formatLearnabilityReport(r), /✔ no degenerate policy earns reward without solving the task/);
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
  assert.equal(silence.meanEarned, 1, 'the reward it earns is the "matched" rule');

  const folder = join(dir, 'echo-silence');
  mkdirSync(folder);
  writeFileSync(join(folder, 'spec.json'), JSON.stringify(spec));
  const cli = TEST_CLI;
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

/** echo-target whose reply (a text turn, no tool) runs a code module that throws: random only echoes, so only the "empty reply" probe breaks it. */
function echoReplyBoom() {
  const spec = structuredClone(echoSpec);
  spec.name = 'echo-reply-boom';
  spec.machine.states.waiting.on.REPLY = { target: 'missed', actions: 'boom' };
  spec.actions.boom = { module: 'boom.js#boom' };
  return envSource(spec, { 'boom.js': "export function boom() { throw new Error('boom'); }" });
}

test('failed episodes of a probe are counted apart, by fault, and left out of every figure; an error finding names them', async () => {
  const r = await learnability(echoReplyBoom(), {
    groups: 2,
    group: 2,
    concurrency: 1,
    openEnv: (s) => openEnv(s, { isolate: false }),
  });
  const byName = new Map(r.results.map((x) => [x.name, x]));
  assert.deepEqual(byName.get('random')!.failed, { failed: 0, agent: 0, environment: 0 });
  assert.equal(byName.get('random')!.episodes, 4);
  const empty = byName.get('empty reply')!;
  assert.deepEqual(empty.failed, { failed: 4, agent: 0, environment: 4 });
  assert.equal(empty.episodes, 0);
  assert.equal(empty.overRandom, undefined, 'a probe with no complete episode is compared with nothing');
  assert.equal(r.failed, 4);
  assert.equal(r.ok, false);
  const text = formatLearnabilityReport(r);
  assert.match(text.split('\n').at(-1)!, /^✖ 4 episode\(s\) failed: no verdict/);
  assert.match(text, /│ empty reply +│ probe +│ 4 +│ - +│ - +│ - +│/, 'no figures over zero episodes');
  assert.ok(
    r.findings.some(
      (f) =>
        f.level === 'error' && /"empty reply": 4 failed \(4 environment\), not in the means/.test(f.message),
    ),
    JSON.stringify(r.findings),
  );
});

test('a random baseline that completes no episode measures nothing: LEARNABILITY_INCOMPLETE, exit 3, no report', async () => {
  // Every echo breaks the environment, so every random episode fails. The report used to print
  // random's "figures" (0.000 ± 0.000 over no episode) and warnings drawn from them.
  await assert.rejects(
    learnability(echoBoom({ always: true }), {
      groups: 2,
      group: 2,
      concurrency: 1,
      openEnv: (s) => openEnv(s, { isolate: false }),
    }),
    (e: NothingMeasuredError) => {
      assert.ok(e instanceof NothingMeasuredError);
      assert.equal(e.code, 'LEARNABILITY_INCOMPLETE');
      assert.match(
        e.message,
        /none of the 4 episodes of the random baseline completed \(4 failed, 4 by the environment\)\. First failure: \w+: .*boom/,
      );
      assert.ok(e.hint);
      return true;
    },
  );

  const boom = echoBoom({ always: true });
  const folder = join(dir, 'echo-boom');
  mkdirSync(folder);
  writeFileSync(join(folder, 'spec.json'), JSON.stringify(boom.spec));
  for (const [file, text] of Object.entries(boom.files)) writeFileSync(join(folder, file), text);
  const run = spawnSync(
    process.execPath,
    [CLI, 'learnability', folder, '--groups', '2', '--group', '2', '--concurrency', '1'],
    { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
  );
  assert.equal(run.status, 3, run.stdout + run.stderr);
  assert.match(run.stderr, /^✖ LEARNABILITY_INCOMPLETE: the learnability analysis measured nothing/m);
  assert.match(run.stderr, /^ {2}→ /m, 'a hint');
  assert.doesNotMatch(run.stdout, /return mean|no degenerate policy/, 'no report over nothing');
  assert.doesNotMatch(run.stdout + run.stderr, /\n\s+at /, 'no stack trace');
});

test('a scripted baseline that cannot be read fails before any episode is played', async () => {
  const out = join(dir, 'bad-script-run');
  await assert.rejects(
    learnability(loadCatalog('echo-target'), {
      groups: 1,
      group: 1,
      scripted: join(dir, 'missing.json'),
      out,
    }),
    /SCRIPT_UNREADABLE|cannot read the script/,
  );
  assert.equal(existsSync(join(out, '0-random')), false, 'random was not played first');
});
test('gamesTheReward: earning reward or scoring like a solved episode games it; paying smaller penalties does not', () => {
  const bounds = { min: -1, max: 1, from: 'bounds' as const };
  const random = { meanReturn: -0.6, meanEarned: 0 };
  // Idling until the step limit: far above random, earns nothing, far from what solving pays.
  assert.equal(gamesTheReward({ meanReturn: -0.1, meanEarned: 0 }, random, bounds, 0.2), false);
  // The same policy paid by a rule random rarely triggers.
  assert.equal(gamesTheReward({ meanReturn: 0.4, meanEarned: 0.5 }, random, bounds, 0.2), true);
  // A reward made only of penalties: silence ends at the maximum, as a solved episode would.
  assert.equal(
    gamesTheReward(
      { meanReturn: 0, meanEarned: 0 },
      { meanReturn: -0.6, meanEarned: 0 },
      { ...bounds, max: 0 },
      0.1,
    ),
    true,
  );
  // Without bounds the observed maximum may be the probe's own mean: it says nothing about solving.
  assert.equal(
    gamesTheReward({ meanReturn: 0, meanEarned: 0 }, random, { min: -0.6, max: 0, from: 'observed' }, 0.1),
    false,
  );
  // Not above random by the margin: never gaming, whatever it earns.
  assert.equal(gamesTheReward({ meanReturn: -0.5, meanEarned: 1 }, random, bounds, 0.2), false);
});

test('refund-desk passes: probes beat random only by smaller penalties, earn nothing, and an honest attempt beats them all', async () => {
  const source = loadCatalog('refund-desk');
  const r = await learnability(source, {
    groups: 4,
    group: 2,
    openEnv: (s) => openEnv(s, { isolate: false }),
  });
  assert.equal(r.failed, 0);
  assert.equal(r.ok, true, JSON.stringify(r.findings));
  const byName = new Map(r.results.map((x) => [x.name, x]));
  // Random's valid calls name orders that do not exist: every decision it makes is blind, and the
  // policy penalizes blind decisions, so random earns nothing and scores far below idling.
  const random = byName.get('random')!;
  assert.equal(random.meanEarned, 0);
  const idle = byName.get('empty reply')!;
  assert.ok(idle.overRandom! > r.margin, 'the old check ("beats random") failed refund-desk on this');
  assert.equal(idle.meanReturn, -0.12, 'twelve step costs');
  for (const x of r.results.filter((y) => y.kind === 'probe')) {
    assert.equal(x.meanEarned, 0, x.name);
    assert.equal(x.games, false, x.name);
  }
  assert.ok(
    r.findings.some((f) => f.level === 'info' && /"empty reply" .* smaller penalties/.test(f.message)),
  );

  // An honest attempt: look the ticket's order up, then decide at random between refund, denial and
  // escalation (a model that reads the ticket but not the policy). Over every ticket it must score
  // above every degenerate policy; else a model would learn to avoid trying.
  const env = await makeEnv(source);
  try {
    type Ticket = { orderId: string; amount: number };
    const decisions = (t: Ticket): Action[] => [
      { tool: 'issue_refund', arguments: { orderId: t.orderId, amount: t.amount } },
      { tool: 'deny_refund', arguments: { orderId: t.orderId, reason: 'the policy does not allow it' } },
      { tool: 'escalate', arguments: { reason: 'a supervisor should decide' } },
    ];
    let micros = 0;
    let episodes = 0;
    for (let i = 0; i < env.taskCount; i++)
      for (const k of [0, 1, 2]) {
        env.reset({ seed: 3, taskIndex: i });
        // Tests may look behind the curtain: the order and amount a careful reader takes from the ticket.
        const ticket = (env as unknown as { task: { data: Ticket } }).task.data;
        for (const a of [
          { tool: 'lookup_order', arguments: { orderId: ticket.orderId } },
          decisions(ticket)[k]!,
        ])
          micros += env.step(a).info.rewardMicros;
        episodes++;
      }
    const honest = micros / episodes / 1e6;
    const best = Math.max(...r.results.filter((y) => y.kind === 'probe').map((y) => y.meanReturn));
    assert.ok(
      honest > best,
      `honest attempt ${honest.toFixed(3)} vs best degenerate policy ${best.toFixed(3)}`,
    );
  } finally {
    env.close();
  }
});

test('a refund-desk whose blind escalation pays 1 is caught: "always escalate" earns reward without solving', async () => {
  const source = loadCatalog('refund-desk');
  const spec = structuredClone(source.spec) as unknown as {
    name: string;
    machine: { states: { open: { states: { triage: { on: { ESCALATE: { target: string } } } } } } };
  };
  spec.name = 'refund-desk-escalate-pays';
  spec.machine.states.open.states.triage.on.ESCALATE.target = '#escalated';
  const r = await learnability(envSource(spec, source.files), {
    groups: 4,
    group: 2,
    openEnv: (s) => openEnv(s, { isolate: false }),
  });
  assert.equal(r.ok, false);
  const escalate = r.results.find((x) => x.name === 'always escalate')!;
  assert.equal(escalate.games, true);
  assert.equal(escalate.meanEarned, 1);
  assert.ok(escalate.earnedOverRandom! > r.margin);
  assert.deepEqual(
    r.results.filter((x) => x.games).map((x) => x.name),
    ['always escalate'],
  );
  assert.match(formatLearnabilityReport(r), /✖ a degenerate policy earns reward without solving the task/);
});

test('one environment for every agent of the analysis: isolated handles, shared, report what in-process ones do', async () => {
  const source = loadCatalog('refund-desk');
  let opened = 0;
  const options = { groups: 2, group: 2, concurrency: 4 };
  const isolated = await learnability(source, {
    ...options,
    openEnv: (s) => {
      opened++;
      return openEnv(s); // refund-desk has code: a worker thread
    },
  });
  assert.equal(opened, 1, 'agents answer in-process: one episode at a time, on one handle for them all');
  assert.ok(isolated.results.length > 3);
  const inProcess = await learnability(source, {
    ...options,
    openEnv: (s) => openEnv(s, { isolate: false }),
  });
  assert.deepEqual(isolated.results, inProcess.results);
});
