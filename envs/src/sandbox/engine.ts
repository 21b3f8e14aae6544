import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSWASMModule,
  RELEASE_SYNC,
} from 'quickjs-emscripten';
import { SandboxError } from '../errors.ts';

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
 * Two more imports would let the host or the past shape the memory, and so where code runs out of
 * it (which QuickJS lets code catch): they are pinned so that a sandbox's memory is the same bytes
 * on every host and after every history (image.ts).
 *
 * - The process environment: Emscripten hands the C library one built from the host (`LANG` from
 *   the host's locale, `_` = the script's path), and musl copies it into the heap on first use;
 *   its lengths would shift every later allocation. The sandbox gets an empty environment.
 * - Heap growth (`emscripten_resize_heap`): the glue grows by a share of the current size and
 *   gives up when that passes the maximum, so near the maximum an allocation failed or not by
 *   the size earlier episodes had grown the memory to. It grows to exactly what is asked for now
 *   (`resizeExact`), and fails only past the maximum.
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
 * escape.test.ts checks the result). Its other imports (stdout, the host callbacks of
 * quickjs-emscripten) reach nothing of the language.
 */

const PAGE_BYTES = 65_536;
/** The glue's own maximum (32768 pages). */
const MAX_MEMORY_BYTES = 2 ** 31;

/** A logical epoch for `Date` inside the sandbox: 2000-01-01T00:00:00Z. */
export const SANDBOX_EPOCH_MS = 946_684_800_000;

// Every QuickJS instance of a thread calls the same clock import, so the clock is module state
// here. It is never read across calls: `Sandbox.call` sets it before every call (and
// `Sandbox.create` before making its context), so calls of several sandboxes in one thread, in
// any order, each see their own time.
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

/** `environ_sizes_get(count, size)`: an empty environment. */
function environSizesEmpty(memory: WebAssembly.Memory) {
  return (count: number, size: number): number => {
    const heap = new Uint32Array(memory.buffer);
    heap[count >>> 2] = 0;
    heap[size >>> 2] = 0;
    return 0;
  };
}

/**
 * `emscripten_resize_heap(bytes)`, made a function of the request and the cap alone. The glue's
 * own grows the memory by 20 %, 10 % or 5 % of its current size and fails when all three pass the
 * cap, even if the request fits: so near the cap, whether an allocation succeeded depended on how
 * large earlier episodes had left the memory (it never shrinks). Here the memory grows to exactly
 * the pages asked for, and the request fails only if it passes the cap. The glue's function then
 * runs to refresh its views of the memory (its own growth is zero pages by then).
 */
function resizeExact(memory: WebAssembly.Memory, glue: (bytes: number) => unknown, maxBytes: number) {
  return (requested: number): unknown => {
    const bytes = requested >>> 0;
    if (bytes > maxBytes) return false;
    const pages = Math.ceil(bytes / PAGE_BYTES) - memory.buffer.byteLength / PAGE_BYTES;
    if (pages > 0)
      try {
        memory.grow(pages);
      } catch {
        return false; // the host could not give the memory: a host failure, not a limit
      }
    return glue(requested);
  };
}

/** Rewrites the glue's imports in place (returns its memory); throws if they are not the ones this file knows. */
function pinHost(imports: WebAssembly.Imports, maxBytes: number): WebAssembly.Memory {
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
      } else if (/for\s*\(\s*\w+\s+of\s+\w+\(\)\s*\)/.test(src) && /Infinity/.test(src)) {
        table[name] = () => 0; // environ_get: nothing to copy, the environment is empty
        found.push('environ');
      } else if (/=\s*\w+\(\);\s*\w+\[\w+\s*>>\s*2\]\s*=\s*\w+\.length/.test(src)) {
        table[name] = environSizesEmpty(memory);
        found.push('environ sizes');
      } else if (/\.grow\(/.test(src) && /2147483648/.test(src)) {
        table[name] = resizeExact(memory, value as (bytes: number) => unknown, maxBytes);
        found.push('heap growth');
      } else if (/\bDate\b|performance|hrtime/.test(src)) unknown.push(`${module}.${name}`);
    }
  }
  const want = ['clock', 'environ', 'environ sizes', 'heap growth', 'localtime', 'timer', 'tzset'];
  if (unknown.length > 0 || found.sort().join() !== want.join())
    throw new Error(
      `the QuickJS glue's time, environment and memory imports are not the ones the sandbox pins (found ${found.join(', ') || 'none'}; ` +
        `unknown ${unknown.join(', ') || 'none'}): update envs/src/sandbox/engine.ts for this quickjs-emscripten version`,
    );
  return memory;
}

/** Where the QuickJS WebAssembly comes from: its bytes, a compiled module, or a URL to fetch. */
export type QuickJSWasm = BufferSource | WebAssembly.Module | URL | string;

let wasmSource: QuickJSWasm | undefined;

/**
 * Says where this thread loads QuickJS's WebAssembly from (`@jitl/quickjs-wasmfile-release-sync/wasm`,
 * about 500 KB), before the first sandbox is made. Node needs no call: it reads the file the package
 * ships. A browser page or Web Worker must call it (a URL its server serves, or the bytes), since a
 * bundle cannot know where its host put the file.
 *
 * @example
 * setQuickJSWasm(new URL('/quickjs.wasm', location.href)); // in the worker, before makeEnv
 */
export function setQuickJSWasm(source: QuickJSWasm): void {
  if (compiled)
    throw new SandboxError('WASM_ALREADY_LOADED', 'QuickJS is already loaded in this thread', {
      hint: 'call setQuickJSWasm before the first environment with modules is made',
    });
  wasmSource = source;
}

/**
 * The file the package ships, read where the host can read files (Node). Through
 * `process.getBuiltinModule` rather than an import, so that the core imports no Node module and
 * bundles for a browser, where this path is never taken (no `process`: setQuickJSWasm is required).
 */
function shippedWasm(): BufferSource {
  const host = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = host?.getBuiltinModule?.('node:fs') as
    | { readFileSync(path: URL): Uint8Array<ArrayBuffer> }
    | undefined;
  if (!fs)
    throw new SandboxError(
      'NO_QUICKJS_WASM',
      'this host cannot read the QuickJS WebAssembly file by itself',
      {
        hint: "call setQuickJSWasm(url or bytes) in this thread first (serve @jitl/quickjs-wasmfile-release-sync's dist/emscripten-module.wasm)",
      },
    );
  return fs.readFileSync(new URL(import.meta.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')));
}

async function wasmModule(): Promise<WebAssembly.Module> {
  const source = wasmSource ?? shippedWasm();
  if (typeof source === 'string' || source instanceof URL) {
    const res = await fetch(source);
    if (!res.ok)
      throw new SandboxError(
        'NO_QUICKJS_WASM',
        `could not fetch the QuickJS WebAssembly from ${source}: HTTP ${res.status}`,
        { hint: 'serve dist/emscripten-module.wasm of @jitl/quickjs-wasmfile-release-sync at that URL' },
      );
    return WebAssembly.compile(await res.arrayBuffer());
  }
  // (Checked by class after the URL: WebAssembly.Module has no members, so TypeScript narrows by it loosely.)
  if (source instanceof WebAssembly.Module) return source;
  return WebAssembly.compile(source as BufferSource);
}

// Compiled once per thread: every instance shares the machine code (and V8's tier-up of it, which
// made the first out-of-memory in a process cost about 1.5 s), and only its memory is its own.
let compiled: Promise<WebAssembly.Module> | undefined;
const compiledQuickJS = () => {
  compiled ??= wasmModule().catch((e) => {
    compiled = undefined; // a failed load (a bad URL, say) may be retried after setQuickJSWasm
    throw e;
  });
  return compiled;
};

/** The pinned variant; `onMemory` receives the instance's memory (`memory` if given, else the glue's own). */
function pinnedVariant(
  module: WebAssembly.Module,
  onMemory: (memory: WebAssembly.Memory) => void,
  memory?: WebAssembly.Memory,
  maxBytes = MAX_MEMORY_BYTES,
) {
  return newVariant(RELEASE_SYNC, {
    emscriptenModule: {
      ...(memory ? { wasmMemory: memory } : {}),
      // The module is compiled before the glue runs (a failed load rejects then): the glue does
      // not pass on a rejection of this hook, so a load failing in here would hang its caller.
      async instantiateWasm(imports, onSuccess) {
        onMemory(pinHost(imports, maxBytes));
        const instance = await WebAssembly.instantiate(module, imports);
        onSuccess(instance);
        return instance.exports;
      },
    },
  });
}

let quickjs: Promise<QuickJSWASMModule> | undefined;
/**
 * The QuickJS WebAssembly module with the host's time pinned (see above), loaded once per thread.
 * Its memory is shared by everything that uses it; a `Sandbox` takes its own (`newQuickJSInstance`).
 *
 * @example
 * const qjs = await loadQuickJS();
 * const vm = qjs.newContext();
 * vm.dump(vm.unwrapResult(vm.evalCode('new Date(2000, 0, 1).getTimezoneOffset()'))); // 0, under any TZ
 */
export function loadQuickJS(): Promise<QuickJSWASMModule> {
  quickjs ??= compiledQuickJS()
    .then((module) => newQuickJSWASMModuleFromVariant(pinnedVariant(module, () => {})))
    .catch((e) => {
      quickjs = undefined; // not loaded: the next call tries again (after setQuickJSWasm, say)
      throw e;
    });
  return quickjs;
}

/** A QuickJS instance of its own: the pinned module, and the WebAssembly memory that nothing else uses. */
export interface QuickJSInstance {
  qjs: QuickJSWASMModule;
  memory: WebAssembly.Memory;
}

/** What the glue starts with (its static data, a 5 MB stack and the first heap): 256 pages. */
const INITIAL_MEMORY_BYTES = 16 * 1024 * 1024;

/**
 * A new QuickJS instance with a memory of its own (about 1 ms once the module is compiled): a
 * sandbox can then save its memory right after loading and put those bytes back before each
 * episode (`MemoryImage`), which a memory shared with other sandboxes would not allow.
 *
 * `maxBytes` caps the memory (at least the 16 MB the glue starts with, at most its 2 GB). QuickJS's own limit
 * (`setMemoryLimit`) does not count everything: an ArrayBuffer bomb under a 1 MB limit grew the
 * memory to its 2 GB maximum (and kept it, touched, for the process's life) before QuickJS
 * reported out-of-memory. The cap ends that at `maxBytes` with the same error.
 *
 * @example
 * const { qjs, memory } = await newQuickJSInstance({ maxBytes: 64 << 20 });
 * const vm = qjs.newContext(); // lives in `memory`, and only it does
 */
export async function newQuickJSInstance(options: { maxBytes?: number } = {}): Promise<QuickJSInstance> {
  const pages = (bytes: number) => Math.ceil(bytes / PAGE_BYTES);
  const initial = pages(INITIAL_MEMORY_BYTES);
  const maximum =
    options.maxBytes === undefined
      ? undefined
      : Math.min(pages(MAX_MEMORY_BYTES), Math.max(initial, pages(options.maxBytes)));
  const own = maximum === undefined ? undefined : new WebAssembly.Memory({ initial, maximum });
  let memory: WebAssembly.Memory | undefined;
  const qjs = await newQuickJSWASMModuleFromVariant(
    pinnedVariant(
      await compiledQuickJS(),
      (m) => {
        memory = m;
      },
      own,
      maximum === undefined ? MAX_MEMORY_BYTES : maximum * PAGE_BYTES,
    ),
  );
  if (!memory) throw new Error('the QuickJS glue did not pass its memory to instantiateWasm');
  return { qjs, memory };
}
