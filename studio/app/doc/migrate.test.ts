import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { type GymSpecInput, parseSpec } from '@palestra/envs/core';
import * as Y from 'yjs';
import { renameState } from './edits.ts';
import { fromSpec } from './fromSpec.ts';
import { migrateDoc } from './migrate.ts';
import { DOC_SCHEMA_VERSION, docJson, docParts, docSchemaVersion } from './schema.ts';
import { filesOf, toSpec } from './toSpec.ts';

/** A version 0 document: the spec as one JSON value, as the first prototype stored it. */
function versionZero(clientID: number) {
  const { spec, files } = loadCatalog('tally');
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const legacy = doc.getMap<unknown>('legacy');
  legacy.set('spec', JSON.parse(JSON.stringify(spec)));
  legacy.set('files', files);
  return { doc, spec, files };
}

/**
 * A version 1 document: the layout of today but for a history state's default, kept as the string
 * written (what `fromSpec` wrote before layout version 2).
 */
function versionOne(clientID: number) {
  const spec = {
    ...loadCatalog('tally').spec,
    machine: {
      initial: 'closed',
      states: {
        closed: {
          initial: 'locked',
          states: { locked: {}, ajar: {}, hist: { type: 'history', target: 'ajar' } },
        },
      },
    },
  } as GymSpecInput;
  const doc = fromSpec(spec);
  doc.clientID = clientID;
  doc.transact(() => {
    for (const m of docParts(doc).states.values()) if (m.has('target')) m.set('target', 'ajar');
    docParts(doc).meta.set('schemaVersion', 1);
  });
  return { doc, spec: toSpec(fromSpec(spec)).spec };
}

const stateId = (doc: Y.Doc, name: string) =>
  [...docParts(doc).states.entries()].find(([, m]) => m.get('name') === name)![0];

describe('migrateDoc', () => {
  it('lifts a version 0 document to the current layout with the same spec', () => {
    const { doc, spec, files } = versionZero(1);
    assert.equal(docSchemaVersion(doc), 0);
    assert.deepEqual(migrateDoc(doc), { from: 0, to: DOC_SCHEMA_VERSION, newer: false });
    assert.equal(docSchemaVersion(doc), DOC_SCHEMA_VERSION);
    assert.equal(doc.getMap('legacy').size, 0);
    const out = toSpec(doc);
    assert.deepEqual(out.problems, []);
    assert.deepStrictEqual(parseSpec(out.spec, files), spec);
    assert.deepStrictEqual(filesOf(doc), files);
    assert.deepEqual(
      migrateDoc(doc),
      { from: DOC_SCHEMA_VERSION, to: DOC_SCHEMA_VERSION, newer: false },
      'a second run does nothing',
    );
  });

  it('gives the same document when two peers migrate at once', () => {
    const a = versionZero(1).doc;
    const b = new Y.Doc();
    b.clientID = 2;
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    migrateDoc(a);
    migrateDoc(b);
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    assert.deepStrictEqual(docJson(a), docJson(b));
    assert.ok(docParts(a).states.size > 0);
    assert.deepEqual(toSpec(a).problems, [], 'no state or transition written twice');
  });

  it('lifts a version 1 document’s history defaults (strings) to the states they name', () => {
    const { doc, spec } = versionOne(1);
    assert.deepStrictEqual(toSpec(doc).spec, spec, 'a version 1 document still loads as written');
    assert.deepEqual(migrateDoc(doc), { from: 1, to: DOC_SCHEMA_VERSION, newer: false });
    const [id, hist] = [...docParts(doc).states.entries()].find(([, m]) => m.get('type') === 'history')!;
    assert.deepEqual(hist.get('target'), { state: stateId(doc, 'ajar'), raw: 'ajar' });
    assert.deepStrictEqual(toSpec(doc).spec, spec, 'the same spec after the migration');
    renameState(doc, stateId(doc, 'ajar'), 'cracked');
    const { spec: renamed, paths } = toSpec(doc);
    assert.equal(paths.get(id), 'closed.hist');
    assert.equal(
      (renamed.machine as { states: { closed: { states: { hist: { target: string } } } } }).states.closed
        .states.hist.target,
      'cracked',
    );
  });

  it('gives the same document when two peers lift version 1 at once', () => {
    const a = versionOne(1).doc;
    const b = new Y.Doc();
    b.clientID = 2;
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    migrateDoc(a);
    migrateDoc(b);
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    assert.deepStrictEqual(docJson(a), docJson(b));
    assert.deepEqual(toSpec(a).problems, []);
  });

  it('leaves a newer document untouched', () => {
    const doc = new Y.Doc();
    docParts(doc).meta.set('schemaVersion', DOC_SCHEMA_VERSION + 1);
    const before = docJson(doc);
    assert.deepEqual(migrateDoc(doc), {
      from: DOC_SCHEMA_VERSION + 1,
      to: DOC_SCHEMA_VERSION + 1,
      newer: true,
    });
    assert.deepStrictEqual(docJson(doc), before);
  });
});
