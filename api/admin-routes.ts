import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Db } from '../platform/postgres.js'
import { adminController as admin } from './admin-controller.js'
import {
  apiKeySchema,
  createdKey,
  createKeyBody,
  createUserBody,
  keyPage,
  listKeysQuery,
  listUsersQuery,
  userPage,
  userSchema,
} from './admin-schemas.js'
import { bearer, errorResponses, idParams } from './schemas.js'

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

  api.get('/api/keys', {
    config: { roles },
    schema: {
      tags: ['keys'],
      security: bearer,
      summary: 'The API keys, without their secrets',
      querystring: listKeysQuery,
      response: { 200: keyPage, ...errorResponses },
    },
    handler: (request) => admin.listKeys(db, request.query),
  })

  api.delete('/api/keys/:id', {
    config: { roles },
    schema: {
      tags: ['keys'],
      security: bearer,
      summary: 'Revoke a key: it opens nothing any more (a write key within 30 s)',
      params: idParams,
      response: { 200: apiKeySchema, ...errorResponses },
    },
    handler: (request) => admin.revokeKey(db, request.params.id),
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
