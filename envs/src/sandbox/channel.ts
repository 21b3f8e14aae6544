/**
 * A synchronous request/response channel over a SharedArrayBuffer: the caller writes a JSON
 * request, wakes the other thread with Atomics.notify and blocks in Atomics.wait (with a timeout)
 * until the answer is written. This keeps Gymnasium's synchronous `step()` while the environment
 * runs in a worker thread the caller can kill.
 *
 * Layout: int32[0] = state (IDLE, REQUEST, RESPONSE), int32[1] = byte length, then the bytes.
 */
export const IDLE = 0;
export const REQUEST = 1;
export const RESPONSE = 2;
const HEADER = 8;

export class Channel {
  readonly flags: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly encoder = new TextEncoder();

  constructor(readonly buffer: SharedArrayBuffer) {
    this.flags = new Int32Array(buffer, 0, 2);
    this.bytes = new Uint8Array(buffer, HEADER);
  }

  static create(bytes: number): Channel {
    return new Channel(new SharedArrayBuffer(HEADER + bytes));
  }

  /** Writes a message; false if it does not fit. */
  write(message: unknown, state: number): boolean {
    const json = JSON.stringify(message);
    const { read, written } = this.encoder.encodeInto(json, this.bytes);
    if (read < json.length) return false;
    Atomics.store(this.flags, 1, written);
    Atomics.store(this.flags, 0, state);
    Atomics.notify(this.flags, 0);
    return true;
  }

  read(): unknown {
    const n = Atomics.load(this.flags, 1);
    // Buffer.from(arrayBuffer) is a view, and toString copies out of shared memory.
    return JSON.parse(Buffer.from(this.buffer, HEADER, n).toString('utf8'));
  }

  /** Blocks while the state is `state`; 'timed-out' after `timeoutMs`. */
  waitWhile(state: number, timeoutMs: number): 'ok' | 'not-equal' | 'timed-out' {
    return Atomics.wait(this.flags, 0, state, timeoutMs);
  }

  get state(): number {
    return Atomics.load(this.flags, 0);
  }

  get capacity(): number {
    return this.bytes.length;
  }
}
