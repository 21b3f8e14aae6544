// Saving an episode played in the simulator: frozen-lake played by hand with the real Simulator,
// saved through the real store and PGlite, then verified by the real `palestra replay`; forged,
// damaged and foreign records refused with their codes, writing nothing. Real parts throughout.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Action, makeEnv, parseEpisode, type StepResult } from '@palestra/envs/core';
import { recordTimeline } from '../app/sim/recordTimeline.ts';
import { Simulator } from '../app/sim/simulator.ts';
import type { StudioContext } from './context.ts';
import { type OpenedDatabase, openDatabase } from './db/openDatabase.ts';
import { createRepository } from './db/repository.ts';
import { environmentSource } from './environmentSource.ts';
import { EPISODE_FILE, MAX_EPISODE_BYTES, saveEpisode, saveEpisodeFromRequest } from './saveEpisode.ts';

const cli = fileURLToPath(new URL('../../runtime/bin/palestra.js', import.meta.url));
const move = (direction: string): Action => ({ tool: 'move', arguments: { direction } });

let tmp: string;
let db: OpenedDatabase;
let studio: StudioContext;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'palestra-save-episode-'));
  db = await openDatabase({ dir: join(tmp, 'db') });
  // The CLI's own layout under the folder it runs in: `palestra replay` finds the store there.
  studio = {
    repo: createRepository(db.db),
    storeDir: join(tmp, '.palestra', 'store'),
    runsDir: join(tmp, '.palestra', 'runs'),
  };
});

after(async () => {
  await db.close();
  await rm(tmp, { recursive: true, force: true });
});

/** Plays `actions` on environment `ref` as the simulate page does, and returns the record's text. */
async function play(ref: string, task: string, actions: Action[]): Promise<string> {
  const loaded = await environmentSource(studio, ref);
  assert.ok(loaded, ref);
  const sim = new Simulator(await makeEnv(loaded), { root: loaded.root });
  await sim.reset({ task, seed: 3 });
  for (const a of actions) await sim.step(a);
  const { text } = sim.record();
  sim.env.close();
  return text;
}

const runFolders = () => (existsSync(studio.runsDir) ? readdirSync(studio.runsDir) : []);

test('a played frozen-lake episode is saved as a run and `palestra replay` verifies it', async () => {
  const text = await play('frozen-lake', '4x4', [move('right'), move('down'), move('left')]);
  const out = await saveEpisode(studio, {
    ref: 'frozen-lake',
    text,
    now: new Date('2026-12-06T16:41:31.123Z'),
    id: 'abcd1234',
  });
  assert.ok(out.ok, JSON.stringify(!out.ok && out.problem));
  const dir = join(studio.runsDir, 'simulate-frozen-lake-20261206T164131Z-abcd1234');
  assert.deepEqual(readdirSync(dir), [EPISODE_FILE], 'the episode file alone, no temp file left');
  assert.equal(readFileSync(join(dir, EPISODE_FILE), 'utf8'), text);
  assert.equal(out.saved.steps, 3);
  assert.equal(out.saved.command, `palestra replay ${join(dir, EPISODE_FILE)}`);

  const runs = await studio.repo.listRuns();
  assert.equal(runs.length, 1);
  assert.equal(runs[0]?.kind, 'simulate');
  assert.equal(runs[0]?.folder, out.saved.folder);
  assert.equal(runs[0]?.envRoot, (await environmentSource(studio, 'frozen-lake'))?.root);
  assert.equal(runs[0]?.environmentId, null);

  // The real CLI, from the folder whose .palestra/store holds the environment.
  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'replay', join(dir, EPISODE_FILE)], {
    cwd: tmp,
    env: { ...process.env, NO_COLOR: '1' },
  });
  assert.match(stdout, /verified: 3 steps re-executed bit for bit/);
});

test('a studio environment saves its runs under its id', async () => {
  const root = (await environmentSource(studio, 'frozen-lake'))!.root;
  const env = await studio.repo.createEnvironment({ name: 'my lake!', source: 'import', root });
  const text = await play(env.id, '4x4', [move('down')]);
  const out = await saveEpisode(studio, { ref: env.id, text });
  assert.ok(out.ok, JSON.stringify(!out.ok && out.problem));
  assert.match(out.saved.folder, /simulate-my-lake-\d{8}T\d{6}Z-[0-9a-f]{8}$/);
  assert.deepEqual(
    (await studio.repo.listRuns({ environmentId: env.id })).map((r) => r.folder),
    [out.saved.folder],
  );
});

test('a record with one byte changed, of another environment, or forged is refused, and nothing is written', async () => {
  const before = runFolders();
  const text = await play('frozen-lake', '4x4', [move('right'), move('down')]);

  // One byte of step 1's observation changed: the hash chain breaks.
  const at = text.indexOf('column', text.indexOf('\n'));
  const damaged = `${text.slice(0, at)}C${text.slice(at + 1)}`;
  const corrupt = await saveEpisode(studio, { ref: 'frozen-lake', text: damaged });
  assert.equal(!corrupt.ok && corrupt.problem.code, 'RECORD_CORRUPT');
  assert.equal(!corrupt.ok && corrupt.problem.status, 400);

  // The record cut inside its last line.
  const cut = await saveEpisode(studio, { ref: 'frozen-lake', text: text.slice(0, -10) });
  assert.equal(!cut.ok && cut.problem.code, 'RECORD_CORRUPT');

  // A valid record of tally is not one of frozen-lake.
  const tally = await play('tally', 'count-42', [{ tool: 'click', arguments: { times: 2 } }]);
  const foreign = await saveEpisode(studio, { ref: 'frozen-lake', text: tally });
  assert.equal(!foreign.ok && foreign.problem.code, 'ENV_CHANGED');

  // A forged record: a whole, well-chained file whose step 1 claims a reward the lake never gave.
  const loaded = (await environmentSource(studio, 'frozen-lake'))!;
  const env = await makeEnv(loaded);
  const reset = env.reset({ seed: 3, taskId: '4x4' });
  const real = env.step(move('right'));
  env.close();
  const claimed: StepResult = {
    ...real,
    reward: 1,
    info: { ...real.info, rewardMicros: 1_000_000 },
  };
  const forged = recordTimeline(
    {
      spec: { name: 'frozen-lake', version: loaded.spec.version, root: loaded.root },
      seed: 3,
      agent: 'human',
    },
    reset,
    [{ action: move('right'), result: claimed }],
  ).text;
  parseEpisode(forged); // the file itself is sound: only replaying it finds the lie
  const lie = await saveEpisode(studio, { ref: 'frozen-lake', text: forged });
  assert.equal(!lie.ok && lie.problem.code, 'REPLAY_DIVERGED');
  assert.ok(!lie.ok && lie.problem.hint);

  const missing = await saveEpisode(studio, { ref: 'nope', text });
  assert.equal(!missing.ok && missing.problem.status, 404);

  assert.deepEqual(runFolders(), before, 'no run folder was written');
});

test('the request: a body over 10 MB is refused before it is read; a JSON body is saved', async () => {
  const big = new Request('http://studio/env/frozen-lake/simulate', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': String(3 * MAX_EPISODE_BYTES) },
    body: '{}',
  });
  const refused = await saveEpisodeFromRequest(big, studio, 'frozen-lake');
  assert.equal(!refused.ok && refused.problem.status, 413);
  const large = await saveEpisode(studio, { ref: 'frozen-lake', text: 'x'.repeat(MAX_EPISODE_BYTES + 1) });
  assert.equal(!large.ok && large.problem.code, 'INPUT_TOO_LARGE');

  const text = await play('frozen-lake', '4x4', [move('down')]);
  const ok = await saveEpisodeFromRequest(
    new Request('http://studio/env/frozen-lake/simulate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
    }),
    studio,
    'frozen-lake',
  );
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.problem));
  const empty = await saveEpisodeFromRequest(
    new Request('http://studio/x', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }),
    studio,
    'frozen-lake',
  );
  assert.equal(!empty.ok && empty.problem.code, 'RECORD_EMPTY');
});
