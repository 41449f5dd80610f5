import type { FastifyInstance } from 'fastify'
import { type Endpoint, endpoints, type IngestService } from './ingest-service.js'

export interface IngestRoutesOptions {
  ingest: IngestService
  maxBodyBytes: number
}

/**
 * The Segment HTTP Tracking API. Bodies arrive as raw bytes whatever their content
 * type (SDKs differ: application/json, text/plain, gzip), and the ingest service
 * decodes them itself, so that it can cap the decoded size and keep big integers.
 * Registered as its own plugin: the byte parser stays out of the people's API.
 */
export async function ingestRoutes(app: FastifyInstance, options: IngestRoutesOptions) {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: options.maxBodyBytes },
    (_req, body, done) => done(null, body),
  )

  for (const endpoint of endpoints) {
    app.post(`/v1/${endpoint}`, async (request, reply) => {
      const answer = await options.ingest.handle({
        endpoint: endpoint as Endpoint,
        body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
        contentEncoding: request.headers['content-encoding'],
        authorization: request.headers.authorization,
        receivedAt: Date.now(),
      })
      return reply.code(200).send(answer)
    })
  }
}
