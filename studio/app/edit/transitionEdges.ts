/**
 * Which document transition each canvas edge draws. The canvas draws the spec `toSpec` writes,
 * naming an edge by its source and JSON path (`open:on.LOOKUP[0]`); an edit needs the transition's
 * document id. This follows `toSpec`'s own rules (the same `(order, id)` sort, the same grouping by
 * source and event, the same transitions left out), so each edge finds its transition.
 */
import { jsonPath } from '@palestra/envs/core';
import type * as Y from 'yjs';
import { ROOT_NODE_ID } from '../canvas/statechartGraph.ts';
import { docParts } from '../doc/schema.ts';
import { ordered } from '../doc/toSpec.ts';

/** One drawn transition: its document id, source and event (null: eventless). */
export interface DrawnTransition {
  id: string;
  /** The source state's document id (null: the machine's root). */
  source: string | null;
  event: string | null;
}

/**
 * Canvas edge id (without a target suffix `#i`) → the transition it draws. `paths` is `toSpec`'s
 * map of state id → dotted path.
 *
 * @example
 * const edges = transitionEdges(doc, toSpec(doc).paths);
 * edges.get('open:on.LOOKUP[0]')?.id // the document id of open's first LOOKUP transition
 */
export function transitionEdges(
  doc: Y.Doc,
  paths: ReadonlyMap<string, string>,
): Map<string, DrawnTransition> {
  const { transitions, states } = docParts(doc);
  const groups = new Map<
    string,
    { source: string | null; event: string | null; ids: string[]; single: boolean }
  >();
  for (const [id, m] of ordered(transitions)) {
    const source = (m.get('source') ?? null) as string | null;
    if (source !== null && !paths.has(source)) continue;
    const targets = m.get('targets');
    if (m.has('targets')) {
      if (!Array.isArray(targets)) continue;
      const missing = targets.some(
        (t) =>
          !t ||
          typeof t !== 'object' ||
          typeof t.raw !== 'string' ||
          ('state' in t &&
            t.state !== null &&
            (typeof t.state !== 'string' || !states.has(t.state) || !paths.has(t.state))),
      );
      if (missing) continue;
    }
    const always = m.get('kind') === 'always';
    const event = always ? null : String(m.get('event') ?? '');
    const key = `${source}\u0000${always ? '\u0000always' : event}`;
    const group = groups.get(key) ?? { source, event, ids: [], single: true };
    groups.set(key, group);
    group.ids.push(id);
    group.single &&= m.get('single') === true;
  }
  const out = new Map<string, DrawnTransition>();
  for (const { source, event, ids, single } of groups.values()) {
    const node = source === null ? ROOT_NODE_ID : paths.get(source)!;
    const base: PropertyKey[] = event === null ? ['always'] : ['on', event];
    ids.forEach((id, i) => {
      const path = single && ids.length === 1 ? base : [...base, i];
      out.set(`${node}:${jsonPath(path).replace(/^\$\.?/, '')}`, { id, source, event });
    });
  }
  return out;
}

/** The canvas edge id without the `#i` a transition with several targets adds per target. */
export const edgeKey = (edgeId: string) => edgeId.replace(/#\d+$/, '');
