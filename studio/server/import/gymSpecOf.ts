import type { GymSpec, GymSpecInput } from '@palestra/envs/core';

type StateNodeSpec = GymSpec['machine'];

import { ImportFormatError } from './errors.ts';

/** A machine from another format, on its way to a GymSpec. */
export interface MachineImport {
  machine: StateNodeSpec;
  context: Record<string, unknown>;
  warnings: string[];
}

/** What the import page tells the author about a converted machine. */
export interface ConversionReport {
  /** The format read: `XState JSON`, `XState TypeScript`, `Mermaid`. */
  format: string;
  /** What was dropped, renamed or made up, in words. */
  warnings: string[];
  /** Guards and actions the machine names whose definitions are placeholders for the author to fill. */
  placeholders: { guards: string[]; actions: string[] };
  /** One tool per event an agent can send. */
  tools: string[];
}

export interface GymSpecOptions {
  format: string;
  /** The file's name, for the environment's name and description. */
  file?: string;
  /** Definitions the file carries (Palestra's own XState export writes them): used where they are GymSpec guards and actions. */
  guards?: Record<string, unknown>;
  actions?: Record<string, unknown>;
}

/** A text reply is this event (GymSpec's default `replyEvent`): it needs no tool. */
const REPLY_EVENT = 'REPLY';
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A placeholder guard: true, so that every transition stays reachable until the author writes it. */
const PLACEHOLDER_GUARD = { expr: 'true' };

/**
 * A playable GymSpec around an imported machine: one tool per event an agent can send (no
 * parameters), one task, an observation that shows the active states, no reward rules yet, and
 * each guard and action the machine names defined (from the file where it carries GymSpec
 * definitions, else as a placeholder: a guard that is `true`, an action that assigns nothing).
 * Events that are not identifiers (`user.click`), wildcards and XState's own (`xstate.*`) get no
 * tool; `REPLY` is what a text reply sends.
 *
 * @example
 * const { spec, report } = gymSpecOf(machineFromXState(config), { format: 'XState JSON', file: 'light.json' });
 */
export function gymSpecOf(
  imported: MachineImport,
  options: GymSpecOptions,
): { spec: GymSpecInput; report: ConversionReport } {
  const warnings = [...imported.warnings];
  const { guards: guardNames, actions: actionNames, events } = referencesOf(imported.machine);
  // Entries, then Object.fromEntries: a name such as "__proto__" stays a key.
  const guards: Array<[string, unknown]> = [];
  const actions: Array<[string, unknown]> = [];
  const placeholders = { guards: [] as string[], actions: [] as string[] };
  for (const name of guardNames) {
    const given = options.guards?.[name];
    if (isGuard(given)) guards.push([name, { expr: given.expr }]);
    else {
      if (given !== undefined)
        warnings.push(
          `guard "${name}": its definition in the file is not a CEL expression, so a placeholder stands in`,
        );
      guards.push([name, PLACEHOLDER_GUARD]);
      placeholders.guards.push(name);
    }
  }
  for (const name of actionNames) {
    const given = options.actions?.[name];
    if (isAction(given)) actions.push([name, given]);
    else {
      if (given !== undefined)
        warnings.push(
          `action "${name}": its definition in the file is not a GymSpec assign, so a placeholder stands in`,
        );
      actions.push([
        name,
        { assign: {}, description: `Imported from ${options.format}: write what "${name}" does.` },
      ]);
      placeholders.actions.push(name);
    }
  }
  const tools: GymSpecInput['tools'] = [];
  const noTool: string[] = [];
  for (const event of events) {
    if (event === REPLY_EVENT || event === '*' || event.endsWith('.*') || event.startsWith('xstate.'))
      continue;
    if (!IDENT.test(event)) {
      noTool.push(event);
      continue;
    }
    tools.push({
      name: event.slice(0, 64),
      description: `Sends ${event} to the machine. Imported: say here what it does, for the agent.`,
      parameters: { type: 'object', properties: {}, additionalProperties: false },
      event,
    });
  }
  if (noTool.length > 0)
    warnings.push(
      `no tool for ${noTool.map((e) => `"${e}"`).join(', ')}: a tool's event is an identifier, so rename ${noTool.length === 1 ? 'it' : 'them'} for an agent to send ${noTool.length === 1 ? 'it' : 'them'}`,
    );
  if (tools.length === 0)
    throw new ImportFormatError(
      'STUDIO_IMPORT_UNSUPPORTED',
      `the machine handles no event an agent could send${events.size > 0 ? ` (only ${[...events].map((e) => `"${e}"`).join(', ')})` : ''}`,
      undefined,
      'an environment needs at least one tool: add a transition on an event named like SUBMIT (letters, digits and _), then import again',
    );
  const file = options.file?.split(/[\\/]/).at(-1);
  const spec: GymSpecInput = {
    specVersion: 1,
    name: specName(imported.machine.id, file),
    version: '0.1.0',
    description: `Imported from ${file ? `${file} (${options.format})` : options.format}. Describe what the agent must do.`,
    tags: ['imported'],
    context: { initial: imported.context },
    tasks: {
      list: [{ id: 'task-1', instructions: 'Imported: write what the agent must do in this task.' }],
    },
    tools,
    machine: imported.machine,
    guards: Object.fromEntries(guards) as GymSpecInput['guards'],
    actions: Object.fromEntries(actions) as GymSpecInput['actions'],
    observation: {
      template: '{{task.instructions}}\nState: {{state}}{{#done}}\nThe episode is over.{{/done}}',
    },
  };
  warnings.push('no reward rules yet: every step pays 0 until rewards are added');
  return {
    spec,
    report: { format: options.format, warnings, placeholders, tools: tools.map((t) => t.name) },
  };
}

/** A spec name (`[a-z0-9-]`, 64 at most) from the machine's id or the file's name. */
function specName(id: string | undefined, file: string | undefined): string {
  for (const source of [id, file?.replace(/\.[^.]*$/, '')]) {
    const name = (source ?? '')
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 64)
      .replace(/-+$/, '');
    if (name) return name;
  }
  return 'imported-machine';
}

/** Every guard and action name the machine uses, and every event it handles, in document order. */
function referencesOf(machine: StateNodeSpec): {
  guards: Set<string>;
  actions: Set<string>;
  events: Set<string>;
} {
  const guards = new Set<string>();
  const actions = new Set<string>();
  const events = new Set<string>();
  const nameOf = (ref: unknown) =>
    typeof ref === 'string'
      ? ref
      : ref && typeof ref === 'object' && 'type' in ref
        ? String(ref.type)
        : undefined;
  const addActions = (list: unknown) => {
    for (const a of Array.isArray(list) ? list : list === undefined ? [] : [list]) {
      const n = nameOf(a);
      if (n !== undefined) actions.add(n);
    }
  };
  const addTransitions = (value: unknown) => {
    for (const t of Array.isArray(value) ? value : [value]) {
      if (!t || typeof t !== 'object') continue;
      const g = nameOf((t as { guard?: unknown }).guard);
      if (g !== undefined) guards.add(g);
      addActions((t as { actions?: unknown }).actions);
    }
  };
  // An explicit stack in document order; the depth is limited before conversion anyway.
  const stack: StateNodeSpec[] = [machine];
  while (stack.length > 0) {
    const node = stack.pop()!;
    addActions(node.entry);
    addActions(node.exit);
    for (const [event, value] of Object.entries(node.on ?? {})) {
      events.add(event);
      addTransitions(value);
    }
    if (node.always !== undefined) addTransitions(node.always);
    stack.push(...Object.values(node.states ?? {}).reverse());
  }
  return { guards, actions, events };
}

function isGuard(v: unknown): v is { expr: string } {
  return (
    !!v &&
    typeof v === 'object' &&
    Object.keys(v).length === 1 &&
    typeof (v as { expr?: unknown }).expr === 'string' &&
    (v as { expr: string }).expr !== ''
  );
}

function isAction(v: unknown): v is { assign: Record<string, string>; description?: string } {
  if (!v || typeof v !== 'object') return false;
  const { assign, description, ...rest } = v as Record<string, unknown>;
  return (
    Object.keys(rest).length === 0 &&
    (description === undefined || typeof description === 'string') &&
    !!assign &&
    typeof assign === 'object' &&
    !Array.isArray(assign) &&
    Object.entries(assign).every(([k, e]) => IDENT.test(k) && typeof e === 'string' && e !== '')
  );
}
