import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import onnxProto from 'onnx-proto';
import type { FeatureSpec } from './features.ts';

/**
 * Small ONNX models built in code (no Python, nothing downloaded): what tests and benchmarks
 * score with, and a starting point for authors who fit a reward model elsewhere and only need to
 * write its weights. IR version 8 with the default-domain opset 13, both well inside what
 * onnxruntime-node 1.30 loads (onnx-proto 8 encodes up to IR 8).
 */
const { onnx } = onnxProto;

export const IR_VERSION = 8;
export const OPSET = 13;

/** Metadata key under which a feature model records its `FeatureSpec` (JSON). */
export const FEATURES_METADATA_KEY = 'palestra.features';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

function floats(name: string, dims: number[], data: number[]): onnxProto.onnx.ITensorProto {
  return { name, dataType: FLOAT, dims, floatData: data };
}

function int64s(name: string, data: number[]): onnxProto.onnx.ITensorProto {
  return { name, dataType: INT64, dims: [data.length], int64Data: data };
}

function valueInfo(
  name: string,
  elemType: number,
  dims: (number | string)[],
): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function node(
  opType: string,
  input: string[],
  output: string[],
  attribute: onnxProto.onnx.IAttributeProto[] = [],
): onnxProto.onnx.INodeProto {
  return { opType, input, output, attribute, name: output[0]! };
}

function intAttr(name: string, i: number): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}

function intsAttr(name: string, ints: number[]): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints };
}

function modelBytes(graph: onnxProto.onnx.IGraphProto, metadata: Record<string, string>): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'palestra',
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}

export interface LinearModelOptions {
  /** One weight per feature (the input is `[batch, weights.length]`). */
  weights: number[];
  bias: number;
  /** End with a Sigmoid: the output is σ(w·x + b) instead of w·x + b. */
  sigmoid?: boolean;
  /** Input name; `features` by default. */
  input?: string;
  /** Output name; `score` by default. */
  output?: string;
  /** Recorded in the model's metadata, so a scorer can read the input contract from the file. */
  features?: FeatureSpec;
}

/**
 * A linear reward model: `score = [σ](features · W + b)`, `features: float32 [batch, F]`,
 * `score: float32 [batch, 1]`.
 *
 * @example
 * writeModel('m.onnx', buildLinearModel({ weights: [1, -0.5], bias: 0.1, sigmoid: true }));
 */
export function buildLinearModel(o: LinearModelOptions): Uint8Array {
  const f = o.weights.length;
  if (f === 0) throw new RangeError('a linear model needs at least one weight');
  const input = o.input ?? 'features';
  const output = o.output ?? 'score';
  const linear = o.sigmoid ? 'logit' : output;
  const nodes = [node('MatMul', [input, 'W'], ['xw']), node('Add', ['xw', 'B'], [linear])];
  if (o.sigmoid) nodes.push(node('Sigmoid', [linear], [output]));
  return modelBytes(
    {
      name: 'palestra-linear',
      node: nodes,
      initializer: [floats('W', [f, 1], o.weights), floats('B', [1], [o.bias])],
      input: [valueInfo(input, FLOAT, ['batch', f])],
      output: [valueInfo(output, FLOAT, ['batch', 1])],
    },
    o.features ? { [FEATURES_METADATA_KEY]: JSON.stringify(o.features) } : {},
  );
}

export interface TextClassifierOptions {
  /** Token embeddings, one row of D floats per vocabulary id. */
  embeddings: number[][];
  /** Classifier weights, D rows of C floats. */
  weights: number[][];
  /** C biases. */
  bias: number[];
  /**
   * Take an `attention_mask` and average only the tokens it marks (the default), so padding
   * never changes a row's result. Without it the model averages every position it is given.
   */
  attentionMask?: boolean;
}

/**
 * A tiny text classifier: mean of the token embeddings (`Gather` → masked mean, or `ReduceMean`
 * without a mask) → `MatMul` + `Add` → `Softmax`. Inputs `input_ids` (and `attention_mask`),
 * int64 `[batch, seq]`; output `probabilities`, float32 `[batch, C]`.
 *
 * @example
 * buildTextClassifier({ embeddings: [[0], [1]], weights: [[-1, 1]], bias: [0, 0] });
 */
export function buildTextClassifier(o: TextClassifierOptions): Uint8Array {
  const v = o.embeddings.length;
  const d = o.embeddings[0]?.length ?? 0;
  const c = o.bias.length;
  if (v === 0 || d === 0) throw new RangeError('embeddings must be a non-empty V×D matrix');
  if (o.embeddings.some((row) => row.length !== d))
    throw new RangeError('every embedding row needs D values');
  if (o.weights.length !== d || o.weights.some((row) => row.length !== c))
    throw new RangeError(`weights must be D×C (${d}×${c})`);
  const masked = o.attentionMask ?? true;
  const initializer = [
    floats('E', [v, d], o.embeddings.flat()),
    floats('W', [d, c], o.weights.flat()),
    floats('B', [c], o.bias),
  ];
  const nodes = [node('Gather', ['E', 'input_ids'], ['emb'], [intAttr('axis', 0)])];
  const inputs = [valueInfo('input_ids', INT64, ['batch', 'seq'])];
  if (masked) {
    inputs.push(valueInfo('attention_mask', INT64, ['batch', 'seq']));
    initializer.push(int64s('axis2', [2]), int64s('axis1', [1]), floats('one', [], [1]));
    nodes.push(
      node('Cast', ['attention_mask'], ['maskf'], [intAttr('to', FLOAT)]),
      node('Unsqueeze', ['maskf', 'axis2'], ['mask3']),
      node('Mul', ['emb', 'mask3'], ['memb']),
      node('ReduceSum', ['memb', 'axis1'], ['sum'], [intAttr('keepdims', 0)]),
      node('ReduceSum', ['mask3', 'axis1'], ['count'], [intAttr('keepdims', 0)]),
      // A row with no marked token divides by 1, not 0: its mean is the zero vector.
      node('Max', ['count', 'one'], ['countc']),
      node('Div', ['sum', 'countc'], ['pooled']),
    );
  } else {
    nodes.push(node('ReduceMean', ['emb'], ['pooled'], [intsAttr('axes', [1]), intAttr('keepdims', 0)]));
  }
  nodes.push(
    node('MatMul', ['pooled', 'W'], ['pw']),
    node('Add', ['pw', 'B'], ['logits']),
    node('Softmax', ['logits'], ['probabilities'], [intAttr('axis', -1)]),
  );
  return modelBytes(
    {
      name: 'palestra-text-classifier',
      node: nodes,
      initializer,
      input: inputs,
      output: [valueInfo('probabilities', FLOAT, ['batch', c])],
    },
    {},
  );
}

/** Writes model bytes to a file (creating its folder). */
export function writeModel(path: string, bytes: Uint8Array): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}
