/**
 * What the assistant reads of the document: a compact JSON of `toSpec`'s spec with the element ids
 * the editing tools take, and the resolution of the state references the model writes (an element
 * id or a dotted path). Browser-safe and pure.
 */
import * as Y from 'yjs';
import { docParts, type FieldMap } from '../doc/schema.ts';
import { ordered, toSpec } from '../doc/toSpec.ts';

type Json = Record<string, unknown>;

/** Tasks shown in full by `read_environment`; the rest are counted. */
export const TASKS_SHOWN = 20;

/** Where each state is: document id → dotted path, and back. */
export interface StateIndex {
  paths: ReadonlyMap<string, string>;
  ids: ReadonlyMap<string, string>;
}

/** The document's states by id and by dotted path. */
export function stateIndex(doc: Y.Doc): StateIndex {
  const { paths } = toSpec(doc);
  return { paths, ids: new Map([...paths].map(([id, path]) => [path, id])) };
}

/**
 * The document id of the state `ref` names (an element id, else a dotted path), or undefined.
 *
 * @example
 * resolveState(stateIndex(doc), 'open.review') // 'k3f9x-4'
 */
export function resolveState(index: StateIndex, ref: string): string | undefined {
  if (index.paths.has(ref)) return ref;
  return index.ids.get(ref);
}

const plainOf = (v: unknown): unknown => (v instanceof Y.AbstractType ? v.toJSON() : v);

/**
 * The environment as the model reads it: the spec's header, states and transitions as flat lists
 * with their element ids, guards, actions, tools with ids, the first tasks and their count, reward,
 * observation, limits and context.
 *
 * @example
 * JSON.stringify(environmentView(doc)) // {"name":"refund-desk","states":[{"id":"1-2","path":"open",…}],…}
 */
export function environmentView(doc: Y.Doc): Json {
  const parts = docParts(doc);
  const { spec, paths, problems } = toSpec(doc);
  const s = spec as unknown as Json;
  const pathOf = (id: unknown) =>
    id === null || id === undefined ? null : (paths.get(String(id)) ?? `(missing ${String(id)})`);

  const states = [...paths]
    .sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, path]) => {
      const m = parts.states.get(id) as FieldMap;
      const out: Json = { id, path };
      for (const f of ['type', 'tags', 'description', 'entry', 'exit'] as const)
        if (m.has(f)) out[f] = plainOf(m.get(f));
      const initial = m.get('initial');
      if (typeof initial === 'string') out.initial = pathOf(initial);
      return out;
    });
  const transitions = ordered(parts.transitions).map(([id, m]) => {
    const targets = m.get('targets');
    const target = Array.isArray(targets)
      ? targets.map((t: { state?: string | null; raw: string }) =>
          'state' in t ? (t.state === null ? '(root)' : pathOf(t.state)) : `(unresolved "${t.raw}")`,
        )
      : null;
    const out: Json = {
      id,
      source: m.get('source') === null ? '(root)' : pathOf(m.get('source')),
      event: m.get('kind') === 'always' ? null : (m.get('event') ?? null),
      target: target === null ? null : target.length === 1 ? target[0] : target,
    };
    for (const f of ['guard', 'actions', 'description'] as const) if (m.has(f)) out[f] = plainOf(m.get(f));
    return out;
  });
  const tools = ordered(parts.tools).map(([id, m]) => {
    const { order: _order, ...fields } = m.toJSON() as Json;
    return { id, ...fields };
  });
  const tasksSpec = s.tasks as Json;
  const list = Array.isArray(tasksSpec.list) ? (tasksSpec.list as Json[]) : undefined;
  const machine = s.machine as Json;
  return {
    name: s.name,
    description: s.description,
    replyEvent: s.replyEvent,
    machine: { initial: machine.initial, id: machine.id },
    states,
    transitions,
    guards: s.guards,
    actions: s.actions,
    tools,
    tasks: list ? { count: list.length, first: list.slice(0, TASKS_SHOWN) } : { generated: tasksSpec },
    reward: s.reward,
    observation: s.observation,
    limits: s.limits,
    context: s.context,
    ...(problems.length > 0 && { documentProblems: problems }),
  };
}
