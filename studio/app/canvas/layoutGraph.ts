import type { Edge, Node } from '@xyflow/react';
import elkDefault from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ELK as ElkInstance, ElkNode, LayoutOptions } from 'elkjs/lib/elk-api.js';
import type {
  StatechartGraph,
  StateGraphNode,
  StateNodeData,
  TransitionEdgeData,
  TransitionGraphEdge,
} from './statechartGraph.ts';

/** A laid-out state: React Flow's node, its position relative to its parent container. */
export type StateFlowNode = Node<StateNodeData, 'state' | 'container'> & {
  width: number;
  height: number;
};

/** Where ELK routed a transition, in the canvas's coordinates (not relative to any container). */
export interface EdgeRoute {
  points: { x: number; y: number }[];
  /** The centre of the label's box, when ELK placed one. */
  label?: { x: number; y: number };
}

/** A laid-out transition: React Flow's edge; `data.route` is ELK's routing, for a custom edge. */
export type TransitionFlowEdge = Edge<TransitionEdgeData & { route?: EdgeRoute }> & { label: string };

export interface LaidOutGraph {
  nodes: StateFlowNode[];
  edges: TransitionFlowEdge[];
  /** The size of the whole drawing. */
  width: number;
  height: number;
}

/** Sizes, in CSS pixels, that the node components are expected to draw at. */
export const NODE_METRICS = {
  /** Width of one character of a state's title (a fixed width: no text is measured). */
  charWidth: 8,
  /** Width of one character of an edge label (smaller type). */
  labelCharWidth: 6.5,
  labelHeight: 16,
  minWidth: 72,
  height: 40,
  /** Left and right padding inside a state's box, together. */
  paddingX: 32,
  /** A container's title bar; children are laid out below it. */
  containerHeader: 32,
  containerPadding: 16,
} as const;

// elkjs is CommonJS: Node's default import is `module.exports`, the class itself, while a bundler
// may hand over `{ default: class }`; TypeScript's view depends on the module resolution used.
type ElkClass = new () => ElkInstance;
const ELK = ((elkDefault as unknown as { default?: ElkClass }).default ?? elkDefault) as unknown as ElkClass;

const ROOT_ID = '__canvas_root__';

const ROOT_OPTIONS: LayoutOptions = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.layered.spacing.nodeNodeBetweenLayers': '48',
  'elk.spacing.nodeNode': '32',
  'elk.spacing.edgeLabel': '4',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.json.edgeCoords': 'ROOT',
};

/** Above this many states, `LARGE_OPTIONS` apply. */
export const LARGE_MACHINE = 100;

/** ELK options for large machines: faster, with more crossings left. */
const LARGE_OPTIONS: LayoutOptions = {
  'elk.layered.considerModelOrder.strategy': 'NONE',
  'elk.layered.thoroughness': '1',
};

/** Options of `layoutGraph`. */
export interface LayoutGraphOptions {
  /** ELK options for the whole drawing, over the defaults (`elk.direction: 'DOWN'`, …). */
  elk?: LayoutOptions;
  /** Leave edge labels out of the layout (faster; labels may then overlap boxes). */
  ignoreLabels?: boolean;
}

/** Width of a state's box: its title in a fixed character width, with padding. */
export function nodeWidth(data: StateNodeData): number {
  const markers = data.initial || data.type === 'final' || data.type === 'history' ? 16 : 0;
  return Math.max(
    NODE_METRICS.minWidth,
    Math.ceil(data.label.length * NODE_METRICS.charWidth) + NODE_METRICS.paddingX + markers,
  );
}

/**
 * Lays a statechart out with ELK's layered algorithm, containers and their children in one pass
 * (`hierarchyHandling: INCLUDE_CHILDREN`), and returns React Flow nodes (each position relative to
 * its parent container, as React Flow wants; containers sized by `style`) and edges (with ELK's
 * route). Pure: the same graph gives the same layout. Runs in Node and the browser.
 *
 * @example
 * const { nodes, edges } = await layoutGraph(statechartGraph(spec));
 * // <ReactFlow nodes={nodes} edges={edges} />
 */
export async function layoutGraph(
  graph: StatechartGraph,
  options: LayoutGraphOptions = {},
): Promise<LaidOutGraph> {
  const elk = new ELK();
  const byId = new Map<string, ElkNode>();
  // Large machines trade some crossing minimisation for speed: keeping the spec's order and one
  // sweep of the crossing minimiser laid 200 states out 4–6× faster (the studio benchmark), and a
  // machine that size is read by zooming in, not at a glance.
  const large = graph.nodes.length > LARGE_MACHINE ? LARGE_OPTIONS : {};
  const layoutOptions = { ...ROOT_OPTIONS, ...large, ...options.elk };
  const root: ElkNode = { id: ROOT_ID, layoutOptions, children: [], edges: [] };
  for (const node of graph.nodes) {
    const elkNode = toElkNode(node);
    byId.set(node.id, elkNode);
    const parent = node.parentId === undefined ? root : byId.get(node.parentId);
    if (!parent) throw new Error(`node "${node.id}" comes before its parent "${node.parentId}"`);
    parent.children?.push(elkNode);
  }
  const parents = new Map(graph.nodes.map((n) => [n.id, n.parentId]));
  const laidEdges = graph.edges.filter((e) => layable(e, parents, byId));
  root.edges = laidEdges.map((e) => toElkEdge(e, options.ignoreLabels === true));

  const out = await elk.layout(root);

  const nodes: StateFlowNode[] = [];
  const graphNodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const collect = (elkNode: ElkNode) => {
    for (const child of elkNode.children ?? []) {
      const source = graphNodes.get(child.id);
      if (source) nodes.push(toFlowNode(source, child));
      collect(child);
    }
  };
  collect(out);
  // React Flow wants parents before children: keep the graph's order.
  const order = new Map(graph.nodes.map((n, i) => [n.id, i]));
  nodes.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));

  const routes = new Map<string, EdgeRoute>();
  for (const e of (out.edges ?? []) as ElkExtendedEdge[]) {
    const route = routeOf(e);
    if (route) routes.set(e.id, route);
  }
  const edges: TransitionFlowEdge[] = graph.edges.map((e) => {
    const route = routes.get(e.id);
    return {
      id: e.id,
      source: e.source,
      target: e.target,
      label: e.label,
      data: { ...e.data, ...(route && { route }) },
    };
  });
  return { nodes, edges, width: out.width ?? 0, height: out.height ?? 0 };
}

function toElkNode(node: StateGraphNode): ElkNode {
  const width = nodeWidth(node.data);
  if (node.type === 'container') {
    const p = NODE_METRICS.containerPadding;
    return {
      id: node.id,
      children: [],
      layoutOptions: {
        'elk.padding': `[top=${NODE_METRICS.containerHeader + p},left=${p},bottom=${p},right=${p}]`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${width}, ${NODE_METRICS.height + NODE_METRICS.containerHeader})`,
      },
    };
  }
  return { id: node.id, width, height: NODE_METRICS.height };
}

function toElkEdge(edge: TransitionGraphEdge, ignoreLabels: boolean): ElkExtendedEdge {
  if (ignoreLabels) return { id: edge.id, sources: [edge.source], targets: [edge.target] };
  return {
    id: edge.id,
    sources: [edge.source],
    targets: [edge.target],
    labels: [
      {
        text: edge.label,
        width: Math.ceil(edge.label.length * NODE_METRICS.labelCharWidth) + 8,
        height: NODE_METRICS.labelHeight,
      },
    ],
  };
}

/**
 * Whether ELK gets the edge. A loop on a container and an edge between a container and a state
 * inside it are drawn by React Flow but left out of ELK's input: the layered algorithm cannot
 * route an edge through its own container's border, and such an edge says nothing about where
 * boxes go.
 */
function layable(
  edge: TransitionGraphEdge,
  parents: Map<string, string | undefined>,
  elkNodes: Map<string, ElkNode>,
): boolean {
  if (!elkNodes.has(edge.source) || !elkNodes.has(edge.target)) return false;
  if (edge.source === edge.target) return elkNodes.get(edge.source)?.children === undefined;
  const inside = (inner: string, outer: string) => {
    for (let p = parents.get(inner); p !== undefined; p = parents.get(p)) if (p === outer) return true;
    return false;
  };
  return !inside(edge.target, edge.source) && !inside(edge.source, edge.target);
}

function toFlowNode(node: StateGraphNode, laid: ElkNode): StateFlowNode {
  const width = laid.width ?? nodeWidth(node.data);
  const height = laid.height ?? NODE_METRICS.height;
  return {
    id: node.id,
    type: node.type,
    ...(node.parentId !== undefined && { parentId: node.parentId }),
    position: { x: laid.x ?? 0, y: laid.y ?? 0 },
    data: node.data,
    width,
    height,
    style: { width, height },
  };
}

function routeOf(edge: ElkExtendedEdge): EdgeRoute | undefined {
  const section = edge.sections?.[0];
  if (!section) return undefined;
  const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint].map((p) => ({
    x: p.x,
    y: p.y,
  }));
  const label = edge.labels?.[0];
  return {
    points,
    ...(label?.x !== undefined &&
      label.y !== undefined && {
        label: { x: label.x + (label.width ?? 0) / 2, y: label.y + (label.height ?? 0) / 2 },
      }),
  };
}
