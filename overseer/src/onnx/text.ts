import type { Episode } from '@palestra/envs';
import { fromMicros } from '@palestra/envs/core';
import { Tensor } from 'onnxruntime-node';
import { z } from 'zod';
import { micros, type Overseer, type Score, type ScoredEpisode } from '../types.ts';
import { issuePath, OnnxError } from './errors.ts';
import { describe } from './model.ts';
import {
  checkFinite,
  inputsOf,
  type LoadedModel,
  loadModel,
  pick,
  rowWidth,
  type TensorInfo,
} from './session.ts';
import { loadTokenizer, type TextTokenizer } from './tokenizer.ts';
import { applyTransform, checkWidth, type Transform, TransformSchema } from './transform.ts';

/**
 * The transcript a text reward model reads, format 1: the first observation, then for each step
 * the action on a line starting `> ` (`> tool {"arg":…}` or `> say: text`) and the observation
 * that answered it. A model trained on one format keeps its meaning only on that format.
 */
export const TRANSCRIPT_FORMAT = 1;

/**
 * An episode as the text a classifier reads (format `TRANSCRIPT_FORMAT`).
 *
 * @example
 * transcriptText(episode) // 'Ticket #4295 …\n> lookup_order {"orderId":"x"}\nOrder x: no such order …'
 */
export function transcriptText(episode: Episode): string {
  const parts = [episode.header.observation.text];
  for (const s of episode.steps) {
    const a = s.action;
    parts.push('text' in a ? `> say: ${a.text}` : `> ${a.tool} ${JSON.stringify(a.arguments ?? {})}`);
    parts.push(s.observation.text);
  }
  return parts.join('\n');
}

/** Tokens a window must give beyond `room` before its first ones are trusted (see `keptTokens`). */
const WINDOW_MARGIN = 8;

/**
 * The `room` tokens at the kept end of `text`, without tokenizing all of a long transcript (it
 * repeats every observation, and tokenizing is the slow part): tokenize a window of characters at
 * that end, starting (or ending) at whitespace, and widen it until it gives more than `room` +
 * margin tokens or is the whole text. Tokenizers split words at whitespace before anything else,
 * so the window's tokens are those of the whole text, except perhaps its first few at the cut
 * (a leading-space marker, a split whitespace run); the margin drops those.
 */
export function keptTokens(
  tokenizer: Pick<TextTokenizer, 'encode'>,
  text: string,
  room: number,
  keep: 'head' | 'tail',
): { ids: number[]; cut: boolean } {
  for (let width = room * 8; ; width *= 2) {
    let window = text;
    if (width < text.length) {
      if (keep === 'tail') {
        const start = text.slice(0, text.length - width).search(/\s\S*$/);
        window = start < 0 ? text : text.slice(start);
      } else {
        const end = text.slice(width).search(/\s/);
        window = end < 0 ? text : text.slice(0, width + end);
      }
    }
    const ids = tokenizer.encode(window);
    const whole = window.length === text.length;
    if (whole || ids.length > room + WINDOW_MARGIN) {
      if (ids.length <= room) return { ids, cut: false };
      return { ids: keep === 'tail' ? ids.slice(ids.length - room) : ids.slice(0, room), cut: true };
    }
  }
}

export const TextScorerConfigSchema = z
  .object({
    /** Path of the `.onnx` classifier: `input_ids` (+ `attention_mask`, `token_type_ids`) → class scores. */
    model: z.string().min(1),
    /** Folder with `tokenizer.json` (+ `tokenizer_config.json`), or a BERT `vocab.txt`. */
    tokenizer: z.string().min(1),
    /** Tokens per episode, special tokens included; longer transcripts are cut. */
    maxLength: z.number().int().min(4).max(65_536).default(256),
    /** Which end of a long transcript to keep: the tail (default) holds the outcome. */
    keep: z.enum(['head', 'tail']).default('tail'),
    /** Output name; the model's first output by default. */
    output: z.string().min(1).optional(),
    /** How the class probabilities become a reward (`class` or `expected`). */
    transform: TransformSchema.refine((t) => t.kind === 'class' || t.kind === 'expected', {
      message: 'a text classifier needs a class or expected transform',
    }),
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

export type TextScorerConfig = z.input<typeof TextScorerConfigSchema>;

const KNOWN_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids']);

/**
 * A text classifier over the episode transcript as an overseer: transcript → token ids (cut to
 * `maxLength`, special tokens kept) → ONE `session.run` for the whole group → class
 * probabilities → reward by the declared transform; the confidence is the top class probability.
 *
 * Padding: with an `attention_mask` input a group is padded to its longest row (the mask hides
 * the padding); without one every row is padded to `maxLength`, so the model sees the same tokens
 * whatever the group. The float32 sums may still run in another order for a batch than for one
 * row (±1 micro-unit); `batch: 'row'` trades the speed for bit-identical scores.
 *
 * @example
 * const judge = await OnnxTextScorer.load({ model: 'cls.onnx', tokenizer: 'cls/', transform: { kind: 'class', index: 1 } });
 */
export class OnnxTextScorer implements Overseer {
  readonly id: string;

  private constructor(
    readonly model: LoadedModel,
    readonly tokenizer: TextTokenizer,
    private readonly inputs: TensorInfo[],
    readonly output: string,
    readonly transform: Transform,
    readonly maxLength: number,
    readonly keep: 'head' | 'tail',
    readonly batch: 'group' | 'row',
  ) {
    this.id = `onnx:${model.file}`;
  }

  static async load(config: TextScorerConfig): Promise<OnnxTextScorer> {
    const r = TextScorerConfigSchema.safeParse(config);
    if (!r.success) {
      const issues = r.error.issues.map((i) => ({ path: issuePath(i.path), message: i.message }));
      throw new OnnxError(
        'ONNX_CONFIG_INVALID',
        `invalid ONNX text scorer config:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
        { details: { issues }, hint: 'see TextScorerConfigSchema for the fields and their meaning' },
      );
    }
    const c = r.data;
    const tokenizer = loadTokenizer(c.tokenizer);
    if (tokenizer.prefix.length + tokenizer.suffix.length >= c.maxLength)
      throw new OnnxError('ONNX_CONFIG_INVALID', `maxLength ${c.maxLength} leaves no room for text`, {
        details: { maxLength: c.maxLength },
        hint: 'raise maxLength',
      });
    const model = await loadModel(c.model, { threads: c.threads });
    try {
      const inputs = inputsOf(model);
      const names = inputs.map((i) => i.name);
      const unknown = names.filter((n) => !KNOWN_INPUTS.has(n));
      const ids = inputs.find((i) => i.name === 'input_ids');
      if (!ids || unknown.length > 0)
        throw new OnnxError(
          'ONNX_INPUT_UNKNOWN',
          `${model.file} takes ${names.join(', ')}; a text scorer feeds input_ids (and attention_mask, token_type_ids)`,
          {
            details: { model: model.path, inputs: names },
            hint: 'export the classifier with input_ids [batch, seq] as its token input',
          },
        );
      for (const i of inputs)
        if ((i.type !== 'int64' && i.type !== 'int32') || i.shape.length !== 2)
          throw new OnnxError(
            'ONNX_INPUT_SHAPE',
            `${model.file} input ${i.name} is ${i.type} [${i.shape.join(', ')}]; token inputs are int64 (or int32) [batch, seq]`,
            {
              details: { model: model.path, input: i.name, type: i.type, shape: i.shape },
              hint: 'export token inputs as int64 [batch, seq]',
            },
          );
      const output = pick(model, 'output', c.output);
      const w = rowWidth(output);
      if (w !== undefined) checkWidth(c.transform, w, output.name);
      return new OnnxTextScorer(
        model,
        tokenizer,
        inputs,
        output.name,
        c.transform,
        c.maxLength,
        c.keep,
        c.batch,
      );
    } catch (e) {
      await model.session.release();
      throw e;
    }
  }

  /** An episode's token ids as the model gets them: special tokens kept, the text cut to fit. */
  tokenize(episode: Episode): { ids: number[]; cut: boolean } {
    const { prefix, suffix } = this.tokenizer;
    const room = this.maxLength - prefix.length - suffix.length;
    const { ids, cut } = keptTokens(this.tokenizer, transcriptText(episode), room, this.keep);
    return { ids: [...prefix, ...ids, ...suffix], cut };
  }

  /**
   * Class scores of one `session.run` over tokenized rows (padded as the class comment says), or
   * of one run per row with `batch: 'row'`.
   */
  async run(rows: number[][]): Promise<{ data: Float32Array; width: number }> {
    if (this.batch === 'row' && rows.length > 1) {
      const parts: Float32Array[] = [];
      for (const r of rows) parts.push((await this.runOnce([r])).data);
      const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
      parts.forEach((p, i) => {
        data.set(p, i * p.length);
      });
      return { data, width: data.length / rows.length };
    }
    return this.runOnce(rows);
  }

  private async runOnce(rows: number[][]): Promise<{ data: Float32Array; width: number }> {
    const hasMask = this.inputs.some((i) => i.name === 'attention_mask');
    const len = hasMask ? Math.max(...rows.map((r) => r.length)) : this.maxLength;
    const n = rows.length;
    const ids = new Array<number>(n * len).fill(this.tokenizer.padId);
    const mask = new Array<number>(n * len).fill(0);
    rows.forEach((r, i) => {
      for (let j = 0; j < r.length; j++) {
        ids[i * len + j] = r[j]!;
        mask[i * len + j] = 1;
      }
    });
    const tensor = (info: TensorInfo, values: number[]) =>
      info.type === 'int64'
        ? new Tensor(
            'int64',
            BigInt64Array.from(values, (v) => BigInt(v)),
            [n, len],
          )
        : new Tensor('int32', Int32Array.from(values), [n, len]);
    const feeds: Record<string, Tensor> = {};
    for (const info of this.inputs)
      feeds[info.name] = tensor(
        info,
        info.name === 'input_ids'
          ? ids
          : info.name === 'attention_mask'
            ? mask
            : new Array<number>(n * len).fill(0),
      );
    const result = await this.model.session.run(feeds);
    const data = result[this.output]!.data as Float32Array;
    return { data, width: data.length / n };
  }

  async scoreEpisodes(episodes: ScoredEpisode[]): Promise<Score[]> {
    if (episodes.length === 0) return [];
    const tokenized = episodes.map((e) => this.tokenize(e));
    const { data, width } = await this.run(tokenized.map((t) => t.ids));
    checkWidth(this.transform, width, this.output);
    checkFinite(this.model, this.output, data, width, (row) => ({
      taskId: episodes[row]!.header.taskId,
      seed: episodes[row]!.header.seed,
      tokens: tokenized[row]!.ids.length,
    }));
    return episodes.map((_, i) => {
      const raw = data.subarray(i * width, (i + 1) * width);
      const mapped = applyTransform(this.transform, raw, i);
      const total = micros(mapped.reward);
      const labels =
        this.transform.kind === 'class' || this.transform.kind === 'expected'
          ? this.transform.labels
          : undefined;
      const ps = mapped.probabilities ?? [];
      const { ids, cut } = tokenized[i]!;
      const tokens = `${ids.length} tokens${cut ? ` (cut to the transcript's ${this.keep})` : ''}`;
      return {
        reward: fromMicros(total),
        micros: total,
        components: ps.map((p, k) => ({ name: `p(${labels?.[k] ?? k})`, micros: micros(p) })),
        rationale: `${this.model.file}: ${tokens}; p = [${ps.map((p) => p.toFixed(4)).join(', ')}]; ${describe(this.transform, mapped.reward)}`,
        confidence: mapped.confidence,
        judge: this.id,
      };
    });
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
}
