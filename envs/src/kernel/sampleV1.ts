import type { GymSpec } from '../spec/schema.ts';
import type { Prng } from './prng.ts';
import type { Action } from './types.ts';

type Schema = Record<string, unknown>;

/**
 * The golden recorder's frozen sampler: the random agent as it was when the catalog's golden
 * episodes (`envs/catalog/<name>/golden/`) were recorded. Those files commit to every action this
 * function drew, so it must never change (not even to fix it): a change would rewrite every
 * golden episode. It ignores most schema constraints (refund-desk's `reason` gets `"x"` below its
 * `minLength` 3); use `sampleAction` for valid arguments.
 *
 * @example
 * const action = sampleActionV1(spec, new Prng(seed + 1000)); // what writeGoldens plays
 */
export function sampleActionV1(spec: GymSpec, rng: Prng): Action {
  const tool = spec.tools[rng.int(spec.tools.length)]!;
  return {
    tool: tool.name,
    arguments: sampleValue(tool.parameters as Schema, rng, 0) as Record<string, unknown>,
  };
}

function sampleValue(schema: Schema, rng: Prng, depth: number): unknown {
  if (Array.isArray(schema.enum)) return schema.enum[rng.int(schema.enum.length)];
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.examples) && schema.examples.length > 0)
    return schema.examples[rng.int(schema.examples.length)];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      for (const [k, s] of Object.entries(props)) {
        if (required.has(k) || (depth < 3 && rng.int(2) === 0)) out[k] = sampleValue(s, rng, depth + 1);
      }
      return out;
    }
    case 'array': {
      const min = (schema.minItems as number | undefined) ?? 0;
      const max = Math.min((schema.maxItems as number | undefined) ?? min + 3, min + 3);
      const n = min + rng.int(max - min + 1);
      return Array.from({ length: n }, () => sampleValue((schema.items ?? {}) as Schema, rng, depth + 1));
    }
    case 'integer':
    case 'number': {
      const min = (schema.minimum as number | undefined) ?? 0;
      const max = (schema.maximum as number | undefined) ?? min + 100;
      const v = min + rng.next() * (max - min);
      return type === 'integer' ? Math.floor(v) : Math.round(v * 100) / 100;
    }
    case 'boolean':
      return rng.int(2) === 1;
    case 'string': {
      const words = ['yes', 'no', 'ok', 'check', 'help', 'later', 'done', 'x'];
      const w = words[rng.int(words.length)]!;
      const maxLength = schema.maxLength as number | undefined;
      return maxLength !== undefined ? w.slice(0, maxLength) : w;
    }
    default:
      return null;
  }
}
