import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Config } from '../platform/config.js'
import type { Metrics } from '../platform/metrics.js'
import type { Db } from '../platform/postgres.js'
import { accountsRoutes } from './accounts-routes.js'
import { adminRoutes } from './admin-routes.js'
import { alertsRoutes } from './alerts-routes.js'
import { createAuthHook, requireDeclaredRoles } from './auth.js'
import { createErrorHandler, deniedCounter } from './error-handler.js'
import { leadsRoutes } from './leads-routes.js'
import { playbooksRoutes } from './playbooks-routes.js'
import { tasksRoutes } from './tasks-routes.js'
import { webhooksRoutes } from './webhooks-routes.js'

export interface PeopleApiOptions {
  db: Db
  ch: ClickHouse
  metrics: Metrics
  config: Config
  /**
   * More routers to mount inside this scope (the rules API, say): they get the key
   * check, the zod compilers, the error format and a place in /docs. Each /api route
   * must declare `config.roles`.
   */
  routers?: ReadonlyArray<(app: FastifyInstance, options: PeopleApiOptions) => Promise<void>>
}

/**
 * The API for people: sales, customer success and admins (api/README.md). An
 * encapsulated plugin: its zod compilers, error handler, key check and OpenAPI
 * document stay inside it, apart from the tracking API's raw-body parser. Order
 * matters: the swagger plugin must see every route as it is added, and the checks
 * on each route must be in place before the first router registers.
 */
export async function peopleApi(app: FastifyInstance, options: PeopleApiOptions) {
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: "TenantPulse people's API",
        description: 'Leads for sales, churn alerts for customer success, administration.',
        version: '1',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      },
    },
    transform: jsonSchemaTransform,
  })
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' })

  app.setErrorHandler(
    createErrorHandler({
      metrics: options.metrics,
      denied: deniedCounter(options.metrics.registry),
    }),
  )
  app.decorateRequest('apiKey', null)
  app.addHook('onRoute', requireDeclaredRoles)
  app.addHook('onRequest', createAuthHook(options.db))

  const { db, ch } = options
  await app.register(leadsRoutes, { db })
  const escalateDays = options.config.TASK_OVERDUE_ESCALATE_DAYS
  await app.register(accountsRoutes, { db, ch, escalateDays })
  await app.register(alertsRoutes, { db })
  await app.register(webhooksRoutes, { db })
  await app.register(adminRoutes, { db })
  await app.register(tasksRoutes, { db, escalateDays })
  await app.register(playbooksRoutes, { db })
  for (const router of options.routers ?? []) await app.register(router, options)
}
