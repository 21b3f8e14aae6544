import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { parseSpec } from '@palestra/envs/core';
import * as Y from 'yjs';
import { assistantOrigin } from '../collab/undo.ts';
import { fromSpec } from '../doc/fromSpec.ts';
import { docParts } from '../doc/schema.ts';
import { filesOf, toSpec } from '../doc/toSpec.ts';
import { parseStage } from '../validate/parseStage.ts';
import { executeTool, type ToolHost } from './executeTool.ts';
import { ASSISTANT_TOOLS } from './tools.ts';

// Each tool on a real document (refund-desk's machine, tally's task list): what it changes, that
// every change carries the assistant's origin, and that a bad call is an error result with the
// document untouched.

/** The page's live check as the page runs its first stage: the core's parser on the document. */
const host = (doc: Y.Doc, runs: Partial<ToolHost> = {}): ToolHost => ({
  problems: async () => {
    const { spec, problems, paths } = toSpec(doc);
    const stage = parseStage({ spec, files: filesOf(doc), docProblems: problems, paths });
    return { state: 'done', problems: stage.problems, ms: 0, checked: 'parse' };
  },
  runs: async () => ({ runs: [] }),
  run: async (id) => {
    throw new Error(`no run ${id}`);
  },
  ...runs,
});

let callId = 0;
async function call(doc: Y.Doc, name: string, args: unknown, h = host(doc)) {
  const raw = typeof args === 'string' ? args : JSON.stringify(args);
  const out = await executeTool(doc, { id: `c${++callId}`, name, arguments: raw }, h);
  return { ...out, result: JSON.parse(out.content) as Record<string, unknown> };
}

/** The origins of every transaction that changed `doc` while `run` ran. */
async function originsOf(doc: Y.Doc, run: () => Promise<unknown>): Promise<unknown[]> {
  const origins: unknown[] = [];
  const on = (tr: Y.Transaction) => {
    if (tr.changed.size > 0) origins.push(tr.origin);
  };
  doc.on('afterTransaction', on);
  await run();
  doc.off('afterTransaction', on);
  return origins;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON of a known shape, asserted field by field
type Loose = any;

const refundDesk = () => fromSpec(loadCatalog('refund-desk').spec, loadCatalog('refund-desk').files);
const spec = (doc: Y.Doc) => toSpec(doc).spec as unknown as Loose;

describe('the assistant tools on a document', () => {
  it('every tool the model is told of has a handler, and each schema is an object schema', async () => {
    const doc = refundDesk();
    for (const tool of ASSISTANT_TOOLS) {
      assert.equal(tool.parameters.type, 'object');
      const out = await call(doc, tool.name, '{}');
      assert.doesNotMatch(out.effect, /^no tool/, tool.name);
    }
  });

  it('read_environment: states and transitions with element ids and paths, tools with ids', async () => {
    const doc = refundDesk();
    const out = await call(doc, 'read_environment', {});
    assert.equal(out.ok, true);
    const states = out.result.states as { id: string; path: string; type?: string; initial?: string }[];
    const reviewing = states.find((s) => s.path === 'open.reviewing')!;
    assert.ok(docParts(doc).states.has(reviewing.id));
    assert.equal(states.find((s) => s.path === 'open')?.initial, 'open.triage');
    assert.equal(states.find((s) => s.path === 'escalated')?.type, 'final');
    const transitions = out.result.transitions as Record<string, unknown>[];
    assert.ok(
      transitions.some(
        (t) =>
          t.source === 'open.reviewing' &&
          t.event === 'ESCALATE' &&
          t.target === 'escalated' &&
          t.guard === 'correctEscalation',
      ),
    );
    assert.deepEqual(out.result.tasks, { generated: spec(doc).tasks });
    assert.ok(
      (out.result.tools as { id: string; name: string }[]).some((t) => t.name === 'lookup_order' && t.id),
    );
  });

  it('add_state under a parent by path, as its initial state, with a type: one origin, the assistant', async () => {
    const doc = refundDesk();
    let out!: Awaited<ReturnType<typeof call>>;
    const origins = await originsOf(doc, async () => {
      out = await call(doc, 'add_state', {
        name: 'ask_order_id',
        parent: 'open',
        initial: true,
        description: 'Ask first.',
      });
    });
    assert.equal(out.ok, true, out.effect);
    assert.deepEqual(new Set(origins), new Set([assistantOrigin]));
    assert.equal(out.result.path, 'open.ask_order_id');
    const open = spec(doc).machine.states.open;
    assert.equal(open.initial, 'ask_order_id');
    assert.equal(open.states.ask_order_id.description, 'Ask first.');
    assert.match(out.effect, /added state "open.ask_order_id" under "open" \(its initial state\)/);

    const final = await call(doc, 'add_state', { name: 'abandoned', type: 'final' });
    assert.equal(spec(doc).machine.states.abandoned.type, 'final');
    assert.equal(final.result.path, 'abandoned');
  });

  it('a refused call is an error result and changes nothing', async () => {
    const doc = refundDesk();
    const before = Y.encodeStateVector(doc);
    const cases: [string, unknown, RegExp][] = [
      ['add_state', { name: 'triage', parent: 'open' }, /already has a child "triage"/],
      ['add_state', { name: 'bad name' }, /state name "bad name" is not valid/],
      ['add_state', { name: 'x', parent: 'nowhere' }, /no state "nowhere"; states are: .*open\.reviewing/],
      ['add_state', { name: 'x', type: 'history' }, /"type" must be/],
      ['add_state', '{"name": "x"', /not JSON/],
      ['add_state', '[1, 2]', /one JSON object/],
      ['add_state', { name: 42 }, /"name" must be a non-empty string/],
      ['move_state', { state: 'open', parent: 'open.triage' }, /under itself or its own descendant/],
      ['move_state', { state: 'open.triage' }, /"parent" is required/],
      ['rename_state', { state: 'open.triage', name: 'reviewing' }, /already has a child "reviewing"/],
      ['add_transition', { source: 'open', event: 'GO' }, /"target" is required/],
      ['add_transition', { source: 'open', event: 'GO', target: 'nowhere' }, /no state "nowhere"/],
      [
        'add_transition',
        { source: 'open', event: 'bad event', target: 'denied' },
        /event "bad event" is not valid/,
      ],
      ['add_transition', { source: 'open', event: 'GO', target: null }, /no target needs actions/],
      ['delete_transition', { transition: 'nope' }, /no transition "nope"/],
      ['set_guard', { name: 'g', expression: '' }, /"expression" must be a non-empty string/],
      ['set_guard', { name: 'g', expression: 'true', transition: 'nope' }, /no transition "nope"/],
      ['set_action', { name: 'a', assign: {} }, /at least one field/],
      ['set_action', { name: 'a', assign: { n: 3 } }, /expression of "n" must be a non-empty string/],
      ['add_tasks', { tasks: [{ id: 't', instructions: 'x' }] }, /generates its tasks with a module/],
      ['add_tool', { name: 'lookup_order', description: 'd', event: 'X' }, /exists already/],
      [
        'add_tool',
        { name: 'x', description: 'd', event: 'X', parameters: { type: 'array' } },
        /type": "object"/,
      ],
      ['edit_tool', { tool: 'nope', name: 'x' }, /no tool "nope"; tools are: lookup_order/],
      ['edit_tool', { tool: 'reply' }, /at least one of/],
      ['read_run', { run: 'r9' }, /the tool failed: no run r9/],
      ['propose_version', { message: 'x'.repeat(201) }, /over 200 characters/],
      ['commit_version', {}, /no tool "commit_version"; the tools are: read_environment/],
    ];
    for (const [name, args, error] of cases) {
      const out = await call(doc, name, args);
      assert.equal(out.ok, false, `${name} ${JSON.stringify(args)} should fail`);
      assert.match(out.effect, error, name);
      assert.match(String(out.result.error), error);
    }
    assert.deepEqual(Y.encodeStateVector(doc), before, 'no refused call wrote anything');
  });

  it('rename, move and delete a state; transitions follow the renamed state', async () => {
    const doc = refundDesk();
    await call(doc, 'rename_state', { state: 'escalated', name: 'handed_over' });
    const s = spec(doc);
    assert.ok(s.machine.states.handed_over);
    assert.equal(s.machine.states.open.states.reviewing.on.ESCALATE[0].target, '#escalated');
    const moved = await call(doc, 'move_state', { state: 'handed_over', parent: 'open' });
    assert.equal(moved.result.path, 'open.handed_over');
    const id = moved.result.id as string;
    const deleted = await call(doc, 'delete_state', { state: id });
    assert.equal(deleted.ok, true, deleted.effect);
    assert.deepEqual(deleted.result.deletedStates, ['open.handed_over']);
    assert.equal(
      (deleted.result.deletedTransitions as string[]).length,
      1,
      'the transition into it went too',
    );
    assert.equal(spec(doc).machine.states.open.states.handed_over, undefined);
    assert.deepEqual(toSpec(doc).problems, []);
  });

  it('add a guarded transition with an action, then define both: the spec parses with them', async () => {
    const doc = refundDesk();
    await call(doc, 'add_state', { name: 'ask_order_id', parent: 'open' });
    const t = await call(doc, 'add_transition', {
      source: 'open.ask_order_id',
      event: 'SAY',
      target: 'open.triage',
      guard: 'askedForId',
      actions: ['markAsked'],
    });
    assert.equal(t.ok, true, t.effect);
    assert.deepEqual(t.result.notDefinedYet, ['guard "askedForId"', 'action "markAsked"']);
    assert.match(t.effect, /open.ask_order_id —SAY \[askedForId\] \/ markAsked→ open.triage/);
    const problems = await call(doc, 'read_problems', {});
    assert.match(
      JSON.stringify(problems.result.problems),
      /askedForId/,
      'the checker names the missing guard',
    );

    const g = await call(doc, 'set_guard', {
      name: 'askedForId',
      expression: "event.text.contains('order')",
    });
    assert.match(g.effect, /created guard "askedForId"/);
    const a = await call(doc, 'set_action', {
      name: 'markAsked',
      assign: { asked: 'true' },
      description: 'Asked.',
    });
    assert.match(a.effect, /created action "markAsked": asked = true/);
    const parsed = parseSpec(toSpec(doc).spec, filesOf(doc));
    const on = parsed.machine.states!.open!.states!.ask_order_id!.on as Loose;
    assert.deepEqual(on.SAY, [{ target: 'triage', guard: 'askedForId', actions: ['markAsked'] }]);
    assert.deepEqual(parsed.guards.askedForId, { expr: "event.text.contains('order')" });

    // Setting again edits the text in place; a transition argument puts the guard on it.
    const other = await call(doc, 'add_transition', {
      source: 'open.triage',
      event: 'SAY',
      target: 'open.ask_order_id',
    });
    await call(doc, 'set_guard', { name: 'askedForId', expression: 'true', transition: other.result.id });
    await call(doc, 'set_action', {
      name: 'markAsked',
      assign: { asked: 'false' },
      transition: other.result.id,
    });
    const again = parseSpec(toSpec(doc).spec, filesOf(doc));
    assert.equal(again.guards.askedForId?.expr, 'true');
    assert.deepEqual(again.actions.markAsked?.assign, { asked: 'false' });
    const triageSay = (again.machine.states!.open!.states!.triage!.on as Loose).SAY;
    assert.deepEqual(triageSay, [{ target: 'ask_order_id', guard: 'askedForId', actions: ['markAsked'] }]);

    const d = await call(doc, 'delete_transition', { transition: other.result.id });
    assert.equal(d.ok, true);
    assert.equal(
      (parseSpec(toSpec(doc).spec, filesOf(doc)).machine.states!.open!.states!.triage!.on as Loose).SAY,
      undefined,
    );
  });

  it('add_tasks adds many at once in one transaction; ids must be new', async () => {
    const doc = fromSpec(loadCatalog('tally').spec);
    const before = (spec(doc).tasks.list as unknown[]).length;
    const tasks = Array.from({ length: 20 }, (_, i) => ({
      id: `old-order-${i}`,
      instructions: `Order ${i} is ${31 + i} days old.`,
      data: { target: 10 + i },
      ...(i % 5 === 0 && { split: 'eval' }),
    }));
    let out!: Awaited<ReturnType<typeof call>>;
    const origins = await originsOf(doc, async () => {
      out = await call(doc, 'add_tasks', { tasks });
    });
    assert.deepEqual(origins, [assistantOrigin], 'one transaction');
    assert.equal(out.result.added, 20);
    const list = spec(doc).tasks.list as Record<string, unknown>[];
    assert.equal(list.length, before + 20);
    assert.deepEqual(list.at(-1), {
      id: 'old-order-19',
      instructions: 'Order 19 is 50 days old.',
      data: { target: 29 },
    });
    assert.equal(list[before]!.split, 'eval');
    parseSpec(toSpec(doc).spec);
    const dup = await call(doc, 'add_tasks', { tasks: [{ id: 'old-order-3', instructions: 'x' }] });
    assert.match(dup.effect, /"old-order-3" exists already/);
    const bad = await call(doc, 'add_tasks', { tasks: [{ id: 'z', instructions: 'x', colour: 'red' }] });
    assert.match(bad.effect, /tasks\[0\]: unknown field\(s\) colour/);
  });

  it('add_tool and edit_tool', async () => {
    const doc = refundDesk();
    const added = await call(doc, 'add_tool', {
      name: 'ask_order_id',
      description: 'Ask the customer for the order id.',
      event: 'ASK',
      parameters: { type: 'object', properties: { question: { type: 'string' } }, required: ['question'] },
    });
    assert.equal(added.ok, true, added.effect);
    const edited = await call(doc, 'edit_tool', {
      tool: 'ask_order_id',
      description: 'Ask for the id.',
      event: 'ASK_ID',
    });
    assert.match(edited.effect, /changed tool "ask_order_id": description, event/);
    const tool = (spec(doc).tools as Record<string, unknown>[]).at(-1);
    assert.deepEqual(tool, {
      name: 'ask_order_id',
      description: 'Ask for the id.',
      parameters: { type: 'object', properties: { question: { type: 'string' } }, required: ['question'] },
      event: 'ASK_ID',
    });
    await call(doc, 'edit_tool', { tool: added.result.id, name: 'ask_id' });
    assert.equal((spec(doc).tools as { name: string }[]).at(-1)?.name, 'ask_id');
  });

  it('runs and proposals: read through the host; a proposal is returned, never committed', async () => {
    const doc = refundDesk();
    const h = host(doc, {
      runs: async () => ({ runs: [{ id: 'r1', episodes: 8, successRate: 0.25 }] }),
      run: async (id) => ({ run: { id, successRate: { rate: 0.25 } } }),
    });
    const runs = await call(doc, 'list_runs', {}, h);
    assert.match(runs.effect, /runs \(1\)/);
    const run = await call(doc, 'read_run', { run: 'r1' }, h);
    assert.deepEqual(run.result, { run: { id: 'r1', successRate: { rate: 0.25 } } });
    const before = Y.encodeStateVector(doc);
    const p = await call(doc, 'propose_version', { message: 'Ask for the order id first' });
    assert.deepEqual(p.proposal, { message: 'Ask for the order id first' });
    assert.deepEqual(Y.encodeStateVector(doc), before);
  });
});
