import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createMachine, initialTransition, transition } from 'xstate';
import { matchesEventDescriptor } from './events.ts';
import type { StateNodeSpec } from './schema.ts';
import { resolveStateTarget, targetIssues } from './targets.ts';

/** Nested, parallel, an explicit id, a key with a dot in it: every way XState resolves a target. */
function fixture(rootId?: string): StateNodeSpec {
  return {
    ...(rootId ? { id: rootId } : {}),
    initial: 'a',
    states: {
      a: { initial: 'x', states: { x: {}, y: { id: 'why' }, 'd.ot': {} } },
      b: { type: 'parallel', states: { p: { initial: 'q', states: { q: {} } }, r: {} } },
      c: { type: 'final' },
    },
  };
}
const SOURCES = ['', 'a', 'a.x', 'a.y', 'b', 'b.p', 'b.p.q', 'b.r', 'c'];
const TOKENS = ['a', 'b', 'c', 'x', 'y', 'p', 'q', 'r', 'd\\.ot', 'nope', '#why', '#top', '#(machine)', ''];

/** Puts `GO: target` on the state at `source` and asks XState what it resolves to. */
function xstateResolves(machine: StateNodeSpec, source: string, target: string): string | Error {
  const config = structuredClone(machine) as StateNodeSpec;
  let node = config;
  if (source !== '')
    for (const key of ['a.d.ot'].includes(source) ? ['a', 'd.ot'] : source.split('.'))
      node = node.states![key]!;
  node.on = { GO: { target } };
  try {
    const m = createMachine(config as never);
    let sn = m.root;
    if (source !== '') for (const key of source.split('.')) sn = sn.states[key]!;
    const t = sn.transitions.get('GO')![0]!.target;
    return t === undefined ? 'targetless' : t[0]!.id;
  } catch (e) {
    return e as Error;
  }
}

test('targets resolve exactly as XState v5 resolves them (property, against XState itself)', () => {
  const target = fc
    .tuple(
      fc.constantFrom('', '.', '#'),
      fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 3 }),
    )
    .map(([lead, parts]) => {
      const joined = parts.join('.');
      return lead === '#' && joined.startsWith('#') ? joined : lead + joined;
    });
  fc.assert(
    fc.property(
      fc.constantFrom(undefined, 'top'),
      fc.constantFrom(...SOURCES),
      target,
      (rootId, source, t) => {
        const machine = fixture(rootId);
        const theirs = xstateResolves(machine, source, t);
        const ours = resolveStateTarget(machine, source, t);
        if (theirs instanceof Error)
          assert.ok('error' in ours, `XState refuses "${t}" from "${source}": ${theirs.message}`);
        else if (theirs === 'targetless') assert.deepEqual(ours, { targetless: true });
        else assert.deepEqual(ours, { id: theirs }, `"${t}" from "${source}"`);
      },
    ),
    { numRuns: 600, seed: 11 },
  );
});

test('a missing target is reported at its own path, with the states it could have meant', () => {
  const machine = fixture();
  machine.states!.a!.states!.x!.on = { GO: [{ target: 'y' }, { target: ['y', 'zz'] }], BACK: 'c' };
  machine.states!.a!.always = { target: '.nope' };
  const issues = targetIssues(machine);
  assert.deepEqual(issues.map((i) => i.path).sort(), [
    '$.machine.states.a.always.target',
    '$.machine.states.a.states.x.on.BACK',
    '$.machine.states.a.states.x.on.GO[1].target[1]',
  ]);
  const back = issues.find((i) => i.path.endsWith('on.BACK'))!;
  assert.match(
    back.message,
    /no state "c" to go to from "a\.x": "a" has no child state "c" \(its children: x, y, d\.ot\)/,
  );
  assert.match(back.hint!, /a sibling by key \("y", "d\.ot"\)/);
  assert.match(back.hint!, /#why/);
  assert.match(back.hint!, /the states are: a, a\.x, a\.y, a\.d\.ot, b, b\.p, b\.p\.q, b\.r, c/);
});

test('XState own agreement on the root: a bare target there is an error XState raises too', () => {
  const machine = fixture();
  machine.on = { GO: 'a' };
  assert.ok(xstateResolves(machine, '', 'a') instanceof Error);
  assert.deepEqual(
    targetIssues(machine).map((i) => i.path),
    ['$.machine.on.GO'],
  );
});

test('event descriptors match as in XState: exact, *, and partial wildcards', () => {
  const cases: [string, string, boolean][] = [
    ['GO', 'GO', true],
    ['GO', '*', true],
    ['feedback.good', 'feedback.*', true],
    ['feedback', 'feedback.*', true],
    ['feedbacks', 'feedback.*', false],
    ['a.b.c', 'a.*', true],
    ['a.b.c', 'a.*.c', false],
    ['GO', 'G*', false],
  ];
  for (const [event, descriptor, expected] of cases) {
    assert.equal(matchesEventDescriptor(event, descriptor), expected, `${event} vs ${descriptor}`);
    // The same verdict from XState: an actor in a state with only that descriptor moves or not.
    const m = createMachine({
      initial: 'idle',
      states: { idle: { on: { [descriptor]: 'moved' } }, moved: {} },
    });
    const [next] = transition(m, initialTransition(m)[0], { type: event });
    assert.equal(next.value === 'moved', expected, `XState: ${event} vs ${descriptor}`);
  }
});
