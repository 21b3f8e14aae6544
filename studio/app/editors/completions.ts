import { CEL_FUNCTIONS } from './celFunctions.ts';

/**
 * What an expression can name, for autocompletion, read from the spec the document describes:
 * context fields (the context schema's properties and `context.initial`), task data keys (every
 * listed task's `data`, nested objects included), tool arguments (the tools' parameter schemas:
 * `event.<argument>`), the variables the kernel binds (`envs/src/kernel/env.ts`'s activation) and
 * CEL's functions. Pure: the editor's completion source (`createExpressionEditor.ts`) calls these.
 */

/** Where an expression is evaluated: each binds a few variables of its own. */
export type ExpressionKind = 'guard' | 'assign' | 'reward' | 'observation' | 'template';

/** A name that can be completed, and the names under it (`task` → `data` → `orderId`). */
export interface Name {
  detail: string;
  children?: Names;
}
export type Names = Map<string, Name>;

/** One completion, in the shape CodeMirror's autocompletion takes. */
export interface CompletionOption {
  label: string;
  type: 'variable' | 'property' | 'function' | 'method' | 'keyword';
  detail?: string;
  info?: string;
  /** The text inserted, when it is not the label (a function's opening parenthesis). */
  apply?: string;
}

/** Completions at a position: `from` is where the word being completed starts. */
export interface CompletionAnswer {
  from: number;
  options: CompletionOption[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Data nested deeper than this is not offered (a task's data can be a large document). */
const MAX_DEPTH = 4;
/** Tasks read for their data keys: enough to see every key of a generated-looking list. */
const MAX_TASKS = 1000;

function add(into: Names, key: string, detail: string): Name {
  let name = into.get(key);
  if (!name) {
    name = { detail };
    into.set(key, name);
  }
  return name;
}

/** The names under `name`, created empty when it has none yet. */
function childrenOf(name: Name): Names {
  if (!name.children) name.children = new Map();
  return name.children;
}

/** The keys of a JSON value, nested objects as children. */
function mergeValue(into: Names, value: unknown, detail: string, depth = 0): void {
  if (!isObject(value) || depth >= MAX_DEPTH) return;
  for (const [k, v] of Object.entries(value)) {
    const name = add(into, k, detail);
    if (isObject(v)) mergeValue(childrenOf(name), v, detail, depth + 1);
  }
}

/** The properties of a JSON Schema object, nested object schemas as children. */
function mergeSchema(
  into: Names,
  schema: unknown,
  detail: (key: string, s: Json) => string,
  depth = 0,
): void {
  if (!isObject(schema) || !isObject(schema.properties) || depth >= MAX_DEPTH) return;
  for (const [k, s] of Object.entries(schema.properties)) {
    const property = isObject(s) ? s : {};
    const name = add(into, k, detail(k, property));
    if (isObject(property.properties)) mergeSchema(childrenOf(name), property, detail, depth + 1);
  }
}

const typeText = (s: Json) => (typeof s.type === 'string' ? s.type : Array.isArray(s.enum) ? 'enum' : 'any');

/** The names an expression of any kind can use, from the spec the document describes. */
export interface Vocabulary {
  context: Names;
  taskData: Names;
  arguments: Names;
}

/**
 * @example
 * vocabularyOf(toSpec(doc).spec).taskData.has('orderId')
 */
export function vocabularyOf(spec: unknown): Vocabulary {
  const s = isObject(spec) ? spec : {};
  const context: Names = new Map();
  const ctx = isObject(s.context) ? s.context : {};
  mergeSchema(context, ctx.schema, (_, p) => `context field (${typeText(p)})`);
  mergeValue(context, ctx.initial, 'context field');
  const taskData: Names = new Map();
  const tasks = isObject(s.tasks) && Array.isArray(s.tasks.list) ? s.tasks.list : [];
  for (const task of tasks.slice(0, MAX_TASKS))
    if (isObject(task)) mergeValue(taskData, task.data, 'task data key');
  const args: Names = new Map();
  for (const tool of Array.isArray(s.tools) ? s.tools : []) {
    if (!isObject(tool)) continue;
    const toolName = typeof tool.name === 'string' ? tool.name : '?';
    mergeSchema(args, tool.parameters, (_, p) => `argument of ${toolName} (${typeText(p)})`);
  }
  return { context, taskData, arguments: args };
}

/** The variables an expression of `kind` sees, each with what is known under it. */
export function scopeOf(vocabulary: Vocabulary, kind: ExpressionKind): Names {
  const names: Names = new Map();
  // Every context key is a variable of its own too (`order.total` as well as `context.order.total`).
  for (const [k, v] of vocabulary.context) names.set(k, v);
  const event: Names = new Map([
    ['type', { detail: 'the event (the tool’s event, or the reply event)' }],
    ['text', { detail: 'the reply’s text (reply events)' }],
    ...vocabulary.arguments,
  ]);
  const task: Names = new Map<string, Name>([
    ['id', { detail: 'the task’s id' }],
    ['instructions', { detail: 'the task’s instructions' }],
    ['data', { detail: 'the task’s data', children: vocabulary.taskData }],
    ['context', { detail: 'the task’s context overrides' }],
  ]);
  names.set('context', { detail: 'the episode’s context', children: vocabulary.context });
  names.set('event', { detail: 'the event being handled', children: event });
  names.set('task', { detail: 'the episode’s task', children: task });
  names.set('params', { detail: 'the guard’s or action’s params' });
  names.set('step', { detail: 'the step number' });
  if (kind === 'reward' || kind === 'observation' || kind === 'template')
    names.set('state', {
      detail: kind === 'template' ? 'the active states, space-separated' : 'the active state paths',
    });
  if (kind === 'reward') {
    names.set('terminated', { detail: 'the episode ended in a final state' });
    names.set('truncated', { detail: 'the episode was cut off' });
  }
  if (kind === 'template') names.set('done', { detail: 'the machine is in a final state' });
  return names;
}

function namesAsOptions(names: Names, type: CompletionOption['type']): CompletionOption[] {
  return [...names].map(([label, n]) => ({ label, type, detail: n.detail }));
}

function resolve(scope: Names, chain: string[]): Names | undefined {
  let names: Names | undefined = scope;
  for (const part of chain) names = names?.get(part)?.children;
  return names;
}

const methods = () =>
  CEL_FUNCTIONS.filter((f) => f.kind === 'method').map(
    (f): CompletionOption => ({
      label: f.name,
      type: 'method',
      detail: f.signature,
      info: f.info,
      apply: `${f.name}(`,
    }),
  );

/**
 * CEL completions for the text before the cursor: after `a.b.` the names known under `a.b` and
 * the methods, else the variables of `kind`, CEL's functions and its keywords. Null when there is
 * nothing being typed and the user did not ask (Ctrl+Space), or inside a string.
 *
 * @example
 * celCompletions(vocabulary, 'guard', 'task.data.or', false) // { from: 10, options: [{ label: 'orderId', … }, …] }
 */
export function celCompletions(
  vocabulary: Vocabulary,
  kind: ExpressionKind,
  before: string,
  explicit: boolean,
): CompletionAnswer | null {
  if (insideString(before)) return null;
  const m = /([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\.)?([A-Za-z_]\w*)?$/.exec(before)!;
  const chainText = m[1];
  const word = m[2] ?? '';
  const from = before.length - word.length;
  const start = before.length - m[0].length;
  const afterDot = start > 0 && before[start - 1] === '.';
  if (chainText || afterDot) {
    const known =
      chainText && !afterDot
        ? resolve(scopeOf(vocabulary, kind), chainText.slice(0, -1).split('.'))
        : undefined;
    return { from, options: [...(known ? namesAsOptions(known, 'property') : []), ...methods()] };
  }
  if (word === '' && !explicit) return null;
  const functions = CEL_FUNCTIONS.filter((f) => f.kind === 'function').map(
    (f): CompletionOption => ({
      label: f.name,
      type: 'function',
      detail: f.signature,
      info: f.info,
      apply: `${f.name}(`,
    }),
  );
  const keywords = ['true', 'false', 'null', 'in'].map(
    (label): CompletionOption => ({ label, type: 'keyword' }),
  );
  return {
    from,
    options: [...namesAsOptions(scopeOf(vocabulary, kind), 'variable'), ...functions, ...keywords],
  };
}

/** Whether `before` ends inside a string literal (quotes counted, escapes skipped). */
function insideString(before: string): boolean {
  let quote: string | null = null;
  for (let i = 0; i < before.length; i++) {
    const c = before[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
  }
  return quote !== null;
}

/**
 * Template completions: inside an open `{{` tag (a variable or a section), the names the
 * template's view has (the context keys, `task`, `event`, `step`, `state`, `done`), dotted paths
 * resolved as in CEL. Null outside a tag.
 *
 * @example
 * templateCompletions(vocabulary, 'Order {{task.data.') // { from: 18, options: [{ label: 'orderId', … }] }
 */
export function templateCompletions(vocabulary: Vocabulary, before: string): CompletionAnswer | null {
  const m = /\{\{\{?\s*[#^/&]?\s*((?:[A-Za-z_]\w*\.)*)([A-Za-z_]\w*)?$/.exec(before);
  if (!m) return null;
  const word = m[2] ?? '';
  const chain = m[1] ? m[1].slice(0, -1).split('.') : [];
  const names = resolve(scopeOf(vocabulary, 'template'), chain);
  if (!names) return null;
  return {
    from: before.length - word.length,
    options: namesAsOptions(names, chain.length ? 'property' : 'variable'),
  };
}
