import type { GymSpecInput } from '@palestra/envs/core';
import type * as Y from 'yjs';
import { writeSpec } from './fromSpec.ts';
import { historyTargetOf } from './historyTarget.ts';
import { DOC_SCHEMA_VERSION, docParts, docSchemaVersion } from './schema.ts';
import { buildTree, ordered } from './toSpec.ts';

/**
 * Document migrations: each entry lifts a document from layout version n to n+1, in place, in one
 * transaction (so peers receive it as one update). Version 0 is the first prototype's shape: the
 * whole spec as one JSON value (`legacy.spec`) and its files as one object (`legacy.files`), which
 * merged nothing (two edits of one spec, whatever their place, were two writes of one value).
 *
 * A migration must be deterministic: two peers that open an old document at once both run it,
 * and must write the same keys with the same values, so the ids it gives are derived from the
 * content (`v0-1`, `v0-2`, … in document order), never from the peer.
 */
export const DOC_MIGRATIONS: Record<number, (doc: Y.Doc) => void> = {
  0: (doc) => {
    const legacy = doc.getMap<unknown>('legacy');
    const spec = legacy.get('spec') as GymSpecInput | undefined;
    const files = (legacy.get('files') ?? {}) as Record<string, string>;
    let n = 0;
    doc.transact(() => {
      if (spec !== undefined) writeSpec(doc, spec, files, () => `v0-${++n}`);
      legacy.delete('spec');
      legacy.delete('files');
      docParts(doc).meta.set('schemaVersion', 1);
    });
  },
  // Version 1 kept a history state's default `target` as the string written, which a rename or
  // move of the state it names left dangling; version 2 keeps the state it names (`HistoryTarget`).
  1: (doc) => {
    doc.transact(() => {
      liftHistoryTargets(doc);
      docParts(doc).meta.set('schemaVersion', 2);
    });
  },
};

/**
 * Every history state's default written as a string becomes the state it names, resolved on the
 * tree `toSpec` gives this document (so the same on every peer that migrates it).
 */
function liftHistoryTargets(doc: Y.Doc): void {
  const parts = docParts(doc);
  const { tree, nodes } = buildTree(parts, []);
  for (const [id, m] of ordered(parts.states)) {
    const raw = m.get('target');
    if (m.get('type') !== 'history' || typeof raw !== 'string') continue;
    const lifted = historyTargetOf(tree, nodes.get(id)!, raw);
    if (typeof lifted !== 'string') m.set('target', lifted);
  }
}

/** What `migrateDoc` did: the layout versions before and after, or that the document is newer. */
export interface MigrateResult {
  from: number;
  to: number;
  /** The document was written by a newer studio: left untouched, to be opened read-only. */
  newer: boolean;
}

/**
 * Lifts a document to `DOC_SCHEMA_VERSION`, applying every migration from its version up. A
 * document newer than this code is left as it is (`newer: true`), never downgraded.
 *
 * @example
 * const { from, to } = migrateDoc(doc); // { from: 0, to: 1, newer: false }
 */
export function migrateDoc(doc: Y.Doc): MigrateResult {
  const from = docSchemaVersion(doc);
  if (from > DOC_SCHEMA_VERSION) return { from, to: from, newer: true };
  let version = from;
  while (version < DOC_SCHEMA_VERSION) {
    const step = DOC_MIGRATIONS[version];
    if (!step) break;
    step(doc);
    version = docSchemaVersion(doc);
  }
  return { from, to: version, newer: false };
}
