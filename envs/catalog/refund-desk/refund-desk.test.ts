import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Env, makeEnv } from '../../src/index.ts';
import { Prng } from '../../src/kernel/prng.ts';
import { taskIndices } from '../../src/kernel/tasks.ts';
import type { Action, StepResult, Task } from '../../src/kernel/types.ts';
import { loadCatalog } from '../index.ts';

type Order = { id: string; total: number; ageDays: number; status: string; item: string };
type TicketData = {
  orders: Record<string, Order>;
  orderId: string;
  cited: string;
  amount: number;
  expected: 'refund' | 'deny' | 'escalate';
  wrongId: boolean;
};

const source = loadCatalog('refund-desk');
let env: Env;
before(async () => {
  env = await makeEnv(source);
});
after(() => env.close());

/** The task the env is on (tests may look behind the curtain; agents only see the observation). */
function task(): Task & { data: TicketData } {
  return (env as unknown as { task: Task & { data: TicketData } }).task;
}

/** The policy, written again here so the generator's labels are checked against an independent reading. */
function policy(order: Order, amount: number): TicketData['expected'] {
  if (order.total > 500) return 'escalate';
  return order.status === 'delivered' && order.ageDays <= 30 && amount <= order.total ? 'refund' : 'deny';
}

const lookup = (orderId: string): Action => ({ tool: 'lookup_order', arguments: { orderId } });
const refund = (orderId: string, amount: number): Action => ({
  tool: 'issue_refund',
  arguments: { orderId, amount },
});
const deny = (orderId: string): Action => ({
  tool: 'deny_refund',
  arguments: { orderId, reason: 'not allowed by the refund policy' },
});
const escalate: Action = { tool: 'escalate', arguments: { reason: 'the order is over 500' } };

function play(actions: Action[]): { results: StepResult[]; micros: number } {
  const results: StepResult[] = [];
  let micros = 0;
  for (const a of actions) {
    const r = env.step(a);
    results.push(r);
    micros += r.info.rewardMicros;
    if (r.terminated || r.truncated) break;
  }
  return { results, micros };
}

function startTask(predicate: (d: TicketData) => boolean, from = 0): number {
  for (let i = from; i < 200; i++) {
    env.reset({ seed: 5, taskIndex: i });
    if (predicate(task().data)) return i;
  }
  throw new Error('no such task');
}

test('the spec loads with 200 generated tasks, 40 held out, and strict tool schemas', () => {
  assert.equal(source.spec.name, 'refund-desk');
  assert.equal(env.taskCount, 200);
  assert.equal(taskIndices(source.spec, 'eval').length, 40);
  assert.deepEqual(
    source.spec.tools.map((t) => t.name),
    ['lookup_order', 'issue_refund', 'deny_refund', 'escalate', 'reply'],
  );
  for (const t of source.spec.tools)
    assert.equal((t.parameters as { additionalProperties?: unknown }).additionalProperties, false, t.name);
  assert.deepEqual(source.spec.reward.bounds, { min: -1.12, max: 0.99 });
});

test('generated tickets are deterministic, labelled by the policy, and cover every outcome and a wrong id', () => {
  const seen = new Set<string>();
  let wrongIds = 0;
  for (let i = 0; i < 200; i++) {
    const r = env.reset({ seed: i, taskIndex: i });
    const d = task().data;
    const order = d.orders[d.orderId]!;
    assert.ok(order, `task ${i}: its order is on file`);
    assert.equal(d.expected, policy(order, d.amount), `task ${i}: label`);
    assert.ok(Object.keys(d.orders).length >= 2 && Object.keys(d.orders).length <= 4);
    assert.ok(r.observation.text.includes(`(orders on file: ${Object.keys(d.orders).join(', ')})`));
    assert.ok(r.observation.text.includes(d.cited), 'the message names the cited id');
    assert.ok(r.observation.text.includes('Policy:'));
    assert.doesNotMatch(JSON.stringify(r.observation), /expected|escalate"|scenario/);
    if (d.wrongId) {
      wrongIds++;
      assert.notEqual(d.cited, d.orderId);
      assert.equal(d.orders[d.cited], undefined, 'a wrong id is not on file');
    } else assert.equal(d.cited, d.orderId);
    seen.add(d.expected);
  }
  assert.deepEqual([...seen].sort(), ['deny', 'escalate', 'refund']);
  assert.ok(wrongIds >= 20 && wrongIds <= 60, `${wrongIds} wrong ids`);
  env.reset({ seed: 1, taskIndex: 17 });
  const a = structuredClone(task());
  env.reset({ seed: 99, taskIndex: 17 });
  assert.deepEqual(task(), a, 'task 17 does not depend on the episode seed');
});

test('a scripted correct agent reaches the right final state with the right reward on 30 tickets', () => {
  const finals: Record<string, string> = { refund: 'resolved', deny: 'denied', escalate: 'escalated' };
  for (const i of [...Array(20).keys(), ...taskIndices(source.spec, 'eval').slice(0, 10)]) {
    env.reset({ seed: 3, taskIndex: i });
    const d = task().data;
    const actions: Action[] = [lookup(d.cited)];
    if (d.wrongId) actions.push(lookup(d.orderId)); // the cited id is not on file: look up the real one
    actions.push({ tool: 'reply', arguments: { message: 'Thanks, I have checked your order.' } });
    actions.push(
      d.expected === 'refund'
        ? refund(d.orderId, d.amount)
        : d.expected === 'deny'
          ? deny(d.orderId)
          : escalate,
    );
    const { results, micros } = play(actions);
    const last = results.at(-1)!;
    assert.equal(results.length, actions.length, `task ${i} ended early`);
    assert.ok(last.terminated, `task ${i}`);
    assert.deepEqual(last.info.state, [finals[d.expected]!], `task ${i}`);
    assert.equal(micros, 1_000_000 - 10_000 * actions.length, `task ${i}`);
    assert.match(last.observation.text, /The ticket is closed\./);
  }
});

test('a lookup of an unknown id stays in triage with a note; a found order moves to reviewing', () => {
  startTask((d) => d.wrongId);
  const d = task().data;
  const r1 = env.step(lookup(d.cited));
  assert.deepEqual(r1.info.state, ['open', 'open.triage']);
  assert.equal(r1.reward, -0.01);
  assert.match(r1.observation.text, new RegExp(`Order ${d.cited}: no such order exists\\.`));
  assert.deepEqual(r1.observation.json.notFound, [d.cited]);
  const r2 = env.step(lookup('')); // schema-invalid: minLength 1
  assert.ok(r2.info.invalidAction);
  const r3 = env.step(lookup('zz-not-an-id'));
  assert.deepEqual(r3.info.state, ['open', 'open.triage']);
  const r4 = env.step(lookup(d.orderId));
  assert.deepEqual(r4.info.state, ['open', 'open.reviewing']);
  const o = d.orders[d.orderId]!;
  assert.ok(
    r4.observation.text.includes(
      `Order ${o.id}: ${o.item}, total paid ${o.total}, status ${o.status}, ordered ${o.ageDays} days ago.`,
    ),
  );
  const r5 = env.step(lookup(d.orderId)); // again: remembered once
  assert.equal((r5.observation.json.known as unknown[]).length, 1);
  const r6 = env.step({ text: 'One moment please.' });
  assert.deepEqual(r6.info.state, ['open', 'open.reviewing']);
  assert.deepEqual(r6.observation.json.replies, ['One moment please.']);
  assert.equal(r6.terminated, false);
});

test('ids that name JavaScript object properties are just unknown orders', () => {
  for (const id of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    env.reset({ seed: 0, taskIndex: 0 });
    const r = env.step(lookup(id));
    assert.deepEqual(r.info.state, ['open', 'open.triage'], id);
    assert.deepEqual(r.observation.json.known, [], id);
    assert.deepEqual(r.observation.json.notFound, [id], id);
    assert.deepEqual(env.step(refund(id, 1)).info.state, ['violated'], id);
  }
});

test('wrong decisions end in the wrong-outcome states with their rewards', () => {
  const cases: {
    name: string;
    pick: (d: TicketData) => boolean;
    act: (d: TicketData) => Action[];
    state: string;
    micros: number;
  }[] = [
    {
      name: 'refund without lookup',
      pick: (d) => d.expected === 'refund',
      act: (d) => [refund(d.orderId, d.amount)],
      state: 'violated',
      micros: -1_010_000,
    },
    {
      name: 'refund against policy',
      pick: (d) => d.expected === 'deny',
      act: (d) => [lookup(d.orderId), refund(d.orderId, d.amount)],
      state: 'violated',
      micros: -1_020_000,
    },
    {
      name: 'refund of a high-value order',
      pick: (d) => d.expected === 'escalate',
      act: (d) => [lookup(d.orderId), refund(d.orderId, d.amount)],
      state: 'violated',
      micros: -1_020_000,
    },
    {
      name: 'refund of another amount',
      pick: (d) => d.expected === 'refund' && d.amount > 2,
      act: (d) => [lookup(d.orderId), refund(d.orderId, d.amount - 1)],
      state: 'violated',
      micros: -1_020_000,
    },
    {
      name: 'refund of a cited id that does not exist',
      pick: (d) => d.wrongId,
      act: (d) => [lookup(d.cited), refund(d.cited, d.amount)],
      state: 'violated',
      micros: -1_020_000,
    },
    {
      name: 'denial of a valid refund',
      pick: (d) => d.expected === 'refund',
      act: (d) => [lookup(d.orderId), deny(d.orderId)],
      state: 'wrongly_denied',
      micros: -520_000,
    },
    {
      name: 'denial of a high-value order',
      pick: (d) => d.expected === 'escalate',
      act: (d) => [lookup(d.orderId), deny(d.orderId)],
      state: 'wrongly_denied',
      micros: -520_000,
    },
    {
      name: 'blind denial',
      pick: (d) => d.expected === 'deny',
      act: (d) => [deny(d.orderId)],
      state: 'wrongly_denied',
      micros: -510_000,
    },
    {
      name: 'denial of the wrong order',
      pick: (d) => d.expected === 'deny',
      act: (d) => [lookup(d.orderId), deny(Object.keys(d.orders).find((k) => k !== d.orderId)!)],
      state: 'wrongly_denied',
      micros: -520_000,
    },
    {
      name: 'needless escalation',
      pick: (d) => d.expected === 'refund',
      act: (d) => [lookup(d.orderId), escalate],
      state: 'needless_escalation',
      micros: -320_000,
    },
    {
      name: 'blind escalation',
      pick: (d) => d.expected === 'escalate',
      act: () => [escalate],
      state: 'needless_escalation',
      micros: -310_000,
    },
  ];
  for (const c of cases) {
    startTask(c.pick);
    const d = task().data;
    const { results, micros } = play(c.act(d));
    const last = results.at(-1)!;
    assert.ok(last.terminated, c.name);
    assert.deepEqual(last.info.state, [c.state], c.name);
    assert.equal(micros, c.micros, c.name);
  }
});

test('invalid tool calls give an error observation, cost the step penalty and do not end or move the episode', () => {
  startTask((d) => d.expected === 'refund');
  const d = task().data;
  env.step(lookup(d.orderId));
  const bad: Action[] = [
    { tool: 'issue_refund', arguments: { orderId: d.orderId } },
    { tool: 'issue_refund', arguments: { orderId: d.orderId, amount: -5 } },
    { tool: 'issue_refund', arguments: { orderId: d.orderId, amount: '12.00' } },
    { tool: 'deny_refund', arguments: { orderId: d.orderId, reason: 'no', extra: true } },
    { tool: 'escalate', arguments: {} },
    { tool: 'refund_everything', arguments: {} },
  ];
  for (const a of bad) {
    const r = env.step(a);
    assert.match(r.observation.text, /^Error: /, JSON.stringify(a));
    assert.ok(r.info.invalidAction, JSON.stringify(a));
    assert.ok(r.observation.json.error);
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, false);
    assert.equal(r.reward, -0.01);
    assert.deepEqual(r.info.state, ['open', 'open.reviewing']);
  }
  const ok = env.step(refund(d.orderId, d.amount));
  assert.deepEqual(ok.info.state, ['resolved']);
});

test('an undecided ticket is truncated after 12 steps', () => {
  env.reset({ seed: 0, taskIndex: 0 });
  let r: StepResult | undefined;
  for (let i = 0; i < 12; i++)
    r = env.step({ tool: 'reply', arguments: { message: `still looking (${i})` } });
  assert.equal(r!.truncated, true);
  assert.equal(r!.terminated, false);
  assert.throws(() => env.step(lookup('A-1000')), /after the episode ended/);
});

/** A random agent: mostly well-formed calls with plausible ids and amounts, some malformed ones. */
function randomAction(rng: Prng, d: TicketData): Action {
  const ids = [...Object.keys(d.orders), d.cited, 'A-0000'];
  const id = ids[rng.int(ids.length)]!;
  const amounts = [d.amount, d.orders[d.orderId]!.total, rng.int(2000) + 0.5];
  switch (rng.int(7)) {
    case 0:
    case 1:
      return lookup(id);
    case 2:
      return refund(id, amounts[rng.int(3)]!);
    case 3:
      return deny(id);
    case 4:
      return rng.int(3) === 0 ? escalate : { tool: 'reply', arguments: { message: 'ok' } };
    case 5:
      return { text: 'hello' };
    default:
      return rng.int(2) === 0
        ? { tool: 'issue_refund', arguments: { orderId: id } }
        : { tool: 'nope', arguments: {} };
  }
}

test('the same seed and actions give the same episode', () => {
  const run = () => {
    const rng = new Prng(42);
    const out: unknown[] = [env.reset({ seed: 11, taskIndex: 123 })];
    const d = task().data;
    for (let i = 0; i < 12; i++) {
      const r = env.step(randomAction(rng, d));
      out.push(r);
      if (r.terminated || r.truncated) break;
    }
    return out;
  };
  assert.deepEqual(run(), run());
});

test('returns of random agents stay within the declared bounds over 50 episodes', () => {
  const { min, max } = source.spec.reward.bounds!;
  const rng = new Prng(2026);
  const finals = new Set<string>();
  for (let ep = 0; ep < 50; ep++) {
    env.reset({ seed: ep, taskIndex: rng.int(200) });
    const d = task().data;
    let micros = 0;
    for (;;) {
      const r = env.step(randomAction(rng, d));
      micros += r.info.rewardMicros;
      assert.ok(r.reward >= min && r.reward <= max, `step reward ${r.reward}`);
      if (r.terminated || r.truncated) {
        finals.add(r.info.state.join(' '));
        break;
      }
    }
    assert.ok(micros >= min * 1e6 && micros <= max * 1e6, `episode ${ep}: return ${micros / 1e6}`);
  }
  assert.ok(finals.size >= 3, `random play reached ${[...finals].join(', ')}`);
});
