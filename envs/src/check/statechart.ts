import { walkStates } from '../spec/parse.ts';
import type { GymSpec, StateNodeSpec } from '../spec/schema.ts';
import { resolveStateTarget } from '../spec/targets.ts';
import { type CheckFinding, type FindingTargets, fail, notRun, pass, warn } from './report.ts';

/** Every state of the machine with its dotted id (`open.review`). */
export function allStates(spec: GymSpec): { id: string; node: StateNodeSpec }[] {
  const out: { id: string; node: StateNodeSpec }[] = [];
  walkStates(spec.machine, (node, _path, id) => {
    if (id) out.push({ id, node });
  });
  return out;
}

type Transition = NonNullable<FindingTargets['transitions']>[number];

/**
 * The transitions (`on` and `always`) written on a state in `from` whose target resolves to a state
 * in `into`: on the canvas, the edges that lead to unreached states from reached ones (often a guard
 * no task satisfies). Dotted ids throughout; `""` is the root.
 */
export function transitionsInto(spec: GymSpec, from: Set<string>, into: Set<string>): Transition[] {
  const machineId = spec.machine.id ?? '(machine)';
  const dottedOf = new Map<string, string>();
  walkStates(spec.machine, (node, _path, id) => {
    dottedOf.set(node.id ?? (id ? `${machineId}.${id}` : machineId), id);
  });
  const out: Transition[] = [];
  walkStates(spec.machine, (node, _path, source) => {
    if (!from.has(source)) return;
    const add = (event: string, value: unknown) => {
      for (const raw of Array.isArray(value) ? value : [value]) {
        const t = typeof raw === 'string' ? raw : (raw as { target?: unknown } | undefined)?.target;
        for (const one of Array.isArray(t) ? t : [t]) {
          if (typeof one !== 'string') continue;
          const r = resolveStateTarget(spec.machine, source, one);
          const target = 'id' in r ? dottedOf.get(r.id) : undefined;
          if (
            target !== undefined &&
            into.has(target) &&
            !out.some((x) => same(x, { source, event, target }))
          )
            out.push({ source, event, target });
        }
      }
    };
    for (const [event, value] of Object.entries(node.on ?? {})) add(event, value);
    if (node.always !== undefined) add('always', node.always);
  });
  return out;
}

function same(a: Transition, b: Transition): boolean {
  return a.source === b.source && a.event === b.event && a.target === b.target;
}

/** What the reachability checks know: states entered, and how much was explored to find them. */
export interface Exploration {
  seen: Set<string>;
  /** Random episodes that took at least one step, and graph searches that ran. */
  episodesWithSteps: number;
  searches: number;
  graphStates: number;
}

function explored(x: Exploration): boolean {
  return x.episodesWithSteps > 0 || x.searches > 0;
}

/** Every state is entered by some episode or by the graph search (history pseudo-states aside). */
export function checkReachability(spec: GymSpec, x: Exploration): CheckFinding {
  const states = allStates(spec).filter((s) => s.node.type !== 'history');
  if (!explored(x))
    return notRun(
      'reachability',
      'no random episode took a step and no graph search ran, so nothing was explored',
    );
  const unreached = states.filter((s) => !x.seen.has(s.id)).map((s) => s.id);
  // The root is always entered; an edge from it is as much a way in as any other.
  const reached = new Set(['', ...states.filter((s) => x.seen.has(s.id)).map((s) => s.id)]);
  return unreached.length === 0
    ? pass('reachability', `all ${states.length} states reached`)
    : fail(
        'reachability',
        'UNREACHABLE_STATES',
        `never reached: ${unreached.join(', ')} (graph search of ${x.graphStates} states, and ${x.episodesWithSteps} random episodes)`,
        {
          where: '$.machine',
          hint: 'add a transition into these states, or remove them; a guard that only passes for values no task holds also hides a state',
          targets: {
            states: unreached,
            transitions: transitionsInto(spec, reached, new Set(unreached)),
          },
        },
      );
}

/** There is a final state, and every final state is reached. */
export function checkFinalStates(spec: GymSpec, x: Exploration): CheckFinding {
  const finals = allStates(spec).filter((s) => s.node.type === 'final');
  if (finals.length === 0)
    return fail('final states', 'NO_FINAL_STATE', 'no final state: episodes can only end by truncation', {
      where: '$.machine',
      hint: 'mark the states where the task is over "type": "final"',
    });
  if (!explored(x)) return notRun('final states', 'nothing was explored (see reachability)');
  const unreached = finals.filter((s) => !x.seen.has(s.id)).map((s) => s.id);
  return unreached.length === 0
    ? pass('final states', `every final state reachable (${finals.map((f) => f.id).join(', ')})`)
    : fail('final states', 'UNREACHABLE_FINAL', `final states never reached: ${unreached.join(', ')}`, {
        where: '$.machine',
        hint: 'add a transition into them, or remove them',
        targets: { states: unreached },
      });
}

/** Atomic states that are not final and have no transition of their own or from an ancestor. */
export function checkDeadEnds(spec: GymSpec): CheckFinding {
  const out: string[] = [];
  const visit = (node: StateNodeSpec, id: string, inherited: boolean) => {
    const own = Object.keys(node.on ?? {}).length > 0 || node.always !== undefined;
    const children = Object.entries(node.states ?? {});
    if (children.length === 0) {
      if (node.type !== 'final' && node.type !== 'history' && !own && !inherited) out.push(id);
      return;
    }
    for (const [k, c] of children) visit(c, id ? `${id}.${k}` : k, inherited || own);
  };
  visit(spec.machine, '', false);
  return out.length === 0
    ? pass('dead ends', 'every non-final state has a way out')
    : fail('dead ends', 'DEAD_END', `states with no transition that are not final: ${out.join(', ')}`, {
        where: '$.machine',
        hint: 'mark them "type": "final" or add transitions',
        targets: { states: out },
      });
}

/**
 * A configuration from which no explored move reaches a final state is a trap: the episode can
 * only be truncated there. A warning, since the search samples moves.
 */
export function checkTraps(spec: GymSpec, edges: Map<string, Set<string>>): CheckFinding | undefined {
  const finalIds = new Set(
    allStates(spec)
      .filter((s) => s.node.type === 'final')
      .map((s) => s.id),
  );
  const isFinal = (key: string) => key.split('|').some((p) => finalIds.has(p));
  const canFinish = new Set<string>();
  for (const key of edges.keys()) if (isFinal(key)) canFinish.add(key);
  for (const targets of edges.values()) for (const t of targets) if (isFinal(t)) canFinish.add(t);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [from, targets] of edges)
      if (!canFinish.has(from) && [...targets].some((t) => canFinish.has(t))) {
        canFinish.add(from);
        grew = true;
      }
  }
  const traps = [...edges.keys()].filter((k) => !canFinish.has(k));
  if (traps.length === 0) return undefined;
  // The innermost active states of each trapped configuration (several in a parallel state; a key
  // names ancestors too), each once.
  const innermost = (key: string) => {
    const paths = key.split('|');
    return paths.filter((p) => !paths.some((q) => q.startsWith(`${p}.`)));
  };
  const states = [...new Set(traps.flatMap(innermost))];
  return warn(
    'traps',
    `from ${traps.map((t) => t.split('|').pop()).join(', ')} no explored path reaches a final state (the episode can only be truncated)`,
    { targets: { states } },
  );
}

/** Tools whose event no state handles: the agent is offered a tool that can never act. */
export function checkToolsHandled(spec: GymSpec): CheckFinding | undefined {
  const handled = new Set<string>();
  walkStates(spec.machine, (node) => {
    for (const e of Object.keys(node.on ?? {})) handled.add(e);
  });
  const unhandled = spec.tools.filter((t) => !handled.has(t.event)).map((t) => `${t.name} (${t.event})`);
  return unhandled.length > 0
    ? warn('tools', `no state handles the events of: ${unhandled.join(', ')}`)
    : undefined;
}
