import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify'
import { consolePlugin } from '../console/plugin.js'
import type { IngestService } from '../ingest/ingest-service.js'
import type { ModuleCatalogue } from '../ingest/module-catalogue.js'
import { ingestRoutes } from '../ingest/routes.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Config } from '../platform/config.js'
import { AppError, type ErrorCode, errorBody, errorCodes } from '../platform/errors.js'
import type { Logger } from '../platform/logger.js'
import type { Metrics } from '../platform/metrics.js'
import type { Db } from '../platform/postgres.js'
import { healthRoutes } from './health-routes.js'
import { createModelsRoutes } from './models-routes.js'
import { peopleApi } from './people-api.js'
import { createRouteRoles } from './route-roles.js'
import { createRulesRoutes, type RulesRoutesOptions } from './rules-routes.js'

export interface AppDeps {
  config: Config
  log: Logger
  ch: ClickHouse
  db: Db
  catalogue: ModuleCatalogue
  metrics: Metrics
  ingest: IngestService
  /** Redis readiness ('ok', or why not), where this process uses the job queue. */
  redisCheck?: () => Promise<string>
  /** The CRM store's deployment id and this deployment's queue prefix, for /readyz. */
  deployment?: { id: string; queuePrefix: string }
  /** Queues an evaluation of the active rules; absent where no job queue is reachable. */
  enqueueEvaluate?: RulesRoutesOptions['enqueueEvaluate']
}

// Fastify's own errors that a client causes, mapped to our codes.
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'INGEST_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'BAD_REQUEST',
}

/** Builds the whole HTTP app; api/server.ts only listens. Tests use inject(). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is what Fastify wants at run time; only its declared types differ.
    loggerInstance: deps.log as FastifyBaseLogger,
    // The tracking API's own limit is checked per route; this is the people's API.
    bodyLimit: 1024 * 1024,
    // One line per request would dominate the log at ingest rates; errors are logged.
    logController: new LogController({ disableRequestLogging: true }),
    // The SDKs keep connections alive between flushes.
    keepAliveTimeout: 65_000,
  })

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      deps.metrics.requestsRefused.inc({ code: error.code })
      if (error.status >= 500)
        request.log.warn({ code: error.code, err: error.cause }, error.message)
      return reply
        .code(error.status)
        .headers(error.headers)
        .send(errorBody(error.code, error.message, error.details))
    }
    const mapped = error.code ? fastifyCodes[error.code] : undefined
    if (mapped !== undefined) {
      deps.metrics.requestsRefused.inc({ code: mapped })
      return reply.code(errorCodes[mapped].status).send(errorBody(mapped, error.message))
    }
    request.log.error({ err: error }, 'unhandled error')
    deps.metrics.requestsRefused.inc({ code: 'INTERNAL' })
    return reply.code(500).send(errorBody('INTERNAL', 'internal error'))
  })
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url}`)),
  )

  // Recorded before the API's routes are added: the console admits, per page, the roles
  // the API route it stands for declares.
  const routeRoles = createRouteRoles()
  app.addHook('onRoute', routeRoles.record)

  await app.register(healthRoutes, {
    ch: deps.ch,
    db: deps.db,
    metrics: deps.metrics,
    // Read at call time: the job queue may be attached after the app is built.
    redisCheck: async () => deps.redisCheck?.(),
    deployment: deps.deployment,
  })
  await app.register(peopleApi, {
    db: deps.db,
    ch: deps.ch,
    metrics: deps.metrics,
    config: deps.config,
    routers: [
      createRulesRoutes({
        catalogue: deps.catalogue,
        // Read at call time: the job queue may be attached after the app is built.
        enqueueEvaluate: (kind, asOf) => {
          if (!deps.enqueueEvaluate) {
            throw new AppError(
              'JOBS_UNAVAILABLE',
              'this process has no job queue; evaluations are not possible from here',
            )
          }
          return deps.enqueueEvaluate(kind, asOf)
        },
      }),
      createModelsRoutes({ catalogue: deps.catalogue }),
    ],
  })
  await app.register(consolePlugin, {
    db: deps.db,
    ch: deps.ch,
    catalogue: deps.catalogue,
    routeRoles,
    escalateDays: deps.config.TASK_OVERDUE_ESCALATE_DAYS,
  })
  await app.register(ingestRoutes, {
    ingest: deps.ingest,
    maxBodyBytes: deps.config.INGEST_MAX_BODY_BYTES,
  })
  return app
}
