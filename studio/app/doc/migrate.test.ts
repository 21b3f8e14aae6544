import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { parseSpec } from '@palestra/envs/core';
import * as Y from 'yjs';
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
    assert.deepEqual(migrateDoc(doc), { from: 1, to: 1, newer: false }, 'a second run does nothing');
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
