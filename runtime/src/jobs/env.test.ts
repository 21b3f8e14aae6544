import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readEpisode } from '@palestra/envs';
import { CATALOG_DIR, loadCatalog } from '@palestra/envs/catalog';
import { episodeSource, jobSource } from './env.ts';

test('jobSource loads a catalog name or a folder, and passes a loaded source through', () => {
  assert.equal(jobSource('frozen-lake').spec.name, 'frozen-lake');
  assert.equal(jobSource(join(CATALOG_DIR, 'echo-target')).spec.name, 'echo-target');
  const source = loadCatalog('tally');
  assert.equal(jobSource(source), source);
  assert.throws(() => jobSource('no-such-env'), { code: 'ENV_NOT_FOUND' });
});

test('episodeSource is the environment an episode records, unless one is named instead', () => {
  const episode = readEpisode(join(CATALOG_DIR, 'echo-target', 'golden', 'seed-0.jsonl'));
  assert.equal(episodeSource(episode).spec.name, 'echo-target');
  assert.equal(episodeSource(episode.header).spec.name, 'echo-target');
  assert.equal(episodeSource(episode, 'frozen-lake').spec.name, 'frozen-lake');
});
