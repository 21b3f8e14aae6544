/**
 * The design assistant's tools, as the model reads them: a name, what it does and a JSON schema of
 * its arguments. The studio sends these with every model call (in either wire format); the browser
 * runs the calls on its own document (`executeTool.ts`). Browser-safe.
 */

/** A tool as both wire formats describe one. */
export interface AssistantTool {
  name: string;
  description: string;
  parameters: { type: 'object'; properties: Record<string, unknown>; required?: string[] };
}

const STATE_REF =
  'a state: its element id from read_environment (e.g. "k3f9x-4"), or its dotted path (e.g. "open.review")';
const str = (description: string) => ({ type: 'string', description });
const jsonObject = (description: string) => ({ type: 'object', description });

/** Every tool the assistant has, in the order the model reads them. */
export const ASSISTANT_TOOLS: readonly AssistantTool[] = [
  {
    name: 'read_environment',
    description:
      'The environment as compact JSON: states (element id, dotted path, type, initial child, entry/exit actions), ' +
      'transitions (element id, source, event, target, guard, actions), guards and actions with their CEL expressions, ' +
      'tools (element id, name, event, JSON schema), tasks (the first 20 and the count), reward rules, observation, ' +
      'limits and context. Call it before editing, and again when unsure what changed.',
    parameters: { type: 'object', properties: {} },
  },
  {
    name: 'add_state',
    description:
      'Adds a state under a parent (the machine root when parent is null or left out). Returns its element id and path. ' +
      'A parent that had no children gets this one as its initial state.',
    parameters: {
      type: 'object',
      properties: {
        name: str('the state key: letters, digits, _ or -, starting with a letter or _'),
        parent: { type: ['string', 'null'], description: `${STATE_REF}; null for the root` },
        initial: { type: 'boolean', description: "make it the parent's initial state" },
        type: { type: 'string', enum: ['atomic', 'compound', 'parallel', 'final'] },
        description: str('what the state means, for people and agents'),
      },
      required: ['name'],
    },
  },
  {
    name: 'rename_state',
    description: 'Renames a state. Transitions follow it (they hold its id).',
    parameters: {
      type: 'object',
      properties: { state: str(STATE_REF), name: str('the new key') },
      required: ['state', 'name'],
    },
  },
  {
    name: 'move_state',
    description: 'Moves a state (with its children) under another parent; null moves it to the root.',
    parameters: {
      type: 'object',
      properties: {
        state: str(STATE_REF),
        parent: { type: ['string', 'null'], description: `${STATE_REF}; null for the root` },
      },
      required: ['state', 'parent'],
    },
  },
  {
    name: 'delete_state',
    description:
      'Deletes a state, its descendants and every transition into or out of them; a parent that started in it ' +
      'starts in its first remaining child.',
    parameters: { type: 'object', properties: { state: str(STATE_REF) }, required: ['state'] },
  },
  {
    name: 'add_transition',
    description:
      "Adds a transition from source on an event (a tool's event, or the reply event) to a target. event null: an " +
      'eventless ("always") transition; target null: a targetless one (actions only). Optionally a guard name and action names.',
    parameters: {
      type: 'object',
      properties: {
        source: { type: ['string', 'null'], description: `${STATE_REF}; null for the root` },
        event: { type: ['string', 'null'], description: 'the event name, e.g. "REFUND"; null for always' },
        target: { type: ['string', 'null'], description: `${STATE_REF}; null for none` },
        guard: str('the name of a guard (define it with set_guard)'),
        actions: { type: 'array', items: { type: 'string' }, description: 'names of actions to run' },
      },
      required: ['source', 'event', 'target'],
    },
  },
  {
    name: 'delete_transition',
    description: 'Deletes a transition by its element id.',
    parameters: {
      type: 'object',
      properties: { transition: str('the transition element id from read_environment') },
      required: ['transition'],
    },
  },
  {
    name: 'set_guard',
    description:
      'Sets a named guard to a CEL expression over context, event and task (e.g. "context.orderId != null"), ' +
      'creating it when missing; optionally puts it on a transition.',
    parameters: {
      type: 'object',
      properties: {
        name: str('the guard name'),
        expression: str('a CEL expression that yields a boolean'),
        transition: str('a transition element id to guard with it'),
      },
      required: ['name', 'expression'],
    },
  },
  {
    name: 'set_action',
    description:
      'Sets a named action that assigns context fields from CEL expressions (e.g. {"orderId": "event.orderId"}), ' +
      "creating it when missing; optionally appends it to a transition's actions.",
    parameters: {
      type: 'object',
      properties: {
        name: str('the action name'),
        assign: jsonObject('context field → CEL expression (strings)'),
        description: str('what the action does'),
        transition: str('a transition element id to run it on'),
      },
      required: ['name', 'assign'],
    },
  },
  {
    name: 'add_tasks',
    description:
      'Adds tasks to the list (up to 500 at once). Each has a unique id, instructions for the agent, and optionally ' +
      'context (initial context overrides), data (task data the expressions read as task.data) and split ("train" or "eval").',
    parameters: {
      type: 'object',
      properties: {
        tasks: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: str('unique task id'),
              instructions: str('what the agent is asked to do'),
              context: jsonObject('initial context values for this task'),
              data: jsonObject('task data'),
              split: { type: 'string', enum: ['train', 'eval'] },
            },
            required: ['id', 'instructions'],
          },
        },
      },
      required: ['tasks'],
    },
  },
  {
    name: 'add_tool',
    description:
      'Adds a tool the agent can call: a name, a description the agent reads, the machine event it sends, and a JSON ' +
      'schema of its arguments (type "object").',
    parameters: {
      type: 'object',
      properties: {
        name: str('1-64 letters, digits, _ or -'),
        description: str('what the tool does, for the agent'),
        event: str('the event it sends to the machine, e.g. "LOOKUP_ORDER"'),
        parameters: jsonObject('a JSON schema with type "object"'),
      },
      required: ['name', 'description', 'event'],
    },
  },
  {
    name: 'edit_tool',
    description: "Changes a tool's name, description, event or argument schema (only the fields given).",
    parameters: {
      type: 'object',
      properties: {
        tool: str('the tool name or element id'),
        name: str('a new name'),
        description: str('a new description'),
        event: str('a new event'),
        parameters: jsonObject('a new JSON schema with type "object"'),
      },
      required: ['tool'],
    },
  },
  {
    name: 'read_problems',
    description:
      "The checker's findings on the environment as it is now (the page's live check, after the latest edits): " +
      'level, code, message, hint, JSON path and the states and transitions concerned.',
    parameters: { type: 'object', properties: {} },
  },
  {
    name: 'list_runs',
    description: "This environment's runs: id, kind, agent, date, episodes, mean return, success rate.",
    parameters: { type: 'object', properties: {} },
  },
  {
    name: 'read_run',
    description:
      "A run's summary: success rate with its interval, returns, lengths, invalid actions, failures, truncated " +
      "and vetoed episodes, the overseer's components and a per-task table.",
    parameters: { type: 'object', properties: { run: str('the run id from list_runs') }, required: ['run'] },
  },
  {
    name: 'propose_version',
    description:
      'Proposes committing the environment as a new version with a message. It does not commit: the member sees a ' +
      'card and decides. Propose when a requested change is complete and the problems are understood.',
    parameters: {
      type: 'object',
      properties: { message: str('the version message, one line') },
      required: ['message'],
    },
  },
];
