import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSWASMModule,
  RELEASE_SYNC,
} from 'quickjs-emscripten';

/**
 * QuickJS as the sandbox loads it: the quickjs-emscripten 0.32 release build, with the three
 * places where the WebAssembly module asks its JavaScript host for the time answered by us
 * instead of by the host:
 *
 * - the clock (`emscripten_date_now`, behind `Date.now()` and `new Date()`) reads the logical
 *   clock that `Sandbox.call` sets for each call, never the host's;
 * - local time (`localtime_r`, behind `getHours`, `getTimezoneOffset`, `toString`, the
 *   multi-argument `Date` constructor, `Date.parse` of a string without a zone, `toLocale*String`)
 *   is UTC, whatever the host's `TZ`;
 * - `tzset` reports UTC with no daylight saving; the interval timer import never schedules.
 *
 * So there is no path from environment code to real time or to the host's time zone to close one
 * by one: the engine has no such input. (QuickJS has no Intl, no `performance`, no timers, and the
 * sandbox never runs its job queue; see `Sandbox`.) Why here and not by wrapping `Date` inside the
 * realm: a wrapper must find every path to the intrinsic — `Date.prototype.constructor`,
 * `Reflect.construct`, subclassing, `Function`, every local-time method — and a path it misses
 * is an escape; the engine's own clock and zone cannot be missed.
 *
 * UTC rather than refusing local-time calls with an error: `toString`, `new Date(y, m, d)` and
 * `getHours` are ordinary code, and UTC gives them one meaning on every host at no cost; a refusal
 * would have to catch each of those methods (the path-by-path game again) and would break modules
 * that never meant to depend on a zone. The logical clock moves one second per step (the kernel
 * passes it), starting at `SANDBOX_EPOCH_MS`.
 *
 * The context keeps QuickJS's default intrinsics (`newContext({ intrinsics })` could drop Date,
 * eval or Promise): with the clock and zone pinned, `Date`, `eval` and `Function` reach nothing of
 * the host, and dropping them would break ordinary code for no gain. Promise jobs are refused per
 * call instead (see `Sandbox`).
 *
 * The emscripten glue's imports are found by what their source does (they are minified), and
 * loading fails loudly if a quickjs-emscripten upgrade changes them (the escape corpus in
 * escape.test.ts checks the result). Its other imports (memory growth, stdout, environment
 * variables, the host callbacks of quickjs-emscripten) reach nothing of the language.
 */

/** A logical epoch for `Date` inside the sandbox: 2000-01-01T00:00:00Z. */
export const SANDBOX_EPOCH_MS = 946_684_800_000;

// One WebAssembly instance per process (per worker thread) serves every sandbox, and it has one
// clock import, so the clock is module state here. It is never read across calls: `Sandbox.call`
// sets it before every call (and `Sandbox.create` before loading modules), so calls of several
// sandboxes in one thread, in any order, each see their own time.
let clockMs = SANDBOX_EPOCH_MS;

/** Sets what `Date.now()` reads inside every sandbox of this thread until the next call sets it. */
export function setSandboxClock(ms: number): void {
  clockMs = ms;
}

/** The glue's `Date` for pure UTC arithmetic only (no zone, no clock), kept before anyone can swap it. */
const HostDate = Date;

/** `_localtime_js(time, tm)`: fills a musl `struct tm` (wasm32) for `time` in UTC. */
function localtimeUtc(memory: WebAssembly.Memory) {
  return (time: bigint | number, tm: number): void => {
    const t = Number(time);
    const d = new HostDate(Number.isSafeInteger(t) ? t * 1000 : Number.NaN);
    const y = d.getUTCFullYear();
    const heap = new Int32Array(memory.buffer, tm, 10);
    heap[0] = d.getUTCSeconds();
    heap[1] = d.getUTCMinutes();
    heap[2] = d.getUTCHours();
    heap[3] = d.getUTCDate();
    heap[4] = d.getUTCMonth();
    heap[5] = y - 1900;
    heap[6] = d.getUTCDay();
    heap[7] = (HostDate.UTC(y, d.getUTCMonth(), d.getUTCDate()) - HostDate.UTC(y, 0, 1)) / 86_400_000;
    heap[8] = 0; // tm_isdst
    heap[9] = 0; // tm_gmtoff: what QuickJS's getTimezoneOffset reads
  };
}

/** `_tzset_js(timezone, daylight, std_name, dst_name)`: UTC, no daylight saving. */
function tzsetUtc(memory: WebAssembly.Memory) {
  return (timezone: number, daylight: number, stdName: number, dstName: number): void => {
    new Int32Array(memory.buffer, timezone, 1)[0] = 0;
    new Int32Array(memory.buffer, daylight, 1)[0] = 0;
    for (const at of [stdName, dstName]) new Uint8Array(memory.buffer, at, 4).set([85, 84, 67, 0]); // "UTC\0"
  };
}

/** Rewrites the glue's imports in place; throws if they are not the ones this file knows. */
function pinHost(imports: WebAssembly.Imports): void {
  const found: string[] = [];
  const unknown: string[] = [];
  let memory: WebAssembly.Memory | undefined;
  for (const ns of Object.values(imports))
    for (const v of Object.values(ns)) if (v instanceof WebAssembly.Memory) memory = v;
  if (!memory) throw new Error('the QuickJS glue passes no memory import');
  for (const [module, ns] of Object.entries(imports)) {
    const table = ns as Record<string, WebAssembly.ImportValue>;
    for (const [name, value] of Object.entries(table)) {
      if (typeof value !== 'function') continue;
      const src = Function.prototype.toString.call(value);
      if (/getTimezoneOffset/.test(src) && /getSeconds/.test(src)) {
        table[name] = localtimeUtc(memory);
        found.push('localtime');
      } else if (/getTimezoneOffset/.test(src)) {
        table[name] = tzsetUtc(memory);
        found.push('tzset');
      } else if (/Date\.now\(\)/.test(src)) {
        table[name] = () => clockMs;
        found.push('clock');
      } else if (/setTimeout/.test(src)) {
        table[name] = () => 0; // setitimer: QuickJS never arms one; if it did, no alarm would fire
        found.push('timer');
      } else if (/\bDate\b|performance|hrtime/.test(src)) unknown.push(`${module}.${name}`);
    }
  }
  const want = ['clock', 'localtime', 'timer', 'tzset'];
  if (unknown.length > 0 || found.sort().join() !== want.join())
    throw new Error(
      `the QuickJS glue's time imports are not the ones the sandbox pins (found ${found.join(', ') || 'none'}; ` +
        `unknown ${unknown.join(', ') || 'none'}): update envs/src/sandbox/engine.ts for this quickjs-emscripten version`,
    );
}

async function wasmBytes(): Promise<BufferSource> {
  const url = new URL(import.meta.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch ${url}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

const PINNED = newVariant(RELEASE_SYNC, {
  emscriptenModule: {
    async instantiateWasm(imports, onSuccess) {
      pinHost(imports);
      const { instance } = await WebAssembly.instantiate(await wasmBytes(), imports);
      onSuccess(instance);
      return instance.exports;
    },
  },
});

let quickjs: Promise<QuickJSWASMModule> | undefined;
/**
 * The QuickJS WebAssembly module with the host's time pinned (see above), loaded once per thread.
 *
 * @example
 * const qjs = await loadQuickJS();
 * const vm = qjs.newContext();
 * vm.dump(vm.unwrapResult(vm.evalCode('new Date(2000, 0, 1).getTimezoneOffset()'))); // 0, under any TZ
 */
export function loadQuickJS(): Promise<QuickJSWASMModule> {
  quickjs ??= newQuickJSWASMModuleFromVariant(PINNED);
  return quickjs;
}
