/**
 * Seeded pseudo-random numbers. No Math.random anywhere in this library: the same seed gives the
 * same stream on every machine and Node version.
 *
 * `Rng` is sfc32 (Chris Doty-Humphrey's Small Fast Counter, 128-bit state, period >= 2^32 and in
 * practice ~2^127) seeded through splitmix32, so nearby seeds (1, 2, 3) give unrelated streams.
 */

/** splitmix32 step: a well-mixed 32-bit value from a 32-bit state (used to seed and to hash). */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** FNV-1a 32-bit hash of a string, finished with a mix (stable ids derived from text). */
export function hash32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    s = mix32(s);
    this.a = s;
    s = mix32(s);
    this.b = s;
    s = mix32(s);
    this.c = s;
    s = mix32(s);
    this.d = s | 1;
    for (let i = 0; i < 15; i++) this.u32();
  }

  /** A derived generator: same parent state and label give the same child stream. */
  static derive(seed: number, label: string): Rng {
    return new Rng(hash32(label, seed));
  }

  /** Next unsigned 32-bit integer. */
  u32(): number {
    const a = this.a;
    const b = this.b;
    const c = this.c;
    const d = (this.d + 1) | 0;
    const t = (((a + b) | 0) + d) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = (((c << 21) | (c >>> 11)) + t) | 0;
    this.d = d;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform real in [min, max). */
  real(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: ReadonlyArray<T>): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Exponentially distributed with the given mean (inter-arrival times of a Poisson process). */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
}

/** Weighted choice with the cumulative table built once. */
export class Weighted<T> {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(
    readonly items: ReadonlyArray<T>,
    weights: ReadonlyArray<number>,
  ) {
    if (items.length === 0 || items.length !== weights.length)
      throw new Error('Weighted: items and weights must be non-empty and aligned');
    this.cumulative = new Float64Array(items.length);
    let sum = 0;
    for (let i = 0; i < items.length; i++) {
      if (!(weights[i] >= 0)) throw new Error(`Weighted: weight ${weights[i]} must be >= 0`);
      sum += weights[i];
      this.cumulative[i] = sum;
    }
    if (sum <= 0) throw new Error('Weighted: weights sum to 0');
    this.total = sum;
  }

  static of<T>(entries: ReadonlyArray<readonly [T, number]>): Weighted<T> {
    return new Weighted(
      entries.map((e) => e[0]),
      entries.map((e) => e[1]),
    );
  }

  pick(rng: Rng): T {
    const x = rng.next() * this.total;
    const c = this.cumulative;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo];
  }
}
