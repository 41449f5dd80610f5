import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Db } from '../platform/postgres.js'
import { adminController as admin } from './admin-controller.js'
import {
  createdKey,
  createKeyBody,
  createUserBody,
  listUsersQuery,
  userPage,
  userSchema,
} from './admin-schemas.js'
import { bearer, errorResponses } from './schemas.js'

const roles = ['admin'] as const

/** The CRM's people and the API keys: admin only. */
export async function adminRoutes(app: FastifyInstance, options: { db: Db }) {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const { db } = options

  api.post('/api/keys', {
    config: { roles },
    schema: {
      tags: ['keys'],
      security: bearer,
      summary: 'Make an API key for a role; the key is in this answer only',
      body: createKeyBody,
      response: { 201: createdKey, ...errorResponses },
    },
    handler: async (request, reply) =>
      reply.code(201).send(await admin.createKey(db, request.body)),
  })

  api.get('/api/users', {
    config: { roles },
    schema: {
      tags: ['users'],
      security: bearer,
      summary: "The CRM's people",
      querystring: listUsersQuery,
      response: { 200: userPage, ...errorResponses },
    },
    handler: (request) => admin.listUsers(db, request.query),
  })

  api.post('/api/users', {
    config: { roles },
    schema: {
      tags: ['users'],
      security: bearer,
      summary: 'Add a person (csm users join the round robin of new customers)',
      body: createUserBody,
      response: { 201: userSchema, ...errorResponses },
    },
    handler: async (request, reply) =>
      reply.code(201).send(await admin.createUser(db, request.body)),
  })
}
