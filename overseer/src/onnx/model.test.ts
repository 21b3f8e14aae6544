import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readEpisode } from '@palestra/envs';
import { CATALOG_DIR } from '@palestra/envs/catalog';
import onnxProto from 'onnx-proto';
import { micros } from '../types.ts';
import { buildLinearModel, IR_VERSION, OPSET, writeModel } from './build.ts';
import { OnnxError } from './errors.ts';
import { extractFeatures, type FeatureSpec } from './features.ts';
import { OnnxScorer } from './model.ts';

const { onnx } = onnxProto;
const tmp = mkdtempSync(join(tmpdir(), 'palestra-onnx-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const episodes = [0, 1, 2].map((s) =>
  readEpisode(join(CATALOG_DIR, 'refund-desk', 'golden', `seed-${s}.jsonl`)),
);
const spec: FeatureSpec = {
  version: 1,
  features: ['return', 'length', 'invalidActionShare', 'finalState:violated', 'repeatedActionShare'],
};
const weights = [1.5, -0.25, -2, -0.75, -1];
const bias = 0.4;

/** w·x + b in double precision over the float32 features. */
function logit(x: Float32Array): number {
  return weights.reduce((a, w, j) => a + w * x[j]!, bias);
}
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function expectMicros(actual: number, expected: number): void {
  // The model computes in float32; one micro-unit of slack covers its rounding.
  assert.ok(Math.abs(actual - micros(expected)) <= 1, `${actual} vs ${micros(expected)}`);
}

/** A small non-linear model: score = tanh(x · W), built by hand with onnx-proto. */
function tanhModel(w: number[]): Uint8Array {
  const f = w.length;
  const vi = (name: string, dims: (number | string)[]) => ({
    name,
    type: {
      tensorType: {
        elemType: 1,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
  return onnx.ModelProto.encode({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: 'tanh',
      node: [
        { opType: 'MatMul', input: ['features', 'W'], output: ['z'] },
        { opType: 'Tanh', input: ['z'], output: ['score'] },
      ],
      initializer: [{ name: 'W', dataType: 1, dims: [f, 1], floatData: w }],
      input: [vi('features', ['batch', f])],
      output: [vi('score', ['batch', 1])],
    },
  }).finish();
}

describe('OnnxScorer', () => {
  const sigmoidPath = writeModel(
    join(tmp, 'linear-sigmoid.onnx'),
    buildLinearModel({ weights, bias, sigmoid: true, features: spec }),
  );
  const identityPath = writeModel(join(tmp, 'linear.onnx'), buildLinearModel({ weights, bias }));

  it('scores σ(w·x + b) mapped to [min, max], with confidence from the probability', async () => {
    const scorer = await OnnxScorer.load({
      model: sigmoidPath,
      transform: { kind: 'probability', min: -1, max: 1 },
    });
    try {
      assert.equal(scorer.id, 'onnx:linear-sigmoid.onnx');
      assert.deepEqual(scorer.extractor.spec, spec, 'the feature spec comes from the model metadata');
      const scores = await scorer.scoreEpisodes(episodes);
      for (const [i, e] of episodes.entries()) {
        const p = sigmoid(logit(extractFeatures(e, spec)));
        const s = scores[i]!;
        expectMicros(s.micros, -1 + 2 * p);
        assert.equal(s.reward, s.micros / 1e6);
        assert.ok(Math.abs(s.confidence - Math.max(p, 1 - p)) < 1e-6);
        assert.equal(s.judge, 'onnx:linear-sigmoid.onnx');
        // A sigmoid model is explained in logit units: the top features, then the bias.
        assert.equal(s.components.length, 4);
        assert.deepEqual(s.components.at(-1), { name: 'logit:bias', micros: micros(Math.fround(bias)) });
        assert.ok(s.components.slice(0, 3).every((c) => c.name.startsWith('logit:')));
      }
      // Hand check of golden seed 0: return -1.02, 2 steps, no invalid action, violated, no repeat.
      const z0 = 1.5 * -1.02 - 0.25 * 2 - 0.75 + 0.4;
      expectMicros(scores[0]!.micros, -1 + 2 * sigmoid(z0));
      assert.deepEqual(
        scores[0]!.components.slice(0, 3).map((c) => c.name),
        ['logit:return', 'logit:finalState:violated', 'logit:length'],
      );
    } finally {
      await scorer.close();
    }
  });

  it('gives a linear identity model components that sum exactly to the reward', async () => {
    const scorer = await OnnxScorer.load({
      model: identityPath,
      features: spec,
      transform: { kind: 'identity' },
      topComponents: 2,
    });
    try {
      assert.ok(scorer.linear, 'the graph is recognized as linear');
      // Contributions w·x by hand: seed 0 return −1.53, violated −0.75, length −0.5; seed 1 return
      // −1.545, then length and violated tie at −0.75 (the earlier feature wins); seed 2 invalid −1,
      // length −0.5, return −0.48.
      const top = [
        ['return', 'finalState:violated'],
        ['return', 'length'],
        ['invalidActionShare', 'length'],
      ];
      for (const [i, s] of (await scorer.scoreEpisodes(episodes)).entries()) {
        assert.deepEqual(
          s.components.map((c) => c.name),
          [...top[i]!.map((n) => `feature:${n}`), 'bias', 'other'],
        );
        assert.equal(
          s.components.reduce((a, c) => a + c.micros, 0),
          s.micros,
        );
        assert.equal(s.confidence, 1);
      }
      const [s2] = await scorer.scoreEpisodes([episodes[2]!]);
      // seed 2: return -0.32, 2 steps, half invalid, needless escalation (not violated), no repeat.
      expectMicros(s2!.micros, 1.5 * -0.32 - 0.25 * 2 - 2 * 0.5 + 0.4);
    } finally {
      await scorer.close();
    }
  });

  it('recognizes a linear model whose weights are stored as raw bytes (as exporters write them)', async () => {
    const proto = onnx.ModelProto.decode(buildLinearModel({ weights, bias }));
    for (const t of proto.graph?.initializer ?? []) {
      t.rawData = new Uint8Array(Float32Array.from(t.floatData ?? []).buffer);
      t.floatData = [];
    }
    const path = join(tmp, 'linear-raw.onnx');
    writeFileSync(path, onnx.ModelProto.encode(proto).finish());
    const scorer = await OnnxScorer.load({ model: path, features: spec, transform: { kind: 'identity' } });
    try {
      assert.deepEqual(Array.from(scorer.linear!.weights), weights.map(Math.fround));
      assert.equal(scorer.linear!.bias, Math.fround(bias));
      const [s] = await scorer.scoreEpisodes([episodes[0]!]);
      expectMicros(s!.micros, logit(extractFeatures(episodes[0]!, spec)));
    } finally {
      await scorer.close();
    }
  });

  it('runs a group in one batch with the same results as one episode at a time', async () => {
    const scorer = await OnnxScorer.load({
      model: sigmoidPath,
      transform: { kind: 'sigmoid', min: 0, max: 10 },
    });
    try {
      const many = Array.from({ length: 64 }, (_, i) => episodes[i % 3]!);
      const batched = await scorer.scoreGroup(many);
      const single = [];
      for (const e of many) single.push(await scorer.scoreEpisode(e));
      assert.deepEqual(batched, single);
      assert.equal(new Set(batched.map((s) => s.micros)).size, 3);
    } finally {
      await scorer.close();
    }
  });

  it('shows a non-linear model by its raw output', async () => {
    const path = join(tmp, 'tanh.onnx');
    writeFileSync(path, tanhModel([0.5, 0.1, 0, 0, 0]));
    const scorer = await OnnxScorer.load({
      model: path,
      features: spec,
      transform: { kind: 'identity', confidence: 0.8 },
    });
    try {
      assert.equal(scorer.linear, undefined);
      const [s] = await scorer.scoreEpisodes([episodes[0]!]);
      const expected = Math.tanh(0.5 * Math.fround(-1.02) + 0.1 * 2);
      expectMicros(s!.micros, expected);
      assert.equal(s!.components.length, 1);
      assert.equal(s!.components[0]!.name, 'output');
      assert.equal(s!.confidence, 0.8);
      assert.match(s!.rationale, /raw output/);
    } finally {
      await scorer.close();
    }
  });

  it('names what is wrong and what to do', async () => {
    const fails = async (config: Parameters<typeof OnnxScorer.load>[0], code: string, message: RegExp) =>
      assert.rejects(OnnxScorer.load(config), (e: unknown) => {
        assert.ok(e instanceof OnnxError, String(e));
        assert.equal(e.code, code);
        assert.match(e.message, message);
        assert.ok(e.hint, 'a hint says what to do');
        return true;
      });
    await fails(
      { model: join(tmp, 'nope.onnx'), features: spec, transform: { kind: 'identity' } },
      'ONNX_MODEL_NOT_FOUND',
      /nope\.onnx/,
    );
    const junk = join(tmp, 'junk.onnx');
    writeFileSync(junk, 'this is not a model');
    await fails(
      { model: junk, features: spec, transform: { kind: 'identity' } },
      'ONNX_MODEL_INVALID',
      /junk\.onnx/,
    );
    await fails(
      {
        model: identityPath,
        features: { version: 1, features: ['return', 'length'] },
        transform: { kind: 'identity' },
      },
      'ONNX_INPUT_SHAPE',
      /float32 \[batch, 5\].*2 declared features need float32 \[batch, 2\]/,
    );
    await fails(
      { model: identityPath, transform: { kind: 'identity' } },
      'ONNX_CONFIG_INVALID',
      /no feature spec/,
    );
    await fails(
      { model: identityPath, features: spec, transform: { kind: 'class', index: 3 } },
      'ONNX_OUTPUT_SHAPE',
      /1 value\(s\) per row/,
    );
    await fails(
      { model: identityPath, features: spec, input: 'pixels', transform: { kind: 'identity' } },
      'ONNX_INPUT_UNKNOWN',
      /no input named pixels; it has features/,
    );
    await fails(
      { model: identityPath, features: spec, transform: { kind: 'logistic' } } as never,
      'ONNX_CONFIG_INVALID',
      /\$\.transform/,
    );
  });

  it('refuses a non-finite output, naming the row and its features', async () => {
    // length × 3e38 overflows float32 to +Infinity for every episode (2 or 3 steps).
    const path = writeModel(
      join(tmp, 'overflow.onnx'),
      buildLinearModel({ weights: [0, 3e38, 0, 0, 0], bias: 0 }),
    );
    const scorer = await OnnxScorer.load({ model: path, features: spec, transform: { kind: 'identity' } });
    try {
      await assert.rejects(scorer.scoreEpisodes(episodes), (e: unknown) => {
        assert.ok(e instanceof OnnxError);
        assert.equal(e.code, 'ONNX_NON_FINITE');
        assert.match(e.message, /output score is Infinity for row 0/);
        assert.equal(e.details.taskId, episodes[0]!.header.taskId);
        assert.deepEqual((e.details.features as Record<string, number>).length, 2);
        return true;
      });
    } finally {
      await scorer.close();
    }
  });
});
