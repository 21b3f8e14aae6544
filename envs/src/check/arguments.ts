import { Environment } from '@marcbachmann/cel-js';
import { Ajv, type ValidateFunction } from 'ajv';
import { walkStates } from '../spec/parse.ts';
import type { GymSpec } from '../spec/schema.ts';

/**
 * How the reachability search picks tool arguments, independently of what parameters are called.
 *
 * A parameter's candidates, in this order, are: its schema's `enum` (all of them, and nothing
 * else), `const`, `examples` and `default`; the string and number literals written in guards (CEL
 * guard expressions, and `params` of guard references in the machine); the task data that guards
 * read (every `task.data.…` path in a CEL guard, or in the source of a guard's module), breadth
 * first, map keys included; then all other task data, breadth first. Only values of the
 * parameter's JSON type that pass its schema (`minLength`, `pattern`, `maximum`, …) are kept, at
 * most `MAX_STRINGS` strings or `MAX_NUMBERS` numbers per parameter, and at most
 * `MAX_CALLS_PER_TOOL` argument combinations per tool. No step of this compares a parameter's
 * name with a key of the task data, so renaming a parameter cannot change what is tried.
 */
export const MAX_STRINGS = 8;
export const MAX_NUMBERS = 6;
export const MAX_CALLS_PER_TOOL = 60;
/** How many task-data values are collected per task before ranking (keeps huge tasks cheap). */
const MAX_HARVEST = 400;

type Scalar = string | number;
type Schema = Record<string, unknown>;
export type CandidateEvent = { type: string } & Record<string, unknown>;

/** What the spec's guards say about interesting argument values (computed once per spec). */
export interface GuardHints {
  /** String and number literals in guards. */
  literals: Scalar[];
  /** Paths under `task.data` that guards read, e.g. `['orders']`, `['orderId']`. */
  dataPaths: string[][];
}

// Parsing only (nothing is evaluated), so this environment needs none of the kernel's functions.
const cel = new Environment({ unlistedVariablesAreDyn: true, enableOptionalTypes: true });

interface AstNode {
  op: string;
  args: unknown;
}

function isNode(x: unknown): x is AstNode {
  return typeof x === 'object' && x !== null && typeof (x as AstNode).op === 'string';
}

/** `task.data.orders[?e].x` → ['task', 'data', 'orders']: the longest chain of constant accesses. */
function accessChain(node: AstNode): string[] | undefined {
  if (node.op === 'id') return typeof node.args === 'string' ? [node.args] : undefined;
  const [target, key] = node.args as [unknown, unknown];
  if (!isNode(target)) return undefined;
  const head = accessChain(target);
  if (!head) return undefined;
  if ((node.op === '.' || node.op === '.?') && typeof key === 'string') return [...head, key];
  if ((node.op === '[]' || node.op === '[?]') && isNode(key) && key.op === 'value')
    return typeof key.args === 'string' ? [...head, key.args] : undefined;
  return head;
}

function literalOf(node: AstNode): Scalar | undefined {
  if (node.op === 'value') {
    const v = node.args;
    if (typeof v === 'string' || typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    return undefined;
  }
  if (node.op === '-_' && isNode(node.args)) {
    const v = literalOf(node.args);
    return typeof v === 'number' ? -v : undefined;
  }
  return undefined;
}

/** Literals and `task.data` paths of one CEL expression (nothing if it does not parse: the spec check says so). */
function scanCel(source: string, hints: GuardHints): void {
  let ast: unknown;
  try {
    ast = (cel.parse(source) as unknown as { ast: unknown }).ast;
  } catch {
    return;
  }
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) {
      for (const y of x) visit(y);
      return;
    }
    if (!isNode(x)) return;
    const lit = literalOf(x);
    if (lit !== undefined) {
      hints.literals.push(lit);
      return;
    }
    if (x.op === '.' || x.op === '.?' || x.op === '[]' || x.op === '[?]') {
      const chain = accessChain(x);
      if (chain && chain.length > 2 && chain[0] === 'task' && chain[1] === 'data')
        hints.dataPaths.push(chain.slice(2));
    }
    visit(x.args);
  };
  visit(ast);
}

/** `task.data.a.b` paths in module source: a text scan (modules are JS, not parsed here). */
function scanModule(source: string, hints: GuardHints): void {
  for (const m of source.matchAll(/\btask\s*\.\s*data((?:\s*\.\s*[A-Za-z_$][\w$]*)+)/g))
    hints.dataPaths.push(
      m[1]!
        .split('.')
        .map((s) => s.trim())
        .filter(Boolean),
    );
}

function scalarLeaves(v: unknown, out: Scalar[]): void {
  if (typeof v === 'string' || typeof v === 'number') out.push(v);
  else if (Array.isArray(v)) for (const x of v) scalarLeaves(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) scalarLeaves(x, out);
}

/** Reads the spec's guards once: their literals and the task data they look at. */
export function guardHints(spec: GymSpec, files: Record<string, string>): GuardHints {
  const hints: GuardHints = { literals: [], dataPaths: [] };
  for (const g of Object.values(spec.guards)) {
    if (g.expr !== undefined) scanCel(g.expr, hints);
    else if (g.module !== undefined) {
      const file = files[g.module.split('#')[0]!];
      if (file !== undefined) scanModule(file, hints);
    }
  }
  // `params` of guard references: { guard: { type: "atLeast", params: { n: 3 } } }.
  const visitTransitions = (t: unknown): void => {
    if (Array.isArray(t)) for (const x of t) visitTransitions(x);
    else if (t && typeof t === 'object') {
      const guard = (t as { guard?: unknown }).guard;
      if (guard && typeof guard === 'object')
        scalarLeaves((guard as { params?: unknown }).params, hints.literals);
    }
  };
  walkStates(spec.machine, (node) => {
    for (const t of Object.values(node.on ?? {})) visitTransitions(t);
    visitTransitions(node.always);
  });
  const seen = new Set<string>();
  hints.dataPaths = hints.dataPaths.filter((p) => {
    const k = JSON.stringify(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return hints;
}

/** Scalars under several roots, breadth first (shallow values before deep ones; a map's keys with its values). */
function breadthFirst(roots: unknown[], out: Scalar[]): void {
  let level = roots;
  while (level.length > 0 && out.length < MAX_HARVEST) {
    const next: unknown[] = [];
    for (const v of level) {
      if (typeof v === 'string' || typeof v === 'number') out.push(v);
      else if (Array.isArray(v)) next.push(...v);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          out.push(k);
          next.push(x);
        }
      }
      if (out.length >= MAX_HARVEST) return;
    }
    level = next;
  }
}

function at(data: unknown, path: string[]): unknown {
  let v = data;
  for (const k of path) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** The value pool of one task: guard literals, the data guards read, then all data (in that order). */
export function valuePool(hints: GuardHints, taskData: unknown): Scalar[] {
  const pool: Scalar[] = [...hints.literals];
  breadthFirst(
    hints.dataPaths.map((p) => at(taskData, p)).filter((v) => v !== undefined),
    pool,
  );
  breadthFirst([taskData], pool);
  return pool;
}

const ajv = new Ajv({ strict: false });
const validators = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: Schema): ValidateFunction | undefined {
  let v = validators.get(schema);
  if (!v) {
    try {
      v = ajv.compile(schema);
    } catch {
      return undefined;
    }
    validators.set(schema, v);
  }
  return v;
}

function typeOf(schema: Schema): string | undefined {
  return Array.isArray(schema.type) ? (schema.type[0] as string) : (schema.type as string | undefined);
}

/** Candidate values of one parameter (see the file comment for the order and the bounds). */
export function parameterCandidates(schema: Schema, pool: Scalar[]): unknown[] {
  if (Array.isArray(schema.enum)) return schema.enum;
  const declared: unknown[] = [
    ...('const' in schema ? [schema.const] : []),
    ...(Array.isArray(schema.examples) ? schema.examples : []),
    ...('default' in schema ? [schema.default] : []),
  ];
  const type = typeOf(schema);
  if (type === 'boolean') return [...declared, true, false].filter(unique);
  const valid = validatorFor(schema);
  const accept = (v: unknown) => !valid || valid(v) === true;
  const max = type === 'number' || type === 'integer' ? MAX_NUMBERS : MAX_STRINGS;
  const out: unknown[] = declared.filter(accept);
  const wanted =
    type === 'string' ? 'string' : type === 'number' || type === 'integer' ? 'number' : undefined;
  if (wanted)
    for (const v of pool) {
      if (out.length >= max) break;
      if (typeof v === wanted && !out.includes(v) && accept(v)) out.push(v);
    }
  if (out.length > 0) return out.slice(0, Math.max(max, declared.length));
  // Nothing fits: one value shaped by the schema, so the tool is still tried.
  if (type === 'string') return ['x'.repeat(Math.max(1, (schema.minLength as number | undefined) ?? 1))];
  if (wanted) return [(schema.minimum as number | undefined) ?? 0, 1];
  return type === 'object' ? [{}] : type === 'array' ? [[]] : [null];
}

function unique(v: unknown, i: number, all: unknown[]): boolean {
  return all.indexOf(v) === i;
}

/** Events to explore the graph with from one task: a text reply, then every tool with its candidate arguments. */
export function candidateEvents(spec: GymSpec, hints: GuardHints, taskData: unknown): CandidateEvent[] {
  const pool = valuePool(hints, taskData);
  const events: CandidateEvent[] = [{ type: spec.replyEvent, text: 'ok' }];
  for (const tool of spec.tools) {
    const props = ((tool.parameters as { properties?: Record<string, Schema> }).properties ?? {}) as Record<
      string,
      Schema
    >;
    let combos: Record<string, unknown>[] = [{}];
    for (const [name, schema] of Object.entries(props)) {
      const values = parameterCandidates(schema, pool);
      const next: Record<string, unknown>[] = [];
      for (const c of combos)
        for (const v of values) if (next.length < MAX_CALLS_PER_TOOL) next.push({ ...c, [name]: v });
      combos = next;
    }
    for (const c of combos) events.push({ ...c, type: tool.event });
  }
  return events;
}
