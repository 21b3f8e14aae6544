import type { GymSpec } from '@palestra/envs/core';
import type { MachineImport } from './gymSpecOf.ts';
import { identifier } from './machineFromXState.ts';
import type { DiagramState, DiagramTransition, StateDiagram } from './mermaidStateDiagram.ts';

type StateNodeSpec = GymSpec['machine'];

/** A state of the machine being built, beside the diagram's. */
interface Built {
  key: string;
  /** Parent's built node (`undefined`: the machine). */
  parent: Built | undefined;
  node: StateNodeSpec;
}

/** A quoted name that can be a state's key: no dots (paths use them), quotes or spaces. */
const KEY = /^[\p{L}\p{N}_$-]+$/u;
/** `EVENT`, `EVENT [guard]`, `EVENT / a, b`, `EVENT [guard] / a, b`: the labels Palestra's export writes. */
const LABEL = /^(\S+?)(?:\s*\[([^\]]*)\])?(?:\s*\/\s*(.*))?$/;

/**
 * A parsed state diagram as a GymSpec machine. A state's key is its quoted name when that is a
 * plain word (`state "reviewing" as open__reviewing`, as Palestra's export writes), else its
 * Mermaid id, the long name kept as its description. `[*] --> x` makes x its level's initial state;
 * `x --> [*]` makes an atomic x with no other way out final, else leads to a final state `end`
 * added at that level. A block split by `--` is a parallel state: a region that is one state is
 * that state, a region of several is wrapped in a compound `region<N>`. A label is the event
 * (with `[guard]` and `/ actions` when written so; `always` is an eventless transition); an
 * unlabeled arrow gets an event named after its target (`TO_MOVING`). An arrow from a state to
 * itself is a transition that stays (no target: nothing is exited), which is what Palestra's export
 * draws as a loop; re-entering would differ only by entry and exit actions, which a diagram cannot
 * name. Fork, join and choice pseudo-states become ordinary states.
 *
 * @example
 * machineFromMermaid(parseStateDiagram('stateDiagram-v2\n[*] --> a\na --> b : GO'))
 * // { machine: { initial: 'a', states: { a: { on: { GO: 'b' } }, b: {} } }, … }
 */
export function machineFromMermaid(diagram: StateDiagram): MachineImport {
  const warnings = [...diagram.warnings];
  const built = new Map<DiagramState, Built>();
  const machine: StateNodeSpec = {};
  const unlabeled: string[] = [];
  const outgoing = new Set(diagram.transitions.filter((t) => t.target !== undefined).map((t) => t.source));
  /** `x --> [*]` makes x final when x is atomic, unlabeled and has no other way out; else it needs an `end` state. */
  const endsAsFinal = (t: DiagramTransition) =>
    t.label === '' && !t.source.composite && !outgoing.has(t.source);
  const needsEnd = new Set(
    diagram.transitions.filter((t) => t.target === undefined && !endsAsFinal(t)).map((t) => t.source),
  );

  /** Keys for one level's states: quoted names where they are unique plain words, else ids. */
  const keysOf = (states: DiagramState[]): string[] => {
    const wanted = states.map((s) => (s.name !== undefined && KEY.test(s.name) ? s.name : s.id));
    const counts = new Map<string, number>();
    for (const k of wanted) counts.set(k, (counts.get(k) ?? 0) + 1);
    return wanted.map((k, i) => (counts.get(k) === 1 ? k : states[i]!.id));
  };
  const uniqueKey = (taken: Record<string, unknown>, base: string) => {
    let key = base;
    for (let n = 2; Object.hasOwn(taken, key); n++) key = `${base}_${n}`;
    return key;
  };
  const addLevel = (
    into: StateNodeSpec,
    parent: Built | undefined,
    states: DiagramState[],
    start: DiagramState | undefined,
    where: string,
  ) => {
    const keys = keysOf(states);
    into.states = {};
    states.forEach((s, i) => {
      const node: StateNodeSpec = {};
      const description = [
        ...(s.name !== undefined && keys[i] !== s.name && s.name !== s.id ? [s.name] : []),
        ...s.descriptions,
      ].join('\n');
      if (description) node.description = description;
      if (s.pseudo)
        warnings.push(
          `state "${s.id}": <<${s.pseudo}>> became an ordinary state (a GymSpec has no pseudo-states)`,
        );
      const b: Built = { key: keys[i]!, parent, node };
      built.set(s, b);
      setKey(into.states!, b.key, node);
      if (s.composite) addBlock(b, s);
    });
    if (states.length > 0) {
      const first = start ?? states[0]!;
      if (!start)
        warnings.push(`${where}: no [*] --> start arrow; "${built.get(first)!.key}" is its initial state`);
      into.initial = built.get(first)!.key;
    }
    if (states.length === 0) delete into.states;
  };
  const addBlock = (b: Built, s: DiagramState) => {
    if (s.children.length === 0) return;
    if (s.sections === 1) return addLevel(b.node, b, s.children, s.starts[0], `state "${s.id}"`);
    b.node.type = 'parallel';
    b.node.states = {};
    for (let r = 0; r < s.sections; r++) {
      const members = s.children.filter((c) => c.section === r);
      const start = s.starts[r];
      if (members.length === 0) continue;
      if (
        members.length === 1 &&
        (start === undefined || start === members[0]) &&
        !needsEnd.has(members[0]!)
      ) {
        // A region of one state is that state (Palestra's export writes regions so); one that
        // needs an end state beside it is wrapped like a region of several.
        const [only] = members as [DiagramState];
        const key = uniqueKey(b.node.states, keysOf([only])[0]!);
        const node: StateNodeSpec =
          only.descriptions.length > 0 ? { description: only.descriptions.join('\n') } : {};
        const region: Built = { key, parent: b, node };
        built.set(only, region);
        setKey(b.node.states, key, node);
        if (only.composite) addBlock(region, only);
        continue;
      }
      const key = uniqueKey(b.node.states, `region${r + 1}`);
      const node: StateNodeSpec = {};
      const region: Built = { key, parent: b, node };
      setKey(b.node.states, key, node);
      addLevel(node, region, members, start, `region ${r + 1} of "${s.id}"`);
    }
  };
  addLevel(machine, undefined, diagram.states, diagram.start, 'the top level');

  const pathOf = (b: Built): string[] => (b.parent ? [...pathOf(b.parent), b.key] : [b.key]);
  const targetFrom = (source: Built, target: Built): string => {
    if (source.parent === target.parent) return target.key;
    const full = pathOf(target);
    const from = pathOf(source);
    if (from.every((k, i) => full[i] === k)) return `.${full.slice(from.length).join('.')}`;
    return `#(machine).${full.join('.')}`;
  };
  /** `target` undefined: a loop on the source, read as a transition that stays (see above). */
  const addTransition = (
    from: StateNodeSpec,
    label: string,
    target: string | undefined,
    fallbackEvent: string,
    at: number,
  ) => {
    const t = readLabel(label, fallbackEvent, `line ${at}`, warnings);
    if (label === '') unlabeled.push(fallbackEvent);
    const value: Record<string, unknown> = target === undefined ? {} : { target };
    if (t.guard) value.guard = t.guard;
    if (t.actions.length > 0) value.actions = t.actions.length === 1 ? t.actions[0] : t.actions;
    const simple = target !== undefined && Object.keys(value).length === 1 ? target : value;
    if (t.always) {
      from.always = from.always === undefined ? simple : [...asList(from.always), simple];
      return;
    }
    const event = t.event ?? fallbackEvent;
    from.on ??= {};
    const on = from.on as Record<string, unknown>;
    setKey(on, event, Object.hasOwn(on, event) ? [...asList(on[event]), simple] : simple);
  };

  // Ends first: an atomic state whose only way out is `--> [*]` is final.
  const ends: DiagramTransition[] = [];
  for (const t of diagram.transitions) {
    if (t.target !== undefined) continue;
    const b = built.get(t.source)!;
    if (endsAsFinal(t)) b.node.type = 'final';
    else ends.push(t);
  }
  const endStates = new Map<string, Built>();
  for (const t of ends) {
    // An end state beside the source, shared by the arrows from its level (never a region of a
    // parallel state: a source there is wrapped in a region of its own, see addBlock).
    const source = built.get(t.source)!;
    const level = source.parent;
    const into = level ? level.node : machine;
    const slot = `${level ? pathOf(level).join('.') : ''}`;
    let end = endStates.get(slot);
    if (!end) {
      into.states ??= {};
      const key = uniqueKey(into.states, 'end');
      const node: StateNodeSpec = { type: 'final' };
      setKey(into.states, key, node);
      end = { key, parent: level, node };
      endStates.set(slot, end);
    }
    addTransition(source.node, t.label, targetFrom(source, end), `TO_${eventWord(end.key)}`, t.at.line);
  }
  for (const t of diagram.transitions) {
    if (t.target === undefined) continue;
    const source = built.get(t.source)!;
    const target = built.get(t.target)!;
    const to = source === target ? undefined : targetFrom(source, target);
    addTransition(source.node, t.label, to, `TO_${eventWord(target.key)}`, t.at.line);
  }
  for (const t of diagram.machineTransitions) {
    const path = t.target.split('.');
    let level: StateNodeSpec | undefined = machine;
    for (const k of path) level = level?.states?.[k];
    if (!level) {
      warnings.push(`line ${t.at.line}: the machine's transition to "${t.target}" left out: no such state`);
      continue;
    }
    addTransition(machine, t.label, `.${t.target}`, `TO_${eventWord(path.at(-1)!)}`, t.at.line);
  }
  if (unlabeled.length > 0)
    warnings.push(
      `${unlabeled.length} arrow${unlabeled.length === 1 ? '' : 's'} without a label got an event named after the target (${[...new Set(unlabeled)].slice(0, 3).join(', ')}${unlabeled.length > 3 ? ', …' : ''}): rename them in the studio`,
    );
  return { machine, context: {}, warnings };
}

/** An event, guard and actions from a transition's label. `event` is undefined for no label. */
function readLabel(
  label: string,
  fallback: string,
  where: string,
  warnings: string[],
): { event?: string; always: boolean; guard?: string; actions: string[] } {
  if (label === '') return { always: false, actions: [] };
  const m = LABEL.exec(label);
  if (!m) {
    const event = label.replace(/[^\p{L}\p{N}_.]+/gu, '_').replace(/^_+|_+$/g, '') || fallback;
    warnings.push(`${where}: the label "${label}" became the event "${event}"`);
    return { event, always: false, actions: [] };
  }
  const guard = m[2]?.trim() ? identifier(m[2].trim(), `${where}, guard`, warnings) : undefined;
  const actions = (m[3] ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean)
    .map((a) => identifier(a, `${where}, action`, warnings));
  const always = m[1] === 'always';
  return { ...(!always && { event: m[1]! }), always, ...(guard && { guard }), actions };
}

/** A key as the word of an event name: `moving` → `MOVING`. */
function eventWord(key: string): string {
  return key.replace(/[^A-Za-z0-9_]+/g, '_').toUpperCase() || 'STATE';
}

/** Defined, not assigned: a state or event named "__proto__" stays a key, as in parsed JSON. */
function setKey(into: object, key: string, value: unknown): void {
  Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}
