/**
 * The spec a new environment starts from: what the guided first step asks (a name, a first state,
 * a first tool with its event) and the least GymSpec needs besides, so that `parseSpec` accepts it
 * from the first second: one task (an agent is always given one), an observation template (the
 * text the agent reads) and, in the first state, a transition on the tool's event with no target
 * (GymSpec refuses a tool that no state handles). The page says what was added, and the author
 * edits or replaces each of them.
 */
import type { GymSpecInput } from '@palestra/envs/core';

/** What the guided first step asks. */
export interface FirstStep {
  /** The environment's name: lowercase letters, digits and `-` (GymSpec's rule). */
  name: string;
  /** The first state's name, also the machine's initial state. */
  state: string;
  /** The first tool: its name (what the agent calls) and the event a call becomes. */
  tool: string;
  event: string;
}

/** A field of the first step and what is wrong with it. */
export interface FirstStepProblem {
  field: keyof FirstStep;
  message: string;
}

/** GymSpec's rule for environment names. */
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** What the canvas accepts as a state name (`stateNameProblem`). */
export const STATE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
/** GymSpec's rule for tool names. */
const TOOL = /^[a-zA-Z0-9_-]{1,64}$/;
/** GymSpec's rule for a tool's event (an identifier). */
export const EVENT = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** What the starter spec adds beyond the first step, in words (the page shows it). */
export const STARTER_NOTES = [
  'one task, "task-1", with instructions to rewrite',
  "an observation template that shows the task's instructions",
  "in the first state, a transition on the tool's event with no target (GymSpec refuses a tool that no state handles)",
] as const;

/**
 * The problems of a first step, field by field; empty when it makes a valid spec.
 *
 * @example
 * firstStepProblems({ name: 'Desk', state: 'open', tool: 'reply', event: 'REPLY' })
 * // [{ field: 'name', … }, { field: 'event', message: '"REPLY" is reserved for text replies …' }]
 */
export function firstStepProblems(step: FirstStep): FirstStepProblem[] {
  const out: FirstStepProblem[] = [];
  if (!NAME.test(step.name))
    out.push({
      field: 'name',
      message: 'use lowercase letters, digits and -, starting with a letter or digit',
    });
  if (!STATE_NAME.test(step.state))
    out.push({ field: 'state', message: 'use letters, digits, _ and -, starting with a letter, digit or _' });
  if (!TOOL.test(step.tool)) out.push({ field: 'tool', message: 'use 1-64 letters, digits, _ or -' });
  if (!EVENT.test(step.event))
    out.push({ field: 'event', message: 'use letters, digits and _, not starting with a digit' });
  else if (step.event === 'REPLY')
    out.push({ field: 'event', message: '"REPLY" is reserved for text replies: choose another event' });
  return out;
}

/**
 * The starter spec of a first step (check it with `firstStepProblems` first).
 *
 * @example
 * parseSpec(starterSpec({ name: 'help-desk', state: 'open', tool: 'lookup', event: 'LOOKUP' }));
 */
export function starterSpec(step: FirstStep): GymSpecInput {
  return {
    specVersion: 1,
    name: step.name,
    version: '0.1.0',
    description: '',
    tasks: { list: [{ id: 'task-1', instructions: 'Describe what the agent should do in this task.' }] },
    tools: [
      {
        name: step.tool,
        description: `Calls ${step.tool} (describe what it does: the agent reads this).`,
        parameters: { type: 'object', properties: {} },
        event: step.event,
      },
    ],
    machine: { initial: step.state, states: { [step.state]: { on: { [step.event]: {} } } } },
    observation: { template: '{{task.instructions}}' },
  };
}

/** A fork's name: the original's with `-fork`, kept within GymSpec's 64 characters. */
export function forkName(name: string): string {
  return `${name.slice(0, 64 - '-fork'.length)}-fork`;
}
