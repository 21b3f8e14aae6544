import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import { InferenceSession } from 'onnxruntime-node';
import { OnnxError } from './errors.ts';

const { onnx } = onnxProto;

/** A model file loaded twice over: as an onnxruntime session (to run) and as its protobuf (to read). */
export interface LoadedModel {
  path: string;
  /** The file name: what a Score's judge names (`onnx:<file>`). */
  file: string;
  session: InferenceSession;
  /** The decoded ModelProto: graph, initializers, metadata. */
  proto: onnxProto.onnx.ModelProto;
  /** The model's `metadata_props` as a record. */
  metadata: Record<string, string>;
}

/** One tensor input or output as the model declares it. */
export interface TensorInfo {
  name: string;
  type: string;
  /** Numbers for fixed dimensions, strings for symbolic ones (`batch`). */
  shape: readonly (number | string)[];
}

/**
 * Loads an `.onnx` file on the CPU. Threads default to 1: a reward is committed on chain, so the
 * same rows must give the same bits on every machine, and these models are too small to gain
 * from intra-op threads anyway (batching is where the speed comes from).
 */
export async function loadModel(path: string, options: { threads?: number } = {}): Promise<LoadedModel> {
  const full = resolve(path);
  if (!existsSync(full) || !statSync(full).isFile())
    throw new OnnxError('ONNX_MODEL_NOT_FOUND', `no ONNX model file at ${full}`, {
      details: { path: full },
      hint: 'check the model path in the scorer config (relative paths resolve from the working directory)',
    });
  const bytes = readFileSync(full);
  let proto: onnxProto.onnx.ModelProto;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (cause) {
    throw new OnnxError(
      'ONNX_MODEL_INVALID',
      `${full} is not an ONNX model (it does not decode as a ModelProto)`,
      {
        details: { path: full },
        hint: 'export the model again with onnx (or build it with buildLinearModel/buildTextClassifier)',
        cause,
      },
    );
  }
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
  } catch (cause) {
    throw new OnnxError(
      'ONNX_MODEL_INVALID',
      `onnxruntime cannot load ${full}: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        details: {
          path: full,
          irVersion: Number(proto.irVersion),
          opsets: proto.opsetImport.map((o) => o.version),
        },
        hint: 'export with an IR version and opset that onnxruntime-node 1.30 supports (IR 8 with opset 13 always loads), CPU operators only',
        cause,
      },
    );
  }
  const metadata = Object.fromEntries(proto.metadataProps.map((p) => [p.key, p.value]));
  return { path: full, file: basename(full), session, proto, metadata };
}

function infos(metadata: readonly InferenceSession.ValueMetadata[]): TensorInfo[] {
  return metadata.map((m) =>
    m.isTensor
      ? { name: m.name, type: m.type, shape: m.shape }
      : { name: m.name, type: 'non-tensor', shape: [] },
  );
}

/** The model's inputs. */
export function inputsOf(m: LoadedModel): TensorInfo[] {
  return infos(m.session.inputMetadata);
}

/** The model's outputs. */
export function outputsOf(m: LoadedModel): TensorInfo[] {
  return infos(m.session.outputMetadata);
}

/** The named tensor (or the first one when no name is given), with a clear error if it is not there. */
export function pick(m: LoadedModel, kind: 'input' | 'output', name: string | undefined): TensorInfo {
  const all = kind === 'input' ? inputsOf(m) : outputsOf(m);
  const found = name === undefined ? all[0] : all.find((t) => t.name === name);
  if (!found)
    throw new OnnxError(
      kind === 'input' ? 'ONNX_INPUT_UNKNOWN' : 'ONNX_OUTPUT_UNKNOWN',
      `${m.file} has no ${kind} named ${name ?? '(any)'}; it has ${all.map((t) => t.name).join(', ') || 'none'}`,
      {
        details: { model: m.path, [kind]: name, available: all.map((t) => t.name) },
        hint: `name one of its ${kind}s in the config`,
      },
    );
  return found;
}

/** Values per row of an output: its trailing dimensions multiplied (undefined if symbolic). */
export function rowWidth(t: TensorInfo): number | undefined {
  const rest = t.shape.slice(1);
  if (rest.some((d) => typeof d !== 'number')) return undefined;
  return (rest as number[]).reduce((a, b) => a * b, 1);
}

/** Throws on the first NaN or ±Infinity in a `[rows, width]` output, naming the row. */
export function checkFinite(
  m: LoadedModel,
  output: string,
  data: Float32Array,
  width: number,
  describeRow: (row: number) => Record<string, unknown>,
): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isFinite(v)) continue;
    const row = Math.floor(i / width);
    throw new OnnxError('ONNX_NON_FINITE', `${m.file} output ${output} is ${v} for row ${row}`, {
      details: { model: m.path, output, row, column: i % width, value: String(v), ...describeRow(row) },
      hint: 'check the model weights and the inputs of that row: a NaN or infinity usually means an input far outside what the model was trained on',
    });
  }
}
