import { type GymSpec, jsonPath } from '@palestra/envs/core';
import { type IndexedState, StateIndex, type StateNodeSpec } from './stateIndex.ts';

/** What a state is, as drawn: containers are `compound` and `parallel`. */
export type StateKind = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

/** The data of a state node (React Flow's `node.data`). */
export interface StateNodeData extends Record<string, unknown> {
  /** The state's key, drawn as its title. */
  label: string;
  type: StateKind;
  /** The dotted path, also the node's id (`open.reviewing`), as the kernel and checker name it. */
  path: string;
  /** Where the state is written in the spec (`$.machine.states.open`), for problems and editing. */
  jsonPath: string;
  /** The state its parent (or the machine) enters first. */
  initial: boolean;
  /** A child of a parallel state: one of its regions. */
  region: boolean;
  /** Nesting depth: 0 for a top-level state. */
  depth: number;
  entry: string[];
  exit: string[];
  tags: string[];
  description?: string;
  /** A history state's kind. */
  history?: 'shallow' | 'deep';
}

/** A state before layout. `parentId` is React Flow's: the container the node is drawn in. */
export interface StateGraphNode {
  id: string;
  /** `container` for compound and parallel states, `state` for the others (React Flow's node type). */
  type: 'state' | 'container';
  parentId?: string;
  data: StateNodeData;
}

/**
 * How a transition is taken: by an event (`on`), without one (`always`), after a delay (`after`,
 * which GymSpecs refuse but XState machines have), or the default of a history state.
 */
export type TransitionKind = 'event' | 'always' | 'after' | 'history';

/** The data of a transition edge (React Flow's `edge.data`). */
export interface TransitionEdgeData extends Record<string, unknown> {
  kind: TransitionKind;
  /** The event type (`on` key), `always`, the delay of `after`, or `history`. */
  event: string;
  guard?: string;
  actions: string[];
  /** No target: the transition runs its actions and stays (drawn as a loop on its source). */
  targetless: boolean;
  /** Where the transition is written in the spec (`$.machine.states.open.on.LOOKUP[0]`). */
  jsonPath: string;
}

/** A transition, one edge per target. */
export interface TransitionGraphEdge {
  id: string;
  source: string;
  target: string;
  /** `EVENT [guard] / action, action`. */
  label: string;
  data: TransitionEdgeData;
}

/** A statechart as nodes and edges, before layout. */
export interface StatechartGraph {
  nodes: StateGraphNode[];
  edges: TransitionGraphEdge[];
  /**
   * Targets that name no state (a spec that was not parsed: `parseSpec` refuses them). Listed, not
   * drawn.
   */
  unresolved: { jsonPath: string; target: string }[];
}

/**
 * The node id of the machine's root, present only when the root itself has transitions (they
 * apply in every state, so they are drawn from a container around the whole machine).
 */
export const ROOT_NODE_ID = '(machine)';

type RawTransition = string | { target?: string | string[]; guard?: unknown; actions?: unknown };

/**
 * The statechart of a spec's machine as nodes and edges for React Flow: one node per state (its
 * id the dotted path), compound and parallel states as containers of their children (`parentId`),
 * and one edge per transition target, labelled `EVENT [guard] / actions` with the names the spec
 * writes. Nodes come parents first in document order; ids and order depend on the spec only.
 *
 * @example
 * const { nodes, edges } = statechartGraph(spec);
 * // nodes[0]: { id: 'open', type: 'container', data: { type: 'compound', initial: true, … } }
 * // edges[0]: { source: 'open', target: 'open.reviewing', label: 'LOOKUP [orderExists] / loadOrder' }
 */
export function statechartGraph(spec: Pick<GymSpec, 'machine'>): StatechartGraph {
  const index = new StateIndex(spec.machine);
  const graph: StatechartGraph = { nodes: [], edges: [], unresolved: [] };
  const rootHasTransitions = transitionsOf(index.root).length > 0;
  if (rootHasTransitions) graph.nodes.push(rootNode(spec.machine));
  for (const state of index.states) graph.nodes.push(stateNode(state, rootHasTransitions));
  for (const state of rootHasTransitions ? [index.root, ...index.states] : index.states) {
    const source = state.path || ROOT_NODE_ID;
    for (const t of transitionsOf(state)) {
      const targets = t.targets.length === 0 ? [undefined] : t.targets;
      targets.forEach((target, i) => {
        const resolved = target === undefined ? state : index.resolve(state, target);
        if (!resolved) {
          graph.unresolved.push({ jsonPath: jsonPath(t.jsonPath), target: target ?? '' });
          return;
        }
        const suffix = targets.length > 1 ? `#${i}` : '';
        graph.edges.push({
          id: `${source}:${jsonPath(t.jsonPath.slice(state.jsonPath.length)).replace(/^\$\.?/, '')}${suffix}`,
          source,
          target: resolved.path || ROOT_NODE_ID,
          label: transitionLabel(t.event, t.guard, t.actions),
          data: {
            kind: t.kind,
            event: t.event,
            ...(t.guard !== undefined && { guard: t.guard }),
            actions: t.actions,
            targetless: target === undefined,
            jsonPath: jsonPath(t.jsonPath),
          },
        });
      });
    }
  }
  return graph;
}

/** `EVENT [guard] / a, b`, leaving out the parts a transition does not have. */
export function transitionLabel(event: string, guard: string | undefined, actions: string[]): string {
  let label = event;
  if (guard !== undefined) label += ` [${guard}]`;
  if (actions.length > 0) label += ` / ${actions.join(', ')}`;
  return label;
}

function rootNode(machine: StateNodeSpec): StateGraphNode {
  return {
    id: ROOT_NODE_ID,
    type: 'container',
    data: {
      label: machine.id ?? ROOT_NODE_ID,
      type: machine.type === 'parallel' ? 'parallel' : 'compound',
      path: '',
      jsonPath: '$.machine',
      initial: true,
      region: false,
      depth: -1,
      entry: names(machine.entry),
      exit: names(machine.exit),
      tags: machine.tags ?? [],
    },
  };
}

function stateNode(state: IndexedState, underRoot: boolean): StateGraphNode {
  const { spec, parent } = state;
  const type = kindOf(spec);
  const parentPath = parent?.path || (underRoot ? ROOT_NODE_ID : undefined);
  const parentIsParallel = parent?.spec.type === 'parallel';
  return {
    id: state.path,
    type: type === 'compound' || type === 'parallel' ? 'container' : 'state',
    ...(parentPath !== undefined && { parentId: parentPath }),
    data: {
      label: state.key,
      type,
      path: state.path,
      jsonPath: jsonPath(state.jsonPath),
      initial: !parentIsParallel && parent?.spec.initial === state.key,
      region: parentIsParallel,
      depth: state.path.split('.').length - 1,
      entry: names(spec.entry),
      exit: names(spec.exit),
      tags: spec.tags ?? [],
      ...(spec.description !== undefined && { description: spec.description }),
      ...(spec.type === 'history' && { history: spec.history ?? 'shallow' }),
    },
  };
}

/** XState's rule: an explicit type, else compound with children, else atomic. */
function kindOf(spec: StateNodeSpec): StateKind {
  if (spec.type) return spec.type;
  return Object.keys(spec.states ?? {}).length > 0 ? 'compound' : 'atomic';
}

interface Transition {
  kind: TransitionKind;
  event: string;
  guard: string | undefined;
  actions: string[];
  targets: string[];
  jsonPath: PropertyKey[];
}

/** A state's transitions in document order: `on`, then `always`, then `after`, then a history default. */
function transitionsOf(state: IndexedState): Transition[] {
  const out: Transition[] = [];
  const add = (kind: TransitionKind, event: string, value: unknown, path: PropertyKey[]) => {
    const list = Array.isArray(value) ? value : [value];
    list.forEach((raw: RawTransition, i) => {
      const t = typeof raw === 'string' ? { target: raw } : (raw ?? {});
      const targets = (Array.isArray(t.target) ? t.target : [t.target]).filter(
        // XState reads a target "" as no target.
        (x): x is string => typeof x === 'string' && x !== '',
      );
      out.push({
        kind,
        event,
        guard: nameOf(t.guard),
        actions: names(t.actions),
        targets,
        jsonPath: Array.isArray(value) ? [...path, i] : path,
      });
    });
  };
  const { spec } = state;
  for (const [event, value] of Object.entries(spec.on ?? {}))
    add('event', event, value, [...state.jsonPath, 'on', event]);
  if (spec.always !== undefined) add('always', 'always', spec.always, [...state.jsonPath, 'always']);
  // GymSpecs refuse `after` (it brings a clock back), but an XState machine shown here may have it.
  const after = (spec as { after?: Record<string, unknown> }).after;
  for (const [delay, value] of Object.entries(after ?? {}))
    add('after', `after ${/^\d+$/.test(delay) ? `${delay}ms` : delay}`, value, [
      ...state.jsonPath,
      'after',
      delay,
    ]);
  if (spec.type === 'history' && spec.target !== undefined)
    add('history', 'history', { target: spec.target }, [...state.jsonPath, 'target']);
  return out;
}

/** A guard or action reference by the name the spec gives it (`name` or `{ type: name, params }`). */
function nameOf(ref: unknown): string | undefined {
  if (typeof ref === 'string') return ref;
  if (ref && typeof ref === 'object' && typeof (ref as { type?: unknown }).type === 'string')
    return (ref as { type: string }).type;
  return undefined;
}

function names(refs: unknown): string[] {
  if (refs === undefined) return [];
  return (Array.isArray(refs) ? refs : [refs]).map(nameOf).filter((n): n is string => n !== undefined);
}
