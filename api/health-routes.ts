import type { FastifyInstance } from 'fastify'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Metrics } from '../platform/metrics.js'

export interface HealthRoutesOptions {
  ch: ClickHouse
  metrics: Metrics
}

/** Liveness, readiness (the engines answer) and Prometheus metrics; no auth. */
export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions) {
  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (_request, reply) => {
    const checks: Record<string, string> = {}
    try {
      await options.ch.client
        .query({ query: 'SELECT 1', format: 'JSONEachRow' })
        .then((r) => r.json())
      checks.clickhouse = 'ok'
    } catch (error) {
      checks.clickhouse = `failed: ${(error as Error).message}`
    }
    const ready = Object.values(checks).every((v) => v === 'ok')
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks })
  })

  app.get('/metrics', async (_request, reply) => {
    const text = await options.metrics.registry.metrics()
    return reply.type(options.metrics.registry.contentType).send(text)
  })
}
