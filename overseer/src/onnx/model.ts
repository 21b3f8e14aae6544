import { fromMicros } from '@palestra/envs/core';
import type onnxProto from 'onnx-proto';
import { Tensor } from 'onnxruntime-node';
import { z } from 'zod';
import { micros, type Overseer, type Score, type ScoreComponent, type ScoredEpisode } from '../types.ts';
import { FEATURES_METADATA_KEY } from './build.ts';
import { issuePath, OnnxError } from './errors.ts';
import { compileFeatures, extractFeatureMatrix, type FeatureExtractor } from './features.ts';
import { checkFinite, type LoadedModel, loadModel, pick, rowWidth } from './session.ts';
import { applyTransform, checkWidth, type Transform, TransformSchema } from './transform.ts';

export const OnnxScorerConfigSchema = z
  .object({
    /** Path of the `.onnx` file. */
    model: z.string().min(1),
    /** The feature spec (input contract); if absent, read from the model's `palestra.features` metadata. */
    features: z.unknown().optional(),
    /** Input name; the model's first input by default. Its shape must be `[batch, F]`, float32. */
    input: z.string().min(1).optional(),
    /** Output name; the model's first output by default. */
    output: z.string().min(1).optional(),
    /** How the output becomes a reward (see `Transform`). */
    transform: TransformSchema,
    /** How many top contributing features a linear model shows as components. */
    topComponents: z.number().int().min(0).default(3),
    /** onnxruntime intra-op threads (1 keeps results bit-identical across machines). */
    threads: z.number().int().min(1).default(1),
    /**
     * `group`: one session.run for the whole group (fast). `row`: one run per episode, so a score
     * never depends on the group it came with — onnxruntime's CPU kernels may sum in another order
     * for a batch than for one row, which can move a reward by a micro-unit; choose `row` when a
     * validator must recompute a committed score from one episode alone.
     */
    batch: z.enum(['group', 'row']).default('group'),
  })
  .strict();

export type OnnxScorerConfig = z.input<typeof OnnxScorerConfigSchema>;

/** A model of the form `[σ](x · W + b)`, read from its graph: its scores can be explained per feature. */
export interface LinearForm {
  weights: Float32Array;
  bias: number;
  sigmoid: boolean;
}

function parseConfig(input: unknown): z.infer<typeof OnnxScorerConfigSchema> {
  const r = OnnxScorerConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: issuePath(i.path), message: i.message }));
  throw new OnnxError(
    'ONNX_CONFIG_INVALID',
    `invalid ONNX scorer config:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
    { details: { issues }, hint: 'see OnnxScorerConfigSchema for the fields and their meaning' },
  );
}

/**
 * A feature-based ONNX reward model as an overseer. Episodes become rows of declared features
 * (`features.ts`); a group is scored with ONE `session.run` over a `[batch, F]` tensor; each
 * output row is mapped to a reward by the declared transform. A linear model shows its top
 * contributing features as components; any other model shows its raw output.
 *
 * @example
 * const scorer = await OnnxScorer.load({ model: 'reward.onnx', transform: { kind: 'sigmoid', min: -1, max: 1 } });
 * const [a, b] = await scorer.scoreEpisodes([ep1, ep2]);
 */
export class OnnxScorer implements Overseer {
  readonly id: string;

  private constructor(
    readonly model: LoadedModel,
    readonly extractor: FeatureExtractor,
    readonly input: string,
    readonly output: string,
    readonly transform: Transform,
    readonly linear: LinearForm | undefined,
    private readonly topComponents: number,
    /** Groups run one row at a time (`batch: 'row'`, or a model exported with a fixed batch of 1). */
    private readonly batchOfOne: boolean,
  ) {
    this.id = `onnx:${model.file}`;
  }

  /** Loads and checks the model against the config: its input must be `[batch, F]` float32 for the F declared features. */
  static async load(config: OnnxScorerConfig): Promise<OnnxScorer> {
    const c = parseConfig(config);
    const model = await loadModel(c.model, { threads: c.threads });
    try {
      const declared = c.features ?? featuresFromMetadata(model);
      const extractor = compileFeatures(declared);
      const input = pick(model, 'input', c.input);
      const f = extractor.width;
      const [batch, width] = input.shape;
      if (input.type !== 'float32' || input.shape.length !== 2 || (typeof width === 'number' && width !== f))
        throw new OnnxError(
          'ONNX_INPUT_SHAPE',
          `${model.file} input ${input.name} is ${input.type} [${input.shape.join(', ')}]; the ${f} declared features need float32 [batch, ${f}]`,
          {
            details: {
              model: model.path,
              input: input.name,
              type: input.type,
              shape: input.shape,
              features: f,
            },
            hint: 'declare the features the model was trained on, in its column order (or fix the model input)',
          },
        );
      if (typeof batch === 'number' && batch !== 1)
        throw new OnnxError(
          'ONNX_INPUT_SHAPE',
          `${model.file} input ${input.name} has a fixed batch of ${batch}`,
          {
            details: { model: model.path, shape: input.shape },
            hint: 'export the model with a symbolic batch dimension',
          },
        );
      const output = pick(model, 'output', c.output);
      const w = rowWidth(output);
      if (w !== undefined) checkWidth(c.transform, w, output.name);
      const linear = linearForm(model.proto, input.name, output.name, f);
      return new OnnxScorer(
        model,
        extractor,
        input.name,
        output.name,
        c.transform,
        linear,
        c.topComponents,
        batch === 1,
      );
    } catch (e) {
      await model.session.release();
      throw e;
    }
  }

  /**
   * The raw outputs of one `session.run` over a `[rows, F]` feature matrix (row-major); one run
   * per row with `batch: 'row'` or for a model exported with a fixed batch of 1.
   */
  async run(matrix: Float32Array, rows: number): Promise<{ data: Float32Array; width: number }> {
    const f = this.extractor.width;
    if (this.batchOfOne && rows > 1) {
      const parts: Float32Array[] = [];
      for (let i = 0; i < rows; i++)
        parts.push((await this.run(matrix.subarray(i * f, (i + 1) * f), 1)).data);
      const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
      let o = 0;
      for (const p of parts) {
        data.set(p, o);
        o += p.length;
      }
      return { data, width: data.length / rows };
    }
    const tensor = new Tensor('float32', matrix, [rows, f]);
    const result = await this.model.session.run({ [this.input]: tensor });
    const out = result[this.output]!;
    const data = out.data as Float32Array;
    return { data, width: rows === 0 ? 0 : data.length / rows };
  }

  /** Scores a group with one batched run. */
  async scoreEpisodes(episodes: ScoredEpisode[]): Promise<Score[]> {
    if (episodes.length === 0) return [];
    const x = extractFeatureMatrix(episodes, this.extractor);
    const { data, width } = await this.run(x, episodes.length);
    checkWidth(this.transform, width, this.output);
    checkFinite(this.model, this.output, data, width, (row) => ({
      taskId: episodes[row]!.header.taskId,
      seed: episodes[row]!.header.seed,
      features: Object.fromEntries(
        this.extractor.spec.features.map((n, j) => [n, x[row * this.extractor.width + j]]),
      ),
    }));
    const f = this.extractor.width;
    return episodes.map((_, i) =>
      this.toScore(data.subarray(i * width, (i + 1) * width), x.subarray(i * f, (i + 1) * f), i),
    );
  }

  async scoreEpisode(episode: ScoredEpisode): Promise<Score> {
    return (await this.scoreEpisodes([episode]))[0]!;
  }

  async scoreGroup(episodes: ScoredEpisode[]): Promise<Score[]> {
    return this.scoreEpisodes(episodes);
  }

  async close(): Promise<void> {
    await this.model.session.release();
  }

  private toScore(raw: Float32Array, x: Float32Array, row: number): Score {
    const mapped = applyTransform(this.transform, raw, row);
    let total: number;
    try {
      total = micros(mapped.reward);
    } catch (cause) {
      throw new OnnxError(
        'ONNX_OUTPUT_RANGE',
        `${this.model.file} gives reward ${mapped.reward} for row ${row}`,
        {
          details: { model: this.model.path, row, reward: mapped.reward },
          hint: 'map the output into a bounded range (a sigmoid or class transform)',
          cause,
        },
      );
    }
    const names = this.extractor.spec.features;
    let components: ScoreComponent[];
    let why: string;
    if (this.linear) {
      const top = topContributions(this.linear.weights, x, this.topComponents).map((j) => ({
        name: names[j]!,
        value: this.linear!.weights[j]! * x[j]!,
      }));
      const exact = !this.linear.sigmoid && this.transform.kind === 'identity';
      const prefix = exact ? 'feature' : 'logit';
      components = top.map((c) => ({ name: `${prefix}:${c.name}`, micros: micros(c.value) }));
      components.push({ name: exact ? 'bias' : 'logit:bias', micros: micros(this.linear.bias) });
      const listed = components.reduce((a, c) => a + c.micros, 0);
      if (exact) {
        // The remainder makes the components sum to the reward exactly: the features not listed,
        // and the difference between float32 inference and this double-precision explanation.
        const other = total - listed;
        if (other !== 0 || top.length < names.length) components.push({ name: 'other', micros: other });
      }
      why = `linear model ${exact ? 'reward' : 'logit z'} = w·x + b; top: ${top
        .map((c) => `${c.name} ${c.value >= 0 ? '+' : ''}${round(c.value)}`)
        .join(', ')}`;
    } else if (
      mapped.probabilities &&
      (this.transform.kind === 'class' || this.transform.kind === 'expected')
    ) {
      const labels = this.transform.labels;
      components = mapped.probabilities.map((p, k) => ({
        name: `p(${labels?.[k] ?? k})`,
        micros: micros(p),
      }));
      why = `raw output [${Array.from(raw, round).join(', ')}]`;
    } else {
      components = [{ name: 'output', micros: micros(raw[0]!) }];
      why = `raw output ${round(raw[0]!)}`;
    }
    return {
      reward: fromMicros(total),
      micros: total,
      components,
      rationale: `${this.model.file}: ${why}; ${describe(this.transform, mapped.reward)}`,
      confidence: mapped.confidence,
      judge: this.id,
    };
  }
}

/**
 * Indices of the k largest |w_j·x_j|, largest first, the earlier feature first on a tie. A
 * selection, not a sort: k is small, and this runs once per scored episode.
 */
function topContributions(w: Float32Array, x: Float32Array, k: number): number[] {
  const picked: number[] = [];
  const taken = new Uint8Array(w.length);
  for (let n = 0; n < Math.min(k, w.length); n++) {
    let best = -1;
    let bestAbs = -1;
    for (let j = 0; j < w.length; j++) {
      const a = Math.abs(w[j]! * x[j]!);
      if (!taken[j] && a > bestAbs) {
        best = j;
        bestAbs = a;
      }
    }
    taken[best] = 1;
    picked.push(best);
  }
  return picked;
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

/** A transform and its result, in words. */
export function describe(t: Transform, reward: number): string {
  switch (t.kind) {
    case 'identity':
      return `reward ${round(reward)}`;
    case 'sigmoid':
      return `reward ${round(reward)} = ${t.min} + σ(output)·${t.max - t.min}`;
    case 'probability':
      return `reward ${round(reward)} = ${t.min} + p·${t.max - t.min}`;
    case 'class':
      return `reward ${round(reward)} = ${t.min} + p(${t.labels?.[t.index] ?? t.index})·${t.max - t.min}`;
    case 'expected':
      return `reward ${round(reward)} = Σ p(class)·[${t.values.join(', ')}]`;
  }
}

function featuresFromMetadata(model: LoadedModel): unknown {
  const json = model.metadata[FEATURES_METADATA_KEY];
  if (json === undefined)
    throw new OnnxError('ONNX_CONFIG_INVALID', `no feature spec for ${model.file}`, {
      details: { model: model.path },
      hint: `give features in the config, or record them in the model's metadata under ${FEATURES_METADATA_KEY}`,
    });
  try {
    return JSON.parse(json);
  } catch (cause) {
    throw new OnnxError(
      'ONNX_FEATURE_SPEC_INVALID',
      `${model.file} metadata ${FEATURES_METADATA_KEY} is not JSON`,
      {
        details: { model: model.path },
        hint: 'rewrite the metadata with a JSON feature spec, or give features in the config',
        cause,
      },
    );
  }
}

function floatsOf(t: onnxProto.onnx.ITensorProto): Float32Array | undefined {
  if (t.dataType !== 1) return undefined;
  if (t.floatData && t.floatData.length > 0) return Float32Array.from(t.floatData);
  if (t.rawData && t.rawData.length > 0) {
    // Copy: raw bytes in the decoded buffer need not be 4-byte aligned.
    const copy = new Uint8Array(t.rawData);
    return new Float32Array(copy.buffer, 0, copy.length / 4);
  }
  return new Float32Array(0);
}

/**
 * Recognizes `[Sigmoid](Add(MatMul(input, W), B))` (W an `[F, 1]` or `[F]` initializer, B one
 * value) as the whole graph. Anything else is not explained per feature.
 */
export function linearForm(
  proto: onnxProto.onnx.ModelProto,
  input: string,
  output: string,
  f: number,
): LinearForm | undefined {
  const g = proto.graph;
  if (!g) return undefined;
  const init = new Map((g.initializer ?? []).map((t) => [t.name, t]));
  const nodes = (g.node ?? []).map((n) => ({
    opType: n.opType,
    input: n.input ?? [],
    output: n.output ?? [],
  }));
  const mm = nodes[0];
  if (mm?.opType !== 'MatMul' || mm.input[0] !== input) return undefined;
  const w = init.get(mm.input[1] ?? '');
  const weights = w && floatsOf(w);
  if (!weights || weights.length !== f) return undefined;
  let last = mm.output[0];
  let bias = 0;
  let i = 1;
  const add = nodes[i];
  if (add?.opType === 'Add' && add.input.includes(last ?? '')) {
    const other = add.input.find((n) => n !== last);
    const b = init.get(other ?? '');
    const bv = b && floatsOf(b);
    if (bv?.length !== 1) return undefined;
    bias = bv[0]!;
    last = add.output[0];
    i++;
  }
  let sigmoid = false;
  const sig = nodes[i];
  if (sig?.opType === 'Sigmoid' && sig.input[0] === last) {
    sigmoid = true;
    last = sig.output[0];
    i++;
  }
  if (i !== nodes.length || last !== output) return undefined;
  return { weights, bias, sigmoid };
}
