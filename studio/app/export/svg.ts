import type { EdgeRoute, LaidOutGraph, StateFlowNode, TransitionFlowEdge } from '../canvas/layoutGraph.ts';
import { NODE_METRICS } from '../canvas/layoutGraph.ts';
import { ROOT_NODE_ID } from '../canvas/statechartGraph.ts';

/**
 * Colours of the exported drawing. Fixed, not the page's theme: the file is read elsewhere (an SVG
 * editor, a slide), on a white page.
 */
const INK = '#1b1d22';
const MUTED = '#555b66';
const CONTAINER_FILL = '#f4f5f7';
const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif';
const MARGIN = 24;

/** Options of `statechartSvg`. */
export interface StatechartSvgOptions {
  /** The drawing's `<title>` (the environment's name). */
  title?: string;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The laid-out statechart (`layoutGraph(statechartGraph(spec))`) as a standalone SVG document:
 * one `<g data-state="path">` per state (rectangles, compound and parallel states as containers
 * with a title bar, final states double-bordered, initial states with a dot, history states marked
 * H or H*), then one `<g data-edge="id">` per transition: ELK's route as a polyline with an
 * arrowhead and its `EVENT [guard] / actions` label on a white box. Edges ELK did not route (a loop
 * on a container, an edge into a state's own container) are drawn as a curve, as the canvas does.
 *
 * The file draws everything itself with plain SVG shapes and text, unlike an html-to-image
 * snapshot of the page (which wraps HTML in a `<foreignObject>`): so it opens and edits in any SVG
 * editor (Inkscape, Illustrator, Figma) and converts to PDF. Colours are fixed (light), whatever
 * the page's theme. Every name is escaped for XML. Pure: the same layout gives the same text.
 *
 * @example
 * const svg = statechartSvg(await layoutGraph(statechartGraph(spec)), { title: spec.name });
 * // '<svg xmlns="http://www.w3.org/2000/svg" … <g data-state="open" data-type="compound">…'
 */
export function statechartSvg(layout: LaidOutGraph, options: StatechartSvgOptions = {}): string {
  const boxes = absoluteBoxes(layout.nodes);
  const bounds: Box = { x: 0, y: 0, width: layout.width, height: layout.height };
  const parents = new Map(layout.nodes.map((node) => [node.id, node.parentId]));
  // Unrouted edges around the same box are stacked, each a little further out than the last.
  const around = new Map<string, number>();
  const body: string[] = [];
  // Parents come before their children in `layout.nodes`: containers are drawn under what they hold.
  for (const node of layout.nodes) body.push(stateSvg(node, boxes.get(node.id)!));
  for (const edge of layout.edges) {
    const source = boxes.get(edge.source);
    const target = boxes.get(edge.target);
    if (!source || !target) continue;
    const route = edge.data?.route;
    let drawn: Drawn;
    if (route && route.points.length >= 2) drawn = routed(route);
    else {
      const nested = edge.source === edge.target ? 'loop' : nesting(parents, edge.source, edge.target);
      const anchor = nested === 'source-inside' ? edge.target : edge.source;
      const k = around.get(`${nested}:${anchor}`) ?? 0;
      around.set(`${nested}:${anchor}`, k + 1);
      drawn =
        nested === 'loop'
          ? loop(source, k)
          : nested === 'none'
            ? curve(source, target)
            : sideCurve(source, target, nested === 'target-inside', k);
    }
    const label = edge.label ? labelBox(edge.label, drawn.label) : undefined;
    for (const b of [drawn.extent, label]) if (b) grow(bounds, b);
    body.push(edgeSvg(edge, drawn, label));
  }
  const x = Math.floor(bounds.x - MARGIN);
  const y = Math.floor(bounds.y - MARGIN);
  const width = Math.ceil(bounds.x + bounds.width + MARGIN) - x;
  const height = Math.ceil(bounds.y + bounds.height + MARGIN) - y;
  return `${[
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="${x} ${y} ${width} ${height}" font-family="${attr(FONT)}" font-size="13">`,
    ...(options.title !== undefined ? [`<title>${text(options.title)}</title>`] : []),
    '<defs>',
    `<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="${MUTED}"/></marker>`,
    '</defs>',
    `<rect x="${x}" y="${y}" width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
  ].join('\n')}\n`;
}

/** Whether one end of an edge is inside the other (a container and a state it holds). */
function nesting(
  parents: Map<string, string | undefined>,
  source: string,
  target: string,
): 'target-inside' | 'source-inside' | 'none' {
  const inside = (inner: string, outer: string) => {
    for (let p = parents.get(inner); p !== undefined; p = parents.get(p)) if (p === outer) return true;
    return false;
  };
  if (inside(target, source)) return 'target-inside';
  if (inside(source, target)) return 'source-inside';
  return 'none';
}

/** The box of an edge's label, its point being the box's centre, left end or right end. */
function labelBox(label: string, at: Drawn['label']): Box {
  const width = Math.ceil(label.length * NODE_METRICS.labelCharWidth) + 8;
  const height = NODE_METRICS.labelHeight;
  const x = at.align === 'start' ? at.x : at.align === 'end' ? at.x - width : at.x - width / 2;
  return { x, y: at.y - height / 2, width, height };
}

function grow(bounds: Box, b: Box) {
  const right = Math.max(bounds.x + bounds.width, b.x + b.width);
  const bottom = Math.max(bounds.y + bounds.height, b.y + b.height);
  bounds.x = Math.min(bounds.x, b.x);
  bounds.y = Math.min(bounds.y, b.y);
  bounds.width = right - bounds.x;
  bounds.height = bottom - bounds.y;
}

/** Each node's box in the drawing's coordinates (React Flow's positions are relative to the parent). */
function absoluteBoxes(nodes: StateFlowNode[]): Map<string, Box> {
  const boxes = new Map<string, Box>();
  for (const node of nodes) {
    const parent = node.parentId === undefined ? undefined : boxes.get(node.parentId);
    boxes.set(node.id, {
      x: (parent?.x ?? 0) + node.position.x,
      y: (parent?.y ?? 0) + node.position.y,
      width: node.width,
      height: node.height,
    });
  }
  return boxes;
}

function stateSvg(node: StateFlowNode, box: Box): string {
  const { data } = node;
  const { x, y, width: w, height: h } = box;
  const isRoot = node.id === ROOT_NODE_ID;
  const tag = isRoot
    ? `<g data-root="${attr(node.id)}" data-type="${data.type}">`
    : `<g data-state="${attr(data.path)}" data-type="${data.type}">`;
  const parts = [tag];
  const title =
    data.type === 'history' ? `${data.label} (${data.history === 'deep' ? 'H*' : 'H'})` : data.label;
  if (node.type === 'container') {
    const dash = data.type === 'parallel' || data.region ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" rx="8" fill="${CONTAINER_FILL}" stroke="${INK}"${dash}/>`,
      `<line x1="${n(x)}" y1="${n(y + NODE_METRICS.containerHeader)}" x2="${n(x + w)}" y2="${n(y + NODE_METRICS.containerHeader)}" stroke="${MUTED}" stroke-width="0.5"/>`,
    );
    const left = x + (data.initial ? 26 : 12);
    if (data.initial) parts.push(initialDot(x + 14, y + NODE_METRICS.containerHeader / 2));
    parts.push(
      `<text x="${n(left)}" y="${n(y + NODE_METRICS.containerHeader / 2)}" dominant-baseline="central" font-weight="600" fill="${INK}">${text(title)}${data.type === 'parallel' ? ' ‖' : ''}</text>`,
    );
  } else {
    const final = data.type === 'final';
    parts.push(
      `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" rx="6" fill="#ffffff" stroke="${INK}"${final ? ' stroke-width="1.5"' : ''}/>`,
    );
    // A final state's second border, as the canvas's `3px double`.
    if (final)
      parts.push(
        `<rect x="${n(x + 4)}" y="${n(y + 4)}" width="${n(w - 8)}" height="${n(h - 8)}" rx="3" fill="none" stroke="${INK}" stroke-width="1.5"/>`,
      );
    if (data.initial) parts.push(initialDot(x + 12, y + h / 2));
    parts.push(
      `<text x="${n(x + w / 2 + (data.initial ? 6 : 0))}" y="${n(y + h / 2)}" text-anchor="middle" dominant-baseline="central" fill="${INK}">${text(title)}</text>`,
    );
  }
  if (data.description) parts.push(`<desc>${text(data.description)}</desc>`);
  parts.push('</g>');
  return parts.join('');
}

function initialDot(cx: number, cy: number): string {
  return `<circle cx="${n(cx)}" cy="${n(cy)}" r="4" fill="${INK}"><title>initial state</title></circle>`;
}

function edgeSvg(edge: TransitionFlowEdge, drawn: Drawn, label: Box | undefined): string {
  const parts = [
    `<g data-edge="${attr(edge.id)}">`,
    `<path d="${drawn.path}" fill="none" stroke="${MUTED}" stroke-width="1.5" marker-end="url(#arrow)"/>`,
  ];
  if (label)
    parts.push(
      `<rect x="${n(label.x)}" y="${n(label.y)}" width="${n(label.width)}" height="${n(label.height)}" rx="3" fill="#ffffff" fill-opacity="0.9"/>`,
      `<text x="${n(label.x + label.width / 2)}" y="${n(label.y + label.height / 2)}" text-anchor="middle" dominant-baseline="central" font-size="11" fill="${INK}">${text(edge.label)}</text>`,
    );
  parts.push('</g>');
  return parts.join('');
}

/** A drawn edge: its path, the centre of its label, and how far it reaches outside the layout. */
interface Drawn {
  path: string;
  /** Where the label goes: its centre, or its left (`start`) or right (`end`) end. */
  label: { x: number; y: number; align?: 'start' | 'end' };
  extent?: Box;
}

/** ELK's orthogonal route, its label where ELK put it (else at the middle point). */
function routed(route: EdgeRoute): Drawn {
  const middle = route.points[Math.floor(route.points.length / 2)]!;
  return {
    path: route.points.map((p, i) => `${i === 0 ? 'M' : 'L'} ${n(p.x)} ${n(p.y)}`).join(' '),
    label: route.label ?? middle,
  };
}

/**
 * A transition back to its own state that ELK did not route (a loop on a container): an arc over
 * the box's top right; the k-th loop on a box is drawn higher than the one before.
 */
function loop(box: Box, k: number): Drawn {
  const end = box.x + box.width - 16;
  const start = end - 28;
  const rise = 28 + 22 * k;
  const top = box.y - rise;
  return {
    path: `M ${n(start)} ${n(box.y)} C ${n(start)} ${n(top)} ${n(end)} ${n(top)} ${n(end)} ${n(box.y)}`,
    label: { x: end + 6, y: box.y - rise * 0.75, align: 'start' },
    extent: { x: start, y: top, width: end - start, height: rise },
  };
}

/**
 * An edge between a container and a state inside it (ELK cannot route through a container's own
 * border): a curve out of the container's left side and back into the state's left side, the k-th
 * such edge further out; its label to the left.
 */
function sideCurve(source: Box, target: Box, targetInside: boolean, k: number): Drawn {
  const outer = targetInside ? source : target;
  const from = {
    x: source.x,
    y: source.y + Math.min(source.height / 2, NODE_METRICS.containerHeader / 2 + 4),
  };
  const to = { x: target.x, y: target.y + Math.min(target.height / 2, NODE_METRICS.containerHeader / 2 + 4) };
  const out = outer.x - 28 - 22 * k;
  const y = (from.y + to.y) / 2;
  return {
    path: `M ${n(from.x)} ${n(from.y)} C ${n(out)} ${n(from.y)} ${n(out)} ${n(to.y)} ${n(to.x)} ${n(to.y)}`,
    label: { x: out - 4, y, align: 'end' },
    extent: { x: out, y: Math.min(from.y, to.y), width: outer.x - out, height: Math.abs(to.y - from.y) },
  };
}

/** Any other edge ELK did not route: a curve from the source's right side to the target's left. */
function curve(source: Box, target: Box): Drawn {
  const start = { x: source.x + source.width, y: source.y + Math.min(source.height / 2, 20) };
  const end = { x: target.x, y: target.y + Math.min(target.height / 2, 20) };
  const bend = Math.max(40, Math.abs(end.x - start.x) / 2);
  return {
    path: `M ${n(start.x)} ${n(start.y)} C ${n(start.x + bend)} ${n(start.y)} ${n(end.x - bend)} ${n(end.y)} ${n(end.x)} ${n(end.y)}`,
    label: { x: (start.x + end.x) / 2, y: (start.y + end.y) / 2 },
  };
}

/** A coordinate with at most two decimals. */
function n(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/**
 * Characters XML 1.0 cannot hold at all (control characters, lone surrogates, U+FFFE/F): dropped,
 * so that any name still gives a well-formed file.
 */
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding these characters is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text content, escaped. */
export function text(s: string): string {
  return s.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value (in double quotes), escaped. */
export function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
