import {
  newQuickJSWASMModule,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSWASMModule,
  RELEASE_SYNC,
} from 'quickjs-emscripten';
import { SandboxError } from '../errors.ts';
import { sfc32Next } from '../kernel/prng.ts';

/**
 * Environment code runs here: QuickJS compiled to WebAssembly, one runtime per sandbox, with a
 * memory limit, a wall-clock deadline per call (a resource limit, never an input), a stack limit
 * and no host access. Only JSON crosses, as strings. Inside, `Math.random` draws from the
 * episode's seeded generator (its state travels with each call) and `Date` is a logical clock.
 * The realm's intrinsics and the global object are frozen before any environment code loads, so
 * code cannot pollute prototypes or replace the dispatcher between calls.
 *
 * Failures surface as `SandboxError` with code DEADLINE, MEMORY, STACK, EXCEPTION, NON_JSON,
 * OUTPUT_TOO_LARGE or NO_SUCH_FUNCTION. After DEADLINE, MEMORY or STACK the sandbox is `poisoned`:
 * the kernel throws it away and builds a fresh one for the next episode.
 */
export interface SandboxOptions {
  /** Module files by name, e.g. `{ "lake.js": "export function move(...) {...}" }`. */
  files: Record<string, string>;
  memoryMb: number;
  /** Largest JSON a call may return, in bytes. */
  maxOutputBytes: number;
  /** Deadline for loading the modules (their top-level code). */
  loadDeadlineMs?: number;
  stackKb?: number;
}

let quickjs: Promise<QuickJSWASMModule> | undefined;
/** The QuickJS WebAssembly module, loaded once per process. */
export function loadQuickJS(): Promise<QuickJSWASMModule> {
  quickjs ??= newQuickJSWASMModule(RELEASE_SYNC);
  return quickjs;
}

/** A logical epoch for `Date` inside the sandbox: 2000-01-01T00:00:00Z. */
export const SANDBOX_EPOCH_MS = 946_684_800_000;

const PRELUDE = (maxOut: number) => `(function () {
  'use strict';
  const rngState = [0, 0, 0, 0];
  const next = ${sfc32Next.toString()};
  let clock = ${SANDBOX_EPOCH_MS};
  Math.random = function random() { return next(rngState) / 4294967296; };
  const RealDate = Date;
  function PalestraDate(...args) {
    if (!new.target) return new RealDate(clock).toString();
    return args.length === 0 ? new RealDate(clock) : new RealDate(...args);
  }
  PalestraDate.prototype = RealDate.prototype;
  PalestraDate.now = function now() { return clock; };
  PalestraDate.UTC = RealDate.UTC;
  PalestraDate.parse = RealDate.parse;
  globalThis.Date = PalestraDate;

  const fns = Object.create(null);
  function replacer(key, value) {
    const t = typeof value;
    if (t === 'function' || t === 'symbol' || t === 'bigint' || (t === 'undefined' && key !== ''))
      throw new TypeError('NON_JSON: returned a ' + t + (key ? ' at key "' + key + '"' : '') + '; only JSON values can leave the sandbox');
    if (t === 'number' && !isFinite(value)) throw new TypeError('NON_JSON: returned ' + value + (key ? ' at key "' + key + '"' : '') + '; JSON has no NaN or Infinity');
    return value;
  }
  Object.defineProperty(globalThis, '__register', { value: function (file, ns) {
    for (const k of Object.keys(ns)) if (typeof ns[k] === 'function') fns[file + '#' + k] = ns[k];
  } });
  Object.defineProperty(globalThis, '__call', { value: function (ref, input) {
    const req = JSON.parse(input);
    rngState[0] = req.r[0]; rngState[1] = req.r[1]; rngState[2] = req.r[2]; rngState[3] = req.r[3];
    clock = req.c;
    const fn = fns[ref];
    if (fn === undefined) throw new ReferenceError('NO_SUCH_FUNCTION: ' + ref + ' is not an exported function');
    const out = fn(req.a);
    const json = JSON.stringify({ v: out === undefined ? null : out, r: rngState }, replacer);
    if (json === undefined) throw new TypeError('NON_JSON: the return value is not JSON');
    if (json.length > ${maxOut}) throw new RangeError('OUTPUT_TOO_LARGE: ' + json.length + ' bytes returned, the limit is ${maxOut}');
    return json;
  } });
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
  const typed = Object.getPrototypeOf(Uint8Array);
  const intrinsics = [Object, Array, Function, String, Number, Boolean, Symbol, Error, TypeError, RangeError,
    SyntaxError, ReferenceError, EvalError, URIError, Map, Set, WeakMap, WeakSet, Promise, RegExp, RealDate,
    PalestraDate, BigInt, ArrayBuffer, DataView, typed, Uint8Array, Int8Array, Uint16Array, Int16Array,
    Uint32Array, Int32Array, Float32Array, Float64Array, Uint8ClampedArray, Proxy];
  for (const C of intrinsics) { if (C === undefined) continue; Object.freeze(C); if (C.prototype) Object.freeze(C.prototype); }
  Object.freeze(Math); Object.freeze(JSON); Object.freeze(Reflect);
  Object.freeze(Object.getPrototypeOf(function* () {}));
  Object.freeze(Object.getPrototypeOf([][Symbol.iterator]()));
  Object.freeze(globalThis);
})();`;

/** One QuickJS runtime + context holding an environment's modules. Synchronous calls only. */
export class Sandbox {
  private deadline = Number.POSITIVE_INFINITY;
  private readonly refHandles = new Map<string, QuickJSHandle>();
  private disposed = false;
  /** True after an error that may leave QuickJS in a bad state (deadline, memory, stack). */
  poisoned = false;

  private constructor(
    private readonly runtime: QuickJSRuntime,
    private readonly vm: QuickJSContext,
    private readonly callFn: QuickJSHandle,
  ) {}

  /** Builds a sandbox and loads every module file (their top-level code runs once, under a deadline). */
  static async create(options: SandboxOptions): Promise<Sandbox> {
    const qjs = await loadQuickJS();
    const runtime = qjs.newRuntime();
    runtime.setMemoryLimit(options.memoryMb * 1024 * 1024);
    // Below V8's own limit for the WebAssembly stack, so QuickJS reports the overflow, not the host.
    runtime.setMaxStackSize((options.stackKb ?? 256) * 1024);
    runtime.setModuleLoader((name) => {
      const src = options.files[name.replace(/^\.\//, '')];
      if (src === undefined) return { error: new Error(`module "${name}" is not in the bundle`) };
      return src;
    });
    const vm = runtime.newContext();
    let sandbox: Sandbox | undefined;
    runtime.setInterruptHandler(() => performance.now() > (sandbox?.deadline ?? Number.POSITIVE_INFINITY));
    try {
      const init = vm.evalCode(PRELUDE(options.maxOutputBytes), 'prelude.js', { type: 'global' });
      vm.unwrapResult(init).dispose();
      const callFn = vm.getProp(vm.global, '__call');
      sandbox = new Sandbox(runtime, vm, callFn);
      const register = vm.getProp(vm.global, '__register');
      sandbox.deadline = performance.now() + (options.loadDeadlineMs ?? 2000);
      try {
        for (const [file, source] of Object.entries(options.files)) {
          const ns = vm.evalCode(source, file, { type: 'module' });
          if (ns.error) throw sandbox.toError(ns.error, `loading ${file}`);
          const name = vm.newString(file);
          const r = vm.callFunction(register, vm.undefined, name, ns.value);
          name.dispose();
          ns.value.dispose();
          if (r.error) throw sandbox.toError(r.error, `loading ${file}`);
          r.value.dispose();
        }
      } finally {
        register.dispose();
        sandbox.deadline = Number.POSITIVE_INFINITY;
      }
      return sandbox;
    } catch (e) {
      if (sandbox) sandbox.dispose();
      else {
        vm.dispose();
        runtime.dispose();
      }
      throw e instanceof SandboxError
        ? e
        : new SandboxError('EXCEPTION', `sandbox setup failed: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * Calls `file.js#name` with `arg` (JSON). `rng` is the episode generator's state: the function
   * may draw from it through `Math.random`, and the advanced state is written back into `rng`.
   * `deadline` is a `performance.now()` timestamp; `clockMs` is what `Date.now()` returns inside.
   */
  call(ref: string, arg: unknown, rng: number[], clockMs: number, deadline: number): unknown {
    if (this.disposed) throw new SandboxError('DISPOSED', 'the sandbox was disposed');
    const vm = this.vm;
    let refHandle = this.refHandles.get(ref);
    if (!refHandle) {
      refHandle = vm.newString(ref);
      this.refHandles.set(ref, refHandle);
    }
    const input = vm.newString(JSON.stringify({ a: arg, r: rng, c: clockMs }));
    this.deadline = deadline;
    let result: ReturnType<QuickJSContext['callFunction']>;
    try {
      result = vm.callFunction(this.callFn, vm.undefined, refHandle, input);
    } catch (e) {
      // The WebAssembly stack itself overflowed before QuickJS's own check.
      this.poisoned = true;
      throw new SandboxError('STACK', `${ref}: stack overflow (runaway recursion?)`, { cause: e });
    } finally {
      this.deadline = Number.POSITIVE_INFINITY;
      input.dispose();
    }
    if (result.error) throw this.toError(result.error, ref);
    const out = vm.getString(result.value);
    result.value.dispose();
    const parsed = JSON.parse(out) as { v: unknown; r: number[] };
    rng[0] = parsed.r[0]!;
    rng[1] = parsed.r[1]!;
    rng[2] = parsed.r[2]!;
    rng[3] = parsed.r[3]!;
    return parsed.v;
  }

  /** Bytes QuickJS has allocated in this runtime. */
  memoryUsed(): number {
    const h = this.runtime.computeMemoryUsage();
    const usage = this.vm.dump(h) as { memory_used_size?: number };
    h.dispose();
    return usage.memory_used_size ?? 0;
  }

  private toError(handle: QuickJSHandle, where: string): SandboxError {
    let name = 'Error';
    let message = 'unknown error';
    let stack: string | undefined;
    try {
      const dumped = this.vm.dump(handle) as { name?: string; message?: string; stack?: string } | string;
      if (typeof dumped === 'object' && dumped !== null) {
        name = dumped.name ?? name;
        message = dumped.message ?? String(dumped);
        stack = dumped.stack;
      } else message = `threw a non-Error value: ${JSON.stringify(dumped)}`;
    } catch {
      message = 'the error could not be read (QuickJS is out of memory)';
      this.poisoned = true;
    } finally {
      handle.dispose();
    }
    const details = { where, name, stack };
    if (name === 'InternalError' && /interrupted/.test(message)) {
      this.poisoned = true;
      return new SandboxError('DEADLINE', `${where}: environment code ran past its deadline`, {
        details,
        hint: 'look for an endless loop, or raise limits.stepDeadlineMs',
      });
    }
    if (/out of memory/i.test(message)) {
      this.poisoned = true;
      return new SandboxError('MEMORY', `${where}: environment code ran out of memory`, {
        details,
        hint: 'raise limits.memoryMb, or keep less data in the code',
      });
    }
    if (/stack overflow/i.test(message)) {
      this.poisoned = true;
      return new SandboxError('STACK', `${where}: stack overflow (runaway recursion?)`, { details });
    }
    const coded = /^(NON_JSON|OUTPUT_TOO_LARGE|NO_SUCH_FUNCTION): (.*)$/s.exec(message);
    if (coded) return new SandboxError(coded[1]!, `${where}: ${coded[2]}`, { details });
    return new SandboxError('EXCEPTION', `${where} threw ${name}: ${message}`, { details });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    try {
      for (const h of this.refHandles.values()) h.dispose();
      this.callFn.dispose();
      this.vm.dispose();
      this.runtime.dispose();
    } catch {
      // A runtime that ran out of memory can fail its own leak check on dispose; it is gone either way.
    }
  }
}
