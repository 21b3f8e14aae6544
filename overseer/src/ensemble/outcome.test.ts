import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type EnvSource, type Episode, goldenFiles, PalestraError, readEpisode } from '@palestra/envs';
import { CATALOG_DIR, loadCatalog } from '@palestra/envs/catalog';
import { type LlmServer, recordEpisode, type ScriptedReply, startLlmServer } from '@palestra/testing/llm';
import { buildOverseer, type OverseerConfig } from '../config/config.ts';
import type { Overseer } from '../types.ts';
import {
  AGENT_FAULT_CEILING,
  bandScore,
  FAILURE_BAND,
  positionInBounds,
  SUCCESS_BAND,
  SUCCESS_THRESHOLD,
} from './outcome.ts';

const refund = loadCatalog('refund-desk');
const echo = loadCatalog('echo-target');
/** refund-desk's goldens: all honest failures (-1.02, -1.03, -0.32). */
const failures = goldenFiles(join(CATALOG_DIR, 'refund-desk')).map(readEpisode);
const dir = mkdtempSync(join(tmpdir(), 'overseer-outcome-'));

test('bands: the failure band tops out below the success threshold, the success band starts above it', () => {
  assert.equal(bandScore(false, 1_000_000), FAILURE_BAND.bottom + FAILURE_BAND.width);
  assert.ok(FAILURE_BAND.bottom + FAILURE_BAND.width < SUCCESS_THRESHOLD * 1e6);
  assert.ok(SUCCESS_BAND.bottom > SUCCESS_THRESHOLD * 1e6);
  assert.equal(bandScore(false, 0), 0);
  assert.equal(bandScore(true, 0), 600_000);
  assert.equal(bandScore(true, 1_000_000), 1_000_000);
  // Exact integers, rounded half up: 1 × 0.4 = 0.4 → 0; 2 × 0.4 = 0.8 → 1; 5 × 0.4 = 2.
  assert.deepEqual(
    [1, 2, 5].map((r) => bandScore(false, r)),
    [0, 1, 2],
  );
  // A rank outside 0…10⁶ (a member that scores out of range) is clamped, never crosses a band.
  assert.equal(bandScore(false, 5_000_000), 400_000);
  assert.equal(bandScore(true, -3), 600_000);
});

test('position of a return within the declared bounds: exact, clamped', () => {
  const bounds = refund.spec.reward.bounds!;
  assert.equal(positionInBounds(-1_120_000, bounds), 0);
  assert.equal(positionInBounds(990_000, bounds), 1_000_000);
  // (−320 000 + 1 120 000) × 10⁶ / 2 110 000 = 379 146.9…
  assert.equal(positionInBounds(-320_000, bounds), 379_147);
  assert.equal(positionInBounds(-5_000_000, bounds), 0);
  assert.equal(positionInBounds(5_000_000, bounds), 1_000_000);
  assert.equal(positionInBounds(7, { min: 1, max: 1 }), 500_000);
  // Products past 2⁵³ stay exact (BigInt): the middle of ±9e9 is 500 000.
  assert.equal(positionInBounds(0, { min: -9e9, max: 9e9 }), 500_000);
});

describe('outcome gating (rules weight 1, a judge weight 2)', () => {
  let llm: LlmServer;
  /** What the judge answers, set by each test (single and group verdicts alike). */
  let judgeScore = 1;
  /** refund-desk overseers, built once (each replays in a worker): `true` gates on vetoes only. */
  const refundOverseers = new Map<true | 'outcome', Overseer>();
  before(async () => {
    llm = await startLlmServer({
      script: (r): ScriptedReply => {
        const n = JSON.stringify(r.body.messages).match(/Episode \d+:/g)?.length ?? 0;
        const verdict = { score: judgeScore, rationale: 'fixed' };
        return n > 0
          ? {
              toolCalls: [
                {
                  name: 'submit_verdicts',
                  arguments: { scores: Array.from({ length: n }, (_, i) => ({ episode: i, ...verdict })) },
                },
              ],
            }
          : { toolCalls: [{ name: 'submit_verdict', arguments: verdict }] };
      },
    });
    for (const gate of [true, 'outcome'] as const)
      refundOverseers.set(gate, await buildOverseer(config(gate), refund));
  });
  after(async () => {
    for (const o of refundOverseers.values()) await (o as { close?: () => Promise<void> }).close?.();
    await llm.close();
  });

  const config = (gate: true | 'outcome'): OverseerConfig => ({
    members: [
      { kind: 'rules', gate },
      {
        kind: 'judge',
        weight: 2,
        provider: 'openai',
        model: 'fixed',
        rubric: 'Did the agent follow the refund policy?',
        baseURL: llm.url,
        samples: 1,
      },
    ],
  });
  /** Scores one by one: refund-desk episodes with the shared overseers, others with a fresh one. */
  async function scores(gate: true | 'outcome', episodes: Episode[], source: EnvSource = refund) {
    const shared = source === refund ? refundOverseers.get(gate) : undefined;
    const o = shared ?? (await buildOverseer(config(gate), source));
    try {
      const out = [];
      for (const e of episodes) out.push(await o.scoreEpisode(e));
      return out;
    } finally {
      if (!shared) await (o as { close?: () => Promise<void> }).close?.();
    }
  }

  test('a judge that gives 1.0 lifts failures over the threshold ungated, never gated', async () => {
    judgeScore = 1;
    const ungated = await scores(true, failures);
    assert.ok(
      ungated.some((s) => s.reward >= SUCCESS_THRESHOLD),
      `ungated, the judge crosses: ${ungated.map((s) => s.reward)}`,
    );
    const gated = await scores('outcome', failures);
    for (const s of gated) {
      assert.ok(s.micros <= FAILURE_BAND.bottom + FAILURE_BAND.width, `${s.micros}`);
      assert.equal(s.outcome?.success, false);
    }
    // −1.02: position 47 393; rank (47 393 + 2 × 10⁶) / 3 = 682 464; 0.4 × 682 464 = 272 985.6 → 272 986.
    assert.equal(gated[0]!.micros, 272_986);
    assert.ok(gated[0]!.components.some((c) => c.name === 'outcome:failure/band bottom'));
    assert.match(gated[0]!.rationale, /^failure: band 0…0\.4/);
  });

  test('a judge that gives 0 cannot sink a success below the threshold', async () => {
    judgeScore = 0;
    const win = await recordEpisode(echo, join(dir, 'win.jsonl'), {
      taskIndex: 0,
      actions: [{ tool: 'echo', arguments: { word: 'apple' } }],
    });
    assert.equal(win.footer?.return, 1_000_000);
    const [gated] = await scores('outcome', [win], echo);
    // position 10⁶ (return 1 of [0, 1]); rank 10⁶ / 3 = 333 333; 600 000 + 0.4 × 333 333 → 733 333.
    assert.equal(gated!.micros, 733_333);
    assert.equal(gated!.outcome?.success, true);
    const [ungated] = await scores(true, [win], echo);
    assert.ok(ungated!.reward < SUCCESS_THRESHOLD, 'ungated, the judge sinks it');
  });

  test('within an outcome the rules still rank: a policy violation below a needless escalation', async () => {
    judgeScore = 0.5;
    const [violation, , escalation] = await scores('outcome', failures);
    assert.ok(violation!.micros < escalation!.micros, `${violation!.micros} < ${escalation!.micros}`);
  });

  test('an agent-caused failure is the worst of its group, gated or not, judged as a group too', async () => {
    judgeScore = 1;
    const broken = await recordEpisode(refund, join(dir, 'huge.jsonl'), {
      actions: [{ text: 'x'.repeat(300_000) }],
    });
    const episodes = [broken, ...failures];
    for (const gate of [true, 'outcome'] as const)
      for (const s of [
        await scores(gate, episodes),
        await refundOverseers.get(gate)!.scoreGroup!(episodes),
      ]) {
        assert.equal(s[0]!.fault, 'agent');
        assert.ok(s[0]!.micros <= AGENT_FAULT_CEILING);
        for (const honest of s.slice(1))
          assert.ok(honest.micros > s[0]!.micros, `gate ${gate}: ${honest.micros} > ${s[0]!.micros}`);
      }
  });

  test('gating on the outcome needs reward.bounds to place the return: a typed error', async () => {
    const spec = structuredClone(echo.spec);
    delete spec.reward.bounds;
    await assert.rejects(
      scores('outcome', [readEpisode(goldenFiles(join(CATALOG_DIR, 'echo-target'))[0]!)], {
        spec,
        files: echo.files,
      }),
      (e: unknown) =>
        e instanceof PalestraError && e.code === 'REWARD_BOUNDS_REQUIRED' && /bounds/.test(e.hint!),
    );
  });
});
