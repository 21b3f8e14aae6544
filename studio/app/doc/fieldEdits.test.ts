import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { parseSpec } from '@palestra/envs/core';
import * as Y from 'yjs';
import {
  addTasks,
  addTool,
  deleteTask,
  deleteTool,
  parameterForm,
  renameParameter,
  setLimit,
  setParameter,
  setRewardBounds,
  setTaskData,
  setTaskField,
  setTasksModule,
  setToolField,
} from './fieldEdits.ts';
import { fromSpec } from './fromSpec.ts';
import { docJson, docParts } from './schema.ts';
import { toSpec } from './toSpec.ts';

const origin = Symbol('test-origin');

/** Two peers holding tally's document, with fixed client ids. */
function twoPeers(): [Y.Doc, Y.Doc] {
  const { spec, files } = loadCatalog('tally');
  const base = fromSpec(spec, files);
  return [1, 2].map((clientID) => {
    const d = new Y.Doc();
    d.clientID = clientID;
    Y.applyUpdate(d, Y.encodeStateAsUpdate(base));
    return d;
  }) as [Y.Doc, Y.Doc];
}

function sync(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
  assert.deepStrictEqual(docJson(a), docJson(b));
}

const toolId = (doc: Y.Doc, name: string) =>
  [...docParts(doc).tools.entries()].find(([, m]) => m.get('name') === name)![0];
/** The spec the document describes, parsed by the core (tools added here send tally's CLICK). */
const parsed = (doc: Y.Doc) => parseSpec(toSpec(doc).spec, {});
type ToolInput = { name: string; description: string; event: string; parameters: Record<string, unknown> };
/** The tools the document describes, as written (before parsing). */
const toolsOf = (doc: Y.Doc) => toSpec(doc).spec.tools as ToolInput[];

describe('fieldEdits', () => {
  it('adds a tool with a required string parameter; the spec parses and lists it last', () => {
    const [doc] = twoPeers();
    const id = addTool(doc, { name: 'lookup', event: 'CLICK', description: 'Finds an order' }, origin);
    setParameter(doc, id, 'orderId', { type: 'string', required: true, maxLength: 32 }, origin);
    const spec = parsed(doc);
    const tool = spec.tools.at(-1)!;
    assert.equal(tool.name, 'lookup');
    assert.deepEqual(tool.parameters, {
      type: 'object',
      properties: { orderId: { type: 'string', maxLength: 32 } },
      required: ['orderId'],
    });
  });

  it('edits, renames and deletes parameters, keeping what the form does not know', () => {
    const [doc] = twoPeers();
    const id = addTool(doc, { name: 'pay', event: 'PAY', description: 'Pays' }, origin);
    docParts(doc)
      .tools.get(id)!
      .set('parameters', {
        type: 'object',
        additionalProperties: false,
        properties: { where: { type: 'object', properties: { city: { type: 'string' } } } },
      });
    setParameter(
      doc,
      id,
      'amount',
      { type: 'number', required: true, minimum: 0, description: 'How much' },
      origin,
    );
    setParameter(doc, id, 'mode', { type: 'enum', required: false, values: ['card', 'cash'] }, origin);
    renameParameter(doc, id, 'amount', 'total', origin);
    renameParameter(doc, id, 'mode', 'where', origin); // taken: refused
    const tool = toolsOf(doc).at(-1)!;
    assert.deepEqual(tool.parameters, {
      type: 'object',
      additionalProperties: false,
      properties: {
        where: { type: 'object', properties: { city: { type: 'string' } } },
        total: { type: 'number', minimum: 0, description: 'How much' },
        mode: { type: 'string', enum: ['card', 'cash'] },
      },
      required: ['total'],
    });
    assert.equal(
      parameterForm((tool.parameters.properties as Record<string, unknown>).where, false),
      undefined,
    );
    assert.deepEqual(parameterForm((tool.parameters.properties as Record<string, unknown>).mode, false), {
      type: 'enum',
      required: false,
      values: ['card', 'cash'],
    });
    setParameter(doc, id, 'total', null, origin);
    assert.deepEqual(Object.keys(toolsOf(doc).at(-1)!.parameters.properties as object), ['where', 'mode']);
    assert.equal('required' in toolsOf(doc).at(-1)!.parameters, false);
  });

  it('two people edit two different tools at once: both edits are kept', () => {
    const [a, b] = twoPeers();
    const first = addTool(a, { name: 'one', event: 'ONE', description: 'First' }, origin);
    const second = addTool(a, { name: 'two', event: 'TWO', description: 'Second' }, origin);
    sync(a, b);
    setParameter(a, first, 'x', { type: 'integer', required: true, maximum: 9 }, origin);
    setToolField(a, first, 'description', 'First, edited by a', origin);
    setParameter(b, second, 'y', { type: 'boolean', required: false }, origin);
    setToolField(b, second, 'name', 'two_renamed', origin);
    sync(a, b);
    const tools = toolsOf(a);
    const one = tools.find((t) => t.name === 'one')!;
    const two = tools.find((t) => t.name === 'two_renamed')!;
    assert.equal(one.description, 'First, edited by a');
    assert.deepEqual(one.parameters.properties, { x: { type: 'integer', maximum: 9 } });
    assert.deepEqual(two.parameters.properties, { y: { type: 'boolean' } });
    assert.deepEqual(toSpec(b).spec, toSpec(a).spec);
  });

  it('deleting a tool removes only it', () => {
    const [doc] = twoPeers();
    addTool(doc, { name: 'extra', event: 'CLICK', description: 'Another' }, origin);
    const before = toolsOf(doc).map((t) => t.name);
    deleteTool(doc, toolId(doc, before[0]!), origin);
    assert.deepEqual(
      toolsOf(doc).map((t) => t.name),
      before.slice(1),
    );
    assert.equal(parsed(doc).tools.length, 1);
  });

  it('tasks: adds many in one transaction, edits fields and data, deletes one', () => {
    const [doc] = twoPeers();
    const listed = () => {
      const tasks = parsed(doc).tasks;
      return 'list' in tasks ? tasks.list : [];
    };
    const n = listed().length;
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);
    const [x, y] = addTasks(
      doc,
      [
        { id: 'x', instructions: 'Do x', data: { n: 1 } },
        { id: 'y', split: 'eval' },
      ],
      origin,
    );
    assert.equal(transactions, 1, 'a paste is one transaction, so one undo');
    setTaskField(doc, x!, 'instructions', 'Do x now', origin);
    setTaskData(doc, x!, { n: 2, who: 'ann' }, origin);
    setTaskField(doc, y!, 'split', undefined, origin);
    const list = listed();
    assert.equal(list.length, n + 2);
    assert.deepEqual(list.at(-2), { id: 'x', instructions: 'Do x now', data: { n: 2, who: 'ann' } });
    assert.deepEqual(list.at(-1), { id: 'y', instructions: '' });
    deleteTask(doc, x!, origin);
    assert.deepEqual(
      listed()
        .map((t) => t.id)
        .slice(-1),
      ['y'],
    );
    assert.equal(listed().length, n + 1);
  });

  it('switching to a generator module and back keeps the listed tasks', () => {
    const [doc] = twoPeers();
    const before = toSpec(doc).spec.tasks;
    setTasksModule(doc, { module: 'tasks.js#generate', count: 12, split: { eval: 0.25 } }, origin);
    assert.deepEqual(toSpec(doc).spec.tasks, {
      module: 'tasks.js#generate',
      count: 12,
      split: { eval: 0.25 },
    });
    setTasksModule(doc, null, origin);
    assert.deepEqual(toSpec(doc).spec.tasks, before);
  });

  it('limits and reward bounds: set, and back to the default', () => {
    const [doc] = twoPeers();
    setLimit(doc, 'maxSteps', 7, origin);
    setLimit(doc, 'invalidActionPenalty', -0.5, origin);
    setRewardBounds(doc, { min: -1, max: 2 }, origin);
    let spec = parsed(doc);
    assert.equal(spec.limits.maxSteps, 7);
    assert.equal(spec.limits.invalidActionPenalty, -0.5);
    assert.deepEqual(spec.reward.bounds, { min: -1, max: 2 });
    setLimit(doc, 'maxSteps', undefined, origin);
    setRewardBounds(doc, undefined, origin);
    spec = parsed(doc);
    assert.equal(spec.limits.maxSteps, 50, "GymSpec's default");
    assert.equal(toSpec(doc).spec.reward?.bounds, undefined);
  });

  it('every edit carries the given origin, so the undo manager tracks it', () => {
    const [doc] = twoPeers();
    const undo = new Y.UndoManager(
      Object.values(docParts(doc)).filter((t): t is Y.Map<unknown> => t instanceof Y.Map),
      { trackedOrigins: new Set([origin]), captureTimeout: 0 },
    );
    const before = docJson(doc);
    const id = addTool(doc, { name: 'z', event: 'Z', description: 'z' }, origin);
    setParameter(doc, id, 'p', { type: 'string', required: true }, origin);
    addTasks(doc, [{ id: 'new' }], origin);
    setLimit(doc, 'maxSteps', 3, origin);
    setRewardBounds(doc, { min: 0, max: 1 }, origin);
    setTasksModule(doc, { module: 'm.js#g', count: 2 }, origin);
    while (undo.canUndo()) undo.undo();
    assert.deepStrictEqual(docJson(doc), before);
  });
});
