import { Ajv, type ValidateFunction } from 'ajv';
import type { GymSpec, ToolSpec } from '../spec/schema.ts';
import type { Action, InvalidAction } from './types.ts';

/** A machine event: its type and the tool's arguments (or the reply's text). */
export type MachineEvent = { type: string } & Record<string, unknown>;

const ajv = new Ajv({ allErrors: true, strict: false });

/**
 * Turns an agent's action into the machine event, or says why it is invalid: the tools' argument
 * schemas compiled once. `Env` reads every action through one; a page that plays an environment
 * in a Web Worker keeps one of its own to check arguments as they are typed, without building the
 * environment (and running its modules) on the page's thread.
 *
 * @example
 * const reader = new ActionReader(spec);
 * reader.toEvent({ tool: 'move', arguments: { direction: 'sideways' } }); // { code: 'INVALID_ARGUMENTS', … }
 */
export class ActionReader {
  private readonly tools = new Map<string, { tool: ToolSpec; validate: ValidateFunction }>();

  constructor(private readonly spec: Pick<GymSpec, 'tools' | 'replyEvent'>) {
    for (const tool of spec.tools)
      this.tools.set(tool.name, { tool, validate: ajv.compile(tool.parameters) });
  }

  /** The machine event of `action`, or an `InvalidAction` saying why there is none. */
  toEvent(action: Action): MachineEvent | InvalidAction {
    if (!action || typeof action !== 'object')
      return { code: 'MALFORMED_ACTION', message: 'an action is { tool, arguments } or { text }' };
    if ('text' in action && !('tool' in action)) {
      if (typeof action.text !== 'string')
        return { code: 'MALFORMED_ACTION', message: '"text" must be a string' };
      return { type: this.spec.replyEvent, text: action.text };
    }
    const name = (action as { tool?: unknown }).tool;
    if (typeof name !== 'string')
      return { code: 'MALFORMED_ACTION', message: 'an action is { tool, arguments } or { text }' };
    const entry = this.tools.get(name);
    if (!entry)
      return {
        code: 'UNKNOWN_TOOL',
        message: `there is no tool "${name}"; the tools are: ${[...this.tools.keys()].join(', ')}`,
      };
    const args = (action as { arguments?: unknown }).arguments ?? {};
    if (typeof args !== 'object' || args === null || Array.isArray(args))
      return { code: 'INVALID_ARGUMENTS', message: `the arguments of ${name} must be a JSON object` };
    if (!entry.validate(args)) {
      const why = (entry.validate.errors ?? [])
        .map(
          (e) =>
            `${e.instancePath || '(arguments)'} ${e.message}${e.params && 'allowedValues' in e.params ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : ''}`,
        )
        .join('; ');
      return { code: 'INVALID_ARGUMENTS', message: `invalid arguments for ${name}: ${why}` };
    }
    const event = Object.assign({}, args) as MachineEvent;
    event.type = entry.tool.event;
    return event;
  }
}
