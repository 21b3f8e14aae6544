import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogNames, loadCatalog } from '../../catalog/index.ts';
import { envSource } from '../kernel/source.ts';
import { checkEnv, formatCheckReport } from './check.ts';

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

test('every catalog environment passes the checker', async () => {
  for (const name of catalogNames()) {
    const report = await checkEnv(loadCatalog(name), { episodes: 15, graphBudget: 3000 });
    assert.ok(report.ok, formatCheckReport(report));
  }
});

test('a clean spec passes', async () => {
  const report = await checkEnv(envSource(base), { episodes: 5 });
  assert.ok(report.ok, formatCheckReport(report));
});

test('unreachable states, unreachable finals and dead ends are errors', async () => {
  const spec = structuredClone(base) as Record<string, any>;
  spec.machine.states.attic = { on: { PUSH: 'open' } };
  spec.machine.states.cellar = { type: 'final' };
  spec.machine.states.closed.on.PUSH = [
    { guard: 'never', target: 'stuck' },
    { target: 'open', actions: 'count' },
  ];
  spec.machine.states.stuck = {};
  spec.guards = { never: { expr: 'tries > 5.0' } };
  const report = await checkEnv(envSource(spec), { episodes: 5 });
  assert.equal(report.ok, false);
  const text = formatCheckReport(report);
  assert.match(text, /never reached: .*attic/);
  assert.match(text, /final states never reached: cellar/);
  assert.match(text, /no transition that are not final: stuck/);
});

test('a context that leaves its declared schema is an error', async () => {
  const spec = structuredClone(base) as Record<string, any>;
  spec.context.schema = { type: 'object', properties: { tries: { type: 'number', maximum: 0 } } };
  const report = await checkEnv(envSource(spec), { episodes: 3 });
  assert.match(formatCheckReport(report), /context leaves \$\.context\.schema: \/tries must be <= 0/);
});

test('declared reward bounds are checked on sampled episodes', async () => {
  const spec = structuredClone(base) as Record<string, any>;
  spec.reward.bounds = { min: 0, max: 0.5 };
  const report = await checkEnv(envSource(spec), { episodes: 5 });
  assert.match(formatCheckReport(report), /left the declared bounds \[0, 0\.5\]/);
});

test('code that keeps state between episodes is caught as nondeterministic', async () => {
  const spec = structuredClone(base) as Record<string, any>;
  spec.actions.count = { module: 'leak.js#count' };
  spec.reward.rules.push({ expr: 'tries > 1.0 ? 0.1 : 0.0' });
  spec.reward.bounds = { min: 0, max: 100 };
  const files = {
    'leak.js': 'let calls = 0;\nexport function count() { calls += 1; return { tries: calls }; }',
  };
  const report = await checkEnv(envSource(spec, files), { episodes: 6 });
  assert.equal(report.ok, false);
  assert.match(formatCheckReport(report), /differed on a second instance|used env differs/);
});
