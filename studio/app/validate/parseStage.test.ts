import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { InputLimitError } from '@palestra/envs/core';
import fc from 'fast-check';
import type * as Y from 'yjs';
import { deleteState, guardText, renameState } from '../doc/edits.ts';
import { fromSpec } from '../doc/fromSpec.ts';
import { docParts } from '../doc/schema.ts';
import { filesOf, toSpec } from '../doc/toSpec.ts';
import { parseStage, specProblemsOf } from './parseStage.ts';

const echo = JSON.parse(
  readFileSync(new URL('../../../envs/catalog/echo-target/spec.json', import.meta.url), 'utf8'),
);

/** The live check's input for a document, as the page builds it. */
function liveSource(doc: Y.Doc) {
  const { spec, problems, paths } = toSpec(doc);
  return { spec, files: filesOf(doc), docProblems: problems, paths };
}

/** A state's document id by its name. */
function stateId(doc: Y.Doc, name: string): string {
  return [...docParts(doc).states.entries()].find(([, m]) => m.get('name') === name)![0];
}

test('a valid document parses: no problems, and the source for the full check', () => {
  const stage = parseStage(liveSource(fromSpec(echo)));
  assert.deepEqual(stage.problems, []);
  assert.equal(stage.source?.spec.name, 'echo-target');
});

test('a CEL error in a guard is an error at its path, on the transitions that use it', () => {
  const doc = fromSpec(echo);
  guardText(doc, 'isTarget').insert(0, '(');
  const stage = parseStage(liveSource(doc));
  assert.equal(stage.source, undefined);
  assert.equal(stage.problems.length, 1);
  const [p] = stage.problems;
  assert.equal(p!.level, 'error');
  assert.equal(p!.code, 'SPEC_INVALID');
  assert.equal(p!.where, '$.guards.isTarget.expr');
  assert.match(p!.message, /^CEL: /);
  assert.deepEqual(p!.states, []);
  assert.deepEqual(p!.transitions, [{ source: 'waiting', event: 'ECHO' }]);
});

test("the document's problems are warnings on the states they name", () => {
  const doc = fromSpec(echo);
  // Two siblings named alike: toSpec keeps the name for the smallest id and renames the other.
  renameState(doc, stateId(doc, 'missed'), 'matched');
  const stage = parseStage(liveSource(doc));
  const dup = stage.problems.find((p) => p.code === 'DOC_DUPLICATE_NAME');
  assert.ok(dup, JSON.stringify(stage.problems));
  assert.equal(dup.level, 'warning');
  assert.deepEqual([...dup.states].sort(), ['matched', 'matched_2']);
  // Without the paths, the same problem is listed but placed nowhere.
  const { spec, problems } = toSpec(doc);
  assert.deepEqual(parseStage({ spec, files: {}, docProblems: problems }).problems[0]!.states, []);

  // A deleted target: its transition is left out (a warning that names it), and the spec is still valid.
  const gone = fromSpec(echo);
  deleteState(gone, stateId(gone, 'missed'));
  const after = parseStage(liveSource(gone));
  assert.deepEqual(
    after.problems.map((p) => [p.code, p.message]),
    [
      ['DOC_TARGET_MISSING', 'a transition: its target state was deleted; left out'],
      ['DOC_TARGET_MISSING', 'a transition: its target state was deleted; left out'],
    ],
  );
  assert.ok(after.source, 'what is left parses');
});

test('an invalid machine is placed on its states and transitions', () => {
  const spec = structuredClone(echo);
  spec.machine.states.waiting.on.REPLY = { target: 'nowhere' };
  spec.machine.states.waiting.states = { inner: {} };
  const stage = parseStage({ spec, files: {}, docProblems: [] });
  const at = Object.fromEntries(stage.problems.map((p) => [p.where, p]));
  assert.deepEqual(at['$.machine.states.waiting.initial']?.states, ['waiting']);
  const target = stage.problems.find((p) => p.where?.startsWith('$.machine.states.waiting.on.REPLY'));
  assert.ok(target, JSON.stringify(stage.problems.map((p) => p.where)));
  assert.deepEqual(target.transitions, [{ source: 'waiting', event: 'REPLY' }]);
  assert.ok(stage.problems.every((p) => p.level === 'error' && p.check === 'spec'));
  assert.equal(new Set(stage.problems.map((p) => p.id)).size, stage.problems.length, 'ids are unique');
});

test('input no parser expected is an error problem, never a throw', () => {
  for (const spec of [null, [], 'spec', 42]) {
    const stage = parseStage({ spec, files: {}, docProblems: [] });
    assert.equal(stage.source, undefined);
    assert.equal(stage.problems[0]?.where, '$');
  }
  const deep: Record<string, unknown> = {};
  let at = deep;
  for (let i = 0; i < 500; i++) at = at.x = {};
  const [limit] = parseStage({ spec: deep, files: {}, docProblems: [] }).problems;
  assert.equal(limit?.level, 'error');
  assert.match(limit!.code!, /^INPUT_/);
  // An error that is not a Palestra error is said as one, with its message.
  assert.deepEqual(
    specProblemsOf(new TypeError('boom')).map((p) => [p.code, p.message]),
    [['UNEXPECTED_ERROR', 'the spec could not be read: boom']],
  );
  assert.equal(specProblemsOf(new InputLimitError('INPUT_TOO_DEEP', 'too deep'))[0]!.code, 'INPUT_TOO_DEEP');
});

test('any value, and any catalog spec with a part replaced by anything, is problems or a source', () => {
  const keys = Object.keys(echo);
  fc.assert(
    fc.property(fc.anything(), fc.constantFrom(...keys, undefined), (value, key) => {
      const spec = key === undefined ? value : { ...echo, [key]: value };
      const stage = parseStage({ spec, files: {}, docProblems: [] });
      if (stage.source) assert.deepEqual(stage.problems, []);
      else assert.ok(stage.problems.length > 0 && stage.problems.every((p) => p.level === 'error'));
    }),
    { numRuns: 300 },
  );
});
