import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  loadModuleCatalogue,
  ModuleCatalogueError,
  parseModuleCatalogue,
} from './module-catalogue.js'
import { resolveModule } from './resolve-module.js'
import type { TrackingEvent } from './validate-event.js'

// Ledgerly's catalogue (test/other-company): modules, pages and event names of a
// product that is not the simulator.
const ledgerly = loadModuleCatalogue(
  path.resolve(import.meta.dirname, '..', 'test', 'other-company', 'modules.json'),
)
const track = (event: string, extra: Partial<TrackingEvent> = {}) =>
  ({ type: 'track', event, userId: 'u1', ...extra }) as TrackingEvent

describe('when a track event carries the page it was sent from (analytics.js)', () => {
  it('takes its module from context.page.path', () => {
    const event = track('Invoice Sent', { context: { page: { path: '/payroll/runs/7' } } })
    expect(resolveModule(event, ledgerly)).toEqual({
      module: 'payroll',
      kind: 'action',
      path: '/payroll/runs/7',
    })
  })

  it('reads the path out of context.page.url when there is no path', () => {
    const event = track('Forecast Viewed', {
      context: { page: { url: 'https://app.example/insights/forecast/q3?x=1' } },
    })
    expect(resolveModule(event, ledgerly).module).toBe('forecasting')
  })

  it('counts an event sent from a pricing page as a pricing view of its module', () => {
    const event = track('Plan Compared', { context: { page: { path: '/upgrade/expenses' } } })
    expect(resolveModule(event, ledgerly)).toMatchObject({ module: 'expenses', kind: 'pricing' })
  })
})

describe("when the catalogue names the product's own events", () => {
  it('counts a pricing-view event as a pricing view wherever it is sent from', () => {
    expect(resolveModule(track('Pricing Viewed'), ledgerly)).toMatchObject({ kind: 'pricing' })
    expect(resolveModule(track('Upgrade Page Viewed'), ledgerly)).toMatchObject({
      kind: 'pricing',
    })
  })

  it('gives a module-use event its module, properties.module first', () => {
    expect(resolveModule(track('Payslip Generated'), ledgerly).module).toBe('payroll')
    const named = track('Payslip Generated', { properties: { module: 'expenses' } })
    expect(resolveModule(named, ledgerly).module).toBe('expenses')
  })

  it('keeps lifecycle events out of usage, whatever page they come from', () => {
    const order = track('Order Completed', { context: { page: { path: '/upgrade/payroll' } } })
    expect(resolveModule(order, ledgerly)).toEqual({ module: '', kind: 'lifecycle', path: '' })
  })
})

describe("when the catalogue's events section is wrong", () => {
  const base = { modules: [{ key: 'books', name: 'Books', paid: false }] }

  it('names a module-use event whose module does not exist', () => {
    expect(() =>
      parseModuleCatalogue({ ...base, events: { moduleUse: { 'Pay Run': 'payroll' } } }),
    ).toThrow(/events\.moduleUse\.Pay Run: no module "payroll"/)
  })

  it('refuses a lifecycle event as a pricing view, and an unknown field', () => {
    expect(() =>
      parseModuleCatalogue({ ...base, events: { pricingViews: ['Order Completed'] } }),
    ).toThrow(ModuleCatalogueError)
    expect(() => parseModuleCatalogue({ ...base, events: { pricingView: [] } })).toThrow(
      /events: Unrecognized key/,
    )
  })
})
