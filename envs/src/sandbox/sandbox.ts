import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';
import { SandboxError } from '../errors.ts';
import { loadQuickJS, newQuickJSInstance, SANDBOX_EPOCH_MS, setSandboxClock } from './engine.ts';
import { MemoryImage } from './image.ts';
import { PRELUDE } from './prelude.ts';

export { loadQuickJS, SANDBOX_EPOCH_MS };

/**
 * Environment code runs here: QuickJS compiled to WebAssembly, one instance per sandbox, with a
 * memory limit, a wall-clock deadline per call (a resource limit, never an input), a stack limit
 * and no host access. Only JSON crosses, as strings. What a call returns depends on its inputs
 * alone — the function, its JSON argument, the generator state and the logical clock — and never
 * on the host:
 *
 * - `Math.random` draws from the episode's seeded generator, whose state travels with each call;
 * - the engine's only clock is the logical clock passed to each call, and its only time zone is
 *   UTC (engine.ts), so every path to a date — `Date`, `Date.prototype.constructor`,
 *   `Reflect.construct`, `Function`, local-time methods — gives the same answer on every host;
 * - the realm holds no host object, no timers and no GC-observable references, and every
 *   object reachable from it is frozen before any environment code loads (prelude.ts);
 * - the bridge between host and realm is held by the host only, never a global;
 * - Promise jobs never run: a call that leaves one queued is refused (ASYNC);
 * - nothing survives `rewind()`: each sandbox has a WebAssembly memory of its own, saved right
 *   after its modules load (image.ts) and written back before the first call after a rewind, so
 *   state a module keeps in its own scope (`let n = 0` at top level, a Map or closure made at
 *   load, the allocator's free lists and so how much fits before memory runs out) is the same at
 *   the start of every episode as in a sandbox built a moment ago, in this process or another.
 *
 * Calls between two rewinds share the module state: the kernel rewinds at every episode start
 * (and before generating a task), so within an episode a module may keep state, and it is a
 * function of the episode's seed and actions. The modules load in file-name order, so the image
 * depends on the files alone.
 *
 * Failures surface as `SandboxError` with code DEADLINE, MEMORY, STACK, EXCEPTION, NON_JSON,
 * OUTPUT_TOO_LARGE, NO_SUCH_FUNCTION or ASYNC, and at load also MODULE_SYNTAX (with file, line and
 * column) and IMPORT_BLOCKED. After DEADLINE, MEMORY, STACK or ASYNC the sandbox is `poisoned`
 * (the realm stopped at a point that depends on the host, or holds a job that never runs): calls
 * are refused (POISONED) until `rewind()`, which restores the image. Only a stack overflow of the
 * host itself (the WebAssembly stack, below QuickJS's own check) leaves it poisoned after a rewind:
 * then the kernel builds a new sandbox (`Env.recover`).
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

/** `requested` as imported from module `base`: relative paths resolve against base's folder. */
function resolveImport(base: string, requested: string): string {
  if (!requested.startsWith('./') && !requested.startsWith('../')) return requested;
  const parts = base.split('/').slice(0, -1);
  for (const p of requested.split('/')) {
    if (p === '..') parts.pop();
    else if (p !== '.' && p !== '') parts.push(p);
  }
  return parts.join('/');
}

/** The error for an import of something that is not a file of the bundle. */
function importBlocked(importer: string, module: string, files: string[]): SandboxError {
  const list = files.join(', ') || 'none';
  const what =
    module === 'std' || module === 'os'
      ? `QuickJS's "${module}" module (host access) does not exist in the sandbox`
      : `"${module}" is not a file of the bundle`;
  return new SandboxError(
    'IMPORT_BLOCKED',
    `${importer} imports "${module}": ${what}; environment code can import only the bundle's own files (${list})`,
    {
      details: { file: importer, module, files },
      hint: files.length
        ? `import one of the bundle's files by relative path (e.g. import { … } from './${files[0]}'), or add the module's source to the bundle`
        : 'add the module to the bundle',
    },
  );
}

/**
 * The most WebAssembly memory a sandbox may use: its 16 MB start, twice the QuickJS limit (for
 * what QuickJS does not count, ArrayBuffer contents among them, and for the allocator's own
 * slack), and 16 MB more for the host's side of each call.
 */
function memoryCap(memoryMb: number): number {
  return (32 + 2 * memoryMb) * 1024 * 1024;
}

/** Room left on the stack below QuickJS's limit for the C frames that run above its checks. */
const STACK_MARGIN_BYTES = 256 * 1024;

/** One QuickJS runtime + context, in a WebAssembly memory of its own, holding an environment's modules. Synchronous calls only. */
export class Sandbox {
  private deadline = Number.POSITIVE_INFINITY;
  /** Ref strings made in the realm since the image was last written back (see `restore`). */
  private readonly refHandles = new Map<string, QuickJSHandle>();
  private disposed = false;
  /** Set by `rewind()` when calls ran since the last restore: the next call restores first. */
  private rewindPending = false;
  /** Whether any call ran since the image was captured or last written back. */
  private dirty = false;
  /** The realm stopped where the host decided (deadline, memory, stack) or holds a job: restore before any call. */
  private tainted = false;
  /** The host's own stack overflowed through QuickJS: the instance's stack pointer is lost, so only a new sandbox helps. */
  private broken = false;
  private image!: MemoryImage;

  private constructor(
    private readonly runtime: QuickJSRuntime,
    private readonly vm: QuickJSContext,
    private readonly callFn: QuickJSHandle,
    private readonly memory: WebAssembly.Memory,
  ) {}

  /**
   * True after DEADLINE, MEMORY, STACK or ASYNC until `rewind()`; after a rewind, true only if
   * the sandbox cannot be used again (build a new one).
   */
  /** Every exported function of the bundle's modules, as `file.js#name`, in load order. */
  readonly exportedRefs: string[] = [];

  get poisoned(): boolean {
    return this.tainted || this.broken;
  }

  /** Builds a sandbox and loads every module file (their top-level code runs once, under a deadline). */
  static async create(options: SandboxOptions): Promise<Sandbox> {
    const { qjs, memory } = await newQuickJSInstance({ maxBytes: memoryCap(options.memoryMb) });
    // From here to the image everything is synchronous. QuickJS seeds its own (unused) random state
    // from the clock when it makes the context, and that state is in the image: so the clock is set
    // first, and no other sandbox's call can move it before the capture.
    setSandboxClock(SANDBOX_EPOCH_MS);
    const runtime = qjs.newRuntime();
    runtime.setMemoryLimit(options.memoryMb * 1024 * 1024);
    // Below V8's own limit for the WebAssembly stack, so QuickJS reports the overflow, not the host.
    const stackBytes = (options.stackKb ?? 256) * 1024;
    runtime.setMaxStackSize(stackBytes);
    // In name order, so the realm (and its memory image) depends on the files, not on the order
    // their object happened to list them in.
    const files = Object.keys(options.files).sort();
    // QuickJS drops the loader's error message, so the normalizer, which knows the importing file,
    // keeps the first blocked import for the load error.
    let blocked: SandboxError | undefined;
    runtime.setModuleLoader(
      (name) =>
        Object.hasOwn(options.files, name)
          ? options.files[name]!
          : { error: new Error(`"${name}" is not a file of the bundle`) },
      (base, requested) => {
        const name = resolveImport(base, requested);
        if (!Object.hasOwn(options.files, name)) blocked ??= importBlocked(base, requested, files);
        return name;
      },
    );
    const vm = runtime.newContext();
    let sandbox: Sandbox | undefined;
    runtime.setInterruptHandler(() => performance.now() > (sandbox?.deadline ?? Number.POSITIVE_INFINITY));
    try {
      // The prelude's completion value is the bridge, [register, call]: the only references to it.
      const bridge = vm.unwrapResult(
        vm.evalCode(PRELUDE(options.maxOutputBytes), 'prelude.js', { type: 'global' }),
      );
      const register = vm.getProp(bridge, 0);
      const callFn = vm.getProp(bridge, 1);
      bridge.dispose();
      sandbox = new Sandbox(runtime, vm, callFn, memory);
      sandbox.deadline = performance.now() + (options.loadDeadlineMs ?? 2000);
      try {
        for (const file of files) {
          const ns = vm.evalCode(options.files[file]!, file, { type: 'module' });
          if (ns.error) {
            if (!blocked) throw sandbox.loadError(ns.error, file);
            ns.error.dispose();
            throw blocked;
          }
          const name = vm.newString(file);
          const r = vm.callFunction(register, vm.undefined, name, ns.value);
          name.dispose();
          ns.value.dispose();
          if (r.error) throw sandbox.toError(r.error, `loading ${file}`);
          const names = vm.getString(r.value);
          r.value.dispose();
          for (const n of names ? names.split(',') : []) sandbox.exportedRefs.push(`${file}#${n}`);
        }
        if (runtime.hasPendingJob()) throw sandbox.asyncError('loading the modules');
      } finally {
        register.dispose();
        sandbox.deadline = Number.POSITIVE_INFINITY;
      }
      // Every handle the host keeps (callFn) exists now and lives as long as the sandbox, so the
      // image never holds a handle the host has freed, nor lacks one it still uses.
      sandbox.image = MemoryImage.capture(memory, stackBytes + STACK_MARGIN_BYTES);
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
   * Starts over: the next call runs in the realm exactly as it was when the modules had just
   * loaded (module state, intrinsics, memory), whatever ran before. Lazy — nothing is copied until
   * that call, and nothing at all if no call ran since the last restore — so rewinding at every
   * episode start costs an episode that never calls code nothing. A poisoned sandbox is restored
   * at once (it stays poisoned only if it cannot be used again).
   *
   * @example
   * sandbox.call('lake.js#count', {}, rng, clock, deadline); // 1
   * sandbox.rewind();
   * sandbox.call('lake.js#count', {}, rng, clock, deadline); // 1 again: a fresh module instance
   */
  rewind(): void {
    if (this.disposed || this.broken) return;
    if (this.tainted) this.restore();
    else if (this.dirty) this.rewindPending = true;
  }

  /** Writes the image back. */
  private restore(): void {
    this.image.restore(this.memory);
    // The ref strings were allocated after the capture, in memory the image marks free again:
    // forget them, and never free them (that would free whatever reuses the memory).
    this.refHandles.clear();
    this.rewindPending = false;
    this.dirty = false;
    this.tainted = false;
  }

  /**
   * The first byte where the sandbox's memory differs from its image, or undefined (tests and
   * diagnostics: it reads the whole image). Right after a restore it must be undefined.
   */
  imageDifference(): number | undefined {
    if (this.rewindPending) this.restore();
    return this.image.firstDifference(this.memory);
  }

  /** The memory image taken when the modules had loaded (two sandboxes of the same files must hold equal ones). */
  get loadedImage(): MemoryImage {
    return this.image;
  }

  /**
   * Calls `file.js#name` with `arg` (JSON). `rng` is the episode generator's state: the function
   * may draw from it through `Math.random`, and the advanced state is written back into `rng`.
   * `deadline` is a `performance.now()` timestamp; `clockMs` is what `Date.now()` returns inside.
   */
  call(ref: string, arg: unknown, rng: number[], clockMs: number, deadline: number): unknown {
    if (this.disposed) throw new SandboxError('DISPOSED', 'the sandbox was disposed');
    if (this.tainted || this.broken) throw this.poisonedError(ref);
    if (this.rewindPending) this.restore();
    this.dirty = true;
    const vm = this.vm;
    let refHandle = this.refHandles.get(ref);
    if (!refHandle) {
      refHandle = vm.newString(ref);
      this.refHandles.set(ref, refHandle);
    }
    const input = vm.newString(JSON.stringify({ a: arg, r: rng }));
    setSandboxClock(clockMs);
    this.deadline = deadline;
    let result: ReturnType<QuickJSContext['callFunction']>;
    try {
      result = vm.callFunction(this.callFn, vm.undefined, refHandle, input);
    } catch (e) {
      // The WebAssembly stack itself overflowed before QuickJS's own check: the unwinding skipped
      // the code that moves Emscripten's stack pointer back, and that pointer lives outside the
      // memory the image restores.
      this.broken = true;
      throw new SandboxError('STACK', `${ref}: stack overflow (runaway recursion?)`, { cause: e });
    } finally {
      this.deadline = Number.POSITIVE_INFINITY;
      input.dispose();
    }
    if (this.runtime.hasPendingJob()) {
      if (result.error) result.error.dispose();
      else result.value.dispose();
      throw this.asyncError(ref);
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

  private poisonedError(ref: string): SandboxError {
    return new SandboxError(
      'POISONED',
      `${ref}: the sandbox failed earlier (deadline, memory, stack or a queued job) and was not rewound`,
      {
        details: { where: ref },
        hint: this.broken
          ? 'the host stack overflowed: build a new sandbox (`await env.recover()`)'
          : 'call rewind() (the kernel does at every reset) before calling it again',
      },
    );
  }

  /** Bytes QuickJS has allocated in this runtime. */
  memoryUsed(): number {
    const h = this.runtime.computeMemoryUsage();
    const usage = this.vm.dump(h) as { memory_used_size?: number };
    h.dispose();
    return usage.memory_used_size ?? 0;
  }

  /** What QuickJS threw, read out of the realm (and the handle freed). */
  private read(handle: QuickJSHandle): { name: string; message: string; stack: string | undefined } {
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
      this.tainted = true;
    } finally {
      handle.dispose();
    }
    return { name, message, stack };
  }

  private toError(handle: QuickJSHandle, where: string): SandboxError {
    return this.classify(this.read(handle), where);
  }

  /** A module that failed to load: a syntax error names its file, line and column. */
  private loadError(handle: QuickJSHandle, file: string): SandboxError {
    const thrown = this.read(handle);
    // QuickJS puts the position of a syntax error in the first stack line: "    at lake.js:3:14".
    const at = thrown.name === 'SyntaxError' ? /^\s*at (.+):(\d+):(\d+)\s*$/m.exec(thrown.stack ?? '') : null;
    if (!at) return this.classify(thrown, `loading ${file}`);
    // The file that does not parse may be one that `file` imports.
    const [, culprit, line, column] = at;
    return new SandboxError('MODULE_SYNTAX', `${culprit}:${line}:${column}: ${thrown.message}`, {
      details: { file: culprit, line: Number(line), column: Number(column), message: thrown.message },
      hint: `fix the JavaScript at ${culprit} line ${line}, column ${column}: environment modules are plain JavaScript ES modules (no TypeScript, no JSX), run by QuickJS`,
    });
  }

  /** Jobs left in QuickJS's queue can never be removed by a call: only a restore empties the queue. */
  private asyncError(where: string): SandboxError {
    this.tainted = true;
    return new SandboxError(
      'ASYNC',
      `${where} queued a Promise job (await, then, or an async function): the sandbox runs no async jobs, so that code would never run`,
      {
        details: { where },
        hint: where.startsWith('loading')
          ? 'remove top-level await and Promise callbacks from module code: it runs once, synchronously'
          : 'make the function synchronous: return its result instead of a Promise',
      },
    );
  }

  private classify(
    thrown: { name: string; message: string; stack: string | undefined },
    where: string,
  ): SandboxError {
    const { name, message } = thrown;
    const details = { where, name, stack: thrown.stack };
    if (name === 'InternalError' && /interrupted/.test(message)) {
      this.tainted = true;
      return new SandboxError('DEADLINE', `${where}: environment code ran past its deadline`, {
        details,
        hint: 'look for an endless loop, or raise limits.stepDeadlineMs',
      });
    }
    if (/out of memory/i.test(message)) {
      this.tainted = true;
      return new SandboxError('MEMORY', `${where}: environment code ran out of memory`, {
        details,
        hint: 'raise limits.memoryMb, or keep less data in the code',
      });
    }
    if (/stack overflow/i.test(message)) {
      this.tainted = true;
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
