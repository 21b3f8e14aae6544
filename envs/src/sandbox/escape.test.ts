import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SandboxError } from '../errors.ts';
import { Prng } from '../kernel/prng.ts';
import { SANDBOX_EPOCH_MS, Sandbox } from './sandbox.ts';

/**
 * The determinism-escape corpus: environment code that tries to make an episode depend on
 * something other than (seed, actions). Each snippet is a module whose `f` runs through the real
 * `Sandbox` twice, the way an episode is first run and later replayed:
 *
 * - **first run**: a sandbox that already ran the snippet once (a rollout reuses one sandbox for
 *   many episodes), host `TZ` = Pacific/Chatham (+12:45, with daylight saving), and the host's
 *   `Date.now` moved about seven years ahead while the calls run;
 * - **replay**: a fresh sandbox, host `TZ` = UTC, the host's real clock.
 *
 * Both runs must give the same output, or both must be refused with a typed `SandboxError`
 * carrying a code. Where the right answer is known (`expect`, `refused`), it is asserted too, so a
 * snippet that is deterministic only by accident (say, by reading the same wrong clock twice)
 * still fails.
 */
interface Snippet {
  name: string;
  /** Why this was (or plausibly could be) an escape. */
  why: string;
  /** Module source; it exports `f`, called with `{ n: 3 }`. */
  src: string;
  /** The output both runs must give. */
  expect?: unknown;
  /** The SandboxError code both runs must be refused with. */
  refused?: string;
}

/** What `Date.now()` must read inside: the logical clock the kernel passes (here step 7). */
const CLOCK = SANDBOX_EPOCH_MS + 7000;
const fn = (body: string) => `export function f(arg) {\n${body}\n}`;

const corpus: Snippet[] = [
  // ── time ──────────────────────────────────────────────────────────────────────────────────
  {
    name: 'real Date through Date.prototype.constructor',
    why: 'the prototype of the logical Date was QuickJS’s own Date, which reads the host clock',
    src: fn('return new (Date.prototype.constructor)().getTime();'),
    expect: CLOCK,
  },
  {
    name: 'real Date through the prototype of an instance',
    why: 'the same constructor, reached without naming Date.prototype',
    src: fn('return new (Object.getPrototypeOf(new Date(0)).constructor)().getTime();'),
    expect: CLOCK,
  },
  {
    name: 'real Date through Reflect.construct with a foreign new.target',
    why: 'constructs the intrinsic Date without calling the global binding',
    src: fn(
      'const R = Date.prototype.constructor;\nreturn [Date.prototype.getTime.call(Reflect.construct(R, [], Object)), Reflect.construct(Date, []).getTime()];',
    ),
    expect: [CLOCK, CLOCK],
  },
  {
    name: 'Date in a subclass',
    why: 'super() reaches the intrinsic constructor with a new new.target',
    src: fn(
      'class D extends Date {}\nconst d = new D();\nreturn [d.getTime(), d instanceof Date, d instanceof D];',
    ),
    expect: [CLOCK, true, true],
  },
  {
    name: 'Date through Function and indirect eval',
    why: 'code built at run time sees the realm’s globals, not the module’s',
    src: fn(
      "return [Function('return new Date().getTime()')(), (0, eval)('Date.now()'), Function('return this')().Date.now()];",
    ),
    expect: [CLOCK, CLOCK, CLOCK],
  },
  {
    name: 'Date() called as a function',
    why: 'returns the current time as a local-time string',
    src: fn('return Date();'),
    expect: 'Sat Jan 01 2000 00:00:07 GMT+0000',
  },
  {
    name: 'a busy-wait on the intrinsic clock',
    why: 'counts loop turns until the real clock ticks: a measure of host speed',
    src: fn(
      'const R = Date.prototype.constructor;\nconst t0 = +new R();\nlet n = 0;\nwhile (+new R() === t0 && n < 20000) n++;\nreturn n;',
    ),
    expect: 20000,
  },
  {
    name: 'local-time getters',
    why: 'QuickJS asks the host for the local time zone (getHours, getTimezoneOffset …)',
    src: fn(
      'const d = new Date(0);\nreturn [d.getHours(), d.getMinutes(), d.getDate(), d.getDay(), d.getMonth(), d.getFullYear(), d.getTimezoneOffset()];',
    ),
    expect: [0, 0, 1, 4, 0, 1970, 0],
  },
  {
    name: 'local-time setters',
    why: 'setHours/setDate interpret their arguments in the host’s zone',
    src: fn('const d = new Date(0);\nd.setHours(5, 30);\nd.setDate(15);\nreturn d.toISOString();'),
    expect: '1970-01-15T05:30:00.000Z',
  },
  {
    name: 'the multi-argument Date constructor',
    why: 'new Date(y, m, d, h) is local time, and a daylight-saving gap shifts it',
    src: fn('return [new Date(2000, 0, 1).getTime(), new Date(2021, 8, 26, 2, 30).toISOString()];'),
    expect: [946684800000, '2021-09-26T02:30:00.000Z'],
  },
  {
    name: 'Date.parse of a string without a zone',
    why: 'an ISO date-time without Z, and the legacy formats, are read as host local time',
    src: fn(
      "return [Date.parse('2000-01-01T00:00:00'), Date.parse('2000-01-01'), new Date('Jan 1 2000 10:00').getTime(), Date.parse('2000-01-01T00:00:00Z')];",
    ),
    expect: [946684800000, 946684800000, 946720800000, 946684800000],
  },
  {
    name: 'string forms of a date',
    why: 'toString, toDateString, toTimeString and string coercion print local time and the zone',
    src: fn(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: sandbox source, with a template literal in it
      'const d = new Date(0);\nreturn [d.toString(), d.toDateString(), d.toTimeString(), String(d), `${d}`, d + 1];',
    ),
    expect: [
      'Thu Jan 01 1970 00:00:00 GMT+0000',
      'Thu Jan 01 1970',
      '00:00:00 GMT+0000',
      'Thu Jan 01 1970 00:00:00 GMT+0000',
      'Thu Jan 01 1970 00:00:00 GMT+0000',
      'Thu Jan 01 1970 00:00:00 GMT+00001',
    ],
  },
  {
    name: 'toLocale*String of a date',
    why: 'locale formatting of a date uses the host zone',
    src: fn(
      'const d = new Date(0);\nreturn [d.toLocaleString(), d.toLocaleDateString(), d.toLocaleTimeString()];',
    ),
  },
  {
    name: 'host timing and scheduling APIs',
    why: 'Intl, performance, timers, queueMicrotask and the QuickJS std/os objects all read or wait on real time',
    src: fn(
      "return ['Intl', 'performance', 'setTimeout', 'setInterval', 'queueMicrotask', 'process', 'std', 'os', 'console', 'print', 'scriptArgs', 'crypto', 'WeakRef', 'FinalizationRegistry', 'SharedArrayBuffer', 'Atomics'].filter((k) => typeof globalThis[k] !== 'undefined');",
    ),
    expect: ['SharedArrayBuffer'],
  },
  {
    name: 'a Promise job that reads the clock',
    why: 'async jobs run (if ever) at a time the host chooses, outside the call',
    src: fn('let seen = 0;\nPromise.resolve().then(() => { seen = Date.now(); });\nreturn seen;'),
    refused: 'ASYNC',
  },
  {
    name: 'an async function that awaits',
    why: 'the code after await would run (if ever) outside the call, at a time the host chooses',
    src: fn('return (async () => { await null; return Date.now(); })();'),
    refused: 'ASYNC',
  },
  {
    name: 'an async function that returns at once',
    why: 'its result is a Promise, which JSON would silently turn into {}',
    src: fn('return (async () => Date.now())();'),
    refused: 'NON_JSON',
  },
  // ── randomness ────────────────────────────────────────────────────────────────────────────
  {
    name: 'Math.random draws',
    why: 'QuickJS seeds its own Math.random from the host clock',
    src: fn('return [Math.random(), Math.random(), Math.random()];'),
  },
  {
    name: 'a shuffle by a random comparator',
    why: 'sort order depends on the generator and on the sort algorithm',
    src: fn('return [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].sort(() => Math.random() - 0.5);'),
  },
  {
    name: 'replacing Math.random',
    why: 'a replaced generator would survive into the next episode in the same sandbox',
    src: fn('Math.random = () => 0.5;\nreturn Math.random();'),
    refused: 'EXCEPTION',
  },
  {
    name: 'GC-observable weak references',
    why: 'whether a WeakRef target is still alive depends on the heap’s history',
    src: fn(
      'const a = {}; const b = { a }; a.b = b;\nconst w = new WeakRef(b);\nfor (let i = 0; i < 2000; i++) ({ x: [i] });\nreturn w.deref() === undefined;',
    ),
    refused: 'EXCEPTION',
  },
  // ── host state carried between calls ─────────────────────────────────────────────────────
  {
    name: 'a counter on the global object',
    why: 'a global written in one episode would be read in the next',
    src: fn('globalThis.counter = (globalThis.counter || 0) + 1;\nreturn globalThis.counter;'),
    refused: 'EXCEPTION',
  },
  {
    name: 'a counter on %IteratorPrototype%',
    why: 'an intrinsic left unfrozen carries state from one call to the next',
    src: fn(
      'const IP = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));\nIP.count = (IP.count || 0) + 1;\nreturn IP.count;',
    ),
    refused: 'EXCEPTION',
  },
  {
    name: 'a counter on the generator prototype',
    why: 'intrinsics reachable only through syntax (function*, async function) are easy to forget',
    src: fn(
      'const GP = Object.getPrototypeOf(function* () {}).prototype;\nGP.count = (GP.count || 0) + 1;\nreturn GP.count;',
    ),
    refused: 'EXCEPTION',
  },
  {
    name: 'a counter on the async-function prototype',
    why: 'as above, for %AsyncFunction.prototype%',
    src: fn(
      'const AP = Object.getPrototypeOf(async function () {});\nAP.count = (AP.count || 0) + 1;\nreturn AP.count;',
    ),
    refused: 'EXCEPTION',
  },
  {
    name: 'a counter on a method of a frozen intrinsic',
    why: 'freezing a prototype does not freeze the functions it holds',
    src: fn('const m = Array.prototype.map;\nm.count = (m.count || 0) + 1;\nreturn m.count;'),
    refused: 'EXCEPTION',
  },
  {
    name: 'the global names',
    why: 'nothing of the host (process, require, fetch) and nothing of the bridge is in the realm',
    src: fn(
      'return Object.getOwnPropertyNames(globalThis).filter((k) => /^(__|process|require|fetch|module|exports|Buffer|global$)/.test(k));',
    ),
    expect: [],
  },
  // ── the bridge between host and sandbox ───────────────────────────────────────────────────
  {
    name: 'the bridge functions by name',
    why: '__call and __register were globals',
    src: fn("return [typeof __call, typeof __register, 'globalThis.__call: ' + typeof globalThis.__call];"),
    expect: ['undefined', 'undefined', 'globalThis.__call: undefined'],
  },
  {
    name: 'resetting the generator and the clock through __call',
    why: 'a module could rewind Math.random and set Date.now mid-episode',
    src: `export function g() { return null; }\n${fn(
      "if (typeof __call === 'function') __call('snippet.js#g', JSON.stringify({ a: null, r: [0, 0, 0, 1], c: 0 }));\nreturn Date.now();",
    )}`,
    expect: CLOCK,
  },
  {
    name: 'replacing an exported function through __register',
    why: 'a later call of the same reference would run the replacement',
    src: fn(
      "if (typeof __register === 'function') __register('snippet.js', { f: () => 'hijacked' });\nreturn 'honest';",
    ),
    expect: 'honest',
  },
  {
    name: 'the bridge through the call stack',
    why: 'a sloppy function may try arguments.callee.caller to reach the function that called it',
    src: fn(
      "try { return String(Function('return arguments.callee.caller')()); } catch (e) { return e.name; }",
    ),
  },
  {
    name: 'the bridge through an error stack',
    why: 'a stack trace names the host’s frames; it must be the same every time',
    src: fn('return new Error().stack;'),
  },
  // ── evaluation order ──────────────────────────────────────────────────────────────────────
  {
    name: 'the order of object keys',
    why: 'integer-like keys, insertion order, symbols, for-in over a prototype chain',
    src: fn(
      "const o = { b: 1, a: 2, 10: 0, 2: 0, '-1': 0, [Symbol('s')]: 0, '01': 0 };\nconst c = Object.create(o); c.z = 1; c[1] = 1;\nconst forIn = []; for (const k in c) forIn.push(k);\nreturn [Object.keys(o), Reflect.ownKeys(o).map(String), forIn, JSON.stringify({ z: 1, y: { b: 1, a: 2 } }), [...new Map([[3, 1], [1, 1], [2, 1]]).keys()]];",
    ),
  },
  {
    name: 'a sort with ties and an inconsistent comparator',
    why: 'stability and the algorithm decide the order',
    src: fn(
      'const xs = Array.from({ length: 40 }, (_, i) => ({ k: i % 3, i }));\nconst stable = xs.slice().sort((a, b) => a.k - b.k).map((x) => x.i);\nconst odd = xs.slice().sort((a, b) => ((a.i * 7 + b.i) % 5) - 2).map((x) => x.i);\nreturn [stable, odd];',
    ),
  },
  // ── floating point and text ───────────────────────────────────────────────────────────────
  {
    name: 'printing floating-point numbers',
    why: 'shortest round-trip printing, exponent thresholds, toFixed/toPrecision rounding, -0',
    src: fn(
      'return [String(0.1 + 0.2), (1e21).toString(), (1e-7).toString(), (123.456).toFixed(10), (1.005).toFixed(2), (0.1).toFixed(20), (0.000001234).toPrecision(2), (123456).toPrecision(2), (5e-324).toExponential(), String(-0), (-0).toFixed(2), Object.is(-0 * 1, -0), JSON.stringify([-0]), (2 ** 53 + 1).toString(), (255).toString(36), (0.5).toString(2), Number.MAX_VALUE.toString(), (1 / 3).toString()];',
    ),
  },
  {
    name: 'transcendental functions',
    why: 'Math.sin/exp/pow may come from the host’s libm in other builds',
    src: fn(
      'return [Math.sin(1e300), Math.exp(1), Math.pow(2, 0.5), Math.tan(1.5707963267948966), Math.log1p(1e-20), Math.cbrt(27), Math.atan2(1, 3), Math.hypot(3, 4, 5), Math.fround(0.1), Math.expm1(1e-10), Math.cosh(10)].map(String);',
    ),
  },
  {
    name: 'locale-sensitive text',
    why: 'toLocaleUpperCase, localeCompare and number formatting follow the host locale where Intl exists',
    src: fn(
      "return ['i'.toLocaleUpperCase('tr'), 'a'.localeCompare('B'), (1234567.891).toLocaleString(), [1.5, 2].toLocaleString(), 'ß'.toUpperCase(), 'é'.normalize('NFD').length, /\\p{Lu}/u.test('É')];",
    ),
  },
];

/**
 * Escapes through the sandbox's own history, which the sandbox alone cannot close (see the note at
 * the end): one sandbox serves every episode of an Env (and every sub-env of a VectorEnv).
 */
const sandboxHistory: Snippet[] = [
  {
    name: 'a counter in module scope',
    why: 'a rollout reuses one sandbox for many episodes; a replay starts from a fresh one',
    src: `let n = 0;\n${fn('n += 1;\nreturn n;')}`,
  },
  {
    name: 'a cache in a module-level Map',
    why: 'as above, through a mutable object instead of a binding',
    src: `const seen = new Map();\n${fn('seen.set(seen.size, 1);\nreturn seen.size;')}`,
  },
];

type Outcome = { value: unknown } | { refused: string };

function callOnce(s: Sandbox): Outcome {
  try {
    return { value: s.call('snippet.js#f', { n: 3 }, new Prng(5).state, CLOCK, performance.now() + 2000) };
  } catch (e) {
    assert.ok(e instanceof SandboxError, `an untyped error escaped: ${e}`);
    assert.ok(typeof e.code === 'string' && e.code.length > 0, 'a SandboxError without a code');
    return { refused: e.code };
  }
}

async function create(src: string): Promise<Sandbox> {
  return Sandbox.create({ files: { 'snippet.js': src }, memoryMb: 16, maxOutputBytes: 100_000 });
}

/** Runs `f` under a host time zone and a host clock moved by `shiftMs`, after `before` earlier calls. */
async function runUnder(src: string, tz: string, shiftMs: number, before: number): Promise<Outcome> {
  const savedTz = process.env.TZ;
  const hostNow = Date.now;
  process.env.TZ = tz;
  Date.now = () => hostNow() + shiftMs;
  let s: Sandbox | undefined;
  try {
    s = await create(src);
    for (let i = 0; i < before; i++)
      if ('refused' in callOnce(s) && s.poisoned) {
        // As the kernel does after a poisoned sandbox: a fresh one for the next episode.
        s.dispose();
        s = await create(src);
      }
    return callOnce(s);
  } finally {
    s?.dispose();
    Date.now = hostNow;
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  }
}

const SEVEN_YEARS_MS = 7 * 365.25 * 86_400_000 + 12_345;
const first = (src: string) => runUnder(src, 'Pacific/Chatham', SEVEN_YEARS_MS, 1);
const replay = (src: string) => runUnder(src, 'UTC', 0, 0);

test(`the escape corpus holds ${corpus.length} snippets`, () => {
  assert.ok(corpus.length >= 25);
  assert.equal(new Set(corpus.map((s) => s.name)).size, corpus.length);
});

for (const snippet of corpus) {
  test(`escape: ${snippet.name} — same output under another TZ, host clock and history, or refused`, async () => {
    const a = await first(snippet.src);
    const b = await replay(snippet.src);
    assert.deepEqual(
      a,
      b,
      `${snippet.why}\nfirst run: ${JSON.stringify(a)}\nreplay:    ${JSON.stringify(b)}`,
    );
    if (snippet.refused !== undefined) assert.deepEqual(b, { refused: snippet.refused }, snippet.why);
    if (snippet.expect !== undefined) assert.deepEqual(b, { value: snippet.expect }, snippet.why);
  });
}

// Not closed by the sandbox alone: state kept in a module's own scope survives from one call to
// the next, and one sandbox serves many episodes. So does a subtler channel: QuickJS's
// out-of-memory error is catchable (its deadline interrupt is not), and how much fits before it
// depends on what earlier calls left in the runtime; a grown atom table moved a count of
// allocations by one in an 8 MB sandbox, too small and layout-dependent to pin in a test. The fix
// for both is a fresh sandbox (QuickJS runtime) per episode in the kernel; until then
// `palestra check` catches them by comparing an episode run after others with the same episode
// run first in a fresh process.
for (const snippet of sandboxHistory) {
  test(`escape: ${snippet.name} — same output after earlier episodes in the same sandbox`, {
    todo: 'depends on the sandbox history: needs a fresh sandbox per episode in the kernel',
  }, async () => {
    assert.deepEqual(await first(snippet.src), await replay(snippet.src), snippet.why);
  });
}
