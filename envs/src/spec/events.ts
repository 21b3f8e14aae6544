import type { SpecIssue } from '../errors.ts';
import { jsonPath } from './jsonPath.ts';
import type { StateNodeSpec, ToolSpec } from './schema.ts';

/**
 * XState v5's event matching (`matchesEventDescriptor` in xstate/src/utils.ts, 5.33): an `on` key
 * matches an event type when it is the same string, the wildcard `*`, or a partial wildcard
 * `a.b.*` whose tokens before `*` are the event's first tokens (so `a.*` matches `a.x` and `a`).
 *
 * @example
 * matchesEventDescriptor('FEEDBACK.GOOD', 'FEEDBACK.*') // true
 */
export function matchesEventDescriptor(eventType: string, descriptor: string): boolean {
  if (descriptor === eventType || descriptor === '*') return true;
  if (!descriptor.endsWith('.*')) return false;
  const partial = descriptor.split('.');
  const tokens = eventType.split('.');
  for (let i = 0; i < partial.length; i++) {
    if (partial[i] === '*') return i === partial.length - 1;
    if (partial[i] !== tokens[i]) return false;
  }
  return true;
}

/** Every `on` key of every state node of the machine. */
export function eventDescriptors(machine: StateNodeSpec): Set<string> {
  const out = new Set<string>();
  const stack = [machine];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const key of Object.keys(node.on ?? {})) out.add(key);
    stack.push(...Object.values(node.states ?? {}));
  }
  return out;
}

/**
 * A tool whose event no state handles is an error: the agent would be offered a tool that can
 * never act, and every call of it would be a silent no-op step.
 *
 * @example
 * unhandledToolIssues(spec.tools, spec.machine) // [{ path: '$.tools[1].event', … }]
 */
export function unhandledToolIssues(tools: readonly ToolSpec[], machine: StateNodeSpec): SpecIssue[] {
  const descriptors = [...eventDescriptors(machine)];
  const issues: SpecIssue[] = [];
  tools.forEach((tool, i) => {
    if (descriptors.some((d) => matchesEventDescriptor(tool.event, d))) return;
    issues.push({
      path: jsonPath(['tools', i, 'event']),
      message: `no state handles "${tool.event}", so the tool "${tool.name}" could never act`,
      hint: `add "on": { "${tool.event}": … } to the states where the tool should work, or map the tool to a handled event (${descriptors.map((d) => `"${d}"`).join(', ') || 'no state handles any event yet'})`,
    });
  });
  return issues;
}
