import { canonicalJson, type Episode } from '@palestra/envs';
import { fromMicros } from '@palestra/envs/core';
import { z } from 'zod';
import { issuePath, OnnxError } from './errors.ts';

/**
 * The declared feature extractor: what a feature-based reward model sees of an episode. A
 * `FeatureSpec` lists named features in order; that order is the model's input contract (column
 * `j` of the `[batch, F]` input is `features[j]`). Definitions are versioned: a definition never
 * changes within a version, so a model trained on version 1 features keeps its meaning.
 */
export const FEATURES_VERSION = 1;

type Compute = (e: Episode) => number;

/** Plain features: name → what it measures. */
const PLAIN: Record<string, { doc: string; compute: Compute }> = {
  return: {
    doc: 'the environment return (footer, else the sum of the step rewards), in reward units',
    compute: (e) => fromMicros(e.footer ? e.footer.return : e.steps.reduce((a, s) => a + s.reward, 0)),
  },
  length: { doc: 'number of steps', compute: (e) => e.steps.length },
  terminated: {
    doc: '1 if the episode reached a final state, else 0',
    compute: (e) => flag(e.footer ? e.footer.terminated : (e.steps.at(-1)?.terminated ?? false)),
  },
  truncated: {
    doc: '1 if the episode hit its step limit, else 0',
    compute: (e) => flag(e.footer ? e.footer.truncated : (e.steps.at(-1)?.truncated ?? false)),
  },
  complete: {
    doc: '1 if the record has its footer (the run was not interrupted)',
    compute: (e) => flag(e.complete),
  },
  envError: {
    doc: '1 if the episode stopped on an environment error',
    compute: (e) => flag(!!e.footer?.error),
  },
  invalidActionShare: {
    doc: 'share of steps whose action was invalid (unknown tool, bad arguments, malformed), 0 with no steps',
    compute: (e) => share(e, (s) => s.invalidAction !== undefined),
  },
  textReplyShare: {
    doc: 'share of steps that were a text reply (a model turn with no tool call)',
    compute: (e) => share(e, (s) => 'text' in s.action),
  },
  distinctTools: {
    doc: 'number of distinct tools called in valid tool actions',
    compute: (e) => {
      const tools = new Set<string>();
      for (const s of e.steps) if ('tool' in s.action && !s.invalidAction) tools.add(s.action.tool);
      return tools.size;
    },
  },
  repeatedActionShare: {
    doc: 'share of steps whose action (tool and arguments, or text; canonical JSON) already occurred earlier',
    compute: (e) => {
      const seen = new Set<string>();
      let repeats = 0;
      for (const s of e.steps) {
        const key = canonicalJson(s.action);
        if (seen.has(key)) repeats++;
        else seen.add(key);
      }
      return e.steps.length === 0 ? 0 : repeats / e.steps.length;
    },
  },
  meanObservationLength: {
    doc: "mean length of the steps' observation text, in UTF-16 code units (0 with no steps)",
    compute: (e) =>
      e.steps.length === 0 ? 0 : e.steps.reduce((a, s) => a + s.observation.text.length, 0) / e.steps.length,
  },
};

/** Parameterized features, written `family:argument` (`finalState:resolved`). */
const FAMILIES: Record<string, { doc: string; compute: (arg: string) => Compute }> = {
  finalState: {
    doc: '1 if the final state value contains this dotted state path (one-hot over declared states; the reset state when there are no steps)',
    compute: (path) => (e) => flag((e.steps.at(-1)?.state ?? e.header.info.state).includes(path)),
  },
  visitedState: {
    doc: '1 if any step ended in a state value containing this dotted state path',
    compute: (path) => (e) => flag(e.steps.some((s) => s.state.includes(path))),
  },
  toolShare: {
    doc: 'share of steps that called this tool (valid or not)',
    compute: (tool) => (e) => share(e, (s) => 'tool' in s.action && s.action.tool === tool),
  },
  component: {
    doc: 'sum of the reward component with this name over the steps, in reward units',
    compute: (name) => (e) => {
      let m = 0;
      for (const s of e.steps) for (const c of s.components) if (c.name === name) m += c.micros;
      return fromMicros(m);
    },
  },
};

function flag(b: boolean): number {
  return b ? 1 : 0;
}

function share(e: Episode, pred: (s: Episode['steps'][number]) => boolean): number {
  if (e.steps.length === 0) return 0;
  let n = 0;
  for (const s of e.steps) if (pred(s)) n++;
  return n / e.steps.length;
}

/** Every feature this version defines, with its documentation (`family:<arg>` for parameterized ones). */
export function featureDocs(): Record<string, string> {
  return {
    ...Object.fromEntries(Object.entries(PLAIN).map(([k, v]) => [k, v.doc])),
    ...Object.fromEntries(Object.entries(FAMILIES).map(([k, v]) => [`${k}:<arg>`, v.doc])),
  };
}

function resolve(name: string): Compute | undefined {
  if (Object.hasOwn(PLAIN, name)) return PLAIN[name]!.compute;
  const colon = name.indexOf(':');
  if (colon <= 0 || colon === name.length - 1) return undefined;
  const family = name.slice(0, colon);
  return Object.hasOwn(FAMILIES, family) ? FAMILIES[family]!.compute(name.slice(colon + 1)) : undefined;
}

export const FeatureSpecSchema = z
  .object({
    /** The feature definitions' version (`FEATURES_VERSION`). */
    version: z.literal(FEATURES_VERSION),
    /** Feature names in input order: the model's column `j` is `features[j]`. */
    features: z
      .array(
        z.string().refine((n) => resolve(n) !== undefined, {
          message: `unknown feature (known: ${Object.keys(featureDocs()).join(', ')})`,
        }),
      )
      .min(1)
      .refine((fs) => new Set(fs).size === fs.length, { message: 'a feature is listed twice' }),
  })
  .strict();

export type FeatureSpec = z.infer<typeof FeatureSpecSchema>;

/**
 * Validates a feature spec (from a config file or a model's metadata).
 *
 * @example
 * const spec = parseFeatureSpec({ version: 1, features: ['return', 'length', 'finalState:resolved'] });
 */
export function parseFeatureSpec(input: unknown): FeatureSpec {
  const r = FeatureSpecSchema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: issuePath(i.path), message: i.message }));
  throw new OnnxError(
    'ONNX_FEATURE_SPEC_INVALID',
    `invalid feature spec:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
    {
      details: { issues },
      hint: `write { "version": ${FEATURES_VERSION}, "features": [ ... ] } with names from featureDocs()`,
    },
  );
}

/** A spec compiled once: writes one episode's features into a row of a matrix. */
export interface FeatureExtractor {
  readonly spec: FeatureSpec;
  readonly width: number;
  /** Writes episode `e`'s features into `out[offset … offset + width)`. */
  write(e: Episode, out: Float32Array, offset: number): void;
}

/** Compiles a spec (validating it) into an extractor. */
export function compileFeatures(input: FeatureSpec | unknown): FeatureExtractor {
  const spec = parseFeatureSpec(input);
  const computes = spec.features.map((n) => resolve(n)!);
  return {
    spec,
    width: computes.length,
    write(e, out, offset) {
      for (let j = 0; j < computes.length; j++) out[offset + j] = computes[j]!(e);
    },
  };
}

/**
 * One episode's features, in the spec's order.
 *
 * @example
 * extractFeatures(readEpisode('ep.jsonl'), { version: 1, features: ['return', 'length'] }); // Float32Array [ -1.02, 2 ]
 */
export function extractFeatures(episode: Episode, spec: FeatureSpec | FeatureExtractor): Float32Array {
  const x = 'write' in spec ? spec : compileFeatures(spec);
  const out = new Float32Array(x.width);
  x.write(episode, out, 0);
  return out;
}

/** A `[episodes.length, F]` row-major matrix of features: the model's batched input. */
export function extractFeatureMatrix(
  episodes: Episode[],
  spec: FeatureSpec | FeatureExtractor,
): Float32Array {
  const x = 'write' in spec ? spec : compileFeatures(spec);
  const out = new Float32Array(episodes.length * x.width);
  for (let i = 0; i < episodes.length; i++) x.write(episodes[i]!, out, i * x.width);
  return out;
}
