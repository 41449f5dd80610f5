import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadModuleCatalogue } from './module-catalogue.js'

const catalogue = loadModuleCatalogue(path.resolve(import.meta.dirname, '..', 'modules.json'))

describe('when a page path is matched against modules.json', () => {
  it.each([
    ['/apps/analytics', { module: 'analytics', pricing: false }],
    ['/apps/automation/runs/42', { module: 'automation', pricing: false }],
    ['/reports/weekly/', { module: 'analytics', pricing: false }],
    ['/pricing/security', { module: 'security', pricing: true }],
    ['/pricing', { module: '', pricing: true }],
    ['/settings/sso/saml', { module: 'security', pricing: false }],
    ['/', { module: 'workspace', pricing: false }],
  ])('finds %s in its module', (pagePath, expected) => {
    expect(catalogue.matchPath(pagePath)).toEqual(expected)
  })

  it('finds nothing for a path no module claims', () => {
    expect(catalogue.matchPath('/apps/unknown-thing')).toBeUndefined()
    expect(catalogue.matchPath('/reportsx')).toBeUndefined()
  })

  it('knows which modules are paid', () => {
    expect(catalogue.modules.filter((m) => m.paid).map((m) => m.key)).toEqual([
      'analytics',
      'automation',
      'security',
      'portal',
      'ai',
      'integrations',
    ])
  })
})
