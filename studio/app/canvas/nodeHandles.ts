/**
 * A state's two handles as React Flow's `NodeHandle`s, from the layout instead of the page: React
 * Flow draws an edge only between nodes whose handles it knows, and finds the handle a line starts
 * from, or ends on, by the same bounds. It measures them in the page, but drops what it measured
 * whenever it is handed a new node object (every redraw of the canvas: a selection, a problem
 * mark, a colleague's edit), and an arrow or a drag then waits for the next measure. Handles given
 * with the node are taken again with each node object, so they exist on every render.
 */
import { type NodeHandle, Position } from '@xyflow/react';

/**
 * A handle's side, in CSS pixels: the canvas draws its handles at this size (inline, over the
 * stylesheets), so the bounds given here are the ones drawn.
 */
export const HANDLE_SIZE = { viewing: 6, editing: 10 } as const;

/**
 * Where the target (left) and source (right) handles of a box `width` × `height` with a border
 * `border` px wide sit, relative to the box's top left corner: each centred on the inner edge of
 * the border (a handle is placed at `left: 0`, `right: 0` of the box's padding box and shifted by
 * half its size), halfway down.
 *
 * @example
 * nodeHandles({ width: 100, height: 40 }, 1, 10)
 * // [{ type: 'target', position: 'left', x: -4, y: 15, width: 10, height: 10 },
 * //  { type: 'source', position: 'right', x: 94, y: 15, width: 10, height: 10 }]
 */
export function nodeHandles(
  box: { width: number; height: number },
  border: number,
  size: number,
): NodeHandle[] {
  const y = box.height / 2 - size / 2;
  return [
    { type: 'target', position: Position.Left, x: border - size / 2, y, width: size, height: size },
    {
      type: 'source',
      position: Position.Right,
      x: box.width - border - size / 2,
      y,
      width: size,
      height: size,
    },
  ];
}
