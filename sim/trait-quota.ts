import type { Rng } from './prng.js'

// Counts are quotas over a shuffled list rather than per-tenant coin flips, with a
// floor, so that a 200-tenant test world still holds enough of every story (at the
// full scale the floors never bind).

export interface QuotaSpec {
  rate: number
  min: number
}

export function quota(pool: number, of: number, spec: QuotaSpec): number {
  return Math.min(pool, Math.max(spec.min, Math.round(of * spec.rate)))
}

/** An integer in [lo, hi], with hi raised to lo when a short run leaves no room. */
export function between(rng: Rng, lo: number, hi: number): number {
  return rng.int(lo, Math.max(lo, hi))
}
