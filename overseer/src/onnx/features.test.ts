import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Action, EpisodeWriter, makeEnv, readEpisode } from '@palestra/envs';
import { CATALOG_DIR, loadCatalog } from '@palestra/envs/catalog';
import { OnnxError } from './errors.ts';
import { extractFeatureMatrix, extractFeatures, featureDocs, parseFeatureSpec } from './features.ts';

const golden = (seed: number) =>
  readEpisode(join(CATALOG_DIR, 'refund-desk', 'golden', `seed-${seed}.jsonl`));
const tmp = mkdtempSync(join(tmpdir(), 'palestra-features-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const ALL = [
  'return',
  'length',
  'terminated',
  'truncated',
  'complete',
  'envError',
  'invalidActionShare',
  'textReplyShare',
  'distinctTools',
  'repeatedActionShare',
  'meanObservationLength',
  'finalState:violated',
  'finalState:resolved',
  'visitedState:open.triage',
  'toolShare:lookup_order',
  'component:policy violation',
];

function row(values: Float32Array): Record<string, number> {
  return Object.fromEntries(ALL.map((n, j) => [n, values[j]!]));
}

describe('feature extractor', () => {
  it('reads a golden refund-desk episode (a lookup of a missing order, then a refund that violates policy)', () => {
    const e = golden(0);
    const f = row(extractFeatures(e, { version: 1, features: ALL }));
    assert.deepEqual(
      { ...f, meanObservationLength: undefined },
      {
        return: Math.fround(-1.02),
        length: 2,
        terminated: 1,
        truncated: 0,
        complete: 1,
        envError: 0,
        invalidActionShare: 0,
        textReplyShare: 0,
        distinctTools: 2,
        repeatedActionShare: 0,
        meanObservationLength: undefined,
        'finalState:violated': 1,
        'finalState:resolved': 0,
        'visitedState:open.triage': 1,
        'toolShare:lookup_order': 0.5,
        'component:policy violation': -1,
      },
    );
    // The committed file's two observations are 719 and 767 characters long.
    assert.equal(f.meanObservationLength, (719 + 767) / 2);
  });

  it('counts a repeated action and an invalid one (golden seeds 1 and 2)', () => {
    const [repeat, invalid] = [golden(1), golden(2)];
    const spec = {
      version: 1 as const,
      features: ['repeatedActionShare', 'invalidActionShare', 'distinctTools', 'return'],
    };
    assert.deepEqual(Array.from(extractFeatures(repeat, spec)), [
      Math.fround(1 / 3),
      0,
      2,
      Math.fround(-1.03),
    ]);
    // seed 2: an escalation with too short a reason (invalid), then a valid one.
    assert.deepEqual(Array.from(extractFeatures(invalid, spec)), [0, 0.5, 1, Math.fround(-0.32)]);
  });

  it('sees text replies in an episode played here', async () => {
    const source = loadCatalog('refund-desk');
    const env = await makeEnv(source);
    const path = join(tmp, 'played.jsonl');
    try {
      const w = new EpisodeWriter(
        path,
        { spec: source.spec, seed: 3, agent: 'test' },
        env.reset({ seed: 3 }),
      );
      const actions: Action[] = [
        { text: 'Let me check that for you.' },
        { text: 'Let me check that for you.' },
        { tool: 'lookup_order', arguments: { orderId: 'A-1' } },
        { tool: 'no_such_tool', arguments: {} },
      ];
      for (const a of actions) {
        const r = env.step(a);
        w.step(a, r);
        if (r.terminated || r.truncated) break;
      }
      w.close();
    } finally {
      env.close();
    }
    const e = readEpisode(path);
    const f = extractFeatures(e, {
      version: 1,
      features: [
        'length',
        'textReplyShare',
        'repeatedActionShare',
        'invalidActionShare',
        'toolShare:no_such_tool',
      ],
    });
    assert.deepEqual(Array.from(f), [4, 0.5, 0.25, 0.25, 0.25]);
  });

  it('lays out a batch row by row, in the declared order', () => {
    const eps = [golden(0), golden(1), golden(2)];
    const spec = parseFeatureSpec({ version: 1, features: ['length', 'return'] });
    const m = extractFeatureMatrix(eps, spec);
    assert.deepEqual(Array.from(m), [2, Math.fround(-1.02), 3, Math.fround(-1.03), 2, Math.fround(-0.32)]);
    for (const [i, e] of eps.entries())
      assert.deepEqual(m.subarray(i * 2, i * 2 + 2), extractFeatures(e, spec));
  });

  it('refuses unknown features, duplicates and other versions, naming the JSON path', () => {
    const bad = (input: unknown, path: RegExp) =>
      assert.throws(
        () => parseFeatureSpec(input),
        (e: unknown) =>
          e instanceof OnnxError && e.code === 'ONNX_FEATURE_SPEC_INVALID' && path.test(e.message),
      );
    bad({ version: 1, features: ['return', 'vibes'] }, /\$\.features\[1\]: unknown feature/);
    bad({ version: 1, features: ['finalState:'] }, /\$\.features\[0\]/);
    bad({ version: 1, features: ['toString'] }, /\$\.features\[0\]/);
    bad({ version: 1, features: ['return', 'return'] }, /listed twice/);
    bad({ version: 2, features: ['return'] }, /\$\.version/);
    bad({ version: 1, features: [] }, /\$\.features/);
  });

  it('documents every feature', () => {
    const docs = featureDocs();
    for (const name of ['return', 'repeatedActionShare', 'finalState:<arg>', 'component:<arg>'])
      assert.ok((docs[name] ?? '').length > 10, name);
  });
});
