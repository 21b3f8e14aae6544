import type { z } from 'zod';
import { SpecError, type SpecIssue } from '../errors.ts';
import { unhandledToolIssues } from './events.ts';
import { compileExpr } from './expr.ts';
import { jsonPath } from './jsonPath.ts';
import { checkJsonValue, SPEC_LIMITS } from './limits.ts';
import { migrateSpec } from './migrate.ts';
import { deriveRewardBounds } from './rewardBounds.ts';
import { type GymSpec, gymSpecSchema, SPEC_VERSION, type StateNodeSpec } from './schema.ts';
import { spaceIssues } from './spaceIssues.ts';
import { targetIssues } from './targets.ts';
import { compileTemplate } from './template.ts';
import { templateDepth } from './templateDepth.ts';
import { jsonSchemaIssues, toolSchemaIssues } from './toolSchemas.ts';

export { jsonPath };

function zodIssues(error: z.ZodError): SpecIssue[] {
  const out: SpecIssue[] = [];
  const walk = (issues: z.core.$ZodIssue[], prefix: PropertyKey[]) => {
    for (const issue of issues) {
      const path = [...prefix, ...issue.path];
      // For unions, report the branch that got furthest instead of "Invalid input".
      if (issue.code === 'invalid_union' && 'errors' in issue && issue.errors.length > 0) {
        const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
        if (depth(best) > 0 || best.length > 0) {
          walk(best, path);
          continue;
        }
      }
      let message = issue.message;
      let hint: string | undefined;
      if (issue.code === 'unrecognized_keys')
        message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling`;
      else if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
        message = `missing: ${issue.message.replace(/^Invalid input: /, '').replace(/, received undefined$/, '')}`;
        hint = `add "${String(path[path.length - 1])}" (see the GymSpec table in envs/README.md)`;
      } else if (message.startsWith('unknown state key'))
        hint = `remove it or check the spelling; a state node has ${STATE_KEYS}`;
      out.push({ path: jsonPath(path), message, ...(hint ? { hint } : {}) });
    }
  };
  walk(error.issues, []);
  return out;
}

const STATE_KEYS =
  'id, type, history, initial, states, on, always, entry, exit, target (history states), tags, description, meta, output';

function depth(issues: z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length));
}

/** Every state node with its JSON path and its dotted id (`parent.child`). */
export function walkStates(
  node: StateNodeSpec,
  visit: (node: StateNodeSpec, path: PropertyKey[], id: string) => void,
  path: PropertyKey[] = ['machine'],
  id = '',
): void {
  visit(node, path, id);
  for (const [key, child] of Object.entries(node.states ?? {})) {
    walkStates(child, visit, [...path, 'states', key], id ? `${id}.${key}` : key);
  }
}

function refName(ref: unknown): string | undefined {
  if (typeof ref === 'string') return ref;
  if (ref && typeof ref === 'object' && 'type' in ref) return String((ref as { type: unknown }).type);
  return undefined;
}

function asList<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Checks that cannot be said in a schema: references resolve, expressions and templates parse. */
function semanticIssues(spec: GymSpec, files?: Record<string, string>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const add = (path: PropertyKey[], message: string, hint?: string) =>
    issues.push({ path: jsonPath(path), message, ...(hint ? { hint } : {}) });
  const stateIds = new Set<string>();
  const explicitIds = new Set<string>();
  const guardNames = Object.keys(spec.guards);
  const actionNames = Object.keys(spec.actions);
  const unknownAction = (path: PropertyKey[], name: string) =>
    add(
      path,
      `unknown action "${name}": declare it under "actions"`,
      `declare "${name}" under "actions" or use one of: ${actionNames.join(', ') || 'none declared'}`,
    );

  walkStates(spec.machine, (node, path, id) => {
    stateIds.add(id);
    if (node.id) explicitIds.add(node.id);
    if (
      node.states &&
      Object.keys(node.states).length > 0 &&
      node.type !== 'parallel' &&
      node.initial === undefined
    )
      add(
        [...path, 'initial'],
        'a state with child states needs "initial" (or "type": "parallel")',
        `add "initial": "${Object.keys(node.states)[0]}" (one of ${Object.keys(node.states).join(', ')})`,
      );
    const checkTransition = (t: unknown, tpath: PropertyKey[]) => {
      if (!t || typeof t !== 'object') return;
      const obj = t as { guard?: unknown; actions?: unknown };
      const g = refName(obj.guard);
      if (g !== undefined && !(g in spec.guards))
        add(
          [...tpath, 'guard'],
          `unknown guard "${g}": declare it under "guards" (known: ${guardNames.join(', ') || 'none'})`,
          `declare "${g}" under "guards" ({ "expr": "<CEL>" } or { "module": "file.js#fn" }), or fix the name`,
        );
      asList(obj.actions).forEach((a, i) => {
        const n = refName(a);
        if (n !== undefined && !(n in spec.actions))
          unknownAction([...tpath, 'actions', ...(Array.isArray(obj.actions) ? [i] : [])], n);
      });
    };
    for (const [event, ts] of Object.entries(node.on ?? {})) {
      for (const [i, t] of asList(ts as unknown).entries())
        checkTransition(t, [...path, 'on', event, ...(Array.isArray(ts) ? [i] : [])]);
    }
    for (const [i, t] of asList(node.always as unknown).entries())
      checkTransition(t, [...path, 'always', ...(Array.isArray(node.always) ? [i] : [])]);
    for (const key of ['entry', 'exit'] as const) {
      const list = node[key];
      asList(list as unknown).forEach((a, i) => {
        const n = refName(a);
        if (n !== undefined && !(n in spec.actions))
          unknownAction([...path, key, ...(Array.isArray(list) ? [i] : [])], n);
      });
    }
  });
  issues.push(...targetIssues(spec.machine));

  const checkExpr = (source: string, path: PropertyKey[]) => {
    try {
      compileExpr(source);
    } catch (e) {
      add(
        path,
        `CEL: ${(e as Error).message.split('\n')[0]} in \`${source}\``,
        'fix the CEL expression: variables are the context keys, context, event, task, params, step (see "Expressions (CEL)" in envs/README.md)',
      );
    }
  };
  const checkModule = (ref: string, path: PropertyKey[]) => {
    if (!files) return;
    const file = ref.split('#')[0]!;
    if (!(file in files))
      add(
        path,
        `module file "${file}" is not in the bundle (files: ${Object.keys(files).join(', ') || 'none'})`,
        `put ${file} beside spec.json, or fix the file name before "#"`,
      );
  };

  for (const [name, g] of Object.entries(spec.guards)) {
    if (g.expr !== undefined) checkExpr(g.expr, ['guards', name, 'expr']);
    if (g.module !== undefined) checkModule(g.module, ['guards', name, 'module']);
  }
  for (const [name, a] of Object.entries(spec.actions)) {
    for (const [key, source] of Object.entries(a.assign ?? {}))
      checkExpr(source, ['actions', name, 'assign', key]);
    if (a.module !== undefined) checkModule(a.module, ['actions', name, 'module']);
  }
  spec.reward.rules.forEach((r, i) => {
    if (r.when !== undefined) checkExpr(r.when, ['reward', 'rules', i, 'when']);
    if (r.expr !== undefined) checkExpr(r.expr, ['reward', 'rules', i, 'expr']);
    if (r.module !== undefined) checkModule(r.module, ['reward', 'rules', i, 'module']);
    if (r.onEnter !== undefined && !stateIds.has(r.onEnter) && !explicitIds.has(r.onEnter))
      add(
        ['reward', 'rules', i, 'onEnter'],
        `no state "${r.onEnter}" (use a dotted path such as "parent.child"; states: ${[...stateIds].filter(Boolean).join(', ')})`,
        'name a state by its dotted path from the root, or by its explicit "id"',
      );
  });
  spec.truncateOn?.forEach((state, i) => {
    if (!stateIds.has(state) && !explicitIds.has(state))
      add(
        ['truncateOn', i],
        `no state "${state}" (states: ${[...stateIds].filter(Boolean).join(', ')})`,
        'name a state by its dotted path from the root, or by its explicit "id"',
      );
  });
  if (spec.reward.bounds && spec.reward.bounds.min > spec.reward.bounds.max)
    add(
      ['reward', 'bounds'],
      `min (${spec.reward.bounds.min}) is greater than max (${spec.reward.bounds.max})`,
      'swap them: "min" is the lowest return an episode can have, "max" the highest',
    );
  for (const [key, source] of Object.entries(spec.observation.json ?? {}))
    checkExpr(source, ['observation', 'json', key]);
  if (spec.observation.template !== undefined) {
    try {
      compileTemplate(spec.observation.template);
      const depth = templateDepth(spec.observation.template);
      if (depth > SPEC_LIMITS.maxDepth)
        add(
          ['observation', 'template'],
          `Mustache: sections nest ${depth} deep; the limit is ${SPEC_LIMITS.maxDepth} (rendering recurses once per level)`,
          'flatten the template: prepare nested data with observation.json expressions or a module',
        );
    } catch (e) {
      add(
        ['observation', 'template'],
        `Mustache: ${(e as Error).message}`,
        'close every {{#section}} and {{^section}} with {{/section}}; templates are logic-less Mustache',
      );
    }
  }
  if (spec.observation.module !== undefined) checkModule(spec.observation.module, ['observation', 'module']);
  if ('module' in spec.tasks) checkModule(spec.tasks.module, ['tasks', 'module']);
  else {
    const seen = new Set<string>();
    spec.tasks.list.forEach((t, i) => {
      if (seen.has(t.id))
        add(
          ['tasks', 'list', i, 'id'],
          `duplicate task id "${t.id}"`,
          'give every task its own id: episodes and reports name tasks by it',
        );
      seen.add(t.id);
    });
  }
  const toolNames = new Set<string>();
  spec.tools.forEach((t, i) => {
    if (toolNames.has(t.name))
      add(
        ['tools', i, 'name'],
        `duplicate tool name "${t.name}"`,
        'rename one of them: the agent calls tools by name',
      );
    toolNames.add(t.name);
    if (t.event === spec.replyEvent)
      add(
        ['tools', i, 'event'],
        `"${t.event}" is reserved for text replies (replyEvent)`,
        `map the tool to another event, or set "replyEvent" to another name`,
      );
  });
  issues.push(
    ...toolSchemaIssues(spec.tools),
    ...unhandledToolIssues(spec.tools, spec.machine),
    ...spaceIssues(spec),
  );
  if (spec.context.schema) issues.push(...jsonSchemaIssues(spec.context.schema, ['context', 'schema']));
  if (spec.machine.type === 'final')
    add(['machine', 'type'], 'the root state cannot be final', 'make a child state final instead');
  return issues;
}

/**
 * Validates (and migrates) a GymSpec. Throws a `SpecError` listing every problem with its JSON
 * path and what to fix, or an `InputLimitError` (`INPUT_TOO_DEEP`, `INPUT_TOO_LARGE`) for a value
 * nested deeper than `SPEC_LIMITS.maxDepth`, before anything recurses over it. Pass the bundle's
 * `files` to check module references too. A spec without `reward.bounds` whose rules are all
 * constants gets bounds derived from them (`deriveRewardBounds`).
 *
 * @example
 * const spec = parseSpec(readSpecFile('spec.json'));
 */
export function parseSpec(input: unknown, files?: Record<string, string>): GymSpec {
  // First, before zod, the migrations or anything else recurses over the value.
  checkJsonValue(input, SPEC_LIMITS, 'the spec');
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw new SpecError([
      {
        path: '$',
        message: `a GymSpec is a JSON object, not ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}`,
        hint: 'start from a catalog spec (envs/catalog/*/spec.json): { "specVersion": 1, "name": …, "machine": … }',
      },
    ]);
  const raw = input as Record<string, unknown>;
  if (typeof raw.specVersion === 'number' && raw.specVersion > SPEC_VERSION)
    throw new SpecError(
      [
        {
          path: '$.specVersion',
          message: `version ${raw.specVersion} is newer than this Palestra understands (${SPEC_VERSION})`,
          hint: 'upgrade Palestra',
        },
      ],
      'upgrade Palestra',
    );
  const migrated = migrateSpec(raw, SPEC_VERSION);
  const result = gymSpecSchema.safeParse(migrated);
  if (!result.success) throw new SpecError(zodIssues(result.error));
  const issues = semanticIssues(result.data, files);
  if (issues.length > 0) throw new SpecError(issues);
  return withDerivedBounds(result.data);
}

/**
 * The last migration step, on the validated spec: `reward.bounds` were optional before rollouts
 * and training needed them; derive them where the rules allow it. Specs that declare bounds (all
 * the catalog's) are returned unchanged, so their bundle ids stay the same.
 */
function withDerivedBounds(spec: GymSpec): GymSpec {
  if (spec.reward.bounds !== undefined) return spec;
  const bounds = deriveRewardBounds(spec);
  return bounds ? { ...spec, reward: { ...spec.reward, bounds } } : spec;
}
