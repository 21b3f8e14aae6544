/**
 * What changed between two versions of an environment, element by element: states (by dotted
 * path), transitions (by source, event and target), expressions (guards, actions, the observation),
 * tasks (by id), tools (by name), reward rules, settings and code files; each added, removed or
 * changed, with the before and after of what changed. Pure and browser-safe; the canvas marks come
 * from the same comparison (`canvasMarks`).
 */
import type { GymSpec } from '@palestra/envs/core';
import { statechartGraph } from '../canvas/statechartGraph.ts';

export type ChangeKind = 'added' | 'removed' | 'changed';

/** The part of the spec a change is in, in the order the page lists them. */
export const AREAS = [
  'state',
  'transition',
  'expression',
  'task',
  'tool',
  'reward',
  'setting',
  'file',
] as const;
export type ChangeArea = (typeof AREAS)[number];

/** One change, as the page says it. */
export interface Change {
  kind: ChangeKind;
  area: ChangeArea;
  /** What it is, in words: `state escalated`, `guard orderExists`, `transition review —APPROVE→ done`. */
  what: string;
  /** The old and new text of a changed element (an expression, or the element's JSON). */
  before?: string;
  after?: string;
}

/** Where the canvas marks the changes: dotted state paths and edge ids of each side's chart. */
export interface CanvasMarks {
  /** On the older version's chart: what is gone, and what changed. */
  before: { states: Record<string, ChangeKind>; edges: Record<string, ChangeKind> };
  /** On the newer version's chart: what is new, and what changed. */
  after: { states: Record<string, ChangeKind>; edges: Record<string, ChangeKind> };
}

export interface SpecDiff {
  changes: Change[];
  marks: CanvasMarks;
}

type Json = Record<string, unknown>;

/** Stable text of a JSON value (keys sorted), so that key order is never a change. */
export function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v as Json)
              .sort()
              .map((k) => [k, sort((v as Json)[k])]),
          )
        : v;
  return JSON.stringify(sort(value)) ?? 'undefined';
}

/** Compares two keyed collections; `text` is what a changed element shows before and after. */
function compare<T>(
  out: Change[],
  area: ChangeArea,
  before: Map<string, T>,
  after: Map<string, T>,
  what: (key: string) => string,
  text: (value: T) => string = stableJson,
): void {
  for (const [key, value] of after) {
    if (!before.has(key)) out.push({ kind: 'added', area, what: what(key), after: text(value) });
    else if (stableJson(before.get(key)) !== stableJson(value))
      out.push({
        kind: 'changed',
        area,
        what: what(key),
        before: text(before.get(key)!),
        after: text(value),
      });
  }
  for (const [key, value] of before)
    if (!after.has(key)) out.push({ kind: 'removed', area, what: what(key), before: text(value) });
}

/** Every state by dotted path, with its own fields (not its children nor its transitions). */
function statesOf(spec: GymSpec): Map<string, Json> {
  const out = new Map<string, Json>();
  const walk = (node: Json, prefix: string) => {
    for (const [key, child] of Object.entries((node.states ?? {}) as Record<string, Json>)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const { states: _s, on: _o, always: _a, ...own } = child;
      out.set(path, own);
      walk(child, path);
    }
  };
  walk(spec.machine as unknown as Json, '');
  return out;
}

/** A transition in words and as a key: `source —EVENT→ target`, the n-th of that key after the first. */
interface Edge {
  id: string;
  key: string;
  label: string;
}

function edgesOf(spec: GymSpec): Map<string, Edge> {
  const out = new Map<string, Edge>();
  for (const e of statechartGraph(spec).edges) {
    const base = `${e.source || '(machine)'} —${e.data.event}→ ${e.data.targetless ? '(stays)' : e.target}`;
    let key = base;
    for (let n = 2; out.has(key); n++) key = `${base} (${n})`;
    out.set(key, { id: e.id, key, label: e.label });
  }
  return out;
}

const named = (spec: GymSpec, part: 'guards' | 'actions') =>
  new Map(Object.entries(spec[part] as Record<string, Json>));

/** An expression's text: a CEL string as it is, a module reference as `module file.js#name`. */
function exprText(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Json;
  if (typeof v?.expr === 'string') return v.expr;
  if (typeof v?.module === 'string') return `module ${v.module}`;
  if (v?.assign && typeof v.assign === 'object')
    return Object.entries(v.assign as Record<string, string>)
      .map(([k, e]) => `${k} := ${e}`)
      .join('; ');
  return stableJson(value);
}

/** A reward rule's key: its name, or its kind and position. */
function rulesOf(spec: GymSpec): Map<string, Json> {
  const out = new Map<string, Json>();
  spec.reward.rules.forEach((rule, i) => {
    const r = rule as Json;
    const kind = ['onEnter', 'perStep', 'when', 'expr', 'module'].find((k) => r[k] !== undefined) ?? 'rule';
    out.set(typeof r.name === 'string' ? r.name : `${kind} #${i + 1}`, r);
  });
  return out;
}

function ruleText(rule: Json): string {
  if (typeof rule.onEnter === 'string') return `on entering ${rule.onEnter}: ${rule.value}`;
  if (typeof rule.perStep === 'number') return `per step: ${rule.perStep}`;
  if (typeof rule.when === 'string') return `when ${rule.when}: ${rule.value}`;
  if (typeof rule.expr === 'string') return rule.expr;
  return stableJson(rule);
}

/** Lines of a file, for a changed module: how many lines each side has. */
const linesOf = (text: string) => `${text.split('\n').length} lines`;

/**
 * The changes from `a` (the older version) to `b`, in the order of `AREAS`, and the canvas marks.
 *
 * @example
 * const { changes } = diffSpecs({ spec: v1, files: {} }, { spec: v2, files: {} });
 * changes[0]; // { kind: 'added', area: 'state', what: 'state escalated', … }
 */
export function diffSpecs(
  a: { spec: GymSpec; files: Record<string, string> },
  b: { spec: GymSpec; files: Record<string, string> },
): SpecDiff {
  const changes: Change[] = [];
  const [statesA, statesB] = [statesOf(a.spec), statesOf(b.spec)];
  compare(changes, 'state', statesA, statesB, (p) => `state ${p}`);
  const [edgesA, edgesB] = [edgesOf(a.spec), edgesOf(b.spec)];
  compare(
    changes,
    'transition',
    new Map([...edgesA].map(([k, e]) => [k, e.label])),
    new Map([...edgesB].map(([k, e]) => [k, e.label])),
    (k) => `transition ${k}`,
    (label) => label,
  );
  compare(
    changes,
    'expression',
    named(a.spec, 'guards'),
    named(b.spec, 'guards'),
    (k) => `guard ${k}`,
    exprText,
  );
  compare(
    changes,
    'expression',
    named(a.spec, 'actions'),
    named(b.spec, 'actions'),
    (k) => `action ${k}`,
    exprText,
  );
  const observation = (s: GymSpec) => {
    const out = new Map<string, unknown>();
    if (s.observation.template !== undefined) out.set('template', s.observation.template);
    if (s.observation.module !== undefined) out.set('module', `module ${s.observation.module}`);
    for (const [k, e] of Object.entries(s.observation.json ?? {})) out.set(`json.${k}`, e);
    return out;
  };
  compare(
    changes,
    'expression',
    observation(a.spec),
    observation(b.spec),
    (k) => `observation ${k}`,
    exprText,
  );
  const tasks = (s: GymSpec) =>
    'list' in s.tasks
      ? new Map<string, unknown>(s.tasks.list.map((t) => [t.id, t]))
      : new Map<string, unknown>([['(generated)', s.tasks]]);
  compare(changes, 'task', tasks(a.spec), tasks(b.spec), (k) => `task ${k}`);
  const tools = (s: GymSpec) => new Map<string, unknown>(s.tools.map((t) => [t.name, t]));
  compare(changes, 'tool', tools(a.spec), tools(b.spec), (k) => `tool ${k}`);
  compare(changes, 'reward', rulesOf(a.spec), rulesOf(b.spec), (k) => `reward rule ${k}`, ruleText);
  const settings = (s: GymSpec) => {
    const out = new Map<string, unknown>();
    for (const k of ['name', 'version', 'description', 'replyEvent', 'truncateOn', 'spaces'] as const)
      if (s[k] !== undefined) out.set(k, s[k]);
    for (const [k, v] of Object.entries(s.limits)) out.set(`limits.${k}`, v);
    for (const [k, v] of Object.entries(s.context.initial)) out.set(`context.${k}`, v);
    if (s.context.schema !== undefined) out.set('context schema', s.context.schema);
    if (s.reward.bounds !== undefined) out.set('reward bounds', s.reward.bounds);
    return out;
  };
  compare(changes, 'setting', settings(a.spec), settings(b.spec), (k) => k);
  compare(
    changes,
    'file',
    new Map(Object.entries(a.files)),
    new Map(Object.entries(b.files)),
    (k) => `file ${k}`,
    linesOf,
  );
  changes.sort((x, y) => AREAS.indexOf(x.area) - AREAS.indexOf(y.area));

  const marks: CanvasMarks = { before: { states: {}, edges: {} }, after: { states: {}, edges: {} } };
  for (const [path, own] of statesB) {
    const old = statesA.get(path);
    if (!old) marks.after.states[path] = 'added';
    else if (stableJson(old) !== stableJson(own))
      marks.before.states[path] = marks.after.states[path] = 'changed';
  }
  for (const path of statesA.keys()) if (!statesB.has(path)) marks.before.states[path] = 'removed';
  for (const [key, e] of edgesB) {
    const old = edgesA.get(key);
    if (!old) marks.after.edges[e.id] = 'added';
    else if (old.label !== e.label) {
      marks.after.edges[e.id] = 'changed';
      marks.before.edges[old.id] = 'changed';
    }
  }
  for (const [key, e] of edgesA) if (!edgesB.has(key)) marks.before.edges[e.id] = 'removed';
  return { changes, marks };
}
