/**
 * The scenario, in the library: an environment copied under another name is run, its
 * folder deleted, and an episode of it still replays and verifies, found by the root in the
 * episode's header in the content store. And a changed environment under the recorded name is a
 * refusal, not a replay against the wrong version.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CATALOG_DIR, catalogNames } from '../../catalog/index.ts';
import { readEpisode } from '../episode/reader.ts';
import { replay } from '../episode/replay.ts';
import { EpisodeWriter } from '../episode/writer.ts';
import { makeEnv } from '../kernel/env.ts';
import type { EnvSource } from '../kernel/source.ts';
import type { GymSpec } from '../spec/schema.ts';
import { ContentStore } from './contentStore.ts';
import { EnvChangedError } from './errors.ts';
import { resolveEnv, resolveEpisodeEnv } from './resolveEnv.ts';

const tmp = mkdtempSync(join(tmpdir(), 'palestra-replay-store-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** frozen-lake copied to `dir` (its golden episodes left behind), named `name`, its spec edited. */
function copyLake(dir: string, name: string, edit: (spec: GymSpec) => void = () => {}): string {
  cpSync(join(CATALOG_DIR, 'frozen-lake', 'spec.json'), join(dir, 'spec.json'));
  const spec: GymSpec = JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8'));
  spec.name = name;
  edit(spec);
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec, null, 2));
  return dir;
}

/** Records one episode the way a run does: the header names the bundle root; fixed moves. */
async function record(source: EnvSource, root: string, file: string): Promise<void> {
  const env = await makeEnv(source);
  try {
    const w = new EpisodeWriter(
      file,
      { spec: { name: source.spec.name, version: source.spec.version, root }, seed: 7, agent: 'fixed' },
      env.reset({ seed: 7 }),
    );
    for (const direction of ['down', 'down', 'right', 'right', 'down', 'right', 'up', 'left']) {
      const action = { tool: 'move', arguments: { direction } };
      const r = env.step(action);
      w.step(action, r);
      if (r.terminated || r.truncated) break;
    }
    w.close();
  } finally {
    env.close();
  }
}

test('a copy of frozen-lake under another name: run, folder deleted, its episode still replays from the store', async () => {
  const store = new ContentStore(join(tmp, 'store'));
  const dir = copyLake(mkdtempSync(join(tmp, 'env-')), 'lake-elsewhere');
  assert.ok(!catalogNames().includes('lake-elsewhere'));

  const { source, root, from } = await resolveEnv(dir, { store });
  assert.equal(from, 'folder');
  const file = join(tmp, 'run', 'episode-000000.jsonl');
  await record(source, root, file);
  rmSync(dir, { recursive: true });
  assert.ok(!existsSync(dir));

  const episode = readEpisode(file);
  assert.equal(episode.header.spec.root, root);
  assert.ok(episode.steps.length > 0);
  const found = await resolveEpisodeEnv(episode.header, { store });
  assert.deepEqual(
    { from: found.from, root: found.root, override: found.override, unverified: found.unverified },
    { from: 'store', root, override: false, unverified: false },
  );
  const result = await replay(found.source, episode);
  assert.equal(result.steps, episode.steps.length);
  assert.equal(result.root, episode.footer?.root ?? episode.steps.at(-1)!.hash);

  // Without the store, nothing has that root or that name.
  await assert.rejects(resolveEpisodeEnv(episode.header, { store: new ContentStore(join(tmp, 'empty')) }), {
    code: 'ENV_NOT_FOUND',
  });
});

test('frozen-lake with a changed reward records another root; the catalog frozen-lake is refused for its episode', async () => {
  const store = new ContentStore(join(tmp, 'store-changed'));
  const dir = copyLake(mkdtempSync(join(tmp, 'env-')), 'frozen-lake', (spec) => {
    spec.reward.rules[0]!.value = 0.5;
  });
  const { source, root } = await resolveEnv(dir, { store });
  const catalog = await resolveEnv('frozen-lake', { store: new ContentStore(join(tmp, 'store-catalog')) });
  assert.notEqual(root, catalog.root, 'a changed reward changes the root');
  const file = join(tmp, 'changed', 'episode-000000.jsonl');
  await record(source, root, file);
  const episode = readEpisode(file);

  // A store without that root: the name alone would pick the catalog's frozen-lake. Refused.
  await assert.rejects(
    resolveEpisodeEnv(episode.header, { store: new ContentStore(join(tmp, 'store-empty')) }),
    (e: unknown) => {
      assert.ok(e instanceof EnvChangedError);
      assert.equal(e.code, 'ENV_CHANGED');
      assert.deepEqual(e.details, { name: 'frozen-lake', recorded: root, found: catalog.root });
      assert.match(e.message, new RegExp(`${root.slice(0, 10)}….*${catalog.root.slice(0, 10)}…`));
      assert.equal(
        e.hint,
        `the episode was recorded with bundle ${root}; pass --env <folder> to replay it against another version explicitly`,
      );
      return true;
    },
  );
  // The store that ran it still has it, and replay verifies.
  const found = await resolveEpisodeEnv(episode.header, { store });
  assert.equal(found.from, 'store');
  assert.equal((await replay(found.source, episode)).steps, episode.steps.length);
});
