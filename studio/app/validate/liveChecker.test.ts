import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckReport } from '@palestra/envs/node';
import type { Problem } from '../problems/problemsOf.ts';
import { CROSS_HOST_SKIPPED, type LiveCheck, LiveChecker, liveResult } from './liveChecker.ts';

const parsed: Problem[] = [
  { id: 'document#0', level: 'warning', check: 'document', message: 'm', states: ['a'], transitions: [] },
];
const report: CheckReport = {
  env: 'x@1',
  ok: false,
  stats: {
    episodes: 1,
    failedEpisodes: 0,
    steps: 1,
    statesSeen: 1,
    statesTotal: 2,
    graphStates: 1,
    crossHostEpisodes: 0,
  },
  findings: [
    { level: 'ok', check: 'api', message: 'fine', ran: true },
    // The live check's own skip is left out; any other cross-host warning would be kept.
    { level: 'warning', check: 'cross-host', message: `skipped: ${CROSS_HOST_SKIPPED}`, ran: false },
    {
      level: 'error',
      check: 'dead ends',
      message: 'stuck',
      ran: true,
      code: 'DEAD_END',
      targets: { states: ['b'] },
    },
  ],
};

test('a report adds its findings to the parse problems: checked full', () => {
  const r = liveResult(parsed, 2, { kind: 'report', report, ms: 30 });
  assert.deepEqual(r, {
    state: 'done',
    checked: 'full',
    ms: 32,
    problems: [
      parsed[0],
      {
        id: 'dead ends#1',
        level: 'error',
        check: 'dead ends',
        message: 'stuck',
        code: 'DEAD_END',
        states: ['b'],
        transitions: [],
      },
    ],
  });
});

test('a timeout is an error that says so, never a pass; a checker failure is failed', () => {
  const r = liveResult(parsed, 2, { kind: 'timeout', ms: 15_000 }) as Extract<LiveCheck, { state: 'done' }>;
  assert.equal(r.checked, 'parse');
  assert.equal(r.problems.length, 2);
  assert.equal(r.problems[1]!.level, 'error');
  assert.equal(r.problems[1]!.code, 'CHECK_TIMEOUT');
  assert.match(r.problems[1]!.message, /did not finish in 15 s/);
  assert.deepEqual(liveResult(parsed, 2, { kind: 'failed', code: 'CHECK_WORKER_FAILED', message: 'gone' }), {
    state: 'failed',
    code: 'CHECK_WORKER_FAILED',
    message: 'gone',
  });
  assert.equal(liveResult(parsed, 2, { kind: 'superseded' }), undefined);
});

test('without a full checker the parse is the result; no source is pending', async () => {
  const results: LiveCheck[] = [];
  let parsedOnce: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    parsedOnce = resolve;
  });
  const checker = new LiveChecker({
    debounceMs: 1,
    onResult: (c) => {
      results.push(c);
      if (c.state === 'done') parsedOnce();
    },
  });
  checker.update(undefined);
  checker.update({ spec: null, files: {}, docProblems: [] });
  await done;
  assert.deepEqual(
    results.map((c) => c.state),
    ['pending', 'pending', 'done'],
  );
  const last = results[2] as Extract<LiveCheck, { state: 'done' }>;
  assert.equal(last.checked, 'parse');
  assert.equal(last.problems[0]!.where, '$');
  checker.close();
});
