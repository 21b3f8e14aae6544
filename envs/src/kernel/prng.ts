/**
 * The only randomness environment code sees: sfc32 (Chris Doty-Humphrey's Small Fast Counter),
 * seeded through splitmix32. Its whole state is four uint32 words, so it snapshots to JSON and
 * crosses into the QuickJS sandbox as plain numbers.
 *
 * Why our own 20 lines instead of a library (pure-rand, seedrandom): the very same function must
 * run on the host and inside QuickJS with its state passed back and forth on every call. The
 * sandbox evaluates `sfc32Next.toString()`, so host and sandbox share one implementation.
 */
export type PrngState = [number, number, number, number];

/** Advances `s` in place and returns the next uint32. Plain JS on purpose: it is also evaluated in the sandbox. */
export function sfc32Next(s: number[]): number {
  let a = s[0]! >>> 0;
  let b = s[1]! >>> 0;
  let c = s[2]! >>> 0;
  let d = s[3]! >>> 0;
  const t = (((a + b) >>> 0) + d) >>> 0;
  d = (d + 1) >>> 0;
  a = b ^ (b >>> 9);
  b = (c + (c << 3)) >>> 0;
  c = (c << 21) | (c >>> 11);
  c = (c + t) >>> 0;
  s[0] = a >>> 0;
  s[1] = b >>> 0;
  s[2] = c >>> 0;
  s[3] = d >>> 0;
  return t;
}

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A seeded generator. `state` is the whole truth: copy it to snapshot, assign it to restore. */
export class Prng {
  state: PrngState;

  constructor(seed: number | PrngState) {
    if (Array.isArray(seed)) this.state = [...seed] as PrngState;
    else {
      if (!Number.isSafeInteger(seed) || seed < 0)
        throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
      // Mix both 32-bit halves so seeds above 2^32 still differ.
      const mix = splitmix32((seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32), 0x27d4eb2d));
      this.state = [mix(), mix(), mix(), mix()];
      for (let i = 0; i < 12; i++) sfc32Next(this.state);
    }
  }

  /** A uint32. */
  nextU32(): number {
    return sfc32Next(this.state);
  }

  /** A float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return sfc32Next(this.state) / 4294967296;
  }

  /** An integer in [0, n). Unbiased (rejection sampling). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296)
      throw new RangeError(`int(n) needs 1 ≤ n ≤ 2^32, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = sfc32Next(this.state);
      if (x < limit) return x % n;
    }
  }
}
