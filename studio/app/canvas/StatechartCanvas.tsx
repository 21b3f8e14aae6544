import type { GymSpec } from '@palestra/envs/core';
import {
  Background,
  BaseEdge,
  Controls,
  EdgeLabelRenderer,
  type EdgeProps,
  type FitViewOptions,
  getBezierPath,
  Handle,
  MiniMap,
  type Node,
  type NodeProps,
  Panel,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useViewport,
} from '@xyflow/react';
import {
  type KeyboardEvent,
  type MouseEvent,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { Problem } from '../problems/problemsOf.ts';
import {
  type CanvasEdit,
  dropTarget,
  EditContext,
  pathOfNode,
  type RenameContext,
  StateLabel,
} from './canvasEdit.tsx';
import { type LaidOutGraph, layoutGraph, NODE_METRICS, type TransitionFlowEdge } from './layoutGraph.ts';
import { HANDLE_SIZE, nodeHandles } from './nodeHandles.ts';
import { type Place, placeNodes } from './placeNodes.ts';
import {
  absoluteBoxes,
  containerEdges,
  type Direction,
  type DrawnEdge,
  nearestInDirection,
  placeProblems,
  ROOT_NODE_ID,
  type StateNodeData,
  statechartGraph,
} from './statechartGraph.ts';
import { usePlacement } from './usePlacement.ts';

export interface StatechartCanvasProps {
  spec: Pick<GymSpec, 'machine'>;
  /** Dotted paths of the active states (the simulator's), drawn lit. */
  active?: readonly string[];
  /** Ids of the transitions taken so far (a replay's path), drawn highlighted with their labels. */
  path?: readonly string[];
  /** Dotted paths of the states visited so far (a replay's), drawn marked when not active. */
  visited?: readonly string[];
  /** The checker's problems (`problemsOf(report)`): each marked on the nodes and edges it names. */
  problems?: readonly Problem[];
  /**
   * The id of the selected node (a dotted state path) or edge, drawn selected. When it changes from
   * outside the canvas (the problems list), the view centres on it.
   */
  selected?: string;
  /** Called when a state or a transition is clicked, or chosen with Enter, with its id. */
  onSelect?: (id: string, kind: 'state' | 'transition') => void;
  /**
   * The machine already laid out (by the server, `serverLayout`): drawn at once. Without it the
   * page lays the machine out itself.
   */
  layout?: LaidOutGraph;
  /**
   * Other people on the page (presence): each one's pointer, drawn with their name, and the state
   * they selected, outlined in their colour.
   */
  peers?: readonly CanvasPeer[];
  /**
   * Called with this person's pointer in flow coordinates (the chart's own, the same for everyone
   * whatever their pan and zoom) as it moves over the canvas, and with null when it leaves.
   */
  onPointer?: (at: { x: number; y: number } | null) => void;
  /**
   * Editing (a studio environment, for a member who may edit): states are dragged, nested, renamed
   * on their label and deleted, transitions drawn from a state's handle and retargeted by their
   * end; manual positions from the document are kept. Without it the canvas is read-only.
   */
  edit?: CanvasEdit;
}

/** Someone else on the canvas, as presence draws them. */
export interface CanvasPeer {
  /** Unique among the peers (their awareness client id). */
  key: string;
  name: string;
  colour: string;
  /** Their pointer, in flow coordinates. */
  cursor?: { x: number; y: number } | null;
  /** The node id (dotted state path) they selected. */
  selected?: string;
}

/** What a node or edge carries besides the graph's data: the problems on it. */
interface Marks {
  problems?: readonly Problem[];
}

/** An edge's extra data: its problems, how to draw it when ELK did not route it, and whether a replay took it. */
interface EdgeMarks extends Marks {
  drawn?: DrawnEdge;
  onPath?: boolean;
}

/**
 * The canvas's own keys, shown in its "Keys" hint. Tab and Shift+Tab go through states and
 * transitions (React Flow's focus order); the view follows the focus.
 */
export const CANVAS_KEYS: readonly { keys: string[]; does: string }[] = [
  { keys: ['Tab'], does: 'next state or transition' },
  { keys: ['←', '↑', '→', '↓'], does: 'nearest state that way' },
  { keys: ['Enter'], does: 'select the focused state or transition' },
  { keys: ['+', '−'], does: 'zoom in, out' },
  { keys: ['0', 'F'], does: 'fit the whole chart' },
];

/** The keys an editable canvas adds. */
export const EDIT_KEYS: readonly { keys: string[]; does: string }[] = [
  { keys: ['F2'], does: 'rename the focused state (or double-click its name)' },
  { keys: ['Delete'], does: 'delete the focused state or transition' },
  { keys: ['Ctrl+Z', 'Ctrl+Shift+Z'], does: 'undo, redo your own edits' },
];

/** The minimap's size: small, so that the room kept free for it below the chart is too. */
const MINIMAP = { width: 150, height: 96 };

/**
 * Room kept free when the view is fitted: below for the minimap (bottom right) and the controls
 * (bottom left), at the top for the keys hint, so none of them covers a state.
 */
const FIT: FitViewOptions = {
  padding: { top: '48px', left: '56px', right: '24px', bottom: `${MINIMAP.height + 30}px` },
};

const ARROWS: Record<string, Direction> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
};

/**
 * The statechart of a spec on a React Flow canvas, laid out by ELK: states as boxes, compound and
 * parallel states as containers, transitions along ELK's routes with their labels. Pan, zoom, fit
 * and a minimap are React Flow's; the checker's problems are marked on their states and transitions
 * (an icon, a colour and text); the keys in `CANVAS_KEYS` move between states and zoom. The page
 * links React Flow's stylesheet (`@xyflow/react/dist/style.css`) and the problems' (CanvasPane
 * does); neither is imported here, so that Node can import this module.
 *
 * @example
 * <StatechartCanvas spec={spec} problems={problems} selected={id} onSelect={(id) => setId(id)} />
 */
export function StatechartCanvas(props: StatechartCanvasProps) {
  return (
    <ReactFlowProvider>
      <Canvas {...props} />
    </ReactFlowProvider>
  );
}

const NONE: readonly string[] = [];
const NO_PEERS: readonly CanvasPeer[] = [];

function Canvas({
  spec,
  active = NONE,
  path = NONE,
  visited = NONE,
  problems = [],
  selected,
  onSelect,
  layout,
  peers = NO_PEERS,
  onPointer,
  edit,
}: StatechartCanvasProps) {
  const graph = useMemo(() => statechartGraph(spec), [spec]);
  const [laid, setLaid] = useState<LaidOutGraph | undefined>(layout);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    if (layout) {
      setLaid(layout);
      return;
    }
    let live = true;
    // Marks for the benchmark (and a browser's performance panel): how long the layout took here.
    performance.mark('palestra:layout-start');
    layoutGraph(graph).then(
      (l) => {
        performance.measure('palestra:layout', 'palestra:layout-start');
        if (live) setLaid(l);
      },
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [graph, layout]);

  const placed = usePlacement(laid, edit);
  const [dragged, setDragged] = useState<ReadonlyMap<string, Place>>(NO_PLACES);
  const shown = useMemo(
    () => (placed && dragged.size > 0 ? placeNodes(placed, dragged) : placed),
    [placed, dragged],
  );
  const { problemsAt } = useMemo(() => placeProblems(graph, problems), [graph, problems]);
  const boxes = useMemo(() => absoluteBoxes(shown?.nodes ?? []), [shown]);
  const drawn = useMemo(
    () =>
      containerEdges(
        (shown?.edges ?? []).filter((e) => !e.data?.route),
        boxes,
        { charWidth: NODE_METRICS.labelCharWidth, height: NODE_METRICS.labelHeight },
      ),
    [shown, boxes],
  );
  const editing = edit !== undefined;
  const nodes = useMemo(() => {
    const handleSize = editing ? HANDLE_SIZE.editing : HANDLE_SIZE.viewing;
    const lit = new Set(active);
    const seen = new Set(visited);
    // A state someone else selected: outlined in the colour of the first of them (by name).
    const peerColour = new Map<string, string>();
    for (const p of peers)
      if (p.selected && !peerColour.has(p.selected)) peerColour.set(p.selected, p.colour);
    return (shown?.nodes ?? []).map((n) => {
      const marks = problemsAt.get(n.id);
      const level = worst(marks);
      const colour = peerColour.get(n.id);
      const data = { ...n.data, ...(marks && { problems: marks }) };
      return {
        ...n,
        ...(colour && {
          style: { ...n.style, outline: `3px solid ${colour}`, outlineOffset: 3, borderRadius: 8 },
        }),
        // The handles React Flow would measure, with every node object: it drops what it measured
        // when handed a new one, and draws no edge, and starts no line, from a node whose handles
        // it does not know (nodeHandles.ts). Its size is the layout's (`width`, `height`); no
        // `measured` is given, so React Flow still measures the nodes once and fits the view then.
        handles: nodeHandles(n, borderWidth(n.type, data), handleSize),
        data,
        selected: n.id === selected,
        className:
          [
            lit.has(n.id) ? 'statechart-active' : seen.has(n.id) && 'statechart-visited',
            level && `statechart-problem-${level}`,
          ]
            .filter(Boolean)
            .join(' ') || undefined,
        ariaLabel: `${n.data.type} state ${n.data.path || n.data.label}${lit.has(n.id) ? ' (active)' : ''}${marks ? `: ${describe(marks)}` : ''}`,
      };
    });
  }, [shown, active, visited, selected, problemsAt, peers, editing]);
  const edges = useMemo(() => {
    const taken = new Set(path);
    return (shown?.edges ?? []).map((e) => {
      const marks = problemsAt.get(e.id);
      const level = worst(marks);
      const onPath = taken.has(e.id);
      return {
        ...e,
        type: 'transition',
        ...(editing && { reconnectable: 'target' as const }),
        selected: e.id === selected,
        data: {
          ...e.data!,
          ...(marks && { problems: marks }),
          ...(drawn.has(e.id) && { drawn: drawn.get(e.id) }),
          ...(onPath && { onPath }),
        },
        ...((level || onPath) && {
          className: [onPath && 'statechart-path', level && `statechart-problem-${level}`]
            .filter(Boolean)
            .join(' '),
        }),
        ariaLabel: `transition ${e.label} from ${e.source} to ${e.target}${onPath ? ' (taken)' : ''}${marks ? `: ${describe(marks)}` : ''}`,
      };
    });
  }, [shown, path, selected, problemsAt, drawn, editing]);

  const flow = useReactFlow();
  const wrapper = useRef<HTMLDivElement>(null);
  /** The last id the canvas itself selected: the view does not jump to what was just clicked. */
  const own = useRef<string | undefined>(undefined);
  const select = useCallback(
    (id: string, kind: 'state' | 'transition') => {
      own.current = id;
      onSelect?.(id, kind);
    },
    [onSelect],
  );

  // Chosen elsewhere (the problems list): bring it into view, with the states around an edge.
  useEffect(() => {
    if (!laid || selected === undefined || selected === own.current) return;
    own.current = undefined;
    const edge = laid.edges.find((e) => e.id === selected);
    const ids = edge
      ? [edge.source, edge.target]
      : laid.nodes.some((n) => n.id === selected)
        ? [selected]
        : [];
    if (ids.length > 0)
      void flow.fitView({ ...FIT, nodes: ids.map((id) => ({ id })), maxZoom: 1.25, duration: 250 });
  }, [laid, selected, flow]);

  // Laid out again (a colleague renamed or added a state): the view moves with the layout, so a
  // state both layouts have stays where it was on the screen instead of the chart jumping.
  // Only a new layout moves the view: a state placed by hand moves on its own.
  const previous = useRef<{ laid: LaidOutGraph | undefined; placed: LaidOutGraph | undefined }>({
    laid: undefined,
    placed: undefined,
  });
  useEffect(() => {
    const { laid: laidBefore, placed: before } = previous.current;
    previous.current = { laid, placed };
    if (!before || !placed || before === placed || laidBefore === laid) return;
    const was = new Map(absoluteBoxes(before.nodes).map((b) => [b.id, b]));
    const anchor = absoluteBoxes(placed.nodes).find((b) => was.has(b.id));
    if (!anchor) return;
    const from = was.get(anchor.id)!;
    if (from.x === anchor.x && from.y === anchor.y) return;
    const { x, y, zoom } = flow.getViewport();
    void flow.setViewport({ x: x + (from.x - anchor.x) * zoom, y: y + (from.y - anchor.y) * zoom, zoom });
  }, [laid, placed, flow]);

  const [renaming, setRenaming] = useState<string>();
  const renameContext = useMemo<RenameContext | undefined>(
    () => edit && { renaming, setRenaming, onRename: edit.onRename },
    [edit, renaming],
  );

  // Dragging: React Flow reports each move and the canvas shows it; the drop is one edit. The
  // nodes stay the page's (no onNodesChange): a drag is drawn from onNodeDrag's positions.
  const onNodeDrag = useCallback((_: unknown, node: Node) => {
    setDragged((before) => new Map(before).set(node.id, node.position));
  }, []);
  const onNodeDragStop = (event: globalThis.MouseEvent | TouchEvent, node: Node) => {
    setDragged(NO_PLACES);
    if (!edit || node.id === ROOT_NODE_ID) return;
    const box = boxes.find((b) => b.id === node.id);
    if (!box) return;
    const pointer = 'changedTouches' in event ? event.changedTouches[0] : event;
    if (!pointer) return;
    const point = flow.screenToFlowPosition({ x: pointer.clientX, y: pointer.clientY });
    const target = dropTarget(boxes, node.id, point);
    const parent = pathOfNode(node.parentId ?? '');
    if (target === parent) edit.onPosition(node.id, node.position);
    else if (target !== '') edit.onNest(node.id, target);
    else {
      // Out to the top level, where it was dropped: in the root's box when the root is drawn.
      const root = boxes.find((b) => b.id === ROOT_NODE_ID);
      edit.onNest(node.id, '', { x: box.x - (root?.x ?? 0), y: box.y - (root?.y ?? 0) });
    }
  };

  const focusNode = (id: string) =>
    wrapper.current?.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(id)}"]`)?.focus();

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target as HTMLElement;
    // Keys typed into the controls, the minimap or the hint are theirs.
    if (target.closest('input, textarea, select, button, summary, a, [contenteditable="true"]')) return;
    const element = target.closest<HTMLElement>('.react-flow__node, .react-flow__edge');
    const id = element?.dataset.id;
    const direction = ARROWS[event.key];
    if (direction) {
      const from = id !== undefined && element?.classList.contains('react-flow__node') ? id : undefined;
      // From the pane (or an edge), an arrow starts at the selected state, else the first one.
      const next =
        from === undefined
          ? (boxes.find((b) => b.id === selected) ?? boxes[0])?.id
          : nearestInDirection(boxes, from, direction);
      if (next !== undefined) focusNode(next);
    } else if (event.key === 'Enter') {
      if (id === undefined) return;
      select(id, element!.classList.contains('react-flow__edge') ? 'transition' : 'state');
    } else if (edit && (event.key === 'Delete' || event.key === 'Backspace')) {
      const kind = element?.classList.contains('react-flow__edge') ? 'transition' : 'state';
      const target = id ?? selected;
      if (target === undefined || target === ROOT_NODE_ID) return;
      edit.onDelete(target, id === undefined && !boxes.some((b) => b.id === target) ? 'transition' : kind);
    } else if (edit && event.key === 'F2') {
      const state = id !== undefined && element?.classList.contains('react-flow__node') ? id : selected;
      if (state === undefined || !boxes.some((b) => b.id === state) || state === ROOT_NODE_ID) return;
      setRenaming(state);
    } else if (event.key === '+' || event.key === '=') void flow.zoomIn({ duration: 150 });
    else if (event.key === '-' || event.key === '_') void flow.zoomOut({ duration: 150 });
    else if (event.key === '0' || event.key === 'f' || event.key === 'F')
      void flow.fitView({ ...FIT, duration: 200 });
    else return;
    event.preventDefault();
  };

  if (error) return <p role="alert">The statechart could not be laid out: {error}</p>;
  if (!laid) return <p aria-busy="true">Laying out the statechart…</p>;
  return (
    <EditContext.Provider value={renameContext}>
      <ReactFlow
        ref={wrapper}
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        edgeTypes={EDGE_TYPES}
        nodesDraggable={editing}
        nodesConnectable={editing}
        {...(edit && {
          onNodeDrag,
          onNodeDragStop,
          zoomOnDoubleClick: false,
          deleteKeyCode: null,
          edgesReconnectable: true,
          onConnect: (c: { source: string; target: string }) =>
            edit.onConnect(pathOfNode(c.source), pathOfNode(c.target)),
          onReconnect: (old: { id: string }, c: { target: string }) =>
            edit.onRetarget(old.id, pathOfNode(c.target)),
          onDoubleClick: (e: MouseEvent) => {
            if (!(e.target as HTMLElement).classList.contains('react-flow__pane')) return;
            const at = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
            const root = boxes.find((b) => b.id === ROOT_NODE_ID);
            edit.onAddState({ x: at.x - (root?.x ?? 0), y: at.y - (root?.y ?? 0) });
          },
        })}
        fitView
        fitViewOptions={FIT}
        minZoom={0.05}
        onNodeClick={(_, n) => select(n.id, 'state')}
        onEdgeClick={(_, e) => select(e.id, 'transition')}
        onKeyDown={onKeyDown}
        {...(onPointer && {
          onMouseMove: (e: MouseEvent) =>
            onPointer(flow.screenToFlowPosition({ x: e.clientX, y: e.clientY })),
          onMouseLeave: () => onPointer(null),
        })}
        aria-label="Statechart"
      >
        <Background />
        <Controls fitViewOptions={FIT} />
        <MiniMap
          pannable
          zoomable
          ariaLabel="Minimap of the statechart"
          style={MINIMAP}
          nodeClassName={(n) => n.className ?? ''}
        />
        <Panel position="top-left">
          <KeysHint editing={editing} />
        </Panel>
        {peers.length > 0 && <PeerLayer peers={peers} boxes={boxes} />}
      </ReactFlow>
    </EditContext.Provider>
  );
}

const NO_PLACES: ReadonlyMap<string, Place> = new Map();

/** The canvas's keys, folded away until asked for. */
function KeysHint({ editing }: { editing: boolean }) {
  return (
    <details className="canvas-keys">
      <summary>Keys</summary>
      <dl>
        {(editing ? [...CANVAS_KEYS, ...EDIT_KEYS] : CANVAS_KEYS).map(({ keys, does }) => (
          <div key={does} style={{ display: 'contents' }}>
            <dt>
              {keys.map((k, i) => (
                <span key={k}>
                  {i > 0 && ' '}
                  <kbd>{k}</kbd>
                </span>
              ))}
            </dt>
            <dd>{does}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

/**
 * Everyone else's pointer and selection tag, over the chart. Positions are flow coordinates taken
 * through the viewport (what `flowToScreenPosition` does, relative to the pane), so the drawings
 * keep their size at any zoom. Hidden from assistive technology: the page lists who is here, and
 * what each one selected, in words.
 */
function PeerLayer({
  peers,
  boxes,
}: {
  peers: readonly CanvasPeer[];
  boxes: readonly { id: string; x: number; y: number }[];
}) {
  const { x: vx, y: vy, zoom } = useViewport();
  const at = (p: { x: number; y: number }) => ({ left: p.x * zoom + vx, top: p.y * zoom + vy });
  return (
    <div className="presence-layer" aria-hidden="true">
      {peers.map((p) => {
        const box = p.selected === undefined ? undefined : boxes.find((b) => b.id === p.selected);
        return (
          <div key={p.key}>
            {box && (
              <span
                className="presence-tag presence-selection"
                data-peer={p.name}
                style={{ ...at(box), background: p.colour }}
              >
                {p.name}
              </span>
            )}
            {p.cursor && (
              <div className="presence-cursor" data-peer={p.name} style={at(p.cursor)}>
                <svg width="16" height="20" viewBox="0 0 16 20" aria-hidden="true">
                  <path
                    d="M1 1 L1 17 L5.5 12.5 L9 19 L11.5 18 L8 11.5 L14 11.5 Z"
                    fill={p.colour}
                    stroke="#fff"
                    strokeWidth="1.5"
                  />
                </svg>
                <span className="presence-tag" style={{ background: p.colour }}>
                  {p.name}
                </span>
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}

/** The more serious level among some problems. */
function worst(problems: readonly Problem[] | undefined): Problem['level'] | undefined {
  if (!problems || problems.length === 0) return undefined;
  return problems.some((p) => p.level === 'error') ? 'error' : 'warning';
}

/** `1 error (dead ends), 1 warning (traps)`: what a mark says in words. */
function describe(problems: readonly Problem[]): string {
  const part = (level: Problem['level']) => {
    const of = problems.filter((p) => p.level === level);
    if (of.length === 0) return undefined;
    return `${of.length} ${level}${of.length === 1 ? '' : 's'} (${[...new Set(of.map((p) => p.check))].join(', ')})`;
  };
  return [part('error'), part('warning')].filter(Boolean).join(', ');
}

/** The icon, count and words of a problem mark, and the messages as its tooltip. */
function ProblemBadge({ problems }: { problems: readonly Problem[] }) {
  const level = worst(problems)!;
  return (
    <span
      className={`problem-badge problem-${level}`}
      role="img"
      aria-label={describe(problems)}
      title={problems.map((p) => `${p.level === 'error' ? '✖' : '⚠'} ${p.check}: ${p.message}`).join('\n')}
    >
      {level === 'error' ? '✖' : '⚠'}
      {problems.length > 1 && problems.length}
    </span>
  );
}

/** Handles drawn at the size `nodeHandles` gives React Flow, whatever the stylesheets say. */
const EDIT_HANDLE = { width: HANDLE_SIZE.editing, height: HANDLE_SIZE.editing } as const;
const HIDDEN_HANDLE = {
  width: HANDLE_SIZE.viewing,
  height: HANDLE_SIZE.viewing,
  opacity: 0,
  pointerEvents: 'none',
} as const;

/**
 * A state's two ends: transitions leave on the right and arrive on the left. While editing they
 * show, and a line dragged from the right one to another state draws a transition.
 */
function Handles() {
  const editing = useContext(EditContext) !== undefined;
  if (editing)
    return (
      <>
        <Handle type="target" position={Position.Left} className="edit-handle" style={EDIT_HANDLE} />
        <Handle
          type="source"
          position={Position.Right}
          className="edit-handle"
          style={EDIT_HANDLE}
          title="Drag to another state to draw a transition"
        />
      </>
    );
  return (
    <>
      <Handle type="target" position={Position.Left} style={HIDDEN_HANDLE} isConnectable={false} />
      <Handle type="source" position={Position.Right} style={HIDDEN_HANDLE} isConnectable={false} />
    </>
  );
}

type MarkedNode = Node<StateNodeData & Marks>;

/** A state's tooltip: its description or path, then the messages of its problems. */
function nodeTitle(data: StateNodeData & Marks): string {
  return [
    data.description ?? data.path,
    ...(data.problems ?? []).map((p) => `${p.check}: ${p.message}`),
  ].join('\n');
}

/**
 * The width of a box's border, px: a final state's double line 3, a problem's 2, else 1. The
 * handles sit on its inner edge, so `nodeHandles` takes it.
 */
function borderWidth(kind: string | undefined, data: StateNodeData & Marks): number {
  if (kind === 'state' && data.type === 'final') return 3;
  return worst(data.problems) ? 2 : 1;
}

/**
 * A box's border: its own (a final state's double, a region's dashed), or the colour and weight
 * of its worst problem (a warning's dashed), `borderWidth` wide.
 */
function borderOf(kind: 'state' | 'container', data: StateNodeData & Marks): string {
  const level = worst(data.problems);
  const line =
    kind === 'state' && data.type === 'final'
      ? 'double'
      : level === 'warning' || (!level && kind === 'container' && data.region)
        ? 'dashed'
        : 'solid';
  const colour = level === 'error' ? 'var(--danger)' : level === 'warning' ? 'var(--focus)' : 'currentColor';
  return `${borderWidth(kind, data)}px ${line} ${colour}`;
}

/** What a state's box and a container's box share: they fill the node React Flow sized. */
const BOX = {
  position: 'relative',
  boxSizing: 'border-box',
  width: '100%',
  height: '100%',
  font: '14px ui-monospace, monospace',
} as const;

function StateBox({ data }: NodeProps<MarkedNode>) {
  return (
    <div
      title={nodeTitle(data)}
      data-state={data.path}
      style={{
        ...BOX,
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        gap: 4,
        borderRadius: 8,
        border: borderOf('state', data),
        background: 'var(--statechart-node-bg, Canvas)',
      }}
    >
      <Handles />
      {data.initial && (
        <span role="img" aria-label="initial state">
          →
        </span>
      )}
      {data.type === 'history' && (
        <span role="img" aria-label="history state">
          H{data.history === 'deep' ? '*' : ''}
        </span>
      )}
      <StateLabel path={data.path} label={data.label} />
      {data.problems && <ProblemBadge problems={data.problems} />}
    </div>
  );
}

function ContainerBox({ data }: NodeProps<MarkedNode>) {
  return (
    <div
      title={nodeTitle(data)}
      data-state={data.path}
      style={{
        ...BOX,
        borderRadius: 10,
        border: borderOf('container', data),
        background: 'var(--statechart-container-bg, transparent)',
        padding: '6px 10px',
      }}
    >
      <Handles />
      {data.initial && (
        <span role="img" aria-label="initial state">
          →{' '}
        </span>
      )}
      {data.path === '' ? (
        <strong>{data.label}</strong>
      ) : (
        <StateLabel path={data.path} label={data.label} strong />
      )}
      {data.type === 'parallel' && <span> (parallel)</span>}
      {data.problems && <ProblemBadge problems={data.problems} />}
    </div>
  );
}

/** ELK's route when there is one, else a curve between the handles (a loop, an edge into a container). */
function TransitionEdge(props: EdgeProps<TransitionFlowEdge & { data: EdgeMarks }>) {
  const { id, label, data, markerEnd, selected } = props;
  const route = data?.route;
  const problems = data?.problems;
  const level = worst(problems);
  let path: string;
  let labelX: number;
  let labelY: number;
  if (route && route.points.length >= 2) {
    path = route.points.map((p, i) => `${i === 0 ? 'M' : 'L'} ${p.x} ${p.y}`).join(' ');
    const middle = route.points[Math.floor(route.points.length / 2)]!;
    labelX = route.label?.x ?? middle.x;
    labelY = route.label?.y ?? middle.y;
  } else if (data?.drawn) {
    path = data.drawn.path;
    labelX = data.drawn.label.x;
    labelY = data.drawn.label.y;
  } else if (props.source === props.target) {
    const { sourceX: x, sourceY: y } = props;
    path = `M ${x} ${y} C ${x + 40} ${y - 50}, ${x - 40} ${y - 50}, ${props.targetX} ${props.targetY}`;
    labelX = x;
    labelY = y - 45;
  } else [path, labelX, labelY] = getBezierPath(props);
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        markerEnd={markerEnd}
        style={{ strokeWidth: data?.onPath ? 3.5 : selected ? 2.5 : 1.5 }}
      />
      <EdgeLabelRenderer>
        <div
          className={`nodrag nopan edge-label${level ? ` problem-${level}` : ''}${selected ? ' selected' : ''}${data?.onPath ? ' on-path' : ''}`}
          data-edge={id}
          {...(problems && {
            title: problems.map((p) => `${p.check}: ${p.message}`).join('\n'),
          })}
          style={{
            position: 'absolute',
            transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)`,
            font: '11px ui-monospace, monospace',
            background: 'var(--statechart-label-bg, Canvas)',
            padding: '0 2px',
            pointerEvents: 'all',
          }}
        >
          {problems && (
            <span
              className={`problem-badge problem-${level}`}
              role="img"
              aria-label={describe(problems)}
              style={{ position: 'absolute', left: -8, top: -12 }}
            >
              {level === 'error' ? '✖' : '⚠'}
            </span>
          )}
          {label}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

const NODE_TYPES = { state: StateBox, container: ContainerBox };
const EDGE_TYPES = { transition: TransitionEdge };
