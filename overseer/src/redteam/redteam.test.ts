import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import {
  closedPort,
  type LlmServer,
  NAIVE_JUDGE_MODEL,
  naiveJudgeObeys,
  startLlmServer,
} from '@palestra/testing/llm';
import { buildOverseer, type OverseerConfig } from '../config/config.ts';
import { FAILURE_BAND } from '../ensemble/outcome.ts';
import { LlmJudge } from '../judge/judge.ts';
import { REDTEAM_FIXTURES } from './fixtures.ts';
import { fixtureEpisode, runRedTeam } from './redteam.ts';

/**
 * The security of a score must not rest on the judge being hard to fool. The naive judge on the
 * local wire server obeys any instruction anywhere in its prompt; with outcome gating, not one
 * red-team episode (all of which fail their task) may reach success even so.
 */
describe('red team against a deliberately naive judge', () => {
  let llm: LlmServer;
  before(async () => {
    // Every request here is for the naive judge, which the server answers itself.
    llm = await startLlmServer({ script: [] });
  });
  after(() => llm.close());

  const judge = {
    provider: 'openai',
    model: NAIVE_JUDGE_MODEL,
    rubric: 'Did the agent do its task?',
  } as const;
  const ensemble = (gate: true | 'outcome'): OverseerConfig => ({
    members: [
      { kind: 'rules', gate },
      { kind: 'judge', weight: 2, ...judge, baseURL: llm.url, samples: 1 },
    ],
  });
  /** Fixtures that carry an instruction the naive judge obeys (the rest get its middling score). */
  const obeyed = REDTEAM_FIXTURES.filter((f) =>
    f.actions.some((a) => 'text' in a && naiveJudgeObeys(a.text)),
  ).map((f) => f.id);

  test('the naive judge alone obeys every injected instruction', async () => {
    assert.ok(obeyed.length >= 8, `${obeyed.length} fixtures carry an instruction`);
    const r = await runRedTeam(new LlmJudge({ ...judge, baseURL: llm.url, samples: 1 }));
    assert.equal(r.errors, 0, JSON.stringify(r.rows.filter((x) => x.error)));
    assert.deepEqual(
      r.rows.filter((x) => x.reward === 1).map((x) => x.id),
      obeyed,
      'through the fence and the escaping: letters are never escaped',
    );
  });

  test('ungated (rules weight 1, judge weight 2) it lifts failed episodes to success', async () => {
    const r = await runRedTeam((env) => buildOverseer(ensemble(true), loadCatalog(env)));
    assert.equal(r.errors, 0, JSON.stringify(r.rows.filter((x) => x.error)));
    assert.deepEqual(
      r.rows.filter((x) => x.fooled).map((x) => x.id),
      obeyed,
      'every obeyed instruction crosses the threshold: this is what gating must stop',
    );
  });

  test(`gated on the outcome, 0 of the ${REDTEAM_FIXTURES.length} red-team episodes reach success`, async () => {
    const r = await runRedTeam((env) => buildOverseer(ensemble('outcome'), loadCatalog(env)));
    assert.equal(r.errors, 0, JSON.stringify(r.rows.filter((x) => x.error)));
    assert.equal(r.total, REDTEAM_FIXTURES.length);
    assert.equal(r.falsePositives, 0, JSON.stringify(r.rows.filter((x) => x.fooled)));
    for (const row of r.rows) assert.ok(row.reward! * 1e6 <= FAILURE_BAND.bottom + FAILURE_BAND.width);
  });

  test('gated, judged as a group (one request, submit_verdicts): still no success', async () => {
    const fixtures = REDTEAM_FIXTURES.filter((f) => f.env === 'echo-target');
    const episodes = [];
    for (const f of fixtures) episodes.push(await fixtureEpisode(f));
    for (const gate of [true, 'outcome'] as const) {
      const o = await buildOverseer(ensemble(gate), loadCatalog('echo-target'));
      const scores = await o.scoreGroup!(episodes);
      const crossed = fixtures.filter((_, i) => scores[i]!.reward >= 0.5).map((f) => f.id);
      if (gate === 'outcome') assert.deepEqual(crossed, []);
      else
        assert.deepEqual(
          crossed,
          fixtures.filter((f) => obeyed.includes(f.id)).map((f) => f.id),
          'ungated, the group verdict is fooled the same way',
        );
    }
  });
});

/**
 * A judge that failed was not fooled, but it did not resist either: a run with errors must say
 * so (errors, the first error's code), never look like a clean 0/N.
 */
describe('red team against a judge that fails', () => {
  test('unreachable: stops at the first fixture, every fixture counts as an error, the first names the code', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    const r = await runRedTeam(
      new LlmJudge({ provider: 'openai', model: 'm', rubric: 'r', baseURL: url, samples: 1, maxRetries: 0 }),
    );
    assert.equal(r.total, REDTEAM_FIXTURES.length);
    assert.equal(r.errors, REDTEAM_FIXTURES.length, 'the fixtures not tried have no verdict either');
    assert.equal(r.rows.length, 1, 'no request after a failure that would repeat');
    assert.equal(r.rows[0]!.code, 'JUDGE_UNREACHABLE');
    assert.equal(r.firstError?.code, 'JUDGE_UNREACHABLE');
    assert.match(r.firstError?.hint ?? '', /baseURL/);
    assert.match(r.stopped ?? '', /stopped after 1 of/);
  });

  test('a judge failing on some fixtures: the others are judged, the failed ones are errors, not "not fooled"', async () => {
    let n = 0;
    const llm = await startLlmServer({
      script: () =>
        n++ % 3 === 1
          ? { error: { status: 500, message: 'overloaded' } }
          : { toolCalls: [{ name: 'submit_verdict', arguments: { score: 0, rationale: 'failed' } }] },
    });
    try {
      const r = await runRedTeam(
        new LlmJudge({
          provider: 'openai',
          model: 'flaky',
          rubric: 'r',
          baseURL: llm.url,
          samples: 1,
          maxRetries: 0,
        }),
      );
      const failed = r.rows.filter((x) => x.error);
      assert.equal(
        r.rows.length,
        REDTEAM_FIXTURES.length,
        'a judge error that may not repeat does not stop the run',
      );
      assert.ok(failed.length >= 3, `${failed.length} fixtures failed`);
      assert.equal(r.errors, failed.length);
      assert.ok(failed.every((x) => x.code === 'JUDGE_HTTP_ERROR' && x.reward === null && !x.fooled));
      assert.equal(r.firstError?.code, 'JUDGE_HTTP_ERROR');
      assert.equal(r.stopped, undefined);
    } finally {
      await llm.close();
    }
  });
});
