import { getAdjacencyMap } from '@xstate/graph';
import { type AnyStateMachine, createEmptyActor, type InspectionEvent, type StateValue } from 'xstate';
import { canonicalJson } from '../episode/hash.ts';
import { type Env, statePaths } from '../kernel/env.ts';
import type { EnvSource } from '../kernel/source.ts';
import { taskCount } from '../kernel/tasks.ts';
import { candidateEvents, guardHints } from './arguments.ts';
import { type CheckFinding, failFromError, warn } from './report.ts';

export interface GraphOptions {
  /** Most distinct (state, context) pairs expanded per search. */
  limit: number;
  /** Expanded pairs over all searches: a count, not seconds, so the verdict is the same on any machine. */
  budget: number;
  /** Tasks searched by state value and context. */
  tasks: number;
  /** Tasks searched by state value only (cheap; reaches deep states). */
  wideTasks: number;
  /** Searches per task by value and context, each under another seed (stochastic dynamics). */
  rounds: number;
  /** Keep searching after every state was seen. */
  exhaustive: boolean;
  seed: number;
}

export interface GraphResult {
  /** Every state entered during the search, transient states (left at once by `always`) included. */
  seen: Set<string>;
  /** Moves between stable configurations (leaf paths joined by `|`), from searches that tell contexts apart. */
  edges: Map<string, Set<string>>;
  /** Configurations recorded over all searches. */
  graphStates: number;
  /** How many searches ran to completion or to their limit (not stopped by an error). */
  searches: number;
  /** Problems met on the way (errors of the statechart, limits hit). */
  findings: CheckFinding[];
}

/** The dotted path of a state node and of each ancestor: `['open', 'open.review']`. */
function withAncestors(path: readonly string[]): string[] {
  return path.map((_, i) => path.slice(0, i + 1).join('.'));
}

/**
 * The machine as `@xstate/graph` logic whose every macrostep reports the states it passed through.
 * A step is a macrostep: a transition, then any number of eventless (`always`) microsteps. The graph
 * only keeps where a step comes to rest, so a state left at once by `always` would look unreachable;
 * XState's inspection API reports each microstep (its snapshot and the transitions taken), and a
 * transition's source was active, so sources cover a transient initial state too.
 */
function inspectedLogic(machine: AnyStateMachine, entered: Set<string>) {
  const self = createEmptyActor();
  self.system.inspect((ev: InspectionEvent) => {
    if (ev.type !== '@xstate.microstep') return;
    for (const p of statePaths((ev.snapshot as unknown as { value: StateValue }).value)) entered.add(p);
    for (const t of (ev as { _transitions?: { source?: { path?: string[] } }[] })._transitions ?? [])
      if (t.source?.path?.length) for (const p of withAncestors(t.source.path)) entered.add(p);
  });
  // The same minimal actor scope @xstate/graph uses for its own traversals, with our inspector.
  const scope = {
    self,
    logger: () => {},
    id: '',
    sessionId: 'palestra-check',
    defer: () => {},
    system: self.system,
    stopChild: () => {},
    emit: () => {},
    actionExecutor: () => {},
  } as never;
  // Everything else (state nodes, event descriptors) is the machine's own, so @xstate/graph still
  // treats it as a machine and only tries the events each state handles.
  return Object.assign(Object.create(machine) as AnyStateMachine, {
    transition: (s: unknown, e: unknown) => machine.transition(s as never, e as never, scope),
    getInitialSnapshot: () => machine.getInitialSnapshot(scope),
  });
}

/**
 * Explores (state, context) graphs with `@xstate/graph` from several tasks: first a cheap search by
 * state value over many tasks, then searches by value and context over a few tasks under several
 * seeds. Arguments come from `candidateEvents` (see arguments.ts).
 */
export async function exploreGraph(
  env: Env,
  source: EnvSource,
  already: Set<string>,
  stateIds: string[],
  o: GraphOptions,
): Promise<GraphResult> {
  const spec = source.spec;
  const hints = guardHints(spec, source.files);
  const result: GraphResult = {
    seen: new Set(),
    edges: new Map(),
    graphStates: 0,
    searches: 0,
    findings: [],
  };
  const tasks = taskCount(spec);
  const n = Math.min(o.tasks, tasks);
  const wide = Math.min(o.wideTasks, tasks);
  const plan: { taskIndex: number; byContext: boolean }[] = [];
  for (let i = 0; i < wide; i++) plan.push({ taskIndex: Math.floor((i * tasks) / wide), byContext: false });
  for (let t = 0; t < n * o.rounds; t++)
    plan.push({ taskIndex: Math.floor(((t % n) * tasks) / n), byContext: true });
  let spent = 0;
  let outOfBudget = false;
  let limited = false;
  const errors = new Set<string>();
  /** Searches stopped by an error, by message: one warning per distinct error, not one per search. */
  const stopped = new Map<string, number[]>();
  const allSeen = () => stateIds.every((id) => already.has(id) || result.seen.has(id));
  for (let t = 0; t < plan.length; t++) {
    const { taskIndex, byContext } = plan[t]!;
    if (!o.exhaustive && t >= wide + n && allSeen()) break;
    if (spent >= o.budget) {
      outOfBudget = true;
      break;
    }
    try {
      env.reset({ seed: o.seed + t, taskIndex });
      const events = candidateEvents(spec, hints, env.currentTask?.data ?? {});
      let expanded = 0;
      const adj = getAdjacencyMap(inspectedLogic(env.machineForAnalysis, result.seen), {
        events,
        // Expand at most `limit` (state, context) pairs; later ones are recorded but not expanded.
        stopWhen: () => {
          expanded += 1;
          spent += 1;
          if (expanded > o.limit) limited = true;
          return expanded > o.limit || spent > o.budget;
        },
        serializeState: (s: unknown) =>
          byContext
            ? canonicalJson({ v: (s as { value: unknown }).value, c: (s as { context: unknown }).context })
            : canonicalJson((s as { value: unknown }).value),
      }) as unknown as Record<string, { state: unknown; transitions: Record<string, { state: unknown }> }>;
      result.searches++;
      const keys = Object.keys(adj);
      result.graphStates += keys.length;
      for (const key of keys) {
        const node = adj[key]!;
        const failed = node.state as { status?: string; error?: Error };
        if (failed.status === 'error') {
          const why = failed.error?.message ?? 'unknown error';
          if (!errors.has(why)) {
            errors.add(why);
            result.findings.push(
              failFromError('graph', failed.error, `the statechart failed while exploring task ${taskIndex}`),
            );
          }
          continue;
        }
        const from = statePaths((node.state as { value: StateValue }).value);
        for (const p of from) result.seen.add(p);
        const fromLeaf = from.join('|');
        for (const tr of Object.values(node.transitions)) {
          const to = statePaths((tr.state as { value: StateValue }).value);
          for (const p of to) result.seen.add(p);
          // Only searches that tell contexts apart see every move; value-only ones feed reachability.
          if (!byContext) continue;
          if (!result.edges.has(fromLeaf)) result.edges.set(fromLeaf, new Set());
          result.edges.get(fromLeaf)!.add(to.join('|'));
        }
      }
    } catch (e) {
      await env.recover();
      const why = (e as Error).message.split('\n')[0]!;
      stopped.set(why, [...(stopped.get(why) ?? []), taskIndex]);
    }
  }
  for (const [why, tasks] of stopped) {
    const list = [...new Set(tasks)];
    result.findings.push(
      warn(
        'graph',
        `${tasks.length} graph search${tasks.length === 1 ? '' : 'es'} (task${list.length === 1 ? '' : 's'} ${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}) stopped: ${why}`,
      ),
    );
  }
  if (outOfBudget)
    result.findings.push(
      warn(
        'graph',
        `the graph search used its budget (${o.budget} expanded states) before covering every task and seed`,
      ),
    );
  if (limited)
    result.findings.push(
      warn(
        'graph',
        `the graph search hit its limit of ${o.limit} (state, context) pairs per task; reachability also counts random episodes`,
      ),
    );
  return result;
}
