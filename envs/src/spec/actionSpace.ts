import type { SpecIssue } from '../errors.ts';
import { jsonPath } from './jsonPath.ts';
import type { ToolSpec } from './schema.ts';
import type { ActionSpaceSpec, DimensionSpec } from './spaces.ts';

/** A tool call an action-space value stands for. */
export interface SpaceToolCall {
  tool: string;
  arguments: Record<string, unknown>;
}

/** One argument of a tool as one discrete dimension: value j sets it to `values[j]`. */
export interface ResolvedDimension {
  name: string;
  values: unknown[];
  /** Where the spec declares it (for errors). */
  path: PropertyKey[];
}

/** One tool of a MultiDiscrete or Dict action space, its dimensions and fixed arguments resolved. */
export interface ResolvedTool {
  tool: string;
  fixed: Record<string, unknown>;
  dimensions: ResolvedDimension[];
  path: PropertyKey[];
}

/** The action space with every default filled in (a parameter's `enum`, a Dict tool's enum parameters). */
export type ResolvedActionSpace =
  | { type: 'Discrete'; calls: SpaceToolCall[]; paths: PropertyKey[][] }
  | { type: 'MultiDiscrete'; tool: ResolvedTool }
  | { type: 'Dict'; tools: ResolvedTool[] };

/** The key of a Dict action value that picks the tool. */
export const DICT_TOOL_KEY = 'tool';

const BASE = ['spaces', 'action'];

type Properties = Record<string, { enum?: unknown[] } | undefined>;

function propertiesOf(tool: ToolSpec): Properties {
  const p = (tool.parameters as { properties?: unknown }).properties;
  return p && typeof p === 'object' && !Array.isArray(p) ? (p as Properties) : {};
}

/**
 * Fills in the defaults of `spaces.action` from the tools: a dimension without `values` takes its
 * parameter's `enum`, a Dict tool named alone takes every parameter with an `enum`. Returns the
 * problems instead when a tool or parameter does not exist or has no values to take.
 *
 * @example
 * resolveActionSpace({ type: 'Discrete', tool: 'move', argument: 'direction' }, spec.tools)
 * // { resolved: { type: 'Discrete', calls: [{ tool: 'move', arguments: { direction: 'left' } }, …] }, issues: [] }
 */
export function resolveActionSpace(
  space: ActionSpaceSpec,
  tools: readonly ToolSpec[],
): { resolved?: ResolvedActionSpace; issues: SpecIssue[] } {
  const issues: SpecIssue[] = [];
  const add = (path: PropertyKey[], message: string, hint?: string) =>
    issues.push({ path: jsonPath(path), message, ...(hint ? { hint } : {}) });
  const byName = new Map(tools.map((t) => [t.name, t]));
  const findTool = (name: string, path: PropertyKey[]): ToolSpec | undefined => {
    const t = byName.get(name);
    if (!t)
      add(
        path,
        `no tool "${name}" (tools: ${tools.map((x) => x.name).join(', ')})`,
        'name a tool declared under "tools"',
      );
    return t;
  };
  /** `at`: where the dimension is written, or (Discrete's flat form) where its name and values are. */
  const dimensionOf = (
    tool: ToolSpec,
    d: DimensionSpec,
    at: PropertyKey[] | { name: PropertyKey[]; values: PropertyKey[] },
  ): ResolvedDimension | undefined => {
    const argName = typeof d === 'string' ? d : d.name;
    const given = typeof d === 'string' ? undefined : d.values;
    const namePath = Array.isArray(at) ? (typeof d === 'string' ? at : [...at, 'name']) : at.name;
    const valuesPath = Array.isArray(at) ? (typeof d === 'string' ? at : [...at, 'values']) : at.values;
    const props = propertiesOf(tool);
    if (!Object.hasOwn(props, argName)) {
      add(
        namePath,
        `tool "${tool.name}" has no parameter "${argName}" (parameters: ${Object.keys(props).join(', ') || 'none'})`,
        `name one of the properties of $.tools[…].parameters of "${tool.name}"`,
      );
      return undefined;
    }
    const fromEnum = props[argName]?.enum;
    const vals = given ?? (Array.isArray(fromEnum) ? fromEnum : undefined);
    if (!vals || vals.length === 0) {
      add(
        namePath,
        `parameter "${argName}" of tool "${tool.name}" has no "enum" to take the values from`,
        `give the values: { "name": "${argName}", "values": [ … ] }`,
      );
      return undefined;
    }
    return { name: argName, values: vals, path: given ? valuesPath : namePath };
  };
  const resolveTool = (
    toolName: string,
    dims: readonly DimensionSpec[] | undefined,
    fixed: Record<string, unknown> | undefined,
    path: PropertyKey[],
    toolPath: PropertyKey[],
    dimPath: (i: number) => PropertyKey[] | { name: PropertyKey[]; values: PropertyKey[] },
  ): ResolvedTool | undefined => {
    const tool = findTool(toolName, toolPath);
    if (!tool) return undefined;
    const list: DimensionSpec[] = dims
      ? [...dims]
      : Object.entries(propertiesOf(tool))
          .filter(([, p]) => Array.isArray(p?.enum) && p.enum.length > 0)
          .map(([k]) => k);
    const dimensions: ResolvedDimension[] = [];
    const seen = new Set<string>();
    list.forEach((d, i) => {
      const where = dims ? dimPath(i) : toolPath;
      const at = Array.isArray(where) ? where : where.name;
      const r = dimensionOf(tool, d, where);
      if (!r) return;
      if (seen.has(r.name) || (fixed && Object.hasOwn(fixed, r.name)))
        add(at, `argument "${r.name}" is given twice (a dimension${seen.has(r.name) ? '' : ' and "fixed"'})`);
      seen.add(r.name);
      dimensions.push(r);
    });
    return { tool: tool.name, fixed: fixed ?? {}, dimensions, path };
  };

  let resolved: ResolvedActionSpace | undefined;
  if (space.type === 'Discrete') {
    if (space.actions) {
      space.actions.forEach((a, i) => {
        findTool(a.tool, [...BASE, 'actions', i, 'tool']);
      });
      resolved = {
        type: 'Discrete',
        calls: space.actions.map((a) => ({ tool: a.tool, arguments: a.arguments ?? {} })),
        paths: space.actions.map((_, i) => [...BASE, 'actions', i]),
      };
    } else {
      const t = resolveTool(
        space.tool!,
        [space.values ? { name: space.argument!, values: space.values } : space.argument!],
        space.fixed,
        BASE,
        [...BASE, 'tool'],
        () => ({ name: [...BASE, 'argument'], values: [...BASE, 'values'] }),
      );
      const dim = t?.dimensions[0];
      if (t && dim)
        resolved = {
          type: 'Discrete',
          calls: dim.values.map((v) => ({ tool: t.tool, arguments: { ...t.fixed, [dim.name]: v } })),
          paths: dim.values.map((_, i) => (space.values ? [...dim.path, i] : dim.path)),
        };
    }
  } else if (space.type === 'MultiDiscrete') {
    const t = resolveTool(space.tool, space.arguments, space.fixed, BASE, [...BASE, 'tool'], (i) => [
      ...BASE,
      'arguments',
      i,
    ]);
    if (t) resolved = { type: 'MultiDiscrete', tool: t };
  } else {
    const list: ResolvedTool[] = [];
    const names = new Set<string>();
    space.tools.forEach((entry, i) => {
      const path = [...BASE, 'tools', i];
      const e = typeof entry === 'string' ? { tool: entry } : entry;
      const toolPath = typeof entry === 'string' ? path : [...path, 'tool'];
      if (names.has(e.tool)) add(toolPath, `tool "${e.tool}" is listed twice`);
      if (e.tool === DICT_TOOL_KEY)
        add(
          toolPath,
          `a Dict action space cannot hold a tool named "${DICT_TOOL_KEY}": that key picks the tool`,
          'map that tool with a Discrete action space instead',
        );
      names.add(e.tool);
      const t = resolveTool(e.tool, e.arguments, e.fixed, path, toolPath, (j) => [...path, 'arguments', j]);
      if (t) list.push(t);
    });
    resolved = { type: 'Dict', tools: list };
  }
  return issues.length > 0 ? { issues } : { resolved: resolved!, issues };
}

/** Every tool call a resolved space can stand for, one per value of each dimension, with its path. */
export function representativeCalls(
  space: ResolvedActionSpace,
): { call: SpaceToolCall; path: PropertyKey[] }[] {
  if (space.type === 'Discrete') return space.calls.map((call, i) => ({ call, path: space.paths[i]! }));
  const tools = space.type === 'MultiDiscrete' ? [space.tool] : space.tools;
  return tools.flatMap((t) => {
    const base = Object.fromEntries(t.dimensions.map((d) => [d.name, d.values[0]]));
    if (t.dimensions.length === 0)
      return [{ call: { tool: t.tool, arguments: { ...t.fixed } }, path: t.path }];
    return t.dimensions.flatMap((d) =>
      d.values.map((v, j) => ({
        call: { tool: t.tool, arguments: { ...t.fixed, ...base, [d.name]: v } },
        path: d.path[d.path.length - 1] === 'values' ? [...d.path, j] : d.path,
      })),
    );
  });
}
