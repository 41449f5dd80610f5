import { describe, expect, it } from 'vitest'
import { hashString, keyOf, Rng, rngFor } from './prng.js'

const draws = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.uint32())

describe('when two generators share a key', () => {
  it('draws the same sequence', () => {
    expect(draws(rngFor('seed', 3, 7), 50)).toEqual(draws(rngFor('seed', 3, 7), 50))
  })
})

describe('when keys differ in one part', () => {
  it('draws unrelated sequences', () => {
    const base = draws(rngFor('seed', 3, 7), 20)
    for (const other of [rngFor('seed', 3, 8), rngFor('seed', 4, 7), rngFor('seeD', 3, 7)]) {
      const seq = draws(other, 20)
      expect(seq.filter((x, i) => x === base[i])).toHaveLength(0)
    }
  })

  it('does not confuse (tenant, day) with (day, tenant)', () => {
    expect(keyOf('s', 1, 2)).not.toBe(keyOf('s', 2, 1))
  })
})

describe('when a string seed is hashed', () => {
  it('gives a stable unsigned 32-bit value', () => {
    expect(hashString('tenantpulse')).toBe(hashString('tenantpulse'))
    expect(hashString('tenantpulse')).toBeGreaterThanOrEqual(0)
    expect(hashString('tenantpulse')).toBeLessThan(2 ** 32)
  })
})

describe('when many values are drawn', () => {
  const rng = new Rng(42)
  const n = 100_000

  it('keeps next() in [0, 1) with mean near 0.5', () => {
    let sum = 0
    let outside = 0
    for (let i = 0; i < n; i++) {
      const x = rng.next()
      if (x < 0 || x >= 1) outside++
      sum += x
    }
    expect(outside).toBe(0)
    expect(sum / n).toBeCloseTo(0.5, 2)
  })

  it('keeps int() within its bounds, both included', () => {
    const seen = new Set<number>()
    for (let i = 0; i < 10_000; i++) seen.add(rng.int(-2, 2))
    expect([...seen].sort()).toEqual([-1, -2, 0, 1, 2])
  })

  it('matches the requested means of geometric(), exponential() and lognormal()', () => {
    const mean = (f: () => number) => {
      let sum = 0
      for (let i = 0; i < n; i++) sum += f()
      return sum / n
    }
    expect(mean(() => rng.geometric(2))).toBeCloseTo(2, 1)
    expect(mean(() => rng.exponential(3))).toBeCloseTo(3, 0)
    expect(mean(() => rng.lognormal(10, 0.5)) / 10).toBeCloseTo(1, 1)
    expect(mean(() => rng.approxNormal(5, 1))).toBeCloseTo(5, 1)
  })

  it('never draws a Pareto value below its scale', () => {
    for (let i = 0; i < 1000; i++) expect(rng.pareto(3, 1.5)).toBeGreaterThanOrEqual(3)
  })
})
