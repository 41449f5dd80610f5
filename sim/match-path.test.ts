import { describe, expect, it } from 'vitest'
import { createPathMatcher } from './match-path.js'
import { catalogue, eventsByDay, smallWorld } from './test-support.js'

const resolve = createPathMatcher(catalogue)

describe('when a path is matched against modules.json', () => {
  it('reads {key}, * and ** as the catalogue describes', () => {
    expect(resolve('/apps/analytics')).toEqual({ module: 'analytics', pricing: false })
    expect(resolve('/apps/analytics/x/y')).toEqual({ module: 'analytics', pricing: false })
    expect(resolve('/reports/item-1/edit')).toEqual({ module: 'analytics', pricing: false })
    expect(resolve('/settings/sso/main')).toEqual({ module: 'security', pricing: false })
    expect(resolve('/pricing/ai')).toEqual({ module: 'ai', pricing: true })
    expect(resolve('/pricing')).toEqual({ module: null, pricing: true })
    expect(resolve('/')).toEqual({ module: 'workspace', pricing: false })
  })

  it('matches nothing outside the catalogue', () => {
    expect(resolve('/nowhere')).toBeNull()
    expect(resolve('/settings')).toBeNull()
    expect(resolve('/apps')).toBeNull()
  })
})

describe('when the simulator emits page views', () => {
  const world = smallWorld()
  const pages = eventsByDay(world)
    .flat()
    .filter((e) => e.type === 'page')

  it('uses only paths that resolve through modules.json', () => {
    const unresolved = new Set(
      pages.map((p) => p.properties.path).filter((p) => resolve(p) === null),
    )
    expect([...unresolved]).toEqual([])
  })

  it('puts the same path in properties and context.page', () => {
    expect(pages.filter((p) => p.context.page?.path !== p.properties.path)).toEqual([])
  })

  it('views every module and every paid module pricing page somewhere', () => {
    const seen = new Set(pages.map((p) => JSON.stringify(resolve(p.properties.path))))
    for (const m of world.catalogue.modules) {
      expect(seen.has(JSON.stringify({ module: m.key, pricing: false }))).toBe(true)
      if (m.paid) expect(seen.has(JSON.stringify({ module: m.key, pricing: true }))).toBe(true)
    }
    expect(seen.has(JSON.stringify({ module: null, pricing: true }))).toBe(true)
  })
})
