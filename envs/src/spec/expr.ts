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
 * an expression can see. The generator is an argument of every evaluation (`CompiledExpr`), never
 * module state, so several environments can step in one thread in any interleaving.
 */

/**
 * Where an evaluation's generator rides in its activation: a symbol, so no CEL identifier can
 * name it. `rand` is a macro rather than a function because cel-js calls a function's handler
 * with its arguments only, while a macro's `evaluate` also gets the evaluation's context.
 */
const RNG = Symbol('palestra.rng');

interface MacroArgs {
  ast: unknown;
  args: unknown[];
}
interface CelChecker {
  check(ast: unknown, ctx: unknown): { kind?: string; name?: string; toString(): string };
  getType(name: string): unknown;
  createError(code: string, message: string, ast: unknown): Error;
}
interface CelEvaluator {
  run(ast: unknown, ctx: unknown): unknown;
  debugType(v: unknown): { toString(): string };
  createError(code: string, message: string, ast: unknown): Error;
}
interface CelContext {
  getValue(key: unknown): unknown;
}

/** `rand(n)`: type-checks as `rand(int): int` did, and draws from the generator of this evaluation. */
function randMacro({ ast, args }: MacroArgs) {
  if (args.length !== 1) throw new Error(`rand() takes one int argument, got ${args.length}`);
  return {
    arg: args[0],
    typeCheck(checker: CelChecker, macro: { arg: unknown }, ctx: unknown) {
      const t = String(checker.check(macro.arg, ctx));
      if (t !== 'int' && t !== 'dyn')
        throw checker.createError('no_matching_overload', `found no matching overload for 'rand(${t})'`, ast);
      return checker.getType('int');
    },
    evaluate(ev: CelEvaluator, macro: { arg: unknown }, ctx: CelContext) {
      const n = ev.run(macro.arg, ctx);
      if (typeof n !== 'bigint')
        throw ev.createError(
          'no_matching_overload',
          `found no matching overload for 'rand(${String(ev.debugType(n))})'`,
          ast,
        );
      const rng = ctx.getValue(RNG) as Prng | undefined;
      if (!rng) throw new Error('rand() is only available while an environment steps');
      return BigInt(rng.int(Number(n)));
    },
  };
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
}).registerFunction('rand(ast): int', randMacro as never);

for (const op of ['+', '-', '*', '/'] as const) {
  const f = (a: number, b: number) => (op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b);
  celEnv.registerOperator(`double ${op} int`, (a: number, b: bigint) => f(a, Number(b)));
  celEnv.registerOperator(`int ${op} double`, (a: bigint, b: number) => f(Number(a), b));
}

export type Activation = Record<string, unknown>;
/**
 * A compiled expression: evaluates against `activation`, drawing `rand(n)` from `rng` (without
 * one, an expression that calls `rand` throws; all others evaluate the same).
 */
export type CompiledExpr = (activation: Activation, rng?: Prng) => unknown;

/**
 * Parses a CEL expression once. Throws a plain Error with CEL's message (callers add the JSON path).
 *
 * @example
 * compileExpr('x + rand(3)')({ x: 1 }, new Prng(7)); // 1, 2 or 3, the same for the same generator state
 */
export function compileExpr(source: string): CompiledExpr {
  const parsed = celEnv.parse(source);
  // Most expressions never draw: they evaluate against the caller's activation as it is (a child
  // object per evaluation measured 2.5× slower on frozen-lake's step). A source without `rand`
  // cannot call it (CEL has no other way to name a function).
  if (!/\brand\s*\(/.test(source)) return (activation) => fromCel(parsed(activation));
  return (activation, rng) => {
    if (rng === undefined) return fromCel(parsed(activation));
    // The generator rides on the activation under a symbol for this evaluation only (no CEL name
    // can reach it); set back to undefined, not deleted, so the object keeps its shape. A child
    // object per evaluation (Object.create) measured 15% slower on frozen-lake's step.
    const carrier = (
      Object.isExtensible(activation) ? activation : Object.create(activation)
    ) as Activation & { [RNG]?: Prng | undefined };
    const before = carrier[RNG];
    carrier[RNG] = rng;
    try {
      return fromCel(parsed(carrier));
    } finally {
      carrier[RNG] = before;
    }
  };
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
