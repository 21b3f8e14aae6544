import { z } from 'zod';
import { spacesSchema } from './spaces.ts';

/**
 * The GymSpec schema (specVersion 1): a JSON environment definition.
 *
 * Guards, actions, rewards and observations are either CEL expressions (`expr`, compiled once and
 * evaluated on the host) or references to functions in sandboxed JavaScript modules
 * (`module: "file.js#name"`). Nothing may bring a clock back: XState's `after`, `invoke` and
 * `spawn` are refused.
 */
export const SPEC_VERSION = 1;

const json: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]),
);
const jsonObject = z.record(z.string(), json);

const ident = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'use letters, digits and _ only, not starting with a digit');
const moduleRef = z
  .string()
  .regex(/^[A-Za-z0-9_./-]+\.js#[A-Za-z_$][A-Za-z0-9_$]*$/, 'write it as "file.js#exportName"');
const expr = z.string().min(1, 'an empty expression');

/** A CEL expression or a function in a sandboxed module. Exactly one of the two. */
const exprOrModule = z
  .object({ expr: expr.optional(), module: moduleRef.optional() })
  .strict()
  .refine((v) => (v.expr === undefined) !== (v.module === undefined), {
    message: 'give exactly one of "expr" (a CEL expression) or "module" ("file.js#name")',
  });

export const guardSchema = exprOrModule;
export const actionSchema = z
  .object({
    assign: z.record(ident, expr).optional(),
    module: moduleRef.optional(),
    description: z.string().optional(),
  })
  .strict()
  .refine((v) => (v.assign === undefined) !== (v.module === undefined), {
    message: 'give exactly one of "assign" ({ key: CEL expression }) or "module" ("file.js#name")',
  });

const refWithParams = z.object({ type: ident, params: jsonObject.optional() }).strict();
const guardRef = z.union([ident, refWithParams]);
const actionRef = z.union([ident, refWithParams]);
const actionList = z.union([actionRef, z.array(actionRef)]);

const transitionObject = z
  .object({
    target: z.union([z.string(), z.array(z.string())]).optional(),
    guard: guardRef.optional(),
    actions: actionList.optional(),
    reenter: z.boolean().optional(),
    description: z.string().optional(),
    meta: jsonObject.optional(),
  })
  .strict();
const transition = z.union([z.string(), transitionObject]);
const transitions = z.union([transition, z.array(transition)]);

const CLOCK_KEYS: Record<string, string> = {
  after:
    'delayed transitions ("after") bring a clock back; count steps in the context and use a guard instead',
  invoke: '"invoke" starts actors that run outside the step; put the logic in an action or a code module',
  spawn: '"spawn" starts actors that run outside the step; put the logic in an action or a code module',
};

export interface StateNodeSpec {
  id?: string;
  type?: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  history?: 'shallow' | 'deep';
  initial?: string;
  states?: Record<string, StateNodeSpec>;
  on?: Record<string, unknown>;
  always?: unknown;
  entry?: unknown;
  exit?: unknown;
  target?: string;
  tags?: string[];
  description?: string;
  meta?: Record<string, unknown>;
  output?: unknown;
}

export const stateNodeSchema: z.ZodType<StateNodeSpec> = z.lazy(() =>
  z
    .object({
      id: z.string().optional(),
      type: z.enum(['atomic', 'compound', 'parallel', 'final', 'history']).optional(),
      history: z.enum(['shallow', 'deep']).optional(),
      initial: z.string().optional(),
      states: z.record(z.string(), stateNodeSchema).optional(),
      on: z.record(z.string(), transitions).optional(),
      always: transitions.optional(),
      entry: actionList.optional(),
      exit: actionList.optional(),
      target: z.string().optional(),
      tags: z.array(z.string()).optional(),
      description: z.string().optional(),
      meta: jsonObject.optional(),
      output: json.optional(),
    })
    .passthrough()
    .superRefine((node, ctx) => {
      for (const key of Object.keys(node)) {
        if (key in CLOCK_KEYS) ctx.addIssue({ code: 'custom', path: [key], message: CLOCK_KEYS[key]! });
        else if (!KNOWN_STATE_KEYS.has(key))
          ctx.addIssue({ code: 'custom', path: [key], message: `unknown state key "${key}"` });
      }
    }),
) as z.ZodType<StateNodeSpec>;
const KNOWN_STATE_KEYS = new Set([
  'id',
  'type',
  'history',
  'initial',
  'states',
  'on',
  'always',
  'entry',
  'exit',
  'target',
  'tags',
  'description',
  'meta',
  'output',
]);

export const toolSchema = z
  .object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'tool names are 1-64 letters, digits, _ or -'),
    description: z.string().min(1, 'describe the tool: the agent reads this'),
    parameters: z
      .object({ type: z.literal('object') })
      .passthrough()
      .default({ type: 'object' }),
    event: ident,
  })
  .strict();

export const taskSchema = z
  .object({
    id: z.string().min(1),
    instructions: z.string().default(''),
    context: jsonObject.optional(),
    data: jsonObject.optional(),
    split: z.enum(['train', 'eval']).optional(),
  })
  .strict();

const tasksSchema = z.union([
  z.object({ list: z.array(taskSchema).min(1, 'give at least one task') }).strict(),
  z
    .object({
      module: moduleRef,
      count: z.number().int().min(1).max(1_000_000),
      split: z
        .object({ eval: z.number().min(0).max(1) })
        .strict()
        .optional(),
    })
    .strict(),
]);

const rewardRule = z
  .object({
    onEnter: z.string().optional(),
    perStep: z.number().optional(),
    when: expr.optional(),
    value: z.number().optional(),
    expr: expr.optional(),
    module: moduleRef.optional(),
    name: z.string().optional(),
    /**
     * onEnter only. Pay when the state is entered at any microstep of the step, including a
     * transient state left again at once (by `always`); without it, onEnter compares the states
     * active before and after the step, so a transient state never pays. Opt-in (no default), so
     * existing specs keep their meaning and their bundle ids.
     */
    transient: z.boolean().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const kinds = ['onEnter', 'perStep', 'when', 'expr', 'module'].filter(
      (k) => r[k as keyof typeof r] !== undefined,
    );
    if (kinds.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `a reward rule is exactly one of onEnter, perStep, when, expr or module (got ${kinds.join(', ') || 'none'})`,
      });
    if ((r.onEnter !== undefined || r.when !== undefined) && r.value === undefined)
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'onEnter and when rules need a "value"' });
    if (r.transient !== undefined && r.onEnter === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['transient'],
        message:
          '"transient" only applies to onEnter rules: remove it, or make the rule { onEnter, value, transient }',
      });
  });

export const gymSpecSchema = z
  .object({
    specVersion: z.literal(SPEC_VERSION),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'use lowercase letters, digits and -'),
    version: z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'use semantic versioning, e.g. 1.0.0'),
    description: z.string().default(''),
    author: z.string().optional(),
    license: z.string().optional(),
    tags: z.array(z.string()).default([]),
    context: z
      .object({ schema: jsonObject.optional(), initial: jsonObject.default({}) })
      .strict()
      .default({ initial: {} }),
    tasks: tasksSchema,
    tools: z.array(toolSchema).min(1, 'an agent needs at least one tool'),
    /** The event a turn with no tool call (a plain text reply) becomes: `{ type, text }`. */
    replyEvent: ident.default('REPLY'),
    machine: stateNodeSchema,
    /**
     * States (dotted paths or ids, as in onEnter) whose being active after a step ends the episode
     * as *truncated*, not terminated: the statechart decides that the episode was cut off (a
     * counter overflowed, the simulation left what it can represent), as `maxSteps` does.
     * Opt-in (no default): without it only `maxSteps` truncates.
     */
    truncateOn: z
      .array(z.string().min(1, 'an empty state path'))
      .min(1, 'list at least one state')
      .optional(),
    guards: z.record(ident, guardSchema).default({}),
    actions: z.record(ident, actionSchema).default({}),
    reward: z
      .object({
        rules: z.array(rewardRule).default([]),
        bounds: z.object({ min: z.number(), max: z.number() }).strict().optional(),
      })
      .strict()
      .default({ rules: [] }),
    observation: z
      .object({
        template: z.string().optional(),
        json: z.record(ident, expr).optional(),
        module: moduleRef.optional(),
      })
      .strict()
      .refine((o) => o.template !== undefined || o.module !== undefined, {
        message: 'give a Mustache "template" (or a "module") for the text the agent reads',
      }),
    /**
     * Gymnasium spaces for classic RL agents (`spaces.ts`): each action-space value mapped to a
     * tool call, the observation-space value computed from the observation by a CEL expression.
     * Opt-in (no default): without it, servers offer Text spaces (an LLM agent's).
     */
    spaces: spacesSchema.optional(),
    limits: z
      .object({
        maxSteps: z.number().int().min(1).max(100_000).default(50),
        stepDeadlineMs: z.number().int().min(1).max(60_000).default(200),
        memoryMb: z.number().int().min(4).max(1024).default(32),
        invalidActionPenalty: z.number().default(0),
        maxObservationBytes: z.number().int().min(256).default(262_144),
      })
      .strict()
      .default({
        maxSteps: 50,
        stepDeadlineMs: 200,
        memoryMb: 32,
        invalidActionPenalty: 0,
        maxObservationBytes: 262_144,
      }),
  })
  .strict();

export type GymSpec = z.output<typeof gymSpecSchema>;
export type GymSpecInput = z.input<typeof gymSpecSchema>;
export type ToolSpec = z.output<typeof toolSchema>;
export type TaskSpec = z.output<typeof taskSchema>;
export type RewardRule = z.output<typeof rewardRule>;
