import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundleId, ContentStore, loadCatalog, replay, resolveEpisodeEnv } from '@palestra/envs';
import type { WorkerEnv } from '@palestra/envs/browser';
import { type Action, makeEnv, parseEpisode, replayEpisode } from '@palestra/envs/core';
import { Simulator, type SimulatorEnv } from './simulator.ts';
import { SimulatorError } from './simulatorError.ts';

const lake = loadCatalog('frozen-lake');
const move = (direction: string): Action => ({ tool: 'move', arguments: { direction } });

/** The observations, rewards and states a fresh environment gives for `actions` from the same reset. */
async function direct(seed: number, actions: Action[]) {
  const env = await makeEnv(lake);
  env.reset({ seed, taskId: '4x4' });
  const out = actions.map((a) => {
    const r = env.step(a);
    return { observation: r.observation, rewardMicros: r.info.rewardMicros, state: r.info.state };
  });
  env.close();
  return out;
}

/** A view reduced to what `direct` returns. */
const seen = (v: { observation: unknown; rewardMicros: number; state: string[] }) => ({
  observation: v.observation,
  rewardMicros: v.rewardMicros,
  state: v.state,
});

test('play frozen-lake by hand, step back, fork and switch; each timeline records an episode that replays to its root', async () => {
  const root = await bundleId(lake);
  const sim = new Simulator(await makeEnv(lake), { root });
  const start = await sim.reset({ task: '4x4', seed: 7 });
  assert.equal(start.step, 0);
  assert.deepEqual(start.state, ['frozen']);
  assert.match(start.observation.text, /row 0, column 0/);

  const played = [move('right'), move('down'), move('right')];
  for (const a of played) await sim.step(a);
  assert.deepEqual(
    seen(sim.view()),
    (await direct(7, played))[2],
    'the simulator steps exactly as the kernel does',
  );

  // Back to step 2, then another action: the same as a fresh environment playing those two moves.
  const back = await sim.back();
  assert.equal(back.moved, true);
  assert.equal(back.view.step, 2);
  const replaced = await sim.step(move('left'));
  assert.deepEqual(seen(replaced), (await direct(7, [...played.slice(0, 2), move('left')]))[2]);
  assert.equal(sim.timelines()[0]!.length, 3, 'the step from step 2 replaced the old step 3');

  // Fork at step 1 and go another way on the new timeline.
  await sim.goTo(1);
  const fork = await sim.fork();
  assert.deepEqual(fork.parent, { id: 't1', step: 1 });
  assert.equal(fork.current, true);
  const t2 = [move('down'), move('down'), move('up')];
  for (const a of t2) await sim.step(a);
  assert.deepEqual([sim.view().timeline, sim.view().step], ['t2', 4]);
  assert.deepEqual(
    sim.path().map((p) => p.step),
    [0, 1, 2, 3, 4],
  );
  const t2Record = sim.record();

  // Back on t1: its cursor is where it was left (step 1), its steps are its own.
  const t1View = await sim.switchTo('t1');
  assert.equal(t1View.step, 1);
  assert.equal(sim.timelines().find((t) => t.current)!.id, 't1');
  await sim.goTo(3);
  const t1Record = sim.record();
  assert.notEqual(t1Record.root, t2Record.root);

  for (const [record, actions] of [
    [t1Record, [played[0]!, played[1]!, move('left')]],
    [t2Record, [played[0]!, ...t2]],
  ] as const) {
    const episode = parseEpisode(record.text);
    assert.deepEqual(
      episode.steps.map((s) => s.action),
      actions,
    );
    assert.equal(episode.header.spec.root, root);
    assert.equal(episode.header.agent, 'human');
    const core = await replayEpisode(lake, episode);
    const node = await replay(lake, episode);
    assert.equal(core.root, record.root);
    assert.equal(node.root, record.root);
    assert.equal(core.steps, actions.length);
  }

  // The header's root is how `palestra replay` finds the environment: here, the catalog's.
  const dir = mkdtempSync(join(tmpdir(), 'sim-store-'));
  try {
    const found = await resolveEpisodeEnv(parseEpisode(t1Record.text).header, {
      store: new ContentStore(dir),
    });
    assert.equal(found.from, 'catalog');
    assert.equal(found.source.spec.name, 'frozen-lake');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('back at step 0 is a no-op that says so; before reset every call is refused with the order error', async () => {
  const sim = new Simulator(await makeEnv(lake));
  await assert.rejects(sim.back(), { code: 'STEP_BEFORE_RESET' });
  assert.throws(() => sim.record(), { code: 'STEP_BEFORE_RESET' });
  const start = await sim.reset({ task: 0, seed: 3 });
  const r = await sim.back();
  assert.equal(r.moved, false);
  assert.ok(!r.moved && /step 0/.test(r.reason));
  assert.deepEqual(r.view, start);
  // Still playable, and the record has the header only.
  const record = sim.record();
  assert.equal(record.steps, 0);
  assert.equal(record.text.trim().split('\n').length, 1);
  assert.equal((await replayEpisode(lake, parseEpisode(record.text))).root, record.root);
  await assert.rejects(
    sim.switchTo('t9'),
    (e: unknown) => e instanceof SimulatorError && e.code === 'TIMELINE_NOT_FOUND',
  );
  await assert.rejects(sim.goTo(1), { code: 'TIMELINE_STEP_OUT_OF_RANGE' });
  // A new reset drops the old episode's timelines; one that throws leaves no episode behind.
  await sim.fork();
  await sim.reset({ seed: 4 });
  assert.deepEqual(
    sim.timelines().map((t) => t.id),
    ['t1'],
  );
  await assert.rejects(sim.reset({ task: 'no-such-task' }));
  assert.throws(() => sim.view(), { code: 'STEP_BEFORE_RESET' });
});

test('a forked timeline is independent of its parent after diverging', async () => {
  const sim = new Simulator(await makeEnv(lake));
  await sim.reset({ task: '4x4', seed: 11 });
  await sim.step(move('right'));
  const parentBefore = sim.record();
  const parentView = sim.view();
  await sim.fork();
  await sim.step(move('down'));
  await sim.step(move('down'));
  // The parent is untouched: same view, same record, and it goes on as a fresh env would.
  const back = await sim.switchTo('t1');
  assert.deepEqual({ ...back, timeline: 't1' }, parentView);
  assert.equal(sim.record().text, parentBefore.text);
  const next = await sim.step(move('left'));
  assert.deepEqual(seen(next), (await direct(11, [move('right'), move('left')]))[1]);
  // And the child still holds its own two steps.
  const child = await sim.switchTo('t2');
  assert.equal(child.step, 3);
  assert.deepEqual(
    parseEpisode(sim.record().text).steps.map((s) => s.action),
    [move('right'), move('down'), move('down')],
  );
  assert.deepEqual(
    sim.timelines().map((t) => [t.id, t.length, t.current]),
    [
      ['t1', 2, false],
      ['t2', 3, true],
    ],
  );
});

test('an invalid action is a step with its error; argumentErrors checks arguments as the kernel does', async () => {
  const sim = new Simulator(await makeEnv(lake));
  await sim.reset({ seed: 1 });
  assert.equal(sim.argumentErrors('move', { direction: 'down' }), undefined);
  const bad = sim.argumentErrors('move', { direction: 'sideways' });
  assert.equal(bad?.code, 'INVALID_ARGUMENTS');
  assert.deepEqual(
    bad?.fields.map((f) => f.path),
    ['/direction'],
  );
  assert.match(bad!.fields[0]!.message, /allowed values.*left, down, right, up/);
  assert.deepEqual(
    sim.argumentErrors('move', {})?.fields.map((f) => f.path),
    ['(arguments)'],
  );
  assert.equal(sim.argumentErrors('jump', {})?.code, 'UNKNOWN_TOOL');

  const v = await sim.step({ tool: 'move', arguments: { direction: 'sideways' } });
  assert.equal(v.invalidAction?.code, 'INVALID_ARGUMENTS');
  assert.equal(v.step, 1);
  assert.deepEqual(v.state, ['frozen']);
  const record = sim.record();
  assert.equal((await replayEpisode(lake, parseEpisode(record.text))).root, record.root);
});

test('a step the environment throws on ends the timeline as a failure that replays; back goes on from before it', async () => {
  const sim = new Simulator(await makeEnv(lake));
  await sim.reset({ seed: 2 });
  await sim.step(move('down'));
  const huge = { text: 'x'.repeat(lake.spec.limits.maxObservationBytes + 1) };
  const failed = await sim.step(huge);
  assert.equal(failed.error?.code, 'ACTION_TOO_LARGE');
  assert.equal(failed.error?.fault, 'agent');
  // The typed error's hint comes with the view, for the page to show (it is not in the record).
  assert.match(failed.error?.hint ?? '', /keep tool arguments and replies under/);
  assert.equal(failed.done, true);
  await assert.rejects(sim.step(move('down')), { code: 'STEP_AFTER_FAILURE' });
  assert.equal(sim.path().length, 2, 'a failed step lights no state');

  const record = sim.record();
  assert.equal(record.ended, true);
  const episode = parseEpisode(record.text);
  assert.equal(episode.failure?.error.code, 'ACTION_TOO_LARGE');
  assert.equal('hint' in (episode.failure?.error ?? {}), false);
  const replayed = await replayEpisode(lake, episode);
  assert.equal(replayed.root, record.root);
  assert.equal(replayed.failure?.hash, record.root);

  const back = await sim.back();
  assert.equal(back.view.step, 1);
  const again = await sim.step(move('right'));
  assert.deepEqual(seen(again), (await direct(2, [move('down'), move('right')]))[1]);
});

test('an environment with modules plays, steps back and forks the same way, and a WorkerEnv fits the handle', async () => {
  // Type-level: the browser's WorkerEnv is a SimulatorEnv (this line fails to compile otherwise).
  const fits = (env: WorkerEnv): SimulatorEnv => env;
  assert.equal(typeof fits, 'function');
  const lakeJs = loadCatalog('frozen-lake-js');
  const env = await makeEnv(lakeJs);
  const sim = new Simulator(env);
  await sim.reset({ seed: 5 });
  await sim.step(move('right'));
  await sim.step(move('down'));
  await sim.back();
  await sim.fork();
  const forked = await sim.step(move('right'));
  const fresh = await makeEnv(lakeJs);
  fresh.reset({ seed: 5 });
  fresh.step(move('right'));
  assert.deepEqual(forked.observation, fresh.step(move('right')).observation);
  fresh.close();
  const record = sim.record();
  assert.equal((await replay(lakeJs, parseEpisode(record.text))).root, record.root);
  env.close();
});
