/**
 * Where each state is drawn when some have a place of their own: the automatic layout (ELK) gives
 * every state a place; a state with a fixed one (a manual position from the document, or where
 * this canvas drew it before an edit) is drawn there instead. Containers grow to hold children
 * placed beyond their edge, and a transition whose end moved loses ELK's route (the canvas then
 * draws a curve between the boxes).
 */
import type { LaidOutGraph, StateFlowNode } from './layoutGraph.ts';
import { NODE_METRICS } from './layoutGraph.ts';
import { absoluteBoxes } from './statechartGraph.ts';

/** A point relative to the parent container's box (React Flow's node position). */
export interface Place {
  x: number;
  y: number;
}

/**
 * The laid-out graph with `fixed` places (node id → place in its parent's box) applied. The same
 * object when nothing changes, so the canvas keeps what it memoised on it.
 *
 * @example
 * const drawn = placeNodes(await layoutGraph(graph), new Map([['review', { x: 400, y: 20 }]]));
 */
export function placeNodes(laid: LaidOutGraph, fixed: ReadonlyMap<string, Place>): LaidOutGraph {
  if (![...fixed.keys()].some((id) => laid.nodes.some((n) => n.id === id))) return laid;
  const nodes: StateFlowNode[] = laid.nodes.map((n) => {
    const at = fixed.get(n.id);
    return at && (at.x !== n.position.x || at.y !== n.position.y) ? { ...n, position: { ...at } } : { ...n };
  });
  // Children come after their parents: from the last node up, each container holds its children.
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const pad = NODE_METRICS.containerPadding;
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (n.parentId === undefined) continue;
    const parent = byId.get(n.parentId);
    if (!parent) continue;
    const width = Math.max(parent.width, n.position.x + n.width + pad);
    const height = Math.max(parent.height, n.position.y + n.height + pad);
    if (width !== parent.width || height !== parent.height) {
      parent.width = width;
      parent.height = height;
      parent.style = { ...parent.style, width, height };
    }
  }
  const before = new Map(absoluteBoxes(laid.nodes).map((b) => [b.id, b]));
  const after = new Map(absoluteBoxes(nodes).map((b) => [b.id, b]));
  const moved = new Set(
    [...after.values()]
      .filter((b) => {
        const a = before.get(b.id);
        return !a || a.x !== b.x || a.y !== b.y || a.width !== b.width || a.height !== b.height;
      })
      .map((b) => b.id),
  );
  const edges = laid.edges.map((e) => {
    if (!e.data?.route || (!moved.has(e.source) && !moved.has(e.target))) return e;
    const { route: _dropped, ...data } = e.data;
    return { ...e, data };
  });
  const boxes = [...after.values()];
  return {
    nodes,
    edges,
    width: Math.max(laid.width, ...boxes.map((b) => b.x + b.width)),
    height: Math.max(laid.height, ...boxes.map((b) => b.y + b.height)),
  };
}

/**
 * Whether a state among `movable` overlaps a sibling (a state with the same parent) in a drawn
 * graph: what keeping earlier places after a new layout can cause (a container grown over a
 * neighbour), and a reason to take the new layout instead.
 *
 * @example
 * if (overlaps(placeNodes(laid, kept), new Set(kept.keys()))) drawn = placeNodes(laid, manual);
 */
export function overlaps(graph: LaidOutGraph, movable: ReadonlySet<string>): boolean {
  const siblings = new Map<string | undefined, StateFlowNode[]>();
  for (const n of graph.nodes) siblings.set(n.parentId, [...(siblings.get(n.parentId) ?? []), n]);
  for (const group of siblings.values())
    for (const a of group) {
      if (!movable.has(a.id)) continue;
      for (const b of group)
        if (
          a !== b &&
          a.position.x < b.position.x + b.width &&
          b.position.x < a.position.x + a.width &&
          a.position.y < b.position.y + b.height &&
          b.position.y < a.position.y + a.height
        )
          return true;
    }
  return false;
}
