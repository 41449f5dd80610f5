// A small seeded PRNG (sfc32) and the key derivation that gives every tenant and every
// day its own stream. Generating day D of tenant T reads only the stream keyed by
// (seed, T, D), so backfill, live streaming and a split across processes produce the
// same events whatever order they run in.
//
// The hot path (generate-*.ts) sticks to next(), int(), chance(), geometric() and
// approxNormal(): plain integer and float arithmetic, bit-identical on every platform.
// Math.log/exp/cos (normal, lognormal, exponential, pareto) are used only when the
// world is created.

const TWO_POW_32 = 4_294_967_296

/** A 32-bit hash of a string (cyrb53's mixing, folded to 32 bits). */
export function hashString(text: string): number {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2_654_435_761)
    h2 = Math.imul(h2 ^ c, 1_597_334_677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2_246_822_507) ^ Math.imul(h2 ^ (h2 >>> 13), 3_266_489_909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2_246_822_507) ^ Math.imul(h1 ^ (h1 >>> 13), 3_266_489_909)
  return (h1 ^ h2) >>> 0
}

/** A 32-bit finaliser with full avalanche (Chris Wellons' lowbias32). */
export function mix32(value: number): number {
  let x = value >>> 0
  x ^= x >>> 16
  x = Math.imul(x, 0x7feb352d)
  x ^= x >>> 15
  x = Math.imul(x, 0x846ca68b)
  x ^= x >>> 16
  return x >>> 0
}

/** Derives a child key from a key and a non-negative integer (a tenant index, a day). */
export function deriveKey(key: number, part: number): number {
  return mix32((key ^ mix32((part + 0x9e3779b9) >>> 0)) + 0x6a09e667)
}

/** Derives a key from a seed (a string or a key) and a path of integers. */
export function keyOf(seed: string | number, ...parts: number[]): number {
  let key = typeof seed === 'string' ? hashString(seed) : seed >>> 0
  for (const part of parts) key = deriveKey(key, part)
  return key
}

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  /** Seeds the four words from one 32-bit key through splitmix32. */
  constructor(key: number) {
    let s = key >>> 0
    const split = (): number => {
      s = (s + 0x9e3779b9) | 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = split()
    this.b = split()
    this.c = split()
    this.d = split()
    // The first outputs of sfc32 still correlate with the seed words.
    for (let i = 0; i < 12; i++) this.uint32()
  }

  uint32(): number {
    const t0 = (this.a + this.b) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.d = (this.d + 1) | 0
    const t = (t0 + this.d) | 0
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / TWO_POW_32
  }

  /** An integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list')
    return items[Math.floor(this.next() * items.length)]!
  }

  /** Index into cumulative weights (ascending, last one the total). */
  pickWeighted(cumulative: ArrayLike<number>): number {
    const target = this.next() * cumulative[cumulative.length - 1]!
    let i = 0
    while (i < cumulative.length - 1 && cumulative[i]! <= target) i++
    return i
  }

  /** Shuffles in place (Fisher–Yates) and returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const tmp = items[i]!
      items[i] = items[j]!
      items[j] = tmp
    }
    return items
  }

  /** A count >= 0 with the given mean (geometric), without transcendental functions. */
  geometric(mean: number): number {
    const q = mean / (1 + mean)
    let n = 0
    while (n < 10_000 && this.next() < q) n++
    return n
  }

  /** Near-normal (Irwin–Hall of four uniforms): bounded to mean ± 3.46 sd, no Math.log. */
  approxNormal(mean: number, sd: number): number {
    const sum = this.next() + this.next() + this.next() + this.next()
    return mean + (sum - 2) * sd * 1.7320508075688772
  }

  /** Normal through Box–Muller. */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next()
    const v = this.next()
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next())
  }

  /** Pareto with scale xm and shape alpha: heavy-tailed, never below xm. */
  pareto(xm: number, alpha: number): number {
    return xm / (1 - this.next()) ** (1 / alpha)
  }

  /** Log-normal with the given mean (not median) and log-space spread sigma. */
  lognormal(mean: number, sigma: number): number {
    return Math.exp(Math.log(mean) - (sigma * sigma) / 2 + sigma * this.normal())
  }
}

/** A generator for one purpose: rngFor(seed, STREAM, tenant, day). */
export function rngFor(seed: string | number, ...parts: number[]): Rng {
  return new Rng(keyOf(seed, ...parts))
}
