import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadCatalog } from '../../catalog/index.ts';
import { PalestraError, RecordError, ReplayDivergence } from '../errors.ts';
import { makeEnv } from '../kernel/env.ts';
import type { EnvHandle } from '../kernel/open.ts';
import { openEnv } from '../kernel/open.ts';
import { type EnvSource, envSource } from '../kernel/source.ts';
import type { Action } from '../kernel/types.ts';
import { chainHash } from './hash.ts';
import { parseEpisode } from './parseEpisode.ts';
import { readEpisode } from './reader.ts';
import { replay } from './replay.ts';
import { EpisodeWriter } from './writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-failure-'));
const lake = loadCatalog('frozen-lake');
const left: Action = { tool: 'move', arguments: { direction: 'left' } };
const TURN = { model: 'test', completion: 'move left' };

/** frozen-lake paying `perStep` with bounds [0, max]: the step after the return passes `max` fails. */
function overpaying(perStep: number, max: number): EnvSource {
  const spec = structuredClone(lake.spec) as unknown as Record<string, unknown>;
  spec.reward = { rules: [{ perStep }], bounds: { min: 0, max } };
  return envSource(spec, {});
}

/** Plays `left` until a step throws, recording it the way a rollout does; returns the file. */
async function recordFailure(source: EnvSource, name: string, env?: EnvHandle): Promise<string> {
  const e = env ?? (await makeEnv(source));
  const path = join(dir, `${name}.jsonl`);
  const w = new EpisodeWriter(path, { spec: source.spec, seed: 0, agent: 'test' }, e.reset({ seed: 0 }));
  try {
    for (;;) {
      let r: ReturnType<EnvHandle['step']>;
      try {
        r = e.step(left);
      } catch (err) {
        if (!(err instanceof PalestraError)) throw err;
        w.failStep(left, err, TURN);
        break;
      }
      w.step(left, r);
      assert.ok(!r.terminated && !r.truncated, 'the episode must fail before it ends');
    }
  } finally {
    w.close();
    if (!env) e.close();
  }
  return path;
}

const lines = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n');
const corrupt = (line: number) => (e: unknown) =>
  e instanceof RecordError && e.code === 'RECORD_CORRUPT' && e.details.line === line;

describe('a failed step is recorded and replayable', () => {
  test('+5 per step, bounds [0, 1]: the failure line keeps the action and the error; the footer keeps the error', async () => {
    const path = await recordFailure(overpaying(5, 1), 'first-step');
    const ep = readEpisode(path);
    assert.equal(ep.steps.length, 0);
    assert.ok(ep.failure);
    assert.equal(ep.failure.i, 1);
    assert.deepEqual(ep.failure.action, left);
    assert.deepEqual(ep.failure.turn, TURN);
    assert.equal(ep.failure.error.code, 'REWARD_OUT_OF_BOUNDS');
    assert.equal(ep.failure.error.fault, 'environment');
    assert.match(ep.failure.error.message, /\$\.reward\.bounds: after step 1 the return is 5/);
    assert.deepEqual(ep.footer!.error, ep.failure.error);
    assert.equal(ep.footer!.length, 0);
    assert.equal(ep.footer!.return, 0);
    assert.equal(ep.footer!.root, ep.failure.hash);
    assert.deepEqual([ep.footer!.terminated, ep.footer!.truncated], [false, false]);
    const r = await replay(overpaying(5, 1), ep);
    assert.equal(r.root, ep.footer!.root);
    assert.deepEqual(r.failure, ep.failure);
    assert.equal(r.complete, true);
  });

  test('a failure after completed steps: length and return count only the completed ones', async () => {
    const path = await recordFailure(overpaying(0.1, 0.3), 'fourth-step');
    const ep = readEpisode(path);
    assert.equal(ep.steps.length, 3);
    assert.equal(ep.failure!.i, 4);
    assert.equal(ep.footer!.return, 300_000);
    const r = await replay(overpaying(0.1, 0.3), ep);
    assert.equal(r.root, ep.footer!.root);
    // Replaying up to a step before the failure does not run it.
    const part = await replay(overpaying(0.1, 0.3), ep, { upTo: 2 });
    assert.equal(part.failure, undefined);
    assert.equal(part.complete, false);
  });

  test('in the isolated env: recorded there, replayed there and in-process, same root', async () => {
    const source = overpaying(5, 1);
    const iso = await openEnv(source, { isolate: true });
    const path = await recordFailure(source, 'isolated', iso);
    iso.close();
    const ep = readEpisode(path);
    assert.equal(ep.failure!.error.code, 'REWARD_OUT_OF_BOUNDS');
    const again = await replay(source, ep, { isolate: true });
    assert.equal(again.root, ep.footer!.root);
    const local = await replay(source, ep, { isolate: false });
    assert.equal(local.root, ep.footer!.root);
  });

  test('replay requires the same error: none, or another message, is a divergence in field "error"', async () => {
    const ep = readEpisode(await recordFailure(overpaying(5, 1), 'diverge'));
    for (const source of [overpaying(5, 10), overpaying(5, 2)])
      await assert.rejects(replay(source, ep), (e: unknown) => {
        assert.ok(e instanceof ReplayDivergence);
        assert.equal(e.field, 'error');
        assert.equal(e.step, 1);
        return true;
      });
  });

  test('no step can follow a failure in the writer', async () => {
    const env = await makeEnv(overpaying(5, 1));
    const w = new EpisodeWriter(
      join(dir, 'after.jsonl'),
      { spec: lake.spec, seed: 0, agent: 't' },
      env.reset({ seed: 0 }),
    );
    w.failStep(left, { code: 'X', message: 'x' });
    assert.throws(
      () => w.step(left, { info: { rewardMicros: 0 } } as never),
      (e: unknown) => e instanceof RecordError && e.code === 'EPISODE_FAILED',
    );
    w.close();
    env.close();
  });

  test('records whose footer error has no fault (before failure lines) still read: the fault is derived', async () => {
    const path = await recordFailure(overpaying(0.1, 0.3), 'legacy');
    const ls = lines(path);
    ls.splice(ls.length - 2, 1); // drop the failure line
    const footer = JSON.parse(ls[ls.length - 1]!);
    footer.root = JSON.parse(ls[ls.length - 2]!).hash;
    delete footer.error.fault;
    ls[ls.length - 1] = JSON.stringify(footer);
    const ep = parseEpisode(`${ls.join('\n')}\n`, 'legacy');
    assert.equal(ep.failure, undefined);
    assert.equal(ep.footer!.error!.fault, 'environment');
    assert.equal((await replay(overpaying(0.1, 0.3), ep)).steps, 3);
  });
});

describe('a forged failure line is corrupt', () => {
  /** The failure-first-step record as lines, and a way to re-hash a changed failure line and its footer. */
  async function forge(change: (failure: Record<string, unknown>) => void): Promise<string> {
    const ls = lines(await recordFailure(overpaying(5, 1), `forge-${Math.random()}`));
    const header = JSON.parse(ls[0]!);
    const { hash: _, ...body } = JSON.parse(ls[1]!);
    change(body);
    const hash = chainHash(header.hash, body);
    const footer = JSON.parse(ls[2]!);
    footer.root = hash;
    if (body.error) footer.error = body.error;
    return [ls[0], JSON.stringify({ ...body, hash }), JSON.stringify(footer)].join('\n');
  }

  test('a changed error without a new hash', async () => {
    const ls = lines(await recordFailure(overpaying(5, 1), 'tampered'));
    ls[1] = ls[1]!.replace('REWARD_OUT_OF_BOUNDS', 'OBSERVATION_TOO_LARGE');
    assert.throws(() => parseEpisode(ls.join('\n'), 'tampered'), corrupt(2));
  });

  test('an environment fault relabelled as an agent fault (re-hashed): the fault is the code’s', async () => {
    const text = await forge((f) => {
      (f.error as { fault: string }).fault = 'agent';
    });
    assert.throws(
      () => parseEpisode(text, 'relabelled'),
      (e: unknown) => corrupt(2)(e) && /environment fault, not an agent one/.test((e as Error).message),
    );
  });

  test('a missing action, an unknown field, a wrong step number (all re-hashed)', async () => {
    for (const change of [
      (f: Record<string, unknown>) => delete f.action,
      (f: Record<string, unknown>) => (f.reward = 5),
      (f: Record<string, unknown>) => (f.i = 2),
    ]) {
      const text = await forge(change);
      assert.throws(() => parseEpisode(text, 'forged'), corrupt(2));
    }
  });

  test('a footer whose error is not the failure line’s, and a line after the failure line', async () => {
    const ls = lines(await recordFailure(overpaying(5, 1), 'footer'));
    const footer = JSON.parse(ls[2]!);
    footer.error.message = 'something else';
    assert.throws(() => parseEpisode([ls[0], ls[1], JSON.stringify(footer)].join('\n'), 'f'), corrupt(3));
    // Steps 1-3, then the failure of step 4: forge a failure of step 3 (re-hashed onto step 2)
    // and keep step 3 after it.
    const ls3 = lines(await recordFailure(overpaying(0.1, 0.3), 'steps'));
    const { hash: _, ...failure } = JSON.parse(ls3[4]!);
    failure.i = 3;
    const hash = chainHash(JSON.parse(ls3[2]!).hash, failure);
    const forged = [ls3[0], ls3[1], ls3[2], JSON.stringify({ ...failure, hash }), ls3[3], ls3[5]];
    assert.throws(
      () => parseEpisode(forged.join('\n'), 'after'),
      (e: unknown) => corrupt(5)(e) && /after the failure line/.test((e as Error).message),
    );
  });
});

describe('reader limits: every line is checked before it is parsed', () => {
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

  test('a forged 100,000-deep line is RECORD_CORRUPT with its line number, never a RangeError', async () => {
    const ls = lines(await recordFailure(overpaying(0.1, 0.3), 'deep'));
    for (const [at, text] of [
      [2, [ls[0], deep(100_000), ...ls.slice(2)].join('\n')],
      [2, [ls[0], `{"kind":"step","i":1,"action":${deep(100_000)}}`, ...ls.slice(2)].join('\n')],
      [ls.length + 1, [...ls, deep(100_000)].join('\n')], // as a torn last line too
    ] as const)
      assert.throws(
        () => parseEpisode(text, 'deep'),
        (e: unknown) =>
          corrupt(at)(e) &&
          (e as RecordError).details.input === 'INPUT_TOO_DEEP' &&
          new RegExp(`^deep:${at}: the line nests deeper than 128 levels`).test((e as Error).message),
      );
  });

  test('a line that is JSON but not an object is corrupt, not a TypeError', async () => {
    const ls = lines(await recordFailure(overpaying(0.1, 0.3), 'null'));
    assert.throws(() => parseEpisode([ls[0], 'null', ...ls.slice(2)].join('\n'), 'n'), corrupt(2));
  });
});
