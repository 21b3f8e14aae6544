import { z } from 'zod';

/**
 * The optional `spaces` section of a GymSpec: Gymnasium spaces for classic RL agents, beside the
 * tools an LLM agent calls. Opt-in (no default), so specs without it keep their meaning and their
 * bundle ids, as `truncateOn` and `transient` did.
 *
 * - `action` maps each value of a Gymnasium action space to one tool call. Three forms:
 *   `Discrete` (a list of tool calls, or one argument of one tool: value i is the i-th of its
 *   `values`, by default the parameter's `enum`), `MultiDiscrete` (several arguments of one tool,
 *   one dimension each) and `Dict` (`{tool: i, <tool>: {<argument>: j}}` over several tools).
 * - `observation` is a `Discrete`, `MultiDiscrete` or `Box` whose value a CEL expression computes
 *   from the observation: the keys of its `json` are variables (`position`), as are `json` and
 *   `text` (without `observation.json` the JSON is `{state, context}`, so `context.row` works).
 *
 * @example frozen-lake, as FrozenLake-v1 (0 left, 1 down, 2 right, 3 up; row * 4 + col):
 * { "action": { "type": "Discrete", "tool": "move", "argument": "direction" },
 *   "observation": { "type": "Discrete", "n": 16, "expr": "position" } }
 */

const json: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]),
);
const jsonObject = z.record(z.string(), json);
const name = z.string().min(1, 'an empty name');
const values = z.array(json).min(1, 'list at least one value');

/** One tool call, as an agent sends it. */
const toolCall = z.object({ tool: name, arguments: jsonObject.optional() }).strict();

/** One argument of a tool as one dimension: its name (values: the parameter's `enum`), or with `values`. */
const dimension = z.union([name, z.object({ name, values: values.optional() }).strict()]);

const discreteAction = z
  .object({
    type: z.literal('Discrete'),
    /** Value i plays `actions[i]`. */
    actions: z.array(toolCall).min(1, 'list at least one action').optional(),
    /** Or: value i calls `tool` with `argument` set to `values[i]` (default: the parameter's enum). */
    tool: name.optional(),
    argument: name.optional(),
    values: values.optional(),
    /** Arguments given with every call, beside the one the value picks. */
    fixed: jsonObject.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const byList = s.actions !== undefined;
    const byArgument = s.tool !== undefined || s.argument !== undefined;
    if (byList === byArgument)
      ctx.addIssue({
        code: 'custom',
        message:
          'a Discrete action space is either "actions" (a list of tool calls) or "tool" and "argument" (one argument\'s values)',
      });
    else if (byArgument) {
      for (const key of ['tool', 'argument'] as const)
        if (s[key] === undefined)
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `missing: "${key}" (with "tool" and "argument")`,
          });
    } else
      for (const key of ['values', 'fixed'] as const)
        if (s[key] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `"${key}" goes with "tool" and "argument", not with "actions": write each tool call whole`,
          });
  });

const multiDiscreteAction = z
  .object({
    type: z.literal('MultiDiscrete'),
    tool: name,
    /** One dimension per argument, in order: value `[i, j]` sets the first to its i-th value, … */
    arguments: z.array(dimension).min(1, 'list at least one argument'),
    fixed: jsonObject.optional(),
  })
  .strict();

const dictTool = z.union([
  name,
  z.object({ tool: name, arguments: z.array(dimension).optional(), fixed: jsonObject.optional() }).strict(),
]);

const dictAction = z
  .object({
    type: z.literal('Dict'),
    /**
     * The tools, in order (`tool: i` picks the i-th); a name alone takes every parameter of the
     * tool that has an `enum`.
     */
    tools: z.array(dictTool).min(1, 'list at least one tool'),
  })
  .strict();

export const actionSpaceSchema = z.discriminatedUnion('type', [
  discreteAction,
  multiDiscreteAction,
  dictAction,
]);

const expr = z.string().min(1, 'an empty expression');
const count = z.number().int().min(1);
const shape = z.array(count).min(1, 'a Box needs at least one dimension');
/** A bound: one number for every element, or nested lists in the Box's shape. */
const bound = json;

export const observationSpaceSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('Discrete'),
      n: count,
      start: z.number().int().optional(),
      /** CEL: an int in [start, start + n). */
      expr,
    })
    .strict(),
  z
    .object({
      type: z.literal('MultiDiscrete'),
      nvec: z.array(count).min(1, 'list at least one dimension'),
      /** CEL: a list of ints, the i-th in [0, nvec[i]). */
      expr,
    })
    .strict(),
  z
    .object({
      type: z.literal('Box'),
      low: bound,
      high: bound,
      shape,
      dtype: z.enum(['float32', 'int64']).optional(),
      /** CEL: a number (shape [1]: also a list of one) or nested lists in `shape`, within low and high. */
      expr,
    })
    .strict(),
]);

export const spacesSchema = z
  .object({ action: actionSpaceSchema, observation: observationSpaceSchema })
  .strict();

export type SpacesSpec = z.output<typeof spacesSchema>;
export type ActionSpaceSpec = z.output<typeof actionSpaceSchema>;
export type ObservationSpaceSpec = z.output<typeof observationSpaceSchema>;
export type DimensionSpec = z.output<typeof dimension>;
