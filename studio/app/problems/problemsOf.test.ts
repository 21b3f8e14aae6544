// From the checker's report to marks on the canvas: a real check of a small spec with an
// unreachable state behind a guard and a dead end, through problemsOf and placeProblems.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envSource } from '@palestra/envs/core';
import { checkEnv } from '@palestra/envs/node';
import { DOOR_SPEC } from '@palestra/testing/envs';
import { placeProblems, statechartGraph } from '../canvas/statechartGraph.ts';
import { problemsOf } from './problemsOf.ts';

const spec = DOOR_SPEC;

test('the checker findings that need a look become problems placed on their nodes and edges', async () => {
  const source = envSource(spec);
  const report = await checkEnv(source, { episodes: 5, crossHost: false });
  const problems = problemsOf(report);
  // Only errors and warnings, in the report's order; passes are left out.
  assert.ok(problems.length > 0);
  assert.ok(problems.every((p) => p.level !== ('ok' as string)));
  assert.equal(problems.length, report.findings.filter((f) => f.level !== 'ok').length);
  assert.equal(new Set(problems.map((p) => p.id)).size, problems.length, 'ids are unique');

  const byCheck = (check: string) => problems.find((p) => p.check === check)!;
  assert.equal(byCheck('dead ends').code, 'DEAD_END');
  assert.deepEqual(byCheck('dead ends').states, ['stuck']);
  // The cross-host check was turned off: a warning about the whole environment, placed nowhere.
  assert.deepEqual(byCheck('cross-host'), { ...byCheck('cross-host'), states: [], transitions: [] });

  const graph = statechartGraph(source.spec);
  const { elementsOf, problemsAt } = placeProblems(graph, problems);
  assert.deepEqual(
    problemsAt.get('stuck')?.map((p) => p.check),
    ['reachability', 'dead ends'],
  );
  const guarded = graph.edges.find((e) => e.data.guard === 'never')!;
  assert.deepEqual(elementsOf.get(byCheck('reachability').id), ['stuck', guarded.id]);
  assert.equal(problemsAt.get('closed'), undefined);
  assert.equal(problemsAt.get('open'), undefined);
  assert.deepEqual(elementsOf.get(byCheck('cross-host').id), []);
});
