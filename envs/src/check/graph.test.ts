import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeEnv } from '../kernel/env.ts';
import { envSource } from '../kernel/source.ts';
import { exploreGraph } from './graph.ts';
import { allStates } from './statechart.ts';

test('the graph search sees states that are only passed through (left at once by `always`)', async () => {
  const source = envSource({
    specVersion: 1,
    name: 'relay',
    version: '1.0.0',
    context: { initial: { n: 0 } },
    tasks: { list: [{ id: 't', instructions: 'go' }] },
    tools: [{ name: 'go', description: 'go', event: 'GO' }],
    machine: {
      initial: 'boot',
      states: {
        boot: { always: 'idle' },
        idle: { on: { GO: 'relay' } },
        relay: {
          initial: 'inner',
          states: { inner: { always: '#done' } },
        },
        done: { id: 'done', type: 'final' },
      },
    },
    reward: { rules: [{ onEnter: 'done', value: 1 }], bounds: { min: 0, max: 1 } },
    observation: { template: 'x' },
  });
  const env = await makeEnv(source);
  const ids = allStates(source.spec).map((s) => s.id);
  const graph = await exploreGraph(env, source, new Set(), ids, {
    limit: 50,
    budget: 200,
    tasks: 1,
    wideTasks: 1,
    rounds: 1,
    exhaustive: true,
    seed: 0,
  });
  env.close();
  // Only idle and done are ever at rest; boot, relay and relay.inner are entered on the way.
  for (const id of ['boot', 'idle', 'relay', 'relay.inner', 'done'])
    assert.ok(graph.seen.has(id), `${id} not seen`);
  assert.ok(graph.searches > 0);
});
