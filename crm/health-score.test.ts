import { describe, expect, it } from 'vitest'
import { healthScore } from './health-score.js'

const healthy = {
  activeUsers: 40,
  activeUsersBefore: 38,
  modulesUsed: 5,
  modulesAvailable: 8,
  seats: 45,
  daysSinceActive: 0,
  openAlerts: 0,
}

describe('when a customer uses the product fully and steadily', () => {
  it('scores 100 with every component at 1', () => {
    expect(healthScore(healthy)).toEqual({
      score: 100,
      components: {
        usageTrend: 1,
        moduleBreadth: 1,
        seatUtilisation: 1,
        recency: 1,
        openAlerts: 1,
      },
    })
  })
})

describe("when a customer's users fall by half, seats sit idle and an alert is open", () => {
  it('scores low, and the components say why', () => {
    const { score, components } = healthScore({
      ...healthy,
      activeUsers: 19,
      modulesUsed: 2,
      daysSinceActive: 7,
      openAlerts: 1,
    })
    expect(components).toEqual({
      usageTrend: 0,
      moduleBreadth: 0.4,
      seatUtilisation: 0.53,
      recency: 0.5,
      openAlerts: 0.67,
    })
    expect(score).toBe(
      Math.round(100 * (0 * 0.3 + 0.4 * 0.15 + (19 / 45 / 0.8) * 0.25 + 0.5 * 0.2 + (2 / 3) * 0.1)),
    )
    expect(score).toBeLessThan(40)
  })
})

describe('when the weights are configured', () => {
  it('uses them', () => {
    const inputs = { ...healthy, openAlerts: 3 }
    expect(
      healthScore(inputs, {
        usageTrend: 0,
        moduleBreadth: 0,
        seatUtilisation: 0,
        recency: 0,
        openAlerts: 1,
      }).score,
    ).toBe(0)
  })
})
