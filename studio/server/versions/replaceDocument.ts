/**
 * A roll back on the working document: its content replaced by a version's spec and files in one
 * Yjs transaction, so every browser on the page receives it as one update and sees the old version
 * at once. Browser undo managers track only their own origins, so no one's undo reverts it.
 */
import type { GymSpecInput } from '@palestra/envs/core';
import * as Y from 'yjs';
import { STATE_VALUE_FIELDS, writeSpec } from '../../app/doc/fromSpec.ts';
import { docParts } from '../../app/doc/schema.ts';
import { toSpec } from '../../app/doc/toSpec.ts';

/** The origin of the roll back's transaction (for observers that tell edits apart). */
export const rollBackOrigin = Symbol('palestra:roll-back');

/** The state fields `toSpec` reads; any other (the editor's manual `position`) is the editor's own. */
const SPEC_STATE_FIELDS = new Set<string>([
  'parent',
  'name',
  'order',
  'initial',
  'initialRaw',
  'id',
  ...STATE_VALUE_FIELDS,
]);

/**
 * Replaces everything in `doc` with `spec` and `files`, in one transaction. Every element gets a
 * fresh id (a rolled-back state is a new element); the editor's own fields of a state (its manual
 * position) are carried over to the state at the same path, so the chart keeps its arrangement.
 *
 * @example
 * replaceDocument(doc, (await store.getSource(root)).spec, source.files);
 * toSpec(doc).spec; // that version's spec
 */
export function replaceDocument(doc: Y.Doc, spec: GymSpecInput, files: Record<string, string>): void {
  const parts = docParts(doc);
  doc.transact(() => {
    const kept = new Map<string, [string, unknown][]>();
    const { paths } = toSpec(doc);
    for (const [id, path] of paths) {
      const state = parts.states.get(id);
      if (!(state instanceof Y.Map)) continue;
      const own = [...state.entries()].filter(
        ([k, v]) => !SPEC_STATE_FIELDS.has(k) && !(v instanceof Y.AbstractType),
      );
      if (own.length > 0)
        kept.set(
          path,
          own.map(([k, v]) => [k, structuredClone(v)]),
        );
    }
    for (const part of Object.values(parts)) for (const key of [...part.keys()]) part.delete(key);
    writeSpec(doc, spec, files);
    if (kept.size === 0) return;
    for (const [id, path] of toSpec(doc).paths) {
      const state = parts.states.get(id);
      for (const [k, v] of kept.get(path) ?? []) state?.set(k, v);
    }
  }, rollBackOrigin);
}
