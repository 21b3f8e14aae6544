import { fromMicros, microsOf } from '@palestra/envs/core';
import { z } from 'zod';
import { OnnxError } from './errors.ts';

/**
 * How a model's output row becomes a reward: declared in the scorer's config, never guessed.
 *
 * - `identity`: the model outputs the reward itself (one value). It gives no probability, so the
 *   confidence is the declared `confidence` (1 by default: the output is a deterministic estimate).
 * - `sigmoid`: the model outputs a logit z (one value); p = σ(z); reward = min + p·(max − min).
 * - `probability`: the model already outputs p ∈ [0, 1] (it ends in a Sigmoid); reward as above.
 * - `class`: the model outputs C class probabilities (or logits with `softmax: true`);
 *   reward = min + p[index]·(max − min).
 * - `expected`: C class probabilities; reward = Σ p[i]·values[i] (the expected reward).
 *
 * For every kind but `identity` the confidence is the probability of the predicted side or class
 * (max(p, 1 − p), or the largest class probability).
 */
const range = { min: z.number().finite().default(0), max: z.number().finite().default(1) };
const classes = {
  /** The model outputs logits: apply softmax here. */
  softmax: z.boolean().default(false),
  /** Class names, for components and rationales. */
  labels: z.array(z.string().min(1)).optional(),
};

export const TransformSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('identity'), confidence: z.number().min(0).max(1).default(1) }).strict(),
  z.object({ kind: z.literal('sigmoid'), ...range }).strict(),
  z.object({ kind: z.literal('probability'), ...range }).strict(),
  z.object({ kind: z.literal('class'), index: z.number().int().min(0), ...range, ...classes }).strict(),
  z.object({ kind: z.literal('expected'), values: z.array(z.number().finite()).min(2), ...classes }).strict(),
]);

export type Transform = z.infer<typeof TransformSchema>;
export type TransformInput = z.input<typeof TransformSchema>;

/** What a transform makes of one output row. */
export interface Mapped {
  reward: number;
  confidence: number;
  /** Class probabilities (class kinds) or [p] (sigmoid, probability); absent for identity. */
  probabilities?: number[];
}

/** Checks that the model gives as many values per row as the transform needs (`class`: at least `index + 1`). */
export function checkWidth(t: Transform, width: number, output: string): void {
  const need = t.kind === 'class' ? t.index + 1 : t.kind === 'expected' ? t.values.length : 1;
  const exact = t.kind !== 'class';
  if (exact ? width !== need : width < need)
    throw new OnnxError(
      'ONNX_OUTPUT_SHAPE',
      `output ${output} has ${width} value(s) per row; the ${t.kind} transform needs ${exact ? '' : 'at least '}${need}`,
      {
        details: { output, width, transform: t },
        hint:
          t.kind === 'class' || t.kind === 'expected'
            ? 'declare a class index (or one value per class) that matches the model'
            : 'use a model with one output value per row, or a class/expected transform',
      },
    );
  if ((t.kind === 'class' || t.kind === 'expected') && t.labels && t.labels.length !== width)
    throw new OnnxError('ONNX_OUTPUT_SHAPE', `${t.labels.length} labels for ${width} classes`, {
      details: { output, width, labels: t.labels },
      hint: 'give one label per class',
    });
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function softmax(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

function checkProbabilities(ps: number[], row: number): void {
  const sum = ps.reduce((a, b) => a + b, 0);
  if (ps.some((p) => p < -1e-6 || p > 1 + 1e-6) || Math.abs(sum - 1) > 1e-3)
    throw new OnnxError(
      'ONNX_OUTPUT_NOT_PROBABILITIES',
      `row ${row}: [${ps.join(', ')}] are not class probabilities`,
      {
        details: { row, values: ps, sum },
        hint: 'if the model outputs logits, declare the transform with softmax: true',
      },
    );
}

/**
 * Maps one finite output row to a reward (in reward units, before micro-unit rounding). The
 * confidence is rounded to 10⁻⁶ like rewards: onnxruntime may pick other kernels for a batch than
 * for one row, which moves float32 results by an ulp, and a score should not depend on its batch.
 */
export function applyTransform(t: Transform, row: ArrayLike<number>, index: number): Mapped {
  const m = mapRow(t, row, index);
  return { ...m, confidence: fromMicros(microsOf(m.confidence)) };
}

function mapRow(t: Transform, row: ArrayLike<number>, index: number): Mapped {
  const raw = Array.from(row);
  switch (t.kind) {
    case 'identity':
      return { reward: raw[0]!, confidence: t.confidence };
    case 'sigmoid':
    case 'probability': {
      const p = t.kind === 'sigmoid' ? sigmoid(raw[0]!) : raw[0]!;
      if (t.kind === 'probability' && (p < 0 || p > 1))
        throw new OnnxError('ONNX_OUTPUT_NOT_PROBABILITIES', `row ${index}: ${p} is not a probability`, {
          details: { row: index, value: p },
          hint: 'if the model outputs a logit, declare the transform as sigmoid',
        });
      return { reward: t.min + p * (t.max - t.min), confidence: Math.max(p, 1 - p), probabilities: [p] };
    }
    case 'class':
    case 'expected': {
      const ps = t.softmax ? softmax(raw) : raw;
      if (!t.softmax) checkProbabilities(ps, index);
      const reward =
        t.kind === 'class'
          ? t.min + ps[t.index]! * (t.max - t.min)
          : ps.reduce((a, p, i) => a + p * t.values[i]!, 0);
      return { reward, confidence: Math.min(1, Math.max(...ps)), probabilities: ps };
    }
  }
}

/** Validates a transform from a config. */
export function parseTransform(input: unknown): Transform {
  const r = TransformSchema.safeParse(input);
  if (r.success) return r.data;
  throw new OnnxError(
    'ONNX_CONFIG_INVALID',
    `invalid transform: ${r.error.issues.map((i) => i.message).join('; ')}`,
    {
      details: { issues: r.error.issues },
      hint: 'use { kind: identity | sigmoid | probability | class | expected, … }',
    },
  );
}
