import { Ajv, type ValidateFunction } from 'ajv';
import type { SpecIssue } from '../errors.ts';
import { representativeCalls, resolveActionSpace } from './actionSpace.ts';
import { compileExpr } from './expr.ts';
import { jsonPath } from './jsonPath.ts';
import { boxBound, type Nested } from './observationSpace.ts';
import type { GymSpec } from './schema.ts';

// The kernel's reading of a tool's parameters (ajv, draft-07, `strict: false`), nothing kept.
const ajv = new Ajv({ allErrors: true, strict: false, logger: false, addUsedSchema: false });

/**
 * What the schema cannot say about `spaces`: every action maps to a tool that exists, with
 * arguments its JSON Schema accepts (each value of each dimension is tried, the other dimensions
 * at their first value), and the observation's expression parses and its Box bounds fit its shape.
 *
 * @example
 * spaceIssues(spec) // [{ path: '$.spaces.action.values[1]', message: 'tool "move" refuses … ' }]
 */
export function spaceIssues(spec: GymSpec): SpecIssue[] {
  const spaces = spec.spaces;
  if (!spaces) return [];
  const issues: SpecIssue[] = [];
  const add = (path: PropertyKey[], message: string, hint?: string) =>
    issues.push({ path: jsonPath(path), message, ...(hint ? { hint } : {}) });

  const { resolved, issues: found } = resolveActionSpace(spaces.action, spec.tools);
  issues.push(...found);
  if (resolved) {
    const validators = new Map<string, ValidateFunction | null>();
    const validatorOf = (tool: string) => {
      if (!validators.has(tool)) {
        const parameters = spec.tools.find((t) => t.name === tool)?.parameters;
        let v: ValidateFunction | null = null;
        try {
          v = parameters ? ajv.compile(parameters) : null;
        } catch {
          // an invalid tool schema is reported at $.tools[i].parameters
        }
        validators.set(tool, v);
      }
      return validators.get(tool) ?? null;
    };
    for (const { call, path } of representativeCalls(resolved)) {
      const validate = validatorOf(call.tool);
      if (!validate || validate(call.arguments)) continue;
      const why = (validate.errors ?? [])
        .map((e) => `${e.instancePath || 'arguments'} ${e.message}`)
        .join('; ');
      add(
        path,
        `tool "${call.tool}" refuses the arguments ${JSON.stringify(call.arguments)}: ${why}`,
        'every value must make a call the tool accepts: fix the value, or give the other arguments in "fixed"',
      );
    }
  }

  const obs = spaces.observation;
  const base = ['spaces', 'observation'];
  try {
    compileExpr(obs.expr);
  } catch (e) {
    add(
      [...base, 'expr'],
      `CEL: ${(e as Error).message.split('\n')[0]} in \`${obs.expr}\``,
      "fix the CEL expression: its variables are the keys of the observation's json, and json and text",
    );
  }
  if (obs.type === 'Box') {
    const bounds: Nested[] = [];
    for (const key of ['low', 'high'] as const) {
      const b = boxBound(obs[key], obs.shape);
      if (typeof b === 'string')
        add([...base, key], `${b}`, `give one number, or nested lists in shape [${obs.shape.join(', ')}]`);
      else if (obs.dtype === 'int64' && !flat(b).every(Number.isSafeInteger))
        add([...base, key], 'an int64 Box has integer bounds');
      else bounds.push(b);
    }
    if (bounds.length === 2) {
      const [lo, hi] = [flat(bounds[0]!), flat(bounds[1]!)];
      const i = lo.findIndex((x, k) => x > hi[k]!);
      if (i >= 0) add([...base, 'low'], `element ${i} of low (${lo[i]}) is greater than high (${hi[i]})`);
    }
  }
  return issues;
}

function flat(v: Nested): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v];
}
