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

/** What `placeProblems` needs of a problem: its id and the states and transitions it names. */
export interface PlaceableProblem {
  id: string;
  /** Dotted state ids; `""` is the machine's root. */
  states: readonly string[];
  transitions: readonly { source: string; event: string; target?: string }[];
}

/** Problems on a drawn graph: the elements (node and edge ids) of each, and the problems of each element. */
export interface ProblemPlacement<P extends PlaceableProblem> {
  /** Problem id → its elements, nodes first, in the graph's order; empty when nothing is drawn for it. */
  elementsOf: Map<string, string[]>;
  /** Element id → the problems on it, in the problems' order. */
  problemsAt: Map<string, P[]>;
}

/**
 * Puts problems on the nodes and edges they name: a state by its dotted id (the root on
 * `ROOT_NODE_ID`, when it is drawn), a transition on every edge with its source and event (and
 * target, when the problem gives one). Names the graph does not draw are left out.
 *
 * @example
 * const { problemsAt } = placeProblems(statechartGraph(spec), problems);
 * problemsAt.get('stuck') // [{ id: 'dead ends#6', … }]
 */
export function placeProblems<P extends PlaceableProblem>(
  graph: Pick<StatechartGraph, 'nodes' | 'edges'>,
  problems: readonly P[],
): ProblemPlacement<P> {
  const nodeIds = new Set(graph.nodes.map((n) => n.id));
  const nodeOf = (state: string) => state || ROOT_NODE_ID;
  const elementsOf = new Map<string, string[]>();
  const problemsAt = new Map<string, P[]>();
  for (const p of problems) {
    const states = new Set(p.states.map(nodeOf));
    const nodes = graph.nodes.filter((n) => states.has(n.id)).map((n) => n.id);
    const edges = graph.edges
      .filter((e) =>
        p.transitions.some(
          (t) =>
            nodeOf(t.source) === e.source &&
            t.event === e.data.event &&
            (t.target === undefined || (nodeIds.has(nodeOf(t.target)) && nodeOf(t.target) === e.target)),
        ),
      )
      .map((e) => e.id);
    const elements = [...nodes, ...edges];
    elementsOf.set(p.id, elements);
    for (const id of elements) problemsAt.set(id, [...(problemsAt.get(id) ?? []), p]);
  }
  return { elementsOf, problemsAt };
}

/** A node's box in the canvas's coordinates. */
export interface Box {
  id: string;
  /** The container it is drawn in. */
  parentId?: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** An arrow key's direction. */
export type Direction = 'left' | 'right' | 'up' | 'down';

/**
 * Boxes in the canvas's coordinates from React Flow nodes, whose positions are relative to their
 * parent container.
 */
export function absoluteBoxes(
  nodes: readonly {
    id: string;
    parentId?: string;
    position: { x: number; y: number };
    width?: number;
    height?: number;
  }[],
): Box[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const origin = (id: string | undefined, depth = 0): { x: number; y: number } => {
    const n = id === undefined ? undefined : byId.get(id);
    if (!n || depth > nodes.length) return { x: 0, y: 0 };
    const o = origin(n.parentId, depth + 1);
    return { x: o.x + n.position.x, y: o.y + n.position.y };
  };
  return nodes.map((n) => ({
    id: n.id,
    ...(n.parentId !== undefined && { parentId: n.parentId }),
    ...origin(n.id),
    width: n.width ?? 0,
    height: n.height ?? 0,
  }));
}

/**
 * The node an arrow key moves to from `from`: the nearest along the arrow among the nodes whose
 * centre lies within 45° of it, sideways distance counting double; when none does, the same among
 * all the nodes on that side. Containers and their children are nodes like any other. Undefined
 * when there is no node that way.
 *
 * @example
 * nearestInDirection(absoluteBoxes(nodes), 'open.triage', 'right') // 'open.review'
 */
export function nearestInDirection(
  boxes: readonly Box[],
  from: string,
  direction: Direction,
): string | undefined {
  const start = boxes.find((b) => b.id === from);
  if (!start) return undefined;
  const centre = (b: Box) => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });
  const c = centre(start);
  let inCone: { id: string; score: number } | undefined;
  let onSide: { id: string; score: number } | undefined;
  for (const b of boxes) {
    if (b.id === from) continue;
    const d = centre(b);
    const dx = d.x - c.x;
    const dy = d.y - c.y;
    const [along, aside] =
      direction === 'right'
        ? [dx, dy]
        : direction === 'left'
          ? [-dx, dy]
          : direction === 'down'
            ? [dy, dx]
            : [-dy, dx];
    if (along <= 0.5) continue;
    const score = along + 2 * Math.abs(aside);
    if (Math.abs(aside) <= along && (!inCone || score < inCone.score)) inCone = { id: b.id, score };
    if (!onSide || score < onSide.score) onSide = { id: b.id, score };
  }
  return (inCone ?? onSide)?.id;
}

/** How an edge ELK did not route is drawn: an SVG path and its label's centre. */
export interface DrawnEdge {
  path: string;
  label: { x: number; y: number };
}

/**
 * Paths for the edges ELK leaves out (see layoutGraph's `layable`): loops on a container, and edges
 * between a container and a state inside it. Their labels are stacked above the container's top
 * left corner, one row each in edge order, so they neither pile up on one point nor hide behind the
 * container; a loop is an arch on the top border up to its label's row (side by side from the top
 * right corner), an edge into a child runs
 * from its label down to the child's left side, an edge out of one from the child's right side up
 * to its label. Other edges are not placed here.
 *
 * @example
 * containerEdges(edges.filter((e) => !e.data?.route), absoluteBoxes(nodes), { charWidth: 6.5, height: 16 })
 */
export function containerEdges(
  edges: readonly { id: string; source: string; target: string; label: string }[],
  boxes: readonly Box[],
  label: { charWidth: number; height: number },
): Map<string, DrawnEdge> {
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const inside = (inner: string, outer: string) => {
    for (let p = byId.get(inner)?.parentId; p !== undefined; p = byId.get(p)?.parentId)
      if (p === outer) return true;
    return false;
  };
  const rows = new Map<string, number>();
  const loops = new Map<string, number>();
  const out = new Map<string, DrawnEdge>();
  for (const e of edges) {
    const anchor =
      e.source === e.target || inside(e.target, e.source)
        ? e.source
        : inside(e.source, e.target)
          ? e.target
          : undefined;
    const box = anchor === undefined ? undefined : byId.get(anchor);
    if (!box) continue;
    const row = rows.get(box.id) ?? 0;
    rows.set(box.id, row + 1);
    const width = Math.ceil(e.label.length * label.charWidth) + 8;
    const y = box.y - label.height / 2 - 4 - row * (label.height + 4);
    const centre = { x: box.x + width / 2, y };
    const r = (n: number) => Math.round(n * 10) / 10;
    let path: string;
    if (e.source === e.target) {
      // Arches side by side from the top right corner leftwards, each as high as its label's row.
      const loop = loops.get(box.id) ?? 0;
      loops.set(box.id, loop + 1);
      const a = Math.max(box.x + 8, box.x + box.width - 28 - 22 * loop);
      path = `M ${r(a)} ${r(box.y)} C ${r(a)} ${r(y)}, ${r(a + 16)} ${r(y)}, ${r(a + 16)} ${r(box.y)}`;
    } else if (anchor === e.source) {
      const child = byId.get(e.target)!;
      const sx = box.x + 6;
      const sy = y + label.height / 2;
      const ty = child.y + child.height / 2;
      path = `M ${r(sx)} ${r(sy)} C ${r(sx)} ${r(ty)}, ${r(child.x - 24)} ${r(ty)}, ${r(child.x)} ${r(ty)}`;
    } else {
      const child = byId.get(e.source)!;
      const sx = child.x + child.width;
      const sy = child.y + child.height / 2;
      const ex = box.x + width;
      path = `M ${r(sx)} ${r(sy)} C ${r(sx + 24)} ${r(sy)}, ${r(ex)} ${r(sy)}, ${r(ex)} ${r(y + label.height / 2)}`;
    }
    out.set(e.id, { path, label: centre });
  }
  return out;
}
