import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogNames, loadCatalog } from '../../catalog/index.ts';
import { makeEnv } from '../kernel/env.ts';
import { envSource } from '../kernel/source.ts';
import { type CheckReport, checkEnv, formatCheckReport } from './check.ts';
import { checkSameInstanceDeterminism } from './episodeChecks.ts';
import { runRandomEpisodes } from './episodes.ts';

const base = {
  specVersion: 1,
  name: 'door',
  version: '1.0.0',
  context: { initial: { tries: 0 } },
  tasks: { list: [{ id: 'd', instructions: 'open the door' }] },
  tools: [{ name: 'push', description: 'push the door', event: 'PUSH' }],
  machine: {
    initial: 'closed',
    states: {
      closed: { on: { PUSH: { target: 'open', actions: 'count' } } },
      open: { type: 'final' },
    },
  },
  actions: { count: { assign: { tries: 'tries + 1' } } },
  reward: { rules: [{ onEnter: 'open', value: 1 }], bounds: { min: 0, max: 1 } },
  observation: { template: 'tries: {{tries}}' },
};

// biome-ignore lint/suspicious/noExplicitAny: a spec as JSON, edited freely to build each case
type Spec = Record<string, any>;

function door(): Spec {
  return structuredClone(base) as Spec;
}

/** The finding of one check (the first, when a check reports several). */
function finding(report: CheckReport, check: string) {
  const f = report.findings.find((x) => x.check === check);
  assert.ok(f, `no "${check}" finding in\n${formatCheckReport(report)}`);
  return f;
}

// In-process checks only: the cross-host check has tests of its own (crossHost.test.ts).
const quick = { crossHost: false as const };

test('every catalog environment passes the checker, across hosts too', async () => {
  for (const name of catalogNames()) {
    const report = await checkEnv(loadCatalog(name), { episodes: 15, graphBudget: 3000 });
    assert.ok(report.ok, formatCheckReport(report));
    assert.equal(finding(report, 'cross-host').level, 'ok', formatCheckReport(report));
    assert.equal(report.stats.crossHostEpisodes, 3);
  }
});

test('a cross-host check skipped with a reason says it, as a warning, and starts no process', async () => {
  const report = await checkEnv(envSource(base), {
    episodes: 5,
    crossHost: { skipped: 'not run in the browser' },
  });
  const f = finding(report, 'cross-host');
  assert.equal(f.level, 'warning');
  assert.equal(f.message, 'skipped: not run in the browser');
  assert.equal(report.stats.crossHostEpisodes, 0);
  assert.equal(
    finding(await checkEnv(envSource(base), { episodes: 5, ...quick }), 'cross-host').message,
    'skipped: turned off (crossHost: false, or --no-cross-host)',
  );
});

test('a clean spec passes', async () => {
  const report = await checkEnv(envSource(base), { episodes: 5, ...quick });
  assert.ok(report.ok, formatCheckReport(report));
});

test('unreachable states, unreachable finals and dead ends are errors with codes', async () => {
  const spec = door();
  spec.machine.states.attic = { on: { PUSH: 'open' } };
  spec.machine.states.cellar = { type: 'final' };
  spec.machine.states.closed.on.PUSH = [
    { guard: 'never', target: 'stuck' },
    { target: 'open', actions: 'count' },
  ];
  spec.machine.states.stuck = {};
  spec.guards = { never: { expr: 'tries > 5.0' } };
  const report = await checkEnv(envSource(spec), { episodes: 5, ...quick });
  assert.equal(report.ok, false);
  const text = formatCheckReport(report);
  assert.match(text, /UNREACHABLE_STATES: never reached: .*attic/);
  assert.match(text, /UNREACHABLE_FINAL: final states never reached: cellar/);
  assert.match(text, /DEAD_END: states with no transition that are not final: stuck/);
});

test('a context that leaves its declared schema is an error', async () => {
  const spec = door();
  spec.context.schema = { type: 'object', properties: { tries: { type: 'number', maximum: 0 } } };
  const report = await checkEnv(envSource(spec), { episodes: 3, ...quick });
  assert.match(formatCheckReport(report), /context leaves \$\.context\.schema: \/tries must be <= 0/);
});

test('returns outside the declared reward bounds are an error', async () => {
  const spec = door();
  spec.reward.bounds = { min: 0, max: 0.5 };
  const report = await checkEnv(envSource(spec), { episodes: 5, ...quick });
  const f = finding(report, 'reward bounds');
  assert.equal(f.level, 'error');
  assert.match(f.message, /left the declared bounds \[0, 0\.5\]/);
  assert.equal(f.where, '$.reward.bounds');
});

test('code that keeps state in module variables cannot leak it into the next episode: determinism holds', async () => {
  const spec = door();
  spec.actions.count = { module: 'leak.js#count' };
  spec.reward.rules.push({ expr: 'tries > 1.0 ? 0.1 : 0.0' });
  spec.reward.bounds = { min: 0, max: 100 };
  const files = {
    'leak.js': 'let calls = 0;\nexport function count() { calls += 1; return { tries: calls }; }',
  };
  // Every reset rewinds the sandbox to its image after load, so `calls` starts at 0 in each episode.
  const report = await checkEnv(envSource(spec, files), { episodes: 6, ...quick });
  assert.equal(finding(report, 'determinism').level, 'ok', formatCheckReport(report));
  assert.equal(finding(report, 'reset').level, 'ok', formatCheckReport(report));
});

test('the determinism check fails, with the step and field, when the second instance differs', async () => {
  // No environment code can make two instances differ any more, so the check is shown to be able
  // to fail by playing the episodes again on a twin whose reward differs.
  const spec = door();
  const env = await makeEnv(envSource(spec));
  const other = door();
  other.reward.rules[0].value = 0.5;
  const twin = await makeEnv(envSource(other));
  try {
    const run = await runRandomEpisodes(env, env.spec, { count: 3, seed: 0 });
    const f = await checkSameInstanceDeterminism(twin, run);
    assert.equal(f.level, 'error');
    assert.equal(f.code, 'NONDETERMINISTIC');
    assert.match(f.message, /first differed at step \d+, field "[^"]+"/);
  } finally {
    env.close();
    twin.close();
  }
});

// ── 1. A check that could not run is not a pass ──────────────────────────────────────────────

test('when no episode can run, every check that needed one says it could not run: no ✔, no Infinity', async () => {
  const spec = door();
  // Every reset fails: the initial context breaks the schema, so nothing runs at all.
  spec.context.schema = { type: 'object', properties: { tries: { type: 'string' } } };
  const report = await checkEnv(envSource(spec), { episodes: 8, ...quick });
  const text = formatCheckReport(report);
  assert.equal(report.ok, false);
  for (const check of ['api', 'determinism', 'reward bounds', 'reachability', 'context']) {
    const f = finding(report, check);
    assert.equal(f.level, 'error', `${check}: ${text}`);
    assert.equal(f.ran, false, `${check}: ${text}`);
    assert.equal(f.code, 'CHECK_NOT_RUN');
    assert.match(f.message, /^could not run: /);
  }
  assert.doesNotMatch(text, /✔ (api|determinism|reward bounds|reachability)/);
  assert.doesNotMatch(text, /Infinity/);
  const episodes = finding(report, 'episodes');
  assert.equal(episodes.code, 'BAD_CONTEXT');
  assert.match(episodes.message, /^0\/8 random episodes ran/);
  assert.match(text, /FAILED: .*\(\d+ checks could not run\).* · 0 episodes ran \(0 steps\), 8 failed/);
  assert.equal(report.stats.episodes, 0);
  assert.equal(report.stats.failedEpisodes, 8);
});

test('an environment that cannot be built is one error, and the checks that needed it did not run', async () => {
  const spec = door();
  spec.actions.count = { module: 'broken.js#count' };
  const report = await checkEnv(envSource(spec, { 'broken.js': 'export function count( {' }), quick);
  assert.equal(report.ok, false);
  assert.equal(finding(report, 'build').level, 'error');
  for (const check of ['order', 'episodes', 'determinism', 'reachability'])
    assert.equal(finding(report, check).ran, false);
  assert.ok(report.findings.every((f) => f.level !== 'ok' || !['episodes', 'api'].includes(f.check)));
});

// ── 2. Transient states are reached ──────────────────────────────────────────────────────────

test('a state left at once by an `always` transition counts as reached (initial and mid-episode)', async () => {
  const spec = door();
  spec.machine = {
    initial: 'boot',
    states: {
      // Only ever passed through: entered and left in the same macrostep.
      boot: { always: 'closed' },
      closed: { on: { PUSH: { target: 'checking', actions: 'count' } } },
      checking: { always: [{ guard: 'tried', target: 'open' }, { target: 'closed' }] },
      open: { type: 'final' },
    },
  };
  spec.guards = { tried: { expr: 'tries >= 1.0' } };
  const report = await checkEnv(envSource(spec), { episodes: 4, ...quick });
  assert.ok(report.ok, formatCheckReport(report));
  assert.match(finding(report, 'reachability').message, /all 4 states reached/);
});

// ── 3. Argument choice does not depend on parameter names ────────────────────────────────────

/** A vault that opens with the task's code; the task data holds many other strings first. */
function vault(param: string): Spec {
  const spec = door();
  spec.name = 'vault';
  spec.tasks = {
    list: [
      {
        id: 'v',
        instructions: 'open the vault',
        data: {
          notes: ['north', 'south', 'east', 'west', 'up', 'down', 'left', 'right', 'spare'],
          code: 'K-7',
        },
      },
    ],
  };
  spec.tools = [
    {
      name: 'dial',
      description: 'dial a code',
      event: 'DIAL',
      parameters: { type: 'object', properties: { [param]: { type: 'string' } }, required: [param] },
    },
  ];
  spec.machine.states.closed = {
    on: { DIAL: [{ guard: 'right', target: 'open', actions: 'count' }, { actions: 'count' }] },
  };
  spec.guards = { right: { expr: `event.${param} == task.data.code` } };
  return spec;
}

test('renaming a tool parameter does not change the verdict of the reachability search', async () => {
  const verdicts = [];
  for (const param of ['code', 'key', 'zz_unrelated'])
    verdicts.push((await checkEnv(envSource(vault(param)), { episodes: 3, ...quick })).ok);
  assert.deepEqual(verdicts, [true, true, true]);
});

// ── 5, 6, 7. Required bounds; runtime errors carry their path and hint; the format ──────────

test('a spec without reward bounds (none derivable) is an error that says to declare them', async () => {
  const spec = door();
  spec.reward = { rules: [{ module: 'pay.js#pay' }] };
  const files = { 'pay.js': 'export function pay({ context }) { return context.tries > 0 ? 1 : 0; }' };
  const report = await checkEnv(envSource(spec, files), { episodes: 3, ...quick });
  const f = finding(report, 'reward bounds');
  assert.equal(f.level, 'error');
  assert.equal(f.code, 'NO_REWARD_BOUNDS');
  assert.equal(f.where, '$.reward.bounds');
  assert.match(f.hint ?? '', /declare "reward": \{ "bounds"/);
  assert.equal(report.ok, false);
});

test('an episode that fails at run time shows the error code, its JSON path and the hint', async () => {
  const spec = door();
  spec.actions.count = { assign: { tries: 'task.data.missing.deeper' } };
  const report = await checkEnv(envSource(spec), { episodes: 3, ...quick });
  const f = finding(report, 'episodes');
  assert.equal(f.code, 'EXPR_FAILED');
  assert.equal(f.where, '$.actions.count.assign.tries');
  assert.match(f.hint ?? '', /guard the lookup/);
  const text = formatCheckReport(report);
  assert.match(
    text,
    /✖ episodes +EXPR_FAILED: 0\/3 random episodes ran; the episode with seed 0 failed at step 1/,
  );
  assert.match(text, /\n +at \$\.actions\.count\.assign\.tries\n +→ guard the lookup/);
});

test('a reward rule that returns a non-number names its rule', async () => {
  const spec = door();
  spec.reward.rules.push({ expr: "'a lot'" });
  const report = await checkEnv(envSource(spec), { episodes: 3, ...quick });
  const f = finding(report, 'episodes');
  assert.equal(f.code, 'BAD_REWARD');
  assert.equal(f.where, '$.reward.rules[1]');
});

test('an exported function that no part of the spec names is a warning (a misspelt reference?)', async () => {
  const spec = door();
  spec.actions.count = { module: 'door.js#count' };
  const files = {
    'door.js':
      'export function count({ context }) { return { tries: context.tries + 1 }; }\nexport function cuont() { return {}; }',
  };
  const report = await checkEnv(envSource(spec, files), { episodes: 2, ...quick });
  const f = finding(report, 'exports');
  assert.equal(f.level, 'warning');
  assert.match(f.message, /door\.js#cuont/);
  assert.doesNotMatch(f.message, /door\.js#count\b/);
  spec.actions.count = { module: 'door.js#count' };
  const clean = await checkEnv(envSource(spec, { 'door.js': files['door.js'].split('\n')[0]! }), {
    episodes: 2,
    ...quick,
  });
  assert.equal(finding(clean, 'exports').level, 'ok');
});

test('statechart findings name their states and transitions as structured targets', async () => {
  const spec = door();
  spec.machine.states.cellar = { type: 'final' };
  spec.machine.states.closed.on.PUSH = [
    { guard: 'never', target: 'stuck' },
    { target: 'open', actions: 'count' },
  ];
  spec.machine.states.stuck = {};
  spec.guards = { never: { expr: 'tries > 5.0' } };
  const report = await checkEnv(envSource(spec), { episodes: 5, ...quick });
  const reach = finding(report, 'reachability');
  assert.deepEqual(reach.targets?.states?.sort(), ['cellar', 'stuck']);
  // The guarded branch into `stuck` is the edge to look at; nothing leads to `cellar`.
  assert.deepEqual(reach.targets?.transitions, [{ source: 'closed', event: 'PUSH', target: 'stuck' }]);
  assert.deepEqual(finding(report, 'final states').targets, { states: ['cellar'] });
  assert.deepEqual(finding(report, 'dead ends').targets, { states: ['stuck'] });
  // Passing checks and the CLI's text are as before: targets are for pages, the message for people.
  assert.equal(finding(report, 'api').targets, undefined);
  assert.match(formatCheckReport(report), /DEAD_END: states with no transition that are not final: stuck\n/);
});

test('a trap names the states it holds the episode in, nested ones by their dotted id', async () => {
  const spec = door();
  spec.tools.push({ name: 'fall', description: 'fall in', event: 'FALL' });
  spec.machine.states.closed.on.FALL = 'hole';
  spec.machine.states.hole = { initial: 'pit', states: { pit: { on: { PUSH: 'pit' } } } };
  const report = await checkEnv(envSource(spec), { episodes: 5, ...quick });
  const trap = finding(report, 'traps');
  assert.equal(trap.level, 'warning');
  assert.deepEqual(trap.targets, { states: ['hole.pit'] });
});
