import { useEffect, useMemo, useRef } from 'react';
import type { CanvasEdit } from './canvasEdit.tsx';
import type { LaidOutGraph } from './layoutGraph.ts';
import { overlaps, type Place, placeNodes } from './placeNodes.ts';

/**
 * The layout as drawn: ELK's, with the document's manual positions and, while editing, the places
 * this canvas drew states at before an edit, so that adding or renaming one state does not move
 * the others (Tidy, `edit.tidy`, forgets those). A state keeps its earlier place only under the
 * same parent, and only when the automatic layout put it there: a manual position cleared by
 * anyone goes back to the layout's. When kept places would overlap, the new layout is taken whole.
 */
export function usePlacement(laid: LaidOutGraph | undefined, edit: CanvasEdit | undefined) {
  const kept = useRef(new Map<string, { parentId: string | undefined; at: Place }>());
  const tidied = useRef(edit?.tidy);
  const positions = edit?.positions;
  const tidy = edit?.tidy;
  const editing = edit !== undefined;
  const placed = useMemo(() => {
    if (!laid) return undefined;
    if (!editing) return laid;
    if (tidied.current !== tidy) {
      tidied.current = tidy;
      kept.current.clear();
    }
    const manual = new Map<string, Place>();
    const fixed = new Map<string, Place>();
    for (const n of laid.nodes) {
      const at = positions?.get(n.id);
      const before = kept.current.get(n.id);
      if (at) manual.set(n.id, at);
      else if (before && before.parentId === n.parentId) fixed.set(n.id, before.at);
    }
    if (fixed.size === 0) return placeNodes(laid, manual);
    const steady = placeNodes(laid, new Map([...fixed, ...manual]));
    // Kept places that now overlap (a container grew over a neighbour): the new layout instead.
    return overlaps(steady, new Set(fixed.keys())) ? placeNodes(laid, manual) : steady;
  }, [laid, positions, tidy, editing]);
  useEffect(() => {
    if (!placed || !editing) return;
    kept.current = new Map(
      placed.nodes
        .filter((n) => !positions?.has(n.id))
        .map((n) => [n.id, { parentId: n.parentId, at: n.position }]),
    );
  }, [placed, positions, editing]);
  return placed;
}
