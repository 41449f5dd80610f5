import { Analytics } from '@segment/analytics-node'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { buildTestApp, writeKey } from '../test/app.js'
import { queryRows, useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'

let ch: ClickHouse
let db: Db
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
})

describe('when the official Segment Node SDK is pointed at our host', () => {
  it('delivers track, page, identify and group calls that land in ClickHouse', async () => {
    const { app } = await buildTestApp({ ch, db })
    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    const analytics = new Analytics({ writeKey, host: address, flushAt: 10, flushInterval: 50 })
    const errors: unknown[] = []
    analytics.on('error', (error) => errors.push(error))

    analytics.group({
      userId: 'sdk-user',
      groupId: 'sdk-tenant',
      traits: { name: 'SDK Co', plan: 'free', seats: 3 },
    })
    analytics.identify({
      userId: 'sdk-user',
      traits: { email: 'sdk@example.com' },
      context: { groupId: 'sdk-tenant' },
    })
    analytics.track({
      userId: 'sdk-user',
      event: 'Report Created',
      properties: { module: 'analytics' },
      context: { groupId: 'sdk-tenant' },
    })
    analytics.page({ userId: 'sdk-user', name: 'Pricing', properties: { path: '/pricing/ai' } })
    analytics.track({
      anonymousId: 'anon-9',
      event: 'Signed In',
      properties: { module: 'workspace' },
      context: { groupId: 'sdk-tenant' },
    })
    await analytics.closeAndFlush({ timeout: 10_000 })

    expect(errors).toEqual([])
    const rows = await queryRows<Record<string, string>>(
      ch,
      'SELECT type, event, tenant_id, module, kind, user_id, anonymous_id FROM {db:Identifier}.events ORDER BY type, event',
    )
    expect(rows).toEqual([
      {
        type: 'group',
        event: '',
        tenant_id: 'sdk-tenant',
        module: '',
        kind: 'group',
        user_id: 'sdk-user',
        anonymous_id: '',
      },
      {
        type: 'identify',
        event: '',
        tenant_id: 'sdk-tenant',
        module: '',
        kind: 'identify',
        user_id: 'sdk-user',
        anonymous_id: '',
      },
      // The page call names no tenant: it is the user's last group.
      {
        type: 'page',
        event: 'Pricing',
        tenant_id: 'sdk-tenant',
        module: 'ai',
        kind: 'pricing',
        user_id: 'sdk-user',
        anonymous_id: '',
      },
      {
        type: 'track',
        event: 'Report Created',
        tenant_id: 'sdk-tenant',
        module: 'analytics',
        kind: 'action',
        user_id: 'sdk-user',
        anonymous_id: '',
      },
      {
        type: 'track',
        event: 'Signed In',
        tenant_id: 'sdk-tenant',
        module: 'workspace',
        kind: 'action',
        user_id: '',
        anonymous_id: 'anon-9',
      },
    ])
    const traits = await queryRows(
      ch,
      'SELECT name, plan, seats FROM {db:Identifier}.tenant_traits FINAL',
    )
    expect(traits).toEqual([{ name: 'SDK Co', plan: 'free', seats: 3 }])
  })
})
