import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalog } from '../../catalog/index.ts';
import { EnvStateError } from '../errors.ts';
import type { Action } from './types.ts';
import { type AutoresetMode, VectorEnv } from './vector.ts';

const echo = loadCatalog('echo-target'); // every episode ends after one echo
const say = (w: string): Action => ({ tool: 'echo', arguments: { word: w } });

async function vec(mode: AutoresetMode, n = 3) {
  return VectorEnv.create(echo, n, mode);
}

describe('VectorEnv autoreset modes (Gymnasium semantics)', () => {
  test('next-step: the step after the end resets that sub-env, ignores its action, reward 0', async () => {
    const v = await vec('next-step');
    v.reset({ seed: 5 });
    const a = v.step([say('a'), say('b'), say('c')]);
    assert.deepEqual(a.terminated, [true, true, true]);
    const b = v.step([say('a'), say('b'), say('c')]);
    assert.deepEqual(b.terminated, [false, false, false]);
    assert.deepEqual([...b.rewards], [0, 0, 0]);
    assert.ok(
      b.infos.every((i) => i.reset !== undefined),
      'the reset info is reported',
    );
    assert.ok(
      b.observations.every((o) => !o.text.includes('You said')),
      'reset observations',
    );
    const c = v.step([say('a'), say('b'), say('c')]);
    assert.deepEqual(c.terminated, [true, true, true], 'the new episodes run');
    v.close();
  });

  test('same-step: an ending sub-env resets at once; the last observation is in finalObservation', async () => {
    const v = await vec('same-step');
    v.reset({ seed: 5 });
    const a = v.step([say('a'), say('b'), say('c')]);
    assert.deepEqual(a.terminated, [true, true, true]);
    for (const [i, info] of a.infos.entries()) {
      assert.match(info.finalObservation!.text, /You said/);
      assert.doesNotMatch(a.observations[i]!.text, /You said/);
    }
    v.close();
  });

  test('disabled: stepping an ended sub-env throws until resetDone()', async () => {
    const v = await vec('disabled', 2);
    v.reset({ seed: 1 });
    v.step([say('a'), say('b')]);
    assert.throws(
      () => v.step([say('a'), say('b')]),
      (e: unknown) => e instanceof EnvStateError && e.code === 'STEP_AFTER_END',
    );
    const infos = v.resetDone();
    assert.equal(infos.filter(Boolean).length, 2);
    assert.doesNotThrow(() => v.step([say('a'), say('b')]));
    v.close();
  });

  test('sub-env i gets seed + i, and the whole run is reproducible', async () => {
    const run = async () => {
      const v = await vec('next-step', 4);
      const r = v.reset({ seed: 9 });
      const out: unknown[] = [r.infos.map((i) => i.seed)];
      for (let k = 0; k < 6; k++) out.push(v.step(['apple', 'river', 'stone', 'cloud'].map(say)));
      v.close();
      return out;
    };
    const a = await run();
    assert.deepEqual(a[0], [9, 10, 11, 12]);
    assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(await run())));
  });

  test('step before reset and a wrong number of actions are refused', async () => {
    const v = await vec('next-step', 2);
    assert.throws(() => v.step([say('a'), say('b')]), EnvStateError);
    v.reset({ seed: 0 });
    assert.throws(() => v.step([say('a')]), RangeError);
    v.close();
  });
});
