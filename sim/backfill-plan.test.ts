import { describe, expect, it } from 'vitest'
import { backfillReceivedAt, planBackfill } from './backfill-plan.js'
import { smallWorld } from './test-support.js'

describe('when a backfill is cut into tasks', () => {
  const world = smallWorld()
  const tasks = planBackfill(world, { batchRows: 1000, tenants: { from: 10, to: 190 } })

  it('covers every asked tenant-day exactly once, day by day', () => {
    const seen = new Map<string, number>()
    for (const t of tasks)
      for (let i = t.from; i < t.to; i++)
        seen.set(`${t.day}/${i}`, (seen.get(`${t.day}/${i}`) ?? 0) + 1)
    expect(seen.size).toBe(180 * world.days)
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    expect(tasks.map((t) => t.day)).toEqual([...tasks.map((t) => t.day)].sort((a, b) => a - b))
    expect(tasks.map((t) => t.id)).toEqual(tasks.map((_, i) => i))
  })

  it('makes bigger tenant ranges on quiet days', () => {
    const spanOf = (day: number) => {
      const own = tasks.filter((t) => t.day === day)
      return own.reduce((sum, t) => sum + t.to - t.from, 0) / own.length
    }
    // 2025-03-03 is a Monday: day 6 is a Sunday.
    expect(spanOf(6)).toBeGreaterThan(spanOf(0))
  })
})

describe('when backfilled rows get their receive time', () => {
  it('is the last millisecond of their simulated day', () => {
    const world = smallWorld()
    expect(new Date(backfillReceivedAt(world, 0)).toISOString()).toBe('2025-03-03T23:59:59.999Z')
    expect(new Date(backfillReceivedAt(world, 2)).toISOString()).toBe('2025-03-05T23:59:59.999Z')
  })
})
