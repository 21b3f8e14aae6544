import type { Episode } from '@palestra/envs/core';
import { ROOT_NODE_ID, type TransitionGraphEdge } from '../canvas/statechartGraph.ts';

/** What the canvas shows at one point of an episode: after the reset (step 0) or after step k. */
export interface ReplayFrame {
  /** 0 for the reset, else the step number. */
  step: number;
  /** The active states (dotted paths), lit on the canvas. */
  active: readonly string[];
  /** The transitions this step took (edge ids). */
  taken: readonly string[];
  /** Every transition taken up to this step, in the order first taken: the path so far. */
  path: readonly string[];
  /** Every state active at some point up to this step. */
  visited: readonly string[];
}

/** The transitions of a graph that a replay matches against (`statechartGraph(spec).edges`). */
export type ReplayEdge = Pick<TransitionGraphEdge, 'id' | 'source' | 'target'> & {
  data: Pick<TransitionGraphEdge['data'], 'kind' | 'event' | 'targetless'>;
};

/** The reset's active states: the header's `info.state` (every record has it). */
function resetStates(episode: Episode): string[] {
  const state = (episode.header.info as { state?: unknown }).state;
  return Array.isArray(state) ? state.filter((s): s is string => typeof s === 'string') : [];
}

/**
 * The transitions a step took, from the states before it, the event it sent and the states after:
 * an `on` transition of that event whose source was active (or the machine's root) and whose target
 * is active after (a targetless one stays where it was), then the eventless (`always`) transitions
 * from a state it entered to one active after. A step whose action was invalid sent no event and
 * took none.
 */
export function takenTransitions(
  edges: readonly ReplayEdge[],
  before: ReadonlySet<string>,
  event: string | undefined,
  after: ReadonlySet<string>,
): string[] {
  if (event === undefined) return [];
  const activeBefore = (s: string) => s === ROOT_NODE_ID || before.has(s);
  const taken = edges.filter(
    (e) =>
      e.data.kind === 'event' &&
      e.data.event === event &&
      activeBefore(e.source) &&
      (e.data.targetless ? after.has(e.source) || e.source === ROOT_NODE_ID : after.has(e.target)),
  );
  const entered = new Set(taken.filter((e) => !e.data.targetless).map((e) => e.target));
  // An eventless transition out of a state entered on the way (a chain of them, at most as long as the graph).
  for (let round = 0; round < edges.length && entered.size > 0; round++) {
    const next = edges.filter(
      (e) => e.data.kind === 'always' && entered.has(e.source) && after.has(e.target) && !taken.includes(e),
    );
    if (next.length === 0) break;
    taken.push(...next);
    entered.clear();
    for (const e of next) entered.add(e.target);
  }
  return taken.map((e) => e.id);
}

/**
 * Every frame of an episode, computed once so that scrubbing only picks one: frame 0 is the reset,
 * frame k the state after step k. Frames share their `path` and `visited` arrays while nothing is
 * added, so a memoised view sees them unchanged.
 *
 * @example
 * const frames = replayFrames(parseEpisode(text), statechartGraph(spec).edges);
 * frames[3].active // ['open', 'open.reviewing']
 */
export function replayFrames(episode: Episode, edges: readonly ReplayEdge[]): ReplayFrame[] {
  const start = resetStates(episode);
  const path: string[] = [];
  const pathSet = new Set<string>();
  const visitedSet = new Set(start);
  let visited: readonly string[] = [...start];
  let pathNow: readonly string[] = [];
  const frames: ReplayFrame[] = [{ step: 0, active: start, taken: [], path: pathNow, visited }];
  let before = new Set(start);
  for (const step of episode.steps) {
    const after = new Set(step.state);
    const type = step.event && typeof step.event.type === 'string' ? step.event.type : undefined;
    const taken = takenTransitions(edges, before, type, after);
    const fresh = taken.filter((id) => !pathSet.has(id));
    if (fresh.length > 0) {
      for (const id of fresh) pathSet.add(id);
      path.push(...fresh);
      pathNow = [...path];
    }
    const newStates = step.state.filter((s) => !visitedSet.has(s));
    if (newStates.length > 0) {
      for (const s of newStates) visitedSet.add(s);
      visited = [...visitedSet];
    }
    frames.push({ step: step.i, active: step.state, taken, path: pathNow, visited });
    before = after;
  }
  return frames;
}
