// The panel's document edits: fieldEdits (tools, tasks, limits, bounds) and logicEdits (guards, actions,
// reward rules, code files), on two peers of one document.
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
import {
  actionUsage,
  addAction,
  addFile,
  addGuard,
  addRewardRule,
  deleteAction,
  deleteAssignment,
  deleteFile,
  deleteGuard,
  deleteRewardRule,
  fileNameProblem,
  fileUsage,
  guardUsage,
  identifierProblem,
  setAssignment,
  setRewardField,
} from './logicEdits.ts';
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

/** The transition of `source` on `event` (the first), by state name. */
function transitionOf(doc: Y.Doc, source: string, event: string): string {
  const { states, transitions } = docParts(doc);
  const sourceId = [...states.entries()].find(([, m]) => m.get('name') === source)![0];
  return [...transitions.entries()].find(
    ([, m]) => m.get('source') === sourceId && (m.get('event') ?? 'always') === event,
  )![0];
}

/** Counts the transactions `f` makes: each panel creation or deletion is one, so one undo step. */
function transactions(doc: Y.Doc, f: () => void): number {
  let n = 0;
  const count = () => n++;
  doc.on('afterTransaction', count);
  f();
  doc.off('afterTransaction', count);
  return n;
}

describe('logicEdits: guards, actions, reward rules and code files from the panel', () => {
  it('names: identifiers and .js files, unique', () => {
    assert.equal(identifierProblem('hasOrder', ['other'], 'guard'), undefined);
    assert.match(identifierProblem('2fast', [], 'guard')!, /not a guard name/);
    assert.match(identifierProblem('has-order', [], 'action')!, /not an action name/);
    assert.match(identifierProblem('onTarget', ['onTarget'], 'guard')!, /already a guard named "onTarget"/);
    assert.equal(fileNameProblem('policy.js', ['tasks.js']), undefined);
    assert.match(fileNameProblem('policy.ts', [])!, /ending in \.js/);
    assert.match(fileNameProblem('../up.js', [])!, /not a module file name/);
    assert.match(fileNameProblem('tasks.js', ['tasks.js'])!, /already a file/);
  });

  it('adds a guard and puts it on a transition in one transaction; a taken name writes nothing', () => {
    const [doc] = twoPeers();
    const t = transitionOf(doc, 'counting', 'CLICK');
    assert.equal(
      transactions(doc, () => assert.equal(addGuard(doc, 'small', 'count < 10', origin, t), true)),
      1,
    );
    const spec = parsed(doc);
    assert.deepEqual(spec.guards.small, { expr: 'count < 10' });
    assert.equal((spec.machine.states!.counting!.on!.CLICK as { guard?: string }).guard, 'small');
    const before = docJson(doc);
    assert.equal(addGuard(doc, 'small', 'true', origin), false);
    assert.deepStrictEqual(docJson(doc), before);
  });

  it('deleting a guard clears it from the transitions that use it, which the usage named first', () => {
    const [doc] = twoPeers();
    const used = guardUsage(doc, 'onTarget');
    assert.deepEqual(used, [transitionOf(doc, 'counting', 'REPLY')]);
    assert.equal(
      transactions(doc, () => assert.deepEqual(deleteGuard(doc, 'onTarget', origin), used)),
      1,
    );
    const spec = parsed(doc);
    assert.equal('onTarget' in spec.guards, false);
    assert.deepEqual(spec.machine.states!.counting!.on!.REPLY, [{ target: 'right' }, { target: 'wrong' }]);
  });

  it('adds an action with an assignment and runs it on a transition; removes the assignment', () => {
    const [doc] = twoPeers();
    const t = transitionOf(doc, 'counting', 'CLICK');
    assert.equal(
      transactions(doc, () => addAction(doc, 'note', origin, t)),
      1,
    );
    assert.equal(addAction(doc, 'note', origin), false, 'a taken name');
    assert.equal(setAssignment(doc, 'note', 'clicks', 'count + 1', origin), true);
    // An existing assignment keeps its text (a colleague may be typing in it).
    setAssignment(doc, 'note', 'clicks', 'other', origin);
    let spec = parsed(doc);
    assert.deepEqual(spec.actions.note, { assign: { clicks: 'count + 1' } });
    assert.deepEqual((spec.machine.states!.counting!.on!.CLICK as { actions?: unknown }).actions, [
      'click',
      'note',
    ]);
    deleteAssignment(doc, 'note', 'clicks', origin);
    spec = parsed(doc);
    assert.deepEqual(spec.actions.note, { assign: {} });
    assert.equal(setAssignment(doc, 'missing', 'x', '1', origin), false);
  });

  it('deleting an action takes it off transitions and entry lists, in one transaction', () => {
    const [doc] = twoPeers();
    const halfway = [...docParts(doc).states.entries()].find(([, m]) => m.get('name') === 'halfway')![0];
    assert.deepEqual(actionUsage(doc, 'markHalfway'), { transitions: [], states: [halfway] });
    const click = actionUsage(doc, 'click');
    assert.deepEqual(click, { transitions: [transitionOf(doc, 'counting', 'CLICK')], states: [] });
    assert.equal(
      transactions(doc, () => {
        deleteAction(doc, 'markHalfway', origin);
      }),
      1,
    );
    deleteAction(doc, 'click', origin);
    const spec = parsed(doc);
    assert.deepEqual(Object.keys(spec.actions), []);
    assert.equal(spec.machine.states!.halfway!.entry, undefined);
    assert.deepEqual(spec.machine.states!.counting!.on!.CLICK, { target: 'checking' });
  });

  it('reward rules of every kind are appended in order; the spec parses; one is deleted', () => {
    const [doc] = twoPeers();
    const before = parsed(doc).reward.rules.length;
    const ids = [
      addRewardRule(doc, { kind: 'onEnter', state: 'right', value: 2, name: 'again right' }, origin),
      addRewardRule(doc, { kind: 'onEnter', state: 'halfway', value: 0.5, transient: true }, origin),
      addRewardRule(doc, { kind: 'perStep', value: -0.01 }, origin),
      addRewardRule(doc, { kind: 'when', when: 'count > 3', value: 0.2 }, origin),
      addRewardRule(doc, { kind: 'expr', expr: 'count * 0.0' }, origin),
    ];
    let rules = parsed(doc).reward.rules;
    assert.deepEqual(rules.slice(before), [
      { name: 'again right', onEnter: 'right', value: 2 },
      { onEnter: 'halfway', value: 0.5, transient: true },
      { perStep: -0.01 },
      { when: 'count > 3', value: 0.2 },
      { expr: 'count * 0.0' },
    ]);
    // Sorted by order: a rule added on another peer at the same time still lands after these.
    const orders = ids.map((id) => docParts(doc).rewardRules.get(id)!.get('order') as number);
    assert.deepEqual(
      orders,
      [...orders].sort((x, y) => x - y),
    );
    setRewardField(doc, ids[0]!, 'onEnter', 'wrong', origin);
    setRewardField(doc, ids[0]!, 'value', -1, origin);
    setRewardField(doc, ids[1]!, 'transient', false, origin);
    setRewardField(doc, ids[2]!, 'perStep', -0.02, origin);
    deleteRewardRule(doc, ids[4]!, origin);
    rules = parsed(doc).reward.rules;
    assert.deepEqual(rules.slice(before), [
      { name: 'again right', onEnter: 'wrong', value: -1 },
      { onEnter: 'halfway', value: 0.5 },
      { perStep: -0.02 },
      { when: 'count > 3', value: 0.2 },
    ]);
    const module = addRewardRule(doc, { kind: 'module', module: 'pay.js#amount' }, origin);
    assert.deepEqual(toSpec(doc).spec.reward!.rules!.at(-1), { module: 'pay.js#amount' });
    assert.deepEqual(fileUsage(doc, 'pay.js'), [`reward rule ${before + 5}`]);
    deleteRewardRule(doc, module, origin);
  });

  it('code files: added with a starter that names the file; deleting one in use is refused', () => {
    const [doc] = twoPeers();
    assert.equal(addFile(doc, 'policy.js', origin), true);
    assert.equal(addFile(doc, 'policy.js', origin), false);
    const source = docParts(doc).files.get('policy.js')!.toString();
    assert.match(source, /"policy\.js#function"/);
    const parsedWithFiles = parseSpec(toSpec(doc).spec, { 'policy.js': source });
    assert.equal(parsedWithFiles.name, 'tally');
    docParts(doc).guards.get('onTarget')!.set('module', 'policy.js#onTarget');
    docParts(doc).guards.get('onTarget')!.delete('expr');
    assert.deepEqual(fileUsage(doc, 'policy.js'), ['guard onTarget']);
    assert.deepEqual(deleteFile(doc, 'policy.js', origin), ['guard onTarget']);
    assert.equal(docParts(doc).files.has('policy.js'), true, 'a file in use stays');
    docParts(doc).guards.get('onTarget')!.delete('module');
    assert.deepEqual(deleteFile(doc, 'policy.js', origin), []);
    assert.equal(docParts(doc).files.has('policy.js'), false);
  });

  it('one undo takes back each creation or deletion whole', () => {
    const [doc] = twoPeers();
    const undo = new Y.UndoManager(Object.values(docParts(doc)) as Y.AbstractType<unknown>[], {
      trackedOrigins: new Set([origin]),
      captureTimeout: 0,
    });
    const t = transitionOf(doc, 'counting', 'CLICK');
    const steps: [string, () => void][] = [
      ['add guard', () => addGuard(doc, 'g', 'true', origin, t)],
      ['delete guard', () => deleteGuard(doc, 'onTarget', origin)],
      ['add action', () => addAction(doc, 'a', origin, t)],
      ['assignment', () => setAssignment(doc, 'a', 'x', '1', origin)],
      ['delete action', () => deleteAction(doc, 'click', origin)],
      ['reward rule', () => addRewardRule(doc, { kind: 'perStep', value: 1 }, origin)],
      ['file', () => addFile(doc, 'm.js', origin)],
    ];
    for (const [what, step] of steps) {
      const before = docJson(doc);
      step();
      assert.notDeepStrictEqual(docJson(doc), before, what);
      undo.undo();
      assert.deepStrictEqual(docJson(doc), before, `one undo takes back: ${what}`);
      step();
    }
  });

  it('one deletes a guard while the other puts it on another transition: that one names a missing guard', () => {
    const [a, b] = twoPeers();
    const click = transitionOf(a, 'counting', 'CLICK');
    deleteGuard(a, 'onTarget', origin);
    docParts(b).transitions.get(click)!.set('guard', 'onTarget');
    sync(a, b);
    assert.equal(docParts(a).transitions.get(click)!.get('guard'), 'onTarget');
    assert.throws(() => parsed(a), /onTarget/);
  });
});
