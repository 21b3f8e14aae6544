import { getAdjacencyMap } from '@xstate/graph';
import type { AnyStateMachine } from 'xstate';
import { canonicalJson } from '../episode/hash.ts';
import { PalestraError } from '../errors.ts';
import { makeEnv, statePaths } from '../kernel/env.ts';
import { Prng } from '../kernel/prng.ts';
import { sampleAction } from '../kernel/sample.ts';
import type { EnvSource } from '../kernel/source.ts';
import { taskCount } from '../kernel/tasks.ts';
import type { Action, StepResult } from '../kernel/types.ts';
import { walkStates } from '../spec/parse.ts';
import type { GymSpec, StateNodeSpec } from '../spec/schema.ts';

/**
 * The environment checker: Gymnasium's `check_env` (API contract, determinism, reset hygiene,
 * declared reward bounds) plus statechart analysis with `@xstate/graph` (every state reachable,
 * every final state reachable, no dead ends that are not final).
 */
export interface CheckFinding {
  level: 'error' | 'warning' | 'ok';
  check: string;
  message: string;
}

export interface CheckReport {
  env: string;
  findings: CheckFinding[];
  ok: boolean;
  stats: { episodes: number; steps: number; statesSeen: number; statesTotal: number; graphStates: number };
}

export interface CheckOptions {
  /** Random episodes for the dynamic checks. */
  episodes?: number;
  seed?: number;
  /** Most distinct (state, context) pairs the graph search explores per task. */
  graphLimit?: number;
  /** How many tasks to explore the graph from, by state value and context. */
  tasks?: number;
  /** How many tasks to explore by state value only (cheap). */
  wideTasks?: number;
  /** Keep searching after every state was reached (finds more traps, costs time). */
  exhaustive?: boolean;
  /**
   * Work budget of the graph search: (state, context) pairs expanded over all searches. A count,
   * not seconds, so the verdict is the same on a fast machine and a busy one.
   */
  graphBudget?: number;
  /** Graph searches per task, each under another seed (stochastic dynamics). */
  graphRounds?: number;
}

type Ev = { type: string } & Record<string, unknown>;

/** Values found in task data, with the key they were found under (order ids, words, amounts). */
function harvest(data: unknown, out: { key: string; value: string | number }[], key = '', depth = 0): void {
  if (depth > 6 || out.length > 400) return;
  if (typeof data === 'string' || typeof data === 'number') out.push({ key, value: data });
  else if (Array.isArray(data)) for (const x of data.slice(0, 30)) harvest(x, out, key, depth + 1);
  else if (data && typeof data === 'object')
    for (const [k, v] of Object.entries(data).slice(0, 60)) {
      out.push({ key: '#mapkey', value: k });
      harvest(v, out, k, depth + 1);
    }
}

/** Candidate values for one parameter: values found under a key of the same name first, then ids, then the rest. */
function candidatesFor(
  param: string,
  kind: 'string' | 'number',
  pool: { key: string; value: string | number }[],
  max: number,
): unknown[] {
  const p = param.toLowerCase();
  const score = (key: string) => {
    const k = key.toLowerCase();
    if (k === p) return 0;
    if (p.endsWith('id') && (k === 'id' || k === '#mapkey')) return 1;
    if (p.includes(k) || k.includes(p)) return 2;
    return 3;
  };
  const ranked = pool
    .filter((x) => typeof x.value === kind)
    .map((x, i) => ({ ...x, i, s: score(x.key) }))
    .sort((a, b) => a.s - b.s || a.i - b.i);
  const out: unknown[] = [];
  for (const x of ranked) if (!out.includes(x.value) && out.length < max) out.push(x.value);
  return out;
}

/** Events to explore the graph with: every tool with enum values enumerated and task-derived values. */
function candidateEvents(spec: GymSpec, taskData: unknown): Ev[] {
  const pool: { key: string; value: string | number }[] = [];
  harvest(taskData, pool);
  const events: Ev[] = [{ type: spec.replyEvent, text: 'ok' }];
  for (const tool of spec.tools) {
    const props = ((tool.parameters as { properties?: Record<string, Record<string, unknown>> }).properties ??
      {}) as Record<string, Record<string, unknown>>;
    let combos: Record<string, unknown>[] = [{}];
    for (const [name, schema] of Object.entries(props)) {
      let values: unknown[] = Array.isArray(schema.enum)
        ? schema.enum
        : Array.isArray(schema.examples)
          ? schema.examples
          : schema.type === 'string'
            ? candidatesFor(name, 'string', pool, 8)
            : schema.type === 'number' || schema.type === 'integer'
              ? candidatesFor(name, 'number', pool, 6)
              : schema.type === 'boolean'
                ? [true, false]
                : [null];
      if (values.length === 0) values = schema.type === 'string' ? ['x'] : [0, 1];
      const next: Record<string, unknown>[] = [];
      for (const c of combos) for (const v of values) if (next.length < 60) next.push({ ...c, [name]: v });
      combos = next;
    }
    for (const c of combos) events.push({ ...c, type: tool.event });
  }
  return events;
}

function allStates(spec: GymSpec): { id: string; node: StateNodeSpec }[] {
  const out: { id: string; node: StateNodeSpec }[] = [];
  walkStates(spec.machine, (node, _path, id) => {
    if (id) out.push({ id, node });
  });
  return out;
}

/** Atomic states that are not final and have no transition of their own or from an ancestor. */
function deadEnds(spec: GymSpec): string[] {
  const out: string[] = [];
  const visit = (node: StateNodeSpec, id: string, inherited: boolean) => {
    const own = Object.keys(node.on ?? {}).length > 0 || node.always !== undefined;
    const children = Object.entries(node.states ?? {});
    if (children.length === 0) {
      if (node.type !== 'final' && node.type !== 'history' && !own && !inherited) out.push(id);
      return;
    }
    for (const [k, c] of children) visit(c, id ? `${id}.${k}` : k, inherited || own);
  };
  visit(spec.machine, '', false);
  return out;
}

/**
 * Runs every check on an environment and returns a report (`ok` is false if any error).
 *
 * @example
 * const report = await checkEnv(loadCatalog('refund-desk'));
 * if (!report.ok) process.exitCode = 1;
 */
export async function checkEnv(source: EnvSource, options: CheckOptions = {}): Promise<CheckReport> {
  const spec = source.spec;
  const episodes = options.episodes ?? 40;
  const seed = options.seed ?? 0;
  const findings: CheckFinding[] = [];
  const add = (level: CheckFinding['level'], check: string, message: string) =>
    findings.push({ level, check, message });
  const env = await makeEnv(source);
  const twin = await makeEnv(source);
  const seen = new Set<string>();
  let steps = 0;
  let graphStates = 0;
  try {
    // 1. Order enforcement (Gymnasium's make() wrapper): step before reset must throw.
    try {
      env.step({ text: 'hello' });
      add('error', 'order', 'step() before reset() did not throw');
    } catch (e) {
      add(
        e instanceof PalestraError && e.code === 'STEP_BEFORE_RESET' ? 'ok' : 'error',
        'order',
        'step() before reset() throws STEP_BEFORE_RESET',
      );
    }

    // 2. Random episodes: API shape, reward bounds, determinism (same seed, same episode).
    const agent = new Prng(seed ^ 0x5eed);
    const bounds = spec.reward.bounds;
    let boundViolations = 0;
    let shapeErrors = 0;
    let nondeterministic = 0;
    let episodeErrors = 0;
    let contextErrors = 0;
    const returns: number[] = [];
    for (let e = 0; e < episodes; e++) {
      const s = seed + e;
      const actions: Action[] = [];
      let trace: unknown[] = [];
      try {
        const r = env.reset({ seed: s });
        for (const p of r.info.state) seen.add(p);
        trace.push(r);
        let ret = 0;
        for (;;) {
          const a =
            e % 5 === 4 && actions.length === 0
              ? ({ tool: '__nope__' } as Action)
              : sampleAction(spec, agent);
          actions.push(a);
          const out: StepResult = env.step(a);
          steps++;
          trace.push(out);
          ret += out.info.rewardMicros;
          for (const p of out.info.state) seen.add(p);
          const bad = env.contextProblems();
          if (bad && contextErrors++ === 0)
            add(
              'error',
              'context',
              `after step ${out.info.step} of seed ${s} the context leaves $.context.schema: ${bad}`,
            );
          if (
            typeof out.terminated !== 'boolean' ||
            typeof out.truncated !== 'boolean' ||
            !Number.isFinite(out.reward) ||
            typeof out.observation.text !== 'string'
          )
            shapeErrors++;
          if (out.terminated || out.truncated) break;
        }
        returns.push(ret / 1e6);
        if (bounds && (ret / 1e6 < bounds.min - 1e-9 || ret / 1e6 > bounds.max + 1e-9)) boundViolations++;
      } catch (err) {
        episodeErrors++;
        if (episodeErrors === 1)
          add('error', 'episodes', `episode with seed ${s} failed: ${(err as Error).message}`);
        await env.recover();
        continue;
      }
      // Same seed and actions on a second instance → the same episode, canonical JSON equal.
      const again: unknown[] = [twin.reset({ seed: s })];
      for (const a of actions) {
        const out = twin.step(a);
        again.push(out);
        if (out.terminated || out.truncated) break;
      }
      if (canonicalJson(again) !== canonicalJson(trace)) nondeterministic++;
      trace = [];
    }
    if (spec.context.schema && contextErrors === 0)
      add('ok', 'context', 'the context stays within $.context.schema on every sampled step');
    add(
      shapeErrors === 0 ? 'ok' : 'error',
      'api',
      shapeErrors === 0
        ? 'reset/step return Gymnasium-shaped results'
        : `${shapeErrors} steps returned malformed results`,
    );
    add(
      episodeErrors === 0 ? 'ok' : 'error',
      'episodes',
      `${episodes - episodeErrors}/${episodes} random episodes ran (${steps} steps)`,
    );
    add(
      nondeterministic === 0 ? 'ok' : 'error',
      'determinism',
      nondeterministic === 0
        ? 'same seed and actions → same episode (every episode replayed on a second instance)'
        : `${nondeterministic} episodes differed on a second instance with the same seed and actions (module-level state in code? Date or Math.random outside the sandbox?)`,
    );
    if (bounds)
      add(
        boundViolations === 0 ? 'ok' : 'error',
        'reward bounds',
        boundViolations === 0
          ? `every return within [${bounds.min}, ${bounds.max}] (${Math.min(...returns)}…${Math.max(...returns)} seen)`
          : `${boundViolations} episode returns left the declared bounds [${bounds.min}, ${bounds.max}]`,
      );
    else
      add(
        'warning',
        'reward bounds',
        'no reward.bounds declared: trainers cannot normalise, and the check cannot verify them',
      );

    // 3. Reset clears everything: an episode after another equals the same episode on a fresh env.
    try {
      const fresh = await makeEnv(source);
      const a1 = env.reset({ seed: seed + 999 });
      const f1 = fresh.reset({ seed: seed + 999 });
      const probe = sampleAction(spec, new Prng(seed + 7));
      const same = canonicalJson([a1, env.step(probe)]) === canonicalJson([f1, fresh.step(probe)]);
      fresh.close();
      add(
        same ? 'ok' : 'error',
        'reset',
        same
          ? 'reset() clears everything (a used env equals a fresh one)'
          : 'reset() leaves state behind: a used env differs from a fresh one',
      );
    } catch (e) {
      add('error', 'reset', `reset check failed: ${(e as Error).message}`);
    }

    // 4. Statechart analysis: explore (state, context) graphs with @xstate/graph from several tasks.
    const n = Math.min(options.tasks ?? 5, taskCount(spec));
    const limit = options.graphLimit ?? 300;
    const budget = options.graphBudget ?? 6000;
    let spent = 0;
    let outOfBudget = false;
    let limited = false;
    const edges = new Map<string, Set<string>>();
    // Each search samples one outcome per (state, event); with rand() in the dynamics, several
    // searches under different seeds cover the other outcomes.
    const rounds = options.graphRounds ?? 6;
    // Plan: first a cheap search by state value over many tasks (reaches deep states), then
    // searches by value and context over a few tasks under several seeds.
    const wide = Math.min(options.wideTasks ?? 40, taskCount(spec));
    const plan: { taskIndex: number; byContext: boolean }[] = [];
    for (let i = 0; i < wide; i++)
      plan.push({ taskIndex: Math.floor((i * taskCount(spec)) / wide), byContext: false });
    for (let t = 0; t < n * rounds; t++)
      plan.push({ taskIndex: Math.floor(((t % n) * taskCount(spec)) / n), byContext: true });
    const stateIds = allStates(spec)
      .filter((x) => x.node.type !== 'history')
      .map((x) => x.id);
    for (let t = 0; t < plan.length; t++) {
      const { taskIndex, byContext } = plan[t]!;
      if (!options.exhaustive && t >= wide + n && stateIds.every((id) => seen.has(id))) break;
      if (spent >= budget) {
        outOfBudget = true;
        break;
      }
      try {
        env.reset({ seed: seed + t, taskIndex });
        const machine: AnyStateMachine = env.machineForAnalysis;
        const events = candidateEvents(spec, env.currentTask?.data ?? {});
        // Expand at most `limit` (state, context) pairs; later ones are recorded but not expanded.
        let expanded = 0;
        const adj = getAdjacencyMap(machine, {
          events,
          stopWhen: () => {
            expanded += 1;
            spent += 1;
            if (expanded > limit) limited = true;
            return expanded > limit || spent > budget;
          },
          // By value and context (dynamics that live in the context), or by value only (reaches
          // deep states fast when contexts multiply).
          serializeState: (s) =>
            byContext
              ? canonicalJson({ v: (s as { value: unknown }).value, c: (s as { context: unknown }).context })
              : canonicalJson((s as { value: unknown }).value),
        }) as unknown as Record<string, { state: unknown; transitions: Record<string, { state: unknown }> }>;
        const keys = Object.keys(adj);
        graphStates += keys.length;
        for (const key of keys) {
          const node = adj[key]!;
          const failed = node.state as { status?: string; error?: Error };
          if (failed.status === 'error') {
            add(
              'error',
              'graph',
              `the statechart failed while exploring task ${taskIndex}: ${failed.error?.message ?? 'unknown error'}`,
            );
            continue;
          }
          const from = statePaths((node.state as { value: never }).value);
          for (const p of from) seen.add(p);
          const fromLeaf = from.join('|');
          for (const tr of Object.values(node.transitions)) {
            const to = statePaths((tr.state as { value: never }).value);
            for (const p of to) seen.add(p);
            // Only searches that tell contexts apart see every move; value-only ones feed reachability.
            if (!byContext) continue;
            if (!edges.has(fromLeaf)) edges.set(fromLeaf, new Set());
            edges.get(fromLeaf)!.add(to.join('|'));
          }
        }
      } catch (e) {
        await env.recover();
        add(
          'warning',
          'graph',
          `graph search from task ${taskIndex} stopped: ${(e as Error).message.split('\n')[0]}`,
        );
      }
    }
    const states = allStates(spec);
    const unreached = states.filter((s) => !seen.has(s.id) && s.node.type !== 'history').map((s) => s.id);
    const finals = states.filter((s) => s.node.type === 'final');
    const finalsUnreached = finals.filter((s) => !seen.has(s.id)).map((s) => s.id);
    add(
      unreached.length === 0 ? 'ok' : 'error',
      'reachability',
      unreached.length === 0
        ? `all ${states.length} states reached`
        : `never reached: ${unreached.join(', ')} (graph search of ${graphStates} states over ${wide} tasks, and ${episodes} random episodes)`,
    );
    add(
      finals.length > 0 && finalsUnreached.length === 0 ? 'ok' : 'error',
      'final states',
      finals.length === 0
        ? 'no final state: episodes can only end by truncation'
        : finalsUnreached.length === 0
          ? `every final state reachable (${finals.map((f) => f.id).join(', ')})`
          : `final states never reached: ${finalsUnreached.join(', ')}`,
    );
    const dead = deadEnds(spec);
    add(
      dead.length === 0 ? 'ok' : 'error',
      'dead ends',
      dead.length === 0
        ? 'every non-final state has a way out'
        : `states with no transition that are not final: ${dead.join(', ')} (mark them "type": "final" or add transitions)`,
    );
    // A configuration from which the explored graph never reaches a final state is a trap.
    const finalIds = new Set(finals.map((f) => f.id));
    const canFinish = new Set<string>();
    for (const key of edges.keys()) if (key.split('|').some((p) => finalIds.has(p))) canFinish.add(key);
    for (const targets of edges.values())
      for (const t of targets) if (t.split('|').some((p) => finalIds.has(p))) canFinish.add(t);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [from, targets] of edges)
        if (!canFinish.has(from) && [...targets].some((t) => canFinish.has(t))) {
          canFinish.add(from);
          grew = true;
        }
    }
    const traps = [...edges.keys()].filter((k) => !canFinish.has(k));
    if (traps.length > 0)
      add(
        'warning',
        'traps',
        `from ${traps.map((t) => t.split('|').pop()).join(', ')} no explored path reaches a final state (the episode can only be truncated)`,
      );
    if (outOfBudget)
      add(
        'warning',
        'graph',
        `the graph search used its budget (${budget} expanded states) before covering every task and seed`,
      );
    if (limited)
      add(
        'warning',
        'graph',
        `the graph search hit its limit of ${limit} (state, context) pairs per task; reachability also counts random episodes`,
      );
    const handled = new Set<string>();
    walkStates(spec.machine, (node) => {
      for (const e of Object.keys(node.on ?? {})) handled.add(e);
    });
    const unhandled = spec.tools.filter((t) => !handled.has(t.event)).map((t) => `${t.name} (${t.event})`);
    if (unhandled.length > 0)
      add('warning', 'tools', `no state handles the events of: ${unhandled.join(', ')}`);
  } finally {
    env.close();
    twin.close();
  }
  return {
    env: `${spec.name}@${spec.version}`,
    findings,
    ok: findings.every((f) => f.level !== 'error'),
    stats: { episodes, steps, statesSeen: seen.size, statesTotal: allStates(spec).length, graphStates },
  };
}

/** The report as text a person reads. */
export function formatCheckReport(report: CheckReport): string {
  const mark = { ok: '✔', warning: '!', error: '✖' } as const;
  const lines = [`palestra check ${report.env}`];
  for (const f of report.findings) lines.push(`  ${mark[f.level]} ${f.check.padEnd(14)} ${f.message}`);
  const errors = report.findings.filter((f) => f.level === 'error').length;
  const warnings = report.findings.filter((f) => f.level === 'warning').length;
  lines.push(
    `  ${report.ok ? 'passed' : 'FAILED'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} · ${report.stats.episodes} episodes, ${report.stats.steps} steps, ${report.stats.graphStates} graph states explored`,
  );
  return lines.join('\n');
}
