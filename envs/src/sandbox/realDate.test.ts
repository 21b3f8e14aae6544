import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalog } from '../../catalog/index.ts';
import { makeEnv } from '../kernel/env.ts';
import { envSource } from '../kernel/source.ts';
import type { Action } from '../kernel/types.ts';
import { makeIsolatedEnv } from './isolated.ts';

// The case from issue 11: a copy of frozen-lake-js whose slip is drawn from the intrinsic Date
// (`new (Date.prototype.constructor)()`) and from local time. It passed checks on some seeds and
// later failed replay with REPLAY_DIVERGED. Now the engine's clock is the logical one and its zone
// UTC, so the same seed and actions give the same episode under another TZ and host clock.
const lake = loadCatalog('frozen-lake-js');
const files = {
  'lake.js': lake.files['lake.js']!.replace(
    'const slip = Math.floor(Math.random() * 3) - 1;',
    'const R = Date.prototype.constructor;\n  const now = new R();\n  const slip = (((Math.floor(now.getTime() / 1000) + now.getHours() + now.getTimezoneOffset()) % 3) + 3) % 3 - 1;',
  ),
};
assert.notEqual(
  files['lake.js'],
  lake.files['lake.js'],
  'the slip line of lake.js changed: update this test',
);
const source = envSource(structuredClone(lake.spec), files);
const actions: Action[] = ['down', 'down', 'right', 'right', 'down', 'right', 'up', 'left'].map(
  (direction) => ({
    tool: 'move',
    arguments: { direction },
  }),
);

interface Host {
  tz: string;
  shiftMs: number;
}

async function episode(host: Host, isolated: boolean): Promise<unknown[]> {
  const savedTz = process.env.TZ;
  const hostNow = Date.now;
  process.env.TZ = host.tz;
  Date.now = () => hostNow() + host.shiftMs;
  const env = isolated ? await makeIsolatedEnv(source) : await makeEnv(source);
  try {
    const out: unknown[] = [env.reset({ seed: 11 })];
    for (const a of actions) {
      const r = env.step(a);
      out.push(r);
      if (r.terminated || r.truncated) break;
    }
    return out;
  } finally {
    env.close();
    Date.now = hostNow;
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  }
}

test('frozen-lake-js drawing from the intrinsic Date and local time replays under another TZ and host clock', async () => {
  const first = await episode({ tz: 'Pacific/Chatham', shiftMs: 3 * 365 * 86_400_000 + 1234 }, false);
  const again = await episode({ tz: 'UTC', shiftMs: 0 }, false);
  assert.ok(first.length > 2);
  assert.deepEqual(again, first);
});

test('… and in an isolated worker, whose host clock and TZ are its own process’s', async () => {
  const first = await episode({ tz: 'America/St_Johns', shiftMs: 0 }, true);
  const again = await episode({ tz: 'Asia/Kathmandu', shiftMs: 0 }, false);
  assert.deepEqual(again, first);
});
