import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { makeEnv } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import WebSocket from 'ws';
import { startServer } from './server.ts';
import { type Json, post } from './testHttp.ts';

const DIRECTIONS = ['left', 'down', 'right', 'up'];

describe('Gymnasium spaces on palestra serve frozen-lake', async () => {
  const server = await startServer(loadCatalog('frozen-lake'), { port: 0, maxSessions: 2 });
  after(() => server.close());

  test("GET /spaces: FrozenLake-v1's Discrete(4) and Discrete(16); /schema stays OpenEnv's SchemaResponse", async () => {
    assert.deepEqual(await (await fetch(`${server.url}/spaces`)).json(), {
      action: { type: 'Discrete', n: 4, start: 0 },
      observation: { type: 'Discrete', n: 16, start: 0 },
    });
    const schema = (await (await fetch(`${server.url}/schema`)).json()) as Json;
    assert.deepEqual(Object.keys(schema).sort(), ['action', 'observation', 'reset_observation', 'state']);
    // The action schema offers {space} beside the tool calls; observations document `space`.
    assert.ok(schema.action.oneOf.some((a: Json) => a.title === 'space'));
    assert.ok('space' in schema.observation.properties);
  });

  test('POST /step {"space": i} plays move(direction i); observations carry space = row * 4 + col', async () => {
    const lake = await makeEnv(loadCatalog('frozen-lake'));
    try {
      for (let i = 0; i < 4; i++) {
        const r = await post(server, '/step', { action: { space: i }, seed: 11 });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        lake.reset({ seed: 11 });
        const direct = lake.step({ tool: 'move', arguments: { direction: DIRECTIONS[i] } });
        assert.equal(r.body.observation.text, direct.observation.text);
        assert.equal(r.body.observation.space, direct.observation.json.position);
      }
    } finally {
      lake.close();
    }
    const reset = await post(server, '/reset', { seed: 3 });
    assert.equal(reset.body.observation.space, 0);
  });

  test('a value outside the action space is a 422 located under "space"', async () => {
    for (const [value, loc] of [
      [4, ['space']],
      [-1, ['space']],
      [1.5, ['space']],
      ['1', ['space']],
      [[1], ['space']],
    ] as const) {
      const r = await post(server, '/step', { action: { space: value } });
      assert.equal(r.status, 422, JSON.stringify(value));
      assert.deepEqual(r.body.detail[0].loc, loc);
      assert.match(r.body.detail[0].msg, /not in the action space .*Discrete/);
    }
    const extra = await post(server, '/step', { action: { space: 1, arguments: {} } });
    assert.equal(extra.status, 422);
    assert.deepEqual(extra.body.detail[0].loc, ['arguments']);
  });

  test('over /ws: reset and {"space": i} steps until the episode ends, each observation with its space', async () => {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const ask = (m: unknown) =>
      new Promise<Json>((resolve) => {
        ws.once('message', (raw) => resolve(JSON.parse(raw.toString())));
        ws.send(JSON.stringify(m));
      });
    try {
      let msg = await ask({ type: 'reset', data: { seed: 5 } });
      assert.equal(msg.data.observation.space, 0);
      let steps = 0;
      while (!msg.data.done) {
        msg = await ask({ type: 'step', data: { space: steps % 4 } });
        assert.equal(msg.type, 'observation', JSON.stringify(msg));
        const [, row, col] = /row (\d+), column (\d+)/.exec(msg.data.observation.text)!;
        assert.equal(msg.data.observation.space, Number(row) * 4 + Number(col));
        steps++;
      }
      assert.ok(steps > 0);
      const bad = await ask({ type: 'step', data: { space: 9 } });
      assert.equal(bad.type, 'error');
      assert.equal(bad.data.code, 'VALIDATION_ERROR');
      assert.deepEqual(bad.data.errors[0].loc, ['space']);
    } finally {
      ws.close();
    }
  });
});

describe('an environment without spaces (echo-target)', async () => {
  const source = loadCatalog('echo-target');
  const server = await startServer(source, { port: 0, maxSessions: 1 });
  after(() => server.close());

  test('GET /spaces offers Text spaces capped at the observation limit; observations have no space', async () => {
    const text = { type: 'Text', max_length: source.spec.limits.maxObservationBytes, charset: 'printable' };
    const action = { ...text, max_length: Math.floor((text.max_length - 16) / 2) };
    assert.deepEqual(await (await fetch(`${server.url}/spaces`)).json(), { action, observation: text });
    const schema = (await (await fetch(`${server.url}/schema`)).json()) as Json;
    assert.ok(!schema.action.oneOf.some((a: Json) => a.title === 'space'));
    const r = await post(server, '/reset', { seed: 1 });
    assert.equal('space' in r.body.observation, false);
  });

  test('{"space": …} is refused: the environment declares none', async () => {
    const r = await post(server, '/step', { action: { space: 0 } });
    assert.equal(r.status, 422);
    assert.deepEqual(r.body.detail[0].loc, ['space']);
    assert.match(r.body.detail[0].msg, /declares no Gymnasium spaces/);
  });
});
