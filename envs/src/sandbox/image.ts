/**
 * The bytes of a sandbox's WebAssembly memory right after its modules loaded, and the way back to
 * them. A QuickJS instance keeps everything in that memory — the C library's globals, QuickJS's
 * runtime, context, atoms, shapes and objects, every module's bindings and closures, the
 * allocator's free lists and the out-of-memory accounting — so writing the bytes back puts the
 * realm exactly where it was, whatever ran since. That is how a `Sandbox` gives every episode a
 * fresh realm (`Sandbox.rewind`) for the price of copying a few hundred kilobytes.
 *
 * What is saved: every byte below the highest non-zero byte at capture (`size`). Above it the
 * memory had never been written; the allocator counts it as unused, and no correct C reads memory
 * it has not written, so what an episode leaves there cannot be observed and is not cleared.
 *
 * Emscripten puts a 5 MB stack below the heap, of which QuickJS uses what its stack limit allows
 * (`stackKb`, checked on every JavaScript call): the stack's never-written part is the one long
 * zero run, and only its top `stackWindow` bytes — the limit plus a margin for the C frames above
 * QuickJS's checks — are cleared on restore. Nothing below the window is written (image.test.ts
 * compares the whole of it after recursion that reaches the limit), and a stack's dead bytes
 * could not be read by correct code anyway; clearing all 5 MB would cost ten times as long and
 * keep 5 MB per sandbox resident.
 */
export class MemoryImage {
  private constructor(
    /** Byte runs to write back: copies of what was non-zero, and lengths of what was zero. */
    private readonly runs: readonly Run[],
    /** Bytes covered: everything below the highest non-zero byte at capture. */
    readonly size: number,
  ) {}

  /** Saves `memory` now. `stackWindow`: how much of the long zero run (the unused stack) may get written. */
  static capture(memory: WebAssembly.Memory, stackWindow: number): MemoryImage {
    const all = new Uint8Array(memory.buffer);
    // The memory past the heap has never been written: find its start from the end, a chunk at a time.
    let top = all.length;
    while (top > 0 && isZero(all, Math.max(0, top - CHUNK), top)) top = Math.max(0, top - CHUNK);
    while (top > 0 && all[top - 1] === 0) top--;
    const size = Math.ceil(top / 4) * 4;
    const bytes = all.subarray(0, size);
    const runs: Run[] = [];
    // Runs of whole pages: a few runs instead of one per change keeps restore to a handful of
    // native copies and fills.
    for (let at = 0; at < size; at += PAGE) {
      const end = Math.min(at + PAGE, size);
      const zero = isZero(bytes, at, end);
      const last = runs[runs.length - 1];
      if (last && (last.data === undefined) === zero) last.end = end;
      else runs.push({ start: at, end, data: zero ? undefined : EMPTY });
    }
    let stack: Run | undefined;
    for (const r of runs)
      if (
        r.data === undefined &&
        r.end - r.start >= MIN_STACK &&
        (!stack || r.end - r.start > stack.end - stack.start)
      )
        stack = r;
    if (stack) stack.start = Math.max(stack.start, stack.end - roundUp(stackWindow));
    for (const r of runs) if (r.data !== undefined) r.data = bytes.slice(r.start, r.end);
    return new MemoryImage(runs, size);
  }

  /** Writes the saved bytes back into `memory` (the same memory, or one of the same program). */
  restore(memory: WebAssembly.Memory): void {
    const bytes = new Uint8Array(memory.buffer);
    for (const r of this.runs) {
      if (r.data === undefined) bytes.fill(0, r.start, r.end);
      else bytes.set(r.data, r.start);
    }
  }

  /**
   * The first byte offset below `size` where `memory` differs from the image, counting the whole
   * unused stack as zero; undefined when it matches. For tests and diagnostics (it reads it all).
   */
  firstDifference(memory: WebAssembly.Memory): number | undefined {
    const bytes = new Uint8Array(memory.buffer, 0, this.size);
    let at = 0;
    for (const r of this.runs) {
      for (; at < r.start; at++) if (bytes[at] !== 0) return at;
      for (; at < r.end; at++) if (bytes[at] !== (r.data === undefined ? 0 : r.data[at - r.start])) return at;
    }
    for (; at < this.size; at++) if (bytes[at] !== 0) return at;
    return undefined;
  }

  /** Whether two images hold the same bytes (two sandboxes of the same files, built anywhere). */
  equals(other: MemoryImage): boolean {
    if (other.size !== this.size || other.runs.length !== this.runs.length) return false;
    for (let i = 0; i < this.runs.length; i++) {
      const a = this.runs[i]!;
      const b = other.runs[i]!;
      if (a.start !== b.start || a.end !== b.end || (a.data === undefined) !== (b.data === undefined))
        return false;
      if (a.data && b.data) for (let j = 0; j < a.data.length; j++) if (a.data[j] !== b.data[j]) return false;
    }
    return true;
  }

  /** The image as one byte array of `size` bytes (the unused stack as zeros): to hash or compare it anywhere. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    for (const r of this.runs) if (r.data) out.set(r.data, r.start);
    return out;
  }

  /** Bytes held by the saved copies. */
  get savedBytes(): number {
    let n = 0;
    for (const r of this.runs) n += r.data?.length ?? 0;
    return n;
  }
}

interface Run {
  start: number;
  end: number;
  data: Uint8Array | undefined;
}

const PAGE = 4096;
const CHUNK = 65_536;
/** A zero run this long is the unused stack (Emscripten's is 5 MB; the heap has no such gaps). */
const MIN_STACK = 1 << 20;
const EMPTY = new Uint8Array(0);
const roundUp = (n: number) => Math.ceil(n / PAGE) * PAGE;

/** Node's `Buffer.compare` (a native memcmp) where the host has it: 16 MB checked in well under a millisecond. */
const nativeCompare = (globalThis as { Buffer?: { compare(a: Uint8Array, b: Uint8Array): number } }).Buffer
  ?.compare;
const ZEROS = new Uint8Array(CHUNK);

/** Whether bytes[from, to) are all zero (at most CHUNK bytes at a time through the native compare). */
function isZero(bytes: Uint8Array, from: number, to: number): boolean {
  if (nativeCompare) {
    for (let at = from; at < to; at += CHUNK) {
      const n = Math.min(CHUNK, to - at);
      if (nativeCompare(bytes.subarray(at, at + n), ZEROS.subarray(0, n)) !== 0) return false;
    }
    return true;
  }
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}
