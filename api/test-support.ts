import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify'
import { onTestFinished } from 'vitest'
import type { ClickHouse } from '../platform/clickhouse.js'
import { loadConfig } from '../platform/config.js'
import { errorBody } from '../platform/errors.js'
import { createMetrics, type Metrics } from '../platform/metrics.js'
import type { Db } from '../platform/postgres.js'
import { testDataDir } from '../test/clickhouse.js'
import { type KeyRole, keyRoles, seedApiKey } from './api-keys.js'
import { type PeopleApiOptions, peopleApi } from './people-api.js'

/**
 * Test support: the people's API on its own Fastify instance with the test engines,
 * as api/app.ts will mount it, and one key per role. Closed when the test ends.
 */
export interface PeopleTestApp {
  app: FastifyInstance
  metrics: Metrics
  /** Every route the plugin registered, as `METHOD /url`. */
  routes: string[]
  keys: Record<KeyRole, string>
}

export async function buildPeopleTestApp(
  engines: { db: Db; ch: ClickHouse },
  routers: PeopleApiOptions['routers'] = [],
): Promise<PeopleTestApp> {
  const config = loadConfig({
    DATA_DIR: testDataDir,
    CLICKHOUSE_DATABASE: engines.ch.database,
    LOG_LEVEL: 'silent',
  })
  const metrics = createMetrics()
  const app = Fastify()
  const routes: string[] = []
  app.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`)
  })
  // The same not-found answer as api/app.ts.
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url}`)),
  )
  await app.register(peopleApi, { db: engines.db, ch: engines.ch, metrics, config, routers })
  await app.ready()
  onTestFinished(() => app.close())
  const keys = {} as Record<KeyRole, string>
  for (const role of keyRoles) {
    keys[role] = `tpk_test_${role}_key`
    await seedApiKey(engines.db, { key: keys[role], role, name: `test ${role}` })
  }
  return { app, metrics, routes, keys }
}

export const bearerAuth = (key: string) => ({ authorization: `Bearer ${key}` })

/** Test fixtures: an account in a lifecycle state, straight into the table. */
export async function addAccount(
  db: Db,
  tenantId: string,
  lifecycle: 'prospect' | 'lead' | 'opportunity' | 'customer' | 'churned' = 'prospect',
): Promise<void> {
  await db.query(
    `INSERT INTO accounts (tenant_id, name, lifecycle, owner_team) VALUES ($1, $2, $3, $4)`,
    [
      tenantId,
      `Account ${tenantId}`,
      lifecycle,
      ['customer', 'churned'].includes(lifecycle) ? 'cs' : 'sales',
    ],
  )
}

/** A churn rule with one version, so that alerts can reference it. */
export async function addRule(db: Db, id = 'usage-drop'): Promise<string> {
  await db.query(
    `INSERT INTO rules (id, kind, name) VALUES ($1, 'churn', $1) ON CONFLICT (id) DO NOTHING`,
    [id],
  )
  await db.query(
    `INSERT INTO rule_versions (rule_id, version, definition, created_by)
     VALUES ($1, 1, '{}', 'test') ON CONFLICT DO NOTHING`,
    [id],
  )
  return id
}

export async function addAlert(
  db: Db,
  input: { tenantId: string; ruleId: string; severity?: string; status?: string },
): Promise<string> {
  const status = input.status ?? 'open'
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO alerts (tenant_id, rule_id, rule_version, severity, title, status, evidence,
       snoozed_until, resolved_at)
     VALUES ($1, $2, 1, $3, 'usage fell', $4, '{"events_change_pct": -62}',
       CASE WHEN $4 = 'snoozed' THEN now() + interval '1 day' END,
       CASE WHEN $4 = 'resolved' THEN now() END)
     RETURNING id`,
    [input.tenantId, input.ruleId, input.severity ?? 'high', status],
  )
  return rows[0]!.id
}
