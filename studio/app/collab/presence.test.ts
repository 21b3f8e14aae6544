import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { colourFor, initialPresence, PRESENCE_COLOURS, parsePresence, peersOf } from './presence.ts';

/** WCAG 2's relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};

test('a member has one colour, the same on every call, and it is one of the palette', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1 }), (id) => {
      const colour = colourFor(id);
      assert.ok((PRESENCE_COLOURS as readonly string[]).includes(colour));
      assert.equal(colourFor(id), colour);
    }),
  );
  // Against FNV-1a written out again: a change of hash would recolour everyone between versions.
  assert.deepEqual(
    ['owner', 'a', 'b'].map(colourFor),
    ['owner', 'a', 'b'].map((id) => PRESENCE_COLOURS[fnv(id) % PRESENCE_COLOURS.length]),
  );
});

/** FNV-1a, written out here as the reference for `colourFor`. */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

test('members spread over the palette: 200 ids use every colour', () => {
  const used = new Set(Array.from({ length: 200 }, (_, i) => colourFor(`member-${i}`)));
  assert.equal(used.size, PRESENCE_COLOURS.length);
});

test('every colour carries white name tags at 4.5:1 (so it also stands out on the light canvas)', () => {
  for (const colour of PRESENCE_COLOURS) {
    assert.ok(contrast(colour, '#ffffff') >= 4.5, `${colour} on white text: ${contrast(colour, '#ffffff')}`);
  }
});

test('the awareness state a page sets has the shape peers parse back', () => {
  const state = initialPresence({ id: 'owner', name: 'owner' });
  assert.deepEqual(state, {
    user: { id: 'owner', name: 'owner', colour: colourFor('owner') },
    cursor: null,
    selection: null,
    field: null,
  });
  const moved = {
    ...state,
    cursor: { x: 1.5, y: -3 },
    selection: '1-2',
    field: { state: '1-2', field: 'name' },
  };
  assert.deepEqual(parsePresence(JSON.parse(JSON.stringify(moved))), moved);
});

test('a malformed awareness state is left out, and odd fields are dropped rather than drawn', () => {
  const user = { id: 'a', name: 'Ann', colour: colourFor('a') };
  for (const bad of [
    null,
    'x',
    {},
    { user: { id: 'a', name: 'Ann' } },
    { user: { ...user, colour: 'red' } },
    { user: { ...user, colour: '#ffffff' } },
    { user: { ...user, name: '' } },
    { user: { ...user, name: 'x'.repeat(201) } },
  ])
    assert.equal(parsePresence(bad), undefined, JSON.stringify(bad));
  assert.deepEqual(
    parsePresence({ user, cursor: { x: 'a', y: 1 }, selection: 7, field: { state: 's', field: 'guard' } }),
    { user, cursor: null, selection: null, field: null },
  );
  assert.deepEqual(parsePresence({ user, cursor: { x: Number.NaN, y: 1 } })?.cursor, null);
});

test('peers: everyone valid but this browser, sorted by name then client id', () => {
  const as = (id: string, name: string) => ({ ...initialPresence({ id, name }) });
  const states = new Map<number, unknown>([
    [5, as('b', 'Bea')],
    [1, as('me', 'Me')],
    [9, as('a', 'Ann')],
    [3, as('a', 'Ann')],
    [4, { hostile: true }],
  ]);
  assert.deepEqual(
    peersOf(states, 1).map((p) => [p.user.name, p.clientId]),
    [
      ['Ann', 3],
      ['Ann', 9],
      ['Bea', 5],
    ],
  );
});

test("the label of the field a colleague types in is read from the expression editors' `editing`", () => {
  const user = { id: 'a', name: 'Ann', colour: colourFor('a') };
  const base = { user, cursor: null, selection: null, field: null };
  assert.equal(
    parsePresence({ ...base, editing: { key: 'guard:paid', label: 'the guard paid' } })?.editingLabel,
    'the guard paid',
  );
  assert.equal(
    parsePresence({ ...base, editing: { key: 'k', label: 'x'.repeat(201) } })?.editingLabel,
    undefined,
  );
  assert.equal(parsePresence({ ...base, editing: 'guard' })?.editingLabel, undefined);
});
