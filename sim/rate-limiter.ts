export interface RateLimiter {
  /** Resolves when `n` more units fit under the rate. */
  take(n: number): Promise<void>
}

/**
 * A steady pace of `perSecond` units: each take books its share of time after the
 * previous one, and waits for its slot. Time not used is not saved up, so a slow
 * server never earns a burst later.
 */
export function createRateLimiter(
  perSecond: number,
  now: () => number = () => performance.now(),
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): RateLimiter {
  if (!(perSecond > 0)) throw new RangeError('the rate must be above 0')
  let nextAt = now()
  return {
    async take(n) {
      const t = now()
      const slot = Math.max(nextAt, t)
      nextAt = slot + (n / perSecond) * 1000
      if (slot > t) await sleep(slot - t)
    },
  }
}
