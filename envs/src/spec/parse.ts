import type { z } from 'zod';
import { SpecError, type SpecIssue } from '../errors.ts';
import { compileExpr } from './expr.ts';
import { migrateSpec } from './migrate.ts';
import { type GymSpec, gymSpecSchema, SPEC_VERSION, type StateNodeSpec } from './schema.ts';
import { compileTemplate } from './template.ts';

/** `['tools', 0, 'event']` → `$.tools[0].event` */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p)) out += `.${p}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out;
}

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
      if (issue.code === 'unrecognized_keys')
        message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling`;
      out.push({ path: jsonPath(path), message });
    }
  };
  walk(error.issues, []);
  return out;
}

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
  const add = (path: PropertyKey[], message: string) => issues.push({ path: jsonPath(path), message });
  const stateIds = new Set<string>();
  const explicitIds = new Set<string>();

  walkStates(spec.machine, (node, path, id) => {
    stateIds.add(id);
    if (node.id) explicitIds.add(node.id);
    if (
      node.states &&
      Object.keys(node.states).length > 0 &&
      node.type !== 'parallel' &&
      node.initial === undefined
    )
      add([...path, 'initial'], 'a state with child states needs "initial" (or "type": "parallel")');
    if (node.initial !== undefined && !node.states?.[node.initial])
      add(
        [...path, 'initial'],
        `"${node.initial}" is not a child state (children: ${Object.keys(node.states ?? {}).join(', ') || 'none'})`,
      );
    const checkTransition = (t: unknown, tpath: PropertyKey[]) => {
      if (!t || typeof t !== 'object') return;
      const obj = t as { guard?: unknown; actions?: unknown };
      const g = refName(obj.guard);
      if (g !== undefined && !(g in spec.guards))
        add(
          [...tpath, 'guard'],
          `unknown guard "${g}": declare it under "guards" (known: ${Object.keys(spec.guards).join(', ') || 'none'})`,
        );
      asList(obj.actions).forEach((a, i) => {
        const n = refName(a);
        if (n !== undefined && !(n in spec.actions))
          add(
            [...tpath, 'actions', ...(Array.isArray(obj.actions) ? [i] : [])],
            `unknown action "${n}": declare it under "actions"`,
          );
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
          add(
            [...path, key, ...(Array.isArray(list) ? [i] : [])],
            `unknown action "${n}": declare it under "actions"`,
          );
      });
    }
  });

  const checkExpr = (source: string, path: PropertyKey[]) => {
    try {
      compileExpr(source);
    } catch (e) {
      add(path, `CEL: ${(e as Error).message.split('\n')[0]} in \`${source}\``);
    }
  };
  const checkModule = (ref: string, path: PropertyKey[]) => {
    if (!files) return;
    const file = ref.split('#')[0]!;
    if (!(file in files))
      add(
        path,
        `module file "${file}" is not in the bundle (files: ${Object.keys(files).join(', ') || 'none'})`,
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
      );
  });
  if (spec.reward.bounds && spec.reward.bounds.min > spec.reward.bounds.max)
    add(['reward', 'bounds'], 'min is greater than max');
  for (const [key, source] of Object.entries(spec.observation.json ?? {}))
    checkExpr(source, ['observation', 'json', key]);
  if (spec.observation.template !== undefined) {
    try {
      compileTemplate(spec.observation.template);
    } catch (e) {
      add(['observation', 'template'], `Mustache: ${(e as Error).message}`);
    }
  }
  if (spec.observation.module !== undefined) checkModule(spec.observation.module, ['observation', 'module']);
  if ('module' in spec.tasks) checkModule(spec.tasks.module, ['tasks', 'module']);
  else {
    const seen = new Set<string>();
    spec.tasks.list.forEach((t, i) => {
      if (seen.has(t.id)) add(['tasks', 'list', i, 'id'], `duplicate task id "${t.id}"`);
      seen.add(t.id);
    });
  }
  const toolNames = new Set<string>();
  spec.tools.forEach((t, i) => {
    if (toolNames.has(t.name)) add(['tools', i, 'name'], `duplicate tool name "${t.name}"`);
    toolNames.add(t.name);
    if (t.event === spec.replyEvent)
      add(['tools', i, 'event'], `"${t.event}" is reserved for text replies (replyEvent)`);
  });
  if (spec.machine.type === 'final') add(['machine', 'type'], 'the root state cannot be final');
  return issues;
}

/**
 * Validates (and migrates) a GymSpec. Throws a `SpecError` listing every problem with its JSON
 * path and what to fix. Pass the bundle's `files` to check module references too.
 *
 * @example
 * const spec = parseSpec(JSON.parse(readFileSync('spec.json', 'utf8')));
 */
export function parseSpec(input: unknown, files?: Record<string, string>): GymSpec {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw new SpecError([{ path: '$', message: 'a GymSpec is a JSON object' }]);
  const raw = input as Record<string, unknown>;
  if (typeof raw.specVersion === 'number' && raw.specVersion > SPEC_VERSION)
    throw new SpecError(
      [
        {
          path: '$.specVersion',
          message: `version ${raw.specVersion} is newer than this Palestra understands (${SPEC_VERSION})`,
        },
      ],
      'upgrade Palestra',
    );
  const migrated = migrateSpec(raw, SPEC_VERSION);
  const result = gymSpecSchema.safeParse(migrated);
  if (!result.success) throw new SpecError(zodIssues(result.error));
  const issues = semanticIssues(result.data, files);
  if (issues.length > 0) throw new SpecError(issues);
  return result.data;
}
