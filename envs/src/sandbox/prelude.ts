import { sfc32Next } from '../kernel/prng.ts';

/**
 * The first code every sandbox realm runs, before any environment module. It
 *
 * - makes `Math.random` the episode's seeded generator (its state travels with each call);
 * - removes `WeakRef` and `FinalizationRegistry`, the only globals that let code observe the
 *   garbage collector, whose timing depends on everything the sandbox ran before;
 * - builds the bridge — `register(file, namespace)` and `call(ref, inputJson)` — and hands it to
 *   the host as the script's completion value: it is never a global, nor reachable from any
 *   object environment code can reach, so code cannot call it (to rewind the generator, say) or
 *   register functions under another module's name;
 * - freezes every object reachable from the global object and from the intrinsics that only
 *   syntax reaches (generator, async and iterator prototypes), so no call can leave state in the
 *   realm for a later call, or pollute a prototype.
 *
 * `Date` needs nothing here: the engine itself has only the logical clock and UTC (engine.ts).
 * Errors meant for the host start with their code (`NON_JSON: …`); `Sandbox` turns them into
 * `SandboxError`s.
 */
export const PRELUDE = (maxOutputBytes: number) => `(function () {
  'use strict';
  const rngState = [0, 0, 0, 0];
  const next = ${sfc32Next.toString()};
  Math.random = function random() { return next(rngState) / 4294967296; };
  delete globalThis.WeakRef;
  delete globalThis.FinalizationRegistry;

  const fns = Object.create(null);
  function replacer(key, value) {
    const t = typeof value;
    if (t === 'function' || t === 'symbol' || t === 'bigint' || (t === 'undefined' && key !== ''))
      throw new TypeError('NON_JSON: returned a ' + t + (key ? ' at key "' + key + '"' : '') + '; only JSON values can leave the sandbox');
    if (t === 'number' && !isFinite(value)) throw new TypeError('NON_JSON: returned ' + value + (key ? ' at key "' + key + '"' : '') + '; JSON has no NaN or Infinity');
    return value;
  }
  function register(file, ns) {
    const names = [];
    for (const k of Object.keys(ns)) if (typeof ns[k] === 'function') { fns[file + '#' + k] = ns[k]; names.push(k); }
    return names.join(',');
  }
  function call(ref, input) {
    const req = JSON.parse(input);
    rngState[0] = req.r[0]; rngState[1] = req.r[1]; rngState[2] = req.r[2]; rngState[3] = req.r[3];
    const fn = fns[ref];
    if (fn === undefined) throw new ReferenceError('NO_SUCH_FUNCTION: ' + ref + ' is not an exported function');
    const out = fn(req.a);
    if (out instanceof Promise) throw new TypeError('NON_JSON: returned a Promise; environment code is synchronous (an async function never finishes here)');
    const json = JSON.stringify({ v: out === undefined ? null : out, r: rngState }, replacer);
    if (json === undefined) throw new TypeError('NON_JSON: the return value is not JSON');
    if (json.length > ${maxOutputBytes}) throw new RangeError('OUTPUT_TOO_LARGE: ' + json.length + ' bytes returned, the limit is ${maxOutputBytes}');
    return json;
  }

  // QuickJS's native Array.prototype.fill loops in C without polling the interrupt handler; on an
  // array that fell back to the slow path under memory pressure it ran for seconds past the deadline.
  // A JS loop polls the deadline on every iteration.
  Object.defineProperty(Array.prototype, 'fill', { writable: true, configurable: true, value: function fill(value, start, end) {
    const len = this.length >>> 0;
    let k = start === undefined ? 0 : Math.trunc(start) || 0;
    k = k < 0 ? Math.max(len + k, 0) : Math.min(k, len);
    let last = end === undefined ? len : Math.trunc(end) || 0;
    last = last < 0 ? Math.max(len + last, 0) : Math.min(last, len);
    for (; k < last; k++) this[k] = value;
    return this;
  } });

  // Deep freeze. Intrinsics that no global names, reached only through syntax or results:
  const proto = Object.getPrototypeOf;
  const hidden = [
    proto(function* () {}), proto(async function () {}), proto(async function* () {}),
    proto([][Symbol.iterator]()), proto(new Map()[Symbol.iterator]()), proto(new Set()[Symbol.iterator]()),
    proto(''[Symbol.iterator]()), proto(/a/[Symbol.matchAll]('a')),
    Reflect.getOwnPropertyDescriptor(function () { return arguments; }(), 'callee').get,
  ];
  if (typeof Iterator === 'function') {
    hidden.push(proto([].values().map((x) => x)));
    hidden.push(proto(Iterator.from({ next() { return { done: true }; } })));
  }
  // Breadth-first over own properties (data values, getters, setters) and prototypes. About 570
  // objects; plain indexed loops because this runs for every new sandbox.
  const seen = new Set();
  const todo = [globalThis, ...hidden];
  for (const o of todo) seen.add(o);
  const keysOf = Reflect.ownKeys;
  const descriptor = Reflect.getOwnPropertyDescriptor;
  const visit = (v) => {
    if (((typeof v === 'object' && v !== null) || typeof v === 'function') && !seen.has(v)) {
      seen.add(v);
      todo.push(v);
    }
  };
  for (let i = 0; i < todo.length; i++) {
    const o = todo[i];
    Object.freeze(o);
    const keys = keysOf(o);
    for (let j = 0; j < keys.length; j++) {
      const d = descriptor(o, keys[j]);
      if ('value' in d) visit(d.value);
      else {
        visit(d.get);
        visit(d.set);
      }
    }
    visit(proto(o));
  }
  return [register, call];
})();`;
