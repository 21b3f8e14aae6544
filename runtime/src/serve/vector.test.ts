import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { type Env, makeEnv } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { type EnvServer, startServer } from './server.ts';
import { type Json, post } from './testHttp.ts';

const DIRECTIONS = ['left', 'down', 'right', 'up'];
const lake = loadCatalog('frozen-lake');

/** The observation a sub-env reported is the reference env's: same text, space = its position. */
function same(wire: Json, ref: { text: string; json: Record<string, unknown> }, what: string) {
  assert.equal(wire.text, ref.text, what);
  assert.equal(wire.space, ref.json.position, what);
}

/**
 * Plays `steps` vector steps of `n` sub-envs (sub-env i plays action (i + t) % 4 at step t) and
 * checks every answer against one kernel env per sub-env, reset with the seed each reset reports:
 * Gymnasium 1.x's autoreset semantics for `mode`. Returns how many episodes ended.
 */
async function playAgainstKernel(server: EnvServer, mode: string, n: number, seed: number, steps: number) {
  const refs: Env[] = [];
  for (let i = 0; i < n; i++) refs.push(await makeEnv(lake));
  let ended = 0;
  let id: string | undefined;
  try {
    const reset = await post(server, '/vector/reset', { n, seed, autoreset_mode: mode });
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    id = reset.body.vector_id as string;
    for (let i = 0; i < n; i++) {
      assert.equal(reset.body.infos[i].seed, seed + i, 'sub-env i is seeded seed + i');
      same(reset.body.observations[i], refs[i]!.reset({ seed: seed + i }).observation, `reset ${i}`);
    }
    const pending = new Array<boolean>(n).fill(false); // next_step: reset on the next call
    const done = new Array<boolean>(n).fill(false); // disabled: waiting for a masked reset
    for (let t = 0; t < steps; t++) {
      if (done.some(Boolean)) {
        // Autoreset disabled: an ended sub-env cannot step; a masked reset resets only it.
        const refused = await post(server, '/vector/step', {
          vector_id: id,
          actions: refs.map((_, i) => ({ space: (i + t) % 4 })),
        });
        assert.equal(refused.status, 422);
        assert.deepEqual(refused.body.detail[0].loc, ['body', 'actions', done.indexOf(true)]);
        const r = await post(server, '/vector/reset', { vector_id: id, mask: done });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        for (let i = 0; i < n; i++) {
          if (!done[i]) {
            assert.deepEqual(r.body.infos[i], {}, 'an unmasked sub-env is not reset');
            continue;
          }
          same(
            r.body.observations[i],
            refs[i]!.reset({ seed: r.body.infos[i].seed }).observation,
            `masked ${i}`,
          );
          done[i] = false;
        }
      }
      const actions = refs.map((_, i) => ({ space: (i + t) % 4 }));
      const r = await post(server, '/vector/step', { vector_id: id, actions });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const { observations, rewards, terminations, truncations, infos } = r.body;
      for (let i = 0; i < n; i++) {
        const what = `step ${t}, sub-env ${i} (${mode})`;
        if (pending[i]) {
          // next_step: the action is ignored; the reset observation, reward 0, not done.
          assert.equal(rewards[i], 0, what);
          assert.equal(terminations[i], false, what);
          assert.equal(truncations[i], false, what);
          assert.equal(observations[i].step, 0, what);
          same(observations[i], refs[i]!.reset({ seed: infos[i].seed }).observation, what);
          pending[i] = false;
          continue;
        }
        const s = refs[i]!.step({ tool: 'move', arguments: { direction: DIRECTIONS[(i + t) % 4]! } });
        assert.equal(rewards[i], s.reward, what);
        assert.equal(terminations[i], s.terminated, what);
        assert.equal(truncations[i], s.truncated, what);
        const over = s.terminated || s.truncated;
        if (over) ended++;
        if (over && mode === 'same_step') {
          // Reset in the same call: the last observation is in final_obs, the new episode's first is returned.
          same(infos[i].final_obs, s.observation, `${what}: final_obs`);
          assert.deepEqual(infos[i].final_info, {});
          assert.equal(observations[i].step, 0, what);
          same(observations[i], refs[i]!.reset({ seed: infos[i].seed }).observation, `${what}: reset`);
          continue;
        }
        same(observations[i], s.observation, what);
        assert.deepEqual(infos[i], {}, what);
        if (over && mode === 'next_step') pending[i] = true;
        if (over && mode === 'disabled') done[i] = true;
      }
    }
    const closed = await post(server, '/vector/close', { vector_id: id });
    assert.deepEqual(closed.body, { vector_id: id, closed: true });
    id = undefined;
  } finally {
    for (const r of refs) r.close();
    // A failed check leaves no vector holding a slot for the next test.
    if (id) await post(server, '/vector/close', { vector_id: id });
  }
  return ended;
}

describe('POST /vector/* on palestra serve frozen-lake', async () => {
  const server = await startServer(lake, { port: 0, maxSessions: 2 });
  after(() => server.close());

  for (const mode of ['next_step', 'same_step', 'disabled']) {
    test(`autoreset ${mode}: every sub-env's step is the kernel's, with Gymnasium's reset rule`, async () => {
      const ended = await playAgainstKernel(server, mode, 3, 40, 40);
      assert.ok(ended >= 3, `only ${ended} episodes ended: the autoreset path was hardly run`);
      assert.equal(server.activeSessions, 0, 'the closed vector gave its slot back');
    });
  }

  test('a vector holds one slot; bad bodies are 422 before any sub-env moves; closed vectors are 404', async () => {
    const a = await post(server, '/vector/reset', { n: 2, seed: 1 });
    assert.equal(server.activeSessions, 1);
    const id = a.body.vector_id;
    for (const [actions, loc] of [
      [[{ space: 0 }], ['body', 'actions']],
      [
        [{ space: 0 }, { space: 4 }],
        ['body', 'actions', 1, 'space'],
      ],
      [
        [{ space: 0 }, { type: 'list_tools' }],
        ['body', 'actions', 1],
      ],
      [
        [{ space: 0 }, { tool: 'fly' }],
        ['body', 'actions', 1, 'tool'],
      ],
    ] as const) {
      const r = await post(server, '/vector/step', { vector_id: id, actions });
      assert.equal(r.status, 422, JSON.stringify(actions));
      assert.deepEqual(r.body.detail[0].loc, loc, JSON.stringify(r.body));
    }
    // Nothing moved: the first step still starts from the reset observations.
    const s = await post(server, '/vector/step', { vector_id: id, actions: [{ space: 0 }, { space: 0 }] });
    assert.deepEqual(
      s.body.observations.map((o: Json) => o.step),
      [1, 1],
    );
    assert.equal(
      (await post(server, '/vector/reset', { seed: 1 })).status,
      422,
      'n is required for a new vector',
    );
    assert.equal((await post(server, '/vector/reset', { vector_id: id, n: 3 })).status, 422);
    const again = await post(server, '/vector/reset', { vector_id: id, seed: 9 });
    assert.deepEqual(
      again.body.infos.map((i: Json) => i.seed),
      [9, 10],
    );
    const b = await post(server, '/vector/reset', { n: 1, seed: 2 });
    assert.equal(b.status, 200);
    const full = await post(server, '/vector/reset', { n: 1, seed: 3 });
    assert.equal(full.status, 503, 'two slots: a third holder is refused');
    await post(server, '/vector/close', { vector_id: b.body.vector_id });
    await post(server, '/vector/close', { vector_id: id });
    assert.equal(server.activeSessions, 0);
    const gone = await post(server, '/vector/step', { vector_id: id, actions: [{ space: 0 }, { space: 0 }] });
    assert.equal(gone.status, 404);
    assert.match(gone.body.detail, /no vector/);
  });
});

test('an idle vector expires like a session, and a late request is told so', async () => {
  const server = await startServer(lake, { port: 0, maxSessions: 1, idleTimeoutS: 0.05 });
  try {
    const a = await post(server, '/vector/reset', { n: 1, seed: 0 });
    // The slot comes back when the idle timer fires (polled, with a bound).
    for (let i = 0; i < 200 && server.activeSessions > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.activeSessions, 0);
    const late = await post(server, '/vector/step', { vector_id: a.body.vector_id, actions: [{ space: 1 }] });
    assert.equal(late.status, 404);
    assert.match(late.body.detail, /expired: no request for 0.05 s/);
  } finally {
    await server.close();
  }
});
