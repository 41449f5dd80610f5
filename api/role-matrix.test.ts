import { beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import type { KeyRole } from './api-keys.js'
import { addAccount, addAlert, addRule, bearerAuth, buildPeopleTestApp } from './test-support.js'

let ch: ClickHouse
let db: Db
let alertId: string
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
  await addAccount(db, 'matrix-prospect', 'prospect')
  await addAccount(db, 'matrix-customer', 'customer')
  alertId = await addAlert(db, { tenantId: 'matrix-customer', ruleId: await addRule(db) })
})

type Caller = KeyRole | 'none' | 'bad'
const callers: Caller[] = ['admin', 'sales', 'csm', 'data', 'write', 'none', 'bad']

interface Endpoint {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  route: string
  allowed: KeyRole[]
  body?: unknown
}

// Every /api route with the roles DESIGN.md gives it. Bodies are valid but point at
// nothing that matters: an allowed call may still answer 404 or 409, never 401 or 403.
const endpoints: Endpoint[] = [
  { method: 'GET', route: '/api/leads', allowed: ['sales', 'admin'] },
  {
    method: 'POST',
    route: '/api/leads',
    allowed: ['sales', 'admin'],
    body: { tenantId: 'nobody' },
  },
  { method: 'PATCH', route: '/api/leads/:id', allowed: ['sales', 'admin'], body: { note: 'x' } },
  { method: 'POST', route: '/api/leads/:id/convert', allowed: ['sales', 'admin'], body: {} },
  { method: 'GET', route: '/api/accounts/:tenantId', allowed: ['sales', 'csm', 'admin'] },
  { method: 'GET', route: '/api/accounts/:tenantId/usage', allowed: ['sales', 'csm', 'admin'] },
  { method: 'GET', route: '/api/alerts', allowed: ['csm', 'admin'] },
  { method: 'POST', route: '/api/alerts/:alertId/acknowledge', allowed: ['csm', 'admin'] },
  {
    method: 'POST',
    route: '/api/alerts/:alertId/snooze',
    allowed: ['csm', 'admin'],
    body: { until: '2999-01-01T00:00:00Z' },
  },
  {
    method: 'POST',
    route: '/api/alerts/:alertId/resolve',
    allowed: ['csm', 'admin'],
    body: { resolution: 'called them' },
  },
  {
    method: 'POST',
    route: '/api/alerts/:alertId/assign',
    allowed: ['csm', 'admin'],
    body: { assigneeId: null },
  },
  {
    method: 'POST',
    route: '/api/webhooks',
    allowed: ['admin'],
    body: { url: 'https://example.test/h' },
  },
  { method: 'GET', route: '/api/webhooks', allowed: ['admin'] },
  { method: 'DELETE', route: '/api/webhooks/:id', allowed: ['admin'] },
  { method: 'GET', route: '/api/webhooks/:id/deliveries', allowed: ['admin'] },
  { method: 'POST', route: '/api/keys', allowed: ['admin'], body: { role: 'csm', name: 'matrix' } },
  { method: 'GET', route: '/api/keys', allowed: ['admin'] },
  { method: 'DELETE', route: '/api/keys/:id', allowed: ['admin'] },
  { method: 'GET', route: '/api/users', allowed: ['admin'] },
  {
    method: 'POST',
    route: '/api/users',
    allowed: ['admin'],
    body: { name: 'Matrix', email: 'matrix@example.test', role: 'sales' },
  },
  { method: 'GET', route: '/api/tasks', allowed: ['sales', 'csm', 'admin'] },
  { method: 'GET', route: '/api/tasks/:id', allowed: ['sales', 'csm', 'admin'] },
  {
    method: 'POST',
    route: '/api/tasks',
    allowed: ['sales', 'csm', 'admin'],
    body: { tenantId: 'nobody', title: 'Call', dueAt: '2999-01-01T00:00:00Z' },
  },
  {
    method: 'PATCH',
    route: '/api/tasks/:id',
    allowed: ['sales', 'csm', 'admin'],
    body: { title: 'x' },
  },
  {
    method: 'POST',
    route: '/api/tasks/:id/complete',
    allowed: ['sales', 'csm', 'admin'],
    body: { outcome: 'done' },
  },
  { method: 'POST', route: '/api/tasks/:id/cancel', allowed: ['sales', 'csm', 'admin'], body: {} },
  { method: 'GET', route: '/api/playbooks', allowed: ['admin', 'csm', 'sales', 'data'] },
  { method: 'POST', route: '/api/playbooks', allowed: ['admin'], body: { id: 'matrix' } },
  {
    method: 'POST',
    route: '/api/playbooks/:id/activate',
    allowed: ['admin'],
    body: { version: 1 },
  },
  { method: 'POST', route: '/api/playbooks/:id/retire', allowed: ['admin'] },
]

// Each role opens the account of its own side; the other side is checked below.
const tenantFor = (caller: Caller) => (caller === 'csm' ? 'matrix-customer' : 'matrix-prospect')

describe('when each role calls each endpoint', () => {
  it('covers every /api route the plugin registers', async () => {
    const { routes } = await buildPeopleTestApp({ ch, db })
    const registered = routes.filter((route) => / \/api\//.test(route) && !route.startsWith('HEAD'))
    const covered = endpoints.map((e) => `${e.method} ${e.route.replace(':alertId', ':id')}`)
    expect(new Set(registered)).toEqual(new Set(covered))
  })

  for (const caller of callers) {
    it(`answers a ${caller} caller with allowed or 401/403, nothing else leaked`, async () => {
      const { app, metrics } = await buildPeopleTestApp({ ch, db })
      const headers =
        caller === 'none'
          ? {}
          : bearerAuth(caller === 'bad' ? 'tpk_not_a_key' : `tpk_test_${caller}_key`)
      for (const endpoint of endpoints) {
        const url = endpoint.route
          .replace(':tenantId', tenantFor(caller))
          .replace(':alertId', alertId)
          .replace(':id', '999999')
        const response = await app.inject({
          method: endpoint.method,
          url,
          headers,
          ...(endpoint.body === undefined ? {} : { payload: endpoint.body as object }),
        })
        const where = `${caller}: ${endpoint.method} ${url} → ${response.statusCode} ${response.body}`
        if (caller === 'none' || caller === 'bad') {
          expect(response.statusCode, where).toBe(401)
        } else if (endpoint.allowed.includes(caller)) {
          expect([401, 403], where).not.toContain(response.statusCode)
          expect(response.statusCode, where).toBeLessThan(500)
        } else {
          expect(response.statusCode, where).toBe(403)
        }
        if (response.statusCode === 401 || response.statusCode === 403) {
          const body = response.json()
          expect(Object.keys(body), where).toEqual(['error'])
          expect(Object.keys(body.error).sort(), where).toEqual(['code', 'message'])
          expect(body.error.message, where).not.toMatch(/select|insert|api_keys|key_hash|\bat \//i)
        }
      }
      const denied = await metrics.registry.getSingleMetricAsString('tenantpulse_api_denied_total')
      if (caller === 'none') expect(denied).toMatch(/code="AUTH_MISSING_API_KEY"} \d+/)
      if (caller === 'bad') expect(denied).toMatch(/code="AUTH_INVALID_API_KEY"} \d+/)
      if (caller === 'data' || caller === 'write')
        expect(denied).toMatch(/code="AUTH_FORBIDDEN"} \d+/)
    })
  }
})

describe('when a role opens an account of the other side', () => {
  it.each([
    ['sales', 'matrix-customer'],
    ['csm', 'matrix-prospect'],
  ] as const)('refuses %s on %s with a 403 that says why', async (role, tenant) => {
    const { app } = await buildPeopleTestApp({ ch, db })
    for (const url of [`/api/accounts/${tenant}`, `/api/accounts/${tenant}/usage`]) {
      const response = await app.inject({ url, headers: bearerAuth(`tpk_test_${role}_key`) })
      expect(response.statusCode).toBe(403)
      expect(response.json().error.code).toBe('AUTH_FORBIDDEN')
      expect(response.json().error.message).toMatch(/is a (customer|prospect)/)
    }
  })

  it('lets admin open both', async () => {
    const { app, keys } = await buildPeopleTestApp({ ch, db })
    for (const tenant of ['matrix-customer', 'matrix-prospect']) {
      const response = await app.inject({
        url: `/api/accounts/${tenant}`,
        headers: bearerAuth(keys.admin),
      })
      expect(response.statusCode).toBe(200)
    }
  })
})

describe('when a write key or a malformed header is used', () => {
  it('tells a write key it only sends events', async () => {
    const { app, keys } = await buildPeopleTestApp({ ch, db })
    const response = await app.inject({ url: '/api/leads', headers: bearerAuth(keys.write) })
    expect(response.statusCode).toBe(403)
    expect(response.json().error.message).toMatch(/tracking API/)
  })

  it('answers Basic auth with 401 AUTH_MISSING_API_KEY', async () => {
    const { app, keys } = await buildPeopleTestApp({ ch, db })
    const response = await app.inject({
      url: '/api/leads',
      headers: { authorization: `Basic ${Buffer.from(`${keys.admin}:`).toString('base64')}` },
    })
    expect(response.statusCode).toBe(401)
    expect(response.json().error.code).toBe('AUTH_MISSING_API_KEY')
  })

  it('checks the key before the body: no validation detail for a stranger', async () => {
    const { app } = await buildPeopleTestApp({ ch, db })
    const response = await app.inject({ method: 'POST', url: '/api/leads', payload: { nope: 1 } })
    expect(response.statusCode).toBe(401)
  })
})
