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
 * - **first run**: a sandbox that already ran the snippet in an earlier episode (a rollout reuses
 *   one sandbox for many episodes, rewinding it at each reset as the kernel does), host `TZ` =
 *   Pacific/Chatham (+12:45, with daylight saving), and the host's `Date.now` moved about seven
 *   years ahead while the calls run;
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
  /** Module source (`snippet.js`); it exports `f`, called with `{ n: 3 }`. */
  src: string;
  /** Other files of the bundle, which the snippet may import. */
  files?: Record<string, string>;
  /** The export that earlier episodes call (default `f`): history that differs from the measured call. */
  earlier?: string;
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
 * Escapes through the sandbox's own history: state that code keeps outside the frozen realm —
 * in module scope, in objects made at load, in the allocator — and that an earlier episode in the
 * same sandbox would leave behind. The first run plays the snippet in two earlier episodes (so a
 * counter would read 3); the kernel rewinds the sandbox at each reset (image.ts), so it must read
 * what a fresh sandbox reads. `expect` pins the fresh value, so a rewind that restored nothing
 * but happened to match could not pass.
 */
const sandboxHistory: Snippet[] = [
  {
    name: 'a counter in module scope',
    why: 'a rollout reuses one sandbox for many episodes; a replay starts from a fresh one',
    src: `let n = 0;\n${fn('n += 1;\nreturn n;')}`,
    expect: 1,
  },
  {
    name: 'a cache in a module-level Map',
    why: 'as above, through a mutable object instead of a binding',
    src: `const seen = new Map();\n${fn('seen.set(seen.size, 1);\nreturn seen.size;')}`,
    expect: 1,
  },
  {
    name: 'an array made at load',
    why: 'an array the module fills as it runs: its length counts the calls so far',
    src: `const log = [];\n${fn("log.push('x');\nreturn log.join('');")}`,
    expect: 'x',
  },
  {
    name: 'state in a closure made at load',
    why: 'no binding of the module changes, only a variable the closure captured',
    src: `const next = (() => { let k = 10; return () => ++k; })();\n${fn('return next();')}`,
    expect: 11,
  },
  {
    name: 'state in an imported module',
    why: 'the counter lives in another file of the bundle, reached through an import',
    src: `import { bump } from './state.js';\n${fn('return bump();')}`,
    files: { 'state.js': 'let calls = 0;\nexport function bump() { return ++calls; }' },
    expect: 1,
  },
  {
    name: 'a property on an exported function',
    why: 'module functions are not intrinsics, so the freeze does not cover them',
    src: `${fn('f.calls = (f.calls || 0) + 1;\nreturn f.calls;')}`,
    expect: 1,
  },
  {
    name: 'a static field of a class made at load',
    why: 'class objects are made by the module, not frozen',
    src: `class Tally { static n = 0; }\n${fn('return ++Tally.n;')}`,
    expect: 1,
  },
  {
    name: 'a generator made at load',
    why: 'a suspended generator keeps its position between calls',
    src: `const ids = (function* () { let i = 0; for (;;) yield i++; })();\n${fn('return ids.next().value;')}`,
    expect: 0,
  },
  {
    name: 'a WeakMap keyed by an object made at load',
    why: 'weak collections hold state like any other (only their GC timing is hidden)',
    src: `const key = {};\nconst wm = new WeakMap([[key, 0]]);\n${fn('wm.set(key, wm.get(key) + 1);\nreturn wm.get(key);')}`,
    expect: 1,
  },
  {
    name: 'how much fits before a caught out-of-memory',
    why: 'QuickJS lets code catch "out of memory", and where it strikes depends on everything the allocator holds: here an earlier episode grew the atom table (20,000 new property names, which it never gives back), with no module state involved',
    src: `export function grow() {\n  const o = {};\n  for (let i = 0; i < 20000; i++) o['key' + i] = i;\n  return 0;\n}\n${fn(
      'const keep = [];\nlet n = 0;\ntry { for (;;) { keep.push(new Array(4096).fill(n)); n++; } } catch (e) { return [n, String(e)]; }',
    )}`,
    earlier: 'grow',
  },
  {
    name: 'an error stack through two modules',
    why: 'module names appear in stack traces; an instance-suffixed name would differ by history',
    src: `import { where } from './lib/where.js';\n${fn('return where();')}`,
    files: { 'lib/where.js': 'export function where() { return new Error("here").stack; }' },
    expect: '    at where (lib/where.js:1:43)\n    at f (snippet.js:3:1)\n    at call (prelude.js:27:19)\n',
  },
];

type Outcome = { value: unknown } | { refused: string };

function callOnce(s: Sandbox, name = 'f'): Outcome {
  try {
    return {
      value: s.call(`snippet.js#${name}`, { n: 3 }, new Prng(5).state, CLOCK, performance.now() + 2000),
    };
  } catch (e) {
    assert.ok(e instanceof SandboxError, `an untyped error escaped: ${e}`);
    assert.ok(typeof e.code === 'string' && e.code.length > 0, 'a SandboxError without a code');
    return { refused: e.code };
  }
}

async function create(snippet: Snippet): Promise<Sandbox> {
  return Sandbox.create({
    files: { 'snippet.js': snippet.src, ...snippet.files },
    memoryMb: 16,
    maxOutputBytes: 100_000,
  });
}

/** Runs `f` under a host time zone and a host clock moved by `shiftMs`, after `before` earlier episodes. */
async function runUnder(snippet: Snippet, tz: string, shiftMs: number, before: number): Promise<Outcome> {
  const savedTz = process.env.TZ;
  const hostNow = Date.now;
  process.env.TZ = tz;
  Date.now = () => hostNow() + shiftMs;
  let s: Sandbox | undefined;
  try {
    s = await create(snippet);
    for (let i = 0; i < before; i++) {
      callOnce(s, snippet.earlier);
      // As the kernel does at every reset: the next episode starts from the loaded modules.
      s.rewind();
      if (s.poisoned) {
        // Cannot be rewound (the host's stack overflowed): the kernel builds a new one.
        s.dispose();
        s = await create(snippet);
      }
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
const first = (snippet: Snippet, before = 1) => runUnder(snippet, 'Pacific/Chatham', SEVEN_YEARS_MS, before);
const replay = (snippet: Snippet) => runUnder(snippet, 'UTC', 0, 0);

test(`the escape corpus holds ${corpus.length} snippets, and ${sandboxHistory.length} more through the sandbox's history`, () => {
  assert.ok(corpus.length >= 25);
  const names = [...corpus, ...sandboxHistory].map((s) => s.name);
  assert.equal(new Set(names).size, names.length);
});

for (const snippet of corpus) {
  test(`escape: ${snippet.name} — same output under another TZ, host clock and history, or refused`, async () => {
    const a = await first(snippet);
    const b = await replay(snippet);
    assert.deepEqual(
      a,
      b,
      `${snippet.why}\nfirst run: ${JSON.stringify(a)}\nreplay:    ${JSON.stringify(b)}`,
    );
    if (snippet.refused !== undefined) assert.deepEqual(b, { refused: snippet.refused }, snippet.why);
    if (snippet.expect !== undefined) assert.deepEqual(b, { value: snippet.expect }, snippet.why);
  });
}

for (const snippet of sandboxHistory) {
  test(`escape: ${snippet.name} — same output after earlier episodes in the same sandbox`, async () => {
    const a = await first(snippet, 2);
    const b = await replay(snippet);
    assert.deepEqual(
      a,
      b,
      `${snippet.why}\nfirst run: ${JSON.stringify(a)}\nreplay:    ${JSON.stringify(b)}`,
    );
    if (snippet.expect !== undefined) assert.deepEqual(b, { value: snippet.expect }, snippet.why);
    else assert.ok('value' in b, `${snippet.why}: refused (${JSON.stringify(b)})`);
  });
}
