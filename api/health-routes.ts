import type { FastifyInstance } from 'fastify'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Metrics } from '../platform/metrics.js'
import type { Db } from '../platform/postgres.js'

export interface HealthRoutesOptions {
  ch: ClickHouse
  db: Db
  metrics: Metrics
  /** The job queue's Redis: 'ok' or why not; undefined where this process has none. */
  redisCheck: () => Promise<string | undefined>
  /** Which deployment this is, and the queue prefix its jobs live under. */
  deployment?: { id: string; queuePrefix: string } | undefined
}

async function check(probe: () => Promise<unknown>): Promise<string> {
  try {
    await probe()
    return 'ok'
  } catch (error) {
    return `failed: ${(error as Error).message}`
  }
}

/** Liveness, readiness (the engines answer) and Prometheus metrics; no auth. */
export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions) {
  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (_request, reply) => {
    const checks: Record<string, string> = {
      clickhouse: await check(() =>
        options.ch.client.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json()),
      ),
      postgres: await check(() => options.db.query('SELECT 1')),
    }
    const redis = await options.redisCheck()
    if (redis !== undefined) checks.redis = redis
    const ready = Object.values(checks).every((v) => v === 'ok')
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not ready',
      checks,
      ...(options.deployment ? { deployment: options.deployment } : {}),
    })
  })

  app.get('/metrics', async (_request, reply) => {
    const text = await options.metrics.registry.metrics()
    return reply.type(options.metrics.registry.contentType).send(text)
  })
}
