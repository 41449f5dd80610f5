import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadModuleCatalogue } from '../../ingest/module-catalogue.js'
import { validateEvent } from '../../ingest/validate-event.js'
import { buildOtherCompanyWorld, type Story } from './world.js'

const DAY = 86_400_000
const today = new Date('2026-12-02T00:00:00Z')
const world = buildOtherCompanyWorld({ today })
const catalogue = loadModuleCatalogue(fileURLToPath(new URL('./modules.json', import.meta.url)))

describe('the Ledgerly fixture world', () => {
  it('is the same for the same seed and differs for another', () => {
    const again = buildOtherCompanyWorld({ today, seed: 1 })
    expect(JSON.stringify(again)).toBe(JSON.stringify(world))
    const other = buildOtherCompanyWorld({ today, seed: 2 })
    expect(JSON.stringify(other.events)).not.toBe(JSON.stringify(world.events))
  })

  it('puts every event within the period, strictly before today, in order', () => {
    expect(world.today.toISOString()).toBe('2026-12-02T00:00:00.000Z')
    expect(world.days).toBe(28)
    const from = today.getTime() - world.days * DAY
    const times = world.events.map((e) => Date.parse(e.timestamp))
    expect(times.filter((t) => !(t >= from && t < today.getTime()))).toEqual([])
    expect(times.filter((t, i) => i > 0 && t < (times[i - 1] ?? 0))).toEqual([])
  })

  it('stays within the event budget', () => {
    expect(world.events.length).toBeGreaterThan(20_000)
    expect(world.events.length).toBeLessThan(70_000)
  })

  it('sends only messages that pass validateEvent, each with its own messageId', () => {
    const refused = world.events.flatMap((event) => {
      const outcome = validateEvent(event)
      return outcome.ok ? [] : [`${event.messageId}: ${outcome.detail}`]
    })
    expect(refused).toEqual([])
    expect(new Set(world.events.map((e) => e.messageId)).size).toBe(world.events.length)
  })

  it('names the tenant in context.groupId, or at the top level of a group call', () => {
    const ids = new Set(world.tenants.map((t) => t.id))
    const astray = world.events.filter((event) => {
      const tenant = event.type === 'group' ? event.groupId : event.context.groupId
      const { name, version } = event.context.library
      return !ids.has(tenant ?? '') || name !== 'analytics.js' || version !== '5.2.0'
    })
    expect(astray).toEqual([])
  })

  it('has the stories in the numbers asked for, and truth follows the stories', () => {
    const counts = new Map<Story, number>()
    for (const t of world.tenants) counts.set(t.story, (counts.get(t.story) ?? 0) + 1)
    expect(Object.fromEntries(counts)).toEqual({
      'quiet-free': 25,
      'price-glancer': 6,
      evaluator: 12,
      outgrowing: 3,
      healthy: 20,
      'seasonal-dip': 6,
      collapsing: 10,
    })
    const of = (...stories: Story[]) =>
      world.tenants
        .filter((t) => stories.includes(t.story))
        .map((t) => t.id)
        .sort()
    expect([...world.truth.intent].sort()).toEqual(of('evaluator', 'outgrowing'))
    expect([...world.truth.churning].sort()).toEqual(of('collapsing'))
  })

  it('caps the free plan at 10 seats and gives paid plans seats for everyone and an mrr', () => {
    expect(world.freePlans).toEqual(['Community'])
    for (const t of world.tenants) {
      if (t.plan === 'Community') expect(t.seats).toBe(10)
      else expect(['Team', 'Pro', 'Premium']).toContain(t.plan)
      expect(t.seats).toBeGreaterThanOrEqual(t.users)
    }
    for (const t of world.tenants.filter((t) => t.story === 'outgrowing')) {
      expect(t.users).toBe(10)
    }
    const groups = world.events.filter((e) => e.type === 'group')
    for (const t of world.tenants) {
      const calls = groups.filter((g) => g.groupId === t.id)
      expect(calls.length).toBeGreaterThanOrEqual(1)
      expect(calls.length).toBeLessThanOrEqual(2)
      for (const call of calls) {
        expect(call.traits).toMatchObject({ name: t.name, plan: t.plan, seats: t.seats })
        expect(typeof call.traits?.mrr).toBe(t.plan === 'Community' ? 'undefined' : 'number')
      }
    }
  })

  it('identifies each user once', () => {
    const identified = world.events.filter((e) => e.type === 'identify').map((e) => e.userId)
    expect(new Set(identified).size).toBe(identified.length)
    expect(new Set(world.events.map((e) => e.userId))).toEqual(new Set(identified))
  })

  it('sends no module keys and no lifecycle events; the page names the module', () => {
    const unattributed = new Set([
      '/settings/profile',
      '/settings/organisation',
      '/notifications',
      '/help',
      '/account/billing',
    ])
    const wrong = world.events.flatMap((event) => {
      const problems: string[] = []
      if (event.properties?.module !== undefined) problems.push('properties.module')
      if (event.type === 'track' && /^(Order Completed|Subscription )/.test(event.event ?? '')) {
        problems.push(`lifecycle event ${event.event}`)
      }
      if (event.type === 'page' || event.type === 'track') {
        const { path, url } = event.context.page
        const match = catalogue.matchPath(path)
        if (url !== `https://app.ledgerly.example${path}`) problems.push(`url ${url}`)
        if (!match && !unattributed.has(path)) problems.push(`no module for ${path}`)
        if (event.event === 'Pricing Viewed' && !match?.pricing) problems.push(`pricing ${path}`)
      }
      return problems.map((p) => `${event.messageId}: ${p}`)
    })
    expect(wrong).toEqual([])
    expect(world.events.some((e) => e.type === 'track' && e.event === 'Pricing Viewed')).toBe(true)
  })
})
