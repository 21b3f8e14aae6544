import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type EnvHandle,
  type EnvSource,
  EnvStateError,
  envSource,
  openEnv,
  SandboxError,
} from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { HANG_FILES, HANG_SPEC } from '@palestra/testing/envs';
import { SharedHandles } from './sharedHandles.ts';

const closedEnv = (e: unknown) => e instanceof EnvStateError && e.code === 'ENV_CLOSED';

test('a handle given back is lent again instead of a new one; close closes what came back and what comes back later', async () => {
  const source = loadCatalog('echo-target');
  const opened: EnvHandle[] = [];
  const handles = new SharedHandles(async (s: EnvSource) => {
    const env = await openEnv(s, { isolate: false });
    opened.push(env);
    return env;
  });
  const first = await handles.open(source);
  first.reset({ seed: 1 });
  first.close();
  first.close(); // a second close gives nothing back twice
  const again = await handles.open(source);
  assert.equal(handles.opened, 1, 'the handle given back was lent again');
  const other = await handles.open(source);
  assert.equal(handles.opened, 2, 'a handle still lent is not lent twice');
  const r = again.reset({ seed: 2 });
  assert.equal(r.info.seed, 2);
  assert.throws(
    () => first.reset({ seed: 3 }),
    closedEnv,
    'a handle given back no longer reaches the one lent again',
  );

  other.close();
  handles.close();
  assert.throws(() => opened[1]!.reset({ seed: 0 }), closedEnv, 'an idle handle is closed with the set');
  again.reset({ seed: 4 }); // still lent: usable until given back
  again.close();
  assert.throws(() => opened[0]!.reset({ seed: 0 }), closedEnv, 'a handle given back after close is closed');
  await assert.rejects(handles.open(source), /closed/);
});

test('a handle whose worker was stopped (a hang) is recovered before it is lent again', async () => {
  const source = envSource(structuredClone(HANG_SPEC) as never, HANG_FILES);
  const handles = new SharedHandles((s) => openEnv(s));
  try {
    const env = await handles.open(source);
    env.reset({ seed: 0 });
    assert.throws(
      () => env.step({ tool: 'hang' }),
      (e: unknown) => e instanceof SandboxError && e.code === 'DEADLINE',
    );
    env.close(); // given back broken, as a rollout gives back a handle it discards
    const next = await handles.open(source);
    assert.equal(handles.opened, 1, 'the same handle, with a new worker');
    next.reset({ seed: 1 });
    const r = next.step({ tool: 'safe' });
    assert.equal(r.terminated, true);
    assert.equal(r.reward, 1);
    next.close();
  } finally {
    handles.close();
  }
});
