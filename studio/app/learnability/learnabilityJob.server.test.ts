import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import type { LoadedEnvironment } from '../../server/environmentSource.ts';
import { jobFinished } from '../../server/jobs.ts';
import {
  LEARNABILITY_DEFAULTS,
  learnabilityEntry,
  learnabilityScripts,
  readLearnabilityForm,
  startLearnabilityJob,
} from './learnabilityJob.server.ts';

const source = loadCatalog('echo-target');
const env: LoadedEnvironment = {
  ...source,
  ref: 'echo-target',
  name: source.spec.name,
  kind: 'catalog',
  root: 'root-of-this-test',
  modules: false,
};
const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};

test('the form: the CLI defaults when empty, numbers in range, and only a script the page offered', () => {
  assert.deepEqual(readLearnabilityForm(form({}), env), LEARNABILITY_DEFAULTS);
  assert.deepEqual(readLearnabilityForm(form({ groups: '4', group: '2', seed: '7' }), env), {
    groups: 4,
    group: 2,
    seed: 7,
  });
  assert.equal((readLearnabilityForm(form({ groups: '0' }), env) as { field: string }).field, 'groups');
  assert.equal((readLearnabilityForm(form({ group: '2.5' }), env) as { field: string }).field, 'group');
  assert.equal((readLearnabilityForm(form({ seed: '-1' }), env) as { field: string }).field, 'seed');
  const outside = readLearnabilityForm(form({ scripted: '../../etc/passwd' }), env);
  assert.equal((outside as { field: string }).field, 'scripted');
  const [script] = learnabilityScripts(env);
  assert.ok(script, 'echo-target has an example script');
  assert.equal(
    (readLearnabilityForm(form({ scripted: script }), env) as { scripted?: string }).scripted,
    script,
  );
});

test('one analysis per root at a time; its report is kept by root with its progress on the way', async () => {
  const [script] = learnabilityScripts(env);
  const job = startLearnabilityJob(env, {
    groups: 2,
    group: 2,
    seed: 0,
    ...(script ? { scripted: script } : {}),
  });
  assert.equal(job.status, 'running');
  assert.equal(startLearnabilityJob(env, LEARNABILITY_DEFAULTS).id, job.id);
  assert.equal(learnabilityEntry(env.root)?.report, undefined);
  await jobFinished(job.id);
  const entry = learnabilityEntry(env.root);
  assert.equal(entry?.job?.status, 'done', JSON.stringify(entry?.job?.error));
  assert.equal(entry?.report?.groups, 2);
  // The scripted baseline was played: it is a baseline row of the report.
  assert.ok(entry?.report?.results.some((r) => r.kind === 'baseline' && r.name !== 'random'));
  const progress = entry?.job?.progress;
  assert.ok(
    progress && progress.agents === entry.report!.results.length && progress.index === progress.agents,
  );
  assert.equal(learnabilityEntry('another-root'), undefined);
});
