import type * as Y from 'yjs';
import { docParts } from '../doc/schema.ts';

/**
 * A transition in words, as the canvas labels its edge: `LOOKUP from open to done`, `always from
 * checking`, `LOOKUP from the machine`. `paths` is `toSpec`'s map of state id → dotted path.
 *
 * @example
 * transitionWords(doc, id, toSpec(doc).paths) // 'LOOKUP from open to done'
 */
export function transitionWords(doc: Y.Doc, id: string, paths: ReadonlyMap<string, string>): string {
  const m = docParts(doc).transitions.get(id);
  if (!m) return 'a transition';
  const event = m.get('kind') === 'always' ? 'always' : String(m.get('event') ?? '?');
  const source = m.get('source');
  const from = typeof source === 'string' ? (paths.get(source) ?? 'a deleted state') : 'the machine';
  const targets = m.get('targets');
  const target = Array.isArray(targets) ? targets[0] : undefined;
  const to =
    target && typeof target === 'object' && 'state' in target
      ? target.state === null
        ? 'the machine'
        : (paths.get(String(target.state)) ?? 'a deleted state')
      : typeof target?.raw === 'string'
        ? target.raw
        : undefined;
  return `${event} from ${from}${to === undefined ? '' : ` to ${to}`}`;
}

/** A list in words: `a`, `a and b`, `a, b and c`. */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
