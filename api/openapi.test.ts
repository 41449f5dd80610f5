import { beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { buildPeopleTestApp } from './test-support.js'

let ch: ClickHouse
let db: Db
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
})

interface Operation {
  security?: unknown
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>
  requestBody?: unknown
}
interface OpenApiDocument {
  openapi: string
  info: { title: string; version: string }
  paths: Record<string, Record<string, Operation>>
  components: { securitySchemes: Record<string, unknown> }
}

describe('when the OpenAPI document is fetched from /docs/json', () => {
  it('is OpenAPI 3 and lists every /api route, each with bearer auth and a response schema', async () => {
    const { app, routes } = await buildPeopleTestApp({ ch, db })
    const response = await app.inject({ url: '/docs/json' })
    expect(response.statusCode).toBe(200)
    const document = response.json() as OpenApiDocument
    expect(document.openapi).toMatch(/^3\.\d+\.\d+$/)
    expect(document.info.title).toBeTruthy()
    expect(document.components.securitySchemes.bearerAuth).toEqual({
      type: 'http',
      scheme: 'bearer',
    })

    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    )
    const registered = routes
      .filter((route) => / \/api\//.test(route) && !route.startsWith('HEAD'))
      .map((route) => route.replace(/:(\w+)/g, '{$1}'))
    expect(registered.length).toBeGreaterThan(15)
    expect(new Set(documented)).toEqual(new Set(registered))

    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const where = `${method} ${path}`
        expect(operation.security, where).toEqual([{ bearerAuth: [] }])
        const success = Object.keys(operation.responses).find((code) => code.startsWith('2'))
        expect(success, where).toBeDefined()
        expect(
          operation.responses[success!]!.content?.['application/json']?.schema,
          where,
        ).toBeTruthy()
        expect(operation.responses['403'], where).toBeDefined()
      }
    }
  })

  it('documents request bodies from the zod schemas', async () => {
    const { app } = await buildPeopleTestApp({ ch, db })
    const document = (await app.inject({ url: '/docs/json' })).json() as OpenApiDocument
    const snooze = document.paths['/api/alerts/{id}/snooze']!.post!.requestBody as {
      content: Record<string, { schema: { required: string[] } }>
    }
    expect(snooze.content['application/json']!.schema.required).toEqual(['until'])
  })
})

describe('when a person opens /docs', () => {
  it('serves the Swagger UI without a key', async () => {
    const { app } = await buildPeopleTestApp({ ch, db })
    const response = await app.inject({ url: '/docs/' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/text\/html/)
  })
})
