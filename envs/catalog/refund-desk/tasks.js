// Seeded ticket generator: `generate({ index, count })` → one refund ticket. Math.random is the
// kernel's generator seeded by the task index, so ticket 17 is the same everywhere.
import { decide, ESCALATE_OVER, money, WINDOW_DAYS } from './policy.js';

const FIRST = [
  'Dana',
  'Lucas',
  'Amara',
  'Kenji',
  'Sofia',
  'Tomas',
  'Priya',
  'Owen',
  'Mei',
  'Jonah',
  'Leila',
  'Marco',
  'Nadia',
  'Felix',
  'Ines',
  'Ravi',
];
const LAST = [
  'Reyes',
  'Okafor',
  'Lindqvist',
  'Tanaka',
  'Moreau',
  'Novak',
  'Sharma',
  'Byrne',
  'Chen',
  'Haddad',
  'Costa',
  'Kowalski',
];

// [item, lowest price, highest price]
const ITEMS = [
  ['wireless earbuds', 29, 149],
  ['phone case', 9, 39],
  ['desk lamp', 19, 89],
  ['yoga mat', 15, 69],
  ['coffee grinder', 35, 180],
  ['running shoes', 45, 190],
  ['backpack', 30, 140],
  ['blender', 40, 220],
  ['winter jacket', 60, 320],
  ['mechanical keyboard', 55, 260],
  ['smartwatch', 120, 450],
  ['air fryer', 60, 240],
  ['board game', 18, 75],
  ['cast-iron pan', 25, 110],
  ['hiking boots', 70, 280],
  ['electric toothbrush', 25, 160],
];
const PRICEY = [
  ['laptop', 650, 2400],
  ['espresso machine', 520, 1400],
  ['4K television', 560, 2200],
  ['road bike', 700, 3200],
  ['smartphone', 540, 1500],
  ['robot vacuum', 510, 1100],
];
const CENTS = [0.99, 0.49, 0.95, 0.89, 0.25, 0.75, 0.59];
const WHY = [
  'It arrived damaged.',
  'It does not work as described.',
  'I changed my mind about it.',
  'It is not what I ordered.',
  'It stopped working after a week.',
];

const rnd = (n) => Math.floor(Math.random() * n);
const pick = (xs) => xs[rnd(xs.length)];
const between = (lo, hi) => lo + rnd(hi - lo + 1);
const round2 = (x) => Math.round(x * 100) / 100;
const price = (lo, hi) => round2(between(lo, hi - 1) + pick(CENTS));

// Scenario → how likely (out of 100).
const SCENARIOS = [
  ['refund', 34],
  ['late', 14],
  ['undelivered', 12],
  ['over', 14],
  ['high', 16],
  ['partial', 10],
];
function scenario() {
  let r = rnd(100);
  for (const [name, w] of SCENARIOS) {
    if (r < w) return name;
    r -= w;
  }
  return 'refund';
}

function newId(taken) {
  for (;;) {
    const id = `${pick(['A', 'B', 'C'])}-${between(1000, 9999)}`;
    if (!taken.has(id)) {
      taken.add(id);
      return id;
    }
  }
}

/** An id the customer might type by mistake: two digits swapped or one digit changed, never on file. */
function typo(id, taken) {
  const digits = id.slice(2).split('');
  for (let tries = 0; tries < 50; tries++) {
    const d = digits.slice();
    const i = rnd(3);
    if (rnd(2) === 0 && d[i] !== d[i + 1]) [d[i], d[i + 1]] = [d[i + 1], d[i]];
    else d[i + 1] = String((Number(d[i + 1]) + 1 + rnd(9)) % 10);
    const t = `${id.slice(0, 2)}${d.join('')}`;
    if (!taken.has(t) && t !== id) return t;
  }
  return `${id}9`;
}

function targetOrder(kind, id, usedItems) {
  const [item, lo, hi] = kind === 'high' ? pick(PRICEY) : pick(ITEMS.filter((it) => !usedItems.has(it[0])));
  usedItems.add(item);
  const total = price(lo, hi);
  const order = { id, total, ageDays: between(1, WINDOW_DAYS), status: 'delivered', item };
  if (rnd(8) === 0) order.ageDays = WINDOW_DAYS; // the edge of the window is still inside it
  let amount = total;
  switch (kind) {
    case 'partial':
      amount = round2(Math.max(5, Math.floor(total * (0.2 + Math.random() * 0.6))));
      break;
    case 'late':
      order.ageDays = rnd(4) === 0 ? WINDOW_DAYS + 1 : between(WINDOW_DAYS + 2, 150);
      break;
    case 'undelivered':
      order.status = pick(['shipped', 'processing']);
      order.ageDays = between(1, 14);
      break;
    case 'over':
      amount = round2(total + pick([5, 9.99, 15, 25, 40, Math.ceil(total * 0.5)]));
      break;
    case 'high':
      if (rnd(4) === 0) order.ageDays = between(WINDOW_DAYS + 1, 90);
      break;
  }
  return { order, amount };
}

function message(kind, cited, order, amount) {
  const a = money(amount);
  switch (kind) {
    case 'undelivered':
      return pick([
        `My ${order.item} (order ${cited}) never showed up. Please refund the ${a} I paid.`,
        `Order ${cited}, a ${order.item}, still hasn't arrived. I want my ${a} back now.`,
      ]);
    case 'over':
      return pick([
        `Please refund ${a} for order ${cited} (the ${order.item}). That covers the price plus my trouble and the shipping.`,
        `I want ${a} back for the ${order.item}, order ${cited}. ${pick(WHY)}`,
      ]);
    case 'partial':
      return `Part of my ${order.item} order (${cited}) was missing. Could you refund ${a} for the missing part?`;
    default:
      return pick([
        `Hi, I'd like a refund of ${a} for order ${cited} (${order.item}). ${pick(WHY)}`,
        `Order ${cited}: the ${order.item}. ${pick(WHY)} Please refund ${a}.`,
        `Hello! Could I get ${a} back on my order ${cited}? It's the ${order.item}. ${pick(WHY)}`,
      ]);
  }
}

export const POLICY =
  'You work the refund desk of an online shop. Policy: ' +
  '(1) Look up the order before any decision. ' +
  `(2) Orders with a total over ${ESCALATE_OVER} are never refunded at the desk: escalate them. ` +
  `(3) Otherwise refund only delivered orders at most ${WINDOW_DAYS} days old, exactly the amount the customer asks for, and only if it is at most the amount paid. ` +
  '(4) Otherwise deny the refund with a reason. ' +
  'Your first refund, denial or escalation closes the ticket.';

export function generate({ index }) {
  const kind = scenario();
  const wrongId = rnd(5) === 0;
  const taken = new Set();
  const usedItems = new Set();
  const id = newId(taken);
  const { order, amount } = targetOrder(kind, id, usedItems);
  const orders = { [id]: order };
  const others = between(1, 3);
  for (let k = 0; k < others; k++) {
    const oid = newId(taken);
    const [item, lo, hi] =
      rnd(6) === 0
        ? pick(PRICEY.filter((it) => !usedItems.has(it[0])))
        : pick(ITEMS.filter((it) => !usedItems.has(it[0])));
    usedItems.add(item);
    orders[oid] = {
      id: oid,
      total: price(lo, hi),
      ageDays: between(1, 200),
      status: pick(['delivered', 'delivered', 'delivered', 'shipped', 'returned']),
      item,
    };
  }
  // Orders on file, sorted by id so the target's position tells nothing.
  const sorted = Object.keys(orders).sort();
  const byId = {};
  for (const k of sorted) byId[k] = orders[k];
  const cited = wrongId ? typo(id, taken) : id;
  const customer = `${pick(FIRST)} ${pick(LAST)}`;
  const expected = decide(order, amount);
  const ticket = 4100 + index;
  return {
    id: `ticket-${ticket}`,
    instructions: `${POLICY}\n\nTicket #${ticket} from ${customer} (orders on file: ${sorted.join(', ')}):\n"${message(kind, cited, order, amount)}"`,
    data: { customer, orders: byId, orderId: id, cited, amount, expected, scenario: kind, wrongId },
  };
}
