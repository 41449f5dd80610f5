import { describe, expect, it } from 'vitest'
import { createRateLimiter } from './rate-limiter.js'

describe('when batches are taken at a fixed rate', () => {
  it('spaces them by their size over the rate, and saves no idle time for a burst', async () => {
    let t = 0
    const waits: number[] = []
    const limiter = createRateLimiter(
      1000,
      () => t,
      async (ms) => {
        waits.push(ms)
        t += ms
      },
    )
    await limiter.take(500) // the first goes at once
    await limiter.take(500) // booked 0.5 s after the first
    await limiter.take(250)
    t += 10_000 // a long idle spell
    await limiter.take(500)
    await limiter.take(500)
    expect(waits).toEqual([500, 500, 500])
  })

  it('refuses a rate that is not above zero', () => {
    expect(() => createRateLimiter(0)).toThrow(RangeError)
  })
})
