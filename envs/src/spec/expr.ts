import { Environment } from '@marcbachmann/cel-js';
import type { Prng } from '../kernel/prng.ts';

/**
 * CEL (Common Expression Language) for guards, assignments, rewards and JSON observations:
 * non-Turing-complete, synchronous, indexes into maps (`task.orders[event.orderId]`), parsed once.
 *
 * Numbers from JSON are CEL doubles (as in CEL's own JSON mapping); integer literals are ints.
 * We register mixed double/int arithmetic so `context.step + 1` works as authors expect, and
 * convert results back to plain JSON (BigInt → number) before they reach the context.
 *
 * `rand(n)` draws an integer in [0, n) from the episode's seeded generator: the only randomness
 * an expression can see.
 */
let currentRng: Prng | undefined;

/** Points `rand(n)` at the generator of the environment being stepped (single-threaded, synchronous). */
export function bindRng(rng: Prng | undefined): void {
  currentRng = rng;
}

function rand(n: bigint): bigint {
  if (!currentRng) throw new Error('rand() is only available while an environment steps');
  return BigInt(currentRng.int(Number(n)));
}

const celEnv = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
  limits: {
    maxAstNodes: 2000,
    maxDepth: 64,
    maxListElements: 1000,
    maxMapEntries: 1000,
    maxCallArguments: 16,
  },
}).registerFunction('rand(int): int', rand);

for (const op of ['+', '-', '*', '/'] as const) {
  const f = (a: number, b: number) => (op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b);
  celEnv.registerOperator(`double ${op} int`, (a: number, b: bigint) => f(a, Number(b)));
  celEnv.registerOperator(`int ${op} double`, (a: bigint, b: number) => f(Number(a), b));
}

export type Activation = Record<string, unknown>;
export type CompiledExpr = (activation: Activation) => unknown;

/** Parses a CEL expression once. Throws a plain Error with CEL's message (callers add the JSON path). */
export function compileExpr(source: string): CompiledExpr {
  const parsed = celEnv.parse(source);
  return (activation) => fromCel(parsed(activation));
}

/** CEL values back to JSON: BigInt → number, Map → object. */
export function fromCel(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const c = fromCel(v[i]);
      if (c !== v[i]) {
        copy ??= v.slice();
        copy[i] = c;
      }
    }
    return copy ?? v;
  }
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), fromCel(x)]));
  if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return v;
  let copy: Record<string, unknown> | undefined;
  for (const k in v as Record<string, unknown>) {
    const x = (v as Record<string, unknown>)[k];
    const c = fromCel(x);
    if (c !== x) {
      copy ??= { ...(v as Record<string, unknown>) };
      copy[k] = c;
    }
  }
  return copy ?? v;
}
