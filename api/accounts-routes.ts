import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { accountsController as accounts } from './accounts-controller.js'
import { accountView, tenantParams, usageQuery, usageSchema } from './accounts-schemas.js'
import { caller } from './auth.js'
import { bearer, errorResponses } from './schemas.js'

// Each role then sees only its accounts' lifecycle states (accounts-controller.ts).
const roles = ['sales', 'csm', 'admin'] as const
const tags = ['accounts']

/** One account as its owner sees it, and its daily usage. */
export async function accountsRoutes(
  app: FastifyInstance,
  options: { db: Db; ch: ClickHouse; escalateDays: number },
) {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const { db, ch } = options

  api.get('/api/accounts/:tenantId', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary:
        'The CRM record, history, health, open alerts, intent signals, open tasks and priority of an account',
      description: 'sales sees prospects, leads and opportunities; csm customers and churned',
      params: tenantParams,
      response: { 200: accountView, ...errorResponses },
    },
    handler: (request) =>
      accounts.view(db, caller(request), request.params.tenantId, {
        now: new Date(),
        escalateDays: options.escalateDays,
      }),
  })

  api.get('/api/accounts/:tenantId/usage', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: 'Daily events and active users of an account, per module and kind',
      params: tenantParams,
      querystring: usageQuery,
      response: { 200: usageSchema, ...errorResponses },
    },
    handler: (request) =>
      accounts.usage({ db, ch }, caller(request), request.params.tenantId, request.query),
  })
}
